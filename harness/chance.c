/* chance.c: the run's seeded, counter-based generator and its choice log. */
#include "chance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "xmalloc.h"

/* SplitMix64's finaliser: a bijection that mixes every input bit into every output bit. */
static uint64_t
mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t
fnv1a(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t
chance_value(uint64_t seed, const char *stream, uint64_t n)
{
    uint64_t s = mix(seed ^ 0x9e3779b97f4a7c15ULL) ^ fnv1a(0xcbf29ce484222325ULL, stream);

    return mix(mix(s) + (n + 1) * 0x9e3779b97f4a7c15ULL);
}

void
chance_init(struct chance *c, uint64_t seed)
{
    memset(c, 0, sizeof(*c));
    c->seed = seed;
}

void
chance_clear(struct chance *c)
{
    free(c->streams);
    c->streams = NULL;
    c->nstreams = 0;
}

static struct chance_stream *
stream_of(struct chance *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->nstreams; i++)
        if (strcmp(c->streams[i].name, name) == 0)
            return &c->streams[i];
    c->streams = xreallocarray(c->streams, c->nstreams + 1, sizeof(*c->streams));
    memset(&c->streams[c->nstreams], 0, sizeof(*c->streams));
    snprintf(c->streams[c->nstreams].name, CHANCE_STREAM_MAX, "%s", name);
    return &c->streams[c->nstreams++];
}

uint64_t
chance_next(struct chance *c, const char *stream)
{
    struct chance_stream *s = stream_of(c, stream);

    return chance_value(c->seed, s->name, s->next++);
}

/* One choice: logged, folded into the digest. */
static void
record(struct chance *c, const char *stream, uint64_t n, const char *fmt_what, const char *result)
{
    char line[256];
    int at;

    /* The digest sums each choice's hash without the run-wide count: the choices of two
     * places (streams) may interleave differently from run to run, each stream's index keeps
     * its own order. */
    at = snprintf(line, sizeof(line), "chance #%lu ", ++c->choices);
    snprintf(line + at, sizeof(line) - (size_t)at, "%s#%llu: %s: %s", stream, (unsigned long long)n,
             fmt_what, result);
    c->digest += mix(fnv1a(0xcbf29ce484222325ULL, line + at));
    if (c->log != NULL)
        c->log(line, c->log_arg);
}

int
chance_hit(struct chance *c, const char *stream, uint32_t ppm, const char *what)
{
    struct chance_stream *s = stream_of(c, stream);
    uint64_t n = s->next++;
    uint64_t v = chance_value(c->seed, s->name, n) % CHANCE_PPM;
    int yes = v < ppm;
    char pct[32], desc[160], res[48];

    snprintf(desc, sizeof(desc), "%s %s", what, chance_percent_str(ppm, pct, sizeof(pct)));
    snprintf(res, sizeof(res), "%s (draw %.4f)", yes ? "yes" : "no", (double)v / CHANCE_PPM);
    record(c, s->name, n, desc, res);
    return yes;
}

uint64_t
chance_between(struct chance *c, const char *stream, uint64_t lo, uint64_t hi, const char *what)
{
    struct chance_stream *s = stream_of(c, stream);
    uint64_t n = s->next++, span = hi - lo + 1, v;
    char desc[160], res[32];

    /* span 0: the whole 64-bit range. The modulo's bias is below 2^-40 for spans under 2^24. */
    v = span == 0 ? chance_value(c->seed, s->name, n)
                  : lo + chance_value(c->seed, s->name, n) % span;
    snprintf(desc, sizeof(desc), "%s %llu-%llu", what, (unsigned long long)lo,
             (unsigned long long)hi);
    snprintf(res, sizeof(res), "%llu", (unsigned long long)v);
    record(c, s->name, n, desc, res);
    return v;
}

int
chance_parse_percent(const char *word, uint32_t *ppm)
{
    unsigned long whole = 0, frac = 0, scale = 10000;
    const char *p = word;
    int digits = 0;

    while (*p >= '0' && *p <= '9' && digits < 4) {
        whole = whole * 10 + (unsigned long)(*p++ - '0');
        digits++;
    }
    if (digits == 0)
        return -1;
    if (*p == '.') {
        int fd = 0;

        p++;
        while (*p >= '0' && *p <= '9' && fd < 4) {
            scale /= 10;
            frac += (unsigned long)(*p++ - '0') * scale;
            fd++;
        }
        if (fd == 0)
            return -1;
    }
    if (p[0] != '%' || p[1] != '\0' || whole > 100 || (whole == 100 && frac > 0))
        return -1;
    *ppm = (uint32_t)(whole * 10000 + frac);
    return 0;
}

const char *
chance_percent_str(uint32_t ppm, char *buf, size_t len)
{
    unsigned whole = ppm / 10000, frac = ppm % 10000;

    if (frac == 0) {
        snprintf(buf, len, "%u%%", whole);
    } else {
        char f[8];
        size_t k;

        snprintf(f, sizeof(f), "%04u", frac);
        for (k = strlen(f); k > 0 && f[k - 1] == '0'; k--)
            f[k - 1] = '\0';
        snprintf(buf, len, "%u.%s%%", whole, f);
    }
    return buf;
}

uint64_t
chance_seed_random(void)
{
    uint64_t s = mix((uint64_t)time(NULL) ^ (clock_monotonic_us() << 20) ^ (uint64_t)getpid());

    /* Printed and typed back: keep it to 9 decimal digits, never 0. */
    return s % 1000000000ULL + 1;
}
