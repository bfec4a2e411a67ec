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
#include "loop.h"
#include "net.h"
#include "resolve.h"
#include "tls.h"
#include "xconn.h"
#include "xmalloc.h"

#define PROBE_DNS_TIMEOUT_MS     5000
#define PROBE_CONNECT_TIMEOUT_MS 3000
#define PROBE_STREAM_TIMEOUT_MS  5000
#define NS_TLS                   "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL                  "urn:ietf:params:xml:ns:xmpp-sasl"

struct probe {
    const char *domain, *from, *ca_file;
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

/* s as a JSON string body (quotes and backslashes escaped, controls dropped). */
static void
json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s >= 0x20)
            putchar(*s);
    }
    putchar('"');
}

/* --json: {"domain": ..., "checks": [{"check", "verdict", "detail"}...], "ok", "warn", "fail"} */
static void
print_json(const struct probe *p)
{
    size_t i;

    printf("{\"domain\": ");
    json_string(p->domain);
    printf(", \"checks\": [");
    for (i = 0; i < p->nitems; i++) {
        char *tab = strchr(p->items[i], '\t');

        *tab = '\0';
        printf("%s\n  {\"check\": \"%s\", \"verdict\": \"%s\", \"detail\": ", i > 0 ? "," : "",
               check_name(tab + 1), p->items[i]);
        json_string(tab + 1);
        putchar('}');
        *tab = '\t';
    }
    printf("],\n \"ok\": %u, \"warn\": %u, \"fail\": %u}\n", p->ok, p->warn, p->fail);
}

static void start_service(struct probe *p);
static void try_next(struct probe *p);

static void
done(struct probe *p)
{
    if (p->conn != NULL) {
        xconn_close(p->conn);
        p->conn = NULL;
    }
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
    p->targets = xcalloc(n, sizeof(*t));
    memcpy(p->targets, t, n * sizeof(*t));
    p->ntargets = n;
    for (i = 0; i < n; i++)
        line(p, "ok", "address: %s -> %s", t[i].host,
             net_addr_format((const struct sockaddr *)&t[i].addr.ss, buf, sizeof(buf)));
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

static void
on_stanza(struct xconn *c, struct xml_node *n, void *arg)
{
    struct probe *p = arg;

    (void)c;
    if (xml_is(n, XML_NS_STREAM, "features")) {
        const struct xml_node *tls = xml_child(n, NS_TLS, "starttls");
        const struct xml_node *mechs = xml_child(n, NS_SASL, "mechanisms");
        int dialback = xml_child(n, "urn:xmpp:features:dialback", "dialback") != NULL;
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
            line(p, dialback ? "ok" : "info", "dialback %s",
                 dialback ? "offered (with errors support)" : "not announced");
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

static void
probe_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim probe [--resolver ADDR:PORT] [--ca FILE] [--from DOMAIN] [--json]\n"
            "                    DOMAIN\n"
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
            "  -f, --from DOMAIN         the stream's from (default: probe.fedsim.invalid)\n"
            "  -j, --json                one JSON document: {\"domain\", \"checks\": [{\"check\",\n"
            "                            \"verdict\", \"detail\"}...], \"ok\", \"warn\", "
            "\"fail\"}\n"
            "\n"
            "Exit status: 0 no check failed, 1 a check failed, 2 bad usage.\n");
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
            {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0}};
    struct probe p = {.from = "probe.fedsim.invalid", .seed = 1};
    struct net_addr dns;
    const char *resolver = NULL;
    char err[256];
    int c, have_dns;

    while ((c = getopt_long(argc, argv, "r:c:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            resolver = optarg;
            break;
        case 'c':
            p.ca_file = optarg;
            break;
        case 'f':
            p.from = optarg;
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
    if (optind != argc - 1) {
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
        .synopsis = "[--resolver ADDR:PORT] [--ca FILE] DOMAIN",
        .summary = "the seed's federation checks against a domain: DNS, TCP 5269, TLS",
        .exec = probe_exec,
        .usage = probe_usage,
};
