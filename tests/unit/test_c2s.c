/* test_c2s.c: the c2s client's login against a scripted server on a bufferevent_pair: ready
 * only once the iq sent after the initial presence is answered, and the echo of that presence
 * marked wherever it arrives (or never, for a server that does not send it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "c2s.h"
#include "loop.h"
#include "xconn.h"

struct watch {
    int ready, failed;
};

static void
on_ready(struct c2s_client *c, void *arg)
{
    (void)c;
    ((struct watch *)arg)->ready = 1;
}

static void
on_failed(struct c2s_client *c, const char *why, void *arg)
{
    (void)c;
    (void)why;
    ((struct watch *)arg)->failed = 1;
}

static const struct c2s_handler handler = {.ready = on_ready, .failed = on_failed};

struct server {
    struct bufferevent *pair[2];
    struct c2s_client *c;
    struct watch w;
    char sent[8192]; /* what the client wrote so far */
};

static void
settle(void)
{
    int i;

    event_base_loop(loop_base(), EVLOOP_NONBLOCK);
    for (i = 0; i < 100 && event_base_get_num_events(loop_base(), EVENT_BASE_COUNT_ACTIVE) > 0; i++)
        event_base_loop(loop_base(), EVLOOP_NONBLOCK);
}

/* The server says text; what the client answers is appended to s->sent. */
static void
say(struct server *s, const char *text)
{
    struct evbuffer *in;
    size_t len, have;

    if (text != NULL)
        bufferevent_write(s->pair[1], text, strlen(text));
    settle();
    in = bufferevent_get_input(s->pair[1]);
    len = evbuffer_get_length(in);
    have = strlen(s->sent);
    assert_true(have + len < sizeof(s->sent));
    evbuffer_remove(in, s->sent + have, len);
    s->sent[have + len] = '\0';
}

#define HEADER                                                                                     \
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "                                   \
    "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='sut.test' version='1.0'>"

/* Logs alice in with PLAIN up to the roster result: the initial presence and the sync iq out. */
static void
login(struct server *s)
{
    struct c2s_options opts = {.mechanism = "PLAIN", .timeout_ms = 60000};
    char err[256];

    memset(s, 0, sizeof(*s));
    assert_int_equal(loop_init(err, sizeof(err)), 0);
    assert_int_equal(bufferevent_pair_new(loop_base(), BEV_OPT_CLOSE_ON_FREE, s->pair), 0);
    bufferevent_enable(s->pair[1], EV_READ | EV_WRITE);
    s->c = c2s_new_bev(s->pair[0], "sut.test", "alice", "secret", &opts, &handler, &s->w);
    say(s, HEADER "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                  "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    say(s, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    say(s, HEADER "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                  "</stream:features>");
    say(s, "<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
           "<jid>alice@sut.test/fedsim</jid></bind></iq>");
    say(s, "<iq type='result' id='roster1'><query xmlns='jabber:iq:roster'/></iq>");
}

static void
done(struct server *s)
{
    c2s_free(s->c);
    settle();
    xconn_abandon_all();
    bufferevent_free(s->pair[1]);
    settle();
    loop_free();
}

/* Not ready at the presence; ready at the answer to the iq sent after it, even with no echo. */
static void
test_ready_after_round_trip(void **state)
{
    struct server s;
    const char *pres, *sync;
    size_t n;

    (void)state;
    login(&s);
    pres = strstr(s.sent, "<presence/>");
    sync = strstr(s.sent, "id='sync1'");
    assert_non_null(pres);
    assert_non_null(sync);
    assert_true(sync > pres); /* the round trip follows the presence */
    assert_false(s.w.ready);
    assert_int_equal(c2s_state(s.c), C2S_SYNC);
    /* A stanza before the answer is recorded; a result for another id does not end the wait. */
    say(&s, "<message from='bob@sut.test/x' type='chat'><body>early</body></message>");
    say(&s, "<iq type='result' id='other'/>");
    assert_false(s.w.ready);
    say(&s, "<iq type='result' id='sync1'><query xmlns='jabber:iq:roster'/></iq>");
    assert_true(s.w.ready);
    assert_int_equal(c2s_state(s.c), C2S_READY);
    (void)c2s_received(s.c, &n);
    assert_int_equal(n, 2); /* the message and the other result; sync1 is the login's own */
    assert_int_equal(c2s_echo(s.c), (size_t)-1); /* jabberd2: never echoed */
    done(&s);
}

/* An error answer is an answer too (RFC 6120 §8.2.3: the server must reply). */
static void
test_error_answer_ends_the_wait(void **state)
{
    struct server s;

    (void)state;
    login(&s);
    say(&s, "<iq type='error' id='sync1'><error type='cancel'><service-unavailable "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    assert_true(s.w.ready);
    done(&s);
}

/* The echo is the first available presence from the bound full JID, before or after ready;
 * another resource's presence, a typed one and a second echo are not. */
static void
test_echo_marked(void **state)
{
    struct server s;
    size_t n;

    (void)state;
    login(&s);
    say(&s, "<iq type='result' id='sync1'/>");
    assert_true(s.w.ready);
    say(&s, "<presence from='alice@sut.test/other'/>");
    say(&s, "<presence from='alice@sut.test/fedsim' type='unavailable'/>");
    assert_int_equal(c2s_echo(s.c), (size_t)-1);
    say(&s, "<presence from='alice@sut.test/fedsim' to='alice@sut.test/fedsim'/>");
    say(&s, "<presence from='alice@sut.test/fedsim'><show>away</show></presence>");
    (void)c2s_received(s.c, &n);
    assert_int_equal(n, 4);
    assert_int_equal(c2s_echo(s.c), 2);
    done(&s);

    login(&s);
    say(&s, "<presence from='alice@sut.test/fedsim'/>");
    say(&s, "<iq type='result' id='sync1'/>");
    assert_true(s.w.ready);
    assert_int_equal(c2s_echo(s.c), 0);
    done(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ready_after_round_trip),
            cmocka_unit_test(test_error_answer_ends_the_wait),
            cmocka_unit_test(test_echo_marked),
    };

    return cmocka_run_group_tests_name("c2s", tests, NULL, NULL);
}
