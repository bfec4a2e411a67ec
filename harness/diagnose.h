/*
 * diagnose.h: why a scenario failed, from what happened in it. A pure function from the run's
 * facts to causes, one sentence each, in the words of the seed document's troubleshooting
 * where they fit (nslookup of the SRV records, telnet to 5269 both ways, the federation
 * service, the domain registered at Google or WebEx).
 *
 * The facts (struct diagnose_facts) are what the runner saw as events happened:
 *   - every DNS answer fedsim's responder gave (name, type, rcode, TC, UDP or TCP, and whether
 *     it went to the SUT or to fedsim's own resolver at 127.0.0.254), kept once per outcome
 *     with a count;
 *   - every fault the scenario injected: `dns answers|drops|delays|truncates|replaces`, the
 *     peers' network and dialback modes, and the knobs that are faults (cert=, collision=);
 *   - per peer, what its sessions saw: connections from the SUT, its own connections to the
 *     SUT and their outcome, TLS and dialback results each way, the SUT's stream errors;
 *   - the failing step: its line, the peer it waited at and in which direction.
 *
 * Rules (docs/scenarios.md, "Diagnoses"):
 *   1. An injected fault that explains the failure is named first ("the scenario made fedsim's
 *      DNS answer SERVFAIL for _xmpp-server._tcp.gmail.test SRV (line 12): ..."). A fault
 *      explains a failure only when the events show its effect: the SUT got the faulty answer
 *      and never got a good one for the same question, and never reached the peer.
 *   2. No cause the events contradict: no "outbound TCP 5269 is blocked" when the SUT's DNS
 *      answers gave it no address, no "the SUT's records are missing" when its records were
 *      there and only late, no firewall when the SUT got TC=1 and never asked over TCP.
 *   3. Guesses (the SUT never looked the peer up, or looked it up and never connected) only for
 *      the peer the failing step waited at, and only when nothing observed explains it.
 * Names are printed as the scenario wrote them (gmail.test, not this run's r1a2b3c.gmail.test).
 */
#ifndef FEDSIM_DIAGNOSE_H
#define FEDSIM_DIAGNOSE_H

#include <stddef.h>

#define DIAGNOSE_MAX_DNS    96 /* distinct answers kept; later ones only counted */
#define DIAGNOSE_MAX_FAULTS 32
#define DIAGNOSE_MAX_PEERS  8
#define DIAGNOSE_MAX_ERRORS 8 /* stream errors kept per peer */

/* One DNS answer outcome, as given. */
struct diagnose_dns {
    char name[256]; /* as asked, no final dot */
    char type[16];  /* mnemonic: "SRV", "A", "TYPE65280" */
    int rcode;      /* LDNS rcode, or -1: no answer was sent (dropped) */
    int ancount;    /* answer records */
    int tc;         /* TC=1 */
    int tcp;        /* asked over TCP */
    int own;        /* asked by fedsim's own resolver (its peers), not by the SUT */
    int fault;      /* an injected fault decided (or delayed) this answer */
    int delay_ms;   /* sent this much later (a `dns delays` fault) */
    unsigned count; /* how many times */
};

