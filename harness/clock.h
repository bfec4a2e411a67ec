/* clock.h: the one clock seam; all time the harness reads goes through here so tests can fake it.
 */
#ifndef FEDSIM_CLOCK_H
#define FEDSIM_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct clock_ops {
    /* Monotonic time in microseconds, for durations and deadlines. */
    uint64_t (*monotonic_us)(void);
    /* Wall-clock time, for timestamps in logs and reports. */
    void (*wall)(struct timespec *ts);
};

/* The real clock (CLOCK_MONOTONIC and CLOCK_REALTIME). */
extern const struct clock_ops clock_real;

/* Replaces the clock (tests); NULL restores the real one. */
void clock_set(const struct clock_ops *ops);

uint64_t clock_monotonic_us(void);
void clock_wall(struct timespec *ts);

/* Writes ts as "2026-11-24T10:07:01.123Z" (UTC, milliseconds) into buf (>= 25 bytes). */
void clock_format(const struct timespec *ts, char *buf, size_t len);

/* Writes the wall time as "2026-11-24T10:07:01.123Z" (UTC, milliseconds) into buf (>= 25 bytes). */
void clock_format_wall(char *buf, size_t len);

#endif
