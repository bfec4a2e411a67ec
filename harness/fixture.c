/* fixture.c: zone files and the SUT's own records, loaded as one zone set. */
#include "fixture.h"

#include <stdio.h>

struct dns_zoneset *
fixture_load(char *const *files, size_t nfiles, const struct sut *sut, int *synthesized, char *err,
             size_t errlen)
{
    struct dns_zoneset *zs = dns_zoneset_new();
    size_t i;
    int added = 0;

    for (i = 0; i < nfiles; i++)
        if (dns_zoneset_load_file(zs, files[i], err, errlen) != 0)
            goto fail;
    if (sut != NULL) {
        char msg[512];

        added = dns_zoneset_add_sut(zs, sut->domain, (const struct sockaddr *)&sut->s2s.ss, msg,
                                    sizeof(msg));
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
