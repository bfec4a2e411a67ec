/* cmd.h: the subcommands of the fedsim binary (one file each: cmd_dns.c, ...) and exit codes. */
#ifndef FEDSIM_CMD_H
#define FEDSIM_CMD_H

#include <stdio.h>

enum fedsim_exit {
    FEDSIM_EXIT_OK = 0,       /* everything passed */
    FEDSIM_EXIT_FAIL = 1,     /* a scenario failed */
    FEDSIM_EXIT_USAGE = 2,    /* bad usage or bad input (zone, SUT file, scenario) */
    FEDSIM_EXIT_INTERNAL = 3, /* fedsim itself could not work (a socket, memory...) */
};

struct cmd {
    const char *name;
    const char *synopsis; /* one line: the arguments */
    const char *summary;  /* one line: what it does */
    int (*exec)(int argc, char **argv);
    void (*usage)(FILE *fp);
};

extern const struct cmd cmd_ca;
extern const struct cmd cmd_check;
extern const struct cmd cmd_clauses;
extern const struct cmd cmd_dns;
extern const struct cmd cmd_load;
extern const struct cmd cmd_matrix;
extern const struct cmd cmd_merge;
extern const struct cmd cmd_mutate;
extern const struct cmd cmd_probe;
extern const struct cmd cmd_record;
extern const struct cmd cmd_run;
extern const struct cmd cmd_serve;

#endif
