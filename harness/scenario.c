/* scenario.c: the scenario parser: header, actors, steps, stanza blocks, and errors with
 * file:line:col and a hint. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chance.h"
#include "datadir.h"
#include "dns_fault.h"
#include "peer.h"
#include "profile.h"
#include "xml.h"
#include "xml_stream.h"
#include "xmalloc.h"

#define SCN_MAX_LINE 4096
#define SCN_MAX_FILE (4 << 20)

struct parser {
    struct scenario *s;
    const char *name;
    const char *fixtures;
    int line;
    char *err;
    size_t errlen;
    struct scenario_step *open_block; /* a step waiting for its indented stanza */
    char *block;                      /* owned: the stanza lines so far */
    int block_line;                   /* where they start */
    int after_or;                     /* an `or` line came: another stanza must follow */
    int in_steps;
};

/* Header keys and step verbs, sorted: the one place the language's words are listed. */
static const char *const header_keys[] = {"clause",  "isolation", "requires", "skip", "tags",
                                          "timeout", "title",     "xfail",    "zone"};

struct verb {
    const char *words; /* after the actor name */
    enum scenario_step_kind kind;
    int client, peer; /* which actors may use it */
    int block;        /* a stanza follows */
    int domain_arg;   /* takes DOMAIN */
};

static const struct verb verbs[] = {
        {"accepts connections", STEP_PEER_MODE, 0, 1, 0, 0},
        {"answers dialback after", STEP_PEER_MODE, 0, 1, 0, 0},
        {"answers dialback invalid", STEP_PEER_MODE, 0, 1, 0, 0},
        {"answers dialback normally", STEP_PEER_MODE, 0, 1, 0, 0},
        {"answers dialback with error", STEP_PEER_MODE, 0, 1, 0, 0},
        {"authenticates", STEP_AUTHENTICATES, 0, 1, 0, 1},
        {"closes connections after", STEP_PEER_MODE, 0, 1, 0, 0},
        {"connects", STEP_CONNECT, 1, 0, 0, 0},
        {"cuts", STEP_PEER_MODE, 0, 1, 0, 0},
        {"delays", STEP_PEER_MODE, 0, 1, 0, 0},
        {"drops", STEP_PEER_MODE, 0, 1, 0, 0},
        {"drops connections", STEP_PEER_MODE, 0, 1, 0, 0},
        {"drops ipv6 connections", STEP_PEER_MODE, 0, 1, 0, 0},
        {"disconnects", STEP_DISCONNECT, 1, 0, 0, 0},
        {"does not authenticate", STEP_NOT_AUTHENTICATES, 0, 1, 0, 1},
        {"ignores dialback", STEP_PEER_MODE, 0, 1, 0, 0},
        {"is authenticated to", STEP_AUTHENTICATED_TO, 0, 1, 0, 1},
        {"is not authenticated to", STEP_NOT_AUTHENTICATED_TO, 0, 1, 0, 1},
        {"jitters stanzas", STEP_PEER_MODE, 0, 1, 0, 0},
        {"never receives", STEP_NEVER_RECEIVES, 1, 1, 1, 0},
        {"never receives negotiation", STEP_NEVER_RECEIVES, 0, 1, 1, 0},
        {"passes stanzas normally", STEP_PEER_MODE, 0, 1, 0, 0},
        {"receives", STEP_RECEIVE, 1, 1, 1, 0},
        {"receives negotiation", STEP_RECEIVE, 0, 1, 1, 0},
        {"receives nothing", STEP_RECEIVE_NOTHING, 1, 1, 0, 0},
        {"receives nothing like", STEP_RECEIVE_NOTHING, 1, 1, 1, 0},
        {"receives stream close", STEP_STREAM_CLOSE, 0, 1, 0, 0},
        {"receives stream error", STEP_STREAM_ERROR, 0, 1, 0, 1},
        {"refuses connections", STEP_PEER_MODE, 0, 1, 0, 0},
        {"resets connections", STEP_PEER_MODE, 0, 1, 0, 0},
        {"saw at most", STEP_MAX_CONNECTIONS, 0, 1, 0, 0},
        {"sees the connection closed", STEP_CONN_CLOSED, 0, 1, 0, 0},
        {"sends", STEP_SEND, 1, 1, 1, 0},
        {"sends raw", STEP_SEND_RAW, 0, 1, 1, 0},
        {"sends raw unauthenticated", STEP_SEND_RAW, 0, 1, 1, 0},
        {"stays silent", STEP_PEER_MODE, 0, 1, 0, 0},
        {"times out its streams", STEP_PEER_MODE, 0, 1, 0, 0},
        {"writes normally", STEP_PEER_MODE, 0, 1, 0, 0},
        {"writes slowly", STEP_PEER_MODE, 0, 1, 0, 0},
};

const char *
scenario_step_str(enum scenario_step_kind k)
{
    switch (k) {
    case STEP_CONNECT:
        return "connects";
    case STEP_DISCONNECT:
        return "disconnects";
    case STEP_SEND:
        return "sends";
    case STEP_RECEIVE:
        return "receives";
    case STEP_RECEIVE_NOTHING:
        return "receives nothing";
    case STEP_AUTHENTICATES:
        return "authenticates";
    case STEP_AUTHENTICATED_TO:
        return "is authenticated to";
    case STEP_DNS_ASKED:
        return "dns asked";
    case STEP_DNS_NEVER_ASKED:
        return "dns never asked";
    case STEP_DNS_FAULT:
        return "dns fault";
    case STEP_DNS_RESTORE:
        return "dns restores";
    case STEP_PEER_MODE:
        return "switches mode";
    case STEP_SEND_RAW:
        return "sends raw";
    case STEP_STREAM_ERROR:
        return "receives stream error";
    case STEP_MAX_CONNECTIONS:
        return "saw at most";
    case STEP_NEVER_RECEIVES:
        return "never receives";
    case STEP_WAIT_TIME:
        return "wait";
    case STEP_NOT_AUTHENTICATES:
        return "does not authenticate";
    case STEP_NOT_AUTHENTICATED_TO:
        return "is not authenticated to";
    case STEP_STREAM_CLOSE:
        return "receives stream close";
    case STEP_CONN_CLOSED:
        return "sees the connection closed";
    }
    return "?";
}

static int perr(struct parser *p, int col, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, int col, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->name, p->line, col, msg);
    return -1;
}

/* Levenshtein distance, for "did you mean". Short words only. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (j = 0; j <= lb; j++)
        prev[j] = j;
    for (i = 1; i <= la; i++) {
        cur[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(*prev));
    }
    return prev[lb];
}

/* The closest of words[] to w, when close enough to be a typo; else NULL. */
static const char *
closest(const char *w, const char *const *words, size_t n)
{
    const char *best = NULL;
    size_t bestd = 3, i;

    for (i = 0; i < n; i++) {
        size_t d = distance(w, words[i]);

        if (d < bestd) {
            bestd = d;
            best = words[i];
        }
    }
    return best;
}

static char *
trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* "500ms", "5s", "1.5s" -> milliseconds; -1 if not a duration. */
static int
duration_ms(const char *text)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (end == text || errno != 0 || v < 0)
        return -1;
    if (strcmp(end, "ms") == 0 && v <= 86400000)
        return (int)v;
    if (strcmp(end, "s") == 0 && v <= 86400)
        return (int)(v * 1000);
    return -1;
}

