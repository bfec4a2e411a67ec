/* s2s.c: the s2s session state machine of fake peers: stream set-up, dialback in all three
 * roles, held stanzas, unsolicited-answer detection, errors and closing. */
#include "s2s.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialback.h"
#include "sasl.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

#define S2S_CONNECT_TIMEOUT_MS   5000
#define S2S_HANDSHAKE_TIMEOUT_MS 15000
#define S2S_RESOLVE_TIMEOUT_MS   5000
#define NS_STANZAS               "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_TLS                   "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL                  "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIDI_FEATURE          "urn:xmpp:features:bidi"
#define NS_BIDI                  "urn:xmpp:bidi"
#define NS_FEDSIM_TLS            "urn:fedsim:tls"
#define NS_FEDSIM_STREAM         "urn:fedsim:stream"

const char *
s2s_state_str(enum s2s_state s)
{
    static const char *names[] = {"resolving", "connecting", "wait-header", "wait-features", "tls",
                                  "sasl",      "dialback",   "established", "closed"};

    return names[s];
}

static const char *
role_str(enum s2s_role r)
{
    return r == S2S_IN ? "in" : r == S2S_OUT ? "out" : r == S2S_RAW ? "raw" : "verify";
}

static void
enter_state(struct s2s *s, enum s2s_state st)
{
    if (s->state == st)
        return;
    log_trace(LOG_TRACE_S2S, "%s s2s %s #%u %s: %s -> %s", s->peer->domain, role_str(s->role),
              s->id, s->remote != NULL ? s->remote : "?", s2s_state_str(s->state),
              s2s_state_str(st));
    s->state = st;
}

static void
link_session(struct peer *p, struct s2s *s)
{
    s->next = p->sessions;
    if (p->sessions != NULL)
        p->sessions->prev = s;
    p->sessions = s;
}

static void
unlink_session(struct s2s *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else if (s->peer->sessions == s)
        s->peer->sessions = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

static struct s2s *
session_new(struct peer *p, enum s2s_role role)
{
    struct s2s *s = xcalloc(1, sizeof(*s));

    s->id = ++p->next_session_id;
    s->peer = p;
    s->role = role;
    s->pending = dialback_pending_new();
    link_session(p, s);
    return s;
}

static void
drop_queue(struct s2s *s, const char *why)
{
    size_t i;

    for (i = 0; i < s->nqueue; i++) {
        if (why != NULL)
            peer_report(s->peer, "stanza to %s not sent: %s", s->remote, why);
        xml_node_free(s->queue[i]);
    }
    free(s->queue);
    s->queue = NULL;
    s->nqueue = 0;
}

void
s2s_free(struct s2s *s)
{
    size_t i;

    unlink_session(s);
    net_connect_cancel(s->connecting);
    /* A stream still open at the end (of a scenario, of serve) is closed properly: its closing
     * tag and, with TLS, a close_notify; it frees itself once flushed. */
    if (s->conn != NULL)
        xconn_close(s->conn);
    drop_queue(s, NULL);
    dialback_pending_free(s->pending);
    for (i = 0; i < s->nvalid; i++)
        free(s->valid[i]);
    free(s->valid);
    for (i = 0; i < s->nlocals; i++)
        free(s->locals[i].domain);
    free(s->locals);
    free(s->targets);
    free(s->local);
    free(s->remote);
    free(s->stream_id);
    free(s->verify_stream_id);
    free(s->verify_key);
    free(s->raw_pending);
    free(s);
}

/* Where a session's records go (peer_note_nego). */
static enum peer_nego_dir
nego_dir(const struct s2s *s)
{
    return s->role == S2S_IN       ? PEER_NEGO_IN
           : s->role == S2S_RAW    ? PEER_NEGO_RAW
           : s->role == S2S_VERIFY ? PEER_NEGO_VERIFY
                                   : PEER_NEGO_OUT;
}

/* Records something the SUT sent on s besides a stanza (el owned from now on). */
static void
note_nego(struct s2s *s, enum peer_nego_kind kind, struct xml_node *el)
{
    peer_note_nego(s->peer, kind, el, nego_dir(s), s->tls_done ? 1 + s->direct_tls : 0,
                   s->sasl_done, s->id);
}

void
s2s_raw_write(struct s2s *s, const char *bytes)
{
    if (s->conn == NULL) {
        char *more = xasprintf("%s%s", s->raw_pending != NULL ? s->raw_pending : "", bytes);

        free(s->raw_pending);
        s->raw_pending = more;
        return;
    }
    peer_report(s->peer, "s2s raw #%u: raw bytes: %s", s->id, bytes);
    xconn_send_raw(s->conn, bytes, strlen(bytes));
}

static void
free_later(void *arg)
{
    s2s_free(arg);
}

void
s2s_close(struct s2s *s)
{
    if (s->state == S2S_CLOSED)
        return;
    enter_state(s, S2S_CLOSED);
    if (s->conn != NULL) {
        xconn_close(s->conn);
        s->conn = NULL; /* it frees itself once flushed */
    }
    /* A connect under way would call back into this session after its peer is gone: the
     * loop can run that event before the deferred free (a scenario's teardown frees the peers,
     * then drains the loop). */
    net_connect_cancel(s->connecting);
    s->connecting = NULL;
    unlink_session(s);
    loop_defer_free(free_later, s);
}

/* Sends a stream error; the connection closes itself and the session goes with it. */
static void
stream_error(struct s2s *s, const char *condition, const char *text)
{
    if (s->conn != NULL)
        xconn_stream_error(s->conn, condition, text);
    s->conn = NULL;
    drop_queue(s, condition);
    s2s_close(s);
}

void
s2s_stream_error(struct s2s *s, const char *condition, const char *text)
{
    peer_report(s->peer, "s2s %s #%u%s%s: stream error <%s/> sent, closing", role_str(s->role),
                s->id, s->remote != NULL ? " " : "", s->remote != NULL ? s->remote : "", condition);
    stream_error(s, condition, text);
}

static struct xml_node *
db_element(const char *name, const char *from, const char *to, const char *id, const char *type)
{
    struct xml_node *n = xml_element_new(XML_NS_DIALBACK, name);

    xml_set_attr(n, NULL, "from", from);
    xml_set_attr(n, NULL, "to", to);
    if (id != NULL)
        xml_set_attr(n, NULL, "id", id);
    if (type != NULL)
        xml_set_attr(n, NULL, "type", type);
    return n;
}

static void
send_and_free(struct s2s *s, struct xml_node *n)
{
    if (s->conn != NULL)
        xconn_send(s->conn, n);
    xml_node_free(n);
}

/* A dialback error answer (XEP-0220 §2.5): not a stream error, the stream stays up. */
static void
send_db_error(struct s2s *s, const char *name, const char *from, const char *to,
              const char *condition)
{
    struct xml_node *n = db_element(name, from, to, NULL, "error");
    /* XEP-0220 §2.5: the <error/> child is "implicitly qualified by the 'jabber:server'
     * namespace", not the dialback one. */
    struct xml_node *e = xml_add_element(n, XML_NS_SERVER, "error");

    xml_set_attr(e, NULL, "type", "cancel");
    xml_add_element(e, NS_STANZAS, condition);
    send_and_free(s, n);
}

static int
is_local(const struct s2s *s, const char *domain)
{
    return peer_is_local(s->peer, domain);
}

static int
is_valid_from(const struct s2s *s, const char *domain)
{
    size_t i;

    for (i = 0; domain != NULL && i < s->nvalid; i++)
        if (strcasecmp(s->valid[i], domain) == 0)
            return 1;
    return 0;
}

/* ---- in: the SUT connected to us ---------------------------------------------------------- */

static void start_verify(struct s2s *in, const char *local, const char *remote, const char *key);

/* The `in` session that issued stream id `id` (what a db:verify is about), or NULL. */
static struct s2s *
find_in_stream(struct peer *p, const char *id)
{
    struct s2s *s;

    for (s = p->sessions; id != NULL && s != NULL; s = s->next)
        if (s->role == S2S_IN && s->stream_id != NULL && strcmp(s->stream_id, id) == 0)
            return s;
    return NULL;
}

/* An answer to our own verify request about stream `id`, from whichever stream carried it.
 * local: the domain the SUT's db:result was addressed to, which answers it (XEP-0220 §2.1.3:
 * the result's from is the request's to): a tenant of a stream whose header named no domain,
 * or another target on a multiplexed one, is not the stream's own domain. */
static void
verify_answered(struct peer *p, const char *id, const char *local, const char *remote,
                const char *type)
{
    struct s2s *in = find_in_stream(p, id);

    if (in == NULL || in->state == S2S_CLOSED) {
        peer_report(p, "dialback verify for %s answered %s, but the stream is gone", remote, type);
        return;
    }
    if (strcmp(type, "valid") == 0) {
        in->valid = xreallocarray(in->valid, in->nvalid + 1, sizeof(*in->valid));
        in->valid[in->nvalid++] = xstrdup(remote);
        send_and_free(in, db_element("result", local, remote, NULL, "valid"));
        enter_state(in, S2S_ESTABLISHED);
        p->facts.in_authenticated++;
        if (in->conn != NULL) {
            xconn_set_idle_timeout(in->conn, 0);
            xconn_set_deadline(in->conn, 0);
        }
        peer_report(p, "s2s in #%u: %s authenticated by dialback (verified with %s)", in->id,
                    remote, remote);
    } else if (strcmp(type, "invalid") == 0) {
        send_and_free(in, db_element("result", local, remote, NULL, "invalid"));
        p->facts.db_invalid_sent++;
        peer_report(p, "s2s in #%u: %s's dialback key is INVALID", in->id, remote);
    } else {
        send_db_error(in, "result", local, remote, type);
        peer_report(p, "s2s in #%u: cannot verify %s: %s", in->id, remote, type);
    }
}

/* 1 if the other side's certificate is what the profile demands before going on; else
 * reports why and returns 0. */
static int
cert_acceptable(struct s2s *s, const struct tls_info *info)
{
    enum profile_verify v = s->peer->prof.verify_cert;

    if (v == PROFILE_VERIFY_NONE ||
        (info->has_cert && info->chain_ok && (v == PROFILE_VERIFY_CHAIN || info->name_ok)))
        return 1;
    s->peer->facts.cert_refused++;
    peer_report(s->peer, "s2s %s #%u %s: the SUT's certificate is refused: %s", role_str(s->role),
                s->id, s->remote != NULL ? s->remote : "", info->why);
    return 0;
}

/* 1 if the other side's certificate is valid for its stream's from (SASL EXTERNAL). */
static int
cert_authenticates(struct s2s *s, struct tls_info *info)
{
    SSL *ssl = s->conn != NULL ? xconn_ssl(s->conn) : NULL;

    if (ssl == NULL || s->remote == NULL) {
        memset(info, 0, sizeof(*info));
        snprintf(info->why, sizeof(info->why), "no TLS");
        return 0;
    }
    tls_info_get(ssl, s->remote, info);
    return info->has_cert && info->chain_ok && info->name_ok;
}

/* Stream features as the receiving server (RFC 6120 §4.3.2): STARTTLS before TLS; SASL
 * EXTERNAL after it when the SUT's certificate authenticates it; dialback. */
static void
send_features(struct s2s *s)
{
    const struct profile *pr = &s->peer->prof;
    char buf[512];
    struct tls_info info;
    int n = snprintf(buf, sizeof(buf), "<stream:features>");

    /* starttls_on_direct: offered on a direct TLS stream too, which XEP-0368 §3 forbids the
     * other side to use. */
    if ((!s->tls_done || (s->direct_tls && pr->starttls_on_direct)) &&
        pr->tls != PROFILE_TLS_NONE && s->peer->tls_server != NULL)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      "<starttls xmlns='" NS_TLS "'>%s</starttls>",
                      pr->tls == PROFILE_TLS_REQUIRED ? "<required/>" : "");
    if (s->tls_done && pr->sasl_external && s->nvalid == 0 &&
        (pr->sasl_external == 2 || cert_authenticates(s, &info)))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      "<mechanisms xmlns='" NS_SASL
                      "'><mechanism>EXTERNAL</mechanism></mechanisms>");
    if (pr->bidi && s->nvalid == 0 &&
        (s->tls_done || pr->tls != PROFILE_TLS_REQUIRED || s->peer->tls_server == NULL))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "<bidi xmlns='" NS_BIDI_FEATURE "'/>");
    if (pr->feature_dialback && s->nvalid == 0 &&
        (s->tls_done || pr->tls != PROFILE_TLS_REQUIRED || s->peer->tls_server == NULL))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>");
    snprintf(buf + n, sizeof(buf) - (size_t)n, "</stream:features>");
    xconn_send_raw(s->conn, buf, strlen(buf));
}

