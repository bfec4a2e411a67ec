/* dialback.c: XEP-0185 keys with OpenSSL, and the table of dialback requests in flight. */
#include "dialback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "log.h"
#include "xmalloc.h"

static void
to_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

void
dialback_key(const char *secret, const char *receiving, const char *originating,
             const char *stream_id, char key[DIALBACK_KEY_LEN])
{
    unsigned char digest[SHA256_DIGEST_LENGTH], mac[EVP_MAX_MD_SIZE];
    char hexsecret[2 * SHA256_DIGEST_LENGTH + 1];
    unsigned int maclen = 0;
    char *text = xasprintf("%s %s %s", receiving, originating, stream_id);

    SHA256((const unsigned char *)secret, strlen(secret), digest);
    to_hex(digest, sizeof(digest), hexsecret);
    if (HMAC(EVP_sha256(), hexsecret, (int)strlen(hexsecret), (const unsigned char *)text,
             strlen(text), mac, &maclen) == NULL ||
        maclen != SHA256_DIGEST_LENGTH)
        fatalx("HMAC-SHA256 failed");
    to_hex(mac, maclen, key);
    free(text);
}

int
dialback_key_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

struct pending_req {
    enum dialback_kind kind;
    char *from, *to, *id; /* owned; id NULL for results */
};

struct dialback_pending {
    struct pending_req *reqs; /* owned */
    size_t n;
};

struct dialback_pending *
dialback_pending_new(void)
{
    return xcalloc(1, sizeof(struct dialback_pending));
}

static void
req_clear(struct pending_req *r)
{
    free(r->from);
    free(r->to);
    free(r->id);
}

void
dialback_pending_free(struct dialback_pending *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->n; i++)
        req_clear(&p->reqs[i]);
    free(p->reqs);
    free(p);
}

void
dialback_pending_add(struct dialback_pending *p, enum dialback_kind kind, const char *from,
                     const char *to, const char *id)
{
    struct pending_req *r;

    p->reqs = xreallocarray(p->reqs, p->n + 1, sizeof(*p->reqs));
    r = &p->reqs[p->n++];
    r->kind = kind;
    r->from = xstrdup(from);
    r->to = xstrdup(to);
    r->id = kind == DIALBACK_VERIFY && id != NULL ? xstrdup(id) : NULL;
}

static int
eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

int
dialback_pending_take(struct dialback_pending *p, enum dialback_kind kind, const char *answer_from,
                      const char *answer_to, const char *id)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        struct pending_req *r = &p->reqs[i];

        if (r->kind != kind || !eq(r->from, answer_to) || !eq(r->to, answer_from))
            continue;
        if (kind == DIALBACK_VERIFY && (id == NULL || strcmp(r->id, id) != 0))
            continue;
        req_clear(r);
        p->reqs[i] = p->reqs[--p->n];
        return 1;
    }
    return 0;
}

size_t
dialback_pending_count(const struct dialback_pending *p)
{
    return p->n;
}
