/* test_dns_answer.c: answer building: AA, NXDOMAIN/NODATA with SOA, CNAME chains, additional
 * records, EDNS0, truncation, REFUSED/FORMERR/NOTIMP, the question echoed as asked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_zone.h"

static const char fixture[] = "$TTL 300\n"
                              "$ORIGIN gmail.test.\n"
                              "@                  SOA ns hostmaster 1 60 60 600 30\n"
                              "_xmpp-server._tcp  SRV 5 0 5269 xmpp-server.l\n"
                              "_xmpp-server._tcp  SRV 20 0 5269 alt1.xmpp-server.l\n"
                              "xmpp-server.l      A 127.0.0.2\n"
                              "xmpp-server.l      AAAA ::1\n"
                              "alt1.xmpp-server.l A 127.0.0.12\n"
                              "chain1             CNAME chain2\n"
                              "chain2             CNAME xmpp-server.l\n"
                              "outside            CNAME www.example.com.\n"
                              "loop1              CNAME loop2\n"
                              "loop2              CNAME loop1\n"
                              "dangling           CNAME nothing\n"
                              "cross              CNAME host.webex.test.\n"
                              "deep.ent           TXT \"x\"\n"
                              "$ORIGIN webex.test.\n"
                              "@                  SOA ns hostmaster 1 60 60 600 30\n"
                              "host               A 127.0.0.3\n";

static struct dns_zoneset *zs;

static int
setup(void **state)
{
    char err[512] = "";
    char *big;
    size_t n = 0;
    int i;

    (void)state;
    zs = dns_zoneset_new();
    if (dns_zoneset_load_string(zs, "fixture", fixture, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    /* 40 SRV records with long targets: far more than 512 or 1232 bytes. */
    big = malloc(65536);
    n += (size_t)sprintf(big + n, "$ORIGIN big.test.\n@ SOA ns h 1 2 3 4 5\n");
    for (i = 0; i < 40; i++)
        n += (size_t)sprintf(
                big + n,
                "_xmpp-server._tcp SRV 10 %d 5269 target-with-a-rather-long-name-%02d\n"
                "target-with-a-rather-long-name-%02d A 127.0.1.%d\n",
                i, i, i, i + 1);
    if (dns_zoneset_load_string(zs, "big", big, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        free(big);
        return -1;
    }
    free(big);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    dns_zoneset_free(zs);
    return 0;
}

/* Asks (name, type) with an EDNS size (0: no OPT) over udp or tcp; returns the decoded reply. */
static ldns_pkt *
ask(const char *name, ldns_rr_type type, uint16_t edns, int tcp, struct dns_answer_info *info)
{
    ldns_pkt *q = NULL, *r = NULL;
    uint8_t *wire = NULL, *out = NULL;
    size_t len = 0, outlen = 0;

    assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
                     LDNS_STATUS_OK);
    ldns_pkt_set_id(q, 0x4242);
    if (edns > 0)
        ldns_pkt_set_edns_udp_size(q, edns);
    assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
    assert_int_equal(dns_answer(zs, wire, len, tcp, &out, &outlen, info), 1);
    if (!tcp)
        assert_true(outlen <= (edns > 512 ? edns : 512));
    assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
    assert_int_equal(ldns_pkt_id(r), 0x4242);
    assert_true(ldns_pkt_qr(r));
    free(wire);
    free(out);
    ldns_pkt_free(q);
    return r;
}

static const ldns_rr *
rr_at(const ldns_pkt *p, ldns_pkt_section sec, size_t i)
{
    ldns_rr_list *l = sec == LDNS_SECTION_ANSWER      ? ldns_pkt_answer(p)
                      : sec == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(p)
                                                      : ldns_pkt_additional(p);

    assert_true(i < ldns_rr_list_rr_count(l));
    return ldns_rr_list_rr(l, i);
}

static void
test_srv_with_additional(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r = ask("_xmpp-server._tcp.gmail.test.", LDNS_RR_TYPE_SRV, 1232, 0, &info);

    (void)state;
    assert_true(ldns_pkt_aa(r));
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 2);
    /* A and AAAA of xmpp-server.l, A of alt1. */
    assert_int_equal(ldns_pkt_arcount(r), 3);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_ADDITIONAL, 0)), LDNS_RR_TYPE_A);
    assert_int_equal(info.ancount, 2);
    assert_int_equal(info.rcode, LDNS_RCODE_NOERROR);
    assert_int_equal(info.qtype, LDNS_RR_TYPE_SRV);
    assert_string_equal(info.qname, "_xmpp-server._tcp.gmail.test.");
    assert_true(ldns_pkt_edns(r));
    assert_int_equal(ldns_pkt_edns_udp_size(r), DNS_ANSWER_EDNS_SIZE);
    ldns_pkt_free(r);
}

