/* test_c2s_prosody.c: fedsim's c2s client against a real Prosody (the SUT file in FEDSIM_SUT):
 * SCRAM-SHA-1 and PLAIN logins, a wrong password, bind, roster, presence, roster pushes,
 * messages, and a refused connection. Run by c2s_prosody.sh, which starts the SUT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2s.h"
#include "loop.h"
#include "sut.h"
#include "xml_stream.h"

static struct sut *sut;

struct watch {
    int ready, failed, stanzas;
    char why[512];
};

static void
on_ready(struct c2s_client *c, void *arg)
{
    (void)c;
    ((struct watch *)arg)->ready++;
    loop_stop();
}

static void
on_stanza(struct c2s_client *c, const struct xml_node *n, void *arg)
{
    (void)c;
    (void)n;
    ((struct watch *)arg)->stanzas++;
    loop_stop();
}

static void
on_failed(struct c2s_client *c, const char *why, void *arg)
{
    struct watch *w = arg;

    (void)c;
    w->failed++;
    snprintf(w->why, sizeof(w->why), "%s", why);
    loop_stop();
}

static const struct c2s_handler handler = {
        .ready = on_ready, .stanza = on_stanza, .failed = on_failed};

/* Runs the loop until cond(arg) holds, at most `seconds`. */
static int
run_until(int (*cond)(void *), void *arg, int seconds)
{
    struct event *guard = evtimer_new(loop_base(), (event_callback_fn)loop_stop, NULL);
    struct timeval tv = {seconds, 0};

    evtimer_add(guard, &tv);
    while (!cond(arg) && evtimer_pending(guard, NULL))
        loop_run();
    event_free(guard);
    return cond(arg);
}

static int
done(void *arg)
{
    struct watch *w = arg;

    return w->ready || w->failed;
}

static struct c2s_client *
login(size_t account, const char *mech, const char *password, struct watch *w)
{
    struct c2s_options o = {.mechanism = mech, .timeout_ms = 5000};
    struct c2s_client *c;

    memset(w, 0, sizeof(*w));
    c = c2s_new(&sut->c2s, sut->domain, sut->accounts[account].user,
                password != NULL ? password : sut->accounts[account].password, &o, &handler, w);
    assert_true(run_until(done, w, 10));
    return c;
}

static int
setup(void **state)
{
    const char *path = getenv("FEDSIM_SUT");
    char err[512];

    (void)state;
    if (path == NULL || (sut = sut_load(path, err, sizeof(err))) == NULL) {
        fprintf(stderr, "FEDSIM_SUT: %s\n", path == NULL ? "not set" : err);
        return -1;
    }
    if (sut->naccounts < 3) {
        fprintf(stderr, "the SUT file needs 3 accounts\n");
        return -1;
    }
    return loop_init(err, sizeof(err));
}

static int
teardown(void **state)
{
    (void)state;
    loop_free();
    sut_free(sut);
    return 0;
}

static void
test_scram_and_plain(void **state)
{
    struct watch w1, w2;
    struct c2s_client *a = login(0, NULL, NULL, &w1), *b = login(1, "PLAIN", NULL, &w2);
    char prefix[256];

    (void)state;
    if (!w1.ready)
        fail_msg("SCRAM login failed: %s", w1.why);
    assert_string_equal(c2s_mechanism(a), "SCRAM-SHA-1");
    snprintf(prefix, sizeof(prefix), "%s@%s/", sut->accounts[0].user, sut->domain);
    assert_memory_equal(c2s_jid(a), prefix, strlen(prefix));
    assert_non_null(c2s_roster(a));
    if (!w2.ready)
        fail_msg("PLAIN login failed: %s", w2.why);
    assert_string_equal(c2s_mechanism(b), "PLAIN");
    c2s_free(a);
    c2s_free(b);
}

static void
test_wrong_password(void **state)
{
    struct watch w;
    struct c2s_client *c = login(2, NULL, "not-the-password", &w);

    (void)state;
    assert_int_equal(w.ready, 0);
    assert_int_equal(w.failed, 1);
    assert_non_null(strstr(w.why, "not-authorized"));
    assert_int_equal(c2s_state(c), C2S_FAILED);
    c2s_free(c);
}

/* Looks for a recorded stanza: {ns}name with attribute attr=value. */
static const struct xml_node *
received(struct c2s_client *c, const char *name, const char *attr, const char *value)
{
    size_t n, i;
    struct xml_node *const *all = c2s_received(c, &n);

    for (i = 0; i < n; i++) {
        const char *v = xml_attr(all[i], attr);

        if (strcmp(all[i]->name, name) == 0 && v != NULL && strcmp(v, value) == 0)
            return all[i];
    }
    return NULL;
}

struct wait_for {
    struct c2s_client *c;
    const char *name, *attr, *value;
};

static int
arrived(void *arg)
{
    struct wait_for *w = arg;

    return received(w->c, w->name, w->attr, w->value) != NULL;
}

static void
test_subscribe_push_and_message(void **state)
{
    struct watch w1, w2;
    struct c2s_client *a = login(0, NULL, NULL, &w1), *b = login(1, NULL, NULL, &w2);
    char bare_a[256], bare_b[256], err[256];
    struct xml_node *n;
    struct wait_for wf;

    (void)state;
    assert_true(w1.ready && w2.ready);
    snprintf(bare_a, sizeof(bare_a), "%s@%s", sut->accounts[0].user, sut->domain);
    snprintf(bare_b, sizeof(bare_b), "%s@%s", sut->accounts[1].user, sut->domain);
    n = xml_element_new(XML_NS_CLIENT, "presence");
    xml_set_attr(n, NULL, "type", "subscribe");
    xml_set_attr(n, NULL, "to", bare_b);
    c2s_send(a, n);
    xml_node_free(n);

    wf = (struct wait_for){.c = b, .name = "presence", .attr = "type", .value = "subscribe"};
    assert_true(run_until(arrived, &wf, 10));
    assert_string_equal(xml_attr(received(b, "presence", "type", "subscribe"), "from"), bare_a);
    /* The sender's roster push: RFC 6121 §3.1.2, the contact with ask='subscribe'. */
    wf = (struct wait_for){.c = a, .name = "iq", .attr = "type", .value = "set"};
    assert_true(run_until(arrived, &wf, 10));

    n = xml_parse_element("<message type='chat' id='c1'><body>from b</body></message>",
                          XML_NS_CLIENT, err, sizeof(err));
    assert_non_null(n);
    xml_set_attr(n, NULL, "to", c2s_jid(a));
    c2s_send(b, n);
    xml_node_free(n);
    wf = (struct wait_for){.c = a, .name = "message", .attr = "id", .value = "c1"};
    assert_true(run_until(arrived, &wf, 10));
    c2s_free(a);
    c2s_free(b);
}

static void
test_refused(void **state)
{
    struct watch w = {0};
    struct net_addr nowhere;
    struct c2s_client *c;

    (void)state;
    /* The SUT's DNS port: nothing listens on TCP there in this test. */
    nowhere = sut->dns;
    c = c2s_new(&nowhere, sut->domain, "x", "y", NULL, &handler, &w);
    assert_true(run_until(done, &w, 10));
    assert_int_equal(w.failed, 1);
    assert_non_null(strstr(w.why, "cannot connect"));
    c2s_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_scram_and_plain),
            cmocka_unit_test(test_wrong_password),
            cmocka_unit_test(test_subscribe_push_and_message),
            cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests_name("c2s_prosody", tests, setup, teardown);
}
