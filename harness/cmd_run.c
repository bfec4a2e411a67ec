/* cmd_run.c: `fedsim run`: scenarios against a SUT, one line each, a summary, TAP or JUnit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "dns_relay.h"
#include "dns_server.h"
#include "fixture.h"
#include "loop.h"
#include "cmd.h"
#include "datadir.h"
#include "cmd_run.h"
#include "chance.h"
#include "json.h"
#include "log.h"
#include "redact.h"
#include "results.h"
#include "report.h"
#include "runner.h"
#include "scenario.h"
#include "sut.h"
#include "xmalloc.h"
#include "xml.h"

#include <openssl/rand.h>

/* ldns (through dns_server.h) defines a debugging dprintf macro: this file means POSIX's. */
#undef dprintf

static void
run_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim run --sut FILE [-j N] [--tags LIST] [--tap] [--junit FILE]\n"
            "                  [--json FILE] [--transcript DIR] [--timeout T] [--watchdog T]\n"
            "                  [--fixtures DIR] [--seed N] [--shard K/N] [--report FILE.html]\n"
            "                  [--show-secrets] SCENARIO|DIR...\n"
            "       fedsim run --sut-start COMMAND [-j N] [the same options] SCENARIO|DIR...\n"
            "\n"
            "Runs scenarios (docs/scenarios.md) against a running SUT: for each, a fresh DNS\n"
            "responder on the SUT's dns address, resolver, fake peers and SUT clients. One line\n"
            "per scenario (outcome, seconds, file, title), the evidence for each failure, and a\n"
            "summary line \"N passed, N failed, N skipped\".\n"
            "A suite may be given by name (seed, conformance, fieldbugs): ./scenarios/NAME,\n"
            "else the installed PREFIX/share/fedsim/scenarios/NAME.\n"
            "\n"
            "  -s, --sut FILE        the SUT file (ci/sut/*/start writes one)\n"
            "      --sut-start CMD   instead of --sut: a shell command that starts a SUT and\n"
            "                        prints its SUT file's path (ci/sut/prosody/start --tls\n"
            "                        off); run once per worker, in a network namespace of the\n"
            "                        worker's own (root), and stopped by the SUT file's stop\n"
            "                        command at the end or on SIGINT\n"
            "  -j, --jobs N          N scenarios side by side (default 1). With --sut: against\n"
            "                        that one SUT, no root needed: each run gets peer names,\n"
            "                        addresses and SRV ports of its own, and a DNS relay on\n"
            "                        the SUT's dns address forwards each query to its run;\n"
            "                        a scenario touching what runs share (the SUT's own\n"
            "                        records, late or missing DNS answers, isolation:\n"
            "                        exclusive) runs alone, at the end. With --sut-start: N\n"
            "                        workers, each with its own SUT and namespace\n"
            "  -t, --tags LIST       run scenarios with any of these tags (comma-separated);\n"
            "                        a tag with a leading ! excludes\n"
            "      --tap             TAP version 13 on stdout instead of the human lines\n"
            "      --junit FILE      also write JUnit XML (for CI systems)\n"
            "      --json FILE       also write the results as JSON (`fedsim merge` combines\n"
            "                        the files of several shards)\n"
            "      --report FILE     also write one self-contained HTML file: per scenario its\n"
            "                        outcome and an SVG sequence diagram (clients, SUT, DNS,\n"
            "                        peers; DNS questions, connections, TLS, auth, stanzas)\n"
            "      --transcript DIR  one file per scenario: every event, DNS query, step, and\n"
            "                        every byte on every connection (after TLS), timestamped\n"
            "      --show-secrets    do not redact SASL exchanges and dialback keys in the\n"
            "                        transcripts and -T traces (they are by default)\n"
            "      --timeout T       default bound of every wait (default 10s)\n"
            "      --watchdog T      bound of a whole scenario, whatever its waits (default 300s)\n"
            "  -f, --fixtures DIR    where zone files are looked up after the scenario's own\n"
            "                        directory (default: ./dnsfixtures, else the installed\n"
            "                        PREFIX/share/fedsim/dnsfixtures)\n"
            "      --seed N|random   the seed of every random choice: faults at random (drops\n"
            "                        P%% of stanzas, dns answers P%% of ...), SRV weighting;\n"
            "                        the same seed makes the same choices (default 1; random:\n"
            "                        from the clock, printed)\n"
            "      --shard K/N       run only the K-th of N shares of the scenarios (a fixed\n"
            "                        partition of the sorted list: every scenario in exactly one\n"
            "                        share), for CI jobs running side by side against N SUTs\n"
            "\n"
            "A failure's evidence: the step's file:line, the expected and the closest stanza,\n"
            "a diagnosis in the seed document's troubleshooting terms when the peers saw the\n"
            "SUT fail (refused or dropped connections, missing DNS records, dialback), and the\n"
            "tails of the transcript and of the SUT's log.\n"
            "\n"
            "Outcomes: ok, fail, error (fedsim or the set-up could not run it), skip (also a\n"
            "scenario whose requires: names another TLS variant than the SUT's), xfail\n"
            "(failed as expected on this SUT: `xfail:` in the scenario). A scenario marked xfail\n"
            "that passes is a failure. Exit status: 0 nothing failed, 1 a scenario failed,\n"
            "2 bad usage or a scenario that does not parse, 3 an error.\n");
}

static int
selected(const struct scenario *s, const char *tags)
{
    char *copy, *t, *save = NULL;
    int any_positive = 0, hit = 0;

    if (tags == NULL)
        return 1;
    copy = xstrdup(tags);
    for (t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (t[0] == '!') {
            if (scenario_has_tag(s, t + 1)) {
                free(copy);
                return 0;
            }
        } else {
            any_positive = 1;
            hit |= scenario_has_tag(s, t);
        }
    }
    free(copy);
    return !any_positive || hit;
}