static void
test_nxdomain_and_nodata_carry_soa(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r;

    (void)state;
    r = ask("nothing.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
    assert_true(ldns_pkt_aa(r));
    assert_int_equal(ldns_pkt_ancount(r), 0);
    assert_int_equal(ldns_pkt_nscount(r), 1);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_AUTHORITY, 0)), LDNS_RR_TYPE_SOA);
    /* RFC 2308: min(SOA TTL 300, MINIMUM 30). */
    assert_int_equal(ldns_rr_ttl(rr_at(r, LDNS_SECTION_AUTHORITY, 0)), 30);
    assert_false(ldns_pkt_edns(r));
    ldns_pkt_free(r);

    r = ask("xmpp-server.l.gmail.test.", LDNS_RR_TYPE_TXT, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 0);
    assert_int_equal(ldns_pkt_nscount(r), 1);
    ldns_pkt_free(r);

    /* Empty non-terminals exist: NODATA, not NXDOMAIN. */
    r = ask("ent.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_nscount(r), 1);
    ldns_pkt_free(r);
    r = ask("_tcp.gmail.test.", LDNS_RR_TYPE_SRV, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    ldns_pkt_free(r);
}

static void
test_cname_chains(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r;

    (void)state;
    r = ask("chain1.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 3);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_ANSWER, 0)), LDNS_RR_TYPE_CNAME);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_ANSWER, 1)), LDNS_RR_TYPE_CNAME);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_ANSWER, 2)), LDNS_RR_TYPE_A);
    ldns_pkt_free(r);

    /* Asking for the CNAME itself does not follow it. */
    r = ask("chain1.gmail.test.", LDNS_RR_TYPE_CNAME, 0, 0, &info);
    assert_int_equal(ldns_pkt_ancount(r), 1);
    ldns_pkt_free(r);

    /* Out of the served zones: the CNAME alone, NOERROR. */
    r = ask("outside.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 1);
    ldns_pkt_free(r);

    /* Into another served zone. */
    r = ask("cross.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_int_equal(ldns_pkt_ancount(r), 2);
    ldns_pkt_free(r);

    /* To a missing name: RFC 6604, the rcode is the last name's. */
    r = ask("dangling.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
    assert_int_equal(ldns_pkt_ancount(r), 1);
    ldns_pkt_free(r);

    /* A loop ends after a bounded number of links. */
    r = ask("loop1.gmail.test.", LDNS_RR_TYPE_A, 0, 0, &info);
    assert_true(ldns_pkt_ancount(r) <= 8);
    ldns_pkt_free(r);
}

static void
test_refused_outside_zones(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r = ask("www.example.com.", LDNS_RR_TYPE_A, 0, 0, &info);

    (void)state;
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
    assert_false(ldns_pkt_aa(r));
    assert_int_equal(info.rcode, LDNS_RCODE_REFUSED);
    ldns_pkt_free(r);
}

static void
test_case_insensitive_question_echoed(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r = ask("_XMPP-Server._TCP.Gmail.TEST.", LDNS_RR_TYPE_SRV, 0, 0, &info);
    char *q;

    (void)state;
    assert_int_equal(ldns_pkt_ancount(r), 2);
    q = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0)));
    assert_string_equal(q, "_XMPP-Server._TCP.Gmail.TEST.");
    assert_string_equal(info.qname, "_XMPP-Server._TCP.Gmail.TEST.");
    free(q);
    ldns_pkt_free(r);
}

static void
test_truncation_over_udp_only(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r;

    (void)state;
    r = ask("_xmpp-server._tcp.big.test.", LDNS_RR_TYPE_SRV, 0, 0, &info);
    assert_true(ldns_pkt_tc(r));
    assert_int_equal(ldns_pkt_ancount(r), 0);
    assert_int_equal(ldns_pkt_qdcount(r), 1);
    assert_true(info.truncated);
    ldns_pkt_free(r);

    r = ask("_xmpp-server._tcp.big.test.", LDNS_RR_TYPE_SRV, 1232, 0, &info);
    assert_true(ldns_pkt_tc(r));
    assert_true(ldns_pkt_edns(r));
    ldns_pkt_free(r);

    r = ask("_xmpp-server._tcp.big.test.", LDNS_RR_TYPE_SRV, 0, 1, &info);
    assert_false(ldns_pkt_tc(r));
    assert_int_equal(ldns_pkt_ancount(r), 40);
    assert_int_equal(ldns_pkt_arcount(r), 40);
    assert_false(info.truncated);
    ldns_pkt_free(r);

    /* A client size above fedsim's own (1232) counts as 1232, as NSD does. */
    r = ask("_xmpp-server._tcp.big.test.", LDNS_RR_TYPE_SRV, 3000, 0, &info);
    assert_true(ldns_pkt_tc(r));
    assert_int_equal(ldns_pkt_ancount(r), 0);
    ldns_pkt_free(r);
}

static void
test_badvers(void **state)
{
    ldns_pkt *q = NULL, *r = NULL;
    uint8_t *wire = NULL, *out = NULL;
    size_t len, outlen;
    struct dns_answer_info info;

    (void)state;
    ldns_pkt_query_new_frm_str(&q, "gmail.test.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
    ldns_pkt_set_edns_udp_size(q, 1232);
    ldns_pkt_set_edns_version(q, 1);
    ldns_pkt2wire(&wire, q, &len);
    assert_int_equal(dns_answer(zs, wire, len, 0, &out, &outlen, &info), 1);
    assert_int_equal(info.rcode, DNS_RCODE_BADVERS);
    assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
    assert_int_equal(ldns_pkt_edns_extended_rcode(r), 1);
    assert_int_equal(ldns_pkt_ancount(r), 0);
    free(wire);
    free(out);
    ldns_pkt_free(q);
    ldns_pkt_free(r);
}

static void
test_garbage(void **state)
{
    /* A header that promises a question, then a name cut short. */
    static const uint8_t truncated_question[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                                                 0x00, 0x00, 0x00, 0x00, 0x3f, 'a',  'b'};
    /* A response (QR=1) and a runt: no reply at all. */
    static const uint8_t response[] = {0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t runt[] = {0x12, 0x34, 0x01};
    /* Opcode NOTIFY (4). */
    static const uint8_t notify[] = {0x12, 0x34, 0x20, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t *out = NULL;
    size_t outlen = 0;
    struct dns_answer_info info;

    (void)state;
    assert_int_equal(
            dns_answer(zs, truncated_question, sizeof(truncated_question), 0, &out, &outlen, &info),
            1);
    assert_int_equal(outlen, 12);
    assert_int_equal(out[0], 0x12);
    assert_int_equal(out[1], 0x34);
    assert_int_equal(out[2] & 0x80, 0x80);
    assert_int_equal(out[3] & 0x0f, LDNS_RCODE_FORMERR);
    assert_int_equal(info.rcode, LDNS_RCODE_FORMERR);
    assert_string_equal(info.qname, "-");
    free(out);
    assert_int_equal(dns_answer(zs, response, sizeof(response), 0, &out, &outlen, &info), 0);
    assert_null(out);
    assert_int_equal(info.rcode, -1);
    assert_int_equal(dns_answer(zs, runt, sizeof(runt), 0, &out, &outlen, &info), 0);
    assert_int_equal(dns_answer(zs, notify, sizeof(notify), 0, &out, &outlen, &info), 1);
    assert_int_equal(out[3] & 0x0f, LDNS_RCODE_NOTIMPL);
    free(out);
}

static void
test_any(void **state)
{
    struct dns_answer_info info;
    ldns_pkt *r = ask("xmpp-server.l.gmail.test.", LDNS_RR_TYPE_ANY, 0, 1, &info);

    (void)state;
    /* RFC 8482 §4.2: one rrset, A before AAAA (as NSD picks). */
    assert_int_equal(ldns_pkt_ancount(r), 1);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_ANSWER, 0)), LDNS_RR_TYPE_A);
    ldns_pkt_free(r);
}

/* Loads tests/dns/NAME.zone (the differential test's zones) into a new set. */
static struct dns_zoneset *
load_diff_zones(void)
{
    static const char *files[] = {"diff.test", "other.test", "sub.other.test"};
    const char *src = getenv("FEDSIM_SOURCE_DIR");
    struct dns_zoneset *set = dns_zoneset_new();
    char path[1024], err[512] = "";
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/tests/dns/%s.zone", src != NULL ? src : "..", files[i]);
        if (dns_zoneset_load_file(set, path, err, sizeof(err)) != 0)
            fail_msg("%s", err);
    }
    return set;
}

/* Asks the differential test's zones; checks rcode, AA, and the section counts. */
static ldns_pkt *
ask_set(struct dns_zoneset *set, const char *name, ldns_rr_type type, int rcode, int aa, size_t an,
        size_t ns, size_t ar)
{
    struct dns_zoneset *saved = zs;
    struct dns_answer_info info;
    ldns_pkt *r;

    zs = set;
    r = ask(name, type, 0, 1, &info);
    zs = saved;
    if ((int)ldns_pkt_get_rcode(r) != rcode || ldns_pkt_aa(r) != aa || ldns_pkt_ancount(r) != an ||
        ldns_pkt_nscount(r) != ns || ldns_pkt_arcount(r) != ar) {
        char *txt = ldns_pkt2str(r);

        fprintf(stderr, "%s: expected rcode %d aa %d %zu/%zu/%zu, got:\n%s", name, rcode, aa, an,
                ns, ar, txt);
        free(txt);
        fail();
    }
    return r;
}

/* RFC 1034 §4.3.2 with RFC 4592 wildcards, referrals, DNAME and DS at a cut. */
static void
test_lookup_algorithm(void **state)
{
    struct dns_zoneset *set = load_diff_zones();
    ldns_pkt *r;

    (void)state;
    /* A wildcard synthesizes the name asked, with the zone's NS set and its glue. */
    r = ask_set(set, "foo.wild.diff.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 1, 2, 2);
    assert_int_equal(ldns_dname_compare(ldns_rr_owner(rr_at(r, LDNS_SECTION_ANSWER, 0)),
                                        ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(r), 0))),
                     0);
    ldns_pkt_free(r);
    /* No synthesis for an existing name (its other types), nor for an empty non-terminal;
     * below the ENT the closest encloser has no wildcard: NXDOMAIN. */
    ldns_pkt_free(ask_set(set, "host.wild.diff.test.", LDNS_RR_TYPE_AAAA, 0, 1, 0, 1, 0));
    ldns_pkt_free(ask_set(set, "sub.wild.diff.test.", LDNS_RR_TYPE_A, 0, 1, 0, 1, 0));
    ldns_pkt_free(ask_set(set, "y.sub.wild.diff.test.", LDNS_RR_TYPE_A, 3, 1, 0, 1, 0));
    /* A wildcard that is an empty non-terminal: NODATA (RFC 4592 §2.2.2). */
    ldns_pkt_free(ask_set(set, "foo.entwild.diff.test.", LDNS_RR_TYPE_A, 0, 1, 0, 1, 0));
    /* A wildcard CNAME, then the target. */
    ldns_pkt_free(ask_set(set, "foo.cn.diff.test.", LDNS_RR_TYPE_A, 0, 1, 2, 2, 2));
    /* A wildcard SRV: its target's addresses in additional (and the NS set's). */
    ldns_pkt_free(
            ask_set(set, "_xmpp-server._tcp.srv.diff.test.", LDNS_RR_TYPE_SRV, 0, 1, 1, 2, 4));
    /* Below a cut: a referral, AA clear, NS in authority, glue; never NXDOMAIN. */
    ldns_pkt_free(ask_set(set, "www.child.diff.test.", LDNS_RR_TYPE_A, 0, 0, 0, 3, 4));
    ldns_pkt_free(ask_set(set, "child.diff.test.", LDNS_RR_TYPE_NS, 0, 0, 0, 3, 4));
    ldns_pkt_free(ask_set(set, "ns.child.diff.test.", LDNS_RR_TYPE_A, 0, 0, 0, 3, 4));
    /* A wildcard does not reach past a cut below it. */
    ldns_pkt_free(ask_set(set, "www.cut.wildcut.diff.test.", LDNS_RR_TYPE_A, 0, 0, 0, 1, 1));
    /* DS at a cut is the parent's (RFC 4035 §3.1.4.1): NODATA, authoritative. */
    ldns_pkt_free(ask_set(set, "child.diff.test.", LDNS_RR_TYPE_DS, 0, 1, 0, 1, 0));
    /* A CNAME into a delegated name: the CNAME, then the referral, AA set by the CNAME. */
    ldns_pkt_free(ask_set(set, "tochild.diff.test.", LDNS_RR_TYPE_A, 0, 1, 1, 3, 4));
    /* The child zone served beside its parent answers for itself. */
    ldns_pkt_free(ask_set(set, "www.sub.other.test.", LDNS_RR_TYPE_A, 0, 1, 1, 1, 1));
    /* DNAME: itself, the CNAME made from it, the target's data (RFC 6672). */
    ldns_pkt_free(ask_set(set, "www.dn.diff.test.", LDNS_RR_TYPE_A, 0, 1, 3, 1, 1));
    /* A CNAME loop ends when an rrset would come twice; long chains are followed. */
    ldns_pkt_free(ask_set(set, "loop1.diff.test.", LDNS_RR_TYPE_A, 0, 1, 2, 0, 0));
    ldns_pkt_free(ask_set(set, "long1.diff.test.", LDNS_RR_TYPE_A, 0, 1, 11, 2, 2));
    dns_zoneset_free(set);
}

