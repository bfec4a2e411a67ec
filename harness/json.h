/* json.h: a small JSON reader (RFC 8259) for fedsim's own result files (`fedsim merge`), and
 * the string writer the JSON outputs share. Not a general library: numbers are doubles, depth
 * is limited, and the whole document is read into a tree. */
#ifndef FEDSIM_JSON_H
#define FEDSIM_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    int boolean;
    double number;
    char *string;        /* owned, NUL-terminated UTF-8 (a \u0000 ends it early) */
    struct json **items; /* owned: array elements or object values */
    char **keys;         /* owned: object keys, parallel to items */
    size_t n;
};

/* Parses text (len bytes). Returns NULL with "line L, column C: what" in err. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json *j);

/* An object's member by key (the first one), or NULL; NULL-safe. */
const struct json *json_get(const struct json *obj, const char *key);
/* A member's string or number, or the default when absent or of another type. */
const char *json_get_string(const struct json *obj, const char *key, const char *dflt);
double json_get_number(const struct json *obj, const char *key, double dflt);

/* Writes s as a JSON string, quotes included (", \ and control characters escaped). */
void json_write_string(FILE *fp, const char *s);

#endif
