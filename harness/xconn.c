/* xconn.c: an XMPP stream over a bufferevent: parsing, writing, errors, closing, tracing. */
#include "xconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "loop.h"
#include "redact.h"
#include "xmalloc.h"

struct xconn {
    struct bufferevent *bev; /* owned */
    struct xml_stream *xs;   /* owned */
    char *label;             /* owned */
    char *default_ns;        /* owned */
    unsigned trace;
    const struct xconn_handler *h; /* borrowed */
    void *arg;
    SSL *ssl; /* borrowed from bev, once TLS started */
    int header_sent, closing, dead, ended;
    int handshaking;
    int in_read;      /* inside on_read: a STARTTLS waits until its input is drained */
    SSL_CTX *tls_ctx; /* borrowed: a STARTTLS asked for from inside on_read */
    int tls_accepting;
    char *tls_sni;          /* owned */
    char *tls_alpn;         /* owned: the client's ALPN protocol, or NULL */
    int idle_ms;            /* xconn_set_idle_timeout(), kept for the TLS bev */
    struct event *deadline; /* owned: xconn_set_deadline() */
    int deadline_ms;
    size_t read_limit, nread;           /* fault: cut after read_limit bytes (0: never) */
    int cut;                            /* ... and it was */
    struct ev_token_bucket_cfg *rate;   /* owned: fault: slow writes */
    struct bufferevent *rate_bev;       /* borrowed: the socket bev it is set on */
    char db_prefix[16];                 /* the dialback namespace's prefix ("db") */
    int no_lang;                        /* fault: headers without xml:lang */
    int tls_shut;                       /* closing: our close_notify was queued */
    int observer;                       /* xconn_set_observer() */
    int discard;                        /* observer: input is dropped from now on */
    int closed_seen, after_close_seen;  /* observer: the other side's close; bytes after it */
    struct evbuffer *drain_buf;         /* borrowed: the socket bev's output, while closing */
    struct evbuffer_cb_entry *drain_cb; /* on drain_buf: frees once the close_notify is out */
    struct event *close_timer;          /* owned: xconn_close()'s bound */
    struct xconn *prev, *next;          /* every live connection, for xconn_abandon_all() */
};

static struct xconn *live;

const char *
xconn_end_str(enum xconn_end e)
{
    switch (e) {
    case XCONN_END_CLOSED:
        return "stream closed by the other side";
    case XCONN_END_EOF:
        return "connection closed without a stream close";
    case XCONN_END_ERROR:
        return "connection error";
    case XCONN_END_XML:
        return "bad XML from the other side";
    case XCONN_END_TIMEOUT:
        return "idle timeout";
    case XCONN_END_LOCAL:
        return "closed by fedsim";
    case XCONN_END_TLS:
        return "TLS handshake failed";
    }
    return "?";
}

static void (*byte_tap)(const char *label, const char *dir, const char *data, size_t len,
                        void *arg);
static void *byte_tap_arg;

void
xconn_set_byte_tap(void (*fn)(const char *label, const char *dir, const char *data, size_t len,
                              void *arg),
                   void *arg)
{
    byte_tap = fn;
    byte_tap_arg = arg;
}

/* The bytes of a connection, secrets redacted, to -T traces and to the tap (transcripts). */
static void
trace_bytes(struct xconn *c, const char *dir, const char *data, size_t len)
{
    char *shown;

    if (!(log_traces & c->trace) && byte_tap == NULL)
        return;
    shown = redact_secrets(data, len, &len);
    if (log_traces & c->trace)
        log_trace_emit(c->trace, "%s %s %.*s", c->label, dir, (int)len, shown);
    if (byte_tap != NULL)
        byte_tap(c->label, dir, shown, len, byte_tap_arg);
    free(shown);
}

