/* profile.c: the table of profiles and knob overrides. */
#include "profile.h"

#include <stddef.h>
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

/* Knobs whose value is one of a few words, stored as the word's index in an int field. */
static const struct word_knob {
    const char *name;
    const char *words[4]; /* NULL-terminated */
    size_t off;           /* of an int field of struct profile */
} word_knobs[] = {
        {"features", {"empty", "dialback", NULL}, offsetof(struct profile, feature_dialback)},
        {"verify", {"stream", "new", NULL}, offsetof(struct profile, verify_new_connection)},
        {"client_cert", {"none", "request", NULL}, offsetof(struct profile, request_client_cert)},
        {"sasl", {"none", "external", "fail", NULL}, offsetof(struct profile, sasl_external)},
        {"direct_tls", {"no", "yes", "dial", NULL}, offsetof(struct profile, direct_tls)},
        {"bidi", {"no", "yes", NULL}, offsetof(struct profile, bidi)},
        {"refuse", {"host-unknown", "invalid", NULL}, offsetof(struct profile, refuse_invalid)},
        {"iq", {"answer", "refuse", NULL}, offsetof(struct profile, iq_refuse)},
        {"speaks", {"server", "client", NULL}, offsetof(struct profile, speaks_client)},
        {"bidi_request", {"standard", "features", NULL}, offsetof(struct profile, bidi_bug)},
        {"messages", {"deliver", "drop", NULL}, offsetof(struct profile, drop_messages)},
        {"lang", {"en", "none", NULL}, offsetof(struct profile, no_lang)},
        {"starttls_on_direct", {"no", "offer", NULL}, offsetof(struct profile, starttls_on_direct)},
};

/* The other knobs and their values, for messages. */
static const char *const other_knobs[][2] = {
        {"version", "none|1.0"},
        {"subscription", "accept|deny|ignore"},
        {"tls", "none|optional|required"},
        {"verify_cert", "none|chain|full"},
        {"allow", "DOMAIN[|DOMAIN...]"},
        {"tenants", "LABEL[|LABEL...]"},
        {"collision", "none|invalid|unsolicited|silent"},
        {"dialback", "yes|no"},
        {"header", "full|no-from|no-to"},
        {"db_prefix", "a lower-case word"},
        {"max_stanza", "bytes, at least 256"},
        {"stream_error", "a stream error condition, e.g. unsupported-version"},
        {"cert", NULL},
};

/* Copies v into a fixed field if it is not empty, fits, and has only characters of `set`
 * (NULL: any). */
static int
set_text(char *field, size_t size, const char *v, const char *set)
{
    if (*v == '\0' || strlen(v) >= size || (set != NULL && strspn(v, set) != strlen(v)))
        return -1;
    snprintf(field, size, "%s", v);
    return 0;
}

/* An "unknown knob" or "bad value" message. */
static int
knob_error(const char *knob, size_t klen, const char *v, char *err, size_t errlen)
{
    size_t i, k, used;

    for (i = 0; i < sizeof(word_knobs) / sizeof(word_knobs[0]); i++) {
        if (strlen(word_knobs[i].name) == klen && strncmp(knob, word_knobs[i].name, klen) == 0) {
            used = (size_t)snprintf(err, errlen, "knob %s=%s: expected %s=", word_knobs[i].name, v,
                                    word_knobs[i].name);
            for (k = 0; word_knobs[i].words[k] != NULL && used < errlen; k++)
                used += (size_t)snprintf(err + used, errlen - used, "%s%s", k > 0 ? "|" : "",
                                         word_knobs[i].words[k]);
            return -1;
        }
    }
    for (i = 0; i < sizeof(other_knobs) / sizeof(other_knobs[0]); i++) {
        if (strlen(other_knobs[i][0]) == klen && strncmp(knob, other_knobs[i][0], klen) == 0) {
            snprintf(err, errlen, "knob %s=%s: expected %s=%s", other_knobs[i][0], v,
                     other_knobs[i][0],
                     other_knobs[i][1] != NULL ? other_knobs[i][1] : tls_cert_kind_names());
            return -1;
        }
    }
    used = (size_t)snprintf(err, errlen, "unknown knob \"%.*s\" (known:", (int)klen, knob);
    for (i = 0; i < sizeof(word_knobs) / sizeof(word_knobs[0]) && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, " %s", word_knobs[i].name);
    for (i = 0; i < sizeof(other_knobs) / sizeof(other_knobs[0]) && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, " %s", other_knobs[i][0]);
    if (used < errlen)
        snprintf(err + used, errlen - used, "; docs/profiles.md)");
    return -1;
}

