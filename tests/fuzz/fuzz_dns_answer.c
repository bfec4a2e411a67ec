/*
 * fuzz_dns_answer.c: the DNS responder's query path (dns_answer.c): a query message decoded,
 * answered from the zones of tests/data/dns-behaviour.zone, the differential test's zones
 * (tests/dns/: wildcards, cuts, DNAME, chains) plus a synthesized SUT zone, with or without
 * injected faults, and the query log line formatted (dns_server.c).
 *
 * Input: byte 0: bit 0 TCP (no UDP size limit), bit 1 faults consulted; the rest is the DNS
 * message as it arrives in a UDP datagram or after the TCP length prefix.
 *
 * Oracles: every response decodes (ldns), echoes the query's id with QR set, and over UDP fits
 * the size the query allows (512, or its EDNS0 payload size up to 1232).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "dns_fault.h"
#include "dns_server.h"
#include "dns_zone.h"
#include "fuzz.h"

static struct dns_zoneset *zones;
static struct dns_faults faults;

/* The fixtures, once per process (libFuzzer keeps them; so does the replay driver). */
static void
setup(void)
{
    static const struct {
        const char *name, *type;
        enum dns_fault_kind kind;
        const char *value;
    } table[] = {
            {"_xmpp-server._tcp.gmail.test", "SRV", DNS_FAULT_TRUNCATE, NULL},
            {"xmpp.gmail.test", "*", DNS_FAULT_RCODE, "SERVFAIL"},
            {"one.gmail.test", "A", DNS_FAULT_RCODE, "NXDOMAIN"},
            {"two.gmail.test", "*", DNS_FAULT_DROP, NULL},
            {"backup.gmail.test", "A", DNS_FAULT_DELAY, "1500"},
            {"_xmpp-server._tcp.sut.test", "SRV", DNS_FAULT_REPLACE,
             "_xmpp-server._tcp.sut.test. 5 IN SRV 0 0 5269 xmpp.gmail.test.\n"
             "_xmpp-server._tcp.sut.test. 5 IN SRV 1 0 5269 elsewhere.example."},
            {"dead.x.gmail.test", "A", DNS_FAULT_REPLACE, "dead.x.gmail.test. 5 IN A 127.0.0.9"},
            {"foo.wild.diff.test", "MX", DNS_FAULT_REPLACE,
             "foo.wild.diff.test. 5 IN MX 1 host.wild.diff.test."},
    };
    static const char *diff_zones[] = {"diff.test", "other.test", "sub.other.test"};
    struct sockaddr_in sut = {.sin_family = AF_INET, .sin_port = htons(5269)};
    char err[512];
    size_t i;

    zones = dns_zoneset_new();
    if (dns_zoneset_load_file(zones, FEDSIM_SOURCE_DIR "/tests/data/dns-behaviour.zone", err,
                              sizeof(err)) != 0)
        fuzz_fail("%s", err);
    for (i = 0; i < sizeof(diff_zones) / sizeof(diff_zones[0]); i++) {
        char path[512];

        snprintf(path, sizeof(path), "%s/tests/dns/%s.zone", FEDSIM_SOURCE_DIR, diff_zones[i]);
        if (dns_zoneset_load_file(zones, path, err, sizeof(err)) != 0)
            fuzz_fail("%s", err);
    }
    inet_pton(AF_INET, "127.0.0.1", &sut.sin_addr);
    if (dns_zoneset_add_sut(zones, "sut.test", (struct sockaddr *)&sut, NULL, err, sizeof(err)) < 0)
        fuzz_fail("%s", err);
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (dns_faults_add(&faults, table[i].name, table[i].type, table[i].kind, table[i].value,
                           err, sizeof(err)) != 0)
            fuzz_fail("fault %s: %s", table[i].name, err);
}

/* The largest UDP response the query allows. */
static size_t
udp_limit(const uint8_t *q, size_t qlen)
{
    ldns_pkt *p = NULL;
    size_t limit = 512;

    if (ldns_wire2pkt(&p, q, qlen) == LDNS_STATUS_OK && ldns_pkt_edns(p) &&
        ldns_pkt_edns_udp_size(p) > limit)
        limit = ldns_pkt_edns_udp_size(p) < DNS_ANSWER_EDNS_SIZE ? ldns_pkt_edns_udp_size(p)
                                                                 : DNS_ANSWER_EDNS_SIZE;
    ldns_pkt_free(p);
    return limit;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_query_record rec;
    uint8_t *out = NULL;
    size_t outlen = 0;
    const uint8_t *q;
    size_t qlen;
    int tcp, respond;
    ldns_pkt *r = NULL;
    char line[1024], type[32];

    fuzz_quiet();
    if (zones == NULL)
        setup();
    if (size < 1)
        return 0;
    tcp = data[0] & 1;
    q = data + 1;
    qlen = size - 1;
    memset(&rec, 0, sizeof(rec));
    rec.tcp = tcp;
    rec.client.ss_family = AF_INET;
    respond = dns_answer_faulty(zones, (data[0] & 2) ? &faults : NULL, q, qlen, tcp, &out, &outlen,
                                &rec.info);
    dns_server_format_record(&rec, line, sizeof(line));
    dns_answer_type_str(rec.info.qtype, type, sizeof(type));
    if (!respond) {
        if (out != NULL)
            fuzz_fail("no response, but an output buffer");
        return 0;
    }
    if (outlen < 12 || ldns_wire2pkt(&r, out, outlen) != LDNS_STATUS_OK)
        fuzz_fail("a response of %zu bytes that does not decode", outlen);
    if (out[0] != q[0] || out[1] != q[1] || !ldns_pkt_qr(r))
        fuzz_fail("a response without the query's id or QR");
    if (!tcp && outlen > udp_limit(q, qlen))
        fuzz_fail("a UDP response of %zu bytes, more than the %zu allowed", outlen,
                  udp_limit(q, qlen));
    ldns_pkt_free(r);
    free(out);
    return 0;
}
