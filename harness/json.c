/* json.c: a small JSON reader and the string writer (see json.h). */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct reader {
    const char *p, *start, *end;
    char *err;
    size_t errlen;
    int failed;
};

static void
fail(struct reader *r, const char *what)
{
    size_t line = 1, col = 1;
    const char *q;

    if (r->failed)
        return;
    r->failed = 1;
    for (q = r->start; q < r->p && q < r->end; q++) {
        col++;
        if (*q == '\n') {
            line++;
            col = 1;
        }
    }
    snprintf(r->err, r->errlen, "line %zu, column %zu: %s", line, col, what);
}

static void
skip_ws(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int
literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return 0;
    r->p += n;
    return 1;
}

static int
hex4(struct reader *r, unsigned *out)
{
    unsigned v = 0;
    int i;

    if (r->end - r->p < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        char c = r->p[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    r->p += 4;
    *out = v;
    return 0;
}

/* Appends code point cp as UTF-8. */
static size_t
put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string, the opening quote at r->p. Owned result, or NULL after fail(). */
static char *
string(struct reader *r)
{
    /* the decoded text is never longer than the source */
    char *out = xmalloc((size_t)(r->end - r->p) + 1), *o = out;

    r->p++;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;

        if (c < 0x20) {
            fail(r, "a control character in a string");
            break;
        }
        if (c != '\\') {
            *o++ = (char)c;
            r->p++;
            continue;
        }
        if (++r->p >= r->end)
            break;
        c = (unsigned char)*r->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            *o++ = (char)c;
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            unsigned cp, lo;

            if (hex4(r, &cp) != 0) {
                fail(r, "a bad \\u escape");
                break;
            }
            if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair */
                if (!literal(r, "\\u") || hex4(r, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
                    fail(r, "a lone surrogate in a \\u escape");
                    break;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                fail(r, "a lone surrogate in a \\u escape");
                break;
            }
            o += put_utf8(o, cp);
            break;
        }
        default:
            fail(r, "a bad escape in a string");
        }
        if (r->failed)
            break;
    }
    if (!r->failed && r->p >= r->end)
        fail(r, "a string without its closing quote");
    if (r->failed) {
        free(out);
        return NULL;
    }
    r->p++;
    *o = '\0';
    return out;
}

static struct json *value(struct reader *r, int depth);

static void
add(struct json *j, char *key, struct json *item)
{
    j->items = xreallocarray(j->items, j->n + 1, sizeof(*j->items));
    if (j->type == JSON_OBJECT)
        j->keys = xreallocarray(j->keys, j->n + 1, sizeof(*j->keys));
    if (key != NULL)
        j->keys[j->n] = key;
    j->items[j->n++] = item;
}

/* An array or object, the bracket at r->p. */
static struct json *
container(struct reader *r, int depth, enum json_type type)
{
    struct json *j = xcalloc(1, sizeof(*j));
    char close = type == JSON_ARRAY ? ']' : '}';

    j->type = type;
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        struct json *item;

        skip_ws(r);
        if (type == JSON_OBJECT) {
            if (r->p >= r->end || *r->p != '"') {
                fail(r, "an object key must be a string");
                break;
            }
            if ((key = string(r)) == NULL)
                break;
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':') {
                fail(r, "a ':' after an object key");
                free(key);
                break;
            }
            r->p++;
        }
        if ((item = value(r, depth + 1)) == NULL) {
            free(key);
            break;
        }
        add(j, key, item);
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return j;
        }
        fail(r, type == JSON_ARRAY ? "a ',' or ']' in an array" : "a ',' or '}' in an object");
        break;
    }
    json_free(j);
    return NULL;
}

static struct json *
value(struct reader *r, int depth)
{
    struct json *j;

    skip_ws(r);
    if (depth > JSON_MAX_DEPTH) {
        fail(r, "nested too deep");
        return NULL;
    }
    if (r->p >= r->end) {
        fail(r, "a value expected, the end found");
        return NULL;
    }
    if (*r->p == '{' || *r->p == '[')
        return container(r, depth, *r->p == '{' ? JSON_OBJECT : JSON_ARRAY);
    j = xcalloc(1, sizeof(*j));
    if (*r->p == '"') {
        j->type = JSON_STRING;
        if ((j->string = string(r)) != NULL)
            return j;
    } else if (literal(r, "true") || literal(r, "false")) {
        j->type = JSON_BOOL;
        j->boolean = r->p[-1] == 'e' && r->p[-2] == 'u';
        return j;
    } else if (literal(r, "null")) {
        return j;
    } else if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
        char buf[64];
        size_t n = 0;
        char *endp;

        while (r->p + n < r->end && n < sizeof(buf) && strchr("-+.eE0123456789", r->p[n]) != NULL &&
               r->p[n] != '\0')
            n++;
        if (n < sizeof(buf)) {
            memcpy(buf, r->p, n);
            buf[n] = '\0';
            j->type = JSON_NUMBER;
            j->number = strtod(buf, &endp);
            if (endp == buf + n) {
                r->p += n;
                return j;
            }
        }
        fail(r, "a bad number");
    } else {
        fail(r, "a value expected");
    }
    free(j);
    return NULL;
}

struct json *
json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct reader r = {.p = text, .start = text, .end = text + len, .err = err, .errlen = errlen};
    struct json *j = value(&r, 0);

    if (j != NULL) {
        skip_ws(&r);
        if (r.p < r.end) {
            fail(&r, "text after the document");
            json_free(j);
            j = NULL;
        }
    }
    return j;
}

void
json_free(struct json *j)
{
    size_t i;

    if (j == NULL)
        return;
    for (i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys != NULL)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->string);
    free(j);
}

const struct json *
json_get(const struct json *obj, const char *key)
{
    size_t i;

    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    for (i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const char *
json_get_string(const struct json *obj, const char *key, const char *dflt)
{
    const struct json *j = json_get(obj, key);

    return j != NULL && j->type == JSON_STRING ? j->string : dflt;
}

double
json_get_number(const struct json *obj, const char *key, double dflt)
{
    const struct json *j = json_get(obj, key);

    return j != NULL && j->type == JSON_NUMBER ? j->number : dflt;
}

void
json_write_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", fp);
        else if (c == '\t')
            fputs("\\t", fp);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}
