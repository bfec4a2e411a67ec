/* cmd_record.c: `fedsim record`: a live session between the SUT and another real server,
 * recorded through fedsim's DNS and the recorder (recorder.h), or a run's transcript
 * (--from-transcript), turned into a scenario that replays it (record.h, docs/record.md). */
#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "clock.h"
#include "cmd.h"
#include "dns_server.h"
#include "dns_zone.h"
#include "file.h"
#include "hosts.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "record.h"
#include "recorder.h"
#include "redact.h"
#include "scenario.h"
#include "sut.h"
#include "tls.h"
#include "xconn.h"
#include "xmalloc.h"

#define RECORD_MAX_FILE (64u << 20)

#define RECORD_MAX_FILE       (64u << 20)
#define RECORD_MAX_TRANSCRIPT (64u << 20)
#define RECORD_DEFAULT_S      600

static void
record_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim record --sut FILE --remote FILE|DOMAIN=ADDR:PORT [--remote-ca DIR]\n"
            "                     [--listen ADDR] [--duration SECONDS] [--transcript FILE]\n"
            "                     [--profile PROFILE[,KNOB=V...]] [--show-secrets] [-o SCENARIO]\n"
            "                     [--zone FILE]\n"
            "       fedsim record --from-transcript FILE [-o SCENARIO] [--zone FILE]\n"
            "       fedsim record --from-prosody-log FILE --remote DOMAIN [--domain DOMAIN|--sut "
            "FILE]\n"
            "                     [--profile ...] [-o SCENARIO] [--zone FILE]\n"
            "\n"
            "Live: fedsim stands between the SUT and another real server (the remote one),\n"
            "each reaching the other through fedsim's DNS, which answers for the other's\n"
            "domain with a listener of the recorder's: there fedsim plays the domain dialled\n"
            "(STARTTLS with a certificate from the CA of the server facing it), dials the real\n"
            "server as the dialling one, and relays dialback and stanzas between the two\n"
            "streams. Until SIGINT or SIGTERM (or --duration), then the transcript of both\n"
            "directions, made a scenario in which a fedsim peer plays the remote server: its\n"
            "stanzas as sends steps, the SUT's as receives steps, the SUT's users as clients.\n"
            "From a transcript: a run's (fedsim run --transcript DIR writes one per scenario)\n"
            "or a live recording's, made a scenario the same way. From a Prosody debug log: its\n"
            "s2s stanzas with DOMAIN as a recording (Prosody logs their top tags only: a\n"
            "message without its body). A peer's autopilot answers\n"
            "are left to the replay's autopilot. The scenario is checked as fedsim check\n"
            "would (docs/record.md).\n"
            "\n"
            "  -s, --sut FILE              the SUT's file: its domain and s2s address, its DNS\n"
            "                              address (fedsim's DNS listens there), tls and ca\n"
            "  -r, --remote FILE|DOMAIN=ADDR:PORT  the remote server: a SUT file of its own\n"
            "                              (its dns address is served too, its ca used), or its\n"
            "                              domain and real s2s address\n"
            "      --remote-ca DIR         the fedsim CA the remote server trusts (DOMAIN=ADDR\n"
            "                              form; default: a CA of the run's, which it does not)\n"
            "  -l, --listen ADDR           the recorder's listeners' address (default 127.0.0.1,\n"
            "                              ports picked and published in SRV records)\n"
            "  -d, --duration SECONDS      stop recording after this long (default %d)\n"
            "      --transcript FILE       where the transcript goes (default: not kept)\n"
            "  -p, --profile P[,KNOB=V...] the replay's peer (default modern,subscription=ignore)\n"
            "      --show-secrets          dialback keys in the transcript (default: redacted)\n"
            "  -t, --from-transcript FILE  a transcript instead of a live session\n"
            "      --from-prosody-log FILE a Prosody debug log instead (--remote DOMAIN: the\n"
            "                              remote domain; --domain, or --sut's: the SUT's)\n"
            "      --domain DOMAIN         the SUT's domain, with --from-prosody-log\n"
            "  -o, --output FILE           where the scenario goes (default: stdout)\n"
            "  -z, --zone FILE             its zone: line (default federation.zone)\n"
            "\n"
            "Exit status: 0 written, 2 bad usage or a transcript it cannot use, 3 the\n"
            "recorder could not start (a listener, the DNS address, a certificate).\n",
            RECORD_DEFAULT_S);
}

