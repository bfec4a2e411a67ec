/*
 * fuzz_dns_relay.c: the relay's routing (dns_relay.c) on arbitrary bytes as a DNS query from
 * the SUT.
 *
 * Oracle: it reads only the message (ASan), returns a worker (0..63) or -1, and a worker only
 * when the question's name has a run label, whose low 6 bits it is.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns_relay.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *msg = malloc(size > 0 ? size : 1); /* exactly size bytes: overreads show */
    int k;

    fuzz_quiet();
    memcpy(msg, data, size);
    k = dns_relay_route(msg, size);
    if (k < -1 || k > 63)
        fuzz_fail("a worker out of range: %d", k);
    if (k >= 0) {
        /* The label it found: a 7-byte label "r" + 6 hex digits in the question's name. */
        size_t at = 12;
        int found = 0;

        while (at < size && msg[at] != 0 && at + 1 + msg[at] <= size && !found) {
            size_t n = msg[at], i;

            if (n == 7 && (msg[at + 1] | 0x20) == 'r') {
                unsigned v = 0;

                for (i = 0; i < 6 && isxdigit(msg[at + 2 + i]); i++)
                    v = v * 16 + (unsigned)(isdigit(msg[at + 2 + i])
                                                    ? msg[at + 2 + i] - '0'
                                                    : (msg[at + 2 + i] | 0x20) - 'a' + 10);
                if (i == 6) {
                    found = 1;
                    if ((int)(v & 63u) != k)
                        fuzz_fail("routed to %d, but the label says %u", k, v & 63u);
                }
            }
            at += 1 + n;
        }
        if (!found)
            fuzz_fail("routed to %d without a run label", k);
    }
    free(msg);
    return 0;
}
