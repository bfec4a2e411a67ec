/* file.c: a whole file's text, bounded. */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

char *
file_read(const char *path, size_t max, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    int failed;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    do {
        if (cap - len < 65536 + 1) {
            cap = (len + 65536 + 1) * 2;
            text = xreallocarray(text, cap, 1);
        }
        n = fread(text + len, 1, 65536, fp);
        len += n;
    } while (n > 0 && len <= max);
    failed = ferror(fp);
    fclose(fp);
    if (failed || len > max) {
        if (failed)
            snprintf(err, errlen, "%s: read error", path);
        else
            snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
        free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}
