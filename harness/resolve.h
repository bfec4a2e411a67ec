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

#include <stdint.h>

#include <event2/event.h>
#include <ldns/ldns.h>

#include "net.h"
#include "srv.h"

struct resolve_ctx;

/* fedsim's own lookups leave from this loopback address (when fedsim's DNS is on IPv4), so the
 * DNS responder can tell them from the SUT's: "the SUT asked" must not count fedsim's asking. */
#define RESOLVE_SOURCE_ADDR "127.0.0.254"

/* 1 if a DNS query came from fedsim's own resolver (its source is RESOLVE_SOURCE_ADDR). */
int resolve_is_own_query(const struct sockaddr *client);

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

/* One address to try, with the SRV target it came from. */
struct resolve_target {
    struct net_addr addr; /* with the port set */
    char host[256];       /* the SRV target (or the domain itself on fallback) */
};

enum resolve_service_status {
    RESOLVE_SERVICE_OK,        /* targets hold the addresses, in the order to try them */
    RESOLVE_SERVICE_NONE,      /* the SRV target is "." : decidedly not available */
    RESOLVE_SERVICE_NOT_FOUND, /* no SRV, and no address for the domain either */
    RESOLVE_SERVICE_FAILED,    /* DNS failed or timed out: why says which */
};

typedef void (*resolve_service_cb)(enum resolve_service_status st,
                                   const struct resolve_target *targets, size_t n, const char *why,
                                   void *arg);

/*
 * RFC 6120 §3.2: looks up `service.domain` SRV (e.g. "_xmpp-server._tcp"), orders the records
 * (srv.h, with the generator state *seed), resolves each target's AAAA and A (in parallel), and
 * reports the addresses in order: by SRV order, IPv6 before IPv4 for one target. Without SRV
 * records (NXDOMAIN or NODATA) it falls back to the domain's own A/AAAA on fallback_port (0: no
 * fallback, RESOLVE_SERVICE_NONE, as for XEP-0368's _xmpps-server); a "."
 * target means no service and no fallback. Every lookup is bounded by timeout_ms; cb is called
 * once, from the loop.
 */
int resolve_service(struct resolve_ctx *r, const char *service, const char *domain,
                    int fallback_port, uint64_t *seed, int timeout_ms, resolve_service_cb cb,
                    void *arg, char *err, size_t errlen);

#endif