/* <starttls/> from the SUT: proceed, unless this peer has no TLS (then failure and close). */
static void
in_starttls(struct s2s *s)
{
    static const char proceed[] = "<proceed xmlns='" NS_TLS "'/>";
    static const char failure[] = "<failure xmlns='" NS_TLS "'/>";

    if (s->tls_done || s->peer->tls_server == NULL) {
        peer_report(s->peer, "s2s in #%u: STARTTLS asked for%s: failure", s->id,
                    s->tls_done ? " twice" : ", which this peer does not offer");
        xconn_send_raw(s->conn, failure, sizeof(failure) - 1);
        s2s_close(s);
        return;
    }
    xconn_send_raw(s->conn, proceed, sizeof(proceed) - 1);
    enter_state(s, S2S_TLS);
    xconn_starttls(s->conn, s->peer->tls_server, 1, NULL);
}

/* <auth mechanism='EXTERNAL'/> from the SUT (XEP-0178 §3): success when its certificate
 * authenticates its domain, which must be the authzid if one is given. */
static void
in_sasl(struct s2s *s, const struct xml_node *n)
{
    static const char success[] = "<success xmlns='" NS_SASL "'/>";
    const char *mech = xml_attr(n, "mechanism");
    char *text = xml_text(n), *authzid = NULL, fail[160];
    struct tls_info info;
    const char *cond = NULL;

    if (text[0] != '\0' && strcmp(text, "=") != 0) {
        size_t len;

        authzid = (char *)sasl_b64_decode(text, &len);
    }
    /* The first reason to refuse, in the order of XEP-0178 §3; success needs none. */
    if (text[0] != '\0' && strcmp(text, "=") != 0 && authzid == NULL)
        cond = "incorrect-encoding";
    else if (!s->peer->prof.sasl_external || !s->tls_done || mech == NULL ||
             strcmp(mech, "EXTERNAL") != 0)
        cond = "invalid-mechanism";
    else if (authzid != NULL && (s->remote == NULL || strcasecmp(authzid, s->remote) != 0))
        cond = "invalid-authzid";
    else if (s->peer->prof.sasl_external == 2 || !cert_authenticates(s, &info))
        cond = "not-authorized";
    if (cond != NULL) {
        peer_report(s->peer, "s2s in #%u %s: SASL %s refused: %s", s->id,
                    s->remote != NULL ? s->remote : "?", mech != NULL ? mech : "?", cond);
        snprintf(fail, sizeof(fail), "<failure xmlns='" NS_SASL "'><%s/></failure>", cond);
        xconn_send_raw(s->conn, fail, strlen(fail));
    } else {
        s->valid = xreallocarray(s->valid, s->nvalid + 1, sizeof(*s->valid));
        s->valid[s->nvalid++] = xstrdup(s->remote);
        s->sasl_done = 1;
        s->peer->facts.in_authenticated++;
        xconn_send_raw(s->conn, success, sizeof(success) - 1);
        xconn_restart(s->conn);
        xconn_set_idle_timeout(s->conn, 0);
        xconn_set_deadline(s->conn, 0);
        enter_state(s, S2S_WAIT_HEADER);
        peer_report(s->peer, "s2s in #%u: %s authenticated by SASL EXTERNAL (certificate %s)",
                    s->id, s->remote, info.subject);
    }
    free(text);
    free(authzid);
}

