/* test_transport.c: a peer's transport following the SUT's tls where the scenario leaves it
 * open; each pinned part kept; dialback peers never use SASL EXTERNAL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "profile.h"
#include "transport.h"

static struct profile
follow(const struct profile *base, unsigned pinned, enum transport_variant v, int dialback)
{
    struct profile p = *base;
    char what[160];

    transport_follow(&p, pinned, v, dialback, what, sizeof(what));
    assert_true(strlen(what) > 0);
    return p;
}

/* gtalk (plain, no version) under each variant. */
static void
test_gtalk_follows(void **state)
{
    struct profile p;

    (void)state;
    p = follow(&profile_gtalk, 0, TRANSPORT_OFF, 0);
    assert_null(p.stream_version);
    assert_int_equal(p.tls, PROFILE_TLS_NONE);
    assert_int_equal(p.sasl_external, 0);
    p = follow(&profile_gtalk, 0, TRANSPORT_OPTIONAL, 0);
    assert_string_equal(p.stream_version, "1.0");
    assert_int_equal(p.tls, PROFILE_TLS_OPTIONAL);
    assert_int_equal(p.cert, TLS_CERT_DNS_ONLY);
    assert_int_equal(p.sasl_external, 0);
    assert_int_equal(p.feature_dialback, 1);
    p = follow(&profile_gtalk, 0, TRANSPORT_REQUIRED, 0);
    assert_int_equal(p.tls, PROFILE_TLS_REQUIRED);
    assert_int_equal(p.sasl_external, 1);
    assert_int_equal(p.request_client_cert, 1);
    /* A peer whose dialback is the point: STARTTLS, then dialback. */
    p = follow(&profile_gtalk, 0, TRANSPORT_REQUIRED, 1);
    assert_int_equal(p.tls, PROFILE_TLS_REQUIRED);
    assert_int_equal(p.sasl_external, 0);
}

/* modern (TLS required, EXTERNAL, direct TLS) against a SUT without TLS: plain dialback. */
static void
test_modern_off(void **state)
{
    struct profile p = follow(&profile_modern, 0, TRANSPORT_OFF, 0);

    (void)state;
    assert_int_equal(p.tls, PROFILE_TLS_NONE);
    assert_int_equal(p.sasl_external, 0);
    assert_int_equal(p.direct_tls, 0);
}

/* What the scenario set stays: version=none keeps the stream plain; cert and tls stay. */
static void
test_pins(void **state)
{
    struct profile p;

    (void)state;
    p = follow(&profile_gtalk, TRANSPORT_PIN_VERSION, TRANSPORT_REQUIRED, 0);
    assert_null(p.stream_version);
    assert_int_equal(p.tls, PROFILE_TLS_NONE); /* no STARTTLS without stream features */
    assert_int_equal(p.sasl_external, 0);
    p = profile_gtalk;
    p.cert = TLS_CERT_UNTRUSTED;
    p = follow(&p, TRANSPORT_PIN_CERT, TRANSPORT_OPTIONAL, 0);
    assert_int_equal(p.cert, TLS_CERT_UNTRUSTED);
    assert_int_equal(p.tls, PROFILE_TLS_OPTIONAL);
    p = follow(&profile_webex, TRANSPORT_PIN_TLS, TRANSPORT_OFF, 0);
    assert_int_equal(p.tls, PROFILE_TLS_OPTIONAL);
    assert_int_equal(transport_knob_pin("tls=none"), TRANSPORT_PIN_TLS);
    assert_int_equal(transport_knob_pin("cert=expired"), TRANSPORT_PIN_CERT);
    assert_int_equal(transport_knob_pin("tenants=a|b"), 0);
    assert_int_equal(transport_knob_pin("tlsx=1"), 0);
    assert_true(transport_knob_dialback("collision=invalid"));
    assert_false(transport_knob_dialback("lang=none"));
    assert_true(transport_knob_dialback("refuse=invalid"));
    assert_false(transport_knob_dialback("refuse=host-unknown"));
    assert_int_equal(transport_variant_of(NULL), TRANSPORT_OFF);
    assert_int_equal(transport_variant_of("required"), TRANSPORT_REQUIRED);
    assert_int_equal(transport_variant_of("optional"), TRANSPORT_OPTIONAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_gtalk_follows),
            cmocka_unit_test(test_modern_off),
            cmocka_unit_test(test_pins),
    };

    return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
