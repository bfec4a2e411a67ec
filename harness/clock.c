/* clock.c: the real clock and the switch that lets tests replace it. */
#include "clock.h"

#include <stdio.h>

static uint64_t
real_monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
real_wall(struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
}

const struct clock_ops clock_real = {.monotonic_us = real_monotonic_us, .wall = real_wall};

static const struct clock_ops *clock_ops = &clock_real;

void
clock_set(const struct clock_ops *ops)
{
    clock_ops = ops != NULL ? ops : &clock_real;
}

uint64_t
clock_monotonic_us(void)
{
    return clock_ops->monotonic_us();
}

void
clock_wall(struct timespec *ts)
{
    clock_ops->wall(ts);
}

void
clock_format(const struct timespec *ts, char *buf, size_t len)
{
    struct tm tm;
    char day[24];

    gmtime_r(&ts->tv_sec, &tm);
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", day, (int)((ts->tv_nsec / 1000000L) % 1000));
}

void
clock_format_wall(char *buf, size_t len)
{
    struct timespec ts;

    clock_wall(&ts);
    clock_format(&ts, buf, len);
}
