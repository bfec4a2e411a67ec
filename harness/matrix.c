/* matrix.c: the certificate × TLS × authentication × direction matrix: cells, the oracle,
 * generated scenarios, a pairwise subset, deviations (matrix.h). */
#include "matrix.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

static const char *const variant_words[] = {"off", "optional", "required"};
static const char *const cert_words[] = {
        [MATRIX_CERT_VALID] = "valid",
        [MATRIX_CERT_EXPIRED] = "expired",
        [MATRIX_CERT_NOT_YET] = "not-yet-valid",
        [MATRIX_CERT_WRONG_NAME] = "wrong-name",
        [MATRIX_CERT_SELF_SIGNED] = "self-signed",
        [MATRIX_CERT_UNTRUSTED] = "untrusted",
        [MATRIX_CERT_MISSING_INTERMEDIATE] = "missing-intermediate",
        [MATRIX_CERT_SERVER_ONLY] = "server-auth-only",
        [MATRIX_CERT_NONE] = "none",
};
static const char *const tls_words[] = {"none", "optional", "required", "direct"};
static const char *const auth_words[] = {"dialback", "external", "both"};
static const char *const dir_words[] = {"sut-dials", "peer-dials"};
static const char *const outcome_words[] = {"sasl external over tls", "dialback over tls",
                                            "dialback without tls", "refused"};

const char *
matrix_variant_str(enum matrix_variant v)
{
    return variant_words[v];
}

int
matrix_variant_parse(const char *s, enum matrix_variant *v)
{
    int i;

    for (i = 0; i < MATRIX_NVARIANT; i++) {
        if (strcmp(s, variant_words[i]) == 0) {
            *v = (enum matrix_variant)i;
            return 0;
        }
    }
    return -1;
}

const char *
matrix_cert_str(enum matrix_cert c)
{
    return cert_words[c];
}

const char *
matrix_tls_str(enum matrix_tls t)
{
    return tls_words[t];
}

const char *
matrix_auth_str(enum matrix_auth a)
{
    return auth_words[a];
}

const char *
matrix_dir_str(enum matrix_dir d)
{
    return dir_words[d];
}

const char *
matrix_outcome_str(enum matrix_outcome o)
{
    return outcome_words[o];
}

void
matrix_cell_name(const struct matrix_cell *c, char *buf, size_t len)
{
    snprintf(buf, len, "matrix-%s-%s-tls-%s-%s-%s", variant_words[c->variant], cert_words[c->cert],
             tls_words[c->tls], auth_words[c->auth], dir_words[c->dir]);
}

size_t
matrix_cells(enum matrix_variant v, struct matrix_cell *cells)
{
    size_t n = 0;
    int cert, tls, auth, dir;

    for (cert = 0; cert < MATRIX_NCERT; cert++)
        for (tls = 0; tls < MATRIX_NTLS; tls++)
            for (auth = 0; auth < MATRIX_NAUTH; auth++)
                for (dir = 0; dir < MATRIX_NDIR; dir++)
                    cells[n++] = (struct matrix_cell){.variant = v,
                                                      .cert = (enum matrix_cert)cert,
                                                      .tls = (enum matrix_tls)tls,
                                                      .auth = (enum matrix_auth)auth,
                                                      .dir = (enum matrix_dir)dir};
    return n;
}

/* Does the peer's certificate authenticate it? 1 yes, 0 no, 2 the rules let the SUT decide. As
 * the peer dials, the SUT sees it as a TLS client certificate; as the SUT dials, as a server's. */
static int
cert_authenticates(enum matrix_cert cert, enum matrix_dir dir)
{
    switch (cert) {
    case MATRIX_CERT_VALID:
        return 1;
    case MATRIX_CERT_SERVER_ONLY:
        /* EKU serverAuth only: the right purpose for a server; as a client certificate RFC
         * 5280 §4.2.1.12 lets the SUT refuse it ("unsupported certificate purpose") or, as
         * Prosody does for s2s, take it (fieldbugs/c46). */
        return dir == MATRIX_SUT_DIALS ? 1 : 2;
    default:
        return 0;
    }
}

