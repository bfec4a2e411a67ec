/* tls.c: the test CA, certificate issuance with fault variants, SSL_CTXs, handshake facts. */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "xmalloc.h"

#define DAY          (24L * 3600)
#define LEAF_DAYS    30
#define CA_DAYS      3650
#define XMPPADDR_OID "1.3.6.1.5.5.7.8.5"

struct tls_ca {
    EVP_PKEY *key;
    X509 *cert;
};

static const char *const kind_names[] = {
        [TLS_CERT_VALID] = "valid",
        [TLS_CERT_EXPIRED] = "expired",
        [TLS_CERT_NOT_YET] = "not-yet-valid",
        [TLS_CERT_WRONG_NAME] = "wrong-name",
        [TLS_CERT_WILDCARD] = "wildcard",
        [TLS_CERT_SELF_SIGNED] = "self-signed",
        [TLS_CERT_UNTRUSTED] = "untrusted",
        [TLS_CERT_SERVER_ONLY] = "server-auth-only",
        [TLS_CERT_NONE] = "none",
        [TLS_CERT_DNS_ONLY] = "dns-only",
        [TLS_CERT_MISSING_INTERMEDIATE] = "missing-intermediate",
};

const char *
tls_cert_kind_str(enum tls_cert_kind k)
{
    return kind_names[k];
}

