/*
 * net.h: addresses, listeners and non-blocking connects. Every TCP socket the harness opens or
 * accepts gets TCP_NODELAY (Nagle costs 80 of 93 ms of a cold federation on loopback).
 * Addresses are numeric only: "127.0.0.1:5269", "[::1]:5269".
 */
#ifndef FEDSIM_NET_H
#define FEDSIM_NET_H

#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

/* Big enough for "[ffff:...:ffff%ifname]:65535". */
#define NET_ADDRSTRLEN 80

struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* Parses "ADDR:PORT" or "[ADDR6]:PORT". Returns 0, or -1 with the reason in err. */
int net_addr_parse(const char *s, struct net_addr *addr, char *err, size_t errlen);

/* Builds an address from a numeric host (v4 or v6, no brackets) and a port. */
int net_addr_from_host(const char *host, int port, struct net_addr *addr);

/* Writes "127.0.0.1:53" or "[::1]:53" into buf and returns buf. */
const char *net_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* 1 if addr is in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
int net_addr_is_loopback(const struct net_addr *addr);

/* The port of an address (host order). */
int net_addr_port(const struct sockaddr *sa);

/* Reads the local address of a socket. */
int net_local_addr(int fd, struct net_addr *addr);

/* A non-blocking, close-on-exec UDP socket bound to addr. Returns the fd or -1 (err set). */
int net_udp_bind(const struct net_addr *addr, char *err, size_t errlen);

/* Turns Nagle off on a TCP socket. */
void net_set_nodelay(int fd);

struct net_listener;

/* Called with each accepted socket (non-blocking, TCP_NODELAY); the callee owns the fd. */
typedef void (*net_accept_cb)(int fd, const struct sockaddr *peer, void *arg);

/* A TCP listener on addr (port 0 picks one). Returns NULL with the reason in err. */
struct net_listener *net_listen(struct event_base *base, const struct net_addr *addr,
                                net_accept_cb cb, void *arg, char *err, size_t errlen);
/* The address actually bound (with the chosen port). */
const struct net_addr *net_listener_addr(const struct net_listener *l);

/*
 * Called when accepting fails for want of file descriptors (EMFILE, ENFILE): closes one
 * connection the owner can spare and returns 1, or returns 0. Without one (or when it returns
 * 0) the listener pauses for 100 ms; the warning is one line a second with counts.
 */
typedef int (*net_reclaim_cb)(void *arg);
void net_listener_set_reclaim(struct net_listener *l, net_reclaim_cb cb, void *arg);
void net_listener_free(struct net_listener *l);

/*
 * A blackhole at addr (a firewall that drops SYNs): a listening socket with a backlog of 0
 * that never accepts, its queue filled by a connection of our own, so the kernel drops every
 * further SYN and the other side's connect() times out. Returns NULL with the reason in err.
 */
struct net_blackhole;
struct net_blackhole *net_blackhole(const struct net_addr *addr, char *err, size_t errlen);
void net_blackhole_free(struct net_blackhole *b);

enum net_event {
    NET_CONNECTED, /* bev is connected and now owned by the callee */
    NET_TIMEOUT,   /* no answer within the timeout (a firewall dropping SYNs looks like this) */
    NET_ERROR,     /* refused, unreachable...: `error` holds errno */
};

typedef void (*net_connect_cb)(enum net_event ev, struct bufferevent *bev, int error, void *arg);

struct net_connect;

/*
 * Connects to addr without blocking; calls cb exactly once unless cancelled first. The handle is
 * freed after the callback returns. timeout_ms > 0 is required: every wait has a bound.
 */
struct net_connect *net_connect(struct event_base *base, const struct net_addr *addr,
                                int timeout_ms, net_connect_cb cb, void *arg);
/* Abandons a pending connect; the callback will not be called. */
void net_connect_cancel(struct net_connect *c);

#endif
