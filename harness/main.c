/* main.c: fedsim's entry point: global options, then one subcommand from the table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd.h"
#include "log.h"
#include "version.h"

/* Sorted by name. */
static const struct cmd *const commands[] = {&cmd_ca,    &cmd_check,  &cmd_clauses, &cmd_dns,
                                             &cmd_load,  &cmd_matrix, &cmd_merge,   &cmd_mutate,
                                             &cmd_probe, &cmd_record, &cmd_run,     &cmd_serve};

static void
usage(FILE *fp)
{
    size_t i;

    fprintf(fp, "usage: fedsim [-v] [-T CATEGORIES] COMMAND [ARGS...]\n"
                "\n"
                "fedsim plays the remote side of XMPP federation around a real XMPP server under\n"
                "test: fake remote servers, and the DNS they are found through.\n"
                "\n"
                "commands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-6s %s\n         %s\n", commands[i]->name, commands[i]->synopsis,
                commands[i]->summary);
    fprintf(fp,
            "\n"
            "options:\n"
            "  -v, --verbose        debug messages on stderr\n"
            "  -T, --trace LIST     trace categories on stderr: %s\n"
            "  -h, --help           this help; `fedsim COMMAND --help` for a command\n"
            "      --version        print the version\n"
            "\n"
            "exit status: 0 all passed, 1 a scenario failed, 2 bad usage or input,\n"
            "3 internal error.\n",
            log_trace_names());
}

/* Many simultaneous sessions (load, hostile tests) need more descriptors than the usual soft
 * limit of 1024: take what the hard limit allows. */
static void
raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {{"verbose", no_argument, NULL, 'v'},
                                         {"trace", required_argument, NULL, 'T'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    int verbose = 0, c;
    size_t i;
    char err[256];

    raise_nofile();
    /* '+': stop at the command name; its own options are its own. */
    while ((c = getopt_long(argc, argv, "+vT:h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            verbose++;
            break;
        case 'T':
            if (log_trace_parse(optarg, &log_traces, err, sizeof(err)) != 0) {
                fprintf(stderr, "fedsim: %s\n", err);
                return FEDSIM_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return FEDSIM_EXIT_OK;
        case 'V':
            printf("fedsim %s\n", version_string);
            return FEDSIM_EXIT_OK;
        default:
            usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    log_init(NULL, verbose);
    if (optind >= argc) {
        usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i]->name) == 0) {
            int first = optind;

            optind = 0; /* glibc: 0 re-initialises getopt for the command's own options */
            return commands[i]->exec(argc - first, argv + first);
        }
    }
    fprintf(stderr, "fedsim: unknown command \"%s\" (try fedsim --help)\n", argv[optind]);
    return FEDSIM_EXIT_USAGE;
}
