/* test_match.c: subset and strict matching, namespaces, {any}, captures, variables, and the
 * description of the first difference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "xml_stream.h"

static struct xml_node *
x(const char *text)
{
    char err[256];
    struct xml_node *n = xml_parse_element(text, XML_NS_SERVER, err, sizeof(err));

    if (n == NULL)
        fail_msg("%s: %s", text, err);
    return n;
}

/* Matches want against got; returns the result and keeps why. */
static int
m(const char *want, const char *got, enum match_mode mode, struct match_vars *vars, char *why)
{
    struct xml_node *w = x(want), *g = x(got);
    int ok = match_stanza(w, g, mode, vars, why, 256);

    xml_node_free(w);
    xml_node_free(g);
    return ok;
}

static void
test_subset(void **state)
{
    struct match_vars v = {0};
    char why[256];
    static const char got[] = "<message from='jdoe1@gmail.test/r' to='a@sut.test' id='m1' "
                              "type='chat'><body>hi</body><active "
                              "xmlns='http://jabber.org/protocol/chatstates'/></message>";

    (void)state;
    assert_true(m("<message from='jdoe1@gmail.test/r'/>", got, MATCH_SUBSET, &v, why));
    assert_true(m("<message><body>hi</body></message>", got, MATCH_SUBSET, &v, why));
    assert_true(m("<message><body>  hi\n </body></message>", got, MATCH_SUBSET, &v, why));
    assert_false(m("<message><body>hello</body></message>", got, MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/message/body: text \"hi\", expected \"hello\"");
    assert_false(m("<message type='normal'/>", got, MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/message: type='chat', expected 'normal'");
    assert_false(m("<message><subject/></message>", got, MATCH_SUBSET, &v, why));
    assert_non_null(strstr(why, "missing child <subject"));
    assert_false(m("<presence/>", got, MATCH_SUBSET, &v, why));
    /* Namespaces, not prefixes: the chat state in another namespace does not match. */
    assert_false(m("<message><active xmlns='urn:other'/></message>", got, MATCH_SUBSET, &v, why));
    assert_true(m("<message><active xmlns='http://jabber.org/protocol/chatstates'/></message>", got,
                  MATCH_SUBSET, &v, why));
    match_vars_clear(&v);
}

static void
test_strict(void **state)
{
    struct match_vars v = {0};
    char why[256];

    (void)state;
    assert_true(m("<presence type='subscribed' to='a'/>", "<presence to='a' type='subscribed'/>",
                  MATCH_STRICT, &v, why));
    assert_false(m("<presence type='subscribed'/>", "<presence type='subscribed' to='a'/>",
                   MATCH_STRICT, &v, why));
    assert_non_null(strstr(why, "(strict)"));
    assert_false(m("<iq type='result'/>", "<iq type='result'><query xmlns='x'/></iq>", MATCH_STRICT,
                   &v, why));
    match_vars_clear(&v);
}

static void
test_any_and_captures(void **state)
{
    struct match_vars v = {0};
    char why[256];

    (void)state;
    assert_true(m("<message id='{any}'/>", "<message id='x1'/>", MATCH_SUBSET, &v, why));
    assert_false(m("<message id='{any}'/>", "<message/>", MATCH_SUBSET, &v, why));
    /* A failed match captures nothing. */
    assert_false(
            m("<message id='{$id}' type='chat'/>", "<message id='x1'/>", MATCH_SUBSET, &v, why));
    assert_null(match_vars_get(&v, "id"));
    assert_true(m("<message id='{$id}'><body>{$text}</body></message>",
                  "<message id='x1'><body>hey</body></message>", MATCH_SUBSET, &v, why));
    assert_string_equal(match_vars_get(&v, "id"), "x1");
    assert_string_equal(match_vars_get(&v, "text"), "hey");
    /* Once captured, the value must recur. */
    assert_true(m("<iq id='{$id}'/>", "<iq id='x1'/>", MATCH_SUBSET, &v, why));
    assert_false(m("<iq id='{$id}'/>", "<iq id='x2'/>", MATCH_SUBSET, &v, why));
    /* Tokens inside a value. */
    assert_true(m("<presence from='jdoe1@gmail.test/{any}'/>",
                  "<presence from='jdoe1@gmail.test/gmail.A1B2'/>", MATCH_SUBSET, &v, why));
    assert_false(m("<presence from='jdoe1@gmail.test/{any}'/>",
                   "<presence from='jdoe2@gmail.test/r'/>", MATCH_SUBSET, &v, why));
    assert_true(m("<presence from='{$user}@gmail.test/{$res}'/>",
                  "<presence from='jdoe3@gmail.test/phone'/>", MATCH_SUBSET, &v, why));
    assert_string_equal(match_vars_get(&v, "user"), "jdoe3");
    assert_string_equal(match_vars_get(&v, "res"), "phone");
    assert_true(m("<message to='{$user}@x'/>", "<message to='jdoe3@x'/>", MATCH_SUBSET, &v, why));
    assert_false(m("<message to='{$user}@x'/>", "<message to='jdoe4@x'/>", MATCH_SUBSET, &v, why));
    match_vars_clear(&v);
}

static void
test_expand(void **state)
{
    struct match_vars v = {0};
    char err[128], *s;

    (void)state;
    match_vars_set(&v, "sut.domain", "sut.test");
    match_vars_set(&v, "alice.bare", "user1@sut.test");
    s = match_expand(&v, "<presence to='${alice.bare}' from='x@${sut.domain}'/> $${x}", err,
                     sizeof(err));
    assert_string_equal(s, "<presence to='user1@sut.test' from='x@sut.test'/> ${x}");
    free(s);
    assert_null(match_expand(&v, "${nope}", err, sizeof(err)));
    assert_string_equal(err, "unknown variable ${nope}");
    assert_null(match_expand(&v, "${open", err, sizeof(err)));
    match_vars_clear(&v);
}

static void
test_distance(void **state)
{
    struct xml_node *w = x("<message type='chat' to='a'><body>x</body></message>");
    struct xml_node *same = x("<message type='chat' to='a' id='1'><body>x</body></message>");
    struct xml_node *near = x("<message type='chat' to='b'><body>x</body></message>");
    struct xml_node *far = x("<message type='normal'/>");
    struct xml_node *other = x("<presence/>");
    struct match_vars v = {0};

    (void)state;
    assert_int_equal(match_distance(w, same, MATCH_SUBSET, &v), 0);
    assert_int_equal(match_distance(w, same, MATCH_STRICT, &v), 1); /* the extra id */
    assert_int_equal(match_distance(w, near, MATCH_SUBSET, &v), 1); /* to */
    /* type differs, to missing, body missing (the element and its text). */
    assert_int_equal(match_distance(w, far, MATCH_SUBSET, &v), 4);
    /* Another element: everything it asks for (itself, 2 attributes, body and its text). */
    assert_int_equal(match_distance(w, other, MATCH_SUBSET, &v), 5);
    xml_node_free(w);
    xml_node_free(same);
    xml_node_free(near);
    xml_node_free(far);
    xml_node_free(other);
}

/* The difference line: the closest candidate child, order, extras under strict, xml:lang. */
static void
test_difference(void **state)
{
    struct match_vars v = {0};
    char why[256];

    (void)state;
    /* Two candidate bodies: the closest one (same xml:lang) is described, not the last. */
    assert_false(m("<message><body xml:lang='de'>Grüsse</body></message>",
                   "<message><body xml:lang='de'>Grüße</body><body "
                   "xml:lang='en'>Hello</body></message>",
                   MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/message/body: text \"Grüße\", expected \"Grüsse\"");
    assert_false(m("<message><body xml:lang='de'>Grüsse</body></message>",
                   "<message><body xml:lang='en'>Hello</body><body "
                   "xml:lang='de'>Grüße</body></message>",
                   MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/message/body: text \"Grüße\", expected \"Grüsse\"");
    /* Children there, in another order. */
    assert_false(m("<iq><a xmlns='urn:x'/><b xmlns='urn:x'/></iq>",
                   "<iq><b xmlns='urn:x'/><a xmlns='urn:x'/></iq>", MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/iq/b: child <b xmlns='urn:x'> is there, but before <a/>: children "
                             "match in document order");
    /* Twice the same child, once there: missing, not out of order. */
    assert_false(m("<iq><a xmlns='urn:x'/><a xmlns='urn:x'/></iq>", "<iq><a xmlns='urn:x'/></iq>",
                   MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/iq/a: missing child <a xmlns='urn:x'>");
    /* xml:lang by its name. */
    assert_false(m("<message xml:lang='de'/>", "<message/>", MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/message: attribute xml:lang missing");
    assert_false(m("<message xml:lang='de'/>", "<message xml:lang='en'/>", MATCH_SUBSET, &v, why));
    assert_string_equal(why, "/message: xml:lang='en', expected 'de'");
    /* strict names what is extra. */
    assert_false(m("<presence type='subscribed' to='a'/>",
                   "<presence type='subscribed' to='a' xml:lang='en'/>", MATCH_STRICT, &v, why));
    assert_string_equal(why, "/presence: extra attribute xml:lang='en' (strict)");
    assert_false(m("<iq type='result'/>", "<iq type='result'><query xmlns='urn:x'/></iq>",
                   MATCH_STRICT, &v, why));
    assert_string_equal(why, "/iq: extra child <query xmlns='urn:x'> (strict)");
    match_vars_clear(&v);
}

/* Alternatives: the first that matches wins, its captures only. */
static void
test_one_of(void **state)
{
    struct xml_node *want[3] = {x("<iq type='error' id='{$a}'><error><item-not-found "
                                  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
                                x("<iq type='error' id='{$b}'><error><service-unavailable "
                                  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
                                x("<iq type='result'/>")};
    struct xml_node *unavailable = x("<iq type='error' id='i1'><error type='cancel'>"
                                     "<service-unavailable "
                                     "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    struct xml_node *result = x("<iq type='result' id='i2'/>");
    struct xml_node *set = x("<iq type='set' id='i3'/>");
    struct match_vars v = {0};
    char why[256];

    (void)state;
    assert_int_equal(match_one_of(want, 3, unavailable, MATCH_SUBSET, &v, why, sizeof(why)), 1);
    assert_null(match_vars_get(&v, "a"));
    assert_string_equal(match_vars_get(&v, "b"), "i1");
    assert_int_equal(match_one_of(want, 3, result, MATCH_SUBSET, &v, NULL, 0), 2);
    assert_int_equal(match_one_of(want, 3, result, MATCH_STRICT, &v, why, sizeof(why)), -1);
    assert_int_equal(match_one_of(want, 2, result, MATCH_SUBSET, &v, why, sizeof(why)), -1);
    assert_int_equal(match_one_of(want, 3, set, MATCH_SUBSET, &v, why, sizeof(why)), -1);
    assert_string_equal(why, "/iq: type='set', expected 'error'");
    assert_int_equal(match_one_of(want, 1, unavailable, MATCH_SUBSET, &v, why, sizeof(why)), -1);
    match_vars_clear(&v);
    for (size_t k = 0; k < 3; k++)
        xml_node_free(want[k]);
    xml_node_free(unavailable);
    xml_node_free(result);
    xml_node_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_subset),           cmocka_unit_test(test_strict),
            cmocka_unit_test(test_any_and_captures), cmocka_unit_test(test_expand),
            cmocka_unit_test(test_distance),         cmocka_unit_test(test_difference),
            cmocka_unit_test(test_one_of),
    };

    return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
