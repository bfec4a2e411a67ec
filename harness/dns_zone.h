/*
 * dns_zone.h: DNS fixtures in memory. Zone files are standard RFC 1035 master files ($ORIGIN,
 * $TTL, relative names, parentheses), read with ldns. A file may hold several zones: each SOA
 * record starts a zone at its owner name, and every following record belongs to the deepest
 * zone of that file that encloses its name. Several files make one zone set.
 *
 * Names compare case-insensitively, in the canonical order of RFC 4034 §6.
 */
#ifndef FEDSIM_DNS_ZONE_H
#define FEDSIM_DNS_ZONE_H

#include <stddef.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

struct dns_rrset {
    ldns_rdf *owner; /* borrowed from the first record */
    ldns_rr_type type;
    ldns_rr_list *rrs; /* owned, with its records, in file order */
    size_t order;      /* where its first record is in the zone's file (ANY picks by it) */
};

struct dns_zone {
    ldns_rdf *apex;         /* owned */
    ldns_rr *soa;           /* borrowed: it lives in its rrset */
    struct dns_rrset *sets; /* owned, sorted by owner then type */
    size_t nsets;
    char *where; /* owned: "file:line" of the SOA, or "SUT file" */
};

struct dns_answer_cache;

struct dns_zoneset {
    struct dns_zone **zones; /* owned */
    size_t nzones;
    /* Owned: the answers dns_answer.c encoded from this set, emptied whenever the set changes. */
    struct dns_answer_cache *answers;
};

struct dns_zoneset *dns_zoneset_new(void);
void dns_zoneset_free(struct dns_zoneset *zs);

/*
 * Loads every zone of a master file into the set. On error nothing is added and err holds
 * "file:line: what is wrong". Returns 0 or -1.
 */
int dns_zoneset_load_file(struct dns_zoneset *zs, const char *path, char *err, size_t errlen);

/* The same from a string; `name` stands in for the file name in messages. */
int dns_zoneset_load_string(struct dns_zoneset *zs, const char *name, const char *text, char *err,
                            size_t errlen);

/*
 * Synthesizes the SUT's own records unless a loaded zone already encloses `domain` (then the
 * fixture decides, e.g. to reproduce a missing SRV): a zone `domain` with an SOA,
 * `_xmpp-server._tcp.domain SRV 0 0 PORT s2s.domain.` and `s2s.domain A/AAAA ADDR`, TTL 5;
 * with s2s_tls (its direct TLS listener, NULL: none) also `_xmpps-server._tcp.domain SRV 0 0
 * PORT s2s-tls.domain.` and `s2s-tls.domain A/AAAA ADDR` (XEP-0368).
 * Returns 1 if added, 0 if a fixture covers the domain, -1 on a bad domain (err set).
 */
int dns_zoneset_add_sut(struct dns_zoneset *zs, const char *domain, const struct sockaddr *s2s,
                        const struct sockaddr *s2s_tls, char *err, size_t errlen);

/* The deepest zone enclosing `name`, or NULL (the server answers REFUSED). */
const struct dns_zone *dns_zoneset_find_zone(const struct dns_zoneset *zs, const ldns_rdf *name);

/* The rrset of `type` at `name`, or NULL. */
const struct dns_rrset *dns_zone_find(const struct dns_zone *z, const ldns_rdf *name,
                                      ldns_rr_type type);

/*
 * All rrsets at `name`: sets them in *first and returns their count (0 if the name has no data).
 */
size_t dns_zone_name_sets(const struct dns_zone *z, const ldns_rdf *name,
                          const struct dns_rrset **first);

/* 1 if `name` owns data or is an empty non-terminal (a name below it owns data), else 0. */
int dns_zone_name_exists(const struct dns_zone *z, const ldns_rdf *name);

/* Number of records in the set, over all zones (for the start-up summary). */
size_t dns_zoneset_count_records(const struct dns_zoneset *zs);

#endif
