/* profile_sametime.c: a Lotus Sametime Gateway 8.x-like server (protocol-brief §2.3): dialback
 * on separate inbound and outbound connections, optional STARTTLS that insists on a CA-signed
 * SUT certificate when used, presence and chat only (iqs refused), and an allow-list of
 * partner domains (`allow=`; empty here: a scenario names the partners it wants). */
#include "profile.h"

const struct profile profile_sametime = {
        .name = "sametime",
        .summary = "Sametime-like: optional TLS demanding a CA-signed SUT certificate, dialback",
        .stream_version = "1.0",
        .feature_dialback = 0,
        .verify_new_connection = 1,
        .tls = PROFILE_TLS_OPTIONAL,
        .request_client_cert = 1,
        .verify_cert = PROFILE_VERIFY_CHAIN,
        .sasl_external = 0,
        .cert = TLS_CERT_VALID,
        .subscription = PROFILE_SUB_ACCEPT,
        .iq_refuse = 1,
        .resource = "Sametime",
};
