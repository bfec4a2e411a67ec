/* test_recorder.c: the live recorder's leg pairs on loopback, with fake servers at both ends: a
 * stream from a.test relayed to b.test's real listener, dialback's db:result passed through,
 * b.test's verify connection relayed to a.test with the stream id mapped both ways, a stanza
 * relayed, a real server that cannot be reached ending the pair with a stream error, and
 * STARTTLS on an in leg with the certificate the dialling server can verify. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "loop.h"
#include "net.h"
#include "recorder.h"
#include "tls.h"
#include "xconn.h"
#include "xml.h"
#include "xmalloc.h"

#define MAXGOT 16

/* One fake server end: a dialler (over a socketpair to the recorder) or a listener's stream. */
struct fake {
    const char *me, *them; /* domains */
    const char *id;        /* a listener's stream id */
    int dialler;
    const char *first;    /* a dialler's first stanza, after the features */
    SSL_CTX *tls;         /* a dialler's: STARTTLS when offered */
    int tls_done, tls_ok; /* ... and the recorder's certificate verified for `them` */
    struct xconn *c;
    char got_id[64];
    struct xml_node *got[MAXGOT];
    int ngot, ended;
};

static void
f_open(struct xconn *c, struct xml_node *h, void *arg)
{
    struct fake *f = arg;
    const char *id = xml_attr(h, "id");

    snprintf(f->got_id, sizeof(f->got_id), "%s", id != NULL ? id : "");
    if (!f->dialler) {
        static const char feat[] = "<stream:features><dialback "
                                   "xmlns='urn:xmpp:features:dialback'/></stream:features>";

        xconn_send_header(c, f->me, f->them, f->id, "1.0", 1);
        xconn_send_raw(c, feat, sizeof(feat) - 1);
    }
    xml_node_free(h);
}

static void
f_stanza(struct xconn *c, struct xml_node *n, void *arg)
{
    struct fake *f = arg;

    if (xml_is(n, XML_NS_STREAM, "features")) {
        if (f->dialler && f->tls != NULL && !f->tls_done &&
            xml_child(n, "urn:ietf:params:xml:ns:xmpp-tls", "starttls") != NULL)
            xconn_send_raw(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 51);
        else if (f->dialler && f->first != NULL)
            xconn_send_raw(c, f->first, strlen(f->first));
        xml_node_free(n);
        return;
    }
    if (xml_is(n, "urn:ietf:params:xml:ns:xmpp-tls", "proceed")) {
        xconn_starttls(c, f->tls, 0, f->them);
        xml_node_free(n);
        return;
    }
    /* The authoritative server: every verify request is valid. */
    if (!f->dialler && xml_is(n, XML_NS_DIALBACK, "verify") && xml_attr(n, "type") == NULL) {
        char *a = xasprintf("<db:verify from='%s' to='%s' id='%s' type='valid'/>", f->me, f->them,
                            xml_attr(n, "id"));

        xconn_send_raw(c, a, strlen(a));
        free(a);
    }
    if (f->ngot < MAXGOT)
        f->got[f->ngot++] = n;
    else
        xml_node_free(n);
}

static void
f_end(struct xconn *c, enum xconn_end why, const char *msg, void *arg)
{
    struct fake *f = arg;

    (void)why;
    (void)msg;
    f->ended = 1;
    f->c = NULL;
    xconn_close(c);
}

static void
f_tls(struct xconn *c, SSL *ssl, void *arg)
{
    struct fake *f = arg;
    struct tls_info info;

    tls_info_get(ssl, f->them, &info);
    f->tls_done = 1;
    f->tls_ok = info.chain_ok && info.name_ok;
    xconn_send_header(c, f->me, f->them, NULL, "1.0", 1);
}

static const struct xconn_handler f_handler = {
        .open = f_open, .stanza = f_stanza, .end = f_end, .tls = f_tls};

static void
on_accept(int fd, const struct sockaddr *peer, void *arg)
{
    struct fake *f = arg;

    (void)peer;
    assert_non_null(f);
    f->c = xconn_new(bufferevent_socket_new(loop_base(), fd, BEV_OPT_CLOSE_ON_FREE), f->me,
                     XML_NS_SERVER, 0, &f_handler, f);
}

/* A dialler's stream into the recorder, as end `from`. */
static void
dial(struct recorder *r, int from, struct fake *f)
{
    int sv[2];
    struct sockaddr_storage ss = {0};

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    evutil_make_socket_nonblocking(sv[1]);
    ss.ss_family = AF_UNIX;
    f->dialler = 1;
    f->c = xconn_new(bufferevent_socket_new(loop_base(), sv[0], BEV_OPT_CLOSE_ON_FREE), f->me,
                     XML_NS_SERVER, 0, &f_handler, f);
    xconn_send_header(f->c, f->me, f->them, NULL, "1.0", 1);
    recorder_accept(r, from, sv[1], (struct sockaddr *)&ss);
}

/* Runs the loop until f has n stanzas (or ended, with n < 0), 5 s at most. */
static void
wait_got(struct fake *f, int n)
{
    int i;

    for (i = 0; i < 500 && (n < 0 ? !f->ended : f->ngot < n); i++)
        loop_drain(10);
}

