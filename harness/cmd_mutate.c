/* cmd_mutate.c: `fedsim mutate`: mutants of the scenarios' assertions run against a SUT; every
 * one must fail, a survivor is reported like a failing test; the score per suite. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cmd.h"
#include "datadir.h"
#include "file.h"
#include "cmd_run.h"
#include "json.h"
#include "log.h"
#include "mutant.h"
#include "runner.h"
#include "scenario.h"
#include "sut.h"
#include "xmalloc.h"

/* A mutated step waits at least this long, and twice what it took in the baseline plus a
 * second (docs/mutation.md: the wait of mutants). */
#define CAP_FLOOR_MS 2000

enum verdict { V_PENDING, V_KILLED, V_SURVIVED, V_ERROR };

struct mutate_opts {
    const char *sut, *sut_start, *fixtures, *json;
    int jobs, timeout_ms, watchdog_ms, list, full_waits;
    long sample; /* -1: all */
    uint64_t seed;
    int seed_given;
};

/* One scenario file. */
struct scn {
    char *path;         /* owned */
    char *suite;        /* owned: its directory */
    struct scenario *s; /* owned */
    struct mutant *m;   /* owned */
    size_t nm;
    int ran;                  /* the baseline ran */
    enum runner_outcome base; /* the baseline's outcome */
    char *why;                /* owned: the baseline's message (first line), or NULL */
    double *step_seconds;     /* owned: the baseline's, per step (-1: unknown) */
};

/* One mutant to run. */
struct item {
    size_t scn, k;
    int cap_ms; /* the mutated step's wait (0: its own) */
    enum verdict v;
    double seconds;
    char *note; /* owned: why survived / error */
};

struct mutate {
    struct mutate_opts o;
    struct scn *scns;
    size_t nscns;
    struct item *items;
    size_t nitems;
    int phase; /* 0: the baselines, 1: the mutants */
    size_t *todo; /* owned: phase 0's scenarios (indexes into scns) */
    size_t ntodo;
    char **labels;
    size_t ndone;
    int interrupted; /* a scenario was interrupted by a signal */
};

static void
mutate_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim mutate --sut FILE [--sample N [--seed S]] [--json FILE] [--timeout T]\n"
            "                     [--watchdog T] [--full-waits] [--fixtures DIR] SCENARIO|DIR...\n"
            "       fedsim mutate --sut-start COMMAND [-j N] [the same options] SCENARIO|DIR...\n"
            "       fedsim mutate --list [--sample N [--seed S]] SCENARIO|DIR...\n"
            "\n"
            "Mutation testing of scenarios (docs/mutation.md): for each scenario, mutants of its\n"
            "assertions (an expected attribute value, element name, namespace or text changed;\n"
            "an attribute or child no SUT sends added; receives <-> receives nothing like; a\n"
            "stream error condition, authenticated domain, auth way or TLS swapped; a dns asked:\n"
            "name or type changed, dns never asked -> dns asked; saw at most N -> 0), each run\n"
            "against the SUT as `fedsim run` runs a scenario. A correct check fails on its\n"
            "mutant: a mutant is killed when it fails at the mutated step. One that passes, or\n"
            "passes the mutated step, survived: reported like a failing test, with file:line,\n"
            "the step and the change. An error (or a failure before the mutated step) is counted\n"
            "apart. Each scenario first runs unchanged (its baseline): one that is skipped,\n"
            "xfail or failing on this SUT is not mutated, and the summary says so. Then one line\n"
            "per mutant, the survivors, and per suite (directory) the score killed/mutants.\n"
            "\n"
            "  -s, --sut FILE        the SUT file (ci/sut/*/start writes one)\n"
            "      --sut-start CMD   instead of --sut: a command that starts a SUT and prints its\n"
            "                        SUT file's path, once per worker (as fedsim run --sut-start)\n"
            "  -j, --jobs N          N workers side by side (with --sut-start; default 1)\n"
            "      --list            print the mutants (file:line, operator, change, the mutated\n"
            "                        step) without running anything\n"
            "      --sample N        run a random sample of N mutants (of the scenarios whose\n"
            "                        baseline passed, running only the baselines the sample\n"
            "                        needs; with --list, of all)\n"
            "      --seed S          the sample's seed (default: from the clock; printed, so a\n"
            "                        run can be repeated)\n"
            "      --json FILE       also write the results as JSON\n"
            "      --timeout T       default bound of every wait (default 10s, as fedsim run)\n"
            "      --watchdog T      bound of a whole scenario (default 300s)\n"
            "      --full-waits      a mutated step waits as long as its scenario says; by "
            "default\n"
            "                        it waits at most max(2s, twice what the step took in the\n"
            "                        baseline plus 1s)\n"
            "  -f, --fixtures DIR    where zone files are looked up (default: ./dnsfixtures,\n"
            "                        else the installed PREFIX/share/fedsim/dnsfixtures)\n"
            "\n"
            "Exit status: 0 every mutant killed, 1 a mutant survived, 2 bad usage or a scenario\n"
            "that does not parse, 3 errors only, a baseline that failed, or no mutant ran.\n");
}

