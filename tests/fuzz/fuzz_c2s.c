/*
 * fuzz_c2s.c: the c2s client's side of a login (c2s.c, sasl.c) with arbitrary server bytes.
 *
 * Input: byte 0: bit 0 the SASL functions alone (else a whole session), bit 1 PLAIN only (else
 * the best offered, SCRAM-SHA-1 first), bit 2 the server closes the connection after its last
 * byte; byte 1 chooses the chunk sizes; the rest is what the server says.
 *
 * A session: fedsim's c2s client on one end of a bufferevent_pair (c2s_new_bev), the bytes
 * written on the other end chunk by chunk, the loop run without blocking after each; then the
 * client freed as the runner frees it. SCRAM's client nonce is random in a session, so its
 * challenge is only reached by the SASL mode: there the nonce is RFC 5802's, the input is the
 * server-first-message, a newline, and the server-final-message.
 *
 * Oracles: base64 decodes what it encodes; PLAIN's message decodes to "\0user\0password".
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "c2s.h"
#include "fuzz.h"
#include "loop.h"
#include "sasl.h"
#include "xconn.h"

struct session {
    int ready, failed;
};

static void
on_ready(struct c2s_client *c, void *arg)
{
    (void)c;
    ((struct session *)arg)->ready = 1;
}

static void
on_stanza(struct c2s_client *c, const struct xml_node *stanza, void *arg)
{
    (void)c;
    (void)stanza;
    (void)arg;
}

static void
on_failed(struct c2s_client *c, const char *why, void *arg)
{
    (void)c;
    (void)why;
    ((struct session *)arg)->failed = 1;
}

static const struct c2s_handler handler = {
        .ready = on_ready, .stanza = on_stanza, .failed = on_failed};

static void
session(const uint8_t *data, size_t size, uint8_t flags, uint8_t seed)
{
    struct c2s_options opts = {.mechanism = (flags & 2) ? "PLAIN" : NULL, .timeout_ms = 60000};
    struct session ss = {0};
    struct bufferevent *pair[2];
    struct c2s_client *c;
    struct fuzz_chunks ch;
    const uint8_t *chunk;
    size_t len, n;

    fuzz_loop_init();
    if (bufferevent_pair_new(loop_base(), BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, pair) !=
        0)
        fuzz_fail("bufferevent_pair_new failed");
    bufferevent_enable(pair[1], EV_READ | EV_WRITE);
    c = c2s_new_bev(pair[0], "sut.test", "alice", "secret", &opts, &handler, &ss);
    fuzz_loop_settle();
    fuzz_chunks_init(&ch, data, size, seed);
    while ((len = fuzz_chunks_next(&ch, &chunk)) > 0 && !ss.failed) {
        bufferevent_write(pair[1], chunk, len);
        fuzz_loop_settle();
        /* What the client sent is read and dropped, as a server would. */
        evbuffer_drain(bufferevent_get_input(pair[1]), (size_t)-1);
    }
    if (ss.ready) {
        c2s_received(c, &n);
        (void)c2s_jid(c);
        (void)c2s_roster(c);
    }
    (void)c2s_state_str(c2s_state(c));
    if (flags & 4) {
        bufferevent_free(pair[1]);
        pair[1] = NULL;
        fuzz_loop_settle();
    }
    /* Torn down as the runner does: the client, closes flushed, the rest abandoned. */
    c2s_free(c);
    fuzz_loop_settle();
    xconn_abandon_all();
    fuzz_loop_settle();
    if (pair[1] != NULL)
        bufferevent_free(pair[1]);
    fuzz_loop_settle();
}

static void
sasl(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), *nl = strchr(text, '\n'), *first, *final, err[256];
    const char *server_final = nl != NULL ? nl + 1 : "";
    struct sasl_scram s;
    unsigned char *dec;
    char *enc;
    size_t len;

    if (nl != NULL)
        *nl = '\0';
    first = sasl_scram_first(&s, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    free(first);
    final = sasl_scram_final(&s, text, err, sizeof(err));
    if (final != NULL)
        (void)sasl_scram_verify(&s, server_final);
    free(final);
    sasl_scram_clear(&s);

    /* The challenge and the success come base64-encoded. */
    free(sasl_b64_decode(text, &len));
    enc = sasl_b64_encode(data, size);
    dec = sasl_b64_decode(enc, &len);
    if (dec == NULL || len != size || (size > 0 && memcmp(dec, data, size) != 0))
        fuzz_fail("base64 does not decode what it encoded (%zu bytes)", size);
    free(dec);
    free(enc);

    enc = sasl_plain(text, server_final);
    dec = sasl_b64_decode(enc, &len);
    if (dec == NULL || len != strlen(text) + strlen(server_final) + 2 || dec[0] != '\0' ||
        strcmp((char *)dec + 1, text) != 0 ||
        strcmp((char *)dec + 2 + strlen(text), server_final) != 0)
        fuzz_fail("PLAIN's message does not decode to its parts");
    free(dec);
    free(enc);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    if (size < 2)
        return 0;
    if (data[0] & 1)
        sasl(data + 2, size - 2);
    else
        session(data + 2, size - 2, data[0], data[1]);
    return 0;
}
