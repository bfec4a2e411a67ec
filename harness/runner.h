/*
 * runner.h: runs one parsed scenario against a SUT: fresh DNS responder (on the SUT's dns
 * address), resolver, peers and clients per scenario; steps in order, each wait bounded by its
 * own `within`, the scenario's `timeout:` or the run's default; an outcome with the failing
 * step's file:line, what was expected, the closest thing that arrived and the last lines of
 * the transcript.
 */
#ifndef FEDSIM_RUNNER_H
#define FEDSIM_RUNNER_H

#include <stdint.h>
#include <stdio.h>

#include "scenario.h"
#include "sut.h"

enum runner_outcome { RUN_OK, RUN_FAIL, RUN_ERROR, RUN_SKIP, RUN_XFAIL };

const char *runner_outcome_str(enum runner_outcome o);

struct runner_options {
    int default_timeout_ms; /* per wait, when neither the step nor the scenario says */
    int watchdog_ms;        /* the whole scenario, whatever its waits say (0: 300 s) */
    uint64_t seed;          /* SRV ordering */
    FILE *transcript;       /* NULL, or where every event line goes */
};

struct runner_result {
    enum runner_outcome outcome;
    double seconds;
    int line;            /* the failing step's line (0 if none) */
    int interrupted;     /* SIGINT/SIGTERM arrived: stop the run */
    char message[16384]; /* why it failed / erred / was skipped, with the evidence */
};

void runner_run(const struct scenario *s, const struct sut *sut, const struct runner_options *o,
                struct runner_result *r);

#endif
