/* test_xml_stream.c: the XMPP stream parser: chunking down to 1 byte, exact raw bytes, prefixes,
 * restarts, restricted XML, limits, billion laughs; and the serializer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"
#include "xml_stream.h"

#define MAX_EVENTS 64

struct events {
    int opens, closes, errors;
    enum xml_stream_error error;
    char errmsg[256];
    struct xml_node *header;
    struct xml_node *stanzas[MAX_EVENTS];
    char *raws[MAX_EVENTS];
    int nstanzas;
    const char *restart_on; /* element name that triggers a restart */
    struct xml_stream *st;
};

static void
ev_open(void *arg, struct xml_node *header)
{
    struct events *e = arg;

    e->opens++;
    xml_node_free(e->header);
    e->header = header;
}

static void
ev_stanza(void *arg, struct xml_node *n, const char *raw, size_t rawlen)
{
    struct events *e = arg;

    assert_true(e->nstanzas < MAX_EVENTS);
    e->stanzas[e->nstanzas] = n;
    e->raws[e->nstanzas] = strndup(raw, rawlen);
    e->nstanzas++;
    if (e->restart_on != NULL && strcmp(n->name, e->restart_on) == 0)
        xml_stream_restart(e->st);
}

static void
ev_close(void *arg)
{
    ((struct events *)arg)->closes++;
}

static void
ev_error(void *arg, enum xml_stream_error err, const char *msg)
{
    struct events *e = arg;

    e->errors++;
    e->error = err;
    snprintf(e->errmsg, sizeof(e->errmsg), "%s", msg);
}

static const struct xml_stream_handler handler = {
        .open = ev_open, .stanza = ev_stanza, .close = ev_close, .error = ev_error};

static void
events_free(struct events *e)
{
    int i;

    for (i = 0; i < e->nstanzas; i++) {
        xml_node_free(e->stanzas[i]);
        free(e->raws[i]);
    }
    xml_node_free(e->header);
    xml_stream_free(e->st);
    memset(e, 0, sizeof(*e));
}

/* Feeds text in chunks of `chunk` bytes (0: all at once); returns the last feed's result. */
static ssize_t
feed(struct events *e, const char *text, size_t chunk)
{
    size_t len = strlen(text), off = 0;
    ssize_t rc = 0;

    if (chunk == 0)
        chunk = len;
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;

        rc = xml_stream_feed(e->st, text + off, n);
        if (rc < 0)
            return rc;
        off += n;
    }
    return rc;
}

static void
start(struct events *e, const struct xml_stream_limits *lim)
{
    memset(e, 0, sizeof(*e));
    e->st = xml_stream_new(lim, &handler, e);
}

/* A dialback session as Prosody writes it, with a peer using its own prefixes. */
static const char session[] =
        "<?xml version='1.0'?>"
        "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
        "xmlns:stream='http://etherx.jabber.org/streams' from='gmail.test' to='sut.test' "
        "id='D60000229F' version='1.0' xml:lang='en'>"
        "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>\n "
        "<db:result from='gmail.test' to='sut.test'>b4835385f37fe</db:result>"
        "<dlbk:verify xmlns:dlbk='jabber:server:dialback' from='a' to='b' id='x' type='valid'/>"
        "<message to='alice@sut.test' from='jdoe1@gmail.test' type='chat'>"
        "<body>caf\xc3\xa9 &amp; &lt;tea&gt;</body></message>"
        "</stream:stream>";

static void
check_session(struct events *e)
{
    char *text;

    assert_int_equal(e->errors, 0);
    assert_int_equal(e->opens, 1);
    assert_true(xml_is(e->header, XML_NS_STREAM, "stream"));
    assert_string_equal(xml_attr(e->header, "id"), "D60000229F");
    assert_string_equal(xml_attr_ns(e->header, XML_NS_XML, "lang"), "en");
    assert_int_equal(e->nstanzas, 4);
    assert_true(xml_is(e->stanzas[0], XML_NS_STREAM, "features"));
    assert_non_null(xml_child(e->stanzas[0], "urn:xmpp:features:dialback", "dialback"));
    assert_true(xml_is(e->stanzas[1], XML_NS_DIALBACK, "result"));
    text = xml_text(e->stanzas[1]);
    assert_string_equal(text, "b4835385f37fe");
    free(text);
    /* A non-db prefix is the same element. */
    assert_true(xml_is(e->stanzas[2], XML_NS_DIALBACK, "verify"));
    assert_string_equal(xml_attr(e->stanzas[2], "type"), "valid");
    assert_true(xml_is(e->stanzas[3], XML_NS_SERVER, "message"));
    text = xml_text(xml_child(e->stanzas[3], XML_NS_SERVER, "body"));
    assert_string_equal(text, "caf\xc3\xa9 & <tea>");
    free(text);
    /* The exact bytes. */
    assert_string_equal(e->raws[1],
                        "<db:result from='gmail.test' to='sut.test'>b4835385f37fe</db:result>");
    assert_string_equal(e->raws[2], "<dlbk:verify xmlns:dlbk='jabber:server:dialback' from='a' "
                                    "to='b' id='x' type='valid'/>");
    assert_int_equal(e->closes, 1);
}

