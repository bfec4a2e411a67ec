/* test_scenario.c: the scenario parser: header, actors, steps with options and stanza blocks,
 * DNS fault steps, and errors with line:col and hints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns_fault.h"
#include "scenario.h"

static const char good[] = "# a comment\n"
                           "title: Two actors\n"
                           "tags: seed, gtalk\n"
                           "timeout: 3s\n"
                           "xfail: prosody: known bug #12\n"
                           "xfail: ejabberd: another one\n"
                           "xfail: on every other SUT\n"
                           "\n"
                           "peer gmail: profile gtalk, domain gmail.test, version=1.0\n"
                           "client alice\n"
                           "client bob: account 2\n"
                           "\n"
                           "alice connects\n"
                           "alice sends:\n"
                           "    <presence type='subscribe'\n"
                           "              to='jdoe1@gmail.test'/>\n"
                           "gmail receives strict within 500ms:\n"
                           "    <presence type='subscribe' from='${alice.bare}'/>\n"
                           "gmail is authenticated to ${sut.domain}\n"
                           "bob receives nothing within 1s\n"
                           "dns asked: _xmpp-server._tcp.gmail.test srv within 2s\n"
                           "dns answers gmail.test A with SERVFAIL\n"
                           "dns replaces x.gmail.test A:\n"
                           "    x.gmail.test. 0 IN A 127.0.0.9\n"
                           "dns restores all\n"
                           "dns never asked: gmail.test AAAA\n"
                           "gmail sends raw:\n"
                           "    <db:result from='evil.test' type='valid'/>\n"
                           "    <unclosed\n";

static void
test_good(void **state)
{
    char err[512] = "";
    struct scenario *s = scenario_parse("good.scn", good, NULL, err, sizeof(err));

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_string_equal(s->title, "Two actors");
    assert_null(scenario_clauses(s));
    assert_int_equal(s->ntags, 2);
    assert_true(scenario_has_tag(s, "gtalk"));
    assert_int_equal(s->timeout_ms, 3000);
    assert_int_equal(s->nxfails, 3);
    assert_string_equal(scenario_xfail(s, "prosody"), "known bug #12");
    assert_string_equal(scenario_xfail(s, "EJABBERD"), "another one");
    assert_string_equal(scenario_xfail(s, "openfire"), "on every other SUT");
    assert_string_equal(scenario_xfail(s, NULL), "on every other SUT");
    assert_int_equal(s->nactors, 3);
    assert_int_equal(s->actors[0].kind, ACTOR_PEER);
    assert_string_equal(s->actors[0].domain, "gmail.test");
    assert_int_equal(s->actors[0].nknobs, 1);
    assert_null(s->actors[1].account); /* a fresh account */
    assert_string_equal(s->actors[2].account, "2");
    assert_int_equal(s->nsteps, 11);
    /* Raw bytes are not checked as XML. */
    assert_int_equal(s->steps[10].kind, STEP_SEND_RAW);
    assert_true(s->steps[10].records);
    assert_non_null(strstr(s->steps[10].stanza, "<unclosed"));
    assert_int_equal(s->steps[1].kind, STEP_SEND);
    assert_int_equal(s->steps[1].line, 14);
    assert_int_equal(s->steps[1].stanza_line, 15);
    assert_non_null(strstr(s->steps[1].stanza, "to='jdoe1@gmail.test'"));
    assert_int_equal(s->steps[2].kind, STEP_RECEIVE);
    assert_true(s->steps[2].strict);
    assert_int_equal(s->steps[2].within_ms, 500);
    assert_int_equal(s->steps[3].kind, STEP_AUTHENTICATED_TO);
    assert_string_equal(s->steps[3].arg1, "${sut.domain}");
    assert_int_equal(s->steps[4].kind, STEP_RECEIVE_NOTHING);
    assert_int_equal(s->steps[5].kind, STEP_DNS_ASKED);
    assert_string_equal(s->steps[5].arg2, "SRV");
    assert_int_equal(s->steps[5].within_ms, 2000);
    assert_int_equal(s->steps[6].kind, STEP_DNS_FAULT);
    assert_int_equal(s->steps[6].fault, DNS_FAULT_RCODE);
    assert_int_equal(s->steps[7].fault, DNS_FAULT_REPLACE);
    assert_non_null(strstr(s->steps[7].stanza, "127.0.0.9"));
    assert_int_equal(s->steps[8].kind, STEP_DNS_RESTORE);
    assert_int_equal(s->steps[9].kind, STEP_DNS_NEVER_ASKED);
    scenario_free(s);
}

