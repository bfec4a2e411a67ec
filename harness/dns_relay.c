/* dns_relay.c: the SUT's DNS address in front of the workers' DNS servers (dns_relay.h). */
#include "dns_relay.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "xmalloc.h"

struct relay_tcp;

struct dns_relay {
    struct event_base *base;
    int udp_fd;
    struct event *udp_ev;
    struct net_listener *tcp;
    struct net_addr *workers; /* owned copy */
    size_t nworkers;
    struct net_addr fallback;
    int dflt;                      /* -1: the fallback */
    struct relay_udp *udp_pending; /* forwarded UDP queries waiting for their answer */
    struct relay_tcp *tcp_clients;
};

/* One UDP query forwarded: its own socket connected to the worker, the client to answer. */
struct relay_udp {
    struct dns_relay *r;
    int fd;
    struct event *ev;
    struct sockaddr_storage client;
    socklen_t clientlen;
    struct relay_udp *next, **prevp;
};

/* A TCP query forwarded: a connection of its own to the worker, its answer to the client. */
struct relay_up {
    struct relay_tcp *c;
    struct net_connect *conn; /* while connecting */
    struct bufferevent *bev;  /* once connected */
    unsigned char *msg;       /* the framed query, until sent */
    size_t len;
    struct event *timer;
    struct relay_up *next, **prevp;
};

/* A TCP connection from the SUT: framed queries in, framed answers out (RFC 1035 4.2.2). */
struct relay_tcp {
    struct dns_relay *r;
    struct bufferevent *bev;
    struct relay_up *ups;
    struct relay_tcp *next, **prevp;
};

void
dns_relay_label(char out[8], unsigned seq, unsigned k)
{
    snprintf(out, 8, "r%06x", ((seq << 6) | (k & 63u)) & 0xffffffu);
}

int
dns_relay_route(const unsigned char *msg, size_t len)
{
    size_t at = 12;

    if (len < 12 || (msg[4] == 0 && msg[5] == 0))
        return -1;
    /* The question's name, label by label (no compression in a question's first name). */
    while (at < len && msg[at] != 0) {
        size_t n = msg[at];

        if (n > 63 || at + 1 + n > len)
            return -1;
        if (n == 7 && (msg[at + 1] | 0x20) == 'r') {
            size_t i;
            unsigned v = 0;

            for (i = 0; i < 6; i++) {
                int c = tolower(msg[at + 2 + i]);

                if (!isxdigit(c))
                    break;
                v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
            }
            if (i == 6)
                return (int)(v & 63u);
        }
        at += 1 + n;
    }
    return -1;
}

static const struct net_addr *
target(const struct dns_relay *r, const unsigned char *msg, size_t len)
{
    int k = dns_relay_route(msg, len);

    if (k < 0 || (size_t)k >= r->nworkers)
        k = r->dflt;
    return k >= 0 && (size_t)k < r->nworkers ? &r->workers[k] : &r->fallback;
}

static void
udp_pending_free(struct relay_udp *u)
{
    *u->prevp = u->next;
    if (u->next != NULL)
        u->next->prevp = u->prevp;
    if (u->ev != NULL)
        event_free(u->ev);
    close(u->fd);
    free(u);
}

static void
udp_answer(evutil_socket_t fd, short what, void *arg)
{
    struct relay_udp *u = arg;
    unsigned char buf[65536];
    ssize_t n;

    if (what & EV_READ) {
        n = recv(fd, buf, sizeof(buf), 0);
        if (n > 0)
            sendto(u->r->udp_fd, buf, (size_t)n, 0, (struct sockaddr *)&u->client, u->clientlen);
    }
    udp_pending_free(u); /* answered, or waited DNS_RELAY_WAIT_MS: as a lost datagram */
}

static void
udp_query(evutil_socket_t fd, short what, void *arg)
{
    struct dns_relay *r = arg;
    unsigned char buf[65536];
    int i;

    (void)what;
    for (i = 0; i < 64; i++) { /* a burst, then back to the loop */
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        const struct net_addr *to;
        struct relay_udp *u;
        struct timeval tv = {DNS_RELAY_WAIT_MS / 1000, 0};
        int up;

        if (n < 0)
            return;
        to = target(r, buf, (size_t)n);
        up = socket(to->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (up < 0 || connect(up, (const struct sockaddr *)&to->ss, to->len) != 0 ||
            send(up, buf, (size_t)n, 0) != n) {
            log_warnx("dns relay: cannot forward a query: %s", strerror(errno));
            if (up >= 0)
                close(up);
            continue;
        }
        u = xcalloc(1, sizeof(*u));
        u->r = r;
        u->fd = up;
        u->client = from;
        u->clientlen = fromlen;
        u->ev = event_new(r->base, up, EV_READ, udp_answer, u);
        u->next = r->udp_pending;
        u->prevp = &r->udp_pending;
        if (u->next != NULL)
            u->next->prevp = &u->next;
        r->udp_pending = u;
        event_add(u->ev, &tv);
    }
}

static void
up_free(struct relay_up *u)
{
    *u->prevp = u->next;
    if (u->next != NULL)
        u->next->prevp = u->prevp;
    if (u->conn != NULL)
        net_connect_cancel(u->conn);
    if (u->bev != NULL)
        bufferevent_free(u->bev);
    if (u->timer != NULL)
        event_free(u->timer);
    free(u->msg);
    free(u);
}

static void
tcp_client_free(struct relay_tcp *c)
{
    while (c->ups != NULL)
        up_free(c->ups);
    *c->prevp = c->next;
    if (c->next != NULL)
        c->next->prevp = c->prevp;
    bufferevent_free(c->bev);
    free(c);
}

static void
up_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    up_free(arg);
}