static void
in_open(struct s2s *s, struct xml_node *header)
{
    const char *from = xml_attr(header, "from"), *to = xml_attr(header, "to");
    const char *version = xml_attr(header, "version");
    unsigned char rnd[8];
    char id[17];
    size_t i;

    if (!xml_is(header, XML_NS_STREAM, "stream")) {
        stream_error(s, "invalid-namespace", NULL);
        return;
    }
    if (s->peer->prof.speaks_client) {
        static const char c2s[] =
                "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                "xmlns:stream='" XML_NS_STREAM "' version='1.0'><stream:error><invalid-namespace "
                "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";

        peer_report(s->peer,
                    "s2s in #%u: a server-to-server stream on a client port: "
                    "<invalid-namespace/>",
                    s->id);
        xconn_send_raw(s->conn, c2s, sizeof(c2s) - 1);
        s2s_close(s);
        return;
    }
    if (s->peer->prof.refuse_streams[0] != '\0') {
        peer_report(s->peer, "s2s in #%u: stream refused: <%s/> (stream_error knob)", s->id,
                    s->peer->prof.refuse_streams);
        xconn_send_header(s->conn, s->peer->domain, from, NULL, NULL, 1);
        stream_error(s, s->peer->prof.refuse_streams, NULL);
        return;
    }
    if (to != NULL && !is_local(s, to)) {
        peer_report(s->peer, "s2s in #%u: stream for %s, which this peer does not serve", s->id,
                    to);
        xconn_send_header(s->conn, s->peer->domain, from, NULL, NULL, 1);
        stream_error(s, "host-unknown", NULL);
        return;
    }
    if (from != NULL && !profile_allows(&s->peer->prof, from) && !s->peer->prof.refuse_invalid) {
        peer_report(s->peer,
                    "s2s in #%u: stream from %s, which is not a partner (allow=%s): "
                    "refused",
                    s->id, from, s->peer->prof.allow);
        xconn_send_header(s->conn, s->peer->domain, from, NULL, NULL, 1);
        stream_error(s, "host-unknown", "not a partner domain of this server");
        return;
    }
    free(s->remote);
    s->remote = from != NULL ? xstrdup(from) : NULL;
    free(s->local);
    s->local = xstrdup(to != NULL ? to : s->peer->domain);
    s->local_named = to != NULL;
    RAND_bytes(rnd, sizeof(rnd));
    for (i = 0; i < sizeof(rnd); i++)
        snprintf(id + 2 * i, 3, "%02x", rnd[i]);
    /* A new header after STARTTLS or SASL: a new stream, a new id (RFC 6120 §4.7.3). */
    free(s->stream_id);
    s->stream_id = xstrdup(id);
    s->version10 =
            version != NULL && strcmp(version, "1.0") == 0 && s->peer->prof.stream_version != NULL;
    xconn_send_header(s->conn, s->local, from, id, s->version10 ? "1.0" : NULL, 1);
    if (s->version10)
        send_features(s);
    enter_state(s, s->nvalid > 0 ? S2S_ESTABLISHED : S2S_DIALBACK);
    peer_report(s->peer, "s2s in #%u from %s: stream from %s%s, id %s", s->id, s->peer_addr,
                from != NULL ? from : "(no from)", version != NULL ? " version 1.0" : "", id);
}

/* Set while a held dialback request is answered (s2s_dialback_release): not held again. */
static int releasing;

/* How a held request is answered, for the report. */
static const char *
held_words(const struct peer *p)
{
    static char buf[64];

    if (p->dialback == PEER_DB_IGNORE)
        return "no answer, held";
    snprintf(buf, sizeof(buf), "held, answered in %u ms", p->dialback_late_ms);
    return buf;
}

/* db:verify without type, on any stream: we are the authoritative server. */
static void
answer_verify(struct s2s *s, const struct xml_node *n)
{
    const char *from = xml_attr(n, "from"), *to = xml_attr(n, "to"), *id = xml_attr(n, "id");
    char *key = xml_text(n);
    char expected[DIALBACK_KEY_LEN];
    int ok;

    if (from == NULL || to == NULL || id == NULL) {
        send_db_error(s, "verify", s->peer->domain, from != NULL ? from : "", "bad-request");
        free(key);
        return;
    }
    if (!is_local(s, to)) {
        send_db_error(s, "verify", to, from, "item-not-found");
        free(key);
        return;
    }
    if ((s->peer->dialback == PEER_DB_IGNORE || s->peer->dialback == PEER_DB_LATE) && !releasing) {
        if (s->peer->dialback == PEER_DB_IGNORE)
            s->peer->facts.db_ignored++;
        else
            s->peer->facts.db_late++;
        peer_report(s->peer, "authoritative: %s asked to verify our key for stream %s: %s (fault)",
                    from, id, held_words(s->peer));
        peer_hold_dialback(s->peer, s, n);
        free(key);
        return;
    }
    /* The key we would have made as originating server `to`, for receiving server `from`. */
    dialback_key(s->peer->secret, from, to, id, expected);
    ok = dialback_key_equal(key, expected) && s->peer->dialback != PEER_DB_INVALID;
    s->peer->facts.verify_invalid += !ok;
    {
        struct xml_node *a = db_element("verify", to, from, id, ok ? "valid" : "invalid");

        send_and_free(s, a);
    }
    peer_report(s->peer, "authoritative: %s asked to verify our key for stream %s: %s", from, id,
                ok ? "valid" : "invalid");
    free(key);
}

/* The SUT asks to be authenticated as a domain this peer's provider hosts itself (the seed's
 * domain collision): it gets invalid, unsolicited answers to questions it never asked, or
 * nothing, and never a real verification. */
static void
collision_answer(struct s2s *s, const char *from, const char *to)
{
    enum profile_collision c = s->peer->prof.collision;

    s->peer->facts.collision++;
    peer_report(s->peer,
                "s2s in #%u: %s asks to be authenticated (dialback), but this peer "
                "hosts %s itself (collision): %s",
                s->id, from, from,
                c == PROFILE_COLLISION_INVALID       ? "invalid"
                : c == PROFILE_COLLISION_UNSOLICITED ? "unsolicited answers instead"
                                                     : "no answer");
    if (c == PROFILE_COLLISION_INVALID) {
        send_and_free(s, db_element("result", to, from, NULL, "invalid"));
    } else if (c == PROFILE_COLLISION_UNSOLICITED) {
        char *other = xasprintf("other.%s", to);

        /* A verify answer for a stream id the SUT never issued, and a valid result for a
         * domain pair it never asked about (XEP-0220 §3.1: both must be ignored). */
        send_and_free(s, db_element("verify", to, from, "0000deadbeef0000", "valid"));
        send_and_free(s, db_element("result", other, from, NULL, "valid"));
        free(other);
    }
}