/* Asks with faults in place. */
static ldns_pkt *
ask_faulty(const struct dns_faults *fs, const char *name, ldns_rr_type type, int tcp,
           struct dns_answer_info *info, int *responded)
{
    ldns_pkt *q = NULL, *r = NULL;
    uint8_t *wire = NULL, *out = NULL;
    size_t len = 0, outlen = 0;

    ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0);
    ldns_pkt2wire(&wire, q, &len);
    *responded = dns_answer_faulty(zs, fs, wire, len, tcp, &out, &outlen, info);
    if (*responded)
        assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
    free(wire);
    free(out);
    ldns_pkt_free(q);
    return r;
}

static void
test_faults(void **state)
{
    struct dns_faults fs = {0};
    struct dns_answer_info info;
    char err[256];
    int responded;
    ldns_pkt *r;

    (void)state;
    assert_int_equal(dns_faults_add(&fs, "_xmpp-server._tcp.gmail.test", "SRV", DNS_FAULT_RCODE,
                                    "SERVFAIL", err, sizeof(err)),
                     0);
    r = ask_faulty(&fs, "_xmpp-server._tcp.gmail.test.", LDNS_RR_TYPE_SRV, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_SERVFAIL);
    assert_int_equal(ldns_pkt_ancount(r), 0);
    assert_int_equal(ldns_pkt_nscount(r), 0);
    assert_true(info.fault);
    ldns_pkt_free(r);
    /* A faked NXDOMAIN or NODATA carries the zone's SOA, like a real one (RFC 2308 §3). */
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "AAAA", DNS_FAULT_RCODE,
                                    "NXDOMAIN", err, sizeof(err)),
                     0);
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "TXT", DNS_FAULT_RCODE,
                                    "NOERROR", err, sizeof(err)),
                     0);
    r = ask_faulty(&fs, "xmpp-server.l.gmail.test.", LDNS_RR_TYPE_AAAA, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
    assert_int_equal(ldns_pkt_nscount(r), 1);
    assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(r), 0)), LDNS_RR_TYPE_SOA);
    ldns_pkt_free(r);
    r = ask_faulty(&fs, "xmpp-server.l.gmail.test.", LDNS_RR_TYPE_TXT, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 0);
    assert_int_equal(ldns_pkt_nscount(r), 1);
    ldns_pkt_free(r);
    dns_faults_remove(&fs, "xmpp-server.l.gmail.test", "AAAA");
    dns_faults_remove(&fs, "xmpp-server.l.gmail.test", "TXT");
    /* Another type of the same name is untouched. */
    r = ask_faulty(&fs, "_xmpp-server._tcp.gmail.test.", LDNS_RR_TYPE_TXT, 0, &info, &responded);
    assert_false(info.fault);
    ldns_pkt_free(r);

    /* Replace: the records given, their targets' addresses in additional. */
    assert_int_equal(dns_faults_add(&fs, "_xmpp-server._tcp.gmail.test", "SRV", DNS_FAULT_REPLACE,
                                    "_xmpp-server._tcp.gmail.test. 0 IN SRV 1 0 5270 "
                                    "alt1.xmpp-server.l.gmail.test.\n",
                                    err, sizeof(err)),
                     0);
    assert_int_equal(fs.n, 1);
    r = ask_faulty(&fs, "_xmpp-server._tcp.gmail.test.", LDNS_RR_TYPE_SRV, 0, &info, &responded);
    assert_int_equal(ldns_pkt_ancount(r), 1);
    assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), 0), 2)),
                     5270);
    assert_int_equal(ldns_pkt_arcount(r), 1);
    ldns_pkt_free(r);

    /* Records for a name the zone does not have: the name now exists, so its other types
     * are NODATA, and so are the names above it (RFC 8020: NXDOMAIN would say that nothing
     * exists there or below). Names beside it stay NXDOMAIN. */
    assert_int_equal(dns_faults_add(&fs, "dead.x.gmail.test", "A", DNS_FAULT_REPLACE,
                                    "dead.x.gmail.test. 5 IN A 127.0.0.99\n", err, sizeof(err)),
                     0);
    r = ask_faulty(&fs, "dead.x.gmail.test.", LDNS_RR_TYPE_A, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 1);
    ldns_pkt_free(r);
    r = ask_faulty(&fs, "dead.x.gmail.test.", LDNS_RR_TYPE_AAAA, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 0);
    assert_int_equal(ldns_pkt_nscount(r), 1);
    assert_int_equal(ldns_rr_get_type(rr_at(r, LDNS_SECTION_AUTHORITY, 0)), LDNS_RR_TYPE_SOA);
    ldns_pkt_free(r);
    r = ask_faulty(&fs, "x.gmail.test.", LDNS_RR_TYPE_A, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_pkt_ancount(r), 0);
    ldns_pkt_free(r);
    r = ask_faulty(&fs, "other.x.gmail.test.", LDNS_RR_TYPE_A, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
    ldns_pkt_free(r);
    dns_faults_remove(&fs, "dead.x.gmail.test", "A");
    r = ask_faulty(&fs, "dead.x.gmail.test.", LDNS_RR_TYPE_AAAA, 0, &info, &responded);
    assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NXDOMAIN);
    ldns_pkt_free(r);

    /* Drop, truncate (UDP only), delay. */
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "*", DNS_FAULT_DROP, NULL, err,
                                    sizeof(err)),
                     0);
    r = ask_faulty(&fs, "xmpp-server.l.gmail.test.", LDNS_RR_TYPE_A, 0, &info, &responded);
    assert_false(responded);
    assert_null(r);
    assert_int_equal(info.rcode, -1);
    dns_faults_remove(&fs, "xmpp-server.l.gmail.test", "*");
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "A", DNS_FAULT_TRUNCATE, NULL,
                                    err, sizeof(err)),
                     0);
    r = ask_faulty(&fs, "xmpp-server.l.gmail.test.", LDNS_RR_TYPE_A, 0, &info, &responded);
    assert_true(ldns_pkt_tc(r));
    ldns_pkt_free(r);
    r = ask_faulty(&fs, "xmpp-server.l.gmail.test.", LDNS_RR_TYPE_A, 1, &info, &responded);
    assert_false(ldns_pkt_tc(r));
    assert_int_equal(ldns_pkt_ancount(r), 1);
    ldns_pkt_free(r);
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "AAAA", DNS_FAULT_DELAY,
                                    "1500", err, sizeof(err)),
                     0);
    r = ask_faulty(&fs, "xmpp-server.l.gmail.test.", LDNS_RR_TYPE_AAAA, 0, &info, &responded);
    assert_int_equal(info.delay_ms, 1500);
    assert_int_equal(ldns_pkt_ancount(r), 1);
    ldns_pkt_free(r);

    /* Bad input. */
    assert_int_equal(dns_faults_add(&fs, "x.test", "BOGUS", DNS_FAULT_DROP, NULL, err, sizeof(err)),
                     -1);
    assert_int_equal(dns_faults_add(&fs, "x.test", "A", DNS_FAULT_RCODE, "OOPS", err, sizeof(err)),
                     -1);
    assert_int_equal(dns_faults_add(&fs, "x.test", "A", DNS_FAULT_REPLACE, "x.test. IN A nope\n",
                                    err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "record 1"));
    dns_faults_remove(&fs, "all", NULL);
    assert_int_equal(fs.n, 0);
    dns_faults_clear(&fs);
}

