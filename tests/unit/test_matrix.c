/* test_matrix.c: the certificate × TLS × authentication × direction matrix: the oracle on
 * representative cells (each outcome and the rule it cites), the drops and counts, the
 * pairwise subset, the deviations file, and the generated scenarios (they parse, and carry
 * the steps, clauses and xfails their cell asks for). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "scenario.h"

#define EXT   (1u << MATRIX_EXTERNAL_TLS)
#define DBTLS (1u << MATRIX_DIALBACK_TLS)
#define PLAIN (1u << MATRIX_DIALBACK_PLAIN)
#define REF   (1u << MATRIX_REFUSED)

static struct matrix_expect
expect(enum matrix_variant v, enum matrix_cert cert, enum matrix_tls tls, enum matrix_auth auth,
       enum matrix_dir dir)
{
    struct matrix_cell c = {v, cert, tls, auth, dir};
    struct matrix_expect e;

    matrix_oracle(&c, &e);
    return e;
}

static int
has_extra(const struct matrix_expect *e, const char *clause)
{
    size_t i;

    for (i = 0; e->extra[i].clause != NULL; i++)
        if (strcmp(e->extra[i].clause, clause) == 0)
            return 1;
    return 0;
}

/* A valid certificate: SASL EXTERNAL when the peer offers it (XEP-0178 §3/1), both ways, even
 * when it also does dialback; dialback over TLS when it does dialback only. */
static void
test_valid_certificate(void **s)
{
    struct matrix_expect e;

    (void)s;
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_VALID, MATRIX_TLS_OPTIONAL, MATRIX_AUTH_BOTH,
               MATRIX_PEER_DIALS);
    assert_null(e.dropped);
    assert_int_equal(e.allowed, EXT);
    assert_string_equal(e.rule[MATRIX_EXTERNAL_TLS].clause, "XEP-0178 §3/1");
    e = expect(MATRIX_REQUIRED, MATRIX_CERT_VALID, MATRIX_TLS_REQUIRED, MATRIX_AUTH_EXTERNAL,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, EXT);
    e = expect(MATRIX_REQUIRED, MATRIX_CERT_VALID, MATRIX_TLS_OPTIONAL, MATRIX_AUTH_DIALBACK,
               MATRIX_PEER_DIALS);
    assert_int_equal(e.allowed, DBTLS);
    assert_string_equal(e.rule[MATRIX_DIALBACK_TLS].clause, "XEP-0220 §2.2.1/1");
    assert_false(has_extra(&e, "RFC 6120 §13.7.2/1"));
}

/* A certificate that fails validation authenticates nothing (RFC 6120 §13.7.2/1): as the peer
 * dials, dialback over TLS instead (XEP-0178 §3/3), or refused by a TLS-required SUT (RFC 7590
 * §3.4/1); with EXTERNAL only, refused; never SASL EXTERNAL. */
static void
test_failing_certificate_peer_dials(void **s)
{
    static const enum matrix_cert bad[] = {MATRIX_CERT_EXPIRED,    MATRIX_CERT_NOT_YET,
                                           MATRIX_CERT_WRONG_NAME, MATRIX_CERT_SELF_SIGNED,
                                           MATRIX_CERT_UNTRUSTED,  MATRIX_CERT_MISSING_INTERMEDIATE,
                                           MATRIX_CERT_NONE};
    struct matrix_expect e;
    size_t i;

    (void)s;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        e = expect(MATRIX_OPTIONAL, bad[i], MATRIX_TLS_REQUIRED, MATRIX_AUTH_BOTH,
                   MATRIX_PEER_DIALS);
        assert_int_equal(e.allowed, DBTLS);
        assert_string_equal(e.rule[MATRIX_DIALBACK_TLS].clause, "XEP-0178 §3/3");
        assert_true(has_extra(&e, "RFC 6120 §13.7.2/1"));
        e = expect(MATRIX_REQUIRED, bad[i], MATRIX_TLS_OPTIONAL, MATRIX_AUTH_BOTH,
                   MATRIX_PEER_DIALS);
        assert_int_equal(e.allowed, DBTLS | REF);
        assert_string_equal(e.rule[MATRIX_REFUSED].clause, "RFC 7590 §3.4/1");
        e = expect(MATRIX_OPTIONAL, bad[i], MATRIX_TLS_OPTIONAL, MATRIX_AUTH_EXTERNAL,
                   MATRIX_PEER_DIALS);
        assert_int_equal(e.allowed, REF);
    }
}