static int
parse_duration(const char *arg, const char *name, int *ms)
{
    char *end;
    double v = strtod(arg, &end);

    if (end == arg || v <= 0 || v > 86400000 || (strcmp(end, "s") != 0 && strcmp(end, "ms") != 0)) {
        fprintf(stderr, "fedsim mutate: --%s %s: a duration like 5s or 500ms\n", name, arg);
        return -1;
    }
    *ms = (int)(strcmp(end, "s") == 0 ? v * 1000 : v);
    return 0;
}

static int
parse_opts(int argc, char **argv, struct mutate_opts *o)
{
    static const struct option opts[] = {{"sut", required_argument, NULL, 's'},
                                         {"sut-start", required_argument, NULL, 'U'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"fixtures", required_argument, NULL, 'f'},
                                         {"json", required_argument, NULL, 'J'},
                                         {"timeout", required_argument, NULL, 'w'},
                                         {"watchdog", required_argument, NULL, 'W'},
                                         {"sample", required_argument, NULL, 'n'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"list", no_argument, NULL, 'l'},
                                         {"full-waits", no_argument, NULL, 'F'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    char *end;

    memset(o, 0, sizeof(*o));
    o->fixtures = datadir_fixtures();
    o->jobs = 1;
    o->timeout_ms = 10000;
    o->sample = -1;
    while ((c = getopt_long(argc, argv, "s:j:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            o->sut = optarg;
            break;
        case 'U':
            o->sut_start = optarg;
            break;
        case 'j':
            o->jobs = atoi(optarg);
            if (o->jobs < 1 || o->jobs > 64) {
                fprintf(stderr, "fedsim mutate: -j %s: 1 to 64 workers\n", optarg);
                return -1;
            }
            break;
        case 'f':
            o->fixtures = optarg;
            break;
        case 'J':
            o->json = optarg;
            break;
        case 'w':
            if (parse_duration(optarg, "timeout", &o->timeout_ms) != 0)
                return -1;
            break;
        case 'W':
            if (parse_duration(optarg, "watchdog", &o->watchdog_ms) != 0)
                return -1;
            break;
        case 'n':
            o->sample = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || o->sample < 1) {
                fprintf(stderr, "fedsim mutate: --sample %s: a number of mutants (1 or more)\n",
                        optarg);
                return -1;
            }
            break;
        case 'S':
            errno = 0;
            o->seed = strtoull(optarg, &end, 10);
            if (end == optarg || *end != '\0' || errno != 0) {
                fprintf(stderr, "fedsim mutate: --seed %s: a number\n", optarg);
                return -1;
            }
            o->seed_given = 1;
            break;
        case 'l':
            o->list = 1;
            break;
        case 'F':
            o->full_waits = 1;
            break;
        case 'h':
            mutate_usage(stdout);
            return 1;
        default:
            mutate_usage(stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "fedsim mutate: needs at least one scenario or directory\n");
        return -1;
    }
    if (!o->list && (o->sut == NULL) == (o->sut_start == NULL)) {
        fprintf(stderr, "fedsim mutate: needs --sut FILE or --sut-start COMMAND (or --list)\n");
        return -1;
    }
    if (o->jobs > 1 && o->sut_start == NULL && !o->list) {
        fprintf(stderr, "fedsim mutate: -j %d needs --sut-start: one SUT per worker\n", o->jobs);
        return -1;
    }
    if (o->seed_given && o->sample < 0) {
        fprintf(stderr, "fedsim mutate: --seed picks a sample: give --sample N too\n");
        return -1;
    }
    return 0;
}

/* Scenarios are text a person reviews. */
#define MUTATE_MAX_FILE (16u << 20)

/* Loads every scenario and makes its mutants. Returns 0, or -1 (printed) if one does not
 * parse or a mutant is not valid. */
static int
load_all(struct mutate *mt, char **paths)
{
    size_t i, n;
    char err[1024];

    for (n = 0; paths[n] != NULL; n++)
        ;
    mt->scns = xcalloc(n + 1, sizeof(*mt->scns));
    for (i = 0; i < n; i++) {
        struct scn *c = &mt->scns[mt->nscns];
        char *text = file_read(paths[i], MUTATE_MAX_FILE, err, sizeof(err)), *slash;

        if (text == NULL ||
            (c->s = scenario_parse(paths[i], text, mt->o.fixtures, err, sizeof(err))) == NULL) {
            fprintf(stderr, "%s\n", err);
            free(text);
            return -1;
        }
        mt->nscns++;
        c->path = xstrdup(paths[i]);
        c->suite = xstrdup(paths[i]);
        slash = strrchr(c->suite, '/');
        if (slash != NULL)
            *slash = '\0';
        else
            snprintf(c->suite, strlen(c->suite) + 1, ".");
        if (mutant_make(c->s, text, mt->o.fixtures, mt->o.timeout_ms, &c->m, &c->nm, err,
                        sizeof(err)) != 0) {
            fprintf(stderr, "fedsim mutate: %s\n", err);
            free(text);
            return -1;
        }
        free(text);
    }
    return 0;
}

/* The wait of step k as the runner has it. */
static int
step_wait(const struct mutate *mt, const struct scenario *s, size_t k)
{
    if (s->steps[k].within_ms > 0)
        return s->steps[k].within_ms;
    return s->timeout_ms > 0 ? s->timeout_ms : mt->o.timeout_ms;
}

/* A mutated step's wait from the baseline: at least CAP_FLOOR_MS, twice what the step took
 * plus a second, at most its own. 0: its own (unknown, or --full-waits). */
static int
cap_ms(const struct mutate *mt, const struct scn *c, const struct scenario *mutated, size_t k)
{
    double took, before = 0;
    int cap, own = step_wait(mt, mutated, k);

    if (mt->o.full_waits || c->step_seconds == NULL)
        return 0;
    for (size_t i = 0; i <= k; i++)
        if (c->step_seconds[i] < 0)
            return 0;
    if (k > 0)
        before = c->step_seconds[k - 1];
    took = c->step_seconds[k] - before;
    cap = (int)(took * 2000) + 1000;
    if (cap < CAP_FLOOR_MS)
        cap = CAP_FLOOR_MS;
    return cap < own ? cap : 0;
}

static struct runner_options
runner_opts(const struct mutate *mt)
{
    return (struct runner_options){
            .default_timeout_ms = mt->o.timeout_ms, .watchdog_ms = mt->o.watchdog_ms, .seed = 1};
}

/* In a worker (or in-process): runs item i of the phase into d. */
static int
run_item(const struct run_opts *ro, const struct sut *sut, size_t i, struct done *d)
{
    struct mutate *mt = ro->item_arg;
    struct runner_options o = runner_opts(mt);

    if (mt->phase == 0) {
        const struct scn *c = &mt->scns[mt->todo[i]];
        size_t k, len = 0;

        runner_run(c->s, sut, &o, &d->r);
        d->path = xstrdup(c->path);
        d->title = xstrdup(c->s->title);
        /* The steps' times travel to the parent as text: "1.234 2.5 -1". */
        d->extra = xcalloc(c->s->nsteps * 24 + 1, 1);
        for (k = 0; k < c->s->nsteps && d->r.step_seconds != NULL; k++)
            len += (size_t)snprintf(d->extra + len, 24, "%s%.3f", k > 0 ? " " : "",
                                    d->r.step_seconds[k]);
        return 1;
    } else {
        const struct item *it = &mt->items[i];
        const struct scn *c = &mt->scns[it->scn];
        const struct mutant *m = &c->m[it->k];
        char err[1024];
        struct scenario *s = mutant_parse(m, c->path, mt->o.fixtures, err, sizeof(err));

        if (s == NULL) {
            fprintf(stderr, "fedsim mutate: %s\n", err);
            return -1;
        }
        if (it->cap_ms > 0)
            s->steps[m->step].within_ms = it->cap_ms;
        runner_run(s, sut, &o, &d->r);
        d->path = xasprintf("%s:%d", c->path, m->line);
        d->title = xstrdup(m->change);
        scenario_free(s);
        return 1;
    }
}

static const char *
verdict_str(enum verdict v)
{
    static const char *const names[] = {"pending", "killed", "SURVIVED", "error"};

    return names[v];
}

/* The first line of a message (owned). */
static char *
first_line(const char *msg)
{
    return xstrndup(msg != NULL ? msg : "", strcspn(msg != NULL ? msg : "", "\n"));
}

/* In the caller: item i's result. */
static void
item_done(const struct run_opts *ro, size_t i, struct done *d)
{
    struct mutate *mt = ro->item_arg;

    mt->ndone++;
    mt->interrupted |= d->r.interrupted;
    if (mt->phase == 0) {
        struct scn *c = &mt->scns[mt->todo[i]];
        const char *p = d->extra;
        size_t k;

        c->ran = 1;
        c->base = d->r.outcome;
        c->why = first_line(d->r.message);
        c->step_seconds = xcalloc(c->s->nsteps + 1, sizeof(*c->step_seconds));
        for (k = 0; k < c->s->nsteps; k++) {
            char *end;

            c->step_seconds[k] = p != NULL ? strtod(p, &end) : -1;
            if (p == NULL || end == p)
                c->step_seconds[k] = -1, p = NULL;
            else
                p = end;
        }
        if (c->base != RUN_OK)
            printf("baseline %-5s %6.2fs %s  (not mutated) %s\n", runner_outcome_str(c->base),
                   d->r.seconds, c->path, c->why);
        fflush(stdout);
        return;
    } else {
        struct item *it = &mt->items[i];
        const struct scn *c = &mt->scns[it->scn];
        const struct mutant *m = &c->m[it->k];

        it->seconds = d->r.seconds;
        if (d->r.outcome == RUN_FAIL && d->r.line == m->line) {
            it->v = V_KILLED;
            it->note = first_line(d->r.message); /* how it failed: in the JSON, for audits */
        } else if (d->r.outcome == RUN_OK) {
            it->v = V_SURVIVED;
            it->note = xstrdup("the mutant passed");
        } else if (d->r.outcome == RUN_FAIL && d->r.line > m->line) {
            char *why = first_line(d->r.message);

            it->v = V_SURVIVED;
            it->note = xasprintf("the mutated step passed; a later step failed: %s", why);
            free(why);
        } else {
            char *why = first_line(d->r.message);

            it->v = V_ERROR;
            it->note = xasprintf("%s%s: %s", runner_outcome_str(d->r.outcome),
                                 d->r.outcome == RUN_FAIL ? " before the mutated step" : "", why);
            free(why);
        }
        printf("%-8s %6.2fs %s:%d [%s] %s\n", verdict_str(it->v), it->seconds, c->path, m->line,
               mutant_op_str(m->op), m->change);
        if (it->note != NULL && it->v != V_KILLED)
            printf("         %s\n", it->note);
        fflush(stdout);
    }
}

/* Runs items 0..n-1 of the current phase, in workers or in-process. Returns -1 if it could
 * not (printed). */
static int
run_phase(struct mutate *mt, const struct sut *sut, struct sut *info, size_t n)
{
    struct run_opts ro = {.fixtures = mt->o.fixtures,
                          .timeout_ms = mt->o.timeout_ms,
                          .watchdog_ms = mt->o.watchdog_ms,
                          .jobs = mt->o.jobs,
                          .sut_start = mt->o.sut_start,
                          .seed = 1,
                          .run_item = run_item,
                          .item_done = item_done,
                          .item_arg = mt};
    size_t i, counts[5] = {0};
    int parse_errors = 0, interrupted = 0;

    mt->labels = xcalloc(n + 1, sizeof(*mt->labels));
    for (i = 0; i < n; i++) {
        if (mt->phase == 0) {
            mt->labels[i] = xstrdup(mt->scns[mt->todo[i]].path);
        } else {
            const struct item *it = &mt->items[i];

            mt->labels[i] = xasprintf("%s:%d (%s mutant)", mt->scns[it->scn].path,
                                      mt->scns[it->scn].m[it->k].line,
                                      mutant_op_str(mt->scns[it->scn].m[it->k].op));
        }
    }
    if (mt->o.sut_start != NULL) {
        struct done *done = xcalloc(n + 1, sizeof(*done));
        size_t got = cmd_run_parallel(&ro, mt->labels, done, counts, &parse_errors, info);

        for (i = 0; i < got; i++) {
            free(done[i].path);
            free(done[i].title);
            free(done[i].clause);
            free(done[i].extra);
            runner_result_clear(&done[i].r);
        }
        free(done);
    } else {
        for (i = 0; i < n && !cmd_run_stop_signal() && !interrupted; i++) {
            struct done d = {0};

            if (run_item(&ro, sut, i, &d) == 1) {
                item_done(&ro, i, &d);
                interrupted |= d.r.interrupted;
            } else {
                parse_errors++;
            }
            free(d.path);
            free(d.title);
            free(d.clause);
            free(d.extra);
            runner_result_clear(&d.r);
        }
    }
    mt->interrupted |= interrupted;
    for (i = 0; i < n; i++)
        free(mt->labels[i]);
    free(mt->labels);
    mt->labels = NULL;
    return parse_errors > 0 ? -1 : 0;
}

/* Per suite, in the order the suites first appear. */
struct suite {
    const char *name; /* borrowed */
    size_t scenarios, mutated, skipped, xfail, failing, mutants, run, killed, survived, errors;
};

static size_t
suites_of(const struct mutate *mt, struct suite **out)
{
    struct suite *su = xcalloc(mt->nscns + 1, sizeof(*su));
    size_t ns = 0, i, k;

    for (i = 0; i < mt->nscns; i++) {
        const struct scn *c = &mt->scns[i];

        for (k = 0; k < ns && strcmp(su[k].name, c->suite) != 0; k++)
            ;
        if (k == ns)
            su[ns++].name = c->suite;
        su[k].scenarios++;
        if (!c->ran)
            continue;
        switch (c->base) {
        case RUN_OK:
            su[k].mutated++;
            su[k].mutants += c->nm;
            break;
        case RUN_SKIP:
            su[k].skipped++;
            break;
        case RUN_XFAIL:
            su[k].xfail++;
            break;
        default:
            su[k].failing++;
            break;
        }
    }
    for (i = 0; i < mt->nitems; i++) {
        const struct item *it = &mt->items[i];

        for (k = 0; k < ns && strcmp(su[k].name, mt->scns[it->scn].suite) != 0; k++)
            ;
        if (it->v == V_PENDING)
            continue;
        su[k].run++;
        su[k].killed += it->v == V_KILLED;
        su[k].survived += it->v == V_SURVIVED;
        su[k].errors += it->v == V_ERROR;
    }
    *out = su;
    return ns;
}

static void
print_summary(const struct mutate *mt, const struct sut *info, double baseline, double seconds)
{
    struct suite *su;
    size_t ns = suites_of(mt, &su), i, survived = 0, ran;

    for (i = 0; i < mt->nitems; i++) {
        const struct item *it = &mt->items[i];
        const struct scn *c = &mt->scns[it->scn];
        const struct mutant *m = &c->m[it->k];
        const char *p = m->written;

        if (it->v != V_SURVIVED)
            continue;
        if (survived++ == 0)
            printf("\nsurviving mutants (each a check that did not fail when its expectation "
                   "changed):\n");
        printf("SURVIVED %s:%d: %s: [%s] %s\n", c->path, m->line,
               scenario_step_str(c->s->steps[m->step].kind), mutant_op_str(m->op), m->change);
        printf("      %s\n      the mutated step:\n", it->note);
        while (*p != '\0') {
            size_t len = strcspn(p, "\n");

            printf("        %.*s\n", (int)len, p);
            p += len + (p[len] == '\n');
        }
    }
    printf("\nmutation score per suite (SUT %s %s, tls %s; killed/mutants):\n",
           info->name != NULL ? info->name : "?", info->version != NULL ? info->version : "?",
           info->tls != NULL ? info->tls : "off");
    for (i = 0; i < ns; i++) {
        const struct suite *s = &su[i];

        printf("  %-24s %zu/%zu", s->name, s->killed, s->run);
        if (s->run > 0)
            printf(" %.1f %%", 100.0 * (double)s->killed / (double)s->run);
        printf(" (%zu survived, %zu errors", s->survived, s->errors);
        if (s->run != s->mutants)
            printf("; %zu of %zu mutants run", s->run, s->mutants);
        printf("); %zu scenarios: %zu mutated, %zu skipped, %zu xfail, %zu failing (not "
               "mutated)",
               s->scenarios, s->mutated, s->skipped, s->xfail, s->failing);
        if (s->scenarios > s->mutated + s->skipped + s->xfail + s->failing)
            printf(", %zu not run (no mutant of the sample)",
                   s->scenarios - s->mutated - s->skipped - s->xfail - s->failing);
        printf("\n");
    }
    for (i = 0, ran = 0; i < mt->nscns; i++)
        ran += mt->scns[i].ran;
    printf("baselines: %zu scenarios in %.0f s", ran, baseline);
    for (i = 0, ran = 0; i < mt->nitems; i++)
        ran += mt->items[i].v != V_PENDING;
    if (ran > 0)
        printf("; %zu mutants in %.0f s (%.1f s each, %d worker%s)", ran, seconds,
               seconds * mt->o.jobs / (double)ran, mt->o.jobs, mt->o.jobs > 1 ? "s" : "");
    printf("\n");
    free(su);
}

static int
write_json(const struct mutate *mt, const struct sut *info, double seconds)
{
    FILE *fp = fopen(mt->o.json, "w");
    struct suite *su;
    size_t ns, i;

    if (fp == NULL) {
        fprintf(stderr, "fedsim mutate: --json %s: %s\n", mt->o.json, strerror(errno));
        return -1;
    }
    ns = suites_of(mt, &su);
    fprintf(fp, "{\"sut\": {\"name\": ");
    json_write_string(fp, info->name != NULL ? info->name : "?");
    fprintf(fp, ", \"version\": ");
    json_write_string(fp, info->version != NULL ? info->version : "?");
    fprintf(fp, ", \"tls\": ");
    json_write_string(fp, info->tls != NULL ? info->tls : "off");
    fprintf(fp, "},\n \"seconds\": %.1f, \"sample\": %ld, \"seed\": %llu, \"full_waits\": %d,\n",
            seconds, mt->o.sample, (unsigned long long)mt->o.seed, mt->o.full_waits);
    fprintf(fp, " \"suites\": [");
    for (i = 0; i < ns; i++) {
        fprintf(fp, "%s\n  {\"suite\": ", i > 0 ? "," : "");
        json_write_string(fp, su[i].name);
        fprintf(fp,
                ", \"mutants\": %zu, \"run\": %zu, \"killed\": %zu, \"survived\": %zu, "
                "\"errors\": %zu, \"scenarios\": %zu, \"mutated\": %zu, \"skipped\": %zu, "
                "\"xfail\": %zu, \"failing\": %zu}",
                su[i].mutants, su[i].run, su[i].killed, su[i].survived, su[i].errors,
                su[i].scenarios, su[i].mutated, su[i].skipped, su[i].xfail, su[i].failing);
    }
    fprintf(fp, "],\n \"mutants\": [");
    for (i = 0; i < mt->nitems; i++) {
        const struct item *it = &mt->items[i];
        const struct scn *c = &mt->scns[it->scn];
        const struct mutant *m = &c->m[it->k];

        fprintf(fp, "%s\n  {\"path\": ", i > 0 ? "," : "");
        json_write_string(fp, c->path);
        fprintf(fp, ", \"line\": %d, \"step\": ", m->line);
        json_write_string(fp, scenario_step_str(c->s->steps[m->step].kind));
        fprintf(fp, ", \"operator\": ");
        json_write_string(fp, mutant_op_str(m->op));
        fprintf(fp, ", \"change\": ");
        json_write_string(fp, m->change);
        fprintf(fp, ", \"outcome\": ");
        json_write_string(fp, it->v == V_SURVIVED ? "survived" : verdict_str(it->v));
        fprintf(fp, ", \"seconds\": %.2f, \"wait_ms\": %d, \"note\": ", it->seconds, it->cap_ms);
        json_write_string(fp, it->note != NULL ? it->note : "");
        fprintf(fp, "}");
    }
    fprintf(fp, "]}\n");
    free(su);
    if (fclose(fp) != 0) {
        fprintf(stderr, "fedsim mutate: --json %s: %s\n", mt->o.json, strerror(errno));
        return -1;
    }
    return 0;
}

/* --list: the mutants (or the sample of them), their steps, the counts per suite. */
static void
list_mutants(const struct mutate *mt, const size_t *pick, size_t npick)
{
    size_t i, g = 0, p = 0, sc, k;

    for (sc = 0; sc < mt->nscns; sc++) {
        const struct scn *c = &mt->scns[sc];

        for (k = 0; k < c->nm; k++, g++) {
            const struct mutant *m = &c->m[k];
            const char *t = m->written;

            if (pick != NULL && (p >= npick || pick[p] != g))
                continue;
            p++;
            printf("%s:%d [%s] %s\n", c->path, m->line, mutant_op_str(m->op), m->change);
            while (*t != '\0') {
                size_t len = strcspn(t, "\n");

                printf("    %.*s\n", (int)len, t);
                t += len + (t[len] == '\n');
            }
        }
    }
    {
        struct suite *su;
        size_t ns = suites_of(mt, &su);

        for (i = 0; i < ns; i++) {
            size_t n = 0;

            for (sc = 0; sc < mt->nscns; sc++)
                if (strcmp(mt->scns[sc].suite, su[i].name) == 0)
                    n += mt->scns[sc].nm;
            printf("%s: %zu mutants of %zu scenarios\n", su[i].name, n, su[i].scenarios);
        }
        free(su);
    }
    printf("%zu mutants%s\n", pick != NULL ? npick : g, pick != NULL ? " in the sample" : "");
}

/* The mutated steps' waits, from the baselines. */
static void
set_caps(struct mutate *mt)
{
    size_t i;

    for (i = 0; i < mt->nitems; i++) {
        struct item *it = &mt->items[i];
        const struct scn *c = &mt->scns[it->scn];
        const struct mutant *m = &c->m[it->k];
        char err[1024];
        struct scenario *s = mutant_parse(m, c->path, mt->o.fixtures, err, sizeof(err));

        if (s == NULL)
            fatalx("a mutant that parsed no longer does: %s", err);
        it->cap_ms = cap_ms(mt, c, s, m->step);
        scenario_free(s);
    }
}

/* Without --sample: every scenario's baseline, then every mutant of those that passed. */
static int
run_all(struct mutate *mt, const struct sut *sut, struct sut *info)
{
    size_t sc, k, n = 0;

    mt->todo = xcalloc(mt->nscns + 1, sizeof(*mt->todo));
    for (sc = 0; sc < mt->nscns; sc++)
        mt->todo[sc] = sc;
    mt->ntodo = mt->nscns;
    if (run_phase(mt, sut, info, mt->ntodo) != 0)
        return -1;
    for (sc = 0; sc < mt->nscns; sc++)
        if (mt->scns[sc].ran && mt->scns[sc].base == RUN_OK)
            n += mt->scns[sc].nm;
    mt->items = xcalloc(n + 1, sizeof(*mt->items));
    for (sc = 0; sc < mt->nscns; sc++)
        if (mt->scns[sc].ran && mt->scns[sc].base == RUN_OK)
            for (k = 0; k < mt->scns[sc].nm; k++)
                mt->items[mt->nitems++] = (struct item){.scn = sc, .k = k};
    set_caps(mt);
    return 0;
}

/*
 * With --sample N: the first N mutants, in the seed's random order of all mutants
 * (mutant_shuffle), whose scenario's baseline passed; a baseline runs only when such a mutant
 * needs it, in rounds (a round's baselines side by side): each round walks the order, and the
 * mutants of scenarios not yet run count as wanted until N are picked or wanted. Uniform over
 * the mutants of the scenarios that pass, as a sample of them all would be, without running
 * every scenario first; when every baseline passes, it is the sample `--list --sample N
 * --seed S` prints.
 */
static int
run_sample(struct mutate *mt, const struct sut *sut, struct sut *info)
{
    size_t total = 0, sc, k, i, n = 0, picked, wanted, *order;
    struct item *flat;
    char *queued, *picked_flag;

    for (sc = 0; sc < mt->nscns; sc++)
        total += mt->scns[sc].nm;
    flat = xcalloc(total + 1, sizeof(*flat));
    for (sc = 0; sc < mt->nscns; sc++)
        for (k = 0; k < mt->scns[sc].nm; k++)
            flat[n++] = (struct item){.scn = sc, .k = k};
    order = xcalloc(total + 1, sizeof(*order));
    mutant_shuffle(total, mt->o.seed, order);
    mt->todo = xcalloc(mt->nscns + 1, sizeof(*mt->todo));
    queued = xcalloc(mt->nscns + 1, 1);
    for (;;) {
        memset(queued, 0, mt->nscns);
        mt->ntodo = 0;
        for (i = 0, picked = 0, wanted = 0; i < total && picked + wanted < (size_t)mt->o.sample;
             i++) {
            const struct scn *c = &mt->scns[flat[order[i]].scn];

            if (c->ran) {
                picked += c->base == RUN_OK;
                continue;
            }
            wanted++;
            if (!queued[flat[order[i]].scn]) {
                queued[flat[order[i]].scn] = 1;
                mt->todo[mt->ntodo++] = flat[order[i]].scn;
            }
        }
        if (mt->ntodo == 0 || cmd_run_stop_signal() || mt->interrupted)
            break;
        if (run_phase(mt, sut, info, mt->ntodo) != 0) {
            free(queued), free(order), free(flat);
            return -1;
        }
    }
    free(queued);
    /* The picks marked in the order, then taken in file order. */
    picked_flag = xcalloc(total + 1, 1);
    for (i = 0, n = 0; i < total && n < (size_t)mt->o.sample; i++)
        if (mt->scns[flat[order[i]].scn].ran && mt->scns[flat[order[i]].scn].base == RUN_OK)
            picked_flag[order[i]] = 1, n++;
    mt->items = xcalloc(n + 1, sizeof(*mt->items));
    for (i = 0; i < total; i++)
        if (picked_flag[i])
            mt->items[mt->nitems++] = flat[i];
    for (sc = 0, k = 0; sc < mt->nscns; sc++)
        k += mt->scns[sc].ran;
    printf("sample: %zu of the mutants of the scenarios whose baseline passed (%zu mutants in "
           "all; %zu of %zu baselines run, those the sample needed), seed %llu (repeat with "
           "--sample %ld --seed %llu)\n",
           n, total, k, mt->nscns, (unsigned long long)mt->o.seed, mt->o.sample,
           (unsigned long long)mt->o.seed);
    free(picked_flag), free(order), free(flat);
    set_caps(mt);
    return 0;
}

static void
mutate_free(struct mutate *mt)
{
    size_t i;

    for (i = 0; i < mt->nscns; i++) {
        free(mt->scns[i].path);
        free(mt->scns[i].suite);
        scenario_free(mt->scns[i].s);
        mutant_free(mt->scns[i].m, mt->scns[i].nm);
        free(mt->scns[i].why);
        free(mt->scns[i].step_seconds);
    }
    free(mt->scns);
    for (i = 0; i < mt->nitems; i++)
        free(mt->items[i].note);
    free(mt->items);
    free(mt->todo);
}

static int
mutate_exec(int argc, char **argv)
{
    struct mutate mt = {0};
    struct sut *sut = NULL, info = {0};
    char **paths = NULL, err[1024];
    int r = parse_opts(argc, argv, &mt.o), rc = FEDSIM_EXIT_USAGE;
    uint64_t t0 = clock_monotonic_us(), t1 = 0;
    size_t i, survived = 0, errors = 0, failing = 0;

    if (r != 0)
        return r > 0 ? FEDSIM_EXIT_OK : FEDSIM_EXIT_USAGE;
    if (mt.o.sample >= 0 && !mt.o.seed_given)
        mt.o.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock_monotonic_us() << 16);
    if ((paths = scenario_collect(argv + optind, (size_t)(argc - optind), err, sizeof(err))) ==
        NULL) {
        fprintf(stderr, "fedsim mutate: %s\n", err);
        goto out;
    }
    if (load_all(&mt, paths) != 0)
        goto out;
    if (mt.o.list) {
        size_t total = 0, *pick = NULL;

        for (i = 0; i < mt.nscns; i++)
            total += mt.scns[i].nm;
        if (mt.o.sample >= 0 && (size_t)mt.o.sample < total) {
            pick = xcalloc((size_t)mt.o.sample + 1, sizeof(*pick));
            mutant_sample(total, (size_t)mt.o.sample, mt.o.seed, pick);
            printf("sample: %ld of %zu mutants, seed %llu\n", mt.o.sample, total,
                   (unsigned long long)mt.o.seed);
        }
        list_mutants(&mt, pick, pick != NULL ? (size_t)mt.o.sample : 0);
        free(pick);
        rc = FEDSIM_EXIT_OK;
        goto out;
    }
    if (mt.o.sut != NULL && (sut = sut_load(mt.o.sut, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim mutate: %s\n", err);
        goto out;
    }
    if (sut != NULL)
        info = (struct sut){.name = sut->name, .version = sut->version, .tls = sut->tls};
    cmd_run_catch_signals();
    if (mt.o.sample >= 0)
        printf("baselines: those of the sample's scenarios, run unchanged first\n");
    else
        printf("baselines: %zu scenarios, run unchanged first\n", mt.nscns);
    fflush(stdout);
    mt.phase = 0;
    if ((mt.o.sample >= 0 ? run_sample(&mt, sut, &info) : run_all(&mt, sut, &info)) != 0) {
        rc = FEDSIM_EXIT_INTERNAL;
        goto summary;
    }
    for (i = 0; i < mt.nscns; i++)
        failing += mt.scns[i].ran ? mt.scns[i].base == RUN_FAIL || mt.scns[i].base == RUN_ERROR
                                  : mt.o.sample < 0; /* every baseline was to run */
    printf("mutants: %zu to run\n", mt.nitems);
    fflush(stdout);
    mt.phase = 1;
    t1 = clock_monotonic_us();
    if (!cmd_run_stop_signal() && !mt.interrupted && mt.nitems > 0 &&
        run_phase(&mt, sut, &info, mt.nitems) != 0) {
        rc = FEDSIM_EXIT_INTERNAL;
        goto summary;
    }
    for (i = 0; i < mt.nitems; i++) {
        survived += mt.items[i].v == V_SURVIVED;
        errors += mt.items[i].v == V_ERROR || mt.items[i].v == V_PENDING;
    }
    rc = survived > 0                                  ? FEDSIM_EXIT_FAIL
         : errors > 0 || failing > 0 || mt.nitems == 0 ? FEDSIM_EXIT_INTERNAL
                                                       : FEDSIM_EXIT_OK;
summary:
    if (t1 == 0)
        t1 = clock_monotonic_us();
    print_summary(&mt, &info, (double)(t1 - t0) / 1e6, (double)(clock_monotonic_us() - t1) / 1e6);
    if (mt.nitems == 0)
        printf("no mutant ran: every scenario was skipped, xfail or failing on this SUT\n");
    if (cmd_run_stop_signal() || mt.interrupted)
        printf("stopped by a signal: not every mutant ran\n");
    if (mt.o.json != NULL &&
        write_json(&mt, &info, (double)(clock_monotonic_us() - t0) / 1e6) != 0 &&
        rc == FEDSIM_EXIT_OK)
        rc = FEDSIM_EXIT_INTERNAL;
out:
    if (sut == NULL) {
        free(info.name);
        free(info.version);
        free(info.domain);
        free(info.tls);
    }
    mutate_free(&mt);
    scenario_paths_free(paths);
    sut_free(sut);
    fflush(stdout);
    return rc;
}

const struct cmd cmd_mutate = {
        .name = "mutate",
        .synopsis = "--sut FILE|--sut-start CMD [-j N] [--sample N [--seed S]] SCENARIO|DIR...",
        .summary = "mutation testing: mutants of the scenarios' checks must fail",
        .exec = mutate_exec,
        .usage = mutate_usage,
};
