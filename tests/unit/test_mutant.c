/* test_mutant.c: the mutant maker of fedsim mutate: each operator's mutated step text, every
 * mutant a valid scenario with the other steps unchanged, the count fixed, the sample
 * reproducible from its seed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mutant.h"
#include "scenario.h"

static const char text[] =
        "title: mutants\n"                                             /* 1 */
        "peer gmail: profile gtalk, domain gmail.test, tls=optional\n" /* 2 */
        "client alice\n"                                               /* 3 */
        "alice connects\n"                                             /* 4 */
        "alice sends:\n"                                               /* 5 */
        "    <message to='jdoe1@gmail.test' type='chat'><body>hi</body></message>\n"
        "gmail receives within 5s:\n"                                              /* 7 */
        "    <message type='chat' from='${alice.full}'>\n"                         /* 8 */
        "        # a comment inside the block\n"                                   /* 9 */
        "        <body>hi</body>\n"                                                /* 10 */
        "        <thread xmlns='urn:x'/>\n"                                        /* 11 */
        "    </message>\n"                                                         /* 12 */
        "alice receives nothing within 1s\n"                                       /* 13 */
        "gmail receives nothing like within 2s:\n"                                 /* 14 */
        "    <message type='error'/>\n"                                            /* 15 */
        "gmail authenticates ${sut.domain} by dialback without tls\n"              /* 16 */
        "gmail is authenticated to ${sut.domain} by sasl external over tls\n"      /* 17 */
        "gmail authenticates ${sut.domain}\n"                                      /* 18 */
        "gmail receives stream error invalid-id\n"                                 /* 19 */
        "gmail saw at most 3 connections\n"                                        /* 20 */
        "gmail saw at most 0 connections\n"                                        /* 21 */
        "dns asked: _xmpp-server._tcp.gmail.test SRV\n"                            /* 22 */
        "dns asked: xmpp.gmail.test AAAA within 3s\n"                              /* 23 */
        "dns never asked: gmail.test A\n"                                          /* 24 */
        "alice receives strict:\n"                                                 /* 25 */
        "    <presence from='jdoe1@gmail.test/{any}' xml:lang='en'/>\n"            /* 26 */
        "gmail receives:\n"                                                        /* 27 */
        "    <iq type='result' id='a'/>\n"                                         /* 28 */
        "or\n"                                                                     /* 29 */
        "    <iq type='error' id='a'/>\n"                                          /* 30 */
        "gmail receives nothing like within 1s:\n"                                 /* 31 */
        "    <message type='error'/>\n"                                            /* 32 */
        "    or\n"                                                                 /* 33 */
        "    <message type='headline'/>\n"                                         /* 34 */
        "alice disconnects\n"                                                      /* 35 */
        "alice receives:\n"                                                        /* 36 */
        "    <presence from='${alice.full}'/>\n"                                   /* 37 */
        "gmail never receives:\n"                                                  /* 38 */
        "    <message type='normal'/>\n"                                           /* 39 */
        "gmail does not authenticate ${sut.domain} by dialback within 2s\n"        /* 40 */
        "gmail is not authenticated to ${sut.domain} by sasl external within 2s\n" /* 41 */
        "gmail receives stream error host-unknown\n"                               /* 42 */
        "or dns asked: x.gmail.test A\n"                                           /* 43 */
        "wait 1s\n";                                                               /* 44 */

struct fixture {
    struct scenario *s;
    struct mutant *m;
    size_t n;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[1024] = "";

    f->s = scenario_parse("mut.scn", text, NULL, err, sizeof(err));
    if (f->s == NULL)
        fail_msg("%s", err);
    if (mutant_make(f->s, text, NULL, 10000, &f->m, &f->n, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    mutant_free(f->m, f->n);
    scenario_free(f->s);
    free(f);
    return 0;
}

/* The nth mutant (0-based) of the step at `line` made by `op`, or fails the test. */
static const struct mutant *
find(const struct fixture *f, int line, enum mutant_op op, int nth)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->m[i].line == line && f->m[i].op == op && nth-- == 0)
            return &f->m[i];
    fail_msg("no %s mutant at line %d", mutant_op_str(op), line);
    return NULL;
}