static void
push(char ***list, size_t *n, const char *value)
{
    *list = xreallocarray(*list, *n + 1, sizeof(**list));
    (*list)[(*n)++] = xstrdup(value);
}

static int
find_zone(struct parser *p, const char *file, int col)
{
    char *dir = xstrdup(p->name), *slash = strrchr(dir, '/'), *first, *second;

    if (slash != NULL)
        *slash = '\0';
    first = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", slash != NULL ? dir : ".", file);
    second = xasprintf("%s/%s", p->fixtures != NULL ? p->fixtures : ".", file);
    free(dir);
    if (access(first, R_OK) == 0) {
        push(&p->s->zones, &p->s->nzones, first);
    } else if (file[0] != '/' && access(second, R_OK) == 0) {
        push(&p->s->zones, &p->s->nzones, second);
    } else {
        perr(p, col, "zone file \"%s\" not found (looked for %s and %s)", file, first, second);
        free(first);
        free(second);
        return -1;
    }
    free(first);
    free(second);
    return 0;
}

/* 1 if text starts with "RFC N", "XEP-N" or "seed" and a word boundary: the document the
 * clause is in (RFC 6121 §4.3.2, XEP-0220 §2.1, seed: the flow it reproduces). */
static int
names_document(const char *text)
{
    size_t k = 0;

    if (strncasecmp(text, "seed", 4) == 0)
        return text[4] == '\0' || text[4] == ':' || text[4] == ' ';
    if (strncmp(text, "RFC ", 4) == 0)
        k = 4;
    else if (strncmp(text, "XEP-", 4) == 0)
        k = 4;
    else
        return 0;
    if (!isdigit((unsigned char)text[k]))
        return 0;
    while (isdigit((unsigned char)text[k]))
        k++;
    return text[k] == '\0' || text[k] == ' ' || text[k] == ',' || text[k] == ';';
}

/* clause: one line per clause the scenario checks, each naming its document. */
static int
clause_header(struct parser *p, const char *value, int col)
{
    if (!names_document(value))
        return perr(p, col,
                    "clause \"%s\": expected the document first, e.g. \"RFC 6121 §4.3.2\", "
                    "\"XEP-0220 §2.1\" or \"seed: the flow\"",
                    value);
    push(&p->s->clauses, &p->s->nclauses, value);
    return 0;
}

static int
header(struct parser *p, const char *key, char *value, int col)
{
    struct scenario *s = p->s;

    if (p->in_steps)
        return perr(p, 1, "\"%s:\" belongs in the header, before the actors and steps", key);
    if (strcmp(key, "clause") == 0) {
        return clause_header(p, value, col);
    } else if (strcmp(key, "title") == 0) {
        free(s->title);
        s->title = xstrdup(value);
    } else if (strcmp(key, "tags") == 0) {
        char *save = NULL, *t;

        for (t = strtok_r(value, ", ", &save); t != NULL; t = strtok_r(NULL, ", ", &save))
            push(&s->tags, &s->ntags, t);
    } else if (strcmp(key, "zone") == 0) {
        return find_zone(p, value, col);
    } else if (strcmp(key, "timeout") == 0) {
        if ((s->timeout_ms = duration_ms(value)) <= 0)
            return perr(p, col, "timeout \"%s\": expected a duration like 5s or 500ms", value);
    } else if (strcmp(key, "xfail") == 0) {
        char *colon = strchr(value, ':'), *sut = NULL;
        size_t i;

        /* "xfail: prosody: reason" names a SUT; "xfail: reason" means every SUT. */
        if (colon != NULL && strchr(value, ' ') > colon) {
            *colon = '\0';
            sut = trim(value);
            value = trim(colon + 1);
        }
        if (*value == '\0')
            return perr(p, col, "xfail needs a reason (\"xfail: SUT: why\")");
        for (i = 0; i < s->nxfails; i++)
            if ((s->xfails[i].sut == NULL) == (sut == NULL) &&
                (sut == NULL || strcasecmp(s->xfails[i].sut, sut) == 0))
                return perr(p, col, "a second xfail for %s (one line per SUT)",
                            sut != NULL ? sut : "every SUT");
        s->xfails = xreallocarray(s->xfails, s->nxfails + 1, sizeof(*s->xfails));
        s->xfails[s->nxfails].sut = sut != NULL ? xstrdup(sut) : NULL;
        s->xfails[s->nxfails++].reason = xstrdup(value);
    } else if (strcmp(key, "isolation") == 0) {
        if (strcmp(value, "exclusive") != 0 && strcmp(value, "shared") != 0)
            return perr(p, col, "isolation \"%s\": expected exclusive or shared", value);
        s->exclusive = strcmp(value, "exclusive") == 0;
    } else if (strcmp(key, "skip") == 0) {
        if (*value == '\0')
            return perr(p, col, "skip needs a reason");
        free(s->skip);
        s->skip = xstrdup(value);
    } else if (strcmp(key, "requires") == 0) {
        char *save = NULL, *word = strtok_r(value, " ", &save), *list = strtok_r(NULL, " ", &save);
        char *more = list != NULL ? strtok_r(NULL, " ", &save) : NULL;
        char *copy, *v, *vsave = NULL;

        if (word == NULL || strcmp(word, "tls") != 0 || list == NULL ||
            (more != NULL && strcmp(more, "direct-tls") != 0) || strtok_r(NULL, " ", &save) != NULL)
            return perr(p, col,
                        "expected \"requires: tls off|optional|required [direct-tls]\" (one or "
                        "more variants, separated by |)");
        s->requires_direct_tls = more != NULL;
        copy = xstrdup(list);
        for (v = strtok_r(copy, "|", &vsave); v != NULL; v = strtok_r(NULL, "|", &vsave)) {
            if (strcmp(v, "off") != 0 && strcmp(v, "optional") != 0 && strcmp(v, "required") != 0) {
                perr(p, col, "unknown TLS variant \"%s\" (off, optional, required)", v);
                free(copy);
                return -1;
            }
        }
        free(copy);
        free(s->requires_tls);
        s->requires_tls = xstrdup(list);
    }
    return 0;
}