/* The worker's answer: one framed message, passed on as it is. */
static void
up_read(struct bufferevent *bev, void *arg)
{
    struct relay_up *u = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    unsigned char hdr[2];
    size_t need;

    if (evbuffer_copyout(in, hdr, 2) != 2)
        return;
    need = 2 + ((size_t)hdr[0] << 8 | hdr[1]);
    if (evbuffer_get_length(in) < need)
        return;
    evbuffer_remove_buffer(in, bufferevent_get_output(u->c->bev), need);
    up_free(u);
}

static void
up_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    up_free(arg); /* closed or failed before answering: the SUT's wait ends by its own timer */
}

static void
up_connected(enum net_event ev, struct bufferevent *bev, int error, void *arg)
{
    struct relay_up *u = arg;

    (void)error;
    u->conn = NULL;
    if (ev != NET_CONNECTED) {
        up_free(u);
        return;
    }
    u->bev = bev;
    bufferevent_setcb(bev, up_read, NULL, up_event, u);
    bufferevent_write(bev, u->msg, u->len);
    bufferevent_enable(bev, EV_READ);
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
    struct relay_tcp *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    unsigned char hdr[2];

    while (evbuffer_copyout(in, hdr, 2) == 2) {
        size_t need = 2 + ((size_t)hdr[0] << 8 | hdr[1]);
        struct relay_up *u;
        struct timeval tv = {DNS_RELAY_WAIT_MS / 1000, 0};

        if (evbuffer_get_length(in) < need)
            return;
        u = xcalloc(1, sizeof(*u));
        u->c = c;
        u->len = need;
        u->msg = xmalloc(need);
        evbuffer_remove(in, u->msg, need);
        u->next = c->ups;
        u->prevp = &c->ups;
        if (u->next != NULL)
            u->next->prevp = &u->next;
        c->ups = u;
        u->timer = evtimer_new(c->r->base, up_timeout, u);
        evtimer_add(u->timer, &tv);
        u->conn =
                net_connect(c->r->base, target(c->r, u->msg + 2, need - 2), 5000, up_connected, u);
    }
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    tcp_client_free(arg);
}

static void
tcp_accept(int fd, const struct sockaddr *peer, void *arg)
{
    struct dns_relay *r = arg;
    struct relay_tcp *c = xcalloc(1, sizeof(*c));

    (void)peer;
    c->r = r;
    c->bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->next = r->tcp_clients;
    c->prevp = &r->tcp_clients;
    if (c->next != NULL)
        c->next->prevp = &c->next;
    r->tcp_clients = c;
    bufferevent_setcb(c->bev, tcp_read, NULL, tcp_event, c);
    bufferevent_enable(c->bev, EV_READ);
}

struct dns_relay *
dns_relay_new(struct event_base *base, const struct net_addr *listen,
              const struct net_addr *workers, size_t nworkers, const struct net_addr *fallback,
              char *err, size_t errlen)
{
    struct dns_relay *r = xcalloc(1, sizeof(*r));

    r->base = base;
    r->dflt = -1;
    r->udp_fd = -1;
    r->workers = xcalloc(nworkers + 1, sizeof(*r->workers));
    memcpy(r->workers, workers, nworkers * sizeof(*workers));
    r->nworkers = nworkers;
    r->fallback = *fallback;
    if ((r->udp_fd = net_udp_bind(listen, err, errlen)) < 0)
        goto fail;
    if ((r->tcp = net_listen(base, listen, tcp_accept, r, err, errlen)) == NULL)
        goto fail;
    r->udp_ev = event_new(base, r->udp_fd, EV_READ | EV_PERSIST, udp_query, r);
    if (r->udp_ev == NULL || event_add(r->udp_ev, NULL) != 0) {
        snprintf(err, errlen, "dns relay: cannot watch the udp socket");
        goto fail;
    }
    return r;
fail:
    dns_relay_free(r);
    return NULL;
}

void
dns_relay_set_default(struct dns_relay *r, int k)
{
    r->dflt = k;
}

void
dns_relay_free(struct dns_relay *r)
{
    if (r == NULL)
        return;
    while (r->udp_pending != NULL)
        udp_pending_free(r->udp_pending);
    while (r->tcp_clients != NULL)
        tcp_client_free(r->tcp_clients);
    if (r->udp_ev != NULL)
        event_free(r->udp_ev);
    if (r->udp_fd >= 0)
        close(r->udp_fd);
    net_listener_free(r->tcp);
    free(r->workers);
    free(r);
}