static void
allow(struct matrix_expect *e, enum matrix_outcome o, const char *clause, const char *text)
{
    if (e->allowed & (1u << o))
        return; /* the first rule that allows it is the one cited */
    e->allowed |= 1u << o;
    e->rule[o] = (struct matrix_rule){clause, text};
}

static void
extra(struct matrix_expect *e, const char *clause, const char *text)
{
    size_t i;

    for (i = 0; i < sizeof(e->extra) / sizeof(e->extra[0]) - 1; i++) {
        if (e->extra[i].clause == NULL) {
            e->extra[i] = (struct matrix_rule){clause, text};
            return;
        }
    }
}

/* Cells that are not cells: impossible, or the same as another (then that one is run). */
static const char *
dropped(const struct matrix_cell *c)
{
    if (c->tls == MATRIX_TLS_NONE && c->auth == MATRIX_AUTH_EXTERNAL)
        return "impossible: SASL EXTERNAL needs TLS (XEP-0178 §3, RFC 6120 §5.3.4: TLS before "
               "SASL), and the peer has no other way";
    if (c->tls == MATRIX_TLS_NONE && c->auth == MATRIX_AUTH_BOTH)
        return "the same as auth=dialback: without TLS no SASL EXTERNAL is offered or used";
    if (c->tls == MATRIX_TLS_NONE && c->cert != MATRIX_CERT_NONE)
        return "the same as cert=none: without TLS no certificate is presented";
    if (c->dir == MATRIX_SUT_DIALS && c->tls != MATRIX_TLS_NONE && c->cert == MATRIX_CERT_NONE)
        return "the same as tls=none: a TLS server presents a certificate (RFC 8446 "
               "§4.4.2), so a peer without one offers no TLS when the SUT dials it";
    if (c->variant == MATRIX_OFF && c->tls != MATRIX_TLS_NONE && c->cert != MATRIX_CERT_VALID)
        return "the same as cert=valid: the SUT has no TLS, no certificate is presented";
    return NULL;
}

