/*
 * c2s.h: a SUT user, logged in over c2s by fedsim (the "Jabber client" of the seed flow):
 * connects, authenticates with SASL SCRAM-SHA-1 (or PLAIN when it is the only choice and the
 * stream is allowed to carry it), binds a resource, fetches the roster, sends initial presence
 * and then a roster get, and is ready when that is answered (the SUT processes a session's
 * stanzas in order, so the presence was processed: no wait for its echo, which RFC 6121
 * §4.2.2 requires and some servers do not send). From the presence on it records every stanza
 * it receives (roster pushes included), marks the first available presence from its own full
 * JID as the echo (c2s_echo), and answers roster pushes as RFC 6121 requires. STARTTLS is not
 * negotiated yet (the TLS issue adds it): a server that requires it is reported as a failure.
 */
#ifndef FEDSIM_C2S_H
#define FEDSIM_C2S_H

#include <stddef.h>

#include "net.h"
#include "xml.h"

enum c2s_state {
    C2S_CONNECTING,
    C2S_WAIT_HEADER, /* first stream, and again after SASL success */
    C2S_WAIT_FEATURES,
    C2S_AUTH, /* SASL exchange */
    C2S_BIND,
    C2S_ROSTER,
    C2S_SYNC,  /* initial presence sent; waiting for the answer to an iq sent after it */
    C2S_READY, /* stanzas flow */
    C2S_FAILED,
    C2S_CLOSED,
};

const char *c2s_state_str(enum c2s_state s);

struct c2s_client;

struct c2s_handler {
    /* Logged in, bound, roster fetched, initial presence sent and processed. */
    void (*ready)(struct c2s_client *c, void *arg);
    /* A stanza received after the initial presence (borrowed; it is also recorded). */
    void (*stanza)(struct c2s_client *c, const struct xml_node *stanza, void *arg);
    /* The session failed or ended; why says how. No callback after this one. */
    void (*failed)(struct c2s_client *c, const char *why, void *arg);
};

struct c2s_options {
    const char *mechanism; /* NULL: the best offered (SCRAM-SHA-1, then PLAIN) */
    const char *resource;  /* default "fedsim" */
    int timeout_ms;        /* login must finish within this (default 10000) */
};

/* Starts logging `user@domain` in at addr. Callbacks come from the loop. */
struct c2s_client *c2s_new(const struct net_addr *addr, const char *domain, const char *user,
                           const char *password, const struct c2s_options *opts,
                           const struct c2s_handler *h, void *arg);

/* The same over a connected bufferevent (owned from now on), e.g. one end of a
 * bufferevent_pair (the fuzz target): the stream header goes out at once. */
struct c2s_client *c2s_new_bev(struct bufferevent *bev, const char *domain, const char *user,
                               const char *password, const struct c2s_options *opts,
                               const struct c2s_handler *h, void *arg);

/* Sends a stanza (borrowed); only once ready. */
void c2s_send(struct c2s_client *c, const struct xml_node *stanza);

/* Closes the stream and frees the client (deferred; no callback after this call). */
void c2s_free(struct c2s_client *c);

enum c2s_state c2s_state(const struct c2s_client *c);
/* After a failure: the state the session was in when it failed. */
enum c2s_state c2s_failed_in(const struct c2s_client *c);
/* The bound full JID, once ready. */
const char *c2s_jid(const struct c2s_client *c);
/* The SASL mechanism used. */
const char *c2s_mechanism(const struct c2s_client *c);
/* Every stanza received since the initial presence went out, in order (borrowed). */
struct xml_node *const *c2s_received(const struct c2s_client *c, size_t *n);
/* The roster as fetched at login (borrowed <query/>), or NULL. */
const struct xml_node *c2s_roster(const struct c2s_client *c);
/* The index in c2s_received of the echo of the initial presence (the first presence without
 * type from the client's own full JID), or (size_t)-1 while none arrived. */
size_t c2s_echo(const struct c2s_client *c);

#endif
