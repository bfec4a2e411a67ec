/* test_sasl.c: SCRAM-SHA-1 against RFC 5802 §5's example, PLAIN, base64, and bad servers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sasl.h"

static void
test_rfc5802_example(void **state)
{
    struct sasl_scram s;
    char err[256], *first, *final;

    (void)state;
    first = sasl_scram_first(&s, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    assert_string_equal(first, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    final = sasl_scram_final(
            &s, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", err,
            sizeof(err));
    assert_non_null(final);
    assert_string_equal(
            final,
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    assert_true(sasl_scram_verify(&s, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
    assert_false(sasl_scram_verify(&s, "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    assert_false(sasl_scram_verify(&s, "e=other-error"));
    free(first);
    free(final);
    sasl_scram_clear(&s);
}

static void
test_bad_server_first(void **state)
{
    static const char *bad[] = {
            "r=someoneelsesnonce,s=QSXCR+Q6sek8bf92,i=4096", /* does not extend ours */
            "r=abc,s=QSXCR+Q6sek8bf92,i=4096",               /* exactly ours: no server part */
            "r=abcdef,s=QSXCR+Q6sek8bf92,i=1",               /* too few iterations */
            "r=abcdef,s=QSXCR+Q6sek8bf92",                   /* no i= */
            "r=abcdef,s=!!!!,i=4096",                        /* salt not base64 */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sasl_scram s;
        char err[256] = "", *first = sasl_scram_first(&s, "u", "p", "abc");

        assert_null(sasl_scram_final(&s, bad[i], err, sizeof(err)));
        assert_true(err[0] != '\0');
        free(first);
        sasl_scram_clear(&s);
    }
}

static void
test_plain_and_escaping(void **state)
{
    struct sasl_scram s;
    char *p = sasl_plain("user1", "secret"), *first;
    unsigned char *raw;
    size_t len;

    (void)state;
    assert_string_equal(p, "AHVzZXIxAHNlY3JldA==");
    raw = sasl_b64_decode(p, &len);
    assert_int_equal(len, 13);
    assert_memory_equal(raw, "\0user1\0secret", 13);
    free(raw);
    free(p);
    assert_null(sasl_b64_decode("abc", &len));
    first = sasl_scram_first(&s, "a,b=c", "x", "n");
    assert_string_equal(first, "n,,n=a=2Cb=3Dc,r=n");
    free(first);
    sasl_scram_clear(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rfc5802_example),
            cmocka_unit_test(test_bad_server_first),
            cmocka_unit_test(test_plain_and_escaping),
    };

    return cmocka_run_group_tests_name("sasl", tests, NULL, NULL);
}
