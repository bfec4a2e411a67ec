/* peer.c: a fake remote server: users, listeners, routing to sessions, and autopilot. */
#include "peer.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "s2s.h"
#include "xmalloc.h"

#define NS_STANZAS    "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_PING       "urn:xmpp:ping"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_CAPS       "http://jabber.org/protocol/caps"

const char *
peer_jid_domain(const char *jid, char *buf, size_t len)
{
    const char *at = strchr(jid, '@'), *start = at != NULL ? at + 1 : jid;
    size_t n = strcspn(start, "/");

    snprintf(buf, len, "%.*s", (int)n, start);
    return buf;
}

const char *
peer_jid_bare(const char *jid, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(jid, "/"), jid);
    return buf;
}

void
peer_report(struct peer *p, const char *fmt, ...)
{
    char msg[1024], line[1100];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "%s: %s", p->domain, msg);
    if (p->report != NULL)
        p->report(line, p->report_arg);
    else
        log_info("%s", line);
}

struct peer *
peer_new(const char *domain, const struct profile *prof, size_t nusers, struct resolve_ctx *res,
         uint64_t seed, char *err, size_t errlen)
{
    struct peer *p;
    unsigned char rnd[16];
    size_t i;

    if (nusers == 0 || nusers > PEER_MAX_USERS) {
        snprintf(err, errlen, "a peer has 1 to %d users", PEER_MAX_USERS);
        return NULL;
    }
    if (strpbrk(domain, "@/ ") != NULL || *domain == '\0') {
        snprintf(err, errlen, "\"%s\" is not a domain", domain);
        return NULL;
    }
    p = xcalloc(1, sizeof(*p));
    p->domain = xstrdup(domain);
    p->prof = *prof;
    p->res = res;
    p->seed = seed;
    RAND_bytes(rnd, sizeof(rnd));
    for (i = 0; i < sizeof(rnd); i++)
        snprintf(p->secret + 2 * i, 3, "%02x", rnd[i]);
    for (i = 0; i < nusers; i++)
        p->users[p->nusers++].jid = xasprintf("jdoe%zu@%s", i + 1, domain);
    if (prof->tenants[0] != '\0') {
        char labels[sizeof(prof->tenants)], *save = NULL, *l;

        snprintf(labels, sizeof(labels), "%s", prof->tenants);
        for (l = strtok_r(labels, "|", &save); l != NULL; l = strtok_r(NULL, "|", &save)) {
            if (p->ntenants == PEER_MAX_TENANTS || strpbrk(l, "@/. ") != NULL) {
                snprintf(err, errlen, "tenants: at most %d labels, each one DNS label",
                         PEER_MAX_TENANTS);
                peer_free(p);
                return NULL;
            }
            p->tenants[p->ntenants] = xasprintf("%s.%s", l, domain);
            for (i = 0; i < nusers; i++)
                p->users[p->nusers++].jid = xasprintf("jdoe%zu@%s", i + 1, p->tenants[p->ntenants]);
            p->ntenants++;
        }
    }
    return p;
}

int
peer_got_stream_error(const struct peer *p, const char *condition)
{
    size_t i;

    for (i = 0; i < p->nstream_errors; i++)
        if (strcmp(p->stream_errors[i], condition) == 0)
            return 1;
    return 0;
}

int
peer_is_local(const struct peer *p, const char *domain)
{
    size_t i;

    if (domain == NULL)
        return 0;
    if (strcasecmp(domain, p->domain) == 0)
        return 1;
    for (i = 0; i < p->ntenants; i++)
        if (strcasecmp(domain, p->tenants[i]) == 0)
            return 1;
    return 0;
}

/* A dialback request held back (peer_hold_dialback). */
struct peer_held {
    struct peer *p;           /* borrowed */
    unsigned session;         /* the s2s session's id: it may be gone when answered */
    struct xml_node *request; /* owned */
    struct event *due;        /* owned: when a late answer goes (NULL: ignored, held) */
    struct peer_held *next;
};

static void
held_free(struct peer_held *h)
{
    if (h->due != NULL)
        event_free(h->due);
    xml_node_free(h->request);
    free(h);
}

/* A stanza held by "delays" or "jitters": it leaves at `due` (monotonic us), not before the
 * one ahead of it. */
struct peer_delayed {
    struct xml_node *stanza; /* owned */
    uint64_t due;
    struct peer_delayed *next;
};

static void random_release(struct peer *p, int dir, const struct xml_node *n);

static void
random_clear(struct peer *p)
{
    int d;

    for (d = 0; d < 2; d++) {
        struct peer_random *r = &p->random[d];

        while (r->head != NULL) {
            struct peer_delayed *x = r->head;

            r->head = x->next;
            xml_node_free(x->stanza);
            free(x);
        }
        r->tail = NULL;
        if (r->timer != NULL)
            event_free(r->timer);
        r->timer = NULL;
    }
}

void
peer_set_chance(struct peer *p, struct chance *c, const char *name)
{
    char stream[CHANCE_STREAM_MAX];

    p->chance = c;
    snprintf(p->chance_name, sizeof(p->chance_name), "%s", name);
    /* The SRV ordering's state, drawn from the same generator (never 0: srv_random). */
    snprintf(stream, sizeof(stream), "%s.srv", name);
    p->seed = chance_next(c, stream) | 1;
}