int
tls_cert_kind_parse(const char *s, enum tls_cert_kind *k)
{
    size_t i;

    for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *k = (enum tls_cert_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *
tls_cert_kind_names(void)
{
    return "valid|expired|not-yet-valid|wrong-name|wildcard|self-signed|untrusted|"
           "server-auth-only|none|dns-only|missing-intermediate";
}

const char *
tls_error_string(char *buf, size_t len)
{
    unsigned long e, first = 0;

    /* libevent pushes SSL_get_error() codes into the same queue: values < 0x100 are not
     * OpenSSL errors (dependency-notes §2, pitfall 4). */
    while ((e = ERR_get_error()) != 0)
        if (first == 0 && e >= 0x100)
            first = e;
    if (first == 0)
        snprintf(buf, len, "no OpenSSL error");
    else
        ERR_error_string_n(first, buf, len);
    return buf;
}

static EVP_PKEY *
new_key(void)
{
    return EVP_EC_gen("P-256");
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return -1;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* The subjectAltName value: a DNS-ID and (xmppaddr) an XmppAddr per name (XEP-0178 §3). */
static char *
san_value(const char *const *names, size_t n, int xmppaddr)
{
    char *v = xstrdup(""), *next;
    size_t i;

    for (i = 0; i < n; i++) {
        if (names[i][0] == '*' || !xmppaddr)
            next = xasprintf("%s%sDNS:%s", v, i > 0 ? "," : "", names[i]);
        else
            next = xasprintf("%s%sDNS:%s,otherName:" XMPPADDR_OID ";UTF8:%s", v, i > 0 ? "," : "",
                             names[i], names[i]);
        free(v);
        v = next;
    }
    return v;
}

/*
 * A certificate for key, signed by issuer_key (with issuer_cert as its issuer; NULL: self-
 * signed). names: CN and SANs (n may be 0 for a CA). Validity from now+from to now+until
 * seconds. eku: the extendedKeyUsage value, NULL for a CA. xmppaddr: an XmppAddr beside each
 * DNS-ID.
 */
static X509 *
make_cert(EVP_PKEY *key, X509 *issuer_cert, EVP_PKEY *issuer_key, const char *cn,
          const char *const *names, size_t n, long from, long until, const char *eku, int xmppaddr)
{
    X509 *cert = X509_new();
    X509_NAME *nm = X509_NAME_new();
    unsigned char serial[8];
    BIGNUM *bn;
    int ok = 1;

    RAND_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    ok &= bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    ok &= X509_set_version(cert, X509_VERSION_3);
    ok &= X509_gmtime_adj(X509_getm_notBefore(cert), from) != NULL;
    ok &= X509_gmtime_adj(X509_getm_notAfter(cert), until) != NULL;
    ok &= X509_set_pubkey(cert, key);
    ok &= X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"fedsim", -1, -1,
                                     0);
    ok &= X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    ok &= X509_set_subject_name(cert, nm);
    ok &= X509_set_issuer_name(cert, issuer_cert != NULL ? X509_get_subject_name(issuer_cert) : nm);
    X509_NAME_free(nm);
    if (!ok)
        goto fail;
    if (issuer_cert == NULL)
        issuer_cert = cert;
    if (add_ext(cert, issuer_cert, NID_subject_key_identifier, "hash") != 0 ||
        add_ext(cert, issuer_cert, NID_authority_key_identifier, "keyid:always") != 0)
        goto fail;
    if (eku == NULL) {
        if (add_ext(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
            add_ext(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign") != 0)
            goto fail;
    } else {
        char *san = san_value(names, n, xmppaddr);
        int bad = add_ext(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
                  add_ext(cert, issuer_cert, NID_key_usage,
                          "critical,digitalSignature,keyAgreement") != 0 ||
                  add_ext(cert, issuer_cert, NID_ext_key_usage, eku) != 0 ||
                  add_ext(cert, issuer_cert, NID_subject_alt_name, san) != 0;

        free(san);
        if (bad)
            goto fail;
    }
    if (X509_sign(cert, issuer_key, EVP_sha256()) == 0)
        goto fail;
    return cert;
fail:
    X509_free(cert);
    return NULL;
}

static struct tls_ca *
ca_new(const char *cn)
{
    struct tls_ca *ca = xcalloc(1, sizeof(*ca));

    ca->key = new_key();
    if (ca->key != NULL)
        ca->cert = make_cert(ca->key, NULL, ca->key, cn, NULL, 0, -DAY, CA_DAYS * DAY, NULL, 0);
    if (ca->cert == NULL) {
        tls_ca_free(ca);
        return NULL;
    }
    return ca;
}

struct tls_ca *
tls_ca_ephemeral(void)
{
    return ca_new("fedsim ephemeral CA");
}

void
tls_ca_free(struct tls_ca *ca)
{
    if (ca == NULL)
        return;
    EVP_PKEY_free(ca->key);
    X509_free(ca->cert);
    free(ca);
}

/* Opens path for writing: mode 0600 for keys; excl: fail if it exists. */
static FILE *
open_out(const char *path, int key, int excl, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | (excl ? O_EXCL : 0), key ? 0600 : 0644);
    FILE *fp;

    if (fd < 0) {
        snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                 errno == EEXIST ? " (a CA is already there; use it, or remove it first)" : "");
        return NULL;
    }
    if (key)
        (void)fchmod(fd, 0600); /* whatever the umask */
    fp = fdopen(fd, "w");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return fp;
}

static int
close_out(FILE *fp, const char *path, int wrote, char *err, size_t errlen)
{
    int bad = !wrote || ferror(fp);

    if (fclose(fp) != 0)
        bad = 1;
    if (bad)
        snprintf(err, errlen, "%s: cannot write", path);
    return bad ? -1 : 0;
}

static int
write_key(const char *path, EVP_PKEY *key, int excl, char *err, size_t errlen)
{
    FILE *fp = open_out(path, 1, excl, err, errlen);

    if (fp == NULL)
        return -1;
    return close_out(fp, path, PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), err,
                     errlen);
}

static int
write_certs(const char *path, X509 *leaf, X509 *ca, char *err, size_t errlen)
{
    FILE *fp = open_out(path, 0, 0, err, errlen);
    int ok;

    if (fp == NULL)
        return -1;
    ok = PEM_write_X509(fp, leaf) && (ca == NULL || PEM_write_X509(fp, ca));
    return close_out(fp, path, ok, err, errlen);
}

int
tls_ca_init(const char *dir, char *err, size_t errlen)
{
    struct tls_ca *ca;
    char *key_path, *pem_path;
    int rc = -1;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    ca = ca_new("fedsim test CA");
    if (ca == NULL) {
        snprintf(err, errlen, "cannot make a CA: %s", tls_error_string((char[128]){0}, 128));
        return -1;
    }
    key_path = xasprintf("%s/ca.key", dir);
    pem_path = xasprintf("%s/ca.pem", dir);
    if (write_key(key_path, ca->key, 1, err, errlen) == 0 &&
        write_certs(pem_path, ca->cert, NULL, err, errlen) == 0)
        rc = 0;
    free(key_path);
    free(pem_path);
    tls_ca_free(ca);
    return rc;
}

struct tls_ca *
tls_ca_load(const char *dir, char *err, size_t errlen)
{
    struct tls_ca *ca = xcalloc(1, sizeof(*ca));
    char *key_path = xasprintf("%s/ca.key", dir), *pem_path = xasprintf("%s/ca.pem", dir);
    FILE *fp;

    if ((fp = fopen(key_path, "r")) == NULL) {
        snprintf(err, errlen, "%s: %s (make one with `fedsim ca init %s`)", key_path,
                 strerror(errno), dir);
        goto fail;
    }
    ca->key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    if (ca->key == NULL) {
        snprintf(err, errlen, "%s: not a PEM private key", key_path);
        goto fail;
    }
    if ((fp = fopen(pem_path, "r")) == NULL) {
        snprintf(err, errlen, "%s: %s", pem_path, strerror(errno));
        goto fail;
    }
    ca->cert = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    if (ca->cert == NULL) {
        snprintf(err, errlen, "%s: not a PEM certificate", pem_path);
        goto fail;
    }
    if (X509_check_private_key(ca->cert, ca->key) != 1) {
        snprintf(err, errlen, "%s does not belong to %s", key_path, pem_path);
        goto fail;
    }
    free(key_path);
    free(pem_path);
    ERR_clear_error();
    return ca;
fail:
    ERR_clear_error();
    free(key_path);
    free(pem_path);
    tls_ca_free(ca);
    return NULL;
}

int
tls_ca_issue_files(struct tls_ca *ca, const char *dir, const char *const *names, size_t n,
                   char *err, size_t errlen)
{
    EVP_PKEY *key = new_key();
    X509 *cert = NULL;
    char *key_path = NULL, *pem_path = NULL;
    int rc = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        if (names[i][0] == '\0' || strchr(names[i], '/') != NULL || strchr(names[i], ',')) {
            snprintf(err, errlen, "\"%s\" is not a domain name", names[i]);
            goto out;
        }
    }
    if (key != NULL)
        cert = make_cert(key, ca->cert, ca->key, names[0], names, n, -DAY, CA_DAYS * DAY,
                         "serverAuth,clientAuth", 1);
    if (cert == NULL) {
        snprintf(err, errlen, "cannot issue for %s: %s", names[0],
                 tls_error_string((char[128]){0}, 128));
        goto out;
    }
    key_path = xasprintf("%s/%s.key", dir, names[0]);
    pem_path = xasprintf("%s/%s.pem", dir, names[0]);
    if (write_key(key_path, key, 0, err, errlen) == 0 &&
        write_certs(pem_path, cert, ca->cert, err, errlen) == 0)
        rc = 0;
out:
    free(key_path);
    free(pem_path);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int
tls_cert_issue(struct tls_ca *ca, const char *domain, const char *const *more, size_t nmore,
               enum tls_cert_kind kind, struct tls_cert *out, char *err, size_t errlen)
{
    const char *eku = kind == TLS_CERT_SERVER_ONLY ? "serverAuth" : "serverAuth,clientAuth";
    long from = -DAY, until = LEAF_DAYS * DAY;
    struct tls_ca *other = NULL;
    const char *name = domain;
    const char **names = NULL;
    size_t n = 1, i;
    char *wild = NULL;

    memset(out, 0, sizeof(*out));
    out->kind = kind;
    if (kind == TLS_CERT_NONE)
        return 0;
    if (kind == TLS_CERT_EXPIRED) {
        from = -LEAF_DAYS * DAY;
        until = -DAY;
    } else if (kind == TLS_CERT_NOT_YET) {
        from = DAY;
        until = LEAF_DAYS * DAY;
    } else if (kind == TLS_CERT_WRONG_NAME) {
        name = "wrong-name.invalid";
    } else if (kind == TLS_CERT_WILDCARD) {
        const char *dot = strchr(domain, '.');

        name = wild = xasprintf("*.%s", dot != NULL && strchr(dot + 1, '.') ? dot + 1 : domain);
    } else if (kind == TLS_CERT_UNTRUSTED) {
        ca = other = ca_new("fedsim untrusted CA");
        if (ca == NULL)
            goto fail;
    } else if (kind == TLS_CERT_MISSING_INTERMEDIATE) {
        /* An intermediate CA issued by the trusted one; the leaf is issued by it, and only the
         * leaf is ever presented (tls_ctx_new adds no chain). */
        other = xcalloc(1, sizeof(*other));
        other->key = new_key();
        if (other->key != NULL)
            other->cert = make_cert(other->key, ca->cert, ca->key, "fedsim intermediate CA", NULL,
                                    0, -DAY, CA_DAYS * DAY, NULL, 0);
        if (other->cert == NULL)
            goto fail;
        ca = other;
        X509_up_ref(other->cert);
        out->issuer = other->cert;
    }
    /* The domain first (the subject CN), then the further names, unless the kind is about a
     * name that is not the domain. */
    if (kind == TLS_CERT_WRONG_NAME || kind == TLS_CERT_WILDCARD)
        nmore = 0;
    names = xcalloc(1 + nmore, sizeof(*names));
    names[0] = name;
    for (i = 0; i < nmore; i++)
        names[n++] = more[i];
    out->key = new_key();
    if (out->key == NULL)
        goto fail;
    if (kind == TLS_CERT_SELF_SIGNED)
        out->cert = make_cert(out->key, NULL, out->key, name, names, n, from, until, eku, 1);
    else
        out->cert = make_cert(out->key, ca->cert, ca->key, name, names, n, from, until, eku,
                              kind != TLS_CERT_DNS_ONLY && kind != TLS_CERT_SERVER_ONLY);
    if (out->cert == NULL)
        goto fail;
    free(names);
    free(wild);
    tls_ca_free(other);
    return 0;
fail:
    snprintf(err, errlen, "cannot issue a %s certificate for %s: %s", kind_names[kind], domain,
             tls_error_string((char[128]){0}, 128));
    free(names);
    free(wild);
    tls_ca_free(other);
    tls_cert_clear(out);
    return -1;
}

void
tls_cert_clear(struct tls_cert *c)
{
    EVP_PKEY_free(c->key);
    X509_free(c->cert);
    X509_free(c->issuer);
    c->key = NULL;
    c->cert = NULL;
    c->issuer = NULL;
}

/* Every certificate is accepted during the handshake; tls_info_get() says what it was worth. */
static int
accept_any(int preverify, X509_STORE_CTX *ctx)
{
    (void)preverify;
    (void)ctx;
    return 1;
}

/* Where a server end keeps the protocols the client offered by ALPN (owned, "a,b"). */
static int alpn_offer_idx = -1;

static void
free_offer(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr);
}

/* XEP-0368: "xmpp-server" when the client offers it; no ALPN answer otherwise. What the client
 * offered is kept for tls_info_get (bounded: at most 127 bytes of names). */
static int
select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
            unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x0bxmpp-server";
    unsigned char *sel = NULL;
    char offered[128];
    size_t used = 0;
    unsigned int i;

    (void)arg;
    offered[0] = '\0';
    for (i = 0; i < inlen && in[i] > 0 && i + 1 + in[i] <= inlen; i += 1 + in[i])
        if (used + in[i] + 2 < sizeof(offered))
            used += (size_t)snprintf(offered + used, sizeof(offered) - used, "%s%.*s",
                                     used > 0 ? "," : "", (int)in[i], (const char *)in + i + 1);
    if (alpn_offer_idx >= 0) {
        free(SSL_get_ex_data(ssl, alpn_offer_idx));
        SSL_set_ex_data(ssl, alpn_offer_idx, xstrdup(offered));
    }
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *
tls_ctx_new(int server, const struct tls_cert *cert, const struct tls_ca *trust, int request_cert,
            char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

    if (ctx == NULL)
        goto fail;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* A peer that closes TCP without close_notify is an EOF, not an error (pitfall 3). */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (cert != NULL && cert->cert != NULL) {
        if (SSL_CTX_use_certificate(ctx, cert->cert) != 1 ||
            SSL_CTX_use_PrivateKey(ctx, cert->key) != 1)
            goto fail;
    }
    if (trust != NULL && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), trust->cert) != 1)
        goto fail;
    if (!server || request_cert)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
    if (server && alpn_offer_idx < 0)
        alpn_offer_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, free_offer);
    if (server)
        SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    return ctx;
