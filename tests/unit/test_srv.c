/* test_srv.c: SRV ordering: priorities, weighted selection (distribution and replay by seed),
 * zero weights, the "." no-service rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "srv.h"

static void
set(struct srv_record *r, uint16_t prio, uint16_t weight, const char *target)
{
    memset(r, 0, sizeof(*r));
    r->priority = prio;
    r->weight = weight;
    r->port = 5269;
    snprintf(r->target, sizeof(r->target), "%s", target);
}

static void
test_priority_first(void **state)
{
    struct srv_record r[4];
    uint64_t seed = 42;

    (void)state;
    set(&r[0], 20, 0, "c.");
    set(&r[1], 5, 0, "a.");
    set(&r[2], 30, 100, "d.");
    set(&r[3], 10, 50, "b.");
    srv_order(r, 4, &seed);
    assert_string_equal(r[0].target, "a.");
    assert_string_equal(r[1].target, "b.");
    assert_string_equal(r[2].target, "c.");
    assert_string_equal(r[3].target, "d.");
}

static void
test_weights_share_first_place(void **state)
{
    int first_heavy = 0, i;
    uint64_t seed = 7;

    (void)state;
    /* Weights 90 and 10 at one priority: the heavy one comes first about 90% of the time. */
    for (i = 0; i < 10000; i++) {
        struct srv_record r[2];

        set(&r[0], 10, 10, "light.");
        set(&r[1], 10, 90, "heavy.");
        srv_order(r, 2, &seed);
        first_heavy += strcmp(r[0].target, "heavy.") == 0;
    }
    assert_true(first_heavy > 8500 && first_heavy < 9500);
}

static void
test_zero_weight_rarely_first(void **state)
{
    int zero_first = 0, i;
    uint64_t seed = 99;

    (void)state;
    for (i = 0; i < 10000; i++) {
        struct srv_record r[2];

        set(&r[0], 10, 100, "weighted.");
        set(&r[1], 10, 0, "zero.");
        srv_order(r, 2, &seed);
        zero_first += strcmp(r[0].target, "zero.") == 0;
    }
    /* Chosen only when the draw is exactly 0: about 1 in 101. */
    assert_true(zero_first > 20 && zero_first < 250);
}

static void
test_same_seed_same_order(void **state)
{
    struct srv_record a[6], b[6];
    uint64_t s1 = 12345, s2 = 12345, s3 = 54321;
    int i, differs = 0;

    (void)state;
    for (i = 0; i < 6; i++) {
        char name[16];

        snprintf(name, sizeof(name), "t%d.", i);
        set(&a[i], 10, 10, name);
    }
    memcpy(b, a, sizeof(a));
    srv_order(a, 6, &s1);
    srv_order(b, 6, &s2);
    for (i = 0; i < 6; i++)
        assert_string_equal(a[i].target, b[i].target);
    srv_order(b, 6, &s3);
    for (i = 0; i < 6; i++)
        differs |= strcmp(a[i].target, b[i].target) != 0;
    assert_true(differs);
}

static void
test_no_service(void **state)
{
    struct srv_record r[2];

    (void)state;
    set(&r[0], 0, 0, ".");
    set(&r[1], 10, 0, "x.");
    assert_true(srv_no_service(r, 1));
    assert_false(srv_no_service(r, 2));
    assert_false(srv_no_service(&r[1], 1));
    assert_false(srv_no_service(r, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_priority_first),
            cmocka_unit_test(test_weights_share_first_place),
            cmocka_unit_test(test_zero_weight_rarely_first),
            cmocka_unit_test(test_same_seed_same_order),
            cmocka_unit_test(test_no_service),
    };

    return cmocka_run_group_tests_name("srv", tests, NULL, NULL);
}