/* What it wrote must parse (zones are not looked up: the replay's directory decides). */
static int
write_scenario(const char *scn, const char *output, const char *from)
{
    char err[1024];
    struct scenario *s;

    if ((s = scenario_parse(output != NULL ? output : "(stdout)", scn, NULL, err, sizeof(err))) ==
        NULL) {
        if (strstr(err, "zone") == NULL) {
            fprintf(stderr, "fedsim record: the scenario made from %s does not parse: %s\n", from,
                    err);
            return FEDSIM_EXIT_INTERNAL;
        }
    }
    scenario_free(s);
    if (output != NULL) {
        FILE *fp = fopen(output, "w");

        if (fp == NULL || fputs(scn, fp) == EOF || fclose(fp) != 0) {
            fprintf(stderr, "fedsim record: %s: %s\n", output, strerror(errno));
            return FEDSIM_EXIT_INTERNAL;
        }
    } else {
        fputs(scn, stdout);
    }
    return FEDSIM_EXIT_OK;
}

/* --- live ---------------------------------------------------------------------------------- */

struct live {
    char *buf; /* the transcript so far */
    size_t len, cap;
    int full;
    const char *domains[2]; /* 0: the SUT's, 1: the remote's */
    struct recorder *rec;
    struct net_listener *listeners[2];
    unsigned stanzas;
};

