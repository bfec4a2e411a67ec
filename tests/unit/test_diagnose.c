/* test_diagnose.c: each diagnosis class from synthetic facts, the look-alikes kept apart
 * (SERVFAIL vs blocked 5269 vs truncation without a TCP retry, a late SUT record vs a missing
 * one), injected faults first, no cause the facts contradict, and the fact collection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"

#define NO_PEER ((size_t)-1)
#define GMAIL   "r1a2b3c.gmail.test"
#define SRV     "_xmpp-server._tcp." GMAIL "."
#define TARGET  "xmpp-server.l." GMAIL "."
#define SUT_SRV "_xmpp-server._tcp.sut.test."

static struct diagnose_facts *f;
static struct diagnose_cause causes[16];
static size_t ncauses;
static size_t gm, wx; /* the peers gmail.test and webex.test */

static int
setup(void **state)
{
    (void)state;
    f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->sut_domain, sizeof(f->sut_domain), "sut.test");
    gm = diagnose_add_peer(f, GMAIL, "gmail.test");
    wx = diagnose_add_peer(f, "r0d0e0f.webex.test", "webex.test");
    f->nsteps = 6;
    f->steps_passed = 3;
    f->line = 20;
    ncauses = 0;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    free(f);
    return 0;
}

/* The failing step waited for the SUT to come to peer p. */
static void
wait_at(size_t p)
{
    f->wait = DIAGNOSE_WAIT_AT_PEER;
    f->peer = p;
}

/* An answer to the SUT (own 0) or to fedsim's resolver (own 1). */
static void
answer(const char *name, const char *type, int rcode, int ancount, int tc, int tcp, int own,
       int fault, int delay_ms)
{
    diagnose_note_dns(f, name, type, rcode, ancount, tc, tcp, own, fault, delay_ms);
}

/* The SUT looked gmail.test up and got its address. */
static void
sut_found_gmail(void)
{
    answer(SRV, "SRV", 0, 2, 0, 0, 0, 0, 0);
    answer(TARGET, "A", 0, 1, 0, 0, 0, 0, 0);
    answer(TARGET, "AAAA", 0, 0, 0, 0, 0, 0, 0);
}

static void
run(void)
{
    size_t i;

    ncauses = diagnose_run(f, causes, sizeof(causes) / sizeof(causes[0]));
    for (i = 0; i < ncauses; i++) /* for the failure output */
        printf("# %s: %s\n", diagnose_class_str(causes[i].cls), causes[i].text);
}

static const struct diagnose_cause *
said(enum diagnose_class cls)
{
    size_t i;

    for (i = 0; i < ncauses; i++)
        if (causes[i].cls == cls)
            return &causes[i];
    return NULL;
}

/* A cause of this class was said, its text holds `text`; returns its place. */
static size_t
assert_said(enum diagnose_class cls, const char *text)
{
    const struct diagnose_cause *c = said(cls);

    if (c == NULL)
        fail_msg("no %s cause", diagnose_class_str(cls));
    if (strstr(c->text, text) == NULL)
        fail_msg("%s cause without \"%s\": %s", diagnose_class_str(cls), text, c->text);
    return (size_t)(c - causes);
}

static void
assert_not_said(enum diagnose_class cls)
{
    const struct diagnose_cause *c = said(cls);

    if (c != NULL)
        fail_msg("a %s cause the facts contradict: %s", diagnose_class_str(cls), c->text);
}

/* No cause's text holds `text`. */
static void
assert_no_text(const char *text)
{
    size_t i;

    for (i = 0; i < ncauses; i++)
        if (strstr(causes[i].text, text) != NULL)
            fail_msg("a cause with \"%s\": %s", text, causes[i].text);
}

/* --- the SUT going to a peer: DNS ------------------------------------------------------- */

static void
test_servfail_named_first(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_RCODE, NO_PEER, SRV, "SRV", "SERVFAIL", 12);
    answer(SRV, "SRV", 2, 0, 0, 0, 0, 1, 0);
    answer(SRV, "SRV", 2, 0, 0, 0, 0, 1, 0);
    answer(GMAIL ".", "A", 0, 0, 0, 0, 0, 0, 0); /* the fallback to the domain's address */
    run();
    assert_int_equal(assert_said(DIAGNOSE_DNS_FAULT,
                                 "the scenario made fedsim's DNS answer SERVFAIL for "
                                 "_xmpp-server._tcp.gmail.test SRV (line 12): the SUT could not "
                                 "find gmail.test (it asked 2 times"),
                     0);
    assert_true(causes[0].injected);
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
    assert_not_said(DIAGNOSE_PEER_RECORDS_MISSING);
    assert_no_text("5269 is blocked");
    assert_no_text(GMAIL); /* the scenario's names, not this run's */
}

