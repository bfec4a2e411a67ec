/* cmd_serve.c: `fedsim serve`: the DNS responder and fake peers, up until interrupted, printing
 * one line per query, connection, dialback step and stanza; commands on stdin make the peers'
 * users act, so a person can reproduce a field problem by hand with a real client on the SUT. */
#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "clock.h"
#include "cmd.h"
#include "datadir.h"
#include "dns_server.h"
#include "fixture.h"
#include "hosts.h"
#include "log.h"
#include "loop.h"
#include "peer.h"
#include "profile.h"
#include "resolve.h"
#include "s2s.h"
#include "sut.h"
#include "tls.h"
#include "xconn.h"
#include "xmalloc.h"
#include "xml_stream.h"
#include "zoo.h"

#define SERVE_MAX_PEERS 32
#define SERVE_MAX_LINE  65536

struct serve {
    struct sut *sut;                     /* owned */
    struct dns_zoneset *zones;           /* owned */
    struct dns_server *dns;              /* owned */
    struct resolve_ctx *res;             /* owned */
    struct tls_ca *ca;                   /* owned: the SUT file's CA, or NULL */
    struct peer *peers[SERVE_MAX_PEERS]; /* owned */
    size_t npeers;
    struct bufferevent *input; /* owned: commands on stdin */
    /* --zoo: the modes switched on again and again (reconnect.zoo.test), one per peer. */
    struct zoo_repeat {
        struct peer *peer; /* borrowed */
        const char *mode;  /* borrowed: zoo.c's */
        struct event *timer;
    } repeats[SERVE_MAX_PEERS];
    size_t nrepeats;
};

static void
serve_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim serve --sut FILE --zone FILE... --peer DOMAIN=PROFILE[,KNOB=V...]...\n"
            "                    [--users N] [--seed N]\n"
            "       fedsim serve --sut FILE --zoo [--fixtures DIR] [--zone FILE]... [--peer ...]\n"
            "\n"
            "Keeps a fake federation up around a running SUT until interrupted: fedsim's DNS on\n"
            "the SUT file's dns address (the zone files plus the SUT's own records), and one fake\n"
            "remote server per --peer, listening where the zone files put its domain\n"
            "(_xmpp-server._tcp SRV -> target -> address, SRV port; for direct TLS also\n"
            "_xmpps-server._tcp). Log in to the SUT with a real client and add jdoe1@DOMAIN:\n"
            "every DNS query, connection, dialback step and stanza is printed, one line each.\n"
            "\n"
            "  -s, --sut FILE       the SUT file (ci/sut/*/start writes one)\n"
            "  -z, --zone FILE      a zone file; repeat for more\n"
            "  -p, --peer SPEC      DOMAIN=PROFILE, then optional knobs, e.g.\n"
            "                       jabber.test=modern,cert=expired or\n"
            "                       gmail.test=gtalk,version=1.0,subscription=deny\n"
            "                       (every knob: docs/profiles.md). Profiles: %s.\n"
            "                       With TLS, certificates come from the SUT file's ca.\n"
            "                       Repeat for more peers.\n"
            "  -u, --users N        users per peer, jdoe1..jdoeN@DOMAIN (default 3)\n"
            "      --zoo            also the zoo: *.zoo.test, each broken in one documented way\n"
            "                       (docs/zoo.md), from DIR/zoo.zone\n"
            "      --fixtures DIR   where zoo.zone is (default: ./dnsfixtures, else the installed\n"
            "                       PREFIX/share/fedsim/dnsfixtures)\n"
            "      --seed N         seed for SRV weighted selection (default: from the clock;\n"
            "                       printed at start so a run can be replayed)\n"
            "\n"
            "Commands on stdin, one per line:\n"
            "  send STANZA          a peer user sends STANZA (its from= names the user), e.g.\n"
            "                       send <presence type='subscribe' from='jdoe1@gmail.test'\n"
            "                             to='user1@sut.test'/>\n"
            "  roster JID           the subscription states of a peer user\n"
            "  quit                 stop (as SIGINT or SIGTERM do)\n"
            "Stdin reaching its end is fine: serve keeps running until a signal.\n"
            "Exit status: 0 stopped cleanly, 2 bad usage or input, 3 cannot listen.\n",
            profile_names());
}

static void
say(const char *line, void *arg)
{
    char stamp[32];

    (void)arg;
    clock_format_wall(stamp, sizeof(stamp));
    printf("%s %s\n", stamp, line);
    fflush(stdout);
}

static void sayf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sayf(const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    say(line, NULL);
}

