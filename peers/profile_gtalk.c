/* profile_gtalk.c: a Google Talk-like server (as federated until 2017): plain TCP, dialback
 * only in both directions, no version on the stream header, separate inbound and outbound
 * connections, Google-style resources and legacy caps. */
#include "profile.h"

const struct profile profile_gtalk = {
        .name = "gtalk",
        .summary = "Google Talk-like: plain TCP, dialback only, no stream version",
        .stream_version = NULL,
        .feature_dialback = 0,
        .verify_new_connection = 1,
        .tls = PROFILE_TLS_NONE,
        .cert = TLS_CERT_NONE,
        .subscription = PROFILE_SUB_ACCEPT,
        .resource = "gmail.A1B2C3D4",
        .caps_node = "http://mail.google.com/xmpp/client/caps",
        .caps_ver = "1.1",
        .caps_ext = "pmuc-v1 sms-v1 camera-v1 video-v1 voice-v1",
};
