/* profile.c: the table of profiles and knob overrides. */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Sorted by name. */
static const struct profile *const profiles[] = {&profile_cup8, &profile_gtalk, &profile_modern,
                                                 &profile_sametime, &profile_webex};

const struct profile *
profile_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (strcmp(profiles[i]->name, name) == 0)
            return profiles[i];
    return NULL;
}

const char *
profile_names(void)
{
    return "cup8 gtalk modern sametime webex";
}

int
profile_allows(const struct profile *p, const char *domain)
{
    const char *a = p->allow;
    size_t n = domain != NULL ? strlen(domain) : 0;

    if (*a == '\0')
        return 1;
    for (; domain != NULL && a != NULL; a = strchr(a, '|') != NULL ? strchr(a, '|') + 1 : NULL)
        if (strncasecmp(a, domain, n) == 0 && (a[n] == '\0' || a[n] == '|'))
            return 1;
    return 0;
}

/* The index of v in the NULL-terminated words, or -1. */
static int
word(const char *v, const char *const *words)
{
    int i;

    for (i = 0; words[i] != NULL; i++)
        if (strcmp(v, words[i]) == 0)
            return i;
    return -1;
}

int
profile_set_knob(struct profile *p, const char *knob, char *err, size_t errlen)
{
    const char *eq = strchr(knob, '=');
    size_t klen = eq != NULL ? (size_t)(eq - knob) : strlen(knob);
    const char *v = eq != NULL ? eq + 1 : "";

#define KNOB(name) (klen == strlen(name) && strncmp(knob, name, klen) == 0)
    if (KNOB("version") && (strcmp(v, "none") == 0 || strcmp(v, "1.0") == 0)) {
        p->stream_version = strcmp(v, "none") == 0 ? NULL : "1.0";
        return 0;
    }
    if (KNOB("features") && (strcmp(v, "dialback") == 0 || strcmp(v, "empty") == 0)) {
        p->feature_dialback = strcmp(v, "dialback") == 0;
        return 0;
    }
    if (KNOB("verify") && (strcmp(v, "new") == 0 || strcmp(v, "stream") == 0)) {
        p->verify_new_connection = strcmp(v, "new") == 0;
        return 0;
    }
    if (KNOB("subscription")) {
        if (strcmp(v, "accept") == 0)
            p->subscription = PROFILE_SUB_ACCEPT;
        else if (strcmp(v, "deny") == 0)
            p->subscription = PROFILE_SUB_DENY;
        else if (strcmp(v, "ignore") == 0)
            p->subscription = PROFILE_SUB_IGNORE;
        else
            goto bad;
        return 0;
    }
    if (KNOB("tls")) {
        static const char *const w[] = {"none", "optional", "required", NULL};
        int i = word(v, w);

        if (i < 0)
            goto bad;
        p->tls = (enum profile_tls)i;
        return 0;
    }
    if (KNOB("client_cert") && (strcmp(v, "request") == 0 || strcmp(v, "none") == 0)) {
        p->request_client_cert = strcmp(v, "request") == 0;
        return 0;
    }
    if (KNOB("verify_cert")) {
        static const char *const w[] = {"none", "chain", "full", NULL};
        int i = word(v, w);

        if (i < 0)
            goto bad;
        p->verify_cert = (enum profile_verify)i;
        return 0;
    }
    if (KNOB("sasl")) {
        static const char *const w[] = {"none", "external", "fail", NULL};
        int i = word(v, w);

        if (i < 0)
            goto bad;
        p->sasl_external = i;
        return 0;
    }
    if (KNOB("direct_tls") && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)) {
        p->direct_tls = strcmp(v, "yes") == 0;
        return 0;
    }
    if (KNOB("allow") && *v != '\0' && strlen(v) < sizeof(p->allow)) {
        snprintf(p->allow, sizeof(p->allow), "%s", v);
        return 0;
    }
    if (KNOB("speaks") && (strcmp(v, "server") == 0 || strcmp(v, "client") == 0)) {
        p->speaks_client = strcmp(v, "client") == 0;
        return 0;
    }
    if (KNOB("dialback") && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)) {
        p->no_dialback = strcmp(v, "no") == 0;
        p->feature_dialback = p->feature_dialback && !p->no_dialback;
        return 0;
    }
    if (KNOB("header")) {
        static const char *const w[] = {"full", "no-from", "no-to", NULL};
        int i = word(v, w);

        if (i < 0)
            goto bad;
        p->header_omit = i == 0 ? NULL : i == 1 ? "from" : "to";
        return 0;
    }
    if (KNOB("db_prefix") && *v != '\0' && strlen(v) < sizeof(p->db_prefix) &&
        strspn(v, "abcdefghijklmnopqrstuvwxyz") == strlen(v)) {
        snprintf(p->db_prefix, sizeof(p->db_prefix), "%s", v);
        return 0;
    }
    if (KNOB("bidi_request") && (strcmp(v, "standard") == 0 || strcmp(v, "features") == 0)) {
        p->bidi_bug = strcmp(v, "features") == 0;
        return 0;
    }
    if (KNOB("max_stanza")) {
        char *end = NULL;
        unsigned long n = strtoul(v, &end, 10);

        if (end == v || *end != '\0' || n < 256)
            goto bad;
        p->max_stanza = n;
        return 0;
    }
    if (KNOB("messages") && (strcmp(v, "deliver") == 0 || strcmp(v, "drop") == 0)) {
        p->drop_messages = strcmp(v, "drop") == 0;
        return 0;
    }
    if (KNOB("stream_error") && *v != '\0' && strlen(v) < sizeof(p->refuse_streams) &&
        strspn(v, "abcdefghijklmnopqrstuvwxyz-") == strlen(v)) {
        snprintf(p->refuse_streams, sizeof(p->refuse_streams), "%s", v);
        return 0;
    }
    if (KNOB("lang") && (strcmp(v, "en") == 0 || strcmp(v, "none") == 0)) {
        p->no_lang = strcmp(v, "none") == 0;
        return 0;
    }
    if (KNOB("collision")) {
        static const char *const w[] = {"none", "invalid", "unsolicited", "silent", NULL};
        int i = word(v, w);

        if (i < 0)
            goto bad;
        p->collision = (enum profile_collision)i;
        return 0;
    }
    if (KNOB("tenants") && *v != '\0' && strlen(v) < sizeof(p->tenants)) {
        snprintf(p->tenants, sizeof(p->tenants), "%s", v);
        return 0;
    }
    if (KNOB("refuse") && (strcmp(v, "host-unknown") == 0 || strcmp(v, "invalid") == 0)) {
        p->refuse_invalid = strcmp(v, "invalid") == 0;
        return 0;
    }
    if (KNOB("iq") && (strcmp(v, "answer") == 0 || strcmp(v, "refuse") == 0)) {
        p->iq_refuse = strcmp(v, "refuse") == 0;
        return 0;
    }
    if (KNOB("bidi") && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)) {
        p->bidi = strcmp(v, "yes") == 0;
        return 0;
    }
    if (KNOB("cert") && tls_cert_kind_parse(v, &p->cert) == 0)
        return 0;