int
profile_set_knob(struct profile *p, const char *knob, char *err, size_t errlen)
{
    const char *eq = strchr(knob, '=');
    size_t klen = eq != NULL ? (size_t)(eq - knob) : strlen(knob), i;
    const char *v = eq != NULL ? eq + 1 : "";
    int w;

#define KNOB(name) (klen == strlen(name) && strncmp(knob, name, klen) == 0)
    for (i = 0; i < sizeof(word_knobs) / sizeof(word_knobs[0]); i++) {
        if (KNOB(word_knobs[i].name)) {
            if ((w = word(v, word_knobs[i].words)) < 0)
                break;
            *(int *)((char *)p + word_knobs[i].off) = w;
            return 0;
        }
    }
    if (KNOB("version") && (strcmp(v, "none") == 0 || strcmp(v, "1.0") == 0)) {
        p->stream_version = strcmp(v, "none") == 0 ? NULL : "1.0";
        return 0;
    }
    if (KNOB("subscription")) {
        static const char *const words[] = {"accept", "deny", "ignore", NULL};

        if ((w = word(v, words)) >= 0) {
            p->subscription = (enum profile_sub_policy)w;
            return 0;
        }
    }
    if (KNOB("tls")) {
        static const char *const words[] = {"none", "optional", "required", NULL};

        if ((w = word(v, words)) >= 0) {
            p->tls = (enum profile_tls)w;
            return 0;
        }
    }
    if (KNOB("verify_cert")) {
        static const char *const words[] = {"none", "chain", "full", NULL};

        if ((w = word(v, words)) >= 0) {
            p->verify_cert = (enum profile_verify)w;
            return 0;
        }
    }
    if (KNOB("collision")) {
        static const char *const words[] = {"none", "invalid", "unsolicited", "silent", NULL};

        if ((w = word(v, words)) >= 0) {
            p->collision = (enum profile_collision)w;
            return 0;
        }
    }
    if (KNOB("header")) {
        static const char *const words[] = {"full", "no-from", "no-to", NULL};

        if ((w = word(v, words)) >= 0) {
            p->header_omit = w == 0 ? NULL : w == 1 ? "from" : "to";
            return 0;
        }
    }
    if (KNOB("dialback") && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)) {
        p->no_dialback = strcmp(v, "no") == 0;
        p->feature_dialback = p->feature_dialback && !p->no_dialback;
        return 0;
    }
    if (KNOB("max_stanza")) {
        char *end = NULL;
        unsigned long n = strtoul(v, &end, 10);

        if (end != v && *end == '\0' && n >= 256) {
            p->max_stanza = n;
            return 0;
        }
    }
    if ((KNOB("allow") && set_text(p->allow, sizeof(p->allow), v, NULL) == 0) ||
        (KNOB("tenants") && set_text(p->tenants, sizeof(p->tenants), v, NULL) == 0) ||
        (KNOB("db_prefix") &&
         set_text(p->db_prefix, sizeof(p->db_prefix), v, "abcdefghijklmnopqrstuvwxyz") == 0) ||
        (KNOB("stream_error") && set_text(p->refuse_streams, sizeof(p->refuse_streams), v,
                                          "abcdefghijklmnopqrstuvwxyz-") == 0) ||
        (KNOB("cert") && tls_cert_kind_parse(v, &p->cert) == 0))
        return 0;
#undef KNOB
    return knob_error(knob, klen, v, err, errlen);
}
