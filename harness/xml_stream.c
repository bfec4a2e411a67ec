/* xml_stream.c: expat-driven XMPP stream parsing into stanza trees, with restricted XML,
 * limits, exact raw bytes per stanza and stream restarts. */
#include "xml_stream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "log.h"
#include "xmalloc.h"

#define NS_SEP '\xff'

enum stream_state { ST_RUNNING, ST_RESTART, ST_CLOSED, ST_FAILED };

struct xml_stream {
    XML_Parser p; /* owned */
    struct xml_stream_limits lim;
    const struct xml_stream_handler *h; /* borrowed */
    void *arg;
    enum stream_state state;
    int depth;
    struct xml_node *stanza; /* owned: the stanza being built */
    struct xml_node *cur;    /* borrowed: the element being built */
    /* Raw bytes from `base` (a document offset) to what was fed so far. */
    char *raw; /* owned */
    size_t rawlen, rawcap;
    long long base, fed;             /* document offsets */
    long long stanza_start;          /* document offset of the stanza's '<' */
    long long stop_at;               /* where a restart cut the document */
    long long close_end;             /* where the closing tag ended (-1: not closed) */
    int feeding;                     /* inside xml_stream_feed() */
    unsigned long err_line, err_col; /* where the error was found */
};

const char *
xml_stream_error_condition(enum xml_stream_error e)
{
    switch (e) {
    case XML_STREAM_NOT_WELL_FORMED:
        return "not-well-formed";
    case XML_STREAM_RESTRICTED_XML:
        return "restricted-xml";
    case XML_STREAM_POLICY:
        return "policy-violation";
    case XML_STREAM_BAD_PREFIX:
        return "bad-namespace-prefix";
    }
    return "undefined-condition";
}