static struct scenario_actor *
add_actor(struct parser *p, enum scenario_actor_kind kind, const char *name)
{
    struct scenario_actor *a;

    p->s->actors = xreallocarray(p->s->actors, p->s->nactors + 1, sizeof(*p->s->actors));
    a = &p->s->actors[p->s->nactors++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->name = xstrdup(name);
    a->line = p->line;
    return a;
}

static ssize_t
actor_index(const struct scenario *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->nactors; i++)
        if (strcmp(s->actors[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

static int
valid_name(const char *n)
{
    if (!isalpha((unsigned char)*n))
        return 0;
    for (; *n != '\0'; n++)
        if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-')
            return 0;
    return 1;
}

/* "peer gmail: profile gtalk, domain gmail.test, version=1.0" */
static int
actor_line(struct parser *p, int is_peer, char *rest)
{
    char *colon = strchr(rest, ':'), *name, *item, *save = NULL;
    struct scenario_actor *a;

    if (p->in_steps)
        return perr(p, 1, "actors are declared before the first step");
    if (colon == NULL && is_peer)
        return perr(p, (int)strlen(rest) + 6, "expected \"peer NAME: profile P, domain D\"");
    if (colon != NULL)
        *colon = '\0';
    name = trim(rest);
    if (!valid_name(name) || strcmp(name, "dns") == 0 || strcmp(name, "sut") == 0 ||
        strcmp(name, "wait") == 0 || strcmp(name, "or") == 0)
        return perr(p, 6,
                    "\"%s\" is not a usable actor name (letters, digits, - and _; not "
                    "dns, sut, wait or or)",
                    name);
    if (actor_index(p->s, name) >= 0)
        return perr(p, 6, "actor \"%s\" is declared twice", name);
    a = add_actor(p, is_peer ? ACTOR_PEER : ACTOR_CLIENT, name);
    for (item = colon != NULL ? strtok_r(colon + 1, ",", &save) : NULL; item != NULL;
         item = strtok_r(NULL, ",", &save)) {
        char *it = trim(item), *sp = strchr(it, ' ');

        if (!is_peer && strncmp(it, "account ", 8) == 0) {
            free(a->account);
            a->account = xstrdup(trim(it + 8));
        } else if (is_peer && strncmp(it, "profile ", 8) == 0) {
            const char *prof = trim(it + 8);

            if (profile_find(prof) == NULL)
                return perr(p, 1, "unknown profile \"%s\" (known: %s)", prof, profile_names());
            free(a->profile);
            a->profile = xstrdup(prof);
        } else if (is_peer && strncmp(it, "domain ", 7) == 0) {
            free(a->domain);
            a->domain = xstrdup(trim(it + 7));
        } else if (is_peer && strchr(it, '=') != NULL && sp == NULL) {
            struct profile probe = profile_gtalk;
            char kerr[2048]; /* the whole list of knobs: not cut */

            if (profile_set_knob(&probe, it, kerr, sizeof(kerr)) != 0)
                return perr(p, 1, "%s", kerr);
            push(&a->knobs, &a->nknobs, it);
        } else {
            return perr(p, 1, "\"%s\": a %s takes %s", it, is_peer ? "peer" : "client",
                        is_peer ? "profile NAME, domain DOMAIN and KNOB=VALUE items"
                                : "account N|USER");
        }
    }
    if (is_peer && (a->profile == NULL || a->domain == NULL))
        return perr(p, 1, "peer %s needs \"profile NAME\" and \"domain DOMAIN\"", name);
    return 0;
}

static struct scenario_step *
add_step(struct parser *p, enum scenario_step_kind kind, size_t actor)
{
    struct scenario_step *st;

    p->in_steps = 1;
    p->s->steps = xreallocarray(p->s->steps, p->s->nsteps + 1, sizeof(*p->s->steps));
    st = &p->s->steps[p->s->nsteps++];
    memset(st, 0, sizeof(*st));
    st->kind = kind;
    st->line = p->line;
    st->actor = actor;
    return st;
}

/* Parses "[strict] [within T]" options from words; *pos advanced. Returns 0 or -1. */
static int
options(struct parser *p, char **words, size_t n, size_t *pos, struct scenario_step *st,
        int allow_strict, int allow_auth)
{
    /* Which streams (receives negotiation, stream close, the connection closed). */
    int allow_stream = st->nego || st->kind == STEP_STREAM_CLOSE || st->kind == STEP_CONN_CLOSED;

    while (*pos < n) {
        if (allow_stream &&
            (strcmp(words[*pos], "inbound") == 0 || strcmp(words[*pos], "outbound") == 0 ||
             strcmp(words[*pos], "raw") == 0 || strcmp(words[*pos], "verify") == 0)) {
            if (st->dir != STEP_DIR_ANY)
                return perr(p, 1, "\"%s\": one of inbound, outbound, raw or verify only",
                            words[*pos]);
            st->dir = words[*pos][0] == 'i'   ? STEP_DIR_IN
                      : words[*pos][0] == 'o' ? STEP_DIR_OUT
                      : words[*pos][0] == 'v' ? STEP_DIR_VERIFY
                                              : STEP_DIR_RAW;
            (*pos)++;
            continue;
        }
        if (allow_stream && strcmp(words[*pos], "after") == 0 && *pos + 1 < n &&
            strcmp(words[*pos + 1], "sasl") == 0) {
            st->after_sasl = 1;
            *pos += 2;
            continue;
        }
        if (allow_stream && !allow_auth &&
            (strcmp(words[*pos], "over") == 0 || strcmp(words[*pos], "without") == 0)) {
            size_t k = *pos;

            if (strcmp(words[k], "over") == 0 && k + 1 < n && strcmp(words[k + 1], "tls") == 0) {
                st->tls = STEP_TLS_YES;
                *pos += 2;
                continue;
            }
            if (strcmp(words[k], "over") == 0 && k + 2 < n && strcmp(words[k + 1], "direct") == 0 &&
                strcmp(words[k + 2], "tls") == 0) {
                st->tls = STEP_TLS_DIRECT;
                *pos += 3;
                continue;
            }
            if (strcmp(words[k], "without") == 0 && k + 1 < n && strcmp(words[k + 1], "tls") == 0) {
                st->tls = STEP_TLS_NO;
                *pos += 2;
                continue;
            }
        }
        if (st->kind == STEP_SEND && *pos + 1 < n && strcmp(words[*pos + 1], "times") == 0) {
            char *end = NULL;
            long times = strtol(words[*pos], &end, 10);

            if (end == words[*pos] || *end != '\0' || times < 1 || times > 10000)
                return perr(p, 1, "\"%s times\": expected 1 to 10000 times", words[*pos]);
            st->repeat = (int)times;
            *pos += 2;
            continue;
        }
        if (allow_strict && strcmp(words[*pos], "strict") == 0) {
            st->strict = 1;
            (*pos)++;
        } else if (allow_strict && strcmp(words[*pos], "next") == 0) {
            st->next = 1;
            (*pos)++;
        } else if (allow_auth && strcmp(words[*pos], "by") == 0 && *pos + 1 < n &&
                   (strcmp(words[*pos + 1], "dialback") == 0 ||
                    strcmp(words[*pos + 1], "sasl") == 0)) {
            st->auth =
                    strcmp(words[*pos + 1], "dialback") == 0 ? STEP_AUTH_DIALBACK : STEP_AUTH_SASL;
            *pos += 2;
            /* "by sasl external": EXTERNAL is the only s2s mechanism. */
            if (st->auth == STEP_AUTH_SASL && *pos < n && strcmp(words[*pos], "external") == 0)
                (*pos)++;
        } else if (allow_auth && strcmp(words[*pos], "over") == 0 && *pos + 1 < n &&
                   strcmp(words[*pos + 1], "tls") == 0) {
            st->tls = STEP_TLS_YES;
            *pos += 2;
        } else if (allow_auth && strcmp(words[*pos], "over") == 0 && *pos + 2 < n &&
                   strcmp(words[*pos + 1], "direct") == 0 && strcmp(words[*pos + 2], "tls") == 0) {
            st->tls = STEP_TLS_DIRECT;
            *pos += 3;
        } else if (allow_auth && strcmp(words[*pos], "without") == 0 && *pos + 1 < n &&
                   strcmp(words[*pos + 1], "tls") == 0) {
            st->tls = STEP_TLS_NO;
            *pos += 2;
        } else if (strcmp(words[*pos], "within") == 0 && *pos + 1 < n) {
            st->within_ms = duration_ms(words[*pos + 1]);
            if (st->within_ms <= 0)
                return perr(p, 1, "\"within %s\": expected a duration like 5s or 500ms",
                            words[*pos + 1]);
            *pos += 2;
        } else {
            return perr(p, 1, "unexpected \"%s\" (expected %s%swithin T)", words[*pos],
                        allow_stream ? "inbound, outbound, raw, verify, over tls, over direct tls, "
                                       "without tls, after sasl, "
                                     : "",
                        allow_strict ? "strict, next or "
                        : allow_auth ? "by dialback, by sasl external, over tls, over direct tls, "
                                       "without tls or "
                                     : "");
        }
    }
    return 0;
}

static size_t
split_words(char *s, char **words, size_t max)
{
    size_t n = 0;
    char *save = NULL, *w;

    for (w = strtok_r(s, " \t", &save); w != NULL && n < max; w = strtok_r(NULL, " \t", &save))
        words[n++] = w;
    return n;
}

static int
dns_step(struct parser *p, int never, char *rest)
{
    char *words[8];
    size_t n = split_words(rest, words, 8), pos = 2;
    struct scenario_step *st;

    if (n < 2)
        return perr(p, 1, "expected \"dns %sasked: NAME TYPE\"", never ? "never " : "");
    st = add_step(p, never ? STEP_DNS_NEVER_ASKED : STEP_DNS_ASKED, 0);
    st->arg1 = xstrdup(words[0]);
    st->arg2 = xstrdup(words[1]);
    for (char *c = st->arg2; *c != '\0'; c++)
        *c = (char)toupper((unsigned char)*c);
    if (never && n > 2)
        return perr(p, 1,
                    "\"dns never asked\" takes no options (it is checked when the scenario "
                    "ends)");
    return options(p, words, n, &pos, st, 0, 0);
}

/* "dns answers NAME TYPE with RCODE", "dns drops NAME TYPE", "dns delays NAME TYPE by T",
 * "dns truncates NAME TYPE", "dns replaces NAME TYPE:", "dns restores NAME TYPE|all". */
static int
dns_fault_step(struct parser *p, char *line)
{
    char *copy = xstrdup(line), *words[8];
    size_t n, len = strlen(copy);
    int block = len > 0 && copy[len - 1] == ':', rc = -1;
    struct scenario_step *st;
    uint16_t type;
    int percent = -1;

    if (block)
        copy[len - 1] = '\0';
    n = split_words(copy, words, 8);
    /* "dns answers 30% of NAME TYPE ...": the fault strikes each question at random. */
    if (n >= 4 && strchr(words[2], '%') != NULL) {
        uint32_t ppm;

        if (strcmp(words[1], "restores") == 0 || chance_parse_percent(words[2], &ppm) != 0 ||
            strcmp(words[3], "of") != 0) {
            perr(p, (int)(words[2] - copy) + 1,
                 "expected \"dns %s P%% of NAME TYPE ...\", P like 30%% or 2.5%% (at most "
                 "100%%)",
                 words[1]);
            goto out;
        }
        memmove(&words[2], &words[4], (n - 4) * sizeof(*words));
        n -= 2;
        percent = (int)ppm;
    }
    if (n >= 3 && strcmp(words[1], "restores") == 0 && strcmp(words[2], "all") == 0 && n == 3) {
        st = add_step(p, STEP_DNS_RESTORE, 0);
        st->arg1 = xstrdup("all");
        st->arg2 = xstrdup("*");
        rc = 0;
        goto out;
    }
    if (n < 4) {
        perr(p, 1,
             "expected \"dns answers|drops|delays|truncates|replaces|restores NAME TYPE "
             "...\"");
        goto out;
    }
    if (dns_fault_type(words[3], &type) != 0) {
        perr(p, (int)(words[3] - copy) + 1, "\"%s\" is not a DNS type (A, AAAA, SRV, ... or *)",
             words[3]);
        goto out;
    }
    st = add_step(p, STEP_DNS_FAULT, 0);
    st->arg1 = xstrdup(words[2]);
    st->arg2 = xstrdup(words[3]);
    if (strcmp(words[1], "answers") == 0 && n == 6 && strcmp(words[4], "with") == 0) {
        if (dns_fault_rcode(words[5]) < 0) {
            perr(p, (int)(words[5] - copy) + 1,
                 "\"%s\" is not an rcode (NXDOMAIN, SERVFAIL, "
                 "REFUSED, FORMERR, NOTIMP, NOERROR)",
                 words[5]);
            goto out;
        }
        st->fault = DNS_FAULT_RCODE;
        st->arg3 = xstrdup(words[5]);
    } else if (strcmp(words[1], "drops") == 0 && n == 4) {
        st->fault = DNS_FAULT_DROP;
    } else if (strcmp(words[1], "truncates") == 0 && n == 4) {
        st->fault = DNS_FAULT_TRUNCATE;
    } else if (strcmp(words[1], "delays") == 0 && n == 6 && strcmp(words[4], "by") == 0) {
        int ms = duration_ms(words[5]);

        if (ms <= 0) {
            perr(p, (int)(words[5] - copy) + 1, "\"%s\": expected a duration like 2s", words[5]);
            goto out;
        }
        st->fault = DNS_FAULT_DELAY;
        st->arg3 = xasprintf("%d", ms);
    } else if (strcmp(words[1], "replaces") == 0 && n == 4 && block) {
        st->fault = DNS_FAULT_REPLACE;
        st->records = 1;
        p->open_block = st;
    } else if (strcmp(words[1], "restores") == 0 && n == 4) {
        st->kind = STEP_DNS_RESTORE;
    } else {
        perr(p, 5,
             "expected \"dns answers NAME TYPE with RCODE\", \"dns drops NAME TYPE\", "
             "\"dns delays NAME TYPE by T\", \"dns truncates NAME TYPE\", \"dns replaces "
             "NAME TYPE:\" (records below) or \"dns restores NAME TYPE\"");
        goto out;
    }
    if (block && st->fault != DNS_FAULT_REPLACE) {
        perr(p, (int)len, "only \"dns replaces\" takes indented lines: drop the ':'");
        goto out;
    }
    st->ppm = percent >= 0 ? (unsigned)percent : CHANCE_PPM;
    rc = 0;
out:
    free(copy);
    return rc;
}

/* "wait T": the scenario waits that long (stanzas go on arriving and are kept). */
static int
wait_step(struct parser *p, char *rest)
{
    char *words[4];
    size_t n = split_words(rest, words, 4);
    struct scenario_step *st;
    int ms = n == 1 ? duration_ms(words[0]) : -1;

    if (ms <= 0)
        return perr(p, 6, "expected \"wait T\", T a duration like 2s or 500ms");
    st = add_step(p, STEP_WAIT_TIME, 0);
    st->within_ms = ms;
    return 0;
}

/* The steps an actor of this kind can take, as a reader writes them, comma-separated. */
static void
verb_list(enum scenario_actor_kind kind, char *buf, size_t len)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && used < len; i++) {
        const struct verb *v = &verbs[i];
        const char *arg = "";

        if (!(kind == ACTOR_CLIENT ? v->client : v->peer))
            continue;
        if (v->kind == STEP_STREAM_ERROR)
            arg = " CONDITION";
        else if (v->kind == STEP_NOT_AUTHENTICATES || v->kind == STEP_NOT_AUTHENTICATED_TO)
            arg = " DOMAIN within T";
        else if (v->domain_arg)
            arg = " DOMAIN";
        else if (v->kind == STEP_MAX_CONNECTIONS)
            arg = " N connections";
        else if (strcmp(v->words, "closes connections after") == 0)
            arg = " N bytes";
        else if (strcmp(v->words, "answers dialback after") == 0)
            arg = " T";
        else if (strcmp(v->words, "cuts") == 0)
            arg = " P% of connections [within N bytes]";
        else if (strcmp(v->words, "delays") == 0)
            arg = " P% of stanzas by T";
        else if (strcmp(v->words, "drops") == 0)
            arg = " P% of stanzas";
        else if (strcmp(v->words, "jitters stanzas") == 0)
            arg = " by T";
        else if (v->kind == STEP_RECEIVE_NOTHING)
            arg = " within T";
        used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s", used > 0 ? ", " : "", v->words,
                                 arg, v->block ? ":" : "");
    }
}

static int
actor_step(struct parser *p, char *line)
{
    char *words[16], *copy = xstrdup(line);
    size_t n, i, best = 0, bestlen = 0, pos;
    ssize_t ai;
    int block = 0, rc = -1;
    const struct verb *v = NULL;
    struct scenario_step *st;
    size_t len = strlen(copy);

    if (len > 0 && copy[len - 1] == ':') {
        block = 1;
        copy[len - 1] = '\0';
    }
    n = split_words(copy, words, 16);
    if (n == 0) {
        perr(p, 1, "\"%s\" is not a step (expected \"ACTOR VERB ...\")", line);
        goto out;
    }
    ai = actor_index(p->s, words[0]);
    if (ai < 0) {
        const char *names[32];
        size_t k;

        for (k = 0; k < p->s->nactors && k < 32; k++)
            names[k] = p->s->actors[k].name;
        {
            const char *hint = closest(words[0], names, k);
            const char *kw =
                    closest(words[0], header_keys, sizeof(header_keys) / sizeof(header_keys[0]));

            if (hint != NULL)
                perr(p, 1, "unknown actor \"%s\" (did you mean \"%s\"?)", words[0], hint);
            else if (kw != NULL)
                perr(p, 1, "unknown word \"%s\" (did you mean the header key \"%s:\"?)", words[0],
                     kw);
            else
                perr(p, 1,
                     "\"%s\" is not a declared actor (declare it with \"client %s: account "
                     "N\" or \"peer %s: profile P, domain D\")",
                     words[0], words[0], words[0]);
        }
        goto out;
    }
    /* The longest verb whose words start the rest of the line. */
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        char vw[64], *vwords[4];
        size_t vn, k;

        snprintf(vw, sizeof(vw), "%s", verbs[i].words);
        vn = split_words(vw, vwords, 4);
        for (k = 0; k < vn && 1 + k < n && strcmp(vwords[k], words[1 + k]) == 0; k++)
            ;
        if (k == vn && vn > bestlen) {
            best = i;
            bestlen = vn;
        }
    }
    if (bestlen == 0) {
        enum scenario_actor_kind kind = p->s->actors[ai].kind;
        const char *hint = NULL;
        size_t bestd = 3;

        /* Only the steps this kind of actor can take, each against as many words of the line
         * as it has. */
        for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && n > 1; i++) {
            char said[128] = "";
            size_t vn = 1, k, d, used = 0;

            if (!(kind == ACTOR_CLIENT ? verbs[i].client : verbs[i].peer))
                continue;
            for (const char *c = verbs[i].words; *c != '\0'; c++)
                vn += *c == ' ';
            for (k = 1; k <= vn && k < n && used < sizeof(said); k++)
                used += (size_t)snprintf(said + used, sizeof(said) - used, "%s%s", k > 1 ? " " : "",
                                         words[k]);
            if ((d = distance(said, verbs[i].words)) < bestd) {
                bestd = d;
                hint = verbs[i].words;
            }
        }
        {
            char list[1536];

            if (hint != NULL) {
                perr(p, (int)(words[1] - copy) + 1, "unknown step \"%s\" (did you mean \"%s\"?)",
                     words[1], hint);
            } else {
                verb_list(kind, list, sizeof(list));
                perr(p, n > 1 ? (int)(words[1] - copy) + 1 : (int)strlen(line) + 1,
                     "expected a step after %s \"%s\": %s",
                     kind == ACTOR_CLIENT ? "client" : "peer", words[0], list);
            }
        }
        goto out;
    }
    v = &verbs[best];
    if ((p->s->actors[ai].kind == ACTOR_CLIENT && !v->client) ||
        (p->s->actors[ai].kind == ACTOR_PEER && !v->peer)) {
        perr(p, 1, "a %s cannot \"%s\"", p->s->actors[ai].kind == ACTOR_CLIENT ? "client" : "peer",
             v->words);
        goto out;
    }
    if (v->block != block) {
        perr(p, (int)strlen(line),
             v->block ? "\"%s %s\" ends with ':' and the stanza follows on "
                        "indented lines"
                      : "\"%s %s\" takes no stanza: drop the ':'",
             words[0], v->words);
        goto out;
    }
    st = add_step(p, v->kind, (size_t)ai);
    st->nego = strstr(v->words, "negotiation") != NULL;
    st->unauth = strcmp(v->words, "sends raw unauthenticated") == 0;
    pos = 1 + bestlen;
    if (v->kind == STEP_PEER_MODE && strcmp(v->words, "closes connections after") == 0) {
        char *end = NULL;
        unsigned long nbytes = pos < n ? strtoul(words[pos], &end, 10) : 0;

        if (pos + 1 >= n || end == NULL || *end != '\0' || nbytes == 0 ||
            strcmp(words[pos + 1], "bytes") != 0) {
            perr(p, (int)strlen(line) + 1, "expected \"closes connections after N bytes\" (N > 0)");
            goto out;
        }
        st->arg1 = xasprintf("%s %lu bytes", v->words, nbytes);
        pos += 2;
    } else if (v->kind == STEP_PEER_MODE && strcmp(v->words, "answers dialback after") == 0) {
        int ms = pos < n ? duration_ms(words[pos]) : -1;

        if (ms <= 0) {
            perr(p, pos < n ? (int)(words[pos] - copy) + 1 : (int)strlen(line) + 1,
                 "expected \"answers dialback after T\", T a duration like 3s");
            goto out;
        }
        st->arg1 = xasprintf("%s %d ms", v->words, ms);
        pos++;
    } else if (v->kind == STEP_PEER_MODE &&
               (strcmp(v->words, "cuts") == 0 || strcmp(v->words, "delays") == 0 ||
                strcmp(v->words, "drops") == 0 || strcmp(v->words, "jitters stanzas") == 0)) {
        /* The probabilistic modes: the rest of the line, durations in ms, checked by the
         * peer's own parser. */
        char mode[256], why[512];
        size_t used = (size_t)snprintf(mode, sizeof(mode), "%s", v->words), k;
        int by = 0, within = 0;

        for (k = pos; k < n && used < sizeof(mode); k++) {
            if (by) {
                int ms = duration_ms(words[k]);

                if (ms <= 0) {
                    perr(p, (int)(words[k] - copy) + 1,
                         "\"%s\": expected a duration like 2s or 500ms", words[k]);
                    goto out;
                }
                used += (size_t)snprintf(mode + used, sizeof(mode) - used, " %d ms", ms);
            } else {
                used += (size_t)snprintf(mode + used, sizeof(mode) - used, " %s", words[k]);
            }
            by = strcmp(words[k], "by") == 0;
            within |= strcmp(words[k], "within") == 0;
        }
        if (strcmp(v->words, "cuts") == 0 && !within && used < sizeof(mode))
            snprintf(mode + used, sizeof(mode) - used, " within 2048 bytes");
        if (peer_check_random_mode(mode, why, sizeof(why)) != 0) {
            perr(p, 1 + (int)(words[1] - copy),
                 "expected \"drops P%% of stanzas\", \"delays P%% of stanzas by T\", \"jitters "
                 "stanzas by T\" (each with \"it sends\" or \"it receives\" after \"stanzas\" "
                 "for one way only) or \"cuts P%% of connections [within N bytes]\"; P like 30%% "
                 "or 2.5%%%s",
                 strcmp(v->words, "drops") == 0 ? " (or \"drops connections\")" : "");
            goto out;
        }
        st->arg1 = xstrdup(mode);
        pos = n;
    } else if (v->kind == STEP_PEER_MODE) {
        st->arg1 = xstrdup(v->words);
    } else if (v->kind == STEP_MAX_CONNECTIONS) {
        char *end = NULL;
        unsigned long count = pos < n ? strtoul(words[pos], &end, 10) : 0;

        if (pos + 1 >= n || end == NULL || *end != '\0' || end == words[pos] ||
            strcmp(words[pos + 1], "connections") != 0) {
            perr(p, (int)strlen(line) + 1, "expected \"saw at most N connections\"");
            goto out;
        }
        st->arg1 = xasprintf("%lu", count);
        pos += 2;
    }
    if (v->domain_arg) {
        if (pos >= n) {
            perr(p, (int)strlen(line) + 1, "\"%s\" needs a %s", v->words,
                 v->kind == STEP_STREAM_ERROR ? "CONDITION (e.g. host-unknown)" : "DOMAIN");
            goto out;
        }
        st->arg1 = xstrdup(words[pos++]);
    }
    if (v->kind == STEP_NEVER_RECEIVES && !st->nego && pos < n) {
        perr(p, (int)(words[pos] - copy) + 1,
             "\"never receives\" takes no options (it is checked over the whole run when the "
             "steps are done)");
        goto out;
    }
    if (options(p, words, n, &pos, st, v->kind == STEP_RECEIVE,
                v->domain_arg && v->kind != STEP_STREAM_ERROR) != 0)
        goto out;
    if (v->kind == STEP_NEVER_RECEIVES && st->within_ms != 0) {
        perr(p, (int)strlen(line) + 1,
             "\"never receives negotiation\" takes no \"within T\" (it is checked over the whole "
             "run when the steps are done)");
        goto out;
    }
    if ((v->kind == STEP_RECEIVE_NOTHING || v->kind == STEP_NOT_AUTHENTICATES ||
         v->kind == STEP_NOT_AUTHENTICATED_TO) &&
        st->within_ms == 0) {
        perr(p, (int)strlen(line) + 1, "\"%s\" needs \"within T\" (how long to listen)", v->words);
        goto out;
    }
    if (block)
        p->open_block = st;
    st->records = v->kind == STEP_SEND_RAW; /* bytes, not a stanza: not parsed as XML */
    rc = 0;
