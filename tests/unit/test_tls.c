/* test_tls.c: the test CA on disk and certificate issuance: names, validity, issuers, EKU, and
 * what OpenSSL's own verification makes of each fault variant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls.h"

#define DOMAIN "r1a2b3c.gmail.test"

/* OpenSSL's verdict on cert against ca (NULL: nothing trusted) for a TLS purpose. */
static int
verify(X509 *cert, X509 *ca, int purpose)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int rc;

    if (ca != NULL)
        X509_STORE_add_cert(store, ca);
    X509_STORE_CTX_init(ctx, store, cert, NULL);
    X509_STORE_CTX_set_purpose(ctx, purpose);
    rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}

/* The CA's certificate, through a certificate it issued (the only way out of struct tls_ca). */
static X509 *
ca_cert(struct tls_ca *ca, char *dir)
{
    const char *name = "ca-probe.test";
    char err[256], *path;
    X509 *leaf, *c;
    FILE *fp;

    assert_int_equal(tls_ca_issue_files(ca, dir, &name, 1, err, sizeof(err)), 0);
    path = NULL;
    assert_true(asprintf(&path, "%s/%s.pem", dir, name) > 0);
    fp = fopen(path, "r");
    assert_non_null(fp);
    leaf = PEM_read_X509(fp, NULL, NULL, NULL);
    c = PEM_read_X509(fp, NULL, NULL, NULL); /* the file holds the leaf, then the CA */
    fclose(fp);
    free(path);
    X509_free(leaf);
    assert_non_null(c);
    return c;
}

struct fixture {
    char dir[64];
    struct tls_ca *ca;
    X509 *ca_cert;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];

    snprintf(f->dir, sizeof(f->dir), "/tmp/fedsim-test-tls.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(tls_ca_init(f->dir, err, sizeof(err)), 0);
    f->ca = tls_ca_load(f->dir, err, sizeof(err));
    assert_non_null(f->ca);
    f->ca_cert = ca_cert(f->ca, f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    X509_free(f->ca_cert);
    tls_ca_free(f->ca);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static struct tls_cert
issue(struct fixture *f, enum tls_cert_kind kind)
{
    struct tls_cert c;
    char err[256];

    assert_int_equal(tls_cert_issue(f->ca, DOMAIN, NULL, 0, kind, &c, err, sizeof(err)), 0);
    assert_int_equal(c.kind, kind);
    return c;
}

static int
matches(X509 *cert, const char *name)
{
    return X509_check_host(cert, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

static void
test_ca_files(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    char path[128], err[256];

    snprintf(path, sizeof(path), "%s/ca.key", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof(path), "%s/ca-probe.test.key", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A second init would lose the key the SUT's trust rests on. */
    assert_int_equal(tls_ca_init(f->dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "already there"));
    assert_null(tls_ca_load("/nonexistent-fedsim-ca", err, sizeof(err)));
    assert_non_null(strstr(err, "fedsim ca init"));
    /* The CA is a CA; it verifies as itself. */
    assert_int_equal(X509_check_ca(f->ca_cert), 1);
    assert_int_equal(verify(f->ca_cert, f->ca_cert, X509_PURPOSE_ANY), X509_V_OK);
}

static void
test_valid(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_VALID);
    GENERAL_NAMES *sans = X509_get_ext_d2i(c.cert, NID_subject_alt_name, NULL, NULL);
    int i, xmppaddr = 0;

    assert_true(matches(c.cert, DOMAIN));
    assert_false(matches(c.cert, "gmail.test"));
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    assert_int_equal(X509_check_private_key(c.cert, c.key), 1);
    assert_int_equal(EVP_PKEY_get_base_id(c.key), EVP_PKEY_EC);
    /* XEP-0178: an XmppAddr beside the DNS name. */
    for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

        if (g->type == GEN_OTHERNAME && OBJ_obj2nid(g->d.otherName->type_id) == NID_XmppAddr)
            xmppaddr = 1;
    }
    assert_true(xmppaddr);
    GENERAL_NAMES_free(sans);
    tls_cert_clear(&c);
}

/* dns-only: valid both ways, a DNS-ID and no XmppAddr. */
static void
test_dns_only(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_DNS_ONLY);
    GENERAL_NAMES *sans = X509_get_ext_d2i(c.cert, NID_subject_alt_name, NULL, NULL);
    int i, xmppaddr = 0, dns = 0;

    assert_true(matches(c.cert, DOMAIN));
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

        xmppaddr |=
                g->type == GEN_OTHERNAME && OBJ_obj2nid(g->d.otherName->type_id) == NID_XmppAddr;
        dns |= g->type == GEN_DNS;
    }
    assert_false(xmppaddr);
    assert_true(dns);
    GENERAL_NAMES_free(sans);
    tls_cert_clear(&c);
}

static void
test_validity_variants(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_EXPIRED);

    assert_true(matches(c.cert, DOMAIN));
    assert_true(X509_cmp_current_time(X509_get0_notAfter(c.cert)) < 0);
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER),
                     X509_V_ERR_CERT_HAS_EXPIRED);
    tls_cert_clear(&c);
    c = issue(f, TLS_CERT_NOT_YET);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(c.cert)) > 0);
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER),
                     X509_V_ERR_CERT_NOT_YET_VALID);
    tls_cert_clear(&c);
}

static void
test_name_variants(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_WRONG_NAME);

    assert_false(matches(c.cert, DOMAIN));
    assert_true(matches(c.cert, "wrong-name.invalid"));
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    tls_cert_clear(&c);
    /* *.gmail.test: matches the per-run domain, one label only (RFC 6125 §6.4.3). */
    c = issue(f, TLS_CERT_WILDCARD);
    assert_true(matches(c.cert, DOMAIN));
    assert_false(matches(c.cert, "gmail.test"));
    assert_false(matches(c.cert, "a." DOMAIN));
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    tls_cert_clear(&c);
}