/* As the SUT dials, it may give up on a peer whose certificate fails, or go on over TLS. */
static void
test_failing_certificate_sut_dials(void **s)
{
    struct matrix_expect e;

    (void)s;
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_SELF_SIGNED, MATRIX_TLS_REQUIRED, MATRIX_AUTH_DIALBACK,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, DBTLS | REF);
    assert_string_equal(e.rule[MATRIX_DIALBACK_TLS].clause, "XEP-0344 §2.3");
    e = expect(MATRIX_REQUIRED, MATRIX_CERT_UNTRUSTED, MATRIX_TLS_DIRECT, MATRIX_AUTH_BOTH,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, EXT | DBTLS | REF);
    assert_true(has_extra(&e, "XEP-0368 §3/4"));
}

/* serverAuth only: a server's certificate as it should be; as a client certificate the SUT
 * decides (RFC 5280 §4.2.1.12), so both outcomes are allowed. */
static void
test_server_auth_only(void **s)
{
    struct matrix_expect e;

    (void)s;
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_SERVER_ONLY, MATRIX_TLS_REQUIRED, MATRIX_AUTH_BOTH,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, EXT);
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_SERVER_ONLY, MATRIX_TLS_REQUIRED, MATRIX_AUTH_BOTH,
               MATRIX_PEER_DIALS);
    assert_int_equal(e.allowed, EXT | DBTLS);
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_SERVER_ONLY, MATRIX_TLS_REQUIRED, MATRIX_AUTH_EXTERNAL,
               MATRIX_PEER_DIALS);
    assert_int_equal(e.allowed, EXT | REF);
    /* As the SUT dials a dialback peer, the peer's verification connection presents it as a
     * client certificate (XEP-0220 §2.1.2): refusing it there is allowed too. */
    e = expect(MATRIX_REQUIRED, MATRIX_CERT_SERVER_ONLY, MATRIX_TLS_OPTIONAL, MATRIX_AUTH_DIALBACK,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, DBTLS | REF);
    assert_string_equal(e.rule[MATRIX_REFUSED].clause, "RFC 7590 §3.4/1");
}

/* Without TLS on one side: dialback in the clear, or refused where a side makes TLS mandatory
 * (RFC 6120 §5.3.1/1). */
static void
test_no_tls(void **s)
{
    struct matrix_expect e;

    (void)s;
    e = expect(MATRIX_OFF, MATRIX_CERT_NONE, MATRIX_TLS_NONE, MATRIX_AUTH_DIALBACK,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, PLAIN);
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_NONE, MATRIX_TLS_NONE, MATRIX_AUTH_DIALBACK,
               MATRIX_PEER_DIALS);
    assert_int_equal(e.allowed, PLAIN);
    e = expect(MATRIX_REQUIRED, MATRIX_CERT_NONE, MATRIX_TLS_NONE, MATRIX_AUTH_DIALBACK,
               MATRIX_PEER_DIALS);
    assert_int_equal(e.allowed, REF);
    assert_string_equal(e.rule[MATRIX_REFUSED].clause, "RFC 6120 §5.3.1/1");
    e = expect(MATRIX_OFF, MATRIX_CERT_VALID, MATRIX_TLS_REQUIRED, MATRIX_AUTH_BOTH,
               MATRIX_PEER_DIALS);
    assert_int_equal(e.allowed, REF);
    e = expect(MATRIX_OFF, MATRIX_CERT_VALID, MATRIX_TLS_OPTIONAL, MATRIX_AUTH_BOTH,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, PLAIN);
    e = expect(MATRIX_OFF, MATRIX_CERT_VALID, MATRIX_TLS_OPTIONAL, MATRIX_AUTH_EXTERNAL,
               MATRIX_SUT_DIALS);
    assert_int_equal(e.allowed, REF);
}

