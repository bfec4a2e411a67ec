/* test_record.c: a transcript made a replayable scenario: the actors, a step per stanza event in
 * order, the run's names made the scenario's, the SUT's iq ids captured and answered with the
 * capture, what varies left out, and autopilot stanzas left to the replay's autopilot. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "scenario.h"

#define T "2026-12-03T17:42:10.470Z "

static const char transcript[] =
        T "seed: 1 (fedsim run --seed 1 makes the same random choices)\n" T
          "gmail: gmail.test is r96c0d8.gmail.test in this run\n" T
          "carol: fresh SUT account u24m\n" T
          "gmail: peer line: profile gtalk, domain gmail.test, version=1.0\n" T
          "c2s u24m@sut.test >> <presence/>\n" T
          "carol: logged in as u24m@sut.test/fedsim (PLAIN)\n" T "carol: step sends 1 time(s)\n" T
          "c2s u24m@sut.test >> <message to='jdoe3@r96c0d8.gmail.test' type='chat' "
          "id='c1'><body>hi ${x}</body></message>\n" T "step a.scn:18 passed\n" T
          "r96c0d8.gmail.test: receives <message type='chat' id='c1' to='jdoe3@r96c0d8.gmail.test' "
          "xml:lang='en' from='u24m@sut.test/fedsim'><body>hi ${x}</body><delay "
          "xmlns='urn:xmpp:delay' stamp='2026-12-03T17:42:10Z'/></message>\n" T
          "r96c0d8.gmail.test: receives <iq type='get' id='sut-chose-this' from='sut.test' "
          "to='r96c0d8.gmail.test'><ping xmlns='urn:xmpp:ping'/></iq>\n"
        /* the autopilot's answer: no step line before it */
        T "r96c0d8.gmail.test: sends <iq type='result' id='sut-chose-this' "
          "from='r96c0d8.gmail.test' to='sut.test'/>\n" T "gmail: step sends 3 time(s)\n" T
          "r96c0d8.gmail.test: sends <iq type='result' id='sut-chose-this' "
          "from='jdoe3@r96c0d8.gmail.test/r' to='u24m@sut.test/fedsim'/>\n" T
          "r96c0d8.gmail.test: sends <presence from='jdoe3@r96c0d8.gmail.test/r' "
          "to='u24m@sut.test'/>\n" T
          "carol: receives <iq type='set' id='push9'><query xmlns='jabber:iq:roster' "
          "ver='7'><item jid='jdoe3@r96c0d8.gmail.test'/></query></iq>\n" T
          "c2s u24m@sut.test >> <iq type='result' id='push9'/>\n" T
          "carol: receives <message from='jdoe3@r96c0d8.gmail.test/r' xml:lang='en' "
          "to='u24m@sut.test/fedsim' id='x9'><body>back</body></message>\n" T
          "c2s u24m@sut.test >> </stream:stream>\n";

static void
test_replay(void **state)
{
    struct record_options o = {.source = "t.log", .zone = "federation.zone"};
    char err[512] = "", *s = record_from_transcript(transcript, &o, err, sizeof(err));
    struct scenario *scn;
    static const char *const want[] = {
            "peer gmail: profile gtalk, domain gmail.test, version=1.0\nclient carol\n",
            "carol connects\n"
            "carol sends:\n"
            "    <message to='jdoe3@gmail.test' type='chat' id='c1'><body>hi "
            "$${x}</body></message>\n"
            "gmail receives:\n"
            /* id c1 kept (it was ours), xml:lang and the delay stamp gone */
            "    <message type='chat' id='c1' to='jdoe3@gmail.test' from='${carol.full}'><body>hi "
            "$${x}</body></message>\n"
            "gmail receives:\n"
            "    <iq type='get' id='{$id1}' from='${sut.domain}' to='gmail.test'><ping "
            "xmlns='urn:xmpp:ping'/></iq>\n"
            /* the step's stanza, 3 times, the captured id; not the autopilot's answer before
             * it, nor the presence after it */
            "gmail sends 3 times:\n"
            "    <iq type='result' id='${id1}' from='jdoe3@gmail.test/r' to='${carol.full}'/>\n"
            /* a push's id the SUT chose: captured; its roster version dropped; the client's
             * own answer to it not a step */
            "carol receives:\n"
            "    <iq type='set' id='{$id2}'><query xmlns='jabber:iq:roster'><item "
            "jid='jdoe3@gmail.test'/></query></iq>\n"
            /* a message id the SUT's side chose is not asserted */
            "carol receives:\n"
            "    <message from='jdoe3@gmail.test/r' "
            "to='${carol.full}'><body>back</body></message>\n"
            "carol disconnects\n",
    };
    size_t i;

    (void)state;
    if (s == NULL)
        fail_msg("%s", err);
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(s, want[i]) == NULL) {
            printf("made:\n%s\n", s);
            fail_msg("missing:\n%s", want[i]);
        }
    assert_non_null(strstr(s, "title: Replay of t.log\n"));
    assert_non_null(strstr(s, "zone: federation.zone\n"));
    assert_null(strstr(s, "r96c0d8"));
    assert_null(strstr(s, "u24m"));
    /* It parses as a scenario (zones not looked up). */
    scn = scenario_parse("replay.scn", s, NULL, err, sizeof(err));
    if (scn == NULL && strstr(err, "zone") == NULL)
        fail_msg("%s", err);
    scenario_free(scn);
    free(s);
}