/* TLS header and step options, and the parameterised peer modes. */
static void
test_tls_and_modes(void **state)
{
    static const char text[] =
            "requires: tls optional|required\n"
            "clause: RFC 6120 §5.4.3.1\n"
            "clause: XEP-0178 §2, the EXTERNAL exchange\n"
            "clause: seed: the SUT adds a contact\n"
            "peer j: profile modern, domain jabber.test, cert=expired\n"
            "j authenticates ${sut.domain} by sasl external over direct tls within 2s\n"
            "j is authenticated to ${sut.domain} over tls by dialback\n"
            "j authenticates ${j.domain} without tls\n"
            "j closes connections after 100 bytes\n"
            "j writes slowly\n"
            "j sends 50 times:\n"
            "    <presence type='probe' from='a@jabber.test' to='b@sut.test'/>\n"
            "j saw at most 3 connections\n"
            "j answers dialback after 1.5s\n"
            "j does not authenticate ${sut.domain} by dialback within 3s\n"
            "j is not authenticated to ${sut.domain} by sasl external within 2s\n";
    char err[512] = "";
    struct scenario *s = scenario_parse("tls.scn", text, NULL, err, sizeof(err));

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->steps[s->nsteps - 1].kind, STEP_NOT_AUTHENTICATED_TO);
    assert_int_equal(s->steps[s->nsteps - 1].auth, STEP_AUTH_SASL);
    assert_int_equal(s->steps[s->nsteps - 1].within_ms, 2000);
    assert_true(scenario_fits_tls(s, "optional"));
    assert_true(scenario_fits_tls(s, "required"));
    assert_false(scenario_fits_tls(s, "off"));
    assert_false(scenario_fits_tls(s, NULL)); /* no tls line in the SUT file: off */
    assert_false(scenario_fits_tls(s, "option"));
    assert_int_equal(s->nclauses, 3);
    {
        /* by dialback, and a peer whose tls= knob pins it, are fine without requires:. */
        static const char pinned[] = "peer p: profile gtalk, domain d.test, tls=none\n"
                                     "peer q: profile gtalk, domain e.test\n"
                                     "p authenticates x.test by dialback without tls\n"
                                     "q authenticates x.test by dialback\n";
        struct scenario *t = scenario_parse("pinned.scn", pinned, NULL, err, sizeof(err));

        if (t == NULL)
            fail_msg("%s", err);
        scenario_free(t);
    }
    assert_string_equal(s->clauses[0], "RFC 6120 §5.4.3.1");
    assert_string_equal(s->clauses[1], "XEP-0178 §2, the EXTERNAL exchange");
    assert_string_equal(s->clauses[2], "seed: the SUT adds a contact");
    {
        char *all = scenario_clauses(s);

        assert_string_equal(all, "RFC 6120 §5.4.3.1; XEP-0178 §2, the EXTERNAL exchange; seed: "
                                 "the SUT adds a contact");
        free(all);
    }
    assert_int_equal(s->steps[0].auth, STEP_AUTH_SASL);
    assert_int_equal(s->steps[0].tls, STEP_TLS_DIRECT);
    assert_int_equal(s->steps[0].within_ms, 2000);
    assert_int_equal(s->steps[1].auth, STEP_AUTH_DIALBACK);
    assert_int_equal(s->steps[1].tls, STEP_TLS_YES);
    assert_int_equal(s->steps[2].tls, STEP_TLS_NO);
    assert_int_equal(s->steps[3].kind, STEP_PEER_MODE);
    assert_string_equal(s->steps[3].arg1, "closes connections after 100 bytes");
    assert_string_equal(s->steps[4].arg1, "writes slowly");
    assert_int_equal(s->steps[5].kind, STEP_SEND);
    assert_int_equal(s->steps[5].repeat, 50);
    assert_int_equal(s->steps[6].kind, STEP_MAX_CONNECTIONS);
    assert_string_equal(s->steps[6].arg1, "3");
    assert_int_equal(s->steps[7].kind, STEP_PEER_MODE);
    assert_string_equal(s->steps[7].arg1, "answers dialback after 1500 ms");
    assert_int_equal(s->steps[8].kind, STEP_NOT_AUTHENTICATES);
    assert_string_equal(s->steps[8].arg1, "${sut.domain}");
    assert_int_equal(s->steps[8].auth, STEP_AUTH_DIALBACK);
    assert_int_equal(s->steps[8].within_ms, 3000);
    scenario_free(s);
}

