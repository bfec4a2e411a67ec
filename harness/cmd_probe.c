/* cmd_probe.c: `fedsim probe DOMAIN`: the seed document's verification and troubleshooting
 * (nslookup of the SRV record and the target's address, telnet to 5269, the stream, TLS and
 * certificates), automated, as a checklist with the remedy for each failure. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <openssl/ssl.h>

#include "clock.h"
#include "cmd.h"
#include "json.h"
#include "loop.h"
#include "net.h"
#include "peer.h"
#include "resolve.h"
#include "tls.h"
#include "xconn.h"
#include "xmalloc.h"

#define PROBE_DNS_TIMEOUT_MS     5000
#define PROBE_CONNECT_TIMEOUT_MS 3000
#define PROBE_STREAM_TIMEOUT_MS  5000
#define PROBE_DIALBACK_TIMEOUT_MS 15000
#define PROBE_ID                 "fedsim-probe-ping"
#define NS_TLS                   "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL                  "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_DIALBACK_FEATURE       "urn:xmpp:features:dialback"

struct probe {
    const char *domain, *from, *ca_file, *listen;
    int roundtrip; /* --from given: a dialback round trip after the checklist */
    struct resolve_ctx *res;
    uint64_t seed;
    struct resolve_target *targets; /* owned */
    size_t ntargets, next, reachable;
    struct xconn *conn; /* owned while streaming */
    int tls_done, header_seen;
    uint64_t t0;
    unsigned ok, warn, fail;
    SSL_CTX *ctx; /* owned */
    int json;     /* --json: the lines are kept for one JSON document at the end */
    char **items; /* owned: "verdict\ttext" */
    size_t nitems;
    /* The dialback round trip: a fedsim peer serving `from`, dialling `domain`. */
    struct peer *peer;     /* owned */
    struct event *tick;    /* owned: polls the peer's state */
    uint64_t rt_t0, rt_auth_us;
    unsigned verify_backs; /* the server asked our peer to verify our key */
    int pinged, answered;
    char verify_from[NET_ADDRSTRLEN + 64];
    char answer[16];       /* how the server answered our db:result, when not valid */
    char last[4][512];     /* the peer's last report lines, the evidence of a failure */
    size_t nlast;
};

static void line(struct probe *p, const char *verdict, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* One checklist line: ok / warn / fail / info, then the evidence. */
static void
line(struct probe *p, const char *verdict, const char *fmt, ...)
{
    va_list ap;

    char text[1024];

    p->ok += strcmp(verdict, "ok") == 0;
    p->warn += strcmp(verdict, "warn") == 0;
    p->fail += strcmp(verdict, "fail") == 0;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (p->json) {
        p->items = xreallocarray(p->items, p->nitems + 1, sizeof(*p->items));
        p->items[p->nitems++] = xasprintf("%s\t%s", verdict, text);
        return;
    }
    printf("%-4s  %s\n", verdict, text);
    fflush(stdout);
}

/* The check a line is about, from its first words. */
static const char *
check_name(const char *text)
{
    static const char *const names[][2] = {
            {"from", "from"},
            {"dialback round trip", "dialback-roundtrip"},
            {"stanza", "stanza"},
            {"peer", "peer"},
            {"SRV", "srv"},
            {"direct TLS", "xmpps-srv"},
            {"address", "address"},
            {"TCP", "tcp"},
            {"stream", "stream"},
            {"STARTTLS", "starttls"},
            {"no STARTTLS", "starttls"},
            {"TLS", "tls"},
            {"SASL", "sasl"},
            {"dialback", "dialback"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strncmp(text, names[i][0], strlen(names[i][0])) == 0)
            return names[i][1];
    return "other";
}

/* --json: {"domain": ..., "checks": [{"check", "verdict", "detail"}...], "ok", "warn", "fail"} */
static void
print_json(const struct probe *p)
{
    size_t i;

    printf("{\"domain\": ");
    json_write_string(stdout, p->domain);
    printf(", \"checks\": [");
    for (i = 0; i < p->nitems; i++) {
        char *tab = strchr(p->items[i], '\t');

        *tab = '\0';
        printf("%s\n  {\"check\": \"%s\", \"verdict\": \"%s\", \"detail\": ", i > 0 ? "," : "",
               check_name(tab + 1), p->items[i]);
        json_write_string(stdout, tab + 1);
        putchar('}');
        *tab = '\t';
    }
    printf("],\n \"ok\": %u, \"warn\": %u, \"fail\": %u}\n", p->ok, p->warn, p->fail);
}

static void start_service(struct probe *p);
static void try_next(struct probe *p);

static void start_roundtrip(struct probe *p);

/* The checklist is over: the dialback round trip when asked for, else the end. */
static void
done(struct probe *p)
{
    if (p->conn != NULL) {
        xconn_close(p->conn);
        p->conn = NULL;
    }
    if (p->roundtrip && p->peer == NULL && p->reachable > 0)
        start_roundtrip(p);
    else
        loop_stop();
}

/* The SRV records of a lookup, "PRIO WEIGHT PORT TARGET" each, into buf; the count. */
static size_t
srv_records(const ldns_pkt *a, char *buf, size_t len, int *dot)
{
    ldns_rr_list *rrs = ldns_pkt_rr_list_by_type(a, LDNS_RR_TYPE_SRV, LDNS_SECTION_ANSWER);
    size_t i, n = rrs != NULL ? ldns_rr_list_rr_count(rrs) : 0, used = 0;

    buf[0] = '\0';
    *dot = 0;
    for (i = 0; i < n; i++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        char *target = ldns_rdf2str(ldns_rr_rdf(rr, 3));

        *dot |= target != NULL && strcmp(target, ".") == 0;
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%u %u %u %s", i > 0 ? ", " : "",
                                     ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)),
                                     ldns_rdf2native_int16(ldns_rr_rdf(rr, 1)),
                                     ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)),
                                     target != NULL ? target : "?");
        free(target);
    }
    ldns_rr_list_deep_free(rrs);
    return n;
}

