/* dns_answer.c: authoritative answers from the zone set (the RFC 1034 lookup with wildcards,
 * referrals, DNAME and CNAME chains, negative answers, additional records, EDNS0, truncation)
 * and the cache of their bytes. */
#include "dns_answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

#define MAX_CNAME_LINKS 8
#define DNS_HEADER_LEN  12

const char *
dns_answer_type_str(uint16_t type, char *buf, size_t len)
{
    char *s = ldns_rr_type2str((ldns_rr_type)type);

    snprintf(buf, len, "%s", s != NULL ? s : "?");
    free(s);
    return buf;
}

const char *
dns_answer_rcode_str(int rcode)
{
    static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                  "NXRRSET", "NOTAUTH", "NOTZONE"};

    if (rcode == DNS_RCODE_BADVERS)
        return "BADVERS";
    if (rcode < 0)
        return "DROPPED";
    if ((size_t)rcode < sizeof(names) / sizeof(names[0]))
        return names[rcode];
    return "RCODE?";
}

/* A header-only error reply for a query ldns could not decode. */
static int
raw_error(const uint8_t *q, int rcode, uint8_t **out, size_t *outlen)
{
    uint8_t *r = xcalloc(1, DNS_HEADER_LEN);

    r[0] = q[0];
    r[1] = q[1];
    r[2] = (uint8_t)(0x80 | (q[2] & 0x78) | (q[2] & 0x01)); /* QR, opcode, RD */
    r[3] = (uint8_t)rcode;
    *out = r;
    *outlen = DNS_HEADER_LEN;
    return 1;
}

/*
 * The answer is built as NSD builds it (RFC 1034 §4.3.2 with RFC 4592 wildcards, RFC 6672
 * DNAME, RFC 4035 §3.1.4.1 DS at a cut): a list of rrsets, each in one section, then encoded
 * rrset by rrset in section order until the size limit. The authority section has a mandatory
 * part (the negative answer's SOA, a referral's NS set) and an optional one (the zone's NS set
 * after a positive answer); the additional section holds A records before AAAA records. What
 * does not fit: an answer or mandatory authority rrset sets TC and ends the message; an optional
 * rrset is left out without TC, and no later section is tried.
 */
enum section { SEC_ANSWER, SEC_AUTHORITY, SEC_OPT_AUTHORITY, SEC_ADD_A, SEC_ADD_AAAA, SEC_COUNT };

/* Chain steps (CNAME, DNAME) one answer may take; loops end earlier, on a repeated rrset. */
#define MAX_CHAIN 64

struct entry {
    enum section sec;
    const void *src;   /* borrowed: the rrset it comes from, its identity (NULL: synthesized) */
    ldns_rdf *owner;   /* owned: the owner in the answer (a wildcard's is the name asked) */
    ldns_rr_list *rrs; /* owned: the records, owner set */
};

struct build {
    const struct dns_zoneset *zs;    /* borrowed */
    const struct dns_faults *faults; /* borrowed; NULL: none */
    ldns_rr_type qtype;
    struct entry *e; /* owned */
    size_t n, cap;
    int rcode, aa, chain, steps, delegation;
};

static void
build_free(struct build *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        ldns_rdf_deep_free(b->e[i].owner);
        ldns_rr_list_deep_free(b->e[i].rrs);
    }
    free(b->e);
    b->e = NULL;
    b->n = b->cap = 0;
}

static int
name_at_or_below(const ldns_rdf *name, const ldns_rdf *apex)
{
    return ldns_dname_compare(name, apex) == 0 || ldns_dname_is_subdomain(name, apex);
}

/* The name one label up (owned), or NULL at the root. */
static ldns_rdf *
parent_of(const ldns_rdf *name)
{
    return ldns_dname_label_count(name) == 0 ? NULL : ldns_dname_left_chop(name);
}

/* "*." + name (owned). */
static ldns_rdf *
wildcard_of(const ldns_rdf *name)
{
    ldns_rdf *w = ldns_dname_new_frm_str("*");

    if (w == NULL || ldns_dname_cat(w, name) != LDNS_STATUS_OK)
        fatalx("cannot make a wildcard name");
    return w;
}

/*
 * Part 5 of issue 15, RFC 8020: a name that a scenario's replace fault answers for exists, and
 * so do the names above it; its other types are NODATA, never NXDOMAIN.
 */
static int
fault_created(const struct build *b, const ldns_rdf *name)
{
    size_t i;

    for (i = 0; b->faults != NULL && i < b->faults->n; i++)
        if (b->faults->f[i].kind == DNS_FAULT_REPLACE &&
            name_at_or_below(b->faults->f[i].name, name))
            return 1;
    return 0;
}

/* The name owns data or is an empty non-terminal in zone z (or a replace fault made it). */
static int
exists(const struct build *b, const struct dns_zone *z, const ldns_rdf *name)
{
    return dns_zone_name_exists(z, name) || fault_created(b, name);
}

/* The same in any zone of the set (additional processing looks at the whole name space). */
static int
exists_anywhere(const struct build *b, const ldns_rdf *name)
{
    size_t i;

    for (i = 0; i < b->zs->nzones; i++)
        if (name_at_or_below(name, b->zs->zones[i]->apex) &&
            dns_zone_name_exists(b->zs->zones[i], name))
            return 1;
    return fault_created(b, name);
}