static void
in_stanza(struct s2s *s, struct xml_node *n)
{
    const char *type = xml_attr(n, "type");
    char dom[256];

    if (s->cert_refused) {
        peer_report(s->peer, "s2s in #%u: <%s/> over TLS with a refused certificate: closing",
                    s->id, n->name);
        stream_error(s, "policy-violation", "certificate not acceptable");
        return;
    }
    if (xml_is(n, NS_TLS, "starttls")) {
        in_starttls(s);
        return;
    }
    if (xml_is(n, NS_SASL, "auth")) {
        in_sasl(s, n);
        return;
    }
    if (xml_is(n, NS_BIDI, "bidi") && s->peer->prof.bidi && s->nvalid == 0) {
        /* XEP-0288 §2: from now on the peer may send to the domains it authenticates here. */
        s->bidi = 1;
        peer_report(s->peer, "s2s in #%u: the SUT asks for a bidirectional stream (XEP-0288)",
                    s->id);
        return;
    }
    if (!s->tls_done && s->peer->prof.tls == PROFILE_TLS_REQUIRED && s->peer->tls_server != NULL) {
        peer_report(s->peer, "s2s in #%u: <%s/> before STARTTLS, which this peer requires", s->id,
                    n->name);
        stream_error(s, "policy-violation", "STARTTLS is required");
        return;
    }
    if (s->peer->prof.no_dialback &&
        (xml_is(n, XML_NS_DIALBACK, "result") || xml_is(n, XML_NS_DIALBACK, "verify"))) {
        peer_report(s->peer, "s2s in #%u: db:%s, but this peer has no dialback", s->id, n->name);
        stream_error(s, "unsupported-stanza-type", "no dialback here");
        return;
    }
    if (xml_is(n, XML_NS_DIALBACK, "result")) {
        const char *from = xml_attr(n, "from"), *to = xml_attr(n, "to");

        if (type != NULL) {
            /* An answer on a stream the SUT opened: nobody asked (no bidi here). */
            s->peer->unsolicited_dialback++;
            peer_report(s->peer, "UNSOLICITED db:result type='%s' from %s on s2s in #%u: ignored",
                        type, from != NULL ? from : "?", s->id);
            return;
        }
        if (from == NULL || to == NULL || !is_local(s, to)) {
            send_db_error(s, "result", to != NULL ? to : s->peer->domain, from != NULL ? from : "",
                          "item-not-found");
            return;
        }
        if (!s->local_named) {
            /* A header without 'to': the first request says which of our domains the stream
             * is for; only a later one for another domain multiplexes targets. */
            free(s->local);
            s->local = xstrdup(to);
            s->local_named = 1;
        }
        if (!s->peer->prof.feature_dialback && s->local != NULL && strcasecmp(to, s->local) != 0) {
            /* XEP-0220 §2.6.2: target multiplexing needs dialback errors support; a legacy
             * peer (none announced) cannot answer it and closes the stream. */
            peer_report(s->peer,
                        "s2s in #%u: db:result for %s on a stream to %s: target "
                        "multiplexing, which this peer does not support",
                        s->id, to, s->local);
            stream_error(s, "host-unknown", "no target multiplexing here");
            return;
        }
        if (s->peer->prof.collision != PROFILE_COLLISION_NONE && s->peer->claimed != NULL &&
            strcasecmp(from, s->peer->claimed) == 0) {
            collision_answer(s, from, to);
            return;
        }
        if (!profile_allows(&s->peer->prof, from)) {
            peer_report(s->peer,
                        "s2s in #%u: %s asks to be authenticated (dialback), but it is "
                        "not a partner (allow=%s): invalid",
                        s->id, from, s->peer->prof.allow);
            send_and_free(s, db_element("result", to, from, NULL, "invalid"));
            return;
        }
        if (s->peer->dialback == PEER_DB_ERROR) {
            peer_report(s->peer,
                        "s2s in #%u: %s asks to be authenticated (dialback): a dialback error, "
                        "<remote-server-not-found/> (fault)",
                        s->id, from);
            send_db_error(s, "result", to, from, "remote-server-not-found");
            s->peer->facts.db_invalid_sent++;
            return;
        }
        if (s->peer->dialback == PEER_DB_INVALID) {
            peer_report(s->peer,
                        "s2s in #%u: %s asks to be authenticated (dialback): invalid "
                        "(fault)",
                        s->id, from);
            send_and_free(s, db_element("result", to, from, NULL, "invalid"));
            s->peer->facts.db_invalid_sent++;
            return;
        }
        if (s->peer->dialback != PEER_DB_NORMAL && !releasing) {
            peer_report(s->peer, "s2s in #%u: %s asks to be authenticated (dialback): %s (fault)",
                        s->id, from, held_words(s->peer));
            if (s->peer->dialback == PEER_DB_IGNORE)
                s->peer->facts.db_ignored++;
            else
                s->peer->facts.db_late++;
            peer_hold_dialback(s->peer, s, n);
            return;
        }
        {
            char *key = xml_text(n);

            peer_report(s->peer, "s2s in #%u: %s asks to be authenticated (dialback)", s->id, from);
            start_verify(s, to, from, key);
            free(key);
        }
        return;
    }
    if (xml_is(n, XML_NS_DIALBACK, "verify")) {
        if (type == NULL) {
            answer_verify(s, n);
            return;
        }
        s->peer->unsolicited_dialback++;
        peer_report(s->peer, "UNSOLICITED db:verify type='%s' on s2s in #%u: ignored", type, s->id);
        return;
    }
    if (xml_is(n, XML_NS_STREAM, "features"))
        return;
    if (strcmp(n->ns, XML_NS_SERVER) != 0) {
        stream_error(s,
                     strcmp(n->ns, XML_NS_CLIENT) == 0 ? "invalid-namespace"
                                                       : "unsupported-stanza-type",
                     NULL);
        return;
    }
    if (s->nvalid == 0) {
        peer_report(s->peer, "s2s in #%u: a <%s/> before dialback succeeded", s->id, n->name);
        stream_error(s, "not-authorized", NULL);
        return;
    }
    if (xml_attr(n, "from") == NULL || xml_attr(n, "to") == NULL) {
        stream_error(s, "improper-addressing", NULL);
        return;
    }
    if (!is_valid_from(s, peer_jid_domain(xml_attr(n, "from"), dom, sizeof(dom)))) {
        peer_report(s->peer, "s2s in #%u: stanza from %s, which this stream did not authenticate",
                    s->id, xml_attr(n, "from"));
        stream_error(s, "invalid-from", NULL);
        return;
    }
    peer_deliver(s->peer, n);
}

/* ---- out and verify: we connected to the SUT ------------------------------------------------ */

/* Our sender domain `domain` on out session s, or NULL. */
static struct s2s_local *
find_local(struct s2s *s, const char *domain)
{
    size_t i;

    for (i = 0; domain != NULL && i < s->nlocals; i++)
        if (strcasecmp(s->locals[i].domain, domain) == 0)
            return &s->locals[i];
    return NULL;
}

/* Asks the SUT to accept `domain` as a sender on this stream: a db:result with the XEP-0185
 * key for this stream (several on one stream: XEP-0220 §2.4 multiplexing). */
static void
send_result(struct s2s *s, const char *domain)
{
    char key[DIALBACK_KEY_LEN];
    struct xml_node *r = db_element("result", domain, s->remote, NULL, NULL);

    s->locals = xreallocarray(s->locals, s->nlocals + 1, sizeof(*s->locals));
    s->locals[s->nlocals].domain = xstrdup(domain);
    s->locals[s->nlocals++].state = LOCAL_PENDING;
    dialback_key(s->peer->secret, s->remote, domain, s->stream_id, key);
    xml_add_text(r, key, strlen(key));
    dialback_pending_add(s->pending, DIALBACK_RESULT, domain, s->remote, NULL);
    send_and_free(s, r);
    peer_report(s->peer, "s2s out #%u to %s: dialback key for %s sent (stream %s)", s->id,
                s->remote, domain, s->stream_id);
}

/* The sender domain of a stanza, into buf. */
static const char *
sender_domain(const struct xml_node *n, char *buf, size_t len)
{
    return peer_jid_domain(xml_attr(n, "from") != NULL ? xml_attr(n, "from") : "", buf, len);
}

/* Dialback for the stream's own domain, then for each other sender domain waiting in the
 * queue (a tenant's first stanza). */
static void
send_results(struct s2s *s)
{
    size_t i;
    char dom[256];

    if (find_local(s, s->local) == NULL)
        send_result(s, s->local);
    for (i = 0; i < s->nqueue; i++)
        if (find_local(s, sender_domain(s->queue[i], dom, sizeof(dom))) == NULL && is_local(s, dom))
            send_result(s, dom);
}

static void
out_proceed(struct s2s *s)
{
    enter_state(s, S2S_DIALBACK);
    if (s->role == S2S_VERIFY) {
        struct xml_node *v = db_element("verify", s->local, s->remote, s->verify_stream_id, NULL);

        xml_add_text(v, s->verify_key, strlen(s->verify_key));
        dialback_pending_add(s->pending, DIALBACK_VERIFY, s->local, s->remote, s->verify_stream_id);
        send_and_free(s, v);
        return;
    }
    if (s->peer->prof.no_dialback) {
        /* dialback=no: SASL EXTERNAL was the only way, and it was not offered or failed. */
        peer_report(s->peer,
                    "s2s out #%u to %s: no SASL EXTERNAL, and this peer has no dialback: "
                    "not authenticated, closing",
                    s->id, s->remote);
        drop_queue(s, "no way to authenticate");
        s2s_close(s);
        return;
    }
    send_results(s);
}