/*
 * The answer cache: every answer dns_answer_query gives from it has exactly the bytes (and the
 * info) the ldns path gives for the same query, for names, types, letter cases, EDNS sizes,
 * RD/CD, UDP and TCP; also while faults are set and after they are cleared, after records are
 * replaced by a fault, and after the zone set changes.
 */
struct cache_check {
    struct dns_zoneset *zs;
    struct dns_faults *faults;
    unsigned long queries;
};

static void
query_wire(const char *name, ldns_rr_type type, ldns_rr_class class, int edns, int dobit,
           uint16_t flags, uint16_t id, uint8_t **wire, size_t *len)
{
    ldns_pkt *q = NULL;

    assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type, class, flags), LDNS_STATUS_OK);
    ldns_pkt_set_id(q, id);
    if (edns > 0) {
        ldns_pkt_set_edns_udp_size(q, (uint16_t)edns);
        ldns_pkt_set_edns_do(q, dobit != 0);
    }
    assert_int_equal(ldns_pkt2wire(wire, q, len), LDNS_STATUS_OK);
    ldns_pkt_free(q);
}

/* Answers q three times (ldns alone, then twice through the cache) and compares. */
static void
same_answers(struct cache_check *cc, const uint8_t *q, size_t qlen, int tcp)
{
    struct dns_answer_info ref, got;
    uint8_t *rout = NULL, *out = NULL;
    size_t routlen = 0, outlen = 0;
    int rr, r, round;

    rr = dns_answer_query(cc->zs, cc->faults, q, qlen, tcp, DNS_ANSWER_NO_CACHE, &rout, &routlen,
                          &ref);
    for (round = 0; round < 2; round++) {
        r = dns_answer_query(cc->zs, cc->faults, q, qlen, tcp, 0, &out, &outlen, &got);
        assert_int_equal(r, rr);
        assert_int_equal(outlen, routlen);
        if (outlen > 0)
            assert_memory_equal(out, rout, outlen);
        assert_string_equal(got.qname, ref.qname);
        assert_int_equal(got.qtype, ref.qtype);
        assert_int_equal(got.rcode, ref.rcode);
        assert_int_equal(got.ancount, ref.ancount);
        assert_int_equal(got.truncated, ref.truncated);
        assert_int_equal(got.delay_ms, ref.delay_ms);
        assert_int_equal(got.fault, ref.fault);
        free(out);
        out = NULL;
        /* Without the name formatted, the rest is the same. */
        r = dns_answer_query(cc->zs, cc->faults, q, qlen, tcp, DNS_ANSWER_NO_QNAME, &out, &outlen,
                             &got);
        assert_int_equal(r, rr);
        assert_int_equal(outlen, routlen);
        if (outlen > 0)
            assert_memory_equal(out, rout, outlen);
        assert_int_equal(got.rcode, ref.rcode);
        free(out);
        out = NULL;
    }
    free(rout);
    cc->queries++;
}

