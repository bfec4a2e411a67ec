/* xml.c: stanza trees, lookup helpers and the one serializer. */
#include "xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

struct xml_node *
xml_element_new(const char *ns, const char *name)
{
    struct xml_node *n = xcalloc(1, sizeof(*n));

    n->kind = XML_ELEMENT;
    n->ns = xstrdup(ns != NULL ? ns : "");
    n->name = xstrdup(name);
    return n;
}

void
xml_node_free(struct xml_node *n)
{
    struct xml_node *c, *next;
    size_t i;

    if (n == NULL)
        return;
    /* Recursion is bounded by the parser's depth limit. */
    for (c = n->children; c != NULL; c = next) {
        next = c->next;
        xml_node_free(c);
    }
    for (i = 0; i < n->nattrs; i++) {
        free(n->attrs[i].ns);
        free(n->attrs[i].name);
        free(n->attrs[i].value);
    }
    free(n->attrs);
    free(n->ns);
    free(n->name);
    free(n->text);
    free(n);
}

static int
same_ns(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

void
xml_set_attr(struct xml_node *n, const char *ns, const char *name, const char *value)
{
    size_t i;

    for (i = 0; i < n->nattrs; i++) {
        if (same_ns(n->attrs[i].ns, ns) && strcmp(n->attrs[i].name, name) == 0) {
            free(n->attrs[i].value);
            n->attrs[i].value = xstrdup(value);
            return;
        }
    }
    n->attrs = xreallocarray(n->attrs, n->nattrs + 1, sizeof(*n->attrs));
    n->attrs[n->nattrs].ns = ns != NULL ? xstrdup(ns) : NULL;
    n->attrs[n->nattrs].name = xstrdup(name);
    n->attrs[n->nattrs].value = xstrdup(value);
    n->nattrs++;
}

const char *
xml_attr_ns(const struct xml_node *n, const char *ns, const char *name)
{
    size_t i;

    if (n == NULL)
        return NULL;
    for (i = 0; i < n->nattrs; i++)
        if (same_ns(n->attrs[i].ns, ns) && strcmp(n->attrs[i].name, name) == 0)
            return n->attrs[i].value;
    return NULL;
}

const char *
xml_attr(const struct xml_node *n, const char *name)
{
    return xml_attr_ns(n, NULL, name);
}

struct xml_node *
xml_add_child(struct xml_node *parent, struct xml_node *child)
{
    child->parent = parent;
    child->next = NULL;
    if (parent->last != NULL)
        parent->last->next = child;
    else
        parent->children = child;
    parent->last = child;
    return child;
}

struct xml_node *
xml_add_element(struct xml_node *parent, const char *ns, const char *name)
{
    return xml_add_child(parent, xml_element_new(ns, name));
}

void
xml_add_text(struct xml_node *parent, const char *text, size_t len)
{
    struct xml_node *t = parent->last;

    if (t == NULL || t->kind != XML_TEXT) {
        t = xcalloc(1, sizeof(*t));
        t->kind = XML_TEXT;
        t->text = xstrdup("");
        xml_add_child(parent, t);
    }
    t->text = xreallocarray(t->text, t->textlen + len + 1, 1);
    memcpy(t->text + t->textlen, text, len);
    t->textlen += len;
    t->text[t->textlen] = '\0';
}

int
xml_is(const struct xml_node *n, const char *ns, const char *name)
{
    return n != NULL && n->kind == XML_ELEMENT && (ns == NULL || strcmp(n->ns, ns) == 0) &&
           (name == NULL || strcmp(n->name, name) == 0);
}

struct xml_node *
xml_next(const struct xml_node *after, const char *ns, const char *name)
{
    struct xml_node *c;

    for (c = after != NULL ? after->next : NULL; c != NULL; c = c->next)
        if (xml_is(c, ns, name))
            return c;
    return NULL;
}

struct xml_node *
xml_child(const struct xml_node *n, const char *ns, const char *name)
{
    struct xml_node *c;

    for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
        if (xml_is(c, ns, name))
            return c;
    return NULL;
}

char *
xml_text(const struct xml_node *n)
{
    const struct xml_node *c;
    size_t len = 0;
    char *s;

    for (c = n->children; c != NULL; c = c->next)
        if (c->kind == XML_TEXT)
            len += c->textlen;
    s = xmalloc(len + 1);
    len = 0;
    for (c = n->children; c != NULL; c = c->next) {
        if (c->kind == XML_TEXT) {
            memcpy(s + len, c->text, c->textlen);
            len += c->textlen;
        }
    }
    s[len] = '\0';
    return s;
}

struct xml_node *
xml_clone(const struct xml_node *n)
{
    struct xml_node *copy;
    const struct xml_node *c;
    size_t i;

    if (n->kind == XML_TEXT) {
        copy = xcalloc(1, sizeof(*copy));
        copy->kind = XML_TEXT;
        copy->text = xstrndup(n->text, n->textlen);
        copy->textlen = n->textlen;
        return copy;
    }
    copy = xml_element_new(n->ns, n->name);
    for (i = 0; i < n->nattrs; i++)
        xml_set_attr(copy, n->attrs[i].ns, n->attrs[i].name, n->attrs[i].value);
    for (c = n->children; c != NULL; c = c->next)
        xml_add_child(copy, xml_clone(c));
    return copy;
}

/* A growing output buffer. */
struct out {
    char *data;
    size_t len, cap;
};

static void
put(struct out *o, const char *s, size_t len)
{
    if (o->len + len + 1 > o->cap) {
        while (o->len + len + 1 > o->cap)
            o->cap = o->cap == 0 ? 256 : o->cap * 2;
        o->data = xreallocarray(o->data, o->cap, 1);
    }
    memcpy(o->data + o->len, s, len);
    o->len += len;
    o->data[o->len] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void
put_escaped(struct out *o, const char *s, size_t len)
{
    size_t i, start = 0;

    for (i = 0; i < len; i++) {
        const char *rep = NULL;

        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            break;
        }
        if (rep != NULL) {
            put(o, s + start, i - start);
            puts_(o, rep);
            start = i + 1;
        }
    }
    put(o, s + start, len - start);
}

char *
xml_escape(const char *s, size_t len)
{
    struct out o = {0};

    put(&o, "", 0);
    put_escaped(&o, s, len);
    return o.data;
}

static const char *
prefix_for(const struct xml_prefix *prefixes, const char *uri)
{
    size_t i;

    for (i = 0; prefixes != NULL && prefixes[i].prefix != NULL; i++)
        if (strcmp(prefixes[i].uri, uri) == 0)
            return prefixes[i].prefix;
    return NULL;
}

static void
put_attr(struct out *o, const char *prefix, const char *name, const char *value)
{
    puts_(o, " ");
    if (prefix != NULL) {
        puts_(o, prefix);
        puts_(o, ":");
    }
    puts_(o, name);
    puts_(o, "='");
    put_escaped(o, value, strlen(value));
    puts_(o, "'");
}

static void
serialize(struct out *o, const struct xml_node *n, const char *default_ns,
          const struct xml_prefix *prefixes)
{
    const char *prefix = NULL;
    const struct xml_node *c;
    size_t i;
    int declare = 0, generated = 0;

    if (n->kind == XML_TEXT) {
        put_escaped(o, n->text, n->textlen);
        return;
    }
    if (strcmp(n->ns, XML_NS_XML) == 0) {
        prefix = "xml"; /* bound by definition; declaring it as a default is not XML */
    } else if (strcmp(n->ns, default_ns) != 0) {
        prefix = prefix_for(prefixes, n->ns);
        declare = prefix == NULL;
    }
    puts_(o, "<");
    if (prefix != NULL) {
        puts_(o, prefix);
        puts_(o, ":");
    }
    puts_(o, n->name);
    if (declare)
        put_attr(o, NULL, "xmlns", n->ns);
    for (i = 0; i < n->nattrs; i++) {
        const struct xml_attr *a = &n->attrs[i];

        if (a->ns == NULL) {
            put_attr(o, NULL, a->name, a->value);
        } else if (strcmp(a->ns, XML_NS_XML) == 0) {
            put_attr(o, "xml", a->name, a->value);
        } else if (prefix_for(prefixes, a->ns) != NULL) {
            put_attr(o, prefix_for(prefixes, a->ns), a->name, a->value);
        } else {
            char p[16];

            snprintf(p, sizeof(p), "a%d", generated++);
            put_attr(o, "xmlns", p, a->ns);
            put_attr(o, p, a->name, a->value);
        }
    }
    if (n->children == NULL) {
        puts_(o, "/>");
        return;
    }
    puts_(o, ">");
    for (c = n->children; c != NULL; c = c->next)
        serialize(o, c, declare ? n->ns : default_ns, prefixes);
    puts_(o, "</");
    if (prefix != NULL) {
        puts_(o, prefix);
        puts_(o, ":");
    }
    puts_(o, n->name);
    puts_(o, ">");
}

char *
xml_serialize(const struct xml_node *n, const char *default_ns, const struct xml_prefix *prefixes,
              size_t *len)
{
    struct out o = {0};

    put(&o, "", 0);
    serialize(&o, n, default_ns != NULL ? default_ns : "", prefixes);
    if (len != NULL)
        *len = o.len;
    return o.data;
}