static void
test_dns_drop(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_DROP, NO_PEER, SRV, "SRV", NULL, 9);
    answer(SRV, "SRV", -1, 0, 0, 0, 0, 1, 0);
    run();
    assert_said(DIAGNOSE_DNS_FAULT, "drop the questions for _xmpp-server._tcp.gmail.test SRV");
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
}

/* A fault the SUT got around (it connected) or never met explains nothing. */
static void
test_dns_fault_without_effect(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_RCODE, NO_PEER, SRV, "SRV", "SERVFAIL", 12);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_RCODE, NO_PEER, "never.asked." GMAIL, "A", "NXDOMAIN",
                        13);
    answer(SRV, "SRV", 2, 0, 0, 0, 0, 1, 0);
    f->peers[gm].accepted = 1;
    run();
    assert_not_said(DIAGNOSE_DNS_FAULT);
    f->peers[gm].accepted = 0;
    /* Restored, and then the SUT got the real answer: the fault no longer explains it. */
    diagnose_note_restore(f, SRV, "SRV", 14);
    sut_found_gmail();
    run();
    assert_not_said(DIAGNOSE_DNS_FAULT);
    assert_said(DIAGNOSE_OUTBOUND_BLOCKED, "outbound TCP 5269 is blocked");
}

static void
test_dns_delayed(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_DELAY, NO_PEER, SRV, "SRV", "4000", 11);
    answer(SRV, "SRV", 0, 2, 0, 0, 0, 1, 4000);
    answer(SRV, "SRV", 0, 2, 0, 0, 0, 1, 4000);
    run();
    assert_int_equal(assert_said(DIAGNOSE_DNS_DELAYED,
                                 "delay its answers for _xmpp-server._tcp.gmail.test SRV by 4 s "
                                 "(line 11): the SUT asked 2 times"),
                     0);
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
}

/* 300 ms is no reason for a resolver to give up: not named as the cause. */
static void
test_short_delay_is_no_cause(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_DELAY, NO_PEER, SRV, "SRV", "300", 11);
    answer(SRV, "SRV", 0, 2, 0, 0, 0, 1, 300);
    answer(TARGET, "A", 0, 1, 0, 0, 0, 0, 0);
    run();
    assert_not_said(DIAGNOSE_DNS_DELAYED);
    assert_said(DIAGNOSE_OUTBOUND_BLOCKED, "outbound TCP 5269 is blocked");
}

static void
test_dns_replaced(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_REPLACE, NO_PEER, SRV, "SRV",
                        "_xmpp-server._tcp.gmail.test. 0 IN SRV 5 0 5269 dead.gmail.test.", 8);
    answer(SRV, "SRV", 0, 1, 0, 0, 0, 1, 0);
    answer("dead." GMAIL ".", "A", 0, 1, 0, 0, 0, 0, 0);
    run();
    assert_int_equal(assert_said(DIAGNOSE_DNS_REPLACED,
                                 "the scenario replaced _xmpp-server._tcp.gmail.test SRV (line 8)"),
                     0);
    assert_said(DIAGNOSE_DNS_REPLACED, "5269 dead.gmail.test.");
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
}

static void
test_truncated_never_retried(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_TRUNCATE, NO_PEER, SRV, "SRV", NULL, 15);
    answer(SRV, "SRV", 0, 0, 1, 0, 0, 1, 0);
    answer(SRV, "SRV", 0, 0, 1, 0, 0, 1, 0);
    run();
    assert_int_equal(assert_said(DIAGNOSE_TRUNCATED_NO_TCP, "the SUT never asked again over TCP"),
                     0);
    assert_said(DIAGNOSE_TRUNCATED_NO_TCP, "TC=1, line 15");
    assert_true(causes[0].injected);
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
    assert_not_said(DIAGNOSE_PEER_RECORDS_MISSING);
    assert_no_text("firewall drops");
    assert_no_text("5269 is blocked");
}