/* The same name in three spellings: as written, upper case, and 0x20-style mixed case. */
static void
spellings(const char *name, char out[3][256])
{
    size_t i, n = strlen(name);

    for (i = 0; i <= n; i++) {
        char c = name[i];

        out[0][i] = c;
        out[1][i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        out[2][i] = (char)(c >= 'a' && c <= 'z' && (i * 7 + n) % 3 != 0 ? c - 32 : c);
    }
}

static void
check_all(struct cache_check *cc)
{
    static const char *names[] = {"_xmpp-server._tcp.gmail.test.",
                                  "xmpp-server.l.gmail.test.",
                                  "gmail.test.",
                                  "nothing.gmail.test.",
                                  "ent.gmail.test.",
                                  "deep.ent.gmail.test.",
                                  "chain1.gmail.test.",
                                  "outside.gmail.test.",
                                  "loop1.gmail.test.",
                                  "dangling.gmail.test.",
                                  "cross.gmail.test.",
                                  "www.example.com.",
                                  "_xmpp-server._tcp.big.test.",
                                  "host.webex.test.",
                                  ".",
                                  "a.b.c.d.e.f.nothing.webex.test."};
    static const ldns_rr_type types[] = {LDNS_RR_TYPE_A,   LDNS_RR_TYPE_AAAA,  LDNS_RR_TYPE_SRV,
                                         LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_ANY,
                                         LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_MX};
    /* 0: no OPT; then UDP sizes below, between and above the big answer's two lengths. */
    static const int sizes[] = {0, 512, 1232, 2000, 3000, 4096, 65535};
    size_t n, t, e, k, tcp;
    uint16_t id = 1;

    for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        char sp[3][256];

        spellings(names[n], sp);
        for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
            for (e = 0; e < sizeof(sizes) / sizeof(sizes[0]); e++) {
                for (tcp = 0; tcp < 2; tcp++) {
                    for (k = 0; k < 3; k++) {
                        uint8_t *wire = NULL;
                        size_t len = 0;
                        uint16_t flags = (uint16_t)((k & 1 ? LDNS_RD : 0) | (k == 2 ? LDNS_CD : 0));

                        query_wire(sp[k], types[t], LDNS_RR_CLASS_IN, sizes[e], (int)(k == 1),
                                   flags, id++, &wire, &len);
                        same_answers(cc, wire, len, (int)tcp);
                        free(wire);
                    }
                }
            }
        }
    }
    /* Another class: REFUSED, cached per class. */
    for (k = 0; k < 2; k++) {
        uint8_t *wire = NULL;
        size_t len = 0;

        query_wire("gmail.test.", LDNS_RR_TYPE_A, k ? LDNS_RR_CLASS_CH : LDNS_RR_CLASS_ANY, 0, 0, 0,
                   id++, &wire, &len);
        same_answers(cc, wire, len, 0);
        free(wire);
    }
}

