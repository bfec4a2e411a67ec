/*
 * replay.c: runs a fuzz target's LLVMFuzzerTestOneInput on files, without libFuzzer, so that
 * the ordinary and sanitizer builds (gcc) replay every seed and every regression input as a
 * ctest entry. Arguments are files or directories (each regular file in them, in name order,
 * not recursively). Each file's name goes to stderr before it runs: after a crash, the last
 * line names the input.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;

    if (fp == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    do {
        if (cap - len < 4096) {
            cap = cap == 0 ? 65536 : cap * 2;
            if ((data = realloc(data, cap)) == NULL) {
                fprintf(stderr, "replay: %s: out of memory\n", path);
                fclose(fp);
                return -1;
            }
        }
        n = fread(data + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    /* Said before running it: a crash leaves this as the last line. */
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
    int i, k, n, status = 0;
    unsigned long count = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;
        struct dirent **names;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            status |= replay_file(argv[i]) != 0;
            count++;
            continue;
        }
        if ((n = scandir(argv[i], &names, NULL, by_name)) < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        for (k = 0; k < n; k++) {
            char *path;

            if (asprintf(&path, "%s/%s", argv[i], names[k]->d_name) < 0)
                abort();
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                status |= replay_file(path) != 0;
                count++;
            }
            free(path);
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %lu inputs\n", count);
    return status;
}