out:
    free(copy);
    return rc;
}

/* 1 if the step may list alternatives (`or` lines) in its block. */
static int
takes_alternatives(const struct scenario_step *st)
{
    return st->kind == STEP_RECEIVE || st->kind == STEP_RECEIVE_NOTHING ||
           st->kind == STEP_NEVER_RECEIVES;
}

/* The stanza lines gathered so far become the step's stanza or its next alternative, once their
 * XML is checked. */
static int
flush_block(struct parser *p)
{
    struct scenario_step *st = p->open_block;
    unsigned long line, col;
    struct xml_node *n;
    char err[512], *text = p->block;
    int save = p->line;

    p->block = NULL;
    if (!st->records) { /* DNS records and raw bytes: checked when the step runs */
        n = xml_parse_element_at(text, XML_NS_SERVER, &line, &col, err, sizeof(err));
        if (n == NULL) {
            p->line = p->block_line + (int)line - 1;
            perr(p, (int)col, "the stanza is not well-formed XML: %s", err);
            p->line = save;
            free(text);
            return -1;
        }
        xml_node_free(n);
    }
    if (st->stanza == NULL) {
        st->stanza = text;
        st->stanza_line = p->block_line;
    } else {
        st->alts = xreallocarray(st->alts, st->nalts + 1, sizeof(*st->alts));
        st->alts[st->nalts].stanza = text;
        st->alts[st->nalts++].line = p->block_line;
    }
    p->after_or = 0;
    return 0;
}

