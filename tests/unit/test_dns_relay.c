/* test_dns_relay.c: runs side by side against one SUT: a run's label names its worker, and the
 * relay finds the worker from a query's question name; then a query through a real relay. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns_relay.h"
#include "loop.h"

/* A query for name (dotted, no final dot) in wire form; returns its length. */
static size_t
query(unsigned char *out, const char *name)
{
    size_t at = 12;
    const char *p = name;

    memset(out, 0, 12);
    out[0] = 0x12, out[1] = 0x34, out[5] = 1; /* id, QDCOUNT 1 */
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);

        out[at++] = (unsigned char)n;
        memcpy(out + at, p, n);
        at += n;
        p += n + (dot != NULL);
    }
    out[at++] = 0;
    out[at++] = 0, out[at++] = 33, out[at++] = 0, out[at++] = 1; /* SRV IN */
    return at;
}

static void
test_label_names_worker(void **state)
{
    unsigned char q[512];
    char label[8], name[128];
    unsigned k, seq;

    (void)state;
    for (seq = 0; seq < 300000; seq += 977)
        for (k = 0; k < DNS_RELAY_MAX_WORKERS; k += 7) {
            dns_relay_label(label, seq, k);
            assert_int_equal(strlen(label), 7);
            assert_int_equal(label[0], 'r');
            snprintf(name, sizeof(name), "_xmpp-server._tcp.%s.gmail.test", label);
            assert_int_equal(dns_relay_route(q, query(q, name)), (int)k);
            snprintf(name, sizeof(name), "xmpp-server.l.%s.GMAIL.test", label);
            assert_int_equal(dns_relay_route(q, query(q, name)), (int)k);
        }
    /* Two runs in a row of one worker: labels of their own. */
    {
        char a[8], b[8];

        dns_relay_label(a, 5, 3);
        dns_relay_label(b, 6, 3);
        assert_string_not_equal(a, b);
    }
}

static void
test_no_label(void **state)
{
    unsigned char q[512];
    size_t n;

    (void)state;
    assert_int_equal(dns_relay_route(q, query(q, "_xmpp-server._tcp.sut.test")), -1);
    /* Not a run label: too short, too long, not hex. */
    assert_int_equal(dns_relay_route(q, query(q, "r12345.gmail.test")), -1);
    assert_int_equal(dns_relay_route(q, query(q, "r1234567.gmail.test")), -1);
    assert_int_equal(dns_relay_route(q, query(q, "rxyzxyz.gmail.test")), -1);
    /* Broken messages. */
    n = query(q, "r000041.gmail.test");
    assert_int_equal(dns_relay_route(q, n), 1);
    assert_int_equal(dns_relay_route(q, 11), -1);
    assert_int_equal(dns_relay_route(q, 16), -1); /* the label cut short */
    q[5] = 0;                                     /* no question */
    assert_int_equal(dns_relay_route(q, n), -1);
}

/* Two "workers" (UDP sockets that answer with their own mark) behind a relay. */
static void
test_forwards(void **state)
{
    char err[512] = "";
    struct net_addr listen, workers[2], fallback, bound;
    int wfd[3], c, i;
    struct dns_relay *r;
    unsigned char q[512], buf[512];
    char label[8], name[64];

    (void)state;
    assert_int_equal(loop_init(err, sizeof(err)), 0);
    for (i = 0; i < 3; i++) {
        struct net_addr any;

        net_addr_from_host("127.0.0.1", 0, &any);
        wfd[i] = net_udp_bind(&any, err, sizeof(err));
        assert_true(wfd[i] >= 0);
        net_local_addr(wfd[i], i < 2 ? &workers[i] : &fallback);
    }
    net_addr_from_host("127.0.0.1", 0, &listen);
    c = net_udp_bind(&listen, err, sizeof(err)); /* a free port for the relay */
    net_local_addr(c, &listen);
    close(c);
    r = dns_relay_new(loop_base(), &listen, workers, 2, &fallback, err, sizeof(err));
    assert_non_null(r);
    net_addr_from_host("127.0.0.1", 0, &bound);
    c = net_udp_bind(&bound, err, sizeof(err));
    for (i = 0; i < 3; i++) {
        int want = i; /* worker 0, worker 1, the fallback */
        size_t n;
        ssize_t got;
        struct pollfd p;
        int t;

        dns_relay_label(label, 77, (unsigned)i);
        snprintf(name, sizeof(name), i < 2 ? "xmpp.%s.gmail.test" : "s2s.sut.test", label);
        n = query(q, name);
        assert_true(sendto(c, q, n, 0, (struct sockaddr *)&listen.ss, listen.len) == (ssize_t)n);
        /* The relay forwards in the loop; the worker socket answers with a mark. */
        for (t = 0; t < 100; t++) {
            struct sockaddr_storage from;
            socklen_t fl = sizeof(from);

            event_base_loop(loop_base(), EVLOOP_NONBLOCK);
            got = recvfrom(wfd[want], buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
                           &fl);
            if (got > 0) {
                assert_int_equal(got, (ssize_t)n);
                buf[2] = (unsigned char)(0x80 | want); /* an "answer" carrying the mark */
                sendto(wfd[want], buf, (size_t)got, 0, (struct sockaddr *)&from, fl);
                break;
            }
            usleep(10000);
        }
        assert_true(t < 100);
        for (t = 0; t < 100; t++) {
            event_base_loop(loop_base(), EVLOOP_NONBLOCK);
            p = (struct pollfd){.fd = c, .events = POLLIN};
            if (poll(&p, 1, 10) == 1)
                break;
        }
        got = recv(c, buf, sizeof(buf), 0);
        assert_int_equal(got, (ssize_t)n);
        assert_int_equal(buf[2], 0x80 | want);
    }
    /* A default worker takes the queries no label names. */
    dns_relay_set_default(r, 1);
    {
        size_t n = query(q, "s2s.sut.test");
        int t;
        ssize_t got = -1;

        sendto(c, q, n, 0, (struct sockaddr *)&listen.ss, listen.len);
        for (t = 0; t < 100 && got <= 0; t++) {
            event_base_loop(loop_base(), EVLOOP_NONBLOCK);
            got = recv(wfd[1], buf, sizeof(buf), MSG_DONTWAIT);
            usleep(got > 0 ? 0 : 10000);
        }
        assert_int_equal(got, (ssize_t)n);
    }
    dns_relay_free(r);
    for (i = 0; i < 3; i++)
        close(wfd[i]);
    close(c);
    loop_free();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_label_names_worker),
            cmocka_unit_test(test_no_label),
            cmocka_unit_test(test_forwards),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