/* Messages the cache must leave to ldns: they are answered as before, and never from it. */
static void
check_unusual(struct cache_check *cc)
{
    static const uint8_t pointer_in_question[] = {0x12, 0x34, 0x01, 0x00, 0,    1, 0, 0, 0,
                                                  0,    0,    0,    0xc0, 0x0c, 0, 1, 0, 1};
    static const uint8_t two_questions[] = {0x12, 0x34, 0x01, 0x00, 0,   2,   0,   0, 0,   0,   0,
                                            0,    5,    'g',  'm',  'a', 'i', 'l', 4, 't', 'e', 's',
                                            't',  0,    0,    1,    0,   1,   0,   0, 1,   0,   1};
    static const uint8_t trailing[] = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
                                       0,    0,    5,    'g',  'm', 'a', 'i', 'l', 4,   't',
                                       'e',  's',  't',  0,    0,   6,   0,   1,   0xff};
    static const uint8_t opt_with_cookie[] = {
            0x12, 0x34, 0x01, 0x00, 0,   1,   0,  0, 0, 0, 0, 1, 5, 'g', 'm',  'a', 'i',
            'l',  4,    't',  'e',  's', 't', 0,  0, 6, 0, 1, 0, 0, 41,  0x10, 0,   0,
            0,    0,    0,    0,    12,  0,   10, 0, 8, 1, 2, 3, 4, 5,   6,    7,   8};
    static const uint8_t opt_version1[] = {
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0,  1,    5, 'g', 'm', 'a', 'i', 'l', 4, 't',
            'e',  's',  't',  0,    0, 6, 0, 1, 0, 0, 41, 0x10, 0, 0,   1,   0,   0,   0,   0};
    static const uint8_t opt_small[] = {
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0,  1,    5, 'g', 'm', 'a', 'i', 'l', 4, 't',
            'e',  's',  't',  0,    0, 6, 0, 1, 0, 0, 41, 0x01, 0, 0,   0,   0,   0,   0,   0};
    static const uint8_t notify[] = {0x12, 0x34, 0x20, 0x00, 0, 1,   0,   0,   0,   0, 0, 0, 5, 'g',
                                     'm',  'a',  'i',  'l',  4, 't', 'e', 's', 't', 0, 0, 6, 0, 1};
    static const uint8_t cut[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 'a'};
    static const uint8_t response[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0,
                                       0,    0,    0,    0,    0, 1, 0, 1};
    static const struct {
        const uint8_t *m;
        size_t len;
    } msgs[] = {{pointer_in_question, sizeof(pointer_in_question)},
                {two_questions, sizeof(two_questions)},
                {trailing, sizeof(trailing)},
                {opt_with_cookie, sizeof(opt_with_cookie)},
                {opt_version1, sizeof(opt_version1)},
                {opt_small, sizeof(opt_small)},
                {notify, sizeof(notify)},
                {cut, sizeof(cut)},
                {response, sizeof(response)}};
    struct dns_answer_cache_stats before, after;
    size_t i;

    dns_answer_cache_stats(cc->zs->answers, &before);
    for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        same_answers(cc, msgs[i].m, msgs[i].len, 0);
        same_answers(cc, msgs[i].m, msgs[i].len, 1);
    }
    dns_answer_cache_stats(cc->zs->answers, &after);
    assert_int_equal(after.hits, before.hits);
    assert_int_equal(after.fills, before.fills);
}