void
peer_free(struct peer *p)
{
    size_t i;

    if (p == NULL)
        return;
    while (p->held != NULL) {
        struct peer_held *h = p->held;

        p->held = h->next;
        held_free(h);
    }
    random_clear(p);
    while (p->sessions != NULL)
        s2s_free(p->sessions);
    for (i = 0; i < p->nblackholes; i++)
        net_blackhole_free(p->blackholes[i]);
    for (i = 0; i < p->nlisteners; i++)
        net_listener_free(p->listeners[i]);
    for (i = 0; i < p->nusers; i++) {
        free(p->users[i].jid);
        roster_clear(&p->users[i].roster);
    }
    SSL_CTX_free(p->tls_server);
    SSL_CTX_free(p->tls_client);
    tls_cert_clear(&p->cert);
    tls_ca_free(p->own_ca);
    for (i = 0; i < p->ntenants; i++)
        free(p->tenants[i]);
    for (i = 0; i < p->nstream_errors; i++)
        free(p->stream_errors[i]);
    for (i = 0; i < p->nnego; i++)
        xml_node_free(p->nego[i].el);
    free(p->nego);
    free(p->domain);
    free(p);
}

void
peer_note_nego(struct peer *p, enum peer_nego_kind kind, struct xml_node *el,
               enum peer_nego_dir dir, int tls, int sasl, unsigned session)
{
    struct peer_nego *n;

    if (p->nnego >= PEER_MAX_NEGO) {
        xml_node_free(el);
        return;
    }
    p->nego = xreallocarray(p->nego, p->nnego + 1, sizeof(*p->nego));
    n = &p->nego[p->nnego++];
    n->kind = kind;
    n->el = el;
    n->dir = dir;
    n->tls = tls;
    n->sasl = sasl;
    n->session = session;
    if (p->observe_nego != NULL)
        p->observe_nego(p, n, p->observe_arg);
}

int
peer_tls_init(struct peer *p, struct tls_ca *ca, char *err, size_t errlen)
{
    if (p->prof.tls == PROFILE_TLS_NONE)
        return 0;
    if (ca == NULL && (ca = p->own_ca = tls_ca_ephemeral()) == NULL) {
        snprintf(err, errlen, "%s: cannot make a CA", p->domain);
        return -1;
    }
    p->ca = ca;
    /* A multi-tenant peer serves its tenants' domains too: one certificate names them all. */
    if (tls_cert_issue(ca, p->domain, (const char *const *)p->tenants, p->ntenants, p->prof.cert,
                       &p->cert, err, errlen) != 0)
        return -1;
    /* Without a certificate no TLS server end (RFC 8446 §4.4.2: a server presents one): as
     * receiving server such a peer offers no STARTTLS and has no direct TLS listener; as
     * initiator it uses TLS and presents nothing. */
    if (p->prof.cert != TLS_CERT_NONE) {
        p->tls_server = tls_ctx_new(1, &p->cert, ca, p->prof.request_client_cert, err, errlen);
        if (p->tls_server == NULL)
            return -1;
    }
    p->tls_client = tls_ctx_new(0, &p->cert, ca, 0, err, errlen);
    return p->tls_client != NULL ? 0 : -1;
}

static void
on_accept(int fd, const struct sockaddr *from, void *arg)
{
    const struct peer_listen_arg *la = arg;
    struct peer *p = la->p;
    char buf[NET_ADDRSTRLEN];

    p->facts.accepted++;
    if (p->net == PEER_NET_RESET) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};

        /* A zero linger time turns close() into a reset. */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
        peer_report(p, "connection from %s reset (fault)", net_addr_format(from, buf, sizeof(buf)));
        return;
    }
    s2s_accept(p, fd, from, la->direct_tls);
}

/*
 * Out of file descriptors at accept (net_listener_set_reclaim): the SUT's connection must not
 * wait behind streams that were opened and left idle. Closes this peer's oldest incoming
 * session that is not established yet (each lives at most the handshake deadline anyway).
 */
static int
reclaim_idle(void *arg)
{
    struct peer *p = arg;
    struct s2s *s, *oldest = NULL;

    for (s = p->sessions; s != NULL; s = s->next)
        if (s->role == S2S_IN && s->state != S2S_ESTABLISHED && s->state != S2S_CLOSED)
            oldest = s;
    if (oldest == NULL)
        return 0;
    peer_report(p,
                "s2s in #%u from %s closed: out of file descriptors, and it is the oldest "
                "stream not established",
                oldest->id, oldest->peer_addr);
    s2s_free(oldest);
    return 1;
}

const char *const peer_modes[] = {"accepts connections",
                                  "answers dialback after N ms",
                                  "answers dialback invalid",
                                  "answers dialback normally",
                                  "answers dialback with error",
                                  "closes connections after N bytes",
                                  "cuts P% of connections within N bytes",
                                  "delays P% of stanzas by N ms",
                                  "drops connections",
                                  "drops ipv6 connections",
                                  "drops P% of stanzas",
                                  "jitters stanzas by N ms",
                                  "passes stanzas normally",
                                  "times out its streams",
                                  "ignores dialback",
                                  "refuses connections",
                                  "resets connections",
                                  "stays silent",
                                  "writes normally",
                                  "writes slowly",
                                  NULL};

static int
listen_again(struct peer *p, char *err, size_t errlen)
{
    size_t i, n = p->nlisten_addrs;

    p->nlisten_addrs = 0;
    for (i = 0; i < n; i++)
        if (peer_listen(p, &p->listen_addrs[i], p->listen_direct[i], err, errlen) != 0)
            return -1;
    return 0;
}

/* Stops listening and undoes a blackhole: the state "refuses connections" starts from. */
static void
stop_listening(struct peer *p)
{
    size_t i;

    for (i = 0; i < p->nlisteners; i++)
        net_listener_free(p->listeners[i]);
    p->nlisteners = 0;
    for (i = 0; i < p->nblackholes; i++)
        net_blackhole_free(p->blackholes[i]);
    p->nblackholes = 0;
}

