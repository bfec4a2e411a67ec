/* cmd_load.c: `fedsim load`: many fake remote domains around a running SUT, and chat messages
 * flowing both ways at a set rate or as fast as possible, with live progress and a final
 * report (rates, latency percentiles, errors by kind, fedsim's own CPU and peak RSS).
 *
 * Each domain loadN.test has its own SRV record, address (127.1.X.Y) and listener; the SUT's
 * users are its SUT file's accounts, logged in over c2s. Message k inbound goes from a user of
 * domain k mod N to SUT user k mod M; outbound from SUT user k mod M to jdoe1 of domain
 * k mod N. Each carries its number in its id, and its latency is measured at the receiving end,
 * which is also where it is counted: the report's "received" is what the SUT delivered. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "cmd.h"
#include "dns_server.h"
#include "dns_zone.h"
#include "fixture.h"
#include "hosts.h"
#include "json.h"
#include "loop.h"
#include "peer.h"
#include "profile.h"
#include "resolve.h"
#include "sut.h"
#include "tls.h"
#include "c2s.h"
#include "xconn.h"
#include "xmalloc.h"

#define LOAD_MAX_DOMAINS 10000

struct direction {
    const char *name;
    size_t total, sent, received, duplicates, errors;
    uint64_t *sent_at;     /* owned: send time per message (us), 0 not sent */
    unsigned char *got;    /* owned: received flags */
    double *latency_ms;    /* owned: in arrival order */
    uint64_t first_sent, last_received;
};

struct load {
    struct sut *sut;
    size_t ndomains, nusers, nready, nfailed;
    double rate; /* per direction, messages/s; 0: as fast as possible */
    int timeout_s, quiet;
    const char *profile;        /* the peers' (default gtalk) */
    struct tls_ca *ca;          /* owned: the CA the SUT trusts, when it names one */
    struct peer **peers;        /* owned */
    struct c2s_client **clients; /* owned */
    struct direction in, out;   /* peers -> SUT users, SUT users -> peers */
    struct event *tick;         /* owned */
    uint64_t t0, traffic_t0, done_at, last_progress;
    char *errors[32];           /* owned: error kinds ... */
    size_t error_counts[32], nerrors;
    int finished;
};

