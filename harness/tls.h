/*
 * tls.h: TLS for fedsim: a test CA kept on disk (`fedsim ca`), certificates issued from it
 * (files for the SUT, in memory for the fake peers, with fault variants), SSL_CTXs for both
 * ends of a stream, and what a finished handshake showed (version, cipher, the other side's
 * certificate and whether it verified).
 *
 * Keys are EC P-256: 3-4 ms per key and certificate, against 75-266 ms for RSA 2048
 * (dependency-notes §2).
 */
#ifndef FEDSIM_TLS_H
#define FEDSIM_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* The certificate a peer presents. */
enum tls_cert_kind {
    TLS_CERT_VALID,       /* issued by the CA for the domain: serverAuth + clientAuth */
    TLS_CERT_EXPIRED,     /* valid until yesterday */
    TLS_CERT_NOT_YET,     /* valid from tomorrow */
    TLS_CERT_WRONG_NAME,  /* issued by the CA, for wrong-name.invalid */
    TLS_CERT_WILDCARD,    /* *.<parent of the domain> (RFC 6125: matches the domain) */
    TLS_CERT_SELF_SIGNED, /* signed by its own key */
    TLS_CERT_UNTRUSTED,   /* issued by a CA nobody trusts */
    TLS_CERT_SERVER_ONLY, /* EKU serverAuth only (Let's Encrypt from 2026): no clientAuth, and
                           * a DNS-ID without XmppAddr, as that CA issues them */
    TLS_CERT_NONE,        /* no certificate at all */
    TLS_CERT_DNS_ONLY,    /* as valid, with a DNS-ID and no XmppAddr (as public CAs issue them;
                           * RFC 6120 §13.7.1.2: a server's DNS-ID is enough) */
    TLS_CERT_MISSING_INTERMEDIATE, /* issued by an intermediate CA (itself issued by the CA)
                                    * that the peer does not send: the chain cannot be built
                                    * (RFC 5280 §6; a server configured with the leaf only) */
};

/* The kind's knob word ("valid", "expired", "not-yet-valid", ...); parse: 0 or -1. */
const char *tls_cert_kind_str(enum tls_cert_kind k);
int tls_cert_kind_parse(const char *s, enum tls_cert_kind *k);
/* The words, "|"-separated, for messages. */
const char *tls_cert_kind_names(void);

struct tls_ca;

/* Writes a new CA to DIR (created if missing): ca.key (mode 0600) and ca.pem. Refuses to
 * overwrite an existing ca.key. Returns 0, or -1 with the reason in err. */
int tls_ca_init(const char *dir, char *err, size_t errlen);

/* The CA in DIR, or NULL with the reason in err. */
struct tls_ca *tls_ca_load(const char *dir, char *err, size_t errlen);

/* A CA that lives in memory only (no SUT trusts it). */
struct tls_ca *tls_ca_ephemeral(void);

void tls_ca_free(struct tls_ca *ca);

/* Issues a certificate for the given names (the first is the subject CN, all are DNS SANs,
 * plus an XmppAddr for each, XEP-0178) into DIR/NAME.key (0600) and DIR/NAME.pem (the leaf,
 * then the CA). Returns 0, or -1 with the reason in err. */
int tls_ca_issue_files(struct tls_ca *ca, const char *dir, const char *const *names, size_t n,
                       char *err, size_t errlen);

/* A key and certificate (NULLs for TLS_CERT_NONE). */
struct tls_cert {
    EVP_PKEY *key;
    X509 *cert;
    X509 *issuer; /* owned: the intermediate CA of a missing-intermediate certificate (kept for
                   * tests: never presented), NULL for every other kind */
    enum tls_cert_kind kind;
};

/* Issues a certificate of `kind` for `domain` in memory. more: further names (nmore of them,
 * NULL when 0) the certificate also names as DNS-IDs (and XmppAddrs where the kind has them),
 * such as a multi-tenant peer's tenant domains; a wrong-name or wildcard certificate names
 * none of them. Returns 0, or -1 with the reason. */
int tls_cert_issue(struct tls_ca *ca, const char *domain, const char *const *more, size_t nmore,
                   enum tls_cert_kind kind, struct tls_cert *out, char *err, size_t errlen);
void tls_cert_clear(struct tls_cert *c);

/*
 * An SSL_CTX for one end of an s2s stream. cert may be NULL (none presented). trust: the CA
 * the other side's certificate is checked against (NULL: nothing is trusted). The handshake
 * never fails on the other side's certificate: tls_info reports what it was, and the caller
 * decides. request_cert (server end): ask the client for its certificate. The server end
 * agrees to ALPN "xmpp-server" (XEP-0368) when the client offers it.
 */
SSL_CTX *tls_ctx_new(int server, const struct tls_cert *cert, const struct tls_ca *trust,
                     int request_cert, char *err, size_t errlen);

/* What a finished handshake showed. */
struct tls_info {
    char version[16];  /* "TLSv1.3" */
    char cipher[64];   /* "TLS_AES_256_GCM_SHA384" */
    char subject[256]; /* the other side's certificate: names, or "none" */
    int has_cert;
    int chain_ok;           /* it chains to the trusted CA and is within its validity */
    int name_ok;            /* it is for `expected_name` (RFC 6125 DNS-ID, one-label wildcards) */
    char why[128];          /* why not, when !chain_ok or !name_ok */
    char alpn[32];          /* the protocol agreed by ALPN ("xmpp-server"), or "" */
    char sni[256];          /* server end: the name the client asked for (SNI), or "" */
    char alpn_offered[128]; /* server end: the protocols the client offered ("a,b"), or "" */
};

/* Fills info from a finished handshake on ssl; expected_name: the domain the other side
 * claims (NULL: no name check). */
void tls_info_get(SSL *ssl, const char *expected_name, struct tls_info *info);

/* One line: "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate DNS:x (verified|NOT verified: why)". */
void tls_info_format(const struct tls_info *info, char *buf, size_t len);

/* The first error on OpenSSL's queue, as text (and the queue cleared). */
const char *tls_error_string(char *buf, size_t len);

#endif
