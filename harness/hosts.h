/*
 * hosts.h: the SUT's hosts file, for a SUT that asks DNS for SRV records but resolves their
 * targets through libc (getaddrinfo, so /etc/hosts) rather than DNS: ejabberd. The SUT file's
 * `hosts` key names it; ci/sut/ejabberd/start bind-mounts it over /etc/hosts (and an
 * nsswitch.conf saying `hosts: files`) in the SUT's own mount namespace. fedsim rewrites it
 * with the addresses its DNS would give for this run: every A and AAAA owner name of the
 * (relabelled) zones, a CNAME's owner with its target's addresses, with the DNS faults that
 * scenario steps injected applied (records replaced; a name that gets an error or no answer
 * is left out), plus localhost.
 */
#ifndef FEDSIM_HOSTS_H
#define FEDSIM_HOSTS_H

#include <stddef.h>

#include "dns_fault.h"
#include "dns_zone.h"

/*
 * The file's text: a comment line, localhost, then one "ADDRESS NAME" line per address, names
 * in lower case without the final dot, sorted, A before AAAA. faults may be NULL. Owned by the
 * caller.
 */
char *hosts_format(const struct dns_zoneset *zs, const struct dns_faults *faults);

/*
 * Writes hosts_format()'s text to path in place: truncate, write, fsync, never a rename (a bind
 * mount pins the file's inode, so a new file would go unseen). The file is created if missing.
 * A NULL path does nothing (a SUT that resolves everything through DNS). Returns 0, or -1 with
 * "path: reason" in err.
 */
int hosts_write(const char *path, const struct dns_zoneset *zs, const struct dns_faults *faults,
                char *err, size_t errlen);

/*
 * The same for runs side by side against one SUT (`run -j N --sut`): part > 0 rewrites only its
 * own part of the file (the lines after "# fedsim part PART" up to the next such line), under
 * an exclusive flock, so each worker's names stay in the file while the others rewrite theirs.
 * part 0 is hosts_write.
 */
int hosts_write_part(const char *path, int part, const struct dns_zoneset *zs,
                     const struct dns_faults *faults, char *err, size_t errlen);

#endif
