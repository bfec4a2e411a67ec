/* match.c: subset and strict stanza matching with wildcards, captures and variables. */
#include "match.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

void
match_vars_set(struct match_vars *v, const char *name, const char *value)
{
    size_t i;

    for (i = 0; i < v->n; i++) {
        if (strcmp(v->names[i], name) == 0) {
            free(v->values[i]);
            v->values[i] = xstrdup(value);
            return;
        }
    }
    v->names = xreallocarray(v->names, v->n + 1, sizeof(*v->names));
    v->values = xreallocarray(v->values, v->n + 1, sizeof(*v->values));
    v->names[v->n] = xstrdup(name);
    v->values[v->n] = xstrdup(value);
    v->n++;
}

const char *
match_vars_get(const struct match_vars *v, const char *name)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return v->values[i];
    return NULL;
}

void
match_vars_clear(struct match_vars *v)
{
    size_t i;

    for (i = 0; i < v->n; i++) {
        free(v->names[i]);
        free(v->values[i]);
    }
    free(v->names);
    free(v->values);
    memset(v, 0, sizeof(*v));
}

char *
match_expand(const struct match_vars *v, const char *text, char *err, size_t errlen)
{
    size_t cap = strlen(text) + 64, len = 0;
    char *out = xmalloc(cap);
    const char *p = text;

    while (*p != '\0') {
        const char *add = p;
        size_t addlen = 1;
        char name[128];

        if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
            add = "${";
            addlen = 2;
            p += 3;
        } else if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            size_t nlen = close != NULL ? (size_t)(close - p - 2) : 0;

            if (close == NULL || nlen == 0 || nlen >= sizeof(name)) {
                snprintf(err, errlen, "unterminated or empty ${...}");
                free(out);
                return NULL;
            }
            memcpy(name, p + 2, nlen);
            name[nlen] = '\0';
            add = match_vars_get(v, name);
            if (add == NULL) {
                snprintf(err, errlen, "unknown variable ${%s}", name);
                free(out);
                return NULL;
            }
            addlen = strlen(add);
            p = close + 1;
        } else {
            p++;
        }
        if (len + addlen + 1 > cap) {
            cap = (len + addlen + 1) * 2;
            out = xreallocarray(out, cap, 1);
        }
        memcpy(out + len, add, addlen);
        len += addlen;
    }
    out[len] = '\0';
    return out;
}

/* Pending captures: applied to the variables only when the whole stanza matched. */
struct captures {
    struct match_vars v;
};

/* Length of a "{any}" or "{$name}" token at p (name copied out), or 0. */
static size_t
token(const char *p, char *name, size_t len)
{
    const char *close;

    if (strncmp(p, "{any}", 5) == 0) {
        name[0] = '\0';
        return 5;
    }
    if (strncmp(p, "{$", 2) != 0 || (close = strchr(p, '}')) == NULL || close == p + 2 ||
        (size_t)(close - p - 2) >= len)
        return 0;
    memcpy(name, p + 2, (size_t)(close - p - 2));
    name[close - p - 2] = '\0';
    return (size_t)(close - p) + 1;
}

/* Matches value against a pattern of literal text, {any} and {$name} tokens, in full; a token
 * takes the shortest text that lets the rest match. Captures go into cap. */
