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
    int record_events;      /* keep the arrows of a sequence diagram in the result (--report) */
};

/* One arrow of a sequence diagram: between two lifelines (an actor's index, RUNNER_SUT or
 * RUNNER_DNS), with a short label and the raw bytes or line behind it. */
#define RUNNER_SUT ((size_t)-1)
#define RUNNER_DNS ((size_t)-2)
struct runner_event {
    double t;          /* seconds since the scenario started */
    size_t from, to;
    char label[96];
    char *raw;         /* owned */
    int failed;        /* the failing step */
};

struct runner_result {
    enum runner_outcome outcome;
    double seconds;
    int line;            /* the failing step's line (0 if none) */
    int interrupted;     /* SIGINT/SIGTERM arrived: stop the run */
    char *message;       /* owned: why it failed / erred / was skipped, with the evidence
                          * ("" when it passed); freed by runner_result_clear */
    struct runner_event *events; /* owned, with record_events: free with runner_result_clear */
    size_t nevents;
    double *step_seconds; /* owned: per step, when it passed (seconds since the start), -1 if it
                           * did not; fedsim mutate bounds a mutated step's wait by it */
};

void runner_result_clear(struct runner_result *r);

void runner_run(const struct scenario *s, const struct sut *sut, const struct runner_options *o,
                struct runner_result *r);

#endif