enum diagnose_fault_kind {
    DIAGNOSE_FAULT_DNS_RCODE,    /* dns answers NAME TYPE with RCODE (value: the rcode) */
    DIAGNOSE_FAULT_DNS_DROP,     /* dns drops NAME TYPE */
    DIAGNOSE_FAULT_DNS_DELAY,    /* dns delays NAME TYPE by T (value: milliseconds) */
    DIAGNOSE_FAULT_DNS_TRUNCATE, /* dns truncates NAME TYPE */
    DIAGNOSE_FAULT_DNS_REPLACE,  /* dns replaces NAME TYPE (value: the records' data) */
    DIAGNOSE_FAULT_NET_REFUSE,   /* PEER refuses connections */
    DIAGNOSE_FAULT_NET_DROP,     /* PEER drops connections (SYNs dropped, as a firewall) */
    DIAGNOSE_FAULT_NET_DROP6,    /* PEER drops ipv6 connections */
    DIAGNOSE_FAULT_NET_RESET,    /* PEER resets connections */
    DIAGNOSE_FAULT_NET_SILENT,   /* PEER stays silent */
    DIAGNOSE_FAULT_NET_CUT,      /* PEER closes connections after N bytes (value: N) */
    DIAGNOSE_FAULT_NET_TIMEOUT,  /* PEER times out its streams */
    DIAGNOSE_FAULT_NET_SLOW,     /* PEER writes slowly */
    DIAGNOSE_FAULT_DB_INVALID,   /* PEER answers dialback invalid */
    DIAGNOSE_FAULT_DB_IGNORE,    /* PEER ignores dialback */
    DIAGNOSE_FAULT_DB_LATE,      /* PEER answers dialback after N ms (value: N) */
    DIAGNOSE_FAULT_CERT,         /* knob cert=KIND other than valid (value: the kind) */
    DIAGNOSE_FAULT_COLLISION,    /* knob collision=WAY (value: the way) */
};

struct diagnose_fault {
    enum diagnose_fault_kind kind;
    size_t peer;     /* the peer's index for peer faults; (size_t)-1 for DNS faults */
    char name[256];  /* DNS faults: the name as expanded for this run, no final dot */
    char type[16];   /* DNS faults: the type mnemonic or "*" */
    char value[160]; /* see the kinds */
    int line;        /* the scenario line that injected it */
    int ended;       /* restored or switched back before the failure (line in ended_line) */
    int ended_line;
};

struct diagnose_peer {
    char domain[256]; /* this run's name (r1a2b3c.gmail.test) */
    char shown[256];  /* the scenario's (gmail.test) */
    /* The SUT coming to the peer (as receiving or authoritative server). */
    unsigned accepted;         /* TCP connections from the SUT accepted (resets included) */
    unsigned in_streams;       /* streams the SUT opened to the peer */
    unsigned in_authenticated; /* ... authenticated (dialback valid, or SASL EXTERNAL) */
    unsigned db_invalid_sent;  /* the peer answered the SUT's dialback key invalid */
    unsigned db_ignored;       /* the SUT's dialback requests left unanswered (fault) */
    unsigned db_late;          /* ... held to be answered late (fault) */
    unsigned verify_invalid;   /* as authoritative: the peer said its own key is invalid */
    unsigned collision;        /* refused the SUT as a domain the peer's provider hosts */
    /* The peer going to the SUT (as originating server, or to verify). */
    unsigned sut_unresolved, sut_refused, sut_timeout, sut_connected;
    char sut_addr[80];          /* where the last failed connect went */
    unsigned out_authenticated; /* the SUT accepted the peer's stream (dialback or SASL) */
    unsigned invalid_from_sut;  /* the SUT answered the peer's db:result invalid */
    /* TLS, either direction. */
    unsigned tls_done, tls_failed, cert_refused; /* cert_refused: the peer refused the SUT's */
    /* The conditions of the stream errors the SUT sent the peer, in order. */
    char stream_errors[DIAGNOSE_MAX_ERRORS][48];
    size_t nstream_errors;
};

/* What the failing step waited for. */
enum diagnose_wait {
    DIAGNOSE_WAIT_OTHER,     /* a client's stanza, a DNS question, ... */
    DIAGNOSE_WAIT_AT_PEER,   /* the SUT to come to `peer`: a stanza, an inbound stream */
    DIAGNOSE_WAIT_FROM_PEER, /* `peer` to get through to the SUT: its outbound stream */
};

struct diagnose_facts {
    char sut_domain[256];
    struct diagnose_dns dns[DIAGNOSE_MAX_DNS];
    size_t ndns;
    unsigned dns_unkept; /* answers past DIAGNOSE_MAX_DNS outcomes */
    struct diagnose_fault faults[DIAGNOSE_MAX_FAULTS];
    size_t nfaults;
    struct diagnose_peer peers[DIAGNOSE_MAX_PEERS];
    size_t npeers;
    int line;                /* the failing step's line (0: none) */
    enum diagnose_wait wait; /* ... and what it waited for */
    size_t peer;             /* ... at or from which peer (for AT_PEER and FROM_PEER) */
    size_t steps_passed, nsteps;
};