static void
test_refused(void **state)
{
    char err[512] = "", *s;

    (void)state;
    s = record_from_transcript("hello\nworld\n", NULL, err, sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, "not a fedsim run transcript"));
    s = record_from_transcript(T "gmail: gmail.test is r1.gmail.test in this run\n", NULL, err,
                               sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, "peer gmail: no \"peer line:\""));
    s = record_from_transcript(T "gmail: gmail.test is r1.gmail.test in this run\n" T
                                 "gmail: peer line: profile gtalk, domain gmail.test\n" T
                                 "r1.gmail.test: receives <message><body>x</mess>\n",
                               NULL, err, sizeof(err));
    assert_null(s);
    assert_non_null(strstr(err, "3: a stanza that is not XML"));
}

/* A live recording (fedsim record --sut --remote): the relayed stanzas, dialback and the
 * recorder's notes around them. */
static const char live[] = T
        "record: the SUT sut.test and the remote server other.test\n" T
        "record #1: sut.test (127.0.0.1:4000) dialled the recorder as other.test\n" T
        "dialback sut.test > other.test <db:result from='sut.test' to='other.test'>[redacted]"
        "</db:result>\n"
        /* a subscription request (the user's), then the server's own probe */
        T "s2s sut.test > other.test <presence from='alice@sut.test' to='bob@other.test' "
        "type='subscribe'/>\n" T
        "s2s sut.test > other.test <presence from='alice@sut.test' to='bob@other.test' "
        "type='probe'/>\n" T
        "s2s other.test > sut.test <presence from='bob@other.test' to='alice@sut.test' "
        "type='subscribed'/>\n" T "s2s other.test > sut.test <presence from='bob@other.test/home' "
        "to='alice@sut.test'/>\n" T
        "s2s sut.test > other.test <message from='alice@sut.test/phone' to='bob@other.test' "
        "type='chat' id='a1'><body>hi</body></message>\n" T
        "s2s other.test > sut.test <message from='bob@other.test/home' "
        "to='alice@sut.test/phone' type='chat'><body>back</body></message>\n" T
        "s2s sut.test > other.test <presence from='alice@sut.test/phone' to='bob@other.test' "
        "type='unavailable'/>\n" T "s2s sut.test > third.test <message from='alice@sut.test/phone' "
        "to='x@third.test'/>\n" T
        "s2s other.test > sut.test <features xmlns='http://etherx.jabber.org/streams'/>\n" T
        "stream other.test > sut.test <error xmlns='http://etherx.jabber.org/streams'/>\n";