/* The deepest name at or above `name` that exists in z (owned; the apex at worst). */
static ldns_rdf *
closest_encloser(const struct build *b, const struct dns_zone *z, const ldns_rdf *name)
{
    ldns_rdf *ce = ldns_rdf_clone(name);

    while (ldns_dname_compare(ce, z->apex) != 0 && !exists(b, z, ce)) {
        ldns_rdf *up = parent_of(ce);

        ldns_rdf_deep_free(ce);
        ce = up;
    }
    return ce;
}

/* The highest name from `name` up to (not including) the apex that has NS records: a cut. */
static const struct dns_rrset *
find_cut(const struct dns_zone *z, const ldns_rdf *name)
{
    const struct dns_rrset *cut = NULL, *ns;
    ldns_rdf *d = ldns_rdf_clone(name);

    while (d != NULL && ldns_dname_compare(d, z->apex) != 0 && name_at_or_below(d, z->apex)) {
        ldns_rdf *up;

        if ((ns = dns_zone_find(z, d, LDNS_RR_TYPE_NS)) != NULL)
            cut = ns;
        up = parent_of(d);
        ldns_rdf_deep_free(d);
        d = up;
    }
    ldns_rdf_deep_free(d);
    return cut;
}

/* A DNAME strictly above `name` and strictly below the apex: it occludes what is below. */
static const struct dns_rrset *
find_dname_above(const struct dns_zone *z, const ldns_rdf *name)
{
    const struct dns_rrset *found = NULL;
    ldns_rdf *d = parent_of(name);

    while (d != NULL && ldns_dname_compare(d, z->apex) != 0 && name_at_or_below(d, z->apex)) {
        ldns_rdf *up;

        if ((found = dns_zone_find(z, d, LDNS_RR_TYPE_DNAME)) != NULL)
            break;
        up = parent_of(d);
        ldns_rdf_deep_free(d);
        d = up;
    }
    ldns_rdf_deep_free(d);
    return found;
}

static void add_additional(struct build *b, const struct dns_zone *z, const ldns_rr_list *rrs);

/*
 * Adds an rrset under `owner` (NULL: the records keep theirs) to a section. The same rrset with the
 * same owner is added once: a second add moves it to an earlier section (returns 1) or is refused
 * (returns 0), which is how a CNAME loop ends. NS, MX, KX and SRV sets bring their targets'
 * addresses (from zone z) into the additional section.
 */
static int
add_set(struct build *b, enum section sec, const void *src, const ldns_rr_list *rrs,
        const ldns_rdf *owner, const struct dns_zone *z)
{
    struct entry *e;
    size_t i;

    for (i = 0; src != NULL && owner != NULL && i < b->n; i++) {
        if (b->e[i].src == src && b->e[i].owner != NULL &&
            ldns_dname_compare(b->e[i].owner, owner) == 0) {
            if (sec < b->e[i].sec) {
                b->e[i].sec = sec;
                return 1;
            }
            return 0;
        }
    }
    if (b->n == b->cap) {
        b->cap = b->cap == 0 ? 8 : b->cap * 2;
        b->e = xreallocarray(b->e, b->cap, sizeof(*b->e));
    }
    e = &b->e[b->n++];
    e->sec = sec;
    e->src = src;
    e->owner = owner != NULL ? ldns_rdf_clone(owner) : NULL;
    e->rrs = ldns_rr_list_new();
    for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(rrs, i));

        if (owner != NULL) {
            ldns_rdf_deep_free(ldns_rr_owner(rr));
            ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
        }
        ldns_rr_list_push_rr(e->rrs, rr);
    }
    if (z != NULL && ldns_rr_list_rr_count(rrs) > 0)
        add_additional(b, z, e->rrs);
    return 1;
}

/* The zone's SOA with the negative-caching TTL min(SOA TTL, MINIMUM) (RFC 2308 §3). */
static void
add_negative_soa(struct build *b, const struct dns_zone *z)
{
    ldns_rr_list *l = ldns_rr_list_new();
    ldns_rr *soa = ldns_rr_clone(z->soa);
    uint32_t min = ldns_rdf2native_int32(ldns_rr_rdf(z->soa, 6));

    if (min < ldns_rr_ttl(soa))
        ldns_rr_set_ttl(soa, min);
    ldns_rr_list_push_rr(l, soa);
    add_set(b, SEC_AUTHORITY, &z->soa, l, z->apex, NULL);
    ldns_rr_list_deep_free(l);
}

/*
 * RFC 1034 §4.3.2 step 6: the A and AAAA records of the names NS, MX, KX and SRV records point
 * at, from the zone being answered, wildcards included; glue (a name below a cut of the zone)
 * only for NS.
 */