/* Drops, and the counts they leave; and two properties of every kept cell: with TLS on both
 * sides nothing goes in the clear (RFC 7590 §3.1/1), and a certificate that fails never
 * authenticates by SASL EXTERNAL as the peer dials. */
static void
test_drops_and_counts(void **s)
{
    struct matrix_cell cells[MATRIX_NCELLS];
    struct matrix_expect e;
    size_t n, i, kept;
    int v;

    (void)s;
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_NONE, MATRIX_TLS_NONE, MATRIX_AUTH_EXTERNAL,
               MATRIX_PEER_DIALS);
    assert_non_null(e.dropped);
    assert_true(strncmp(e.dropped, "impossible", 10) == 0);
    e = expect(MATRIX_OPTIONAL, MATRIX_CERT_EXPIRED, MATRIX_TLS_NONE, MATRIX_AUTH_DIALBACK,
               MATRIX_PEER_DIALS);
    assert_non_null(strstr(e.dropped, "cert=none"));
    e = expect(MATRIX_REQUIRED, MATRIX_CERT_NONE, MATRIX_TLS_REQUIRED, MATRIX_AUTH_DIALBACK,
               MATRIX_SUT_DIALS);
    assert_non_null(strstr(e.dropped, "tls=none"));
    for (v = 0; v < MATRIX_NVARIANT; v++) {
        n = matrix_cells((enum matrix_variant)v, cells);
        assert_int_equal(n, 216);
        for (i = kept = 0; i < n; i++) {
            matrix_oracle(&cells[i], &e);
            if (e.dropped != NULL)
                continue;
            kept++;
            assert_int_not_equal(e.allowed, 0);
            if (v != MATRIX_OFF && cells[i].tls != MATRIX_TLS_NONE) {
                assert_false(e.allowed & PLAIN);
                assert_true(has_extra(&e, "RFC 7590 §3.1/1"));
            }
            if (cells[i].dir == MATRIX_PEER_DIALS && cells[i].cert != MATRIX_CERT_VALID &&
                cells[i].cert != MATRIX_CERT_SERVER_ONLY)
                assert_false(e.allowed & EXT);
        }
        assert_int_equal(kept, v == MATRIX_OFF ? 20 : 155);
    }
}

static int
value(const struct matrix_cell *c, int axis)
{
    return axis == 0   ? (int)c->cert
           : axis == 1 ? (int)c->tls
           : axis == 2 ? (int)c->auth
                       : (int)c->dir;
}

/* The pairwise subset covers every pair of axis values that a kept cell has. */
static void
test_pairwise(void **s)
{
    struct matrix_cell all[MATRIX_NCELLS], kept[MATRIX_NCELLS];
    struct matrix_expect e;
    int keep[MATRIX_NCELLS];
    size_t n = matrix_cells(MATRIX_REQUIRED, all), k = 0, i, j, sub;

    (void)s;
    for (i = 0; i < n; i++) {
        matrix_oracle(&all[i], &e);
        if (e.dropped == NULL)
            kept[k++] = all[i];
    }
    sub = matrix_pairwise(kept, k, keep);
    assert_true(sub >= 28); /* cert × tls has 28 pairs: tls=none only with cert=none */
    assert_true(sub < k / 3);
    for (i = 0; i < k; i++) {
        /* each of the cell's six pairs of axis values is in some cell of the subset */
        int covered = 0, a, b;

        for (a = 0; a < 4; a++)
            for (b = a + 1; b < 4; b++)
                for (j = 0; j < k; j++)
                    if (keep[j] && value(&kept[j], a) == value(&kept[i], a) &&
                        value(&kept[j], b) == value(&kept[i], b)) {
                        covered++;
                        break;
                    }
        assert_int_equal(covered, 6);
    }
}

