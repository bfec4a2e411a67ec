/* cmd_record.c: `fedsim record --from-transcript FILE`: a transcript of a run turned into a
 * scenario that replays it (record.h). Recording a live session through a proxy is not here
 * yet (docs/record.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "file.h"
#include "record.h"
#include "scenario.h"
#include "xmalloc.h"

#define RECORD_MAX_FILE (64u << 20)

static void
record_usage(FILE *fp)
{
    fprintf(fp, "usage: fedsim record --from-transcript FILE [-o SCENARIO] [--zone FILE]\n"
                "\n"
                "Turns a transcript (fedsim run --transcript DIR writes one per scenario) into a\n"
                "scenario that replays it against the SUT: the run's peers and clients, what the\n"
                "fedsim side sent as sends steps, what the SUT sent as receives steps, the run's\n"
                "names made the scenario's (${NAME.full}, ${sut.domain}, the peers' domains) and\n"
                "the SUT's iq ids captured. A peer's autopilot answers are left to the replay's\n"
                "autopilot. The scenario is checked as fedsim check would (docs/record.md).\n"
                "\n"
                "  -t, --from-transcript FILE  the transcript\n"
                "  -o, --output FILE           where the scenario goes (default: stdout)\n"
                "  -z, --zone FILE             its zone: line (default federation.zone)\n"
                "\n"
                "Exit status: 0 written, 2 bad usage or a transcript it cannot use.\n");
}

static int
record_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"from-transcript", required_argument, NULL, 't'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"zone", required_argument, NULL, 'z'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct record_options ro = {0};
    const char *from = NULL, *output = NULL;
    char err[1024], *text = NULL, *scn = NULL;
    struct scenario *s;
    int c, rc = FEDSIM_EXIT_USAGE;

    while ((c = getopt_long(argc, argv, "t:o:z:h", opts, NULL)) != -1) {
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
        case 'h':
            record_usage(stdout);
            return FEDSIM_EXIT_OK;
        default:
            record_usage(stderr);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (from == NULL || optind < argc) {
        fprintf(stderr, "fedsim record: needs --from-transcript FILE (recording a live session "
                        "is not there yet)\n");
        record_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    ro.source = from;
    if ((text = file_read(from, RECORD_MAX_FILE, err, sizeof(err))) == NULL ||
        (scn = record_from_transcript(text, &ro, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim record: %s%s%s\n", text != NULL ? from : "",
                text != NULL ? ":" : "", err);
        goto out;
    }
    /* What it wrote must parse (zones are not looked up: the replay's directory decides). */
    if ((s = scenario_parse(output != NULL ? output : "(stdout)", scn, NULL, err, sizeof(err))) ==
        NULL) {
        if (strstr(err, "zone") == NULL) {
            fprintf(stderr, "fedsim record: the scenario made from %s does not parse: %s\n", from,
                    err);
            rc = FEDSIM_EXIT_INTERNAL;
            goto out;
        }
    }
    scenario_free(s);
    if (output != NULL) {
        FILE *fp = fopen(output, "w");

        if (fp == NULL || fputs(scn, fp) == EOF || fclose(fp) != 0) {
            fprintf(stderr, "fedsim record: %s: %s\n", output, strerror(errno));
            rc = FEDSIM_EXIT_INTERNAL;
            goto out;
        }
    } else {
        fputs(scn, stdout);
    }
    rc = FEDSIM_EXIT_OK;
out:
    free(text);
    free(scn);
    return rc;
}

const struct cmd cmd_record = {
        .name = "record",
        .synopsis = "--from-transcript FILE [-o SCENARIO] [--zone FILE]",
        .summary = "turn a run's transcript into a scenario that replays it",
        .exec = record_exec,
        .usage = record_usage,
};
