/* cmd_merge.c: `fedsim merge`: the JSON results of a suite's shards (`fedsim run --shard K/N
 * --json FILE`, one per CI job) combined into one JUnit and/or JSON file and one verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "results.h"
#include "xmalloc.h"

/* --matrix: one row per scenario, its clause: lines beside it, then one column per SUT (in
 * the order first met), each cell the outcomes of the TLS variants it ran under, with the
 * reason of a failure or an xfail. */
struct run_file {
    char *sut, *tls; /* owned */
    size_t first, n; /* its results in the merged array */
};

static int
by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The one-line reason of a result: an xfail's own reason, else the message's first line. */
static void
reason(const struct result *r, char *out, size_t len)
{
    const char *m = r->r.message != NULL ? r->r.message : "", *p;
    size_t n;

    if (r->r.outcome == RUN_XFAIL && strncmp(m, "expected failure (", 18) == 0 &&
        (p = strstr(m, "): ")) != NULL) {
        const char *q;

        /* The reason ends where the failure's own message begins (with the scenario's path):
         * a reason may hold "): " itself ("RFC 6120 §4.7.4/1 (SHOULD): ..."). */
        for (q = p; q != NULL && strncmp(q + 3, r->path, strlen(r->path)) != 0;
             q = strstr(q + 3, "): "))
            ;
        if (q != NULL)
            p = q;
        m += 18;
        n = (size_t)(p - m);
    } else {
        size_t pl = strlen(r->path);

        /* past "PATH:LINE: ", which the table's row already says */
        if (strncmp(m, r->path, pl) == 0 && m[pl] == ':' && (p = strchr(m + pl + 1, ':')) != NULL &&
            p[1] == ' ')
            m = p + 2;
        n = strcspn(m, "\n");
    }
    snprintf(out, len, "%.*s%s", (int)(n > 160 ? 157 : n), m, n > 160 ? "..." : "");
    for (p = out; *p != '\0'; p++)
        if (*p == '|')
            out[p - out] = '/';
}

/* The clauses of the scenario at path (its results carry them: "A; B"), one per line of the
 * cell ("A<br>B"), or "—" when no result has them. */
static void
clause_cell(const struct result *res, size_t nres, const char *path, char *out, size_t len)
{
    const char *c = NULL, *p;
    size_t i, used = 0;

    for (i = 0; i < nres && c == NULL; i++)
        if (strcmp(res[i].path, path) == 0)
            c = res[i].clause;
    snprintf(out, len, "%s", c == NULL ? "—" : "");
    for (p = c; p != NULL && *p != '\0' && used + 5 < len; p++) {
        if (p[0] == ';' && p[1] == ' ') {
            used += (size_t)snprintf(out + used, len - used, "<br>");
            p++;
        } else {
            out[used++] = *p == '|' ? '/' : *p;
            out[used] = '\0';
        }
    }
}