static void
test_cache_same_bytes_as_ldns(void **state)
{
    struct dns_faults fs = {0};
    struct cache_check cc = {.faults = &fs};
    struct dns_answer_cache_stats st, st2;
    char err[512] = "", *bigtext;
    size_t n = 0;
    int i;

    (void)state;
    /* A set of its own: this test changes it. */
    cc.zs = dns_zoneset_new();
    assert_int_equal(dns_zoneset_load_string(cc.zs, "fixture", fixture, err, sizeof(err)), 0);
    bigtext = malloc(65536);
    assert_non_null(bigtext);
    n += (size_t)sprintf(bigtext + n, "$ORIGIN big.test.\n@ SOA ns h 1 2 3 4 5\n");
    for (i = 0; i < 40; i++)
        n += (size_t)sprintf(
                bigtext + n,
                "_xmpp-server._tcp SRV 10 %d 5269 target-with-a-rather-long-name-%02d\n"
                "target-with-a-rather-long-name-%02d A 127.0.1.%d\n",
                i, i, i, i + 1);
    assert_int_equal(dns_zoneset_load_string(cc.zs, "big", bigtext, err, sizeof(err)), 0);
    free(bigtext);

    check_all(&cc);
    dns_answer_cache_stats(cc.zs->answers, &st);
    /* Each kind of answer was built by ldns once and kept; every other query was a copy. */
    assert_int_equal(st.hits + st.slow, 4 * cc.queries);
    assert_int_equal(st.slow, st.fills);
    assert_true(st.entries > 0 && st.fills * 10 < st.hits);
    check_unusual(&cc);

    /* Faults set: ldns answers (the cache would not know them); cleared: the cache again. */
    assert_int_equal(dns_faults_add(&fs, "_xmpp-server._tcp.gmail.test", "SRV", DNS_FAULT_RCODE,
                                    "SERVFAIL", err, sizeof(err)),
                     0);
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "AAAA", DNS_FAULT_RCODE,
                                    "NXDOMAIN", err, sizeof(err)),
                     0);
    assert_int_equal(dns_faults_add(&fs, "xmpp-server.l.gmail.test", "A", DNS_FAULT_TRUNCATE, NULL,
                                    err, sizeof(err)),
                     0);
    assert_int_equal(
            dns_faults_add(&fs, "gmail.test", "*", DNS_FAULT_DELAY, "100", err, sizeof(err)), 0);
    /* Records replaced mid-scenario, as `dns answers NAME TYPE with records` does. */
    assert_int_equal(dns_faults_add(&fs, "chain1.gmail.test", "A", DNS_FAULT_REPLACE,
                                    "chain1.gmail.test. 0 IN A 127.0.0.99\n", err, sizeof(err)),
                     0);
    dns_answer_cache_stats(cc.zs->answers, &st);
    check_all(&cc);
    dns_answer_cache_stats(cc.zs->answers, &st2);
    assert_int_equal(st2.hits, st.hits);
    dns_faults_remove(&fs, "all", NULL);
    check_all(&cc);
    dns_answer_cache_stats(cc.zs->answers, &st);
    assert_true(st.hits > st2.hits);
    assert_int_equal(st.fills, st2.fills);

    /* The zone set changes: answers already kept (REFUSED for example.com, the SOA of the
     * parent for sub.gmail.test) must change with it. */
    assert_int_equal(dns_zoneset_load_string(cc.zs, "more",
                                             "$ORIGIN example.com.\n"
                                             "@ 60 SOA ns h 1 2 3 4 5\n"
                                             "www 60 A 192.0.2.1\n"
                                             "$ORIGIN sub.gmail.test.\n"
                                             "@ 60 SOA ns h 1 2 3 4 5\n"
                                             "xmpp-server.l 60 A 192.0.2.2\n",
                                             err, sizeof(err)),
                     0);
    dns_answer_cache_stats(cc.zs->answers, &st);
    assert_int_equal(st.entries, 0);
    check_all(&cc);
    {
        uint8_t *wire = NULL, *out = NULL;
        size_t len = 0, outlen = 0;
        struct dns_answer_info info;

        query_wire("WWW.example.COM.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0, 0, 0, 7, &wire, &len);
        assert_int_equal(dns_answer_query(cc.zs, &fs, wire, len, 0, 0, &out, &outlen, &info), 1);
        assert_int_equal(info.rcode, LDNS_RCODE_NOERROR);
        assert_int_equal(info.ancount, 1);
        free(wire);
        free(out);
    }
    dns_faults_clear(&fs);
    dns_zoneset_free(cc.zs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_srv_with_additional),
            cmocka_unit_test(test_nxdomain_and_nodata_carry_soa),
            cmocka_unit_test(test_cname_chains),
            cmocka_unit_test(test_refused_outside_zones),
            cmocka_unit_test(test_case_insensitive_question_echoed),
            cmocka_unit_test(test_truncation_over_udp_only),
            cmocka_unit_test(test_badvers),
            cmocka_unit_test(test_garbage),
            cmocka_unit_test(test_any),
            cmocka_unit_test(test_faults),
            cmocka_unit_test(test_lookup_algorithm),
            cmocka_unit_test(test_cache_same_bytes_as_ldns),
    };

    return cmocka_run_group_tests_name("dns_answer", tests, setup, teardown);
}