static void
print_human(const struct done *d)
{
    printf("%-5s %6.2fs %s  %s\n", runner_outcome_str(d->r.outcome), d->r.seconds, d->path,
           d->title);
    if (d->r.random[0] != '\0')
        printf("      %s\n", d->r.random);
    if (d->r.outcome != RUN_OK && d->r.message[0] != '\0') {
        const char *p = d->r.message;

        while (*p != '\0') {
            size_t len = strcspn(p, "\n");

            printf("      %.*s\n", (int)len, p);
            p += len + (p[len] == '\n');
        }
    }
    fflush(stdout);
}

static void
print_tap(const struct done *d, size_t i)
{
    const char *p = d->r.message;

    switch (d->r.outcome) {
    case RUN_OK:
        printf("ok %zu - %s\n", i, d->path);
        break;
    case RUN_SKIP:
        printf("ok %zu - %s # SKIP %s\n", i, d->path, d->r.message);
        return;
    case RUN_XFAIL:
        printf("not ok %zu - %s # TODO expected failure\n", i, d->path);
        break;
    default:
        printf("not ok %zu - %s\n", i, d->path);
        break;
    }
    if (d->r.random[0] != '\0')
        printf("# %s\n", d->r.random);
    if (d->r.outcome == RUN_OK)
        return;
    printf("  ---\n  outcome: %s\n  message: |\n", runner_outcome_str(d->r.outcome));
    while (*p != '\0') {
        size_t len = strcspn(p, "\n");

        printf("    %.*s\n", (int)len, p);
        p += len + (p[len] == '\n');
    }
    printf("  ...\n");
    fflush(stdout);
}

/* The results as results.h has them (shallow copies: nothing to free but the array). */
static struct result *
as_results(const struct done *d, size_t n)
{
    struct result *res = xcalloc(n + 1, sizeof(*res));
    size_t i;

    for (i = 0; i < n; i++)
        res[i] = (struct result){
                .path = d[i].path, .title = d[i].title, .clause = d[i].clause, .r = d[i].r};
    return res;
}

static FILE *
open_transcript(const char *dir, const char *path)
{
    char *name = xstrdup(path), *p, *file;
    FILE *fp;

    for (p = name; *p != '\0'; p++)
        if (*p == '/')
            *p = '_';
    file = xasprintf("%s/%s.log", dir, name);
    fp = fopen(file, "w");
    if (fp == NULL)
        fprintf(stderr, "fedsim run: transcript %s: %s\n", file, strerror(errno));
    free(file);
    free(name);
    return fp;
}