static void
test_deviations(void **s)
{
    struct matrix_deviation *d = NULL;
    size_t n = 0;
    char err[256];

    (void)s;
    assert_int_equal(matrix_deviations_parse("dev.txt",
                                             "# comment\n\n"
                                             "jabberd2 variant=optional|required auth=external: "
                                             "XEP-0178 §3/1 (SHOULD): no SASL EXTERNAL\n"
                                             "ejabberd: RFC 6120 §5.3.1/1: everything\n",
                                             &d, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].sut, "jabberd2");
    assert_int_equal(d[0].mask[0], (1u << MATRIX_OPTIONAL) | (1u << MATRIX_REQUIRED));
    assert_int_equal(d[0].mask[3], 1u << MATRIX_AUTH_EXTERNAL);
    assert_int_equal(d[0].mask[1], ~0u);
    assert_string_equal(d[0].reason, "XEP-0178 §3/1 (SHOULD): no SASL EXTERNAL");
    assert_int_equal(d[1].line, 4);
    assert_int_equal(matrix_deviations_parse("dev.txt", "prosody cert=bogus: X: y\n", &d, &n, err,
                                             sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "dev.txt:1: cert=bogus"));
    assert_int_equal(matrix_deviations_parse("dev.txt", "\nprosody tls=none: no clause\n", &d, &n,
                                             err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "dev.txt:2:"));
    /* A SUT name as an xfail line takes it (fuzz_matrix found "a:b" and case twins). */
    assert_int_equal(matrix_deviations_parse("dev.txt", "a:b cert=valid: X §1: y\n", &d, &n, err,
                                             sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "not a SUT name"));
    assert_int_equal(n, 2);
    assert_int_equal(matrix_deviations_parse("dev.txt",
                                             "jabberd2 needs=external|dialback-tls: X: y\n", &d, &n,
                                             err, sizeof(err)),
                     0);
    assert_int_equal(d[2].mask[5], (1u << MATRIX_EXTERNAL_TLS) | (1u << MATRIX_DIALBACK_TLS));
    matrix_deviations_free(d, n);
}

/* The scenario of a cell: what the oracle allows as its steps, the rules in the title, the
 * clauses, the xfail of a deviation matching it; it parses. */
static char *
scenario_text(const struct matrix_cell *c, const struct matrix_deviation *d, size_t nd)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    matrix_write_scenario(fp, c, d, nd);
    fclose(fp);
    return buf;
}

static const char *
fixtures(void)
{
    static char buf[1024];
    const char *src = getenv("FEDSIM_SOURCE_DIR");

    snprintf(buf, sizeof(buf), "%s/dnsfixtures", src != NULL ? src : ".");
    return buf;
}

