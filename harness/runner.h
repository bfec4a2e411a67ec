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

#include "net.h"
#include "scenario.h"
#include "sut.h"

enum runner_outcome { RUN_OK, RUN_FAIL, RUN_ERROR, RUN_SKIP, RUN_XFAIL };

const char *runner_outcome_str(enum runner_outcome o);

struct runner_options {
    int default_timeout_ms; /* per wait, when neither the step nor the scenario says */
    int watchdog_ms;        /* the whole scenario, whatever its waits say (0: 300 s) */
    uint64_t seed;          /* every random choice of the run (chance.h): faults at random,
                             * the peers' SRV ordering; the same seed, the same choices */
    FILE *transcript;       /* NULL, or where every event line goes */
    int record_events;      /* keep the arrows of a sequence diagram in the result (--report) */
    /* Runs side by side against one SUT (`run -j N --sut`): the parent gives each run its names,
     * addresses and ports, and relays the SUT's DNS queries to dns_listen (harness/dns_relay.h). */
    const char *run_label;         /* NULL: random; else every peer domain is LABEL.DOMAIN */
    unsigned addr_block;           /* 0: the next of this process; else 1..64000 */
    int map_ports;                 /* SRV ports become ports of the run's own too */
    const struct net_addr *dns_listen; /* NULL: the SUT file's dns address */
    int hosts_part; /* 0: the SUT's hosts file is the run's; k: its part k of a shared one */
};

/* The address block (1..RUNNER_ADDR_BLOCKS) of 127.A.B.X: A and B. */
#define RUNNER_ADDR_BLOCKS (250u * 256u)

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
    /* "random: 12 choices from seed 7, digest ... (--seed 7 makes the same ones)" when the run
     * made random choices (faults at random), else "": for the report. */
    char random[160];
};

void runner_result_clear(struct runner_result *r);

/*
 * 1 if the scenario must run alone when runs share the SUT (`run -j N --sut`), with the reason
 * in why: it says `isolation: exclusive`, its DNS steps are about the SUT's own names, or a zone
 * of its names the SUT's domain (the SUT's own records, which every run would see). Else 0.
 */
int runner_exclusive(const struct scenario *s, const struct sut *sut, char *why, size_t len);

void runner_run(const struct scenario *s, const struct sut *sut, const struct runner_options *o,
                struct runner_result *r);

#endif