static void
out_open(struct s2s *s, struct xml_node *header)
{
    const char *id = xml_attr(header, "id"), *version = xml_attr(header, "version");

    if (!xml_is(header, XML_NS_STREAM, "stream")) {
        stream_error(s, "invalid-namespace", NULL);
        return;
    }
    if (id == NULL || *id == '\0') {
        peer_report(s->peer, "s2s %s #%u: %s's stream header has no id: dialback impossible",
                    role_str(s->role), s->id, s->remote);
        stream_error(s, "invalid-xml", "a response stream header needs an id");
        return;
    }
    free(s->stream_id);
    s->stream_id = xstrdup(id);
    s->version10 =
            s->peer->prof.stream_version != NULL && version != NULL && strcmp(version, "1.0") == 0;
    if (s->version10)
        enter_state(s, S2S_WAIT_FEATURES);
    else
        out_proceed(s);
}

static void flush_queue(struct s2s *s);
static void send_out_header(struct s2s *s, const char *version);

/* Stream features as the initiating server: STARTTLS first (as the profile says), then SASL
 * EXTERNAL when offered and the profile uses it, else dialback. */
static void
out_features(struct s2s *s, const struct xml_node *f)
{
    const struct profile *pr = &s->peer->prof;
    const struct xml_node *tls = xml_child(f, NS_TLS, "starttls");
    const struct xml_node *mechs = xml_child(f, NS_SASL, "mechanisms"), *m;
    int external = 0;

    for (m = mechs != NULL ? xml_child(mechs, NS_SASL, "mechanism") : NULL; m != NULL;
         m = xml_next(m, NS_SASL, "mechanism")) {
        char *t = xml_text(m);

        external |= strcmp(t, "EXTERNAL") == 0;
        free(t);
    }
    if (s->sasl_done) {
        size_t before = s->nqueue;

        s->locals = xreallocarray(s->locals, s->nlocals + 1, sizeof(*s->locals));
        s->locals[s->nlocals].domain = xstrdup(s->local);
        s->locals[s->nlocals++].state = LOCAL_VALID;
        enter_state(s, S2S_ESTABLISHED);
        xconn_set_idle_timeout(s->conn, 0);
        xconn_set_deadline(s->conn, 0);
        flush_queue(s);
        peer_report(s->peer, "s2s out #%u to %s: established, %zu stanza(s) released", s->id,
                    s->remote, before - s->nqueue);
        send_results(s); /* other sender domains (tenants): dialback on this stream */
        return;
    }
    if (!s->tls_done && tls != NULL && pr->tls != PROFILE_TLS_NONE && s->peer->tls_client != NULL) {
        static const char starttls[] = "<starttls xmlns='" NS_TLS "'/>";

        enter_state(s, S2S_TLS);
        xconn_send_raw(s->conn, starttls, sizeof(starttls) - 1);
        return;
    }
    if (!s->tls_done && pr->tls == PROFILE_TLS_REQUIRED) {
        peer_report(s->peer,
                    "s2s %s #%u to %s: the SUT offers no STARTTLS, which this peer "
                    "requires",
                    role_str(s->role), s->id, s->remote);
        drop_queue(s, "no TLS");
        stream_error(s, "policy-violation", "STARTTLS is required");
        return;
    }
    if (!s->tls_done && tls != NULL && xml_child(tls, NS_TLS, "required") != NULL)
        peer_report(s->peer,
                    "s2s %s #%u to %s: the SUT requires STARTTLS, which this peer "
                    "does not do: dialback in the clear",
                    role_str(s->role), s->id, s->remote);
    if (pr->bidi && s->role == S2S_OUT && !s->bidi &&
        xml_child(f, NS_BIDI_FEATURE, "bidi") != NULL) {
        static const char bidi[] = "<bidi xmlns='" NS_BIDI "'/>";
        /* ejabberd until 2026 (#4300): the request in the feature's namespace. */
        static const char bidi_bug[] = "<bidi xmlns='" NS_BIDI_FEATURE "'/>";

        s->bidi = !pr->bidi_bug;
        if (pr->bidi_bug)
            xconn_send_raw(s->conn, bidi_bug, sizeof(bidi_bug) - 1);
        else
            xconn_send_raw(s->conn, bidi, sizeof(bidi) - 1);
        peer_report(s->peer, "s2s out #%u to %s: bidirectional stream requested (XEP-0288)", s->id,
                    s->remote);
    }
    if (s->tls_done && pr->sasl_external == 1 && external && s->role == S2S_OUT) {
        char *authzid = sasl_b64_encode((const unsigned char *)s->local, strlen(s->local));
        char *auth = xasprintf("<auth xmlns='" NS_SASL "' mechanism='EXTERNAL'>%s</auth>", authzid);

        enter_state(s, S2S_SASL);
        xconn_send_raw(s->conn, auth, strlen(auth));
        free(auth);
        free(authzid);
        return;
    }
    out_proceed(s);
}

/* Sends the held stanzas whose sender domain is valid on the stream, drops those whose is
 * invalid, keeps the rest. */
static void
flush_queue(struct s2s *s)
{
    size_t i, kept = 0;
    char dom[256];

    for (i = 0; i < s->nqueue; i++) {
        const struct s2s_local *l = find_local(s, sender_domain(s->queue[i], dom, sizeof(dom)));

        if (l != NULL && l->state == LOCAL_VALID) {
            xconn_send(s->conn, s->queue[i]);
            xml_node_free(s->queue[i]);
        } else if (l != NULL && l->state == LOCAL_INVALID) {
            peer_report(s->peer, "stanza from %s to %s not sent: dialback failed", dom, s->remote);
            xml_node_free(s->queue[i]);
        } else {
            s->queue[kept++] = s->queue[i];
        }
    }
    s->nqueue = kept;
    if (kept == 0) {
        free(s->queue);
        s->queue = NULL;
    }
}

void
s2s_dialback_release(struct s2s *s, struct xml_node *request)
{
    peer_report(s->peer, "s2s #%u: answering the held db:%s now", s->id, request->name);
    releasing = 1;
    if (xml_is(request, XML_NS_DIALBACK, "verify"))
        answer_verify(s, request);
    else
        in_stanza(s, request);
    releasing = 0;
}

