/* record.c: a fedsim transcript turned into a replayable scenario (record.h). */
#include "record.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"
#include "xml_stream.h"
#include "xmalloc.h"

#define RECORD_MAX_ACTORS   32
#define RECORD_MAX_CAPTURES 256
#define RECORD_MAX_LINE     65536

struct actor {
    char name[64];
    int peer;
    char domain[256], rundom[256]; /* peers: the scenario's and the run's domain */
    char *line;                    /* owned: peers: "profile P, domain D[, knobs]" */
    char user[128], full[512];     /* clients: the account and the bound JID */
    int logged_in;
    int step_sends; /* a "step sends N time(s)" came: its next stanza is the step's, N times */
};

struct capture {
    char *value; /* owned: the id the SUT chose */
    char var[16];
};

struct rec {
    struct actor actors[RECORD_MAX_ACTORS];
    size_t nactors;
    char sut[256]; /* the SUT's domain, from the c2s lines */
    struct capture caps[RECORD_MAX_CAPTURES];
    size_t ncaps;
    char *sent[RECORD_MAX_CAPTURES]; /* owned: the ids of the fedsim side's stanzas */
    size_t nsent;
    char *steps; /* owned: the steps written so far */
    size_t len, cap;
    char *err;
    size_t errlen;
};

static void out(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out(struct rec *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (r->len + (size_t)n + 1 > r->cap) {
        r->cap = (r->len + (size_t)n + 1) * 2;
        r->steps = xreallocarray(r->steps, r->cap, 1);
    }
    va_start(ap, fmt);
    vsnprintf(r->steps + r->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    r->len += (size_t)n;
}

static struct actor *
actor_named(struct rec *r, const char *name, size_t len, int create)
{
    size_t i;

    for (i = 0; i < r->nactors; i++)
        if (strlen(r->actors[i].name) == len && strncmp(r->actors[i].name, name, len) == 0)
            return &r->actors[i];
    if (!create || r->nactors == RECORD_MAX_ACTORS || len == 0 || len >= 64)
        return NULL;
    memset(&r->actors[r->nactors], 0, sizeof(r->actors[0]));
    memcpy(r->actors[r->nactors].name, name, len);
    return &r->actors[r->nactors++];
}

/* The peer whose run domain starts the line ("r1a2b3c.gmail.test: ..."), or NULL. */
static struct actor *
peer_of_line(struct rec *r, const char *line, const char **rest)
{
    size_t i, n;

    for (i = 0; i < r->nactors; i++) {
        if (!r->actors[i].peer || r->actors[i].rundom[0] == '\0')
            continue;
        n = strlen(r->actors[i].rundom);
        if (strncmp(line, r->actors[i].rundom, n) == 0 && strncmp(line + n, ": ", 2) == 0) {
            *rest = line + n + 2;
            return &r->actors[i];
        }
    }
    return NULL;
}

/* s with every `from` replaced by `to` (owned). */
static char *
replace_all(const char *s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), n = 0, len;
    const char *p;
    char *res, *w;

    if (nf == 0)
        return xstrdup(s);
    for (p = s; (p = strstr(p, from)) != NULL; p += nf)
        n++;
    len = strlen(s) + n * nt + 1;
    res = w = xmalloc(len);
    for (p = s; *p != '\0';) {
        if (strncmp(p, from, nf) == 0) {
            memcpy(w, to, nt);
            w += nt;
            p += nf;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return res;
}

/* A value as the scenario must say it: "${" escaped, then the run's names made the scenario's
 * (owned). */
static char *
generalize(struct rec *r, const char *v)
{
    char *s = replace_all(v, "${", "$${"), *t;
    size_t i;

    for (i = 0; i < r->nactors; i++) {
        const struct actor *a = &r->actors[i];
        char var[96];

        if (a->peer && a->rundom[0] != '\0') {
            t = replace_all(s, a->rundom, a->domain);
            free(s);
            s = t;
        } else if (!a->peer && a->full[0] != '\0') {
            char bare[512];

            snprintf(var, sizeof(var), "${%s.full}", a->name);
            t = replace_all(s, a->full, var);
            free(s);
            s = t;
            snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(a->full, "/"), a->full);
            snprintf(var, sizeof(var), "${%s.bare}", a->name);
            t = replace_all(s, bare, var);
            free(s);
            s = t;
        }
    }
    if (r->sut[0] != '\0') {
        t = replace_all(s, r->sut, "${sut.domain}");
        free(s);
        s = t;
    }
    return s;
}

static int
was_sent(const struct rec *r, const char *value)
{
    size_t i;

    for (i = 0; i < r->nsent; i++)
        if (strcmp(r->sent[i], value) == 0)
            return 1;
    return 0;
}

static const char *
capture_of(const struct rec *r, const char *value)
{
    size_t i;

    for (i = 0; i < r->ncaps; i++)
        if (strcmp(r->caps[i].value, value) == 0)
            return r->caps[i].var;
    return NULL;
}

/* Rewrites a stanza tree in place: names generalized; for an expected one (`expect`), the
 * SUT's iq id captured, other ids of the SUT's, xml:lang and delay stamps dropped. */
static void
rewrite(struct rec *r, struct xml_node *n, int expect, int top)
{
    struct xml_node *c, **pc;
    size_t i = 0;

    while (i < n->nattrs) {
        struct xml_attr *a = &n->attrs[i];
        /* xml:lang, and a roster version (RFC 6121 §2.6: opaque, the SUT's to choose). */
        int drop =
                (a->ns != NULL && strcmp(a->ns, XML_NS_XML) == 0 && strcmp(a->name, "lang") == 0) ||
                (expect && a->ns == NULL && strcmp(a->name, "ver") == 0 &&
                 strcmp(n->ns, "jabber:iq:roster") == 0 && strcmp(n->name, "query") == 0);
        char *v;

        if (top && expect && a->ns == NULL && strcmp(a->name, "id") == 0) {
            const char *var = capture_of(r, a->value);

            if (was_sent(r, a->value)) {
                v = generalize(r, a->value); /* ours: an echo or an answer carries it */
            } else if (var != NULL) {
                v = xasprintf("${%s}", var);
            } else if (strcmp(n->name, "iq") == 0 && r->ncaps < RECORD_MAX_CAPTURES) {
                struct capture *cp = &r->caps[r->ncaps];

                cp->value = xstrdup(a->value);
                snprintf(cp->var, sizeof(cp->var), "id%zu", ++r->ncaps);
                v = xasprintf("{$%s}", cp->var);
            } else {
                drop = 1;
                v = NULL;
            }
        } else if (top && !expect && a->ns == NULL && strcmp(a->name, "id") == 0 &&
                   capture_of(r, a->value) != NULL) {
            v = xasprintf("${%s}", capture_of(r, a->value));
        } else {
            v = generalize(r, a->value);
        }
        if (drop) {
            free(v);
            free(a->ns);
            free(a->name);
            free(a->value);
            memmove(a, a + 1, (n->nattrs - i - 1) * sizeof(*a));
            n->nattrs--;
            continue;
        }
        free(a->value);
        a->value = v;
        i++;
    }
    for (pc = &n->children; (c = *pc) != NULL;) {
        if (expect && c->kind == XML_ELEMENT &&
            (strcmp(c->ns, "urn:xmpp:delay") == 0 || strcmp(c->ns, "jabber:x:delay") == 0)) {
            *pc = c->next;
            if (n->last == c) {
                struct xml_node *l = n->children;

                while (l != NULL && l->next != NULL)
                    l = l->next;
                n->last = l;
            }
            c->next = NULL;
            xml_node_free(c);
            continue;
        }
        if (c->kind == XML_TEXT) {
            char *t = generalize(r, c->text);

            free(c->text);
            c->text = t;
            c->textlen = strlen(t);
        } else {
            rewrite(r, c, expect, 0);
        }
        pc = &c->next;
    }
}

/* A stanza from the transcript as a step's block line (owned), or NULL with err set. */
static char *
stanza_text(struct rec *r, int lineno, const char *xml, const char *ns, int expect)
{
    char perr[256];
    struct xml_node *n = xml_parse_element(xml, ns, perr, sizeof(perr));
    char *s;

    if (n == NULL) {
        snprintf(r->err, r->errlen, "%d: a stanza that is not XML (%s): %.80s", lineno, perr, xml);
        return NULL;
    }
    if (!expect && xml_attr(n, "id") != NULL && !was_sent(r, xml_attr(n, "id")) &&
        capture_of(r, xml_attr(n, "id")) == NULL && r->nsent < RECORD_MAX_CAPTURES)
        r->sent[r->nsent++] = xstrdup(xml_attr(n, "id"));
    rewrite(r, n, expect, 1);
    s = xml_serialize(n, ns, NULL, NULL);
    xml_node_free(n);
    return s;
}

/* A step's stanza, as many times as the step sent it. */
static void
emit_sends(struct rec *r, struct actor *a, const char *stanza)
{
    if (a->step_sends > 1)
        out(r, "%s sends %d times:\n    %s\n", a->name, a->step_sends, stanza);
    else
        out(r, "%s sends:\n    %s\n", a->name, stanza);
    a->step_sends = 0;
}

/* One transcript line (its time stamp removed). Returns -1 with err set to stop. */
static int
line(struct rec *r, int lineno, const char *l)
{
    const char *rest, *colon = strchr(l, ':');
    struct actor *a;
    char *s;
    int times;

    if (strncmp(l, "step ", 5) == 0)
        return 0;
    /* A live recording names the SUT's domain (record_annotate) */
    if (strncmp(l, "SUT domain: ", 12) == 0) {
        snprintf(r->sut, sizeof(r->sut), "%s", l + 12);
        return 0;
    }
    /* NAME: DOMAIN is RUNDOMAIN in this run */
    if (colon != NULL && colon[1] == ' ') {
        const char *what = colon + 2;
        char d1[256], d2[256];

        if (sscanf(what, "%255s is %255s in this run", d1, d2) == 2 &&
            strstr(what, " in this run") != NULL &&
            (a = actor_named(r, l, (size_t)(colon - l), 1)) != NULL) {
            a->peer = 1;
            snprintf(a->domain, sizeof(a->domain), "%s", d1);
            snprintf(a->rundom, sizeof(a->rundom), "%s", d2);
            return 0;
        }
        if (strncmp(what, "peer line: ", 11) == 0 &&
            (a = actor_named(r, l, (size_t)(colon - l), 1)) != NULL) {
            a->peer = 1;
            free(a->line);
            a->line = xstrdup(what + 11);
            return 0;
        }
        if (sscanf(what, "step sends %d time", &times) == 1 && times > 0 &&
            (a = actor_named(r, l, (size_t)(colon - l), 0)) != NULL) {
            a->step_sends = times;
            return 0;
        }
        if (strncmp(what, "fresh SUT account ", 18) == 0 &&
            (a = actor_named(r, l, (size_t)(colon - l), 1)) != NULL) {
            snprintf(a->user, sizeof(a->user), "%s", what + 18);
            return 0;
        }
        if (strncmp(what, "logged in as ", 13) == 0 &&
            (a = actor_named(r, l, (size_t)(colon - l), 0)) != NULL && !a->peer) {
            snprintf(a->full, sizeof(a->full), "%.*s", (int)strcspn(what + 13, " "), what + 13);
            a->logged_in = 1;
            out(r, "%s connects\n", a->name);
            return 0;
        }
        if (strncmp(what, "receives <", 10) == 0 &&
            (a = actor_named(r, l, (size_t)(colon - l), 0)) != NULL && !a->peer) {
            if ((s = stanza_text(r, lineno, what + 9, XML_NS_CLIENT, 1)) == NULL)
                return -1;
            out(r, "%s receives:\n    %s\n", a->name, s);
            free(s);
            return 0;
        }
    }
    /* c2s USER@SUT >> <stanza>: a client's own stanza, once it logged in */
    if (strncmp(l, "c2s ", 4) == 0) {
        const char *at = strchr(l + 4, '@'), *sp = at != NULL ? strchr(at, ' ') : NULL;
        size_t i;

        if (at == NULL || sp == NULL || strncmp(sp, " >> ", 4) != 0)
            return 0;
        if (r->sut[0] == '\0')
            snprintf(r->sut, sizeof(r->sut), "%.*s", (int)(sp - at - 1), at + 1);
        for (i = 0; i < r->nactors; i++) {
            a = &r->actors[i];
            if (a->peer || !a->logged_in || strlen(a->user) != (size_t)(at - l - 4) ||
                strncmp(a->user, l + 4, (size_t)(at - l - 4)) != 0)
                continue;
            if (strncmp(sp + 4, "</stream:stream", 15) == 0) {
                out(r, "%s disconnects\n", a->name);
                a->logged_in = 0;
                return 0;
            }
            /* Only a step's stanza: the client's own answers (roster push results) it
             * sends again by itself in the replay. */
            if (a->step_sends == 0 || sp[4] != '<' || sp[5] == '?' || sp[5] == '/')
                return 0;
            if ((s = stanza_text(r, lineno, sp + 4, XML_NS_CLIENT, 0)) == NULL)
                return -1;
            emit_sends(r, a, s);
            free(s);
            return 0;
        }
        return 0;
    }
    /* RUNDOMAIN: sends|receives <stanza> */
    if ((a = peer_of_line(r, l, &rest)) != NULL) {
        if (strncmp(rest, "receives <", 10) == 0 && strstr(rest, "> held ") == NULL) {
            if ((s = stanza_text(r, lineno, rest + 9, XML_NS_SERVER, 1)) == NULL)
                return -1;
            out(r, "%s receives:\n    %s\n", a->name, s);
            free(s);
        } else if (strncmp(rest, "sends <", 7) == 0 && strstr(rest, "> held ") == NULL &&
                   strstr(rest, "> lost ") == NULL && a->step_sends > 0) {
            /* A step's stanza; the autopilot's answers and roster duties are not (the
             * replay's autopilot sends them again). */
            if ((s = stanza_text(r, lineno, rest + 6, XML_NS_SERVER, 0)) == NULL)
                return -1;
            emit_sends(r, a, s);
            free(s);
        }
    }
    return 0;
}

/* 1 if w is a time stamp as the transcript writes them (2026-12-03T17:07:13.480Z). */
static int
is_stamp(const char *w, size_t n)
{
    return n >= 20 && isdigit((unsigned char)w[0]) && w[4] == '-' && w[10] == 'T' &&
           w[n - 1] == 'Z';
}

char *
record_from_transcript(const char *text, const struct record_options *o, char *err, size_t errlen)
{
    struct rec *r = xcalloc(1, sizeof(*r));
    const char *p = text;
    char *res = NULL, *l;
    int lineno = 0;
    size_t i, npeers = 0;

    r->err = err;
    r->errlen = errlen;
    out(r, "%s", "");
    while (*p != '\0') {
        size_t len = strcspn(p, "\n"), sp;

        lineno++;
        if (len > RECORD_MAX_LINE) {
            snprintf(err, errlen, "%d: a line longer than %d bytes", lineno, RECORD_MAX_LINE);
            goto out;
        }
        l = xstrndup(p, len);
        sp = strcspn(l, " ");
        if (is_stamp(l, sp) && l[sp] == ' ' && line(r, lineno, l + sp + 1) != 0) {
            free(l);
            goto out;
        }
        free(l);
        p += len + (p[len] == '\n');
    }
    for (i = 0; i < r->nactors; i++) {
        if (r->actors[i].peer && r->actors[i].line == NULL) {
            snprintf(err, errlen,
                     "peer %s: no \"peer line:\" in the transcript (written by fedsim run since "
                     "faults at random came in)",
                     r->actors[i].name);
            goto out;
        }
        npeers += r->actors[i].peer;
    }
    if (npeers == 0 && r->nactors == 0) {
        snprintf(err, errlen, "no actors: not a fedsim run transcript");
        goto out;
    }
    {
        struct rec hdr = {0};

        out(&hdr,
            "# Made by fedsim record --from-transcript from %s: the fedsim side's stanzas "
            "as sends,\n# the SUT's as receives (docs/record.md).\n",
            o != NULL && o->source != NULL ? o->source : "a transcript");
        out(&hdr, "title: Replay of %s\n",
            o != NULL && o->source != NULL ? o->source : "a transcript");
        out(&hdr, "clause: RFC 6120 §10\nzone: %s\n\n",
            o != NULL && o->zone != NULL ? o->zone : "federation.zone");
        for (i = 0; i < r->nactors; i++) {
            if (r->actors[i].peer)
                out(&hdr, "peer %s: %s\n", r->actors[i].name, r->actors[i].line);
            else
                out(&hdr, "client %s\n", r->actors[i].name);
        }
        out(&hdr, "\n%s", r->steps);
        res = hdr.steps;
    }
out:
    for (i = 0; i < r->nactors; i++)
        free(r->actors[i].line);
    for (i = 0; i < r->ncaps; i++)
        free(r->caps[i].value);
    for (i = 0; i < r->nsent; i++)
        free(r->sent[i]);
    free(r->steps);
    free(r);
    return res;
}

/* --- a live recording's lines made a run's (record_annotate) -------------------------------- */

#define ANNOTATE_MAX_USERS 64

struct live_user {
    char bare[512], full[512]; /* the SUT user's JID, and the first full JID seen of it */
    char name[64];
    int declared, online;
};

struct live {
    const struct record_live *o;
    struct live_user users[ANNOTATE_MAX_USERS];
    size_t nusers;
    char remote_name[64];
    struct rec out; /* only its buffer */
};

/* "local@domain/res" -> bare (in buf) and 1 if its domain is `domain` and it has a local part. */
static int
jid_of(const char *jid, const char *domain, char *bare, size_t len)
{
    const char *at, *slash;

    if (jid == NULL)
        return 0;
    slash = jid + strcspn(jid, "/");
    snprintf(bare, len, "%.*s", (int)(slash - jid), jid);
    at = strchr(bare, '@');
    return at != NULL && at != bare && strcasecmp(at + 1, domain) == 0;
}

/* An actor name from a word: letters, digits and _, a letter first, at most 40 characters. */
static void
name_from(const char *word, size_t n, char *buf, size_t len)
{
    size_t i, w = 0;

    if (n == 0 || !isalpha((unsigned char)word[0]))
        buf[w++] = 'u';
    for (i = 0; i < n && w < 40 && w + 1 < len; i++)
        buf[w++] = isalnum((unsigned char)word[i]) ? (char)tolower((unsigned char)word[i]) : '_';
    buf[w] = '\0';
}

static struct live_user *
live_user(struct live *lv, const char *bare, int create)
{
    size_t i;

    for (i = 0; i < lv->nusers; i++)
        if (strcasecmp(lv->users[i].bare, bare) == 0)
            return &lv->users[i];
    if (!create || lv->nusers == ANNOTATE_MAX_USERS)
        return NULL;
    {
        struct live_user *u = &lv->users[lv->nusers];
        size_t k, tries;

        memset(u, 0, sizeof(*u));
        snprintf(u->bare, sizeof(u->bare), "%s", bare);
        name_from(bare, strcspn(bare, "@"), u->name, sizeof(u->name));
        /* Unique, and not the peer's name. */
        {
            char base[48];

            snprintf(base, sizeof(base), "%.40s", u->name);
            for (tries = 2;; tries++) {
                int clash = strcmp(u->name, lv->remote_name) == 0 || strcmp(u->name, "dns") == 0 ||
                            strcmp(u->name, "sut") == 0 || strcmp(u->name, "wait") == 0 ||
                            strcmp(u->name, "or") == 0;

                for (k = 0; k < lv->nusers && !clash; k++)
                    clash = strcmp(lv->users[k].name, u->name) == 0;
                if (!clash)
                    break;
                snprintf(u->name, sizeof(u->name), "%s%u", base, (unsigned)(tries % 1000));
            }
        }
        lv->nusers++;
        return u;
    }
}

/* A relayed stanza's line: "s2s FROM > TO <stanza>"; sets the domains and the stanza. */
static int
s2s_line(const char *l, char *from, char *to, const char **xml)
{
    int n = 0;

    if (strncmp(l, "s2s ", 4) != 0 || sscanf(l + 4, "%255s > %255s %n", from, to, &n) != 2 ||
        n == 0 || l[4 + n] != '<')
        return 0;
    *xml = l + 4 + n;
    return 1;
}

/* The stanza kinds a user sends (a message, a subscription request or answer, a request),
 * unlike what the server sends for the user (presence broadcasts and probes, answers). */
static int
user_sent(const struct xml_node *n, const char *from)
{
    const char *type = xml_attr(n, "type");

    if (xml_is(n, NULL, "message"))
        return type == NULL || strcmp(type, "error") != 0;
    if (xml_is(n, NULL, "presence"))
        return type != NULL &&
               (strcmp(type, "subscribe") == 0 || strcmp(type, "subscribed") == 0 ||
                strcmp(type, "unsubscribe") == 0 || strcmp(type, "unsubscribed") == 0);
    if (xml_is(n, NULL, "iq"))
        return type != NULL && (strcmp(type, "get") == 0 || strcmp(type, "set") == 0) &&
               strchr(from, '/') != NULL;
    return 0;
}

/* What the SUT delivers to its user: a message with a body, a subscription request or answer. */
static int
delivered(const struct xml_node *n)
{
    const char *type = xml_attr(n, "type");

    if (xml_is(n, NULL, "message"))
        return xml_child(n, NULL, "body") != NULL &&
               (type == NULL || (strcmp(type, "error") != 0 && strcmp(type, "groupchat") != 0));
    return xml_is(n, NULL, "presence") && user_sent(n, "");
}

static void
declare(struct live *lv, const char *stamp, struct live_user *u)
{
    if (u->declared)
        return;
    u->declared = u->online = 1;
    out(&lv->out, "%s %s: fresh SUT account %.*s\n", stamp, u->name, (int)strcspn(u->bare, "@"),
        u->bare);
    out(&lv->out, "%s %s: logged in as %s (recorded)\n", stamp, u->name,
        u->full[0] != '\0' ? u->full : u->bare);
}

static int
annotate_line(struct live *lv, int lineno, const char *stamp, const char *l, int pass)
{
    const struct record_live *o = lv->o;
    char from_dom[256], to_dom[256], bare[512], perr[256];
    const char *xml;
    struct xml_node *n;
    int from_sut;

    if (!s2s_line(l, from_dom, to_dom, &xml))
        return 0;
    if (strcasecmp(from_dom, o->sut) == 0 && strcasecmp(to_dom, o->remote) == 0)
        from_sut = 1;
    else if (strcasecmp(from_dom, o->remote) == 0 && strcasecmp(to_dom, o->sut) == 0)
        from_sut = 0;
    else
        return 0; /* between other domains: not the SUT's */
    if ((n = xml_parse_element(xml, XML_NS_SERVER, perr, sizeof(perr))) == NULL) {
        snprintf(lv->out.err, lv->out.errlen, "%d: a relayed stanza that is not XML (%s): %.80s",
                 lineno, perr, xml);
        return -1;
    }
    if (!xml_is(n, XML_NS_SERVER, "message") && !xml_is(n, XML_NS_SERVER, "presence") &&
        !xml_is(n, XML_NS_SERVER, "iq")) {
        xml_node_free(n); /* not a stanza (RFC 6120 §8): no step */
        return 0;
    }
    {
        const char *jid = xml_attr(n, from_sut ? "from" : "to");
        struct live_user *u =
                jid_of(jid, o->sut, bare, sizeof(bare)) ? live_user(lv, bare, pass == 1) : NULL;

        if (pass == 1) {
            if (u != NULL && u->full[0] == '\0' && strchr(jid, '/') != NULL)
                snprintf(u->full, sizeof(u->full), "%s", jid);
        } else if (from_sut) {
            const char *type = xml_attr(n, "type");

            if (u != NULL && user_sent(n, jid)) {
                struct xml_node *c = xml_clone(n);
                char *s;
                size_t i;

                declare(lv, stamp, u);
                for (i = 0; i < c->nattrs; i++)
                    if (c->attrs[i].ns == NULL && strcmp(c->attrs[i].name, "from") == 0) {
                        free(c->attrs[i].name);
                        free(c->attrs[i].value);
                        memmove(&c->attrs[i], &c->attrs[i + 1],
                                (c->nattrs - i - 1) * sizeof(c->attrs[0]));
                        c->nattrs--;
                        break;
                    }
                s = xml_serialize(c, XML_NS_SERVER, NULL, NULL);
                out(&lv->out, "%s %s: step sends 1 time(s)\n", stamp, u->name);
                out(&lv->out, "%s c2s %.*s@%s >> %s\n", stamp, (int)strcspn(u->bare, "@"), u->bare,
                    o->sut, s);
                free(s);
                xml_node_free(c);
            } else if (u != NULL) {
                declare(lv, stamp, u);
            }
            /* The user's presence unavailable: the client went away (before what its server
             * sent then). */
            if (u != NULL && u->online && xml_is(n, NULL, "presence") && type != NULL &&
                strcmp(type, "unavailable") == 0 && strcmp(jid, u->full) == 0) {
                out(&lv->out, "%s c2s %.*s@%s >> </stream:stream>\n", stamp,
                    (int)strcspn(u->bare, "@"), u->bare, o->sut);
                u->online = 0;
            }
            out(&lv->out, "%s %s: receives %s\n", stamp, o->remote, xml);
        } else {
            if (u != NULL)
                declare(lv, stamp, u);
            out(&lv->out, "%s %s: step sends 1 time(s)\n", stamp, lv->remote_name);
            out(&lv->out, "%s %s: sends %s\n", stamp, o->remote, xml);
            if (u != NULL && u->online && delivered(n))
                out(&lv->out, "%s %s: receives %s\n", stamp, u->name, xml);
        }
    }
    xml_node_free(n);
    return 0;
}

char *
record_annotate(const char *text, const struct record_live *o, char *err, size_t errlen)
{
    struct live *lv = xcalloc(1, sizeof(*lv));
    char *res = NULL, *l, profile[64] = "modern";
    const char *knobs = "";
    int pass, lineno, header = 0;

    lv->o = o;
    lv->out.err = err;
    lv->out.errlen = errlen;
    name_from(o->remote, strcspn(o->remote, "."), lv->remote_name, sizeof(lv->remote_name));
    if (o->profile != NULL) {
        size_t n = strcspn(o->profile, ",");

        snprintf(profile, sizeof(profile), "%.*s", (int)n, o->profile);
        knobs = o->profile + n;
    }
    out(&lv->out, "%s", "");
    for (pass = 1; pass <= 2; pass++) {
        const char *p = text;

        lineno = 0;
        while (*p != '\0') {
            size_t len = strcspn(p, "\n"), sp;

            lineno++;
            if (len > RECORD_MAX_LINE) {
                snprintf(err, errlen, "%d: a line longer than %d bytes", lineno, RECORD_MAX_LINE);
                goto out;
            }
            l = xstrndup(p, len);
            if (pass == 2)
                out(&lv->out, "%s\n", l);
            sp = strcspn(l, " ");
            if (is_stamp(l, sp) && l[sp] == ' ') {
                l[sp] = '\0';
                if (pass == 2 && !header) {
                    /* The remote server as the replay's peer, the SUT's domain. */
                    out(&lv->out, "%s %s: %s is %s in this run\n", l, lv->remote_name, o->remote,
                        o->remote);
                    out(&lv->out, "%s %s: peer line: profile %s, domain %s", l, lv->remote_name,
                        profile, o->remote);
                    for (const char *k = knobs; *k != '\0';) {
                        size_t kn;

                        k += strspn(k, ", ");
                        kn = strcspn(k, ",");
                        if (kn > 0)
                            out(&lv->out, ", %.*s", (int)kn, k);
                        k += kn;
                    }
                    out(&lv->out, "\n%s SUT domain: %s\n", l, o->sut);
                    header = 1;
                }
                if (annotate_line(lv, lineno, l, l + sp + 1, pass) != 0) {
                    free(l);
                    goto out;
                }
            }
            free(l);
            p += len + (p[len] == '\n');
        }
    }
    res = lv->out.steps;
    lv->out.steps = NULL;
out:
    free(lv->out.steps);
    free(lv);
    return res;
}

/* --- a Prosody debug log made a live recording's lines (record_prosody_log) --------------- */

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The domain of a JID (in buf). */
static const char *
jid_domain(const char *jid, char *buf, size_t len)
{
    const char *at, *slash;

    if (jid == NULL)
        return "";
    slash = jid + strcspn(jid, "/");
    at = memchr(jid, '@', (size_t)(slash - jid));
    at = at != NULL ? at + 1 : jid;
    snprintf(buf, len, "%.*s", (int)(slash - at), at);
    return buf;
}

char *
record_prosody_log(const char *text, const struct record_prosody *o, char *err, size_t errlen)
{
    struct rec r = {0};
    const char *p = text;
    int lineno = 0, n = 0;

    r.err = err;
    r.errlen = errlen;
    out(&r, "%s", "");
    while (*p != '\0') {
        size_t len = strcspn(p, "\n");
        char mon[4], src[64], level[16], dir[16], stamp[40], fd[256], td[256];
        int day, hh, mm, ss, used = 0, m;
        char *l = xstrndup(p, len), *xml, *msg;
        struct xml_node *node;

        lineno++;
        p += len + (p[len] == '\n');
        if (len > RECORD_MAX_LINE) {
            snprintf(err, errlen, "%d: a line longer than %d bytes", lineno, RECORD_MAX_LINE);
            free(l);
            free(r.steps);
            return NULL;
        }
        /* "Dec 04 03:22:15 s2sin5595..\tdebug\tReceived[s2sin]: <presence ...>" */
        if (sscanf(l, "%3s %d %d:%d:%d %63s %15s %n", mon, &day, &hh, &mm, &ss, src, level,
                   &used) != 7 ||
            used == 0 || strcmp(level, "debug") != 0 || strncmp(src, "s2s", 3) != 0) {
            free(l);
            continue;
        }
        msg = l + used;
        if (sscanf(msg, "%15[A-Za-z][s2s", dir) != 1 ||
            (strcmp(dir, "Sending") != 0 && strcmp(dir, "Received") != 0) ||
            (xml = strstr(msg, "]: <")) == NULL) {
            free(l);
            continue;
        }
        xml += 3;
        if (strncmp(xml, "<message", 8) != 0 && strncmp(xml, "<presence", 9) != 0 &&
            strncmp(xml, "<iq", 3) != 0) {
            free(l);
            continue;
        }
        for (m = 0; m < 12 && strcmp(months[m], mon) != 0; m++)
            ;
        if (m == 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) {
            free(l);
            continue;
        }
        /* The whole stanza when the log has it; Prosody's own lines hold its top tag only. */
        if ((node = xml_parse_element(xml, XML_NS_SERVER, stamp, sizeof(stamp))) == NULL) {
            size_t xl = strlen(xml);
            char *closed;

            if (xl < 2 || xml[xl - 1] != '>' || xml[xl - 2] == '/') {
                free(l);
                continue;
            }
            closed = xasprintf("%.*s/>", (int)(xl - 1), xml);
            node = xml_parse_element(closed, XML_NS_SERVER, stamp, sizeof(stamp));
            free(closed);
            if (node == NULL) {
                free(l);
                continue;
            }
        }
        jid_domain(xml_attr(node, "from"), fd, sizeof(fd));
        jid_domain(xml_attr(node, "to"), td, sizeof(td));
        if ((strcasecmp(fd, o->sut) == 0 && strcasecmp(td, o->remote) == 0) ||
            (strcasecmp(fd, o->remote) == 0 && strcasecmp(td, o->sut) == 0)) {
            char *s = xml_serialize(node, XML_NS_SERVER, NULL, NULL);

            /* A stamp as transcripts write them, the log's second and its order. */
            snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", o->year, m + 1,
                     day, hh, mm, ss, n % 1000);
            out(&r, "%s s2s %s > %s %s\n", stamp, fd, td, s);
            free(s);
            n++;
        }
        xml_node_free(node);
        free(l);
    }
    if (n == 0) {
        snprintf(err, errlen,
                 "no stanza between %s and %s in Sending[s2s...] or Received[s2s...] lines "
                 "(Prosody's debug level: log = { debug = FILE })",
                 o->sut, o->remote);
        free(r.steps);
        return NULL;
    }
    return r.steps;
}