static int
write_matrix(const char *path, const struct result *res, const struct run_file *files,
             size_t nfiles, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "w");
    const char *suts[16];
    char **paths = NULL;
    size_t nsuts = 0, npaths = 0, nres = 0, i, k, f;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot write", path);
        return -1;
    }
    for (f = 0; f < nfiles; f++) {
        if (files[f].first + files[f].n > nres)
            nres = files[f].first + files[f].n;
        for (k = 0; k < nsuts && strcmp(suts[k], files[f].sut) != 0; k++)
            ;
        if (k == nsuts && nsuts < sizeof(suts) / sizeof(suts[0]))
            suts[nsuts++] = files[f].sut;
        for (i = files[f].first; i < files[f].first + files[f].n; i++) {
            for (k = 0; k < npaths && strcmp(paths[k], res[i].path) != 0; k++)
                ;
            if (k == npaths) {
                paths = xreallocarray(paths, npaths + 1, sizeof(*paths));
                paths[npaths++] = res[i].path;
            }
        }
    }
    qsort(paths, npaths, sizeof(*paths), by_path);
    fprintf(fp, "| scenario | clause |");
    for (k = 0; k < nsuts; k++)
        fprintf(fp, " %s |", suts[k]);
    fprintf(fp, "\n|---|---|");
    for (k = 0; k < nsuts; k++)
        fprintf(fp, "---|");
    fprintf(fp, "\n");
    for (i = 0; i < npaths; i++) {
        const char *name = strstr(paths[i], "scenarios/");
        char clauses[1024];

        clause_cell(res, nres, paths[i], clauses, sizeof(clauses));
        fprintf(fp, "| %s | %s |", name != NULL ? name + 10 : paths[i], clauses);
        for (k = 0; k < nsuts; k++) {
            int any = 0, all_ok = 1;
            char cell[2048] = "", why[256];
            size_t used = 0;

            for (f = 0; f < nfiles; f++) {
                size_t j;

                if (strcmp(files[f].sut, suts[k]) != 0)
                    continue;
                for (j = files[f].first; j < files[f].first + files[f].n; j++) {
                    const struct result *r = &res[j];

                    if (strcmp(r->path, paths[i]) != 0 || r->r.outcome == RUN_SKIP)
                        continue;
                    any = 1;
                    all_ok &= r->r.outcome == RUN_OK;
                    reason(r, why, sizeof(why));
                    if (used < sizeof(cell))
                        used += (size_t)snprintf(cell + used, sizeof(cell) - used,
                                                 "%s%s: **%s**%s%s", used > 0 ? "<br>" : "",
                                                 files[f].tls, runner_outcome_str(r->r.outcome),
                                                 r->r.outcome != RUN_OK ? " " : "",
                                                 r->r.outcome != RUN_OK ? why : "");
                }
            }
            fprintf(fp, " %s |", !any ? "—" : all_ok ? "ok" : cell);
        }
        fprintf(fp, "\n");
    }
    free(paths);
    if (ferror(fp) | (fclose(fp) != 0)) {
        snprintf(err, errlen, "%s: cannot write", path);
        return -1;
    }
    return 0;
}

static void
merge_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim merge [--junit FILE] [--json FILE] [--matrix FILE.md] RESULTS.json...\n"
            "\n"
            "Combines the results of several `fedsim run --json` runs, typically the shards of\n"
            "one suite (`--shard K/N`, one CI job each), and prints the summary line of the\n"
            "whole: \"N passed, N failed, N skipped\".\n"
            "  - every shard 1/N..N/N must be there once (a missing one is an error: its\n"
            "    scenarios did not run); files without a shard are taken as they are;\n"
            "  - a scenario found in two files is reported, and counted twice.\n"
            "\n"
            "      --junit FILE   write one JUnit XML file of all the scenarios\n"
            "      --json FILE    write one JSON results file of all of them\n"
            "      --matrix FILE  write a Markdown table: a row per scenario (and its clause:\n"
            "                     lines), a column per SUT (the files' sut names), per cell\n"
            "                     the outcome under each TLS variant with the one-line reason\n"
            "                     of failures and xfails; the\n"
            "                     files are then runs of one suite against several SUTs and\n"
            "                     variants, so a scenario in several files is expected\n"
            "\n"
            "Exit status: 0 nothing failed, 1 a scenario failed (or erred), 2 bad usage or\n"
            "an unreadable file, 3 a shard is missing or given twice.\n");
}