static int
pattern_matches(const char *p, const char *v, const struct match_vars *vars, struct captures *cap,
                int depth)
{
    char name[128];
    size_t tl;

    if (depth > 32)
        return 0;
    while (*p != '\0' && (tl = token(p, name, sizeof(name))) == 0) {
        if (*p != *v)
            return 0;
        p++;
        v++;
    }
    if (*p == '\0')
        return *v == '\0';
    if (name[0] != '\0') {
        const char *known = match_vars_get(&cap->v, name);

        if (known == NULL)
            known = match_vars_get(vars, name);
        if (known != NULL)
            return strncmp(v, known, strlen(known)) == 0 &&
                   pattern_matches(p + tl, v + strlen(known), vars, cap, depth + 1);
    }
    if (p[tl] == '\0') { /* a trailing token takes the rest */
        if (name[0] != '\0')
            match_vars_set(&cap->v, name, v);
        return 1;
    }
    for (size_t k = 0, vlen = strlen(v); k <= vlen; k++) {
        if (name[0] != '\0') {
            char *part = xstrndup(v, k);

            match_vars_set(&cap->v, name, part);
            free(part);
        }
        if (pattern_matches(p + tl, v + k, vars, cap, depth + 1))
            return 1;
    }
    if (name[0] != '\0')
        match_vars_set(&cap->v, name, ""); /* undone by the caller's failure */
    return 0;
}

/* One value against its pattern. */
static int
value_matches(const char *pattern, const char *value, const struct match_vars *vars,
              struct captures *cap)
{
    struct captures trial = {0};
    size_t i;
    int ok;

    if (strchr(pattern, '{') == NULL) /* literal text */
        return strcmp(pattern, value) == 0;
    if (strstr(pattern, "{$") == NULL) /* no capture to keep apart */
        return pattern_matches(pattern, value, vars, cap, 0);
    for (i = 0; i < cap->v.n; i++)
        match_vars_set(&trial.v, cap->v.names[i], cap->v.values[i]);
    ok = pattern_matches(pattern, value, vars, &trial, 0);
    if (ok)
        for (i = 0; i < trial.v.n; i++)
            match_vars_set(&cap->v, trial.v.names[i], trial.v.values[i]);
    match_vars_clear(&trial.v);
    return ok;
}

/* The element's own text with surrounding white space trimmed (owned). */
static char *
trimmed_text(const struct xml_node *n)
{
    char *t = xml_text(n), *start = t, *end;

    while (isspace((unsigned char)*start))
        start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    memmove(t, start, (size_t)(end - start));
    t[end - start] = '\0';
    return t;
}

static size_t
count_elements(const struct xml_node *n)
{
    const struct xml_node *c;
    size_t k = 0;

    for (c = n->children; c != NULL; c = c->next)
        k += c->kind == XML_ELEMENT;
    return k;
}

static int match_node(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
                      const struct match_vars *vars, struct captures *cap, const char *path,
                      char *why, size_t whylen);

/* An attribute's name as written: xml:lang for the XML namespace's. */
static void
attr_label(const char *ns, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", ns != NULL && strcmp(ns, XML_NS_XML) == 0 ? "xml:" : "", name);
}

/* 1 if the expected attribute list names this received attribute. */
static int
wants_attr(const struct xml_node *want, const struct xml_attr *a)
{
    size_t i;

    for (i = 0; i < want->nattrs; i++)
        if (strcmp(want->attrs[i].name, a->name) == 0 &&
            (want->attrs[i].ns == NULL) == (a->ns == NULL) &&
            (a->ns == NULL || strcmp(want->attrs[i].ns, a->ns) == 0))
            return 1;
    return 0;
}

/* What an expected element asks for: itself, its attributes, its text, its children's. */
static size_t
size_of(const struct xml_node *want)
{
    const struct xml_node *c;
    size_t k = 1 + want->nattrs;
    char *t = trimmed_text(want);

    k += t[0] != '\0';
    free(t);
    for (c = want->children; c != NULL; c = c->next)
        if (c->kind == XML_ELEMENT)
            k += size_of(c);
    return k;
}

/* The number of differences: names, attributes, texts and children (recursively, each
 * expected child against its closest candidate). */
