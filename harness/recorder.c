/* recorder.c: the live recorder's leg pairs: two s2s streams negotiated each on its own and
 * their stanzas relayed, dialback's stream ids mapped between them (recorder.h). */
#include "recorder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "log.h"
#include "loop.h"
#include "tls.h"
#include "xconn.h"
#include "xmalloc.h"

#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"

/* A leg's negotiation, as the recorder sees it. */
enum leg_state {
    LEG_NEW,           /* made, nothing done yet */
    LEG_CONNECTING,    /* out: the TCP connect */
    LEG_WAIT_HEADER,   /* the other side's stream header */
    LEG_WAIT_FEATURES, /* out: its features */
    LEG_TLS,           /* STARTTLS asked for or the handshake under way */
    LEG_READY,         /* negotiated: stanzas pass */
    LEG_DONE,          /* ended */
};

static const char *const leg_state_names[] = {
        "new",   "connecting", "waiting for the header", "waiting for features", "TLS",
        "ready", "done"};

_Static_assert(sizeof(leg_state_names) / sizeof(leg_state_names[0]) == LEG_DONE + 1,
               "a name per leg state");

struct pair;

struct leg {
    struct pair *pair;
    int in;  /* 1: the connection a server opened to us; 0: ours to the other server */
    int end; /* the server on the other side of this leg (0 or 1) */
    struct xconn *conn;
    struct net_connect *connecting;
    enum leg_state state;
    int tls_done, version10;
    char *id; /* the stream's id now: in, the one we gave; out, the one the server gave */
    struct xml_node **queue; /* stanzas for this leg, held until it is ready */
    size_t nqueue;
};

struct pair {
    struct recorder *r;
    unsigned no;
    int from; /* the end that dialled */
    struct leg in, out;
    int ending;
    struct pair *next;
};

struct recorder {
    struct recorder_end ends[2];
    struct recorder_events ev;
    void *arg;
    struct pair *pairs;
    unsigned next_no;
    struct recorder_stats st;
};

static void note(struct pair *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct pair *p, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log_debug("record #%u: %s", p->no, line);
    if (p->r->ev.note != NULL)
        p->r->ev.note(p->no, line, p->r->arg);
}

static const char *
leg_name(const struct leg *l)
{
    return l->in ? "in" : "out";
}

/* Every state change goes through here, traced (-T s2s). */
static void
leg_enter(struct leg *l, enum leg_state st)
{
    if (l->state != st)
        log_trace(LOG_TRACE_S2S, "record #%u %s leg: %s -> %s", l->pair->no, leg_name(l),
                  leg_state_names[l->state], leg_state_names[st]);
    l->state = st;
}

static void
pair_free(void *arg)
{
    struct pair *p = arg;
    size_t i;

    for (i = 0; i < p->in.nqueue; i++)
        xml_node_free(p->in.queue[i]);
    for (i = 0; i < p->out.nqueue; i++)
        xml_node_free(p->out.queue[i]);
    free(p->in.queue);
    free(p->out.queue);
    free(p->in.id);
    free(p->out.id);
    free(p);
}

/* Ends the pair: both legs closed (a stream close where a header went out), the pair freed
 * once the current callback returns. */
