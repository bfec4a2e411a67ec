/* dns_answer.c: authoritative answers from the zone set (lookup, CNAME chains, negative
 * answers, additional records, EDNS0, truncation). */
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

static int
has_rr(const ldns_rr_list *l, const ldns_rr *rr)
{
    size_t i;

    for (i = 0; i < ldns_rr_list_rr_count(l); i++)
        if (ldns_rr_compare(ldns_rr_list_rr(l, i), rr) == 0)
            return 1;
    return 0;
}

static void
push_set(ldns_pkt *a, ldns_pkt_section sec, const struct dns_rrset *set)
{
    size_t i;

    for (i = 0; i < ldns_rr_list_rr_count(set->rrs); i++)
        ldns_pkt_push_rr(a, sec, ldns_rr_clone(ldns_rr_list_rr(set->rrs, i)));
}

/* The zone's SOA with the negative-caching TTL: min(SOA TTL, SOA MINIMUM). */
static void
push_negative_soa(ldns_pkt *a, const struct dns_zone *z)
{
    ldns_rr *soa = ldns_rr_clone(z->soa);
    uint32_t min = ldns_rdf2native_int32(ldns_rr_rdf(z->soa, 6));

    if (min < ldns_rr_ttl(soa))
        ldns_rr_set_ttl(soa, min);
    ldns_pkt_push_rr(a, LDNS_SECTION_AUTHORITY, soa);
}

/* A and AAAA of the names that SRV, MX and NS answers point at, when fedsim serves them. */
static void
add_additional(const struct dns_zoneset *zs, ldns_pkt *a)
{
    ldns_rr_list *ans = ldns_pkt_answer(a);
    size_t i, n = ldns_rr_list_rr_count(ans);

    for (i = 0; i < n; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        const ldns_rdf *target = NULL;
        const struct dns_zone *z;
        static const ldns_rr_type addr_types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
        size_t t;

        switch (ldns_rr_get_type(rr)) {
        case LDNS_RR_TYPE_SRV:
            target = ldns_rr_rdf(rr, 3);
            break;
        case LDNS_RR_TYPE_MX:
            target = ldns_rr_rdf(rr, 1);
            break;
        case LDNS_RR_TYPE_NS:
            target = ldns_rr_rdf(rr, 0);
            break;
        default:
            break;
        }
        if (target == NULL || (z = dns_zoneset_find_zone(zs, target)) == NULL)
            continue;
        for (t = 0; t < 2; t++) {
            const struct dns_rrset *set = dns_zone_find(z, target, addr_types[t]);
            size_t k;

            for (k = 0; set != NULL && k < ldns_rr_list_rr_count(set->rrs); k++) {
                const ldns_rr *addr = ldns_rr_list_rr(set->rrs, k);

                if (!has_rr(ldns_pkt_additional(a), addr))
                    ldns_pkt_push_rr(a, LDNS_SECTION_ADDITIONAL, ldns_rr_clone(addr));
            }
        }
    }
}

/* Fills answer and authority for qname/qtype; returns the rcode. */
static int
resolve(const struct dns_zoneset *zs, const ldns_rdf *qname, ldns_rr_type qtype, ldns_pkt *a)
{
    const ldns_rdf *name = qname;
    int links;

    for (links = 0;; links++) {
        const struct dns_zone *z = dns_zoneset_find_zone(zs, name);
        const struct dns_rrset *set, *cname;

        if (z == NULL)
            return links == 0 ? LDNS_RCODE_REFUSED : LDNS_RCODE_NOERROR;
        if (qtype == LDNS_RR_TYPE_ANY) {
            const struct dns_rrset *sets;
            size_t n = dns_zone_name_sets(z, name, &sets), i;

            for (i = 0; i < n; i++)
                push_set(a, LDNS_SECTION_ANSWER, &sets[i]);
            if (n > 0)
                return LDNS_RCODE_NOERROR;
        } else if ((set = dns_zone_find(z, name, qtype)) != NULL) {
            push_set(a, LDNS_SECTION_ANSWER, set);
            return LDNS_RCODE_NOERROR;
        } else if (qtype != LDNS_RR_TYPE_CNAME &&
                   (cname = dns_zone_find(z, name, LDNS_RR_TYPE_CNAME)) != NULL) {
            push_set(a, LDNS_SECTION_ANSWER, cname);
            if (links + 1 >= MAX_CNAME_LINKS)
                return LDNS_RCODE_NOERROR;
            name = ldns_rr_rdf(ldns_rr_list_rr(cname->rrs, 0), 0);
            continue;
        }
        push_negative_soa(a, z);
        return dns_zone_name_exists(z, name) ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN;
    }
}

