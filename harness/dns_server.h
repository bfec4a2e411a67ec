/*
 * dns_server.h: the embedded DNS responder: UDP and TCP on one address and port, answers from a
 * zone set (dns_answer.h), one log line per query, and an observer hook so scenarios can assert
 * what the SUT asked.
 *
 * TCP: RFC 1035 2-byte length framing, several queries per connection (RFC 7766), an idle
 * timeout, and reading paused while a slow reader's output piles up. Connection management per
 * RFC 7766 §6.2: a new connection is always accepted; at the limit (overall, or per client
 * address) the connection idle the longest is closed instead; from 3/4 of the limit on, idle
 * timeouts are five times shorter; the warning is one line a second with counts.
 */
#ifndef FEDSIM_DNS_SERVER_H
#define FEDSIM_DNS_SERVER_H

#include <stdio.h>
#include <time.h>

#include <event2/event.h>

#include "dns_answer.h"
#include "dns_zone.h"
#include "net.h"

/* One exchange, as the log and observers see it. */
struct dns_query_record {
    struct timespec when; /* wall time the query arrived */
    int tcp;              /* 1 for TCP, 0 for UDP */
    struct sockaddr_storage client;
    struct dns_answer_info info;
};

typedef void (*dns_server_observer)(const struct dns_query_record *rec, void *arg);

struct dns_server_config {
    int tcp_idle_ms;   /* close idle TCP connections after this long (default 10000) */
    int tcp_max_conns; /* at most this many TCP connections (default 256) */
    int tcp_max_per_client; /* ... from one client address (default 3/4 of tcp_max_conns) */
};

struct dns_server;

/*
 * Listens on addr (UDP and TCP, same port; port 0 picks one free for both). `zones` is borrowed
 * and may be replaced later. Returns NULL with the reason in err.
 */
struct dns_server *dns_server_new(struct event_base *base, const struct net_addr *addr,
                                  const struct dns_server_config *cfg,
                                  const struct dns_zoneset *zones, char *err, size_t errlen);

/* The address actually bound, with the chosen port. */
const struct net_addr *dns_server_addr(const struct dns_server *s);

/* Serves another zone set from the next query on (borrowed). */
void dns_server_set_zones(struct dns_server *s, const struct dns_zoneset *zones);

/* Consults these faults (borrowed; NULL: none) before the zones, from the next query on. */
void dns_server_set_faults(struct dns_server *s, const struct dns_faults *faults);

/* Writes one line per query to fp (borrowed; NULL turns the log off), flushed per line:
 * "TIME udp|tcp CLIENT QNAME QTYPE RCODE ANSWERS[ tc][ fault]". */
void dns_server_set_log(struct dns_server *s, FILE *fp);

/* Calls cb for every query after it is answered (one observer; NULL removes it). */
void dns_server_set_observer(struct dns_server *s, dns_server_observer cb, void *arg);

/* Formats a record as the log line (without newline). */
void dns_server_format_record(const struct dns_query_record *rec, char *buf, size_t len);

struct dns_server_stats {
    unsigned long udp_queries, tcp_queries, tcp_conns, dropped;
    unsigned long tcp_evicted; /* connections closed for room (idle the longest) */
};
void dns_server_stats(const struct dns_server *s, struct dns_server_stats *st);

/* Closes every socket and connection. */
void dns_server_free(struct dns_server *s);

#endif
