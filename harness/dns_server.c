/* dns_server.c: UDP and TCP sockets of the DNS responder, framing, logging and observers. */
#include "dns_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "clock.h"
#include "log.h"
#include "xmalloc.h"

#define DNS_MAX_MSG     65535
#define TCP_OUTPUT_HIGH (256 * 1024)
#define BIND_TRIES      16
#define UDP_BATCH       32   /* datagrams per recvmmsg/sendmmsg */
#define UDP_ROUNDS      2    /* batches per wake-up, so TCP and timers get their turn */
#define UDP_MAX_QUERY   4096 /* a longer UDP query is read cut short (and answered FORMERR) */

struct tcp_conn {
    struct dns_server *srv;  /* borrowed: the server outlives its connections */
    struct bufferevent *bev; /* owned */
    struct sockaddr_storage peer;
    struct tcp_conn *prev, *next; /* the server's list, most recently active first */
};

struct delayed;

struct dns_server {
    struct event_base *base;         /* borrowed */
    const struct dns_zoneset *zones; /* borrowed */
    const struct dns_faults *faults; /* borrowed; NULL: none */
    struct delayed *delayed;         /* owned: UDP answers a fault holds back */
    struct dns_server_config cfg;
    struct net_addr addr;
    int udp_fd;
    struct event *udp_ev;     /* owned */
    struct net_listener *tcp; /* owned */
    struct tcp_conn *conns;   /* owned list, most recently active first */
    struct tcp_conn *oldest;  /* borrowed: the list's tail, idle the longest */
    int nconns;
    int pressure;             /* nconns reached 3/4 of the limit: shorter idle timeouts */
    struct event *warn_timer; /* owned: one warning line per second at most */
    unsigned long evicted_max, evicted_client; /* closed since the last warning line */
    FILE *log;        /* borrowed */
    int log_discards; /* the log is /dev/null: no line is formatted for it */
    dns_server_observer observer;
    void *observer_arg;
    struct dns_server_stats stats;
    uint8_t buf[DNS_MAX_MSG];
    /* UDP: a batch of datagrams in per recvmmsg, their answers out per sendmmsg. */
    uint8_t udp_in[UDP_BATCH][UDP_MAX_QUERY];
};

void
dns_server_format_record(const struct dns_query_record *rec, char *buf, size_t len)
{
    char stamp[32], client[NET_ADDRSTRLEN], type[32];

    clock_format(&rec->when, stamp, sizeof(stamp));
    if (rec->info.qtype != 0)
        dns_answer_type_str(rec->info.qtype, type, sizeof(type));
    else
        strcpy(type, "-");
    snprintf(buf, len, "%s %s %s %s %s %s %d%s%s", stamp, rec->tcp ? "tcp" : "udp",
             net_addr_format((const struct sockaddr *)&rec->client, client, sizeof(client)),
             rec->info.qname, type, dns_answer_rcode_str(rec->info.rcode), rec->info.ancount,
             rec->info.truncated ? " tc" : "", rec->info.fault ? " fault" : "");
}