static void
on_xmpps_srv(enum resolve_status st, const ldns_pkt *a, const char *why, void *arg)
{
    struct probe *p = arg;
    char recs[1024];
    int dot;

    if (st == RESOLVE_OK && srv_records(a, recs, sizeof(recs), &dot) > 0)
        line(p, "ok", "direct TLS: _xmpps-server._tcp.%s SRV: %s (XEP-0368)", p->domain, recs);
    else
        line(p, "info", "direct TLS: no _xmpps-server._tcp.%s SRV record (%s): STARTTLS only",
             p->domain, st == RESOLVE_OK ? "none" : why);
    start_service(p);
}

static void
on_srv(enum resolve_status st, const ldns_pkt *a, const char *why, void *arg)
{
    struct probe *p = arg;
    char recs[1024], err[256], name[300];
    int dot;

    if (st != RESOLVE_OK) {
        line(p, "fail",
             "SRV _xmpp-server._tcp.%s: %s: the DNS server does not answer; check the "
             "resolver, or ask the DNS provider",
             p->domain, why);
        done(p);
        return;
    }
    if (srv_records(a, recs, sizeof(recs), &dot) == 0)
        line(p, "warn",
             "SRV _xmpp-server._tcp.%s: none (%s): servers will try %s:5269 itself; "
             "remedy: create the SRV record at the public DNS provider, pointing at "
             "the federation host (the seed's troubleshooting, step 1)",
             p->domain, ldns_pkt_get_rcode(a) == LDNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "no records",
             p->domain);
    else if (dot)
        line(p, "fail",
             "SRV _xmpp-server._tcp.%s: %s: the \".\" target says the domain does not "
             "federate (RFC 6120 §3.2.1); remedy: publish a real target",
             p->domain, recs);
    else
        line(p, "ok", "SRV _xmpp-server._tcp.%s: %s", p->domain, recs);
    snprintf(name, sizeof(name), "_xmpps-server._tcp.%s", p->domain);
    if (resolve_query(p->res, name, LDNS_RR_TYPE_SRV, PROBE_DNS_TIMEOUT_MS, on_xmpps_srv, p, err,
                      sizeof(err)) != 0) {
        line(p, "fail", "%s", err);
        done(p);
    }
}

