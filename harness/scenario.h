/*
 * scenario.h: the scenario language, parsed. A scenario is a text file (`*.scn`): a header,
 * the actors, then steps, one per line; a step that carries a stanza ends with ':' and the
 * stanza follows on the indented lines below it.
 *
 *   # comment (a line whose first non-blank character is '#')
 *   title: A SUT user subscribes to a Google Talk-like contact
 *   clause: RFC 6121 §3.1.2              -- what the scenario checks, document first (RFC N,
 *                                           XEP-N, seed: FLOW); one line per clause
 *   tags: seed, dialback, gtalk          -- for --tags selection
 *   zone: federation.zone                -- next to the scenario, else in dnsfixtures/; repeatable
 *   timeout: 10s                         -- default bound of every wait (ms, s)
 *   xfail: prosody: <reason>             -- expected to fail on this SUT (name from the SUT file);
 *   xfail: <reason>                         without a name: on every SUT; one line per SUT
 *   skip: <reason>
 *   requires: tls optional|required      -- the SUT variants it is meant for (the SUT file's
 *                                           tls; absent means off); skipped on the others
 *   requires: tls optional direct-tls    -- ... and a SUT with a direct TLS s2s listener (the
 *                                           SUT file's s2s_tls, XEP-0368); skipped without
 *
 *   peer NAME: profile PROFILE, domain DOMAIN[, KNOB=VALUE...]
 *   client NAME                          -- a fresh SUT account (the SUT file's register command)
 *   client NAME: account N|USER          -- or the SUT file's Nth account (1-based), or that user
 *
 *   CLIENT connects
 *   CLIENT disconnects
 *   CLIENT sends:                        -- and the stanza, indented, below
 *   PEER sends [N times]:                -- N copies at once (floods); also for clients
 *   PEER sends raw:                      -- bytes as they are, on its authenticated stream to
 *                                           the SUT (indented lines, joined without newlines)
 *   PEER sends raw unauthenticated:      -- ... on a raw connection of its own to the SUT, before
 *                                           any authentication (the first opens it)
 *   CLIENT receives [strict] [next] [within T]: -- next: the first stanza of that element no step
 *   PEER receives [strict] [next] [within T]:       took must be it (order of arrival)
 *       <stanza/>                        -- alternatives: a line `or` (indented or not)
 *   or                                      between stanzas; any one matching passes (also
 *       <stanza/>                           for nothing like: any one matching fails)
 *   CLIENT receives nothing within T     -- any stanza fails the step: every one no positive
 *   PEER receives nothing within T          step took, there when it begins or arriving within T
 *   CLIENT receives nothing like within T: -- only such a stanza matching the one below (or an
 *                                           alternative) fails it
 *   CLIENT never receives:               -- + stanza (or alternatives): checked when the steps
 *   PEER never receives:                    are done, over every stanza of the whole run
 *   wait T                               -- the scenario waits T (stanzas keep arriving)
 *   PEER authenticates DOMAIN [AUTH] [within T] -- an inbound stream from DOMAIN is authenticated
 *   PEER is authenticated to DOMAIN [AUTH] [within T] -- its outbound stream to DOMAIN is
 *                                        AUTH: by dialback | by sasl external, over tls |
 *                                        over direct tls | without tls (any way if not given)
 *   PEER does not authenticate DOMAIN [AUTH] within T -- no inbound stream from DOMAIN is
 *                                        authenticated (that way) when the step begins, nor
 *                                        becomes so within T
 *   PEER is not authenticated to DOMAIN [AUTH] within T -- its outbound stream to DOMAIN is
 *                                        not authenticated (that way) when the step begins,
 *                                        nor becomes so within T
 *   PEER receives stream error CONDITION [within T] -- e.g. invalid-id, host-unknown
 *   PEER receives negotiation [STREAM] [strict] [within T]: -- + an element the SUT sent besides
 *                                        stanzas: <stream:stream/> (its header), features,
 *                                        STARTTLS, SASL, dialback, stream errors (alternatives)
 *   PEER never receives negotiation [STREAM]: -- + element: checked when the steps are done
 *   PEER receives stream close [STREAM] [within T] -- the SUT sent </stream:stream>
 *   PEER sees the connection closed [STREAM] [within T] -- the SUT ended a connection (TCP)
 *                                        STREAM: inbound | outbound | verify | raw, over tls |
 * without tls | over direct tls, after sasl (any if not given) PEER saw at most N connections --
 * from the SUT so far (no reconnect storm) PEER refuses connections | stays silent | resets
 * connections | accepts connections PEER answers dialback invalid | answers dialback with error |
 * ignores dialback | answers dialback after T | answers dialback normally      -- normally: what
 * was held (ignored, late) is answered PEER drops P% of stanzas [it sends|it receives]     -- at
 * random, from the run's seed PEER delays P% of stanzas [it sends|it receives] by T  (chance.h): P
 * like 30% or 2.5% PEER jitters stanzas [it sends|it receives] by T    -- each waits 0..T more,
 * order kept PEER passes stanzas normally                        -- ends the three above PEER cuts
 * P% of connections [within N bytes]        -- cut after 1..N bytes (2048) or STEP -- after a
 * receives, receives stream error, authenticates, is authenticated to or dns asked step: another
 * outcome; the group passes when any one of its steps does (within the first's wait) dns asked:
 * NAME TYPE [within T]      -- the SUT (or anyone) asked fedsim's DNS dns never asked: NAME TYPE
 *   dns answers NAME TYPE with RCODE     -- NXDOMAIN, SERVFAIL, REFUSED...; TYPE may be *
 *   dns drops NAME TYPE                  -- no answer at all
 *   dns delays NAME TYPE by T            -- answers T later (UDP)
 *   dns truncates NAME TYPE              -- TC=1 over UDP, whole over TCP
 *   dns replaces NAME TYPE:              -- these records instead (indented, absolute names)
 *   dns restores NAME TYPE | dns restores all
 *   dns answers|drops|delays|truncates|replaces P% of NAME TYPE ... -- each question struck
 *                                        at random (chance.h), the others answered as usual
 *
 * In stanzas and arguments, ${name} is a variable: sut.domain (sut.domain.base64), CLIENT.user,
 * CLIENT.bare, CLIENT.full, PEER.domain, and captures. In expected stanzas {any} matches any value
 * and
 * {$name} captures one (match.h). Matching is a subset match unless `strict`.
 */
