/* test_xconn.c: how an xconn closes a TLS stream, as the TLS server (a peer's STARTTLS or direct
 * TLS listener) and as the TLS client (a peer dialling out, probe, the c2s client): the last
 * bytes, </stream:stream> when a stream is open, then a close_notify before the TCP close
 * (RFC 8446 §6.1), whoever closes first and however much is still queued; a close that cannot
 * flush is dropped after XCONN_CLOSE_MS. The other end is a plain OpenSSL SSL on a socketpair,
 * driven step by step between turns of the loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "loop.h"
#include "tls.h"
#include "xconn.h"
#include "xml.h"

#define BIG (1024 * 1024)

struct fixture {
    struct tls_ca *ca;
    struct tls_cert cert;
    SSL_CTX *server, *client; /* for either end */
};

/* The raw end: what it read, and how its reading ended. */
struct raw {
    SSL *ssl;
    int fd;
    char *data;
    size_t len, cap;
    int err; /* SSL_get_error() of the read that ended it */
    unsigned long reason;
};

/* The xconn end's handler state. */
struct end_state {
    int tls_up, ended;
    enum xconn_end why;
    int close_on_end; /* the owner closes when told of the end, as s2s and c2s do */
};

static void
on_open(struct xconn *c, struct xml_node *header, void *arg)
{
    (void)c;
    (void)arg;
    xml_node_free(header);
}

static void
on_stanza(struct xconn *c, struct xml_node *stanza, void *arg)
{
    (void)c;
    (void)arg;
    xml_node_free(stanza);
}

static void
on_end(struct xconn *c, enum xconn_end why, const char *msg, void *arg)
{
    struct end_state *st = arg;

    (void)msg;
    st->ended = 1;
    st->why = why;
    if (st->close_on_end)
        xconn_close(c);
}

static void
on_tls(struct xconn *c, SSL *ssl, void *arg)
{
    struct end_state *st = arg;

    (void)c;
    (void)ssl;
    st->tls_up = 1;
}

static const struct xconn_handler handler = {
        .open = on_open, .stanza = on_stanza, .end = on_end, .tls = on_tls};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];

    assert_non_null(f);
    assert_int_equal(loop_init(err, sizeof(err)), 0);
    f->ca = tls_ca_ephemeral();
    assert_int_equal(
            tls_cert_issue(f->ca, "peer.test", NULL, 0, TLS_CERT_VALID, &f->cert, err, sizeof(err)),
            0);
    f->server = tls_ctx_new(1, &f->cert, NULL, 0, err, sizeof(err));
    f->client = tls_ctx_new(0, NULL, NULL, 0, err, sizeof(err));
    assert_non_null(f->server);
    assert_non_null(f->client);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    xconn_abandon_all();
    loop_free();
    SSL_CTX_free(f->server);
    SSL_CTX_free(f->client);
    tls_cert_clear(&f->cert);
    tls_ca_free(f->ca);
    free(f);
    return 0;
}

/* Turns the loop and tries step until it says done; 0 after 5 s. */
static int
pump(int (*step)(struct raw *), struct raw *r)
{
    int i;

    for (i = 0; i < 5000; i++) {
        event_base_loop(loop_base(), EVLOOP_NONBLOCK);
        if (step(r))
            return 1;
        usleep(1000);
    }
    return 0;
}

static int
raw_handshake(struct raw *r)
{
    int rc = SSL_do_handshake(r->ssl), e;

    if (rc == 1)
        return 1;
    e = SSL_get_error(r->ssl, rc);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        fail_msg("raw end: handshake failed (%d)", e);
    return 0;
}

