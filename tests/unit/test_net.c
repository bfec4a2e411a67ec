/* test_net.c: address parsing and formatting, listeners, and bounded non-blocking connects
 * (connected, refused, timed out against a listener whose accept queue is full). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "net.h"

static void
test_parse_and_format(void **state)
{
    struct net_addr a;
    char buf[NET_ADDRSTRLEN], err[256];

    (void)state;
    assert_int_equal(net_addr_parse("127.0.0.2:5269", &a, err, sizeof(err)), 0);
    assert_string_equal(net_addr_format((struct sockaddr *)&a.ss, buf, sizeof(buf)),
                        "127.0.0.2:5269");
    assert_int_equal(net_addr_port((struct sockaddr *)&a.ss), 5269);
    assert_int_equal(net_addr_parse("[::1]:0", &a, err, sizeof(err)), 0);
    assert_string_equal(net_addr_format((struct sockaddr *)&a.ss, buf, sizeof(buf)), "[::1]:0");
    assert_int_equal(a.len, sizeof(struct sockaddr_in6));

    assert_int_equal(net_addr_parse("127.0.0.1", &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "expected ADDR:PORT"));
    assert_int_equal(net_addr_parse("127.0.0.1:65536", &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "port must be"));
    assert_int_equal(net_addr_parse("127.0.0.1:", &a, err, sizeof(err)), -1);
    assert_int_equal(net_addr_parse("localhost:53", &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a numeric"));
    assert_int_equal(net_addr_parse("[::1:53", &a, err, sizeof(err)), -1);
    assert_int_equal(net_addr_parse(":53", &a, err, sizeof(err)), -1);
}

struct result {
    enum net_event ev;
    int error, called;
    struct bufferevent *bev;
};

static void
on_connect(enum net_event ev, struct bufferevent *bev, int error, void *arg)
{
    struct result *r = arg;

    r->ev = ev;
    r->error = error;
    r->bev = bev;
    r->called++;
    loop_stop();
}

static int accepted;

static void
on_accept(int fd, const struct sockaddr *peer, void *arg)
{
    (void)peer;
    (void)arg;
    accepted++;
    close(fd);
}

/* Runs the loop until the connect reports, with a safety stop. */
static void
run_until_reported(void)
{
    struct event *guard = evtimer_new(loop_base(), (event_callback_fn)loop_stop, NULL);
    struct timeval tv = {5, 0};

    evtimer_add(guard, &tv);
    loop_run();
    event_free(guard);
}

static int
setup(void **state)
{
    char err[256];

    (void)state;
    return loop_init(err, sizeof(err));
}

static int
teardown(void **state)
{
    (void)state;
    loop_free();
    return 0;
}

static void
test_connect_ok_and_refused(void **state)
{
    struct net_addr any;
    struct net_listener *l;
    struct net_addr target;
    struct result r = {0};
    char err[256];

    (void)state;
    net_addr_from_host("127.0.0.1", 0, &any);
    l = net_listen(loop_base(), &any, on_accept, NULL, err, sizeof(err));
    assert_non_null(l);
    target = *net_listener_addr(l);
    assert_true(net_addr_port((struct sockaddr *)&target.ss) > 0);

    net_connect(loop_base(), &target, 2000, on_connect, &r);
    run_until_reported();
    assert_int_equal(r.called, 1);
    assert_int_equal(r.ev, NET_CONNECTED);
    assert_non_null(r.bev);
    bufferevent_free(r.bev);

    /* Nothing listens there any more: refused, reported as an error, not a timeout. */
    net_listener_free(l);
    memset(&r, 0, sizeof(r));
    net_connect(loop_base(), &target, 2000, on_connect, &r);
    run_until_reported();
    assert_int_equal(r.called, 1);
    assert_int_equal(r.ev, NET_ERROR);
    assert_int_equal(r.error, ECONNREFUSED);
    assert_null(r.bev);
}

static void
test_connect_times_out(void **state)
{
    struct net_addr target;
    struct result first = {0}, second = {0}, third = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)state;
    /* A listener that never accepts, with a backlog of 0: once its queue is full, SYNs are
     * dropped, which is what a firewall dropping port 5269 looks like. */
    net_addr_from_host("127.0.0.1", 0, &target);
    assert_int_equal(bind(fd, (struct sockaddr *)&target.ss, target.len), 0);
    assert_int_equal(listen(fd, 0), 0);
    net_local_addr(fd, &target);
    net_connect(loop_base(), &target, 300, on_connect, &first);
    run_until_reported();
    net_connect(loop_base(), &target, 300, on_connect, &second);
    run_until_reported();
    net_connect(loop_base(), &target, 300, on_connect, &third);
    run_until_reported();
    /* The queue holds one or two; a later one must time out. */
    assert_true(first.ev == NET_TIMEOUT || second.ev == NET_TIMEOUT || third.ev == NET_TIMEOUT);
    assert_int_equal(third.ev, NET_TIMEOUT);
    assert_int_equal(third.error, ETIMEDOUT);
    if (first.bev != NULL)
        bufferevent_free(first.bev);
    if (second.bev != NULL)
        bufferevent_free(second.bev);
    close(fd);
}

static void
test_cancel(void **state)
{
    struct net_addr target;
    struct result r = {0};

    (void)state;
    net_addr_from_host("127.0.0.1", 9, &target);
    net_connect_cancel(net_connect(loop_base(), &target, 1000, on_connect, &r));
    assert_int_equal(r.called, 0);
}

static void
test_loopback(void **state)
{
    static const struct {
        const char *addr;
        int loopback;
    } cases[] = {
            {"127.0.0.1:53", 1},    {"127.255.0.9:5269", 1}, {"[::1]:5269", 1},
            {"[::ffff:127.0.0.2]:1", 1}, {"10.0.0.1:53", 0},  {"0.0.0.0:5269", 0},
            {"[::]:5269", 0},       {"128.0.0.1:1", 0},      {"[::ffff:10.0.0.1]:1", 0},
    };
    struct net_addr a;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(net_addr_parse(cases[i].addr, &a, NULL, 0), 0);
        assert_int_equal(net_addr_is_loopback(&a), cases[i].loopback);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_and_format),
            cmocka_unit_test(test_loopback),
            cmocka_unit_test_setup_teardown(test_connect_ok_and_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_connect_times_out, setup, teardown),
            cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
    };

    return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
