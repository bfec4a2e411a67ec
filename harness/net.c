/* net.c: numeric addresses, TCP listeners, UDP sockets and bounded non-blocking connects. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "xmalloc.h"

int
net_addr_from_host(const char *host, int port, struct net_addr *addr)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&addr->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr->ss;

    if (port < 0 || port > 65535)
        return -1;
    memset(addr, 0, sizeof(*addr));
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        addr->len = sizeof(*sin);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        addr->len = sizeof(*sin6);
        return 0;
    }
    return -1;
}

int
net_addr_parse(const char *s, struct net_addr *addr, char *err, size_t errlen)
{
    char host[NET_ADDRSTRLEN];
    const char *colon, *hs = s;
    size_t hlen;
    char *end;
    long port;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (close == NULL || close[1] != ':') {
            snprintf(err, errlen, "\"%s\": expected [IPv6]:PORT", s);
            return -1;
        }
        hs = s + 1;
        hlen = (size_t)(close - hs);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL) {
            snprintf(err, errlen, "\"%s\": expected ADDR:PORT (e.g. 127.0.0.1:5353)", s);
            return -1;
        }
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= sizeof(host)) {
        snprintf(err, errlen, "\"%s\": missing or overlong address", s);
        return -1;
    }
    memcpy(host, hs, hlen);
    host[hlen] = '\0';
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 0 || port > 65535) {
        snprintf(err, errlen, "\"%s\": port must be a number from 0 to 65535", s);
        return -1;
    }
    if (net_addr_from_host(host, (int)port, addr) != 0) {
        snprintf(err, errlen, "\"%s\": \"%s\" is not a numeric IPv4 or IPv6 address", s, host);
        return -1;
    }
    return 0;
}

const char *
net_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%d", host, ntohs(sin->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%d", host, ntohs(sin6->sin6_port));
    } else {
        snprintf(buf, len, "(family %d)", sa->sa_family);
    }
    return buf;
}

int
net_addr_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return -1;
}

int
net_local_addr(int fd, struct net_addr *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->len = sizeof(addr->ss);
    return getsockname(fd, (struct sockaddr *)&addr->ss, &addr->len);
}

int
net_addr_is_loopback(const struct net_addr *addr)
{
    if (addr->ss.ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)&addr->ss)->sin_addr.s_addr) >> 24) == 127;
    if (addr->ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)&addr->ss)->sin6_addr;

        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}

/* Test listeners belong on loopback; one given elsewhere is served, with a warning (once per
 * address), since other machines can then reach it. */
static void
warn_not_loopback(const struct net_addr *addr, const char *proto)
{
    static struct net_addr warned[16];
    static size_t nwarned;
    char buf[NET_ADDRSTRLEN];
    size_t i;

    if (net_addr_is_loopback(addr))
        return;
    for (i = 0; i < nwarned; i++)
        if (warned[i].len == addr->len && memcmp(&warned[i].ss, &addr->ss, addr->len) == 0)
            return;
    if (nwarned < sizeof(warned) / sizeof(warned[0]))
        warned[nwarned++] = *addr;
    log_warnx("listening on %s (%s), which is not a loopback address: other machines can reach "
              "this test listener",
              net_addr_format((const struct sockaddr *)&addr->ss, buf, sizeof(buf)), proto);
}

int
net_udp_bind(const struct net_addr *addr, char *err, size_t errlen)
{
    char buf[NET_ADDRSTRLEN];
    int fd;

    fd = socket(addr->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "udp socket: %s", strerror(errno));
        return -1;
    }
    if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0) {
        snprintf(err, errlen, "cannot bind udp %s: %s",
                 net_addr_format((const struct sockaddr *)&addr->ss, buf, sizeof(buf)),
                 strerror(errno));
        close(fd);
        return -1;
    }
    warn_not_loopback(addr, "udp");
    return fd;
}

void
net_set_nodelay(int fd)
{
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        log_trace(LOG_TRACE_NET, "TCP_NODELAY on fd %d: %s", fd, strerror(errno));
}

/* A burst of connects (a thousand idle ones, a load run) waits in the queue instead of having
 * its SYNs dropped and retried a second later (the kernel caps it at net.core.somaxconn). */
#define NET_LISTEN_BACKLOG 1024