static int
parse_opts(int argc, char **argv, struct run_opts *o)
{
    static const struct option opts[] = {{"sut", required_argument, NULL, 's'},
                                         {"tags", required_argument, NULL, 't'},
                                         {"tap", no_argument, NULL, 'T'},
                                         {"junit", required_argument, NULL, 'G'},
                                         {"json", required_argument, NULL, 'J'},
                                         {"transcript", required_argument, NULL, 'x'},
                                         {"timeout", required_argument, NULL, 'w'},
                                         {"fixtures", required_argument, NULL, 'f'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"watchdog", required_argument, NULL, 'W'},
                                         {"shard", required_argument, NULL, 'K'},
                                         {"report", required_argument, NULL, 'R'},
                                         {"show-secrets", no_argument, NULL, 'P'},
                                         {"jobs", required_argument, NULL, 'N'},
                                         {"sut-start", required_argument, NULL, 'U'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->fixtures = datadir_fixtures();
    o->jobs = 1;
    o->timeout_ms = 10000;
    o->seed = 1;
    while ((c = getopt_long(argc, argv, "s:t:f:j:h", opts, NULL)) != -1) {
        char *end;

        switch (c) {
        case 's':
            o->sut = optarg;
            break;
        case 't':
            o->tags = optarg;
            break;
        case 'T':
            o->tap = 1;
            break;
        case 'G':
            o->junit = optarg;
            break;
        case 'J':
            o->json = optarg;
            break;
        case 'x':
            o->transcript = optarg;
            break;
        case 'f':
            o->fixtures = optarg;
            break;
        case 'S': {
            char *send = NULL;

            if (strcmp(optarg, "random") == 0) {
                o->seed = chance_seed_random();
                printf("seed: %llu (--seed %llu makes the same random choices)\n",
                       (unsigned long long)o->seed, (unsigned long long)o->seed);
                break;
            }
            errno = 0;
            o->seed = strtoull(optarg, &send, 10);
            if (send == optarg || *send != '\0' || errno != 0 || optarg[0] == '-') {
                fprintf(stderr, "fedsim run: --seed %s: a number (or random)\n", optarg);
                return -1;
            }
            break;
        }
        case 'R':
            o->report = optarg;
            break;
        case 'P':
            redact_show_secrets = 1;
            break;
        case 'j':
        case 'N':
            o->jobs = atoi(optarg);
            if (o->jobs < 1 || o->jobs > 64) {
                fprintf(stderr, "fedsim run: -j %s: 1 to 64 workers\n", optarg);
                return -1;
            }
            break;
        case 'U':
            o->sut_start = optarg;
            break;
        case 'K':
            if (sscanf(optarg, "%u/%u", &o->shard, &o->nshards) != 2 || o->nshards == 0 ||
                o->shard == 0 || o->shard > o->nshards) {
                fprintf(stderr, "fedsim run: --shard %s: expected K/N with 1 <= K <= N\n",
                        optarg);
                return -1;
            }
            break;
        case 'w':
        case 'W': {
            double v = strtod(optarg, &end);
            int ms;

            if (end == optarg || v <= 0 || v > 86400000 ||
                (strcmp(end, "s") != 0 && strcmp(end, "ms") != 0)) {
                fprintf(stderr, "fedsim run: --%s %s: a duration like 5s or 500ms\n",
                        c == 'w' ? "timeout" : "watchdog", optarg);
                return -1;
            }
            ms = (int)(strcmp(end, "s") == 0 ? v * 1000 : v);
            if (c == 'w')
                o->timeout_ms = ms;
            else
                o->watchdog_ms = ms;
            break;
        }
        case 'h':
            run_usage(stdout);
            return 1;
        default:
            run_usage(stderr);
            return -1;
        }
    }
    if ((o->sut == NULL) == (o->sut_start == NULL) || optind >= argc) {
        fprintf(stderr, "fedsim run: needs --sut FILE or --sut-start COMMAND, and at least one "
                        "scenario or directory\n");
        return -1;
    }
    if ((o->sut_start != NULL || o->jobs > 1) && o->report != NULL) {
        fprintf(stderr, "fedsim run: --report needs --sut FILE without -j (the diagrams stay "
                        "in-process)\n");
        return -1;
    }
    return 0;
}

/*
 * Loads one scenario, and runs it into d (path, title, result; with --report, d->s keeps the
 * scenario for its lifelines) if --tags selects it. Returns 1 if it ran, 0 if not selected,
 * -1 if it does not parse (the error printed).
 */
/* What the parent gives each run when runs share the SUT (-j N --sut FILE). */
struct run_slot {
    char label[8];
    unsigned block;
    int part;
    const struct net_addr *dns;
};

static int
run_one(const struct run_opts *o, const struct sut *sut, const char *path, struct done *d,
        const struct run_slot *slot)
{
    struct runner_options ro = {.default_timeout_ms = o->timeout_ms,
                                .watchdog_ms = o->watchdog_ms,
                                .seed = o->seed,
                                .record_events = o->report != NULL};

    if (slot != NULL) {
        ro.run_label = slot->label;
        ro.addr_block = slot->block;
        ro.map_ports = 1;
        ro.dns_listen = slot->dns;
        ro.hosts_part = slot->part;
    }
    char err[1024];
    struct scenario *s = scenario_load(path, o->fixtures, err, sizeof(err));

    if (s == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (!selected(s, o->tags)) {
        scenario_free(s);
        return 0;
    }
    if (o->transcript != NULL)
        ro.transcript = open_transcript(o->transcript, path);
    runner_run(s, sut, &ro, &d->r);
    if (ro.transcript != NULL) {
        /* A scenario that did not run says why, rather than leaving an empty file. */
        if (d->r.outcome == RUN_SKIP)
            fprintf(ro.transcript, "skipped: %s\n", d->r.message);
        fclose(ro.transcript);
    }
    d->path = xstrdup(path);
    d->title = xstrdup(s->title);
    d->clause = scenario_clauses(s);
    if (o->report != NULL)
        d->s = s;
    else
        scenario_free(s);
    return 1;
}

/* SIGINT or SIGTERM between two scenarios (while one runs, the loop catches them): no further
 * scenario starts, and what ran is reported as usual. */
static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
    stop_requested = sig;
}

void
cmd_run_catch_signals(void)
{
    struct sigaction sa = {.sa_handler = on_stop_signal};

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int
cmd_run_stop_signal(void)
{
    return (int)stop_requested;
}

/* One finished scenario: counted and printed (a human line, or TAP). */
static void
show(const struct run_opts *o, const struct done *d, size_t number, size_t *counts)
{
    counts[d->r.outcome]++;
    if (o->tap)
        print_tap(d, number);
    else
        print_human(d);
}

/*
 * -j N with --sut-start: N worker processes, each in a network namespace of its own (so the
 * peers' fixed loopback addresses of one never meet another's) with a SUT of its own, started
 * there by the --sut-start command and stopped by the SUT file's stop command. The parent
 * hands out scenario indexes one at a time ("I\n" on the worker's request pipe) and reads one
 * JSON line per scenario back: {"i", "ran" (1, 0 not selected, -1 does not parse), "outcome",
 * "seconds", "line", "interrupted", "title", "message"}; first a {"sut": {...}} line, or
 * {"fatal": why} when the worker could not set up.
 */
struct worker {
    pid_t pid;
    int req, res;     /* the parent's ends */
    long busy;        /* the index it runs, -1 when idle */
    char *buf;        /* owned: what arrived, not a whole line yet */
    size_t len, cap;
    int ready, gone;
};

/* Brings the namespace's loopback interface up. */
static int
loopback_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

static void
worker_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
worker_line(FILE *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fflush(out);
}

/* The worker process: never returns. */
/* Runs side by side against one SUT: each worker's DNS address (the relay forwards there). */
struct shared {
    struct sut *sut; /* borrowed: the SUT file, loaded by run_exec */
    struct net_addr dns[DNS_RELAY_MAX_WORKERS];
    struct net_addr fallback; /* the SUT's own records, for names of no run */
    pid_t relay;
    int relay_cmd;            /* "K\n": queries of no run go to worker K (-1: the fallback) */
    unsigned seq, block;      /* the next run's label and address block */
    int *exclusive;           /* per path: runs alone */
    size_t *order, norder, next;
    int alone;                /* the worker running a scenario alone, or -1 */
};

static void
worker_main(const struct run_opts *o, char **paths, int req, int res, struct shared *sh, int k)
{
    FILE *in = fdopen(req, "r"), *out = fdopen(res, "w"), *start;
    char line[4096], err[1024];
    struct sut *sut = NULL;
    struct sigaction sa = {.sa_handler = on_stop_signal, .sa_flags = SA_RESTART};

    /* A stop signal outside a scenario's loop only sets the flag: reads of the start command's
     * output and the wait for the stop command go on (SA_RESTART), so a SUT being started is
     * also stopped. Inside a scenario, the loop's own handler interrupts it. */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (sh != NULL) {
        sut = sh->sut;
    } else if (unshare(CLONE_NEWNET) != 0 || loopback_up() != 0) {
        fprintf(out, "{\"fatal\": ");
        json_write_string(out, "-j needs a network namespace per worker: run as root");
        worker_line(out, "}\n");
        _exit(3);
    }
    /* The start command's progress goes to our stderr; its stdout is the SUT file's path. */
    line[0] = '\0';
    snprintf(err, sizeof(err), "--sut-start \"%s\" failed or printed no SUT file", o->sut_start);
    if (sh != NULL) {
        /* the parent's SUT */
    } else if ((start = popen(o->sut_start, "r")) != NULL) {
        if (fgets(line, sizeof(line), start) == NULL)
            line[0] = '\0';
        line[strcspn(line, "\n")] = '\0';
        if (pclose(start) != 0)
            line[0] = '\0';
    }
    if (sh == NULL && (line[0] == '\0' || (sut = sut_load(line, err, sizeof(err))) == NULL)) {
        fprintf(out, "{\"fatal\": ");
        json_write_string(out, err);
        worker_line(out, "}\n");
        _exit(3);
    }
    fprintf(out, "{\"sut\": {\"name\": ");
    json_write_string(out, sut->name != NULL ? sut->name : "?");
    fprintf(out, ", \"version\": ");
    json_write_string(out, sut->version != NULL ? sut->version : "?");
    fprintf(out, ", \"domain\": ");
    json_write_string(out, sut->domain);
    fprintf(out, ", \"tls\": ");
    json_write_string(out, sut->tls != NULL ? sut->tls : "off");
    worker_line(out, "}}\n");
    while (!stop_requested && fgets(line, sizeof(line), in) != NULL && !stop_requested) {
        struct done d = {0};
        char *end;
        long i = strtol(line, &end, 10);
        struct run_slot slot = {.part = k + 1, .dns = sh != NULL ? &sh->dns[k] : NULL};
        int ran;

        if (sh != NULL && sscanf(end, " %7s %u", slot.label, &slot.block) != 2)
            fatalx("worker %d: a request without a label: %s", k, line);
        ran = o->run_item != NULL ? o->run_item(o, sut, (size_t)i, &d)
                                  : run_one(o, sut, paths[i], &d, sh != NULL ? &slot : NULL);

        fprintf(out, "{\"i\": %ld, \"ran\": %d", i, ran);
        if (ran == 1) {
            fprintf(out, ", \"outcome\": \"%s\", \"seconds\": %.3f, \"line\": %d, "
                         "\"interrupted\": %d, \"title\": ",
                    runner_outcome_str(d.r.outcome), d.r.seconds, d.r.line, d.r.interrupted);
            json_write_string(out, d.title);
            if (d.clause != NULL) {
                fprintf(out, ", \"clause\": ");
                json_write_string(out, d.clause);
            }
            fprintf(out, ", \"message\": ");
            json_write_string(out, d.r.message != NULL ? d.r.message : "");
            if (d.extra != NULL) {
                fprintf(out, ", \"extra\": ");
                json_write_string(out, d.extra);
            }
            fprintf(out, ", \"random\": ");
            json_write_string(out, d.r.random);
        }
        worker_line(out, "}\n");
        free(d.extra);
        free(d.path);
        free(d.title);
        free(d.clause);
        scenario_free(d.s);
        runner_result_clear(&d.r);
    }
    if (sh != NULL) /* the SUT is the parent's: it stays up */
        _exit(0);
    if (sut->stop != NULL && system(sut->stop) != 0)
        fprintf(stderr, "fedsim run: worker %d: %s failed\n", (int)getpid(), sut->stop);
    sut_free(sut);
    _exit(0);
}

static void
relay_default(struct shared *sh, int k)
{
    sh->alone = k;
    dprintf(sh->relay_cmd, "%d\n", k);
}

/* Runs side by side: hands the next scenario to each idle worker; a scenario that runs alone
 * waits for the others to end, and nothing starts beside it. */
static void
fill_shared(struct worker *w, size_t jobs, struct shared *sh)
{
    size_t k, j;

    for (k = 0; k < jobs; k++) {
        size_t i;
        char label[8];

        if (w[k].gone || w[k].busy >= 0 || w[k].req < 0 || sh->alone >= 0)
            continue;
        if (sh->next >= sh->norder || stop_requested) {
            close(w[k].req);
            w[k].req = -1;
            continue;
        }
        i = sh->order[sh->next];
        if (sh->exclusive[i]) {
            for (j = 0; j < jobs; j++)
                if (!w[j].gone && w[j].busy >= 0)
                    return;
            relay_default(sh, (int)k);
        }
        dns_relay_label(label, sh->seq++, (unsigned)k);
        dprintf(w[k].req, "%zu %s %u\n", i, label, sh->block + 1);
        sh->block = (sh->block + 1) % RUNNER_ADDR_BLOCKS;
        w[k].busy = (long)i;
        sh->next++;
    }
}

/* Hands the next index to w (or closes its pipe when there is none). */
static void
dispatch(struct worker *w, char **paths, size_t *next, const struct run_opts *o)
{
    while (paths[*next] != NULL && o->nshards > 0 && *next % o->nshards != o->shard - 1)
        (*next)++;
    if (paths[*next] == NULL || stop_requested) {
        if (w->req >= 0)
            close(w->req);
        w->req = -1;
        return;
    }
    dprintf(w->req, "%zu\n", *next);
    w->busy = (long)(*next)++;
}

/* A worker's line: a scenario done (into done[*n]), its SUT, or a fatal error. */
static void
worker_result(struct worker *w, const char *text, char **paths, const struct run_opts *o,
              struct done *done, size_t *n, size_t *counts, int *parse_errors, struct sut *sut)
{
    char err[256];
    struct json *j = json_parse(text, strlen(text), err, sizeof(err));
    const struct json *info;

    if (j == NULL) {
        fprintf(stderr, "fedsim run: worker %d: %s\n", (int)w->pid, err);
        counts[RUN_ERROR]++;
    } else if (json_get_string(j, "fatal", NULL) != NULL) { /* its scenarios count */
        fprintf(stderr, "fedsim run: worker %d: %s\n", (int)w->pid,
                json_get_string(j, "fatal", ""));
    } else if ((info = json_get(j, "sut")) != NULL) {
        if (sut->name == NULL) {
            sut->name = xstrdup(json_get_string(info, "name", "?"));
            sut->version = xstrdup(json_get_string(info, "version", "?"));
            sut->domain = xstrdup(json_get_string(info, "domain", "?"));
            sut->tls = xstrdup(json_get_string(info, "tls", "off"));
        }
        w->ready = 1;
    } else {
        int ran = (int)json_get_number(j, "ran", 0);
        struct done *d = &done[*n];

        w->busy = -1;
        if (ran == -1)
            (*parse_errors)++;
        if (ran == 1) {
            d->path = xstrdup(paths[(size_t)json_get_number(j, "i", 0)]);
            d->title = xstrdup(json_get_string(j, "title", ""));
            if (json_get_string(j, "clause", NULL) != NULL)
                d->clause = xstrdup(json_get_string(j, "clause", NULL));
            d->r.outcome = (enum runner_outcome)results_outcome(json_get_string(j, "outcome", ""));
            d->r.seconds = json_get_number(j, "seconds", 0);
            d->r.line = (int)json_get_number(j, "line", 0);
            d->r.interrupted = (int)json_get_number(j, "interrupted", 0);
            d->r.message = xstrdup(json_get_string(j, "message", ""));
            if (json_get_string(j, "extra", NULL) != NULL)
                d->extra = xstrdup(json_get_string(j, "extra", ""));
            snprintf(d->r.random, sizeof(d->r.random), "%s", json_get_string(j, "random", ""));
            if (o->item_done != NULL) {
                counts[d->r.outcome]++;
                o->item_done(o, (size_t)json_get_number(j, "i", 0), d);
            } else {
                show(o, d, *n + 1, counts);
            }
            (*n)++;
        }
    }
    json_free(j);
}

/* A loopback address (127.0.0.253) with a port free for UDP and TCP, into a. */
static int
free_dns_port(struct net_addr *a, char *err, size_t errlen)
{
    int tries;

    for (tries = 0; tries < 20; tries++) {
        struct net_addr any, bound;
        int u, t;

        net_addr_from_host("127.0.0.253", 0, &any);
        if ((u = net_udp_bind(&any, err, errlen)) < 0)
            return -1;
        net_local_addr(u, &bound);
        t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (t >= 0 && bind(t, (struct sockaddr *)&bound.ss, bound.len) == 0) {
            close(t);
            close(u);
            *a = bound;
            return 0;
        }
        if (t >= 0)
            close(t);
        close(u);
    }
    snprintf(err, errlen, "no port free for both UDP and TCP on 127.0.0.253");
    return -1;
}

struct relay_proc {
    struct dns_relay *relay;
    struct event *cmd;
    char buf[64];
    size_t len;
};

static void
relay_command(evutil_socket_t fd, short what, void *arg)
{
    struct relay_proc *rp = arg;
    ssize_t got;
    char *nl;

    (void)what;
    got = read(fd, rp->buf + rp->len, sizeof(rp->buf) - rp->len - 1);
    if (got <= 0) { /* the parent is done, or gone */
        loop_stop();
        return;
    }
    rp->len += (size_t)got;
    rp->buf[rp->len] = '\0';
    while ((nl = strchr(rp->buf, '\n')) != NULL) {
        *nl = '\0';
        dns_relay_set_default(rp->relay, atoi(rp->buf));
        memmove(rp->buf, nl + 1, rp->len - (size_t)(nl + 1 - rp->buf) + 1);
        rp->len -= (size_t)(nl + 1 - rp->buf);
    }
    if (rp->len == sizeof(rp->buf) - 1)
        rp->len = 0;
}

/* The relay's process: the SUT's DNS address, until the parent closes cmd. */
static void
relay_main(struct shared *sh, size_t jobs, int cmd, int status)
{
    char err[1024];
    struct dns_zoneset *zs = NULL;
    struct dns_server *fb = NULL;
    struct relay_proc rp = {0};

    if (loop_init(err, sizeof(err)) != 0 ||
        (zs = fixture_load(NULL, 0, sh->sut, NULL, err, sizeof(err))) == NULL ||
        (fb = dns_server_new(loop_base(), &sh->fallback, NULL, zs, err, sizeof(err))) == NULL ||
        (rp.relay = dns_relay_new(loop_base(), &sh->sut->dns, sh->dns, jobs, &sh->fallback, err,
                                  sizeof(err))) == NULL) {
        dprintf(status, "%s: the SUT's DNS address: %s\n", sh->sut->path, err);
        _exit(3);
    }
    rp.cmd = event_new(loop_base(), cmd, EV_READ | EV_PERSIST, relay_command, &rp);
    event_add(rp.cmd, NULL);
    dprintf(status, "ok\n");
    close(status);
    loop_run();
    _exit(0);
}

/* Starts the relay and picks the workers' DNS addresses; 0, or -1 with the reason printed. */
static int
shared_start(struct shared *sh, size_t jobs)
{
    char err[1024], line[1100];
    int cmd[2], st[2];
    ssize_t got;
    size_t k;
    struct pollfd pfd;

    for (k = 0; k < jobs; k++)
        if (free_dns_port(&sh->dns[k], err, sizeof(err)) != 0)
            goto fail;
    if (free_dns_port(&sh->fallback, err, sizeof(err)) != 0)
        goto fail;
    if (pipe2(cmd, O_CLOEXEC) != 0 || pipe2(st, O_CLOEXEC) != 0)
        fatalx("pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    if ((sh->relay = fork()) == 0) {
        close(cmd[1]);
        close(st[0]);
        relay_main(sh, jobs, cmd[0], st[1]);
    }
    close(cmd[0]);
    close(st[1]);
    sh->relay_cmd = cmd[1];
    pfd = (struct pollfd){.fd = st[0], .events = POLLIN};
    got = poll(&pfd, 1, 10000) == 1 ? read(st[0], line, sizeof(line) - 1) : -1;
    close(st[0]);
    if (got <= 0 || strncmp(line, "ok\n", 3) != 0) {
        if (got > 0) {
            line[got] = '\0';
            fprintf(stderr, "fedsim run: %s", line);
        } else {
            fprintf(stderr, "fedsim run: the DNS relay did not start within 10 s\n");
        }
        return -1;
    }
    return 0;
fail:
    fprintf(stderr, "fedsim run: %s\n", err);
    return -1;
}

static void
shared_stop(struct shared *sh)
{
    if (sh->relay_cmd > 0)
        close(sh->relay_cmd);
    if (sh->relay > 0) {
        int i;

        for (i = 0; i < 50 && waitpid(sh->relay, NULL, WNOHANG) == 0; i++)
            usleep(20000);
        if (i == 50) {
            kill(sh->relay, SIGKILL);
            waitpid(sh->relay, NULL, 0);
        }
    }
}

/* How long a scenario may take, from what it says: its waits that always last (`receives
 * nothing within T`, `wait T`) and its longest bound (timeout:, `within T`). Only for the
 * order: the longest start first, so the suite ends near its slowest scenario. */
static long
estimate_ms(const struct scenario *s, const struct run_opts *o)
{
    long fixed = 0, bound = s->timeout_ms;
    size_t i;

    for (i = 0; i < s->nsteps; i++) {
        const struct scenario_step *st = &s->steps[i];
        long w = st->within_ms > 0 ? st->within_ms : s->timeout_ms > 0 ? s->timeout_ms
                                                                         : o->timeout_ms;

        if (st->kind == STEP_RECEIVE_NOTHING || st->kind == STEP_WAIT_TIME)
            fixed += w;
        else if (st->within_ms > bound)
            bound = st->within_ms;
    }
    return fixed + bound;
}

static long *plan_estimates; /* for by_estimate (qsort has no argument) */

static int
by_estimate(const void *a, const void *b)
{
    long ea = plan_estimates[*(const size_t *)a], eb = plan_estimates[*(const size_t *)b];

    if (ea != eb)
        return ea < eb ? 1 : -1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1; /* the list's order otherwise */
}

/* Which scenarios run alone, and the order: the others first, side by side, the longest first;
 * then those that run alone. */
static void
shared_plan(struct shared *sh, const struct run_opts *o, char **paths)
{
    size_t i, n, alone = 0, pass, first;

    for (n = 0; paths[n] != NULL; n++)
        ;
    sh->exclusive = xcalloc(n + 1, sizeof(*sh->exclusive));
    sh->order = xcalloc(n + 1, sizeof(*sh->order));
    plan_estimates = xcalloc(n + 1, sizeof(*plan_estimates));
    for (i = 0; i < n; i++) {
        char err[1024], why[512];
        struct scenario *s;

        if (o->nshards > 0 && i % o->nshards != o->shard - 1)
            continue;
        if ((s = scenario_load(paths[i], o->fixtures, err, sizeof(err))) == NULL)
            continue; /* its worker says why */
        plan_estimates[i] = estimate_ms(s, o);
        if (selected(s, o->tags) && runner_exclusive(s, sh->sut, why, sizeof(why))) {
            sh->exclusive[i] = 1;
            alone++;
            if (o->tap)
                printf("# %s runs alone: %s\n", paths[i], why);
            else
                fprintf(stderr, "fedsim run: %s runs alone: %s\n", paths[i], why);
        }
        scenario_free(s);
    }
    for (pass = 0; pass < 2; pass++) {
        first = sh->norder;
        for (i = 0; i < n; i++)
            if ((o->nshards == 0 || i % o->nshards == o->shard - 1) &&
                sh->exclusive[i] == (int)pass)
                sh->order[sh->norder++] = i;
        qsort(sh->order + first, sh->norder - first, sizeof(*sh->order), by_estimate);
    }
    free(plan_estimates);
    plan_estimates = NULL;
    if (o->tap)
        printf("# -j %d against one SUT: %zu scenario(s) run alone\n", o->jobs, alone);
    else
        fprintf(stderr, "fedsim run: -j %d against one SUT: %zu scenario(s) run alone\n", o->jobs,
                alone);
}

size_t
cmd_run_parallel(const struct run_opts *o, char **paths, struct done *done, size_t *counts,
             int *parse_errors, struct sut *sut)
{
    struct worker *w = xcalloc((size_t)o->jobs, sizeof(*w));
    size_t n = 0, next = 0, k, alive = 0;
    uint64_t deadline = 0, last_kill = 0;
    struct shared shared = {.sut = sut, .alone = -1}, *sh = NULL;

    fflush(stdout);
    fflush(stderr);
    signal(SIGPIPE, SIG_IGN); /* a worker that died: its pipe says so, not a signal */
    if (o->sut_start == NULL) {
        unsigned char rnd[4];

        sh = &shared;
        RAND_bytes(rnd, sizeof(rnd));
        sh->seq = (unsigned)rnd[0] << 10 | (unsigned)rnd[1] << 2;
        sh->block = ((unsigned)rnd[2] << 8 | rnd[3]) % RUNNER_ADDR_BLOCKS;
        shared_plan(sh, o, paths);
        if (shared_start(sh, (size_t)o->jobs) != 0) {
            shared_stop(sh);
            counts[RUN_ERROR] += sh->norder;
            free(sh->exclusive);
            free(sh->order);
            free(w);
            return 0;
        }
    }
    for (k = 0; k < (size_t)o->jobs; k++) {
        int rq[2], rs[2];

        if (pipe2(rq, O_CLOEXEC) != 0 || pipe2(rs, O_CLOEXEC) != 0)
            fatalx("pipe: %s", strerror(errno));
        w[k].busy = -1;
        if ((w[k].pid = fork()) == 0) {
            close(rq[1]);
            close(rs[0]);
            if (sh != NULL)
                close(sh->relay_cmd);
            worker_main(o, paths, rq[0], rs[1], sh, (int)k);
        }
        close(rq[0]);
        close(rs[1]);
        w[k].req = rq[1];
        w[k].res = rs[0];
        alive++;
        if (sh == NULL)
            dispatch(&w[k], paths, &next, o);
    }
    if (sh != NULL)
        fill_shared(w, (size_t)o->jobs, sh);
    while (alive > 0) {
        struct pollfd pfd[64];
        size_t np = 0, at[64]; /* at: the worker of each pfd */

        /* A signal to us alone: pass it on, once a second, for one that reaches a worker
         * between two scenarios only sets its flag; the next interrupts the scenario. */
        if (stop_requested && clock_monotonic_us() - last_kill > 1000000) {
            for (k = 0; k < (size_t)o->jobs; k++)
                if (!w[k].gone)
                    kill(w[k].pid, SIGTERM);
            last_kill = clock_monotonic_us();
            if (deadline == 0)
                deadline = last_kill + 60 * 1000000ull;
        }
        if (deadline != 0 && clock_monotonic_us() > deadline) {
            for (k = 0; k < (size_t)o->jobs; k++)
                if (!w[k].gone)
                    kill(w[k].pid, SIGKILL);
        }
        for (k = 0; k < (size_t)o->jobs && np < 64; k++)
            if (!w[k].gone) {
                at[np] = k;
                pfd[np++] = (struct pollfd){.fd = w[k].res, .events = POLLIN};
            }
        if (poll(pfd, np, 200) < 0) {
            if (errno != EINTR)
                break;
            continue;
        }
        for (size_t p = 0; p < np; p++) {
            char chunk[4096], *nl;
            ssize_t got;

            if (!(pfd[p].revents & (POLLIN | POLLHUP | POLLERR)))
                continue; /* a read would wait for this worker's scenario to end */
            k = at[p];
            got = read(w[k].res, chunk, sizeof(chunk));
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (got <= 0) { /* the worker is done: its SUT stopped */
                close(w[k].res);
                if (w[k].req >= 0)
                    close(w[k].req);
                waitpid(w[k].pid, NULL, 0);
                if (w[k].busy >= 0) {
                    fprintf(stderr, "fedsim run: a worker ended during %s\n",
                            paths[w[k].busy]);
                    counts[RUN_ERROR]++;
                }
                w[k].gone = 1;
                alive--;
                if (sh != NULL) {
                    if (sh->alone == (int)k)
                        relay_default(sh, -1);
                    fill_shared(w, (size_t)o->jobs, sh);
                }
                continue;
            }
            if (w[k].len + (size_t)got + 1 > w[k].cap)
                w[k].buf = xreallocarray(w[k].buf, w[k].cap = (w[k].len + (size_t)got) * 2 + 1, 1);
            memcpy(w[k].buf + w[k].len, chunk, (size_t)got);
            w[k].len += (size_t)got;
            w[k].buf[w[k].len] = '\0';
            while ((nl = strchr(w[k].buf, '\n')) != NULL) {
                int was_ready = w[k].ready;
                long was_busy = w[k].busy;

                *nl = '\0';
                worker_result(&w[k], w[k].buf, paths, o, done, &n, counts, parse_errors, sut);
                memmove(w[k].buf, nl + 1, w[k].len - (size_t)(nl + 1 - w[k].buf) + 1);
                w[k].len -= (size_t)(nl + 1 - w[k].buf);
                if (n > 0 && done[n - 1].r.interrupted)
                    stop_requested = stop_requested != 0 ? stop_requested : SIGINT;
                if (sh != NULL && was_busy >= 0 && w[k].busy < 0) {
                    if (sh->alone == (int)k)
                        relay_default(sh, -1);
                    fill_shared(w, (size_t)o->jobs, sh);
                } else if (was_ready && was_busy >= 0 && w[k].busy < 0) {
                    dispatch(&w[k], paths, &next, o);
                }
            }
        }
    }
    for (k = 0; k < (size_t)o->jobs; k++)
        free(w[k].buf);
    free(w);
    if (sh != NULL) {
        shared_stop(sh);
        if (sh->next < sh->norder && !stop_requested) {
            fprintf(stderr, "fedsim run: no worker left: %zu scenario(s) did not run\n",
                    sh->norder - sh->next);
            counts[RUN_ERROR] += sh->norder - sh->next;
        }
        free(sh->exclusive);
        free(sh->order);
        return n;
    }
    if (paths[next] != NULL && !stop_requested) {
        size_t left = 0;

        for (; paths[next] != NULL; next++)
            left += o->nshards == 0 || next % o->nshards == o->shard - 1;
        if (left > 0) {
            fprintf(stderr, "fedsim run: no worker left: %zu scenario(s) did not run\n", left);
            counts[RUN_ERROR] += left;
        }
    }
    return n;
}

static int
run_exec(int argc, char **argv)
{
    struct run_opts o;
    struct sut *sut = NULL;
    char **paths = NULL, err[1024];
    struct done *done = NULL;
    size_t n = 0, i, counts[5] = {0};
    int r = parse_opts(argc, argv, &o), rc = FEDSIM_EXIT_USAGE, parse_errors = 0;
    uint64_t t0 = clock_monotonic_us();

    if (r != 0)
        return r > 0 ? FEDSIM_EXIT_OK : FEDSIM_EXIT_USAGE;
    if ((o.sut_start == NULL && (sut = sut_load(o.sut, err, sizeof(err))) == NULL) ||
        (paths = scenario_collect(argv + optind, (size_t)(argc - optind), err, sizeof(err))) ==
                NULL) {
        fprintf(stderr, "fedsim run: %s\n", err);
        goto out;
    }
    if (o.transcript != NULL && mkdir(o.transcript, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fedsim run: --transcript %s: %s\n", o.transcript, strerror(errno));
        goto out;
    }
    for (i = 0; paths[i] != NULL; i++)
        ;
    done = xcalloc(i + 1, sizeof(*done));
    {
        struct sigaction sa = {.sa_handler = on_stop_signal};

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    if (o.tap)
        printf("TAP version 13\n");
    if (o.sut_start != NULL) {
        sut = xcalloc(1, sizeof(*sut)); /* its name, version... come from the workers */
        n = cmd_run_parallel(&o, paths, done, counts, &parse_errors, sut);
    } else if (o.jobs > 1) { /* side by side against this one SUT */
        n = cmd_run_parallel(&o, paths, done, counts, &parse_errors, sut);
    } else {
        for (i = 0; paths[i] != NULL; i++) {
            if (o.nshards > 0 && i % o.nshards != o.shard - 1)
                continue;
            if (stop_requested) {
                fprintf(stderr, "fedsim run: stopped by signal %d before %s\n",
                        (int)stop_requested, paths[i]);
                counts[RUN_ERROR]++;
                break;
            }
            switch (run_one(&o, sut, paths[i], &done[n], NULL)) {
            case -1:
                parse_errors++;
                continue;
            case 0:
                continue;
            }
            show(&o, &done[n], n + 1, counts);
            if (done[n++].r.interrupted)
                break;
        }
    }
    if (o.tap)
        printf("1..%zu\n", n);
    if (o.junit != NULL || o.json != NULL) {
        struct result *res = as_results(done, n);
        char shard[32];
        struct results_meta meta = {.shard = o.nshards > 0 ? shard : NULL, .sut_name = sut->name,
                                    .sut_version = sut->version, .sut_domain = sut->domain,
                                    .sut_tls = sut->tls != NULL ? sut->tls : "off",
                                    .seconds = (double)(clock_monotonic_us() - t0) / 1e6};

        snprintf(shard, sizeof(shard), "%u/%u", o.shard, o.nshards);
        if (o.junit != NULL &&
            results_write_junit(o.junit, res, n, meta.seconds, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim run: --junit %s\n", err);
            counts[RUN_ERROR]++;
        }
        if (o.json != NULL && results_write_json(o.json, &meta, res, n, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim run: --json %s\n", err);
            counts[RUN_ERROR]++;
        }
        free(res);
    }
    if (o.report != NULL) {
        struct report_item *items = xcalloc(n + 1, sizeof(*items));

        for (i = 0; i < n; i++)
            items[i] = (struct report_item){
                    .path = done[i].path, .title = done[i].title, .s = done[i].s, .r = &done[i].r};
        if (report_write(o.report, items, n, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim run: --report: %s\n", err);
            counts[RUN_ERROR]++;
        }
        free(items);
    }
    if (!o.tap) {
        if (counts[RUN_XFAIL] + counts[RUN_ERROR] > 0)
            printf("(%zu failed as expected on this SUT, %zu could not run)\n", counts[RUN_XFAIL],
                   counts[RUN_ERROR]);
        printf("%zu passed, %zu failed, %zu skipped\n", counts[RUN_OK] + counts[RUN_XFAIL],
               counts[RUN_FAIL] + counts[RUN_ERROR], counts[RUN_SKIP]);
    }
    rc = parse_errors > 0        ? FEDSIM_EXIT_USAGE
         : counts[RUN_FAIL] > 0  ? FEDSIM_EXIT_FAIL
         : counts[RUN_ERROR] > 0 ? FEDSIM_EXIT_INTERNAL
                                 : FEDSIM_EXIT_OK;
out:
    for (i = 0; i < n; i++) {
        free(done[i].extra);
        free(done[i].path);
        free(done[i].title);
        free(done[i].clause);
        scenario_free(done[i].s);
        runner_result_clear(&done[i].r);
    }
    free(done);
    scenario_paths_free(paths);
    sut_free(sut);
    fflush(stdout);
    return rc;
}

const struct cmd cmd_run = {
        .name = "run",
        .synopsis = "--sut FILE [--tags LIST] [--tap] [--junit FILE] SCENARIO|DIR...",
        .summary = "run scenarios against a SUT",
        .exec = run_exec,
        .usage = run_usage,
};