void
matrix_oracle(const struct matrix_cell *c, struct matrix_expect *e)
{
    int peer_db = c->auth != MATRIX_AUTH_EXTERNAL, peer_ext = c->auth != MATRIX_AUTH_DIALBACK;
    int peer_tls = c->tls != MATRIX_TLS_NONE;
    int peer_requires = c->tls == MATRIX_TLS_REQUIRED || c->tls == MATRIX_TLS_DIRECT;
    int sut_dials = c->dir == MATRIX_SUT_DIALS;
    int authn;

    memset(e, 0, sizeof(*e));
    if ((e->dropped = dropped(c)) != NULL)
        return;
    /* No TLS on the stream: the peer has none, or the SUT has none. */
    if (!peer_tls && c->variant == MATRIX_REQUIRED) {
        allow(e, MATRIX_REFUSED, "RFC 6120 §5.3.1/1",
              sut_dials ? "the SUT makes TLS mandatory and the peer offers none: it goes no "
                          "further, its stanzas to the peer bounce"
                        : "the SUT makes TLS mandatory: it goes no further with a peer that "
                          "does not negotiate it");
        return;
    }
    if (!peer_tls || c->variant == MATRIX_OFF) {
        if (peer_tls && peer_requires)
            allow(e, MATRIX_REFUSED, "RFC 6120 §5.3.1/1",
                  "the peer makes TLS mandatory and the SUT has none: the stream goes no "
                  "further");
        else if (peer_db)
            allow(e, MATRIX_DIALBACK_PLAIN, "XEP-0220 §2.2.1/1",
                  "no TLS on either side: dialback authenticates the stream");
        else
            allow(e, MATRIX_REFUSED, "XEP-0178 §3/3",
                  "SASL EXTERNAL needs TLS, which the SUT has not, and the peer has no "
                  "dialback: nothing authenticates");
        return;
    }
    /* TLS on both sides: it is used (RFC 7590 §3.1: whenever the peer offers it). */
    extra(e, "RFC 7590 §3.1/1",
          "TLS on both sides: it is used, nothing authenticates in the clear");
    if (c->tls == MATRIX_TLS_DIRECT)
        extra(e, "XEP-0368 §3/4", "certificates on direct TLS are validated as for STARTTLS");
    authn = cert_authenticates(c->cert, c->dir);
    if (authn != 1)
        extra(e, "RFC 6120 §13.7.2/1",
              "the peer's certificate authenticates nothing: never SASL EXTERNAL on it");
    if (authn != 0) {
        if (peer_ext)
            allow(e, MATRIX_EXTERNAL_TLS, "XEP-0178 §3/1",
                  sut_dials ? "TLS used (RFC 7590 §3.1/1), the peer's certificate validates "
                              "and it offers SASL EXTERNAL: the SUT authenticates with its own "
                              "certificate"
                            : "TLS used (RFC 7590 §3.1/1), the certificate is valid for the "
                              "peer's domain: SASL EXTERNAL is offered and succeeds");
        else
            allow(e, MATRIX_DIALBACK_TLS, "XEP-0220 §2.2.1/1",
                  "TLS used (RFC 7590 §3.1/1); the peer does dialback only (sasl=none): "
                  "dialback over TLS");
    }
    if (sut_dials && c->cert == MATRIX_CERT_SERVER_ONLY && c->auth == MATRIX_AUTH_DIALBACK)
        /* The peer verifies the SUT's dialback key over a connection of its own to the SUT
         * (XEP-0220 §2.1.2), where its certificate is a TLS client's. */
        allow(e, MATRIX_REFUSED, "RFC 7590 §3.4/1",
              "the peer verifies the SUT's dialback key over a connection of its own, its "
              "certificate a client's there: RFC 5280 §4.2.1.12 lets the SUT refuse a "
              "serverAuth-only one, and then dialback fails");
    if (authn != 1) {
        if (sut_dials) {
            /* The SUT cannot authenticate the receiving peer by its certificate: it may give
             * up, or go on as without one (dialback rests on DNS, EXTERNAL is its own proof). */
            allow(e, MATRIX_REFUSED, "RFC 7590 §3.4/1",
                  "the peer's certificate fails validation, which authenticates nothing: the "
                  "SUT may abort the stream, its stanzas bouncing");
            if (peer_db)
                allow(e, MATRIX_DIALBACK_TLS, "XEP-0344 §2.3",
                      "or go on over TLS and authenticate by dialback, as without a "
                      "certificate");
            if (peer_ext)
                allow(e, MATRIX_EXTERNAL_TLS, "XEP-0178 §3/1",
                      "or go on and authenticate itself by its own certificate (SASL "
                      "EXTERNAL)");
        } else {
            if (peer_db)
                allow(e, MATRIX_DIALBACK_TLS, "XEP-0178 §3/3",
                      "the certificate does not authenticate the peer (no SASL EXTERNAL, "
                      "RFC 6120 §13.7.2/1): dialback over TLS instead (XEP-0344 §2.3)");
            if (!peer_db)
                allow(e, MATRIX_REFUSED, "XEP-0178 §3/3",
                      "the certificate does not authenticate the peer and it has no "
                      "dialback: the stream is closed");
            else if (c->variant == MATRIX_REQUIRED)
                allow(e, MATRIX_REFUSED, "RFC 7590 §3.4/1",
                      "a TLS-required SUT may demand a certificate that authenticates, and "
                      "refuse the peer (or take dialback over TLS)");
        }
    }
}