struct net_listener {
    struct evconnlistener *evl; /* owned */
    struct net_addr addr;
    net_accept_cb cb;
    void *arg;
    net_reclaim_cb reclaim; /* NULL: nothing to close for room */
    void *reclaim_arg;
    struct event *resume;                    /* owned: re-enables accepting after a pause */
    struct event *warn;                      /* owned: one warning line a second at most */
    unsigned long failed, reclaimed, paused; /* since the last warning line */
    int last_errno;
};

static void
listener_accept(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *peer, int len,
                void *arg)
{
    struct net_listener *l = arg;
    char buf[NET_ADDRSTRLEN];

    (void)evl;
    (void)len;
    net_set_nodelay(fd);
    log_trace(LOG_TRACE_NET, "accepted %s on fd %d", net_addr_format(peer, buf, sizeof(buf)),
              (int)fd);
    l->cb(fd, peer, l->arg);
}

/* The accept warning: at most one line a second, with what happened since the last one. */
static void
listener_warn(struct net_listener *l)
{
    struct timeval second = {.tv_sec = 1, .tv_usec = 0};
    char buf[NET_ADDRSTRLEN];

    if (l->failed == 0)
        return;
    log_warnx("accept on %s failed %lu time%s: %s (%lu connection%s closed for room, %lu pause%s "
              "of 100 ms)",
              net_addr_format((const struct sockaddr *)&l->addr.ss, buf, sizeof(buf)), l->failed,
              l->failed == 1 ? "" : "s", strerror(l->last_errno), l->reclaimed,
              l->reclaimed == 1 ? "" : "s", l->paused, l->paused == 1 ? "" : "s");
    l->failed = l->reclaimed = l->paused = 0;
    evtimer_add(l->warn, &second);
}

static void
listener_warn_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    listener_warn(arg);
}

static void
listener_resume(evutil_socket_t fd, short what, void *arg)
{
    struct net_listener *l = arg;

    (void)fd;
    (void)what;
    evconnlistener_enable(l->evl);
}

/*
 * Accepting failed. Out of file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM): the owner may
 * close a connection it can spare (its reclaim hook), and the pending connection is taken on
 * the next turn of the loop; if it has none, accepting pauses for 100 ms instead of spinning
 * on a socket that stays readable. Either way the warning is rate-limited.
 */
static void
listener_error(struct evconnlistener *evl, void *arg)
{
    struct net_listener *l = arg;
    struct timeval pause = {.tv_sec = 0, .tv_usec = 100000};
    int e = errno;

    l->failed++;
    l->last_errno = e;
    if ((e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) && l->reclaim != NULL &&
        l->reclaim(l->reclaim_arg)) {
        l->reclaimed++;
    } else {
        evconnlistener_disable(evl);
        evtimer_add(l->resume, &pause);
        l->paused++;
    }
    if (!evtimer_pending(l->warn, NULL))
        listener_warn(l);
}

void
net_listener_set_reclaim(struct net_listener *l, net_reclaim_cb cb, void *arg)
{
    l->reclaim = cb;
    l->reclaim_arg = arg;
}

struct net_listener *
net_listen(struct event_base *base, const struct net_addr *addr, net_accept_cb cb, void *arg,
           char *err, size_t errlen)
{
    struct net_listener *l = xcalloc(1, sizeof(*l));
    char buf[NET_ADDRSTRLEN];

    l->cb = cb;
    l->arg = arg;
    l->evl = evconnlistener_new_bind(
            base, listener_accept, l,
            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, NET_LISTEN_BACKLOG,
            (const struct sockaddr *)&addr->ss, (int)addr->len);
    if (l->evl == NULL) {
        snprintf(err, errlen, "cannot listen on tcp %s: %s",
                 net_addr_format((const struct sockaddr *)&addr->ss, buf, sizeof(buf)),
                 strerror(errno));
        free(l);
        return NULL;
    }
    warn_not_loopback(addr, "tcp");
    evconnlistener_set_error_cb(l->evl, listener_error);
    l->resume = evtimer_new(base, listener_resume, l);
    l->warn = evtimer_new(base, listener_warn_cb, l);
    if (l->resume == NULL || l->warn == NULL)
        fatalx("cannot allocate a listener's timers");
    net_local_addr(evconnlistener_get_fd(l->evl), &l->addr);
    return l;
}