static size_t
distance(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
         const struct match_vars *vars)
{
    const struct xml_node *w, *g;
    struct captures scratch = {0};
    size_t d = 0, i;
    char *wt, *gt;

    if (!xml_is(got, want->ns, want->name))
        return size_of(want);
    for (i = 0; i < want->nattrs; i++) {
        const char *v = xml_attr_ns(got, want->attrs[i].ns, want->attrs[i].name);

        d += v == NULL || !value_matches(want->attrs[i].value, v, vars, &scratch);
    }
    for (i = 0; mode == MATCH_STRICT && i < got->nattrs; i++)
        d += !wants_attr(want, &got->attrs[i]);
    wt = trimmed_text(want);
    gt = trimmed_text(got);
    if (wt[0] != '\0' ? !value_matches(wt, gt, vars, &scratch)
                      : mode == MATCH_STRICT && gt[0] != '\0')
        d++;
    free(wt);
    free(gt);
    for (w = want->children; w != NULL; w = w->next) {
        size_t best;

        if (w->kind != XML_ELEMENT)
            continue;
        best = size_of(w);
        for (g = got->children; g != NULL; g = g->next) {
            size_t dg;

            if (g->kind == XML_ELEMENT && xml_is(g, w->ns, w->name) &&
                (dg = distance(w, g, mode, vars)) < best)
                best = dg;
        }
        d += best;
    }
    if (mode == MATCH_STRICT && count_elements(got) > count_elements(want))
        d += count_elements(got) - count_elements(want);
    match_vars_clear(&scratch.v);
    return d;
}

/* The first element child of got whose name want does not ask for: an extra one (strict). */
static const struct xml_node *
extra_child(const struct xml_node *want, const struct xml_node *got)
{
    const struct xml_node *g, *w;

    for (g = got->children; g != NULL; g = g->next) {
        int asked = 0;

        if (g->kind != XML_ELEMENT)
            continue;
        for (w = want->children; w != NULL && !asked; w = w->next)
            asked = w->kind == XML_ELEMENT && xml_is(g, w->ns, w->name);
        if (!asked)
            return g;
    }
    return NULL;
}

static int
match_children(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
               const struct match_vars *vars, struct captures *cap, const char *path, char *why,
               size_t whylen)
{
    const struct xml_node *w, *from = got->children, *prev = NULL, *taken[64];
    size_t ntaken = 0;
    char sub[512];

    for (w = want->children; w != NULL; w = w->next) {
        const struct xml_node *g, *closest = NULL;
        size_t closest_d = (size_t)-1;
        int found = 0;

        if (w->kind != XML_ELEMENT)
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, w->name);
        /* In document order: each expected child after the previous one's match. */
        for (g = from; g != NULL && !found; g = g->next) {
            struct captures trial = {0};
            size_t i, d;

            if (!xml_is(g, w->ns, w->name))
                continue;
            if (match_node(w, g, mode, vars, &trial, sub, why, whylen)) {
                for (i = 0; i < trial.v.n; i++)
                    match_vars_set(&cap->v, trial.v.names[i], trial.v.values[i]);
                found = 1;
                from = g->next;
                if (ntaken < sizeof(taken) / sizeof(taken[0]))
                    taken[ntaken++] = g;
            } else if ((d = distance(w, g, mode, vars)) < closest_d) {
                closest_d = d;
                closest = g;
            }
            match_vars_clear(&trial.v);
        }
        if (found) {
            prev = w;
            continue;
        }
        /* Before the previous expected child's match: there, but out of order. */
        for (g = got->children; g != NULL && g != from; g = g->next) {
            struct captures trial = {0};
            char scratch[8];
            size_t k;
            int ok;

            for (k = 0; k < ntaken && taken[k] != g; k++)
                ;
            ok = k == ntaken && xml_is(g, w->ns, w->name) &&
                 match_node(w, g, mode, vars, &trial, sub, scratch, sizeof(scratch));

            match_vars_clear(&trial.v);
            if (ok) {
                snprintf(why, whylen,
                         "%s: child <%s xmlns='%s'> is there, but before <%s/>: children match "
                         "in document order",
                         sub, w->name, w->ns, prev != NULL ? prev->name : "?");
                return 0;
            }
        }
        if (closest != NULL) { /* the closest candidate says what differs */
            struct captures trial = {0};

            match_node(w, closest, mode, vars, &trial, sub, why, whylen);
            match_vars_clear(&trial.v);
        } else {
            snprintf(why, whylen, "%s: missing child <%s xmlns='%s'>", sub, w->name, w->ns);
        }
        return 0;
    }
    if (mode == MATCH_STRICT && count_elements(got) != count_elements(want)) {
        const struct xml_node *x = extra_child(want, got);

        if (x != NULL)
            snprintf(why, whylen, "%s: extra child <%s xmlns='%s'> (strict)", path, x->name, x->ns);
        else
            snprintf(why, whylen, "%s: %zu child elements, expected %zu (strict)", path,
                     count_elements(got), count_elements(want));
        return 0;
    }
    return 1;
}

