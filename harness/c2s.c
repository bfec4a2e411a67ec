/* c2s.c: the c2s client state machine over xconn: SASL, bind, roster, presence, recording. */
#include "c2s.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "sasl.h"
#include "xconn.h"
#include "xmalloc.h"

#define NS_SASL   "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_TLS    "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_BIND   "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_ROSTER "jabber:iq:roster"

struct c2s_client {
    enum c2s_state state;
    enum c2s_state failed_in; /* the state it was in when it failed */
    struct net_connect *connecting;            /* owned while connecting */
    struct xconn *conn;                        /* owned */
    struct event *timer;                       /* owned: the login deadline */
    char *domain, *user, *password, *resource; /* owned */
    char *jid;                                 /* owned: bound full JID */
    const char *mech;                          /* static string */
    struct sasl_scram scram;                   /* owned contents */
    const struct c2s_handler *h;               /* borrowed */
    void *arg;
    struct xml_node *roster;    /* owned */
    struct xml_node **received; /* owned */
    size_t nreceived;
    size_t echo;   /* index in received of the echo of the initial presence, or (size_t)-1 */
    int echo_seen; /* the echo arrived (or the client gave up looking for it) */
    int authenticated, dead;
};

const char *
c2s_state_str(enum c2s_state s)
{
    static const char *names[] = {"connecting", "wait-header", "wait-features", "auth",
                                  "bind",       "roster",      "presence-sync", "ready",
                                  "failed",     "closed"};

    return names[s];
}

static void
enter_state(struct c2s_client *c, enum c2s_state st)
{
    log_trace(LOG_TRACE_C2S, "c2s %s@%s: %s -> %s", c->user, c->domain, c2s_state_str(c->state),
              c2s_state_str(st));
    c->state = st;
}

