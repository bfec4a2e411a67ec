/* mutant.c: the mutant maker of `fedsim mutate`: one changed assertion per mutant, written
 * back as scenario text and parsed again. */
#include "mutant.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "xml.h"
#include "xml_stream.h"

/* What a changed value, name or text gets: no SUT sends it. */
#define MUTANT_SUFFIX "-mutant"
#define MUTANT_NS     "urn:fedsim:mutant"

/* RFC 6120 §4.9.3, in its order: a condition is swapped for the next one. */
static const char *const stream_conditions[] = {"bad-format",
                                                "bad-namespace-prefix",
                                                "conflict",
                                                "connection-timeout",
                                                "host-gone",
                                                "host-unknown",
                                                "improper-addressing",
                                                "internal-server-error",
                                                "invalid-from",
                                                "invalid-id",
                                                "invalid-namespace",
                                                "invalid-xml",
                                                "not-authorized",
                                                "not-well-formed",
                                                "policy-violation",
                                                "remote-connection-failed",
                                                "reset",
                                                "resource-constraint",
                                                "restricted-xml",
                                                "see-other-host",
                                                "system-shutdown",
                                                "undefined-condition",
                                                "unsupported-encoding",
                                                "unsupported-feature",
                                                "unsupported-stanza-type",
                                                "unsupported-version"};

const char *
mutant_op_str(enum mutant_op op)
{
    switch (op) {
    case MUTANT_ATTR_VALUE:
        return "attr-value";
    case MUTANT_ELEMENT_NAME:
        return "element-name";
    case MUTANT_NAMESPACE:
        return "namespace";
    case MUTANT_TEXT:
        return "text";
    case MUTANT_ADD_ATTR:
        return "add-attr";
    case MUTANT_ADD_CHILD:
        return "add-child";
    case MUTANT_NEGATE:
        return "negate";
    case MUTANT_STREAM_ERROR:
        return "stream-error";
    case MUTANT_AUTH_DOMAIN:
        return "auth-domain";
    case MUTANT_AUTH_WAY:
        return "auth-way";
    case MUTANT_AUTH_TLS:
        return "auth-tls";
    case MUTANT_DNS_NAME:
        return "dns-name";
    case MUTANT_DNS_TYPE:
        return "dns-type";
    case MUTANT_MAX_CONNECTIONS:
        return "max-connections";
    }
    return "?";
}

/* The mutants being made for one scenario. */
struct maker {
    const struct scenario *s;
    const char *text;
    const char *fixtures;
    int default_ms;
    struct mutant *m; /* owned */
    size_t n;
    char *err;
    size_t errlen;
    int failed;
};

