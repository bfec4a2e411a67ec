/* cmd_check.c: `fedsim check`: parses scenarios without running them; errors are
 * file:line:col with a hint. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "datadir.h"
#include "scenario.h"

static void
check_usage(FILE *fp)
{
    fprintf(fp, "usage: fedsim check [--fixtures DIR] SCENARIO|DIR...\n"
                "\n"
                "Parses scenario files (directories are searched for *.scn) without running\n"
                "anything: syntax, actors, steps, stanzas (well-formed XML), zone files found.\n"
                "Errors are FILE:LINE:COL: message. The language: docs/scenarios.md.\n"
                "\n"
                "A suite may be given by name, as with fedsim run (seed, conformance...).\n"
                "\n"
                "  -f, --fixtures DIR   where zone files are looked up after the scenario's own\n"
                "                       directory (default: ./dnsfixtures, else the installed\n"
                "                       PREFIX/share/fedsim/dnsfixtures)\n"
                "\n"
                "Exit status: 0 every scenario parses, 2 one or more do not.\n");
}

static int
check_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"fixtures", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *fixtures = datadir_fixtures();
    char err[1024], **paths;
    size_t i, bad = 0, good = 0;
    int c;

    while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fixtures = optarg;
            break;
        case 'h':
            check_usage(stdout);
            return FEDSIM_EXIT_OK;
        default:
            check_usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        check_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    paths = scenario_collect(argv + optind, (size_t)(argc - optind), err, sizeof(err));
    if (paths == NULL) {
        fprintf(stderr, "fedsim check: %s\n", err);
        return FEDSIM_EXIT_USAGE;
    }
    for (i = 0; paths[i] != NULL; i++) {
        struct scenario *s = scenario_load(paths[i], fixtures, err, sizeof(err));

        if (s == NULL) {
            fprintf(stderr, "%s\n", err);
            bad++;
        } else {
            good++;
        }
        scenario_free(s);
    }
    scenario_paths_free(paths);
    printf("%zu scenario%s parse%s, %zu do%s not\n", good, good == 1 ? "" : "s",
           good == 1 ? "s" : "", bad, bad == 1 ? "es" : "");
    return bad > 0 ? FEDSIM_EXIT_USAGE : FEDSIM_EXIT_OK;
}

const struct cmd cmd_check = {
        .name = "check",
        .synopsis = "[--fixtures DIR] SCENARIO|DIR...",
        .summary = "parse scenarios without running them (errors as file:line:col)",
        .exec = check_exec,
        .usage = check_usage,
};