static void
add_additional(struct build *b, const struct dns_zone *z, const ldns_rr_list *rrs)
{
    size_t i;

    for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        const ldns_rdf *target;
        ldns_rdf *node = NULL;
        int allow_glue = 0, t;

        switch (ldns_rr_get_type(rr)) {
        case LDNS_RR_TYPE_NS:
            target = ldns_rr_rdf(rr, 0);
            allow_glue = 1;
            break;
        case LDNS_RR_TYPE_MX:
        case LDNS_RR_TYPE_KX:
            target = ldns_rr_rdf(rr, 1);
            break;
        case LDNS_RR_TYPE_SRV:
            target = ldns_rr_rdf(rr, 3);
            break;
        default:
            return;
        }
        if (target == NULL || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME ||
            !name_at_or_below(target, z->apex))
            continue;
        if (!allow_glue && find_cut(z, target) != NULL)
            continue;
        if (!exists_anywhere(b, target)) {
            /* Not there: an address from the wildcard of its closest encloser, if any. */
            ldns_rdf *up = parent_of(target);

            while (up != NULL && !exists_anywhere(b, up) && name_at_or_below(up, z->apex)) {
                ldns_rdf *next = parent_of(up);

                ldns_rdf_deep_free(up);
                up = next;
            }
            if (up != NULL && name_at_or_below(up, z->apex)) {
                node = wildcard_of(up);
                if (!dns_zone_name_exists(z, node)) {
                    ldns_rdf_deep_free(node);
                    node = NULL;
                }
            }
            ldns_rdf_deep_free(up);
            if (node == NULL)
                continue;
        }
        for (t = 0; t < 2; t++) {
            const struct dns_rrset *set = dns_zone_find(
                    z, node != NULL ? node : target, t == 0 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA);

            if (set != NULL)
                add_set(b, t == 0 ? SEC_ADD_A : SEC_ADD_AAAA, set, set->rrs, target, NULL);
        }
        ldns_rdf_deep_free(node);
    }
}

static void lookup(struct build *b, const ldns_rdf *name);

/*
 * RFC 8482 §4.2: ANY gets one rrset: the first in file order of A, AAAA, SOA, MX or PTR, else
 * the last other one (DNSKEY, RRSIG and NSEC last of all), as NSD chooses.
 */
static const struct dns_rrset *
pick_any(const struct dns_zone *z, const ldns_rdf *node)
{
    const struct dns_rrset *sets, *pref = NULL, *normal = NULL, *late = NULL;
    size_t n = dns_zone_name_sets(z, node, &sets), i;
    /* The rrsets in file order (a handful: insertion sort). */
    {
        const struct dns_rrset **order = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*order));
        size_t a, k;

        for (i = 0; i < n; i++)
            order[i] = &sets[i];
        for (a = 1; a < n; a++)
            for (k = a; k > 0 && order[k]->order < order[k - 1]->order; k--) {
                const struct dns_rrset *x = order[k];

                order[k] = order[k - 1];
                order[k - 1] = x;
            }
        for (i = 0; i < n && pref == NULL; i++) {
            switch (order[i]->type) {
            case LDNS_RR_TYPE_A:
            case LDNS_RR_TYPE_AAAA:
            case LDNS_RR_TYPE_SOA:
            case LDNS_RR_TYPE_MX:
            case LDNS_RR_TYPE_PTR:
                pref = order[i];
                break;
            case LDNS_RR_TYPE_DNSKEY:
            case LDNS_RR_TYPE_RRSIG:
            case LDNS_RR_TYPE_NSEC:
                late = order[i];
                break;
            case LDNS_RR_TYPE_NSEC3:
                break;
            default:
                normal = order[i];
            }
        }
        free(order);
    }
    return pref != NULL ? pref : normal != NULL ? normal : late;
}

/* The data at `node` (the name itself, or the wildcard that matched it) under `owner`. */
static void
answer_node(struct build *b, const struct dns_zone *z, const ldns_rdf *owner, const ldns_rdf *node)
{
    const struct dns_rrset *set, *ns;

    if (b->qtype == LDNS_RR_TYPE_ANY)
        set = pick_any(z, node);
    else
        set = dns_zone_find(z, node, b->qtype);
    if (set == NULL && b->qtype != LDNS_RR_TYPE_ANY &&
        (set = dns_zone_find(z, node, LDNS_RR_TYPE_CNAME)) != NULL) {
        if (add_set(b, SEC_ANSWER, set, set->rrs, owner, z)) {
            b->chain++;
            lookup(b, ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 0));
        }
        return;
    }
    if (set == NULL) {
        add_negative_soa(b, z); /* NODATA */
        return;
    }
    add_set(b, SEC_ANSWER, set, set->rrs, owner, z);
    /* After a positive answer, the zone's NS set, optional (RFC 1034 §4.3.2 step 3a, 6). */
    if (b->qtype != LDNS_RR_TYPE_DNSKEY && b->qtype != LDNS_RR_TYPE_DS &&
        b->qtype != LDNS_RR_TYPE_ANY && (ns = dns_zone_find(z, z->apex, LDNS_RR_TYPE_NS)) != NULL)
        add_set(b, SEC_OPT_AUTHORITY, ns, ns->rrs, z->apex, z);
}