static void
out_stanza(struct s2s *s, struct xml_node *n)
{
    const char *type = xml_attr(n, "type");
    const char *from = xml_attr(n, "from"), *to = xml_attr(n, "to");

    if (xml_is(n, XML_NS_STREAM, "features")) {
        if (s->state == S2S_WAIT_FEATURES)
            out_features(s, n);
        return;
    }
    if (xml_is(n, NS_TLS, "proceed") && s->state == S2S_TLS) {
        xconn_starttls(s->conn, s->peer->tls_client, 0, s->remote);
        return;
    }
    if (xml_is(n, NS_TLS, "failure")) {
        s->peer->facts.tls_failed++;
        peer_report(s->peer, "s2s %s #%u to %s: STARTTLS failed (the SUT said <failure/>)",
                    role_str(s->role), s->id, s->remote);
        drop_queue(s, "STARTTLS failed");
        s2s_close(s);
        return;
    }
    if (xml_is(n, NS_SASL, "success") && s->state == S2S_SASL) {
        s->sasl_done = 1;
        s->peer->facts.out_authenticated++;
        peer_report(s->peer, "s2s out #%u to %s: authenticated by SASL EXTERNAL", s->id, s->remote);
        xconn_restart(s->conn);
        enter_state(s, S2S_WAIT_HEADER);
        send_out_header(s, "1.0");
        return;
    }
    if (xml_is(n, NS_SASL, "failure") && s->state == S2S_SASL) {
        const struct xml_node *c = xml_child(n, NULL, NULL);

        peer_report(s->peer,
                    "s2s out #%u to %s: SASL EXTERNAL failed (%s): dialback instead (XEP-0344)",
                    s->id, s->remote, c != NULL ? c->name : "no condition");
        out_proceed(s);
        return;
    }
    if (xml_is(n, XML_NS_DIALBACK, "verify") && type == NULL) {
        answer_verify(s, n);
        return;
    }
    if (xml_is(n, XML_NS_DIALBACK, "result") || xml_is(n, XML_NS_DIALBACK, "verify")) {
        enum dialback_kind kind =
                strcmp(n->name, "result") == 0 ? DIALBACK_RESULT : DIALBACK_VERIFY;

        if (type == NULL || !dialback_pending_take(s->pending, kind, from, to, xml_attr(n, "id"))) {
            s->peer->unsolicited_dialback++;
            peer_report(s->peer, "UNSOLICITED db:%s type='%s' from %s on s2s %s #%u: not honoured",
                        n->name, type != NULL ? type : "(none)", from != NULL ? from : "?",
                        role_str(s->role), s->id);
            return;
        }
        if (kind == DIALBACK_VERIFY) {
            verify_answered(s->peer, xml_attr(n, "id"), to, from, type);
            if (s->role == S2S_VERIFY)
                s2s_close(s);
            return;
        }
        if (strcmp(type, "error") == 0 && !s->peer->prof.feature_dialback) {
            /* XEP-0220 §2.5: errors only to peers that announced support; an RFC 3920 peer
             * does not know the type and gives up on the stream (field bug C-27). */
            peer_report(s->peer,
                        "s2s out #%u to %s: a dialback error, which this peer never "
                        "said it understands: closing",
                        s->id, s->remote);
            drop_queue(s, "dialback error");
            stream_error(s, "undefined-condition", "unknown dialback type");
            return;
        }
        {
            struct s2s_local *l = find_local(s, to);
            size_t before = s->nqueue, i;
            int any = 0;

            if (l != NULL)
                l->state = strcmp(type, "valid") == 0 ? LOCAL_VALID : LOCAL_INVALID;
            if (l != NULL && l->state == LOCAL_VALID) {
                enter_state(s, S2S_ESTABLISHED);
                s->peer->facts.out_authenticated++;
                xconn_set_idle_timeout(s->conn, 0);
                xconn_set_deadline(s->conn, 0);
                flush_queue(s);
                peer_report(s->peer,
                            "s2s out #%u to %s: %s authenticated by dialback, %zu stanza(s) "
                            "released",
                            s->id, s->remote, to, before - s->nqueue);
                return;
            }
            peer_report(s->peer, "s2s out #%u to %s: dialback for %s answered %s", s->id, s->remote,
                        to != NULL ? to : "?", type);
            s->peer->facts.invalid_from_sut++;
            flush_queue(s); /* drops that sender's stanzas */
            for (i = 0; i < s->nlocals; i++)
                any |= s->locals[i].state != LOCAL_INVALID;
            if (!any) {
                drop_queue(s, "dialback failed");
                s2s_close(s);
            }
        }
        return;
    }
    if (s->bidi && s->state == S2S_ESTABLISHED && strcmp(n->ns, XML_NS_SERVER) == 0) {
        char dom[256];

        /* XEP-0288 §3: the receiving server may send as the domain we connected to. */
        if (from == NULL || strcasecmp(peer_jid_domain(from, dom, sizeof(dom)), s->remote) != 0) {
            peer_report(s->peer, "s2s out #%u: stanza from %s on a bidi stream to %s", s->id,
                        from != NULL ? from : "?", s->remote);
            stream_error(s, "invalid-from", NULL);
            return;
        }
        peer_deliver(s->peer, n);
        return;
    }
    peer_report(s->peer, "s2s out #%u: <%s/> from %s on an outbound stream (no bidi): ignored",
                s->id, n->name, from != NULL ? from : "?");
    /* Not delivered, but recorded: a stanza over a stream the SUT did not open (RFC 6120 §4.5). */
    if (strcmp(n->ns, XML_NS_SERVER) == 0)
        note_nego(s, PEER_NEGO_ELEMENT, xml_clone(n));
}

/* ---- connection plumbing -------------------------------------------------------------------- */

static void
conn_open(struct xconn *c, struct xml_node *header, void *arg)
{
    struct s2s *s = arg;

    (void)c;
    note_nego(s, PEER_NEGO_ELEMENT, xml_clone(header));
    if (s->silent) {
        peer_report(s->peer, "s2s in #%u: stream header read, no answer (fault: silent)", s->id);
        xml_node_free(header);
        return;
    }
    if (s->role == S2S_RAW) {
        peer_report(s->peer, "s2s raw #%u: the SUT's stream header, id %s", s->id,
                    xml_attr(header, "id") != NULL ? xml_attr(header, "id") : "(none)");
        xml_node_free(header);
        return;
    }
    if (s->role == S2S_IN)
        in_open(s, header);
    else
        out_open(s, header);
    xml_node_free(header);
}

/* A stream error from the SUT (RFC 6120 §4.9): its condition and text, in the report. The
 * stream close follows. */
static void
report_stream_error(struct s2s *s, const struct xml_node *e)
{
    const struct xml_node *c, *cond = NULL, *text = NULL;
    char *t = NULL;

    for (c = e->children; c != NULL; c = c->next) {
        if (c->kind != XML_ELEMENT)
            continue;
        if (strcmp(c->name, "text") == 0)
            text = c;
        else if (cond == NULL)
            cond = c;
    }
    if (text != NULL)
        t = xml_text(text);
    if (cond != NULL && s->peer->nstream_errors <
                                sizeof(s->peer->stream_errors) / sizeof(s->peer->stream_errors[0]))
        s->peer->stream_errors[s->peer->nstream_errors++] = xstrdup(cond->name);
    peer_report(s->peer, "s2s %s #%u %s: stream error from the SUT: <%s/>%s%s%s", role_str(s->role),
                s->id, s->remote != NULL ? s->remote : "", cond != NULL ? cond->name : "?",
                t != NULL ? " \"" : "", t != NULL ? t : "", t != NULL ? "\"" : "");
    free(t);
}

static void
conn_stanza(struct xconn *c, struct xml_node *n, void *arg)
{
    struct s2s *s = arg;

    (void)c;
    if (strcmp(n->ns, XML_NS_SERVER) != 0)
        note_nego(s, PEER_NEGO_ELEMENT, xml_clone(n));
    if (xml_is(n, XML_NS_STREAM, "error")) {
        report_stream_error(s, n);
        xml_node_free(n);
        return;
    }
    if (s->role == S2S_RAW) {
        peer_report(s->peer, "s2s raw #%u: <%s/> from the SUT", s->id, n->name);
        xml_node_free(n);
        return;
    }
    if (s->state != S2S_CLOSED && !s->silent) {
        if (s->role == S2S_IN)
            in_stanza(s, n);
        else
            out_stanza(s, n);
    }
    xml_node_free(n);
}

/* The SUT's </stream:stream> on a raw session (the connection stays open: its TCP close is
 * the SUT's to make). */
static void
conn_closed(struct xconn *c, void *arg)
{
    struct s2s *s = arg;

    (void)c;
    peer_report(s->peer, "s2s raw #%u: the SUT closed its stream", s->id);
    note_nego(s, PEER_NEGO_STREAM_CLOSE, NULL);
}

/* The SUT wrote something after its own </stream:stream> on a raw session (RFC 6120 §4.4):
 * a record in fedsim's namespace, <after-close xmlns='urn:fedsim:stream'/>. */
static void
conn_after_close(struct xconn *c, void *arg)
{
    struct s2s *s = arg;

    (void)c;
    peer_report(s->peer, "s2s raw #%u: the SUT sent data after its stream close", s->id);
    note_nego(s, PEER_NEGO_ELEMENT, xml_element_new(NS_FEDSIM_STREAM, "after-close"));
}

static void try_next_target(struct s2s *s);

