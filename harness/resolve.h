/*
 * resolve.h: DNS lookups by fedsim itself (peers dialling the SUT, probes), through libunbound on
 * the loop's event base, forwarded to fedsim's own DNS responder. A fresh context per scenario:
 * libunbound caches answers despite cache-max-ttl 0 (dependency-notes §3).
 *
 * Set-up order matters and is handled here: do-not-query-localhost off, iterator only (no
 * validator), forward "." to the responder, and last (it finalizes the context) the built-in
 * `test.` local zone removed, which would otherwise answer every *.test name NXDOMAIN.
 */
#ifndef FEDSIM_RESOLVE_H
#define FEDSIM_RESOLVE_H

#include <event2/event.h>
#include <ldns/ldns.h>

#include "net.h"

struct resolve_ctx;

/* Creates a context forwarding to `dns`. Returns NULL with the reason in err. */
struct resolve_ctx *resolve_new(struct event_base *base, const struct net_addr *dns, char *err,
        size_t errlen);

/* Deletes the context; pending lookups are dropped without their callbacks. */
void resolve_free(struct resolve_ctx *r);

enum resolve_status {
    RESOLVE_OK,      /* `answer` holds the response; its rcode may be NXDOMAIN, NOERROR... */
    RESOLVE_FAILED,  /* libunbound could not get an answer (SERVFAIL upstream, REFUSED...) */
    RESOLVE_TIMEOUT, /* no answer within the lookup's timeout */
};

/*
 * `answer` is borrowed for the duration of the call (NULL unless RESOLVE_OK); `why` explains a
 * failure. Read the rcode from the packet: libunbound reports 0 for NXDOMAIN.
 */
typedef void (*resolve_cb)(enum resolve_status st, const ldns_pkt *answer, const char *why,
        void *arg);

/* Starts a lookup; cb is called exactly once, from the loop. Returns 0 or -1 (err set). */
int resolve_query(struct resolve_ctx *r, const char *name, ldns_rr_type type, int timeout_ms,
        resolve_cb cb, void *arg, char *err, size_t errlen);

#endif