static size_t
count(const struct fixture *f, int line, enum mutant_op op)
{
    size_t k = 0;

    for (size_t i = 0; i < f->n; i++)
        k += f->m[i].line == line && f->m[i].op == op;
    return k;
}

static void
test_stanza_operators(void **state)
{
    const struct fixture *f = *state;

    /* Every element's name; each attribute's value; the text; only the namespace the
     * scenario declares (thread's), not the ones inherited. */
    assert_int_equal(count(f, 7, MUTANT_ELEMENT_NAME), 3);
    assert_int_equal(count(f, 7, MUTANT_ATTR_VALUE), 2);
    assert_int_equal(count(f, 7, MUTANT_TEXT), 1);
    assert_int_equal(count(f, 7, MUTANT_NAMESPACE), 1);
    assert_int_equal(count(f, 7, MUTANT_ADD_ATTR), 1);
    assert_int_equal(count(f, 7, MUTANT_ADD_CHILD), 1);
    assert_int_equal(count(f, 7, MUTANT_NEGATE), 1);
    assert_string_equal(find(f, 7, MUTANT_ELEMENT_NAME, 0)->written,
                        "gmail receives within 5s:\n"
                        "    <message-mutant type='chat' from='${alice.full}'><body>hi</body>"
                        "<thread xmlns='urn:x'/></message-mutant>");
    assert_string_equal(find(f, 7, MUTANT_ELEMENT_NAME, 1)->written,
                        "gmail receives within 5s:\n"
                        "    <message type='chat' from='${alice.full}'><body-mutant>hi"
                        "</body-mutant><thread xmlns='urn:x'/></message>");
    assert_string_equal(find(f, 7, MUTANT_ATTR_VALUE, 1)->written,
                        "gmail receives within 5s:\n"
                        "    <message type='chat' from='${alice.full}-mutant'><body>hi</body>"
                        "<thread xmlns='urn:x'/></message>");
    assert_string_equal(find(f, 7, MUTANT_ATTR_VALUE, 1)->change,
                        "/message/@from: '${alice.full}' changed to '${alice.full}-mutant'");
    assert_string_equal(find(f, 7, MUTANT_TEXT, 0)->written,
                        "gmail receives within 5s:\n"
                        "    <message type='chat' from='${alice.full}'><body>hi-mutant</body>"
                        "<thread xmlns='urn:x'/></message>");
    assert_string_equal(find(f, 7, MUTANT_NAMESPACE, 0)->written,
                        "gmail receives within 5s:\n"
                        "    <message type='chat' from='${alice.full}'><body>hi</body>"
                        "<thread xmlns='urn:fedsim:mutant'/></message>");
    assert_string_equal(find(f, 7, MUTANT_ADD_ATTR, 0)->written,
                        "gmail receives within 5s:\n"
                        "    <message type='chat' from='${alice.full}' fedsim-mutant='1'>"
                        "<body>hi</body><thread xmlns='urn:x'/></message>");
    assert_string_equal(find(f, 7, MUTANT_ADD_CHILD, 0)->written,
                        "gmail receives within 5s:\n"
                        "    <message type='chat' from='${alice.full}'><body>hi</body>"
                        "<thread xmlns='urn:x'/><fedsim-mutant xmlns='urn:fedsim:mutant'/>"
                        "</message>");
    /* The positive step's own stanza, its own wait. */
    assert_string_equal(find(f, 7, MUTANT_NEGATE, 0)->written,
                        "gmail receives nothing like within 5s:\n"
                        "    <message type='chat' from='${alice.full}'>\n"
                        "    <body>hi</body>\n"
                        "    <thread xmlns='urn:x'/>\n"
                        "    </message>");
    /* strict goes (nothing like is a subset match), the default wait is written; xml:lang. */
    assert_string_equal(find(f, 25, MUTANT_NEGATE, 0)->written,
                        "alice receives nothing like within 10s:\n"
                        "    <presence from='jdoe1@gmail.test/{any}' xml:lang='en'/>");
    assert_string_equal(find(f, 25, MUTANT_ATTR_VALUE, 1)->written,
                        "alice receives strict:\n"
                        "    <presence from='jdoe1@gmail.test/{any}' xml:lang='en-mutant'/>");
    assert_string_equal(find(f, 25, MUTANT_ATTR_VALUE, 1)->change,
                        "/presence/@xml:lang: 'en' changed to 'en-mutant'");
}