/* A string being built (owned data). */
struct sbuf {
    char *data;
    size_t len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        b->cap = (b->len + len + 1) * 2;
        b->data = xreallocarray(b->data, b->cap, 1);
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static const char *
actor_ns(const struct scenario *s, const struct scenario_step *st)
{
    return s->actors[st->actor].kind == ACTOR_CLIENT ? XML_NS_CLIENT : XML_NS_SERVER;
}

/* " within 3s" / " within 1500ms" (a buffer of 32). */
static const char *
within_str(int ms, char *buf, size_t len)
{
    if (ms <= 0)
        snprintf(buf, len, "%s", "");
    else if (ms % 1000 == 0)
        snprintf(buf, len, " within %ds", ms / 1000);
    else
        snprintf(buf, len, " within %dms", ms);
    return buf;
}

/* The wait a step has: its own, the scenario's, or the default. */
static int
step_wait(const struct maker *mk, const struct scenario_step *st)
{
    if (st->within_ms > 0)
        return st->within_ms;
    return mk->s->timeout_ms > 0 ? mk->s->timeout_ms : mk->default_ms;
}

/* The stanza block: every line of text indented by four spaces (the parser trims them). */
static void
add_block(struct sbuf *b, const char *text)
{
    const char *p = text;

    while (*p != '\0') {
        size_t len = strcspn(p, "\n");

        sb_puts(b, "\n    ");
        sb_add(b, p, len);
        p += len + (p[len] == '\n');
    }
}

/*
 * Writes a step back as scenario text (its line, and its stanza block indented, alternatives
 * after `or` lines), from its parsed fields; only the assertion steps the maker changes.
 * stanzas: the block's stanzas, nstanzas of them (NULL: the step's own, alternatives too).
 */
static char *
step_text(const struct maker *mk, const struct scenario_step *st, const char *const *stanzas,
          size_t nstanzas)
{
    static const char *const auth[] = {"", " by dialback", " by sasl external"};
    static const char *const tls[] = {"", " over tls", " without tls", " over direct tls"};
    const char *who = st->kind == STEP_DNS_ASKED || st->kind == STEP_DNS_NEVER_ASKED
                              ? ""
                              : mk->s->actors[st->actor].name;
    struct sbuf b = {0};
    char w[32], *line = NULL;
    const char *stanza;

    if (stanzas == NULL && st->stanza != NULL) {
        static const char *own[64];

        own[0] = st->stanza;
        for (nstanzas = 1; nstanzas <= st->nalts && nstanzas < 64; nstanzas++)
            own[nstanzas] = st->alts[nstanzas - 1].stanza;
        stanzas = own;
    }
    stanza = stanzas != NULL && nstanzas > 0 ? stanzas[0] : NULL;
    within_str(st->within_ms, w, sizeof(w));
    switch (st->kind) {
    case STEP_RECEIVE: {
        static const char *const dir[] = {"", " inbound", " outbound", " raw", " verify"};

        line = xasprintf("%s receives%s%s%s%s%s%s%s:", who, st->nego ? " negotiation" : "",
                         st->nego ? dir[st->dir] : "", st->nego ? tls[st->tls] : "",
                         st->nego && st->after_sasl ? " after sasl" : "",
                         st->strict ? " strict" : "", st->next ? " next" : "", w);
        break;
    }
    case STEP_RECEIVE_NOTHING:
        within_str(step_wait(mk, st), w, sizeof(w));
        line = xasprintf("%s receives nothing%s%s%s", who, stanza != NULL ? " like" : "", w,
                         stanza != NULL ? ":" : "");
        break;
    case STEP_AUTHENTICATES:
    case STEP_AUTHENTICATED_TO:
        line = xasprintf("%s %s %s%s%s%s", who, scenario_step_str(st->kind), st->arg1,
                         auth[st->auth], tls[st->tls], w);
        break;
    case STEP_STREAM_ERROR:
        line = xasprintf("%s receives stream error %s%s", who, st->arg1, w);
        break;
    case STEP_MAX_CONNECTIONS:
        line = xasprintf("%s saw at most %s connections", who, st->arg1);
        break;
    case STEP_DNS_ASKED:
        line = xasprintf("dns asked: %s %s%s", st->arg1, st->arg2, w);
        break;
    case STEP_DNS_NEVER_ASKED:
        line = xasprintf("dns never asked: %s %s", st->arg1, st->arg2);
        break;
    default:
        fatalx("step_text: step kind %d is not an assertion", (int)st->kind);
    }
    sb_puts(&b, line);
    free(line);
    for (size_t k = 0; stanza != NULL && k < nstanzas; k++) {
        if (k > 0)
            sb_puts(&b, "\nor");
        add_block(&b, stanzas[k]);
    }
    return b.data;
}

static int
blank_or_comment(const char *line, size_t len)
{
    size_t i = 0;

    while (i < len && isspace((unsigned char)line[i]))
        i++;
    return i == len || line[i] == '#';
}

/* A line `or` between the alternatives of a block (indented or not). */
static int
or_line(const char *line, size_t len)
{
    while (len > 0 && isspace((unsigned char)*line))
        line++, len--;
    while (len > 0 && isspace((unsigned char)line[len - 1]))
        len--;
    return len == 2 && strncmp(line, "or", 2) == 0;
}

/*
 * text with lines first..last (1-based) replaced by repl; when repl has fewer lines, blank
 * lines keep the lines below where they were (failures then name the file's own lines).
 */
static char *
replace_lines(const char *text, int first, int last, const char *repl)
{
    struct sbuf b = {0};
    const char *p = text;
    int line = 1, have = 1;

    for (const char *q = repl; *q != '\0'; q++)
        have += *q == '\n';
    sb_puts(&b, "");
    while (*p != '\0') {
        size_t len = strcspn(p, "\n");

        if (line == first) {
            sb_puts(&b, repl);
            sb_puts(&b, "\n");
            for (int k = have; k < last - first + 1; k++)
                sb_puts(&b, "\n");
        } else if (line < first || line > last) {
            sb_add(&b, p, len);
            sb_puts(&b, "\n");
        }
        p += len + (p[len] == '\n');
        line++;
    }
    return b.data;
}

/* The last line of a step: its own, or its stanza block's last indented line. */
static int
step_last_line(const char *text, const struct scenario_step *st)
{
    const char *p = text;
    int line = 1, last = st->line;

    while (*p != '\0') {
        size_t len = strcspn(p, "\n");

        if (line > st->line && st->stanza != NULL) {
            if (!blank_or_comment(p, len)) {
                if (!isspace((unsigned char)p[0]) && !or_line(p, len))
                    break;
                last = line;
            }
        } else if (line > st->line) {
            break;
        }
        p += len + (p[len] == '\n');
        line++;
    }
    return last;
}

struct scenario *
mutant_parse(const struct mutant *m, const char *path, const char *fixtures, char *err,
             size_t errlen)
{
    return scenario_parse(path, m->text, fixtures, err, errlen);
}

/* Adds a mutant: step i written as `repl` in the scenario's text; checks that it parses. */
static void add(struct maker *mk, size_t i, enum mutant_op op, const char *repl, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static void
add(struct maker *mk, size_t i, enum mutant_op op, const char *repl, const char *fmt, ...)
{
    const struct scenario_step *st = &mk->s->steps[i];
    struct mutant *m;
    struct scenario *parsed;
    char change[4096], perr[1024];
    va_list ap;

    if (mk->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(change, sizeof(change), fmt, ap);
    va_end(ap);
    mk->m = xreallocarray(mk->m, mk->n + 1, sizeof(*mk->m));
    m = &mk->m[mk->n++];
    m->step = i;
    m->line = st->line;
    m->op = op;
    m->change = xstrdup(change);
    m->written = xstrdup(repl);
    m->text = replace_lines(mk->text, st->line, step_last_line(mk->text, st), repl);
    parsed = mutant_parse(m, mk->s->path, mk->fixtures, perr, sizeof(perr));
    if (parsed == NULL || parsed->nsteps != mk->s->nsteps) {
        snprintf(mk->err, mk->errlen, "%s:%d: the %s mutant (%s) is not a valid scenario: %s",
                 mk->s->path, st->line, mutant_op_str(op), change,
                 parsed == NULL ? perr : "another number of steps");
        mk->failed = 1;
    }
    scenario_free(parsed);
}

/* The k-th element of the tree in document order (0: the root), or NULL. */
static struct xml_node *
nth_element(struct xml_node *n, size_t *k)
{
    struct xml_node *c, *hit;

    if (n->kind != XML_ELEMENT)
        return NULL;
    if ((*k)-- == 0)
        return n;
    for (c = n->children; c != NULL; c = c->next)
        if ((hit = nth_element(c, k)) != NULL)
            return hit;
    return NULL;
}

static struct xml_node *
element_at(struct xml_node *root, size_t k)
{
    return nth_element(root, &k);
}

/* "/message/error/remote-server-not-found" */
static void
element_path(const struct xml_node *e, char *buf, size_t len)
{
    size_t used;

    if (e->parent == NULL) {
        snprintf(buf, len, "/%s", e->name);
        return;
    }
    element_path(e->parent, buf, len);
    used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "/%s", e->name);
}

static int
has_text(const struct xml_node *e)
{
    const struct xml_node *c;

    for (c = e->children; c != NULL; c = c->next)
        if (c->kind == XML_TEXT)
            for (size_t i = 0; i < c->textlen; i++)
                if (!isspace((unsigned char)c->text[i]))
                    return 1;
    return 0;
}

/* Drops e's direct text children. */
static void
drop_text(struct xml_node *e)
{
    struct xml_node **link = &e->children, *c;

    e->last = NULL;
    while ((c = *link) != NULL) {
        if (c->kind == XML_TEXT) {
            *link = c->next;
            c->next = NULL;
            xml_node_free(c);
            continue;
        }
        e->last = c;
        link = &c->next;
    }
}

/*
 * The white space between the block's lines is text to the parser but not to the match
 * (text is compared trimmed): dropped from the elements without text, so that the written
 * stanza fits on one line.
 */
static void
drop_blank_text(struct xml_node *e)
{
    struct xml_node *c;

    if (!has_text(e))
        drop_text(e);
    for (c = e->children; c != NULL; c = c->next)
        if (c->kind == XML_ELEMENT)
            drop_blank_text(c);
}

static size_t
count_elements(const struct xml_node *n)
{
    const struct xml_node *c;
    size_t k = n->kind == XML_ELEMENT;

    for (c = n->children; c != NULL; c = c->next)
        k += count_elements(c);
    return k;
}

/* The expected text, trimmed (owned). */
static char *
trimmed(const struct xml_node *e)
{
    char *t = xml_text(e), *start = t, *end;

    while (isspace((unsigned char)*start))
        start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    *end = '\0';
    memmove(t, start, (size_t)(end - start) + 1);
    return t;
}

/* Adds the mutant whose stanza is `tree`, then frees the tree. */
static void
add_tree(struct maker *mk, size_t i, enum mutant_op op, struct xml_node *tree, const char *change)
{
    const struct scenario_step *st = &mk->s->steps[i];
    char *stanza = xml_serialize(tree, actor_ns(mk->s, st), NULL, NULL);
    const char *one[] = {stanza};
    char *repl = step_text(mk, st, one, 1);

    add(mk, i, op, repl, "%s", change);
    free(repl);
    free(stanza);
    xml_node_free(tree);
}

/* The mutants of an expected stanza (a positive receive). */
static void
stanza_mutants(struct maker *mk, size_t i)
{
    const struct scenario_step *st = &mk->s->steps[i];
    const char *ns = actor_ns(mk->s, st);
    char err[512], path[512], change[4096];
    struct xml_node *want = xml_parse_element(st->stanza, ns, err, sizeof(err)), *t, *e;
    size_t k, nel, a;

    if (want == NULL)
        return; /* the parser checked it: ${...} are only expanded at run time */
    drop_blank_text(want);
    nel = count_elements(want);
    for (k = 0; k < nel; k++) {
        const struct xml_node *orig = element_at(want, k);
        const char *parent_ns = orig->parent != NULL ? orig->parent->ns : ns;

        element_path(orig, path, sizeof(path));
        /* Its name. */
        t = xml_clone(want);
        e = element_at(t, k);
        snprintf(change, sizeof(change), "%s: element <%s> renamed <%s%s>", path, e->name, e->name,
                 MUTANT_SUFFIX);
        {
            char *name = xasprintf("%s%s", e->name, MUTANT_SUFFIX);

            free(e->name);
            e->name = name;
        }
        add_tree(mk, i, MUTANT_ELEMENT_NAME, t, change);
        /* Its namespace, when the scenario names one of its own: an element in its parent's
         * namespace has that checked with its name (the match compares both), so a namespace
         * mutant of its own would repeat the name mutant. */
        if (strcmp(orig->ns, parent_ns) != 0) {
            t = xml_clone(want);
            e = element_at(t, k);
            snprintf(change, sizeof(change), "%s: namespace '%s' changed to '%s'", path, e->ns,
                     MUTANT_NS);
            free(e->ns);
            e->ns = xstrdup(MUTANT_NS);
            add_tree(mk, i, MUTANT_NAMESPACE, t, change);
        }
        /* Each attribute's value. */
        for (a = 0; a < orig->nattrs; a++) {
            t = xml_clone(want);
            e = element_at(t, k);
            snprintf(change, sizeof(change), "%s/@%s%s: '%s' changed to '%s%s'", path,
                     e->attrs[a].ns != NULL && strcmp(e->attrs[a].ns, XML_NS_XML) == 0 ? "xml:"
                                                                                       : "",
                     e->attrs[a].name, e->attrs[a].value, e->attrs[a].value, MUTANT_SUFFIX);
            {
                char *v = xasprintf("%s%s", e->attrs[a].value, MUTANT_SUFFIX);

                free(e->attrs[a].value);
                e->attrs[a].value = v;
            }
            add_tree(mk, i, MUTANT_ATTR_VALUE, t, change);
        }
        /* Its text, when it expects some (an element without text matches any text). */
        if (has_text(orig)) {
            char *old = trimmed(orig), *v = xasprintf("%s%s", old, MUTANT_SUFFIX);

            t = xml_clone(want);
            e = element_at(t, k);
            drop_text(e);
            xml_add_text(e, v, strlen(v));
            snprintf(change, sizeof(change), "%s: text \"%.300s\" changed to \"%.300s\"", path, old,
                     v);
            add_tree(mk, i, MUTANT_TEXT, t, change);
            free(old);
            free(v);
        }
    }
    /* An attribute and a child no SUT sends, on the stanza itself. */
    t = xml_clone(want);
    xml_set_attr(t, NULL, "fedsim-mutant", "1");
    snprintf(change, sizeof(change), "/%s: attribute fedsim-mutant='1' added", want->name);
    add_tree(mk, i, MUTANT_ADD_ATTR, t, change);
    t = xml_clone(want);
    xml_add_element(t, MUTANT_NS, "fedsim-mutant");
    snprintf(change, sizeof(change), "/%s: child <fedsim-mutant xmlns='%s'/> added", want->name,
             MUTANT_NS);
    add_tree(mk, i, MUTANT_ADD_CHILD, t, change);
    xml_node_free(want);
}

/*
 * A receive with alternatives (`or`) passes when any one matches, and which one the SUT's
 * stanza matches is the SUT's choice among what the standard allows: a change to one
 * alternative leaves the others to match, an equivalent mutant whenever the SUT took another
 * one. Only changes made to every alternative alike must fail: an attribute and a child no
 * SUT sends, added to each (and the negation, made by the caller).
 */
static void
alternatives_mutants(struct maker *mk, size_t i)
{
    const struct scenario_step *st = &mk->s->steps[i];
    const char *ns = actor_ns(mk->s, st);
    size_t n = st->nalts + 1, k, op;
    char **texts = xcalloc(n + 1, sizeof(*texts)), err[512];

    for (op = 0; op < 2; op++) {
        char *repl;

        for (k = 0; k < n; k++) {
            const char *text = k == 0 ? st->stanza : st->alts[k - 1].stanza;
            struct xml_node *t = xml_parse_element(text, ns, err, sizeof(err));

            if (t == NULL)
                goto out; /* the parser checked it */
            drop_blank_text(t);
            if (op == 0)
                xml_set_attr(t, NULL, "fedsim-mutant", "1");
            else
                xml_add_element(t, MUTANT_NS, "fedsim-mutant");
            free(texts[k]);
            texts[k] = xml_serialize(t, ns, NULL, NULL);
            xml_node_free(t);
        }
        repl = step_text(mk, st, (const char *const *)texts, n);
        if (op == 0)
            add(mk, i, MUTANT_ADD_ATTR, repl,
                "every alternative: attribute fedsim-mutant='1' added");
        else
            add(mk, i, MUTANT_ADD_CHILD, repl,
                "every alternative: child <fedsim-mutant xmlns='%s'/> added", MUTANT_NS);
        free(repl);
    }
out:
    for (k = 0; k < n; k++)
        free(texts[k]);
    free(texts);
}

/* 1 if a client's step expects the echo of its own initial presence: an available presence
 * (no type) from its own full JID, as c2s.c recognises it. */
static int
own_echo(const struct maker *mk, const struct scenario_step *st)
{
    const struct scenario_actor *a = &mk->s->actors[st->actor];
    char err[256], *self;
    struct xml_node *n;
    int yes;

    if (a->kind != ACTOR_CLIENT || st->nalts > 0 ||
        (n = xml_parse_element(st->stanza, XML_NS_CLIENT, err, sizeof(err))) == NULL)
        return 0;
    self = xasprintf("${%s.full}", a->name);
    yes = xml_is(n, XML_NS_CLIENT, "presence") && xml_attr(n, "type") == NULL &&
          xml_attr(n, "from") != NULL && strcmp(xml_attr(n, "from"), self) == 0;
    free(self);
    xml_node_free(n);
    return yes;
}

/* Step i with one field replaced, written back; the copy shares the other fields. */
static void
add_step(struct maker *mk, size_t i, enum mutant_op op, const struct scenario_step *changed,
         const char *stanza, const char *change)
{
    const char *one[] = {stanza};
    char *repl = step_text(mk, changed, stanza != NULL ? one : NULL, 1);

    add(mk, i, op, repl, "%s", change);
    free(repl);
}

static void
step_mutants(struct maker *mk, size_t i)
{
    const struct scenario_step *st = &mk->s->steps[i];
    struct scenario_step c = *st;
    char change[1024], *v;

    switch (st->kind) {
    case STEP_RECEIVE:
        if (st->nalts == 0)
            stanza_mutants(mk, i);
        else
            alternatives_mutants(mk, i);
        /* The echo of a client's own initial presence is set aside from every negative step
         * (docs/scenarios.md, connects): "receives nothing like" it cannot see it, an
         * equivalent mutant by the language's design. */
        if (own_echo(mk, st))
            break;
        /* A negotiation step has no "receives nothing like" to turn into: its changed
         * elements above are its mutants. */
        if (st->nego)
            break;
        c.kind = STEP_RECEIVE_NOTHING;
        c.within_ms = step_wait(mk, st);
        c.strict = 0;
        add_step(mk, i, MUTANT_NEGATE, &c, NULL,
                 "receives turned into receives nothing like (the same stanza)");
        break;
    case STEP_RECEIVE_NOTHING:
        /* Any stanza fails "receives nothing": its positive mutant waits for one. The root
         * name has to be one: <message/>, what a SUT relays most. */
        c.kind = STEP_RECEIVE;
        add_step(mk, i, MUTANT_NEGATE, &c, st->stanza != NULL ? NULL : "<message/>",
                 st->stanza != NULL ? "receives nothing like turned into receives (the same "
                                      "stanza)"
                                    : "receives nothing turned into receives <message/>");
        break;
    case STEP_AUTHENTICATES:
    case STEP_AUTHENTICATED_TO:
        v = xasprintf("mutant.%s", st->arg1);
        c.arg1 = v;
        snprintf(change, sizeof(change), "domain %s changed to %s", st->arg1, v);
        add_step(mk, i, MUTANT_AUTH_DOMAIN, &c, NULL, change);
        free(v);
        c.arg1 = st->arg1;
        /* Not said (any way, with or without TLS): nothing to swap; the step claims no more.
         * Nor when the peer's transport follows the SUT's tls: "by sasl external" cannot be said
         * there (scenario_transport_pinned). */
        if (st->auth != STEP_AUTH_ANY &&
            (st->auth == STEP_AUTH_SASL || scenario_transport_pinned(mk->s, st->actor))) {
            c.auth = st->auth == STEP_AUTH_DIALBACK ? STEP_AUTH_SASL : STEP_AUTH_DIALBACK;
            add_step(mk, i, MUTANT_AUTH_WAY, &c, NULL,
                     st->auth == STEP_AUTH_DIALBACK ? "by dialback changed to by sasl external"
                                                    : "by sasl external changed to by dialback");
            c.auth = st->auth;
        }
        if (st->tls != STEP_TLS_ANY) {
            c.tls = st->tls == STEP_TLS_NO ? STEP_TLS_YES : STEP_TLS_NO;
            add_step(mk, i, MUTANT_AUTH_TLS, &c, NULL,
                     st->tls == STEP_TLS_NO       ? "without tls changed to over tls"
                     : st->tls == STEP_TLS_DIRECT ? "over direct tls changed to without tls"
                                                  : "over tls changed to without tls");
        }
        break;
    case STEP_STREAM_ERROR: {
        size_t k, nc = sizeof(stream_conditions) / sizeof(stream_conditions[0]);

        for (k = 0; k < nc && strcmp(stream_conditions[k], st->arg1) != 0; k++)
            ;
        c.arg1 = (char *)stream_conditions[(k + 1) % nc]; /* not one: the first */
        snprintf(change, sizeof(change), "condition %s changed to %s", st->arg1, c.arg1);
        add_step(mk, i, MUTANT_STREAM_ERROR, &c, NULL, change);
        break;
    }
    case STEP_MAX_CONNECTIONS:
        /* "At most N" allows anything up to N: the SUT need not make exactly N, so N - 1 is
         * no mutant a correct check must fail. At most 0 is: it fails unless the step counted
         * no connection at all, the one way this bound is vacuous. Already 0: none lower. */
        if (strcmp(st->arg1, "0") == 0)
            break;
        c.arg1 = "0";
        snprintf(change, sizeof(change), "at most %s connections lowered to 0", st->arg1);
        add_step(mk, i, MUTANT_MAX_CONNECTIONS, &c, NULL, change);
        break;
    case STEP_DNS_ASKED:
        v = xasprintf("mutant.%s", st->arg1);
        c.arg1 = v;
        snprintf(change, sizeof(change), "name %s changed to %s", st->arg1, v);
        add_step(mk, i, MUTANT_DNS_NAME, &c, NULL, change);
        free(v);
        c.arg1 = st->arg1;
        /* A type no XMPP server asks of that name: A of an SRV name, SRV of anything else. */
        c.arg2 = strcmp(st->arg2, "SRV") == 0 ? "A" : "SRV";
        snprintf(change, sizeof(change), "type %s changed to %s", st->arg2, c.arg2);
        add_step(mk, i, MUTANT_DNS_TYPE, &c, NULL, change);
        break;
    case STEP_DNS_NEVER_ASKED:
        c.kind = STEP_DNS_ASKED;
        add_step(mk, i, MUTANT_NEGATE, &c, NULL, "dns never asked turned into dns asked");
        break;
    case STEP_NEVER_RECEIVES:
        /* Checked over the whole run; its positive waits at its own place. */
        c.kind = STEP_RECEIVE;
        add_step(mk, i, MUTANT_NEGATE, &c, NULL,
                 "never receives turned into receives (the same stanza)");
        break;
    case STEP_NOT_AUTHENTICATES:
        c.kind = STEP_AUTHENTICATES;
        add_step(mk, i, MUTANT_NEGATE, &c, NULL, "does not authenticate turned into authenticates");
        break;
    case STEP_NOT_AUTHENTICATED_TO:
        c.kind = STEP_AUTHENTICATED_TO;
        add_step(mk, i, MUTANT_NEGATE, &c, NULL,
                 "is not authenticated to turned into is authenticated to");
        break;
    default:
        break; /* not an assertion: connects, sends, faults, modes */
    }
}

int
mutant_make(const struct scenario *s, const char *text, const char *fixtures, int default_ms,
            struct mutant **out, size_t *n, char *err, size_t errlen)
{
    struct maker mk = {.s = s,
                       .text = text,
                       .fixtures = fixtures,
                       .default_ms = default_ms,
                       .err = err,
                       .errlen = errlen};
    size_t i;

    for (i = 0; i < s->nsteps && !mk.failed; i++) {
        /* A group of alternative steps (`or STEP`) passes on whichever outcome the SUT chose:
         * a change to one alternative leaves the others to pass, an equivalent mutant whenever
         * the SUT took another one. No mutant is made of a group's steps. */
        if (s->steps[i].or_prev || scenario_group_end(s, i) > i + 1)
            continue;
        step_mutants(&mk, i);
    }
    if (mk.failed) {
        mutant_free(mk.m, mk.n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    *out = mk.m;
    *n = mk.n;
    return 0;
}

void
mutant_free(struct mutant *m, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(m[i].change);
        free(m[i].written);
        free(m[i].text);
    }
    free(m);
}

/* splitmix64: a small generator whose sequence is fixed by its seed on every machine. */
static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

void
mutant_shuffle(size_t n, uint64_t seed, size_t *idx)
{
    uint64_t state = seed;
    size_t i;

    for (i = 0; i < n; i++)
        idx[i] = i;
    /* Fisher-Yates: after step i, idx[0..i] are final, so a prefix is a sample. */
    for (i = 0; i + 1 < n; i++) {
        size_t j = i + (size_t)(next_random(&state) % (n - i));
        size_t tmp = idx[i];

        idx[i] = idx[j];
        idx[j] = tmp;
    }
}

void
mutant_sample(size_t n, size_t k, uint64_t seed, size_t *idx)
{
    size_t *all = xcalloc(n + 1, sizeof(*all));

    mutant_shuffle(n, seed, all);
    memcpy(idx, all, (k < n ? k : n) * sizeof(*idx));
    qsort(idx, k < n ? k : n, sizeof(*idx), cmp_size);
    free(all);
}