/* Reads until the stream of TLS records ends, however it ends. */
static int
raw_read_to_end(struct raw *r)
{
    char buf[16384];

    for (;;) {
        int n = SSL_read(r->ssl, buf, sizeof(buf)), e;

        if (n > 0) {
            if (r->len + (size_t)n + 1 > r->cap) {
                r->cap = (r->len + (size_t)n + 1) * 2;
                r->data = realloc(r->data, r->cap);
                assert_non_null(r->data);
            }
            memcpy(r->data + r->len, buf, (size_t)n);
            r->len += (size_t)n;
            r->data[r->len] = '\0';
            continue;
        }
        e = SSL_get_error(r->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        r->err = e;
        r->reason = ERR_peek_last_error();
        ERR_clear_error();
        return 1;
    }
}

/* The ALPN protocol pair() has its xconn offer as the client, or NULL. */
static const char *pair_alpn;

/* A connected pair: the xconn on one end (TLS started as `accepting` says), the raw end's SSL
 * on the other, the handshake done. */
static struct xconn *
pair(struct fixture *f, int accepting, struct raw *r, struct end_state *st, int plain_header)
{
    int fds[2];
    struct bufferevent *bev;
    struct xconn *c;

    memset(r, 0, sizeof(*r));
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
    bev = bufferevent_socket_new(loop_base(), fds[0], BEV_OPT_CLOSE_ON_FREE);
    c = xconn_new(bev, "test", XML_NS_SERVER, 0, &handler, st);
    if (plain_header) /* a stream before STARTTLS, replaced by the one after (RFC 6120 §5.4.3.3) */
        xconn_send_header(c, "peer.test", "sut.test", "plain", "1.0", 0);
    if (pair_alpn != NULL)
        xconn_set_alpn(c, pair_alpn);
    xconn_starttls(c, accepting ? f->server : f->client, accepting, "peer.test");
    r->fd = fds[1];
    r->ssl = SSL_new(accepting ? f->client : f->server);
    SSL_set_fd(r->ssl, fds[1]);
    /* The raw end is strict, as Python's ssl is: an EOF without close_notify is an error. */
    SSL_clear_options(r->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (accepting)
        SSL_set_connect_state(r->ssl);
    else
        SSL_set_accept_state(r->ssl);
    if (plain_header) {
        /* The raw end reads the plain header off the socket before its handshake. */
        char buf[512];
        ssize_t n;
        int i;

        for (i = 0; i < 5000; i++) {
            event_base_loop(loop_base(), EVLOOP_NONBLOCK);
            n = recv(fds[1], buf, sizeof(buf), MSG_PEEK);
            if (n > 0 && memchr(buf, '>', (size_t)n) != NULL &&
                memmem(buf, (size_t)n, "plain", 5) != NULL)
                break;
            usleep(1000);
        }
        n = recv(fds[1], buf, sizeof(buf), 0);
        assert_true(n > 0 && memmem(buf, (size_t)n, "</stream:stream>", 16) == NULL);
    }
    assert_true(pump(raw_handshake, r));
    for (int i = 0; i < 5000 && !st->tls_up; i++) {
        event_base_loop(loop_base(), EVLOOP_NONBLOCK);
        usleep(1000);
    }
    assert_true(st->tls_up);
    return c;
}

static void
raw_free(struct raw *r)
{
    SSL_free(r->ssl);
    close(r->fd);
    free(r->data);
}

/* The read ended on the other side's close_notify: SSL_ERROR_ZERO_RETURN, not an EOF that
 * OpenSSL 3 reports as "unexpected eof while reading". */
static void
assert_close_notify(const struct raw *r)
{
    if (r->err != SSL_ERROR_ZERO_RETURN)
        fail_msg("the TLS stream ended without a close_notify: SSL error %d (%s)", r->err,
                 r->reason != 0 ? ERR_reason_error_string(r->reason) : "no reason");
}

static void
close_after_header(void **state, int accepting)
{
    struct fixture *f = *state;
    struct end_state st = {0};
    struct raw r;
    struct xconn *c = pair(f, accepting, &r, &st, 0);

    xconn_send_header(c, "peer.test", "sut.test", "id1", "1.0", 0);
    xconn_close(c);
    assert_true(pump(raw_read_to_end, &r));
    assert_non_null(r.data);
    assert_non_null(strstr(r.data, "<stream:stream"));
    assert_non_null(strstr(r.data, "</stream:stream>"));
    assert_close_notify(&r);
    raw_free(&r);
}

/* fedsim closes its TLS server end (a peer's STARTTLS or direct TLS listener). */
/* XEP-0368: as the client of a direct TLS connection, fedsim offers ALPN "xmpp-server" and
 * names the domain in SNI; a server that knows the protocol (fedsim's own listeners) agrees. */
static void
test_client_offers_alpn_and_sni(void **state)
{
    struct fixture *f = *state;
    struct end_state st = {0};
    struct raw r;
    struct xconn *c;
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    const char *sni;

    pair_alpn = "xmpp-server";
    c = pair(f, 0, &r, &st, 0);
    pair_alpn = NULL;
    SSL_get0_alpn_selected(r.ssl, &proto, &len);
    assert_int_equal(len, 11);
    assert_memory_equal(proto, "xmpp-server", 11);
    sni = SSL_get_servername(r.ssl, TLSEXT_NAMETYPE_host_name);
    assert_non_null(sni);
    assert_string_equal(sni, "peer.test");
    /* What a peer's listener records of the handshake (the <tls/> negotiation element). */
    {
        struct tls_info info;

        tls_info_get(r.ssl, NULL, &info);
        assert_string_equal(info.sni, "peer.test");
        assert_string_equal(info.alpn, "xmpp-server");
        assert_string_equal(info.alpn_offered, "xmpp-server");
    }
    xconn_free(c);
    raw_free(&r);
}

static void
test_close_as_server(void **state)
{
    close_after_header(state, 1);
}

/* fedsim closes its TLS client end (a peer dialling out, probe, the c2s client). */
static void
test_close_as_client(void **state)
{
    close_after_header(state, 0);
}

/* A stream error closes the same way. */
static void
test_stream_error(void **state)
{
    struct fixture *f = *state;
    struct end_state st = {0};
    struct raw r;
    struct xconn *c = pair(f, 1, &r, &st, 0);

    xconn_stream_error(c, "policy-violation", NULL);
    assert_true(pump(raw_read_to_end, &r));
    assert_non_null(r.data);
    assert_non_null(strstr(r.data, "<policy-violation"));
    assert_non_null(strstr(r.data, "</stream:stream>"));
    assert_close_notify(&r);
    raw_free(&r);
}

/* The other side closes first (a checker's </stream:stream> and close_notify): the owner's
 * close answers with ours. */
static void
test_other_side_first(void **state)
{
    struct fixture *f = *state;
    struct end_state st = {.close_on_end = 1};
    struct raw r;
    static const char hello[] = "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                                "xmlns:stream='http://etherx.jabber.org/streams' to='peer.test' "
                                "version='1.0'></stream:stream>";
    struct xconn *c = pair(f, 1, &r, &st, 0);

    xconn_send_header(c, "peer.test", NULL, "id2", "1.0", 0);
    assert_int_equal(SSL_write(r.ssl, hello, (int)strlen(hello)), (int)strlen(hello));
    assert_true(pump(raw_read_to_end, &r));
    assert_true(st.ended);
    assert_int_equal(st.why, XCONN_END_CLOSED);
    assert_non_null(r.data);
    assert_non_null(strstr(r.data, "</stream:stream>"));
    assert_close_notify(&r);
    raw_free(&r);
}

/* A megabyte still queued at the close: all of it, then the close_notify. */
static void
test_close_with_backlog(void **state)
{
    struct fixture *f = *state;
    struct end_state st = {0};
    struct raw r;
    struct xconn *c = pair(f, 0, &r, &st, 0);
    char *big = malloc(BIG);

    assert_non_null(big);
    memset(big, ' ', BIG);
    xconn_send_header(c, "peer.test", "sut.test", "id3", "1.0", 0);
    xconn_send_raw(c, big, BIG);
    free(big);
    xconn_close(c);
    assert_true(pump(raw_read_to_end, &r));
    assert_true(r.len > BIG);
    assert_non_null(strstr(r.data + BIG, "</stream:stream>"));
    assert_close_notify(&r);
    raw_free(&r);
}

/* After STARTTLS, a close before our new header has no stream to close: only the
 * close_notify (the plain stream's header does not count). */
static void
test_close_before_new_header(void **state)
{
    struct fixture *f = *state;
    struct end_state st = {0};
    struct raw r;
    struct xconn *c = pair(f, 1, &r, &st, 1);

    xconn_close(c);
    assert_true(pump(raw_read_to_end, &r));
    assert_int_equal(r.len, 0);
    assert_close_notify(&r);
    raw_free(&r);
}

/* The other side reads nothing: the close cannot flush, and is dropped after XCONN_CLOSE_MS
 * (every wait bounded), not kept for ever. The raw end sees its socket closed (POLLHUP)
 * without reading a byte. */
static void
test_close_bounded(void **state)
{
    struct fixture *f = *state;
    struct end_state st = {0};
    struct raw r;
    struct xconn *c = pair(f, 1, &r, &st, 0);
    char *big = malloc(BIG * 8);
    struct timespec t0, t1;
    struct pollfd pfd = {.fd = -1, .events = POLLIN};
    int i, hup = 0;
    double ms;

    assert_non_null(big);
    memset(big, ' ', BIG * 8);
    xconn_send_header(c, "peer.test", "sut.test", "id4", "1.0", 0);
    xconn_send_raw(c, big, BIG * 8);
    free(big);
    xconn_close(c);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pfd.fd = r.fd;
    for (i = 0; i < 30000 && !hup; i++) {
        event_base_loop(loop_base(), EVLOOP_NONBLOCK);
        hup = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP);
        if (!hup)
            usleep(1000);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (!hup)
        fail_msg("a close that cannot flush is still open after %.0f ms", ms);
    /* It was the bound, not a flush: nothing was read, and the timer cannot fire early. */
    assert_true(ms >= XCONN_CLOSE_MS - 50);
    raw_free(&r);
}

/* Observer mode (a peer's raw connection): the other side's </stream:stream> is reported
 * (closed callback), bytes after it and input that is not XML are dropped, and neither ends
 * the connection nor makes fedsim write anything: only the other side's TCP close ends it. */
struct observe_state {
    int closed, ended, opened, after;
    enum xconn_end why;
};

static void
obs_open(struct xconn *c, struct xml_node *header, void *arg)
{
    struct observe_state *st = arg;

    (void)c;
    st->opened++;
    xml_node_free(header);
}

static void
obs_end(struct xconn *c, enum xconn_end why, const char *msg, void *arg)
{
    struct observe_state *st = arg;

    (void)c;
    (void)msg;
    st->ended = 1;
    st->why = why;
}

static void
obs_closed(struct xconn *c, void *arg)
{
    struct observe_state *st = arg;

    (void)c;
    st->closed++;
}

static void
obs_after(struct xconn *c, void *arg)
{
    struct observe_state *st = arg;

    (void)c;
    st->after++;
}

static const struct xconn_handler obs_handler = {.open = obs_open,
                                                 .stanza = on_stanza,
                                                 .end = obs_end,
                                                 .closed = obs_closed,
                                                 .after_close = obs_after};

static void
turn_loop(void)
{
    for (int i = 0; i < 50; i++) {
        event_base_loop(loop_base(), EVLOOP_NONBLOCK);
        usleep(1000);
    }
}

static void
observe_case(const char *input, const char *later, int want_closed, int want_after)
{
    struct observe_state st = {0};
    int fds[2];
    struct xconn *c;
    char buf[256];
    ssize_t n;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    c = xconn_new(bufferevent_socket_new(loop_base(), fds[0], BEV_OPT_CLOSE_ON_FREE), "obs",
                  "jabber:server", 0, &obs_handler, &st);
    xconn_set_observer(c);
    assert_int_equal(write(fds[1], input, strlen(input)), (ssize_t)strlen(input));
    turn_loop();
    if (later != NULL) {
        assert_int_equal(write(fds[1], later, strlen(later)), (ssize_t)strlen(later));
        turn_loop();
    }
    assert_int_equal(st.after, want_after);
    assert_int_equal(st.opened, 1);
    assert_int_equal(st.closed, want_closed);
    assert_int_equal(st.ended, 0);
    n = read(fds[1], buf, sizeof(buf)); /* fedsim wrote nothing: no stream error, no close */
    assert_true(n < 0);
    close(fds[1]);
    turn_loop();
    assert_int_equal(st.ended, 1);
    assert_int_equal(st.why, XCONN_END_EOF);
    xconn_free(c);
}

static void
test_observer(void **state)
{
    (void)state;
    /* bytes after the close in the same read, in a later one, only whitespace */
    observe_case("<stream:stream xmlns='jabber:server' "
                 "xmlns:stream='http://etherx.jabber.org/streams'></stream:stream>after",
                 NULL, 1, 1);
    observe_case("<stream:stream xmlns='jabber:server' "
                 "xmlns:stream='http://etherx.jabber.org/streams'></stream:stream> \n",
                 "<message/>", 1, 1);
    observe_case("<stream:stream xmlns='jabber:server' "
                 "xmlns:stream='http://etherx.jabber.org/streams'></stream:stream>\n",
                 " ", 1, 0);
    /* not XML (a TLS alert after <proceed/>): dropped, no close, nothing "after" */
    observe_case("<stream:stream xmlns='jabber:server' "
                 "xmlns:stream='http://etherx.jabber.org/streams'><proceed/>\x16\x03\x03<<<",
                 NULL, 0, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_client_offers_alpn_and_sni, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_as_server, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_as_client, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stream_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_other_side_first, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_with_backlog, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_before_new_header, setup, teardown),
            cmocka_unit_test_setup_teardown(test_close_bounded, setup, teardown),
            cmocka_unit_test_setup_teardown(test_observer, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