/* RFC 6672 §2.2: a DNAME at `src` above `name`: itself, a CNAME made from it, and the target. */
static void
answer_dname(struct build *b, const struct dns_zone *z, const ldns_rdf *name,
             const struct dns_rrset *dn, const ldns_rdf *src)
{
    const ldns_rdf *dest = ldns_rr_rdf(ldns_rr_list_rr(dn->rrs, 0), 0);
    size_t keep = ldns_rdf_size(name) - ldns_rdf_size(src), i;
    uint8_t wire[LDNS_MAX_DOMAINLEN + 1];
    ldns_rdf *target;
    ldns_rr *cname;
    ldns_rr_list *l;

    if (!add_set(b, SEC_ANSWER, dn, dn->rrs, src, z) && name_at_or_below(dest, src))
        return; /* the DNAME loops into itself */
    if (keep + ldns_rdf_size(dest) > LDNS_MAX_DOMAINLEN) {
        b->rcode = LDNS_RCODE_YXDOMAIN; /* RFC 6672 §2.2: the result would be too long */
        return;
    }
    memcpy(wire, ldns_rdf_data(name), keep);
    memcpy(wire + keep, ldns_rdf_data(dest), ldns_rdf_size(dest));
    target = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, keep + ldns_rdf_size(dest), wire);
    b->chain++;
    /* A CNAME synthesized before with the same owner and target: a loop. */
    for (i = 0; i < b->n; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(b->e[i].rrs, 0);

        if (b->e[i].src == NULL && b->e[i].sec == SEC_ANSWER &&
            ldns_dname_compare(ldns_rr_owner(rr), name) == 0 &&
            ldns_dname_compare(ldns_rr_rdf(rr, 0), target) == 0) {
            ldns_rdf_deep_free(target);
            return;
        }
    }
    cname = ldns_rr_new_frm_type(LDNS_RR_TYPE_CNAME);
    ldns_rr_set_owner(cname, ldns_rdf_clone(name));
    ldns_rr_set_ttl(cname, ldns_rr_ttl(ldns_rr_list_rr(dn->rrs, 0)));
    ldns_rr_set_class(cname, LDNS_RR_CLASS_IN);
    ldns_rr_push_rdf(cname, ldns_rdf_clone(target));
    l = ldns_rr_list_new();
    ldns_rr_list_push_rr(l, cname);
    add_set(b, SEC_ANSWER, NULL, l, name, NULL);
    ldns_rr_list_deep_free(l);
    if (b->qtype != LDNS_RR_TYPE_CNAME)
        lookup(b, target);
    ldns_rdf_deep_free(target);
}

/* Authoritative data for `name` in z, at or below closest encloser ce (RFC 1034 §4.3.2 3). */
static void
answer_authoritative(struct build *b, const struct dns_zone *z, const ldns_rdf *name, int exact,
                     const ldns_rdf *ce)
{
    const struct dns_rrset *dn;
    ldns_rdf *wild, *src = ldns_rdf_clone(ce);

    if ((dn = find_dname_above(z, ce)) != NULL) {
        ldns_rdf_deep_free(src);
        src = ldns_rdf_clone(dn->owner);
        exact = 0;
    }
    if (exact) {
        answer_node(b, z, name, name);
    } else if ((dn = dns_zone_find(z, src, LDNS_RR_TYPE_DNAME)) != NULL) {
        answer_dname(b, z, name, dn, src);
    } else if (dns_zone_name_exists(z, (wild = wildcard_of(src))) || fault_created(b, wild)) {
        /* RFC 4592 §3.3.1: the source of synthesis; its data under the name asked. */
        answer_node(b, z, name, wild);
        ldns_rdf_deep_free(wild);
    } else {
        ldns_rdf_deep_free(wild);
        b->rcode = LDNS_RCODE_NXDOMAIN;
        add_negative_soa(b, z);
    }
    ldns_rdf_deep_free(src);
}

/* RFC 1034 §4.3.2 steps 2-3 for `name` (the name asked, or a CNAME or DNAME target). */
static void
lookup(struct build *b, const ldns_rdf *name)
{
    const struct dns_zone *z;
    const struct dns_rrset *cut;
    ldns_rdf *ce;
    int exact;

    if (++b->steps > MAX_CHAIN)
        return;
    if ((z = dns_zoneset_find_zone(b->zs, name)) == NULL) {
        if (b->chain == 0)
            b->rcode = LDNS_RCODE_REFUSED;
        return; /* a chain leaving the served zones ends with its last CNAME */
    }
    exact = exists(b, z, name);
    ce = closest_encloser(b, z, name);
    if (exact && b->qtype == LDNS_RR_TYPE_DS && ldns_dname_compare(name, z->apex) == 0) {
        /* RFC 4035 §3.1.4.1: DS belongs to the parent side of a cut. */
        ldns_rdf *up = parent_of(z->apex);
        const struct dns_zone *parent = up != NULL ? dns_zoneset_find_zone(b->zs, up) : NULL;

        ldns_rdf_deep_free(up);
        if (parent == NULL) {
            b->aa = 1;
            add_negative_soa(b, z);
            ldns_rdf_deep_free(ce);
            return;
        }
        z = parent;
    }
    cut = find_cut(z, ce);
    if (cut != NULL && find_dname_above(z, cut->owner) != NULL)
        cut = NULL; /* a DNAME above the cut decides */
    if (cut == NULL ||
        (exact && b->qtype == LDNS_RR_TYPE_DS && ldns_dname_compare(ce, cut->owner) == 0)) {
        b->aa = 1;
        answer_authoritative(b, z, name, exact, ce);
    } else {
        /* A referral (RFC 1034 §4.3.2 3b): the cut's NS set, and glue. AA only if a CNAME of
         * ours led here. */
        b->aa = b->chain > 0;
        b->delegation = 1;
        add_set(b, SEC_AUTHORITY, cut, cut->rrs, cut->owner, z);
    }
    ldns_rdf_deep_free(ce);
}

static int
encode(ldns_pkt *a, uint8_t **out, size_t *outlen)
{
    if (ldns_pkt2wire(out, a, outlen) != LDNS_STATUS_OK)
        fatalx("cannot encode a DNS response");
    return 1;
}

