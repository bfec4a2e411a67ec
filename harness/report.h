/*
 * report.h: `fedsim run --report FILE.html`: one self-contained HTML file (no external assets)
 * with, per scenario, its outcome and a sequence diagram drawn as SVG: a lifeline for each SUT
 * client, the SUT, fedsim's DNS and each peer; an arrow for each DNS question, connection, TLS
 * handshake, authentication and stanza, in time order; the failing step in red. Each arrow's
 * raw bytes show on hover (its SVG title) and in a numbered list under the diagram.
 */
#ifndef FEDSIM_REPORT_H
#define FEDSIM_REPORT_H

#include <stddef.h>

#include "runner.h"
#include "scenario.h"

struct report_item {
    const char *path, *title;          /* borrowed */
    const struct scenario *s;          /* borrowed: the actors' names (may be NULL) */
    const struct runner_result *r;     /* borrowed: outcome, message, events */
};

/* Writes the report. Returns 0, or -1 with the reason in err. */
int report_write(const char *path, const struct report_item *items, size_t n, char *err,
                 size_t errlen);

#endif