/* Listens again after "refuses connections" or "drops connections". */
static int
resume(struct peer *p, char *err, size_t errlen)
{
    if (p->net != PEER_NET_REFUSE && p->net != PEER_NET_BLACKHOLE)
        return 0;
    stop_listening(p);
    return listen_again(p, err, errlen);
}

/* Answers a held request now (on its session, if still there), and forgets it. */
static void
held_answer(struct peer_held *h)
{
    struct peer *p = h->p;
    struct peer_held **pp;
    struct s2s *s;

    for (pp = &p->held; *pp != NULL && *pp != h; pp = &(*pp)->next)
        ;
    if (*pp != NULL)
        *pp = h->next;
    for (s = p->sessions; s != NULL && s->id != h->session; s = s->next)
        ;
    if (s == NULL)
        peer_report(p, "held db:%s for s2s #%u: the stream is gone, no answer", h->request->name,
                    h->session);
    else
        s2s_dialback_release(s, h->request);
    held_free(h);
}

static void
on_held_due(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    held_answer(arg);
}

void
peer_hold_dialback(struct peer *p, const struct s2s *s, const struct xml_node *request)
{
    struct peer_held *h = xcalloc(1, sizeof(*h)), **tail;

    h->p = p;
    h->session = s->id;
    h->request = xml_clone(request);
    if (p->dialback == PEER_DB_LATE) {
        struct timeval tv = {.tv_sec = p->dialback_late_ms / 1000,
                             .tv_usec = (p->dialback_late_ms % 1000) * 1000};

        h->due = evtimer_new(loop_base(), on_held_due, h);
        evtimer_add(h->due, &tv);
    }
    for (tail = &p->held; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = h;
}

/* " it sends", " it receives" or nothing, at *w: which directions (bit PEER_OUT, PEER_IN). */
static int
random_dirs(char **w, size_t n, size_t *pos)
{
    if (*pos + 1 < n && strcmp(w[*pos], "it") == 0) {
        if (strcmp(w[*pos + 1], "sends") == 0) {
            *pos += 2;
            return 1 << PEER_OUT;
        }
        if (strcmp(w[*pos + 1], "receives") == 0) {
            *pos += 2;
            return 1 << PEER_IN;
        }
    }
    return (1 << PEER_OUT) | (1 << PEER_IN);
}

/* "by N ms" at w[*pos]: N in (0, 1 h], or -1. */
static long
random_ms(char **w, size_t n, size_t *pos)
{
    char *end = NULL;
    long ms;

    if (*pos + 3 != n || strcmp(w[*pos], "by") != 0 || strcmp(w[*pos + 2], "ms") != 0)
        return -1;
    ms = strtol(w[*pos + 1], &end, 10);
    if (end == w[*pos + 1] || *end != '\0' || ms <= 0 || ms > 3600000)
        return -1;
    *pos += 3;
    return ms;
}

/*
 * The probabilistic modes (peer.h): 1 if `mode` is one and was set, 0 if it is not one of
 * them, -1 with err if it is one, badly written.
 */
static int
random_mode(struct peer *p, const char *mode, char *err, size_t errlen)
{
    char copy[256], *w[12], *save = NULL, *t;
    size_t n = 0, pos = 0;
    uint32_t ppm = 0;
    int dirs, d;
    long ms;

    snprintf(copy, sizeof(copy), "%s", mode);
    for (t = strtok_r(copy, " ", &save); t != NULL && n < 12; t = strtok_r(NULL, " ", &save))
        w[n++] = t;
    if (n == 3 && strcmp(mode, "passes stanzas normally") == 0) {
        for (d = 0; d < 2; d++) {
            struct peer_random *r = &p->random[d];

            r->drop_ppm = r->delay_ppm = 0;
            r->delay_ms = r->jitter_ms = 0;
            /* What waits goes now, in the order it came. */
            while (r->head != NULL) {
                struct peer_delayed *x = r->head;

                if ((r->head = x->next) == NULL)
                    r->tail = NULL;
                random_release(p, d, x->stanza);
                xml_node_free(x->stanza);
                free(x);
            }
        }
        return 1;
    }
    /* "drops connections" and the like are not ours: a percentage or "jitters" says it is. */
    if (n < 2 || (strcmp(w[0], "jitters") != 0 &&
                  ((strcmp(w[0], "drops") != 0 && strcmp(w[0], "delays") != 0 &&
                    strcmp(w[0], "cuts") != 0) ||
                   strchr(w[1], '%') == NULL)))
        return 0;
    if (p->chance == NULL) {
        snprintf(err, errlen, "\"%s\": no generator to draw from (peer_set_chance)", mode);
        return -1;
    }
    if (strcmp(w[0], "jitters") == 0) {
        pos = 2;
        if (n < 2 || strcmp(w[1], "stanzas") != 0)
            goto bad;
        dirs = random_dirs(w, n, &pos);
        if ((ms = random_ms(w, n, &pos)) < 0)
            goto bad;
        for (d = 0; d < 2; d++)
            if (dirs & (1 << d))
                p->random[d].jitter_ms = (unsigned)ms;
        return 1;
    }
    if (n < 4 || chance_parse_percent(w[1], &ppm) != 0 || strcmp(w[2], "of") != 0)
        goto bad;
    pos = 4;
    if (strcmp(w[0], "cuts") == 0) {
        char *end = NULL;
        unsigned long within;

        if (strcmp(w[3], "connections") != 0 || n != 7 || strcmp(w[4], "within") != 0 ||
            strcmp(w[6], "bytes") != 0)
            goto bad;
        within = strtoul(w[5], &end, 10);
        if (end == w[5] || *end != '\0' || within == 0 || within > 1000000)
            goto bad;
        p->cut_ppm = ppm;
        p->cut_within = within;
        return 1;
    }
    if (strcmp(w[3], "stanzas") != 0)
        goto bad;
    dirs = random_dirs(w, n, &pos);
    if (strcmp(w[0], "drops") == 0) {
        if (pos != n)
            goto bad;
        for (d = 0; d < 2; d++)
            if (dirs & (1 << d))
                p->random[d].drop_ppm = ppm;
        return 1;
    }
    if ((ms = random_ms(w, n, &pos)) < 0)
        goto bad;
    for (d = 0; d < 2; d++)
        if (dirs & (1 << d)) {
            p->random[d].delay_ppm = ppm;
            p->random[d].delay_ms = (unsigned)ms;
        }
    return 1;
bad:
    snprintf(err, errlen,
             "\"%s\": expected \"drops P%% of stanzas[ it sends| it receives]\", \"delays P%% of "
             "stanzas[ it sends| it receives] by N ms\", \"jitters stanzas[ it sends| it "
             "receives] by N ms\" or \"cuts P%% of connections within N bytes\"",
             mode);
    return -1;
}

int
peer_check_random_mode(const char *mode, char *err, size_t errlen)
{
    struct peer dummy;
    struct chance c;
    int r;

    memset(&dummy, 0, sizeof(dummy));
    chance_init(&c, 1);
    dummy.chance = &c;
    r = random_mode(&dummy, mode, err, errlen);
    chance_clear(&c);
    return r == 1 ? 0 : r == 0 ? 1 : -1;
}

int
peer_set_mode(struct peer *p, const char *mode, char *err, size_t errlen)
{
    size_t i;
    int r;

    if ((r = random_mode(p, mode, err, errlen)) != 0) {
        if (r < 0)
            return -1;
        peer_report(p, "now %s", mode);
        return 0;
    }
    if (strcmp(mode, "refuses connections") == 0) {
        stop_listening(p);
        p->net = PEER_NET_REFUSE;
    } else if (strcmp(mode, "drops connections") == 0 ||
               strcmp(mode, "drops ipv6 connections") == 0) {
        int v6only = mode[6] == 'i';

        stop_listening(p);
        for (i = 0; i < p->nlisten_addrs; i++) {
            const struct net_addr *a = &p->listen_addrs[i];
            struct net_blackhole *b;

            if (v6only && a->ss.ss_family != AF_INET6) {
                /* IPv4 still answers: only the IPv6 path is broken (C-08). */
                struct peer_listen_arg *la = &p->listen_args[p->nlisteners];
                struct net_listener *l;

                la->p = p;
                la->direct_tls = p->listen_direct[i];
                if ((l = net_listen(loop_base(), a, on_accept, la, err, errlen)) == NULL)
                    return -1;
                net_listener_set_reclaim(l, reclaim_idle, p);
                p->listeners[p->nlisteners++] = l;
                continue;
            }
            if ((b = net_blackhole(a, err, errlen)) == NULL)
                return -1;
            p->blackholes[p->nblackholes++] = b;
        }
        p->net = PEER_NET_BLACKHOLE;
    } else if (strcmp(mode, "accepts connections") == 0) {
        if (resume(p, err, errlen) != 0)
            return -1;
        p->net = PEER_NET_OK;
        p->cut_after = 0;
    } else if (strcmp(mode, "stays silent") == 0 || strcmp(mode, "resets connections") == 0) {
        if (resume(p, err, errlen) != 0)
            return -1;
        p->net = mode[0] == 's' ? PEER_NET_SILENT : PEER_NET_RESET;
    } else if (strncmp(mode, "closes connections after ", 25) == 0) {
        unsigned long n;
        char unit[16];

        if (sscanf(mode + 25, "%lu %15s", &n, unit) != 2 || n == 0 || strcmp(unit, "bytes") != 0) {
            snprintf(err, errlen, "expected \"closes connections after N bytes\" (N > 0)");
            return -1;
        }
        p->cut_after = n;
    } else if (strcmp(mode, "times out its streams") == 0) {
        struct s2s *s, *next;

        /* RFC 6120 §4.9.3.4: an idle policy closing every stream, both directions. */
        for (s = p->sessions; s != NULL; s = next) {
            next = s->next;
            if (s->state == S2S_ESTABLISHED)
                s2s_stream_error(s, "connection-timeout", NULL);
        }
    } else if (strcmp(mode, "writes slowly") == 0) {
        p->write_rate = 512;
    } else if (strcmp(mode, "writes normally") == 0) {
        p->write_rate = 0;
    } else if (strcmp(mode, "answers dialback invalid") == 0) {
        p->dialback = PEER_DB_INVALID;
    } else if (strcmp(mode, "answers dialback with error") == 0) {
        p->dialback = PEER_DB_ERROR;
    } else if (strcmp(mode, "ignores dialback") == 0) {
        p->dialback = PEER_DB_IGNORE;
    } else if (strcmp(mode, "answers dialback normally") == 0) {
        p->dialback = PEER_DB_NORMAL;
        peer_report(p, "now %s", mode);
        /* What it held back is answered now, in the order it came. */
        while (p->held != NULL)
            held_answer(p->held);
        return 0;
    } else if (strncmp(mode, "answers dialback after ", 23) == 0) {
        unsigned long ms;
        char unit[8];

        if (sscanf(mode + 23, "%lu %7s", &ms, unit) != 2 || ms == 0 || ms > 3600000 ||
            strcmp(unit, "ms") != 0) {
            snprintf(err, errlen, "expected \"answers dialback after N ms\" (N > 0)");
            return -1;
        }
        p->dialback = PEER_DB_LATE;
        p->dialback_late_ms = (unsigned)ms;
    } else {
        snprintf(err, errlen, "unknown peer mode \"%s\"", mode);
        return -1;
    }
    peer_report(p, "now %s", mode);
    return 0;
}

int
peer_listen(struct peer *p, const struct net_addr *addr, int direct_tls, char *err, size_t errlen)
{
    struct peer_listen_arg *la;
    struct net_listener *l;
    char buf[NET_ADDRSTRLEN];

    if (p->nlisteners >= PEER_MAX_LISTENERS) {
        snprintf(err, errlen, "%s: more than %d listeners", p->domain, PEER_MAX_LISTENERS);
        return -1;
    }
    if (direct_tls && p->tls_server == NULL && p->prof.tls != PROFILE_TLS_NONE) {
        peer_report(p, "no direct TLS listener: no certificate to present (cert=none)");
        return 0;
    }
    if (direct_tls && p->tls_server == NULL) {
        snprintf(err, errlen, "%s: direct TLS needs a profile with TLS", p->domain);
        return -1;
    }
    la = &p->listen_args[p->nlisteners];
    la->p = p;
    la->direct_tls = direct_tls;
    l = net_listen(loop_base(), addr, on_accept, la, err, errlen);
    if (l == NULL)
        return -1;
    net_listener_set_reclaim(l, reclaim_idle, p);
    p->listeners[p->nlisteners++] = l;
    p->listen_direct[p->nlisten_addrs] = direct_tls;
    p->listen_addrs[p->nlisten_addrs++] = *net_listener_addr(l);
    peer_report(
            p, "listening on %s%s",
            net_addr_format((const struct sockaddr *)&net_listener_addr(l)->ss, buf, sizeof(buf)),
            direct_tls ? " (direct TLS)" : "");
    return 0;
}

int
peer_listen_targets(struct peer *p, const struct resolve_target *t, size_t n, int direct_tls,
                    char *err, size_t errlen)
{
    size_t i, k;

    for (i = 0; i < n; i++) {
        int dup = 0;

        for (k = 0; k < i; k++)
            dup |= t[k].addr.len == t[i].addr.len &&
                   memcmp(&t[k].addr.ss, &t[i].addr.ss, t[i].addr.len) == 0;
        if (!dup && peer_listen(p, &t[i].addr, direct_tls, err, errlen) != 0)
            return -1;
    }
    return 0;
}

struct peer_user *
peer_user(struct peer *p, const char *bare)
{
    size_t i;

    for (i = 0; i < p->nusers; i++)
        if (strcasecmp(p->users[i].jid, bare) == 0)
            return &p->users[i];
    return NULL;
}

static int
valid_from(const struct s2s *s, const char *domain)
{
    size_t i;

    for (i = 0; i < s->nvalid; i++)
        if (strcasecmp(s->valid[i], domain) == 0)
            return 1;
    return 0;
}

/* The stream that carries a stanza from `local` to `remote`: one outbound stream per remote
 * domain, whichever of the peer's domains sends (multiplexed), or a bidi one. */
static struct s2s *
out_session(struct peer *p, const char *local, const char *remote)
{
    struct s2s *s;

    for (s = p->sessions; s != NULL; s = s->next)
        if (s->role == S2S_OUT && s->state != S2S_CLOSED && strcasecmp(s->remote, remote) == 0)
            return s;
    /* XEP-0288: a bidirectional stream the SUT opened and authenticated carries ours too. */
    for (s = p->sessions; s != NULL; s = s->next)
        if (s->role == S2S_IN && s->bidi && s->state == S2S_ESTABLISHED && valid_from(s, remote))
            return s;
    return s2s_connect(p, S2S_OUT, local, remote);
}

static void
report_stanza(struct peer *p, const char *dir, const struct xml_node *n)
{
    char *text = xml_serialize(n, XML_NS_SERVER, NULL, NULL);

    peer_report(p, "%s %s", dir, text);
    free(text);
}

static void send_available(struct peer *p, struct peer_user *u, const char *to);
static void send_unavailable(struct peer *p, struct peer_user *u, const char *to);

/* The four presence types of RFC 6121 §3 that change subscription state. */
static int
is_subscription(const char *type)
{
    return type != NULL && (strcmp(type, "subscribe") == 0 || strcmp(type, "subscribed") == 0 ||
                            strcmp(type, "unsubscribe") == 0 || strcmp(type, "unsubscribed") == 0);
}

static void deliver_now(struct peer *p, const struct xml_node *n);

/* A stanza that waited goes on: out to the SUT on its stream, or in to the peer. */
static void
random_release(struct peer *p, int dir, const struct xml_node *n)
{
    char fromdom[256], dom[256];

    if (dir == PEER_IN) {
        deliver_now(p, n);
        return;
    }
    peer_jid_domain(xml_attr(n, "from"), fromdom, sizeof(fromdom));
    peer_jid_domain(xml_attr(n, "to"), dom, sizeof(dom));
    s2s_send(out_session(p, fromdom, dom), n);
}

static void
random_arm(struct peer *p, int dir)
{
    struct peer_random *r = &p->random[dir];
    uint64_t now = clock_monotonic_us(), wait;
    struct timeval tv;

    if (r->head == NULL)
        return;
    wait = r->head->due > now ? r->head->due - now : 0;
    tv.tv_sec = (time_t)(wait / 1000000);
    tv.tv_usec = (suseconds_t)(wait % 1000000);
    evtimer_add(r->timer, &tv);
}

static void
on_random_due(evutil_socket_t fd, short what, void *arg)
{
    struct peer_random *r = arg;
    struct peer *p = r->p;
    int dir = r->dir;
    uint64_t now = clock_monotonic_us();

    (void)fd;
    (void)what;
    while (r->head != NULL && r->head->due <= now) {
        struct peer_delayed *x = r->head;

        if ((r->head = x->next) == NULL)
            r->tail = NULL;
        random_release(p, dir, x->stanza);
        xml_node_free(x->stanza);
        free(x);
    }
    random_arm(p, dir);
}

/* A short name for a stanza in report lines: <message id='m3'>. */
static void
stanza_tag(const struct xml_node *n, char *buf, size_t len)
{
    const char *id = xml_attr(n, "id");

    if (id != NULL)
        snprintf(buf, len, "<%s id='%.64s'>", n->name, id);
    else
        snprintf(buf, len, "<%s>", n->name);
}

/*
 * The probabilistic faults on one stanza going out (PEER_OUT) or coming in (PEER_IN): 1 if it
 * is lost or now waits (random_release sends it on), 0 if it goes on at once.
 */
static int
random_hold(struct peer *p, int dir, const struct xml_node *n)
{
    struct peer_random *r = &p->random[dir];
    char stream[CHANCE_STREAM_MAX], tag[96];
    uint64_t delay_ms = 0, due, now;
    struct peer_delayed *x;

    if (p->chance == NULL ||
        (r->drop_ppm == 0 && r->delay_ppm == 0 && r->jitter_ms == 0 && r->head == NULL))
        return 0;
    snprintf(stream, sizeof(stream), "%s.%s", p->chance_name, dir == PEER_OUT ? "out" : "in");
    stanza_tag(n, tag, sizeof(tag));
    if (r->drop_ppm > 0 && chance_hit(p->chance, stream, r->drop_ppm, "drop")) {
        peer_report(p, "%s %s lost (drops, chance #%lu)", dir == PEER_OUT ? "sends" : "receives",
                    tag, p->chance->choices);
        return 1;
    }
    if (r->delay_ppm > 0 && chance_hit(p->chance, stream, r->delay_ppm, "delay"))
        delay_ms += r->delay_ms;
    if (r->jitter_ms > 0)
        delay_ms += chance_between(p->chance, stream, 0, r->jitter_ms, "jitter ms");
    if (delay_ms == 0 && r->head == NULL)
        return 0;
    now = clock_monotonic_us();
    due = now + delay_ms * 1000;
    if (r->tail != NULL && r->tail->due > due)
        due = r->tail->due; /* in order: not before the one ahead */
    x = xcalloc(1, sizeof(*x));
    x->stanza = xml_clone(n);
    x->due = due;
    if (r->tail != NULL)
        r->tail->next = x;
    else
        r->head = x;
    r->tail = x;
    peer_report(p, "%s %s held %llu ms", dir == PEER_OUT ? "sends" : "receives", tag,
                (unsigned long long)((due - now) / 1000));
    if (r->timer == NULL) {
        r->p = p;
        r->dir = dir;
        r->timer = evtimer_new(loop_base(), on_random_due, r);
    }
    if (r->head == x)
        random_arm(p, dir);
    return 1;
}

void
peer_send(struct peer *p, const struct xml_node *stanza)
{
    const char *to = xml_attr(stanza, "to"), *from = xml_attr(stanza, "from");
    const char *type = xml_attr(stanza, "type");
    char dom[256], bare[512], tobare[512];
    struct peer_user *u;
    enum roster_duty duty = ROSTER_DUTY_NONE;

    if (to == NULL || from == NULL) {
        peer_report(p, "not sent (a stanza needs from and to): <%s/>", stanza->name);
        return;
    }
    u = peer_user(p, peer_jid_bare(from, bare, sizeof(bare)));
    if (u != NULL && xml_is(stanza, NULL, "presence") && is_subscription(type)) {
        char st[64];

        duty = roster_outbound(&u->roster, peer_jid_bare(to, tobare, sizeof(tobare)), type);
        peer_report(p, "%s's subscription with %s: %s", u->jid, tobare,
                    roster_state_str(roster_find(&u->roster, tobare), st, sizeof(st)));
        /* RFC 6121 §3.2.2: while the user still sees the contact's presence, that is before
         * the "unsubscribed" goes out. */
        if (duty == ROSTER_DUTY_UNAVAILABLE)
            send_unavailable(p, u, tobare);
    }
    report_stanza(p, "sends", stanza);
    {
        char fromdom[256];

        peer_jid_domain(from, fromdom, sizeof(fromdom));
        peer_jid_domain(to, dom, sizeof(dom));
        if (p->prof.collision != PROFILE_COLLISION_NONE && p->claimed != NULL &&
            strcasecmp(dom, p->claimed) == 0) {
            peer_report(p,
                        "not sent: %s is hosted here too (collision), so the stanza is "
                        "delivered \"internally\" and the SUT never sees it",
                        dom);
            return;
        }
        if (!peer_is_local(p, fromdom)) {
            peer_report(p, "not sent: %s is not one of this peer's domains", from);
            return;
        }
        if (!random_hold(p, PEER_OUT, stanza))
            s2s_send(out_session(p, fromdom, peer_jid_domain(to, dom, sizeof(dom))), stanza);
    }
    /* RFC 6121 §3.1.5: an approval is followed by the contact's current presence. */
    if (duty == ROSTER_DUTY_AVAILABLE)
        send_available(p, u, tobare);
}

/* Our user's available presence, with the profile's resource and legacy caps. */
static void
send_available(struct peer *p, struct peer_user *u, const char *to)
{
    struct xml_node *pr = xml_element_new(XML_NS_SERVER, "presence");
    char *full = xasprintf("%s/%s", u->jid, p->prof.resource);

    xml_set_attr(pr, NULL, "from", full);
    xml_set_attr(pr, NULL, "to", to);
    if (p->prof.caps_node != NULL) {
        struct xml_node *c = xml_add_element(pr, NS_CAPS, "c");

        xml_set_attr(c, NULL, "node", p->prof.caps_node);
        xml_set_attr(c, NULL, "ver", p->prof.caps_ver);
        if (p->prof.caps_ext != NULL)
            xml_set_attr(c, NULL, "ext", p->prof.caps_ext);
    }
    peer_send(p, pr);
    xml_node_free(pr);
    free(full);
}

/* Our user's resource goes offline for `to` (RFC 6121 §3.2.2, §3.3.3). */
static void
send_unavailable(struct peer *p, struct peer_user *u, const char *to)
{
    struct xml_node *pr = xml_element_new(XML_NS_SERVER, "presence");
    char *full = xasprintf("%s/%s", u->jid, p->prof.resource);

    xml_set_attr(pr, NULL, "from", full);
    xml_set_attr(pr, NULL, "to", to);
    xml_set_attr(pr, NULL, "type", "unavailable");
    peer_send(p, pr);
    xml_node_free(pr);
    free(full);
}

static void
send_presence(struct peer *p, const char *from, const char *to, const char *type)
{
    struct xml_node *pr = xml_element_new(XML_NS_SERVER, "presence");

    xml_set_attr(pr, NULL, "from", from);
    xml_set_attr(pr, NULL, "to", to);
    xml_set_attr(pr, NULL, "type", type);
    peer_send(p, pr);
    xml_node_free(pr);
}

static void
autopilot_presence(struct peer *p, struct peer_user *u, const struct xml_node *n,
                   const char *from_bare)
{
    const char *type = xml_attr(n, "type");
    const struct roster_item *it;
    enum roster_duty duty;
    char st[64];

    if (type == NULL || strcmp(type, "unavailable") == 0 || strcmp(type, "error") == 0)
        return;
    if (strcmp(type, "probe") == 0) {
        it = roster_find(&u->roster, from_bare);
        if (it != NULL && (it->sub == ROSTER_FROM || it->sub == ROSTER_BOTH))
            send_available(p, u, from_bare);
        else
            peer_report(p, "probe from %s, who is not subscribed to %s: no presence", from_bare,
                        u->jid);
        return;
    }
    duty = roster_inbound(&u->roster, from_bare, type);
    if (duty == ROSTER_DUTY_SUBSCRIBED) {
        send_presence(p, u->jid, from_bare, "subscribed");
        return;
    }
    peer_report(p, "%s's subscription with %s: %s", u->jid, from_bare,
                roster_state_str(roster_find(&u->roster, from_bare), st, sizeof(st)));
    if (duty == ROSTER_DUTY_UNAVAILABLE) {
        send_unavailable(p, u, from_bare);
        return;
    }
    if (strcmp(type, "subscribe") != 0)
        return;
    switch (p->prof.subscription) {
    case PROFILE_SUB_ACCEPT:
        /* peer_send follows the approval with the current presence (§3.1.5). */
        send_presence(p, u->jid, from_bare, "subscribed");
        break;
    case PROFILE_SUB_DENY:
        send_presence(p, u->jid, from_bare, "unsubscribed");
        break;
    case PROFILE_SUB_IGNORE:
        break;
    }
}

static void
send_iq_reply(struct peer *p, const struct xml_node *iq, struct xml_node *reply)
{
    xml_set_attr(reply, NULL, "from", xml_attr(iq, "to"));
    xml_set_attr(reply, NULL, "to", xml_attr(iq, "from"));
    if (xml_attr(iq, "id") != NULL)
        xml_set_attr(reply, NULL, "id", xml_attr(iq, "id"));
    peer_send(p, reply);
    xml_node_free(reply);
}

static struct xml_node *
stanza_error(const char *name, const char *type, const char *condition)
{
    struct xml_node *n = xml_element_new(XML_NS_SERVER, name);
    struct xml_node *e = xml_add_element(n, XML_NS_SERVER, "error");

    xml_set_attr(n, NULL, "type", "error");
    xml_set_attr(e, NULL, "type", type);
    xml_add_element(e, NS_STANZAS, condition);
    return n;
}

static void
autopilot_iq(struct peer *p, const struct xml_node *iq)
{
    const char *type = xml_attr(iq, "type");
    struct xml_node *reply;

    if (type == NULL || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
        return;
    if (p->prof.iq_refuse) {
        reply = stanza_error("iq", "cancel", "service-unavailable");
    } else if (strcmp(type, "get") == 0 && xml_child(iq, NS_PING, "ping") != NULL) {
        reply = xml_element_new(XML_NS_SERVER, "iq");
        xml_set_attr(reply, NULL, "type", "result");
    } else if (strcmp(type, "get") == 0 && xml_child(iq, NS_DISCO_INFO, "query") != NULL) {
        struct xml_node *q, *id;

        reply = xml_element_new(XML_NS_SERVER, "iq");
        xml_set_attr(reply, NULL, "type", "result");
        q = xml_add_element(reply, NS_DISCO_INFO, "query");
        id = xml_add_element(q, NS_DISCO_INFO, "identity");
        xml_set_attr(id, NULL, "category", "server");
        xml_set_attr(id, NULL, "type", "im");
        xml_set_attr(xml_add_element(q, NS_DISCO_INFO, "feature"), NULL, "var", NS_DISCO_INFO);
        xml_set_attr(xml_add_element(q, NS_DISCO_INFO, "feature"), NULL, "var", NS_PING);
    } else {
        reply = stanza_error("iq", "cancel", "service-unavailable");
    }
    send_iq_reply(p, iq, reply);
}

void
peer_deliver(struct peer *p, const struct xml_node *n)
{
    if (!random_hold(p, PEER_IN, n))
        deliver_now(p, n);
}

static void
deliver_now(struct peer *p, const struct xml_node *n)
{
    const char *to = xml_attr(n, "to"), *from = xml_attr(n, "from");
    char bare[512], from_bare[512];
    struct peer_user *u;

    report_stanza(p, "receives", n);
    peer_jid_bare(from, from_bare, sizeof(from_bare));
    if (p->observe != NULL)
        p->observe(p, n, p->observe_arg);
    if (p->prof.drop_messages && xml_is(n, NULL, "message")) {
        peer_report(p, "message dropped without a trace (black hole)");
        return;
    }
    if (xml_is(n, NULL, "iq") && strchr(to, '@') == NULL) {
        autopilot_iq(p, n);
        return;
    }
    u = peer_user(p, peer_jid_bare(to, bare, sizeof(bare)));
    if (u == NULL) {
        const char *type = xml_attr(n, "type");

        /* RFC 6121 §8.5.2: no such user. Never answer errors with errors. */
        if (!xml_is(n, NULL, "presence") && (type == NULL || strcmp(type, "error") != 0)) {
            struct xml_node *e = stanza_error(n->name, "cancel", "service-unavailable");

            send_iq_reply(p, n, e);
        }
        return;
    }
    if (xml_is(n, NULL, "presence"))
        autopilot_presence(p, u, n, from_bare);
    else if (xml_is(n, NULL, "iq"))
        autopilot_iq(p, n);
}

/* 1 if session s (authenticated for a domain, by SASL when `sasl`) is what was asked. */
static int
auth_as_asked(const struct s2s *s, int sasl, enum peer_auth auth, enum peer_tls tls)
{
    return (auth == PEER_AUTH_ANY || (auth == PEER_AUTH_SASL) == sasl) &&
           (tls == PEER_TLS_ANY || (tls == PEER_TLS_NO && !s->tls_done) ||
            (tls == PEER_TLS_YES && s->tls_done) ||
            (tls == PEER_TLS_DIRECT && s->tls_done && s->direct_tls));
}

/* An inbound stream from `domain` the SUT authenticated, in the way asked, or NULL. */
static const struct s2s *
authenticated_in(const struct peer *p, const char *domain, enum peer_auth auth, enum peer_tls tls)
{
    const struct s2s *s;
    size_t i;

    /* SASL authenticates one domain per stream, the first valid one (s2s.c). */
    for (s = p->sessions; s != NULL; s = s->next)
        for (i = 0; s->role == S2S_IN && s->state != S2S_CLOSED && i < s->nvalid; i++)
            if (strcasecmp(s->valid[i], domain) == 0 &&
                auth_as_asked(s, s->sasl_done && i == 0, auth, tls))
                return s;
    return NULL;
}

/* Our outbound stream to `domain`, authenticated in the way asked, or NULL. */
static const struct s2s *
authenticated_out(const struct peer *p, const char *domain, enum peer_auth auth, enum peer_tls tls)
{
    const struct s2s *s;

    for (s = p->sessions; s != NULL; s = s->next)
        if (s->role == S2S_OUT && s->state == S2S_ESTABLISHED &&
            strcasecmp(s->remote, domain) == 0 && auth_as_asked(s, s->sasl_done, auth, tls))
            return s;
    return NULL;
}

/* With bidi (XEP-0288) one stream is both: the SUT's authenticated inbound stream carries the
 * peer's stanzas to it, and the peer's authenticated outbound stream carries the SUT's. */
int
peer_authenticated_from(const struct peer *p, const char *domain, enum peer_auth auth,
                        enum peer_tls tls)
{
    const struct s2s *o = authenticated_out(p, domain, auth, tls);

    /* A bidi stream (XEP-0288) the peer opened carries the SUT's stanzas too, but its
     * authentication (dialback, SASL) was the peer's own: it says nothing of how the SUT's
     * domain was verified, so it counts only when the step names no way. */
    return authenticated_in(p, domain, auth, tls) != NULL ||
           (auth == PEER_AUTH_ANY && o != NULL && o->bidi);
}

int
peer_authenticated_to(const struct peer *p, const char *domain, enum peer_auth auth,
                      enum peer_tls tls)
{
    const struct s2s *i = authenticated_in(p, domain, auth, tls);

    /* The same the other way: the SUT's bidi stream was authenticated as the SUT's domain. */
    return authenticated_out(p, domain, auth, tls) != NULL ||
           (auth == PEER_AUTH_ANY && i != NULL && i->bidi);
}

int
peer_send_raw(struct peer *p, const char *domain, const char *bytes, char *err, size_t errlen)
{
    struct s2s *s;

    for (s = p->sessions; s != NULL; s = s->next) {
        if (s->role == S2S_OUT && s->state == S2S_ESTABLISHED && s->conn != NULL &&
            strcasecmp(s->remote, domain) == 0) {
            peer_report(p, "s2s out #%u: raw bytes: %s", s->id, bytes);
            xconn_send_raw(s->conn, bytes, strlen(bytes));
            return 0;
        }
    }
    snprintf(err, errlen,
             "%s has no authenticated stream to %s to send raw bytes on (wait for "
             "\"is authenticated to\" first)",
             p->domain, domain);
    return -1;
}

int
peer_send_raw_unauthenticated(struct peer *p, const char *domain, const char *bytes, char *err,
                              size_t errlen)
{
    struct s2s *s;

    for (s = p->sessions; s != NULL; s = s->next) {
        if (s->role == S2S_RAW && s->state != S2S_CLOSED && strcasecmp(s->remote, domain) == 0) {
            s2s_raw_write(s, bytes);
            return 0;
        }
    }
    s = s2s_connect(p, S2S_RAW, p->domain, domain);
    if (s->state == S2S_CLOSED) {
        snprintf(err, errlen, "%s cannot open a raw connection to %s: it does not resolve",
                 p->domain, domain);
        return -1;
    }
    s2s_raw_write(s, bytes);
    return 0;
}
