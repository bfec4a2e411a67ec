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

/* The same, with each file's text passed through rewrite (which returns an owned string)
 * before it is parsed: how a scenario run gives its peers' domains names of their own. */
struct dns_zoneset *fixture_load_rewritten(char *const *files, size_t nfiles, const struct sut *sut,
                                           char *(*rewrite)(const char *text, void *arg), void *arg,
                                           char *err, size_t errlen);

#endif
