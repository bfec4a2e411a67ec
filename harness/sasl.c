/* sasl.c: PLAIN and SCRAM-SHA-1 client messages with OpenSSL's PBKDF2, HMAC and SHA-1. */
#include "sasl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "log.h"
#include "xmalloc.h"

#define SCRAM_MIN_ITERATIONS 1024
#define SCRAM_MAX_ITERATIONS 1000000

char *
sasl_b64_encode(const unsigned char *data, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *
sasl_b64_decode(const char *text, size_t *len)
{
    size_t tlen = strlen(text), pad = 0;
    unsigned char *out;
    int n;

    if (tlen % 4 != 0)
        return NULL;
    out = xmalloc(tlen / 4 * 3 + 1);
    n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)tlen);
    if (n < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as data. */
    if (tlen >= 1 && text[tlen - 1] == '=')
        pad++;
    if (tlen >= 2 && text[tlen - 2] == '=')
        pad++;
    *len = (size_t)n - pad;
    out[*len] = '\0';
    return out;
}

char *
sasl_plain(const char *user, const char *password)
{
    size_t ul = strlen(user), pl = strlen(password);
    unsigned char *msg = xmalloc(ul + pl + 2);
    char *out;

    msg[0] = '\0';
    memcpy(msg + 1, user, ul);
    msg[1 + ul] = '\0';
    memcpy(msg + 2 + ul, password, pl);
    out = sasl_b64_encode(msg, ul + pl + 2);
    free(msg);
    return out;
}

/* RFC 5802 §5.1: ',' and '=' in the user name are escaped. */
static char *
scram_name(const char *user)
{
    char *out = xmalloc(3 * strlen(user) + 1), *o = out;

    for (; *user != '\0'; user++) {
        if (*user == ',') {
            memcpy(o, "=2C", 3);
            o += 3;
        } else if (*user == '=') {
            memcpy(o, "=3D", 3);
            o += 3;
        } else {
            *o++ = *user;
        }
    }
    *o = '\0';
    return out;
}

char *
sasl_scram_first(struct sasl_scram *s, const char *user, const char *password, const char *cnonce)
{
    char *name = scram_name(user), *out;

    memset(s, 0, sizeof(*s));
    if (cnonce != NULL) {
        s->cnonce = xstrdup(cnonce);
    } else {
        unsigned char rnd[18];

        RAND_bytes(rnd, sizeof(rnd));
        s->cnonce = sasl_b64_encode(rnd, sizeof(rnd));
    }
    s->password = xstrdup(password);
    s->client_first_bare = xasprintf("n=%s,r=%s", name, s->cnonce);
    out = xasprintf("n,,%s", s->client_first_bare);
    free(name);
    return out;
}

/* The value of attribute `key` ("r", "s", "i", "v") in a SCRAM message, or NULL (owned). */
static char *
scram_attr(const char *msg, char key)
{
    const char *p = msg;

    while (p != NULL && *p != '\0') {
        if (p[0] == key && p[1] == '=')
            return xstrndup(p + 2, strcspn(p + 2, ","));
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return NULL;
}

static void
hmac_sha1(const unsigned char *key, size_t klen, const void *data, size_t dlen,
          unsigned char out[20])
{
    unsigned int len = 20;

    if (HMAC(EVP_sha1(), key, (int)klen, data, dlen, out, &len) == NULL)
        fatalx("HMAC-SHA1 failed");
}

char *
sasl_scram_final(struct sasl_scram *s, const char *server_first, char *err, size_t errlen)
{
    char *nonce = scram_attr(server_first, 'r'), *salt64 = scram_attr(server_first, 's');
    char *iter = scram_attr(server_first, 'i'), *without = NULL, *proof64 = NULL, *out = NULL;
    unsigned char *salt = NULL, client_key[20], stored[20], sig[20], proof[20];
    size_t saltlen = 0, i;
    long iterations;

    if (nonce == NULL || salt64 == NULL || iter == NULL) {
        snprintf(err, errlen, "server-first-message lacks r=, s= or i=: \"%s\"", server_first);
        goto out;
    }
    if (strncmp(nonce, s->cnonce, strlen(s->cnonce)) != 0 || strlen(nonce) == strlen(s->cnonce)) {
        snprintf(err, errlen, "the server's nonce does not extend ours");
        goto out;
    }
    iterations = strtol(iter, NULL, 10);
    if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
        snprintf(err, errlen, "iteration count %s outside %d..%d", iter, SCRAM_MIN_ITERATIONS,
                 SCRAM_MAX_ITERATIONS);
        goto out;
    }
    if ((salt = sasl_b64_decode(salt64, &saltlen)) == NULL) {
        snprintf(err, errlen, "the salt is not base64");
        goto out;
    }
    if (PKCS5_PBKDF2_HMAC_SHA1(s->password, (int)strlen(s->password), salt, (int)saltlen,
                               (int)iterations, sizeof(s->salted), s->salted) != 1)
        fatalx("PBKDF2 failed");
    hmac_sha1(s->salted, sizeof(s->salted), "Client Key", 10, client_key);
    SHA1(client_key, sizeof(client_key), stored);
    without = xasprintf("c=biws,r=%s", nonce);
    free(s->auth_message);
    s->auth_message = xasprintf("%s,%s,%s", s->client_first_bare, server_first, without);
    hmac_sha1(stored, sizeof(stored), s->auth_message, strlen(s->auth_message), sig);
    for (i = 0; i < sizeof(proof); i++)
        proof[i] = client_key[i] ^ sig[i];
    proof64 = sasl_b64_encode(proof, sizeof(proof));
    out = xasprintf("%s,p=%s", without, proof64);
out:
    free(nonce);
    free(salt64);
    free(iter);
    free(salt);
    free(without);
    free(proof64);
    return out;
}

int
sasl_scram_verify(const struct sasl_scram *s, const char *server_final)
{
    unsigned char server_key[20], sig[20];
    char *v = scram_attr(server_final, 'v'), *expected;
    int ok;

    if (v == NULL || s->auth_message == NULL) {
        free(v);
        return 0;
    }
    hmac_sha1(s->salted, sizeof(s->salted), "Server Key", 10, server_key);
    hmac_sha1(server_key, sizeof(server_key), s->auth_message, strlen(s->auth_message), sig);
    expected = sasl_b64_encode(sig, sizeof(sig));
    ok = strlen(v) == strlen(expected) && CRYPTO_memcmp(v, expected, strlen(v)) == 0;
    free(v);
    free(expected);
    return ok;
}

void
sasl_scram_clear(struct sasl_scram *s)
{
    if (s->password != NULL)
        OPENSSL_cleanse(s->password, strlen(s->password));
    free(s->password);
    free(s->client_first_bare);
    free(s->cnonce);
    free(s->auth_message);
    OPENSSL_cleanse(s->salted, sizeof(s->salted));
    memset(s, 0, sizeof(*s));
}