/* An `or` line inside a step's block: the stanza above is one alternative, the next another. */
static int
or_line(struct parser *p)
{
    struct scenario_step *st = p->open_block;

    if (!takes_alternatives(st))
        return perr(p, 1,
                    "\"or\": only receives, receives nothing like and never receives take "
                    "alternatives (\"%s\" at line %d does not)",
                    scenario_step_str(st->kind), st->line);
    if (p->block == NULL)
        return perr(p, 1, "\"or\" needs a stanza above it, on indented lines");
    if (flush_block(p) != 0)
        return -1;
    p->after_or = 1;
    return 0;
}

/* Closes the stanza block of the previous step: checks its XML. */
static int
close_block(struct parser *p)
{
    struct scenario_step *st = p->open_block;
    int save = p->line;

    if (st == NULL)
        return 0;
    if (p->block == NULL) {
        if (p->after_or)
            perr(p, 1, "\"or\" needs another stanza below it, on indented lines");
        else {
            p->line = st->line;
            perr(p, 1, "\"%s\" needs a stanza on the indented lines below it",
                 scenario_step_str(st->kind));
            p->line = save;
        }
        p->open_block = NULL;
        return -1;
    }
    if (flush_block(p) != 0) {
        p->open_block = NULL;
        return -1;
    }
    p->open_block = NULL;
    return 0;
}

