/*
 * mutant.h: mutants of a scenario's assertions, for `fedsim mutate` (docs/mutation.md). A
 * mutant is the scenario with one assertion step changed so that a check which really looks
 * at what the SUT does must now fail: an expected attribute value, element name, namespace or
 * text changed; an attribute or a child that no SUT sends added to an expected stanza; a
 * positive `receives` turned into `receives nothing like` and a negative one into a positive
 * one; a stream error condition, an authenticated domain, an authentication way or TLS
 * swapped; a `dns asked:` name or type changed, `dns never asked` turned into `dns asked`;
 * `saw at most N connections` lowered to 0. Each mutant is made from the parsed step, written
 * back as scenario text in place of the step's lines, and parsed again: every mutant is a
 * valid scenario.
 */
#ifndef FEDSIM_MUTANT_H
#define FEDSIM_MUTANT_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

enum mutant_op {
    MUTANT_ATTR_VALUE,      /* an expected attribute's value */
    MUTANT_ELEMENT_NAME,    /* an expected element's name */
    MUTANT_NAMESPACE,       /* an element's own (declared) namespace */
    MUTANT_TEXT,            /* an element's expected text */
    MUTANT_ADD_ATTR,        /* an attribute no SUT sends, on the stanza */
    MUTANT_ADD_CHILD,       /* a child element no SUT sends, in the stanza */
    MUTANT_NEGATE,          /* receives <-> receives nothing (like), dns never asked -> asked */
    MUTANT_STREAM_ERROR,    /* another stream error condition */
    MUTANT_AUTH_DOMAIN,     /* authenticates / is authenticated to another domain */
    MUTANT_AUTH_WAY,        /* by dialback <-> by sasl external */
    MUTANT_AUTH_TLS,        /* over tls / over direct tls <-> without tls */
    MUTANT_DNS_NAME,        /* dns asked: another name */
    MUTANT_DNS_TYPE,        /* dns asked: another type */
    MUTANT_MAX_CONNECTIONS, /* saw at most 0 connections */
};

struct mutant {
    size_t step; /* index into the scenario's steps */
    int line;    /* the step's first line, the same in the file and in the mutant */
    enum mutant_op op;
    char *change;  /* owned: what changed, in words ("/presence/@type: 'subscribe' -> ...") */
    char *written; /* owned: the mutated step as written in the mutant (its line and block) */
    char *text;    /* owned: the whole mutated scenario */
};

/* A short name for the operator ("attr-value", "negate", ...). */
const char *mutant_op_str(enum mutant_op op);

/*
 * The mutants of scenario s, parsed from text (the file's content), in step order and a fixed
 * order within a step. default_ms: the wait written into a negated step when neither the step
 * nor the scenario says (the runner's default). Each mutant is parsed again (fixtures: where
 * zone files are looked up, as for scenario_parse). Returns 0 with *out (owned; free with
 * mutant_free) and *n, or -1 with "file:line: ..." in err when a mutant does not parse (a bug
 * of the mutant maker).
 */
int mutant_make(const struct scenario *s, const char *text, const char *fixtures, int default_ms,
                struct mutant **out, size_t *n, char *err, size_t errlen);

void mutant_free(struct mutant *m, size_t n);

/* Parses mutant m of the scenario at path (named so: zone files are found as for the file). */
struct scenario *mutant_parse(const struct mutant *m, const char *path, const char *fixtures,
                              char *err, size_t errlen);

/*
 * Picks k of the indexes 0..n-1 (k <= n) at random from seed, the same for the same n, k and
 * seed on every machine; into idx (k entries), sorted.
 */
void mutant_sample(size_t n, size_t k, uint64_t seed, size_t *idx);

/*
 * A random order of the indexes 0..n-1 from seed (idx: n entries), the same on every machine:
 * its first k entries, sorted, are mutant_sample(n, k, seed).
 */
void mutant_shuffle(size_t n, uint64_t seed, size_t *idx);

#endif
