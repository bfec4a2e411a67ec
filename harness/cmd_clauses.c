/* cmd_clauses.c: `fedsim clauses`: the table of the federation standards' requirements
 * (docs/requirements.txt), the scenarios whose clause: lines cite each, and each SUT's results
 * (the JSON files of `fedsim run --json`, as ci/matrix keeps them), as Markdown. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "results.h"
#include "scenario.h"
#include "xmalloc.h"

enum req_level { LVL_MUST, LVL_MUST_NOT, LVL_SHOULD, LVL_SHOULD_NOT };

static const char *const level_names[] = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT"};

struct req {
    char *id, *text, *why; /* owned; why: NULL when observable */
    char *section;         /* owned: the id without its "/N" */
    enum req_level level;
    size_t *cites; /* owned: indexes into the scenario list */
    size_t ncites;
};

struct cite_other {
    char *clause; /* owned: a clause: line that names no listed requirement */
    size_t *cites;
    size_t ncites;
};

struct sut_runs {
    char *name;     /* owned */
    char *versions; /* owned: "0.12.3 (off, optional, required)" */
};

static void
clauses_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim clauses [--requirements FILE] [--results FILE.json]... [--fixtures "
            "DIR]\n"
            "                      [--output FILE [--check]] SCENARIO|DIR...\n"
            "\n"
            "Writes the Markdown table of the federation standards' server-to-server\n"
            "requirements (docs/requirements.txt: ID | LEVEL | TEXT [| WHY NO SCENARIO]), each\n"
            "with the scenarios whose clause: lines cite it and, per SUT, the outcomes of those\n"
            "scenarios in the --results files (fedsim run --json, one per SUT and TLS variant,\n"
            "as ci/matrix keeps them in docs/results/). The counts come first: MUSTs and\n"
            "SHOULDs covered of those observable from outside. A clause: line names a\n"
            "requirement by its id, or by its section when the section holds only that one.\n"
            "\n"
            "  -r, --requirements FILE  the requirement list (default docs/requirements.txt)\n"
            "  -R, --results FILE       a results file; repeatable; none: the table says so\n"
            "  -f, --fixtures DIR       zone files for parsing the scenarios (default "
            "dnsfixtures)\n"
            "  -o, --output FILE        write there instead of standard output\n"
            "  -c, --check              with -o: write nothing, fail if FILE is not what would\n"
            "                           be written (a check that the checked-in table is current)\n"
            "\n"
            "Exit status: 0 written (or current), 1 --check found FILE out of date, 2 bad input:\n"
            "a malformed requirement line, a clause: line naming an unknown requirement id, a\n"
            "requirement marked as not observable that a scenario cites, a scenario that does\n"
            "not parse, an unreadable results file.\n");
}

static char *
trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Reads the requirement list; returns -1 with "file:line: why" in err. */
static int
load_requirements(const char *path, struct req **out, size_t *nout, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    char line[2048];
    int lineno = 0, rc = 0;
    struct req *reqs = NULL;
    size_t n = 0, i;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
        char *f[5] = {NULL}, *p = line, *bar, *slash;
        size_t nf = 0;
        int lvl;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(fp)) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno,
                     sizeof(line) - 2);
            rc = -1;
            break;
        }
        if (*trim(line) == '\0' || *trim(line) == '#')
            continue;
        while (nf < 5) {
            bar = strchr(p, '|');
            if (bar != NULL)
                *bar = '\0';
            f[nf++] = trim(p);
            if (bar == NULL)
                break;
            p = bar + 1;
        }
        if (nf < 3 || nf > 4 || *f[0] == '\0' || *f[2] == '\0' || (nf == 4 && *f[3] == '\0')) {
            snprintf(err, errlen, "%s:%d: expected ID | LEVEL | TEXT [| WHY NO SCENARIO]", path,
                     lineno);
            rc = -1;
            break;
        }
        if (strncmp(f[0], "RFC ", 4) != 0 && strncmp(f[0], "XEP-", 4) != 0) {
            snprintf(err, errlen, "%s:%d: \"%s\": an id starts with its document (RFC N, XEP-N)",
                     path, lineno, f[0]);
            rc = -1;
            break;
        }
        for (lvl = 0; lvl < 4 && strcmp(level_names[lvl], f[1]) != 0; lvl++)
            ;
        if (lvl == 4) {
            snprintf(err, errlen,
                     "%s:%d: level \"%s\": expected MUST, MUST NOT, SHOULD or SHOULD NOT", path,
                     lineno, f[1]);
            rc = -1;
            break;
        }
        for (i = 0; i < n; i++)
            if (strcmp(reqs[i].id, f[0]) == 0)
                break;
        if (i < n) {
            snprintf(err, errlen, "%s:%d: %s is listed twice", path, lineno, f[0]);
            rc = -1;
            break;
        }
        reqs = xreallocarray(reqs, n + 1, sizeof(*reqs));
        memset(&reqs[n], 0, sizeof(reqs[n]));
        reqs[n].id = xstrdup(f[0]);
        reqs[n].level = (enum req_level)lvl;
        reqs[n].text = xstrdup(f[2]);
        reqs[n].why = nf == 4 ? xstrdup(f[3]) : NULL;
        slash = strrchr(f[0], '/');
        reqs[n].section = slash != NULL ? xstrndup(f[0], (size_t)(slash - f[0])) : xstrdup(f[0]);
        n++;
    }
    fclose(fp);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "%s: no requirement listed", path);
        rc = -1;
    }
    *out = reqs;
    *nout = n;
    return rc;
}