static void
test_chunking(void **state)
{
    static const size_t chunks[] = {0, 1, 2, 3, 7, 64};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        struct events e;

        start(&e, NULL);
        assert_true(feed(&e, session, chunks[i]) >= 0);
        check_session(&e);
        events_free(&e);
    }
}

static void
test_restart_after_proceed(void **state)
{
    static const char first[] =
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "version='1.0'><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    static const char tls[] = "\x16\x03\x01\x02\x00";
    char buf[256];
    struct events e;
    ssize_t used;

    (void)state;
    start(&e, NULL);
    e.restart_on = "proceed";
    snprintf(buf, sizeof(buf), "%s%s", first, tls);
    used = xml_stream_feed(e.st, buf, strlen(buf));
    /* Parsing stops right after <proceed/>: the TLS bytes are the caller's. */
    assert_int_equal(used, (ssize_t)strlen(first));
    assert_int_equal(e.nstanzas, 1);
    assert_int_equal(e.errors, 0);
    /* The next feed is a new document, with its own header. */
    e.restart_on = NULL;
    assert_true(feed(&e,
                     "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                     "xmlns:stream='http://etherx.jabber.org/streams' id='second'>"
                     "<presence/>",
                     1) > 0);
    assert_int_equal(e.opens, 2);
    assert_string_equal(xml_attr(e.header, "id"), "second");
    assert_int_equal(e.nstanzas, 2);
    assert_string_equal(e.raws[1], "<presence/>");
    events_free(&e);
}

/* A restart asked for between feeds (direct TLS: before any byte of the stream) starts the
 * next document at once; a later stanza must not cut the stream again. */
static void
test_restart_between_feeds(void **state)
{
    static const char doc[] =
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "version='1.0'><bidi xmlns='urn:xmpp:bidi'/><auth xmlns='sasl'>=</auth>";
    struct events e;

    (void)state;
    start(&e, NULL);
    xml_stream_restart(e.st);
    assert_int_equal(xml_stream_feed(e.st, doc, strlen(doc)), (ssize_t)strlen(doc));
    assert_int_equal(e.opens, 1);
    assert_int_equal(e.nstanzas, 2);
    assert_int_equal(e.errors, 0);
    events_free(&e);
    /* From a handler, with a stanza after it in the same chunk: cut after the second one. */
    start(&e, NULL);
    e.restart_on = "auth";
    assert_int_equal(xml_stream_feed(e.st, doc, strlen(doc)), (ssize_t)strlen(doc));
    assert_int_equal(e.nstanzas, 2);
    assert_int_equal(e.errors, 0);
    events_free(&e);
}

static void
expect_failure(const char *text, size_t chunk, const struct xml_stream_limits *lim,
               enum xml_stream_error want)
{
    struct events e;

    start(&e, lim);
    assert_int_equal(feed(&e, text, chunk), -1);
    assert_int_equal(e.errors, 1);
    if (e.error != want)
        fail_msg("got %s (%s), wanted %s", xml_stream_error_condition(e.error), e.errmsg,
                 xml_stream_error_condition(want));
    assert_true(xml_stream_failed(e.st));
    /* Nothing more after an error. */
    assert_int_equal(xml_stream_feed(e.st, "<x/>", 4), -1);
    assert_int_equal(e.errors, 1);
    events_free(&e);
}

#define HDR "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>"

static void
test_restricted_xml(void **state)
{
    (void)state;
    expect_failure("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
                   "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>" HDR,
                   0, NULL, XML_STREAM_RESTRICTED_XML);
    expect_failure(HDR "<!-- a comment -->", 0, NULL, XML_STREAM_RESTRICTED_XML);
    expect_failure(HDR "<message><?php echo 1; ?></message>", 0, NULL, XML_STREAM_RESTRICTED_XML);
    expect_failure(HDR "<message>&undefined;</message>", 0, NULL, XML_STREAM_NOT_WELL_FORMED);
    expect_failure(HDR "<bad:message/>", 0, NULL, XML_STREAM_BAD_PREFIX);
    expect_failure(HDR "<message></presence>", 3, NULL, XML_STREAM_NOT_WELL_FORMED);
    expect_failure(HDR "<message>\xff\xfe</message>", 0, NULL, XML_STREAM_NOT_WELL_FORMED);
}

static void
test_nul_byte(void **state)
{
    static const char text[] = HDR "<message>a\0b</message>";
    struct events e;

    (void)state;
    start(&e, NULL);
    assert_int_equal(xml_stream_feed(e.st, text, sizeof(text) - 1), -1);
    assert_int_equal(e.error, XML_STREAM_NOT_WELL_FORMED);
    events_free(&e);
}