static ldns_rr_list *
pkt_section(ldns_pkt *a, enum section sec)
{
    return sec == SEC_ANSWER                                  ? ldns_pkt_answer(a)
           : sec == SEC_AUTHORITY || sec == SEC_OPT_AUTHORITY ? ldns_pkt_authority(a)
                                                              : ldns_pkt_additional(a);
}

static void
set_counts(ldns_pkt *a)
{
    ldns_pkt_set_ancount(a, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(a)));
    ldns_pkt_set_nscount(a, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_authority(a)));
    ldns_pkt_set_arcount(a, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_additional(a)));
}

/*
 * Encodes the built rrsets into `a` (header, question and OPT set) within `limit` bytes: RRset
 * by RRset in section order, as described above. Returns the encoded message.
 */
static void
encode_limited(ldns_pkt *a, const struct build *b, size_t limit, int tcp, uint8_t **out,
               size_t *outlen)
{
    size_t bound = 12 + 11 + 4 + 256, i;
    int sec;

    /* Most answers are small: when even uncompressed everything fits, encode once. */
    for (i = 0; i < b->n; i++) {
        size_t k;

        for (k = 0; k < ldns_rr_list_rr_count(b->e[i].rrs); k++)
            bound += ldns_rr_uncompressed_size(ldns_rr_list_rr(b->e[i].rrs, k));
    }
    if (bound <= limit) {
        for (sec = 0; sec < SEC_COUNT; sec++)
            for (i = 0; i < b->n; i++)
                if ((int)b->e[i].sec == sec) {
                    size_t k;

                    for (k = 0; k < ldns_rr_list_rr_count(b->e[i].rrs); k++)
                        ldns_rr_list_push_rr(pkt_section(a, (enum section)sec),
                                             ldns_rr_clone(ldns_rr_list_rr(b->e[i].rrs, k)));
                }
        set_counts(a);
        encode(a, out, outlen);
        return;
    }
    for (sec = 0; sec < SEC_COUNT; sec++) {
        int optional = sec >= SEC_OPT_AUTHORITY, dropped = 0;
        size_t added_here = 0;

        for (i = 0; i < b->n; i++) {
            ldns_rr_list *l = pkt_section(a, (enum section)sec);
            size_t k, n = ldns_rr_list_rr_count(b->e[i].rrs), len = 0;
            uint8_t *wire = NULL;

            if ((int)b->e[i].sec != sec)
                continue;
            for (k = 0; k < n; k++)
                ldns_rr_list_push_rr(l, ldns_rr_clone(ldns_rr_list_rr(b->e[i].rrs, k)));
            set_counts(a);
            encode(a, &wire, &len);
            free(wire);
            if (len <= limit) {
                added_here++;
                continue;
            }
            for (k = 0; k < n; k++)
                ldns_rr_free(ldns_rr_list_pop_rr(l));
            set_counts(a);
            if (!optional) {
                ldns_pkt_set_tc(a, true);
                encode(a, out, outlen);
                return;
            }
            (void)tcp;
            dropped = 1;
        }
        if (dropped) {
            /* A referral whose addresses do not fit at all is of no use: TC. */
            if (sec == SEC_ADD_A && added_here == 0 && b->delegation)
                ldns_pkt_set_tc(a, true);
            break;
        }
    }
    encode(a, out, outlen);
}

/* The size an answer must fit in: 512 bytes over UDP without EDNS, the client's EDNS size up
 * to the one fedsim advertises (1232), the message limit over TCP. */
static size_t
effective_limit(int tcp, int edns, size_t client)
{
    if (tcp)
        return 65535;
    if (!edns || client <= 512)
        return 512;
    return client < DNS_ANSWER_EDNS_SIZE ? client : DNS_ANSWER_EDNS_SIZE;
}

/* The answer built with ldns: the reference for everything, and the only path for faults. */
static int
answer_slow(const struct dns_zoneset *zs, const struct dns_faults *faults, const uint8_t *q,
            size_t qlen, int tcp, unsigned flags, uint8_t **out, size_t *outlen,
            struct dns_answer_info *info)
{
    const struct dns_fault *fault = NULL;
    ldns_pkt *query = NULL, *a = NULL;
    const ldns_rr *question;
    const ldns_rdf *qname;
    struct build b;
    size_t limit;
    int rcode;