#ifndef FEDSIM_SCENARIO_H
#define FEDSIM_SCENARIO_H

#include <stddef.h>

enum scenario_step_kind {
    STEP_CONNECT,
    STEP_DISCONNECT,
    STEP_SEND,
    STEP_RECEIVE,
    STEP_RECEIVE_NOTHING,
    STEP_AUTHENTICATES,    /* peer: inbound from DOMAIN valid */
    STEP_AUTHENTICATED_TO, /* peer: outbound to DOMAIN valid */
    STEP_DNS_ASKED,
    STEP_DNS_NEVER_ASKED,
    STEP_DNS_FAULT,            /* arg1 NAME, arg2 TYPE, fault kind, arg3 value, stanza = records */
    STEP_DNS_RESTORE,          /* arg1 NAME (or "all"), arg2 TYPE */
    STEP_PEER_MODE,            /* arg1: the mode's words (peer_set_mode) */
    STEP_SEND_RAW,             /* stanza: the bytes */
    STEP_STREAM_ERROR,         /* peer: the SUT sent it a stream error, arg1 the condition */
    STEP_MAX_CONNECTIONS,      /* peer: at most arg1 connections from the SUT so far */
    STEP_NEVER_RECEIVES,       /* checked when the steps are done, over the whole run */
    STEP_WAIT_TIME,            /* `wait T`: within_ms; no actor */
    STEP_NOT_AUTHENTICATES,    /* peer: no inbound stream from DOMAIN is authenticated within T */
    STEP_NOT_AUTHENTICATED_TO, /* peer: its outbound stream to DOMAIN is not authenticated
                                * (that way) within T */
    STEP_STREAM_CLOSE,         /* peer: the SUT sent </stream:stream> (on a stream of dir) */
    STEP_CONN_CLOSED,          /* peer: the SUT ended a connection (TCP) of dir */
};

enum scenario_actor_kind { ACTOR_CLIENT, ACTOR_PEER, ACTOR_DNS };

struct scenario_actor {
    enum scenario_actor_kind kind;
    char *name; /* owned */
    int line;
    /* client */
    char *account; /* owned: "1" or a user name; NULL for a fresh account */
    /* peer */
    char *profile; /* owned */
    char *domain;  /* owned */
    char **knobs;  /* owned */
    size_t nknobs;
};

/* One more stanza a step accepts (receives) or refuses (receives nothing like), after `or`. */
struct scenario_alt {
    char *stanza; /* owned: as a step's stanza */
    int line;
};

