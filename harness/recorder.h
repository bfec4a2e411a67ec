/*
 * recorder.h: the live recorder (`fedsim record --sut FILE --remote ...`): fedsim between two
 * real servers, A (the SUT) and B (the remote server), each of which reaches the other through
 * fedsim's DNS at a listener of the recorder's. Every TCP connection one server opens to the
 * recorder is a leg pair: the *in* leg, where the recorder plays the receiving server of the
 * other's domain, and the *out* leg, a connection the recorder opens to the other server's real
 * address, where it plays the initiating server of the dialling one's domain.
 *
 * Each leg negotiates on its own: stream header, STARTTLS when the recorder has a context for
 * that side (as server: offered; as client: used when offered), never SASL; the recorder's
 * certificates name the domain it plays, issued by the CA the server facing it trusts. Then
 * every other stanza (dialback's db:result and db:verify included) is relayed to the pair's
 * other leg, held until that leg has finished its own negotiation. The legs' stream ids differ,
 * and a dialback key covers the id its originating server saw (XEP-0185): a db:verify request
 * names the id of a stream the recorder opened, which becomes the id of the stream it answered
 * on the other side (found among all pairs, so verify connections and verifies over another
 * stream alike work); its answer is mapped back.
 *
 * A leg that ends ends its pair (the other leg gets a stream close). Every wait is bounded: the
 * connect to the real server (RECORDER_CONNECT_MS), each leg's negotiation
 * (RECORDER_HANDSHAKE_MS, not pushed back by activity).
 */
#ifndef FEDSIM_RECORDER_H
#define FEDSIM_RECORDER_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "net.h"
#include "xml.h"

#define RECORDER_CONNECT_MS   5000
#define RECORDER_HANDSHAKE_MS 15000

/* One of the two servers. */
struct recorder_end {
    const char *domain;   /* its XMPP domain (borrowed) */
    struct net_addr addr; /* where its s2s listener really is */
    /* TLS facing this server (borrowed; NULL: none): the recorder's end of a stream this server
     * opened (server) or one the recorder opened to it (client), each presenting a
     * certificate for the other end's domain that this server can verify. */
    SSL_CTX *tls_server, *tls_client;
};

struct recorder_events {
    /* A stanza relayed from end `from` (0 or 1) to the other, as it was received (before a
     * db:verify id is mapped). Negotiation elements (features, STARTTLS) are not stanzas. */
    void (*stanza)(unsigned pair, int from, const struct xml_node *n, void *arg);
    /* What happened, one line (a connection, TLS, an id mapped, an end, an error). */
    void (*note)(unsigned pair, const char *line, void *arg);
};

struct recorder;

/* A recorder between ends[0] and ends[1] (copied; the domains and contexts stay borrowed). */
struct recorder *recorder_new(const struct recorder_end ends[2], const struct recorder_events *ev,
                              void *arg);

/* A connection end `from` (0 or 1) opened to the recorder's listener for the other's domain
 * (the fd is owned from now on). */
void recorder_accept(struct recorder *r, int from, int fd, const struct sockaddr *peer);

/* Counts so far. */
struct recorder_stats {
    unsigned pairs, relayed, mapped; /* pairs made, stanzas relayed, db:verify ids mapped */
    unsigned failed;                 /* pairs that ended in an error (connect, TLS, time-out) */
};
void recorder_stats(const struct recorder *r, struct recorder_stats *st);

/*
 * The id a db:verify must carry on the other side: a request (answer 0) names a stream whose
 * out leg has `id`, which becomes that pair's in leg's id; an answer the other way round.
 * NULL if no pair has it (the stanza is relayed unchanged).
 */
const char *recorder_map_verify_id(const struct recorder *r, const char *id, int answer);

/* Closes every connection (each pair's legs get a stream close) and frees the recorder. */
void recorder_free(struct recorder *r);

#endif
