/* file.h: a whole file's text, bounded. */
#ifndef FEDSIM_FILE_H
#define FEDSIM_FILE_H

#include <stddef.h>

/*
 * The text of path (owned, NUL-terminated), or NULL with "path: reason" in err: it cannot be
 * opened or read, or it is larger than max bytes (never a silently cut text).
 */
char *file_read(const char *path, size_t max, char *err, size_t errlen);

#endif
