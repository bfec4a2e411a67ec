/* xmalloc.h: allocation wrappers that never return NULL (they abort with fatalx on exhaustion). */
#ifndef FEDSIM_XMALLOC_H
#define FEDSIM_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Grows or shrinks `ptr` to nmemb * size bytes, checking the multiplication for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
