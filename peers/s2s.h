/*
 * s2s.h: one server-to-server session of a fake peer, as one state machine. Roles:
 *  - in:     the SUT connected to us. We are the receiving server for its db:result (and verify
 *            its key with the SUT's authoritative side), and the authoritative server for any
 *            db:verify it sends (Prosody sends those over its own outgoing stream, i.e. here).
 *  - out:    we connect to the SUT as the originating server, send db:result and hold stanzas
 *            until it answers valid.
 *  - verify: a short connection to the SUT only to ask db:verify for an `in` session.
 *  - raw:    we connect to the SUT and write only what a scenario says, as it says it (no
 *            header of ours, no negotiation, no answer, no close); what the SUT sends is
 *            recorded (peer_note_nego), input we cannot parse dropped, until the SUT closes.
 * Dialback answers nobody asked for are reported and never honoured (XEP-0220 §3.1).
 */
#ifndef FEDSIM_S2S_H
#define FEDSIM_S2S_H

#include "peer.h"
#include "xconn.h"

enum s2s_role { S2S_IN, S2S_OUT, S2S_VERIFY, S2S_RAW };

enum s2s_state {
    S2S_RESOLVING,     /* out/verify: looking the SUT up */
    S2S_CONNECTING,    /* out/verify: TCP connect to a target */
    S2S_WAIT_HEADER,   /* waiting for the other side's stream header */
    S2S_WAIT_FEATURES, /* out/verify with version 1.0: waiting for stream features */
    S2S_TLS,           /* STARTTLS asked for or agreed: waiting for <proceed/>, handshaking */
    S2S_SASL,          /* out: SASL EXTERNAL sent, waiting for the outcome */
    S2S_DIALBACK,      /* out: db:result sent; verify: db:verify sent; in: header exchanged */
    S2S_ESTABLISHED,   /* out: valid, stanzas flow; in: at least one domain pair valid */
    S2S_CLOSED,
};

const char *s2s_state_str(enum s2s_state s);

struct s2s {
    unsigned id;
    struct peer *peer; /* borrowed: the peer outlives its sessions */
    enum s2s_role role;
    enum s2s_state state;
    struct xconn *conn;             /* owned */
    struct net_connect *connecting; /* owned while connecting */
    char *remote;                   /* owned: the other side's domain (NULL until known for in) */
    char *local;     /* owned: our domain on this stream: in: the header's to; out/verify: from */
    char *stream_id; /* owned: in: the id we issued; out/verify: the one we got */
    char peer_addr[NET_ADDRSTRLEN];
    int version10;    /* both headers carry version 1.0 */
    int local_named;  /* in: the SUT's header named our domain (jabberd2 without TLS does not:
                       * then its first db:result does) */
    int silent;       /* fault: read everything, answer nothing */
    int tls_done;     /* the stream runs over TLS */
    int direct_tls;   /* ... from the first byte (XEP-0368), not STARTTLS */
    int bidi;         /* XEP-0288: stanzas flow both ways on this stream */
    int sasl_done;    /* SASL EXTERNAL succeeded (in: for valid[0]) */
    int cert_refused; /* in: the SUT's certificate is not what the profile demands: its first
                       * request after the TLS stream's header gets <policy-violation/> */
    struct dialback_pending *pending; /* owned: our db:result / db:verify requests */
    char **valid;                     /* owned: in: remote domains whose db:result was verified */
    size_t nvalid;
    struct xml_node **queue; /* owned: out: stanzas held until their sender domain is valid */
    size_t nqueue;
    /* out: our sender domains on this stream (the peer's own and its tenants', multiplexed
     * with one db:result each, XEP-0220 §2.4), and where their dialback stands. */
    struct s2s_local {
        char *domain; /* owned */
        enum { LOCAL_PENDING, LOCAL_VALID, LOCAL_INVALID } state;
    } * locals;
    size_t nlocals;
    struct resolve_target *targets; /* owned: out/verify: where to try */
    size_t ntargets, next_target;
    size_t ndirect; /* out/verify: the first ndirect targets are _xmpps-server ones (direct TLS,
                     * XEP-0368; the profile's direct_tls=dial), the rest _xmpp-server ones */
    /* verify: what to ask: the key the SUT sent on the `in` stream with this id (the `in`
     * session is found by that id when the answer comes: it may be gone by then). */
    char *verify_stream_id, *verify_key;
    char *raw_pending; /* owned: raw: bytes to write once connected */
    struct s2s *prev, *next;
};

/* Answers a dialback request the peer held back (peer_hold_dialback) as it would have when it
 * came, on session s (request borrowed). */
void s2s_dialback_release(struct s2s *s, struct xml_node *request);

/* A session for a connection the SUT opened to one of the peer's listeners (fd owned);
 * direct_tls: the TLS handshake comes first (XEP-0368). */
struct s2s *s2s_accept(struct peer *p, int fd, const struct sockaddr *from, int direct_tls);

/* The same over a connected bufferevent (owned from now on), e.g. one end of a
 * bufferevent_pair (the fuzz target). */
struct s2s *s2s_accept_bev(struct peer *p, struct bufferevent *bev, const struct sockaddr *from,
                           int direct_tls);

/* An outbound session from `local` (one of the peer's domains) to `remote` (resolution and
 * connection start at once). */
struct s2s *s2s_connect(struct peer *p, enum s2s_role role, const char *local, const char *remote);

/* Writes bytes on a raw session (S2S_RAW), or holds them until it is connected. */
void s2s_raw_write(struct s2s *s, const char *bytes);

/* Queues or sends a stanza on an out session (borrowed). */
void s2s_send(struct s2s *s, const struct xml_node *stanza);

/* Closes (stream close) and unlinks from the peer; freed from the loop. */
void s2s_close(struct s2s *s);

/* Sends a stream error (RFC 6120 §4.9, e.g. "connection-timeout") and closes. */
void s2s_stream_error(struct s2s *s, const char *condition, const char *text);

/* Frees immediately, without a close (peer teardown). */
void s2s_free(struct s2s *s);

#endif
