/*
 * peer.h: a fake remote XMPP server: one domain, a profile, a dialback secret, local users with
 * rosters, listeners where the DNS fixtures put the domain, and its s2s sessions. Autopilot
 * answers what nobody scripted: dialback verification, presence probes (for subscribed contacts
 * only), subscription requests per the profile, XMPP ping and disco#info.
 *
 * Everything a peer does is reported as one line through its report function (for `fedsim
 * serve`, stdout): connections, dialback results, stanzas, subscription states.
 */
#ifndef FEDSIM_PEER_H
#define FEDSIM_PEER_H

#include <stdint.h>

#include "chance.h"
#include "net.h"
#include "profile.h"
#include "resolve.h"
#include "roster.h"
#include "tls.h"
#include "xml.h"

#define PEER_MAX_USERS     8 /* per domain */
#define PEER_MAX_TENANTS   4
#define PEER_MAX_LISTENERS 8

struct peer_user {
    char *jid;            /* owned: bare JID, e.g. jdoe1@gmail.test */
    struct roster roster; /* owned */
};

struct s2s;

enum { PEER_OUT, PEER_IN };

/*
 * One thing the SUT sent a peer besides stanzas (RFC 6120 §4.3, stream negotiation): its stream
 * header (as a childless <stream:stream/> element with the header's attributes), stream
 * features, STARTTLS, SASL and dialback elements and stream errors (every top-level element not
 * qualified by jabber:server), and stanzas it sent over a stream the peer opened that is not
 * bidirectional (RFC 6120 §4.5: not delivered); its closing tag (</stream:stream>); the end of
 * a connection the
 * SUT closed (TCP: end of file, a reset, a failed TLS handshake; not one the peer closed).
 */
#define PEER_MAX_NEGO 4096
enum peer_nego_kind { PEER_NEGO_ELEMENT, PEER_NEGO_STREAM_CLOSE, PEER_NEGO_CONN_END };
enum peer_nego_dir { PEER_NEGO_IN, PEER_NEGO_OUT, PEER_NEGO_RAW, PEER_NEGO_VERIFY };
struct peer_nego {
    enum peer_nego_kind kind;
    struct xml_node *el;    /* owned: PEER_NEGO_ELEMENT's element, else NULL */
    enum peer_nego_dir dir; /* in: a stream the SUT opened; out: the peer's own; verify:
                             * its dialback verify connections; raw: its unauthenticated raw
                             * connection (peer_send_raw_unauthenticated) */
    int tls;                /* the stream ran over TLS: 1 STARTTLS, 2 direct TLS (XEP-0368) */
    int sasl;               /* ... and after SASL success */
    unsigned session;       /* the s2s session's number (as in the peer's reports) */
};

