/*
 * fuzz_dns_zone.c: the zone loader (dns_zone.c over ldns) on arbitrary master-file text, then
 * the loaded zones answering a query for each of their rrsets (at most 32 per zone), over UDP
 * and TCP, so that odd zones (CNAME loops, names at the apex of two zones, empty
 * non-terminals) go through dns_answer.c too.
 *
 * Input: byte 0: bit 0 a second load of the same text into the same set (zones already
 * loaded), bit 1 the SUT's zone synthesized for sut.test before loading; the rest is the zone
 * file.
 *
 * Oracles: a failed load says where ("NAME:LINE: ..."); every response decodes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_zone.h"
#include "fuzz.h"

static void
ask(const struct dns_zoneset *zs, const ldns_rdf *name, ldns_rr_type type)
{
    ldns_pkt *q = ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN, LDNS_RD);
    uint8_t *wire = NULL, *out = NULL;
    size_t wlen = 0, outlen = 0;
    struct dns_answer_info info;
    int tcp;

    if (q == NULL)
        return;
    ldns_pkt_set_id(q, 4242);
    if (ldns_pkt2wire(&wire, q, &wlen) == LDNS_STATUS_OK) {
        for (tcp = 0; tcp <= 1; tcp++) {
            ldns_pkt *r = NULL;

            if (dns_answer(zs, wire, wlen, tcp, &out, &outlen, &info) != 1)
                fuzz_fail("no response to a well-formed query");
            if (ldns_wire2pkt(&r, out, outlen) != LDNS_STATUS_OK)
                fuzz_fail("a response of %zu bytes that does not decode", outlen);
            ldns_pkt_free(r);
            free(out);
        }
    }
    free(wire);
    ldns_pkt_free(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_zoneset *zs;
    char *text, err[1024];
    size_t i, k;

    fuzz_quiet();
    if (size < 1)
        return 0;
    zs = dns_zoneset_new();
    if (data[0] & 2) {
        struct sockaddr_in6 sut = {.sin6_family = AF_INET6, .sin6_port = htons(5269)};

        inet_pton(AF_INET6, "::1", &sut.sin6_addr);
        if (dns_zoneset_add_sut(zs, "sut.test", (struct sockaddr *)&sut, NULL, err, sizeof(err)) !=
            1)
            fuzz_fail("the SUT's zone was not added to an empty set");
    }
    text = fuzz_strndup(data + 1, size - 1);
    for (k = 0; k < ((data[0] & 1) ? 2u : 1u); k++) {
        err[0] = '\0';
        if (dns_zoneset_load_string(zs, "fuzz.zone", text, err, sizeof(err)) != 0 &&
            strncmp(err, "fuzz.zone:", 10) != 0)
            fuzz_fail("a load error without its place: \"%s\"", err);
    }
    (void)dns_zoneset_count_records(zs);
    for (i = 0; i < zs->nzones; i++) {
        const struct dns_zone *z = zs->zones[i];

        ask(zs, z->apex, LDNS_RR_TYPE_SOA);
        for (k = 0; k < z->nsets && k < 32; k++) {
            ask(zs, z->sets[k].owner, z->sets[k].type);
            ask(zs, z->sets[k].owner, LDNS_RR_TYPE_A);
        }
    }
    free(text);
    dns_zoneset_free(zs);
    return 0;
}
