/*
 * stanza.c: stanzas per second through fedsim's own stanza path (xml_stream parse into
 * xml_node trees, match_stanza, xml_serialize) against raw expat with and without a minimal
 * DOM, in one process, on the stream of performance-baselines.md §3: 50% presence with caps
 * (361 bytes), 50% chat messages (408 bytes), inside one never-closed <stream:stream>, a
 * pre-generated 512 KiB buffer cycled through the parser in 4 KiB chunks.
 *
 * usage: bench_stanza [-t SECONDS] [-r RUNS] [MODE...]
 * Modes (default: all, interleaved per run):
 *   raw-count     expat, start/end/chardata handlers and a depth counter (the anchor's "count")
 *   raw-dom       expat and a minimal DOM: calloc + strdup per element, a struct and two strdups
 *                 per attribute, text by realloc, freed per stanza (the anchor's "small DOM")
 *   fedsim-parse  xml_stream_feed: fedsim's stanza trees, freed per stanza
 *   fedsim-match  and each stanza matched against two expectations (a chat message with a
 *                 capture, a presence with caps), as a scenario waiting for both would
 *   fedsim-full   and each stanza serialized back with xml_serialize (parse + match + serialize)
 * One line per mode and run on stdout: "mode=... run=N stanzas=... seconds=... per_s=...
 * mb_per_s=... ns_per_stanza=...". A mode whose stanzas do not all arrive, match or serialize
 * as they should exits 1 with the reason.
 */
#include <expat.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"
#include "xml.h"
#include "xml_stream.h"

#define BUF_BYTES    (512 * 1024)
#define CHUNK        4096
#define PRESENCE_LEN 361
#define MESSAGE_LEN  408

static const char stream_header[] =
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns:db='jabber:server:dialback' from='capulet.test' to='montague.test' "
        "id='c2f7a1b5' version='1.0'>";

struct corpus {
    char *buf; /* owned: whole stanzas, alternating presence and message */
    size_t len;
    size_t nstanzas;
};

struct result {
    unsigned long long stanzas, bytes;
    double seconds;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends `fill` repeated so that the stanza built from pre + fill + post is exactly `want`. */
static size_t
put_stanza(char *out, size_t room, const char *pre, const char *post, size_t want)
{
    size_t fixed = strlen(pre) + strlen(post), i, o = 0;
    static const char words[] = "wherefore art thou romeo deny thy father and refuse thy name ";

    if (fixed >= want || want >= room)
        return 0;
    memcpy(out, pre, strlen(pre));
    o = strlen(pre);
    for (i = 0; i < want - fixed; i++)
        out[o++] = words[i % (sizeof(words) - 1)];
    memcpy(out + o, post, strlen(post));
    return want;
}

static void
corpus_make(struct corpus *c)
{
    char pre[512];
    size_t n;

    c->buf = malloc(BUF_BYTES + 1024);
    if (c->buf == NULL)
        abort();
    c->len = c->nstanzas = 0;
    while (c->len + PRESENCE_LEN + MESSAGE_LEN <= BUF_BYTES) {
        unsigned k = (unsigned)c->nstanzas / 2;

        snprintf(pre, sizeof(pre),
                 "<presence from='juliet%u@capulet.test/balcony' to='romeo@montague.test' "
                 "id='p%u'><show>away</show><status>",
                 k % 1000, k);
        n = put_stanza(c->buf + c->len, BUF_BYTES + 1024 - c->len, pre,
                       "</status><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' "
                       "hash='sha-1' node='http://psi-im.org' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>"
                       "<x xmlns='vcard-temp:x:update'><photo>01b87fcd030b72895ff8e88db57ec52545"
                       "0f000d</photo></x></presence>",
                       PRESENCE_LEN);
        if (n == 0)
            abort();
        c->len += n;
        snprintf(pre, sizeof(pre),
                 "<message from='romeo@montague.test/orchard' to='juliet%u@capulet.test' "
                 "type='chat' id='m%u'><body>",
                 k % 1000, k);
        n = put_stanza(c->buf + c->len, BUF_BYTES + 1024 - c->len, pre,
                       "</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
                       "<request xmlns='urn:xmpp:receipts'/></message>",
                       MESSAGE_LEN);
        if (n == 0)
            abort();
        c->len += n;
        c->nstanzas += 2;
    }
}

/* Feeds the corpus round and round in CHUNK-byte pieces for `secs`; returns bytes fed. */
typedef int (*feed_fn)(void *arg, const char *buf, size_t len);

static int
run_feed(const struct corpus *c, feed_fn feed, void *arg, double secs, struct result *r)
{
    double start = now(), t = start;
    size_t off = 0;
    unsigned long long bytes = 0;
    unsigned iter = 0;

    while (t - start < secs) {
        size_t len = c->len - off < CHUNK ? c->len - off : CHUNK;

        if (feed(arg, c->buf + off, len) != 0)
            return -1;
        bytes += len;
        off += len;
        if (off == c->len)
            off = 0;
        if ((++iter & 63) == 0)
            t = now();
    }
    r->seconds = now() - start;
    r->bytes = bytes;
    return 0;
}

/* ---- raw expat ------------------------------------------------------------------------- */

struct raw_attr {
    char *name, *value;
    struct raw_attr *next;
};

struct raw_node {
    char *name;
    char *text;
    size_t textlen;
    struct raw_attr *attrs;
    struct raw_node *parent, *children, *last, *next;
};

struct raw {
    XML_Parser p;
    int depth, dom;
    unsigned long long stanzas;
    struct raw_node *cur;
};

static void
raw_free(struct raw_node *n)
{
    while (n != NULL) {
        struct raw_node *next = n->next;
        struct raw_attr *a = n->attrs;

        while (a != NULL) {
            struct raw_attr *an = a->next;

            free(a->name);
            free(a->value);
            free(a);
            a = an;
        }
        raw_free(n->children);
        free(n->name);
        free(n->text);
        free(n);
        n = next;
    }
}

static void XMLCALL
raw_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct raw *r = ud;
    struct raw_node *n;
    size_t i;