static void
test_scenarios(void **s)
{
    struct matrix_cell c1 = {MATRIX_REQUIRED, MATRIX_CERT_EXPIRED, MATRIX_TLS_REQUIRED,
                             MATRIX_AUTH_BOTH, MATRIX_PEER_DIALS};
    struct matrix_cell c2 = {MATRIX_OPTIONAL, MATRIX_CERT_VALID, MATRIX_TLS_DIRECT,
                             MATRIX_AUTH_EXTERNAL, MATRIX_SUT_DIALS};
    struct matrix_deviation *d = NULL;
    size_t nd = 0;
    char err[512], *t;
    struct scenario *sc;

    (void)s;
    assert_int_equal(matrix_deviations_parse("d",
                                             "jabberd2 auth=external|both: XEP-0178 §3/1: "
                                             "no EXTERNAL\njabberd2: X §1: second\n"
                                             "JABBERD2: X §1: third\n",
                                             &d, &nd, err, sizeof(err)),
                     0);
    t = scenario_text(&c1, d, nd);
    assert_non_null(strstr(t, "expect dialback over tls [XEP-0178 §3/3] or refused "
                              "[RFC 7590 §3.4/1]"));
    assert_non_null(strstr(t, "\nclause: RFC 6120 §13.7.2/1\n"));
    assert_non_null(strstr(t, "\nrequires: tls required\n"));
    assert_non_null(strstr(t, "cert=expired"));
    assert_non_null(strstr(t, "\np is not authenticated to ${sut.domain} by sasl external within "
                              "5s\np is not authenticated to ${sut.domain} by dialback without "
                              "tls within 1s\n"));
    assert_null(strstr(t, "\np is authenticated"));
    assert_non_null(strstr(t, "\nxfail: jabberd2: XEP-0178 §3/1: no EXTERNAL\n"));
    assert_null(strstr(t, "second"));          /* the first matching line per SUT */
    assert_null(strstr(t, "xfail: JABBERD2")); /* names match as xfail lines do: any case */
    sc = scenario_parse("c1.scn", t, fixtures(), err, sizeof(err));
    if (sc == NULL)
        fail_msg("%s", err);
    assert_non_null(scenario_xfail(sc, "jabberd2"));
    scenario_free(sc);
    free(t);
    t = scenario_text(&c2, d, nd);
    assert_non_null(strstr(t, "tls=required, direct_tls=dial, sasl=external, dialback=no"));
    assert_non_null(strstr(t, "\np authenticates ${sut.domain} by sasl external\np receives:\n"));
    assert_non_null(strstr(t, "\nclause: XEP-0368 §3/4\n"));
    sc = scenario_parse("c2.scn", t, fixtures(), err, sizeof(err));
    if (sc == NULL)
        fail_msg("%s", err);
    scenario_free(sc);
    free(t);
    matrix_deviations_free(d, nd);
    /* needs=external: the cells that need SASL EXTERNAL, as the oracle says, and no other. */
    d = NULL;
    nd = 0;
    assert_int_equal(matrix_deviations_parse("d",
                                             "jabberd2 variant=optional needs=external: "
                                             "XEP-0178 §3/1: no EXTERNAL\n",
                                             &d, &nd, err, sizeof(err)),
                     0);
    c1 = (struct matrix_cell){MATRIX_OPTIONAL, MATRIX_CERT_VALID, MATRIX_TLS_OPTIONAL,
                              MATRIX_AUTH_BOTH, MATRIX_PEER_DIALS};
    t = scenario_text(&c1, d, nd);
    assert_non_null(strstr(t, "\nxfail: jabberd2: XEP-0178 §3/1: no EXTERNAL\n"));
    free(t);
    c1.cert = MATRIX_CERT_EXPIRED; /* dialback over TLS: nothing needs EXTERNAL */
    t = scenario_text(&c1, d, nd);
    assert_null(strstr(t, "xfail:"));
    free(t);
    c1.cert = MATRIX_CERT_SERVER_ONLY; /* EXTERNAL or dialback over TLS */
    t = scenario_text(&c1, d, nd);
    assert_null(strstr(t, "xfail:"));
    free(t);
    matrix_deviations_free(d, nd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid_certificate),
            cmocka_unit_test(test_failing_certificate_peer_dials),
            cmocka_unit_test(test_failing_certificate_sut_dials),
            cmocka_unit_test(test_server_auth_only),
            cmocka_unit_test(test_no_tls),
            cmocka_unit_test(test_drops_and_counts),
            cmocka_unit_test(test_pairwise),
            cmocka_unit_test(test_deviations),
            cmocka_unit_test(test_scenarios),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