/* 1 if a and b are the same address and port. */
static int
same_addr(const struct net_addr *a, const struct net_addr *b)
{
    return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

static void
on_targets(enum resolve_service_status st, const struct resolve_target *t, size_t n,
           const char *why, void *arg)
{
    struct probe *p = arg;
    size_t i;
    char buf[NET_ADDRSTRLEN];

    if (st == RESOLVE_SERVICE_NONE) {
        done(p);
        return;
    }
    if (st != RESOLVE_SERVICE_OK) {
        line(p, "fail",
             "address: %s: remedy: the SRV target needs an A (or AAAA) record to the "
             "firewall's public address",
             why != NULL ? why : "no address");
        done(p);
        return;
    }
    /* Each address once, in order: two SRV targets (or a target and a CNAME to it) for one
     * address are one server; the address line names every target that led there. */
    p->targets = xcalloc(n, sizeof(*t));
    p->ntargets = 0;
    for (i = 0; i < n; i++) {
        size_t k;

        for (k = 0; k < p->ntargets; k++)
            if (same_addr(&p->targets[k].addr, &t[i].addr))
                break;
        if (k == p->ntargets) {
            p->targets[p->ntargets++] = t[i];
            continue;
        }
        if (strlen(p->targets[k].host) + strlen(t[i].host) + 3 < sizeof(p->targets[k].host)) {
            strcat(p->targets[k].host, ", ");
            strcat(p->targets[k].host, t[i].host);
        }
    }
    for (i = 0; i < p->ntargets; i++)
        line(p, "ok", "address: %s -> %s", p->targets[i].host,
             net_addr_format((const struct sockaddr *)&p->targets[i].addr.ss, buf, sizeof(buf)));
    try_next(p);
}

static void
start_service(struct probe *p)
{
    char err[256];

    if (resolve_service(p->res, "_xmpp-server._tcp", p->domain, 5269, &p->seed,
                        PROBE_DNS_TIMEOUT_MS, on_targets, p, err, sizeof(err)) != 0) {
        line(p, "fail", "%s", err);
        done(p);
    }
}

static void
send_header(struct probe *p)
{
    xconn_send_header(p->conn, p->from, p->domain, NULL, "1.0", 1);
}

static void
on_open(struct xconn *c, struct xml_node *h, void *arg)
{
    struct probe *p = arg;
    const char *version = xml_attr(h, "version"), *id = xml_attr(h, "id");

    (void)c;
    if (!xml_is(h, XML_NS_STREAM, "stream"))
        line(p, "fail", "stream%s: the answer is not an XMPP stream", p->tls_done ? " (TLS)" : "");
    else if (!p->header_seen)
        line(p, version != NULL && strcmp(version, "1.0") == 0 ? "ok" : "warn",
             "stream: from %s, version %s, id %s", xml_attr(h, "from") ? xml_attr(h, "from") : "?",
             version != NULL ? version : "none (a pre-RFC 3920 server: no TLS, dialback only)",
             id != NULL ? id : "none");
    p->header_seen = 1;
    xml_node_free(h);
}

/* What the dialback stream feature says (XEP-0220 §2.4.2): offered; <errors/>: dialback
 * errors understood (§2.5), which target multiplexing needs (§2.6.2); <required/>: the
 * server lets no one in another way. */
static void
dialback_line(struct probe *p, const struct xml_node *db)
{
    int errors, required;

    if (db == NULL) {
        line(p, "info", "dialback not announced");
        return;
    }
    errors = xml_child(db, NS_DIALBACK_FEATURE, "errors") != NULL;
    required = xml_child(db, NS_DIALBACK_FEATURE, "required") != NULL;
    line(p, "ok", "dialback offered%s, %s errors support%s", required ? " and required" : "",
         errors ? "with" : "without",
         errors ? "" : " (so no target multiplexing to it, XEP-0220 §2.6.2)");
}

static void
on_stanza(struct xconn *c, struct xml_node *n, void *arg)
{
    struct probe *p = arg;

    (void)c;
    if (xml_is(n, XML_NS_STREAM, "features")) {
        const struct xml_node *tls = xml_child(n, NS_TLS, "starttls");
        const struct xml_node *mechs = xml_child(n, NS_SASL, "mechanisms");
        const struct xml_node *db = xml_child(n, NS_DIALBACK_FEATURE, "dialback");
        char *mlist = mechs != NULL ? xml_text(mechs) : NULL;

        if (!p->tls_done && tls != NULL) {
            line(p, "ok", "STARTTLS offered%s",
                 xml_child(tls, NS_TLS, "required") != NULL ? " and required" : "");
            static const char starttls[] = "<starttls xmlns='" NS_TLS "'/>";

            xconn_send_raw(c, starttls, sizeof(starttls) - 1);
        } else {
            if (!p->tls_done)
                line(p, "warn", "no STARTTLS offered: federation in the clear (dialback only)");
            line(p, mlist != NULL && strstr(mlist, "EXTERNAL") != NULL ? "ok" : "info",
                 "SASL EXTERNAL %s",
                 mlist != NULL && strstr(mlist, "EXTERNAL") != NULL
                         ? "offered (our certificate would authenticate us)"
                         : "not offered to this probe");
            dialback_line(p, db);
            done(p);
        }
        free(mlist);
    } else if (xml_is(n, NS_TLS, "proceed")) {
        xconn_starttls(c, p->ctx, 0, p->domain);
    } else if (xml_is(n, NS_TLS, "failure")) {
        line(p, "fail", "STARTTLS: the server answered <failure/>");
        done(p);
    } else if (xml_is(n, XML_NS_STREAM, "error")) {
        const struct xml_node *e = xml_child(n, NULL, NULL);

        line(p, "fail", "stream error from the server: <%s/>", e != NULL ? e->name : "?");
        done(p);
    }
    xml_node_free(n);
}

static void
on_tls(struct xconn *c, SSL *ssl, void *arg)
{
    struct probe *p = arg;
    struct tls_info info;
    char text[512];

    (void)c;
    p->tls_done = 1;
    tls_info_get(ssl, p->domain, &info);
    tls_info_format(&info, text, sizeof(text));
    if (info.chain_ok && info.name_ok)
        line(p, "ok", "TLS: %s", text);
    else
        line(p, "fail", "TLS: %s; remedy: a certificate for %s from a CA the partners trust", text,
             p->domain);
    send_header(p);
}

static void
on_end(struct xconn *c, enum xconn_end why, const char *msg, void *arg)
{
    struct probe *p = arg;

    (void)c;
    line(p, "fail", "stream: %s%s%s", xconn_end_str(why), msg != NULL ? ": " : "",
         msg != NULL ? msg : "");
    xconn_close(p->conn);
    p->conn = NULL;
    loop_stop();
}

static const struct xconn_handler probe_handler = {
        .open = on_open, .stanza = on_stanza, .end = on_end, .tls = on_tls};

static void
on_connected(enum net_event ev, struct bufferevent *bev, int error, void *arg)
{
    struct probe *p = arg;
    const struct resolve_target *t = &p->targets[p->next - 1];
    char buf[NET_ADDRSTRLEN];
    double ms = (double)(clock_monotonic_us() - p->t0) / 1000.0;

    net_addr_format((const struct sockaddr *)&t->addr.ss, buf, sizeof(buf));
    if (ev == NET_TIMEOUT) {
        line(p, "fail",
             "TCP %s (%s): no answer in %d ms: a firewall drops it; remedy: NAT/PAT "
             "for TCP 5269 on the firewall (the seed: telnet to it from outside)",
             buf, t->host, PROBE_CONNECT_TIMEOUT_MS);
    } else if (ev == NET_ERROR) {
        line(p, "fail",
             "TCP %s (%s): %s: nothing listens; remedy: start the XMPP federation "
             "service, or open the port on the firewall",
             buf, t->host, strerror(error));
    } else {
        line(p, "ok", "TCP %s (%s): connected in %.1f ms", buf, t->host, ms);
        p->reachable++;
        p->conn = xconn_new(bev, "probe", XML_NS_SERVER, LOG_TRACE_S2S, &probe_handler, p);
        xconn_set_idle_timeout(p->conn, PROBE_STREAM_TIMEOUT_MS);
        send_header(p);
        return;
    }
    try_next(p);
}

static void
try_next(struct probe *p)
{
    if (p->next >= p->ntargets) {
        done(p);
        return;
    }
    p->t0 = clock_monotonic_us();
    net_connect(loop_base(), &p->targets[p->next++].addr, PROBE_CONNECT_TIMEOUT_MS, on_connected,
                p);
}

/*
 * The dialback round trip (--from): a fedsim peer serves FROM where FROM's SRV record points
 * (or at --listen), and sends an XMPP ping from jdoe1@FROM to DOMAIN. DOMAIN's server must
 * then authenticate FROM by dialback: connect back to FROM's server (our peer), ask it to
 * verify the key, and answer our db:result valid; then the ping is answered.
 */
static void
rt_end(struct probe *p)
{
    if (p->tick != NULL)
        event_del(p->tick);
    loop_stop();
}

/* The last report lines of the peer, as evidence after a failure. */
static void
rt_evidence(struct probe *p)
{
    size_t i, n = p->nlast < 4 ? p->nlast : 4;

    for (i = p->nlast - n; i < p->nlast; i++)
        line(p, "info", "peer: %s", p->last[i % 4]);
}

/* Says once, as soon as it is so, that the server authenticated our stream. */
static void
rt_check_auth(struct probe *p)
{
    double ms = (double)(clock_monotonic_us() - p->rt_t0) / 1000.0;

    if (p->rt_auth_us != 0 ||
        !peer_authenticated_to(p->peer, p->domain, PEER_AUTH_ANY, PEER_TLS_ANY))
        return;
    p->rt_auth_us = clock_monotonic_us();
    if (!peer_authenticated_to(p->peer, p->domain, PEER_AUTH_DIALBACK, PEER_TLS_ANY))
        line(p, "ok", "dialback round trip: %s authenticated %s in %.1f ms by SASL EXTERNAL",
             p->domain, p->from, ms);
    else if (p->verify_backs == 0)
        line(p, "warn",
             "dialback round trip: %s authenticated %s in %.1f ms without verifying our key "
             "(it trusted it unseen)",
             p->domain, p->from, ms);
    else
        line(p, "ok",
             "dialback round trip: %s authenticated %s in %.1f ms, after verifying our key with "
             "us as %s's authoritative server (verify-back from %s)",
             p->domain, p->from, ms, p->from, p->verify_from[0] != '\0' ? p->verify_from : "?");
}

static void
on_rt_report(const char *text, void *arg)
{
    struct probe *p = arg;
    const char *from = strstr(text, "s2s in #");

    const char *answered = strstr(text, " answered ");

    if (strstr(text, "asked to verify our key") != NULL)
        p->verify_backs++;
    if (answered != NULL && strstr(text, ": dialback for ") != NULL)
        snprintf(p->answer, sizeof(p->answer), "%.*s", (int)strcspn(answered + 10, " "),
                 answered + 10);
    const char *end;

    if (from != NULL && (from = strstr(from, " from ")) != NULL &&
        (end = strstr(from, ": stream from ")) != NULL)
        snprintf(p->verify_from, sizeof(p->verify_from), "%.*s", (int)(end - from - 6), from + 6);
    snprintf(p->last[p->nlast++ % 4], sizeof(p->last[0]), "%s", text);
    rt_check_auth(p);
}

static void
on_rt_stanza(struct peer *peer, const struct xml_node *n, void *arg)
{
    struct probe *p = arg;
    const char *id = xml_attr(n, "id"), *type = xml_attr(n, "type");

    (void)peer;
    if (xml_is(n, NULL, "iq") && id != NULL && strcmp(id, PROBE_ID) == 0 && !p->answered) {
        rt_check_auth(p);
        p->answered = 1;
        line(p, "ok", "stanza: %s answered our ping (type %s) in %.1f ms: stanzas flow", p->domain,
             type != NULL ? type : "?", (double)(clock_monotonic_us() - p->rt_t0) / 1000.0);
    }
}

static void
on_rt_tick(evutil_socket_t fd, short what, void *arg)
{
    struct probe *p = arg;
    const struct peer_facts *f = &p->peer->facts;
    double ms = (double)(clock_monotonic_us() - p->rt_t0) / 1000.0;

    (void)fd;
    (void)what;
    if (p->answered) {
        rt_end(p);
        return;
    }
    if (f->invalid_from_sut > 0 && strcmp(p->answer, "invalid") == 0) {
        line(p, "fail",
             "dialback round trip: %s answered our key invalid after %.1f ms: the server it "
             "asked for %s did not know our key (the seed's \"unexpected dialback response\": "
             "%s is also registered at another provider, or its SRV record points elsewhere)",
             p->domain, ms, p->from, p->from);
        rt_evidence(p);
        rt_end(p);
        return;
    }
    if (f->invalid_from_sut > 0) {
        line(p, "fail",
             "dialback round trip: %s answered our key with type '%s' after %.1f ms: it could "
             "not verify it with %s's server (%u verify-back request(s) reached us); remedy: %s's "
             "SRV record at the public DNS provider must point at this machine, and outbound "
             "TCP 5269 must be open on %s's firewall",
             p->domain, p->answer, ms, p->from, p->verify_backs, p->from, p->domain);
        rt_evidence(p);
        rt_end(p);
        return;
    }
    if (f->sut_refused + f->sut_timeout + f->sut_unresolved > 0 && f->sut_connected == 0) {
        line(p, "fail", "dialback round trip: cannot reach %s from here", p->domain);
        rt_evidence(p);
        rt_end(p);
        return;
    }
    if (p->peer->nstream_errors > 0 && p->rt_auth_us == 0) {
        line(p, "fail",
             "dialback round trip: %s closed our stream with <%s/> after %.1f ms, before "
             "authenticating %s%s",
             p->domain, p->peer->stream_errors[0], ms, p->from,
             p->verify_backs > 0 ? " (it had asked us to verify our key)"
                                 : "; no verify-back reached us: the server refused us first, "
                                   "or could not find or reach us where its DNS says");
        rt_evidence(p);
        rt_end(p);
        return;
    }
    if (ms < PROBE_DIALBACK_TIMEOUT_MS)
        return;
    if (p->verify_backs == 0 && p->rt_auth_us == 0)
        line(p, "fail",
             "dialback round trip: no verify-back reached us in %d ms: %s's server could not "
             "find or reach %s's; remedy: %s's SRV record at the public DNS provider must point "
             "at this machine, and outbound TCP 5269 must be open on %s's firewall",
             PROBE_DIALBACK_TIMEOUT_MS, p->domain, p->from, p->from, p->domain);
    else if (p->rt_auth_us == 0)
        line(p, "fail",
             "dialback round trip: %s verified our key back but did not answer our db:result "
             "in %d ms",
             p->domain, PROBE_DIALBACK_TIMEOUT_MS);
    else
        line(p, "fail", "stanza: %s did not answer our ping in %d ms", p->domain,
             PROBE_DIALBACK_TIMEOUT_MS);
    rt_evidence(p);
    rt_end(p);
}

/* FROM's addresses found: the peer listens there (or at --listen) and sends the ping. */
static void
on_from_targets(enum resolve_service_status st, const struct resolve_target *t, size_t n,
                const char *why, void *arg)
{
    struct probe *p = arg;
    struct net_addr at;
    char err[512], buf[NET_ADDRSTRLEN], list[1024] = "";
    struct xml_node *iq;
    size_t i, used = 0;

    if (p->listen == NULL && st != RESOLVE_SERVICE_OK) {
        line(p, "fail",
             "from: no address for %s (%s): the server cannot verify back; remedy: serve %s's "
             "SRV and A records (fedsim dns) where the server's resolver asks",
             p->from, why != NULL ? why : "no SRV record", p->from);
        loop_stop();
        return;
    }
    for (i = 0; p->listen == NULL && i < n && used < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i > 0 ? ", " : "",
                                 net_addr_format((const struct sockaddr *)&t[i].addr.ss, buf,
                                                 sizeof(buf)));
    if (p->listen != NULL ? net_addr_parse(p->listen, &at, err, sizeof(err)) != 0 ||
                                    peer_listen(p->peer, &at, 0, err, sizeof(err)) != 0
                          : peer_listen_targets(p->peer, t, n, 0, err, sizeof(err)) != 0) {
        line(p, "fail",
             "from: cannot listen where %s's server must be (%s): %s; remedy: point %s's SRV "
             "record at this machine, or give --listen",
             p->from, p->listen != NULL ? p->listen : list, err, p->from);
        loop_stop();
        return;
    }
    line(p, "ok", "from: a fedsim peer serves %s at %s", p->from,
         p->listen != NULL ? p->listen : list);
    p->rt_t0 = clock_monotonic_us();
    iq = xml_element_new(XML_NS_SERVER, "iq");
    {
        char *jid = xasprintf("%s/probe", p->peer->users[0].jid);

        xml_set_attr(iq, NULL, "from", jid);
        free(jid);
    }
    xml_set_attr(iq, NULL, "to", p->domain);
    xml_set_attr(iq, NULL, "type", "get");
    xml_set_attr(iq, NULL, "id", PROBE_ID);
    xml_add_element(iq, "urn:xmpp:ping", "ping");
    peer_send(p->peer, iq);
    xml_node_free(iq);
    event_add(p->tick, &(struct timeval){0, 100 * 1000});
}

static void
start_roundtrip(struct probe *p)
{
    char err[512];

    p->peer = peer_new(p->from, profile_find("webex"), 1, p->res, p->seed, err, sizeof(err));
    if (p->peer == NULL || peer_tls_init(p->peer, NULL, err, sizeof(err)) != 0) {
        line(p, "fail", "from: %s", err);
        loop_stop();
        return;
    }
    p->peer->report = on_rt_report;
    p->peer->report_arg = p;
    p->peer->observe = on_rt_stanza;
    p->peer->observe_arg = p;
    p->tick = event_new(loop_base(), -1, EV_PERSIST, on_rt_tick, p);
    if (p->listen != NULL) {
        on_from_targets(RESOLVE_SERVICE_OK, NULL, 0, NULL, p);
        return;
    }
    if (resolve_service(p->res, "_xmpp-server._tcp", p->from, 5269, &p->seed,
                        PROBE_DNS_TIMEOUT_MS, on_from_targets, p, err, sizeof(err)) != 0) {
        line(p, "fail", "from: %s", err);
        loop_stop();
    }
}

static void
probe_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim probe [--resolver ADDR:PORT] [--ca FILE] [--json]\n"
            "                    [--from DOMAIN [--listen ADDR:PORT]] DOMAIN\n"
            "\n"
            "Runs the seed document's checks against an XMPP domain and prints a checklist:\n"
            "ok / warn / fail / info, each with the evidence, and for failures the remedy.\n"
            "  _xmpp-server._tcp and _xmpps-server._tcp SRV records (a \".\" target, none),\n"
            "  the A/AAAA of every target, TCP to every address (refused, dropped by a\n"
            "  firewall, or connected, with the time), the stream (version, id), STARTTLS,\n"
            "  the certificate (chain and name), SASL EXTERNAL and dialback offered.\n"
            "\n"
            "  -r, --resolver ADDR:PORT  the DNS server to ask (default: the first nameserver\n"
            "                            of /etc/resolv.conf)\n"
            "  -c, --ca FILE             the CA certificates to check the server's against\n"
            "                            (default: the system's)\n"
            "  -f, --from DOMAIN         then a dialback round trip as DOMAIN: a fedsim peer\n"
            "                            serves it where its SRV record points (through the\n"
            "                            same resolver) and sends a ping; the server must\n"
            "                            verify our key back there and answer (%d s at most).\n"
            "                            Without it, the stream's from is probe.fedsim.invalid\n"
            "  -l, --listen ADDR:PORT    where the peer serving --from listens, instead of\n"
            "                            where its SRV record points (behind NAT)\n"
            "  -j, --json                one JSON document: {\"domain\", \"checks\": [{\"check\",\n"
            "                            \"verdict\", \"detail\"}...], \"ok\", \"warn\", "
            "\"fail\"}\n"
            "\n"
            "Exit status: 0 no check failed, 1 a check failed, 2 bad usage.\n",
            PROBE_DIALBACK_TIMEOUT_MS / 1000);
}