static void fail(struct xml_stream *st, enum xml_stream_error e, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
fail(struct xml_stream *st, enum xml_stream_error e, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (st->state == ST_FAILED)
        return;
    st->state = ST_FAILED;
    st->err_line = (unsigned long)XML_GetCurrentLineNumber(st->p);
    st->err_col = (unsigned long)XML_GetCurrentColumnNumber(st->p);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    XML_StopParser(st->p, XML_FALSE);
    log_trace(LOG_TRACE_XML, "stream error %s: %s", xml_stream_error_condition(e), msg);
    if (st->h->error != NULL)
        st->h->error(st->arg, e, msg);
}

/* An element from expat's "NS<sep>local" names: one allocation per name, the attributes in
 * one array (expat has refused duplicates already). */
static struct xml_node *
make_element(const char *qname, const char **atts)
{
    const char *sep = strchr(qname, NS_SEP);
    struct xml_node *n = xcalloc(1, sizeof(*n));
    size_t i, k;

    n->kind = XML_ELEMENT;
    n->ns = sep != NULL ? xstrndup(qname, (size_t)(sep - qname)) : xstrdup("");
    n->name = xstrdup(sep != NULL ? sep + 1 : qname);
    for (k = 0; atts[k] != NULL; k += 2)
        ;
    if (k == 0)
        return n;
    n->attrs = xcalloc(k / 2, sizeof(*n->attrs));
    for (i = 0; i < k; i += 2) {
        struct xml_attr *a = &n->attrs[n->nattrs++];
        const char *as = strchr(atts[i], NS_SEP);

        a->ns = as != NULL ? xstrndup(atts[i], (size_t)(as - atts[i])) : NULL;
        a->name = xstrdup(as != NULL ? as + 1 : atts[i]);
        a->value = xstrdup(atts[i + 1]);
    }
    return n;
}

static long long
event_end(XML_Parser p)
{
    return (long long)XML_GetCurrentByteIndex(p) + XML_GetCurrentByteCount(p);
}

/* Forgets the raw bytes before document offset `off`. */
static void
drop_until(struct xml_stream *st, long long off)
{
    size_t n = (size_t)(off - st->base);

    if (off <= st->base)
        return;
    if (n > st->rawlen)
        fatalx("dropping %zu raw bytes of %zu", n, st->rawlen);
    memmove(st->raw, st->raw + n, st->rawlen - n);
    st->rawlen -= n;
    st->base = off;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xml_stream *st = ud;
    int nattrs = 0;

    /* expat may still deliver the rest of the current token after XML_StopParser. */
    if (st->state == ST_FAILED || st->state == ST_CLOSED)
        return;
    while (atts[nattrs * 2] != NULL)
        nattrs++;
    if (nattrs > st->lim.max_attrs) {
        fail(st, XML_STREAM_POLICY, "an element with %d attributes (limit %d)", nattrs,
             st->lim.max_attrs);
        return;
    }
    if (st->depth + 1 > st->lim.max_depth) {
        fail(st, XML_STREAM_POLICY, "elements nested deeper than %d", st->lim.max_depth);
        return;
    }
    st->depth++;
    if (st->depth == 1) {
        struct xml_node *header = make_element(name, atts);

        /* Keep only what follows the header. */
        drop_until(st, event_end(st->p));
        st->stanza_start = st->base;
        if (st->h->open != NULL)
            st->h->open(st->arg, header);
        else
            xml_node_free(header);
        return;
    }
    if (st->depth == 2) {
        st->stanza = make_element(name, atts);
        st->cur = st->stanza;
        st->stanza_start = XML_GetCurrentByteIndex(st->p);
        return;
    }
    st->cur = xml_add_child(st->cur, make_element(name, atts));
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
    struct xml_stream *st = ud;
    long long end;

    (void)name;
    if (st->state == ST_FAILED || st->state == ST_CLOSED)
        return;
    st->depth--;
    if (st->depth == 0) {
        st->state = ST_CLOSED;
        st->close_end = event_end(st->p);
        XML_StopParser(st->p, XML_FALSE);
        if (st->h->close != NULL)
            st->h->close(st->arg);
        return;
    }
    if (st->depth > 1) {
        st->cur = st->cur->parent;
        return;
    }
    /* A stanza is complete: it ends where this end tag (or the empty-element tag) ends. */
    end = event_end(st->p);
    {
        struct xml_node *stanza = st->stanza;
        size_t off = (size_t)(st->stanza_start - st->base);
        size_t len = (size_t)(end - st->stanza_start);

        if (len > st->lim.max_stanza_bytes) {
            fail(st, XML_STREAM_POLICY, "a stanza larger than %zu bytes", st->lim.max_stanza_bytes);
            return;
        }
        st->stanza = st->cur = NULL;
        if (off + len > st->rawlen)
            fatalx("stanza bytes %zu+%zu beyond the %zu buffered", off, len, st->rawlen);
        log_trace(LOG_TRACE_XML, "stanza {%s}%s, %zu bytes", stanza->ns, stanza->name, len);
        if (st->h->stanza != NULL)
            st->h->stanza(st->arg, stanza, st->raw + off, len);
        else
            xml_node_free(stanza);
        drop_until(st, end);
        st->stanza_start = end;
        if (st->state == ST_RESTART) {
            st->stop_at = end;
            XML_StopParser(st->p, XML_FALSE);
        }
    }
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
    struct xml_stream *st = ud;

    if (st->state == ST_FAILED || st->state == ST_CLOSED)
        return;
    if (st->depth >= 2) {
        xml_add_text(st->cur, s, (size_t)len);
    } else if (st->depth == 1) {
        /* Whitespace between stanzas (keepalives) is neither kept nor counted. */
        drop_until(st, event_end(st->p));
        st->stanza_start = st->base;
    }
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
           int internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)internal;
    fail(ud, XML_STREAM_RESTRICTED_XML, "a DTD (<!DOCTYPE>) is not allowed in XMPP");
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int pe, const XML_Char *value, int vlen,
          const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid, const XML_Char *nota)
{
    (void)name;
    (void)pe;
    (void)value;
    (void)vlen;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)nota;
    fail(ud, XML_STREAM_RESTRICTED_XML, "an entity declaration is not allowed in XMPP");
}

static void XMLCALL
on_comment(void *ud, const XML_Char *data)
{
    (void)data;
    fail(ud, XML_STREAM_RESTRICTED_XML, "a comment is not allowed in XMPP");
}

static void XMLCALL
on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target;
    (void)data;
    fail(ud, XML_STREAM_RESTRICTED_XML, "a processing instruction is not allowed in XMPP");
}

