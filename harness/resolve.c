/* resolve.c: libunbound on the loop, forwarded to fedsim's DNS, with a bound on every lookup. */
#include "resolve.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unbound-event.h>
#include <unbound.h>

#include "log.h"
#include "xmalloc.h"

struct lookup {
    struct resolve_ctx *r; /* borrowed */
    struct event *timer;   /* owned */
    resolve_cb cb;         /* NULL once reported (timed out and still pending in libunbound) */
    void *arg;
    int async_id;
    int starting; /* inside ub_resolve_event: a callback now must be deferred */
    int early;    /* an answer arrived while starting: deliver it from the timer */
    enum resolve_status early_st;
    ldns_pkt *early_pkt; /* owned */
    char early_why[128];
    char *name; /* owned */
    struct lookup *prev, *next;
};

struct service_job;

struct resolve_ctx {
    struct event_base *base;  /* borrowed */
    struct ub_ctx *ub;        /* owned */
    struct lookup *pending;   /* owned list */
    struct service_job *jobs; /* owned list */
};

/* The addresses found for one host (an SRV target). */
struct host_addrs {
    char name[256];
    int port;
    struct net_addr v6[16], v4[16];
    size_t n6, n4;
};

struct service_job {
    struct resolve_ctx *r; /* borrowed */
    resolve_service_cb cb;
    void *arg;
    char domain[256];
    int fallback_port, timeout_ms;
    int from_srv;             /* the hosts are SRV targets, not the domain itself */
    uint64_t *seed;           /* borrowed */
    struct host_addrs *hosts; /* owned */
    size_t nhosts;
    int pending;   /* address lookups not answered yet */
    char why[512]; /* the first failure, for the report */
    struct service_job *prev, *next;
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

int
resolve_is_own_query(const struct sockaddr *client)
{
    struct net_addr own;

    if (client->sa_family != AF_INET || net_addr_from_host(RESOLVE_SOURCE_ADDR, 0, &own) != 0)
        return 0;
    return ((const struct sockaddr_in *)client)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)&own.ss)->sin_addr.s_addr;
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
        (sa->sa_family == AF_INET &&
         (rc = ub_ctx_set_option(r->ub, "outgoing-interface:", RESOLVE_SOURCE_ADDR)) != 0) ||
        (rc = ub_ctx_set_option(r->ub, "module-config:", "iterator")) != 0 ||
        (rc = ub_ctx_set_fwd(r->ub, fwd)) != 0 || (rc = ub_ctx_zone_remove(r->ub, "test.")) != 0) {
        snprintf(err, errlen, "libunbound set-up (forwarding to %s): %s", fwd, ub_strerror(rc));
        ub_ctx_delete(r->ub);
        free(r);
        return NULL;
    }
    return r;
}

static void
job_free(struct service_job *j)
{
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        j->r->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    free(j->hosts);
    free(j);
}

void
resolve_free(struct resolve_ctx *r)
{
    struct lookup *l;

    if (r == NULL)
        return;
    /* ub_ctx_delete() answers what is still pending (SERVFAIL): nobody may hear of it, the
     * callers may be gone already (a peer freed before its resolver). */
    for (l = r->pending; l != NULL; l = l->next)
        l->cb = NULL;
    ub_ctx_delete(r->ub);
    while (r->pending != NULL)
        lookup_free(r->pending);
    while (r->jobs != NULL)
        job_free(r->jobs);
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

/* Per-lookup context of an address query: which host, which family. */
struct addr_query {
    struct service_job *job; /* borrowed */
    size_t host;
    ldns_rr_type type;
};

/* Keeps the first failure as the reason to report. */
static void
job_note(struct service_job *j, const char *name, const char *why)
{
    if (j->why[0] == '\0')
        snprintf(j->why, sizeof(j->why), "%.200s: %.200s", name, why);
}

static void
job_finish(struct service_job *j)
{
    struct resolve_target *t;
    size_t i, k, n = 0, total = 0;

    for (i = 0; i < j->nhosts; i++)
        total += j->hosts[i].n6 + j->hosts[i].n4;
    t = xcalloc(total, sizeof(*t));
    for (i = 0; i < j->nhosts; i++) {
        struct host_addrs *h = &j->hosts[i];

        for (k = 0; k < h->n6; k++, n++) {
            t[n].addr = h->v6[k];
            snprintf(t[n].host, sizeof(t[n].host), "%s", h->name);
        }
        for (k = 0; k < h->n4; k++, n++) {
            t[n].addr = h->v4[k];
            snprintf(t[n].host, sizeof(t[n].host), "%s", h->name);
        }
    }
    if (n > 0)
        j->cb(RESOLVE_SERVICE_OK, t, n, NULL, j->arg);
    else if (j->why[0] != '\0')
        j->cb(RESOLVE_SERVICE_FAILED, NULL, 0, j->why, j->arg);
    else
        j->cb(RESOLVE_SERVICE_NOT_FOUND, NULL, 0,
              j->from_srv ? "no SRV target has an address" : "no SRV record and no address",
              j->arg);
    free(t);
    job_free(j);
}

static void
on_address(enum resolve_status st, const ldns_pkt *answer, const char *why, void *arg)
{
    struct addr_query *q = arg;
    struct service_job *j = q->job;
    struct host_addrs *h = &j->hosts[q->host];
    size_t i;

    if (st != RESOLVE_OK) {
        job_note(j, h->name, why != NULL ? why : "lookup failed");
    } else {
        ldns_rr_list *ans = ldns_pkt_answer(answer);

        for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            struct net_addr a;
            char host[64];
            char *s;

            if (ldns_rr_get_type(rr) != q->type || ldns_rr_rd_count(rr) < 1)
                continue;
            s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            snprintf(host, sizeof(host), "%s", s != NULL ? s : "");
            free(s);
            if (net_addr_from_host(host, h->port, &a) != 0)
                continue;
            if (q->type == LDNS_RR_TYPE_AAAA && h->n6 < sizeof(h->v6) / sizeof(h->v6[0]))
                h->v6[h->n6++] = a;
            else if (q->type == LDNS_RR_TYPE_A && h->n4 < sizeof(h->v4) / sizeof(h->v4[0]))
                h->v4[h->n4++] = a;
        }
    }
    free(q);
    if (--j->pending == 0)
        job_finish(j);
}

