/* redact.h: secrets out of the bytes fedsim shows (transcripts, -T traces): the text of SASL
 * exchanges (<auth/>, <response/>, <challenge/>, <success/>: a PLAIN password in base64, SCRAM
 * proofs and salts) and of dialback elements (<db:result/>, <db:verify/>: keys). `fedsim run
 * --show-secrets` turns it off. */
#ifndef FEDSIM_REDACT_H
#define FEDSIM_REDACT_H

#include <stddef.h>

/* Set by --show-secrets: redact_secrets() then copies the bytes as they are. */
extern int redact_show_secrets;

/*
 * A copy of data (NUL-terminated, owned by the caller) in which the character data of each
 * such element is replaced by "[redacted]"; its length in *outlen. Works per chunk: an element
 * whose start tag and text arrive in two chunks is not recognized in the second.
 */
char *redact_secrets(const char *data, size_t len, size_t *outlen);

#endif
