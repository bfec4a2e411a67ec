/* cmd_merge.c: `fedsim merge`: the JSON results of a suite's shards (`fedsim run --shard K/N
 * --json FILE`, one per CI job) combined into one JUnit and/or JSON file and one verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "results.h"
#include "xmalloc.h"

static void
merge_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim merge [--junit FILE] [--json FILE] RESULTS.json...\n"
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
            "\n"
            "Exit status: 0 nothing failed, 1 a scenario failed (or erred), 2 bad usage or\n"
            "an unreadable file, 3 a shard is missing or given twice.\n");
}

static int
merge_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"junit", required_argument, NULL, 'j'},
                                         {"json", required_argument, NULL, 'J'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *junit = NULL, *json = NULL;
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
    for (i = 0; i < nfiles; i++) {
        struct results_meta meta = {0};
        unsigned kk, nn;
        const char *path = argv[optind + (int)i];

        if (results_read_json(path, &meta, &res, &n, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim merge: %s\n", err);
            rc = FEDSIM_EXIT_USAGE;
            goto out;
        }
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
            fprintf(stderr, "fedsim merge: shard %zu/%u is missing: its scenarios did not run\n",
                    k, nshards);
            shard_problem = 1;
        }
    for (i = 0; i < n; i++) {
        counts[res[i].r.outcome]++;
        for (k = 0; k < i; k++)
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
    if (counts[RUN_XFAIL] + counts[RUN_ERROR] > 0)
        printf("(%zu failed as expected on this SUT, %zu could not run)\n", counts[RUN_XFAIL],
               counts[RUN_ERROR]);
    printf("%zu passed, %zu failed, %zu skipped (%zu files)\n",
           counts[RUN_OK] + counts[RUN_XFAIL], counts[RUN_FAIL] + counts[RUN_ERROR],
           counts[RUN_SKIP], nfiles);
    if (rc == FEDSIM_EXIT_OK)
        rc = shard_problem                                   ? FEDSIM_EXIT_INTERNAL
             : counts[RUN_FAIL] + counts[RUN_ERROR] > 0 ? FEDSIM_EXIT_FAIL
                                                              : FEDSIM_EXIT_OK;
out:
    for (i = 0; i < n; i++)
        result_clear(&res[i]);
    free(res);
    free(seen);
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
