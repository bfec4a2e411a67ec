/* transport.c: a peer's transport following the SUT's TLS policy where the scenario leaves it
 * open (transport.h). */
#include "transport.h"

#include <stdio.h>
#include <string.h>

enum transport_variant
transport_variant_of(const char *sut_tls)
{
    if (sut_tls != NULL && strcmp(sut_tls, "optional") == 0)
        return TRANSPORT_OPTIONAL;
    if (sut_tls != NULL && strcmp(sut_tls, "required") == 0)
        return TRANSPORT_REQUIRED;
    return TRANSPORT_OFF;
}

const char *
transport_variant_str(enum transport_variant v)
{
    static const char *const names[] = {"off", "optional", "required"};

    return names[v];
}

/* 1 if knob is "name=..." */
static int
is_knob(const char *knob, const char *name)
{
    size_t n = strlen(name);

    return strncmp(knob, name, n) == 0 && knob[n] == '=';
}

unsigned
transport_knob_pin(const char *knob)
{
    static const struct {
        const char *name;
        unsigned pin;
    } pins[] = {
            {"cert", TRANSPORT_PIN_CERT},
            {"client_cert", TRANSPORT_PIN_CLIENT_CERT},
            {"direct_tls", TRANSPORT_PIN_DIRECT_TLS},
            {"features", TRANSPORT_PIN_FEATURES},
            {"sasl", TRANSPORT_PIN_SASL},
            {"tls", TRANSPORT_PIN_TLS},
            {"version", TRANSPORT_PIN_VERSION},
    };
    size_t i;

    for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
        if (is_knob(knob, pins[i].name))
            return pins[i].pin;
    return 0;
}

int
transport_knob_dialback(const char *knob)
{
    return is_knob(knob, "collision") || is_knob(knob, "db_prefix") || is_knob(knob, "dialback") ||
           strcmp(knob, "refuse=invalid") == 0;
}

void
transport_follow(struct profile *p, unsigned pinned, enum transport_variant v, int dialback,
                 char *what, size_t whatlen)
{
    int tls = v != TRANSPORT_OFF;

#define OPEN(bit) (!(pinned & (bit)))
    if (OPEN(TRANSPORT_PIN_VERSION) && tls)
        p->stream_version = "1.0"; /* STARTTLS needs stream features */
    if (OPEN(TRANSPORT_PIN_TLS)) {
        p->tls = v == TRANSPORT_REQUIRED   ? PROFILE_TLS_REQUIRED
                 : v == TRANSPORT_OPTIONAL ? PROFILE_TLS_OPTIONAL
                                           : PROFILE_TLS_NONE;
        /* As the profile allows: a stream without version has no STARTTLS. */
        if (p->stream_version == NULL)
            p->tls = PROFILE_TLS_NONE;
    }
    if (OPEN(TRANSPORT_PIN_FEATURES) && p->stream_version != NULL && !p->no_dialback)
        p->feature_dialback = 1; /* a version 1.0 stream announces dialback (XEP-0220 §2.1) */
    /* A valid certificate as public CAs issue them: a DNS-ID, no XmppAddr (which also keeps
     * ejabberd 23.01's XmppAddr crash, an xfail of the scenarios about SASL EXTERNAL, out of
     * the others). */
    if (OPEN(TRANSPORT_PIN_CERT) && p->tls != PROFILE_TLS_NONE)
        p->cert = TLS_CERT_DNS_ONLY;
    if (OPEN(TRANSPORT_PIN_CLIENT_CERT) && v == TRANSPORT_REQUIRED)
        p->request_client_cert = 1; /* the SUT's certificate, for SASL EXTERNAL */
    if (OPEN(TRANSPORT_PIN_SASL))
        p->sasl_external = v == TRANSPORT_REQUIRED && p->tls != PROFILE_TLS_NONE && !dialback;
    if (OPEN(TRANSPORT_PIN_DIRECT_TLS) && p->tls == PROFILE_TLS_NONE)
        p->direct_tls = 0;
#undef OPEN
    snprintf(what, whatlen, "%s%s%s%s, %s%s",
             p->stream_version == NULL ? "no stream version, " : "",
             p->tls == PROFILE_TLS_NONE       ? "plain TCP"
             : p->tls == PROFILE_TLS_OPTIONAL ? "STARTTLS when offered"
                                              : "STARTTLS required",
             p->tls != PROFILE_TLS_NONE ? ", certificate " : "",
             p->tls != PROFILE_TLS_NONE ? tls_cert_kind_str(p->cert) : "",
             p->sasl_external == 1   ? "SASL EXTERNAL, else dialback"
             : p->sasl_external == 2 ? "SASL EXTERNAL offered and refused, dialback"
                                     : "dialback",
             p->direct_tls == 2 ? ", direct TLS too (dialling the SUT that way first)"
             : p->direct_tls    ? ", direct TLS too"
                                : "");
}