void
matrix_expect_format(const struct matrix_expect *e, char *buf, size_t len)
{
    size_t used = 0;
    int o;

    buf[0] = '\0';
    if (e->dropped != NULL) {
        snprintf(buf, len, "dropped: %s", e->dropped);
        return;
    }
    for (o = 0; o < MATRIX_NOUTCOME && used < len; o++) {
        int w;

        if (!(e->allowed & (1u << o)))
            continue;
        w = snprintf(buf + used, len - used, "%s%s [%s]", used > 0 ? " or " : "", outcome_words[o],
                     e->rule[o].clause);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* The cell's value on axis a (0 cert, 1 tls, 2 auth, 3 dir). */
static int
axis(const struct matrix_cell *c, int a)
{
    switch (a) {
    case 0:
        return (int)c->cert;
    case 1:
        return (int)c->tls;
    case 2:
        return (int)c->auth;
    default:
        return (int)c->dir;
    }
}

static const int axis_size[4] = {MATRIX_NCERT, MATRIX_NTLS, MATRIX_NAUTH, MATRIX_NDIR};

/* The index of the pair (axis a value x, axis b value y), a < b, in one flat array. */
static size_t
pair_index(int a, int x, int b, int y)
{
    size_t base = 0;
    int i, j;

    for (i = 0; i < 4; i++)
        for (j = i + 1; j < 4; j++) {
            if (i == a && j == b)
                return base + (size_t)x * (size_t)axis_size[b] + (size_t)y;
            base += (size_t)axis_size[i] * (size_t)axis_size[j];
        }
    return base; /* not reached: a < b < 4 */
}

#define NPAIRS (9 * 4 + 9 * 3 + 9 * 2 + 4 * 3 + 4 * 2 + 3 * 2)

size_t
matrix_pairwise(const struct matrix_cell *cells, size_t n, int *keep)
{
    /* 0: no cell has the pair; 1: to cover; 2: covered. */
    unsigned char need[NPAIRS];
    size_t i, chosen = 0;
    int a, b;

    memset(need, 0, sizeof(need));
    for (i = 0; i < n; i++) {
        keep[i] = 0;
        for (a = 0; a < 4; a++)
            for (b = a + 1; b < 4; b++)
                need[pair_index(a, axis(&cells[i], a), b, axis(&cells[i], b))] = 1;
    }
    for (;;) {
        size_t best = n;
        int best_gain = 0;

        for (i = 0; i < n; i++) {
            int gain = 0;

            if (keep[i])
                continue;
            for (a = 0; a < 4; a++)
                for (b = a + 1; b < 4; b++)
                    gain += need[pair_index(a, axis(&cells[i], a), b, axis(&cells[i], b))] == 1;
            if (gain > best_gain) {
                best_gain = gain;
                best = i;
            }
        }
        if (best == n)
            return chosen;
        keep[best] = 1;
        chosen++;
        for (a = 0; a < 4; a++)
            for (b = a + 1; b < 4; b++)
                need[pair_index(a, axis(&cells[best], a), b, axis(&cells[best], b))] = 2;
    }
}

void
matrix_deviations_free(struct matrix_deviation *devs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(devs[i].sut);
        free(devs[i].reason);
    }
    free(devs);
}

static const char *const key_words[] = {"variant", "cert", "tls", "auth", "dir", "needs"};
static const char *const needs_words[] = {"external", "dialback-tls", "dialback-plain", "refused"};

/* The words of key k, and how many. */
static const char *const *
key_values(int k, int *count)
{
    static const int counts[] = {MATRIX_NVARIANT, MATRIX_NCERT, MATRIX_NTLS,
                                 MATRIX_NAUTH,    MATRIX_NDIR,  MATRIX_NOUTCOME};
    static const char *const *const values[] = {variant_words, cert_words, tls_words,
                                                auth_words,    dir_words,  needs_words};

    *count = counts[k];
    return values[k];
}

/* One "KEY=V|V" token into d->mask; 0 or -1 with the reason. */
static int
parse_token(struct matrix_deviation *d, char *tok, char *why, size_t whylen)
{
    char *eq = strchr(tok, '='), *v, *save = NULL;
    int k, i, count;
    const char *const *words;

    if (eq == NULL) {
        snprintf(why, whylen, "\"%s\" is not KEY=VALUE[|VALUE...]", tok);
        return -1;
    }
    *eq = '\0';
    for (k = 0; k < 6 && strcmp(tok, key_words[k]) != 0; k++)
        ;
    if (k == 6) {
        snprintf(why, whylen, "unknown key \"%s\" (variant, cert, tls, auth, dir, needs)", tok);
        return -1;
    }
    words = key_values(k, &count);
    d->mask[k] = 0;
    for (v = strtok_r(eq + 1, "|", &save); v != NULL; v = strtok_r(NULL, "|", &save)) {
        for (i = 0; i < count && strcmp(v, words[i]) != 0; i++)
            ;
        if (i == count) {
            snprintf(why, whylen, "%s=%s: not a value of %s", tok, v, tok);
            return -1;
        }
        d->mask[k] |= 1u << i;
    }
    if (d->mask[k] == 0) {
        snprintf(why, whylen, "%s= names no value", tok);
        return -1;
    }
    return 0;
}

/* A SUT name as a SUT file's `name` and an xfail line have it. */
static int
sut_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

int
matrix_deviations_parse(const char *path, const char *text, struct matrix_deviation **devs,
                        size_t *n, char *err, size_t errlen)
{
    const char *p = text;
    int line = 0;

    while (*p != '\0') {
        size_t len = strcspn(p, "\n");
        char *l = xstrndup(p, len), *s = l, *colon, *tok, *save = NULL, why[160];
        struct matrix_deviation d;
        int k, bad = 0;

        p += len + (p[len] == '\n');
        line++;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0' || *s == '#') {
            free(l);
            continue;
        }
        memset(&d, 0, sizeof(d));
        for (k = 0; k < 6; k++)
            d.mask[k] = ~0u;
        d.line = line;
        colon = strstr(s, ": ");
        if (colon == NULL) {
            snprintf(why, sizeof(why), "expected \"SUT [KEY=VALUE...]: CLAUSE: REASON\"");
            bad = 1;
        } else {
            *colon = '\0';
            d.reason = xstrdup(colon + 2);
            if (strstr(d.reason, ": ") == NULL) {
                snprintf(why, sizeof(why), "the reason names no clause (\"CLAUSE: REASON\")");
                bad = 1;
            }
            tok = strtok_r(s, " \t", &save);
            d.sut = xstrdup(tok != NULL ? tok : "");
            if (!sut_name_ok(d.sut)) {
                snprintf(why, sizeof(why),
                         "\"%.60s\" is not a SUT name (letters, digits, '-', '_', '.')", d.sut);
                bad = 1;
            }
            while (!bad && (tok = strtok_r(NULL, " \t", &save)) != NULL)
                bad = parse_token(&d, tok, why, sizeof(why)) != 0;
        }
        free(l);
        if (bad) {
            snprintf(err, errlen, "%s:%d: %s", path, line, why);
            free(d.sut);
            free(d.reason);
            return -1;
        }
        *devs = xreallocarray(*devs, *n + 1, sizeof(**devs));
        (*devs)[(*n)++] = d;
    }
    return 0;
}

