/*
 * fuzz_s2s.c: a whole inbound s2s session of a fake peer (s2s.c, peer.c, dialback.c, xconn.c)
 * fed arbitrary bytes as if the SUT had connected: s2s_accept_bev() on one end of a
 * bufferevent_pair, the bytes written on the other end chunk by chunk, the loop run without
 * blocking after each, then the peer freed as the runner frees it. No sockets carry the
 * session; a dialback key to verify makes the peer look the SUT up (libunbound, forwarding to
 * 127.0.0.1 port 9, where nothing answers), and that resolver is thrown away with the peer.
 *
 * Input: byte 0: bits 0-2 the profile (cup8 gtalk modern sametime webex), bits 3-4 dialback
 * answers (normal, invalid, ignored), bit 5 direct TLS (profiles with TLS), bit 6 a silent
 * peer, bit 7 the SUT closes the connection after its last byte; byte 1: knobs, one bit each
 * (version=1.0 bidi=yes tenants=acme|globex collision=unsolicited allow=sut.test|b.test
 * dialback=no max_stanza=300 sasl=fail); byte 2 chooses the chunk sizes; byte 3: bit 0 the
 * stream starts with sut.test authenticated, as if its dialback key had been verified (nothing
 * answers the peer's DNS, so no verification succeeds here): its stanzas reach the peer's users
 * and autopilot; bit 1 the peer cuts connections after 100 bytes ("closes connections after
 * N bytes"); the rest is the SUT's.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "peer.h"
#include "profile.h"
#include "resolve.h"
#include "s2s.h"
#include "tls.h"
#include "xconn.h"
#include "xmalloc.h"

static const char *const profiles[] = {"cup8", "gtalk", "modern", "sametime", "webex"};
static const char *const knobs[] = {
        "version=1.0",           "bidi=yes",    "tenants=acme|globex", "collision=unsolicited",
        "allow=sut.test|b.test", "dialback=no", "max_stanza=300",      "sasl=fail"};

static struct tls_ca *ca;         /* one for the process: peers' certificates are issued from it */
static struct resolve_ctx *res;   /* replaced after every input that used it */
static struct peer *tls_peers[5]; /* per profile: TLS contexts made once, shared by reference */

/* The peer's report lines, to the log (FEDSIM_FUZZ_LOG). */
static void
report(const char *line, void *arg)
{
    (void)arg;
    log_info("%s", line);
}

static struct resolve_ctx *
resolver(void)
{
    struct net_addr dns;
    struct sockaddr_in *sin = (struct sockaddr_in *)&dns.ss;
    char err[256];
    struct resolve_ctx *r;

    memset(&dns, 0, sizeof(dns));
    sin->sin_family = AF_INET;
    sin->sin_port = htons(9);
    inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
    dns.len = sizeof(*sin);
    if ((r = resolve_new(loop_base(), &dns, err, sizeof(err))) == NULL)
        fuzz_fail("%s", err);
    return r;
}

/* The profile's TLS contexts for p (issuing a certificate each time would be most of the
 * time spent): made once by a peer kept for that, then shared with a reference each. The knobs
 * this target sets do not change them. */
static void
share_tls(struct peer *p, size_t profile)
{
    char err[512];

    if (p->prof.tls == PROFILE_TLS_NONE)
        return;
    if (tls_peers[profile] == NULL) {
        tls_peers[profile] = peer_new("gmail.test", &p->prof, 1, NULL, 1, err, sizeof(err));
        if (tls_peers[profile] == NULL ||
            peer_tls_init(tls_peers[profile], ca, err, sizeof(err)) != 0)
            fuzz_fail("%s", err);
    }
    p->ca = ca;
    p->tls_server = tls_peers[profile]->tls_server;
    p->tls_client = tls_peers[profile]->tls_client;
    SSL_CTX_up_ref(p->tls_server);
    SSL_CTX_up_ref(p->tls_client);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = htons(40000)};
    struct bufferevent *pair[2];
    struct profile prof;
    struct peer *p;
    struct s2s *s;
    struct fuzz_chunks ch;
    const uint8_t *chunk;
    size_t len, i, profile;
    char err[512];

    fuzz_quiet();
    if (size < 4)
        return 0;
    fuzz_loop_init();
    if (ca == NULL && (ca = tls_ca_ephemeral()) == NULL)
        fuzz_fail("cannot make a CA");
    if (res == NULL)
        res = resolver();
    profile = (data[0] & 7u) % 5;
    prof = *profile_find(profiles[profile]);
    for (i = 0; i < 8; i++)
        if ((data[1] & (1u << i)) && profile_set_knob(&prof, knobs[i], err, sizeof(err)) != 0)
            fuzz_fail("knob %s: %s", knobs[i], err);
    if ((p = peer_new("gmail.test", &prof, 3, res, 1, err, sizeof(err))) == NULL)
        fuzz_fail("%s", err);
    p->claimed = "sut.test";
    p->report = report;
    p->dialback = ((data[0] >> 3) & 3u) == 1   ? PEER_DB_INVALID
                  : ((data[0] >> 3) & 3u) == 2 ? PEER_DB_IGNORE
                                               : PEER_DB_NORMAL;
    p->net = (data[0] & 64) ? PEER_NET_SILENT : PEER_NET_OK;
    p->cut_after = (data[3] & 2) ? 100 : 0;
    share_tls(p, profile);

    if (bufferevent_pair_new(loop_base(), BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, pair) !=
        0)
        fuzz_fail("bufferevent_pair_new failed");
    bufferevent_enable(pair[1], EV_READ | EV_WRITE);
    inet_pton(AF_INET, "127.0.0.1", &from.sin_addr);
    s = s2s_accept_bev(p, pair[0], (struct sockaddr *)&from,
                       (data[0] & 32) && p->tls_server != NULL);
    if (data[3] & 1) {
        s->valid = xreallocarray(s->valid, s->nvalid + 1, sizeof(*s->valid));
        s->valid[s->nvalid++] = xstrdup("sut.test");
    }
    fuzz_loop_settle();
    fuzz_chunks_init(&ch, data + 4, size - 4, data[2]);
    while ((len = fuzz_chunks_next(&ch, &chunk)) > 0) {
        bufferevent_write(pair[1], chunk, len);
        fuzz_loop_settle();
        /* What the peer sent is read and dropped, as the SUT would. */
        evbuffer_drain(bufferevent_get_input(pair[1]), (size_t)-1);
    }
    if (data[0] & 128) {
        bufferevent_free(pair[1]);
        pair[1] = NULL;
    }
    fuzz_loop_settle();

    /* Torn down as the runner does: sessions closed meanwhile are reaped first (they point at
     * the peer), a resolver that was asked goes before the sessions that asked it. */
    if (p->next_session_id > 1) {
        resolve_free(res);
        res = NULL;
    }
    peer_free(p);
    fuzz_loop_settle();
    xconn_abandon_all();
    fuzz_loop_settle();
    if (pair[1] != NULL)
        bufferevent_free(pair[1]);
    fuzz_loop_settle();
    return 0;
}