static void
conn_end(struct xconn *c, enum xconn_end why, const char *msg, void *arg)
{
    struct s2s *s = arg;

    (void)c;
    if (s->state == S2S_CLOSED)
        return;
    if (why == XCONN_END_CLOSED)
        note_nego(s, PEER_NEGO_STREAM_CLOSE, NULL);
    else if (why == XCONN_END_EOF || why == XCONN_END_ERROR || why == XCONN_END_TLS)
        note_nego(s, PEER_NEGO_CONN_END, NULL);
    if (why == XCONN_END_TLS)
        s->peer->facts.tls_failed++;
    peer_report(s->peer, "s2s %s #%u%s%s: %s%s%s", role_str(s->role), s->id,
                s->remote != NULL ? " " : "", s->remote != NULL ? s->remote : "",
                xconn_end_str(why), msg != NULL ? ": " : "", msg != NULL ? msg : "");
    if (s->role != S2S_IN && s->direct_tls && !s->tls_done && s->next_target < s->ntargets) {
        /* A direct TLS target that failed before its handshake was done: on to the next
         * target (the _xmpp-server ones come after), as after a refused connection. */
        peer_report(s->peer, "s2s %s #%u %s: direct TLS failed (%s%s%s): next target",
                    role_str(s->role), s->id, s->remote, xconn_end_str(why),
                    msg != NULL ? ": " : "", msg != NULL ? msg : "");
        xconn_free(s->conn);
        s->conn = NULL;
        s->direct_tls = 0;
        try_next_target(s);
        return;
    }
    if (s->role == S2S_VERIFY && dialback_pending_count(s->pending) > 0)
        verify_answered(s->peer, s->verify_stream_id, s->local, s->remote, "remote-server-timeout");
    drop_queue(s, "the connection ended");
    xconn_close(s->conn); /* flushes a pending stream error, then frees itself */
    s->conn = NULL;
    enter_state(s, S2S_CLOSED);
    unlink_session(s);
    loop_defer_free(free_later, s);
}

/* The STARTTLS handshake is done: report what it showed, apply the profile's demands on the
 * SUT's certificate, and restart the stream (we send the new header when we initiated). */
static void
conn_tls(struct xconn *c, SSL *ssl, void *arg)
{
    struct s2s *s = arg;
    struct tls_info info;
    char line[512];

    (void)c;
    s->tls_done = 1;
    s->peer->facts.tls_done++;
    tls_info_get(ssl, s->remote, &info);
    tls_info_format(&info, line, sizeof(line));
    {
        /* The handshake as the SUT made it, for negotiation steps: a <tls/> element in
         * fedsim's own namespace (the version; as server end, the name the SUT asked for by
         * SNI and the ALPN protocols it offered, XEP-0368 §3). */
        struct xml_node *t = xml_element_new(NS_FEDSIM_TLS, "tls");

        xml_set_attr(t, NULL, "version", info.version);
        xml_set_attr(t, NULL, "alpn", info.alpn);
        if (s->role == S2S_IN) {
            xml_set_attr(t, NULL, "sni", info.sni);
            xml_set_attr(t, NULL, "alpn-offered", info.alpn_offered);
        }
        note_nego(s, PEER_NEGO_ELEMENT, t);
    }
    peer_report(s->peer, "s2s %s #%u%s%s: %s done: %s", role_str(s->role), s->id,
                s->remote != NULL ? " " : "", s->remote != NULL ? s->remote : "",
                s->direct_tls ? "direct TLS" : "STARTTLS", line);
    if (s->role != S2S_IN && !cert_acceptable(s, &info)) {
        drop_queue(s, "the SUT's certificate was refused");
        stream_error(s, "policy-violation", "certificate not acceptable");
        return;
    }
    /* As receiving server the demand is on who asks to come in: the TLS stream is opened and
     * its features sent, and the first request on it (dialback, SASL, a stanza) is refused.
     * A client that only looks (a monitoring check without a certificate) sees a working
     * TLS listener. */
    if (s->role == S2S_IN && s->peer->prof.request_client_cert && !cert_acceptable(s, &info))
        s->cert_refused = 1;
    enter_state(s, S2S_WAIT_HEADER);
    if (s->role != S2S_IN)
        send_out_header(s, "1.0");
}

static const struct xconn_handler s2s_handler = {.open = conn_open,
                                                 .stanza = conn_stanza,
                                                 .end = conn_end,
                                                 .tls = conn_tls,
                                                 .closed = conn_closed,
                                                 .after_close = conn_after_close};

/* Our stream header as initiator (minus from or to with the header knob). */
static void
send_out_header(struct s2s *s, const char *version)
{
    const char *omit = s->peer->prof.header_omit;

    xconn_send_header(s->conn, omit != NULL && strcmp(omit, "from") == 0 ? NULL : s->local,
                      omit != NULL && strcmp(omit, "to") == 0 ? NULL : s->remote, NULL, version, 1);
}

/* The peer's network faults and interop quirks, on a new connection. */
static void
apply_faults(struct s2s *s)
{
    const struct profile *pr = &s->peer->prof;

    if (pr->db_prefix[0] != '\0')
        xconn_set_dialback_prefix(s->conn, pr->db_prefix);
    if (pr->no_lang)
        xconn_set_header_lang(s->conn, 0);
    if (pr->max_stanza > 0)
        xconn_set_max_stanza(s->conn, pr->max_stanza);
    if (s->peer->cut_after > 0) {
        xconn_set_read_limit(s->conn, s->peer->cut_after);
    } else if (s->peer->cut_ppm > 0 && s->peer->chance != NULL) {
        char stream[CHANCE_STREAM_MAX];

        snprintf(stream, sizeof(stream), "%s.conn", s->peer->chance_name);
        if (chance_hit(s->peer->chance, stream, s->peer->cut_ppm, "cut")) {
            size_t at = (size_t)chance_between(s->peer->chance, stream, 1, s->peer->cut_within,
                                               "cut after bytes");

            peer_report(s->peer, "s2s %s #%u will be cut after %zu bytes (cuts, chance #%lu)",
                        role_str(s->role), s->id, at, s->peer->chance->choices);
            xconn_set_read_limit(s->conn, at);
        }
    }
    if (s->peer->write_rate > 0)
        xconn_set_write_rate(s->conn, s->peer->write_rate);
}

struct s2s *
s2s_accept(struct peer *p, int fd, const struct sockaddr *from, int direct_tls)
{
    return s2s_accept_bev(p, bufferevent_socket_new(loop_base(), fd, BEV_OPT_CLOSE_ON_FREE), from,
                          direct_tls);
}

struct s2s *
s2s_accept_bev(struct peer *p, struct bufferevent *bev, const struct sockaddr *from, int direct_tls)
{
    struct s2s *s = session_new(p, S2S_IN);
    char label[128];

    net_addr_format(from, s->peer_addr, sizeof(s->peer_addr));
    p->facts.in_streams++;
    snprintf(label, sizeof(label), "%s in #%u", p->domain, s->id);
    s->conn = xconn_new(bev, label, XML_NS_SERVER, LOG_TRACE_S2S, &s2s_handler, s);
    apply_faults(s);
    s->silent = p->net == PEER_NET_SILENT;
    /* A silent peer holds the connection as long as the other side does. */
    xconn_set_idle_timeout(s->conn, s->silent ? 0 : S2S_HANDSHAKE_TIMEOUT_MS);
    xconn_set_deadline(s->conn, s->silent ? 0 : S2S_HANDSHAKE_TIMEOUT_MS);
    if (direct_tls) {
        s->direct_tls = 1;
        enter_state(s, S2S_TLS);
        xconn_starttls(s->conn, p->tls_server, 1, NULL);
        return s;
    }
    enter_state(s, S2S_WAIT_HEADER);
    return s;
}