static void fail(struct c2s_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(struct c2s_client *c, const char *fmt, ...)
{
    char why[512];
    va_list ap;

    if (c->state == C2S_FAILED || c->state == C2S_CLOSED)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    c->failed_in = c->state;
    enter_state(c, C2S_FAILED);
    if (c->timer != NULL)
        evtimer_del(c->timer);
    if (c->conn != NULL) {
        xconn_close(c->conn);
        c->conn = NULL;
    }
    if (c->h->failed != NULL)
        c->h->failed(c, why, c->arg);
}

static void
send_header(struct c2s_client *c)
{
    xconn_send_header(c->conn, NULL, c->domain, NULL, "1.0", 0);
    enter_state(c, C2S_WAIT_HEADER);
}

static void
send_text_element(struct c2s_client *c, const char *ns, const char *name, const char *mech,
                  const char *text)
{
    struct xml_node *n = xml_element_new(ns, name);

    if (mech != NULL)
        xml_set_attr(n, NULL, "mechanism", mech);
    if (text != NULL)
        xml_add_text(n, text, strlen(text));
    xconn_send(c->conn, n);
    xml_node_free(n);
}

static int
offers(const struct xml_node *mechs, const char *name)
{
    const struct xml_node *m;

    for (m = xml_child(mechs, NS_SASL, "mechanism"); m != NULL;
         m = xml_next(m, NS_SASL, "mechanism")) {
        char *t = xml_text(m);
        int same = strcmp(t, name) == 0;

        free(t);
        if (same)
            return 1;
    }
    return 0;
}

static void
start_auth(struct c2s_client *c, const struct xml_node *features)
{
    const struct xml_node *mechs = xml_child(features, NS_SASL, "mechanisms");
    const struct xml_node *tls = xml_child(features, NS_TLS, "starttls");

    if (mechs == NULL) {
        if (tls != NULL && xml_child(tls, NS_TLS, "required") != NULL)
            fail(c, "the SUT requires STARTTLS before authentication (not supported yet)");
        else
            fail(c, "the SUT offers no SASL mechanisms");
        return;
    }
    enter_state(c, C2S_AUTH);
    if ((c->mech == NULL || strcmp(c->mech, "SCRAM-SHA-1") == 0) && offers(mechs, "SCRAM-SHA-1")) {
        char *first = sasl_scram_first(&c->scram, c->user, c->password, NULL);
        char *b64 = sasl_b64_encode((unsigned char *)first, strlen(first));

        c->mech = "SCRAM-SHA-1";
        send_text_element(c, NS_SASL, "auth", c->mech, b64);
        free(first);
        free(b64);
    } else if ((c->mech == NULL || strcmp(c->mech, "PLAIN") == 0) && offers(mechs, "PLAIN")) {
        char *b64 = sasl_plain(c->user, c->password);

        c->mech = "PLAIN";
        send_text_element(c, NS_SASL, "auth", c->mech, b64);
        free(b64);
    } else {
        fail(c, "no usable SASL mechanism offered (wanted %s)",
             c->mech != NULL ? c->mech : "SCRAM-SHA-1 or PLAIN");
    }
}

static char *
decoded_text(const struct xml_node *n)
{
    char *t = xml_text(n);
    size_t len;
    unsigned char *d = sasl_b64_decode(t, &len);

    free(t);
    return (char *)d;
}

static void
on_sasl(struct c2s_client *c, const struct xml_node *n)
{
    if (xml_is(n, NS_SASL, "challenge") && strcmp(c->mech, "SCRAM-SHA-1") == 0) {
        char err[256], *server_first = decoded_text(n), *final = NULL, *b64;

        if (server_first != NULL)
            final = sasl_scram_final(&c->scram, server_first, err, sizeof(err));
        free(server_first);
        if (final == NULL) {
            fail(c, "SCRAM: %s", server_first == NULL ? "challenge is not base64" : err);
            return;
        }
        b64 = sasl_b64_encode((unsigned char *) final, strlen(final));
        send_text_element(c, NS_SASL, "response", NULL, b64);
        free(final);
        free(b64);
    } else if (xml_is(n, NS_SASL, "success")) {
        if (strcmp(c->mech, "SCRAM-SHA-1") == 0) {
            char *server_final = decoded_text(n);
            int ok = server_final != NULL && sasl_scram_verify(&c->scram, server_final);

            free(server_final);
            if (!ok) {
                fail(c, "SCRAM: the server's signature is wrong (it does not know the password)");
                return;
            }
        }
        log_trace(LOG_TRACE_C2S, "c2s %s@%s: authenticated with %s", c->user, c->domain, c->mech);
        c->authenticated = 1;
        xconn_restart(c->conn);
        send_header(c);
    } else if (xml_is(n, NS_SASL, "failure")) {
        const struct xml_node *cond = xml_child(n, NS_SASL, NULL);

        fail(c, "authentication failed (%s)", cond != NULL ? cond->name : "no condition");
    } else {
        fail(c, "unexpected <%s/> during SASL", n->name);
    }
}

static struct xml_node *
iq(const char *type, const char *id)
{
    struct xml_node *n = xml_element_new(XML_NS_CLIENT, "iq");

    xml_set_attr(n, NULL, "type", type);
    xml_set_attr(n, NULL, "id", id);
    return n;
}

static void
send_and_free(struct c2s_client *c, struct xml_node *n)
{
    xconn_send(c->conn, n);
    xml_node_free(n);
}

static void
start_bind(struct c2s_client *c, const struct xml_node *features)
{
    struct xml_node *n, *b;

    if (xml_child(features, NS_BIND, "bind") == NULL) {
        fail(c, "the SUT offers no resource binding after authentication");
        return;
    }
    n = iq("set", "bind1");
    b = xml_add_element(n, NS_BIND, "bind");
    xml_add_text(xml_add_element(b, NS_BIND, "resource"), c->resource, strlen(c->resource));
    send_and_free(c, n);
    enter_state(c, C2S_BIND);
}

static void
record(struct c2s_client *c, const struct xml_node *n)
{
    c->received = xreallocarray(c->received, c->nreceived + 1, sizeof(*c->received));
    c->received[c->nreceived++] = xml_clone(n);
}

/* 1 if n is the echo of this session's initial presence (RFC 6121 §4.2.2): an available
 * presence from the full JID it was bound to, the first one since login. */
static int
is_own_echo(const struct c2s_client *c, const struct xml_node *n)
{
    const char *from = xml_attr(n, "from");

    return !c->echo_seen && xml_is(n, XML_NS_CLIENT, "presence") && xml_attr(n, "type") == NULL &&
           from != NULL && c->jid != NULL && strcmp(from, c->jid) == 0;
}

static void
on_ready_stanza(struct c2s_client *c, const struct xml_node *n)
{
    if (is_own_echo(c, n)) {
        c->echo_seen = 1;
        c->echo = c->nreceived;
        log_trace(LOG_TRACE_C2S, "c2s %s@%s: the echo of its initial presence", c->user, c->domain);
    }
    record(c, n);
    /* RFC 6121 §2.1.6: a roster push is acknowledged. */
    if (xml_is(n, XML_NS_CLIENT, "iq") && xml_child(n, NS_ROSTER, "query") != NULL &&
        xml_attr(n, "type") != NULL && strcmp(xml_attr(n, "type"), "set") == 0) {
        struct xml_node *r = iq("result", xml_attr(n, "id") != NULL ? xml_attr(n, "id") : "");

        send_and_free(c, r);
    }
    if (c->h->stanza != NULL)
        c->h->stanza(c, n, c->arg);
}

static void
conn_stanza(struct xconn *x, struct xml_node *n, void *arg)
{
    struct c2s_client *c = arg;
    const char *type = xml_attr(n, "type");

    (void)x;
    if (xml_is(n, XML_NS_STREAM, "error")) {
        const struct xml_node *cond = xml_child(n, "urn:ietf:params:xml:ns:xmpp-streams", NULL);

        fail(c, "stream error from the SUT: %s", cond != NULL ? cond->name : "?");
    } else if (c->state == C2S_WAIT_FEATURES && xml_is(n, XML_NS_STREAM, "features")) {
        if (!c->authenticated)
            start_auth(c, n);
        else
            start_bind(c, n);
    } else if (c->state == C2S_AUTH) {
        on_sasl(c, n);
    } else if (c->state == C2S_BIND && xml_is(n, XML_NS_CLIENT, "iq")) {
        const struct xml_node *jid = xml_child(xml_child(n, NS_BIND, "bind"), NS_BIND, "jid");

        if (type == NULL || strcmp(type, "result") != 0 || jid == NULL) {
            fail(c, "resource binding refused");
        } else {
            struct xml_node *r = iq("get", "roster1");

            c->jid = xml_text(jid);
            xml_add_element(r, NS_ROSTER, "query");
            send_and_free(c, r);
            enter_state(c, C2S_ROSTER);
        }
    } else if (c->state == C2S_ROSTER && xml_is(n, XML_NS_CLIENT, "iq") &&
               xml_attr(n, "id") != NULL && strcmp(xml_attr(n, "id"), "roster1") == 0) {
        const struct xml_node *q = xml_child(n, NS_ROSTER, "query");
        struct xml_node *pres = xml_element_new(XML_NS_CLIENT, "presence"), *r;

        c->roster = q != NULL ? xml_clone(q) : xml_element_new(NS_ROSTER, "query");
        send_and_free(c, pres);
        /* The SUT processes a session's stanzas in order, and must answer an iq (RFC 6120
         * §8.2.3; a roster get, RFC 6121 §2.1.3): its answer means the initial presence was
         * processed. Not the echo of the presence, which some servers do not send. */
        r = iq("get", "sync1");
        xml_add_element(r, NS_ROSTER, "query");
        send_and_free(c, r);
        enter_state(c, C2S_SYNC);
    } else if (c->state == C2S_SYNC && xml_is(n, XML_NS_CLIENT, "iq") &&
               xml_attr(n, "id") != NULL && strcmp(xml_attr(n, "id"), "sync1") == 0 &&
               type != NULL && (strcmp(type, "result") == 0 || strcmp(type, "error") == 0)) {
        evtimer_del(c->timer);
        enter_state(c, C2S_READY);
        if (c->h->ready != NULL)
            c->h->ready(c, c->arg);
    } else if (c->state == C2S_SYNC || c->state == C2S_READY) {
        on_ready_stanza(c, n);
    }
    xml_node_free(n);
}

static void
conn_open(struct xconn *x, struct xml_node *header, void *arg)
{
    struct c2s_client *c = arg;

    (void)x;
    if (!xml_is(header, XML_NS_STREAM, "stream"))
        fail(c, "the SUT's stream header is not {%s}stream", XML_NS_STREAM);
    else if (c->state == C2S_WAIT_HEADER)
        enter_state(c, C2S_WAIT_FEATURES);
    xml_node_free(header);
}

static void
conn_end(struct xconn *x, enum xconn_end why, const char *msg, void *arg)
{
    struct c2s_client *c = arg;

    (void)x;
    fail(c, "%s%s%s", xconn_end_str(why), msg != NULL ? ": " : "", msg != NULL ? msg : "");
}

static const struct xconn_handler c2s_conn_handler = {
        .open = conn_open, .stanza = conn_stanza, .end = conn_end};

static void
on_connected(enum net_event ev, struct bufferevent *bev, int error, void *arg)
{
    struct c2s_client *c = arg;
    char label[300];

    c->connecting = NULL;
    if (ev != NET_CONNECTED) {
        fail(c, "cannot connect to the SUT's c2s port: %s",
             ev == NET_TIMEOUT ? "timed out" : strerror(error));
        return;
    }
    snprintf(label, sizeof(label), "c2s %s@%s", c->user, c->domain);
    c->conn = xconn_new(bev, label, XML_NS_CLIENT, LOG_TRACE_C2S, &c2s_conn_handler, c);
    send_header(c);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct c2s_client *c = arg;

    (void)fd;
    (void)what;
    fail(c, "login did not finish in time (stuck in %s)", c2s_state_str(c->state));
}

/* A client with its login deadline running, not connected yet. */
static struct c2s_client *
client_new(const char *domain, const char *user, const char *password,
           const struct c2s_options *opts, const struct c2s_handler *h, void *arg)
{
    struct c2s_client *c = xcalloc(1, sizeof(*c));
    int timeout = opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    struct timeval tv = {.tv_sec = timeout / 1000, .tv_usec = (timeout % 1000) * 1000};

    c->domain = xstrdup(domain);
    c->user = xstrdup(user);
    c->password = xstrdup(password);
    c->resource = xstrdup(opts != NULL && opts->resource != NULL ? opts->resource : "fedsim");
    /* Only names this client implements; a static string from here on. */
    if (opts != NULL && opts->mechanism != NULL)
        c->mech = strcmp(opts->mechanism, "PLAIN") == 0 ? "PLAIN" : "SCRAM-SHA-1";
    c->h = h;
    c->arg = arg;
    c->echo = (size_t)-1;
    c->timer = evtimer_new(loop_base(), on_deadline, c);
    evtimer_add(c->timer, &tv);
    enter_state(c, C2S_CONNECTING);
    return c;
}

struct c2s_client *
c2s_new(const struct net_addr *addr, const char *domain, const char *user, const char *password,
        const struct c2s_options *opts, const struct c2s_handler *h, void *arg)
{
    struct c2s_client *c = client_new(domain, user, password, opts, h, arg);
    int timeout = opts != NULL && opts->timeout_ms > 0 ? opts->timeout_ms : 10000;

    c->connecting = net_connect(loop_base(), addr, timeout, on_connected, c);
    return c;
}

struct c2s_client *
c2s_new_bev(struct bufferevent *bev, const char *domain, const char *user, const char *password,
            const struct c2s_options *opts, const struct c2s_handler *h, void *arg)
{
    struct c2s_client *c = client_new(domain, user, password, opts, h, arg);

    on_connected(NET_CONNECTED, bev, 0, c);
    return c;
}

void
c2s_send(struct c2s_client *c, const struct xml_node *stanza)
{
    if (c->state != C2S_READY || c->conn == NULL)
        fatalx("c2s_send before the client is ready (%s)", c2s_state_str(c->state));
    xconn_send(c->conn, stanza);
}

static void
really_free(void *arg)
{
    struct c2s_client *c = arg;
    size_t i;

    for (i = 0; i < c->nreceived; i++)
        xml_node_free(c->received[i]);
    free(c->received);
    xml_node_free(c->roster);
    sasl_scram_clear(&c->scram);
    free(c->domain);
    free(c->user);
    free(c->password);
    free(c->resource);
    free(c->jid);
    free(c);
}

void
c2s_free(struct c2s_client *c)
{
    if (c == NULL || c->dead)
        return;
    c->dead = 1;
    c->state = C2S_CLOSED;
    net_connect_cancel(c->connecting);
    c->connecting = NULL;
    if (c->conn != NULL)
        xconn_close(c->conn);
    c->conn = NULL;
    event_free(c->timer);
    c->timer = NULL;
    loop_defer_free(really_free, c);
}

enum c2s_state
c2s_failed_in(const struct c2s_client *c)
{
    return c->failed_in;
}

enum c2s_state
c2s_state(const struct c2s_client *c)
{
    return c->state;
}

const char *
c2s_jid(const struct c2s_client *c)
{
    return c->jid;
}

const char *
c2s_mechanism(const struct c2s_client *c)
{
    return c->mech;
}

struct xml_node *const *
c2s_received(const struct c2s_client *c, size_t *n)
{
    *n = c->nreceived;
    return c->received;
}

const struct xml_node *
c2s_roster(const struct c2s_client *c)
{
    return c->roster;
}

size_t
c2s_echo(const struct c2s_client *c)
{
    return c->echo;
}
