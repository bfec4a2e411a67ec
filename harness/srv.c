/* srv.c: SRV ordering by priority and weighted random selection, with a seeded generator. */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

uint64_t
srv_random(uint64_t *state)
{
    uint64_t x = *state != 0 ? *state : 0x9e3779b97f4a7c15ULL;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static int
by_priority_then_zero_weight(const void *a, const void *b)
{
    const struct srv_record *x = a, *y = b;

    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    /* RFC 2782: zero-weight records go first in the list the running sum is taken over. */
    return (x->weight != 0) - (y->weight != 0);
}

void
srv_order(struct srv_record *recs, size_t n, uint64_t *state)
{
    size_t start = 0;

    /* qsort is not stable; ties keep no meaning here, the weighted draw decides. */
    qsort(recs, n, sizeof(*recs), by_priority_then_zero_weight);
    while (start < n) {
        size_t end = start, i;

        while (end < n && recs[end].priority == recs[start].priority)
            end++;
        /* Draw the group's records one by one into positions start, start+1, ... */
        for (i = start; i < end; i++) {
            uint64_t total = 0, pick, sum = 0;
            size_t j, chosen = i;

            for (j = i; j < end; j++)
                total += recs[j].weight;
            pick = total > 0 ? srv_random(state) % (total + 1) : 0;
            for (j = i; j < end; j++) {
                sum += recs[j].weight;
                if (sum >= pick) {
                    chosen = j;
                    break;
                }
            }
            if (chosen != i) {
                struct srv_record tmp = recs[chosen];

                memmove(&recs[i + 1], &recs[i], (chosen - i) * sizeof(*recs));
                recs[i] = tmp;
            }
        }
        start = end;
    }
}

int
srv_no_service(const struct srv_record *recs, size_t n)
{
    return n == 1 && strcmp(recs[0].target, ".") == 0;
}