static void
error_kind(struct load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Counts an error by kind (31 kinds kept apart, any more together as "other kinds"). */
static void
error_kind(struct load *l, const char *fmt, ...)
{
    char kind[160];
    va_list ap;
    size_t i;

    va_start(ap, fmt);
    vsnprintf(kind, sizeof(kind), fmt, ap);
    va_end(ap);
    for (i = 0; i < l->nerrors; i++)
        if (strcmp(l->errors[i], kind) == 0)
            break;
    if (i == l->nerrors && l->nerrors < 32) {
        l->errors[l->nerrors++] = xstrdup(kind);
    } else if (i == l->nerrors) { /* the 32nd kind becomes "other kinds" */
        i = 31;
        if (strcmp(l->errors[i], "other kinds") != 0) {
            free(l->errors[i]);
            l->errors[i] = xstrdup("other kinds");
        }
    }
    l->error_counts[i]++;
}

/* The message number in an id "in-K" / "out-K", or -1. */
static long
message_number(const struct xml_node *n, const char *prefix)
{
    const char *id = xml_attr(n, "id");
    size_t pl = strlen(prefix);
    char *end;
    long k;

    if (id == NULL || strncmp(id, prefix, pl) != 0)
        return -1;
    k = strtol(id + pl, &end, 10);
    return *end == '\0' ? k : -1;
}

static void
arrived(struct load *l, struct direction *d, const struct xml_node *n, const char *prefix)
{
    long k = message_number(n, prefix);
    const char *type = xml_attr(n, "type");
    uint64_t now = clock_monotonic_us();

    if (!xml_is(n, NULL, "message") || k < 0 || (size_t)k >= d->total)
        return;
    if (type != NULL && strcmp(type, "error") == 0) {
        const struct xml_node *e = xml_child(n, NULL, "error");
        const struct xml_node *c = e != NULL ? xml_child(e, NULL, NULL) : NULL;

        d->errors++;
        error_kind(l, "%s: bounced <%s/>", d->name, c != NULL ? c->name : "?");
        return;
    }
    if (d->got[k]) {
        d->duplicates++;
        return;
    }
    d->got[k] = 1;
    d->latency_ms[d->received++] = (double)(now - d->sent_at[k]) / 1000.0;
    d->last_received = now;
}

static void
on_peer_stanza(struct peer *p, const struct xml_node *n, void *arg)
{
    (void)p;
    arrived(arg, &((struct load *)arg)->out, n, "out-");
}

static void
on_peer_report(const char *line, void *arg)
{
    struct load *l = arg;

    if (strstr(line, "stream error") != NULL || strstr(line, "cannot connect") != NULL ||
        strstr(line, "INVALID") != NULL || strstr(line, "not sent") != NULL) {
        const char *what = strchr(line, ':');

        error_kind(l, "peer: %.80s", what != NULL ? what + 2 : line);
    }
}

static void
on_client_ready(struct c2s_client *c, void *arg)
{
    (void)c;
    ((struct load *)arg)->nready++;
}

static void
on_client_stanza(struct c2s_client *c, const struct xml_node *n, void *arg)
{
    (void)c;
    arrived(arg, &((struct load *)arg)->in, n, "in-");
}

static void
on_client_failed(struct c2s_client *c, const char *why, void *arg)
{
    struct load *l = arg;

    (void)c;
    l->nfailed++;
    error_kind(l, "SUT client: %s", why);
}

static const struct c2s_handler client_handler = {
        .ready = on_client_ready, .stanza = on_client_stanza, .failed = on_client_failed};

/* Sends message k of a direction. */
static void
send_one(struct load *l, struct direction *d, size_t k)
{
    /* each stream's own content namespace: jabber:server to the SUT's s2s, jabber:client on
     * the SUT users' c2s streams */
    const char *ns = d == &l->in ? XML_NS_SERVER : XML_NS_CLIENT;
    struct xml_node *m = xml_element_new(ns, "message");
    char id[32], from[300], to[300];
    struct c2s_client *c = l->clients[k % l->nusers];
    struct peer *p = l->peers[k % l->ndomains];

    snprintf(id, sizeof(id), "%s-%zu", d == &l->in ? "in" : "out", k);
    xml_set_attr(m, NULL, "type", "chat");
    xml_set_attr(m, NULL, "id", id);
    xml_add_text(xml_add_element(m, ns, "body"), id, strlen(id));
    d->sent_at[k] = clock_monotonic_us();
    if (d->first_sent == 0)
        d->first_sent = d->sent_at[k];
    if (d == &l->in) {
        snprintf(from, sizeof(from), "%s/load", p->users[(k / l->ndomains) % p->nusers].jid);
        xml_set_attr(m, NULL, "from", from);
        xml_set_attr(m, NULL, "to", c2s_jid(c));
        peer_send(p, m);
    } else {
        snprintf(to, sizeof(to), "%s", p->users[0].jid);
        xml_set_attr(m, NULL, "to", to);
        c2s_send(c, m);
    }
    d->sent++;
    xml_node_free(m);
}

static void
progress(struct load *l, int last)
{
    double t = (double)(clock_monotonic_us() - l->t0) / 1e6;
    size_t errors = 0, i;

    for (i = 0; i < l->nerrors; i++)
        errors += l->error_counts[i];
    if (l->quiet && !last)
        return;
    fprintf(stderr, "%s%6.1fs  in: %zu/%zu sent, %zu received   out: %zu/%zu sent, %zu received   "
                    "errors: %zu%s",
            isatty(2) && !last ? "\r" : "", t, l->in.sent, l->in.total, l->in.received,
            l->out.sent, l->out.total, l->out.received, errors,
            isatty(2) && !last ? "   " : "\n");
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct load *l = arg;
    uint64_t now = clock_monotonic_us();
    struct direction *dirs[2] = {&l->in, &l->out};
    size_t i;

    (void)fd;
    (void)what;
    if (now - l->last_progress >= 1000000) {
        progress(l, 0);
        l->last_progress = now;
    }
    if (l->traffic_t0 == 0) {
        if (l->nready + l->nfailed < l->nusers) {
            if (now - l->t0 > 30 * 1000000ull) {
                error_kind(l, "SUT clients: %zu of %zu logged in within 30 s", l->nready,
                           l->nusers);
                loop_stop();
            }
            return;
        }
        if (l->nready < l->nusers) {
            loop_stop();
            return;
        }
        l->traffic_t0 = now;
    }
    for (i = 0; i < 2; i++) {
        struct direction *d = dirs[i];
        size_t allowed = l->rate > 0 ? (size_t)((double)(now - l->traffic_t0) / 1e6 * l->rate) + 1
                                     : d->sent + 500; /* as fast as possible: 500 per tick */

        if (allowed > d->total)
            allowed = d->total;
        while (d->sent < allowed)
            send_one(l, d, d->sent);
    }
    if (l->in.received + l->in.errors >= l->in.total &&
        l->out.received + l->out.errors >= l->out.total) {
        loop_stop();
        return;
    }
    if (l->in.sent == l->in.total && l->out.sent == l->out.total) {
        if (l->done_at == 0)
            l->done_at = now;
        else if (now - l->done_at > (uint64_t)l->timeout_s * 1000000)
            loop_stop(); /* what has not arrived by now is lost */
    }
}

static int
by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
percentile(const double *sorted, size_t n, double q)
{
    size_t i;

    if (n == 0)
        return NAN;
    i = (size_t)ceil(q * (double)n) - 1;
    return sorted[i < n ? i : n - 1];
}

static void
report_direction(FILE *fp, const struct direction *d, int json)
{
    double secs = d->last_received > d->first_sent
                          ? (double)(d->last_received - d->first_sent) / 1e6
                          : 0;
    double rate = secs > 0 ? (double)d->received / secs : 0;
    double p50 = percentile(d->latency_ms, d->received, 0.50);
    double p90 = percentile(d->latency_ms, d->received, 0.90);
    double p99 = percentile(d->latency_ms, d->received, 0.99);
    double max = d->received > 0 ? d->latency_ms[d->received - 1] : NAN;

    if (json) {
        fprintf(fp,
                "\"%s\": {\"sent\": %zu, \"received\": %zu, \"lost\": %zu, \"bounced\": %zu, "
                "\"duplicates\": %zu, \"per_second\": %.1f, \"latency_ms\": {\"p50\": %.3f, "
                "\"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f}}",
                d->name, d->sent, d->received, d->sent - d->received - d->errors, d->errors,
                d->duplicates, rate, d->received ? p50 : 0, d->received ? p90 : 0,
                d->received ? p99 : 0, d->received ? max : 0);
        return;
    }
    fprintf(fp,
            "%-8s %zu sent, %zu received, %zu lost, %zu bounced, %zu duplicates; %.0f msgs/s; "
            "latency ms p50 %.2f, p90 %.2f, p99 %.2f, max %.2f\n",
            d->name, d->sent, d->received, d->sent - d->received - d->errors, d->errors,
            d->duplicates, rate, p50, p90, p99, max);
}

static void
load_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim load --sut FILE [--domains N] [--users M] [--messages K]\n"
            "                   [--rate R] [--timeout S] [--profile NAME] [--json FILE] [--quiet]\n"
            "\n"
            "Puts load on a running SUT through federation: N fake remote domains (loadI.test,\n"
            "each with its own SRV record, address 127.1.X.Y and listener, served by fedsim's\n"
            "DNS on the SUT's dns address), M SUT users logged in over c2s (the SUT file's\n"
            "accounts), and K chat messages each way: from the domains' users to the SUT users\n"
            "(inbound) and back (outbound). Every message is counted and timed where it\n"
            "arrives. Live progress on stderr; at the end, per direction: sent, received, lost,\n"
            "bounced (error stanzas), rate, latency percentiles; errors by kind; fedsim's own\n"
            "CPU (share of one core) and peak RSS.\n"
            "\n"
            "  -s, --sut FILE      the SUT file (ci/sut/*/start --accounts M writes M accounts)\n"
            "  -d, --domains N     fake remote domains, 1 to %d (default 100)\n"
            "  -u, --users M       SUT users (default: all the SUT file's accounts, at most 64)\n"
            "  -m, --messages K    messages each way (default 1000)\n"
            "  -r, --rate R        messages per second each way (default 0: as fast as\n"
            "                      possible, 500 per 10 ms tick)\n"
            "  -t, --timeout S     after the last send, wait this long for the rest (default 30)\n"
            "  -p, --profile NAME  the domains' server profile (default gtalk: plain dialback;\n"
            "                      webex for a TLS-optional SUT, modern for TLS required)\n"
            "  -j, --json FILE     also write the report as JSON\n"
            "  -q, --quiet         no progress lines\n"
            "\n"
            "Exit status: 0 every message arrived, 1 some were lost or bounced, 2 bad usage,\n"
            "3 the set-up failed (DNS, listeners, SUT logins).\n",
            LOAD_MAX_DOMAINS);
}

