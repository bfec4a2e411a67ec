/* dialback.h: Server Dialback keys (XEP-0185) and the pending-request table that lets a session
 * tell a reply it asked for from an unsolicited or misdirected one (XEP-0220 §3.1). */
#ifndef FEDSIM_DIALBACK_H
#define FEDSIM_DIALBACK_H

#include <stddef.h>

/* 64 lowercase hex digits and a NUL. */
#define DIALBACK_KEY_LEN 65

/*
 * XEP-0185: HMAC-SHA256 keyed with the lowercase hex string of SHA-256(secret), over
 * "receiving originating stream-id", written as lowercase hex into key.
 */
void dialback_key(const char *secret, const char *receiving, const char *originating,
                  const char *stream_id, char key[DIALBACK_KEY_LEN]);

/* Compares two keys in constant time; 1 if equal. */
int dialback_key_equal(const char *a, const char *b);

/* Requests a session sent and awaits an answer to: a db:result (from, to) or a db:verify
 * (from, to, id). */
enum dialback_kind { DIALBACK_RESULT, DIALBACK_VERIFY };

struct dialback_pending;

struct dialback_pending *dialback_pending_new(void);
void dialback_pending_free(struct dialback_pending *p);

/* Records a request sent with these attributes (id only for verify). */
void dialback_pending_add(struct dialback_pending *p, enum dialback_kind kind, const char *from,
                          const char *to, const char *id);

/*
 * Matches an answer (its from/to are the request's, swapped) and removes the request.
 * Returns 1 if it was asked for, 0 if unsolicited.
 */
int dialback_pending_take(struct dialback_pending *p, enum dialback_kind kind,
                          const char *answer_from, const char *answer_to, const char *id);

/* Number of requests still waiting. */
size_t dialback_pending_count(const struct dialback_pending *p);

#endif