static void
on_query(const struct dns_query_record *rec, void *arg)
{
    char line[512];

    (void)arg;
    dns_server_format_record(rec, line, sizeof(line));
    /* The record carries its own time. */
    printf("%.24s dns%s: %s\n", line,
           resolve_is_own_query((const struct sockaddr *)&rec->client) ? " (fedsim's own lookup)"
                                                                       : "",
           line + 25);
    fflush(stdout);
}

static struct peer *
peer_of(struct serve *sv, const char *jid)
{
    char dom[256];
    size_t i;

    peer_jid_domain(jid, dom, sizeof(dom));
    for (i = 0; i < sv->npeers; i++)
        if (strcasecmp(sv->peers[i]->domain, dom) == 0)
            return sv->peers[i];
    return NULL;
}

static void
command(struct serve *sv, char *line)
{
    char err[512];

    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '\0' || *line == '#')
        return;
    if (strcmp(line, "quit") == 0) {
        loop_stop();
    } else if (strncmp(line, "send ", 5) == 0) {
        struct xml_node *n = xml_parse_element(line + 5, XML_NS_SERVER, err, sizeof(err));
        const char *from = n != NULL ? xml_attr(n, "from") : NULL;
        struct peer *p = from != NULL ? peer_of(sv, from) : NULL;

        if (n == NULL)
            sayf("command error: %s", err);
        else if (p == NULL)
            say("command error: from= must be a user of one of the peers", NULL);
        else
            peer_send(p, n);
        xml_node_free(n);
    } else if (strncmp(line, "roster ", 7) == 0) {
        struct peer *p = peer_of(sv, line + 7);
        struct peer_user *u = p != NULL ? peer_user(p, line + 7) : NULL;
        size_t i;

        if (u == NULL) {
            say("command error: roster needs a peer user's bare JID", NULL);
            return;
        }
        for (i = 0; i < u->roster.n; i++) {
            char st[64];

            peer_report(p, "%s's subscription with %s: %s", u->jid, u->roster.items[i].contact,
                        roster_state_str(&u->roster.items[i], st, sizeof(st)));
        }
        if (u->roster.n == 0)
            peer_report(p, "%s has no contacts", u->jid);
    } else {
        say("command error: unknown command (send STANZA, roster JID, quit)", NULL);
    }
}

static void
on_input(struct bufferevent *bev, void *arg)
{
    struct serve *sv = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    char *line;
    size_t len;

    while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
        command(sv, line);
        free(line);
    }
    if (evbuffer_get_length(in) > SERVE_MAX_LINE) {
        sayf("command error: a line longer than %d bytes, dropped", SERVE_MAX_LINE);
        evbuffer_drain(in, evbuffer_get_length(in));
    }
}

static void
on_input_event(struct bufferevent *bev, short what, void *arg)
{
    struct serve *sv = arg;

    (void)what;
    /* End of stdin: keep serving; only signals (or "quit") stop. */
    on_input(bev, arg);
    bufferevent_free(sv->input);
    sv->input = NULL;
}

/* Where a peer listens: the addresses its domain resolves to, through fedsim's own DNS. */
struct listen_job {
    struct serve *sv;  /* borrowed */
    struct peer *peer; /* borrowed */
    int direct_tls;    /* the _xmpps-server targets (XEP-0368), TLS from the first byte */
    const struct zoo_domain *zoo; /* borrowed: a zoo domain's fault, switched on once it listens */
};

static void
on_repeat(evutil_socket_t fd, short what, void *arg)
{
    struct zoo_repeat *r = arg;
    char err[256];

    (void)fd;
    (void)what;
    if (peer_set_mode(r->peer, r->mode, err, sizeof(err)) != 0)
        peer_report(r->peer, "zoo: %s", err);
}

/* A zoo domain's fault, now that its peer listens. */
static void
zoo_fault(struct serve *sv, struct peer *p, const struct zoo_domain *z)
{
    char err[256];

    if (z->mode == NULL)
        return;
    if (z->every_s > 0 && sv->nrepeats < SERVE_MAX_PEERS) {
        struct zoo_repeat *r = &sv->repeats[sv->nrepeats++];
        struct timeval tv = {.tv_sec = z->every_s};

        r->peer = p;
        r->mode = z->mode;
        r->timer = event_new(loop_base(), -1, EV_PERSIST, on_repeat, r);
        evtimer_add(r->timer, &tv);
        peer_report(p, "zoo: %s every %d s", z->mode, z->every_s);
        return;
    }
    if (peer_set_mode(p, z->mode, err, sizeof(err)) != 0)
        peer_report(p, "zoo: %s", err);
}