    memset(info, 0, sizeof(*info));
    strcpy(info->qname, "-");
    info->rcode = -1;
    *out = NULL;
    *outlen = 0;
    if (qlen < DNS_HEADER_LEN || (q[2] & 0x80) != 0)
        return 0;
    if (ldns_wire2pkt(&query, q, qlen) != LDNS_STATUS_OK) {
        info->rcode = LDNS_RCODE_FORMERR;
        return raw_error(q, LDNS_RCODE_FORMERR, out, outlen);
    }
    if (ldns_pkt_get_opcode(query) != LDNS_PACKET_QUERY) {
        ldns_pkt_free(query);
        info->rcode = LDNS_RCODE_NOTIMPL;
        return raw_error(q, LDNS_RCODE_NOTIMPL, out, outlen);
    }
    if (ldns_pkt_qdcount(query) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(query)) != 1) {
        ldns_pkt_free(query);
        info->rcode = LDNS_RCODE_FORMERR;
        return raw_error(q, LDNS_RCODE_FORMERR, out, outlen);
    }
    question = ldns_rr_list_rr(ldns_pkt_question(query), 0);
    qname = ldns_rr_owner(question);
    if (flags & DNS_ANSWER_NO_QNAME) {
        info->qname[0] = '\0';
    } else {
        char *s = ldns_rdf2str(qname);

        snprintf(info->qname, sizeof(info->qname), "%s", s != NULL ? s : "?");
        free(s);
    }
    info->qtype = (uint16_t)ldns_rr_get_type(question);

    a = ldns_pkt_new();
    ldns_pkt_set_id(a, ldns_pkt_id(query));
    ldns_pkt_set_qr(a, true);
    ldns_pkt_set_opcode(a, LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(a, ldns_pkt_rd(query));
    ldns_pkt_set_cd(a, ldns_pkt_cd(query));
    ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    limit = effective_limit(tcp, ldns_pkt_edns(query), ldns_pkt_edns_udp_size(query));
    if (ldns_pkt_edns(query)) {
        ldns_pkt_set_edns_udp_size(a, DNS_ANSWER_EDNS_SIZE);
        /* RFC 3225 §3: the DO bit is copied into the response. */
        ldns_pkt_set_edns_do(a, ldns_pkt_edns_do(query));
    }
    memset(&b, 0, sizeof(b));
    b.zs = zs;
    b.faults = faults;
    b.qtype = ldns_rr_get_type(question);
    int badvers = ldns_pkt_edns(query) && ldns_pkt_edns_version(query) != 0;

    /* A fault at random that does not strike this question: answered as without it. */
    if (!badvers && (fault = dns_faults_find(faults, qname, info->qtype)) != NULL &&
        !dns_fault_strikes(faults, fault))
        fault = NULL;
    if (badvers) {
        ldns_pkt_set_edns_extended_rcode(a, DNS_RCODE_BADVERS >> 4);
        rcode = DNS_RCODE_BADVERS;
    } else if (fault != NULL && fault->kind != DNS_FAULT_DELAY) {
        const struct dns_zone *z = dns_zoneset_find_zone(zs, qname);

        info->fault = 1;
        if (fault->kind == DNS_FAULT_DROP) {
            ldns_pkt_free(a);
            ldns_pkt_free(query);
            info->rcode = -1;
            return 0;
        }
        rcode = fault->kind == DNS_FAULT_RCODE ? fault->rcode : LDNS_RCODE_NOERROR;
        b.aa = 1;
        if (fault->kind == DNS_FAULT_REPLACE) {
            add_set(&b, SEC_ANSWER, fault, fault->records, NULL, NULL);
            if (z != NULL)
                add_additional(&b, z, fault->records);
        }
        /* A negative answer carries the zone's SOA, as a real one does (RFC 2308 §3): the
         * SUT's resolver caches it for the SOA's minimum TTL, not a default of its own. */
        if (fault->kind == DNS_FAULT_RCODE &&
            (rcode == LDNS_RCODE_NXDOMAIN || rcode == LDNS_RCODE_NOERROR) && z != NULL)
            add_negative_soa(&b, z);
        if (fault->kind == DNS_FAULT_TRUNCATE && !tcp) {
            limit = 0; /* nothing fits: TC=1 */
        } else if (fault->kind == DNS_FAULT_TRUNCATE) {
            lookup(&b, qname);
            rcode = b.rcode;
        }
    } else if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN) {
        rcode = LDNS_RCODE_REFUSED;
    } else {
        if (fault != NULL) {
            info->fault = 1;
            info->delay_ms = fault->delay_ms;
        }
        lookup(&b, qname);
        rcode = b.rcode;
    }
    ldns_pkt_set_aa(a, b.aa);
    ldns_pkt_set_rcode(a, (uint8_t)(rcode & 0x0f));
    info->rcode = rcode;
    if (limit == 0) {
        ldns_pkt_set_tc(a, true);
        encode(a, out, outlen);
    } else {
        encode_limited(a, &b, limit, tcp, out, outlen);
    }
    info->truncated = ldns_pkt_tc(a);
    info->ancount = (int)ldns_rr_list_rr_count(ldns_pkt_answer(a));
    build_free(&b);
    ldns_pkt_free(a);
    ldns_pkt_free(query);
    return 1;
}

/*
 * The answer cache. A plain query's answer depends only on its lower-cased name, type, class,
 * whether it has an OPT record and the size it must fit in, plus the id, RD and CD copied from
 * the query and the question echoed as asked: ldns compresses names case-insensitively, so the
 * bytes after the question are the same for every spelling of the name. Each entry keeps the
 * header after the id and the bytes after the question.
 */
#define CACHE_MAX_ENTRIES 65536
#define CACHE_MAX_BYTES   (64u << 20)
#define CACHE_MIN_BUCKETS 256

struct cache_entry {
    struct cache_entry *next; /* owned: the rest of the bucket */
    uint32_t hash;
    uint16_t qtype, qclass;
    int edns;
    size_t limit;  /* the size the answer had to fit in (65535: TCP) */
    uint8_t *rest; /* owned: the answer after the question */
    size_t restlen;
    uint8_t hdr[DNS_HEADER_LEN - 2]; /* the header after the id */
    int rcode, ancount, truncated;
    size_t namelen;
    uint8_t name[]; /* the lower-cased wire name */
};

struct dns_answer_cache {
    struct cache_entry **buckets; /* owned */
    size_t nbuckets, entries, bytes;
    unsigned long hits, fills, slow;
};

