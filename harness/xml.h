/*
 * xml.h: stanza trees and their serializer. A stanza is an element tree with namespace URIs
 * resolved (prefixes are a wire detail: `dlbk:result` and `db:result` in jabber:server:dialback
 * are the same element). Text is kept as text nodes among the children.
 */
#ifndef FEDSIM_XML_H
#define FEDSIM_XML_H

#include <stddef.h>

#define XML_NS_XML      "http://www.w3.org/XML/1998/namespace"
#define XML_NS_STREAM   "http://etherx.jabber.org/streams"
#define XML_NS_SERVER   "jabber:server"
#define XML_NS_CLIENT   "jabber:client"
#define XML_NS_DIALBACK "jabber:server:dialback"

struct xml_attr {
    char *ns;    /* owned; NULL for no namespace (most XMPP attributes) */
    char *name;  /* owned: local name */
    char *value; /* owned */
};

enum xml_kind { XML_ELEMENT, XML_TEXT };

struct xml_node {
    enum xml_kind kind;
    char *ns;   /* owned: namespace URI, "" for none (elements) */
    char *name; /* owned: local name (elements) */
    char *text; /* owned: character data (text nodes), NUL-terminated */
    size_t textlen;
    struct xml_attr *attrs; /* owned */
    size_t nattrs;
    struct xml_node *children; /* owned, in document order */
    struct xml_node *last;     /* borrowed: the last child */
    struct xml_node *next;     /* owned by the parent's list */
    struct xml_node *parent;   /* borrowed */
};

struct xml_node *xml_element_new(const char *ns, const char *name);
/* Frees n and its subtree (not its siblings; detach it from a parent first). */
void xml_node_free(struct xml_node *n);

/* Sets (or replaces) an attribute; ns NULL for an unqualified one. */
void xml_set_attr(struct xml_node *n, const char *ns, const char *name, const char *value);
/* The unqualified attribute `name`, or NULL. */
const char *xml_attr(const struct xml_node *n, const char *name);
const char *xml_attr_ns(const struct xml_node *n, const char *ns, const char *name);

/* Appends a child (taking ownership); returns it. */
struct xml_node *xml_add_child(struct xml_node *parent, struct xml_node *child);
struct xml_node *xml_add_element(struct xml_node *parent, const char *ns, const char *name);
/* Appends text, merged into a preceding text node. */
void xml_add_text(struct xml_node *parent, const char *text, size_t len);

/* 1 if n is the element {ns}name (ns NULL matches any namespace). */
int xml_is(const struct xml_node *n, const char *ns, const char *name);
/* The first child element {ns}name (ns NULL: any; name NULL: any), or NULL. */
struct xml_node *xml_child(const struct xml_node *n, const char *ns, const char *name);
/* The next sibling element after `after` matching like xml_child, or NULL. */
struct xml_node *xml_next(const struct xml_node *after, const char *ns, const char *name);
/* The text of n's direct text children, concatenated (owned by the caller). */
char *xml_text(const struct xml_node *n);

/* A deep copy. */
struct xml_node *xml_clone(const struct xml_node *n);

/* A namespace prefix in scope where a stanza is written, e.g. {"db", XML_NS_DIALBACK}. */
struct xml_prefix {
    const char *prefix;
    const char *uri;
};

/*
 * Serializes n as it goes on the wire inside a stream whose default namespace is `default_ns`
 * and which declared `prefixes` (array ended by {NULL, NULL}; may be NULL). Elements in the
 * default namespace get no declaration, those with a declared prefix use it (db:result),
 * others declare xmlns. Returns a NUL-terminated string (owned) and its length in *len.
 */
char *xml_serialize(const struct xml_node *n, const char *default_ns,
                    const struct xml_prefix *prefixes, size_t *len);

/* Escapes text for element content or a single-quoted attribute value (owned). */
char *xml_escape(const char *s, size_t len);

#endif