/* Answers one message; returns 1 with *out set if a response is due. */
static int
serve(struct dns_server *s, const uint8_t *msg, size_t len, int tcp, const struct sockaddr *from,
      socklen_t fromlen, uint8_t **out, size_t *outlen, int *delay_ms)
{
    struct dns_query_record rec;
    int respond, logs = s->log != NULL && !s->log_discards;
    /* The record is only formatted for a reader: a log, an observer or a trace. */
    int seen = logs || s->observer != NULL || (log_traces & LOG_TRACE_DNS);

    memset(&rec, 0, sizeof(rec));
    if (seen)
        clock_wall(&rec.when);
    rec.tcp = tcp;
    memcpy(&rec.client, from, fromlen < sizeof(rec.client) ? fromlen : sizeof(rec.client));
    respond = dns_answer_query(s->zones, s->faults, msg, len, tcp, seen ? 0 : DNS_ANSWER_NO_QNAME,
                               out, outlen, &rec.info);
    if (tcp)
        s->stats.tcp_queries++;
    else
        s->stats.udp_queries++;
    if (!respond)
        s->stats.dropped++;
    if (logs) {
        char line[512];

        dns_server_format_record(&rec, line, sizeof(line));
        fprintf(s->log, "%s\n", line);
        fflush(s->log);
    }
    log_trace(LOG_TRACE_DNS, "%s %s %s -> %s, %d answers", tcp ? "tcp" : "udp", rec.info.qname,
              rec.info.qtype ? "" : "(undecodable)", dns_answer_rcode_str(rec.info.rcode),
              rec.info.ancount);
    if (s->observer != NULL)
        s->observer(&rec, s->observer_arg);
    if (delay_ms != NULL)
        *delay_ms = rec.info.delay_ms;
    return respond;
}

/* A UDP answer held back by a delay fault. */
struct delayed {
    struct dns_server *srv; /* borrowed */
    struct event *timer;    /* owned */
    uint8_t *out;           /* owned */
    size_t outlen;
    struct sockaddr_storage to;
    socklen_t tolen;
    struct delayed *prev, *next;
};

static void
delayed_free(struct delayed *d)
{
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        d->srv->delayed = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    event_free(d->timer);
    free(d->out);
    free(d);
}

static void
delayed_send(evutil_socket_t fd, short what, void *arg)
{
    struct delayed *d = arg;

    (void)fd;
    (void)what;
    if (sendto(d->srv->udp_fd, d->out, d->outlen, 0, (struct sockaddr *)&d->to, d->tolen) < 0)
        log_trace(LOG_TRACE_DNS, "udp send: %s", strerror(errno));
    delayed_free(d);
}

static void
send_later(struct dns_server *s, uint8_t *out, size_t outlen, const struct sockaddr *to,
           socklen_t tolen, int ms)
{
    struct delayed *d = xcalloc(1, sizeof(*d));
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

    d->srv = s;
    d->out = out;
    d->outlen = outlen;
    memcpy(&d->to, to, tolen);
    d->tolen = tolen;
    d->timer = evtimer_new(s->base, delayed_send, d);
    d->next = s->delayed;
    if (s->delayed != NULL)
        s->delayed->prev = d;
    s->delayed = d;
    evtimer_add(d->timer, &tv);
}

/*
 * A flood is read and answered in batches: one recvmmsg for up to UDP_BATCH queries, one
 * sendmmsg for their answers (each a syscall fewer per query than recvfrom/sendto), at most
 * UDP_ROUNDS batches per wake-up so TCP clients and timers get their turn.
 */