static void
clear_section(ldns_pkt *a, ldns_pkt_section sec)
{
    switch (sec) {
    case LDNS_SECTION_ANSWER:
        ldns_rr_list_deep_free(ldns_pkt_answer(a));
        ldns_pkt_set_answer(a, ldns_rr_list_new());
        ldns_pkt_set_ancount(a, 0);
        break;
    case LDNS_SECTION_AUTHORITY:
        ldns_rr_list_deep_free(ldns_pkt_authority(a));
        ldns_pkt_set_authority(a, ldns_rr_list_new());
        ldns_pkt_set_nscount(a, 0);
        break;
    case LDNS_SECTION_ADDITIONAL:
        ldns_rr_list_deep_free(ldns_pkt_additional(a));
        ldns_pkt_set_additional(a, ldns_rr_list_new());
        ldns_pkt_set_arcount(a, 0);
        break;
    default:
        fatalx("clear_section: section %d", (int)sec);
    }
}

static int
encode(ldns_pkt *a, uint8_t **out, size_t *outlen)
{
    if (ldns_pkt2wire(out, a, outlen) != LDNS_STATUS_OK)
        fatalx("cannot encode a DNS response");
    return 1;
}

/* How the ldns path sized its answer, for the cache. */
struct slow_meta {
    int stage;        /* 0: whole, 1: additional section dropped, 2: empty with TC */
    size_t len_full;  /* length of the whole answer (0: not encoded) */
    size_t len_noadd; /* length without additional records (0: not encoded) */
};

/* The answer built with ldns: the reference for everything, and the only path for faults. */
static int
answer_slow(const struct dns_zoneset *zs, const struct dns_faults *faults, const uint8_t *q,
            size_t qlen, int tcp, unsigned flags, uint8_t **out, size_t *outlen,
            struct dns_answer_info *info, struct slow_meta *meta)
{
    const struct dns_fault *fault;
    ldns_pkt *query = NULL, *a = NULL;
    const ldns_rr *question;
    size_t limit;
    int rcode;

    memset(meta, 0, sizeof(*meta));
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
    if (flags & DNS_ANSWER_NO_QNAME) {
        info->qname[0] = '\0';
    } else {
        char *s = ldns_rdf2str(ldns_rr_owner(question));

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
    limit = 512;
    if (ldns_pkt_edns(query)) {
        ldns_pkt_set_edns_udp_size(a, DNS_ANSWER_EDNS_SIZE);
        if (ldns_pkt_edns_udp_size(query) > limit)
            limit = ldns_pkt_edns_udp_size(query);
    }
    if (ldns_pkt_edns(query) && ldns_pkt_edns_version(query) != 0) {
        ldns_pkt_set_edns_extended_rcode(a, DNS_RCODE_BADVERS >> 4);
        rcode = DNS_RCODE_BADVERS;
    } else if ((fault = dns_faults_find(faults, ldns_rr_owner(question), info->qtype)) != NULL &&
               fault->kind != DNS_FAULT_DELAY) {
        info->fault = 1;
        if (fault->kind == DNS_FAULT_DROP) {
            ldns_pkt_free(a);
            ldns_pkt_free(query);
            info->rcode = -1;
            return 0;
        }
        rcode = fault->kind == DNS_FAULT_RCODE ? fault->rcode : LDNS_RCODE_NOERROR;
        ldns_pkt_set_aa(a, true);
        if (fault->kind == DNS_FAULT_REPLACE) {
            size_t k;

            for (k = 0; k < ldns_rr_list_rr_count(fault->records); k++)
                ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER,
                                 ldns_rr_clone(ldns_rr_list_rr(fault->records, k)));
            add_additional(zs, a);
        }
        /* A negative answer carries the zone's SOA, as a real one does (RFC 2308 §3): the
         * SUT's resolver caches it for the SOA's minimum TTL, not a default of its own. */
        if (fault->kind == DNS_FAULT_RCODE &&
            (rcode == LDNS_RCODE_NXDOMAIN || rcode == LDNS_RCODE_NOERROR)) {
            const struct dns_zone *z = dns_zoneset_find_zone(zs, ldns_rr_owner(question));

            if (z != NULL)
                push_negative_soa(a, z);
        }
        if (fault->kind == DNS_FAULT_TRUNCATE && !tcp)
            limit = 0; /* nothing fits: TC=1 */
        else if (fault->kind == DNS_FAULT_TRUNCATE)
            rcode = resolve(zs, ldns_rr_owner(question), ldns_rr_get_type(question), a);
    } else if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN) {
        rcode = LDNS_RCODE_REFUSED;
    } else {
        if (fault != NULL) {
            info->fault = 1;
            info->delay_ms = fault->delay_ms;
        }
        rcode = resolve(zs, ldns_rr_owner(question), ldns_rr_get_type(question), a);
        if (rcode != LDNS_RCODE_REFUSED) {
            ldns_pkt_set_aa(a, true);
            add_additional(zs, a);
        }
    }
    ldns_pkt_set_rcode(a, (uint8_t)(rcode & 0x0f));
    info->rcode = rcode;

    encode(a, out, outlen);
    meta->len_full = *outlen;
    if (!tcp && *outlen > limit) {
        /* RFC 2181 §9: dropping additional data does not need TC. */
        free(*out);
        clear_section(a, LDNS_SECTION_ADDITIONAL);
        encode(a, out, outlen);
        meta->stage = 1;
        meta->len_noadd = *outlen;
    }
    if (!tcp && *outlen > limit) {
        meta->stage = 2;
        free(*out);
        clear_section(a, LDNS_SECTION_ANSWER);
        clear_section(a, LDNS_SECTION_AUTHORITY);
        ldns_pkt_set_tc(a, true);
        info->truncated = 1;
        encode(a, out, outlen);
    }
    info->ancount = (int)ldns_pkt_ancount(a);
    ldns_pkt_free(a);
    ldns_pkt_free(query);
    return 1;
}