const struct net_addr *
net_listener_addr(const struct net_listener *l)
{
    return &l->addr;
}

void
net_listener_free(struct net_listener *l)
{
    if (l == NULL)
        return;
    evconnlistener_free(l->evl);
    event_free(l->resume);
    event_free(l->warn);
    free(l);
}

struct net_blackhole {
    int listen_fd, filler_fd;
};

struct net_blackhole *
net_blackhole(const struct net_addr *addr, char *err, size_t errlen)
{
    struct net_blackhole *b = xcalloc(1, sizeof(*b));
    char buf[NET_ADDRSTRLEN];
    int one = 1;

    b->filler_fd = -1;
    b->listen_fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (b->listen_fd < 0 ||
        setsockopt(b->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(b->listen_fd, (const struct sockaddr *)&addr->ss, addr->len) != 0 ||
        listen(b->listen_fd, 0) != 0)
        goto fail;
    /* One connection of our own fills the (0 + 1) accept queue; loopback completes it at once,
     * blocking. Later SYNs are dropped (listen queue overflow). */
    b->filler_fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (b->filler_fd < 0 ||
        connect(b->filler_fd, (const struct sockaddr *)&addr->ss, addr->len) != 0)
        goto fail;
    return b;
fail:
    snprintf(err, errlen, "cannot make a blackhole at tcp %s: %s",
             net_addr_format((const struct sockaddr *)&addr->ss, buf, sizeof(buf)),
             strerror(errno));
    net_blackhole_free(b);
    return NULL;
}

void
net_blackhole_free(struct net_blackhole *b)
{
    if (b == NULL)
        return;
    if (b->filler_fd >= 0)
        close(b->filler_fd);
    if (b->listen_fd >= 0)
        close(b->listen_fd);
    free(b);
}

struct net_connect {
    struct bufferevent *bev; /* owned until handed to the callback */
    struct event *timer;     /* owned */
    net_connect_cb cb;
    void *arg;
    int early_error; /* errno of a connect that failed before any I/O */
};

static void
connect_finish(struct net_connect *c, enum net_event ev, int error)
{
    struct bufferevent *bev = c->bev;

    c->bev = NULL;
    event_free(c->timer);
    if (ev == NET_CONNECTED) {
        bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
        net_set_nodelay(bufferevent_getfd(bev));
    } else {
        bufferevent_free(bev);
        bev = NULL;
    }
    c->cb(ev, bev, error, c->arg);
    free(c);
}

static void
connect_event(struct bufferevent *bev, short what, void *arg)
{
    int error = EVUTIL_SOCKET_ERROR();

    (void)bev;
    if (what & BEV_EVENT_CONNECTED)
        connect_finish(arg, NET_CONNECTED, 0);
    else
        connect_finish(arg, NET_ERROR, error != 0 ? error : ECONNREFUSED);
}

static void
connect_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct net_connect *c = arg;

    (void)fd;
    (void)what;
    if (c->early_error != 0)
        connect_finish(c, NET_ERROR, c->early_error);
    else
        connect_finish(c, NET_TIMEOUT, ETIMEDOUT);
}

struct net_connect *
net_connect(struct event_base *base, const struct net_addr *addr, int timeout_ms, net_connect_cb cb,
            void *arg)
{
    struct net_connect *c = xcalloc(1, sizeof(*c));
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};

    if (timeout_ms <= 0)
        fatalx("net_connect without a timeout");
    c->cb = cb;
    c->arg = arg;
    c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    c->timer = evtimer_new(base, connect_timeout, c);
    if (c->bev == NULL || c->timer == NULL)
        fatalx("cannot allocate a connection");
    bufferevent_setcb(c->bev, NULL, NULL, connect_event, c);
    evtimer_add(c->timer, &tv);
    if (bufferevent_socket_connect(c->bev, (const struct sockaddr *)&addr->ss, (int)addr->len) !=
        0) {
        /* Immediate failure (e.g. no route): report it from the loop, never re-entrantly. */
        struct timeval now = {0, 0};

        c->early_error = errno != 0 ? errno : ECONNREFUSED;
        bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
        evtimer_add(c->timer, &now);
    }
    return c;
}

void
net_connect_cancel(struct net_connect *c)
{
    if (c == NULL)
        return;
    bufferevent_free(c->bev);
    event_free(c->timer);
    free(c);
}
