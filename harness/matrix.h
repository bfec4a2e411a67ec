/*
 * matrix.h: the certificate × TLS × authentication × direction matrix (issue 18): its cells
 * for each SUT variant, the ONE oracle that derives from the rules what each cell may end in
 * (each outcome with the rule it follows), a scenario generated per cell, a pairwise-covering
 * subset, the SUTs' deviations as data (xfail lines naming the clause), and the results of
 * runs as a table per SUT (`fedsim matrix`, docs/tls.md).
 *
 * A cell: the SUT's TLS variant (off, optional, required), the peer's certificate, the peer's
 * TLS (none, STARTTLS optional, STARTTLS required, direct TLS), the ways the peer
 * authenticates (dialback, SASL EXTERNAL, both), and who opens the stream (the SUT dials the
 * peer, or the peer dials the SUT).
 */
#ifndef FEDSIM_MATRIX_H
#define FEDSIM_MATRIX_H

#include <stddef.h>
#include <stdio.h>

enum matrix_variant { MATRIX_OFF, MATRIX_OPTIONAL, MATRIX_REQUIRED, MATRIX_NVARIANT };

enum matrix_cert {
    MATRIX_CERT_VALID,
    MATRIX_CERT_EXPIRED,
    MATRIX_CERT_NOT_YET,
    MATRIX_CERT_WRONG_NAME,
    MATRIX_CERT_SELF_SIGNED,
    MATRIX_CERT_UNTRUSTED,
    MATRIX_CERT_MISSING_INTERMEDIATE,
    MATRIX_CERT_SERVER_ONLY,
    MATRIX_CERT_NONE,
    MATRIX_NCERT
};

enum matrix_tls {
    MATRIX_TLS_NONE,
    MATRIX_TLS_OPTIONAL,
    MATRIX_TLS_REQUIRED,
    MATRIX_TLS_DIRECT,
    MATRIX_NTLS
};

enum matrix_auth { MATRIX_AUTH_DIALBACK, MATRIX_AUTH_EXTERNAL, MATRIX_AUTH_BOTH, MATRIX_NAUTH };

enum matrix_dir { MATRIX_SUT_DIALS, MATRIX_PEER_DIALS, MATRIX_NDIR };

struct matrix_cell {
    enum matrix_variant variant;
    enum matrix_cert cert;
    enum matrix_tls tls;
    enum matrix_auth auth;
    enum matrix_dir dir;
};

/* How the cell's stream ends up: authenticated by SASL EXTERNAL over TLS, by dialback over TLS,
 * by dialback without TLS, or not at all (refused: a stream error, a failed handshake, a
 * closed connection; the SUT's stanzas to the peer bounce). */
enum matrix_outcome {
    MATRIX_EXTERNAL_TLS,
    MATRIX_DIALBACK_TLS,
    MATRIX_DIALBACK_PLAIN,
    MATRIX_REFUSED,
    MATRIX_NOUTCOME
};

/* A rule: the requirement it comes from (an id of docs/requirements.txt or a section, as a
 * `clause:` line names it) and what it says about the cell. */
struct matrix_rule {
    const char *clause; /* static */
    const char *text;   /* static */
};

struct matrix_expect {
    const char *dropped;                      /* static: not a cell, why; NULL for a cell */
    unsigned allowed;                         /* 1 << outcome for each allowed outcome */
    struct matrix_rule rule[MATRIX_NOUTCOME]; /* the rule each allowed outcome follows */
    struct matrix_rule extra[4];              /* further rules the cell checks (clause NULL
                                               * ends them): certificates, direct TLS */
};

/*
 * The oracle: what the rules allow cell c to end in (RFC 6120 §5.3.1 and §13.7.2, RFC 7590
 * §3.1 and §3.4, XEP-0178 §3, XEP-0220, XEP-0344 §2.3, XEP-0368 §3). Fills e: either
 * e->dropped (an impossible cell, or one the same as another) or the allowed outcomes, each
 * with its rule. A pure function.
 */
void matrix_oracle(const struct matrix_cell *c, struct matrix_expect *e);

/* Words: "off"/"optional"/"required"; the certificate's cert= knob word ("missing-intermediate"
 * ...); "none"/"optional"/"required"/"direct"; "dialback"/"external"/"both";
 * "sut-dials"/"peer-dials"; an outcome as a scenario step says it ("sasl external over tls",
 * "dialback over tls", "dialback without tls", "refused"). Parse: 0 or -1. */
const char *matrix_variant_str(enum matrix_variant v);
int matrix_variant_parse(const char *s, enum matrix_variant *v);
const char *matrix_cert_str(enum matrix_cert c);
const char *matrix_tls_str(enum matrix_tls t);
const char *matrix_auth_str(enum matrix_auth a);
const char *matrix_dir_str(enum matrix_dir d);
const char *matrix_outcome_str(enum matrix_outcome o);

/* The cell's name, the file name of its scenario without ".scn":
 * "matrix-optional-expired-tls-required-both-peer-dials". */
void matrix_cell_name(const struct matrix_cell *c, char *buf, size_t len);

/* Every cell of the variant, in a fixed order (cert, tls, auth, dir), dropped ones included:
 * returns how many (at most MATRIX_NCELLS) into cells. */
#define MATRIX_NCELLS (MATRIX_NCERT * MATRIX_NTLS * MATRIX_NAUTH * MATRIX_NDIR)
size_t matrix_cells(enum matrix_variant v, struct matrix_cell *cells);

/* The expectation in one line: "dialback over tls [XEP-0178 §3/3] or refused [RFC 7590 §3.4/1]". */
void matrix_expect_format(const struct matrix_expect *e, char *buf, size_t len);

/*
 * Marks in keep[] (n cells, all of one variant, none dropped) a subset covering every pair of
 * values of two axes (cert, tls, auth, dir) that some cell has: greedy, deterministic.
 * Returns the subset's size.
 */
size_t matrix_pairwise(const struct matrix_cell *cells, size_t n, int *keep);

/* The SUTs' deviations: lines "SUT [KEY=V|V...]...: CLAUSE: REASON" (KEY variant, cert, tls,
 * auth, dir; a key not given matches every value; # comments). KEY needs: outcomes
 * (external, dialback-tls, dialback-plain, refused) the SUT does not reach: the line matches
 * the cells whose every allowed outcome is among them (the cells that need what it lacks, as
 * the oracle says), so a deviation is written as what the SUT does not do, not as a list of
 * results. */
struct matrix_deviation {
    char *sut;        /* owned */
    unsigned mask[6]; /* per key (variant, cert, tls, auth, dir, needs): the values it matches */
    char *reason;     /* owned: "CLAUSE: REASON", the xfail line's text */
    int line;
};

/* Parses the deviations file text (path for messages) into *devs (appended, *n updated).
 * Returns 0, or -1 with "path:line: why" in err. */
int matrix_deviations_parse(const char *path, const char *text, struct matrix_deviation **devs,
                            size_t *n, char *err, size_t errlen);
void matrix_deviations_free(struct matrix_deviation *devs, size_t n);

/* Writes the scenario of cell c (not dropped) to fp: the header with its title (the cell and
 * its expectation with the rules), clause lines, xfail lines of the deviations that match it
 * (the first per SUT), the peer and the steps that accept exactly the allowed outcomes. */
void matrix_write_scenario(FILE *fp, const struct matrix_cell *c,
                           const struct matrix_deviation *devs, size_t ndevs);

#endif
