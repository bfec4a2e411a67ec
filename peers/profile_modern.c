/* profile_modern.c: a current RFC 6120 server (Prosody, ejabberd; protocol-brief §2.5):
 * STARTTLS required, direct TLS where `_xmpps-server` points (XEP-0368), a client certificate
 * asked for, SASL EXTERNAL when certificates do, dialback (with errors) otherwise, bidi
 * (XEP-0288),
 * verification over the open outbound stream. */
#include "profile.h"

const struct profile profile_modern = {
        .name = "modern",
        .summary = "RFC 6120 server: STARTTLS required, SASL EXTERNAL, else dialback",
        .stream_version = "1.0",
        .feature_dialback = 1,
        .verify_new_connection = 0,
        .tls = PROFILE_TLS_REQUIRED,
        .request_client_cert = 1,
        .verify_cert = PROFILE_VERIFY_NONE,
        .sasl_external = 1,
        .direct_tls = 1,
        .bidi = 1,
        .cert = TLS_CERT_VALID,
        .subscription = PROFILE_SUB_ACCEPT,
        .resource = "fedsim",
};