static struct {
    int stanzas, from[2];
} seen;

static void
ev_stanza(unsigned pair, int from, const struct xml_node *n, void *arg)
{
    (void)pair;
    (void)n;
    (void)arg;
    seen.stanzas++;
    seen.from[from]++;
}

static void
ev_note(unsigned pair, const char *line, void *arg)
{
    (void)arg;
    if (getenv("TEST_RECORDER_NOTES") != NULL)
        fprintf(stderr, "#%u: %s\n", pair, line);
}

static void
fake_clear(struct fake *f)
{
    int i;

    for (i = 0; i < f->ngot; i++)
        xml_node_free(f->got[i]);
    if (f->c != NULL)
        xconn_close(f->c);
    f->c = NULL;
}

static void
send_str(struct xconn *c, const char *s)
{
    xconn_send_raw(c, s, strlen(s));
}

static struct net_listener *
listen_any(struct fake *f)
{
    struct net_addr any;
    char err[256];
    struct net_listener *l;

    assert_int_equal(net_addr_parse("127.0.0.1:0", &any, err, sizeof(err)), 0);
    l = net_listen(loop_base(), &any, on_accept, f, err, sizeof(err));
    assert_non_null(l);
    return l;
}

static void
test_dialback_relayed(void **state)
{
    struct fake a_real = {.me = "a.test", .them = "b.test", .id = "A-STREAM"};
    struct fake b_real = {.me = "b.test", .them = "a.test", .id = "B-STREAM"};
    struct fake a_dial = {.me = "a.test",
                          .them = "b.test",
                          .first = "<db:result from='a.test' to='b.test'>KEY</db:result>"};
    struct fake b_verify = {.me = "b.test",
                            .them = "a.test",
                            .first = "<db:verify from='b.test' to='a.test' id='B-STREAM'>KEY"
                                     "</db:verify>"};
    struct net_listener *la = listen_any(&a_real), *lb = listen_any(&b_real);
    struct recorder_end ends[2] = {{.domain = "a.test", .addr = *net_listener_addr(la)},
                                   {.domain = "b.test", .addr = *net_listener_addr(lb)}};
    static const struct recorder_events ev = {.stanza = ev_stanza, .note = ev_note};
    struct recorder *r = recorder_new(ends, &ev, NULL);
    struct recorder_stats st;
    char in_id[64];

    (void)state;
    memset(&seen, 0, sizeof(seen));
    /* a.test dials "b.test" (the recorder); the recorder dials b.test's real listener. */
    dial(r, 0, &a_dial);
    wait_got(&b_real, 1);
    assert_int_equal(b_real.ngot, 1);
    assert_true(xml_is(b_real.got[0], XML_NS_DIALBACK, "result"));
    assert_string_equal(xml_attr(b_real.got[0], "from"), "a.test");
    {
        char *key = xml_text(b_real.got[0]);

        assert_string_equal(key, "KEY"); /* the key passes unchanged */
        free(key);
    }
    /* The recorder gave a.test a stream id of its own. */
    assert_true(a_dial.got_id[0] != '\0');
    assert_string_not_equal(a_dial.got_id, "B-STREAM");
    snprintf(in_id, sizeof(in_id), "%s", a_dial.got_id);
    assert_string_equal(recorder_map_verify_id(r, "B-STREAM", 0), in_id);
    assert_string_equal(recorder_map_verify_id(r, in_id, 1), "B-STREAM");
    assert_null(recorder_map_verify_id(r, "nobody's", 0));

    /* b.test verifies over a connection of its own, as the receiving server of B-STREAM:
     * a.test's real listener gets the id a.test knows, b.test the answer with its own. */
    dial(r, 1, &b_verify);
    wait_got(&a_real, 1);
    assert_int_equal(a_real.ngot, 1);
    assert_true(xml_is(a_real.got[0], XML_NS_DIALBACK, "verify"));
    assert_string_equal(xml_attr(a_real.got[0], "id"), in_id);
    wait_got(&b_verify, 1);
    assert_int_equal(b_verify.ngot, 1);
    assert_string_equal(xml_attr(b_verify.got[0], "id"), "B-STREAM");
    assert_string_equal(xml_attr(b_verify.got[0], "type"), "valid");

    /* b.test says valid on the first stream; a stanza follows from a.test. */
    send_str(b_real.c, "<db:result from='b.test' to='a.test' type='valid'/>");
    wait_got(&a_dial, 1);
    assert_int_equal(a_dial.ngot, 1);
    assert_string_equal(xml_attr(a_dial.got[0], "type"), "valid");
    send_str(a_dial.c, "<message from='u@a.test/r' to='v@b.test'><body>hi</body></message>");
    wait_got(&b_real, 2);
    assert_int_equal(b_real.ngot, 2);
    assert_true(xml_is(b_real.got[1], XML_NS_SERVER, "message"));

    recorder_stats(r, &st);
    assert_int_equal(st.pairs, 2);
    assert_int_equal(st.mapped, 2);
    assert_int_equal(st.failed, 0);
    assert_int_equal(seen.stanzas, 5);
    assert_int_equal(seen.from[0], 3);
    assert_int_equal(seen.from[1], 2);

    /* a.test closes its stream: the recorder closes the other leg. */
    xconn_close(a_dial.c);
    a_dial.c = NULL;
    wait_got(&b_real, -1);
    assert_true(b_real.ended);

    recorder_free(r);
    fake_clear(&a_real);
    fake_clear(&b_real);
    fake_clear(&a_dial);
    fake_clear(&b_verify);
    loop_drain(50);
    net_listener_free(la);
    net_listener_free(lb);
}