/* A plain query's question, read from the wire. */
struct plain_query {
    uint8_t name[255]; /* lower-cased (A-Z only: names that ldns tells apart stay apart) */
    size_t namelen;    /* wire length, root label included */
    size_t qsec;       /* the question's length: name, type, class */
    uint16_t qtype, qclass;
    int edns;     /* 0: no OPT record, 1: one, 2: one with the DO bit */
    size_t limit; /* the size the answer must fit in */
    uint32_t hash;
};

/*
 * 1 if q is a query of the one shape the cache serves: QR=0, opcode QUERY, QDCOUNT 1, no
 * answer or authority records, a question name without compression pointers, and nothing after
 * it but at most one OPT record (root owner, version 0, no options, size >= 512) ending the
 * message. Anything else (malformed input included) goes to ldns.
 */
static int
parse_plain(const uint8_t *q, size_t qlen, int tcp, struct plain_query *pq)
{
    size_t pos = DNS_HEADER_LEN, i, client = 512;
    uint32_t h = 2166136261u;

    if (qlen < DNS_HEADER_LEN || (q[2] & 0xf8) != 0)
        return 0;
    if (q[4] != 0 || q[5] != 1 || (q[6] | q[7] | q[8] | q[9] | q[10]) != 0 || q[11] > 1)
        return 0;
    for (;;) {
        size_t len, at;

        if (pos >= qlen)
            return 0;
        len = q[pos];
        if (len == 0)
            break;
        at = pos - DNS_HEADER_LEN;
        if (len > 63 || at + 1 + len + 1 > sizeof(pq->name) || pos + 1 + len >= qlen)
            return 0;
        pq->name[at] = (uint8_t)len;
        for (i = 1; i <= len; i++) {
            uint8_t c = q[pos + i];

            pq->name[at + i] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
        }
        pos += 1 + len;
    }
    pq->name[pos - DNS_HEADER_LEN] = 0;
    pos++;
    pq->namelen = pos - DNS_HEADER_LEN;
    if (qlen - pos < 4)
        return 0;
    pq->qtype = (uint16_t)(q[pos] << 8 | q[pos + 1]);
    pq->qclass = (uint16_t)(q[pos + 2] << 8 | q[pos + 3]);
    pos += 4;
    pq->qsec = pos - DNS_HEADER_LEN;
    pq->edns = 0;
    if (q[11] == 1) {
        /* owner (1), type (2), size (2), extended rcode, version, flags (2), rdlength (2) */
        if (qlen - pos != 11 || q[pos] != 0 || q[pos + 1] != 0 || q[pos + 2] != LDNS_RR_TYPE_OPT)
            return 0;
        client = (size_t)q[pos + 3] << 8 | q[pos + 4];
        if (client < 512 || q[pos + 6] != 0 || (q[pos + 7] & 0x7f) != 0 || q[pos + 8] != 0 ||
            q[pos + 9] != 0 || q[pos + 10] != 0)
            return 0;
        pq->edns = q[pos + 7] & 0x80 ? 2 : 1; /* with the DO bit, which the answer echoes */
        pos += 11;
    }
    if (pos != qlen)
        return 0;
    pq->limit = effective_limit(tcp, pq->edns, client);
    for (i = 0; i < pq->namelen; i++)
        h = (h ^ pq->name[i]) * 16777619u;
    h = (h ^ pq->qtype) * 16777619u;
    h = (h ^ pq->qclass) * 16777619u;
    h = (h ^ (uint32_t)pq->limit) * 16777619u;
    pq->hash = (h ^ (uint32_t)pq->edns) * 16777619u;
    return 1;
}

struct dns_answer_cache *
dns_answer_cache_new(void)
{
    struct dns_answer_cache *c = xcalloc(1, sizeof(*c));

    c->nbuckets = CACHE_MIN_BUCKETS;
    c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
    return c;
}

void
dns_answer_cache_clear(struct dns_answer_cache *c)
{
    size_t b;

    if (c == NULL)
        return;
    for (b = 0; b < c->nbuckets; b++) {
        while (c->buckets[b] != NULL) {
            struct cache_entry *e = c->buckets[b];

            c->buckets[b] = e->next;
            free(e->rest);
            free(e);
        }
    }
    c->entries = 0;
    c->bytes = 0;
}

void
dns_answer_cache_free(struct dns_answer_cache *c)
{
    if (c == NULL)
        return;
    dns_answer_cache_clear(c);
    free(c->buckets);
    free(c);
}

void
dns_answer_cache_stats(const struct dns_answer_cache *c, struct dns_answer_cache_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (c == NULL)
        return;
    st->hits = c->hits;
    st->fills = c->fills;
    st->slow = c->slow;
    st->entries = c->entries;
    st->bytes = c->bytes;
}

static struct cache_entry *
cache_find(const struct dns_answer_cache *c, const struct plain_query *pq)
{
    struct cache_entry *e;

    for (e = c->buckets[pq->hash & (c->nbuckets - 1)]; e != NULL; e = e->next)
        if (e->hash == pq->hash && e->qtype == pq->qtype && e->qclass == pq->qclass &&
            e->edns == pq->edns && e->limit == pq->limit && e->namelen == pq->namelen &&
            memcmp(e->name, pq->name, pq->namelen) == 0)
            return e;
    return NULL;
}