/* Retried over TCP (whole there): the truncation is not the cause. */
static void
test_truncated_retried_over_tcp(void **state)
{
    (void)state;
    wait_at(gm);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_TRUNCATE, NO_PEER, SRV, "SRV", NULL, 15);
    answer(SRV, "SRV", 0, 0, 1, 0, 0, 1, 0);
    answer(SRV, "SRV", 0, 2, 0, 1, 0, 1, 0);
    answer(TARGET, "A", 0, 1, 0, 0, 0, 0, 0);
    run();
    assert_not_said(DIAGNOSE_TRUNCATED_NO_TCP);
    assert_said(DIAGNOSE_OUTBOUND_BLOCKED, "outbound TCP 5269 is blocked");
}

/* An answer too big for UDP, nothing injected. */
static void
test_truncated_without_fault(void **state)
{
    (void)state;
    wait_at(gm);
    answer(SRV, "SRV", 0, 0, 1, 0, 0, 0, 0);
    run();
    assert_said(DIAGNOSE_TRUNCATED_NO_TCP, "the answer does not fit");
    assert_false(said(DIAGNOSE_TRUNCATED_NO_TCP)->injected);
    assert_not_said(DIAGNOSE_PEER_RECORDS_MISSING);
}

static void
test_peer_records_missing(void **state)
{
    (void)state;
    wait_at(gm);
    answer(SRV, "SRV", 3, 0, 0, 0, 0, 0, 0);
    answer(GMAIL ".", "A", 0, 0, 0, 0, 0, 0, 0);
    run();
    assert_said(DIAGNOSE_PEER_RECORDS_MISSING,
                "_xmpp-server._tcp.gmail.test SRV: NXDOMAIN, from the fixtures");
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
    assert_not_said(DIAGNOSE_DNS_FAULT);
}

/* --- look-alikes: the same symptom (the SUT never connected to the peer) ------------------ */

static void
test_lookalikes_kept_apart(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < 3; i++) {
        teardown(NULL);
        setup(NULL);
        wait_at(gm);
        if (i == 0) { /* SERVFAIL */
            diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_RCODE, NO_PEER, SRV, "SRV", "SERVFAIL", 5);
            answer(SRV, "SRV", 2, 0, 0, 0, 0, 1, 0);
        } else if (i == 1) { /* found, and 5269 blocked by a firewall */
            sut_found_gmail();
        } else { /* truncated, never asked over TCP */
            answer(SRV, "SRV", 0, 0, 1, 0, 0, 0, 0);
        }
        run();
        assert_int_equal(said(DIAGNOSE_DNS_FAULT) != NULL, i == 0);
        assert_int_equal(said(DIAGNOSE_OUTBOUND_BLOCKED) != NULL, i == 1);
        assert_int_equal(said(DIAGNOSE_TRUNCATED_NO_TCP) != NULL, i == 2);
    }
}

/* --- fedsim's peers going to the SUT -------------------------------------------------------- */

static void
test_sut_record_delayed_not_missing(void **state)
{
    (void)state;
    f->wait = DIAGNOSE_WAIT_FROM_PEER;
    f->peer = gm;
    f->peers[wx].sut_connected = 1; /* webex.test got through before the fault */
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_DELAY, NO_PEER, "_xmpp-server._tcp.sut.test", "SRV",
                        "4000", 12);
    answer(SUT_SRV, "SRV", 0, 1, 0, 0, 1, 1, 4000);
    answer(SUT_SRV, "SRV", 0, 1, 0, 0, 1, 1, 4000);
    f->peers[gm].sut_unresolved = 1;
    run();
    assert_int_equal(assert_said(DIAGNOSE_SUT_DNS_FAULT,
                                 "the scenario made fedsim's DNS delay its answers for "
                                 "_xmpp-server._tcp.sut.test SRV by 4 s (line 12): fedsim's own "
                                 "lookups of the SUT (from 127.0.0.254, 2 times)"),
                     0);
    assert_said(DIAGNOSE_SUT_DNS_FAULT, "so gmail.test never connected");
    assert_no_text("webex.test");
    assert_not_said(DIAGNOSE_SUT_RECORDS_MISSING);
    assert_no_text("nslookup");
}