static void
install(struct xml_stream *st)
{
    XML_SetUserData(st->p, st);
    XML_SetElementHandler(st->p, on_start, on_end);
    XML_SetCharacterDataHandler(st->p, on_text);
    XML_SetStartDoctypeDeclHandler(st->p, on_doctype);
    XML_SetEntityDeclHandler(st->p, on_entity);
    XML_SetCommentHandler(st->p, on_comment);
    XML_SetProcessingInstructionHandler(st->p, on_pi);
    XML_SetParamEntityParsing(st->p, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef HAVE_XML_REPARSE_DEFERRAL
    XML_SetReparseDeferralEnabled(st->p, XML_FALSE); /* dependency-notes §5 */
#endif
}

/* A fresh document: after creation and after each restart. */
static void
reset(struct xml_stream *st)
{
    if (st->p == NULL) {
        st->p = XML_ParserCreateNS("UTF-8", NS_SEP);
        if (st->p == NULL)
            fatalx("cannot create an XML parser");
    } else if (!XML_ParserReset(st->p, "UTF-8")) {
        fatalx("cannot reset the XML parser");
    }
    install(st);
    xml_node_free(st->stanza);
    st->stanza = st->cur = NULL;
    st->state = ST_RUNNING;
    st->depth = 0;
    st->rawlen = 0;
    st->base = st->fed = st->stanza_start = 0;
    st->stop_at = -1;
}

struct xml_stream *
xml_stream_new(const struct xml_stream_limits *limits, const struct xml_stream_handler *h,
               void *arg)
{
    struct xml_stream *st = xcalloc(1, sizeof(*st));

    st->lim.max_stanza_bytes = 512 * 1024;
    st->lim.max_depth = 64;
    st->lim.max_attrs = 64;
    if (limits != NULL) {
        if (limits->max_stanza_bytes > 0)
            st->lim.max_stanza_bytes = limits->max_stanza_bytes;
        if (limits->max_depth > 0)
            st->lim.max_depth = limits->max_depth;
        if (limits->max_attrs > 0)
            st->lim.max_attrs = limits->max_attrs;
    }
    st->h = h;
    st->arg = arg;
    reset(st);
    return st;
}

void
xml_stream_free(struct xml_stream *st)
{
    if (st == NULL)
        return;
    xml_node_free(st->stanza);
    if (st->p != NULL)
        XML_ParserFree(st->p);
    free(st->raw);
    free(st);
}

void
xml_stream_set_max_stanza(struct xml_stream *st, size_t bytes)
{
    if (bytes > 0)
        st->lim.max_stanza_bytes = bytes;
}

void
xml_stream_restart(struct xml_stream *st)
{
    if (st->state != ST_RUNNING)
        return;
    if (st->feeding) {
        /* From a handler: the document ends after the current stanza (on_end cuts it). */
        st->state = ST_RESTART;
        return;
    }
    /* Between feeds (a TLS handshake started before any byte): the next byte starts anew. */
    reset(st);
}

int
xml_stream_failed(const struct xml_stream *st)
{
    return st->state == ST_FAILED;
}

void
xml_stream_error_position(const struct xml_stream *st, unsigned long *line, unsigned long *col)
{
    *line = st->err_line;
    *col = st->err_col;
}

static void
keep_raw(struct xml_stream *st, const char *buf, size_t len)
{
    if (st->rawlen + len > st->rawcap) {
        while (st->rawlen + len > st->rawcap)
            st->rawcap = st->rawcap == 0 ? 4096 : st->rawcap * 2;
        st->raw = xreallocarray(st->raw, st->rawcap, 1);
    }
    memcpy(st->raw + st->rawlen, buf, len);
    st->rawlen += len;
}

long long
xml_stream_offset(const struct xml_stream *st)
{
    return st->fed;
}

long long
xml_stream_close_end(const struct xml_stream *st)
{
    return st->state == ST_CLOSED ? st->close_end : -1;
}

ssize_t
xml_stream_feed(struct xml_stream *st, const char *buf, size_t len)
{
    long long start = st->fed;
    enum XML_Status rc;

    if (st->state == ST_FAILED)
        return -1;
    if (st->state == ST_CLOSED)
        return (ssize_t)len;
    if (len > (size_t)INT32_MAX)
        len = INT32_MAX;
    /* Before the header, keep everything: the header's offset is not known yet. */
    keep_raw(st, buf, len);
    st->fed += (long long)len;
    st->feeding = 1;
    rc = XML_Parse(st->p, buf, (int)len, XML_FALSE);
    st->feeding = 0;
    if (st->state == ST_FAILED)
        return -1;
    if (st->state == ST_CLOSED)
        return (ssize_t)len;
    if (st->state == ST_RESTART && st->stop_at >= 0) {
        ssize_t used = (ssize_t)(st->stop_at - start);

        reset(st);
        return used;
    }
    if (rc != XML_STATUS_OK) {
        enum XML_Error e = XML_GetErrorCode(st->p);

        fail(st,
             e == XML_ERROR_UNBOUND_PREFIX               ? XML_STREAM_BAD_PREFIX
             : e == XML_ERROR_AMPLIFICATION_LIMIT_BREACH ? XML_STREAM_POLICY
                                                         : XML_STREAM_NOT_WELL_FORMED,
             "%s at line %lu, column %lu", XML_ErrorString(e),
             (unsigned long)XML_GetCurrentLineNumber(st->p),
             (unsigned long)XML_GetCurrentColumnNumber(st->p));
        return -1;
    }
    if (st->depth == 0 && st->rawlen > st->lim.max_stanza_bytes) {
        fail(st, XML_STREAM_POLICY, "more than %zu bytes before the stream header",
             st->lim.max_stanza_bytes);
        return -1;
    }
    if (st->depth >= 1 && (size_t)(st->fed - st->stanza_start) > st->lim.max_stanza_bytes) {
        fail(st, XML_STREAM_POLICY, "a stanza larger than %zu bytes", st->lim.max_stanza_bytes);
        return -1;
    }
    return (ssize_t)len;
}

struct parse_one {
    struct xml_node *found; /* owned */
    int count;
    char err[256];
};

static void
one_stanza(void *arg, struct xml_node *n, const char *raw, size_t rawlen)
{
    struct parse_one *po = arg;

    (void)raw;
    (void)rawlen;
    po->count++;
    if (po->found == NULL)
        po->found = n;
    else
        xml_node_free(n);
}

static void
one_error(void *arg, enum xml_stream_error e, const char *msg)
{
    struct parse_one *po = arg;

    snprintf(po->err, sizeof(po->err), "%s (%s)", msg, xml_stream_error_condition(e));
}

struct xml_node *
xml_parse_element(const char *text, const char *default_ns, char *err, size_t errlen)
{
    unsigned long line, col;

    return xml_parse_element_at(text, default_ns, &line, &col, err, errlen);
}

struct xml_node *
xml_parse_element_at(const char *text, const char *default_ns, unsigned long *line,
                     unsigned long *col, char *err, size_t errlen)
{
    static const struct xml_stream_handler h = {.stanza = one_stanza, .error = one_error};
    struct parse_one po = {0};
    struct xml_stream *st = xml_stream_new(NULL, &h, &po);
    /* The wrapper takes line 1, so the text's lines are the document's, minus one. */
    char *open = xasprintf("<stream:stream xmlns='%s' xmlns:stream='" XML_NS_STREAM
                           "' xmlns:db='" XML_NS_DIALBACK "'>\n",
                           default_ns);
    static const char close[] = "</stream:stream>";

    *line = *col = 0;
    if (xml_stream_feed(st, open, strlen(open)) < 0 ||
        xml_stream_feed(st, text, strlen(text)) < 0 ||
        xml_stream_feed(st, close, strlen(close)) < 0) {
        xml_stream_error_position(st, line, col);
        *line = *line > 1 ? *line - 1 : 1;
        *col += 1;
        snprintf(err, errlen, "%s", po.err);
    } else if (po.count != 1) {
        *line = *col = 1;
        snprintf(err, errlen, "expected exactly one element, found %d", po.count);
    } else {
        free(open);
        xml_stream_free(st);
        return po.found;
    }
    free(open);
    xml_stream_free(st);
    xml_node_free(po.found);
    return NULL;
}