static void
test_step_operators(void **state)
{
    const struct fixture *f = *state;

    assert_string_equal(find(f, 13, MUTANT_NEGATE, 0)->written,
                        "alice receives within 1s:\n    <message/>");
    assert_string_equal(find(f, 14, MUTANT_NEGATE, 0)->written,
                        "gmail receives within 2s:\n    <message type='error'/>");
    assert_int_equal(count(f, 14, MUTANT_ELEMENT_NAME), 0); /* a negative's stanza: no */
    assert_string_equal(find(f, 16, MUTANT_AUTH_DOMAIN, 0)->written,
                        "gmail authenticates mutant.${sut.domain} by dialback without tls");
    assert_string_equal(find(f, 16, MUTANT_AUTH_WAY, 0)->written,
                        "gmail authenticates ${sut.domain} by sasl external without tls");
    assert_string_equal(find(f, 16, MUTANT_AUTH_TLS, 0)->written,
                        "gmail authenticates ${sut.domain} by dialback over tls");
    assert_string_equal(find(f, 17, MUTANT_AUTH_WAY, 0)->written,
                        "gmail is authenticated to ${sut.domain} by dialback over tls");
    assert_string_equal(find(f, 17, MUTANT_AUTH_TLS, 0)->written,
                        "gmail is authenticated to ${sut.domain} by sasl external without tls");
    /* Any way, any TLS: only the domain. */
    assert_int_equal(count(f, 18, MUTANT_AUTH_DOMAIN), 1);
    assert_int_equal(count(f, 18, MUTANT_AUTH_WAY) + count(f, 18, MUTANT_AUTH_TLS), 0);
    assert_string_equal(find(f, 19, MUTANT_STREAM_ERROR, 0)->written,
                        "gmail receives stream error invalid-namespace");
    assert_string_equal(find(f, 20, MUTANT_MAX_CONNECTIONS, 0)->written,
                        "gmail saw at most 0 connections");
    assert_int_equal(count(f, 21, MUTANT_MAX_CONNECTIONS), 0); /* nothing lower than 0 */
    assert_string_equal(find(f, 22, MUTANT_DNS_NAME, 0)->written,
                        "dns asked: mutant._xmpp-server._tcp.gmail.test SRV");
    assert_string_equal(find(f, 22, MUTANT_DNS_TYPE, 0)->written,
                        "dns asked: _xmpp-server._tcp.gmail.test A");
    assert_string_equal(find(f, 23, MUTANT_DNS_TYPE, 0)->written,
                        "dns asked: xmpp.gmail.test SRV within 3s");
    assert_string_equal(find(f, 24, MUTANT_NEGATE, 0)->written, "dns asked: gmail.test A");
    /* Alternatives: only what changes every one alike (a change to one leaves the others). */
    assert_int_equal(count(f, 27, MUTANT_ATTR_VALUE) + count(f, 27, MUTANT_ELEMENT_NAME), 0);
    assert_string_equal(find(f, 27, MUTANT_ADD_ATTR, 0)->written,
                        "gmail receives:\n"
                        "    <iq type='result' id='a' fedsim-mutant='1'/>\n"
                        "or\n"
                        "    <iq type='error' id='a' fedsim-mutant='1'/>");
    assert_string_equal(find(f, 27, MUTANT_NEGATE, 0)->written,
                        "gmail receives nothing like within 10s:\n"
                        "    <iq type='result' id='a'/>\n"
                        "or\n"
                        "    <iq type='error' id='a'/>");
    assert_string_equal(find(f, 31, MUTANT_NEGATE, 0)->written, "gmail receives within 1s:\n"
                                                                "    <message type='error'/>\n"
                                                                "or\n"
                                                                "    <message type='headline'/>");
    /* The echo of alice's own initial presence: no negative step sees it, so no negation. */
    assert_int_equal(count(f, 36, MUTANT_NEGATE), 0);
    assert_int_equal(count(f, 36, MUTANT_ATTR_VALUE), 1);
    assert_string_equal(find(f, 38, MUTANT_NEGATE, 0)->written,
                        "gmail receives:\n    <message type='normal'/>");
    assert_string_equal(find(f, 40, MUTANT_NEGATE, 0)->written,
                        "gmail authenticates ${sut.domain} by dialback within 2s");
    assert_string_equal(find(f, 41, MUTANT_NEGATE, 0)->written,
                        "gmail is authenticated to ${sut.domain} by sasl external within 2s");
    /* A group of alternative steps passes on whichever one the SUT chose: no mutant. */
    assert_int_equal(count(f, 42, MUTANT_STREAM_ERROR) + count(f, 43, MUTANT_DNS_NAME), 0);
    /* Steps that assert nothing have no mutants. */
    for (size_t i = 0; i < f->n; i++)
        assert_true(f->m[i].line >= 7);
}

