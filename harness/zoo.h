/*
 * zoo.h: the domains of `fedsim serve --zoo` (docs/zoo.md, dnsfixtures/zoo.zone): a standing
 * set of remote servers, each broken in one documented way, for any server, client or
 * monitoring check to federate with. Data only: serve makes each entry a peer (profile and
 * knobs as `--peer` takes them) and switches its mode on once it listens.
 */
#ifndef FEDSIM_ZOO_H
#define FEDSIM_ZOO_H

#include <stddef.h>

struct zoo_domain {
    const char *domain; /* e.g. "expired.zoo.test" */
    const char *peer;   /* PROFILE[,KNOB=V...] as --peer takes it, or NULL: nothing listens */
    const char *mode;   /* a peer_set_mode() fault switched on once it listens, or NULL */
    int every_s;        /* > 0: the mode is switched on again every so many seconds */
    const char *fault;  /* what is broken, for the list */
};

extern const struct zoo_domain zoo_domains[];
extern const size_t zoo_ndomains;

/* The zone file with the zoo's records, next to the other fixtures. */
#define ZOO_ZONE "zoo.zone"

#endif
