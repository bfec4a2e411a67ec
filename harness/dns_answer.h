/*
 * dns_answer.h: turns one DNS query message into the authoritative response from a zone set, as
 * NSD gives it: RFC 1034 §4.3.2 over the deepest enclosing zone, with RFC 4592 wildcards,
 * referrals below zone cuts (AA clear, NS in authority, glue), DS at a cut from the parent side,
 * RFC 6672 DNAME, CNAME chains through every served zone (loops end on a repeated rrset),
 * NXDOMAIN and NODATA with the zone's SOA (TTL per RFC 2308), the zone's NS set after positive
 * answers, A/AAAA of NS, MX, KX and SRV targets in additional, one rrset for ANY (RFC 8482).
 * EDNS0 is echoed (our size 1232, BADVERS for versions other than 0); an answer must fit in 512
 * bytes, the client's EDNS size up to 1232, or 65535 over TCP, filled rrset by rrset: what does
 * not fit in answer or authority sets TC, optional rrsets are left out. Names outside every zone
 * get REFUSED, undecodable queries FORMERR, opcodes other than QUERY NOTIMP. The question is
 * echoed exactly as asked (letter case included).
 */
#ifndef FEDSIM_DNS_ANSWER_H
#define FEDSIM_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "dns_fault.h"
#include "dns_zone.h"

/* The EDNS UDP payload size fedsim advertises. */
#define DNS_ANSWER_EDNS_SIZE 1232

/* Extended rcode value for BADVERS (RFC 6891). */
#define DNS_RCODE_BADVERS 16

/* What the query log and observers see of one exchange. */
struct dns_answer_info {
    char qname[256]; /* as asked, presentation format with final dot; "-" if undecodable */
    uint16_t qtype;  /* 0 if undecodable */
    int rcode;       /* LDNS_RCODE_* or DNS_RCODE_BADVERS; -1 when no response was sent */
    int ancount;     /* answer records sent */
    int truncated;   /* TC=1 was sent */
    int delay_ms;    /* a fault asks to send it this much later (UDP) */
    int fault;       /* a scenario's fault decided the answer */
};

/*
 * Builds the response to the query in q[0..qlen). `tcp` lifts the UDP size limit. Returns 1 and
 * sets *out (malloc'd, caller frees) and *outlen, or 0 when nothing must be sent back (shorter
 * than a header, or a response rather than a query). `info` is always filled.
 */
int dns_answer(const struct dns_zoneset *zs, const uint8_t *q, size_t qlen, int tcp, uint8_t **out,
               size_t *outlen, struct dns_answer_info *info);

/* The same, with injected faults consulted first (faults may be NULL). */
int dns_answer_faulty(const struct dns_zoneset *zs, const struct dns_faults *faults,
                      const uint8_t *q, size_t qlen, int tcp, uint8_t **out, size_t *outlen,
                      struct dns_answer_info *info);

/* Flags for dns_answer_query. */
#define DNS_ANSWER_NO_QNAME 0x1 /* leave info->qname empty: nobody logs or observes it */
#define DNS_ANSWER_NO_CACHE 0x2 /* build the answer with ldns even if the cache holds it */

/*
 * dns_answer_faulty with flags. A plain query (one question without compression, at most an
 * OPT record of version 0 without options and a size of 512 or more, no fault in `faults`) is
 * answered from the zone set's cache when it holds that answer: the bytes ldns encoded for the
 * same lower-cased name, type, class, EDNS presence and size limit (512, the EDNS size up to
 * 1232, or TCP), with this query's id, RD and CD and its question as asked. The first such
 * query of a kind is answered by ldns and its answer kept, so every answer is the one ldns
 * gives. Anything else is always answered by ldns.
 */
int dns_answer_query(const struct dns_zoneset *zs, const struct dns_faults *faults,
                     const uint8_t *q, size_t qlen, int tcp, unsigned flags, uint8_t **out,
                     size_t *outlen, struct dns_answer_info *info);

/* The cache of a zone set (dns_zone.c owns one per set and empties it when the set changes). */
struct dns_answer_cache *dns_answer_cache_new(void);
void dns_answer_cache_clear(struct dns_answer_cache *c);
void dns_answer_cache_free(struct dns_answer_cache *c);

struct dns_answer_cache_stats {
    unsigned long hits;  /* answers copied from the cache */
    unsigned long fills; /* answers ldns built and the cache kept */
    unsigned long slow;  /* answers ldns built (fills included) for a zone set with a cache */
    size_t entries, bytes;
};
void dns_answer_cache_stats(const struct dns_answer_cache *c, struct dns_answer_cache_stats *st);

/* "SRV", "A", or "TYPE65280": the mnemonic of a type, into buf. */
const char *dns_answer_type_str(uint16_t type, char *buf, size_t len);

/* "NOERROR", "NXDOMAIN", "BADVERS", ... */
const char *dns_answer_rcode_str(int rcode);

#endif