    r->depth++;
    if (!r->dom || r->depth < 2)
        return;
    n = calloc(1, sizeof(*n));
    n->name = strdup(name);
    for (i = 0; atts[i] != NULL; i += 2) {
        struct raw_attr *a = malloc(sizeof(*a));

        a->name = strdup(atts[i]);
        a->value = strdup(atts[i + 1]);
        a->next = n->attrs;
        n->attrs = a;
    }
    if (r->cur != NULL) {
        n->parent = r->cur;
        if (r->cur->last != NULL)
            r->cur->last->next = n;
        else
            r->cur->children = n;
        r->cur->last = n;
    }
    r->cur = n;
}

static void XMLCALL
raw_end(void *ud, const XML_Char *name)
{
    struct raw *r = ud;

    (void)name;
    r->depth--;
    if (r->depth == 1)
        r->stanzas++;
    if (!r->dom || r->cur == NULL)
        return;
    if (r->depth == 1) {
        raw_free(r->cur);
        r->cur = NULL;
    } else {
        r->cur = r->cur->parent;
    }
}

static void XMLCALL
raw_text(void *ud, const XML_Char *s, int len)
{
    struct raw *r = ud;
    struct raw_node *n = r->cur;

    if (!r->dom || n == NULL)
        return;
    n->text = realloc(n->text, n->textlen + (size_t)len + 1);
    memcpy(n->text + n->textlen, s, (size_t)len);
    n->textlen += (size_t)len;
    n->text[n->textlen] = '\0';
}

static int
raw_feed(void *arg, const char *buf, size_t len)
{
    struct raw *r = arg;

    if (XML_Parse(r->p, buf, (int)len, XML_FALSE) != XML_STATUS_OK) {
        fprintf(stderr, "expat: %s\n", XML_ErrorString(XML_GetErrorCode(r->p)));
        return -1;
    }
    return 0;
}

static int
bench_raw(const struct corpus *c, int dom, double secs, struct result *res)
{
    struct raw r = {0};
    int rc;

    r.dom = dom;
    r.p = XML_ParserCreateNS(NULL, ' ');
#ifdef HAVE_XML_REPARSE_DEFERRAL
    XML_SetReparseDeferralEnabled(r.p, XML_FALSE);
#endif
    XML_SetUserData(r.p, &r);
    XML_SetElementHandler(r.p, raw_start, raw_end);
    XML_SetCharacterDataHandler(r.p, raw_text);
    rc = raw_feed(&r, stream_header, strlen(stream_header));
    if (rc == 0)
        rc = run_feed(c, raw_feed, &r, secs, res);
    res->stanzas = r.stanzas;
    raw_free(r.cur);
    XML_ParserFree(r.p);
    return rc;
}

/* ---- fedsim ---------------------------------------------------------------------------- */

enum fedsim_level { LEVEL_PARSE, LEVEL_MATCH, LEVEL_FULL };

struct fed {
    struct xml_stream *st;
    enum fedsim_level level;
    struct xml_node *want[2]; /* owned */
    unsigned long long stanzas, matched, out_bytes;
    int failed;
};

static const struct xml_prefix out_prefixes[] = {{"db", XML_NS_DIALBACK}, {NULL, NULL}};

static void
fed_stanza(void *arg, struct xml_node *n, const char *raw, size_t rawlen)
{
    struct fed *f = arg;

    (void)raw;
    (void)rawlen;
    f->stanzas++;
    if (f->level >= LEVEL_MATCH) {
        struct match_vars vars = {0};
        char why[256];
        int i;

        for (i = 0; i < 2; i++)
            if (match_stanza(f->want[i], n, MATCH_SUBSET, &vars, why, sizeof(why)))
                f->matched++;
        match_vars_clear(&vars);
    }
    if (f->level >= LEVEL_FULL) {
        size_t len;
        char *out = xml_serialize(n, XML_NS_SERVER, out_prefixes, &len);

        f->out_bytes += len;
        free(out);
    }
    xml_node_free(n);
}

