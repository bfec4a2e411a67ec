/* profile_cup8.c: a Cisco CUP 8.x-like server (protocol-brief §2.4): Cisco XCP, dialback with
 * errors support, TLS none/optional/required by configuration (optional by default), an
 * optional client-certificate demand. */
#include "profile.h"

const struct profile profile_cup8 = {
        .name = "cup8",
        .summary = "CUP 8-like: TLS optional (none|optional|required), dialback with errors",
        .stream_version = "1.0",
        .feature_dialback = 1,
        .verify_new_connection = 1,
        .tls = PROFILE_TLS_OPTIONAL,
        .request_client_cert = 0,
        .verify_cert = PROFILE_VERIFY_NONE,
        .sasl_external = 0,
        .cert = TLS_CERT_VALID,
        .subscription = PROFILE_SUB_ACCEPT,
        .resource = "jabber_8123",
};
