/*
 * sut.h: the SUT file, written by ci/sut/<name>/start and read by fedsim. One `key = value` per
 * line, `#` comments, `account` repeated:
 *
 *   name = prosody                      server kind
 *   version = 0.12.3-1+deb12u1          for reports and per-SUT xfail
 *   domain = sut.test                   the SUT's XMPP domain           (required)
 *   c2s = 127.0.0.1:PORT                where SUT users log in          (required)
 *   s2s = 127.0.0.1:PORT                where peers dial the SUT        (required)
 *   s2s_tls = 127.0.0.1:PORT            its direct TLS s2s listener (XEP-0368), if it has one:
 *                                       published as _xmpps-server._tcp.<domain>
 *   dns = 127.0.0.1:PORT                the DNS address the SUT asks    (required)
 *   tls = off | optional | required     the variant started
 *   ca = DIR                            the `fedsim ca` the SUT trusts: peers' certificates
 *                                       are issued from it (else from a CA nobody trusts)
 *   dir, log, pid, stop                 private directory, server log, pid, stop command
 *   register = COMMAND                  prints "USER PASSWORD" for a fresh account (scenarios
 *                                       give each client one unless it names an account)
 *   hosts = FILE                        the SUT resolves SRV targets through libc, reading FILE
 *                                       as its /etc/hosts (ejabberd): each run writes its
 *                                       zones' addresses there (hosts.h)
 *   account = USER PASSWORD             a SUT account (at least one for client scenarios)
 */
#ifndef FEDSIM_SUT_H
#define FEDSIM_SUT_H

#include <stddef.h>

#include "net.h"

struct sut_account {
    char *user;     /* owned */
    char *password; /* owned */
};

struct sut {
    char *path; /* owned: the file it came from */
    char *name, *version, *domain, *tls, *ca, *dir, *log, *stop, *reg; /* owned; NULL if absent */
    char *hosts;                                                       /* owned; NULL if absent */
    long pid;                                                          /* 0 if absent */
    struct net_addr c2s, s2s, dns;
    struct net_addr s2s_tls; /* ss_family 0: no direct TLS listener */
    struct sut_account *accounts; /* owned */
    size_t naccounts;
};

/* Reads a SUT file. Returns NULL with "file:line: ..." in err. */
struct sut *sut_load(const char *path, char *err, size_t errlen);
void sut_free(struct sut *s);

/*
 * Runs the SUT's register command (blocking: call it before the loop runs) and returns a fresh
 * account (owned strings in *out), or -1 with the reason in err.
 */
int sut_register(const struct sut *s, struct sut_account *out, char *err, size_t errlen);

#endif