static void
pair_end(struct pair *p, int failed, const char *why)
{
    struct recorder *r = p->r;
    struct pair **pp;
    struct leg *legs[2] = {&p->in, &p->out};
    size_t i;

    if (p->ending)
        return;
    p->ending = 1;
    if (failed)
        r->st.failed++;
    note(p, "ends: %s", why);
    for (i = 0; i < 2; i++) {
        struct leg *l = legs[i];

        if (l->connecting != NULL) {
            net_connect_cancel(l->connecting);
            l->connecting = NULL;
        }
        if (l->conn != NULL) {
            xconn_close(l->conn);
            l->conn = NULL;
        }
        leg_enter(l, LEG_DONE);
    }
    for (pp = &r->pairs; *pp != NULL; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    loop_defer_free(pair_free, p);
}

static void
new_id(char **id)
{
    unsigned char rnd[8];
    char buf[17];
    size_t i;

    RAND_bytes(rnd, sizeof(rnd));
    for (i = 0; i < sizeof(rnd); i++)
        snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
    free(*id);
    *id = xstrdup(buf);
}

const char *
recorder_map_verify_id(const struct recorder *r, const char *id, int answer)
{
    const struct pair *p;

    if (id == NULL)
        return NULL;
    for (p = r->pairs; p != NULL; p = p->next) {
        const char *have = answer ? p->in.id : p->out.id;

        if (have != NULL && strcmp(have, id) == 0)
            return answer ? p->out.id : p->in.id;
    }
    return NULL;
}

static void
leg_send(struct leg *l, struct xml_node *n)
{
    if (l->state != LEG_READY || l->conn == NULL) {
        l->queue = xreallocarray(l->queue, l->nqueue + 1, sizeof(*l->queue));
        l->queue[l->nqueue++] = n;
        return;
    }
    xconn_send(l->conn, n);
    xml_node_free(n);
}

static void
leg_ready(struct leg *l)
{
    size_t i, n = l->nqueue;
    struct xml_node **q = l->queue;

    leg_enter(l, LEG_READY);
    xconn_set_deadline(l->conn, 0);
    l->queue = NULL;
    l->nqueue = 0;
    note(l->pair, "%s leg ready (%s%s), %zu stanza(s) held for it", leg_name(l),
         l->tls_done ? "TLS" : "no TLS", l->version10 ? "" : ", a pre-1.0 stream", n);
    for (i = 0; i < n; i++)
        leg_send(l, q[i]);
    free(q);
}

/* A stanza from leg `l`, to the pair's other leg. */
static void
relay(struct leg *l, struct xml_node *n)
{
    struct pair *p = l->pair;
    struct recorder *r = p->r;
    struct leg *to = l->in ? &p->out : &p->in;
    int from_end = l->end;

    if (r->ev.stanza != NULL)
        r->ev.stanza(p->no, from_end, n, r->arg);
    r->st.relayed++;
    if (xml_is(n, XML_NS_DIALBACK, "verify")) {
        const char *id = xml_attr(n, "id"), *type = xml_attr(n, "type");
        const char *mapped = recorder_map_verify_id(r, id, type != NULL);

        if (mapped != NULL && strcmp(mapped, id) != 0) {
            char *was = xstrdup(id);

            note(p, "db:verify%s%s: stream id %s is %s on the other side", type ? " " : "",
                 type ? type : "", was, mapped);
            xml_set_attr(n, NULL, "id", mapped);
            r->st.mapped++;
            free(was);
        } else if (mapped == NULL) {
            note(p, "db:verify about stream id %s, which no leg has: relayed unchanged",
                 id != NULL ? id : "(none)");
        }
    }
    leg_send(to, n);
}

/* --- the in leg: the recorder as the receiving server of the other's domain ------------------ */

static void
in_open(struct xconn *c, struct xml_node *h, void *arg)
{
    struct leg *l = arg;
    struct pair *p = l->pair;
    /* The domain played, and TLS as the server facing the one that dialled. */
    const struct recorder_end *me = &p->r->ends[1 - p->from], *facing = &p->r->ends[p->from];
    const char *version = xml_attr(h, "version"), *from = xml_attr(h, "from");
    const char *to = xml_attr(h, "to");
    char buf[512];
    int n;

    if (!xml_is(h, XML_NS_STREAM, "stream")) {
        xml_node_free(h);
        xconn_stream_error(c, "invalid-namespace", NULL);
        l->conn = NULL;
        pair_end(p, 1, "the stream header is not in the streams namespace");
        return;
    }
    if (to != NULL && strcasecmp(to, me->domain) != 0)
        note(p, "in stream for %s, not %s: relayed to %s all the same", to, me->domain, me->domain);
    new_id(&l->id);
    l->version10 = version != NULL && strcmp(version, "1.0") == 0;
    xconn_send_header(c, me->domain, from, l->id, l->version10 ? "1.0" : NULL, 1);
    note(p, "in stream %s: from %s to %s%s, id %s", l->tls_done ? "after TLS" : "opened",
         from != NULL ? from : "(no from)", to != NULL ? to : "(no to)",
         l->version10 ? "" : " (no version 1.0: no features)", l->id);
    xml_node_free(h);
    if (!l->version10 || l->tls_done || facing->tls_server == NULL) {
        if (l->version10) {
            n = snprintf(buf, sizeof(buf),
                         "<stream:features><dialback xmlns='urn:xmpp:features:dialback'>"
                         "<errors/></dialback></stream:features>");
            xconn_send_raw(c, buf, (size_t)n);
        }
        leg_ready(l);
        return;
    }
    n = snprintf(buf, sizeof(buf),
                 "<stream:features><starttls xmlns='" NS_TLS "'/><dialback "
                 "xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>");
    xconn_send_raw(c, buf, (size_t)n);
    /* Ready for what comes back: a server that does not take STARTTLS goes on with dialback. */
    leg_ready(l);
}

static void
in_stanza(struct xconn *c, struct xml_node *n, void *arg)
{
    struct leg *l = arg;
    const struct recorder_end *facing = &l->pair->r->ends[l->pair->from];

    if (xml_is(n, NS_TLS, "starttls")) {
        static const char proceed[] = "<proceed xmlns='" NS_TLS "'/>";
        static const char failure[] = "<failure xmlns='" NS_TLS "'/>";

        xml_node_free(n);
        if (l->tls_done || facing->tls_server == NULL) {
            xconn_send_raw(c, failure, sizeof(failure) - 1);
            l->conn = NULL;
            xconn_close(c);
            pair_end(l->pair, 1, "STARTTLS asked for where the recorder offers none");
            return;
        }
        xconn_send_raw(c, proceed, sizeof(proceed) - 1);
        leg_enter(l, LEG_TLS);
        xconn_set_deadline(c, RECORDER_HANDSHAKE_MS);
        xconn_starttls(c, facing->tls_server, 1, NULL);
        return;
    }
    relay(l, n);
}

/* --- the out leg: the recorder as the initiating server of the dialling one's domain --------- */

static void
out_header(struct leg *l)
{
    struct pair *p = l->pair;

    xconn_send_header(l->conn, p->r->ends[p->from].domain, p->r->ends[l->end].domain, NULL, "1.0",
                      1);
}

static void
out_open(struct xconn *c, struct xml_node *h, void *arg)
{
    struct leg *l = arg;
    const char *id = xml_attr(h, "id"), *version = xml_attr(h, "version");

    (void)c;
    free(l->id);
    l->id = id != NULL ? xstrdup(id) : NULL;
    l->version10 = version != NULL && strcmp(version, "1.0") == 0;
    note(l->pair, "out stream %s: id %s%s", l->tls_done ? "after TLS" : "opened",
         id != NULL ? id : "(none)", l->version10 ? "" : " (no version 1.0: no features)");
    xml_node_free(h);
    if (!l->version10)
        leg_ready(l);
    else
        leg_enter(l, LEG_WAIT_FEATURES);
}

static void
out_stanza(struct xconn *c, struct xml_node *n, void *arg)
{
    struct leg *l = arg;
    struct pair *p = l->pair;
    const struct recorder_end *them = &p->r->ends[l->end];

    if (xml_is(n, XML_NS_STREAM, "features") && l->state == LEG_WAIT_FEATURES) {
        int tls = xml_child(n, NS_TLS, "starttls") != NULL;

        xml_node_free(n);
        if (tls && !l->tls_done && them->tls_client != NULL) {
            static const char starttls[] = "<starttls xmlns='" NS_TLS "'/>";

            leg_enter(l, LEG_TLS);
            xconn_send_raw(c, starttls, sizeof(starttls) - 1);
            return;
        }
        if (!tls && !l->tls_done && them->tls_client != NULL)
            note(p, "out: %s offers no STARTTLS: dialback in the clear", them->domain);
        leg_ready(l);
        return;
    }
    if (xml_is(n, NS_TLS, "proceed") && l->state == LEG_TLS) {
        xml_node_free(n);
        xconn_starttls(c, them->tls_client, 0, them->domain);
        return;
    }
    if (xml_is(n, NS_TLS, "failure")) {
        xml_node_free(n);
        l->conn = NULL;
        xconn_close(c);
        pair_end(p, 1, "out: STARTTLS failed (<failure/>)");
        return;
    }
    relay(l, n);
}

/* --- both legs ------------------------------------------------------------------------------ */

static void
leg_tls(struct xconn *c, SSL *ssl, void *arg)
{
    struct leg *l = arg;
    struct pair *p = l->pair;
    struct tls_info info;
    char line[512];

    l->tls_done = 1;
    tls_info_get(ssl, p->r->ends[l->end].domain, &info);
    tls_info_format(&info, line, sizeof(line));
    note(p, "%s leg TLS with %s: %s", leg_name(l), p->r->ends[l->end].domain, line);
    leg_enter(l, LEG_WAIT_HEADER);
    if (!l->in)
        out_header(l);
    (void)c;
}

static void
leg_end(struct xconn *c, enum xconn_end why, const char *msg, void *arg)
{
    struct leg *l = arg;
    struct pair *p = l->pair;
    char line[512];
    int failed = why != XCONN_END_CLOSED && why != XCONN_END_EOF;

    snprintf(line, sizeof(line), "%s leg (%s) %s%s%s, while %s", leg_name(l),
             p->r->ends[l->end].domain, xconn_end_str(why), msg != NULL ? ": " : "",
             msg != NULL ? msg : "", leg_state_names[l->state]);
    l->conn = NULL;
    xconn_close(c);
    pair_end(p, failed, line);
}

static const struct xconn_handler in_handler = {
        .open = in_open, .stanza = in_stanza, .end = leg_end, .tls = leg_tls};
static const struct xconn_handler out_handler = {
        .open = out_open, .stanza = out_stanza, .end = leg_end, .tls = leg_tls};

static void
out_connected(enum net_event ev, struct bufferevent *bev, int error, void *arg)
{
    struct leg *l = arg;
    struct pair *p = l->pair;
    const struct recorder_end *them = &p->r->ends[l->end];
    char addr[NET_ADDRSTRLEN], label[160], why[512];

    l->connecting = NULL;
    net_addr_format((const struct sockaddr *)&them->addr.ss, addr, sizeof(addr));
    if (ev != NET_CONNECTED) {
        snprintf(why, sizeof(why), "cannot connect to %s at %s: %s", them->domain, addr,
                 ev == NET_TIMEOUT ? "timed out" : strerror(error));
        if (p->in.conn != NULL) {
            xconn_stream_error(p->in.conn, "remote-connection-failed", why);
            p->in.conn = NULL;
        }
        pair_end(p, 1, why);
        return;
    }
    snprintf(label, sizeof(label), "record #%u out %s>%s", p->no, p->r->ends[p->from].domain,
             them->domain);
    l->conn = xconn_new(bev, label, XML_NS_SERVER, LOG_TRACE_S2S, &out_handler, l);
    xconn_set_deadline(l->conn, RECORDER_HANDSHAKE_MS);
    leg_enter(l, LEG_WAIT_HEADER);
    note(p, "out leg connected to %s at %s", them->domain, addr);
    out_header(l);
}

struct recorder *
recorder_new(const struct recorder_end ends[2], const struct recorder_events *ev, void *arg)
{
    struct recorder *r = xcalloc(1, sizeof(*r));

    r->ends[0] = ends[0];
    r->ends[1] = ends[1];
    if (ev != NULL)
        r->ev = *ev;
    r->arg = arg;
    r->next_no = 1;
    return r;
}

void
recorder_accept(struct recorder *r, int from, int fd, const struct sockaddr *peer)
{
    struct pair *p = xcalloc(1, sizeof(*p));
    char addr[NET_ADDRSTRLEN], label[160];
    struct bufferevent *bev = bufferevent_socket_new(loop_base(), fd, BEV_OPT_CLOSE_ON_FREE);

    p->r = r;
    p->no = r->next_no++;
    p->from = from;
    p->in.pair = p->out.pair = p;
    p->in.in = 1;
    p->in.end = from;
    p->out.end = 1 - from;
    p->next = r->pairs;
    r->pairs = p;
    r->st.pairs++;
    snprintf(label, sizeof(label), "record #%u in %s>%s", p->no, r->ends[from].domain,
             r->ends[1 - from].domain);
    p->in.conn = xconn_new(bev, label, XML_NS_SERVER, LOG_TRACE_S2S, &in_handler, &p->in);
    xconn_set_deadline(p->in.conn, RECORDER_HANDSHAKE_MS);
    leg_enter(&p->in, LEG_WAIT_HEADER);
    note(p, "%s (%s) dialled the recorder as %s", r->ends[from].domain,
         net_addr_format(peer, addr, sizeof(addr)), r->ends[1 - from].domain);
    leg_enter(&p->out, LEG_CONNECTING);
    p->out.connecting = net_connect(loop_base(), &r->ends[1 - from].addr, RECORDER_CONNECT_MS,
                                    out_connected, &p->out);
}

void
recorder_stats(const struct recorder *r, struct recorder_stats *st)
{
    *st = r->st;
}

void
recorder_free(struct recorder *r)
{
    if (r == NULL)
        return;
    while (r->pairs != NULL)
        pair_end(r->pairs, 0, "the recording stopped");
    free(r);
}
