/* test_dialback.c: XEP-0185 keys against the published vectors, and the pending-request table
 * that tells answers asked for from unsolicited ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dialback.h"

static void
test_xep0185_vectors(void **state)
{
    static const struct {
        const char *secret, *receiving, *originating, *id, *key;
    } v[] = {
            {"s3cr3tf0rd14lb4ck", "montague.example", "capulet.example", "D60000229F",
             "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3"},
            {"d14lb4ck43v3r", "capulet.example", "montague.example", "417GAF25",
             "225cc5aa6a071133249d25fef42ae516fc7a86c523aa1c6980a7f73e784c972d"},
            {"s3cr3tf0rd14lb4ck", "xmpp.example.com", "example.org", "D60000229F",
             "37c69b1cf07a3f67c04a5ef5902fa5114f2c76fe4a2686482ba5b89323075643"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char key[DIALBACK_KEY_LEN];

        dialback_key(v[i].secret, v[i].receiving, v[i].originating, v[i].id, key);
        assert_string_equal(key, v[i].key);
        assert_true(dialback_key_equal(key, v[i].key));
    }
    assert_false(dialback_key_equal(v[0].key, v[1].key));
    assert_false(dialback_key_equal(v[0].key, "b4835385"));
}

static void
test_pending(void **state)
{
    struct dialback_pending *p = dialback_pending_new();

    (void)state;
    dialback_pending_add(p, DIALBACK_RESULT, "gmail.test", "sut.test", NULL);
    dialback_pending_add(p, DIALBACK_VERIFY, "gmail.test", "sut.test", "id-1");
    assert_int_equal(dialback_pending_count(p), 2);
    /* Unsolicited: wrong direction, wrong pair, wrong kind, wrong id. */
    assert_false(dialback_pending_take(p, DIALBACK_RESULT, "gmail.test", "sut.test", NULL));
    assert_false(dialback_pending_take(p, DIALBACK_RESULT, "other.test", "gmail.test", NULL));
    assert_false(dialback_pending_take(p, DIALBACK_VERIFY, "sut.test", "gmail.test", "id-2"));
    /* The answers asked for (from/to swapped), domain case-insensitively, once each. */
    assert_true(dialback_pending_take(p, DIALBACK_VERIFY, "SUT.test", "gmail.test", "id-1"));
    assert_false(dialback_pending_take(p, DIALBACK_VERIFY, "sut.test", "gmail.test", "id-1"));
    assert_true(dialback_pending_take(p, DIALBACK_RESULT, "sut.test", "gmail.test", NULL));
    assert_false(dialback_pending_take(p, DIALBACK_RESULT, "sut.test", "gmail.test", NULL));
    assert_int_equal(dialback_pending_count(p), 0);
    dialback_pending_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_xep0185_vectors),
            cmocka_unit_test(test_pending),
    };

    return cmocka_run_group_tests_name("dialback", tests, NULL, NULL);
}
