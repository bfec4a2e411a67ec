/* test_roster.c: the RFC 6121 subscription state table, both directions, and what the server
 * owes on its user's behalf after each stanza (auto-replies, presence after an approval,
 * unavailable presence after a cancel or an unsubscribe). */
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
    assert_int_equal(roster_inbound(&r, "alice@sut.test", "subscribe"), ROSTER_DUTY_NONE);
    assert_string_equal(state(&r, "alice@sut.test"), "none +pending-in");
    /* §3.1.5: the approval is followed by our user's presence. */
    assert_int_equal(roster_outbound(&r, "alice@sut.test", "subscribed"), ROSTER_DUTY_AVAILABLE);
    assert_string_equal(state(&r, "alice@sut.test"), "from");
    roster_outbound(&r, "Alice@SUT.test", "subscribe");
    assert_string_equal(state(&r, "alice@sut.test"), "from +pending-out");
    roster_inbound(&r, "alice@sut.test", "subscribed");
    assert_string_equal(state(&r, "alice@sut.test"), "both");
    /* Already approved: a repeated subscribe is answered by the server, state unchanged. */
    assert_int_equal(roster_inbound(&r, "alice@sut.test", "subscribe"), ROSTER_DUTY_SUBSCRIBED);
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
    /* Approving without a request is a pre-approval, not a subscription: no presence. */
    assert_int_equal(roster_outbound(&r, "bob@sut.test", "subscribed"), ROSTER_DUTY_NONE);
    assert_string_equal(state(&r, "bob@sut.test"), "none");
    roster_outbound(&r, "bob@sut.test", "subscribe");
    roster_inbound(&r, "bob@sut.test", "subscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "to");
    roster_inbound(&r, "bob@sut.test", "unsubscribed");
    assert_string_equal(state(&r, "bob@sut.test"), "none");
    roster_inbound(&r, "bob@sut.test", "subscribe");
    /* Denying a request: nothing was shown, so no unavailable presence. */
    assert_int_equal(roster_outbound(&r, "bob@sut.test", "unsubscribed"), ROSTER_DUTY_NONE);
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

/* RFC 6121 §3.3.3: an inbound unsubscribe from a contact who saw our user's presence (from,
 * from + pending-out, both) is followed by unavailable presence; from anyone else (none,
 * none + pending-in: a request withdrawn, to) it is not. */
static void
test_inbound_unsubscribe_duty(void **s)
{
    static const struct {
        enum roster_sub sub;
        int pending_in, pending_out;
        enum roster_duty duty;
        const char *after;
    } cases[] = {
            {ROSTER_BOTH, 0, 0, ROSTER_DUTY_UNAVAILABLE, "to"},
            {ROSTER_FROM, 0, 0, ROSTER_DUTY_UNAVAILABLE, "none"},
            {ROSTER_FROM, 0, 1, ROSTER_DUTY_UNAVAILABLE, "none +pending-out"},
            {ROSTER_NONE, 1, 0, ROSTER_DUTY_NONE, "none"},
            {ROSTER_NONE, 1, 1, ROSTER_DUTY_NONE, "none +pending-out"},
            {ROSTER_TO, 1, 0, ROSTER_DUTY_NONE, "to"},
            {ROSTER_TO, 0, 0, ROSTER_DUTY_NONE, "to"},
            {ROSTER_NONE, 0, 0, ROSTER_DUTY_NONE, "none"},
    };
    size_t i;

    (void)s;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct roster r = {0};
        struct roster_item *it = roster_get(&r, "d@sut.test");

        it->sub = cases[i].sub;
        it->pending_in = cases[i].pending_in;
        it->pending_out = cases[i].pending_out;
        assert_int_equal(roster_inbound(&r, "d@sut.test", "unsubscribe"), cases[i].duty);
        assert_string_equal(state(&r, "d@sut.test"), cases[i].after);
        roster_clear(&r);
    }
}

/* RFC 6121 §3.2.2: our user cancels a contact's subscription: unavailable presence first;
 * the other inbound stanzas (subscribed, unsubscribed) owe nothing. */
static void
test_cancel_and_other_duties(void **s)
{
    struct roster r = {0};
    struct roster_item *it = roster_get(&r, "e@sut.test");

    (void)s;
    it->sub = ROSTER_BOTH;
    assert_int_equal(roster_outbound(&r, "e@sut.test", "unsubscribed"), ROSTER_DUTY_UNAVAILABLE);
    assert_string_equal(state(&r, "e@sut.test"), "to");
    assert_int_equal(roster_inbound(&r, "e@sut.test", "unsubscribed"), ROSTER_DUTY_NONE);
    assert_string_equal(state(&r, "e@sut.test"), "none");
    assert_int_equal(roster_outbound(&r, "e@sut.test", "subscribe"), ROSTER_DUTY_NONE);
    assert_int_equal(roster_inbound(&r, "e@sut.test", "subscribed"), ROSTER_DUTY_NONE);
    assert_string_equal(state(&r, "e@sut.test"), "to");
    assert_int_equal(roster_outbound(&r, "e@sut.test", "unsubscribe"), ROSTER_DUTY_NONE);
    assert_string_equal(state(&r, "e@sut.test"), "none");
    roster_clear(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_they_subscribe_we_approve_then_we_subscribe),
            cmocka_unit_test(test_unsolicited_and_cancel),
            cmocka_unit_test(test_both_unwinds),
            cmocka_unit_test(test_inbound_unsubscribe_duty),
            cmocka_unit_test(test_cancel_and_other_duties),
    };

    return cmocka_run_group_tests_name("roster", tests, NULL, NULL);
}