/* Reports the end once, and stops reading. */
static void
finish(struct xconn *c, enum xconn_end why, const char *msg)
{
    if (c->ended)
        return;
    c->ended = 1;
    bufferevent_disable(c->bev, EV_READ);
    log_trace(c->trace, "%s: %s%s%s", c->label, xconn_end_str(why), msg != NULL ? ": " : "",
              msg != NULL ? msg : "");
    /* After xconn_close() or xconn_free() the owner has let go: no callback. */
    if (c->h->end != NULL && !c->dead && !c->closing)
        c->h->end(c, why, msg, c->arg);
}

static void
on_open(void *arg, struct xml_node *header)
{
    struct xconn *c = arg;

    /* No callback after xconn_close() (xconn.h): the owner may be gone, although what was read
     * before the close goes on being parsed while the close flushes. */
    if (c->dead || c->ended || c->closing || c->h->open == NULL)
        xml_node_free(header);
    else
        c->h->open(c, header, c->arg);
}

static void
on_stanza(void *arg, struct xml_node *stanza, const char *raw, size_t rawlen)
{
    struct xconn *c = arg;

    (void)raw;
    (void)rawlen;
    if (c->dead || c->ended || c->closing || c->h->stanza == NULL)
        xml_node_free(stanza);
    else
        c->h->stanza(c, stanza, c->arg);
}

static void
on_close(void *arg)
{
    struct xconn *c = arg;

    if (c->observer) {
        c->discard = 1;
        c->closed_seen = 1;
        if (!c->dead && !c->ended && !c->closing && c->h->closed != NULL)
            c->h->closed(c, c->arg);
        return;
    }
    finish(c, XCONN_END_CLOSED, NULL);
}

static void send_stream_error(struct xconn *c, const char *condition, const char *text);
static void start_tls(struct xconn *c);

static void
on_xml_error(void *arg, enum xml_stream_error e, const char *msg)
{
    struct xconn *c = arg;

    if (c->observer) {
        log_trace(c->trace, "%s: input that is not XML (%s): read and dropped from now on",
                  c->label, msg);
        c->discard = 1;
        return;
    }
    /* The error goes out now; the owner closes (flushing it) when told. */
    send_stream_error(c, xml_stream_error_condition(e), msg);
    finish(c, XCONN_END_XML, msg);
}

/* Observer mode: bytes after the other side's </stream:stream>; whitespace does not count. */
static void
after_close(struct xconn *c, const char *data, size_t len)
{
    size_t i;

    for (i = 0;
         i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'); i++)
        ;
    if (i == len || c->after_close_seen)
        return;
    c->after_close_seen = 1;
    if (!c->dead && !c->ended && !c->closing && c->h->after_close != NULL)
        c->h->after_close(c, c->arg);
}

static const struct xml_stream_handler stream_handler = {
        .open = on_open, .stanza = on_stanza, .close = on_close, .error = on_xml_error};

static void
on_read(struct bufferevent *bev, void *arg)
{
    struct xconn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    /* A STARTTLS asked for by a stanza waits for the drain below: the filter reads the plain
     * input from its first moment, and <proceed/> must be gone from it by then. What follows
     * the stanza is the handshake's. */
    c->in_read = 1;
    while (!c->dead && !c->ended && c->tls_ctx == NULL && evbuffer_get_length(in) > 0) {
        size_t len = evbuffer_get_length(in);

        if (c->read_limit > 0 && c->nread + len >= c->read_limit) {
            char why[64];

            /* Whatever came before the cut is still read; then the connection is gone. */
            len = c->read_limit - c->nread;
            if (len > 0) {
                const char *data = (const char *)evbuffer_pullup(in, (ssize_t)len);

                trace_bytes(c, "<<", data, len);
                (void)xml_stream_feed(c->xs, data, len);
            }
            evbuffer_drain(in, evbuffer_get_length(in));
            c->cut = 1;
            snprintf(why, sizeof(why), "cut after %zu bytes (fault)", c->read_limit);
            finish(c, XCONN_END_LOCAL, why);
            break;
        }
        c->nread += len;
        const char *data = (const char *)evbuffer_pullup(in, (ssize_t)len);
        ssize_t used;
        long long before;

        trace_bytes(c, "<<", data, len);
        if (c->discard) {
            if (c->closed_seen)
                after_close(c, data, len);
            evbuffer_drain(in, len);
            continue;
        }
        before = xml_stream_offset(c->xs);
        used = xml_stream_feed(c->xs, data, len);
        if (c->closed_seen && xml_stream_close_end(c->xs) >= before &&
            xml_stream_close_end(c->xs) <= before + (long long)len) {
            size_t at = (size_t)(xml_stream_close_end(c->xs) - before);

            /* What came in the same read after the closing tag. */
            after_close(c, data + at, len - at);
            evbuffer_drain(in, len);
            continue;
        }
        if (used < 0 && c->discard) {
            evbuffer_drain(in, len);
            continue;
        }
        if (used < 0) {
            evbuffer_drain(in, len);
            break;
        }
        evbuffer_drain(in, (size_t)used);
    }
    c->in_read = 0;
    if (c->tls_ctx != NULL && !c->dead && !c->ended)
        start_tls(c);
}

/* While closing: the socket's output is empty, so the close_notify is out; the TCP close may
 * follow. */
static void
on_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct xconn *c = arg;

    (void)info;
    if (!c->dead && evbuffer_get_length(buf) == 0)
        xconn_free(c);
}