static void
on_connected(enum net_event ev, struct bufferevent *bev, int error, void *arg)
{
    struct s2s *s = arg;
    const struct resolve_target *t = &s->targets[s->next_target - 1];
    char label[128];

    s->connecting = NULL;
    net_addr_format((const struct sockaddr *)&t->addr.ss, s->peer_addr, sizeof(s->peer_addr));
    if (ev != NET_CONNECTED) {
        if (ev == NET_TIMEOUT)
            s->peer->facts.sut_timeout++;
        else
            s->peer->facts.sut_refused++;
        snprintf(s->peer->facts.sut_addr, sizeof(s->peer->facts.sut_addr), "%s", s->peer_addr);
        peer_report(s->peer, "s2s %s #%u: cannot connect to %s (%s) at %s: %s", role_str(s->role),
                    s->id, s->remote, t->host, s->peer_addr,
                    ev == NET_TIMEOUT ? "timed out" : strerror(error));
        try_next_target(s);
        return;
    }
    s->peer->facts.sut_connected++;
    snprintf(label, sizeof(label), "%s %s #%u", s->peer->domain, role_str(s->role), s->id);
    s->conn = xconn_new(bev, label, XML_NS_SERVER, LOG_TRACE_S2S, &s2s_handler, s);
    apply_faults(s);
    xconn_set_idle_timeout(s->conn, S2S_HANDSHAKE_TIMEOUT_MS);
    xconn_set_deadline(s->conn, S2S_HANDSHAKE_TIMEOUT_MS);
    s->direct_tls = s->next_target <= s->ndirect;
    peer_report(s->peer, "s2s %s #%u: connected to %s at %s%s", role_str(s->role), s->id, s->remote,
                s->peer_addr, s->direct_tls ? " (direct TLS)" : "");
    if (s->role == S2S_RAW) {
        /* Only what the scenario writes; the SUT's close is awaited, never ours. */
        xconn_set_idle_timeout(s->conn, 0);
        xconn_set_deadline(s->conn, 0);
        xconn_set_observer(s->conn);
        enter_state(s, S2S_WAIT_HEADER);
        if (s->raw_pending != NULL) {
            char *bytes = s->raw_pending;

            s->raw_pending = NULL;
            s2s_raw_write(s, bytes);
            free(bytes);
        }
        return;
    }
    if (s->direct_tls) {
        /* XEP-0368 §3: TLS from the first byte, SNI the SUT's domain, ALPN xmpp-server; the
         * header follows the handshake (conn_tls), and no STARTTLS on this stream. */
        enter_state(s, S2S_TLS);
        xconn_set_alpn(s->conn, "xmpp-server");
        xconn_starttls(s->conn, s->peer->tls_client, 0, s->remote);
        return;
    }
    enter_state(s, S2S_WAIT_HEADER);
    send_out_header(s, s->peer->prof.stream_version);
}

static void
fail_session(struct s2s *s, const char *why)
{
    peer_report(s->peer, "s2s %s #%u to %s failed: %s", role_str(s->role), s->id, s->remote, why);
    if (s->role == S2S_VERIFY)
        verify_answered(s->peer, s->verify_stream_id, s->local, s->remote,
                        "remote-connection-failed");
    drop_queue(s, why);
    s2s_close(s);
}

static void
try_next_target(struct s2s *s)
{
    if (s->next_target >= s->ntargets) {
        fail_session(s, "no target accepted the connection");
        return;
    }
    enter_state(s, S2S_CONNECTING);
    s->connecting = net_connect(loop_base(), &s->targets[s->next_target++].addr,
                                S2S_CONNECT_TIMEOUT_MS, on_connected, s);
}

static void
on_resolved(enum resolve_service_status st, const struct resolve_target *t, size_t n,
            const char *why, void *arg)
{
    struct s2s *s = arg;

    if (st != RESOLVE_SERVICE_OK) {
        if (s->ndirect > 0) {
            try_next_target(s); /* the direct TLS targets alone */
            return;
        }
        s->peer->facts.sut_unresolved++;
        fail_session(s, why != NULL ? why : "cannot resolve");
        return;
    }
    s->targets = xreallocarray(s->targets, s->ndirect + n, sizeof(*t));
    memcpy(s->targets + s->ndirect, t, n * sizeof(*t));
    s->ntargets = s->ndirect + n;
    try_next_target(s);
}

static int resolve_plain(struct s2s *s, char *err, size_t errlen);

/* The SUT's _xmpps-server targets (direct_tls=dial): kept first, then its _xmpp-server ones
 * are looked up. No record, or ".", is no direct TLS (XEP-0368 §5), not a failure. */
static void
on_resolved_direct(enum resolve_service_status st, const struct resolve_target *t, size_t n,
                   const char *why, void *arg)
{
    struct s2s *s = arg;
    char err[256];

    (void)why;
    if (st == RESOLVE_SERVICE_OK && n > 0) {
        s->targets = xcalloc(n, sizeof(*t));
        memcpy(s->targets, t, n * sizeof(*t));
        s->ntargets = s->ndirect = n;
    }
    if (resolve_plain(s, err, sizeof(err)) != 0) {
        s->peer->facts.sut_unresolved++;
        fail_session(s, err);
    }
}

static int
resolve_plain(struct s2s *s, char *err, size_t errlen)
{
    return resolve_service(s->peer->res, "_xmpp-server._tcp", s->remote, 5269, &s->peer->seed,
                           S2S_RESOLVE_TIMEOUT_MS, on_resolved, s, err, errlen);
}

struct s2s *
s2s_connect(struct peer *p, enum s2s_role role, const char *local, const char *remote)
{
    struct s2s *s = session_new(p, role);
    char err[256];

    s->local = xstrdup(local);
    s->remote = xstrdup(remote);
    enter_state(s, S2S_RESOLVING);
    if (p->prof.direct_tls == 2 && p->tls_client != NULL && role != S2S_RAW
                ? resolve_service(p->res, "_xmpps-server._tcp", remote, 0, &p->seed,
                                  S2S_RESOLVE_TIMEOUT_MS, on_resolved_direct, s, err, sizeof(err))
                : resolve_plain(s, err, sizeof(err))) {
        /* Report from the loop: the caller still holds s. */
        peer_report(p, "s2s %s #%u: cannot resolve %s: %s", role_str(role), s->id, remote, err);
        drop_queue(s, err);
        enter_state(s, S2S_CLOSED);
        unlink_session(s);
        loop_defer_free(free_later, s);
    }
    return s;
}

/* Asks the SUT's authoritative side about the key it sent on `in`: over our outbound stream
 * to it when the profile does so and one is open (as Prosody does), else over a new
 * connection (as Google and ejabberd do). */
static void
start_verify(struct s2s *in, const char *local, const char *remote, const char *key)
{
    struct s2s *o, *v;

    for (o = in->peer->sessions; !in->peer->prof.verify_new_connection && o != NULL; o = o->next) {
        if (o->role == S2S_OUT && o->conn != NULL && o->stream_id != NULL &&
            o->state >= S2S_DIALBACK && o->state != S2S_CLOSED &&
            strcasecmp(o->remote, remote) == 0) {
            struct xml_node *req = db_element("verify", local, remote, in->stream_id, NULL);

            xml_add_text(req, key, strlen(key));
            dialback_pending_add(o->pending, DIALBACK_VERIFY, local, remote, in->stream_id);
            send_and_free(o, req);
            peer_report(in->peer, "s2s in #%u: verifying %s's key over s2s out #%u", in->id, remote,
                        o->id);
            return;
        }
    }
    v = s2s_connect(in->peer, S2S_VERIFY, local, remote);
    v->verify_stream_id = xstrdup(in->stream_id);
    v->verify_key = xstrdup(key);
}

void
s2s_send(struct s2s *s, const struct xml_node *stanza)
{
    char dom[256];
    const struct s2s_local *l;

    if (s->role == S2S_IN) {
        /* A bidi stream the SUT authenticated (XEP-0288): nothing to negotiate. */
        if (s->state == S2S_ESTABLISHED && s->conn != NULL)
            xconn_send(s->conn, stanza);
        return;
    }
    l = find_local(s, sender_domain(stanza, dom, sizeof(dom)));
    if (s->state == S2S_ESTABLISHED && s->conn != NULL && l != NULL && l->state == LOCAL_VALID) {
        xconn_send(s->conn, stanza);
        return;
    }
    s->queue = xreallocarray(s->queue, s->nqueue + 1, sizeof(*s->queue));
    s->queue[s->nqueue++] = xml_clone(stanza);
    /* A new sender on a stream past its own authentication: its own db:result now. */
    if (l == NULL && (s->state == S2S_DIALBACK || s->state == S2S_ESTABLISHED) && s->conn != NULL &&
        is_local(s, dom))
        send_result(s, dom);
}