static void
udp_readable(evutil_socket_t fd, short what, void *arg)
{
    struct dns_server *s = arg;
    int round;

    (void)what;
    for (round = 0; round < UDP_ROUNDS; round++) {
        struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
        struct iovec iov_in[UDP_BATCH], iov_out[UDP_BATCH];
        struct sockaddr_storage from[UDP_BATCH];
        uint8_t *answers[UDP_BATCH];
        int n, i, k = 0;

        memset(in, 0, sizeof(in));
        for (i = 0; i < UDP_BATCH; i++) {
            iov_in[i] = (struct iovec){.iov_base = s->udp_in[i], .iov_len = UDP_MAX_QUERY};
            in[i].msg_hdr.msg_iov = &iov_in[i];
            in[i].msg_hdr.msg_iovlen = 1;
            in[i].msg_hdr.msg_name = &from[i];
            in[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        n = recvmmsg(fd, in, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_warn("dns: udp receive");
            return;
        }
        for (i = 0; i < n; i++) {
            uint8_t *ans = NULL;
            size_t anslen = 0;
            int delay = 0;

            if (!serve(s, s->udp_in[i], in[i].msg_len, 0, (struct sockaddr *)&from[i],
                       in[i].msg_hdr.msg_namelen, &ans, &anslen, &delay))
                continue;
            if (delay > 0) {
                send_later(s, ans, anslen, (struct sockaddr *)&from[i],
                           in[i].msg_hdr.msg_namelen, delay);
                continue;
            }
            answers[k] = ans;
            iov_out[k] = (struct iovec){.iov_base = ans, .iov_len = anslen};
            memset(&out[k], 0, sizeof(out[k]));
            out[k].msg_hdr.msg_iov = &iov_out[k];
            out[k].msg_hdr.msg_iovlen = 1;
            out[k].msg_hdr.msg_name = &from[i];
            out[k].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
            k++;
        }
        for (i = 0; i < k;) { /* a short count: go on after the one that failed */
            int sent = sendmmsg(fd, out + i, (unsigned)(k - i), 0);

            if (sent <= 0) {
                log_trace(LOG_TRACE_DNS, "udp send: %s", strerror(errno));
                i++;
            } else {
                i += sent;
            }
        }
        for (i = 0; i < k; i++)
            free(answers[i]);
        if (n < UDP_BATCH)
            return;
    }
}

static void
conn_unlink(struct tcp_conn *c)
{
    struct dns_server *s = c->srv;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        s->oldest = c->prev;
    c->prev = c->next = NULL;
}

static void
conn_push_front(struct tcp_conn *c)
{
    struct dns_server *s = c->srv;

    c->prev = NULL;
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    else
        s->oldest = c;
    s->conns = c;
}

/* The connection was active: it goes to the front, the last to be closed for room. */
static void
conn_touch(struct tcp_conn *c)
{
    if (c->srv->conns == c)
        return;
    conn_unlink(c);
    conn_push_front(c);
}

static void
conn_free(struct tcp_conn *c)
{
    struct dns_server *s = c->srv;

    conn_unlink(c);
    s->nconns--;
    if (s->pressure && s->nconns < s->cfg.tcp_max_conns / 2)
        s->pressure = 0;
    bufferevent_free(c->bev);
    free(c);
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
    struct tcp_conn *c = arg;
    struct dns_server *s = c->srv;
    struct evbuffer *in = bufferevent_get_input(bev);

    conn_touch(c);
    while (evbuffer_get_length(in) >= 2) {
        uint8_t hdr[2], *out = NULL;
        size_t len, outlen = 0;

        evbuffer_copyout(in, hdr, 2);
        len = (size_t)hdr[0] << 8 | hdr[1];
        if (len == 0) {
            log_trace(LOG_TRACE_DNS, "tcp: zero-length message, closing");
            conn_free(c);
            return;
        }
        if (evbuffer_get_length(in) < len + 2)
            return;
        evbuffer_drain(in, 2);
        evbuffer_remove(in, s->buf, len);
        /* Over TCP a delay fault is not applied: the connection may be gone by then. */
        if (serve(s, s->buf, len, 1, (struct sockaddr *)&c->peer, sizeof(c->peer), &out, &outlen,
                  NULL)) {
            hdr[0] = (uint8_t)(outlen >> 8);
            hdr[1] = (uint8_t)outlen;
            bufferevent_write(bev, hdr, 2);
            bufferevent_write(bev, out, outlen);
            free(out);
        }
        if (evbuffer_get_length(bufferevent_get_output(bev)) > TCP_OUTPUT_HIGH) {
            /* The client does not read its answers: stop reading its questions. */
            bufferevent_disable(bev, EV_READ);
            return;
        }
    }
}

static void
tcp_write(struct bufferevent *bev, void *arg)
{
    conn_touch(arg);
    if (!(bufferevent_get_enabled(bev) & EV_READ)) {
        bufferevent_enable(bev, EV_READ);
        tcp_read(bev, arg);
    }
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct tcp_conn *c = arg;

    (void)bev;
    if (what & BEV_EVENT_TIMEOUT)
        log_trace(LOG_TRACE_DNS, "tcp: idle connection closed");
    conn_free(c);
}

/* The idle timeout for connections: shorter once 3/4 of the limit is in use (RFC 7766 §6.2.3). */
static struct timeval
idle_timeout(const struct dns_server *s)
{
    int ms = s->cfg.tcp_idle_ms;

    if (s->pressure) {
        ms /= 5;
        if (ms < 200)
            ms = s->cfg.tcp_idle_ms < 200 ? s->cfg.tcp_idle_ms : 200;
    }
    return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
}

static int
same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return 0;
    if (b->sa_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    if (b->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
    return 0;
}

/* The warning about connections closed for room: at most one line a second, with counts. */
static void
warn_evictions(struct dns_server *s)
{
    struct timeval second = {.tv_sec = 1, .tv_usec = 0};

    if (s->evicted_max + s->evicted_client == 0)
        return;
    log_warnx("dns: TCP connection limits reached: closed %lu connection%s idle the longest "
              "(%lu at the limit of %d open, %lu at the limit of %d per client address)",
              s->evicted_max + s->evicted_client,
              s->evicted_max + s->evicted_client == 1 ? "" : "s", s->evicted_max,
              s->cfg.tcp_max_conns, s->evicted_client, s->cfg.tcp_max_per_client);
    s->evicted_max = s->evicted_client = 0;
    evtimer_add(s->warn_timer, &second);
}

static void
warn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    warn_evictions(arg);
}

static void
count_eviction(struct dns_server *s, int per_client)
{
    if (per_client)
        s->evicted_client++;
    else
        s->evicted_max++;
    s->stats.tcp_evicted++;
    if (!evtimer_pending(s->warn_timer, NULL))
        warn_evictions(s);
}

/*
 * RFC 7766 §6.2: a new connection is always taken. At the per-client limit, that client's
 * connection idle the longest is closed; at the server's limit, the connection idle the longest
 * of all. From 3/4 of the limit on, idle connections time out five times sooner.
 */
static void
tcp_accept(int fd, const struct sockaddr *peer, void *arg)
{
    struct dns_server *s = arg;
    struct tcp_conn *c, *old;
    struct timeval idle;
    int same = 0;

    for (old = s->oldest; old != NULL; old = old->prev)
        same += same_host(&old->peer, peer);
    if (same >= s->cfg.tcp_max_per_client) {
        for (old = s->oldest; old != NULL && !same_host(&old->peer, peer); old = old->prev)
            ;
        if (old != NULL) {
            log_trace(LOG_TRACE_DNS, "tcp: per-client limit, closing the one idle the longest");
            conn_free(old);
            count_eviction(s, 1);
        }
    }
    if (s->nconns >= s->cfg.tcp_max_conns && s->oldest != NULL) {
        log_trace(LOG_TRACE_DNS, "tcp: %d connections open, closing the one idle the longest",
                  s->nconns);
        conn_free(s->oldest);
        count_eviction(s, 0);
    }
    c = xcalloc(1, sizeof(*c));
    c->srv = s;
    memcpy(&c->peer, peer,
           peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL)
        fatalx("cannot allocate a bufferevent");
    bufferevent_setcb(c->bev, tcp_read, tcp_write, tcp_event, c);
    conn_push_front(c);
    s->nconns++;
    s->stats.tcp_conns++;
    if (!s->pressure && s->nconns >= s->cfg.tcp_max_conns - s->cfg.tcp_max_conns / 4) {
        struct tcp_conn *k;

        s->pressure = 1;
        idle = idle_timeout(s);
        for (k = s->conns->next; k != NULL; k = k->next)
            bufferevent_set_timeouts(k->bev, &idle, &idle);
    }
    idle = idle_timeout(s);
    bufferevent_set_timeouts(c->bev, &idle, &idle);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Out of file descriptors at accept: the connection idle the longest makes room. */
static int
reclaim_oldest(void *arg)
{
    struct dns_server *s = arg;

    if (s->oldest == NULL)
        return 0;
    conn_free(s->oldest);
    count_eviction(s, 0);
    return 1;
}

struct dns_server *
dns_server_new(struct event_base *base, const struct net_addr *addr,
               const struct dns_server_config *cfg, const struct dns_zoneset *zones, char *err,
               size_t errlen)
{
    struct dns_server *s = xcalloc(1, sizeof(*s));
    int try;

    s->base = base;
    s->zones = zones;
    s->udp_fd = -1;
    s->cfg.tcp_idle_ms = cfg != NULL && cfg->tcp_idle_ms > 0 ? cfg->tcp_idle_ms : 10000;
    s->cfg.tcp_max_conns = cfg != NULL && cfg->tcp_max_conns > 0 ? cfg->tcp_max_conns : 256;
    s->cfg.tcp_max_per_client = cfg != NULL && cfg->tcp_max_per_client > 0
                                        ? cfg->tcp_max_per_client
                                        : s->cfg.tcp_max_conns / 4 * 3;
    s->warn_timer = evtimer_new(base, warn_timer_cb, s);
    /* Port 0: the UDP port the kernel picks may be taken for TCP; try again a few times. */
    for (try = 0; try < BIND_TRIES; try++) {
        struct net_addr bound;

        s->udp_fd = net_udp_bind(addr, err, errlen);
        if (s->udp_fd < 0)
            goto fail;
        net_local_addr(s->udp_fd, &bound);
        s->tcp = net_listen(base, &bound, tcp_accept, s, err, errlen);
        if (s->tcp != NULL) {
            net_listener_set_reclaim(s->tcp, reclaim_oldest, s);
            s->addr = bound;
            break;
        }
        close(s->udp_fd);
        s->udp_fd = -1;
        if (net_addr_port((const struct sockaddr *)&addr->ss) != 0)
            goto fail;
    }
    if (s->tcp == NULL)
        goto fail;
    s->udp_ev = event_new(base, s->udp_fd, EV_READ | EV_PERSIST, udp_readable, s);
    if (s->udp_ev == NULL || event_add(s->udp_ev, NULL) != 0) {
        snprintf(err, errlen, "cannot watch the udp socket");
        goto fail;
    }
    return s;
fail:
    dns_server_free(s);
    return NULL;
}

const struct net_addr *
dns_server_addr(const struct dns_server *s)
{
    return &s->addr;
}

void
dns_server_set_zones(struct dns_server *s, const struct dns_zoneset *zones)
{
    s->zones = zones;
}

void
dns_server_set_faults(struct dns_server *s, const struct dns_faults *faults)
{
    s->faults = faults;
}

void
dns_server_set_log(struct dns_server *s, FILE *fp)
{
    struct stat st, null;

    s->log = fp;
    /* --log /dev/null asks for no log: formatting lines nobody reads costs a tenth of a query. */
    s->log_discards = fp != NULL && fstat(fileno(fp), &st) == 0 && S_ISCHR(st.st_mode) &&
                      stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev;
}

void
dns_server_set_observer(struct dns_server *s, dns_server_observer cb, void *arg)
{
    s->observer = cb;
    s->observer_arg = arg;
}

void
dns_server_stats(const struct dns_server *s, struct dns_server_stats *st)
{
    *st = s->stats;
}

void
dns_server_free(struct dns_server *s)
{
    if (s == NULL)
        return;
    while (s->conns != NULL)
        conn_free(s->conns);
    while (s->delayed != NULL)
        delayed_free(s->delayed);
    if (s->warn_timer != NULL)
        event_free(s->warn_timer);
    if (s->udp_ev != NULL)
        event_free(s->udp_ev);
    if (s->udp_fd >= 0)
        close(s->udp_fd);
    net_listener_free(s->tcp);
    free(s);
}
