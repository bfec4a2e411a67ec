/*
 * fuzz.h: what the fuzz targets share: libFuzzer's entry point, quiet logs, a failed
 * oracle, fedsim's loop run without blocking, and input slicing: chunk sizes drawn from a seed
 * byte of the input itself, so that the same input always splits the same way and libFuzzer
 * can mutate the split too.
 */
#ifndef FEDSIM_FUZZ_H
#define FEDSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer calls this with each input; tests/fuzz/replay.c calls it for each file given. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fedsim's log goes to /dev/null unless FEDSIM_FUZZ_LOG is set (then stderr, with -T s2s,c2s
 * style traces of every category). Idempotent. */
void fuzz_quiet(void);

/* An oracle failed: prints why and aborts, which libFuzzer records as a crash. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A copy of data[0..size) with a NUL after it (owned), for the text parsers. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* The fedsim loop (loop.h), made once per process; SIGINT and SIGTERM stay libFuzzer's. */
void fuzz_loop_init(void);

/* Runs the loop without blocking until nothing is active any more (at most 100 passes): ready
 * callbacks, deferred ones and deferred frees, never a timer that has not expired. */
void fuzz_loop_settle(void);

struct fuzz_chunks {
    const uint8_t *data; /* borrowed */
    size_t size, pos;
    unsigned mode;  /* 0: all at once, 1: byte by byte, 2: 1..16 bytes, 3: 1..512 bytes */
    uint32_t state; /* xorshift state */
};

/* Slices data[0..size) in the way `seed` selects. */
void fuzz_chunks_init(struct fuzz_chunks *c, const uint8_t *data, size_t size, uint8_t seed);

/* The next slice: its length (0 once everything was handed out) and *chunk. */
size_t fuzz_chunks_next(struct fuzz_chunks *c, const uint8_t **chunk);

/* A number in 0..n-1 from the chunker's generator (n > 0). */
uint32_t fuzz_chunks_rand(struct fuzz_chunks *c, uint32_t n);

#endif