static void
push_index(size_t **list, size_t *n, size_t v)
{
    if (*n > 0 && (*list)[*n - 1] == v)
        return;
    *list = xreallocarray(*list, *n + 1, sizeof(**list));
    (*list)[(*n)++] = v;
}

/* The part of a path from "scenarios/" on (the same scenario named from anywhere). */
static const char *
scenario_key(const char *path)
{
    const char *p = strstr(path, "scenarios/"), *q;

    while (p != NULL && (q = strstr(p + 1, "scenarios/")) != NULL)
        p = q;
    if (p == NULL)
        return path;
    for (p += 10; *p == '/'; p++) /* "scenarios//seed/x.scn" */
        ;
    return p;
}

/* 1 for a cell of the certificate matrix (`fedsim matrix --out DIR/scenarios/matrix`): the
 * table names them as one entry, not 330. */
static int
is_matrix_cell(const char *path)
{
    const char *k = scenario_key(path), *name = strrchr(path, '/');

    return strncmp(k, "matrix/", 7) == 0 &&
           strncmp(name != NULL ? name + 1 : path, "matrix-", 7) == 0;
}

/* One SUT's cell: "ok" when each citing scenario passed under every variant it ran, else the
 * counts and the scenarios that did not pass (the matrix's cells as one line of counts).
 * Skipped runs do not count. */
