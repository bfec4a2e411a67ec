/* cmd_run.c: `fedsim run`: scenarios against a SUT, one line each, a summary, TAP or JUnit. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "redact.h"
#include "results.h"
#include "report.h"
#include "runner.h"
#include "scenario.h"
#include "sut.h"
#include "xmalloc.h"
#include "xml.h"

struct run_opts {
    const char *sut, *tags, *junit, *json, *transcript, *fixtures, *report;
    int tap, timeout_ms, watchdog_ms;
    unsigned shard, nshards; /* --shard K/N: run the scenarios i with i % N == K - 1 */
    uint64_t seed;
};

struct done {
    char *path, *title;   /* owned */
    struct scenario *s;   /* owned with --report (its actors name the lifelines), else NULL */
    struct runner_result r;
};

static void
run_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim run --sut FILE [--tags LIST] [--tap] [--junit FILE] [--json FILE]\n"
            "                  [--transcript DIR] [--timeout T] [--watchdog T] [--fixtures DIR]\n"
            "                  [--seed N] [--shard K/N] [--report FILE.html] [--show-secrets]\n"
            "                  SCENARIO|DIR...\n"
            "\n"
            "Runs scenarios (docs/scenarios.md) against a running SUT: for each, a fresh DNS\n"
            "responder on the SUT's dns address, resolver, fake peers and SUT clients. One line\n"
            "per scenario (outcome, seconds, file, title), the evidence for each failure, and a\n"
            "summary line \"N passed, N failed, N skipped\".\n"
            "\n"
            "  -s, --sut FILE        the SUT file (ci/sut/*/start writes one)\n"
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
            "                        directory (default: dnsfixtures)\n"
            "      --seed N          SRV weighted-selection seed (default 1)\n"
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
        res[i] = (struct result){.path = d[i].path, .title = d[i].title, .r = d[i].r};
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
                                         {"junit", required_argument, NULL, 'j'},
                                         {"json", required_argument, NULL, 'J'},
                                         {"transcript", required_argument, NULL, 'x'},
                                         {"timeout", required_argument, NULL, 'w'},
                                         {"fixtures", required_argument, NULL, 'f'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"watchdog", required_argument, NULL, 'W'},
                                         {"shard", required_argument, NULL, 'K'},
                                         {"report", required_argument, NULL, 'R'},
                                         {"show-secrets", no_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->fixtures = "dnsfixtures";
    o->timeout_ms = 10000;
    o->seed = 1;
    while ((c = getopt_long(argc, argv, "s:t:f:h", opts, NULL)) != -1) {
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
        case 'j':
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
        case 'S':
            o->seed = strtoull(optarg, NULL, 10);
            break;
        case 'R':
            o->report = optarg;
            break;
        case 'P':
            redact_show_secrets = 1;
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
    if (o->sut == NULL || optind >= argc) {
        fprintf(stderr, "fedsim run: needs --sut FILE and at least one scenario or directory\n");
        return -1;
    }
    return 0;
}

/* SIGINT or SIGTERM between two scenarios (while one runs, the loop catches them): no further
 * scenario starts, and what ran is reported as usual. */
static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
    stop_requested = sig;
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
    if ((sut = sut_load(o.sut, err, sizeof(err))) == NULL ||
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
    for (i = 0; paths[i] != NULL; i++) {
        struct runner_options ro = {.default_timeout_ms = o.timeout_ms,
                                    .watchdog_ms = o.watchdog_ms,
                                    .seed = o.seed,
                                    .record_events = o.report != NULL};
        struct scenario *s;

        if (o.nshards > 0 && i % o.nshards != o.shard - 1)
            continue;
        if (stop_requested) {
            fprintf(stderr, "fedsim run: stopped by signal %d before %s\n", (int)stop_requested,
                    paths[i]);
            counts[RUN_ERROR]++;
            break;
        }
        s = scenario_load(paths[i], o.fixtures, err, sizeof(err));

        if (s == NULL) {
            fprintf(stderr, "%s\n", err);
            parse_errors++;
            continue;
        }
        if (!selected(s, o.tags)) {
            scenario_free(s);
            continue;
        }
        if (o.transcript != NULL)
            ro.transcript = open_transcript(o.transcript, paths[i]);
        runner_run(s, sut, &ro, &done[n].r);
        if (ro.transcript != NULL) {
            /* A scenario that did not run says why, rather than leaving an empty file. */
            if (done[n].r.outcome == RUN_SKIP)
                fprintf(ro.transcript, "skipped: %s\n", done[n].r.message);
            fclose(ro.transcript);
        }
        done[n].path = xstrdup(paths[i]);
        done[n].title = xstrdup(s->title);
        counts[done[n].r.outcome]++;
        if (o.tap)
            print_tap(&done[n], n + 1);
        else
            print_human(&done[n]);
        n++;
        if (o.report != NULL)
            done[n - 1].s = s;
        else
            scenario_free(s);
        if (done[n - 1].r.interrupted)
            break;
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
        free(done[i].path);
        free(done[i].title);
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
