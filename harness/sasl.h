/* sasl.h: the client side of SASL PLAIN (RFC 4616) and SCRAM-SHA-1 (RFC 5802), as pure
 * functions over messages, plus base64; c2s.c puts them on the wire. */
#ifndef FEDSIM_SASL_H
#define FEDSIM_SASL_H

#include <stddef.h>

/* Base64 of len bytes (owned string). */
char *sasl_b64_encode(const unsigned char *data, size_t len);
/* Decodes base64 into a new buffer (NUL-terminated, length in *len); NULL if invalid. */
unsigned char *sasl_b64_decode(const char *text, size_t *len);

/* The PLAIN message "\0user\0password", base64-encoded (owned). */
char *sasl_plain(const char *user, const char *password);

struct sasl_scram {
    char *password;          /* owned */
    char *client_first_bare; /* owned: "n=user,r=cnonce" */
    char *cnonce;            /* owned */
    char *auth_message;      /* owned, once the server's first message arrived */
    unsigned char salted[20];
};

/*
 * Starts SCRAM-SHA-1: returns the client-first-message ("n,,n=user,r=nonce", not encoded;
 * owned). cnonce NULL picks a random one (tests pass the RFC's).
 */
char *sasl_scram_first(struct sasl_scram *s, const char *user, const char *password,
                       const char *cnonce);

/* From the server-first-message, the client-final-message (owned), or NULL with err set (bad
 * syntax, a nonce that does not extend ours, too few iterations). */
char *sasl_scram_final(struct sasl_scram *s, const char *server_first, char *err, size_t errlen);

/* 1 if the server-final-message ("v=...") proves the server knew the password. */
int sasl_scram_verify(const struct sasl_scram *s, const char *server_final);

void sasl_scram_clear(struct sasl_scram *s);

#endif
