/* test_chance.c: the run's seeded generator: one seed, the same choices in the same order (and
 * the same log and digest); another seed, other choices; streams independent of each other's
 * order; percentages; the probabilistic peer modes' and DNS faults' words. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chance.h"
#include "dns_fault.h"
#include "peer.h"

struct logbuf {
    char lines[64][256];
    size_t n;
};

static void
collect(const char *line, void *arg)
{
    struct logbuf *b = arg;

    if (b->n < 64)
        snprintf(b->lines[b->n++], sizeof(b->lines[0]), "%s", line);
}

/* What a run's faults do: choices on three streams, interleaved. */
static void
some_choices(struct chance *c)
{
    int i;

    for (i = 0; i < 10; i++) {
        chance_hit(c, "gmail.out", 300000, "drop");
        if (i % 3 == 0)
            chance_between(c, "gmail.in", 0, 500, "jitter ms");
        chance_hit(c, "dns _xmpp-server._tcp.gmail.test SRV", 500000, "answer rcode");
    }
}

static void
test_same_seed_same_choices(void **state)
{
    struct chance a, b;
    struct logbuf la = {0}, lb = {0};
    size_t i;

    (void)state;
    chance_init(&a, 7);
    chance_init(&b, 7);
    a.log = collect;
    a.log_arg = &la;
    b.log = collect;
    b.log_arg = &lb;
    some_choices(&a);
    some_choices(&b);
    assert_int_equal(a.choices, 24);
    assert_int_equal(la.n, lb.n);
    for (i = 0; i < la.n; i++)
        assert_string_equal(la.lines[i], lb.lines[i]);
    assert_true(a.digest == b.digest);
    /* The log says which choice, where, what and how it came out. */
    assert_non_null(strstr(la.lines[0], "chance #1 gmail.out#0: drop 30%: "));
    chance_clear(&a);
    chance_clear(&b);
}

static void
test_other_seed_other_choices(void **state)
{
    struct chance a, b;
    struct logbuf la = {0}, lb = {0};
    size_t i, differ = 0;

    (void)state;
    chance_init(&a, 7);
    chance_init(&b, 8);
    a.log = collect;
    a.log_arg = &la;
    b.log = collect;
    b.log_arg = &lb;
    some_choices(&a);
    some_choices(&b);
    for (i = 0; i < la.n; i++)
        differ += strcmp(la.lines[i], lb.lines[i]) != 0;
    assert_true(differ > 0);
    assert_true(a.digest != b.digest);
    /* Raw draws too: of 64 draws of one stream, seeds 1 and 2 share none. */
    for (i = 0, differ = 0; i < 64; i++)
        differ += chance_value(1, "s", i) != chance_value(2, "s", i);
    assert_int_equal(differ, 64);
    chance_clear(&a);
    chance_clear(&b);
}

static void
test_streams_independent(void **state)
{
    struct chance a, b;
    uint64_t xa[8], xb[8];
    int i;

    (void)state;
    /* Stream x's draws do not depend on how many draws of y came between them. */
    chance_init(&a, 42);
    chance_init(&b, 42);
    for (i = 0; i < 8; i++) {
        xa[i] = chance_next(&a, "x");
        chance_next(&a, "y");
    }
    for (i = 0; i < 8; i++)
        chance_next(&b, "y");
    for (i = 0; i < 8; i++)
        xb[i] = chance_next(&b, "x");
    assert_memory_equal(xa, xb, sizeof(xa));
    assert_true(chance_value(42, "x", 0) != chance_value(42, "y", 0));
    assert_true(chance_value(42, "x", 0) != chance_value(42, "x", 1));
    chance_clear(&a);
    chance_clear(&b);
}

static void
test_digest(void **state)
{
    struct chance a, b, c;
    int i;

    (void)state;
    /* The same choices at each place, interleaved differently: the same digest. */
    chance_init(&a, 9);
    chance_init(&b, 9);
    chance_init(&c, 9);
    for (i = 0; i < 6; i++) {
        chance_hit(&a, "p.out", 500000, "drop");
        chance_hit(&a, "p.in", 500000, "delay");
    }
    for (i = 0; i < 6; i++)
        chance_hit(&b, "p.in", 500000, "delay");
    for (i = 0; i < 6; i++)
        chance_hit(&b, "p.out", 500000, "drop");
    assert_true(a.digest == b.digest);
    /* One choice fewer, or another percentage (another outcome for one draw): another. */
    for (i = 0; i < 5; i++)
        chance_hit(&c, "p.in", 500000, "delay");
    for (i = 0; i < 6; i++)
        chance_hit(&c, "p.out", 500000, "drop");
    assert_true(a.digest != c.digest);
    chance_hit(&c, "p.in", 1, "delay");
    assert_true(a.digest != c.digest);
    chance_clear(&a);
    chance_clear(&b);
    chance_clear(&c);
}