static void
test_live(void **state)
{
    struct record_live lo = {
            .sut = "sut.test", .remote = "other.test", .profile = "gtalk,subscription=ignore"};
    struct record_options o = {.source = "live.log"};
    char err[512] = "", *t = record_annotate(live, &lo, err, sizeof(err)), *s;
    struct scenario *scn;
    static const char want[] =
            "peer other: profile gtalk, domain other.test, subscription=ignore\n"
            "client alice\n"
            "\n"
            /* the user, logged in as its first full JID, sends the request */
            "alice connects\n"
            "alice sends:\n"
            "    <presence to='bob@other.test' type='subscribe'/>\n"
            "other receives:\n"
            "    <presence from='${alice.bare}' to='bob@other.test' type='subscribe'/>\n"
            /* the SUT's own probe: only received */
            "other receives:\n"
            "    <presence from='${alice.bare}' to='bob@other.test' type='probe'/>\n"
            /* the remote's answer, delivered to the user */
            "other sends:\n"
            "    <presence from='bob@other.test' to='${alice.bare}' type='subscribed'/>\n"
            "alice receives:\n"
            "    <presence from='bob@other.test' to='${alice.bare}' type='subscribed'/>\n"
            /* its presence: sent, not asserted as delivered */
            "other sends:\n"
            "    <presence from='bob@other.test/home' to='${alice.bare}'/>\n"
            "alice sends:\n"
            "    <message to='bob@other.test' type='chat' id='a1'><body>hi</body></message>\n"
            "other receives:\n"
            "    <message from='${alice.full}' to='bob@other.test' type='chat' "
            "id='a1'><body>hi</body></message>\n"
            "other sends:\n"
            "    <message from='bob@other.test/home' to='${alice.full}' "
            "type='chat'><body>back</body></message>\n"
            "alice receives:\n"
            "    <message from='bob@other.test/home' to='${alice.full}' "
            "type='chat'><body>back</body></message>\n"
            /* the client's going away, before what its server sends then */
            "alice disconnects\n"
            "other receives:\n"
            "    <presence from='${alice.full}' to='bob@other.test' type='unavailable'/>\n";

    (void)state;
    if (t == NULL)
        fail_msg("%s", err);
    s = record_from_transcript(t, &o, err, sizeof(err));
    if (s == NULL)
        fail_msg("%s: %s", err, t);
    if (strstr(s, want) == NULL) {
        printf("made:\n%s\n", s);
        fail_msg("not what was recorded");
    }
    /* Nothing after it (the stanza to another domain is not the SUT's business, a stream
     * element is no stanza), no key. */
    assert_string_equal(strstr(s, want) + strlen(want), "");
    assert_null(strstr(t, "KEY"));
    scn = scenario_parse("replay.scn", s, NULL, err, sizeof(err));
    if (scn == NULL && strstr(err, "zone") == NULL)
        fail_msg("%s", err);
    scenario_free(scn);
    free(s);
    free(t);
    /* A relayed stanza that is not XML: the line named. */
    t = record_annotate(T "s2s other.test > sut.test <message><body>x</mess>\n", &lo, err,
                        sizeof(err));
    assert_null(t);
    assert_non_null(strstr(err, "1: a relayed stanza that is not XML"));
}

/* Prosody's debug log: s2s stanzas' top tags, dialback, streams and other sources skipped. */
static void
test_prosody_log(void **state)
{
    static const char log[] =
            "Dec 04 03:33:14 s2sout55c2\tdebug\tSending[s2sout_unauthed]: <?xml version='1.0'?>\n"
            "Dec 04 03:33:14 s2sout55c2\tdebug\tSending[s2sout_unauthed]: <db:result "
            "from='sut.test' to='gmail.test'>\n"
            "Dec 04 03:33:14 s2sout55c2\tdebug\tSending[s2sout]: <presence type='subscribe' "
            "from='user1@sut.test' xml:lang='en' to='jdoe1@gmail.test'/>\n"
            "Dec 04 03:33:14 c2s55c24\tdebug\tReceived[c2s]: <presence type='subscribe' "
            "to='jdoe1@gmail.test'>\n"
            "Dec 04 03:33:15 s2sin55c248\tdebug\tReceived[s2sin]: <message "
            "from='jdoe1@gmail.test/fedsim' to='user1@sut.test' type='chat'>\n"
            "Dec 04 03:33:15 stanzarouter\tdebug\tReceived[s2sin]: <presence "
            "from='jdoe1@gmail.test' to='user1@sut.test' type='error'>\n"
            "Dec 04 03:33:16 s2sout55c2\tinfo\tSending[s2sout]: <message from='user1@sut.test' "
            "to='jdoe1@gmail.test'>\n"
            "Dec 04 03:33:16 s2sout77\tdebug\tSending[s2sout]: <message from='user1@sut.test' "
            "to='x@third.test'>\n";
    struct record_prosody o = {.sut = "sut.test", .remote = "gmail.test", .year = 2026};
    char err[512] = "", *t = record_prosody_log(log, &o, err, sizeof(err));

    (void)state;
    if (t == NULL)
        fail_msg("%s", err);
    assert_string_equal(t, "2026-12-04T03:33:14.000Z s2s sut.test > gmail.test <presence "
                           "type='subscribe' from='user1@sut.test' xml:lang='en' "
                           "to='jdoe1@gmail.test'/>\n"
                           "2026-12-04T03:33:15.001Z s2s gmail.test > sut.test <message "
                           "from='jdoe1@gmail.test/fedsim' to='user1@sut.test' type='chat'/>\n");
    free(t);
    o.remote = "nowhere.test";
    assert_null(record_prosody_log(log, &o, err, sizeof(err)));
    assert_non_null(strstr(err, "no stanza between sut.test and nowhere.test"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_replay),
            cmocka_unit_test(test_refused),
            cmocka_unit_test(test_live),
            cmocka_unit_test(test_prosody_log),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