static void
on_peer_resolved(enum resolve_service_status st, const struct resolve_target *t, size_t n,
                 const char *why, void *arg)
{
    struct listen_job *j = arg;
    char err[256];

    if (st != RESOLVE_SERVICE_OK)
        peer_report(j->peer, "listens nowhere%s: its domain does not resolve (%s)",
                    j->direct_tls ? " for direct TLS" : "", why != NULL ? why : "no service");
    else if (peer_listen_targets(j->peer, t, n, j->direct_tls, err, sizeof(err)) != 0)
        peer_report(j->peer, "cannot listen: %s", err);
    else if (j->zoo != NULL)
        zoo_fault(j->sv, j->peer, j->zoo);
    free(j);
}

static int
add_peer(struct serve *sv, const char *spec, size_t users, uint64_t seed,
         const struct zoo_domain *zoo)
{
    char *copy = xstrdup(spec), *eq = strchr(copy, '='), *knobs, *knob, *save = NULL;
    struct profile prof;
    const struct profile *base;
    struct peer *p;
    struct listen_job *j;
    char err[512];
    int rc = -1, i;

    if (eq == NULL || sv->npeers >= SERVE_MAX_PEERS) {
        fprintf(stderr, "fedsim serve: --peer %s: expected DOMAIN=PROFILE (at most %d peers)\n",
                spec, SERVE_MAX_PEERS);
        goto out;
    }
    *eq = '\0';
    knobs = strchr(eq + 1, ',');
    if (knobs != NULL)
        *knobs++ = '\0';
    if ((base = profile_find(eq + 1)) == NULL) {
        fprintf(stderr, "fedsim serve: --peer %s: unknown profile \"%s\" (known: %s)\n", spec,
                eq + 1, profile_names());
        goto out;
    }
    prof = *base;
    for (knob = knobs != NULL ? strtok_r(knobs, ",", &save) : NULL; knob != NULL;
         knob = strtok_r(NULL, ",", &save)) {
        if (profile_set_knob(&prof, knob, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim serve: --peer %s: %s\n", spec, err);
            goto out;
        }
    }
    p = peer_new(copy, &prof, users, sv->res, seed, err, sizeof(err));
    if (p == NULL || peer_tls_init(p, sv->ca, err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim serve: --peer %s: %s\n", spec, err);
        peer_free(p);
        goto out;
    }
    p->report = say;
    p->claimed = sv->sut->domain;
    sv->peers[sv->npeers++] = p;
    /* The STARTTLS (or plain) targets, then the direct TLS ones when the profile has them
     * (no fallback to the domain's own address for those). */
    for (i = 0; i < (p->prof.direct_tls ? 2 : 1); i++) {
        j = xcalloc(1, sizeof(*j));
        j->sv = sv;
        j->peer = p;
        j->direct_tls = i == 1;
        j->zoo = i == 0 ? zoo : NULL;
        if (resolve_service(sv->res, i == 1 ? "_xmpps-server._tcp" : "_xmpp-server._tcp", p->domain,
                            i == 1 ? 0 : 5269, &p->seed, 5000, on_peer_resolved, j, err,
                            sizeof(err)) != 0) {
            fprintf(stderr, "fedsim serve: %s: %s\n", p->domain, err);
            free(j);
            goto out;
        }
    }
    rc = 0;
out:
    free(copy);
    return rc;
}

static int
serve_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"sut", required_argument, NULL, 's'},
                                         {"zone", required_argument, NULL, 'z'},
                                         {"peer", required_argument, NULL, 'p'},
                                         {"users", required_argument, NULL, 'u'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"zoo", no_argument, NULL, 'Z'},
                                         {"fixtures", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct serve sv = {0};
    char **zones = xcalloc((size_t)argc, sizeof(*zones)),
         **peers = xcalloc((size_t)argc, sizeof(*peers));
    size_t nzones = 0, npeers = 0, users = 3, i;
    const char *sutpath = NULL, *fixtures = datadir_fixtures();
    char *zoo_zone = NULL;
    int zoo = 0;
    uint64_t seed = clock_monotonic_us() ^ (uint64_t)getpid();
    char err[1024], buf[NET_ADDRSTRLEN];
    int c, rc = FEDSIM_EXIT_USAGE, have_loop = 0;

    while ((c = getopt_long(argc, argv, "s:z:p:u:h", opts, NULL)) != -1) {
        char *end;

        switch (c) {
        case 's':
            sutpath = optarg;
            break;
        case 'z':
            zones[nzones++] = optarg;
            break;
        case 'p':
            peers[npeers++] = optarg;
            break;
        case 'u':
            users = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || users < 1 || users > PEER_MAX_USERS) {
                fprintf(stderr, "fedsim serve: --users: 1 to %d\n", PEER_MAX_USERS);
                goto out;
            }
            break;
        case 'S':
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0) {
                fprintf(stderr, "fedsim serve: --seed: a number\n");
                goto out;
            }
            break;
        case 'Z':
            zoo = 1;
            break;
        case 'f':
            fixtures = optarg;
            break;
        case 'h':
            serve_usage(stdout);
            rc = FEDSIM_EXIT_OK;
            goto out;
        default:
            serve_usage(stderr);
            goto out;
        }
    }
    if (optind < argc || sutpath == NULL || (npeers == 0 && !zoo)) {
        fprintf(stderr, "fedsim serve: needs --sut FILE and at least one --peer (or --zoo)\n");
        serve_usage(stderr);
        goto out;
    }
    if (zoo) {
        zoo_zone = xasprintf("%s/%s", fixtures, ZOO_ZONE);
        if (access(zoo_zone, R_OK) != 0) {
            fprintf(stderr, "fedsim serve: --zoo: %s: %s (give --fixtures DIR)\n", zoo_zone,
                    strerror(errno));
            goto out;
        }
        zones[nzones++] = zoo_zone;
    }
    if ((sv.sut = sut_load(sutpath, err, sizeof(err))) == NULL ||
        (sv.zones = fixture_load(zones, nzones, sv.sut, NULL, err, sizeof(err))) == NULL ||
        hosts_write(sv.sut->hosts, sv.zones, NULL, err, sizeof(err)) != 0 ||
        (sv.sut->ca != NULL && (sv.ca = tls_ca_load(sv.sut->ca, err, sizeof(err))) == NULL)) {
        fprintf(stderr, "fedsim serve: %s\n", err);
        goto out;
    }
    rc = FEDSIM_EXIT_INTERNAL;
    if (loop_init(err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim serve: %s\n", err);
        goto out;
    }
    have_loop = 1;
    if ((sv.dns = dns_server_new(loop_base(), &sv.sut->dns, NULL, sv.zones, err, sizeof(err))) ==
                NULL ||
        (sv.res = resolve_new(loop_base(), dns_server_addr(sv.dns), err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim serve: %s\n", err);
        goto out;
    }
    dns_server_set_observer(sv.dns, on_query, &sv);
    sayf("serve: SUT %s (%s), DNS on %s, SRV seed %llu", sv.sut->domain,
         sv.sut->name != NULL ? sv.sut->name : "?",
         net_addr_format((const struct sockaddr *)&dns_server_addr(sv.dns)->ss, buf, sizeof(buf)),
         (unsigned long long)seed);
    rc = FEDSIM_EXIT_USAGE;
    for (i = 0; i < npeers; i++)
        if (add_peer(&sv, peers[i], users, seed + i, NULL) != 0)
            goto out;
    for (i = 0; zoo && i < zoo_ndomains; i++) {
        const struct zoo_domain *z = &zoo_domains[i];
        char *spec;
        int r;

        if (z->peer == NULL) {
            sayf("%s: zoo: %s", z->domain, z->fault);
            continue;
        }
        sayf("%s: zoo: %s", z->domain, z->fault);
        spec = xasprintf("%s=%s", z->domain, z->peer);
        r = add_peer(&sv, spec, users, seed + npeers + i, z);
        free(spec);
        if (r != 0)
            goto out;
    }
    {
        struct stat st;

        /* Commands come from a terminal, a pipe or a socket; a file or /dev/null gives none. */
        if (fstat(STDIN_FILENO, &st) == 0 &&
            (isatty(STDIN_FILENO) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
            sv.input = bufferevent_socket_new(loop_base(), STDIN_FILENO, 0);
            bufferevent_setcb(sv.input, on_input, NULL, on_input_event, &sv);
            bufferevent_enable(sv.input, EV_READ);
        }
    }
    loop_run();
    sayf("serve: stopped");
    rc = FEDSIM_EXIT_OK;
out:
    if (sv.input != NULL)
        bufferevent_free(sv.input);
    for (i = 0; i < sv.nrepeats; i++)
        event_free(sv.repeats[i].timer);
    for (i = 0; i < sv.npeers; i++)
        peer_free(sv.peers[i]);
    if (have_loop) {
        /* The peers' streams close with their closing tags and close_notify, then go. */
        loop_drain(50);
        xconn_abandon_all();
    }
    resolve_free(sv.res);
    tls_ca_free(sv.ca);
    dns_server_free(sv.dns);
    loop_free();
    dns_zoneset_free(sv.zones);
    sut_free(sv.sut);
    free(zones);
    free(peers);
    free(zoo_zone);
    log_flush();
    return rc;
}

const struct cmd cmd_serve = {
        .name = "serve",
        .synopsis = "--sut FILE --zone FILE... --peer DOMAIN=PROFILE...",
        .summary = "keep a fake federation (DNS and peers) up around a SUT, by hand",
        .exec = serve_exec,
        .usage = serve_usage,
};
