/*
 * profile.h: what a kind of remote server does, as data. A peer copies its profile and may
 * override knobs (`gmail.test=gtalk,version=1.0`). The s2s state machine reads these; profiles
 * never copy it.
 */
#ifndef FEDSIM_PROFILE_H
#define FEDSIM_PROFILE_H

#include <stddef.h>

enum profile_sub_policy { PROFILE_SUB_ACCEPT, PROFILE_SUB_DENY, PROFILE_SUB_IGNORE };

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
    /* What local users do with a subscription request when the scenario does not say. */
    enum profile_sub_policy subscription;
    /* Local users' resource, and legacy entity caps (XEP-0115 v1.3, no hash) on presence. */
    const char *resource;
    const char *caps_node, *caps_ver, *caps_ext;
};

extern const struct profile profile_gtalk;

/* The profile named `name`, or NULL. */
const struct profile *profile_find(const char *name);

/* The known names, space-separated, for messages. */
const char *profile_names(void);

/*
 * Applies one "knob=value" override to p. Returns 0, or -1 with the reason in err. Knobs:
 * version=none|1.0, features=dialback|empty, verify=new|stream,
 * subscription=accept|deny|ignore.
 */
int profile_set_knob(struct profile *p, const char *knob, char *err, size_t errlen);

#endif
