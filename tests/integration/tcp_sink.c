/* tcp_sink.c: a plain TCP listener for tests: prints each connection it accepts and the first
 * bytes it receives, so a test can see who connected where and what they said first.
 *
 * usage: tcp_sink ADDR:PORT SECONDS
 * stdout: "listening ADDR:PORT", then per connection "accepted PEER" and "data PEER: <bytes>"
 * (non-printable bytes as \xNN, first 2 KiB). Exits after SECONDS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "loop.h"
#include "net.h"

#define SINK_MAX 2048

struct sink_conn {
    struct bufferevent *bev;
    char peer[NET_ADDRSTRLEN];
    int printed;
    struct sink_conn *prev, *next;
};

static struct sink_conn *conns; /* every open connection, freed at exit */

static void
conn_free(struct sink_conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    bufferevent_free(c->bev);
    free(c);
}

static void
print_data(struct sink_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t len = evbuffer_get_length(in), i;
    unsigned char buf[SINK_MAX];

    if (c->printed || len == 0)
        return;
    if (len > sizeof(buf))
        len = sizeof(buf);
    evbuffer_copyout(in, buf, len);
    printf("data %s: ", c->peer);
    for (i = 0; i < len; i++) {
        if (buf[i] >= 0x20 && buf[i] < 0x7f)
            putchar(buf[i]);
        else
            printf("\\x%02x", buf[i]);
    }
    putchar('\n');
    fflush(stdout);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
    struct sink_conn *c = arg;

    /* Wait for a whole first stream header if one is coming, bounded by SINK_MAX. */
    if (evbuffer_get_length(bufferevent_get_input(bev)) < SINK_MAX &&
        evbuffer_search(bufferevent_get_input(bev), ">", 1, NULL).pos < 0)
        return;
    print_data(c);
    c->printed = 1;
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
    struct sink_conn *c = arg;

    (void)what;
    print_data(c);
    (void)bev;
    printf("closed %s\n", c->peer);
    fflush(stdout);
    conn_free(c);
}

static void
on_accept(int fd, const struct sockaddr *peer, void *arg)
{
    struct sink_conn *c = calloc(1, sizeof(*c));

    (void)arg;
    net_addr_format(peer, c->peer, sizeof(c->peer));
    printf("accepted %s\n", c->peer);
    fflush(stdout);
    c->bev = bufferevent_socket_new(loop_base(), fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    bufferevent_enable(c->bev, EV_READ);
    c->next = conns;
    if (conns != NULL)
        conns->prev = c;
    conns = c;
}

int
main(int argc, char **argv)
{
    struct net_addr addr;
    struct net_listener *l;
    struct event *stop;
    struct timeval tv = {0, 0};
    char err[256], buf[NET_ADDRSTRLEN];

    if (argc != 3 || net_addr_parse(argv[1], &addr, err, sizeof(err)) != 0 ||
        (tv.tv_sec = atoi(argv[2])) <= 0) {
        fprintf(stderr, "usage: tcp_sink ADDR:PORT SECONDS\n");
        return 2;
    }
    log_init(NULL, 0);
    if (loop_init(err, sizeof(err)) != 0 ||
        (l = net_listen(loop_base(), &addr, on_accept, NULL, err, sizeof(err))) == NULL) {
        fprintf(stderr, "tcp_sink: %s\n", err);
        return 3;
    }
    printf("listening %s\n",
           net_addr_format((const struct sockaddr *)&net_listener_addr(l)->ss, buf, sizeof(buf)));
    fflush(stdout);
    stop = evtimer_new(loop_base(), (event_callback_fn)loop_stop, NULL);
    evtimer_add(stop, &tv);
    loop_run();
    event_free(stop);
    while (conns != NULL)
        conn_free(conns);
    net_listener_free(l);
    loop_free();
    return 0;
}