/* Every mutant parses; the other steps keep their kind and line; the mutated one changed. */
static void
test_mutants_parse(void **state)
{
    const struct fixture *f = *state;
    char err[1024];

    assert_int_equal(
            f->n,
            43); /* 10 + 1 + 1 + 3 + 3 + 1 + 1 + 1 + 0 + 2 + 2 + 1 + 6 + 3 + 1 + 4 + 1 + 1 + 1 */
    for (size_t i = 0; i < f->n; i++) {
        const struct mutant *m = &f->m[i];
        struct scenario *s = mutant_parse(m, "mut.scn", NULL, err, sizeof(err));

        if (s == NULL)
            fail_msg("mutant %zu (%s): %s", i, m->change, err);
        assert_int_equal(s->nsteps, f->s->nsteps);
        /* Lines below stay where they were (blank lines pad a shorter step), but for a step
         * that gained a stanza block: one line more. */
        int shift = f->s->steps[m->step].stanza == NULL && strchr(m->written, '\n') != NULL;

        for (size_t k = 0; k < s->nsteps; k++) {
            if (k == m->step)
                continue;
            assert_int_equal(s->steps[k].kind, f->s->steps[k].kind);
            assert_int_equal(s->steps[k].line, f->s->steps[k].line + (k > m->step ? shift : 0));
        }
        assert_int_equal(s->steps[m->step].line, m->line);
        assert_true(strstr(m->text, m->written) != NULL);
        if (m->op == MUTANT_NEGATE)
            assert_int_not_equal(s->steps[m->step].kind, f->s->steps[m->step].kind);
        /* The alternatives stay, every one of them. */
        if (f->s->steps[m->step].stanza != NULL)
            assert_int_equal(s->steps[m->step].nalts, f->s->steps[m->step].nalts);
        scenario_free(s);
    }
}

static void
test_deterministic(void **state)
{
    const struct fixture *f = *state;
    struct mutant *m2;
    size_t n2;
    char err[512];

    assert_int_equal(mutant_make(f->s, text, NULL, 10000, &m2, &n2, err, sizeof(err)), 0);
    assert_int_equal(n2, f->n);
    for (size_t i = 0; i < n2; i++) {
        assert_string_equal(m2[i].text, f->m[i].text);
        assert_string_equal(m2[i].change, f->m[i].change);
    }
    mutant_free(m2, n2);
}

static void
test_sample(void **state)
{
    size_t a[20], b[20], c[20], all[50];
    int differs = 0;

    (void)state;
    mutant_sample(1000, 20, 42, a);
    mutant_sample(1000, 20, 42, b);
    mutant_sample(1000, 20, 43, c);
    for (size_t i = 0; i < 20; i++) {
        assert_int_equal(a[i], b[i]);
        assert_true(a[i] < 1000);
        if (i > 0)
            assert_true(a[i] > a[i - 1]); /* sorted, no repeat */
        differs |= a[i] != c[i];
    }
    assert_true(differs);
    /* The same seed gives the same figures on every machine (a fixed generator). */
    mutant_sample(1000, 3, 1, a);
    printf("sample of 3 from 1000, seed 1: %zu %zu %zu\n", a[0], a[1], a[2]);
    mutant_sample(1000, 3, 1, b);
    assert_memory_equal(a, b, 3 * sizeof(*a));
    /* All of them. */
    mutant_sample(50, 50, 7, all);
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(all[i], i);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_stanza_operators, setup, teardown),
            cmocka_unit_test_setup_teardown(test_step_operators, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mutants_parse, setup, teardown),
            cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
            cmocka_unit_test(test_sample),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