static int or_step(struct parser *p, char *rest);
static int plain_line(struct parser *p, char *line);

static int
parse_line(struct parser *p, char *raw)
{
    char *line = trim(raw);
    int indented = isspace((unsigned char)raw[0]);

    if (*line == '\0' || *line == '#')
        return 0;
    if (p->open_block != NULL && strcmp(line, "or") == 0)
        return or_line(p);
    if (indented && p->open_block != NULL) {
        char *next;

        if (p->block == NULL)
            p->block_line = p->line;
        next = xasprintf("%s%s%s", p->block != NULL ? p->block : "", p->block != NULL ? "\n" : "",
                         line);
        free(p->block);
        p->block = next;
        return 0;
    }
    if (close_block(p) != 0)
        return -1;
    if (indented)
        return perr(p, 1, "an indented line, but no step above it takes a stanza");
    if (strncmp(line, "or ", 3) == 0)
        return or_step(p, trim(line + 3));
    return plain_line(p, line);
}

/* 1 if the step waits for something to happen and passes when it does: it may stand in a
 * group of alternative steps (`or STEP`). */
static int
takes_or_steps(const struct scenario_step *st)
{
    return st->kind == STEP_RECEIVE || st->kind == STEP_AUTHENTICATES ||
           st->kind == STEP_AUTHENTICATED_TO || st->kind == STEP_STREAM_ERROR ||
           st->kind == STEP_DNS_ASKED || st->kind == STEP_STREAM_CLOSE ||
           st->kind == STEP_CONN_CLOSED;
}