/*
 * Closing, and everything queued went out of our bufferevent. A TLS stream then sends its
 * close_notify alert (RFC 8446 §6.1: "Each party MUST send a close_notify alert before closing
 * its write side"): libevent never calls SSL_shutdown, and freeing the TLS bufferevent closes
 * the socket, so an OpenSSL 3 reader of ours would see an unexpected EOF. The TLS filter's
 * records (the last stanzas, </stream:stream>, the alert) sit in the socket's bufferevent
 * until written: the free waits for it to empty.
 */
static void
close_flushed(struct xconn *c)
{
    struct bufferevent *under;

    if (c->ssl != NULL && !c->tls_shut) {
        c->tls_shut = 1;
        /* Not during a handshake (nothing to close yet), nor after a fatal alert. */
        if (!c->handshaking && SSL_is_init_finished(c->ssl) &&
            !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) {
            if (SSL_shutdown(c->ssl) < 0)
                log_trace(LOG_TRACE_TLS, "%s: no close_notify: SSL_shutdown failed", c->label);
            else
                log_trace(LOG_TRACE_TLS, "%s: TLS close_notify sent", c->label);
            ERR_clear_error();
        }
    }
    under = c->ssl != NULL ? bufferevent_get_underlying(c->bev) : NULL;
    if (under != NULL && evbuffer_get_length(bufferevent_get_output(under)) > 0) {
        if (c->drain_cb == NULL) {
            c->drain_buf = bufferevent_get_output(under);
            c->drain_cb = evbuffer_add_cb(c->drain_buf, on_drained, c);
        }
        return;
    }
    xconn_free(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
    struct xconn *c = arg;

    (void)bev;
    if (c->closing && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        close_flushed(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
    struct xconn *c = arg;

    (void)bev;
    if (what & BEV_EVENT_CONNECTED) {
        if (c->handshaking) {
            c->handshaking = 0;
            log_trace(LOG_TRACE_TLS, "%s: TLS up: %s %s", c->label, SSL_get_version(c->ssl),
                      SSL_get_cipher_name(c->ssl));
            if (!c->dead && !c->ended && !c->closing && c->h->tls != NULL)
                c->h->tls(c, c->ssl, c->arg);
        }
        return;
    }
    if (c->handshaking && !(what & BEV_EVENT_TIMEOUT)) {
        char buf[160];
        unsigned long e;
        const char *msg = NULL;

        while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
            if (msg == NULL && e >= 0x100)
                msg = ERR_error_string(e, buf);
        finish(c, XCONN_END_TLS,
               msg != NULL              ? msg
               : (what & BEV_EVENT_EOF) ? "closed by the other side"
                                        : "no OpenSSL reason");
    } else if (what & BEV_EVENT_TIMEOUT)
        finish(c, XCONN_END_TIMEOUT, NULL);
    else if (what & BEV_EVENT_EOF)
        finish(c, XCONN_END_EOF, NULL);
    else
        finish(c, XCONN_END_ERROR, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    /* A close that can no longer flush is over. */
    if (c->closing)
        xconn_free(c);
}

struct xconn *
xconn_new(struct bufferevent *bev, const char *label, const char *default_ns, unsigned trace,
          const struct xconn_handler *h, void *arg)
{
    struct xconn *c = xcalloc(1, sizeof(*c));

    c->bev = bev;
    c->label = xstrdup(label);
    c->default_ns = xstrdup(default_ns);
    c->trace = trace;
    c->h = h;
    c->arg = arg;
    c->xs = xml_stream_new(NULL, &stream_handler, c);
    snprintf(c->db_prefix, sizeof(c->db_prefix), "db");
    c->next = live;
    if (live != NULL)
        live->prev = c;
    live = c;
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    return c;
}

static void
really_free(void *arg)
{
    struct xconn *c = arg;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        live = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    if (c->rate_bev != NULL)
        bufferevent_set_rate_limit(c->rate_bev, NULL); /* it must not outlive its cfg */
    if (c->drain_cb != NULL)
        evbuffer_remove_cb_entry(c->drain_buf, c->drain_cb);
    if (c->close_timer != NULL)
        event_free(c->close_timer);
    bufferevent_free(c->bev);
    xml_stream_free(c->xs);
    free(c->label);
    free(c->default_ns);
    free(c->tls_sni);
    free(c->tls_alpn);
    if (c->rate != NULL)
        ev_token_bucket_cfg_free(c->rate);
    if (c->deadline != NULL)
        event_free(c->deadline);
    free(c);
}

void
xconn_free(struct xconn *c)
{
    if (c == NULL || c->dead)
        return;
    c->dead = 1;
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
    loop_defer_free(really_free, c);
}

/* The deadline passed (a writer too slow to finish its handshake): a stream error, the end. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct xconn *c = arg;
    char msg[96];

    (void)fd;
    (void)what;
    if (c->dead || c->closing || c->ended)
        return;
    snprintf(msg, sizeof(msg), "not established within %d ms", c->deadline_ms);
    send_stream_error(c, "connection-timeout", msg);
    finish(c, XCONN_END_TIMEOUT, msg);
}

void
xconn_set_deadline(struct xconn *c, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

    if (c->deadline == NULL && ms > 0)
        c->deadline = evtimer_new(loop_base(), on_deadline, c);
    c->deadline_ms = ms;
    if (ms > 0)
        evtimer_add(c->deadline, &tv);
    else if (c->deadline != NULL)
        evtimer_del(c->deadline);
}

/* A close that could not flush in time (the other side reads nothing, or a TLS handshake
 * never ends): the connection goes without the rest. */
static void
on_close_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct xconn *c = arg;

    (void)fd;
    (void)what;
    log_trace(c->trace, "%s: close not flushed within %d ms: dropped", c->label, XCONN_CLOSE_MS);
    xconn_free(c);
}

void
xconn_close(struct xconn *c)
{
    if (c->dead || c->closing)
        return;
    if (c->cut) {
        /* A cut connection just ends: no stream close, nothing flushed. */
        xconn_free(c);
        return;
    }
    if (c->header_sent)
        xconn_send_raw(c, "</stream:stream>", 16);
    log_trace(c->trace, "%s: %s", c->label, xconn_end_str(XCONN_END_LOCAL));
    c->closing = 1;
    bufferevent_disable(c->bev, EV_READ);
    on_write(c->bev, c);
    if (!c->dead) {
        struct timeval tv = {.tv_sec = XCONN_CLOSE_MS / 1000,
                             .tv_usec = (XCONN_CLOSE_MS % 1000) * 1000};

        c->close_timer = evtimer_new(loop_base(), on_close_timeout, c);
        evtimer_add(c->close_timer, &tv);
    }
}

void
xconn_stream_error(struct xconn *c, const char *condition, const char *text)
{
    send_stream_error(c, condition, text);
    xconn_close(c);
}

static void
send_stream_error(struct xconn *c, const char *condition, const char *text)
{
    struct xml_node *err, *cond;
    char *out;
    size_t len;

    if (c->dead || c->closing)
        return;
    if (!c->header_sent)
        xconn_send_header(c, NULL, NULL, NULL, "1.0", 0);
    err = xml_element_new(XML_NS_STREAM, "error");
    cond = xml_add_element(err, "urn:ietf:params:xml:ns:xmpp-streams", condition);
    (void)cond;
    if (text != NULL) {
        struct xml_node *t = xml_add_element(err, "urn:ietf:params:xml:ns:xmpp-streams", "text");

        xml_add_text(t, text, strlen(text));
    }
    {
        static const struct xml_prefix stream_prefix[] = {{"stream", XML_NS_STREAM}, {NULL, NULL}};

        out = xml_serialize(err, c->default_ns, stream_prefix, &len);
    }
    xconn_send_raw(c, out, len);
    free(out);
    xml_node_free(err);
}

static void
header_attr(char **out, const char *name, const char *value)
{
    char *esc, *next;

    if (value == NULL)
        return;
    esc = xml_escape(value, strlen(value));
    next = xasprintf("%s %s='%s'", *out, name, esc);
    free(esc);
    free(*out);
    *out = next;
}

void
xconn_send_header(struct xconn *c, const char *from, const char *to, const char *id,
                  const char *version, int dialback)
{
    char *h = xasprintf("<?xml version='1.0'?><stream:stream xmlns='%s' "
                        "xmlns:stream='" XML_NS_STREAM "'",
                        c->default_ns);
    char *done;

    if (dialback) {
        char *attr = xasprintf("xmlns:%s", c->db_prefix);

        header_attr(&h, attr, XML_NS_DIALBACK);
        free(attr);
    }
    header_attr(&h, "from", from);
    header_attr(&h, "to", to);
    header_attr(&h, "id", id);
    header_attr(&h, "version", version);
    if (!c->no_lang)
        header_attr(&h, "xml:lang", "en");
    done = xasprintf("%s>", h);
    xconn_send_raw(c, done, strlen(done));
    free(h);
    free(done);
    c->header_sent = 1;
}

void
xconn_send(struct xconn *c, const struct xml_node *stanza)
{
    const struct xml_prefix prefixes[] = {{c->db_prefix, XML_NS_DIALBACK}, {NULL, NULL}};
    size_t len;
    char *out = xml_serialize(stanza, c->default_ns, prefixes, &len);

    xconn_send_raw(c, out, len);
    free(out);
}

void
xconn_send_raw(struct xconn *c, const char *data, size_t len)
{
    if (c->dead || c->closing)
        return;
    trace_bytes(c, ">>", data, len);
    bufferevent_write(c->bev, data, len);
}

void
xconn_set_alpn(struct xconn *c, const char *proto)
{
    if (strlen(proto) == 0 || strlen(proto) > 255)
        fatalx("ALPN protocol \"%s\": 1 to 255 bytes", proto);
    free(c->tls_alpn);
    c->tls_alpn = xstrdup(proto);
}

void
xconn_starttls(struct xconn *c, SSL_CTX *ctx, int accepting, const char *sni)
{
    if (c->dead || c->closing || c->ssl != NULL || c->tls_ctx != NULL)
        return;
    c->tls_ctx = ctx;
    c->tls_accepting = accepting;
    c->tls_sni = sni != NULL ? xstrdup(sni) : NULL;
    /* The stream restarts after the element that asked for TLS: a new one of ours is opened by
     * its own header (a close before it has no stream to close). */
    xml_stream_restart(c->xs);
    c->header_sent = 0;
    if (!c->in_read)
        start_tls(c);
}

static void
start_tls(struct xconn *c)
{
    int accepting = c->tls_accepting;
    SSL *ssl = SSL_new(c->tls_ctx);
    struct bufferevent *tls;

    c->tls_ctx = NULL;
    if (!accepting && c->tls_sni != NULL)
        SSL_set_tlsext_host_name(ssl, c->tls_sni);
    if (!accepting && c->tls_alpn != NULL) {
        unsigned char wire[256];
        size_t n = strlen(c->tls_alpn);

        wire[0] = (unsigned char)n; /* one protocol, length-prefixed (RFC 7301 §3.1) */
        memcpy(wire + 1, c->tls_alpn, n);
        if (SSL_set_alpn_protos(ssl, wire, (unsigned)n + 1) != 0)
            log_trace(LOG_TRACE_TLS, "%s: cannot offer ALPN %s", c->label, c->tls_alpn);
    }
    /* The plain bev's queued output (<proceed/>) is written before the handshake; after the
     * wrap, only the TLS bev is ours to free (pitfall 5). */
    tls = bufferevent_openssl_filter_new(loop_base(), c->bev, ssl,
                                         accepting ? BUFFEREVENT_SSL_ACCEPTING
                                                   : BUFFEREVENT_SSL_CONNECTING,
                                         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (tls == NULL) {
        SSL_free(ssl);
        finish(c, XCONN_END_TLS, "cannot start TLS");
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(tls, 1); /* pitfall 3 */
    c->bev = tls;
    c->ssl = ssl;
    c->handshaking = 1;
    log_trace(LOG_TRACE_TLS, "%s: TLS handshake as %s", c->label, accepting ? "server" : "client");
    bufferevent_setcb(tls, on_read, on_write, on_event, c);
    bufferevent_enable(tls, EV_READ | EV_WRITE);
    xconn_set_idle_timeout(c, c->idle_ms);
}

SSL *
xconn_ssl(const struct xconn *c)
{
    return c->ssl;
}

void
xconn_restart(struct xconn *c)
{
    xml_stream_restart(c->xs);
    c->header_sent = 0; /* the next header of ours opens the new stream (RFC 6120 §6.4.6) */
}

void
xconn_set_dialback_prefix(struct xconn *c, const char *prefix)
{
    snprintf(c->db_prefix, sizeof(c->db_prefix), "%s", prefix);
}

void
xconn_set_header_lang(struct xconn *c, int on)
{
    c->no_lang = !on;
}

void
xconn_set_max_stanza(struct xconn *c, size_t bytes)
{
    xml_stream_set_max_stanza(c->xs, bytes);
}

void
xconn_set_read_limit(struct xconn *c, size_t limit)
{
    c->read_limit = limit;
}

void
xconn_set_write_rate(struct xconn *c, size_t bytes_per_s)
{
    struct timeval tick = {.tv_sec = 0, .tv_usec = 125000};
    size_t chunk = bytes_per_s / 8 > 0 ? bytes_per_s / 8 : 1;

    if (c->rate != NULL || bytes_per_s == 0)
        return;
    c->rate = ev_token_bucket_cfg_new(EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX, chunk, chunk, &tick);
    /* On the socket's bev: a TLS filter added later writes through it. */
    c->rate_bev = c->bev;
    bufferevent_set_rate_limit(c->bev, c->rate);
}

void
xconn_set_observer(struct xconn *c)
{
    c->observer = 1;
}

void
xconn_set_idle_timeout(struct xconn *c, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

    c->idle_ms = ms;
    bufferevent_set_timeouts(c->bev, ms > 0 ? &tv : NULL, NULL);
}

const char *
xconn_label(const struct xconn *c)
{
    return c->label;
}

int
xconn_header_sent(const struct xconn *c)
{
    return c->header_sent;
}

void
xconn_abandon_all(void)
{
    struct xconn *c;

    for (c = live; c != NULL; c = c->next)
        xconn_free(c);
}
