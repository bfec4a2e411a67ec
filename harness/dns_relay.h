/*
 * dns_relay.h: the SUT's DNS address when several scenario runs share one SUT (`fedsim run -j N
 * --sut FILE`). Each worker process serves its runs' zones on an address of its own; the relay
 * listens where the SUT asks (UDP and TCP), finds the run a query is about from its name (every
 * peer domain of a run is LABEL.DOMAIN, and the label says the worker: dns_relay_label), and
 * forwards the query to that worker's DNS, over the transport the SUT used, from the relay's
 * source address, and the answer back. A query no run's label names (the SUT's own domain,
 * a run that ended) goes to the default address: a worker running a scenario alone, or a server
 * with the SUT's own records.
 *
 * Bounded: a forwarded query waits DNS_RELAY_WAIT_MS for its answer, then is dropped (as a
 * lost UDP datagram; over TCP the SUT's connection stays open for its other queries).
 */
#ifndef FEDSIM_DNS_RELAY_H
#define FEDSIM_DNS_RELAY_H

#include <stddef.h>

#include <event2/event.h>

#include "net.h"

#define DNS_RELAY_WAIT_MS     30000
#define DNS_RELAY_MAX_WORKERS 64

struct dns_relay;

/*
 * Listens on `listen` (UDP and TCP); workers[k] is worker k's DNS address (nworkers of them),
 * fallback the default. Forwarded queries leave from the kernel's choice of source address, a
 * loopback one other than 127.0.0.254, so the worker counts them as the SUT's (`dns asked:`).
 */
struct dns_relay *dns_relay_new(struct event_base *base, const struct net_addr *listen,
                                const struct net_addr *workers, size_t nworkers,
                                const struct net_addr *fallback, char *err, size_t errlen);

/* Where queries no label names go from now on: worker k, or (k < 0) the fallback. */
void dns_relay_set_default(struct dns_relay *r, int k);

void dns_relay_free(struct dns_relay *r);

/*
 * The label of a run in worker k: "r" and six hex digits whose low 6 bits are k, the rest from
 * seq (the parent's count of runs, from a random start). Writes 8 bytes into out.
 */
void dns_relay_label(char out[8], unsigned seq, unsigned k);

/*
 * The worker a query (the wire message, len bytes) is about: the k of the first label of its
 * question name that is a run label, or -1 (no such label, or a message without a question).
 */
int dns_relay_route(const unsigned char *msg, size_t len);

#endif
