/*
 * fuzz_xml_stream.c: the XMPP stream parser (xml_stream.c) fed arbitrary bytes in arbitrary
 * chunks, with stream restarts, as xconn.c feeds it; and xml_parse_element() (scenario
 * stanzas) on the same bytes.
 *
 * Input: byte 0 chooses the chunk sizes (fuzz.h), byte 1 the rest: bit 0 small limits
 * (256-byte stanzas, depth 8, 4 attributes), bits 1-3 a restart after every Nth stanza (0:
 * only after <proceed/> and <success/>, as STARTTLS and SASL do), bit 4 the stanzas' default
 * namespace for xml_parse_element (jabber:server or jabber:client). The rest is the stream.
 *
 * Oracles: a feed never consumes 0 of a non-empty buffer without failing (xconn's read loop
 * would spin); each stanza's raw bytes are one element ("<...>"); each stanza serialized
 * (xml.c) parses again to an element of the same name and namespace.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xml.h"
#include "xml_stream.h"
#include "xmalloc.h"

struct ctx {
    struct xml_stream *st;
    unsigned restart_every;
    unsigned nstanzas;
    int closed, failed;
};

static void
roundtrip(const struct xml_node *n)
{
    static const struct xml_prefix prefixes[] = {{"db", XML_NS_DIALBACK}, {NULL, NULL}};
    char err[256];
    size_t len;
    char *text = xml_serialize(n, XML_NS_SERVER, prefixes, &len);
    struct xml_node *back = xml_parse_element(text, XML_NS_SERVER, err, sizeof(err));

    if (back == NULL)
        fuzz_fail("stanza {%s}%s serialized as %s does not parse: %s", n->ns, n->name, text, err);
    if (strcmp(back->ns, n->ns) != 0 || strcmp(back->name, n->name) != 0)
        fuzz_fail("stanza {%s}%s came back as {%s}%s from %s", n->ns, n->name, back->ns, back->name,
                  text);
    xml_node_free(back);
    free(text);
}

static void
on_open(void *arg, struct xml_node *header)
{
    (void)arg;
    xml_node_free(header);
}

static void
on_stanza(void *arg, struct xml_node *n, const char *raw, size_t rawlen)
{
    struct ctx *c = arg;
    char *text;

    if (rawlen < 2 || raw[0] != '<' || raw[rawlen - 1] != '>')
        fuzz_fail("stanza {%s}%s with raw bytes \"%.*s\"", n->ns, n->name, (int)rawlen, raw);
    c->nstanzas++;
    text = xml_text(n);
    free(text);
    roundtrip(n);
    if ((c->restart_every > 0 && c->nstanzas % c->restart_every == 0) ||
        strcmp(n->name, "proceed") == 0 || strcmp(n->name, "success") == 0)
        xml_stream_restart(c->st);
    xml_node_free(n);
}

static void
on_close(void *arg)
{
    ((struct ctx *)arg)->closed = 1;
}

static void
on_error(void *arg, enum xml_stream_error e, const char *msg)
{
    (void)e;
    (void)msg;
    ((struct ctx *)arg)->failed = 1;
}

static const struct xml_stream_handler handler = {
        .open = on_open, .stanza = on_stanza, .close = on_close, .error = on_error};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xml_stream_limits small = {.max_stanza_bytes = 256, .max_depth = 8, .max_attrs = 4};
    struct ctx c = {0};
    struct fuzz_chunks ch;
    const uint8_t *chunk;
    size_t len;
    char *text, err[256];
    struct xml_node *n;

    fuzz_quiet();
    if (size < 2)
        return 0;
    c.restart_every = (data[1] >> 1) & 7u;
    c.st = xml_stream_new((data[1] & 1) ? &small : NULL, &handler, &c);
    fuzz_chunks_init(&ch, data + 2, size - 2, data[0]);
    while ((len = fuzz_chunks_next(&ch, &chunk)) > 0) {
        /* What a restart left unread starts the next document, as in xconn's read loop. */
        while (len > 0) {
            ssize_t used = xml_stream_feed(c.st, (const char *)chunk, len);

            if (used < 0)
                break;
            if (used == 0)
                fuzz_fail("xml_stream_feed consumed nothing of %zu bytes", len);
            if ((size_t)used > len)
                fuzz_fail("xml_stream_feed consumed %zd of %zu bytes", used, len);
            chunk += used;
            len -= (size_t)used;
        }
        if (xml_stream_failed(c.st) != c.failed)
            fuzz_fail("xml_stream_failed() disagrees with the error callback");
        if (c.failed)
            break;
    }
    xml_stream_free(c.st);

    text = fuzz_strndup(data + 2, size - 2);
    n = xml_parse_element(text, (data[1] & 16) ? XML_NS_CLIENT : XML_NS_SERVER, err, sizeof(err));
    if (n != NULL)
        roundtrip(n);
    xml_node_free(n);
    free(text);
    return 0;
}