static int
setup(struct load *l, char *err, size_t errlen, struct dns_zoneset **zs, struct dns_server **dns,
      struct resolve_ctx **res)
{
    size_t i, len = 0, cap = 0;
    char *text = NULL;

    *zs = fixture_load(NULL, 0, l->sut, NULL, err, errlen);
    if (*zs == NULL)
        return -1;
    for (i = 0; i < l->ndomains; i++) {
        char zone[512];
        int n = snprintf(zone, sizeof(zone),
                         "$ORIGIN load%zu.test.\n$TTL 300\n"
                         "@ IN SOA ns hostmaster 1 60 60 600 0\n@ IN NS ns\n"
                         "ns IN A 127.1.%zu.%zu\n_xmpp-server._tcp IN SRV 0 0 5269 xmpp\n"
                         "xmpp IN A 127.1.%zu.%zu\n",
                         i + 1, i / 250, i % 250 + 1, i / 250, i % 250 + 1);

        if (len + (size_t)n + 1 > cap)
            text = xreallocarray(text, cap = (len + (size_t)n + 1) * 2, 1);
        memcpy(text + len, zone, (size_t)n + 1);
        len += (size_t)n;
    }
    if (dns_zoneset_load_string(*zs, "load domains", text, err, errlen) != 0) {
        free(text);
        return -1;
    }
    free(text);
    if (l->sut->hosts != NULL && hosts_write(l->sut->hosts, *zs, NULL, err, errlen) != 0)
        return -1;
    if (l->sut->ca != NULL && (l->ca = tls_ca_load(l->sut->ca, err, errlen)) == NULL)
        return -1;
    if ((*dns = dns_server_new(loop_base(), &l->sut->dns, NULL, *zs, err, errlen)) == NULL ||
        (*res = resolve_new(loop_base(), dns_server_addr(*dns), err, errlen)) == NULL)
        return -1;
    for (i = 0; i < l->ndomains; i++) {
        char domain[64], addr[64];
        struct net_addr a;

        snprintf(domain, sizeof(domain), "load%zu.test", i + 1);
        snprintf(addr, sizeof(addr), "127.1.%zu.%zu:5269", i / 250, i % 250 + 1);
        if ((l->peers[i] = peer_new(domain, profile_find(l->profile), 2, *res, i + 1, err,
                                    errlen)) == NULL)
            return -1;
        l->peers[i]->claimed = l->sut->domain;
        l->peers[i]->observe = on_peer_stanza;
        l->peers[i]->observe_arg = l;
        l->peers[i]->report = on_peer_report;
        l->peers[i]->report_arg = l;
        if (peer_tls_init(l->peers[i], l->ca, err, errlen) != 0 ||
            net_addr_parse(addr, &a, err, errlen) != 0 ||
            peer_listen(l->peers[i], &a, 0, err, errlen) != 0)
            return -1;
    }
    for (i = 0; i < l->nusers; i++) {
        struct c2s_options co = {.timeout_ms = 20000, .resource = "load"};

        l->clients[i] = c2s_new(&l->sut->c2s, l->sut->domain, l->sut->accounts[i].user,
                                l->sut->accounts[i].password, &co, &client_handler, l);
    }
    return 0;
}