static void
test_sut_records_missing(void **state)
{
    (void)state;
    f->wait = DIAGNOSE_WAIT_FROM_PEER;
    f->peer = gm;
    answer(SUT_SRV, "SRV", 3, 0, 0, 0, 1, 0, 0);
    answer("sut.test.", "A", 3, 0, 0, 0, 1, 0, 0);
    f->peers[gm].sut_unresolved = 1;
    run();
    assert_said(DIAGNOSE_SUT_RECORDS_MISSING,
                "fedsim's DNS answered _xmpp-server._tcp.sut.test SRV with NXDOMAIN");
    assert_said(DIAGNOSE_SUT_RECORDS_MISSING, "the seed's troubleshooting, step 1");
    assert_not_said(DIAGNOSE_SUT_DNS_FAULT);
    assert_no_text("the scenario");
}

/* The peer could not resolve the SUT though every answer it got was good: not "missing". */
static void
test_sut_records_there(void **state)
{
    (void)state;
    answer(SUT_SRV, "SRV", 0, 1, 0, 0, 1, 0, 0);
    answer("s2s.sut.test.", "A", 0, 1, 0, 0, 1, 0, 0);
    f->peers[gm].sut_unresolved = 1;
    run();
    assert_not_said(DIAGNOSE_SUT_RECORDS_MISSING);
}

static void
test_inbound_refused_and_timeout(void **state)
{
    (void)state;
    f->peers[gm].sut_refused = 2;
    snprintf(f->peers[gm].sut_addr, sizeof(f->peers[gm].sut_addr), "127.0.0.1:1");
    f->peers[wx].sut_timeout = 1;
    snprintf(f->peers[wx].sut_addr, sizeof(f->peers[wx].sut_addr), "127.0.0.1:5269");
    run();
    assert_said(DIAGNOSE_INBOUND_REFUSED, "gmail.test's connections to the SUT at 127.0.0.1:1 "
                                          "were refused");
    assert_said(DIAGNOSE_INBOUND_REFUSED, "its federation service is not running");
    assert_said(DIAGNOSE_INBOUND_TIMEOUT, "a firewall drops inbound TCP 5269");
    /* Refused at one address, then connected at another: not the cause. */
    f->peers[gm].sut_connected = 1;
    f->peers[wx].sut_connected = 1;
    run();
    assert_not_said(DIAGNOSE_INBOUND_REFUSED);
    assert_not_said(DIAGNOSE_INBOUND_TIMEOUT);
}

/* --- peers' network faults ------------------------------------------------------------------ */

static void
test_peer_drops_connections(void **state)
{
    (void)state;
    wait_at(gm);
    sut_found_gmail();
    diagnose_note_mode(f, gm, "drops connections", 9);
    run();
    assert_int_equal(assert_said(DIAGNOSE_PEER_NET_FAULT,
                                 "the scenario made gmail.test drop connections "
                                 "(line 9)"),
                     0);
    assert_said(DIAGNOSE_PEER_NET_FAULT, "outbound TCP 5269 is blocked");
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED); /* the guess: the fault says it already */
}

static void
test_peer_refuses_resets_silent(void **state)
{
    (void)state;
    wait_at(gm);
    sut_found_gmail();
    diagnose_note_mode(f, gm, "refuses connections", 9);
    run();
    assert_said(DIAGNOSE_PEER_NET_FAULT, "the scenario made gmail.test refuse connections");
    /* A new mode ends the one before; the SUT's connections now arrive. */
    diagnose_note_mode(f, gm, "resets connections", 10);
    assert_true(f->faults[0].ended);
    assert_int_equal(f->faults[0].ended_line, 10);
    f->peers[gm].accepted = 3;
    run();
    assert_said(DIAGNOSE_PEER_NET_FAULT, "reset connections (line 10): it accepted 3");
    assert_no_text("refuse connections");
    diagnose_note_mode(f, gm, "stays silent", 11);
    run();
    assert_said(DIAGNOSE_PEER_NET_FAULT, "stay silent (line 11)");
    /* Back to normal, and the SUT authenticated: nothing to say about the modes. */
    diagnose_note_mode(f, gm, "accepts connections", 12);
    assert_true(f->faults[2].ended);
    f->peers[gm].in_authenticated = 1;
    run();
    assert_not_said(DIAGNOSE_PEER_NET_FAULT);
}