static int
deviation_matches(const struct matrix_deviation *d, const struct matrix_cell *c)
{
    struct matrix_expect e;

    matrix_oracle(c, &e);
    if ((e.allowed & ~d->mask[5]) != 0)
        return 0;
    return (d->mask[0] >> c->variant & 1) && (d->mask[1] >> c->cert & 1) &&
           (d->mask[2] >> c->tls & 1) && (d->mask[3] >> c->auth & 1) && (d->mask[4] >> c->dir & 1);
}

/* The peer line's knobs for the cell. */
static void
peer_knobs(const struct matrix_cell *c, char *buf, size_t len)
{
    static const char *const tls_knob[] = {"tls=none, direct_tls=no", "tls=optional, direct_tls=no",
                                           "tls=required, direct_tls=no",
                                           "tls=required, direct_tls=dial"};
    static const char *const auth_knob[] = {"sasl=none, dialback=yes", "sasl=external, dialback=no",
                                            "sasl=external, dialback=yes"};

    snprintf(buf, len, "%s, %s, cert=%s, bidi=no", tls_knob[c->tls], auth_knob[c->auth],
             cert_words[c->cert]);
}

/* The step that asserts outcome o, for the direction: "p is authenticated to ${sut.domain} by
 * dialback over tls"; negative: "p is not authenticated ..." (without `within`). */