static void
sut_cell(FILE *fp, const struct req *r, char *const *paths, const char *sut,
         const struct result *res, const struct results_meta *metas, const size_t *owner,
         size_t nres)
{
    size_t k, i, counts[RUN_XFAIL + 1] = {0}, any = 0;

    for (k = 0; k < r->ncites; k++)
        for (i = 0; i < nres; i++)
            if (strcmp(metas[owner[i]].sut_name != NULL ? metas[owner[i]].sut_name : "?", sut) ==
                        0 &&
                strcmp(scenario_key(res[i].path), scenario_key(paths[r->cites[k]])) == 0 &&
                res[i].r.outcome != RUN_SKIP) {
                counts[res[i].r.outcome]++;
                any++;
            }
    if (any == 0) {
        fprintf(fp, " — |");
        return;
    }
    if (counts[RUN_OK] == any) {
        fprintf(fp, " ok |");
        return;
    }
    fprintf(fp, " ok %zu", counts[RUN_OK]);
    {
        size_t mx[RUN_XFAIL + 1] = {0}, o, m = 0;

        for (k = 0; k < r->ncites; k++)
            for (i = 0; is_matrix_cell(paths[r->cites[k]]) && i < nres; i++)
                if (strcmp(metas[owner[i]].sut_name != NULL ? metas[owner[i]].sut_name : "?",
                           sut) == 0 &&
                    strcmp(scenario_key(res[i].path), scenario_key(paths[r->cites[k]])) == 0 &&
                    res[i].r.outcome != RUN_SKIP && res[i].r.outcome != RUN_OK) {
                    mx[res[i].r.outcome]++;
                    m++;
                }
        if (m > 0)
            fprintf(fp, "<br>matrix/ cells:");
        for (o = 0; m > 0 && o <= RUN_XFAIL; o++)
            if (mx[o] > 0)
                fprintf(fp, " **%s** %zu", runner_outcome_str((enum runner_outcome)o), mx[o]);
    }
    for (k = 0; k < r->ncites; k++) {
        const char *sep = ": ";

        if (is_matrix_cell(paths[r->cites[k]]))
            continue;

        for (i = 0; i < nres; i++) {
            const char *tls = metas[owner[i]].sut_tls != NULL ? metas[owner[i]].sut_tls : "off";

            if (strcmp(metas[owner[i]].sut_name != NULL ? metas[owner[i]].sut_name : "?", sut) !=
                        0 ||
                strcmp(scenario_key(res[i].path), scenario_key(paths[r->cites[k]])) != 0 ||
                res[i].r.outcome == RUN_SKIP || res[i].r.outcome == RUN_OK)
                continue;
            if (strcmp(sep, ": ") == 0) {
                const char *name = strrchr(paths[r->cites[k]], '/');

                fprintf(fp, "<br>%s", name != NULL ? name + 1 : paths[r->cites[k]]);
            }
            fprintf(fp, "%s**%s** %s", sep, runner_outcome_str(res[i].r.outcome), tls);
            sep = ", ";
        }
    }
    fprintf(fp, " |");
}

/* The citing scenarios, "<br>"-separated; the matrix's cells as one entry with their number. */
static void
cite_list(FILE *fp, char *const *paths, const size_t *cites, size_t n)
{
    size_t k, cells = 0, shown = 0;

    for (k = 0; k < n; k++) {
        if (is_matrix_cell(paths[cites[k]])) {
            cells++;
            continue;
        }
        fprintf(fp, "%s%s", shown++ > 0 ? "<br>" : "", scenario_key(paths[cites[k]]));
    }
    if (cells > 0)
        fprintf(fp, "%smatrix/: %zu cell%s (fedsim matrix)", shown > 0 ? "<br>" : "", cells,
                cells == 1 ? "" : "s");
}