/* `or STEP`: the step is another outcome of the step above (or of its group): the group passes
 * when any one of them does. Only positive waiting steps may be grouped. */
static int
or_step(struct parser *p, char *rest)
{
    size_t before = p->s->nsteps;
    const struct scenario_step *prev = before > 0 ? &p->s->steps[before - 1] : NULL;
    struct scenario_step *st;

    if (prev == NULL || !takes_or_steps(prev))
        return perr(p, 1,
                    "\"or STEP\": the step above must be a receives, receives stream error, "
                    "receives stream close, sees the connection closed, authenticates, is "
                    "authenticated to or dns asked step%s",
                    prev == NULL ? " (there is none)" : "");
    if (*rest == '\0' || plain_line(p, rest) != 0)
        return *rest == '\0' ? perr(p, 1, "\"or\" needs a step after it") : -1;
    if (p->s->nsteps != before + 1)
        return perr(p, 4, "\"or\" needs a step after it, not a header or actor line");
    st = &p->s->steps[before];
    if (!takes_or_steps(st))
        return perr(p, 4,
                    "\"or %s\": only receives, receives stream error, receives stream close, "
                    "sees the connection closed, authenticates, is authenticated to and dns "
                    "asked steps are alternatives",
                    scenario_step_str(st->kind));
    st->or_prev = 1;
    return 0;
}

/* A line that is not a stanza line, an `or` line or a blank one: a header, actor or step. */
static int
plain_line(struct parser *p, char *line)
{
    if (strncmp(line, "peer ", 5) == 0)
        return actor_line(p, 1, line + 5);
    if (strncmp(line, "client ", 7) == 0)
        return actor_line(p, 0, line + 7);
    if (strncmp(line, "dns asked:", 10) == 0)
        return dns_step(p, 0, line + 10);
    if (strncmp(line, "dns never asked:", 16) == 0)
        return dns_step(p, 1, line + 16);
    if (strncmp(line, "dns ", 4) == 0)
        return dns_fault_step(p, line);
    if (strncmp(line, "wait ", 5) == 0 || strcmp(line, "wait") == 0)
        return wait_step(p, line + 4);
    {
        char *colon = strchr(line, ':');
        size_t klen = colon != NULL ? (size_t)(colon - line) : 0;
        size_t i;

        for (i = 0; colon != NULL && i < sizeof(header_keys) / sizeof(header_keys[0]); i++)
            if (strlen(header_keys[i]) == klen && strncmp(line, header_keys[i], klen) == 0) {
                *colon = '\0';
                return header(p, line, trim(colon + 1), (int)(colon - line) + 3);
            }
    }
    return actor_step(p, line);
}

/* Checks the ${actor.field} variables in text (captures have no dot and are only known at
 * run time): the actor must exist and have that field. */
static int
check_vars(struct parser *p, const char *text, int line)
{
    static const char *const client_fields[] = {"user", "bare", "full", NULL};
    const char *v;

    for (v = text != NULL ? strstr(text, "${") : NULL; v != NULL; v = strstr(v + 2, "${")) {
        const char *end = strchr(v, '}'), *dot;
        char name[64], field[32];
        const struct scenario_actor *a = NULL;
        size_t i, k;

        if ((v > text && v[-1] == '$') || end == NULL)
            continue;
        dot = memchr(v, '.', (size_t)(end - v));
        if (dot == NULL || (size_t)(dot - v - 2) >= sizeof(name) ||
            (size_t)(end - dot - 1) >= sizeof(field))
            continue;
        snprintf(name, sizeof(name), "%.*s", (int)(dot - v - 2), v + 2);
        snprintf(field, sizeof(field), "%.*s", (int)(end - dot - 1), dot + 1);
        p->line = line;
        if (strcmp(name, "sut") == 0) {
            if (strcmp(field, "domain") != 0 && strcmp(field, "domain.base64") != 0)
                return perr(p, 1,
                            "unknown variable ${sut.%s} (the SUT has ${sut.domain} and "
                            "${sut.domain.base64})",
                            field);
            continue;
        }
        for (i = 0; i < p->s->nactors; i++)
            if (strcmp(p->s->actors[i].name, name) == 0)
                a = &p->s->actors[i];
        if (a == NULL)
            return perr(p, 1, "unknown variable ${%s.%s}: no actor \"%s\" is declared", name, field,
                        name);
        if (a->kind == ACTOR_PEER) {
            if (strcmp(field, "domain") != 0)
                return perr(p, 1, "unknown variable ${%s.%s} (a peer has ${%s.domain})", name,
                            field, name);
            continue;
        }
        for (k = 0; client_fields[k] != NULL && strcmp(client_fields[k], field) != 0; k++)
            ;
        if (client_fields[k] == NULL)
            return perr(p, 1, "unknown variable ${%s.%s} (a client has .user, .bare, .full)", name,
                        field);
    }
    return 0;
}

int
scenario_transport_pinned(const struct scenario *s, size_t actor)
{
    const struct scenario_actor *a = &s->actors[actor];
    size_t i;

    if (s->requires_tls != NULL)
        return 1;
    for (i = 0; i < a->nknobs; i++)
        if (strncmp(a->knobs[i], "tls=", 4) == 0)
            return 1;
    return 0;
}

/*
 * Without a `requires:` line, a peer's transport follows the SUT's tls (transport.h), so an
 * authentication step cannot assert it: `over tls` fails on off, `without tls` and SASL
 * EXTERNAL on required... unless the peer's own tls= knob pins it.
 */
static int
check_transport(struct parser *p)
{
    size_t i;

    for (i = 0; i < p->s->nsteps; i++) {
        const struct scenario_step *st = &p->s->steps[i];

        if ((st->kind != STEP_AUTHENTICATES && st->kind != STEP_AUTHENTICATED_TO &&
             st->kind != STEP_NOT_AUTHENTICATES && st->kind != STEP_NOT_AUTHENTICATED_TO &&
             !st->nego && st->kind != STEP_STREAM_CLOSE && st->kind != STEP_CONN_CLOSED &&
             !(st->kind == STEP_RECEIVE_NOTHING && st->tls != STEP_TLS_ANY)) ||
            (st->tls == STEP_TLS_ANY && st->auth != STEP_AUTH_SASL) ||
            scenario_transport_pinned(p->s, st->actor))
            continue;
        p->line = st->line;
        return perr(p, 1,
                    "\"%s\" asserts the transport, which follows the SUT's tls in a scenario "
                    "without a requires: line: say which variants it is about (requires: tls "
                    "off|optional|required), pin the peer (tls=...), or leave the transport out "
                    "(\"by dialback\" may stay: that peer then authenticates by dialback on "
                    "every variant)",
                    scenario_step_str(st->kind));
    }
    return 0;
}