static void
direction_init(struct direction *d, const char *name, size_t total)
{
    d->name = name;
    d->total = total;
    d->sent_at = xcalloc(total + 1, sizeof(*d->sent_at));
    d->got = xcalloc(total + 1, 1);
    d->latency_ms = xcalloc(total + 1, sizeof(*d->latency_ms));
}

static int
load_exec(int argc, char **argv)
{
    static const struct option opts[] = {
            {"sut", required_argument, NULL, 's'},      {"domains", required_argument, NULL, 'd'},
            {"users", required_argument, NULL, 'u'},    {"messages", required_argument, NULL, 'm'},
            {"rate", required_argument, NULL, 'r'},     {"timeout", required_argument, NULL, 't'},
            {"json", required_argument, NULL, 'j'},     {"quiet", no_argument, NULL, 'q'},
            {"profile", required_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    struct load l = {.ndomains = 100, .timeout_s = 30, .profile = "gtalk"};
    const char *sut_path = NULL, *json = NULL;
    long messages = 1000, users = -1;
    struct dns_zoneset *zs = NULL;
    struct dns_server *dns = NULL;
    struct resolve_ctx *res = NULL;
    struct rusage ru;
    char err[1024];
    size_t i, lost;
    int c, rc = FEDSIM_EXIT_INTERNAL, have_loop = 0;
    double wall, cpu;

    while ((c = getopt_long(argc, argv, "s:d:u:m:r:t:j:p:qh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            sut_path = optarg;
            break;
        case 'd':
            l.ndomains = (size_t)strtoul(optarg, NULL, 10);
            break;
        case 'u':
            users = strtol(optarg, NULL, 10);
            break;
        case 'm':
            messages = strtol(optarg, NULL, 10);
            break;
        case 'r':
            l.rate = strtod(optarg, NULL);
            break;
        case 't':
            l.timeout_s = atoi(optarg);
            break;
        case 'j':
            json = optarg;
            break;
        case 'q':
            l.quiet = 1;
            break;
        case 'p':
            if (profile_find(optarg) == NULL) {
                fprintf(stderr, "fedsim load: no profile %s\n", optarg);
                return FEDSIM_EXIT_USAGE;
            }
            l.profile = optarg;
            break;
        case 'h':
            load_usage(stdout);
            return FEDSIM_EXIT_OK;
        default:
            load_usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (sut_path == NULL || optind != argc || l.ndomains < 1 || l.ndomains > LOAD_MAX_DOMAINS ||
        messages < 0 || l.rate < 0 || l.timeout_s < 1) {
        load_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    if ((l.sut = sut_load(sut_path, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim load: %s\n", err);
        return FEDSIM_EXIT_USAGE;
    }
    l.nusers = users < 0 ? (l.sut->naccounts < 64 ? l.sut->naccounts : 64) : (size_t)users;
    if (l.nusers < 1 || l.nusers > l.sut->naccounts) {
        fprintf(stderr, "fedsim load: %zu SUT users wanted, %s has %zu accounts\n", l.nusers,
                sut_path, l.sut->naccounts);
        sut_free(l.sut);
        return FEDSIM_EXIT_USAGE;
    }
    direction_init(&l.in, "inbound", (size_t)messages);
    direction_init(&l.out, "outbound", (size_t)messages);
    l.peers = xcalloc(l.ndomains, sizeof(*l.peers));
    l.clients = xcalloc(l.nusers, sizeof(*l.clients));
    l.t0 = l.last_progress = clock_monotonic_us();
    if ((have_loop = loop_init(err, sizeof(err)) == 0) == 0 ||
        setup(&l, err, sizeof(err), &zs, &dns, &res) != 0) {
        fprintf(stderr, "fedsim load: %s\n", err);
        goto out;
    }
    fprintf(stderr, "fedsim load: %zu domains (load1.test..load%zu.test at 127.1.0.1..), %zu SUT "
                    "users of %s, %ld messages each way%s\n",
            l.ndomains, l.ndomains, l.nusers, l.sut->domain, messages,
            l.rate > 0 ? "" : ", as fast as possible");
    l.tick = event_new(loop_base(), -1, EV_PERSIST, on_tick, &l);
    event_add(l.tick, &(struct timeval){0, 10000});
    if (loop_run() != 0)
        error_kind(&l, "interrupted by a signal");
    progress(&l, 1);
    qsort(l.in.latency_ms, l.in.received, sizeof(double), by_double);
    qsort(l.out.latency_ms, l.out.received, sizeof(double), by_double);
    wall = (double)(clock_monotonic_us() - l.t0) / 1e6;
    getrusage(RUSAGE_SELF, &ru);
    cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("fedsim load against %s %s: %zu domains, %zu SUT users, %.1f s\n",
           l.sut->name != NULL ? l.sut->name : "?", l.sut->version != NULL ? l.sut->version : "",
           l.ndomains, l.nusers, wall);
    report_direction(stdout, &l.in, 0);
    report_direction(stdout, &l.out, 0);
    for (i = 0; i < l.nerrors; i++)
        printf("error    %zu x %s\n", l.error_counts[i], l.errors[i]);
    printf("fedsim   CPU %.2f s (%.0f%% of one core), peak RSS %ld kB\n", cpu,
           100.0 * cpu / wall, ru.ru_maxrss);
    if (json != NULL) {
        FILE *fp = fopen(json, "w");

        if (fp == NULL) {
            fprintf(stderr, "fedsim load: --json %s: cannot write\n", json);
        } else {
            fprintf(fp, "{\"sut\": ");
            json_write_string(fp, l.sut->name != NULL ? l.sut->name : "?");
            fprintf(fp, ", \"domains\": %zu, \"users\": %zu, \"seconds\": %.3f,\n ", l.ndomains,
                    l.nusers, wall);
            report_direction(fp, &l.in, 1);
            fprintf(fp, ",\n ");
            report_direction(fp, &l.out, 1);
            fprintf(fp, ",\n \"errors\": {");
            for (i = 0; i < l.nerrors; i++) {
                fprintf(fp, "%s", i > 0 ? ", " : "");
                json_write_string(fp, l.errors[i]);
                fprintf(fp, ": %zu", l.error_counts[i]);
            }
            fprintf(fp, "},\n \"cpu_seconds\": %.3f, \"cpu_share\": %.3f, \"peak_rss_kb\": %ld}\n",
                    cpu, cpu / wall, ru.ru_maxrss);
            fclose(fp);
        }
    }
    lost = (l.in.sent - l.in.received) + (l.out.sent - l.out.received);
    rc = l.nready < l.nusers                            ? FEDSIM_EXIT_INTERNAL
         : lost > 0 || l.in.sent + l.out.sent < 2 * l.in.total ? FEDSIM_EXIT_FAIL
                                                               : FEDSIM_EXIT_OK;
out:
    for (i = 0; i < l.nusers; i++)
        c2s_free(l.clients[i]);
    for (i = 0; i < l.ndomains; i++)
        peer_free(l.peers[i]);
    if (l.tick != NULL)
        event_free(l.tick);
    if (have_loop) {
        loop_drain(50);
        xconn_abandon_all();
    }
    resolve_free(res);
    dns_server_free(dns);
    loop_free();
    dns_zoneset_free(zs);
    tls_ca_free(l.ca);
    for (i = 0; i < l.nerrors; i++)
        free(l.errors[i]);
    free(l.peers);
    free(l.clients);
    free(l.in.sent_at);
    free(l.in.got);
    free(l.in.latency_ms);
    free(l.out.sent_at);
    free(l.out.got);
    free(l.out.latency_ms);
    sut_free(l.sut);
    return rc;
}

const struct cmd cmd_load = {
        .name = "load",
        .synopsis = "--sut FILE [--domains N] [--users M] [--messages K] [--rate R]",
        .summary = "many fake remote domains and messages both ways: rates, latencies",
        .exec = load_exec,
        .usage = load_usage,
};
