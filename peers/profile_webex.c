/* profile_webex.c: a WebEx Connect 6 / Messenger 7-like server (protocol-brief §2.2): STARTTLS
 * offered but not required, no client certificate asked for, dialback after TLS or without it,
 * a multi-tenant cloud (Jabber XCP heritage). */
#include "profile.h"

const struct profile profile_webex = {
        .name = "webex",
        .summary = "WebEx-like: STARTTLS optional, no client certificate check, dialback",
        .stream_version = "1.0",
        .feature_dialback = 1,
        .verify_new_connection = 1,
        .tls = PROFILE_TLS_OPTIONAL,
        .request_client_cert = 0,
        .verify_cert = PROFILE_VERIFY_NONE,
        .sasl_external = 0,
        .cert = TLS_CERT_VALID,
        .subscription = PROFILE_SUB_ACCEPT,
        .resource = "WebExConnect",
};
