/* cmd_run.h: what `fedsim run` shares with `fedsim mutate`: its options and its -j workers. */
#ifndef FEDSIM_CMD_RUN_H
#define FEDSIM_CMD_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "runner.h"
#include "scenario.h"
#include "sut.h"

struct done;

struct run_opts {
    const char *sut, *tags, *junit, *json, *transcript, *fixtures, *report, *sut_start;
    int tap, timeout_ms, watchdog_ms, jobs;
    unsigned shard, nshards; /* --shard K/N: run the scenarios i with i % N == K - 1 */
    uint64_t seed;
    /* Another command's items through the same workers (NULL: the scenario files): run_item
     * runs item i in a worker (a fork of the caller, so it sees the caller's memory) into d
     * and returns as run_one does (1 ran, 0 not selected, -1 does not load); item_done gets
     * each result in the caller's process, instead of the human or TAP line. */
    int (*run_item)(const struct run_opts *o, const struct sut *sut, size_t i, struct done *d);
    void (*item_done)(const struct run_opts *o, size_t i, struct done *d);
    void *item_arg; /* borrowed: for run_item and item_done */
};

struct done {
    char *path, *title; /* owned */
    char *clause;       /* owned: the clause: lines, "; "-joined, or NULL */
    struct scenario *s; /* owned with --report (its actors name the lifelines), else NULL */
    struct runner_result r;
    char *extra; /* owned: run_item's own data for item_done (a worker sends it), or NULL */
};

/*
 * Runs paths[i] (NULL-terminated: scenario files, or with run_item labels of its items) over
 * o->jobs workers started with o->sut_start, each in a network namespace of its own with a SUT
 * of its own; done (sized like paths) gets the results in the order they end, counts[outcome]
 * their numbers, *parse_errors the items that did not load, sut the SUT's name, version,
 * domain and tls from the first worker. Returns how many ran.
 */
size_t cmd_run_parallel(const struct run_opts *o, char **paths, struct done *done, size_t *counts,
                        int *parse_errors, struct sut *sut);

/* SIGINT and SIGTERM stop the run between two items (the workers too, with -j; inside a
 * scenario the loop's own handler interrupts it): installs the handler; the signal caught, or
 * 0. */
void cmd_run_catch_signals(void);
int cmd_run_stop_signal(void);

#endif