/*
 * The answer cache. A plain query's answer depends only on its lower-cased name, type, class
 * and whether it has an OPT record, plus the id, RD and CD copied from the query and the
 * question echoed as asked: ldns compresses names case-insensitively, so the bytes after the
 * question are the same for every spelling of the name. Each entry keeps, per size outcome,
 * the header after the id and the bytes after the question.
 */
#define CACHE_MAX_ENTRIES 65536
#define CACHE_MAX_BYTES   (64u << 20)
#define CACHE_MIN_BUCKETS 256

enum cache_variant { VARIANT_WHOLE, VARIANT_NOADD, VARIANT_TC, VARIANT_COUNT };

struct cache_variant_data {
    uint8_t *rest; /* owned: the answer after the question; NULL until ldns built it */
    size_t restlen;
    uint8_t hdr[DNS_HEADER_LEN - 2]; /* the header after the id */
    int rcode, ancount;
};

struct cache_entry {
    struct cache_entry *next; /* owned: the rest of the bucket */
    uint32_t hash;
    uint16_t qtype, qclass;
    int edns;
    size_t len_full, len_noadd; /* whole and without additional records (0: not known) */
    struct cache_variant_data v[VARIANT_COUNT];
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
    int edns;
    size_t limit; /* the UDP size the client takes */
    uint32_t hash;
};

/*
 * 1 if q is a query of the one shape the cache serves: QR=0, opcode QUERY, QDCOUNT 1, no
 * answer or authority records, a question name without compression pointers, and nothing after
 * it but at most one OPT record (root owner, version 0, no options, size >= 512) ending the
 * message. Anything else (malformed input included) goes to ldns.
 */