struct peer {
    char *domain; /* owned */
    /* Other domains served by the same server (multi-tenant: WebEx's customer domains), each
     * LABEL.domain from the profile's tenants knob, with users of its own. Their stanzas share
     * the outbound stream to the SUT, one db:result each (XEP-0220 §2.4). */
    char *tenants[PEER_MAX_TENANTS]; /* owned */
    size_t ntenants;
    /* The SUT's domain (borrowed), which a peer with the collision knob believes it hosts. */
    const char *claimed;
    struct profile prof; /* a copy, with knob overrides */
    char secret[33];     /* dialback secret, random per run */
    struct peer_user users[PEER_MAX_USERS * (1 + PEER_MAX_TENANTS)];
    size_t nusers;
    struct net_listener *listeners[PEER_MAX_LISTENERS]; /* owned */
    struct peer_listen_arg {
        struct peer *p;
        int direct_tls;
    } listen_args[PEER_MAX_LISTENERS]; /* each listener's callback argument */
    size_t nlisteners;
    struct resolve_ctx *res; /* borrowed: resolves through fedsim's DNS */
    uint64_t seed;           /* SRV ordering */
    struct s2s *sessions;    /* owned list */
    unsigned next_session_id;
    /* Where report lines go. */
    void (*report)(const char *line, void *arg);
    void *report_arg;
    /* Called with each stanza delivered to the peer (borrowed), before autopilot answers it. */
    void (*observe)(struct peer *p, const struct xml_node *stanza, void *arg);
    void *observe_arg;
    /* Counters, for summaries and tests. */
    unsigned unsolicited_dialback;
    /* What went wrong with the SUT, for a failure's diagnosis (runner.c, diagnose.h):
     * connections to the SUT refused or timed out (and where), the SUT not found in DNS,
     * streams the SUT opened, dialback answers each way, domain-collision refusals, TLS. */
    struct peer_facts {
        unsigned sut_refused, sut_timeout, sut_unresolved, sut_connected;
        char sut_addr[NET_ADDRSTRLEN];
        unsigned in_streams;
        unsigned accepted;                            /* connections accepted, resets included */
        unsigned invalid_from_sut;                    /* the SUT answered our db:result invalid */
        unsigned collision;                           /* we refused the SUT as a domain we host */
        unsigned in_authenticated, out_authenticated; /* streams authenticated, each way */
        unsigned db_invalid_sent; /* we answered the SUT's dialback key invalid */
        unsigned db_ignored;      /* the SUT's dialback requests we left unanswered (fault) */
        unsigned db_late;         /* ... we held to answer late (fault) */
        unsigned verify_invalid;  /* as authoritative, we said our own key is invalid */
        unsigned tls_done, tls_failed, cert_refused; /* cert_refused: the SUT's, by us */
    } facts;
    /* The conditions of the stream errors the SUT sent to the peer, in order (owned). */
    char *stream_errors[32];
    size_t nstream_errors;
    /* What the SUT sent besides stanzas, in order (owned, at most PEER_MAX_NEGO): for the
     * `receives negotiation`, `receives stream close` and `sees the connection closed` steps. */
    struct peer_nego *nego;
    size_t nnego;
    /* Called with each new entry of nego (borrowed), after it is added. */
    void (*observe_nego)(struct peer *p, const struct peer_nego *n, void *arg);
    /* Faults a scenario switches on (peer_set_mode). */
    enum peer_net {
        PEER_NET_OK,
        PEER_NET_REFUSE,
        PEER_NET_SILENT,
        PEER_NET_RESET,
        PEER_NET_BLACKHOLE
    } net;
    struct net_blackhole *blackholes[PEER_MAX_LISTENERS]; /* owned, while dropping SYNs */
    size_t nblackholes;
    enum peer_dialback {
        PEER_DB_NORMAL,
        PEER_DB_INVALID,
        PEER_DB_IGNORE,
        PEER_DB_LATE,
        PEER_DB_ERROR
    } dialback;
    unsigned dialback_late_ms; /* PEER_DB_LATE: how long each answer waits */
    /* Dialback requests not answered yet (ignored, or late): answered when their time comes
     * or when the peer answers normally again (owned; peer_hold_dialback). */
    struct peer_held *held;
    size_t cut_after;  /* new connections are cut after this many bytes read (0: never) */
    size_t write_rate; /* new connections write at most this many bytes/s (0: no limit) */
    /* Probabilistic faults ("drops P% of stanzas"...; peer_set_mode): every choice drawn from
     * `chance` (borrowed, the run's; NULL: such modes are refused), in streams named after
     * chance_name: NAME.out (stanzas it sends), NAME.in (stanzas it receives), NAME.conn (new
     * connections). Per direction, PEER_OUT and PEER_IN. */
    struct chance *chance;
    char chance_name[64];
    struct peer_random {
        uint32_t drop_ppm;  /* a stanza is lost */
        uint32_t delay_ppm; /* a stanza waits delay_ms */
        unsigned delay_ms;
        unsigned jitter_ms; /* every stanza waits 0..jitter_ms more */
        /* Stanzas waiting, in order (owned): none leaves before the one ahead of it. */
        struct peer_delayed *head, *tail;
        struct event *timer; /* owned: fires for head */
        struct peer *p;      /* borrowed: the peer, for the timer's callback */
        int dir;
    } random[2];
    uint32_t cut_ppm;  /* a new connection is cut ... */
    size_t cut_within; /* ... after 1..cut_within bytes read from the SUT */
    struct net_addr listen_addrs[PEER_MAX_LISTENERS]; /* where it listens (or did, refusing) */
    int listen_direct[PEER_MAX_LISTENERS];            /* ... with direct TLS (XEP-0368) */
    size_t nlisten_addrs;
    /* TLS (peer_tls_init): the CA trusted and issuing (borrowed, or own_ca), our certificate,
     * and one context per end. */
    struct tls_ca *ca, *own_ca;
    struct tls_cert cert;
    SSL_CTX *tls_server, *tls_client;
};