struct scenario *
scenario_parse(const char *name, const char *text, const char *fixtures_dir, char *err,
               size_t errlen)
{
    struct parser p = {.name = name, .fixtures = fixtures_dir, .err = err, .errlen = errlen};
    const char *cur = text;

    p.s = xcalloc(1, sizeof(*p.s));
    p.s->path = xstrdup(name);
    while (*cur != '\0') {
        size_t len = strcspn(cur, "\n");
        char *line;

        p.line++;
        if (len > SCN_MAX_LINE) {
            perr(&p, SCN_MAX_LINE, "line longer than %d bytes", SCN_MAX_LINE);
            goto fail;
        }
        line = xstrndup(cur, len);
        if (parse_line(&p, line) != 0) {
            free(line);
            goto fail;
        }
        free(line);
        cur += len;
        if (*cur == '\n')
            cur++;
    }
    if (close_block(&p) != 0)
        goto fail;
    if (p.s->nsteps == 0) {
        perr(&p, 1, "no steps: a scenario needs at least one");
        goto fail;
    }
    for (size_t i = 0; i < p.s->nsteps; i++) {
        const struct scenario_step *st = &p.s->steps[i];

        for (size_t k = 0; k < st->nalts; k++)
            if (check_vars(&p, st->alts[k].stanza, st->alts[k].line) != 0)
                goto fail;
        if (check_vars(&p, st->stanza, st->stanza_line > 0 ? st->stanza_line : st->line) != 0 ||
            check_vars(&p, st->arg1, st->line) != 0 || check_vars(&p, st->arg2, st->line) != 0)
            goto fail;
    }
    if (check_transport(&p) != 0)
        goto fail;
    if (p.s->title == NULL)
        p.s->title = xstrdup(name);
    return p.s;
fail:
    free(p.block);
    scenario_free(p.s);
    return NULL;
}

struct scenario *
scenario_load(const char *path, const char *fixtures_dir, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    char *text;
    size_t len;
    struct scenario *s;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    text = xmalloc(SCN_MAX_FILE + 1);
    len = fread(text, 1, SCN_MAX_FILE + 1, fp);
    fclose(fp);
    if (len > SCN_MAX_FILE) {
        snprintf(err, errlen, "%s: larger than %d MiB", path, SCN_MAX_FILE >> 20);
        free(text);
        return NULL;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        free(text);
        return NULL;
    }
    s = scenario_parse(path, text, fixtures_dir, err, errlen);
    free(text);
    return s;
}

const char *
scenario_xfail(const struct scenario *s, const char *sut_name)
{
    size_t i;

    for (i = 0; i < s->nxfails; i++)
        if (s->xfails[i].sut != NULL && sut_name != NULL &&
            strcasecmp(s->xfails[i].sut, sut_name) == 0)
            return s->xfails[i].reason;
    for (i = 0; i < s->nxfails; i++)
        if (s->xfails[i].sut == NULL)
            return s->xfails[i].reason;
    return NULL;
}

void
scenario_free(struct scenario *s)
{
    size_t i, k;

    if (s == NULL)
        return;
    for (i = 0; i < s->nactors; i++) {
        free(s->actors[i].name);
        free(s->actors[i].account);
        free(s->actors[i].profile);
        free(s->actors[i].domain);
        for (k = 0; k < s->actors[i].nknobs; k++)
            free(s->actors[i].knobs[k]);
        free(s->actors[i].knobs);
    }
    free(s->actors);
    for (i = 0; i < s->nsteps; i++) {
        free(s->steps[i].stanza);
        for (k = 0; k < s->steps[i].nalts; k++)
            free(s->steps[i].alts[k].stanza);
        free(s->steps[i].alts);
        free(s->steps[i].arg1);
        free(s->steps[i].arg2);
        free(s->steps[i].arg3);
    }
    free(s->steps);
    for (i = 0; i < s->ntags; i++)
        free(s->tags[i]);
    free(s->tags);
    for (i = 0; i < s->nclauses; i++)
        free(s->clauses[i]);
    free(s->clauses);
    for (i = 0; i < s->nzones; i++)
        free(s->zones[i]);
    free(s->zones);
    free(s->path);
    free(s->title);
    for (i = 0; i < s->nxfails; i++) {
        free(s->xfails[i].sut);
        free(s->xfails[i].reason);
    }
    free(s->xfails);
    free(s->skip);
    free(s->requires_tls);
    free(s);
}

int
scenario_fits_tls(const struct scenario *s, const char *tls)
{
    const char *v = s->requires_tls;
    size_t n;

    if (v == NULL)
        return 1;
    if (tls == NULL)
        tls = "off";
    n = strlen(tls);
    for (; v != NULL; v = strchr(v, '|') != NULL ? strchr(v, '|') + 1 : NULL)
        if (strncmp(v, tls, n) == 0 && (v[n] == '\0' || v[n] == '|'))
            return 1;
    return 0;
}

char *
scenario_clauses(const struct scenario *s)
{
    char *all = NULL, *next;
    size_t i;

    for (i = 0; i < s->nclauses; i++) {
        next = xasprintf("%s%s%s", all != NULL ? all : "", all != NULL ? "; " : "", s->clauses[i]);
        free(all);
        all = next;
    }
    return all;
}

size_t
scenario_group_end(const struct scenario *s, size_t i)
{
    for (i++; i < s->nsteps && s->steps[i].or_prev; i++)
        ;
    return i;
}

int
scenario_has_tag(const struct scenario *s, const char *tag)
{
    size_t i;

    for (i = 0; i < s->ntags; i++)
        if (strcmp(s->tags[i], tag) == 0)
            return 1;
    return 0;
}

static int
cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static void
walk(const char *dir, char ***list, size_t *n, int depth)
{
    DIR *d;
    struct dirent *e;

    if (depth > 16 || (d = opendir(dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char *path;
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        path = xasprintf("%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            walk(path, list, n, depth + 1);
        else if (ends_with(e->d_name, ".scn"))
            push(list, n, path);
        free(path);
    }
    closedir(d);
}

char **
scenario_collect(char *const *paths, size_t npaths, char *err, size_t errlen)
{
    char **list = NULL;
    size_t n = 0, i;

    for (i = 0; i < npaths; i++) {
        struct stat st;
        size_t before = n;
        char *suite = datadir_suite(paths[i]); /* a suite by name: seed, conformance... */
        const char *path = suite != NULL ? suite : paths[i];

        if (stat(path, &st) != 0) {
            int e = errno;
            char *names = datadir_suite_names();

            if (strchr(path, '/') == NULL && names[0] != '\0')
                snprintf(err, errlen, "%s: %s, and not an installed suite (%s/scenarios: %s)", path,
                         strerror(e), datadir_root(), names);
            else
                snprintf(err, errlen, "%s: %s", path, strerror(e));
            free(names);
            free(suite);
            goto fail;
        }
        if (S_ISDIR(st.st_mode)) {
            walk(path, &list, &n, 0);
            qsort(list + before, n - before, sizeof(*list), cmp_paths);
            if (n == before) {
                snprintf(err, errlen, "%s: no *.scn scenario in this directory", path);
                free(suite);
                goto fail;
            }
        } else {
            push(&list, &n, path);
        }
        free(suite);
    }
    if (n == 0) {
        snprintf(err, errlen, "no scenario given");
        goto fail;
    }
    push(&list, &n, "");
    free(list[n - 1]);
    list[n - 1] = NULL;
    return list;
fail:
    while (n > 0)
        free(list[--n]);
    free(list);
    return NULL;
}

void
scenario_paths_free(char **list)
{
    size_t i;

    for (i = 0; list != NULL && list[i] != NULL; i++)
        free(list[i]);
    free(list);
}
