/* fixture.c: zone files and the SUT's own records, loaded as one zone set. */
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "xmalloc.h"

/* Fixtures are text a person reviews. */
#define FIXTURE_MAX_FILE (64 << 20)

static struct dns_zoneset *
load(char *const *files, size_t nfiles, const struct sut *sut, int *synthesized,
     char *(*rewrite)(const char *text, void *arg), void *arg, char *err, size_t errlen)
{
    struct dns_zoneset *zs = dns_zoneset_new();
    size_t i;
    int added = 0;

    for (i = 0; i < nfiles; i++) {
        char *text, *changed;
        int rc;

        if (rewrite == NULL) {
            if (dns_zoneset_load_file(zs, files[i], err, errlen) != 0)
                goto fail;
            continue;
        }
        if ((text = file_read(files[i], FIXTURE_MAX_FILE, err, errlen)) == NULL)
            goto fail;
        changed = rewrite(text, arg);
        rc = dns_zoneset_load_string(zs, files[i], changed, err, errlen);
        free(text);
        free(changed);
        if (rc != 0)
            goto fail;
    }
    if (sut != NULL) {
        char msg[512];

        added = dns_zoneset_add_sut(zs, sut->domain, (const struct sockaddr *)&sut->s2s.ss,
                                    (const struct sockaddr *)&sut->s2s_tls.ss, msg, sizeof(msg));
        if (added < 0) {
            snprintf(err, errlen, "%s: %s", sut->path, msg);
            goto fail;
        }
    }
    if (zs->nzones == 0) {
        snprintf(err, errlen, "no zones to serve (give --zone FILE or --sut FILE)");
        goto fail;
    }
    if (synthesized != NULL)
        *synthesized = added;
    return zs;
fail:
    dns_zoneset_free(zs);
    return NULL;
}

struct dns_zoneset *
fixture_load(char *const *files, size_t nfiles, const struct sut *sut, int *synthesized, char *err,
             size_t errlen)
{
    return load(files, nfiles, sut, synthesized, NULL, NULL, err, errlen);
}

struct dns_zoneset *
fixture_load_rewritten(char *const *files, size_t nfiles, const struct sut *sut,
                       char *(*rewrite)(const char *text, void *arg), void *arg, char *err,
                       size_t errlen)
{
    return load(files, nfiles, sut, NULL, rewrite, arg, err, errlen);
}