/*
 * A peer for `domain` with `nusers` users jdoe1..jdoeN, and as many on each tenant domain the
 * profile names. prof is copied. Returns NULL with the reason in err.
 */
struct peer *peer_new(const char *domain, const struct profile *prof, size_t nusers,
                      struct resolve_ctx *res, uint64_t seed, char *err, size_t errlen);
void peer_free(struct peer *p);

/*
 * Sets up TLS per the profile (nothing when it has tls=none): a certificate of the profile's
 * kind for the peer's domain, issued from ca (borrowed; NULL: a CA of its own, which no SUT
 * trusts), which is also what the SUT's certificate is checked against. Returns 0, or -1 with
 * the reason in err.
 */
int peer_tls_init(struct peer *p, struct tls_ca *ca, char *err, size_t errlen);

/* Listens on addr for s2s connections (the SUT dialling in, or dialling back); direct_tls:
 * TLS from the first byte (XEP-0368), else plain with STARTTLS per the profile. */
int peer_listen(struct peer *p, const struct net_addr *addr, int direct_tls, char *err,
                size_t errlen);

/*
 * Listens on every distinct address of `targets` (what resolve_service() found for the peer's
 * domain: where the fixtures put it; direct_tls for `_xmpps-server`). Returns 0, or -1 with
 * the first failure in err.
 */
int peer_listen_targets(struct peer *p, const struct resolve_target *targets, size_t n,
                        int direct_tls, char *err, size_t errlen);

/*
 * Switches a fault on or off, by its words in scenarios:
 *   "refuses connections"  stop listening: connections are refused (RST)
 *   "drops connections"    a firewall that drops SYNs: connects to it time out
 *   "drops ipv6 connections"  the same on its IPv6 addresses only (a broken IPv6 path)
 *   "stays silent"         accept, read, never answer (a hung server)
 *   "resets connections"   accept, then reset at once
 *   "accepts connections"  back to normal (listening again, no cut)
 *   "closes connections after N bytes"  new connections are cut (no stream close) once
 *                          N bytes arrived from the SUT
 *   "times out its streams"  every established stream gets <connection-timeout/>, closed
 *   "writes slowly"        new connections write 512 bytes/s, 64 at a time
 *   "writes normally"
 *   "answers dialback invalid"  every key is invalid (as receiving and authoritative server)
 *   "answers dialback with error"  every db:result (as receiving server) gets a dialback error,
 *                          <remote-server-not-found/> (XEP-0220 §2.4: it found no way to verify)
 *   "ignores dialback"     dialback requests get no answer (until answers dialback normally)
 *   "answers dialback after N ms"  each dialback request is answered N ms late
 *   "answers dialback normally"  and the requests held until now are answered at once
 * Probabilistic ones, each choice drawn from p->chance (peer_set_chance; DIR: nothing, both
 * ways, or " it sends" / " it receives"):
 *   "drops P% of stanzasDIR"   each stanza is lost with probability P
 *   "delays P% of stanzasDIR by N ms"  each waits N ms with probability P (order is kept: a
 *                          stanza behind a waiting one waits for it)
 *   "jitters stanzasDIR by N ms"  each waits a uniform 0..N ms more (order kept)
 *   "passes stanzas normally"  no more of these; what waits goes at once, in order
 *   "cuts P% of connections within N bytes"  each new connection, with probability P, is cut
 *                          once 1..N bytes (uniform) arrived from the SUT
 * Returns 0, or -1 with the reason in err.
 */
int peer_set_mode(struct peer *p, const char *mode, char *err, size_t errlen);

/*
 * The run's generator (borrowed, outlives the peer) the probabilistic modes draw from, and the
 * name its streams start with (the scenario's actor name: stable from run to run, unlike the
 * run's domain). Also seeds the SRV ordering of the peer's own lookups from it.
 */