static void
test_unreachable(void **state)
{
    struct fake dead = {.me = "b.test"};
    struct net_listener *l = listen_any(&dead);
    struct recorder_end ends[2] = {{.domain = "a.test"},
                                   {.domain = "b.test", .addr = *net_listener_addr(l)}};
    struct fake a_dial = {.me = "a.test",
                          .them = "b.test",
                          .first = "<db:result from='a.test' to='b.test'>KEY</db:result>"};
    struct recorder *r;
    struct recorder_stats st;
    int i;

    (void)state;
    net_listener_free(l); /* nothing listens there any more: refused */
    r = recorder_new(ends, NULL, NULL);
    dial(r, 0, &a_dial);
    wait_got(&a_dial, -1);
    assert_true(a_dial.ended);
    for (i = 0; i < a_dial.ngot && !xml_is(a_dial.got[i], XML_NS_STREAM, "error"); i++)
        ;
    assert_true(i < a_dial.ngot);
    assert_non_null(xml_child(a_dial.got[i], "urn:ietf:params:xml:ns:xmpp-streams",
                              "remote-connection-failed"));
    recorder_stats(r, &st);
    assert_int_equal(st.failed, 1);
    recorder_free(r);
    fake_clear(&a_dial);
    loop_drain(50);
}

/* STARTTLS on an in leg: the recorder presents the certificate for the domain it plays, from
 * the CA of the server that dialled (not the other end's); the stream goes on after it. */
static void
test_tls_in_leg(void **state)
{
    struct tls_ca *ca_a = tls_ca_ephemeral(), *ca_b = tls_ca_ephemeral();
    struct tls_cert b_by_a = {0}, a_by_b = {0};
    char err[256];
    struct fake b_real = {.me = "b.test", .them = "a.test", .id = "B-STREAM"};
    struct fake a_dial = {.me = "a.test",
                          .them = "b.test",
                          .first = "<db:result from='a.test' to='b.test'>KEY</db:result>"};
    struct net_listener *lb = listen_any(&b_real);
    struct recorder_end ends[2] = {{.domain = "a.test"},
                                   {.domain = "b.test", .addr = *net_listener_addr(lb)}};
    struct recorder *r;

    (void)state;
    assert_int_equal(
            tls_cert_issue(ca_a, "b.test", NULL, 0, TLS_CERT_VALID, &b_by_a, err, sizeof(err)), 0);
    assert_int_equal(
            tls_cert_issue(ca_b, "a.test", NULL, 0, TLS_CERT_VALID, &a_by_b, err, sizeof(err)), 0);
    /* Facing a.test: b.test's certificate from a.test's CA; facing b.test the other way. */
    ends[0].tls_server = tls_ctx_new(1, &b_by_a, ca_a, 0, err, sizeof(err));
    ends[0].tls_client = tls_ctx_new(0, &b_by_a, ca_a, 0, err, sizeof(err));
    ends[1].tls_server = tls_ctx_new(1, &a_by_b, ca_b, 0, err, sizeof(err));
    ends[1].tls_client = tls_ctx_new(0, &a_by_b, ca_b, 0, err, sizeof(err));
    a_dial.tls = tls_ctx_new(0, NULL, ca_a, 0, err, sizeof(err));
    assert_non_null(a_dial.tls);
    r = recorder_new(ends, NULL, NULL);
    dial(r, 0, &a_dial);
    wait_got(&b_real, 1);
    assert_true(a_dial.tls_done);
    assert_true(a_dial.tls_ok);
    assert_int_equal(b_real.ngot, 1); /* and dialback went on after TLS */
    assert_true(xml_is(b_real.got[0], XML_NS_DIALBACK, "result"));
    recorder_free(r);
    fake_clear(&a_dial);
    fake_clear(&b_real);
    loop_drain(50);
    net_listener_free(lb);
    SSL_CTX_free(a_dial.tls);
    SSL_CTX_free(ends[0].tls_server);
    SSL_CTX_free(ends[0].tls_client);
    SSL_CTX_free(ends[1].tls_server);
    SSL_CTX_free(ends[1].tls_client);
    tls_cert_clear(&b_by_a);
    tls_cert_clear(&a_by_b);
    tls_ca_free(ca_a);
    tls_ca_free(ca_b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_dialback_relayed),
            cmocka_unit_test(test_unreachable),
            cmocka_unit_test(test_tls_in_leg),
    };
    char err[256];
    int rc;

    if (loop_init(err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    xconn_abandon_all();
    loop_free();
    return rc;
}
