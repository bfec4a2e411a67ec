/* redact.c: secrets out of the bytes fedsim shows (see redact.h). */
#include "redact.h"

#include <string.h>

#include "xmalloc.h"

int redact_show_secrets;

/* 1 if the start tag whose name begins at `name` (length n) holds a secret in its text. */
static int
secret_element(const char *name, size_t n)
{
    static const char *const sasl[] = {"auth", "response", "challenge", "success"};
    static const char *const dialback[] = {"result", "verify"};
    const char *colon = memchr(name, ':', n);
    size_t i;

    if (colon == NULL) {
        for (i = 0; i < sizeof(sasl) / sizeof(sasl[0]); i++)
            if (n == strlen(sasl[i]) && memcmp(name, sasl[i], n) == 0)
                return 1;
        return 0;
    }
    /* prefixed: db:result, db:verify (any prefix, as the db_prefix knob shows) */
    n -= (size_t)(colon + 1 - name);
    for (i = 0; i < sizeof(dialback) / sizeof(dialback[0]); i++)
        if (n == strlen(dialback[i]) && memcmp(colon + 1, dialback[i], n) == 0)
            return 1;
    return 0;
}

/* The length of the span at p (at most max bytes) of characters in set (in) or not (!in). */
static size_t
span(const char *p, size_t max, const char *set, int in)
{
    size_t n = 0;

    while (n < max && (strchr(set, p[n]) != NULL && p[n] != '\0') == in)
        n++;
    return n;
}

char *
redact_secrets(const char *data, size_t len, size_t *outlen)
{
    static const char mark[] = "[redacted]";
    /* worst case, "<auth>a" (7 bytes) becomes "<auth>[redacted]" (16) */
    char *out = xmalloc(len * 3 + sizeof(mark) + 1), *o = out;
    size_t i = 0;

    if (redact_show_secrets) {
        memcpy(out, data, len);
        out[len] = '\0';
        *outlen = len;
        return out;
    }
    while (i < len) {
        const char *lt = memchr(data + i, '<', len - i), *gt, *name, *next;
        size_t n;

        if (lt == NULL) {
            memcpy(o, data + i, len - i);
            o += len - i;
            break;
        }
        gt = memchr(lt, '>', (size_t)(data + len - lt));
        name = lt + 1;
        if (gt == NULL) { /* a tag cut by the chunk */
            memcpy(o, data + i, len - i);
            o += len - i;
            break;
        }
        memcpy(o, data + i, (size_t)(gt + 1 - (data + i)));
        o += gt + 1 - (data + i);
        i = (size_t)(gt + 1 - data);
        n = span(name, (size_t)(gt - name), " \t\r\n/", 0);
        if (gt[-1] == '/' || !secret_element(name, n))
            continue;
        next = memchr(gt + 1, '<', len - i);
        n = next != NULL ? (size_t)(next - (gt + 1)) : len - i;
        if (span(gt + 1, n, " \t\r\n", 1) < n) { /* text, not just whitespace */
            memcpy(o, mark, sizeof(mark) - 1);
            o += sizeof(mark) - 1;
            i += n;
        }
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}
