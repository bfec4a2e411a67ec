/* fuzz.c: what the fuzz targets share: quiet logs, failed oracles, the loop, input slicing. */
#include "fuzz.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"

void
fuzz_quiet(void)
{
    static int done;
    FILE *fp;

    if (done)
        return;
    done = 1;
    if (getenv("FEDSIM_FUZZ_LOG") != NULL) {
        log_init(stderr, 1);
        log_traces = ~0u & ~(unsigned)LOG_TRACE_LIB;
        return;
    }
    /* Kept open for the life of the process, like stderr. */
    fp = fopen("/dev/null", "w");
    log_init(fp != NULL ? fp : stderr, 0);
}

void
fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "fuzz oracle failed: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void
fuzz_loop_init(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    static int done;
    struct sigaction old[3];
    char err[256];
    size_t i;

    if (done)
        return;
    done = 1;
    for (i = 0; i < 3; i++)
        sigaction(sigs[i], NULL, &old[i]);
    if (loop_init(err, sizeof(err)) != 0)
        fuzz_fail("%s", err);
    /* libevent took them over; libFuzzer stops on them and prints its statistics. */
    for (i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
}

void
fuzz_loop_settle(void)
{
    int i;

    /* One pass first: I/O that epoll reports is not active until a pass looks. */
    event_base_loop(loop_base(), EVLOOP_NONBLOCK);
    for (i = 0; i < 100 && event_base_get_num_events(loop_base(), EVENT_BASE_COUNT_ACTIVE) > 0; i++)
        event_base_loop(loop_base(), EVLOOP_NONBLOCK);
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void
fuzz_chunks_init(struct fuzz_chunks *c, const uint8_t *data, size_t size, uint8_t seed)
{
    c->data = data;
    c->size = size;
    c->pos = 0;
    c->mode = seed & 3u;
    c->state = 0x9e3779b9u ^ ((uint32_t)seed << 8) ^ (uint32_t)seed;
}

uint32_t
fuzz_chunks_rand(struct fuzz_chunks *c, uint32_t n)
{
    /* xorshift32: deterministic, never 0 from a non-zero state. */
    c->state ^= c->state << 13;
    c->state ^= c->state >> 17;
    c->state ^= c->state << 5;
    return c->state % n;
}

size_t
fuzz_chunks_next(struct fuzz_chunks *c, const uint8_t **chunk)
{
    size_t left = c->size - c->pos, len;

    if (left == 0)
        return 0;
    switch (c->mode) {
    case 0:
        len = left;
        break;
    case 1:
        len = 1;
        break;
    case 2:
        len = 1 + fuzz_chunks_rand(c, 16);
        break;
    default:
        len = 1 + fuzz_chunks_rand(c, 512);
        break;
    }
    if (len > left)
        len = left;
    *chunk = c->data + c->pos;
    c->pos += len;
    return len;
}