/* Found in DNS, no connection, nothing injected: the seed's firewall step. */
static void
test_outbound_blocked(void **state)
{
    (void)state;
    wait_at(gm);
    sut_found_gmail();
    run();
    assert_said(DIAGNOSE_OUTBOUND_BLOCKED, "outbound TCP 5269 is blocked (the seed's "
                                           "troubleshooting, step 2");
    /* Only for the peer the step waited at. */
    f->wait = DIAGNOSE_WAIT_OTHER;
    run();
    assert_not_said(DIAGNOSE_OUTBOUND_BLOCKED);
}

static void
test_never_asked(void **state)
{
    (void)state;
    wait_at(gm);
    answer("_xmpp-server._tcp.r0d0e0f.webex.test.", "SRV", 0, 1, 0, 0, 0, 0, 0);
    answer(SRV, "SRV", 0, 2, 0, 0, 1, 0, 0); /* fedsim's own lookup is not the SUT's */
    run();
    assert_said(DIAGNOSE_NEVER_ASKED, "the SUT never looked up _xmpp-server._tcp.gmail.test");
    f->peers[gm].accepted = 1;
    run();
    assert_not_said(DIAGNOSE_NEVER_ASKED);
}

/* --- dialback, certificates, TLS, stream errors --------------------------------------------- */

static void
test_dialback_fault(void **state)
{
    (void)state;
    wait_at(gm);
    sut_found_gmail();
    diagnose_note_mode(f, gm, "answers dialback invalid", 7);
    f->peers[gm].accepted = 1;
    f->peers[gm].in_streams = 1;
    f->peers[gm].db_invalid_sent = 1;
    f->peers[gm].nstream_errors = 1;
    snprintf(f->peers[gm].stream_errors[0], sizeof(f->peers[gm].stream_errors[0]),
             "not-authorized");
    run();
    assert_int_equal(assert_said(DIAGNOSE_DIALBACK_FAULT,
                                 "the scenario made gmail.test answer dialback invalid (line 7)"),
                     0);
    assert_said(DIAGNOSE_DIALBACK_FAULT, "then closed the stream with <not-authorized/>");
    assert_not_said(DIAGNOSE_STREAM_ERROR); /* explained */
    assert_not_said(DIAGNOSE_DIALBACK_INVALID);
    /* As authoritative server: the peer's own key said invalid, the SUT refused its stream. */
    f->peers[gm].db_invalid_sent = 0;
    f->peers[gm].verify_invalid = 1;
    f->peers[gm].invalid_from_sut = 1;
    run();
    assert_said(DIAGNOSE_DIALBACK_FAULT, "to verify gmail.test's own key, it said invalid");
    assert_not_said(DIAGNOSE_DIALBACK_INVALID);
    /* Ignoring instead. */
    diagnose_note_mode(f, gm, "ignores dialback", 8);
    assert_true(f->faults[0].ended);
    f->peers[gm].db_ignored = 2;
    run();
    assert_said(DIAGNOSE_DIALBACK_FAULT, "ignore dialback (line 8): the SUT's dialback requests "
                                         "(2) got no answer");
    /* Late instead: the ignoring is over, the lateness said. */
    diagnose_note_mode(f, gm, "answers dialback after 3000 ms", 9);
    assert_true(f->faults[1].ended);
    assert_string_equal(f->faults[2].value, "3000");
    f->peers[gm].db_late = 1;
    run();
    assert_said(DIAGNOSE_DIALBACK_FAULT, "answer dialback 3 s late (line 9)");
    assert_no_text("ignore dialback");
}

static void
test_dialback_invalid_observed(void **state)
{
    (void)state;
    f->peers[gm].invalid_from_sut = 1;
    run();
    assert_said(DIAGNOSE_DIALBACK_INVALID, "without connecting back to it");
    f->peers[gm].accepted = 1;
    run();
    assert_said(DIAGNOSE_DIALBACK_INVALID, "although it connected back");
    assert_no_text("without connecting back");
}

