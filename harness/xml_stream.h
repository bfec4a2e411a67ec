/*
 * xml_stream.h: the XMPP stream parser. Bytes in, events out: the stream header (the root
 * element's start tag), each depth-1 child as a stanza tree with the exact bytes it arrived as,
 * and the stream's end. Namespace-aware through expat, so prefixes do not matter.
 *
 * RFC 6120 §11.1 restricted XML: DTDs, entity declarations, comments and processing
 * instructions are refused (the XML declaration is allowed). Limits on stanza bytes, element
 * depth and attribute count end the stream with an error instead of eating memory. expat's
 * reparse deferral is turned off after every create and reset: with it on, a stanza can sit
 * unparsed until more bytes arrive (dependency-notes §5).
 *
 * Stream restarts (after STARTTLS <proceed/> or SASL <success/>): a handler calls
 * xml_stream_restart(); parsing stops right after the current stanza, xml_stream_feed() returns
 * how many bytes it consumed (the rest belong to TLS or to the new stream), and the next feed
 * starts a new document.
 */
#ifndef FEDSIM_XML_STREAM_H
#define FEDSIM_XML_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "xml.h"

enum xml_stream_error {
    XML_STREAM_NOT_WELL_FORMED, /* <not-well-formed/> */
    XML_STREAM_RESTRICTED_XML,  /* <restricted-xml/>: DTD, entity, comment, PI */
    XML_STREAM_POLICY,          /* <policy-violation/>: a limit was exceeded */
    XML_STREAM_BAD_PREFIX,      /* <bad-namespace-prefix/>: an undeclared prefix */
};

/* The stream error condition element name for an error ("not-well-formed", ...). */
const char *xml_stream_error_condition(enum xml_stream_error e);

struct xml_stream_limits {
    size_t max_stanza_bytes; /* default 512 KiB (Prosody's s2s default) */
    int max_depth;           /* default 64, counting the stream root */
    int max_attrs;           /* default 64 per element */
};

struct xml_stream_handler {
    /* The stream root's start tag (no children); the callee owns it. */
    void (*open)(void *arg, struct xml_node *header);
    /* A complete depth-1 element; the callee owns it. raw/rawlen: the bytes as received. */
    void (*stanza)(void *arg, struct xml_node *stanza, const char *raw, size_t rawlen);
    /* </stream:stream> */
    void (*close)(void *arg);
    /* The stream is unusable; no more events follow. */
    void (*error)(void *arg, enum xml_stream_error e, const char *msg);
};

struct xml_stream;

/* limits NULL: the defaults. The handler table and arg are borrowed. */
struct xml_stream *xml_stream_new(const struct xml_stream_limits *limits,
                                  const struct xml_stream_handler *h, void *arg);
void xml_stream_free(struct xml_stream *st);

/* Changes the largest stanza accepted from now on. */
void xml_stream_set_max_stanza(struct xml_stream *st, size_t bytes);

/*
 * Parses len bytes. Returns the bytes consumed: len, or fewer when a handler asked for a restart
 * (the rest was not parsed), or -1 once the stream is in error (the error handler was called).
 * After the stream closed, further bytes are ignored.
 */
ssize_t xml_stream_feed(struct xml_stream *st, const char *buf, size_t len);

/* The document offset of the bytes fed so far, and where the stream's closing tag ended (-1
 * while it is open): what followed </stream:stream> in a feed is the rest after that offset. */
long long xml_stream_offset(const struct xml_stream *st);
long long xml_stream_close_end(const struct xml_stream *st);

/* From a handler: stop after the current element; the next feed starts a fresh document. */
void xml_stream_restart(struct xml_stream *st);

/* 1 once the error handler was called. */
int xml_stream_failed(const struct xml_stream *st);

/* Where the error was found (1-based line, 0-based column), once failed. */
void xml_stream_error_position(const struct xml_stream *st, unsigned long *line,
                               unsigned long *col);

/*
 * Parses one element written as text (scenario files, tests), as if it arrived in a stream whose
 * default namespace is default_ns and which declares the db: and stream: prefixes. Returns the
 * tree, or NULL with the reason in err.
 */
struct xml_node *xml_parse_element(const char *text, const char *default_ns, char *err,
                                   size_t errlen);

/* The same, with the error's position in text (1-based line and column) when it fails. */
struct xml_node *xml_parse_element_at(const char *text, const char *default_ns, unsigned long *line,
                                      unsigned long *col, char *err, size_t errlen);

#endif