struct scenario_step {
    enum scenario_step_kind kind;
    int line;
    size_t actor; /* index into actors (dns steps and wait: unused) */
    char *stanza; /* owned: the stanza text, variables not expanded yet */
    int stanza_line;
    struct scenario_alt *alts; /* owned: the further alternatives, after each `or` line */
    size_t nalts;
    int strict;
    int next;          /* receives next: the first untaken stanza of that element must match */
    int within_ms;     /* 0: the scenario's default */
    char *arg1, *arg2; /* owned: DOMAIN, or NAME and TYPE for dns steps */
    char *arg3;        /* owned: dns faults: the rcode, or the delay in ms */
    int fault;         /* dns faults: enum dns_fault_kind */
    unsigned ppm;      /* dns faults: how often it strikes, parts per million (1000000: always) */
    int records;       /* the block holds DNS records or raw bytes, not a stanza */
    int repeat;        /* sends: how many times (0 and 1: once) */
    enum step_auth { STEP_AUTH_ANY, STEP_AUTH_DIALBACK, STEP_AUTH_SASL } auth;
    enum step_tls { STEP_TLS_ANY, STEP_TLS_YES, STEP_TLS_NO, STEP_TLS_DIRECT } tls;
    int or_prev; /* `or STEP`: an alternative of the step above (of its group): the group
                  * passes when any one of its steps does (scenario_group_end) */
    int nego;    /* receives negotiation (and its negatives): the stanza is an element the SUT
                  * sent besides stanzas (its stream header, features, dialback...: peer.h) */
    int unauth;  /* sends raw unauthenticated: on the peer's raw connection */
    /* receives negotiation, stream close, the connection closed: on which streams (the peer's
     * view: in, a stream the SUT opened; out, the peer's own; raw, its raw connection), and
     * after SASL success only. tls above says over tls / without tls / over direct tls. */
    enum step_dir { STEP_DIR_ANY, STEP_DIR_IN, STEP_DIR_OUT, STEP_DIR_RAW, STEP_DIR_VERIFY } dir;
    int after_sasl;
};

struct scenario {
    char *path;  /* owned */
    char *title; /* owned */
    char **tags; /* owned */
    size_t ntags;
    char **clauses; /* owned: what each `clause:` line names, in order */
    size_t nclauses;
    char **zones; /* owned: resolved paths */
    size_t nzones;
    int timeout_ms; /* 0: the runner's default */
    struct scenario_xfail {
        char *sut;    /* owned: NULL = every SUT */
        char *reason; /* owned */
    } * xfails;       /* owned: one per xfail: line, at most one per SUT */
    size_t nxfails;
    char *skip;                    /* owned: reason, NULL if none */
    char *requires_tls;            /* owned: "optional|required"...; NULL: any */
    int requires_direct_tls;       /* requires: ... direct-tls: the SUT file names s2s_tls */
    int exclusive;                 /* isolation: exclusive (runs alone, also with -j --sut) */
    struct scenario_actor *actors; /* owned */
    size_t nactors;
    struct scenario_step *steps; /* owned */
    size_t nsteps;
};

/*
 * Parses a scenario file. fixtures_dir: where zone files are looked up after the scenario's own
 * directory. Returns NULL with "file:line:col: message" in err.
 */
struct scenario *scenario_load(const char *path, const char *fixtures_dir, char *err,
                               size_t errlen);

/* The same from text; `name` stands for the file in messages and relative zone paths. */
struct scenario *scenario_parse(const char *name, const char *text, const char *fixtures_dir,
                                char *err, size_t errlen);

void scenario_free(struct scenario *s);

/* The xfail reason for the SUT of this name (NULL: unknown), or NULL if none applies. */
const char *scenario_xfail(const struct scenario *s, const char *sut_name);

/* 1 if the scenario is meant for a SUT running TLS variant `tls` (NULL: off). */
int scenario_fits_tls(const struct scenario *s, const char *tls);

/* The clause: lines joined with "; " (owned), or NULL when there are none. */
char *scenario_clauses(const struct scenario *s);

/* 1 if a step may assert the transport of peer `actor` (over tls, without tls, by sasl
 * external): the scenario has a requires: line, or the peer a tls= knob. Else the peer's
 * transport follows the SUT's tls (transport.h). */
int scenario_transport_pinned(const struct scenario *s, size_t actor);

/* The index after the group of alternative steps (`or STEP` lines) that begins at step i:
 * i + 1 for a step without alternatives. */
size_t scenario_group_end(const struct scenario *s, size_t i);

/* 1 if the scenario has the tag. */
int scenario_has_tag(const struct scenario *s, const char *tag);

const char *scenario_step_str(enum scenario_step_kind k);

/*
 * Expands files and directories (searched recursively for *.scn) into a sorted list of paths
 * (owned, NULL-terminated, free with scenario_paths_free). Returns NULL with err set if a path
 * does not exist or holds no scenario.
 */
char **scenario_collect(char *const *paths, size_t n, char *err, size_t errlen);
void scenario_paths_free(char **list);

#endif
