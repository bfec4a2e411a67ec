/* test_redact.c: secrets out of shown bytes: SASL exchanges and dialback keys redacted, the
 * rest byte for byte; chunks cut anywhere; --show-secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "redact.h"

static void
expect(const char *in, const char *want)
{
    size_t n;
    char *out = redact_secrets(in, strlen(in), &n);

    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    free(out);
}

static void
test_sasl(void **state)
{
    (void)state;
    /* PLAIN: "\0user\0secret" in base64 */
    expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHVzZXIAc2VjcmV0"
           "</auth>",
           "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[redacted]</auth>");
    expect("<challenge xmlns='x'>cj1h</challenge><response xmlns='x'>Yz1i</response>"
           "<success xmlns='x'>dj1j</success>",
           "<challenge xmlns='x'>[redacted]</challenge><response xmlns='x'>[redacted]"
           "</response><success xmlns='x'>[redacted]</success>");
    /* EXTERNAL's empty response and a self-closing success have nothing to hide */
    expect("<auth mechanism='EXTERNAL'>=</auth><success/>",
           "<auth mechanism='EXTERNAL'>[redacted]</auth><success/>");
    expect("<auth mechanism='EXTERNAL'></auth>", "<auth mechanism='EXTERNAL'></auth>");
}

static void
test_dialback(void **state)
{
    (void)state;
    expect("<db:result from='a.test' to='b.test'>9f86d081884c7d65</db:result>",
           "<db:result from='a.test' to='b.test'>[redacted]</db:result>");
    expect("<xdb:verify from='a' to='b' id='1'>abcdef</xdb:verify>",
           "<xdb:verify from='a' to='b' id='1'>[redacted]</xdb:verify>");
    expect("<db:result from='a' to='b' type='valid'/>", "<db:result from='a' to='b' type='valid'/>");
    /* whitespace is not a key */
    expect("<db:result from='a' to='b'> \n</db:result>", "<db:result from='a' to='b'> \n</db:result>");
}

static void
test_untouched(void **state)
{
    (void)state;
    expect("<iq type='result' id='x'><query xmlns='jabber:iq:roster'/></iq>",
           "<iq type='result' id='x'><query xmlns='jabber:iq:roster'/></iq>");
    expect("<message><body>auth: hunter2</body></message>",
           "<message><body>auth: hunter2</body></message>");
    expect("<result>not dialback</result>", "<result>not dialback</result>");
    expect("plain text, no tag", "plain text, no tag");
    expect("", "");
}

static void
test_chunks(void **state)
{
    (void)state;
    /* the key in the same chunk as its tag, cut before the end tag */
    expect("<db:result from='a' to='b'>0123", "<db:result from='a' to='b'>[redacted]");
    /* a start tag cut by the chunk: passed as it is */
    expect("<message/><db:result from='a' to='b'", "<message/><db:result from='a' to='b'");
    expect("<", "<");
    expect("<>", "<>");
    expect("</db:result>", "</db:result>");
}

static void
test_show_secrets(void **state)
{
    (void)state;
    redact_show_secrets = 1;
    expect("<db:result from='a' to='b'>0123</db:result>",
           "<db:result from='a' to='b'>0123</db:result>");
    redact_show_secrets = 0;
}

/* Arbitrary bytes: never past the buffer (ASan in the sanitizer build), NUL-terminated. */
static void
test_random(void **state)
{
    static const char alphabet[] = "<>/:= 'abdeoptrsuvilchgn\n\0";
    char in[64];
    size_t i, k, n;

    (void)state;
    srand(7);
    for (i = 0; i < 20000; i++) {
        char *out;
        size_t len = (size_t)rand() % sizeof(in);

        for (k = 0; k < len; k++)
            in[k] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
        out = redact_secrets(in, len, &n);
        assert_true(n <= len * 3);
        assert_int_equal(out[n], '\0');
        free(out);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sasl),     cmocka_unit_test(test_dialback),
            cmocka_unit_test(test_untouched), cmocka_unit_test(test_chunks),
            cmocka_unit_test(test_show_secrets), cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