static int
write_table(FILE *fp, const char *reqpath, struct req *reqs, size_t nreqs,
            const struct cite_other *others, size_t nothers, char *const *paths,
            const struct result *res, const struct results_meta *metas, const size_t *owner,
            size_t nres, const struct sut_runs *suts, size_t nsuts)
{
    size_t i, k, obs[4] = {0}, cov[4] = {0}, listed[4] = {0};
    size_t must_obs, must_cov, should_obs, should_cov;

    for (i = 0; i < nreqs; i++) {
        listed[reqs[i].level]++;
        if (reqs[i].why == NULL) {
            obs[reqs[i].level]++;
            if (reqs[i].ncites > 0)
                cov[reqs[i].level]++;
        }
    }
    must_obs = obs[LVL_MUST] + obs[LVL_MUST_NOT];
    must_cov = cov[LVL_MUST] + cov[LVL_MUST_NOT];
    should_obs = obs[LVL_SHOULD] + obs[LVL_SHOULD_NOT];
    should_cov = cov[LVL_SHOULD] + cov[LVL_SHOULD_NOT];
    fprintf(fp, "# Requirements and the scenarios that check them\n\n");
    fprintf(fp,
            "Generated by `fedsim clauses` from `%s` (the server-to-server MUSTs and SHOULDs of\n"
            "RFC 6120, RFC 6121, RFC 7590, XEP-0220, XEP-0185, XEP-0178, XEP-0288, XEP-0368 and\n"
            "XEP-0199, one line each) and the `clause:` lines of the scenarios, the cells of the\n"
            "certificate matrix among them (generated by `fedsim matrix`, one entry `matrix/: N\n"
            "cells` per requirement, their outcomes as counts). Do not edit: run `ci/matrix` (it\n"
            "runs the scenarios and regenerates this file with their results), or `fedsim\n"
            "clauses` as `ci/matrix` calls it.\n\n",
            reqpath);
    fprintf(fp,
            "- **MUST / MUST NOT: %zu of %zu observable covered** (%.0f %%); %zu listed, %zu "
            "not checkable from outside\n",
            must_cov, must_obs, must_obs > 0 ? 100.0 * (double)must_cov / (double)must_obs : 0.0,
            listed[LVL_MUST] + listed[LVL_MUST_NOT],
            listed[LVL_MUST] + listed[LVL_MUST_NOT] - must_obs);
    fprintf(fp,
            "- **SHOULD / SHOULD NOT: %zu of %zu observable covered** (%.0f %%); %zu listed, "
            "%zu not checkable from outside\n",
            should_cov, should_obs,
            should_obs > 0 ? 100.0 * (double)should_cov / (double)should_obs : 0.0,
            listed[LVL_SHOULD] + listed[LVL_SHOULD_NOT],
            listed[LVL_SHOULD] + listed[LVL_SHOULD_NOT] - should_obs);
    if (nsuts == 0) {
        fprintf(fp, "- Results: none given (no `--results`): the results column says so; "
                    "`ci/matrix` fills in one column per SUT\n\n");
    } else {
        fprintf(fp, "- Results, per SUT (each citing scenario under each TLS variant it ran): ");
        for (k = 0; k < nsuts; k++)
            fprintf(fp, "%s%s %s", k > 0 ? "; " : "", suts[k].name, suts[k].versions);
        fprintf(fp, ". `ok` when every run passed; else the number that passed and each other "
                    "outcome (**xfail**: a deviation the scenario names, `xfail: SUT:`)\n\n");
    }
    fprintf(fp, "| requirement | level | what it asks | scenarios (or why none) |");
    if (nsuts == 0)
        fprintf(fp, " results |");
    for (k = 0; k < nsuts; k++)
        fprintf(fp, " %s |", suts[k].name);
    fprintf(fp, "\n|---|---|---|---|");
    for (k = 0; k < (nsuts == 0 ? 1 : nsuts); k++)
        fprintf(fp, "---|");
    fprintf(fp, "\n");
    for (i = 0; i < nreqs; i++) {
        const struct req *r = &reqs[i];

        fprintf(fp, "| %s | %s | %s | ", r->id, level_names[r->level], r->text);
        if (r->ncites == 0)
            fprintf(fp, "%s", r->why != NULL ? r->why : "**none yet** (observable)");
        cite_list(fp, paths, r->cites, r->ncites);
        fprintf(fp, " |");
        if (nsuts == 0)
            fprintf(fp, " %s |", r->ncites > 0 ? "no results given" : "—");
        for (k = 0; k < nsuts; k++) {
            if (r->ncites == 0)
                fprintf(fp, " — |");
            else
                sut_cell(fp, r, paths, suts[k].name, res, metas, owner, nres);
        }
        fprintf(fp, "\n");
    }
    fprintf(fp, "\n## Clauses cited that name no requirement above\n\n"
                "A section that holds several requirements (the scenario names the section, not "
                "one of them), a section with none of the keywords, or a document outside the "
                "list (RFC 2782, RFC 7622, XEP-0030, XEP-0344, the seed document...).\n\n"
                "| clause | scenarios |\n|---|---|\n");
    for (i = 0; i < nothers; i++) {
        fprintf(fp, "| %s | ", others[i].clause);
        cite_list(fp, paths, others[i].cites, others[i].ncites);
        fprintf(fp, " |\n");
    }
    return ferror(fp) ? -1 : 0;
}

static int
by_clause(const void *a, const void *b)
{
    return strcmp(((const struct cite_other *)a)->clause, ((const struct cite_other *)b)->clause);
}

