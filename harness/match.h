/*
 * match.h: does a received stanza match what a scenario expects? Namespace-aware (URIs, not
 * prefixes). By default a subset match: the expected attributes and child elements must be
 * there (extras are ignored), expected text must be equal. Strict mode also refuses extra
 * attributes and children. In expected attribute values and text:
 *   {any}      any text (the attribute must be there): from='jdoe1@gmail.test/{any}'
 *   {$name}    captures text into variable `name`; if `name` is already set, the text must
 *              equal it: id='{$id}', from='{$user}@gmail.test/{any}'
 * Tokens take the shortest text that lets the rest of the value match.
 * Variables are expanded in scenario text with ${name} (match_expand) before parsing.
 */
#ifndef FEDSIM_MATCH_H
#define FEDSIM_MATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "xml.h"

struct match_vars {
    char **names;  /* owned */
    char **values; /* owned */
    size_t n;
};

void match_vars_set(struct match_vars *v, const char *name, const char *value);
/* The value, or NULL. */
const char *match_vars_get(const struct match_vars *v, const char *name);
void match_vars_clear(struct match_vars *v);

/*
 * Expands ${name} in text (owned result). An unknown name is an error: NULL, with the name in
 * err. "$${" writes a literal "${".
 */
char *match_expand(const struct match_vars *v, const char *text, char *err, size_t errlen);

enum match_mode { MATCH_SUBSET, MATCH_STRICT };

/*
 * 1 if got matches want; captures are stored in vars only on a match. On a mismatch, why says
 * where: "/message/body: text \"hi\" != \"hello\"".
 */
int match_stanza(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
                 struct match_vars *vars, char *why, size_t whylen);

/*
 * Alternatives: the index of the first of want[0..nwant) that got matches (captures stored as
 * for match_stanza, from that alternative only), or -1. why (may be NULL) then says where the
 * first alternative differs.
 */
ssize_t match_one_of(struct xml_node *const *want, size_t nwant, const struct xml_node *got,
                     enum match_mode mode, struct match_vars *vars, char *why, size_t whylen);

/*
 * How far got is from matching want: the number of differing element names, attributes
 * (expected ones missing or different; under strict, extra ones too), texts and children
 * (each expected child against its closest candidate; a missing one counts all it asks for).
 * 0 for a match (captures aside: vars are read, never set). Picks the nearest miss for a
 * failure report.
 */
size_t match_distance(const struct xml_node *want, const struct xml_node *got, enum match_mode mode,
                      const struct match_vars *vars);

#endif