static int
match_node(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
           const struct match_vars *vars, struct captures *cap, const char *path, char *why,
           size_t whylen)
{
    char *wt, *gt;
    size_t i;
    int ok;

    if (!xml_is(got, want->ns, want->name)) {
        snprintf(why, whylen, "%s: got <%s xmlns='%s'>", path, got->name, got->ns);
        return 0;
    }
    for (i = 0; i < want->nattrs; i++) {
        const struct xml_attr *a = &want->attrs[i];
        const char *v = xml_attr_ns(got, a->ns, a->name);

        char label[160];

        attr_label(a->ns, a->name, label, sizeof(label));
        if (v == NULL) {
            snprintf(why, whylen, "%s: attribute %s missing", path, label);
            return 0;
        }
        if (!value_matches(a->value, v, vars, cap)) {
            snprintf(why, whylen, "%s: %s='%s', expected '%s'", path, label, v, a->value);
            return 0;
        }
    }
    for (i = 0; mode == MATCH_STRICT && i < got->nattrs; i++) {
        char label[160];

        if (wants_attr(want, &got->attrs[i]))
            continue;
        attr_label(got->attrs[i].ns, got->attrs[i].name, label, sizeof(label));
        snprintf(why, whylen, "%s: extra attribute %s='%s' (strict)", path, label,
                 got->attrs[i].value);
        return 0;
    }
    wt = trimmed_text(want);
    gt = trimmed_text(got);
    ok = wt[0] == '\0' ? mode != MATCH_STRICT || gt[0] == '\0' : value_matches(wt, gt, vars, cap);
    if (!ok)
        snprintf(why, whylen, "%s: text \"%.80s\", expected \"%.80s\"", path, gt, wt);
    free(wt);
    free(gt);
    return ok && match_children(want, got, mode, vars, cap, path, why, whylen);
}

int
match_stanza(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
             struct match_vars *vars, char *why, size_t whylen)
{
    struct captures cap = {0};
    char path[256];
    size_t i;
    int ok;

    why[0] = '\0';
    snprintf(path, sizeof(path), "/%s", want->name);
    ok = match_node(want, got, mode, vars, &cap, path, why, whylen);
    if (ok)
        for (i = 0; i < cap.v.n; i++)
            match_vars_set(vars, cap.v.names[i], cap.v.values[i]);
    match_vars_clear(&cap.v);
    return ok;
}

ssize_t
match_one_of(struct xml_node *const *want, size_t nwant, const struct xml_node *got,
             enum match_mode mode, struct match_vars *vars, char *why, size_t whylen)
{
    char first[512], scratch[512];
    size_t k;

    for (k = 0; k < nwant; k++)
        if (match_stanza(want[k], got, mode, vars, k == 0 ? first : scratch, sizeof(first)))
            return (ssize_t)k;
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "%s", nwant > 0 ? first : "no alternative");
    return -1;
}

size_t
match_distance(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
               const struct match_vars *vars)
{
    return distance(want, got, mode, vars);
}
