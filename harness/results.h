/* results.h: a run's results as files: JUnit XML (CI systems) and fedsim's JSON, which `fedsim
 * merge` reads back to combine the shards of one suite (`fedsim run --shard K/N`).
 *
 * JSON: {"fedsim": VERSION, "shard": "K/N" | null, "seconds": S,
 *        "sut": {"name", "version", "domain", "tls"},
 *        "counts": {"ok", "fail", "error", "skip", "xfail"},
 *        "scenarios": [{"path", "title", "clause", "outcome", "seconds", "line", "message"}...]}
 */
#ifndef FEDSIM_RESULTS_H
#define FEDSIM_RESULTS_H

#include <stddef.h>

#include "runner.h"

struct result {
    char *path, *title;     /* owned */
    char *clause;           /* owned: the scenario's clauses, "; "-joined, or NULL */
    struct runner_result r; /* outcome, seconds, line, message (owned) */
};

struct results_meta {
    char *shard;                                /* owned: "K/N", NULL if not sharded */
    char *sut_name, *sut_version, *sut_domain, *sut_tls; /* owned, NULL if unknown */
    double seconds;
};

int results_write_junit(const char *path, const struct result *res, size_t n, double seconds,
                        char *err, size_t errlen);
int results_write_json(const char *path, const struct results_meta *meta,
                       const struct result *res, size_t n, char *err, size_t errlen);

/*
 * Reads a JSON results file: its scenarios appended to *res (*n updated, the array
 * reallocated), its header into *meta (owned strings). Returns 0, or -1 with "path: why".
 */
int results_read_json(const char *path, struct results_meta *meta, struct result **res,
                      size_t *n, char *err, size_t errlen);

void results_meta_clear(struct results_meta *meta);
void result_clear(struct result *r);

/* An outcome from its name ("ok", "fail", ...); -1 if unknown. */
int results_outcome(const char *name);

#endif