enum diagnose_class {
    DIAGNOSE_DNS_FAULT,            /* an injected rcode or drop: the SUT could not find a peer */
    DIAGNOSE_DNS_DELAYED,          /* an injected delay the SUT's resolver did not wait out */
    DIAGNOSE_DNS_REPLACED,         /* injected records sent the SUT where no peer listens */
    DIAGNOSE_TRUNCATED_NO_TCP,     /* TC=1 over UDP, and the SUT never asked over TCP */
    DIAGNOSE_SUT_DNS_FAULT,        /* an injected fault on the SUT's names: peers lost it */
    DIAGNOSE_SUT_RECORDS_MISSING,  /* the SUT's own records are not in DNS (seed step 1) */
    DIAGNOSE_PEER_RECORDS_MISSING, /* no usable answer for a peer, nothing injected */
    DIAGNOSE_PEER_NET_FAULT,       /* the scenario made the peer refuse, drop, reset, hang... */
    DIAGNOSE_OUTBOUND_BLOCKED,     /* the SUT found the peer and never connected (seed step 2) */
    DIAGNOSE_NEVER_ASKED,          /* the SUT never looked the peer up */
    DIAGNOSE_INBOUND_REFUSED,      /* the peer's connections to the SUT were refused */
    DIAGNOSE_INBOUND_TIMEOUT,      /* ... timed out */
    DIAGNOSE_DIALBACK_FAULT,       /* the scenario made the peer answer invalid, late, or not */
    DIAGNOSE_DIALBACK_INVALID,     /* the SUT answered the peer's key invalid, nothing injected */
    DIAGNOSE_COLLISION,            /* the peer's provider hosts the SUT's domain (seed) */
    DIAGNOSE_CERT_FAULT,           /* the peer's bad certificate (knob), refused by the SUT */
    DIAGNOSE_CERT_REFUSED,         /* the peer refused the SUT's certificate */
    DIAGNOSE_TLS_FAILED,           /* a TLS handshake with the SUT failed */
    DIAGNOSE_STREAM_ERROR, /* the SUT closed a stream with an error nothing injected explains */
};

struct diagnose_cause {
    enum diagnose_class cls;
    int injected; /* names a fault the scenario injected */
    size_t peer;  /* the peer it is about, or (size_t)-1 */
    char text[896];
};

/*
 * The causes of a failure, injected faults first, at most max of them, into out. Returns how
 * many. Pure: reads f only.
 */
size_t diagnose_run(const struct diagnose_facts *f, struct diagnose_cause *out, size_t max);

/* The class's name ("dns-fault", "truncated-no-tcp", ...), for tests and docs. */
const char *diagnose_class_str(enum diagnose_class c);

/* Collecting facts (the runner, as events happen). f starts zeroed. */

/* Adds a peer; returns its index (peers are added in actor order; the runner maps them). */
size_t diagnose_add_peer(struct diagnose_facts *f, const char *domain, const char *shown);

/* One DNS answer given (rcode -1: none sent). The name may end with a dot. */
void diagnose_note_dns(struct diagnose_facts *f, const char *name, const char *type, int rcode,
                       int ancount, int tc, int tcp, int own, int fault, int delay_ms);

/* An injected fault (peer: (size_t)-1 for DNS faults). A DNS fault for the same name and type
 * as an earlier one ends the earlier one (the responder keeps one per question). */
void diagnose_note_fault(struct diagnose_facts *f, enum diagnose_fault_kind kind, size_t peer,
                         const char *name, const char *type, const char *value, int line);

/* `dns restores NAME TYPE` ("all" or "*" as the name: every DNS fault). */
void diagnose_note_restore(struct diagnose_facts *f, const char *name, const char *type, int line);

/* A peer mode switched (peer_set_mode's words): a fault starts, or "accepts connections",
 * "writes normally", "answers dialback normally" end the faults they undo. */
void diagnose_note_mode(struct diagnose_facts *f, size_t peer, const char *mode, int line);

#endif
