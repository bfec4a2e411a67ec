/* test_profile.c: the profile tables and knob overrides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "profile.h"

static void
test_every_profile_is_found_by_name(void **s)
{
    static const char *const names[] = {"cup8", "gtalk", "modern", "sametime", "webex"};
    size_t i;

    (void)s;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct profile *p = profile_find(names[i]);

        assert_non_null(p);
        assert_string_equal(p->name, names[i]);
        assert_non_null(strstr(profile_names(), names[i]));
        assert_non_null(p->summary);
        assert_non_null(p->resource);
        /* TLS needs version 1.0 (stream features): no profile may ask for one without it. */
        if (p->tls != PROFILE_TLS_NONE)
            assert_non_null(p->stream_version);
    }
    assert_null(profile_find("msn"));
}

static void
test_profiles_as_the_brief_describes(void **s)
{
    (void)s;
    /* protocol-brief §2.1-2.5 */
    assert_null(profile_gtalk.stream_version);
    assert_int_equal(profile_gtalk.tls, PROFILE_TLS_NONE);
    assert_int_equal(profile_webex.tls, PROFILE_TLS_OPTIONAL);
    assert_false(profile_webex.request_client_cert);
    assert_int_equal(profile_webex.verify_cert, PROFILE_VERIFY_NONE);
    assert_int_equal(profile_sametime.tls, PROFILE_TLS_OPTIONAL);
    assert_int_equal(profile_sametime.verify_cert, PROFILE_VERIFY_CHAIN);
    assert_true(profile_sametime.verify_new_connection);
    assert_true(profile_cup8.feature_dialback);
    assert_int_equal(profile_modern.tls, PROFILE_TLS_REQUIRED);
    assert_true(profile_modern.request_client_cert);
    assert_true(profile_modern.sasl_external);
    assert_false(profile_modern.verify_new_connection);
}

static void
test_knobs(void **s)
{
    struct profile p = profile_webex;
    char err[512];

    (void)s;
    assert_int_equal(profile_set_knob(&p, "tls=required", err, sizeof(err)), 0);
    assert_int_equal(p.tls, PROFILE_TLS_REQUIRED);
    assert_int_equal(profile_set_knob(&p, "tls=none", err, sizeof(err)), 0);
    assert_int_equal(p.tls, PROFILE_TLS_NONE);
    assert_int_equal(profile_set_knob(&p, "client_cert=request", err, sizeof(err)), 0);
    assert_true(p.request_client_cert);
    assert_int_equal(profile_set_knob(&p, "verify_cert=full", err, sizeof(err)), 0);
    assert_int_equal(p.verify_cert, PROFILE_VERIFY_FULL);
    assert_int_equal(profile_set_knob(&p, "sasl=external", err, sizeof(err)), 0);
    assert_true(p.sasl_external);
    assert_int_equal(profile_set_knob(&p, "cert=server-auth-only", err, sizeof(err)), 0);
    assert_int_equal(p.cert, TLS_CERT_SERVER_ONLY);
    assert_int_equal(profile_set_knob(&p, "version=none", err, sizeof(err)), 0);
    assert_null(p.stream_version);
    /* The table itself is untouched. */
    assert_int_equal(profile_webex.tls, PROFILE_TLS_OPTIONAL);
    assert_int_equal(profile_set_knob(&p, "tls=maybe", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tls=none|optional|required"));
    assert_int_equal(profile_set_knob(&p, "cert=stolen", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cert=valid|expired"));
    assert_int_equal(profile_set_knob(&p, "loud", err, sizeof(err)), -1);
}

static void
test_allow_list(void **s)
{
    struct profile p = profile_sametime;
    char err[512];

    (void)s;
    assert_true(profile_allows(&p, "anyone.test")); /* empty: every domain */
    assert_true(p.iq_refuse);
    assert_int_equal(profile_set_knob(&p, "allow=partner.test|Other.test", err, sizeof(err)), 0);
    assert_true(profile_allows(&p, "partner.test"));
    assert_true(profile_allows(&p, "other.TEST"));
    assert_false(profile_allows(&p, "sut.test"));
    assert_false(profile_allows(&p, "partner.tes"));
    assert_false(profile_allows(&p, "partner.test.evil"));
    assert_false(profile_allows(&p, NULL));
    assert_false(p.refuse_invalid);
    assert_int_equal(profile_set_knob(&p, "refuse=invalid", err, sizeof(err)), 0);
    assert_true(p.refuse_invalid);
    assert_int_equal(profile_set_knob(&p, "iq=answer", err, sizeof(err)), 0);
    assert_false(p.iq_refuse);
    assert_int_equal(profile_set_knob(&p, "allow=", err, sizeof(err)), -1);
}

static void
test_field_bug_knobs(void **s)
{
    struct profile p = profile_cup8;
    char err[1024];

    (void)s;
    assert_int_equal(profile_set_knob(&p, "collision=unsolicited", err, sizeof(err)), 0);
    assert_int_equal(p.collision, PROFILE_COLLISION_UNSOLICITED);
    assert_int_equal(profile_set_knob(&p, "dialback=no", err, sizeof(err)), 0);
    assert_true(p.no_dialback);
    assert_false(p.feature_dialback); /* not offered either */
    assert_int_equal(profile_set_knob(&p, "header=no-to", err, sizeof(err)), 0);
    assert_string_equal(p.header_omit, "to");
    assert_int_equal(profile_set_knob(&p, "header=full", err, sizeof(err)), 0);
    assert_null(p.header_omit);
    assert_int_equal(profile_set_knob(&p, "db_prefix=dlbk", err, sizeof(err)), 0);
    assert_string_equal(p.db_prefix, "dlbk");
    assert_int_equal(profile_set_knob(&p, "db_prefix=Not:ok", err, sizeof(err)), -1);
    assert_int_equal(profile_set_knob(&p, "max_stanza=1000", err, sizeof(err)), 0);
    assert_int_equal(p.max_stanza, 1000);
    assert_int_equal(profile_set_knob(&p, "max_stanza=10", err, sizeof(err)), -1);
    assert_int_equal(profile_set_knob(&p, "max_stanza=lots", err, sizeof(err)), -1);
    assert_int_equal(profile_set_knob(&p, "sasl=fail", err, sizeof(err)), 0);
    assert_int_equal(p.sasl_external, 2);
    assert_int_equal(profile_set_knob(&p, "messages=drop", err, sizeof(err)), 0);
    assert_true(p.drop_messages);
    assert_int_equal(profile_set_knob(&p, "tenants=acme|globex", err, sizeof(err)), 0);
    assert_string_equal(p.tenants, "acme|globex");
    assert_int_equal(profile_set_knob(&p, "collision=maybe", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "collision=none|invalid|unsolicited|silent"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_profile_is_found_by_name),
            cmocka_unit_test(test_profiles_as_the_brief_describes),
            cmocka_unit_test(test_knobs),
            cmocka_unit_test(test_allow_list),
            cmocka_unit_test(test_field_bug_knobs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