/* Starts the AAAA and A lookups of every host. */
static void
job_resolve_hosts(struct service_job *j)
{
    static const ldns_rr_type types[] = {LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_A};
    size_t i, t;

    j->pending = (int)(j->nhosts * 2) + 1; /* +1: held until every lookup is started */
    for (i = 0; i < j->nhosts; i++) {
        for (t = 0; t < 2; t++) {
            struct addr_query *q = xcalloc(1, sizeof(*q));
            char err[256];

            q->job = j;
            q->host = i;
            q->type = types[t];
            if (resolve_query(j->r, j->hosts[i].name, types[t], j->timeout_ms, on_address, q, err,
                              sizeof(err)) != 0) {
                job_note(j, j->hosts[i].name, err);
                free(q);
                j->pending--;
            }
        }
    }
    if (--j->pending == 0)
        job_finish(j);
}

static void
on_srv(enum resolve_status st, const ldns_pkt *answer, const char *why, void *arg)
{
    struct service_job *j = arg;
    struct srv_record *recs = NULL;
    size_t n = 0, i;

    if (st != RESOLVE_OK) {
        j->cb(RESOLVE_SERVICE_FAILED, NULL, 0, why, j->arg);
        job_free(j);
        return;
    }
    for (i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(answer)); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(answer), i);
        char *target;

        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SRV || ldns_rr_rd_count(rr) != 4)
            continue;
        recs = xreallocarray(recs, n + 1, sizeof(*recs));
        recs[n].priority = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
        recs[n].weight = ldns_rdf2native_int16(ldns_rr_rdf(rr, 1));
        recs[n].port = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
        target = ldns_rdf2str(ldns_rr_rdf(rr, 3));
        snprintf(recs[n].target, sizeof(recs[n].target), "%s", target != NULL ? target : ".");
        free(target);
        n++;
    }
    if (srv_no_service(recs, n)) {
        free(recs);
        j->cb(RESOLVE_SERVICE_NONE, NULL, 0, "the SRV target is \".\": no service", j->arg);
        job_free(j);
        return;
    }
    if (n == 0 && j->fallback_port == 0) {
        /* XEP-0368: direct TLS has no fallback without SRV records. */
        free(recs);
        j->cb(RESOLVE_SERVICE_NONE, NULL, 0, "no SRV record", j->arg);
        job_free(j);
        return;
    }
    if (n == 0) {
        /* RFC 6120 §3.2.2: no SRV at all, so the domain itself on the default port. */
        j->hosts = xcalloc(1, sizeof(*j->hosts));
        j->nhosts = 1;
        snprintf(j->hosts[0].name, sizeof(j->hosts[0].name), "%s", j->domain);
        j->hosts[0].port = j->fallback_port;
    } else {
        j->from_srv = 1;
        srv_order(recs, n, j->seed);
        j->hosts = xcalloc(n, sizeof(*j->hosts));
        for (i = 0; i < n; i++) {
            if (strcmp(recs[i].target, ".") == 0)
                continue;
            snprintf(j->hosts[j->nhosts].name, sizeof(j->hosts[0].name), "%s", recs[i].target);
            j->hosts[j->nhosts].port = recs[i].port;
            j->nhosts++;
        }
    }
    free(recs);
    job_resolve_hosts(j);
}

int
resolve_service(struct resolve_ctx *r, const char *service, const char *domain, int fallback_port,
                uint64_t *seed, int timeout_ms, resolve_service_cb cb, void *arg, char *err,
                size_t errlen)
{
    struct service_job *j = xcalloc(1, sizeof(*j));
    char name[512];

    j->r = r;
    j->cb = cb;
    j->arg = arg;
    j->seed = seed;
    j->timeout_ms = timeout_ms;
    j->fallback_port = fallback_port;
    snprintf(j->domain, sizeof(j->domain), "%s", domain);
    snprintf(name, sizeof(name), "%s.%s", service, domain);
    j->next = r->jobs;
    if (r->jobs != NULL)
        r->jobs->prev = j;
    r->jobs = j;
    if (resolve_query(r, name, LDNS_RR_TYPE_SRV, timeout_ms, on_srv, j, err, errlen) != 0) {
        job_free(j);
        return -1;
    }
    return 0;
}