static void
cache_grow(struct dns_answer_cache *c)
{
    size_t n = c->nbuckets * 2, b;
    struct cache_entry **nb = xcalloc(n, sizeof(*nb));

    for (b = 0; b < c->nbuckets; b++) {
        while (c->buckets[b] != NULL) {
            struct cache_entry *e = c->buckets[b];

            c->buckets[b] = e->next;
            e->next = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    c->buckets = nb;
    c->nbuckets = n;
}

/*
 * Keeps the answer ldns just built for a plain query, if it has the expected shape: the
 * query's id and question in front, no fault involved.
 */
static void
cache_fill(struct dns_answer_cache *c, const struct plain_query *pq, const uint8_t *q,
           const uint8_t *out, size_t outlen, const struct dns_answer_info *info)
{
    struct cache_entry *e;
    size_t head = DNS_HEADER_LEN + pq->qsec;

    if (info->fault || info->delay_ms != 0 || outlen < head || out[0] != q[0] || out[1] != q[1] ||
        out[4] != 0 || out[5] != 1 ||
        memcmp(out + DNS_HEADER_LEN, q + DNS_HEADER_LEN, pq->qsec) != 0)
        return;
    if (c->entries >= CACHE_MAX_ENTRIES || c->bytes + outlen + sizeof(*e) > CACHE_MAX_BYTES)
        return;
    if (c->entries >= c->nbuckets)
        cache_grow(c);
    e = xcalloc(1, sizeof(*e) + pq->namelen);
    e->hash = pq->hash;
    e->qtype = pq->qtype;
    e->qclass = pq->qclass;
    e->edns = pq->edns;
    e->limit = pq->limit;
    e->namelen = pq->namelen;
    memcpy(e->name, pq->name, pq->namelen);
    e->restlen = outlen - head;
    e->rest = xmalloc(e->restlen > 0 ? e->restlen : 1);
    memcpy(e->rest, out + head, e->restlen);
    memcpy(e->hdr, out + 2, sizeof(e->hdr));
    e->rcode = info->rcode;
    e->ancount = info->ancount;
    e->truncated = info->truncated;
    e->next = c->buckets[pq->hash & (c->nbuckets - 1)];
    c->buckets[pq->hash & (c->nbuckets - 1)] = e;
    c->entries++;
    c->bytes += sizeof(*e) + pq->namelen + e->restlen;
    c->fills++;
}

/* The answer to a plain query from a stored one: the query's id, RD, CD and question. */
static void
cache_copy(const struct cache_entry *e, const struct plain_query *pq, const uint8_t *q,
           unsigned flags, uint8_t **out, size_t *outlen, struct dns_answer_info *info)
{
    size_t head = DNS_HEADER_LEN + pq->qsec;
    uint8_t *r = xmalloc(head + e->restlen);

    r[0] = q[0];
    r[1] = q[1];
    r[2] = (uint8_t)((e->hdr[0] & ~0x01) | (q[2] & 0x01)); /* RD */
    r[3] = (uint8_t)((e->hdr[1] & ~0x10) | (q[3] & 0x10)); /* CD */
    memcpy(r + 4, e->hdr + 2, sizeof(e->hdr) - 2);
    memcpy(r + DNS_HEADER_LEN, q + DNS_HEADER_LEN, pq->qsec);
    memcpy(r + head, e->rest, e->restlen);
    *out = r;
    *outlen = head + e->restlen;
    memset(info, 0, sizeof(*info));
    info->qtype = pq->qtype;
    info->rcode = e->rcode;
    info->ancount = e->ancount;
    info->truncated = e->truncated;
    if (!(flags & DNS_ANSWER_NO_QNAME)) {
        ldns_rdf *name =
                ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, pq->namelen, q + DNS_HEADER_LEN);
        char *s = name != NULL ? ldns_rdf2str(name) : NULL;

        snprintf(info->qname, sizeof(info->qname), "%s", s != NULL ? s : "?");
        free(s);
        ldns_rdf_deep_free(name);
    }
}

int
dns_answer_query(const struct dns_zoneset *zs, const struct dns_faults *faults, const uint8_t *q,
                 size_t qlen, int tcp, unsigned flags, uint8_t **out, size_t *outlen,
                 struct dns_answer_info *info)
{
    struct dns_answer_cache *c = zs->answers;
    struct plain_query pq;
    struct cache_entry *e;
    int respond;

    if (c == NULL || (flags & DNS_ANSWER_NO_CACHE) || (faults != NULL && faults->n > 0) ||
        !parse_plain(q, qlen, tcp, &pq))
        return answer_slow(zs, faults, q, qlen, tcp, flags, out, outlen, info);
    if ((e = cache_find(c, &pq)) != NULL) {
        c->hits++;
        cache_copy(e, &pq, q, flags, out, outlen, info);
        return 1;
    }
    c->slow++;
    respond = answer_slow(zs, faults, q, qlen, tcp, flags, out, outlen, info);
    if (respond)
        cache_fill(c, &pq, q, *out, *outlen, info);
    return respond;
}

int
dns_answer(const struct dns_zoneset *zs, const uint8_t *q, size_t qlen, int tcp, uint8_t **out,
           size_t *outlen, struct dns_answer_info *info)
{
    return dns_answer_query(zs, NULL, q, qlen, tcp, 0, out, outlen, info);
}

int
dns_answer_faulty(const struct dns_zoneset *zs, const struct dns_faults *faults, const uint8_t *q,
                  size_t qlen, int tcp, uint8_t **out, size_t *outlen, struct dns_answer_info *info)
{
    return dns_answer_query(zs, faults, q, qlen, tcp, 0, out, outlen, info);
}
