/* test_roster.c: the RFC 6121 subscription state table, both directions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "roster.h"

static const char *
state(struct roster *r, const char *jid)
{
    static char buf[64];

    return roster_state_str(roster_find(r, jid), buf, sizeof(buf));
}

static void
test_they_subscribe_we_approve_then_we_subscribe(void **s)
{
    struct roster r = {0};

    (void)s;
    assert_string_equal(state(&r, "alice@sut.test"), "none");
    assert_int_equal(roster_inbound(&r, "alice@sut.test", "subscribe"), 0);
    assert_string_equal(state(&r, "alice@sut.test"), "none +pending-in");
    roster_outbound(&r, "alice@sut.test", "subscribed");
    assert_string_equal(state(&r, "alice@sut.test"), "from");
    roster_outbound(&r, "Alice@SUT.test", "subscribe");
    assert_string_equal(state(&r, "alice@sut.test"), "from +pending-out");
    roster_inbound(&r, "alice@sut.test", "subscribed");
    assert_string_equal(state(&r, "alice@sut.test"), "both");
    /* Already approved: a repeated subscribe is answered by the server, state unchanged. */
    assert_int_equal(roster_inbound(&r, "alice@sut.test", "subscribe"), 1);
    assert_string_equal(state(&r, "alice@sut.test"), "both");
    roster_clear(&r);
}

static void
test_unsolicited_and_cancel(void **s)
{
    struct roster r = {0};

    (void)s;
    /* A subscribed nobody asked for changes nothing. */
    roster_inbound(&r, "bob@sut.test", "subscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "none");
    /* Approving without a request is a pre-approval, not a subscription. */
    roster_outbound(&r, "bob@sut.test", "subscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "none");
    roster_outbound(&r, "bob@sut.test", "subscribe");
    roster_inbound(&r, "bob@sut.test", "subscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "to");
    roster_inbound(&r, "bob@sut.test", "unsubscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "none");
    roster_inbound(&r, "bob@sut.test", "subscribe");
    roster_outbound(&r, "bob@sut.test", "unsubscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "none");
    roster_clear(&r);
}

static void
test_both_unwinds(void **s)
{
    struct roster r = {0};
    struct roster_item *it = roster_get(&r, "c@sut.test");

    (void)s;
    it->sub = ROSTER_BOTH;
    roster_outbound(&r, "c@sut.test", "unsubscribe");
    assert_string_equal(state(&r, "c@sut.test"), "from");
    roster_inbound(&r, "c@sut.test", "unsubscribe");
    assert_string_equal(state(&r, "c@sut.test"), "none");
    roster_clear(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_they_subscribe_we_approve_then_we_subscribe),
            cmocka_unit_test(test_unsolicited_and_cancel),
            cmocka_unit_test(test_both_unwinds),
    };

    return cmocka_run_group_tests_name("roster", tests, NULL, NULL);
}