static void
auth_step(const struct matrix_cell *c, enum matrix_outcome o, int negative, char *buf, size_t len)
{
    static const char *const how[] = {" by sasl external", " by dialback over tls",
                                      " by dialback without tls", ""};
    const char *verb;

    if (c->dir == MATRIX_PEER_DIALS)
        verb = negative ? "is not authenticated to" : "is authenticated to";
    else
        verb = negative ? "does not authenticate" : "authenticates";
    snprintf(buf, len, "p %s ${sut.domain}%s", verb, how[o]);
}

void
matrix_write_scenario(FILE *fp, const struct matrix_cell *c, const struct matrix_deviation *devs,
                      size_t ndevs)
{
    static const char *const tls_title[] = {"no TLS", "STARTTLS optional", "STARTTLS required",
                                            "direct TLS"};
    static const char *const auth_title[] = {"dialback", "SASL EXTERNAL only",
                                             "SASL EXTERNAL and dialback"};
    static const char *const dir_title[] = {"the SUT dials the peer", "the peer dials the SUT"};
    struct matrix_expect e;
    char name[160], expect[512], knobs[200], step[160];
    const char *clauses[MATRIX_NOUTCOME + 4];
    size_t nclauses = 0, i, j;
    int o, first, refused_ok, nauth = 0, bounce;

    matrix_oracle(c, &e);
    if (e.dropped != NULL)
        return;
    matrix_cell_name(c, name, sizeof(name));
    matrix_expect_format(&e, expect, sizeof(expect));
    fprintf(fp, "# %s.scn: generated by `fedsim matrix` (harness/matrix.c); do not edit.\n", name);
    fprintf(fp,
            "# The expected outcome comes from the oracle (matrix_oracle), each with its rule:\n");
    for (o = 0; o < MATRIX_NOUTCOME; o++)
        if (e.allowed & (1u << o))
            fprintf(fp, "#   %s: %s: %s\n", outcome_words[o], e.rule[o].clause, e.rule[o].text);
    for (i = 0; e.extra[i].clause != NULL; i++)
        fprintf(fp, "#   and %s: %s\n", e.extra[i].clause, e.extra[i].text);
    fprintf(fp, "title: matrix %s: cert %s, %s, %s, %s: expect %s\n", variant_words[c->variant],
            cert_words[c->cert], tls_title[c->tls], auth_title[c->auth], dir_title[c->dir], expect);
    /* Clauses: each allowed outcome's rule and the extra ones, once each. */
    for (o = 0; o < MATRIX_NOUTCOME; o++)
        if (e.allowed & (1u << o))
            clauses[nclauses++] = e.rule[o].clause;
    for (i = 0; e.extra[i].clause != NULL; i++)
        clauses[nclauses++] = e.extra[i].clause;
    refused_ok = (e.allowed >> MATRIX_REFUSED) & 1;
    bounce = c->dir == MATRIX_SUT_DIALS && refused_ok;
    if (bounce)
        clauses[nclauses++] = "RFC 6120 §10.4.3/1";
    for (i = 0; i < nclauses; i++) {
        for (j = 0; j < i && strcmp(clauses[j], clauses[i]) != 0; j++)
            ;
        if (j == i)
            fprintf(fp, "clause: %s\n", clauses[i]);
    }
    fprintf(fp, "tags: matrix, tls, certificates, %s, %s\n", dir_words[c->dir],
            auth_words[c->auth]);
    for (i = 0; i < ndevs; i++) {
        for (j = 0; j < i; j++)
            if (strcasecmp(devs[j].sut, devs[i].sut) == 0 && deviation_matches(&devs[j], c))
                break;
        if (j == i && deviation_matches(&devs[i], c))
            fprintf(fp, "xfail: %s: %s\n", devs[i].sut, devs[i].reason);
    }
    fprintf(fp, "requires: tls %s\n", variant_words[c->variant]);
    fprintf(fp, "zone: federation.zone\n\n");
    peer_knobs(c, knobs, sizeof(knobs));
    fprintf(fp, "peer p: profile modern, domain jabber.test, %s\n", knobs);
    if (c->dir == MATRIX_PEER_DIALS)
        fprintf(fp, "client bob\n\nbob connects\np sends:\n"
                    "    <message from='jdoe2@jabber.test' to='${bob.bare}' type='chat' "
                    "id='m1'><body>matrix</body></message>\n");
    else
        fprintf(fp, "client alice\n\nalice connects\nalice sends:\n"
                    "    <message to='jdoe1@jabber.test' type='chat' id='m1'>"
                    "<body>matrix</body></message>\n");
    for (o = 0; o < MATRIX_REFUSED; o++)
        nauth += (e.allowed >> o) & 1;
    if (!refused_ok) {
        /* It must authenticate, one of the allowed ways, and the message must get through. */
        first = 1;
        for (o = 0; o < MATRIX_REFUSED; o++) {
            if (!(e.allowed & (1u << o)))
                continue;
            auth_step(c, (enum matrix_outcome)o, 0, step, sizeof(step));
            fprintf(fp, "%s%s\n", first ? "" : "or ", step);
            first = 0;
        }
        if (c->dir == MATRIX_PEER_DIALS)
            fprintf(fp, "bob receives:\n"
                        "    <message from='jdoe2@jabber.test' id='m1'><body>matrix</body>"
                        "</message>\n");
        else
            fprintf(fp, "p receives:\n"
                        "    <message from='${alice.full}' to='jdoe1@jabber.test' id='m1'>"
                        "<body>matrix</body></message>\n");
        return;
    }
    if (nauth == 0) {
        /* Nothing may authenticate it. */
        auth_step(c, MATRIX_REFUSED, 1, step, sizeof(step));
        fprintf(fp, "%s within 5s\n", step);
    } else {
        /* Refused, or one of the allowed ways: every other way fails the cell. */
        first = 1;
        for (o = 0; o < MATRIX_REFUSED; o++) {
            if (e.allowed & (1u << o))
                continue;
            auth_step(c, (enum matrix_outcome)o, 1, step, sizeof(step));
            fprintf(fp, "%s within %ds\n", step, first ? 5 : 1);
            first = 0;
        }
    }
    if (c->dir == MATRIX_PEER_DIALS && nauth == 0)
        fprintf(fp, "bob receives nothing like within 1s:\n"
                    "    <message from='jdoe2@jabber.test' id='m1'/>\n");
    else if (bounce && nauth == 0)
        fprintf(fp, "alice receives:\n"
                    "    <message type='error' from='jdoe1@jabber.test' id='m1'>"
                    "<error type='{any}'/></message>\n");
    else if (bounce)
        fprintf(fp, "alice receives:\n"
                    "    <message type='error' from='jdoe1@jabber.test' id='m1'>"
                    "<error type='{any}'/></message>\n"
                    "or p receives:\n"
                    "    <message from='${alice.full}' to='jdoe1@jabber.test' id='m1'>"
                    "<body>matrix</body></message>\n");
}