static void
test_percentages(void **state)
{
    struct chance c;
    int i, yes = 0, no0 = 0, yes100 = 0;
    uint64_t lo = 99, hi = 0;

    (void)state;
    chance_init(&c, 3);
    for (i = 0; i < 100000; i++)
        yes += chance_hit(&c, "p", 300000, "x");
    /* Deterministic for this seed; a fair generator lands within 1% of 30%. */
    assert_in_range(yes, 29000, 31000);
    for (i = 0; i < 1000; i++) {
        no0 += chance_hit(&c, "z", 0, "x");
        yes100 += chance_hit(&c, "h", CHANCE_PPM, "x");
    }
    assert_int_equal(no0, 0);
    assert_int_equal(yes100, 1000);
    for (i = 0; i < 10000; i++) {
        uint64_t v = chance_between(&c, "b", 3, 9, "x");

        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    assert_int_equal(lo, 3);
    assert_int_equal(hi, 9);
    chance_clear(&c);
}

static void
test_parse_percent(void **state)
{
    static const struct {
        const char *word;
        int ok;
        uint32_t ppm;
    } cases[] = {{"30%", 0, 300000}, {"2.5%", 0, 25000}, {"100%", 0, 1000000}, {"0%", 0, 0},
                 {"0.0001%", 0, 1},  {"100.5%", -1, 0},  {"101%", -1, 0},      {"30", -1, 0},
                 {"%", -1, 0},       {"3.%", -1, 0},     {"-3%", -1, 0},       {"30%%", -1, 0},
                 {"0.00001%", -1, 0}};
    size_t i;
    char buf[32];

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t ppm = 0;

        assert_int_equal(chance_parse_percent(cases[i].word, &ppm), cases[i].ok);
        if (cases[i].ok == 0) {
            assert_int_equal(ppm, cases[i].ppm);
            /* And back: the word as written (without a trailing zero). */
            assert_string_equal(chance_percent_str(ppm, buf, sizeof(buf)), cases[i].word);
        }
    }
}

static void
test_peer_modes(void **state)
{
    static const struct {
        const char *mode;
        int expect;
    } cases[] = {
            {"drops 30% of stanzas", 0},
            {"drops 30% of stanzas it sends", 0},
            {"drops 2.5% of stanzas it receives", 0},
            {"delays 50% of stanzas by 2000 ms", 0},
            {"delays 50% of stanzas it sends by 20 ms", 0},
            {"jitters stanzas by 500 ms", 0},
            {"jitters stanzas it receives by 500 ms", 0},
            {"cuts 10% of connections within 2048 bytes", 0},
            {"passes stanzas normally", 0},
            {"drops connections", 1},
            {"drops ipv6 connections", 1},
            {"drops 30% of stanzas it eats", -1},
            {"drops 300% of stanzas", -1},
            {"drops 30% of messages", -1},
            {"delays 50% of stanzas", -1},
            {"delays 50% of stanzas by 0 ms", -1},
            {"jitters stanzas", -1},
            {"cuts 10% of connections within 0 bytes", -1},
            {"cuts 10% of stanzas within 5 bytes", -1},
    };
    size_t i;
    char err[512];

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        if (peer_check_random_mode(cases[i].mode, err, sizeof(err)) != cases[i].expect)
            fail_msg("\"%s\": expected %d (%s)", cases[i].mode, cases[i].expect, err);
    }
}

static void
test_dns_fault_at_random(void **state)
{
    struct dns_faults fs = {0};
    struct chance c;
    struct logbuf lb = {0};
    ldns_rdf *q = NULL;
    const struct dns_fault *f;
    char err[256];
    int i, struck = 0, always = 0;

    (void)state;
    chance_init(&c, 11);
    c.log = collect;
    c.log_arg = &lb;
    /* Without a generator a fault at random is refused. */
    assert_int_equal(dns_faults_add_random(&fs, "gmail.test", "A", DNS_FAULT_RCODE, "SERVFAIL",
                                           500000, "dns gmail.test A", err, sizeof(err)),
                     -1);
    fs.chance = &c;
    assert_int_equal(dns_faults_add_random(&fs, "gmail.test", "A", DNS_FAULT_RCODE, "SERVFAIL",
                                           500000, "dns gmail.test A", err, sizeof(err)),
                     0);
    assert_int_equal(dns_faults_add(&fs, "x.test", "A", DNS_FAULT_DROP, NULL, err, sizeof(err)), 0);
    assert_int_equal(ldns_str2rdf_dname(&q, "gmail.test"), LDNS_STATUS_OK);
    for (i = 0; i < 1000; i++) {
        f = dns_faults_find(&fs, q, LDNS_RR_TYPE_A);
        assert_non_null(f);
        struck += dns_fault_strikes(&fs, f);
    }
    assert_in_range(struck, 430, 570);
    assert_int_equal(c.choices, 1000);
    assert_non_null(strstr(lb.lines[0], "dns gmail.test A#0: answer rcode 50%"));
    ldns_rdf_deep_free(q);
    assert_int_equal(ldns_str2rdf_dname(&q, "x.test"), LDNS_STATUS_OK);
    for (i = 0; i < 10; i++)
        always += dns_fault_strikes(&fs, dns_faults_find(&fs, q, LDNS_RR_TYPE_A));
    /* A fault without a percentage strikes every time, and draws nothing. */
    assert_int_equal(always, 10);
    assert_int_equal(c.choices, 1000);
    ldns_rdf_deep_free(q);
    dns_faults_clear(&fs);
    chance_clear(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_same_seed_same_choices),
            cmocka_unit_test(test_other_seed_other_choices),
            cmocka_unit_test(test_streams_independent),
            cmocka_unit_test(test_digest),
            cmocka_unit_test(test_percentages),
            cmocka_unit_test(test_parse_percent),
            cmocka_unit_test(test_peer_modes),
            cmocka_unit_test(test_dns_fault_at_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