/* Faults at random: the peer's modes with durations in ms, DNS faults with a percentage. */
static void
test_random_faults(void **state)
{
    static const char text[] = "peer g: profile gtalk, domain gmail.test\n"
                               "g drops 30% of stanzas\n"
                               "g delays 2.5% of stanzas it sends by 1.5s\n"
                               "g jitters stanzas it receives by 200ms\n"
                               "g cuts 10% of connections\n"
                               "g cuts 10% of connections within 99 bytes\n"
                               "g passes stanzas normally\n"
                               "g drops connections\n"
                               "dns answers 50% of _xmpp-server._tcp.gmail.test SRV with SERVFAIL\n"
                               "dns drops 0.5% of gmail.test *\n"
                               "dns answers gmail.test A with NXDOMAIN\n";
    static const struct {
        const char *text, *error;
    } bad[] = {
            {"peer g: profile gtalk, domain d.test\ng drops 30 % of stanzas\n", "x.scn:2:3:"},
            {"peer g: profile gtalk, domain d.test\ng delays 30% of stanzas by soon\n",
             "x.scn:2:28: \"soon\": expected a duration"},
            {"peer g: profile gtalk, domain d.test\ng jitters stanzas by\n", "x.scn:2:3:"},
            {"dns answers 101% of d.test A with SERVFAIL\n", "x.scn:1:13:"},
            {"dns restores 50% of d.test A\n", "x.scn:1:14:"},
            {"client a\na drops 30% of stanzas\n", "a client cannot"},
    };
    char err[512] = "";
    struct scenario *s = scenario_parse("r.scn", text, NULL, err, sizeof(err));
    size_t i;

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_string_equal(s->steps[0].arg1, "drops 30% of stanzas");
    assert_string_equal(s->steps[1].arg1, "delays 2.5% of stanzas it sends by 1500 ms");
    assert_string_equal(s->steps[2].arg1, "jitters stanzas it receives by 200 ms");
    assert_string_equal(s->steps[3].arg1, "cuts 10% of connections within 2048 bytes");
    assert_string_equal(s->steps[4].arg1, "cuts 10% of connections within 99 bytes");
    assert_string_equal(s->steps[5].arg1, "passes stanzas normally");
    assert_string_equal(s->steps[6].arg1, "drops connections");
    assert_int_equal(s->steps[7].kind, STEP_DNS_FAULT);
    assert_int_equal(s->steps[7].fault, DNS_FAULT_RCODE);
    assert_int_equal(s->steps[7].ppm, 500000);
    assert_string_equal(s->steps[7].arg1, "_xmpp-server._tcp.gmail.test");
    assert_string_equal(s->steps[7].arg3, "SERVFAIL");
    assert_int_equal(s->steps[8].fault, DNS_FAULT_DROP);
    assert_int_equal(s->steps[8].ppm, 5000);
    assert_int_equal(s->steps[9].ppm, 1000000); /* no percentage: every question */
    scenario_free(s);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        s = scenario_parse("x.scn", bad[i].text, NULL, err, sizeof(err));
        if (s != NULL || strstr(err, bad[i].error) == NULL)
            fail_msg("\"%s\": expected an error with \"%s\", got \"%s\"", bad[i].text, bad[i].error,
                     err);
    }
}