static void
test_collision(void **state)
{
    (void)state;
    diagnose_note_fault(f, DIAGNOSE_FAULT_COLLISION, gm, NULL, NULL, "invalid", 4);
    run();
    assert_not_said(DIAGNOSE_COLLISION); /* the SUT never came: the knob did nothing */
    f->peers[gm].collision = 1;
    f->peers[gm].invalid_from_sut = 1;
    run();
    assert_int_equal(assert_said(DIAGNOSE_COLLISION, "gmail.test's provider hosts sut.test itself "
                                                     "(the scenario's collision=invalid)"),
                     0);
    assert_said(DIAGNOSE_COLLISION, "\"unexpected dialback response\"");
    assert_not_said(DIAGNOSE_DIALBACK_INVALID);
}

static void
test_cert_fault(void **state)
{
    (void)state;
    diagnose_note_fault(f, DIAGNOSE_FAULT_CERT, gm, NULL, NULL, "expired", 10);
    f->peers[gm].sut_connected = 1;
    run();
    assert_not_said(DIAGNOSE_CERT_FAULT); /* no TLS: the certificate was never shown */
    f->peers[gm].tls_done = 1;
    f->peers[gm].nstream_errors = 1;
    snprintf(f->peers[gm].stream_errors[0], sizeof(f->peers[gm].stream_errors[0]),
             "not-authorized");
    run();
    assert_int_equal(
            assert_said(DIAGNOSE_CERT_FAULT,
                        "the scenario gave gmail.test a certificate that does not verify "
                        "(cert=expired): the SUT closed its stream with <not-authorized/>"),
            0);
    assert_not_said(DIAGNOSE_STREAM_ERROR);
    /* TLS optional: the SUT went on with dialback, so the certificate explains nothing. */
    f->peers[gm].out_authenticated = 1;
    run();
    assert_not_said(DIAGNOSE_CERT_FAULT);
}

static void
test_cert_refused_tls_failed(void **state)
{
    (void)state;
    f->peers[gm].cert_refused = 1;
    f->peers[wx].tls_failed = 2;
    run();
    assert_said(DIAGNOSE_CERT_REFUSED, "gmail.test refused the SUT's certificate");
    assert_said(DIAGNOSE_TLS_FAILED, "between webex.test and the SUT failed (2 times)");
}

static void
test_stream_error(void **state)
{
    (void)state;
    f->peers[gm].sut_connected = 1;
    f->peers[gm].nstream_errors = 1;
    snprintf(f->peers[gm].stream_errors[0], sizeof(f->peers[gm].stream_errors[0]), "host-unknown");
    run();
    assert_said(DIAGNOSE_STREAM_ERROR, "the SUT closed gmail.test's stream with <host-unknown/>: "
                                       "it does not serve the domain the stream is for (RFC 6120 "
                                       "§4.9.3.6)");
    /* A slow peer explains a <connection-timeout/> on its stream: the fault is said instead. */
    f->peers[gm].nstream_errors = 1;
    snprintf(f->peers[gm].stream_errors[0], sizeof(f->peers[gm].stream_errors[0]),
             "connection-timeout");
    diagnose_note_mode(f, gm, "writes slowly", 5);
    f->wait = DIAGNOSE_WAIT_FROM_PEER;
    f->peer = gm;
    run();
    assert_said(DIAGNOSE_PEER_NET_FAULT, "the scenario made gmail.test write slowly (line 5");
    assert_not_said(DIAGNOSE_STREAM_ERROR);
}

/* --- order, and the collection -------------------------------------------------------------- */

static void
test_injected_first(void **state)
{
    size_t i;

    (void)state;
    wait_at(gm);
    f->peers[wx].sut_refused = 1; /* observed, listed after */
    f->peers[wx].invalid_from_sut = 1;
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_RCODE, NO_PEER, SRV, "SRV", "SERVFAIL", 5);
    answer(SRV, "SRV", 2, 0, 0, 0, 0, 1, 0);
    run();
    assert_true(ncauses >= 3);
    assert_true(causes[0].injected);
    for (i = 1; i < ncauses; i++)
        assert_false(causes[i].injected);
    /* max bounds what is written */
    assert_int_equal(diagnose_run(f, causes, 1), 1);
    assert_true(causes[0].injected);
}