static int
parse_plain(const uint8_t *q, size_t qlen, struct plain_query *pq)
{
    size_t pos = DNS_HEADER_LEN, i;
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
    pq->limit = 512;
    if (q[11] == 1) {
        /* owner (1), type (2), size (2), extended rcode, version, flags (2), rdlength (2) */
        if (qlen - pos != 11 || q[pos] != 0 || q[pos + 1] != 0 || q[pos + 2] != LDNS_RR_TYPE_OPT)
            return 0;
        pq->limit = (size_t)q[pos + 3] << 8 | q[pos + 4];
        if (pq->limit < 512 || q[pos + 6] != 0 || q[pos + 9] != 0 || q[pos + 10] != 0)
            return 0;
        pq->edns = 1;
        pos += 11;
    }
    if (pos != qlen)
        return 0;
    for (i = 0; i < pq->namelen; i++)
        h = (h ^ pq->name[i]) * 16777619u;
    h = (h ^ pq->qtype) * 16777619u;
    h = (h ^ pq->qclass) * 16777619u;
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
    int v;

    if (c == NULL)
        return;
    for (b = 0; b < c->nbuckets; b++) {
        while (c->buckets[b] != NULL) {
            struct cache_entry *e = c->buckets[b];

            c->buckets[b] = e->next;
            for (v = 0; v < VARIANT_COUNT; v++)
                free(e->v[v].rest);
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
            e->edns == pq->edns && e->namelen == pq->namelen &&
            memcmp(e->name, pq->name, pq->namelen) == 0)
            return e;
    return NULL;
}

/* Which stored answer this query gets, as the ldns path would decide; -1 if not known yet. */
static int
cache_pick(const struct cache_entry *e, const struct plain_query *pq, int tcp)
{
    if (e->len_full == 0)
        return -1;
    if (tcp || e->len_full <= pq->limit)
        return VARIANT_WHOLE;
    if (e->len_noadd == 0)
        return -1;
    return e->len_noadd <= pq->limit ? VARIANT_NOADD : VARIANT_TC;
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
cache_fill(struct dns_answer_cache *c, struct cache_entry *e, const struct plain_query *pq,
           const uint8_t *q, const uint8_t *out, size_t outlen, const struct dns_answer_info *info,
           const struct slow_meta *meta)
{
    struct cache_variant_data *v;
    size_t head = DNS_HEADER_LEN + pq->qsec;

    if (info->fault || info->delay_ms != 0 || outlen < head || out[0] != q[0] || out[1] != q[1] ||
        out[4] != 0 || out[5] != 1 ||
        memcmp(out + DNS_HEADER_LEN, q + DNS_HEADER_LEN, pq->qsec) != 0 || meta->stage < 0 ||
        meta->stage >= VARIANT_COUNT)
        return;
    if (e == NULL) {
        if (c->entries >= CACHE_MAX_ENTRIES || c->bytes + outlen > CACHE_MAX_BYTES)
            return;
        if (c->entries >= c->nbuckets)
            cache_grow(c);
        e = xcalloc(1, sizeof(*e) + pq->namelen);
        e->hash = pq->hash;
        e->qtype = pq->qtype;
        e->qclass = pq->qclass;
        e->edns = pq->edns;
        e->namelen = pq->namelen;
        memcpy(e->name, pq->name, pq->namelen);
        e->next = c->buckets[pq->hash & (c->nbuckets - 1)];
        c->buckets[pq->hash & (c->nbuckets - 1)] = e;
        c->entries++;
        c->bytes += sizeof(*e) + pq->namelen;
    } else if (c->bytes + outlen > CACHE_MAX_BYTES) {
        return;
    }
    if (meta->len_full != 0)
        e->len_full = meta->len_full;
    if (meta->len_noadd != 0)
        e->len_noadd = meta->len_noadd;
    v = &e->v[meta->stage];
    if (v->rest != NULL)
        return;
    v->restlen = outlen - head;
    v->rest = xmalloc(v->restlen > 0 ? v->restlen : 1);
    memcpy(v->rest, out + head, v->restlen);
    memcpy(v->hdr, out + 2, sizeof(v->hdr));
    v->rcode = info->rcode;
    v->ancount = info->ancount;
    c->bytes += v->restlen;
    c->fills++;
}

/* The answer to a plain query from a stored one: the query's id, RD, CD and question. */
static void
cache_copy(const struct cache_entry *e, int variant, const struct plain_query *pq, const uint8_t *q,
           unsigned flags, uint8_t **out, size_t *outlen, struct dns_answer_info *info)
{
    const struct cache_variant_data *v = &e->v[variant];
    size_t head = DNS_HEADER_LEN + pq->qsec;
    uint8_t *r = xmalloc(head + v->restlen);

    r[0] = q[0];
    r[1] = q[1];
    r[2] = (uint8_t)((v->hdr[0] & ~0x01) | (q[2] & 0x01)); /* RD */
    r[3] = (uint8_t)((v->hdr[1] & ~0x10) | (q[3] & 0x10)); /* CD */
    memcpy(r + 4, v->hdr + 2, sizeof(v->hdr) - 2);
    memcpy(r + DNS_HEADER_LEN, q + DNS_HEADER_LEN, pq->qsec);
    memcpy(r + head, v->rest, v->restlen);
    *out = r;
    *outlen = head + v->restlen;
    memset(info, 0, sizeof(*info));
    info->qtype = pq->qtype;
    info->rcode = v->rcode;
    info->ancount = v->ancount;
    info->truncated = variant == VARIANT_TC;
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
    struct slow_meta meta;
    struct plain_query pq;
    struct cache_entry *e = NULL;
    int respond, variant;

    if (c == NULL || (flags & DNS_ANSWER_NO_CACHE) || (faults != NULL && faults->n > 0) ||
        !parse_plain(q, qlen, &pq))
        return answer_slow(zs, faults, q, qlen, tcp, flags, out, outlen, info, &meta);
    e = cache_find(c, &pq);
    if (e != NULL && (variant = cache_pick(e, &pq, tcp)) >= 0 && e->v[variant].rest != NULL) {
        c->hits++;
        cache_copy(e, variant, &pq, q, flags, out, outlen, info);
        return 1;
    }
    c->slow++;
    respond = answer_slow(zs, faults, q, qlen, tcp, flags, out, outlen, info, &meta);
    if (respond)
        cache_fill(c, e, &pq, q, *out, *outlen, info, &meta);
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
