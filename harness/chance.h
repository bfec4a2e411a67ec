/*
 * chance.h: the one seeded generator every random choice of a run is drawn from (probabilistic
 * faults: stanzas dropped or delayed, jitter, connections cut, DNS answers failed), and the log
 * of those choices.
 *
 * The generator is counter-based: draw n of stream S is a pure function of (seed, S, n), a
 * SplitMix64 finaliser over the seed, a hash of S and n. A stream is one place that draws (a
 * peer's outgoing stanzas, its incoming ones, its new connections, one DNS question), so the
 * choices made at one place do not shift when another place's events come in a different
 * order (the SUT's timing decides that order, not the seed). Given the same seed, the same
 * events at each place get the same choices in the same order: `--seed N` replays them.
 *
 * Each choice is logged as one line (to the log callback: the transcript) and folded into a
 * digest that does not depend on how the streams interleave, so two runs' choices compare by
 * one number:
 *   chance #3 gmail.out#2: drop 30%: yes (draw 0.1123)
 */
#ifndef FEDSIM_CHANCE_H
#define FEDSIM_CHANCE_H

#include <stddef.h>
#include <stdint.h>

#define CHANCE_STREAM_MAX 96       /* a stream's name, with its NUL */
#define CHANCE_PPM        1000000u /* percentages are parts per million: 100% */

struct chance_stream {
    char name[CHANCE_STREAM_MAX];
    uint64_t next; /* the index of its next draw */
};

struct chance {
    uint64_t seed;
    struct chance_stream *streams; /* owned */
    size_t nstreams;
    unsigned long choices; /* choices made (logged) so far */
    uint64_t digest;       /* the sum of each choice's hash (its line without "#K") */
    /* Where each choice's line goes (NULL: nowhere); borrowed argument. */
    void (*log)(const char *line, void *arg);
    void *log_arg;
};

/* A generator for `seed`, with no draws yet. */
void chance_init(struct chance *c, uint64_t seed);
void chance_clear(struct chance *c);

/* Draw n of stream `stream`, without logging or advancing anything (the generator itself). */
uint64_t chance_value(uint64_t seed, const char *stream, uint64_t n);

/* The next raw draw of a stream (advances it; not logged: for state seeded from it, such as
 * the SRV ordering's). */
uint64_t chance_next(struct chance *c, const char *stream);

/*
 * A yes/no choice that is yes with probability ppm / 1000000 (100% never draws a no, 0% never
 * a yes; both still count as a draw, so a changed percentage does not shift later draws).
 * `what` says what is chosen ("drop", "cut"); logged with the outcome.
 */
int chance_hit(struct chance *c, const char *stream, uint32_t ppm, const char *what);

/* A number in [lo, hi] (lo <= hi), uniformly; logged with `what`. */
uint64_t chance_between(struct chance *c, const char *stream, uint64_t lo, uint64_t hi,
                        const char *what);

/*
 * Parses a percentage word, "30%", "2.5%", "100%" (up to four decimals), into parts per
 * million. Returns 0, or -1 if it is not one (no '%', not a number, over 100%).
 */
int chance_parse_percent(const char *word, uint32_t *ppm);

/* Formats ppm as a percentage ("30%", "2.5%") into buf. */
const char *chance_percent_str(uint32_t ppm, char *buf, size_t len);

/* A seed from the clock and the process, for `--seed random` (never 0). */
uint64_t chance_seed_random(void);

#endif