static void
fed_error(void *arg, enum xml_stream_error e, const char *msg)
{
    struct fed *f = arg;

    fprintf(stderr, "xml_stream: %s: %s\n", xml_stream_error_condition(e), msg);
    f->failed = 1;
}

static int
fed_feed(void *arg, const char *buf, size_t len)
{
    struct fed *f = arg;

    return xml_stream_feed(f->st, buf, len) == (ssize_t)len ? 0 : -1;
}

static int
bench_fedsim(const struct corpus *c, enum fedsim_level level, double secs, struct result *res)
{
    static const struct xml_stream_handler h = {.stanza = fed_stanza, .error = fed_error};
    static const char *want_text[2] = {
            "<message type='chat' from='{$from}' id='{any}'><body>{any}</body></message>",
            "<presence from='{any}'><c xmlns='http://jabber.org/protocol/caps' node='{any}'/>"
            "</presence>"};
    struct fed f = {0};
    char err[256];
    int i, rc;

    f.level = level;
    for (i = 0; i < 2; i++) {
        f.want[i] = xml_parse_element(want_text[i], XML_NS_SERVER, err, sizeof(err));
        if (f.want[i] == NULL) {
            fprintf(stderr, "expectation %d: %s\n", i, err);
            return -1;
        }
    }
    f.st = xml_stream_new(NULL, &h, &f);
    rc = fed_feed(&f, stream_header, strlen(stream_header));
    if (rc == 0)
        rc = run_feed(c, fed_feed, &f, secs, res);
    res->stanzas = f.stanzas;
    if (rc == 0 && level >= LEVEL_MATCH && f.matched != f.stanzas) {
        fprintf(stderr, "%llu of %llu stanzas matched one expectation\n", f.matched, f.stanzas);
        rc = -1;
    }
    if (rc == 0 && level >= LEVEL_FULL && f.out_bytes < f.stanzas * (PRESENCE_LEN - 40)) {
        fprintf(stderr, "serialized %llu bytes for %llu stanzas\n", f.out_bytes, f.stanzas);
        rc = -1;
    }
    xml_stream_free(f.st);
    for (i = 0; i < 2; i++)
        xml_node_free(f.want[i]);
    return rc;
}

/* ---- main ------------------------------------------------------------------------------ */

static const char *const modes[] = {"raw-count", "raw-dom", "fedsim-parse", "fedsim-match",
                                    "fedsim-full"};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static int
run_mode(const struct corpus *c, size_t m, double secs, struct result *r)
{
    switch (m) {
    case 0:
        return bench_raw(c, 0, secs, r);
    case 1:
        return bench_raw(c, 1, secs, r);
    case 2:
        return bench_fedsim(c, LEVEL_PARSE, secs, r);
    case 3:
        return bench_fedsim(c, LEVEL_MATCH, secs, r);
    case 4:
        return bench_fedsim(c, LEVEL_FULL, secs, r);
    default:
        abort();
    }
}

int
main(int argc, char **argv)
{
    struct corpus c;
    double secs = 5;
    int runs = 3, opt, run, want[NMODES] = {0}, any = 0;
    size_t m, i;

    while ((opt = getopt(argc, argv, "t:r:h")) != -1) {
        switch (opt) {
        case 't':
            secs = atof(optarg);
            break;
        case 'r':
            runs = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: bench_stanza [-t SECONDS] [-r RUNS] [MODE...]\nmodes:");
            for (m = 0; m < NMODES; m++)
                fprintf(stderr, " %s", modes[m]);
            fprintf(stderr, "\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    for (i = (size_t)optind; i < (size_t)argc; i++) {
        for (m = 0; m < NMODES && strcmp(argv[i], modes[m]) != 0; m++)
            ;
        if (m == NMODES) {
            fprintf(stderr, "bench_stanza: unknown mode %s\n", argv[i]);
            return 2;
        }
        want[m] = any = 1;
    }
    if (secs <= 0 || runs < 1) {
        fprintf(stderr, "bench_stanza: -t and -r must be positive\n");
        return 2;
    }
    corpus_make(&c);
    printf("corpus bytes=%zu stanzas=%zu avg_bytes=%.1f\n", c.len, c.nstanzas,
           (double)c.len / (double)c.nstanzas);
    fflush(stdout);
    for (run = 1; run <= runs; run++) {
        for (m = 0; m < NMODES; m++) {
            struct result r = {0};

            if (any && !want[m])
                continue;
            if (run_mode(&c, m, secs, &r) != 0) {
                fprintf(stderr, "bench_stanza: %s failed\n", modes[m]);
                return 1;
            }
            printf("mode=%s run=%d stanzas=%llu seconds=%.3f per_s=%.0f mb_per_s=%.1f "
                   "ns_per_stanza=%.0f\n",
                   modes[m], run, r.stanzas, r.seconds, (double)r.stanzas / r.seconds,
                   (double)r.bytes / r.seconds / 1e6, r.seconds * 1e9 / (double)r.stanzas);
            fflush(stdout);
        }
    }
    free(c.buf);
    return 0;
}