static void
test_billion_laughs_refused_fast(void **state)
{
    static const char doc[] =
            "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
            "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
            "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
            "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
            "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>"
            "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>"
            "<!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>"
            "<!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>"
            "<!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>"
            "<!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>"
            "]><lolz>&lol9;</lolz>";
    struct events e;

    (void)state;
    start(&e, NULL);
    assert_int_equal(xml_stream_feed(e.st, doc, sizeof(doc) - 1), -1);
    assert_int_equal(e.error, XML_STREAM_RESTRICTED_XML);
    assert_int_equal(e.opens, 0);
    events_free(&e);
}

static void
test_limits(void **state)
{
    struct xml_stream_limits lim = {.max_stanza_bytes = 1000, .max_depth = 5, .max_attrs = 4};
    char big[4096];
    struct events e;
    int i;

    (void)state;
    /* A stanza over the byte limit, whether it arrives whole or in pieces, even before its start
     * tag is complete (a huge attribute). */
    snprintf(big, sizeof(big), HDR "<message><body>%01500d</body></message>", 0);
    expect_failure(big, 0, &lim, XML_STREAM_POLICY);
    expect_failure(big, 100, &lim, XML_STREAM_POLICY);
    snprintf(big, sizeof(big), HDR "<message to='%01500d'", 0);
    expect_failure(big, 0, &lim, XML_STREAM_POLICY);
    expect_failure(HDR "<a><b><c><d><e/></d></c></b></a>", 0, &lim, XML_STREAM_POLICY);
    expect_failure(HDR "<a q='1' w='2' e='3' r='4' t='5'/>", 0, &lim, XML_STREAM_POLICY);

    /* Just under every limit passes; whitespace keepalives between stanzas do not add up. */
    start(&e, &lim);
    assert_true(feed(&e, HDR "<a><b><c><d/></c></b></a><a q='1' w='2' e='3' r='4'/>", 0) > 0);
    for (i = 0; i < 50; i++)
        assert_true(feed(&e, "                                                  ", 7) > 0);
    assert_true(feed(&e, "<presence/>", 0) > 0);
    assert_int_equal(e.errors, 0);
    assert_int_equal(e.nstanzas, 3);
    assert_string_equal(e.raws[2], "<presence/>");
    events_free(&e);
}

static void
test_serializer(void **state)
{
    static const struct xml_prefix prefixes[] = {{"db", XML_NS_DIALBACK}, {NULL, NULL}};
    char err[256];
    struct xml_node *n, *copy;
    char *out;
    size_t len;

    (void)state;
    n = xml_parse_element("<dlbk:result xmlns:dlbk='jabber:server:dialback' from='a&amp;b' "
                          "to=\"it's\">key</dlbk:result>",
                          XML_NS_SERVER, err, sizeof(err));
    assert_non_null(n);
    out = xml_serialize(n, XML_NS_SERVER, prefixes, &len);
    assert_string_equal(out, "<db:result from='a&amp;b' to='it&apos;s'>key</db:result>");
    assert_int_equal(len, strlen(out));
    free(out);
    /* Without the prefix in scope, the namespace is declared. */
    out = xml_serialize(n, XML_NS_SERVER, NULL, NULL);
    assert_string_equal(
            out,
            "<result xmlns='jabber:server:dialback' from='a&amp;b' to='it&apos;s'>key</result>");
    free(out);
    xml_node_free(n);

    n = xml_parse_element("<message xml:lang='en' to='x'><body>1 &lt; 2</body>"
                          "<x xmlns='jabber:x:data'><field/></x></message>",
                          XML_NS_CLIENT, err, sizeof(err));
    assert_non_null(n);
    copy = xml_clone(n);
    out = xml_serialize(copy, XML_NS_CLIENT, NULL, NULL);
    assert_string_equal(out, "<message xml:lang='en' to='x'><body>1 &lt; 2</body>"
                             "<x xmlns='jabber:x:data'><field/></x></message>");
    free(out);
    /* Written into a jabber:server stream, the jabber:client element declares itself. */
    out = xml_serialize(copy, XML_NS_SERVER, NULL, NULL);
    assert_non_null(strstr(out, "<message xmlns='jabber:client'"));
    free(out);
    xml_node_free(n);
    xml_node_free(copy);

    assert_null(xml_parse_element("<a/><b/>", XML_NS_SERVER, err, sizeof(err)));
    assert_non_null(strstr(err, "exactly one"));
    assert_null(xml_parse_element("<a>", XML_NS_SERVER, err, sizeof(err)));
    assert_non_null(strstr(err, "not-well-formed"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_chunking),
            cmocka_unit_test(test_restart_after_proceed),
            cmocka_unit_test(test_restart_between_feeds),
            cmocka_unit_test(test_restricted_xml),
            cmocka_unit_test(test_nul_byte),
            cmocka_unit_test(test_billion_laughs_refused_fast),
            cmocka_unit_test(test_limits),
            cmocka_unit_test(test_serializer),
    };

    return cmocka_run_group_tests_name("xml_stream", tests, NULL, NULL);
}