fail:
    snprintf(err, errlen, "cannot set up TLS: %s", tls_error_string((char[128]){0}, 128));
    SSL_CTX_free(ctx);
    return NULL;
}

/* The certificate's DNS names (or its CN when it has none), comma-separated. */
static void
cert_names(X509 *cert, char *buf, size_t len)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

        if (g->type == GEN_DNS && used < len) {
            int w = snprintf(buf + used, len - used, "%sDNS:%.*s", used > 0 ? "," : "",
                             ASN1_STRING_length(g->d.dNSName),
                             (const char *)ASN1_STRING_get0_data(g->d.dNSName));

            used += w > 0 ? (size_t)w : 0;
        }
    }
    GENERAL_NAMES_free(sans);
    if (used == 0) {
        char cn[200] = "";

        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
        snprintf(buf, len, "CN=%s", cn);
    }
}

void
tls_info_get(SSL *ssl, const char *expected_name, struct tls_info *info)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    long vr = SSL_get_verify_result(ssl);

    const unsigned char *alpn = NULL;
    unsigned int alpnlen = 0;
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

    memset(info, 0, sizeof(*info));
    snprintf(info->version, sizeof(info->version), "%s", SSL_get_version(ssl));
    snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(ssl));
    SSL_get0_alpn_selected(ssl, &alpn, &alpnlen);
    snprintf(info->alpn, sizeof(info->alpn), "%.*s", (int)alpnlen,
             alpn != NULL ? (const char *)alpn : "");
    if (SSL_is_server(ssl) && sni != NULL)
        snprintf(info->sni, sizeof(info->sni), "%s", sni);
    if (SSL_is_server(ssl) && alpn_offer_idx >= 0 && SSL_get_ex_data(ssl, alpn_offer_idx) != NULL)
        snprintf(info->alpn_offered, sizeof(info->alpn_offered), "%s",
                 (const char *)SSL_get_ex_data(ssl, alpn_offer_idx));
    if (peer == NULL) {
        snprintf(info->subject, sizeof(info->subject), "none");
        snprintf(info->why, sizeof(info->why), "no certificate");
        return;
    }
    info->has_cert = 1;
    cert_names(peer, info->subject, sizeof(info->subject));
    info->chain_ok = vr == X509_V_OK;
    info->name_ok = expected_name == NULL ||
                    X509_check_host(peer, expected_name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                                    NULL) == 1;
    if (!info->chain_ok)
        snprintf(info->why, sizeof(info->why), "%s", X509_verify_cert_error_string(vr));
    else if (!info->name_ok)
        snprintf(info->why, sizeof(info->why), "not for %s", expected_name);
    X509_free(peer);
}

void
tls_info_format(const struct tls_info *info, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s%s%s%s%s, certificate %s (%s%s%s)", info->version, info->cipher,
             info->alpn[0] != '\0' ? ", ALPN " : "", info->alpn,
             info->sni[0] != '\0' ? ", SNI " : "", info->sni, info->subject,
             info->chain_ok && info->name_ok ? "verified" : "NOT verified",
             info->why[0] != '\0' ? ": " : "", info->why);
}