/* A multi-tenant peer's certificate: its domain and each tenant's as DNS-IDs, in every kind
 * about validity or issuer; a wrong-name or wildcard certificate stays what it is about. */
static void
test_more_names(void **state)
{
    struct fixture *f = *state;
    const char *const tenants[] = {"acme." DOMAIN, "globex." DOMAIN};
    static const enum tls_cert_kind kinds[] = {TLS_CERT_VALID, TLS_CERT_DNS_ONLY, TLS_CERT_EXPIRED,
                                               TLS_CERT_SELF_SIGNED};
    struct tls_cert c;
    char err[256];
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        assert_int_equal(tls_cert_issue(f->ca, DOMAIN, tenants, 2, kinds[i], &c, err, sizeof(err)),
                         0);
        assert_true(matches(c.cert, DOMAIN));
        assert_true(matches(c.cert, "acme." DOMAIN));
        assert_true(matches(c.cert, "globex." DOMAIN));
        assert_false(matches(c.cert, "initech." DOMAIN));
        tls_cert_clear(&c);
    }
    assert_int_equal(
            tls_cert_issue(f->ca, DOMAIN, tenants, 2, TLS_CERT_WRONG_NAME, &c, err, sizeof(err)),
            0);
    assert_false(matches(c.cert, "acme." DOMAIN));
    assert_true(matches(c.cert, "wrong-name.invalid"));
    tls_cert_clear(&c);
}

static void
test_issuer_variants(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_SELF_SIGNED);

    assert_true(matches(c.cert, DOMAIN));
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER),
                     X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    tls_cert_clear(&c);
    c = issue(f, TLS_CERT_UNTRUSTED);
    assert_true(matches(c.cert, DOMAIN));
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER),
                     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    tls_cert_clear(&c);
}

/* OpenSSL's verdict on cert against ca with `untrusted` offered as the chain the peer sent. */
static int
verify_with(X509 *cert, X509 *ca, X509 *untrusted)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *chain = sk_X509_new_null();
    int rc;

    X509_STORE_add_cert(store, ca);
    sk_X509_push(chain, untrusted);
    X509_STORE_CTX_init(ctx, store, cert, chain);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(chain);
    X509_STORE_free(store);
    return rc;
}

/* A leaf issued by an intermediate CA the peer does not send: alone it does not chain to the
 * trusted CA; with the intermediate (issued by that CA) it does, so only the missing link is
 * at fault. And the peer's SSL_CTX presents the leaf alone. */
static void
test_missing_intermediate(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_MISSING_INTERMEDIATE);
    STACK_OF(X509) *sent = NULL;
    char err[256];
    SSL_CTX *ctx;

    assert_true(matches(c.cert, DOMAIN));
    assert_non_null(c.issuer);
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(c.cert), X509_get_subject_name(c.issuer)),
                     0);
    assert_int_equal(X509_check_ca(c.issuer), 1);
    assert_int_equal(verify(c.issuer, f->ca_cert, X509_PURPOSE_ANY), X509_V_OK);
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER),
                     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assert_int_equal(verify_with(c.cert, f->ca_cert, c.issuer), X509_V_OK);
    assert_true(X509_get_extended_key_usage(c.cert) & XKU_SSL_CLIENT);
    ctx = tls_ctx_new(1, &c, NULL, 0, err, sizeof(err));
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_get0_chain_certs(ctx, &sent), 1);
    assert_int_equal(sent != NULL ? sk_X509_num(sent) : 0, 0);
    SSL_CTX_free(ctx);
    tls_cert_clear(&c);
    assert_null(c.issuer);
    c = issue(f, TLS_CERT_VALID);
    assert_null(c.issuer);
    tls_cert_clear(&c);
}

static void
test_server_auth_only(void **state)
{
    struct fixture *f = *state;
    struct tls_cert c = issue(f, TLS_CERT_SERVER_ONLY);
    uint32_t eku = X509_get_extended_key_usage(c.cert);

    assert_true(eku & XKU_SSL_SERVER);
    assert_false(eku & XKU_SSL_CLIENT);
    /* Fine as a server certificate, refused as a client one: s2s needs both. */
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    assert_int_equal(verify(c.cert, f->ca_cert, X509_PURPOSE_SSL_CLIENT),
                     X509_V_ERR_INVALID_PURPOSE);
    tls_cert_clear(&c);
    c = issue(f, TLS_CERT_NONE);
    assert_null(c.cert);
    assert_null(c.key);
}

static void
test_kind_words(void **s)
{
    enum tls_cert_kind k;
    int i;

    (void)s;
    for (i = TLS_CERT_VALID; i <= TLS_CERT_MISSING_INTERMEDIATE; i++) {
        assert_int_equal(tls_cert_kind_parse(tls_cert_kind_str((enum tls_cert_kind)i), &k), 0);
        assert_int_equal(k, i);
        assert_non_null(strstr(tls_cert_kind_names(), tls_cert_kind_str(k)));
    }
    assert_int_equal(tls_cert_kind_parse("bogus", &k), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_ca_files, setup, teardown),
            cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dns_only, setup, teardown),
            cmocka_unit_test_setup_teardown(test_validity_variants, setup, teardown),
            cmocka_unit_test_setup_teardown(test_name_variants, setup, teardown),
            cmocka_unit_test_setup_teardown(test_more_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_issuer_variants, setup, teardown),
            cmocka_unit_test_setup_teardown(test_server_auth_only, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_intermediate, setup, teardown),
            cmocka_unit_test(test_kind_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