void peer_set_chance(struct peer *p, struct chance *c, const char *name);

/*
 * Holds a dialback request (db:result or db:verify, cloned) that arrived on session s while
 * the peer ignores dialback or answers it late: s2s_dialback_release() answers it when its
 * time comes (late), or when the peer answers normally again; nothing if s is gone by then.
 */
void peer_hold_dialback(struct peer *p, const struct s2s *s, const struct xml_node *request);

/*
 * Checks a probabilistic mode's words without a peer (for the scenario parser): 0 if it is one
 * and well written, -1 with the reason in err if it is one badly written, 1 if it is not one.
 */
int peer_check_random_mode(const char *mode, char *err, size_t errlen);

/* The mode words peer_set_mode() knows, for the scenario parser ("|"-separated). */
extern const char *const peer_modes[];

/*
 * Writes bytes as they are on the peer's authenticated outbound stream to `domain` (malformed
 * input, unsolicited dialback answers, spoofed senders). Returns 0, or -1 with the reason.
 */
int peer_send_raw(struct peer *p, const char *domain, const char *bytes, char *err, size_t errlen);

/*
 * Writes bytes as they are on the peer's raw connection to the SUT, before any authentication:
 * the first call opens it (the SUT's _xmpp-server record, plain TCP) and writes the bytes once
 * connected; later calls write on it while it is open. The peer writes nothing of its own on
 * it (no header, no answer, no stream error, no close): what the SUT sends is recorded (nego)
 * and input it cannot parse is read and dropped, so the SUT's own close is seen. Returns 0, or
 * -1 with the reason.
 */
int peer_send_raw_unauthenticated(struct peer *p, const char *domain, const char *bytes, char *err,
                                  size_t errlen);

/* Records what the SUT sent (nego; el owned from now on, NULL for the ends) and tells
 * observe_nego. Past PEER_MAX_NEGO entries, further ones are dropped. */
void peer_note_nego(struct peer *p, enum peer_nego_kind kind, struct xml_node *el,
                    enum peer_nego_dir dir, int tls, int sasl, unsigned session);

/* 1 if `domain` is the peer's own or one of its tenants'. */
int peer_is_local(const struct peer *p, const char *domain);

/* The local user with this bare JID, or NULL. */
struct peer_user *peer_user(struct peer *p, const char *bare);

/*
 * Sends a stanza from one of the peer's users to a remote JID: through an established outbound
 * session to the stanza's `to` domain, or queued while one is set up (resolution, connection,
 * dialback). Presence subscriptions update the sender's roster. The stanza is borrowed.
 */
void peer_send(struct peer *p, const struct xml_node *stanza);

/* A report line (printf-like), prefixed with the peer's domain. */
void peer_report(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Called by sessions with each stanza that passed authentication checks (borrowed). */
void peer_deliver(struct peer *p, const struct xml_node *stanza);

/* How a stream is authenticated, for peer_authenticated_*: any way, or this one. */
enum peer_auth { PEER_AUTH_ANY, PEER_AUTH_DIALBACK, PEER_AUTH_SASL };
enum peer_tls { PEER_TLS_ANY, PEER_TLS_YES, PEER_TLS_NO, PEER_TLS_DIRECT };

/* 1 if an inbound stream from `domain` is authenticated (in) / our outbound stream to it is,
 * in the way asked for. */
int peer_authenticated_from(const struct peer *p, const char *domain, enum peer_auth auth,
                            enum peer_tls tls);
int peer_authenticated_to(const struct peer *p, const char *domain, enum peer_auth auth,
                          enum peer_tls tls);

/* 1 if the SUT sent the peer a stream error with this condition (e.g. "invalid-id"). */
int peer_got_stream_error(const struct peer *p, const char *condition);

/* The domain part of a JID ("user@dom/res" -> "dom"), into buf. */
const char *peer_jid_domain(const char *jid, char *buf, size_t len);
/* The bare JID ("user@dom/res" -> "user@dom"), into buf. */
const char *peer_jid_bare(const char *jid, char *buf, size_t len);

#endif