static int
merge_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"junit", required_argument, NULL, 'j'},
                                         {"json", required_argument, NULL, 'J'},
                                         {"matrix", required_argument, NULL, 'M'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *junit = NULL, *json = NULL, *matrix = NULL;
    struct run_file *files = NULL;
    struct result *res = NULL;
    struct results_meta out = {0};
    size_t n = 0, i, k, counts[RUN_XFAIL + 1] = {0}, nfiles;
    unsigned nshards = 0, *seen = NULL;
    char err[1024];
    int c, rc = FEDSIM_EXIT_OK, shard_problem = 0;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            junit = optarg;
            break;
        case 'J':
            json = optarg;
            break;
        case 'M':
            matrix = optarg;
            break;
        case 'h':
            merge_usage(stdout);
            return FEDSIM_EXIT_OK;
        default:
            merge_usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        merge_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    nfiles = (size_t)(argc - optind);
    files = xcalloc(nfiles + 1, sizeof(*files));
    for (i = 0; i < nfiles; i++) {
        struct results_meta meta = {0};
        unsigned kk, nn;
        const char *path = argv[optind + (int)i];

        files[i].first = n;
        if (results_read_json(path, &meta, &res, &n, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim merge: %s\n", err);
            rc = FEDSIM_EXIT_USAGE;
            goto out;
        }
        files[i].n = n - files[i].first;
        files[i].sut = xstrdup(meta.sut_name != NULL ? meta.sut_name : "?");
        files[i].tls = xstrdup(meta.sut_tls != NULL ? meta.sut_tls : "off");
        out.seconds = meta.seconds > out.seconds ? meta.seconds : out.seconds; /* side by side */
        if (out.sut_name == NULL && meta.sut_name != NULL) {
            out.sut_name = xstrdup(meta.sut_name);
            out.sut_version = meta.sut_version != NULL ? xstrdup(meta.sut_version) : NULL;
            out.sut_domain = meta.sut_domain != NULL ? xstrdup(meta.sut_domain) : NULL;
            out.sut_tls = meta.sut_tls != NULL ? xstrdup(meta.sut_tls) : NULL;
        }
        if (meta.shard != NULL && sscanf(meta.shard, "%u/%u", &kk, &nn) == 2 && kk >= 1 &&
            kk <= nn && nn <= 100000) {
            if (nshards == 0) {
                nshards = nn;
                seen = xcalloc(nn + 1, sizeof(*seen));
            }
            if (nn != nshards) {
                fprintf(stderr, "fedsim merge: %s is shard %s, the others are of %u\n", path,
                        meta.shard, nshards);
                shard_problem = 1;
            } else if (seen[kk]++ > 0) {
                fprintf(stderr, "fedsim merge: shard %s given twice (again in %s)\n", meta.shard,
                        path);
                shard_problem = 1;
            }
        }
        results_meta_clear(&meta);
    }
    for (k = 1; k <= nshards; k++)
        if (seen[k] == 0) {
            fprintf(stderr, "fedsim merge: shard %zu/%u is missing: its scenarios did not run\n", k,
                    nshards);
            shard_problem = 1;
        }
    for (i = 0; i < n; i++) {
        counts[res[i].r.outcome]++;
        for (k = 0; k < i && matrix == NULL; k++)
            if (strcmp(res[i].path, res[k].path) == 0) {
                fprintf(stderr, "fedsim merge: %s is in two files\n", res[i].path);
                break;
            }
    }
    if (junit != NULL && results_write_junit(junit, res, n, out.seconds, err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim merge: --junit %s\n", err);
        rc = FEDSIM_EXIT_USAGE;
    }
    if (json != NULL && results_write_json(json, &out, res, n, err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim merge: --json %s\n", err);
        rc = FEDSIM_EXIT_USAGE;
    }
    if (matrix != NULL && write_matrix(matrix, res, files, nfiles, err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim merge: --matrix %s\n", err);
        rc = FEDSIM_EXIT_USAGE;
    }
    if (counts[RUN_XFAIL] + counts[RUN_ERROR] > 0)
        printf("(%zu failed as expected on this SUT, %zu could not run)\n", counts[RUN_XFAIL],
               counts[RUN_ERROR]);
    printf("%zu passed, %zu failed, %zu skipped (%zu files)\n", counts[RUN_OK] + counts[RUN_XFAIL],
           counts[RUN_FAIL] + counts[RUN_ERROR], counts[RUN_SKIP], nfiles);
    if (rc == FEDSIM_EXIT_OK)
        rc = shard_problem                              ? FEDSIM_EXIT_INTERNAL
             : counts[RUN_FAIL] + counts[RUN_ERROR] > 0 ? FEDSIM_EXIT_FAIL
                                                        : FEDSIM_EXIT_OK;
out:
    for (i = 0; i < n; i++)
        result_clear(&res[i]);
    free(res);
    free(seen);
    for (i = 0; files != NULL && i < nfiles; i++) {
        free(files[i].sut);
        free(files[i].tls);
    }
    free(files);
    results_meta_clear(&out);
    return rc;
}

const struct cmd cmd_merge = {
        .name = "merge",
        .synopsis = "[--junit FILE] [--json FILE] RESULTS.json...",
        .summary = "combine the JSON results of a suite's shards into one verdict and file",
        .exec = merge_exec,
        .usage = merge_usage,
};