/* Alternatives: `or` lines (indented or not) between the stanzas of a receives step. */
static void
test_alternatives(void **state)
{
    static const char text[] =
            "peer p: profile gtalk, domain d.test\n"
            "p receives within 2s:\n"
            "    <iq type='error'><error><item-not-found\n"
            "        xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>\n"
            "or\n"
            "    <iq type='error'/>\n"
            "    or\n"
            "    <message/>\n"
            "p receives nothing like within 1s:\n"
            "    <presence type='subscribed'/>\n"
            "  or\n"
            "    <presence type='unsubscribed'/>\n"
            "p receives:\n"
            "    <presence/>\n";
    char err[512] = "";
    struct scenario *s = scenario_parse("alt.scn", text, NULL, err, sizeof(err));

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->nsteps, 3);
    assert_int_equal(s->steps[0].stanza_line, 3);
    assert_non_null(strstr(s->steps[0].stanza, "item-not-found"));
    assert_int_equal(s->steps[0].nalts, 2);
    assert_string_equal(s->steps[0].alts[0].stanza, "<iq type='error'/>");
    assert_int_equal(s->steps[0].alts[0].line, 6);
    assert_string_equal(s->steps[0].alts[1].stanza, "<message/>");
    assert_int_equal(s->steps[0].alts[1].line, 8);
    assert_int_equal(s->steps[0].within_ms, 2000);
    assert_int_equal(s->steps[1].kind, STEP_RECEIVE_NOTHING);
    assert_string_equal(s->steps[1].stanza, "<presence type='subscribed'/>");
    assert_int_equal(s->steps[1].nalts, 1);
    assert_string_equal(s->steps[1].alts[0].stanza, "<presence type='unsubscribed'/>");
    assert_int_equal(s->steps[2].nalts, 0);
    scenario_free(s);
}

/* Alternative steps: `or STEP` lines after a positive waiting step make a group. */
static void
test_or_steps(void **state)
{
    static const char text[] = "peer p: profile gtalk, domain d.test\n"
                               "client a\n"
                               "a receives within 2s:\n"
                               "    <message/>\n"
                               "or p receives stream error host-unknown\n"
                               "or a receives:\n"
                               "    <presence/>\n"
                               "or\n"
                               "    <iq/>\n"
                               "or dns asked: x.d.test A\n"
                               "p authenticates d.test\n"
                               "or p is authenticated to d.test by dialback\n"
                               "a connects\n";
    char err[512] = "";
    struct scenario *s = scenario_parse("or.scn", text, NULL, err, sizeof(err));

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->nsteps, 7);
    assert_int_equal(s->steps[0].or_prev, 0);
    assert_int_equal(s->steps[1].or_prev, 1);
    assert_int_equal(s->steps[1].kind, STEP_STREAM_ERROR);
    assert_int_equal(s->steps[2].or_prev, 1);
    assert_int_equal(s->steps[2].nalts, 1);
    assert_int_equal(s->steps[3].kind, STEP_DNS_ASKED);
    assert_int_equal(s->steps[3].line, 10);
    assert_int_equal(scenario_group_end(s, 0), 4);
    assert_int_equal(scenario_group_end(s, 4), 6);
    assert_int_equal(s->steps[5].auth, STEP_AUTH_DIALBACK);
    assert_int_equal(scenario_group_end(s, 6), 7);
    scenario_free(s);
    /* Only positive waiting steps group: a negative or immediate step has no "passes when". */
    s = scenario_parse("or.scn", "client a\na connects\nor a receives:\n    <message/>\n", NULL,
                       err, sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, "or.scn:3:1: \"or STEP\": the step above must be a receives"));
    s = scenario_parse("or.scn", "client a\na receives:\n    <message/>\nor a connects\n", NULL,
                       err, sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, "or.scn:4:4: \"or connects\": only receives"));
    s = scenario_parse("or.scn",
                       "client a\na receives:\n    <message/>\nor a receives nothing within 1s\n",
                       NULL, err, sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, "\"or receives nothing\": only receives"));
    s = scenario_parse("or.scn", "client a\na receives:\n    <message/>\nor title: x\n", NULL, err,
                       sizeof(err));
    assert_null(s);
}

