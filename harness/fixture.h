/* fixture.h: the DNS data of a run: every zone file, plus the SUT's synthesized records. */
#ifndef FEDSIM_FIXTURE_H
#define FEDSIM_FIXTURE_H

#include <stddef.h>

#include "dns_zone.h"
#include "sut.h"

/*
 * Loads the zone files and, with a SUT, its own records (unless a file covers its domain;
 * *synthesized tells which). Returns NULL with "file:line: ..." in err; also when nothing at all
 * is served.
 */
struct dns_zoneset *fixture_load(char *const *files, size_t nfiles, const struct sut *sut,
                                 int *synthesized, char *err, size_t errlen);

#endif