/* The first nameserver of /etc/resolv.conf, port 53. */
static int
system_resolver(struct net_addr *out)
{
    FILE *fp = fopen("/etc/resolv.conf", "r");
    char buf[256], addr[128];
    int rc = -1;

    while (fp != NULL && rc != 0 && fgets(buf, sizeof(buf), fp) != NULL) {
        char spec[160];

        if (sscanf(buf, "nameserver %127s", addr) != 1)
            continue;
        snprintf(spec, sizeof(spec), strchr(addr, ':') != NULL ? "[%s]:53" : "%s:53", addr);
        rc = net_addr_parse(spec, out, NULL, 0);
    }
    if (fp != NULL)
        fclose(fp);
    return rc;
}

static int
probe_exec(int argc, char **argv)
{
    static const struct option opts[] = {
            {"json", no_argument, NULL, 'j'},     {"resolver", required_argument, NULL, 'r'},
            {"ca", required_argument, NULL, 'c'}, {"from", required_argument, NULL, 'f'},
            {"listen", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
    struct probe p = {.from = "probe.fedsim.invalid", .seed = 1};
    struct net_addr dns;
    const char *resolver = NULL;
    char err[256];
    int c, have_dns;

    while ((c = getopt_long(argc, argv, "r:c:f:l:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            resolver = optarg;
            break;
        case 'c':
            p.ca_file = optarg;
            break;
        case 'f':
            p.from = optarg;
            p.roundtrip = 1;
            break;
        case 'l':
            p.listen = optarg;
            break;
        case 'j':
            p.json = 1;
            break;
        case 'h':
            probe_usage(stdout);
            return FEDSIM_EXIT_OK;
        default:
            probe_usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || (p.listen != NULL && !p.roundtrip)) {
        probe_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    p.domain = argv[optind];
    have_dns = resolver != NULL ? net_addr_parse(resolver, &dns, err, sizeof(err))
                                : system_resolver(&dns);
    if (have_dns != 0) {
        fprintf(stderr, "fedsim probe: %s\n",
                resolver != NULL ? err : "no nameserver in /etc/resolv.conf: give --resolver");
        return FEDSIM_EXIT_USAGE;
    }
    if ((p.ctx = tls_ctx_new(0, NULL, NULL, 0, err, sizeof(err))) == NULL ||
        (p.ca_file != NULL ? SSL_CTX_load_verify_locations(p.ctx, p.ca_file, NULL)
                           : SSL_CTX_set_default_verify_paths(p.ctx)) != 1) {
        fprintf(stderr, "fedsim probe: cannot load the CA certificates %s\n",
                p.ca_file != NULL ? p.ca_file : "of the system");
        SSL_CTX_free(p.ctx);
        return FEDSIM_EXIT_USAGE;
    }
    if (loop_init(err, sizeof(err)) != 0 ||
        (p.res = resolve_new(loop_base(), &dns, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim probe: %s\n", err);
        SSL_CTX_free(p.ctx);
        return FEDSIM_EXIT_INTERNAL;
    }
    {
        char name[300];

        snprintf(name, sizeof(name), "_xmpp-server._tcp.%s", p.domain);
        if (resolve_query(p.res, name, LDNS_RR_TYPE_SRV, PROBE_DNS_TIMEOUT_MS, on_srv, &p, err,
                          sizeof(err)) != 0) {
            fprintf(stderr, "fedsim probe: %s\n", err);
            return FEDSIM_EXIT_INTERNAL;
        }
    }
    loop_run();
    if (p.conn != NULL)
        xconn_close(p.conn);
    peer_free(p.peer);
    if (p.tick != NULL)
        event_free(p.tick);
    loop_drain(50);
    xconn_abandon_all();
    resolve_free(p.res);
    loop_free();
    free(p.targets);
    SSL_CTX_free(p.ctx);
    if (p.json)
        print_json(&p);
    else
        printf("%u ok, %u warn, %u fail\n", p.ok, p.warn, p.fail);
    for (size_t i = 0; i < p.nitems; i++)
        free(p.items[i]);
    free(p.items);
    return p.fail > 0 ? FEDSIM_EXIT_FAIL : FEDSIM_EXIT_OK;
}

const struct cmd cmd_probe = {
        .name = "probe",
        .synopsis = "[--resolver ADDR:PORT] [--ca FILE] [--from DOMAIN] DOMAIN",
        .summary = "the seed's federation checks against a domain: DNS, TCP 5269, TLS",
        .exec = probe_exec,
        .usage = probe_usage,
};