bad: {
    /* Every knob and its values, for the message. */
    static const char *const knobs[][2] = {
            {"version", "none|1.0"},
            {"features", "dialback|empty"},
            {"verify", "new|stream"},
            {"subscription", "accept|deny|ignore"},
            {"tls", "none|optional|required"},
            {"client_cert", "request|none"},
            {"verify_cert", "none|chain|full"},
            {"sasl", "external|fail|none"},
            {"direct_tls", "yes|no"},
            {"bidi", "yes|no"},
            {"allow", "DOMAIN[|DOMAIN...]"},
            {"refuse", "host-unknown|invalid"},
            {"iq", "answer|refuse"},
            {"tenants", "LABEL[|LABEL...]"},
            {"collision", "none|invalid|unsolicited|silent"},
            {"speaks", "server|client"},
            {"dialback", "yes|no"},
            {"header", "full|no-from|no-to"},
            {"db_prefix", "a lower-case word"},
            {"bidi_request", "standard|features"},
            {"max_stanza", "bytes, at least 256"},
            {"messages", "deliver|drop"},
            {"lang", "en|none"},
            {"stream_error", "a stream error condition, e.g. unsupported-version"},
            {"cert", NULL},
    };
    size_t i, used;

    for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
        if (KNOB(knobs[i][0])) {
            snprintf(err, errlen, "knob %s=%s: expected %s=%s", knobs[i][0], v, knobs[i][0],
                     knobs[i][1] != NULL ? knobs[i][1] : tls_cert_kind_names());
            return -1;
        }
    }
    used = (size_t)snprintf(err, errlen, "unknown knob \"%.*s\" (known:", (int)klen, knob);
    for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]) && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, " %s", knobs[i][0]);
    if (used < errlen)
        snprintf(err + used, errlen - used, "; docs/profiles.md)");
}
#undef KNOB
    return -1;
}