static void
test_collect_dns(void **state)
{
    int i;

    (void)state;
    answer(SRV, "SRV", 0, 2, 0, 0, 0, 0, 0);
    answer("_XMPP-server._tcp.R1A2B3C.gmail.test", "SRV", 0, 2, 0, 0, 0, 0, 0);
    answer(SRV, "SRV", 0, 2, 0, 1, 0, 0, 0); /* over TCP: another outcome */
    answer(SRV, "SRV", 0, 2, 0, 0, 1, 0, 0); /* fedsim's own */
    assert_int_equal(f->ndns, 3);
    assert_int_equal(f->dns[0].count, 2);
    assert_string_equal(f->dns[0].name, "_xmpp-server._tcp." GMAIL); /* no final dot */
    for (i = 0; i < DIAGNOSE_MAX_DNS + 5; i++) {
        char name[64];

        snprintf(name, sizeof(name), "n%d.example.", i);
        answer(name, "A", 3, 0, 0, 0, 0, 0, 0);
    }
    assert_int_equal(f->ndns, DIAGNOSE_MAX_DNS);
    assert_int_equal(f->dns_unkept, 3 + 5);
}

static void
test_collect_faults(void **state)
{
    (void)state;
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_RCODE, NO_PEER, SRV, "SRV", "SERVFAIL", 5);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_DROP, NO_PEER, SRV, "SRV", NULL, 6);
    assert_int_equal(f->nfaults, 2);
    assert_true(f->faults[0].ended); /* one fault per question: the second replaced it */
    assert_int_equal(f->faults[0].ended_line, 6);
    assert_false(f->faults[1].ended);
    assert_string_equal(f->faults[1].name, "_xmpp-server._tcp." GMAIL);
    diagnose_note_fault(f, DIAGNOSE_FAULT_DNS_DELAY, NO_PEER, "sut.test", "*", "2000", 7);
    diagnose_note_restore(f, "all", "*", 8);
    assert_true(f->faults[1].ended && f->faults[2].ended);
    diagnose_note_mode(f, gm, "closes connections after 100 bytes", 9);
    assert_int_equal(f->faults[3].kind, DIAGNOSE_FAULT_NET_CUT);
    assert_string_equal(f->faults[3].value, "100");
    diagnose_note_mode(f, gm, "writes slowly", 10);
    diagnose_note_mode(f, gm, "writes normally", 11);
    assert_true(f->faults[4].ended);
    assert_false(f->faults[3].ended);
    diagnose_note_mode(f, gm, "accepts connections", 12);
    assert_true(f->faults[3].ended);
    diagnose_note_mode(f, gm, "no such mode", 13);
    assert_int_equal(f->nfaults, 5);
    assert_string_equal(diagnose_class_str(DIAGNOSE_TRUNCATED_NO_TCP), "truncated-no-tcp");
    assert_string_equal(diagnose_class_str((enum diagnose_class)99), "?");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_servfail_named_first, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dns_drop, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dns_fault_without_effect, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dns_delayed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_short_delay_is_no_cause, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dns_replaced, setup, teardown),
            cmocka_unit_test_setup_teardown(test_truncated_never_retried, setup, teardown),
            cmocka_unit_test_setup_teardown(test_truncated_retried_over_tcp, setup, teardown),
            cmocka_unit_test_setup_teardown(test_truncated_without_fault, setup, teardown),
            cmocka_unit_test_setup_teardown(test_peer_records_missing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_lookalikes_kept_apart, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sut_record_delayed_not_missing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sut_records_missing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_sut_records_there, setup, teardown),
            cmocka_unit_test_setup_teardown(test_inbound_refused_and_timeout, setup, teardown),
            cmocka_unit_test_setup_teardown(test_peer_drops_connections, setup, teardown),
            cmocka_unit_test_setup_teardown(test_peer_refuses_resets_silent, setup, teardown),
            cmocka_unit_test_setup_teardown(test_outbound_blocked, setup, teardown),
            cmocka_unit_test_setup_teardown(test_never_asked, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dialback_fault, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dialback_invalid_observed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_collision, setup, teardown),
            cmocka_unit_test_setup_teardown(test_cert_fault, setup, teardown),
            cmocka_unit_test_setup_teardown(test_cert_refused_tls_failed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stream_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_injected_first, setup, teardown),
            cmocka_unit_test_setup_teardown(test_collect_dns, setup, teardown),
            cmocka_unit_test_setup_teardown(test_collect_faults, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
