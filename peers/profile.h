/*
 * profile.h: what a kind of remote server does, as data. A peer copies its profile and may
 * override knobs (`gmail.test=gtalk,version=1.0`). The s2s state machine reads these; profiles
 * never copy it.
 */
#ifndef FEDSIM_PROFILE_H
#define FEDSIM_PROFILE_H

#include <stddef.h>

#include "tls.h"

enum profile_sub_policy { PROFILE_SUB_ACCEPT, PROFILE_SUB_DENY, PROFILE_SUB_IGNORE };

/* STARTTLS (RFC 6120 §5), both ways: as receiver, offered / offered <required/> / not
 * offered; as initiator, never / when offered / insisted on (the stream is closed when the
 * SUT does not offer it). Needs version 1.0. */
enum profile_tls { PROFILE_TLS_NONE, PROFILE_TLS_OPTIONAL, PROFILE_TLS_REQUIRED };

/* What the peer demands of the SUT's certificate before it goes on: nothing (it is only
 * reported), a chain to the trusted CA within its validity, or also the SUT's name. */
enum profile_verify { PROFILE_VERIFY_NONE, PROFILE_VERIFY_CHAIN, PROFILE_VERIFY_FULL };

struct profile {
    const char *name;
    const char *summary;
    /* The stream header's version: NULL for none (a pre-RFC 3920 server: no features, no TLS,
     * no SASL, dialback only), or "1.0". */
    const char *stream_version;
    /* With version 1.0: offer <dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>
     * (0: empty <stream:features/>). */
    int feature_dialback;
    /* Verify the other side's dialback key over a new connection (Google, ejabberd) rather than
     * over an outbound stream already open. */
    int verify_new_connection;
    enum profile_tls tls;
    /* As TLS server: ask the SUT for a client certificate. */
    int request_client_cert;
    enum profile_verify verify_cert;
    /* SASL EXTERNAL (XEP-0178): offered when the SUT's client certificate verifies for its
     * stream's from; used when offered and our certificate should do. Dialback otherwise.
     * 2 (sasl=fail): offered whatever the certificate, and always answered <not-authorized/>
     * (a certificate valid but not for the stream's from, as the SUT sees it). */
    int sasl_external;
    /* 1 (direct_tls=yes): also listen where `_xmpps-server._tcp` SRV records point, TLS from
     * the first byte (XEP-0368; ALPN xmpp-server). 2 (direct_tls=dial): that, and dial the SUT
     * that way too: its `_xmpps-server._tcp` targets first (XEP-0368 §3 lets an initiator
     * prefer them), TLS from the first byte with SNI and ALPN xmpp-server, then its
     * `_xmpp-server._tcp` ones with STARTTLS. Needs tls other than none. */
    int direct_tls;
    /* XEP-0288 bidirectional streams: offered as receiver, requested as initiator. */
    int bidi;
    /* 1 (starttls_on_direct=offer): STARTTLS offered in the features of a direct TLS stream
     * too (XEP-0368 §3: the initiator must not use it). */
    int starttls_on_direct;
    /* Partner domains ("a.test|b.test"; empty: every domain). A stream from another domain
     * is refused: the stream error <host-unknown/> (refuse_invalid 0) or dialback answered
     * invalid without asking (1). Sametime Gateway's community list. */
    char allow[256];
    int refuse_invalid;
    /* Presence and chat only: every iq to the server (ping, disco) gets service-unavailable. */
    int iq_refuse;
    /* The SUT's domain is also hosted by this peer's provider (the seed's "unexpected dialback
     * response": the domain registered at Google Apps or WebEx too). The peer then answers the
     * SUT's dialback invalid, or with unsolicited answers, or not at all; and its users'
     * stanzas to the SUT's domain are "delivered internally", never sent. */
    enum profile_collision {
        PROFILE_COLLISION_NONE,
        PROFILE_COLLISION_INVALID,
        PROFILE_COLLISION_UNSOLICITED,
        PROFILE_COLLISION_SILENT
    } collision;
    /* Interop quirks of real servers (the field-bug catalogue, docs/fieldbugs.md):
     * speaks_client: the port is a c2s one: a jabber:server stream gets <invalid-namespace/>;
     * no_dialback: no dialback at all (a db: element gets <unsupported-stanza-type/>);
     * header_omit: our stream headers lack "from" or "to" (NULL: complete);
     * db_prefix: the dialback namespace's prefix ("db");
     * bidi_bug: ask for bidi in urn:xmpp:features:bidi (ejabberd's bug until 2026);
     * max_stanza: a larger stanza from the SUT is <policy-violation/> (0: 512 KiB);
     * drop_messages: messages to users vanish (Hangouts' black hole);
     * no_lang: stream headers without xml:lang. */
    int speaks_client, no_dialback, bidi_bug, drop_messages, no_lang;
    const char *header_omit;
    /* Refuse every stream the SUT opens: our header (without version) and this stream error
     * (e.g. unsupported-version, ejabberd #1174), then close. Empty: none. */
    char refuse_streams[48];
    char db_prefix[16];
    size_t max_stanza;
    /* Tenant labels ("acme|globex"): the peer also serves acme.DOMAIN and globex.DOMAIN. */
    char tenants[128];
    /* The certificate the peer presents (issued at run time from the CA fedsim was given). */
    enum tls_cert_kind cert;
    /* What local users do with a subscription request when the scenario does not say. */
    enum profile_sub_policy subscription;
    /* Local users' resource, and legacy entity caps (XEP-0115 v1.3, no hash) on presence. */
    const char *resource;
    const char *caps_node, *caps_ver, *caps_ext;
};

extern const struct profile profile_cup8;
extern const struct profile profile_gtalk;
extern const struct profile profile_modern;
extern const struct profile profile_sametime;
extern const struct profile profile_webex;

/* 1 if the profile's allow-list lets `domain` in (an empty list lets every domain in). */
int profile_allows(const struct profile *p, const char *domain);

/* The profile named `name`, or NULL. */
const struct profile *profile_find(const char *name);

/* The known names, space-separated, for messages. */
const char *profile_names(void);

/*
 * Applies one "knob=value" override to p. Returns 0, or -1 with the reason in err. Knobs:
 * version=none|1.0, features=dialback|empty, verify=new|stream,
 * subscription=accept|deny|ignore, tls=none|optional|required, client_cert=request|none,
 * verify_cert=none|chain|full, sasl=external|fail|none, direct_tls=yes|no|dial, bidi=yes|no,
 * allow=DOMAIN[|DOMAIN...], refuse=host-unknown|invalid, iq=answer|refuse,
 * tenants=LABEL[|LABEL...], collision=none|invalid|unsolicited|silent, speaks=server|client,
 * dialback=yes|no, header=full|no-from|no-to, db_prefix=WORD, bidi_request=standard|features,
 * max_stanza=BYTES, messages=deliver|drop, lang=en|none, stream_error=CONDITION,
 * cert=valid|expired|... (tls.h).
 */
int profile_set_knob(struct profile *p, const char *knob, char *err, size_t errlen);

#endif
