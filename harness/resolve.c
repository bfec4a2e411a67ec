/* resolve.c: libunbound on the loop, forwarded to fedsim's DNS, with a bound on every lookup. */
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unbound-event.h>
#include <unbound.h>

#include "log.h"
#include "xmalloc.h"

struct lookup {
    struct resolve_ctx *r;  /* borrowed */
    struct event *timer;    /* owned */
    resolve_cb cb;          /* NULL once reported (timed out and still pending in libunbound) */
    void *arg;
    int async_id;
    int starting;           /* inside ub_resolve_event: a callback now must be deferred */
    int early;              /* an answer arrived while starting: deliver it from the timer */
    enum resolve_status early_st;
    ldns_pkt *early_pkt;    /* owned */
    char early_why[128];
    char *name;             /* owned */
    struct lookup *prev, *next;
};

struct resolve_ctx {
    struct event_base *base; /* borrowed */
    struct ub_ctx *ub;      /* owned */
    struct lookup *pending; /* owned list */
};

static void
lookup_free(struct lookup *l)
{
    struct resolve_ctx *r = l->r;

    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        r->pending = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    event_free(l->timer);
    ldns_pkt_free(l->early_pkt);
    free(l->name);
    free(l);
}

/* Reports to the caller, or keeps the result for the timer if the caller is still in
 * resolve_query(): callbacks always come from the loop. */
static void
report(struct lookup *l, enum resolve_status st, ldns_pkt *pkt, const char *why)
{
    if (l->starting) {
        l->early = 1;
        l->early_st = st;
        l->early_pkt = pkt != NULL ? ldns_pkt_clone(pkt) : NULL;
        snprintf(l->early_why, sizeof(l->early_why), "%s", why != NULL ? why : "");
        return;
    }
    l->cb(st, pkt, why, l->arg);
}

struct resolve_ctx *
resolve_new(struct event_base *base, const struct net_addr *dns, char *err, size_t errlen)
{
    struct resolve_ctx *r = xcalloc(1, sizeof(*r));
    char host[NET_ADDRSTRLEN], fwd[NET_ADDRSTRLEN + 8];
    const struct sockaddr *sa = (const struct sockaddr *)&dns->ss;
    int rc;

    /* unbound wants "addr@port", without brackets for IPv6. */
    net_addr_format(sa, host, sizeof(host));
    if (host[0] == '[') {
        char *close = strchr(host, ']');

        *close = '\0';
        snprintf(fwd, sizeof(fwd), "%s@%d", host + 1, net_addr_port(sa));
    } else {
        *strrchr(host, ':') = '\0';
        snprintf(fwd, sizeof(fwd), "%s@%d", host, net_addr_port(sa));
    }
    r->base = base;
    r->ub = ub_ctx_create_event(base);
    if (r->ub == NULL) {
        snprintf(err, errlen, "cannot create a libunbound context");
        free(r);
        return NULL;
    }
    if (log_traces & LOG_TRACE_LIB) {
        ub_ctx_debugout(r->ub, stderr);
        ub_ctx_debuglevel(r->ub, 2);
    }
    if ((rc = ub_ctx_set_option(r->ub, "do-not-query-localhost:", "no")) != 0 ||
            (rc = ub_ctx_set_option(r->ub, "module-config:", "iterator")) != 0 ||
            (rc = ub_ctx_set_fwd(r->ub, fwd)) != 0 ||
            (rc = ub_ctx_zone_remove(r->ub, "test.")) != 0) {
        snprintf(err, errlen, "libunbound set-up (forwarding to %s): %s", fwd, ub_strerror(rc));
        ub_ctx_delete(r->ub);
        free(r);
        return NULL;
    }
    return r;
}

void
resolve_free(struct resolve_ctx *r)
{
    if (r == NULL)
        return;
    ub_ctx_delete(r->ub);
    while (r->pending != NULL)
        lookup_free(r->pending);
    free(r);
}

static void
on_answer(void *arg, int rcode, void *packet, int len, int sec, char *why_bogus, int ratelimited)
{
    struct lookup *l = arg;
    ldns_pkt *pkt = NULL;

    (void)sec;
    (void)ratelimited;
    if (l->cb == NULL) {
        /* Already reported as a timeout. */
        lookup_free(l);
        return;
    }
    if (packet != NULL && len > 0 && ldns_wire2pkt(&pkt, packet, (size_t)len) == LDNS_STATUS_OK &&
            rcode == 0) {
        log_trace(LOG_TRACE_DNS, "resolved %s: rcode %d, %d answers", l->name,
                ldns_pkt_get_rcode(pkt), (int)ldns_pkt_ancount(pkt));
        report(l, RESOLVE_OK, pkt, NULL);
    } else {
        char why[128];

        snprintf(why, sizeof(why), "%s%s%s", rcode != 0 ? ub_strerror(rcode) : "no answer packet",
                why_bogus != NULL ? ": " : "", why_bogus != NULL ? why_bogus : "");
        /* libunbound reports an upstream REFUSED or SERVFAIL as rcode 2 with the packet. */
        if (pkt != NULL && ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR &&
                ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NXDOMAIN)
            snprintf(why, sizeof(why), "the server answered %s",
                    ldns_pkt_get_rcode(pkt) == LDNS_RCODE_REFUSED    ? "REFUSED"
                    : ldns_pkt_get_rcode(pkt) == LDNS_RCODE_SERVFAIL ? "SERVFAIL"
                                                                     : "an error");
        log_trace(LOG_TRACE_DNS, "resolving %s failed: %s", l->name, why);
        report(l, RESOLVE_FAILED, NULL, why);
    }
    ldns_pkt_free(pkt);
    if (!l->early)
        lookup_free(l);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct lookup *l = arg;
    resolve_cb cb = l->cb;

    (void)fd;
    (void)what;
    if (l->early) {
        cb(l->early_st, l->early_pkt, l->early_st == RESOLVE_OK ? NULL : l->early_why, l->arg);
        lookup_free(l);
        return;
    }
    l->cb = NULL;
    log_trace(LOG_TRACE_DNS, "resolving %s timed out", l->name);
    cb(RESOLVE_TIMEOUT, NULL, "no answer in time", l->arg);
    /* libunbound may still call back later: the lookup stays listed until then. */
    if (ub_cancel(l->r->ub, l->async_id) == 0)
        lookup_free(l);
}

int
resolve_query(struct resolve_ctx *r, const char *name, ldns_rr_type type, int timeout_ms,
        resolve_cb cb, void *arg, char *err, size_t errlen)
{
    struct lookup *l = xcalloc(1, sizeof(*l));
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int rc;

    if (timeout_ms <= 0)
        fatalx("resolve_query without a timeout");
    l->r = r;
    l->cb = cb;
    l->arg = arg;
    l->name = xstrdup(name);
    l->timer = evtimer_new(r->base, on_timeout, l);
    if (l->timer == NULL)
        fatalx("cannot allocate a timer");
    l->next = r->pending;
    if (r->pending != NULL)
        r->pending->prev = l;
    r->pending = l;
    l->starting = 1;
    rc = ub_resolve_event(r->ub, name, (int)type, LDNS_RR_CLASS_IN, l, on_answer, &l->async_id);
    l->starting = 0;
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", name, ub_strerror(rc));
        lookup_free(l);
        return -1;
    }
    if (l->early)
        tv.tv_sec = tv.tv_usec = 0;
    evtimer_add(l->timer, &tv);
    return 0;
}
