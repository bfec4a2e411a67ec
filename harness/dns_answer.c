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

int
dns_answer(const struct dns_zoneset *zs, const uint8_t *q, size_t qlen, int tcp, uint8_t **out,
           size_t *outlen, struct dns_answer_info *info)
{
    return dns_answer_faulty(zs, NULL, q, qlen, tcp, out, outlen, info);
}

int
dns_answer_faulty(const struct dns_zoneset *zs, const struct dns_faults *faults, const uint8_t *q,
                  size_t qlen, int tcp, uint8_t **out, size_t *outlen, struct dns_answer_info *info)
{
    const struct dns_fault *fault;
    ldns_pkt *query = NULL, *a = NULL;
    const ldns_rr *question;
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
    {
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
    if (!tcp && *outlen > limit) {
        /* RFC 2181 §9: dropping additional data does not need TC. */
        free(*out);
        clear_section(a, LDNS_SECTION_ADDITIONAL);
        encode(a, out, outlen);
    }
    if (!tcp && *outlen > limit) {
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