static void live_line(struct live *lv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
live_line(struct live *lv, const char *fmt, ...)
{
    char stamp[40];
    va_list ap;
    int n;

    if (lv->full)
        return;
    clock_format_wall(stamp, sizeof(stamp));
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (lv->len + strlen(stamp) + (size_t)n + 3 > RECORD_MAX_TRANSCRIPT) {
        lv->full = 1;
        log_warnx("record: the transcript reached %u MiB: nothing more is kept",
                  RECORD_MAX_TRANSCRIPT >> 20);
        return;
    }
    if (lv->len + strlen(stamp) + (size_t)n + 3 > lv->cap) {
        lv->cap = (lv->len + strlen(stamp) + (size_t)n + 3) * 2;
        lv->buf = xreallocarray(lv->buf, lv->cap, 1);
    }
    lv->len += (size_t)snprintf(lv->buf + lv->len, lv->cap - lv->len, "%s ", stamp);
    va_start(ap, fmt);
    lv->len += (size_t)vsnprintf(lv->buf + lv->len, lv->cap - lv->len, fmt, ap);
    va_end(ap);
    lv->buf[lv->len++] = '\n';
    lv->buf[lv->len] = '\0';
}

static void
live_bytes(const char *label, const char *dir, const char *data, size_t len, void *arg)
{
    live_line(arg, "%s %s %.*s", label, dir, (int)len, data);
}

static void
live_stanza(unsigned pair, int from, const struct xml_node *n, void *arg)
{
    static const struct xml_prefix db[] = {{"db", XML_NS_DIALBACK}, {NULL, NULL}};
    struct live *lv = arg;
    int dialback = strcmp(n->ns, XML_NS_DIALBACK) == 0;
    /* Stanzas; dialback; anything else (a stream error) as what it is. */
    const char *kind = dialback ? "dialback" : strcmp(n->ns, XML_NS_SERVER) == 0 ? "s2s" : "stream";
    char *s = xml_serialize(n, XML_NS_SERVER, dialback ? db : NULL, NULL);

    /* Newlines inside a stanza would split its line: the transcript is one line a stanza. */
    for (char *c = s; *c != '\0'; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    if (dialback) {
        /* Keys are secrets, as in every transcript (--show-secrets shows them). */
        size_t len;
        char *r = redact_secrets(s, strlen(s), &len);

        free(s);
        s = r;
    }
    live_line(lv, "%s %s > %s %s", kind, lv->domains[from], lv->domains[1 - from], s);
    if (strcmp(kind, "s2s") == 0)
        lv->stanzas++;
    free(s);
    (void)pair;
}

static void
live_note(unsigned pair, const char *line, void *arg)
{
    struct live *lv = arg;

    live_line(lv, "record #%u: %s", pair, line);
    log_info("record #%u: %s", pair, line);
}

static void
on_accept_sut(int fd, const struct sockaddr *peer, void *arg)
{
    recorder_accept(((struct live *)arg)->rec, 0, fd, peer);
}

static void
on_accept_remote(int fd, const struct sockaddr *peer, void *arg)
{
    recorder_accept(((struct live *)arg)->rec, 1, fd, peer);
}

static void
on_duration(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    log_info("record: --duration reached: stopping");
    live_line(arg, "record: the duration is over: stopping");
    loop_stop();
}

/* TLS facing one server: certificates for `domain` (the one fedsim plays towards it) from its
 * CA (ca_dir; NULL: a CA of the run's, which the server does not trust). */
static int
tls_facing(const char *ca_dir, const char *domain, struct tls_ca **ca, SSL_CTX **server,
           SSL_CTX **client, char *err, size_t errlen)
{
    struct tls_cert cert = {0};
    char e[512];

    if ((*ca = ca_dir != NULL ? tls_ca_load(ca_dir, e, sizeof(e)) : tls_ca_ephemeral()) == NULL) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    if (tls_cert_issue(*ca, domain, NULL, 0, TLS_CERT_VALID, &cert, e, sizeof(e)) != 0 ||
        (*server = tls_ctx_new(1, &cert, *ca, 1, e, sizeof(e))) == NULL ||
        (*client = tls_ctx_new(0, &cert, *ca, 0, e, sizeof(e))) == NULL) {
        snprintf(err, errlen, "a certificate for %s: %s", domain, e);
        tls_cert_clear(&cert);
        return -1;
    }
    tls_cert_clear(&cert);
    return 0;
}

static int
tls_wanted(const struct sut *s)
{
    return s->tls != NULL && strcmp(s->tls, "off") != 0;
}

struct live_opts {
    const char *sut, *remote, *remote_ca, *listen, *transcript, *output, *zone, *profile;
    long duration;
};

static int
record_live(const struct live_opts *lo)
{
    struct live lv = {0};
    struct sut *sut = NULL, *rsut = NULL;
    struct recorder_end ends[2];
    struct tls_ca *cas[2] = {NULL, NULL};
    SSL_CTX *ctx[2][2] = {{NULL, NULL}, {NULL, NULL}};
    struct dns_zoneset *zones = NULL;
    struct dns_server *dns[2] = {NULL, NULL};
    struct event *timer = NULL;
    struct net_addr laddr;
    char err[1024], rdomain[256] = "", a[3][NET_ADDRSTRLEN];
    char *annotated = NULL, *scn = NULL;
    int rc = FEDSIM_EXIT_USAGE, have_loop = 0, i;
    struct recorder_stats st;

    memset(ends, 0, sizeof(ends));
    if ((sut = sut_load(lo->sut, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim record: %s\n", err);
        goto out;
    }
    ends[0].domain = sut->domain;
    ends[0].addr = sut->s2s;
    if (strchr(lo->remote, '=') != NULL) {
        const char *eq = strchr(lo->remote, '=');

        snprintf(rdomain, sizeof(rdomain), "%.*s", (int)(eq - lo->remote), lo->remote);
        if (rdomain[0] == '\0' || net_addr_parse(eq + 1, &ends[1].addr, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim record: --remote %s: %s\n", lo->remote,
                    rdomain[0] == '\0' ? "no domain before =" : err);
            goto out;
        }
        ends[1].domain = rdomain;
    } else {
        if ((rsut = sut_load(lo->remote, err, sizeof(err))) == NULL) {
            fprintf(stderr, "fedsim record: --remote: %s\n", err);
            goto out;
        }
        ends[1].domain = rsut->domain;
        ends[1].addr = rsut->s2s;
    }
    if (strcasecmp(ends[0].domain, ends[1].domain) == 0) {
        fprintf(stderr,
                "fedsim record: the SUT and the remote server both serve %s: they need "
                "domains of their own\n",
                ends[0].domain);
        goto out;
    }
    if (net_addr_parse(lo->listen, &laddr, err, sizeof(err)) != 0 &&
        (strchr(lo->listen, ':') != NULL || net_addr_from_host(lo->listen, 0, &laddr) != 0)) {
        fprintf(stderr, "fedsim record: --listen %s: an address (127.0.0.1), not a name\n",
                lo->listen);
        goto out;
    }
    rc = FEDSIM_EXIT_INTERNAL;
    /* TLS facing the SUT: fedsim plays the remote domain, with the SUT's CA; facing the
     * remote server: the SUT's domain, with the remote's CA. */
    if (tls_wanted(sut) && tls_facing(sut->ca, ends[1].domain, &cas[0], &ctx[0][0], &ctx[0][1], err,
                                      sizeof(err)) != 0) {
        fprintf(stderr, "fedsim record: TLS facing the SUT: %s\n", err);
        goto out;
    }
    if ((rsut == NULL || tls_wanted(rsut)) &&
        tls_facing(rsut != NULL ? rsut->ca : lo->remote_ca, ends[0].domain, &cas[1], &ctx[1][0],
                   &ctx[1][1], err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim record: TLS facing the remote server: %s\n", err);
        goto out;
    }
    for (i = 0; i < 2; i++) {
        ends[i].tls_server = ctx[i][0];
        ends[i].tls_client = ctx[i][1];
    }
    if (loop_init(err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim record: %s\n", err);
        goto out;
    }
    have_loop = 1;
    lv.domains[0] = ends[0].domain;
    lv.domains[1] = ends[1].domain;
    {
        static const struct recorder_events ev = {.stanza = live_stanza, .note = live_note};

        lv.rec = recorder_new(ends, &ev, &lv);
    }
    zones = dns_zoneset_new();
    if ((lv.listeners[0] = net_listen(loop_base(), &laddr, on_accept_sut, &lv, err, sizeof(err))) ==
                NULL ||
        (lv.listeners[1] = net_listen(loop_base(), &laddr, on_accept_remote, &lv, err,
                                      sizeof(err))) == NULL ||
        /* The SUT finds the remote domain at the first listener, the remote the SUT's at the
         * second. */
        dns_zoneset_add_sut(zones, ends[1].domain,
                            (const struct sockaddr *)&net_listener_addr(lv.listeners[0])->ss, NULL,
                            err, sizeof(err)) < 0 ||
        dns_zoneset_add_sut(zones, ends[0].domain,
                            (const struct sockaddr *)&net_listener_addr(lv.listeners[1])->ss, NULL,
                            err, sizeof(err)) < 0 ||
        (dns[0] = dns_server_new(loop_base(), &sut->dns, NULL, zones, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim record: %s\n", err);
        goto out;
    }
    /* A server that resolves SRV targets through libc (ejabberd) reads them from its hosts
     * file. */
    if (hosts_write(sut->hosts, zones, NULL, err, sizeof(err)) != 0 ||
        (rsut != NULL && hosts_write(rsut->hosts, zones, NULL, err, sizeof(err)) != 0)) {
        fprintf(stderr, "fedsim record: %s\n", err);
        goto out;
    }
    if (rsut != NULL &&
        (rsut->dns.len != sut->dns.len || memcmp(&rsut->dns.ss, &sut->dns.ss, sut->dns.len) != 0)) {
        if ((dns[1] = dns_server_new(loop_base(), &rsut->dns, NULL, zones, err, sizeof(err))) ==
            NULL) {
            fprintf(stderr, "fedsim record: the remote server's DNS address: %s\n", err);
            goto out;
        }
    }
    xconn_set_byte_tap(live_bytes, &lv);
    {
        struct timeval tv = {lo->duration, 0};

        timer = evtimer_new(loop_base(), on_duration, &lv);
        evtimer_add(timer, &tv);
    }
    net_addr_format((const struct sockaddr *)&net_listener_addr(lv.listeners[0])->ss, a[0],
                    sizeof(a[0]));
    net_addr_format((const struct sockaddr *)&net_listener_addr(lv.listeners[1])->ss, a[1],
                    sizeof(a[1]));
    net_addr_format((const struct sockaddr *)&ends[1].addr.ss, a[2], sizeof(a[2]));
    live_line(&lv,
              "record: the SUT %s (%s) and the remote server %s (really at %s); %s is %s "
              "for the SUT, %s is %s for the remote; TLS facing the SUT %s, facing the "
              "remote %s",
              ends[0].domain, lo->sut, ends[1].domain, a[2], ends[1].domain, a[0], ends[0].domain,
              a[1], ctx[0][0] != NULL ? "on" : "off", ctx[1][0] != NULL ? "on" : "off");
    {
        char d0[NET_ADDRSTRLEN], d1[NET_ADDRSTRLEN] = "";

        net_addr_format((const struct sockaddr *)&dns_server_addr(dns[0])->ss, d0, sizeof(d0));
        if (dns[1] != NULL)
            net_addr_format((const struct sockaddr *)&dns_server_addr(dns[1])->ss, d1, sizeof(d1));
        fprintf(stderr,
                "fedsim record: recording %s <-> %s (at %s): DNS on %s%s%s, %s answered with "
                "%s, %s with %s; until SIGINT or SIGTERM, %ld s at most\n",
                ends[0].domain, ends[1].domain, a[2], d0, d1[0] != '\0' ? " and " : "", d1,
                ends[1].domain, a[0], ends[0].domain, a[1], lo->duration);
    }
    loop_run();
    recorder_stats(lv.rec, &st);
    recorder_free(lv.rec);
    lv.rec = NULL;
    loop_drain(200);
    xconn_abandon_all();
    xconn_set_byte_tap(NULL, NULL);
    fprintf(stderr,
            "fedsim record: %u stream pair(s) (%u failed), %u stanza(s) relayed (%u besides "
            "dialback), %u db:verify id(s) mapped\n",
            st.pairs, st.failed, st.relayed, lv.stanzas, st.mapped);
    {
        struct record_live rl = {
                .sut = ends[0].domain, .remote = ends[1].domain, .profile = lo->profile};
        struct record_options ro = {.source = lo->transcript != NULL ? lo->transcript
                                                                     : "a live recording",
                                    .zone = lo->zone};

        if ((annotated = record_annotate(lv.buf != NULL ? lv.buf : "", &rl, err, sizeof(err))) ==
            NULL) {
            fprintf(stderr, "fedsim record: the recording: %s\n", err);
            goto out;
        }
        if (lo->transcript != NULL) {
            FILE *fp = fopen(lo->transcript, "w");

            if (fp == NULL || fputs(annotated, fp) == EOF || fclose(fp) != 0) {
                fprintf(stderr, "fedsim record: %s: %s\n", lo->transcript, strerror(errno));
                goto out;
            }
        }
        if (lv.stanzas == 0)
            fprintf(stderr, "fedsim record: no stanza besides dialback was relayed: the scenario "
                            "has no steps\n");
        if ((scn = record_from_transcript(annotated, &ro, err, sizeof(err))) == NULL) {
            fprintf(stderr, "fedsim record: the recording: %s\n", err);
            goto out;
        }
    }
    rc = write_scenario(scn, lo->output, lo->transcript != NULL ? lo->transcript : "the recording");
out:
    xconn_set_byte_tap(NULL, NULL);
    recorder_free(lv.rec);
    if (have_loop) {
        loop_drain(50);
        xconn_abandon_all();
    }
    if (timer != NULL)
        event_free(timer);
    for (i = 0; i < 2; i++) {
        net_listener_free(lv.listeners[i]);
        dns_server_free(dns[i]);
        SSL_CTX_free(ctx[i][0]);
        SSL_CTX_free(ctx[i][1]);
        tls_ca_free(cas[i]);
    }
    if (have_loop)
        loop_free();
    dns_zoneset_free(zones);
    sut_free(sut);
    sut_free(rsut);
    free(lv.buf);
    free(annotated);
    free(scn);
    log_flush();
    return rc;
}

/* --- a Prosody debug log ------------------------------------------------------------------ */

static int
record_prosody(const char *path, const struct live_opts *lo, const char *domain, const char *output,
               const char *zone)
{
    char err[1024], *text = NULL, *lines = NULL, *annotated = NULL, *scn = NULL;
    struct sut *sut = NULL;
    time_t now = time(NULL);
    struct tm tm;
    int rc = FEDSIM_EXIT_USAGE;

    if (domain == NULL && lo->sut != NULL) {
        if ((sut = sut_load(lo->sut, err, sizeof(err))) == NULL) {
            fprintf(stderr, "fedsim record: %s\n", err);
            return FEDSIM_EXIT_USAGE;
        }
        domain = sut->domain;
    }
    if (domain == NULL || lo->remote == NULL || strchr(lo->remote, '=') != NULL) {
        fprintf(stderr, "fedsim record: --from-prosody-log needs --remote DOMAIN (the remote "
                        "server's domain) and --domain DOMAIN or --sut FILE (the SUT's)\n");
        sut_free(sut);
        return FEDSIM_EXIT_USAGE;
    }
    gmtime_r(&now, &tm);
    {
        struct record_prosody rp = {.sut = domain, .remote = lo->remote, .year = tm.tm_year + 1900};
        struct record_live rl = {.sut = domain, .remote = lo->remote, .profile = lo->profile};
        struct record_options ro = {.source = path, .zone = zone};

        if ((text = file_read(path, RECORD_MAX_FILE, err, sizeof(err))) == NULL ||
            (lines = record_prosody_log(text, &rp, err, sizeof(err))) == NULL ||
            (annotated = record_annotate(lines, &rl, err, sizeof(err))) == NULL ||
            (scn = record_from_transcript(annotated, &ro, err, sizeof(err))) == NULL) {
            fprintf(stderr, "fedsim record: %s%s%s\n", text != NULL ? path : "",
                    text != NULL ? ": " : "", err);
            goto out;
        }
    }
    rc = write_scenario(scn, output, path);
out:
    free(text);
    free(lines);
    free(annotated);
    free(scn);
    sut_free(sut);
    return rc;
}

static int
record_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"from-transcript", required_argument, NULL, 't'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"zone", required_argument, NULL, 'z'},
                                         {"sut", required_argument, NULL, 's'},
                                         {"remote", required_argument, NULL, 'r'},
                                         {"remote-ca", required_argument, NULL, 'C'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"duration", required_argument, NULL, 'd'},
                                         {"transcript", required_argument, NULL, 'T'},
                                         {"profile", required_argument, NULL, 'p'},
                                         {"show-secrets", no_argument, NULL, 'S'},
                                         {"from-prosody-log", required_argument, NULL, 'P'},
                                         {"domain", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct record_options ro = {0};
    struct live_opts lo = {.listen = "127.0.0.1",
                           .duration = RECORD_DEFAULT_S,
                           .profile = "modern,subscription=ignore"};
    const char *from = NULL, *output = NULL, *plog = NULL, *domain = NULL;
    char err[1024], *text = NULL, *scn = NULL, *end;
    int c, rc = FEDSIM_EXIT_USAGE;

    while ((c = getopt_long(argc, argv, "t:o:z:s:r:l:d:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            from = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'z':
            ro.zone = optarg;
            break;
        case 's':
            lo.sut = optarg;
            break;
        case 'r':
            lo.remote = optarg;
            break;
        case 'C':
            lo.remote_ca = optarg;
            break;
        case 'l':
            lo.listen = optarg;
            break;
        case 'd':
            errno = 0;
            lo.duration = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || lo.duration < 1 ||
                lo.duration > 86400) {
                fprintf(stderr, "fedsim record: --duration: seconds from 1 to 86400, not %s\n",
                        optarg);
                return FEDSIM_EXIT_USAGE;
            }
            break;
        case 'T':
            lo.transcript = optarg;
            break;
        case 'p':
            lo.profile = optarg;
            break;
        case 'S':
            redact_show_secrets = 1;
            break;
        case 'P':
            plog = optarg;
            break;
        case 'D':
            domain = optarg;
            break;
        case 'h':
            record_usage(stdout);
            return FEDSIM_EXIT_OK;
        default:
            record_usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (plog != NULL)
        return record_prosody(plog, &lo, domain, output, ro.zone);
    if (optind < argc || (from == NULL) == (lo.sut == NULL) ||
        (lo.sut != NULL) != (lo.remote != NULL)) {
        fprintf(stderr, "fedsim record: needs --from-transcript FILE, or --sut FILE and --remote "
                        "(a live session), not both\n");
        record_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    if (lo.sut != NULL) {
        lo.output = output;
        lo.zone = ro.zone;
        return record_live(&lo);
    }
    ro.source = from;
    if ((text = file_read(from, RECORD_MAX_FILE, err, sizeof(err))) == NULL ||
        (scn = record_from_transcript(text, &ro, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim record: %s%s%s\n", text != NULL ? from : "",
                text != NULL ? ":" : "", err);
        goto out;
    }
    rc = write_scenario(scn, output, from);
out:
    free(text);
    free(scn);
    return rc;
}

const struct cmd cmd_record = {
        .name = "record",
        .synopsis = "--sut FILE --remote FILE|DOMAIN=ADDR:PORT [...] | --from-transcript FILE",
        .summary = "record a live session with another server, or a run's transcript, as a "
                   "scenario that replays it",
        .exec = record_exec,
        .usage = record_usage,
};
