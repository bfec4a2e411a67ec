/* test_dns_unbound.c: the responder as fedsim's own peers will use it: libunbound on the same
 * event loop, forwarded to it, must get the same answers as the responder gives (SRV, CNAME,
 * NXDOMAIN, NODATA, truncation with TCP fallback, the SUT's synthesized records), and every
 * lookup is bounded by its timeout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_answer.h"
#include "dns_server.h"
#include "dns_zone.h"
#include "loop.h"
#include "resolve.h"

struct fixture {
    struct dns_zoneset *zs;
    struct dns_server *srv;
    struct resolve_ctx *res;
    int tcp_seen, udp_tc_seen;
};

struct outcome {
    int done;
    enum resolve_status st;
    ldns_pkt *pkt; /* owned clone */
    char why[128];
};

static void
observe(const struct dns_query_record *rec, void *arg)
{
    struct fixture *f = arg;

    if (rec->tcp)
        f->tcp_seen++;
    if (rec->info.truncated)
        f->udp_tc_seen++;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *src = getenv("FEDSIM_SOURCE_DIR");
    char path[1024], err[512], big[16384];
    struct net_addr any, s2s;
    size_t n = 0;
    int i;

    if (src == NULL || loop_init(err, sizeof(err)) != 0)
        return -1;
    f->zs = dns_zoneset_new();
    snprintf(path, sizeof(path), "%s/dnsfixtures/federation.zone", src);
    if (dns_zoneset_load_file(f->zs, path, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    n += (size_t)snprintf(big + n, sizeof(big) - n, "$ORIGIN big.test.\n@ SOA ns h 1 2 3 4 5\n");
    for (i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n,
                              "_xmpp-server._tcp SRV 10 %d 5269 xmpp-target-number-%02d\n", i, i);
    if (dns_zoneset_load_string(f->zs, "big", big, err, sizeof(err)) != 0)
        return -1;
    if (dns_zoneset_load_string(
                f->zs, "svc",
                "$ORIGIN svc.test.\n@ SOA ns h 1 2 3 4 5\n"
                "nosrv A 127.0.0.7\n"                           /* fallback to port 5269 */
                "_xmpp-server._tcp.dot SRV 0 0 0 .\n"           /* decidedly not available */
                "_xmpp-server._tcp.noaddr SRV 10 0 5269 gone\n" /* target without address */
                "empty TXT \"nothing for XMPP here\"\n",
                err, sizeof(err)) != 0)
        return -1;
    net_addr_from_host("127.0.0.1", 25269, &s2s);
    if (dns_zoneset_add_sut(f->zs, "sut.test", (struct sockaddr *)&s2s.ss, NULL, err,
                            sizeof(err)) != 1)
        return -1;
    net_addr_from_host("127.0.0.1", 0, &any);
    f->srv = dns_server_new(loop_base(), &any, NULL, f->zs, err, sizeof(err));
    if (f->srv == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    dns_server_set_observer(f->srv, observe, f);
    f->res = resolve_new(loop_base(), dns_server_addr(f->srv), err, sizeof(err));
    if (f->res == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    resolve_free(f->res);
    dns_server_free(f->srv);
    dns_zoneset_free(f->zs);
    loop_free();
    free(f);
    return 0;
}

static void
on_resolved(enum resolve_status st, const ldns_pkt *answer, const char *why, void *arg)
{
    struct outcome *o = arg;

    o->done++;
    o->st = st;
    o->pkt = answer != NULL ? ldns_pkt_clone(answer) : NULL;
    snprintf(o->why, sizeof(o->why), "%s", why != NULL ? why : "");
    loop_stop();
}

static void
run_lookup(struct resolve_ctx *res, const char *name, ldns_rr_type type, int timeout_ms,
           struct outcome *o)
{
    struct event *guard = evtimer_new(loop_base(), (event_callback_fn)loop_stop, NULL);
    struct timeval tv = {10, 0};
    char err[256];

    memset(o, 0, sizeof(*o));
    evtimer_add(guard, &tv);
    assert_int_equal(resolve_query(res, name, type, timeout_ms, on_resolved, o, err, sizeof(err)),
                     0);
    assert_int_equal(o->done, 0); /* never called back from inside resolve_query */
    while (o->done == 0 && evtimer_pending(guard, NULL))
        loop_run();
    event_free(guard);
    assert_int_equal(o->done, 1);
}

/* The answer section's records, without TTLs, in canonical order. */
static char *
answer_text(const ldns_pkt *p)
{
    ldns_rr_list *l = ldns_rr_list_clone(ldns_pkt_answer(p));
    char *s;
    size_t i;

    for (i = 0; i < ldns_rr_list_rr_count(l); i++) {
        ldns_rr_set_ttl(ldns_rr_list_rr(l, i), 0);
        ldns_dname2canonical(ldns_rr_owner(ldns_rr_list_rr(l, i)));
    }
    ldns_rr_list_sort(l);
    s = ldns_rr_list2str(l);
    ldns_rr_list_deep_free(l);
    return s;
}

/* What the responder itself answers over TCP (no truncation). */
static ldns_pkt *
direct(const struct dns_zoneset *zs, const char *name, ldns_rr_type type)
{
    ldns_pkt *q = NULL, *r = NULL;
    uint8_t *wire = NULL, *out = NULL;
    size_t len, outlen;
    struct dns_answer_info info;

    ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, 0);
    ldns_pkt2wire(&wire, q, &len);
    assert_int_equal(dns_answer(zs, wire, len, 1, &out, &outlen, &info), 1);
    assert_int_equal(ldns_wire2pkt(&r, out, outlen), LDNS_STATUS_OK);
    free(wire);
    free(out);
    ldns_pkt_free(q);
    return r;
}

static void
expect_same(struct fixture *f, const char *name, ldns_rr_type type, ldns_pkt_rcode rcode,
            size_t ancount)
{
    struct outcome o;
    ldns_pkt *d = direct(f->zs, name, type);
    char *got, *want;

    run_lookup(f->res, name, type, 3000, &o);
    if (o.st != RESOLVE_OK)
        fail_msg("%s: resolve failed: %s", name, o.why);
    assert_int_equal(ldns_pkt_get_rcode(o.pkt), rcode);
    assert_int_equal(ldns_pkt_get_rcode(d), rcode);
    got = answer_text(o.pkt);
    want = answer_text(d);
    if (strcmp(got, want) != 0)
        fail_msg("%s: libunbound got\n%s\nthe responder gives\n%s", name, got, want);
    assert_int_equal(ldns_pkt_ancount(o.pkt), ancount);
    free(got);
    free(want);
    ldns_pkt_free(o.pkt);
    ldns_pkt_free(d);
}

static void
test_same_answers(void **state)
{
    struct fixture *f = *state;

    expect_same(f, "_xmpp-server._tcp.gmail.test", LDNS_RR_TYPE_SRV, LDNS_RCODE_NOERROR, 2);
    expect_same(f, "xmpp-server.l.gmail.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1);
    expect_same(f, "alt1.xmpp-server.l.gmail.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 2);
    expect_same(f, "xmpp.jabber.test", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, 1);
    expect_same(f, "_xmpps-server._tcp.jabber.test", LDNS_RR_TYPE_SRV, LDNS_RCODE_NOERROR, 1);
    expect_same(f, "_xmpps-server._tcp.gmail.test", LDNS_RR_TYPE_SRV, LDNS_RCODE_NXDOMAIN, 0);
    expect_same(f, "xmpp.webex.test", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, 0);
    expect_same(f, "_xmpp-server._tcp.sut.test", LDNS_RR_TYPE_SRV, LDNS_RCODE_NOERROR, 1);
    expect_same(f, "s2s.sut.test", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1);
}

static void
test_truncated_answer_arrives_over_tcp(void **state)
{
    struct fixture *f = *state;

    expect_same(f, "_xmpp-server._tcp.big.test", LDNS_RR_TYPE_SRV, LDNS_RCODE_NOERROR, 40);
    assert_true(f->udp_tc_seen >= 1);
    assert_true(f->tcp_seen >= 1);
}

static void
test_refused_is_a_failure(void **state)
{
    struct fixture *f = *state;
    struct outcome o;

    run_lookup(f->res, "www.example.com", LDNS_RR_TYPE_A, 3000, &o);
    assert_int_equal(o.st, RESOLVE_FAILED);
    assert_null(o.pkt);
}

static void
test_timeout_is_bounded(void **state)
{
    struct fixture *f = *state;
    struct net_addr silent;
    struct resolve_ctx *res;
    struct outcome o;
    char err[256];
    int fd;

    (void)f;
    /* A UDP socket nobody reads: the forwarder never answers. */
    net_addr_from_host("127.0.0.1", 0, &silent);
    fd = net_udp_bind(&silent, err, sizeof(err));
    assert_true(fd >= 0);
    net_local_addr(fd, &silent);
    res = resolve_new(loop_base(), &silent, err, sizeof(err));
    assert_non_null(res);
    run_lookup(res, "_xmpp-server._tcp.gmail.test", LDNS_RR_TYPE_SRV, 300, &o);
    assert_int_equal(o.st, RESOLVE_TIMEOUT);
    resolve_free(res);
    close(fd);
}

struct service_outcome {
    int done;
    enum resolve_service_status st;
    struct resolve_target t[8];
    size_t n;
};

static void
on_service(enum resolve_service_status st, const struct resolve_target *t, size_t n,
           const char *why, void *arg)
{
    struct service_outcome *o = arg;

    (void)why;
    o->done++;
    o->st = st;
    o->n = n < 8 ? n : 8;
    if (o->n > 0)
        memcpy(o->t, t, o->n * sizeof(*t));
    loop_stop();
}

static void
run_service(struct fixture *f, const char *domain, uint64_t seed, struct service_outcome *o)
{
    struct event *guard = evtimer_new(loop_base(), (event_callback_fn)loop_stop, NULL);
    struct timeval tv = {10, 0};
    char err[256];

    memset(o, 0, sizeof(*o));
    evtimer_add(guard, &tv);
    assert_int_equal(resolve_service(f->res, "_xmpp-server._tcp", domain, 5269, &seed, 3000,
                                     on_service, o, err, sizeof(err)),
                     0);
    while (o->done == 0 && evtimer_pending(guard, NULL))
        loop_run();
    event_free(guard);
    assert_int_equal(o->done, 1);
}

static void
expect_target(const struct service_outcome *o, size_t i, const char *host, const char *addr)
{
    char buf[NET_ADDRSTRLEN];

    assert_true(i < o->n);
    assert_string_equal(o->t[i].host, host);
    assert_string_equal(net_addr_format((struct sockaddr *)&o->t[i].addr.ss, buf, sizeof(buf)),
                        addr);
}

static void
test_service_selection(void **state)
{
    struct fixture *f = *state;
    struct service_outcome o;

    /* Two SRV targets by priority; the second is a CNAME to the first's name. */
    run_service(f, "gmail.test", 1, &o);
    assert_int_equal(o.st, RESOLVE_SERVICE_OK);
    assert_int_equal(o.n, 2);
    expect_target(&o, 0, "xmpp-server.l.gmail.test.", "127.0.0.2:5269");
    expect_target(&o, 1, "alt1.xmpp-server.l.gmail.test.", "127.0.0.2:5269");

    /* IPv6 before IPv4 for one target. */
    run_service(f, "jabber.test", 1, &o);
    assert_int_equal(o.n, 2);
    expect_target(&o, 0, "xmpp.jabber.test.", "[::1]:5269");
    expect_target(&o, 1, "xmpp.jabber.test.", "127.0.0.6:5269");

    /* The SUT's synthesized record. */
    run_service(f, "sut.test", 1, &o);
    expect_target(&o, 0, "s2s.sut.test.", "127.0.0.1:25269");

    /* No SRV: the domain's own address on 5269. */
    run_service(f, "nosrv.svc.test", 1, &o);
    assert_int_equal(o.st, RESOLVE_SERVICE_OK);
    expect_target(&o, 0, "nosrv.svc.test", "127.0.0.7:5269");

    run_service(f, "dot.svc.test", 1, &o);
    assert_int_equal(o.st, RESOLVE_SERVICE_NONE);
    assert_int_equal(o.n, 0);

    /* An SRV whose target has no address, and a name with nothing at all. */
    run_service(f, "noaddr.svc.test", 1, &o);
    assert_int_equal(o.st, RESOLVE_SERVICE_NOT_FOUND);
    run_service(f, "empty.svc.test", 1, &o);
    assert_int_equal(o.st, RESOLVE_SERVICE_NOT_FOUND);

    /* Outside every zone: the DNS refuses, a failure rather than "not found". */
    run_service(f, "example.com", 1, &o);
    assert_int_equal(o.st, RESOLVE_SERVICE_FAILED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_same_answers),
            cmocka_unit_test(test_truncated_answer_arrives_over_tcp),
            cmocka_unit_test(test_refused_is_a_failure),
            cmocka_unit_test(test_timeout_is_bounded),
            cmocka_unit_test(test_service_selection),
    };

    return cmocka_run_group_tests_name("dns_unbound", tests, setup, teardown);
}
