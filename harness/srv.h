/*
 * srv.h: RFC 2782 / RFC 6120 §3.2.1 ordering of SRV records: lowest priority first; within one
 * priority, weighted random selection (zero weights first in the running sum, so they are rarely
 * chosen early). The random source is a seeded generator, so a run can print its seed and be
 * replayed exactly.
 */
#ifndef FEDSIM_SRV_H
#define FEDSIM_SRV_H

#include <stddef.h>
#include <stdint.h>

struct srv_record {
    uint16_t priority, weight, port;
    char target[256]; /* presentation form with the final dot; "." means no service */
};

/* A small seeded generator (xorshift64*); *state must not be 0 (0 is replaced). */
uint64_t srv_random(uint64_t *state);

/* Orders recs in place for connection attempts. */
void srv_order(struct srv_record *recs, size_t n, uint64_t *state);

/* 1 if the set is exactly one record whose target is "." (RFC 2782: service decidedly not
 * available; RFC 6120: abort, no fallback). */
int srv_no_service(const struct srv_record *recs, size_t n);

#endif