static int
clauses_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"requirements", required_argument, NULL, 'r'},
                                         {"results", required_argument, NULL, 'R'},
                                         {"fixtures", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"check", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *reqpath = "docs/requirements.txt", *fixtures = "dnsfixtures", *output = NULL;
    const char **resfiles = NULL;
    size_t nresfiles = 0, nreqs = 0, nothers = 0, nres = 0, nsuts = 0, i, k, j;
    struct req *reqs = NULL;
    struct cite_other *others = NULL;
    struct result *res = NULL;
    struct results_meta *metas = NULL;
    struct sut_runs *suts = NULL;
    size_t *owner = NULL;
    char err[1024], **paths = NULL, *text = NULL;
    int c, check = 0, rc = FEDSIM_EXIT_OK;

    while ((c = getopt_long(argc, argv, "r:R:f:o:ch", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            reqpath = optarg;
            break;
        case 'R':
            resfiles = xreallocarray(resfiles, nresfiles + 1, sizeof(*resfiles));
            resfiles[nresfiles++] = optarg;
            break;
        case 'f':
            fixtures = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'c':
            check = 1;
            break;
        case 'h':
            clauses_usage(stdout);
            free(resfiles);
            return FEDSIM_EXIT_OK;
        default:
            clauses_usage(stderr);
            free(resfiles);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (optind >= argc || (check && output == NULL)) {
        clauses_usage(stderr);
        free(resfiles);
        return FEDSIM_EXIT_USAGE;
    }
    if (load_requirements(reqpath, &reqs, &nreqs, err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim clauses: %s\n", err);
        rc = FEDSIM_EXIT_USAGE;
        goto out;
    }
    paths = scenario_collect(argv + optind, (size_t)(argc - optind), err, sizeof(err));
    if (paths == NULL) {
        fprintf(stderr, "fedsim clauses: %s\n", err);
        rc = FEDSIM_EXIT_USAGE;
        goto out;
    }
    for (i = 0; paths[i] != NULL; i++) {
        struct scenario *s = scenario_load(paths[i], fixtures, err, sizeof(err));

        if (s == NULL) {
            fprintf(stderr, "%s\n", err);
            rc = FEDSIM_EXIT_USAGE;
            continue;
        }
        for (k = 0; k < s->nclauses; k++) {
            const char *cl = s->clauses[k];
            size_t hit = nreqs, insection = 0, last = 0;

            for (j = 0; j < nreqs; j++) {
                if (strcmp(reqs[j].id, cl) == 0)
                    hit = j;
                if (strcmp(reqs[j].section, cl) == 0) {
                    insection++;
                    last = j;
                }
            }
            if (hit == nreqs && insection == 1)
                hit = last;
            if (hit == nreqs && strchr(cl, '/') != NULL) {
                fprintf(stderr, "%s: clause: %s is not in %s\n", paths[i], cl, reqpath);
                rc = FEDSIM_EXIT_USAGE;
                continue;
            }
            if (hit < nreqs && reqs[hit].why != NULL) {
                fprintf(stderr,
                        "%s: clause: %s is listed in %s as not checkable (%s): a scenario "
                        "checks it, so drop the reason there\n",
                        paths[i], cl, reqpath, reqs[hit].why);
                rc = FEDSIM_EXIT_USAGE;
                continue;
            }
            if (hit < nreqs) {
                push_index(&reqs[hit].cites, &reqs[hit].ncites, i);
                continue;
            }
            for (j = 0; j < nothers && strcmp(others[j].clause, cl) != 0; j++)
                ;
            if (j == nothers) {
                others = xreallocarray(others, nothers + 1, sizeof(*others));
                memset(&others[nothers], 0, sizeof(others[nothers]));
                others[nothers++].clause = xstrdup(cl);
            }
            push_index(&others[j].cites, &others[j].ncites, i);
        }
        scenario_free(s);
    }
    if (rc != FEDSIM_EXIT_OK)
        goto out;
    qsort(others, nothers, sizeof(*others), by_clause);
    metas = xcalloc(nresfiles + 1, sizeof(*metas));
    for (i = 0; i < nresfiles; i++) {
        size_t before = nres;

        if (results_read_json(resfiles[i], &metas[i], &res, &nres, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim clauses: %s\n", err);
            rc = FEDSIM_EXIT_USAGE;
            goto out;
        }
        owner = xreallocarray(owner, nres + 1, sizeof(*owner));
        for (j = before; j < nres; j++)
            owner[j] = i;
    }
    /* The SUTs in name order, each with its version and the variants its files ran. */
    for (i = 0; i < nresfiles; i++) {
        const char *name = metas[i].sut_name != NULL ? metas[i].sut_name : "?";

        for (k = 0; k < nsuts && strcmp(suts[k].name, name) != 0; k++)
            ;
        if (k == nsuts) {
            suts = xreallocarray(suts, nsuts + 1, sizeof(*suts));
            suts[nsuts].name = xstrdup(name);
            suts[nsuts++].versions = NULL;
        }
    }
    for (k = 0; k < nsuts; k++)
        for (j = k + 1; j < nsuts; j++)
            if (strcmp(suts[j].name, suts[k].name) < 0) {
                struct sut_runs t = suts[k];

                suts[k] = suts[j];
                suts[j] = t;
            }
    for (k = 0; k < nsuts; k++) {
        const char *tls[3] = {"off", "optional", "required"};
        char *v = NULL;
        size_t t;

        for (i = 0; i < nresfiles && v == NULL; i++)
            if (strcmp(metas[i].sut_name != NULL ? metas[i].sut_name : "?", suts[k].name) == 0)
                v = xstrdup(metas[i].sut_version != NULL ? metas[i].sut_version : "?");
        for (t = 0; t < 3; t++)
            for (i = 0; i < nresfiles; i++)
                if (strcmp(metas[i].sut_name != NULL ? metas[i].sut_name : "?", suts[k].name) ==
                            0 &&
                    strcmp(metas[i].sut_tls != NULL ? metas[i].sut_tls : "off", tls[t]) == 0) {
                    char *nv = xasprintf("%s%s%s", v, strchr(v, '(') != NULL ? ", " : " (", tls[t]);

                    free(v);
                    v = nv;
                    break;
                }
        suts[k].versions = xasprintf("%s%s", v, strchr(v, '(') != NULL ? ")" : "");
        free(v);
    }
    {
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);

        if (mem == NULL ||
            write_table(mem, reqpath, reqs, nreqs, others, nothers, paths, res, metas, owner, nres,
                        suts, nsuts) != 0 ||
            fclose(mem) != 0) {
            fprintf(stderr, "fedsim clauses: out of memory writing the table\n");
            rc = FEDSIM_EXIT_INTERNAL;
            goto out;
        }
        if (output == NULL) {
            fputs(text, stdout);
        } else if (check) {
            FILE *fp = fopen(output, "r");
            char *old = NULL;
            size_t oldlen = 0, got;

            if (fp != NULL) {
                old = xmalloc(len + 2);
                got = fread(old, 1, len + 1, fp);
                oldlen = got;
                fclose(fp);
            }
            if (fp == NULL || oldlen != len || memcmp(old, text, len) != 0) {
                fprintf(stderr,
                        "fedsim clauses: %s is out of date (a scenario's clause: lines or %s "
                        "changed): regenerate it with ci/matrix, or fedsim clauses -o %s with "
                        "the same --results\n",
                        output, reqpath, output);
                rc = FEDSIM_EXIT_FAIL;
            }
            free(old);
        } else {
            FILE *fp = fopen(output, "w");

            if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
                fprintf(stderr, "fedsim clauses: %s: cannot write\n", output);
                rc = FEDSIM_EXIT_USAGE;
            }
        }
    }
out:
    free(text);
    for (i = 0; i < nreqs; i++) {
        free(reqs[i].id);
        free(reqs[i].text);
        free(reqs[i].why);
        free(reqs[i].section);
        free(reqs[i].cites);
    }
    free(reqs);
    for (i = 0; i < nothers; i++) {
        free(others[i].clause);
        free(others[i].cites);
    }
    free(others);
    for (i = 0; i < nres; i++)
        result_clear(&res[i]);
    free(res);
    for (i = 0; metas != NULL && i < nresfiles; i++)
        results_meta_clear(&metas[i]);
    free(metas);
    free(owner);
    for (i = 0; i < nsuts; i++) {
        free(suts[i].name);
        free(suts[i].versions);
    }
    free(suts);
    if (paths != NULL)
        scenario_paths_free(paths);
    free(resfiles);
    return rc;
}

const struct cmd cmd_clauses = {
        .name = "clauses",
        .synopsis = "[--requirements FILE] [--results FILE.json]... [-o FILE [--check]] "
                    "SCENARIO|DIR...",
        .summary = "the table of the standards' requirements, the scenarios citing each, and "
                   "each SUT's results",
        .exec = clauses_exec,
        .usage = clauses_usage,
};