/* Run-wide checks and plain waits. */
static void
test_never_and_wait(void **state)
{
    static const char text[] = "peer p: profile gtalk, domain d.test\n"
                               "client a\n"
                               "wait 1.5s\n"
                               "p never receives:\n"
                               "    <message id='x'/>\n"
                               "or\n"
                               "    <message id='y'/>\n"
                               "a never receives:\n"
                               "    <message type='error'/>\n";
    char err[512] = "";
    struct scenario *s = scenario_parse("never.scn", text, NULL, err, sizeof(err));

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->nsteps, 3);
    assert_int_equal(s->steps[0].kind, STEP_WAIT_TIME);
    assert_int_equal(s->steps[0].within_ms, 1500);
    assert_int_equal(s->steps[1].kind, STEP_NEVER_RECEIVES);
    assert_int_equal(s->steps[1].actor, 0);
    assert_int_equal(s->steps[1].nalts, 1);
    assert_int_equal(s->steps[2].kind, STEP_NEVER_RECEIVES);
    assert_int_equal(s->steps[2].actor, 1);
    assert_string_equal(scenario_step_str(s->steps[2].kind), "never receives");
    scenario_free(s);
}

static void
expect_error(const char *text, const char *want)
{
    char err[2048] = "";
    struct scenario *s = scenario_parse("x.scn", text, NULL, err, sizeof(err));

    assert_null(s);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void
test_errors(void **state)
{
    (void)state;
    expect_error("client alice\nalice conects\n", "x.scn:2:7: unknown step \"conects\" (did you "
                                                  "mean \"connects\"?)");
    expect_error("client alice\nbob connects\n", "x.scn:2:1: \"bob\" is not a declared actor");
    expect_error("client alice\nalise connects\n", "did you mean \"alice\"?");
    expect_error("client alice\ntitel: x\nalice connects\n", "header key \"title:\"");
    expect_error("client alice\nalice sends\n", "ends with ':'");
    expect_error("client alice\nalice connects:\n", "takes no stanza");
    expect_error("requires: tls sometimes\nclient a\na connects\n", "unknown TLS variant");
    expect_error("clause: TLS works\nclient a\na connects\n",
                 "x.scn:1:9: clause \"TLS works\": expected the document first");
    expect_error("clause: RFC6121 §4\nclient a\na connects\n", "expected the document first");
    expect_error("clause: XEP-22x\nclient a\na connects\n", "expected the document first");
    expect_error("clause: seedling\nclient a\na connects\n", "expected the document first");
    expect_error("peer p: profile gtalk, domain d.test\np authenticates x.test over tls\n",
                 "x.scn:2:1: \"authenticates\" asserts the transport");
    expect_error("peer p: profile gtalk, domain d.test\np authenticates x.test by sasl external\n",
                 "asserts the transport");
    expect_error("requires: dane\nclient a\na connects\n", "requires: tls off|optional|required");
    expect_error("requires: tls optional dane\nclient a\na connects\n", "[direct-tls]");
    {
        char err[512] = "";
        struct scenario *s = scenario_parse(
                "d.scn", "requires: tls optional|required direct-tls\nclient a\na connects\n", NULL,
                err, sizeof(err));

        if (s == NULL)
            fail_msg("%s", err);
        assert_int_equal(s->requires_direct_tls, 1);
        assert_string_equal(s->requires_tls, "optional|required");
        scenario_free(s);
    }
    expect_error("peer p: profile gtalk, domain d.test\np closes connections after 0 bytes\n",
                 "closes connections after N bytes");
    expect_error("peer p: profile gtalk, domain d.test\np closes connections after 5 kb\n",
                 "closes connections after N bytes");
    expect_error("peer p: profile gtalk, domain d.test\np authenticates x.test over udp\n",
                 "over direct tls");
    expect_error("client a\na sends:\n    <message to='${b.bare}'/>\n", "no actor \"b\"");
    expect_error("client a\na connects\na sends 0 times:\n    <message/>\n", "1 to 10000 times");
    expect_error("peer p: profile gtalk, domain d.test\np saw at most many connections\n",
                 "saw at most N connections");
    expect_error("client a\na sends:\n    <message to='${a.domain}'/>\n", "a client has");
    expect_error("client a\na sends:\n    <message to='${sut.user}'/>\n", "${sut.domain}");
    expect_error("client alice\nalice sends:\n    <a><b></a>\n", "x.scn:3:");
    expect_error("client alice\nalice receives within 5y:\n    <a/>\n", "expected a duration");
    expect_error("peer p: profile nope, domain d.test\np authenticates x\n",
                 "unknown profile \"nope\"");
    expect_error("peer p: profile gtalk\n", "needs \"profile NAME\" and \"domain DOMAIN\"");
    expect_error("peer p: profile gtalk, domain d.test, loud=yes\n", "unknown knob");
    expect_error("client alice\nclient alice\n", "declared twice");
    expect_error("client alice\nalice connects\nclient bob\n", "before the first step");
    expect_error("client alice\nalice connects\ntitle: late\n", "belongs in the header");
    expect_error("client alice\n", "no steps");
    expect_error("client alice\n    <stray/>\nalice connects\n", "no step above it");
    expect_error("client alice\ndns delays x.test A by soon\n", "expected a duration like 2s");
    expect_error("client alice\ndns truncates x.test BOGUS\n", "not a DNS type");
    expect_error("peer p: profile gtalk, domain d.test\np connects\n",
                 "a peer cannot \"connects\"");
    expect_error("peer p: profile gtalk, domain d.test\np answers dialback after soon\n",
                 "x.scn:2:26: expected \"answers dialback after T\"");
    expect_error("peer p: profile gtalk, domain d.test\np answers dialback after\n",
                 "expected \"answers dialback after T\"");
    expect_error("peer p: profile gtalk, domain d.test\np is not authenticated to x.test\n",
                 "needs \"within T\"");
    expect_error("peer p: profile gtalk, domain d.test\np does not authenticate x.test\n",
                 "\"does not authenticate\" needs \"within T\"");
    expect_error("peer p: profile gtalk, domain d.test\np does not authenticate within 2s\n",
                 "unexpected \"2s\"");
    expect_error("client a\na does not authenticate x.test within 2s\n",
                 "a client cannot \"does not authenticate\"");
    expect_error("client a\nwait\n", "x.scn:2:6: expected \"wait T\"");
    expect_error("client a\nwait 2 s\n", "expected \"wait T\"");
    expect_error("client a\nwait soon\n", "expected \"wait T\"");
    expect_error("client wait\nwait connects\n", "not a usable actor name");
    expect_error("client a\na never receives within 2s:\n    <message/>\n",
                 "x.scn:2:18: \"never receives\" takes no options");
    expect_error("client a\na never receives\n", "ends with ':'");
    /* An unknown knob's message lists every knob, however long the name (not cut at 255). */
    expect_error("peer p: profile gtalk, domain d.test, "
                 "a-knob-name-long-enough-to-push-the-message-past-two-hundred-and-fifty-five-"
                 "characters-which-used-to-be-cut=1\n",
                 "known: features verify");
    expect_error("peer p: profile gtalk, domain d.test, "
                 "a-knob-name-long-enough-to-push-the-message-past-two-hundred-and-fifty-five-"
                 "characters-which-used-to-be-cut=1\n",
                 " cert; docs/profiles.md)");
    /* An unknown step lists the steps that actor can take: a peer's fault steps, not a client's
     * connects; a client's, not a peer's. */
    expect_error("peer p: profile gtalk, domain d.test\np frobnicates\n",
                 "x.scn:2:3: expected a step after peer \"p\": accepts connections, answers "
                 "dialback after T, answers dialback invalid, answers dialback normally, "
                 "answers dialback with error, authenticates DOMAIN, closes connections after N "
                 "bytes, cuts P% of "
                 "connections [within N bytes], delays P% of stanzas by T, drops P% of stanzas, "
                 "drops connections");
    expect_error("peer p: profile gtalk, domain d.test\np frobnicates\n",
                 "stays silent, times out its streams, writes normally, writes slowly");
    expect_error("client a\na frobnicates\n",
                 "x.scn:2:3: expected a step after client \"a\": connects, disconnects, never "
                 "receives:, receives:, receives nothing within T, receives nothing like within "
                 "T:, sends:");
    expect_error("client a\na stays\n", "expected a step after client \"a\": connects,");
    expect_error("peer p: profile gtalk, domain d.test\np conects\n", "after peer \"p\"");
    expect_error("peer p: profile gtalk, domain d.test\np ignore dialback\n",
                 "unknown step \"ignore\" (did you mean \"ignores dialback\"?)");
    /* Alternatives. */
    expect_error("client a\na sends:\n    <message/>\nor\n    <presence/>\n",
                 "x.scn:4:1: \"or\": only receives, receives nothing like and never receives take "
                 "alternatives (\"sends\" at line 2 does not)");
    expect_error("client a\na receives:\nor\n    <presence/>\n",
                 "x.scn:3:1: \"or\" needs a stanza above it");
    expect_error("client a\na receives:\n    <message/>\nor\na connects\n",
                 "x.scn:5:1: \"or\" needs another stanza below it");
    expect_error("client a\na receives:\n    <message/>\nor\n", "needs another stanza below it");
    expect_error("client a\na receives:\n    <message/>\nor\n    <presence>\n", "x.scn:5:");
    expect_error("client a\na receives:\n    <message/>\nor\n    <m to='${b.bare}'/>\n",
                 "x.scn:5:1: unknown variable ${b.bare}");
}

/* Negotiation steps: what the SUT sends besides stanzas, on which streams; raw bytes before
 * authentication; the stream's close and the connection's. */
static void
test_negotiation(void **state)
{
    static const char text[] =
            "requires: tls optional\n"
            "peer p: profile gtalk, domain d.test\n"
            "p sends raw unauthenticated:\n"
            "    <stream:stream xmlns:stream='http://etherx.jabber.org/streams'>\n"
            "p receives negotiation raw strict within 2s:\n"
            "    <stream:stream from='${sut.domain}' id='{$id}'/>\n"
            "or\n"
            "    <stream:features/>\n"
            "p receives negotiation outbound over tls after sasl:\n"
            "    <db:result type='valid'/>\n"
            "p never receives negotiation inbound without tls:\n"
            "    <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\n"
            "p receives stream close raw within 3s\n"
            "or p sees the connection closed outbound over direct tls\n"
            "p sends raw:\n"
            "    </stream:stream>\n"
            "p receives:\n"
            "    <message/>\n";
    char err[512] = "";
    struct scenario *s = scenario_parse("nego.scn", text, NULL, err, sizeof(err));

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->nsteps, 8);
    assert_int_equal(s->steps[0].kind, STEP_SEND_RAW);
    assert_int_equal(s->steps[0].unauth, 1);
    assert_int_equal(s->steps[0].records, 1);
    assert_int_equal(s->steps[1].kind, STEP_RECEIVE);
    assert_int_equal(s->steps[1].nego, 1);
    assert_int_equal(s->steps[1].dir, STEP_DIR_RAW);
    assert_int_equal(s->steps[1].strict, 1);
    assert_int_equal(s->steps[1].within_ms, 2000);
    assert_int_equal(s->steps[1].nalts, 1);
    assert_int_equal(s->steps[2].dir, STEP_DIR_OUT);
    assert_int_equal(s->steps[2].tls, STEP_TLS_YES);
    assert_int_equal(s->steps[2].after_sasl, 1);
    assert_int_equal(s->steps[3].kind, STEP_NEVER_RECEIVES);
    assert_int_equal(s->steps[3].nego, 1);
    assert_int_equal(s->steps[3].dir, STEP_DIR_IN);
    assert_int_equal(s->steps[3].tls, STEP_TLS_NO);
    assert_int_equal(s->steps[4].kind, STEP_STREAM_CLOSE);
    assert_int_equal(s->steps[4].dir, STEP_DIR_RAW);
    assert_int_equal(s->steps[4].within_ms, 3000);
    assert_int_equal(s->steps[5].kind, STEP_CONN_CLOSED);
    assert_int_equal(s->steps[5].or_prev, 1);
    assert_int_equal(s->steps[5].dir, STEP_DIR_OUT);
    assert_int_equal(s->steps[5].tls, STEP_TLS_DIRECT);
    assert_string_equal(scenario_step_str(s->steps[5].kind), "sees the connection closed");
    assert_int_equal(s->steps[6].kind, STEP_SEND_RAW);
    assert_int_equal(s->steps[6].unauth, 0);
    assert_int_equal(s->steps[7].nego, 0);
    assert_int_equal(s->steps[7].dir, STEP_DIR_ANY);
    assert_int_equal(s->steps[7].next, 0);
    scenario_free(s);

    s = scenario_parse("verify.scn",
                       "peer p: profile gtalk, domain d.test\np receives stream close verify\n",
                       NULL, err, sizeof(err));
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->steps[0].dir, STEP_DIR_VERIFY);
    scenario_free(s);

    /* receives next: the order of arrival. */
    s = scenario_parse("next.scn",
                       "client a\na receives next strict within 1s:\n    <message id='1'/>\n", NULL,
                       err, sizeof(err));
    if (s == NULL)
        fail_msg("%s", err);
    assert_int_equal(s->steps[0].next, 1);
    assert_int_equal(s->steps[0].strict, 1);
    scenario_free(s);
    expect_error("client a\na receives nothing like next within 1s:\n    <message/>\n",
                 "unexpected \"next\"");

    /* Stream options only on the steps about streams; one direction; a client has none. */
    expect_error("peer p: profile gtalk, domain d.test\np receives outbound:\n    <message/>\n",
                 "unexpected \"outbound\"");
    expect_error("peer p: profile gtalk, domain d.test\n"
                 "p receives negotiation inbound raw:\n    <stream:features/>\n",
                 "one of inbound, outbound, raw or verify only");
    expect_error("client a\na receives negotiation:\n    <message/>\n",
                 "a client cannot \"receives negotiation\"");
    expect_error("peer p: profile gtalk, domain d.test\n"
                 "p never receives negotiation within 2s:\n    <stream:features/>\n",
                 "takes no \"within T\"");
    expect_error("peer p: profile gtalk, domain d.test\np receives stream close sideways\n",
                 "unexpected \"sideways\"");
    /* Without a requires: line the transport follows the SUT: not asserted. */
    expect_error("peer p: profile gtalk, domain d.test\n"
                 "p receives negotiation over tls:\n    <stream:features/>\n",
                 "asserts the transport");
    expect_error("peer p: profile gtalk, domain d.test\n"
                 "p sees the connection closed without tls\n",
                 "asserts the transport");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_good),          cmocka_unit_test(test_errors),
            cmocka_unit_test(test_tls_and_modes), cmocka_unit_test(test_alternatives),
            cmocka_unit_test(test_or_steps),      cmocka_unit_test(test_never_and_wait),
            cmocka_unit_test(test_random_faults), cmocka_unit_test(test_negotiation),
    };

    return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
