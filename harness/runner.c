/* runner.c: one scenario, run: actors set up fresh, steps driven by events with bounded waits,
 * a verdict with evidence. */
#include "runner.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c2s.h"
#include "xconn.h"
#include "clock.h"
#include "diagnose.h"
#include "dns_answer.h"
#include "dns_server.h"
#include "fixture.h"
#include "hosts.h"
#include "log.h"
#include "loop.h"
#include "match.h"
#include "peer.h"
#include "profile.h"
#include "resolve.h"
#include "sasl.h"
#include "tls.h"
#include "transport.h"
#include "xml_stream.h"
#include "chance.h"
#include "xmalloc.h"

#define TAIL_LINES 30

enum step_result { STEP_DONE, STEP_WAIT, STEP_FAILED };

struct inbox {
    struct xml_node **items; /* owned: every stanza the actor received in the run (peers: in
                                order, also what steps match; clients: what never receives
                                checks, steps match c2s_received's, per session) */
    size_t n;
    char *used; /* owned: per stanza, USED_* (peers and clients) */
    size_t nused;
    struct peer_nego *meta; /* owned: negotiation inboxes: per item, where it came (el NULL) */
};

/* A stanza in an inbox: free, taken by an earlier step, or set aside by `connects` (the echo
 * of the client's own initial presence, RFC 6121 §4.2.2, which some servers do not send: no
 * negative step sees it, and only a `receives` that asks for it takes it). */
enum { USED_FREE, USED_TAKEN, USED_ASIDE };

struct dnsq {
    char *name; /* owned: lower case, no final dot */
    char type[16];
};

struct run {
    char msg[16384]; /* the verdict's message being built: r->message at the end */
    uint64_t t0;     /* when the scenario started (for event times) */
    const struct scenario *s;
    const struct sut *sut;
    const struct runner_options *o;
    struct runner_result *r;
    struct dns_zoneset *zones;
    struct dns_server *dns;
    struct resolve_ctx *res;
    struct tls_ca *ca;           /* the SUT file's CA, or NULL: peers make their own */
    struct peer **peers;         /* per actor (NULL for clients) */
    struct c2s_client **clients; /* per actor (NULL for peers) */
    struct inbox *inbox;         /* per actor: peers' received stanzas; clients' used flags */
    struct inbox *nego;          /* per actor: what peers received besides stanzas (peer.h) */
    int *client_ready, *client_failed;
    int *client_retried; /* a login retried after a SUT error before authentication */
    char **client_why;
    struct sut_account *accounts; /* per actor: the client's account (owned strings) */
    /* Each peer's domain gets a name of its own for this run (gmail.test -> r1a2b3c.gmail.test):
     * the SUT's resolver cache then never answers for it, so "the SUT asked" is about this run. */
    char **dom_from, **dom_to; /* owned */
    size_t ndom;
    /* ... and its addresses too: the fixtures' 127.0.0.X are 127.A.B.X in this run (0 0: kept).
     * A SUT that remembers addresses (jabberd2's bad-host list, keyed by ADDRESS:PORT, set on any
     * close) then never carries what one scenario did into the next. The SUT's own are kept. */
    unsigned char addr_a, addr_b;
    unsigned char addr_keep[256]; /* 127.0.0.X the SUT file names: never mapped */
    int port_base;                /* 0: SRV ports kept; else where the run's own start */
    int ports[4];                 /* the SRV ports seen, in order: port_base + index */
    size_t nports;
    struct dns_faults faults;   /* owned: what `dns answers/drops/...` steps injected */
    struct chance chance;       /* owned: every random choice, from the run's seed */
    unsigned long choices_done; /* ... made until the verdict */
    uint64_t digest_done;
    struct diagnose_facts *facts; /* owned: what happened, for a failure's diagnosis */
    struct match_vars vars;
    struct dnsq *queries;
    size_t nqueries;
    size_t step;
    int step_started;
    size_t nothing_base; /* receives nothing: what had arrived when it began */
    size_t nothing_seen; /* ... and how many of the actor's stanzas it has looked at */
    struct event *timer, *kick, *watchdog;
    int done;
    int listen_pending; /* peers' listen addresses still being looked up (advance waits) */
    char *tail[TAIL_LINES];
    size_t ntail;
};

const char *
runner_outcome_str(enum runner_outcome o)
{
    static const char *names[] = {"ok", "fail", "error", "skip", "xfail"};

    return names[o];
}

static void note(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line of the transcript: kept for the failure report, written out if asked. */
static void
note(struct run *run, const char *fmt, ...)
{
    char line[1024], stamp[32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    clock_format_wall(stamp, sizeof(stamp));
    if (run->o->transcript != NULL) {
        fprintf(run->o->transcript, "%s %s\n", stamp, line);
        fflush(run->o->transcript);
    }
    free(run->tail[run->ntail % TAIL_LINES]);
    run->tail[run->ntail % TAIL_LINES] = xasprintf("%s %s", stamp, line);
    run->ntail++;
}

/* An arrow for the report (with --report): from and to are lifelines. Returns it, or NULL
 * when not recording (or past 5000 arrows). */
static struct runner_event *
event(struct run *run, size_t from, size_t to, const char *label, const char *raw)
{
    struct runner_event *e;

    if (!run->o->record_events || run->r->nevents >= 5000)
        return NULL;
    run->r->events = xreallocarray(run->r->events, run->r->nevents + 1, sizeof(*e));
    e = &run->r->events[run->r->nevents++];
    memset(e, 0, sizeof(*e));
    e->t = (double)(clock_monotonic_us() - run->t0) / 1e6;
    e->from = from;
    e->to = to;
    snprintf(e->label, sizeof(e->label), "%s", label);
    e->raw = xstrdup(raw != NULL ? raw : label);
    return e;
}

/* A stanza's label: its name, type and id. */
static void
stanza_event(struct run *run, size_t from, size_t to, const struct xml_node *n)
{
    char label[96], *raw = xml_serialize(n, n->ns, NULL, NULL);
    const char *type = xml_attr(n, "type"), *id = xml_attr(n, "id");

    snprintf(label, sizeof(label), "<%s%s%s%s%s>", n->name, type != NULL ? " " : "",
             type != NULL ? type : "", id != NULL ? " #" : "", id != NULL ? id : "");
    event(run, from, to, label, raw);
    free(raw);
}

void
runner_result_clear(struct runner_result *r)
{
    size_t i;

    for (i = 0; i < r->nevents; i++)
        free(r->events[i].raw);
    free(r->events);
    r->events = NULL;
    r->nevents = 0;
    free(r->message);
    r->message = NULL;
    free(r->step_seconds);
    r->step_seconds = NULL;
}

static void
kick(struct run *run)
{
    if (!run->done)
        event_active(run->kick, EV_TIMEOUT, 0);
}

static size_t actor_of_domain_line(const struct run *run, const char *line);

static void
on_peer_report(const char *line, void *arg)
{
    struct run *run = arg;
    static const char *const shown[] = {"STARTTLS done",    "direct TLS done", "authenticated by",
                                        "stream error",     ": connected to",  "stream from",
                                        "dialback key for", "refused",         "cut after",
                                        "cannot connect"};
    size_t i, a;

    note(run, "%s", line);
    for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const char *what = strstr(line, ": s2s ");

        if (strstr(line, shown[i]) == NULL || what == NULL ||
            (a = actor_of_domain_line(run, line)) == (size_t)-3)
            continue;
        {
            int inbound = strncmp(what, ": s2s in", 8) == 0;
            const char *label = strstr(what + 6, ": ");

            event(run, inbound ? RUNNER_SUT : a, inbound ? a : RUNNER_SUT,
                  label != NULL ? label + 2 : what + 2, line);
        }
        break;
    }
    kick(arg);
}

/* The peer actor whose domain starts a report line, or (size_t)-3. */
static size_t
actor_of_domain_line(const struct run *run, const char *line)
{
    size_t i, len;

    for (i = 0; i < run->s->nactors; i++) {
        if (run->peers[i] == NULL)
            continue;
        len = strlen(run->peers[i]->domain);
        if (strncmp(line, run->peers[i]->domain, len) == 0 && line[len] == ':')
            return i;
    }
    return (size_t)-3;
}

static size_t
actor_of_peer(const struct run *run, const struct peer *p)
{
    size_t i;

    for (i = 0; i < run->s->nactors; i++)
        if (run->peers[i] == p)
            return i;
    fatalx("a peer without an actor");
}

static void
on_peer_stanza(struct peer *p, const struct xml_node *n, void *arg)
{
    struct run *run = arg;
    struct inbox *in = &run->inbox[actor_of_peer(run, p)];

    stanza_event(run, RUNNER_SUT, actor_of_peer(run, p), n);
    in->items = xreallocarray(in->items, in->n + 1, sizeof(*in->items));
    in->items[in->n++] = xml_clone(n);
    kick(run);
}

/* Something the SUT sent a peer besides stanzas: its elements go to the actor's negotiation
 * inbox (receives negotiation); every entry wakes the steps (stream close, connection closed). */
static void
on_peer_nego(struct peer *p, const struct peer_nego *n, void *arg)
{
    struct run *run = arg;
    struct inbox *in = &run->nego[actor_of_peer(run, p)];

    if (n->kind == PEER_NEGO_ELEMENT) {
        in->items = xreallocarray(in->items, in->n + 1, sizeof(*in->items));
        in->meta = xreallocarray(in->meta, in->n + 1, sizeof(*in->meta));
        in->items[in->n] = xml_clone(n->el);
        in->meta[in->n] = *n;
        in->meta[in->n++].el = NULL;
    }
    kick(run);
}

/* 1 if a negotiation record came on a stream the step is about (inbound, outbound, raw, over
 * tls...). */
static int
nego_fits(const struct scenario_step *st, const struct peer_nego *m)
{
    if ((st->dir == STEP_DIR_IN && m->dir != PEER_NEGO_IN) ||
        (st->dir == STEP_DIR_OUT && m->dir != PEER_NEGO_OUT) ||
        (st->dir == STEP_DIR_RAW && m->dir != PEER_NEGO_RAW) ||
        (st->dir == STEP_DIR_VERIFY && m->dir != PEER_NEGO_VERIFY))
        return 0;
    if ((st->tls == STEP_TLS_YES && m->tls == 0) || (st->tls == STEP_TLS_NO && m->tls != 0) ||
        (st->tls == STEP_TLS_DIRECT && m->tls != 2))
        return 0;
    return !st->after_sasl || m->sasl;
}

/* 1 if item i of what step st looks at is one it may take: any stanza for a stanza step; for a
 * negotiation step, an element from the streams it is about. */
static int
fits(const struct run *run, const struct scenario_step *st, size_t i)
{
    return !st->nego || nego_fits(st, &run->nego[st->actor].meta[i]);
}

/*
 * The facts a failure's diagnosis is built from (diagnose.h), collected here as they happen:
 * DNS answers as given, faults as injected, peers as set up. What the peers' sessions saw is
 * read from their counters when the scenario ends (diagnosis()).
 */
static void
note_dns_fact(struct run *run, const struct dns_query_record *rec)
{
    char type[16];

    dns_answer_type_str(rec->info.qtype, type, sizeof(type));
    diagnose_note_dns(run->facts, rec->info.qname, type, rec->info.rcode, rec->info.ancount,
                      rec->info.truncated, rec->tcp,
                      resolve_is_own_query((const struct sockaddr *)&rec->client), rec->info.fault,
                      rec->info.delay_ms);
}

/* A `dns answers|drops|delays|truncates|replaces|restores` step that took effect. */
static void
note_dns_fault_fact(struct run *run, const struct scenario_step *st, const char *name)
{
    static const enum diagnose_fault_kind kinds[] = {
            [DNS_FAULT_RCODE] = DIAGNOSE_FAULT_DNS_RCODE,
            [DNS_FAULT_DROP] = DIAGNOSE_FAULT_DNS_DROP,
            [DNS_FAULT_DELAY] = DIAGNOSE_FAULT_DNS_DELAY,
            [DNS_FAULT_TRUNCATE] = DIAGNOSE_FAULT_DNS_TRUNCATE,
            [DNS_FAULT_REPLACE] = DIAGNOSE_FAULT_DNS_REPLACE};
    char value[160] = "";
    size_t i, n = 0;

    if (st->kind == STEP_DNS_RESTORE) {
        diagnose_note_restore(run->facts, name, st->arg2, st->line);
        return;
    }
    /* The replacing records as the scenario wrote them, on one line: "; " between records,
     * runs of blanks as one. */
    for (i = 0; st->records && st->stanza != NULL && st->stanza[i] != '\0'; i++) {
        const char *add = st->stanza[i] == '\n' ? "; " : st->stanza[i] == ' ' ? " " : NULL;
        char one[2] = {st->stanza[i], '\0'};

        if (add != NULL && n > 0 && value[n - 1] == ' ')
            continue;
        n += (size_t)snprintf(value + n, sizeof(value) - n, "%s", add != NULL ? add : one);
        if (n >= sizeof(value) - 1) {
            n = sizeof(value) - 1;
            break;
        }
    }
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == ';'))
        n--;
    value[n] = '\0';
    diagnose_note_fault(run->facts, kinds[st->fault], (size_t)-1, name, st->arg2,
                        st->records ? value : st->arg3, st->line);
}

/* The peer actor's index in the facts (peers are added in actor order). */
static size_t
fact_peer(const struct run *run, size_t actor)
{
    size_t i, k = 0;

    for (i = 0; i < actor; i++)
        k += run->peers[i] != NULL;
    return k;
}

static void
on_query(const struct dns_query_record *rec, void *arg)
{
    struct run *run = arg;
    struct dnsq *q;
    char line[512];
    size_t len;

    dns_server_format_record(rec, line, sizeof(line));
    note_dns_fact(run, rec);
    if (resolve_is_own_query((const struct sockaddr *)&rec->client)) {
        /* fedsim's peers looking something up: not what the SUT asked. */
        note(run, "dns (fedsim's own lookup): %s", line + 25);
        return;
    }
    note(run, "dns: %s", line + 25);
    {
        char label[96], type[16];

        dns_answer_type_str(rec->info.qtype, type, sizeof(type));
        snprintf(label, sizeof(label), "%.70s %s", rec->info.qname, type);
        event(run, RUNNER_SUT, RUNNER_DNS, label, line + 25);
    }
    run->queries = xreallocarray(run->queries, run->nqueries + 1, sizeof(*run->queries));
    q = &run->queries[run->nqueries++];
    q->name = xstrdup(rec->info.qname);
    len = strlen(q->name);
    if (len > 1 && q->name[len - 1] == '.')
        q->name[len - 1] = '\0';
    dns_answer_type_str(rec->info.qtype, q->type, sizeof(q->type));
    kick(run);
}

static size_t
client_actor(const struct run *run, const struct c2s_client *c)
{
    size_t i;

    for (i = 0; i < run->s->nactors; i++)
        if (run->clients[i] == c)
            return i;
    fatalx("a client without an actor");
}

static void
on_client_ready(struct c2s_client *c, void *arg)
{
    struct run *run = arg;
    size_t a = client_actor(run, c);

    run->client_ready[a] = 1;
    note(run, "%s: logged in as %s (%s)", run->s->actors[a].name, c2s_jid(c), c2s_mechanism(c));
    kick(run);
}

static void
on_client_stanza(struct c2s_client *c, const struct xml_node *n, void *arg)
{
    struct run *run = arg;
    char *text = xml_serialize(n, XML_NS_CLIENT, NULL, NULL);
    size_t nrec;

    struct inbox *in = &run->inbox[client_actor(run, c)];

    (void)c2s_received(c, &nrec);
    if (c2s_echo(c) == nrec - 1) {
        note(run,
             "%s: receives the echo of its initial presence (RFC 6121 §4.2.2; set aside: "
             "only a receives step that asks for it takes it) %s",
             run->s->actors[client_actor(run, c)].name, text);
    } else {
        note(run, "%s: receives %s", run->s->actors[client_actor(run, c)].name, text);
        /* For never receives, which does not see the echo either. */
        in->items = xreallocarray(in->items, in->n + 1, sizeof(*in->items));
        in->items[in->n++] = xml_clone(n);
    }
    free(text);
    stanza_event(run, RUNNER_SUT, client_actor(run, c), n);
    kick(run);
}

static void
on_client_failed(struct c2s_client *c, const char *why, void *arg)
{
    struct run *run = arg;
    size_t a = client_actor(run, c);

    run->client_failed[a] = 1;
    free(run->client_why[a]);
    run->client_why[a] = xstrdup(why);
    note(run, "%s: c2s session over: %s", run->s->actors[a].name, why);
    kick(run);
}

static const struct c2s_handler client_handler = {
        .ready = on_client_ready, .stanza = on_client_stanza, .failed = on_client_failed};

/* Ends the scenario with an outcome; the message is printf-like. */
static void finish(struct run *run, enum runner_outcome o, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void
finish(struct run *run, enum runner_outcome o, int line, const char *fmt, ...)
{
    va_list ap;

    if (run->done)
        return;
    run->done = 1;
    run->r->outcome = o;
    run->r->line = line;
    /* The choices up to the verdict: what the last stanzas of the teardown draw is not the
     * run's (their number depends on timing). */
    run->choices_done = run->chance.choices;
    run->digest_done = run->chance.digest;
    va_start(ap, fmt);
    vsnprintf(run->msg, sizeof(run->msg), fmt, ap);
    va_end(ap);
    if (run->o->transcript != NULL) { /* the last line: the verdict, as it stands now */
        char stamp[32];

        clock_format_wall(stamp, sizeof(stamp));
        fprintf(run->o->transcript, "%s outcome: %s%s%s\n", stamp, runner_outcome_str(o),
                run->msg[0] != '\0' ? ": " : "", run->msg);
        fflush(run->o->transcript);
    }
    if (o != RUN_OK) {
        char label[96];
        struct runner_event *e;

        snprintf(label, sizeof(label), "%s at line %d", runner_outcome_str(o), line);
        if ((e = event(run, RUNNER_SUT, RUNNER_SUT, label, run->msg)) != NULL)
            e->failed = 1;
    }
    loop_stop();
}

static int
label_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* At p, a whole "127.0.0.X" this run maps: writes "127.A.B.X" into out (32 bytes), points *add
 * at it, moves *p to the address's last character and returns its length; else 1. */
static size_t
map_address(const struct run *run, const char *text, const char **p, char *out, const char **add)
{
    const char *s = *p, *d = s + 8;
    unsigned x = 0;
    int n = 0;

    if (strncmp(s, "127.0.0.", 8) != 0 ||
        (s > text && (isdigit((unsigned char)s[-1]) || s[-1] == '.' || label_char(s[-1]))))
        return 1;
    while (n < 3 && isdigit((unsigned char)d[n]))
        x = x * 10 + (unsigned)(d[n++] - '0');
    /* Not a prefix of something longer: "127.0.0.20" is not "127.0.0.2", a name neither. */
    if (n == 0 || x > 255 || isdigit((unsigned char)d[n]) || label_char(d[n]) ||
        (d[n] == '.' && isalnum((unsigned char)d[n + 1])))
        return 1;
    /* .0, .1 (the usual SUT address), .254 (fedsim's own lookups leave from it), .255 stay. */
    if (x == 0 || x == 1 || x >= 254 || run->addr_keep[x])
        return 1;
    snprintf(out, 32, "127.%u.%u.%u", run->addr_a, run->addr_b, x);
    *add = out;
    *p = d + n - 1;
    return strlen(out);
}

/* At p, an SRV record's "SRV PRIO WEIGHT PORT" when the run maps ports: writes it with the
 * run's port into out (128 bytes), as map_address. The mapping is kept per run, so the zone
 * files and a step's records agree. */
static size_t
map_srv_port(struct run *run, const char *text, const char **p, char *out, const char **add)
{
    const char *s = *p, *q = s + 3, *field[3];
    size_t i, k;
    long port;
    char *end;

    if (strncasecmp(s, "SRV", 3) != 0 || s == text || !isspace((unsigned char)s[-1]) ||
        !isspace((unsigned char)*q))
        return 1;
    for (i = 0; i < 3; i++) {
        while (*q == ' ' || *q == '\t')
            q++;
        field[i] = q;
        if (!isdigit((unsigned char)*q))
            return 1;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q != '\0' && !isspace((unsigned char)*q))
        return 1;
    port = strtol(field[2], &end, 10);
    if (port <= 0 || port > 65535 || field[2] - s > 64)
        return 1;
    for (k = 0; k < run->nports && run->ports[k] != port; k++)
        ;
    if (k == run->nports) {
        if (run->nports == sizeof(run->ports) / sizeof(run->ports[0]))
            return 1; /* a fifth port is kept as it is */
        run->ports[run->nports++] = (int)port;
    }
    snprintf(out, 128, "%.*s%d", (int)(field[2] - s), s, run->port_base + (int)k);
    *add = out;
    *p = end - 1;
    return strlen(out);
}

/* Replaces every whole occurrence of a peer domain by its name for this run, and every fixture
 * address by this run's (owned). */
static char *
relabel(const char *text, void *arg)
{
    struct run *run = arg;
    size_t cap = strlen(text) * 2 + 64, len = 0;
    char *out = xmalloc(cap);
    const char *p = text;
    char mapped[128];

    while (*p != '\0') {
        const char *add = p;
        size_t addlen = 1, i;

        for (i = 0; i < run->ndom; i++) {
            size_t fl = strlen(run->dom_from[i]);
            const char *after = p + fl;

            if (strncmp(p, run->dom_from[i], fl) != 0 || (p > text && label_char(p[-1])))
                continue;
            /* Not a prefix of a longer name: "gmail.test" in "gmail.test.example". */
            if (label_char(*after) || (*after == '.' && label_char(after[1])))
                continue;
            add = run->dom_to[i];
            addlen = strlen(add);
            p += fl - 1;
            break;
        }
        if (i == run->ndom && run->addr_a != 0)
            addlen = map_address(run, text, &p, mapped, &add);
        if (i == run->ndom && addlen == 1 && run->port_base != 0)
            addlen = map_srv_port(run, text, &p, mapped, &add);
        if (len + addlen + 1 > cap) {
            cap = (len + addlen + 1) * 2;
            out = xreallocarray(out, cap, 1);
        }
        memcpy(out + len, add, addlen);
        len += addlen;
        p++;
    }
    out[len] = '\0';
    return out;
}

static char *
expand(struct run *run, const struct scenario_step *st, const char *text)
{
    char err[256], *out = match_expand(&run->vars, text, err, sizeof(err)), *renamed;

    if (out == NULL) {
        finish(run, RUN_FAIL, st->line, "%s:%d: %s", run->s->path, st->line, err);
        return NULL;
    }
    renamed = relabel(out, run);
    free(out);
    return renamed;
}

/* A stanza text of a step (line: where it starts), variables expanded, parsed in the actor's
 * namespace. */
static struct xml_node *
parse_stanza(struct run *run, const struct scenario_step *st, const char *stanza, int line)
{
    const char *ns = run->s->actors[st->actor].kind == ACTOR_CLIENT ? XML_NS_CLIENT : XML_NS_SERVER;
    char *text = expand(run, st, stanza), err[512];
    struct xml_node *n;

    if (text == NULL)
        return NULL;
    n = xml_parse_element(text, ns, err, sizeof(err));
    if (n == NULL)
        finish(run, RUN_FAIL, st->line, "%s:%d: after variables, the stanza is not XML: %s",
               run->s->path, line, err);
    free(text);
    return n;
}

/* The stanza of a step, variables expanded, parsed in the actor's namespace. */
static struct xml_node *
step_stanza(struct run *run, const struct scenario_step *st)
{
    return parse_stanza(run, st, st->stanza, st->stanza_line);
}

/* The step's stanza and each alternative after it (`or`), parsed: an owned array of *n, freed
 * with free_stanzas; NULL (the run finished) if one does not expand or parse. */
static struct xml_node **
step_stanzas(struct run *run, const struct scenario_step *st, size_t *n)
{
    struct xml_node **all = xcalloc(st->nalts + 1, sizeof(*all));
    size_t k;

    *n = st->nalts + 1;
    for (k = 0; k < *n; k++) {
        all[k] = k == 0 ? step_stanza(run, st)
                        : parse_stanza(run, st, st->alts[k - 1].stanza, st->alts[k - 1].line);
        if (all[k] == NULL) {
            while (k > 0)
                xml_node_free(all[--k]);
            free(all);
            return NULL;
        }
    }
    return all;
}

static void
free_stanzas(struct xml_node **all, size_t n)
{
    size_t k;

    for (k = 0; all != NULL && k < n; k++)
        xml_node_free(all[k]);
    free(all);
}

/* A stanza text of a step as the run saw it (variables expanded, names relabelled), indented
 * for a report (owned); the text as written if it does not expand. */
static char *
shown_stanza(struct run *run, const char *text)
{
    char err[256], *out = match_expand(&run->vars, text, err, sizeof(err)), *renamed, *q;
    size_t lines = 1, len;

    renamed = relabel(out != NULL ? out : text, run);
    free(out);
    for (q = renamed; *q != '\0'; q++)
        lines += *q == '\n';
    out = xmalloc(strlen(renamed) + lines * 4 + 1);
    for (q = renamed, len = 0; *q != '\0'; q++) {
        out[len++] = *q;
        if (*q == '\n') {
            memcpy(out + len, "    ", 4);
            len += 4;
        }
    }
    out[len] = '\0';
    free(renamed);
    return out;
}

/* "\n  expected: STANZA", or with alternatives "\n  expected one of:\n    A\n  or\n    B",
 * into buf. */
static void
expected_text(struct run *run, const struct scenario_step *st, const char *label, char *buf,
              size_t len)
{
    size_t used = 0, k;
    char *t;

    buf[0] = '\0';
    if (st->stanza == NULL)
        return;
    t = shown_stanza(run, st->stanza);
    if (st->nalts == 0) {
        snprintf(buf, len, "\n  %s: %s", label, t);
        free(t);
        return;
    }
    used += (size_t)snprintf(buf, len, "\n  %s one of:\n    %s", label, t);
    free(t);
    for (k = 0; k < st->nalts && used < len; k++) {
        t = shown_stanza(run, st->alts[k].stanza);
        used += (size_t)snprintf(buf + used, len - used, "\n  or\n    %s", t);
        free(t);
    }
}

/* The stanzas an actor has received; *used (sized to n) marks those earlier steps matched. */
static struct xml_node *const *
received_in(struct run *run, size_t a, int nego, size_t *n, char **used)
{
    struct inbox *in = nego ? &run->nego[a] : &run->inbox[a];
    struct xml_node *const *items;

    if (nego) {
        *n = in->n;
        items = in->items;
    } else if (run->s->actors[a].kind == ACTOR_PEER) {
        *n = in->n;
        items = in->items;
    } else if (run->clients[a] == NULL) {
        *n = 0;
        items = NULL;
    } else {
        items = c2s_received(run->clients[a], n);
    }
    if (in->nused < *n) {
        in->used = xreallocarray(in->used, *n, 1);
        memset(in->used + in->nused, USED_FREE, *n - in->nused);
        in->nused = *n;
    }
    if (run->s->actors[a].kind == ACTOR_CLIENT && run->clients[a] != NULL) {
        size_t echo = c2s_echo(run->clients[a]);

        if (echo < *n && in->used[echo] == USED_FREE)
            in->used[echo] = USED_ASIDE;
    }
    *used = in->used;
    return items;
}

/* What step st looks at: the actor's stanzas, or for a negotiation step what its peer received
 * besides them (fits() says which of those the step may take). */
static struct xml_node *const *
received(struct run *run, const struct scenario_step *st, size_t *n, char **used)
{
    return received_in(run, st->actor, st->nego, n, used);
}

static int
dns_was_asked(const struct run *run, const char *name, const char *type)
{
    size_t i, len = strlen(name);

    if (len > 1 && name[len - 1] == '.')
        len--;
    for (i = 0; i < run->nqueries; i++)
        if (strlen(run->queries[i].name) == len &&
            strncasecmp(run->queries[i].name, name, len) == 0 &&
            strcasecmp(run->queries[i].type, type) == 0)
            return 1;
    return 0;
}

static enum step_result
do_connect(struct run *run, const struct scenario_step *st)
{
    size_t a = st->actor;
    const struct scenario_actor *act = &run->s->actors[a];

    if (run->clients[a] == NULL) {
        const struct sut_account *acc = &run->accounts[a];
        struct c2s_options co = {.timeout_ms = 10000};

        run->client_ready[a] = run->client_failed[a] = 0;
        run->clients[a] = c2s_new(&run->sut->c2s, run->sut->domain, acc->user, acc->password, &co,
                                  &client_handler, run);
        return STEP_WAIT;
    }
    /*
     * A login the SUT ends with <internal-server-error/> before it authenticated the client
     * (SASL not yet successful) is tried once more, saying so: the scenario asserts nothing
     * about its clients' logins, and jabberd2's c2s does this now and then under load (it keys
     * sessions by file descriptor, so a late answer for a closed session lands on the next
     * connection given the same number: ci/sut/jabberd2/README.md). Anything else, or a second
     * time, fails the step.
     */
    if (run->client_failed[a] && !run->client_retried[a] &&
        c2s_failed_in(run->clients[a]) <= C2S_AUTH &&
        strstr(run->client_why[a], "internal-server-error") != NULL) {
        const struct sut_account *acc = &run->accounts[a];
        struct c2s_options co = {.timeout_ms = 10000};

        note(run, "%s: login tried again: the SUT ended it before authenticating it (%s)",
             act->name, run->client_why[a]);
        run->client_retried[a] = 1;
        c2s_free(run->clients[a]);
        run->client_ready[a] = run->client_failed[a] = 0;
        run->clients[a] = c2s_new(&run->sut->c2s, run->sut->domain, acc->user, acc->password, &co,
                                  &client_handler, run);
        return STEP_WAIT;
    }
    if (run->client_failed[a]) {
        finish(run, RUN_FAIL, st->line, "%s:%d: %s could not log in: %s", run->s->path, st->line,
               act->name, run->client_why[a]);
        return STEP_FAILED;
    }
    if (!run->client_ready[a])
        return STEP_WAIT;
    {
        char key[160];

        snprintf(key, sizeof(key), "%s.full", act->name);
        match_vars_set(&run->vars, key, c2s_jid(run->clients[a]));
    }
    return STEP_DONE;
}

static enum step_result
do_send(struct run *run, const struct scenario_step *st)
{
    struct xml_node *n = step_stanza(run, st);
    size_t a = st->actor;

    if (n == NULL)
        return STEP_FAILED;
    /* Which stanza is the step's, not an autopilot's (for fedsim record --from-transcript). */
    note(run, "%s: step sends %d time(s)", run->s->actors[a].name, st->repeat > 1 ? st->repeat : 1);
    if (run->s->actors[a].kind == ACTOR_CLIENT) {
        if (run->clients[a] == NULL || !run->client_ready[a]) {
            finish(run, RUN_FAIL, st->line, "%s:%d: %s sends before it connects", run->s->path,
                   st->line, run->s->actors[a].name);
            xml_node_free(n);
            return STEP_FAILED;
        }
        for (int i = 0; i < (st->repeat > 1 ? st->repeat : 1); i++) {
            stanza_event(run, a, RUNNER_SUT, n);
            c2s_send(run->clients[a], n);
        }
    } else {
        if (xml_attr(n, "from") == NULL || xml_attr(n, "to") == NULL) {
            finish(run, RUN_FAIL, st->line,
                   "%s:%d: a peer's stanza needs from= and to=", run->s->path, st->stanza_line);
            xml_node_free(n);
            return STEP_FAILED;
        }
        for (int i = 0; i < (st->repeat > 1 ? st->repeat : 1); i++) {
            stanza_event(run, a, RUNNER_SUT, n);
            peer_send(run->peers[a], n);
        }
    }
    xml_node_free(n);
    return STEP_DONE;
}

static enum step_result
do_receive(struct run *run, const struct scenario_step *st)
{
    size_t n, i, nwant;
    struct xml_node **want = step_stanzas(run, st, &nwant);
    char *used;
    struct xml_node *const *items;

    if (want == NULL)
        return STEP_FAILED;
    items = received(run, st, &n, &used);
    if (st->next) {
        /* receives next: the first stanza of the step's element no earlier step took is the
         * one: any other there first is a stanza out of order. */
        for (i = 0; i < n; i++) {
            if (used[i] != USED_FREE || !fits(run, st, i) ||
                !xml_is(items[i], want[0]->ns, want[0]->name))
                continue;
            if (match_one_of(want, nwant, items[i], st->strict ? MATCH_STRICT : MATCH_SUBSET,
                             &run->vars, NULL, 0) >= 0) {
                used[i] = USED_TAKEN;
                free_stanzas(want, nwant);
                return STEP_DONE;
            }
            {
                char *got = xml_serialize(items[i], items[i]->ns, NULL, NULL);
                char expected[2048];

                expected_text(run, st, "expected next", expected, sizeof(expected));
                finish(run, RUN_FAIL, st->line,
                       "%s:%d: %s receives next: the next <%s/> no step took is another one: "
                       "%s%s",
                       run->s->path, st->line, run->s->actors[st->actor].name, items[i]->name, got,
                       expected);
                free(got);
            }
            free_stanzas(want, nwant);
            return STEP_FAILED;
        }
        free_stanzas(want, nwant);
        return STEP_WAIT;
    }
    /* The first stanza no earlier step matched: order between receives is not imposed. */
    for (i = 0; i < n; i++) {
        if (used[i] != USED_TAKEN && fits(run, st, i) &&
            match_one_of(want, nwant, items[i], st->strict ? MATCH_STRICT : MATCH_SUBSET,
                         &run->vars, NULL, 0) >= 0) {
            used[i] = USED_TAKEN;
            free_stanzas(want, nwant);
            return STEP_DONE;
        }
    }
    free_stanzas(want, nwant);
    return STEP_WAIT;
}

/*
 * receives nothing [like]: every stanza of the actor that no positive step took fails it (or,
 * with a stanza, one matching any alternative), whether it arrived before the step began or
 * during its window; not the echo `connects` set aside. Stanzas looked at stay there for
 * later steps.
 */
static enum step_result
do_receive_nothing(struct run *run, const struct scenario_step *st)
{
    size_t n, i, nwant = 0;
    char *used, *got;
    struct xml_node *const *items = received(run, st, &n, &used);
    struct xml_node **want = NULL;
    struct match_vars scratch = {0};
    int hit = 0;

    if (!run->step_started) {
        run->nothing_base = n;
        run->nothing_seen = 0;
    }
    if (run->nothing_seen >= n)
        return STEP_WAIT;
    if (st->stanza != NULL && (want = step_stanzas(run, st, &nwant)) == NULL)
        return STEP_FAILED;
    for (i = run->nothing_seen; i < n && !hit; i++)
        hit = used[i] == USED_FREE && fits(run, st, i) &&
              (want == NULL ||
               match_one_of(want, nwant, items[i], MATCH_SUBSET, &scratch, NULL, 0) >= 0);
    match_vars_clear(&scratch);
    free_stanzas(want, nwant);
    if (!hit) {
        run->nothing_seen = n;
        return STEP_WAIT; /* the timer ends it: passing */
    }
    i--;
    got = xml_serialize(items[i], items[i]->ns, NULL, NULL);
    finish(run, RUN_FAIL, st->line, "%s:%d: %s received %s (%s, and no step took it): %s",
           run->s->path, st->line, run->s->actors[st->actor].name,
           st->stanza != NULL ? "a stanza like the one it must not receive"
                              : "a stanza while it should receive nothing",
           i < run->nothing_base ? "it arrived before the step began"
                                 : "it arrived during the step",
           got);
    free(got);
    return STEP_FAILED;
}

/* The generator's choices go into the transcript. */
static void
on_chance(const char *line, void *arg)
{
    note(arg, "%s", line);
}

static enum step_result
do_dns_fault(struct run *run, const struct scenario_step *st)
{
    char *name = expand(run, st, st->arg1), *records = NULL, *stream = NULL, err[512];
    int rc = 0;

    if (name == NULL)
        return STEP_FAILED;
    if (st->kind == STEP_DNS_RESTORE) {
        dns_faults_remove(&run->faults, name, st->arg2);
    } else if (st->records && (records = expand(run, st, st->stanza)) == NULL) {
        rc = -1;
    } else if (st->ppm < CHANCE_PPM &&
               (stream = xasprintf("dns %s %s", st->arg1, st->arg2),
                dns_faults_add_random(&run->faults, name, st->arg2, (enum dns_fault_kind)st->fault,
                                      st->records ? records : st->arg3, st->ppm, stream, err,
                                      sizeof(err))) != 0) {
        /* Its stream: the question as the scenario writes it, the same in every run. */
        finish(run, RUN_FAIL, st->line, "%s:%d: %s", run->s->path, st->line, err);
        rc = -1;
    } else if (st->ppm >= CHANCE_PPM &&
               dns_faults_add(&run->faults, name, st->arg2, (enum dns_fault_kind)st->fault,
                              st->records ? records : st->arg3, err, sizeof(err)) != 0) {
        finish(run, RUN_FAIL, st->line, "%s:%d: %s", run->s->path, st->line, err);
        rc = -1;
    } else if (hosts_write_part(run->sut->hosts, run->o->hosts_part, run->zones, &run->faults, err,
                                sizeof(err)) != 0) {
        finish(run, RUN_ERROR, st->line, "%s:%d: %s", run->s->path, st->line, err);
        rc = -1;
    }
    if (rc == 0)
        note_dns_fault_fact(run, st, name);
    free(name);
    free(records);
    free(stream);
    return rc == 0 ? STEP_DONE : STEP_FAILED;
}

/* The words of an authentication step's options, for messages. */
static const char *const auth_words[] = {"", " by dialback", " by sasl external"};
static const char *const tls_words[] = {"", " over tls", " without tls", " over direct tls"};
static const char *const dir_words[] = {"", " inbound", " outbound", " raw", " verify"};

static enum step_result
try_step(struct run *run, const struct scenario_step *st)
{
    char *arg;
    int yes = 0;

    switch (st->kind) {
    case STEP_CONNECT:
        return do_connect(run, st);
    case STEP_DISCONNECT:
        c2s_free(run->clients[st->actor]);
        run->clients[st->actor] = NULL;
        run->inbox[st->actor].nused = 0;
        return STEP_DONE;
    case STEP_SEND:
        return do_send(run, st);
    case STEP_RECEIVE:
        return do_receive(run, st);
    case STEP_RECEIVE_NOTHING:
        return do_receive_nothing(run, st);
    case STEP_AUTHENTICATES:
    case STEP_AUTHENTICATED_TO:
        if ((arg = expand(run, st, st->arg1)) == NULL)
            return STEP_FAILED;
        yes = st->kind == STEP_AUTHENTICATES
                      ? peer_authenticated_from(run->peers[st->actor], arg,
                                                (enum peer_auth)st->auth, (enum peer_tls)st->tls)
                      : peer_authenticated_to(run->peers[st->actor], arg, (enum peer_auth)st->auth,
                                              (enum peer_tls)st->tls);
        free(arg);
        return yes ? STEP_DONE : STEP_WAIT;
    case STEP_NOT_AUTHENTICATES:
        if ((arg = expand(run, st, st->arg1)) == NULL)
            return STEP_FAILED;
        yes = peer_authenticated_from(run->peers[st->actor], arg, (enum peer_auth)st->auth,
                                      (enum peer_tls)st->tls);
        if (yes)
            finish(run, RUN_FAIL, st->line, "%s:%d: %s authenticated a stream from %s%s%s",
                   run->s->path, st->line, run->s->actors[st->actor].name, arg,
                   auth_words[st->auth], tls_words[st->tls]);
        free(arg);
        return yes ? STEP_FAILED : STEP_WAIT; /* the timer ends it: passing */
    case STEP_NOT_AUTHENTICATED_TO:
        if ((arg = expand(run, st, st->arg1)) == NULL)
            return STEP_FAILED;
        yes = peer_authenticated_to(run->peers[st->actor], arg, (enum peer_auth)st->auth,
                                    (enum peer_tls)st->tls);
        if (yes)
            finish(run, RUN_FAIL, st->line, "%s:%d: %s's own stream to %s was authenticated%s%s",
                   run->s->path, st->line, run->s->actors[st->actor].name, arg,
                   auth_words[st->auth], tls_words[st->tls]);
        free(arg);
        return yes ? STEP_FAILED : STEP_WAIT; /* the timer ends it: passing */
    case STEP_STREAM_ERROR:
        return peer_got_stream_error(run->peers[st->actor], st->arg1) ? STEP_DONE : STEP_WAIT;
    case STEP_STREAM_CLOSE:
    case STEP_CONN_CLOSED: {
        const struct peer *p = run->peers[st->actor];
        enum peer_nego_kind want =
                st->kind == STEP_STREAM_CLOSE ? PEER_NEGO_STREAM_CLOSE : PEER_NEGO_CONN_END;
        size_t i;

        for (i = 0; i < p->nnego; i++)
            if (p->nego[i].kind == want && nego_fits(st, &p->nego[i]))
                return STEP_DONE;
        return STEP_WAIT;
    }
    case STEP_MAX_CONNECTIONS: {
        unsigned seen = run->peers[st->actor]->facts.accepted;

        if (seen <= (unsigned)strtoul(st->arg1, NULL, 10))
            return STEP_DONE;
        finish(run, RUN_FAIL, st->line, "%s:%d: %s saw %u connections from the SUT, more than %s",
               run->s->path, st->line, run->s->actors[st->actor].name, seen, st->arg1);
        return STEP_FAILED;
    }
    case STEP_DNS_ASKED:
        if ((arg = expand(run, st, st->arg1)) == NULL)
            return STEP_FAILED;
        yes = dns_was_asked(run, arg, st->arg2);
        free(arg);
        return yes ? STEP_DONE : STEP_WAIT;
    case STEP_DNS_NEVER_ASKED:
    case STEP_NEVER_RECEIVES:
        return STEP_DONE; /* checked when the scenario ends */
    case STEP_WAIT_TIME:
        return STEP_WAIT; /* the timer ends it: passing */
    case STEP_DNS_FAULT:
    case STEP_DNS_RESTORE:
        return do_dns_fault(run, st);
    case STEP_SEND_RAW: {
        char err[512], *text = expand(run, st, st->stanza), *nl;

        if (text == NULL)
            return STEP_FAILED;
        /* The indented lines are one run of bytes. */
        while ((nl = strchr(text, '\n')) != NULL)
            memmove(nl, nl + 1, strlen(nl));
        yes = st->unauth ? peer_send_raw_unauthenticated(run->peers[st->actor], run->sut->domain,
                                                         text, err, sizeof(err))
                         : peer_send_raw(run->peers[st->actor], run->sut->domain, text, err,
                                         sizeof(err));
        free(text);
        if (yes != 0) {
            finish(run, RUN_FAIL, st->line, "%s:%d: %s", run->s->path, st->line, err);
            return STEP_FAILED;
        }
        return STEP_DONE;
    }
    case STEP_PEER_MODE: {
        char err[256];

        if (peer_set_mode(run->peers[st->actor], st->arg1, err, sizeof(err)) != 0) {
            finish(run, RUN_ERROR, st->line, "%s:%d: %s", run->s->path, st->line, err);
            return STEP_FAILED;
        }
        diagnose_note_mode(run->facts, fact_peer(run, st->actor), st->arg1, st->line);
        return STEP_DONE;
    }
    }
    fatalx("step kind %d", (int)st->kind);
}

static int
wait_ms(const struct run *run, const struct scenario_step *st)
{
    if (st->within_ms > 0)
        return st->within_ms;
    if (run->s->timeout_ms > 0)
        return run->s->timeout_ms;
    return run->o->default_timeout_ms;
}

/* never receives: over every stanza the actor received in the whole run, taken or not.
 * Returns -1 when it failed the run. */
static int
check_never_receives(struct run *run, const struct scenario_step *st)
{
    const struct inbox *in = st->nego ? &run->nego[st->actor] : &run->inbox[st->actor];
    size_t nwant, i;
    struct xml_node **want = step_stanzas(run, st, &nwant);
    struct match_vars scratch = {0};
    ssize_t k = -1;

    if (want == NULL)
        return -1;
    for (i = 0; i < in->n && k < 0; i++)
        if (fits(run, st, i))
            k = match_one_of(want, nwant, in->items[i], MATCH_SUBSET, &scratch, NULL, 0);
    match_vars_clear(&scratch);
    free_stanzas(want, nwant);
    if (k >= 0) {
        char *got = xml_serialize(in->items[i - 1], in->items[i - 1]->ns, NULL, NULL);

        finish(run, RUN_FAIL, st->line,
               "%s:%d: %s never receives: it received, as stanza %zu of %zu in the run: %s",
               run->s->path, st->line, run->s->actors[st->actor].name, i, in->n, got);
        free(got);
        return -1;
    }
    return 0;
}

/* The checks made when all steps are done: dns never asked, never receives. */
static void
check_never_asked(struct run *run)
{
    size_t i;

    for (i = 0; i < run->s->nsteps; i++) {
        const struct scenario_step *st = &run->s->steps[i];
        char *name;

        if (st->kind == STEP_NEVER_RECEIVES && check_never_receives(run, st) != 0)
            return;
        if (st->kind != STEP_DNS_NEVER_ASKED)
            continue;
        if ((name = expand(run, st, st->arg1)) == NULL)
            return;
        if (dns_was_asked(run, name, st->arg2)) {
            finish(run, RUN_FAIL, st->line, "%s:%d: the DNS was asked %s %s", run->s->path,
                   st->line, name, st->arg2);
            free(name);
            return;
        }
        free(name);
    }
    finish(run, RUN_OK, 0, "%s", "");
}

static void
advance(struct run *run)
{
    /* Not before every peer listens: a peer's report (kick) may come while its own addresses
     * are still being looked up, and a step such as "drops connections" would then miss the
     * listeners made after it. */
    if (run->listen_pending > 0)
        return;
    while (!run->done && run->step < run->s->nsteps) {
        const struct scenario_step *st = &run->s->steps[run->step];
        size_t end = scenario_group_end(run->s, run->step), k;
        enum step_result res = try_step(run, st);

        /* A group of alternative steps (`or STEP`): the first that passes passes the group. */
        for (k = run->step + 1; k < end && res == STEP_WAIT && !run->done; k++)
            if ((res = try_step(run, &run->s->steps[k])) == STEP_DONE)
                note(run, "step %s:%d passed (an alternative of line %d)", run->s->path,
                     run->s->steps[k].line, st->line);
        if (res == STEP_FAILED || run->done)
            return;
        if (res == STEP_WAIT) {
            if (!run->step_started) {
                struct timeval tv = {.tv_sec = wait_ms(run, st) / 1000,
                                     .tv_usec = (wait_ms(run, st) % 1000) * 1000};

                run->step_started = 1;
                evtimer_add(run->timer, &tv);
            }
            return;
        }
        note(run, "step %s:%d passed", run->s->path, st->line);
        for (k = run->step; k < end; k++)
            run->r->step_seconds[k] = (double)(clock_monotonic_us() - run->t0) / 1e6;
        evtimer_del(run->timer);
        run->step_started = 0;
        run->step = end;
    }
    if (!run->done)
        check_never_asked(run);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    advance(arg);
}

/* The other steps of the group of alternatives that begins at step i, none of which passed
 * either, appended to buf. */
static void
alternatives_text(struct run *run, size_t i, char *buf, size_t len)
{
    size_t end = scenario_group_end(run->s, i), k, used = strlen(buf);

    for (k = i + 1; k < end && used < len; k++) {
        const struct scenario_step *alt = &run->s->steps[k];
        char exp[1024] = "";

        if (alt->kind == STEP_RECEIVE)
            expected_text(run, alt, "expected", exp, sizeof(exp));
        if (alt->kind == STEP_DNS_ASKED)
            used += (size_t)snprintf(buf + used, len - used,
                                     "\n  nor its alternative at line %d: dns asked: %s %s",
                                     alt->line, alt->arg1, alt->arg2);
        else
            used += (size_t)snprintf(
                    buf + used, len - used, "\n  nor its alternative at line %d: %s %s%s%s%s",
                    alt->line, run->s->actors[alt->actor].name, scenario_step_str(alt->kind),
                    alt->arg1 != NULL ? " " : "", alt->arg1 != NULL ? alt->arg1 : "", exp);
    }
}

/* A wait ran out: the evidence for the report. */
static void
on_timeout(evutil_socket_t fd, short events, void *arg)
{
    struct run *run = arg;
    const struct scenario_step *st = &run->s->steps[run->step];
    char extra[1200] = "", what[512], expected[4096];

    (void)fd;
    (void)events;
    if ((st->kind == STEP_RECEIVE_NOTHING || st->kind == STEP_NOT_AUTHENTICATES ||
         st->kind == STEP_NOT_AUTHENTICATED_TO) &&
        (try_step(run, st) == STEP_FAILED || run->done)) /* the window's last look */
        return;
    if (st->kind == STEP_RECEIVE_NOTHING || st->kind == STEP_WAIT_TIME ||
        st->kind == STEP_NOT_AUTHENTICATES || st->kind == STEP_NOT_AUTHENTICATED_TO) {
        note(run, "step %s:%d passed", run->s->path, st->line);
        run->r->step_seconds[run->step] = (double)(clock_monotonic_us() - run->t0) / 1e6;
        run->step_started = 0;
        run->step++;
        advance(run);
        return;
    }
    if (st->kind == STEP_CONNECT && run->clients[st->actor] != NULL) {
        enum c2s_state cs = c2s_state(run->clients[st->actor]);
        char addr[NET_ADDRSTRLEN];

        net_addr_format((const struct sockaddr *)&run->sut->c2s.ss, addr, sizeof(addr));
        /* Not a verdict on the SUT's federation: it did not answer its own users at all. */
        if (cs == C2S_CONNECTING)
            finish(run, RUN_ERROR, st->line,
                   "%s:%d: %s connects: the SUT did not accept a c2s connection at %s within "
                   "%d ms: it is not running, or stopped answering",
                   run->s->path, st->line, run->s->actors[st->actor].name, addr, wait_ms(run, st));
        else if (cs != C2S_READY && cs != C2S_FAILED && cs != C2S_CLOSED)
            finish(run, RUN_ERROR, st->line,
                   "%s:%d: %s connects: the SUT accepted the connection at %s but stopped "
                   "answering (at %s, %d ms): it is frozen or overloaded",
                   run->s->path, st->line, run->s->actors[st->actor].name, addr, c2s_state_str(cs),
                   wait_ms(run, st));
        if (run->done)
            return;
    }
    if (st->kind == STEP_RECEIVE) {
        size_t nwant, n, i, k, best = (size_t)-1, bestk = 0, unused = 0, bestd = (size_t)-1;
        struct xml_node **want = step_stanzas(run, st, &nwant);
        char *used;
        struct xml_node *const *items = received(run, st, &n, &used);
        enum match_mode mode = st->strict ? MATCH_STRICT : MATCH_SUBSET;

        for (i = 0; want != NULL && i < n; i++) {
            unused += used[i] == USED_FREE;
            for (k = 0; k < nwant && used[i] != USED_TAKEN && fits(run, st, i); k++) {
                size_t d;

                /* The closest by distance, among stanzas of the element asked for. */
                if (!xml_is(items[i], want[k]->ns, want[k]->name))
                    continue;
                d = match_distance(want[k], items[i], mode, &run->vars);
                if (d < bestd) {
                    bestd = d;
                    best = i;
                    bestk = k;
                }
            }
        }
        if (want != NULL && best != (size_t)-1) {
            char why[512], *got = xml_serialize(items[best], want[bestk]->ns, NULL, NULL);
            struct match_vars scratch = {0};

            for (i = 0; i < run->vars.n; i++) /* known captures must recur; none is kept */
                match_vars_set(&scratch, run->vars.names[i], run->vars.values[i]);

            match_stanza(want[bestk], items[best], mode, &scratch, why, sizeof(why));
            snprintf(extra, sizeof(extra), "\n  closest received: %.600s\n  difference%s: %.400s",
                     got, nwant > 1 ? " (from the closest alternative)" : "", why);
            free(got);
            match_vars_clear(&scratch);
        } else if (want != NULL) {
            snprintf(extra, sizeof(extra), "\n  nothing like it arrived (%zu other stanzas)",
                     unused);
        }
        free_stanzas(want, nwant);
    }
    if (run->done)
        return;
    if (st->kind == STEP_DNS_ASKED) {
        snprintf(what, sizeof(what), "dns asked: %s %s: nobody asked", st->arg1, st->arg2);
    } else if (st->kind == STEP_STREAM_ERROR) {
        snprintf(what, sizeof(what), "%s receives stream error %s: not so",
                 run->s->actors[st->actor].name, st->arg1);
    } else if (st->kind == STEP_STREAM_CLOSE || st->kind == STEP_CONN_CLOSED) {
        snprintf(what, sizeof(what), "%s %s%s%s%s: not so", run->s->actors[st->actor].name,
                 scenario_step_str(st->kind), dir_words[st->dir], tls_words[st->tls],
                 st->after_sasl ? " after sasl" : "");
    } else if (st->kind == STEP_AUTHENTICATES || st->kind == STEP_AUTHENTICATED_TO) {

        char *dom = expand(run, st, st->arg1);

        if (run->done) {
            free(dom);
            return;
        }
        snprintf(what, sizeof(what), "%s %s %s%s%s: not so", run->s->actors[st->actor].name,
                 scenario_step_str(st->kind), dom != NULL ? dom : st->arg1, auth_words[st->auth],
                 tls_words[st->tls]);
        free(dom);
    } else {
        snprintf(what, sizeof(what), "%s %s: nothing", run->s->actors[st->actor].name,
                 scenario_step_str(st->kind));
    }
    expected_text(run, st, "expected", expected, sizeof(expected));
    alternatives_text(run, run->step, expected, sizeof(expected));
    finish(run, RUN_FAIL, st->line, "%s:%d: %s within %d ms%s%s", run->s->path, st->line, what,
           wait_ms(run, st), expected, extra);
}

/* A client's account: a fresh one from the SUT's register command, or the one it names. */
static int
client_account(struct run *run, size_t i)
{
    const struct scenario_actor *a = &run->s->actors[i];
    const struct sut_account *acc = NULL;
    char err[512], *end;
    size_t k;

    if (a->account == NULL) {
        if (sut_register(run->sut, &run->accounts[i], err, sizeof(err)) != 0) {
            finish(run, RUN_ERROR, a->line, "%s:%d: client %s: %s", run->s->path, a->line, a->name,
                   err);
            return -1;
        }
        note(run, "%s: fresh SUT account %s", a->name, run->accounts[i].user);
        return 0;
    }
    k = (size_t)strtol(a->account, &end, 10);
    if (*end == '\0' && k >= 1 && k <= run->sut->naccounts)
        acc = &run->sut->accounts[k - 1];
    for (k = 0; acc == NULL && k < run->sut->naccounts; k++)
        if (strcmp(run->sut->accounts[k].user, a->account) == 0)
            acc = &run->sut->accounts[k];
    if (acc == NULL) {
        finish(run, RUN_ERROR, a->line, "%s:%d: the SUT file has no account \"%s\"", run->s->path,
               a->line, a->account);
        return -1;
    }
    run->accounts[i].user = xstrdup(acc->user);
    run->accounts[i].password = xstrdup(acc->password);
    return 0;
}

/* The bytes of every connection into the transcript (not into the failure report's tail). */
static void
transcript_bytes(const char *label, const char *dir, const char *data, size_t len, void *arg)
{
    struct run *run = arg;
    char stamp[32];

    clock_format_wall(stamp, sizeof(stamp));
    fprintf(run->o->transcript, "%s %s %s %.*s\n", stamp, label, dir, (int)len, data);
}

/* 1 if the scenario has peer actor a authenticate by dialback: an authentication step says
 * `by dialback`, a step tells it what to do with dialback, or a knob makes dialback its point. */
static int
peer_does_dialback(const struct run *run, size_t a)
{
    const struct scenario_actor *act = &run->s->actors[a];
    size_t i;

    for (i = 0; i < act->nknobs; i++)
        if (transport_knob_dialback(act->knobs[i]))
            return 1;
    for (i = 0; i < run->s->nsteps; i++) {
        const struct scenario_step *st = &run->s->steps[i];

        if (st->actor != a)
            continue;
        if ((st->kind == STEP_AUTHENTICATES || st->kind == STEP_AUTHENTICATED_TO) &&
            st->auth == STEP_AUTH_DIALBACK)
            return 1;
        if (st->kind == STEP_PEER_MODE && (strncmp(st->arg1, "answers dialback", 16) == 0 ||
                                           strcmp(st->arg1, "ignores dialback") == 0))
            return 1;
    }
    return 0;
}

/* A peer's transport: as its profile and knobs say in a scenario with a requires: line (about
 * the transport itself); else following the SUT file's tls where the knobs leave it open. */
static void
peer_transport(struct run *run, size_t a, struct profile *prof)
{
    const struct scenario_actor *act = &run->s->actors[a];
    enum transport_variant v = transport_variant_of(run->sut->tls);
    unsigned pinned = 0;
    char what[160];
    size_t k;

    if (run->s->requires_tls != NULL) {
        note(run, "%s: transport as its profile says (the scenario requires tls %s)", act->name,
             run->s->requires_tls);
        return;
    }
    for (k = 0; k < act->nknobs; k++)
        pinned |= transport_knob_pin(act->knobs[k]);
    transport_follow(prof, pinned, v, peer_does_dialback(run, a), what, sizeof(what));
    note(run, "%s: transport follows the SUT's tls %s: %s", act->name, transport_variant_str(v),
         what);
}

/* 127.0.0.X in an address of the SUT file: X, else 0. */
static unsigned
sut_octet(const struct net_addr *a)
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)&a->ss;
    uint32_t v;

    if (a->len == 0 || a->ss.ss_family != AF_INET)
        return 0;
    v = ntohl(in->sin_addr.s_addr);
    return (v >> 8) == (127u << 16) ? v & 0xff : 0;
}

/* This run's address block: one after the other from a random start, so two runs of a process
 * (and, very likely, of two processes) never share one. 250 * 256 blocks: 127.1.0.X on. */
static void
pick_addresses(struct run *run)
{
    static unsigned next;
    static int started;
    unsigned char rnd[2];
    unsigned block;

    if (!started) {
        RAND_bytes(rnd, sizeof(rnd));
        next = ((unsigned)rnd[0] << 8 | rnd[1]) % RUNNER_ADDR_BLOCKS;
        started = 1;
    }
    if (run->o->addr_block > 0) {
        block = (run->o->addr_block - 1) % RUNNER_ADDR_BLOCKS;
    } else {
        block = next;
        next = (next + 1) % RUNNER_ADDR_BLOCKS;
    }
    run->addr_a = (unsigned char)(1 + block / 256);
    run->addr_b = (unsigned char)(block % 256);
    /* Ports of their own too (side by side runs: peers on ::1, which is one address): SRV
     * port P becomes 20000 + 4 * (block % 2500) + the index of P among the run's ports. */
    run->port_base = run->o->map_ports ? 20000 + 4 * (block % 2500) : 0;
    run->nports = 0;
    memset(run->addr_keep, 0, sizeof(run->addr_keep));
    run->addr_keep[sut_octet(&run->sut->s2s)] = 1;
    run->addr_keep[sut_octet(&run->sut->c2s)] = 1;
    run->addr_keep[sut_octet(&run->sut->dns)] = 1;
    note(run, "the fixtures' addresses 127.0.0.X are 127.%u.%u.X in this run", run->addr_a,
         run->addr_b);
}

static int
setup(struct run *run)
{
    char err[1024];
    size_t i;

    /* This run's names for the peers' domains. */
    run->dom_from = xcalloc(run->s->nactors + 1, sizeof(*run->dom_from));
    run->dom_to = xcalloc(run->s->nactors + 1, sizeof(*run->dom_to));
    for (i = 0; i < run->s->nactors; i++) {
        unsigned char rnd[3];

        if (run->s->actors[i].kind != ACTOR_PEER)
            continue;
        RAND_bytes(rnd, sizeof(rnd));
        run->dom_from[run->ndom] = xstrdup(run->s->actors[i].domain);
        if (run->o->run_label != NULL)
            run->dom_to[run->ndom] =
                    xasprintf("%s.%s", run->o->run_label, run->s->actors[i].domain);
        else
            run->dom_to[run->ndom] =
                    xasprintf("r%02x%02x%02x.%s", rnd[0], rnd[1], rnd[2], run->s->actors[i].domain);
        note(run, "%s: %s is %s in this run", run->s->actors[i].name, run->dom_from[run->ndom],
             run->dom_to[run->ndom]);
        run->ndom++;
    }
    pick_addresses(run);
    run->zones = fixture_load_rewritten(run->s->zones, run->s->nzones, run->sut, relabel, run, err,
                                        sizeof(err));
    /* A SUT resolving SRV targets through libc reads the addresses from its hosts file. */
    if (run->zones == NULL || loop_init(err, sizeof(err)) != 0 ||
        hosts_write_part(run->sut->hosts, run->o->hosts_part, run->zones, &run->faults, err,
                         sizeof(err)) != 0) {
        finish(run, RUN_ERROR, 0, "%s", err);
        return -1;
    }
    if (run->o->transcript != NULL)
        xconn_set_byte_tap(transcript_bytes, run);
    run->timer = evtimer_new(loop_base(), on_timeout, run);
    run->kick = event_new(loop_base(), -1, 0, on_kick, run);
    run->dns = dns_server_new(loop_base(),
                              run->o->dns_listen != NULL ? run->o->dns_listen : &run->sut->dns,
                              NULL, run->zones, err, sizeof(err));
    if (run->dns == NULL || (run->res = resolve_new(loop_base(), dns_server_addr(run->dns), err,
                                                    sizeof(err))) == NULL) {
        finish(run, RUN_ERROR, 0, "%s", err);
        return -1;
    }
    if (run->sut->ca != NULL && (run->ca = tls_ca_load(run->sut->ca, err, sizeof(err))) == NULL) {
        finish(run, RUN_ERROR, 0, "%s: %s", run->sut->path, err);
        return -1;
    }
    dns_server_set_observer(run->dns, on_query, run);
    dns_server_set_faults(run->dns, &run->faults);
    match_vars_set(&run->vars, "sut.domain", run->sut->domain);
    {
        /* As SASL carries it (an authorization identity, XEP-0178 §3). */
        char *b64 =
                sasl_b64_encode((const unsigned char *)run->sut->domain, strlen(run->sut->domain));

        match_vars_set(&run->vars, "sut.domain.base64", b64);
        free(b64);
    }
    for (i = 0; i < run->s->nactors; i++) {
        const struct scenario_actor *a = &run->s->actors[i];
        char key[160];

        if (a->kind == ACTOR_PEER) {
            struct profile prof = *profile_find(a->profile);
            size_t k;

            for (k = 0; k < a->nknobs; k++)
                if (profile_set_knob(&prof, a->knobs[k], err, sizeof(err)) != 0)
                    break;
            peer_transport(run, i, &prof);
            {
                char *domain = relabel(a->domain, run);

                run->peers[i] =
                        peer_new(domain, &prof, 3, run->res, run->o->seed + i, err, sizeof(err));
                free(domain);
            }
            if (run->peers[i] == NULL ||
                peer_tls_init(run->peers[i], run->ca, err, sizeof(err)) != 0) {
                finish(run, RUN_ERROR, a->line, "%s:%d: %s", run->s->path, a->line, err);
                return -1;
            }
            diagnose_add_peer(run->facts, run->peers[i]->domain, a->domain);
            for (k = 0; k < a->nknobs; k++) { /* the knobs that are faults */
                const char *v = strchr(a->knobs[k], '=');

                if (v == NULL)
                    continue;
                if (strncmp(a->knobs[k], "collision=", 10) == 0 && strcmp(v + 1, "none") != 0)
                    diagnose_note_fault(run->facts, DIAGNOSE_FAULT_COLLISION,
                                        run->facts->npeers - 1, NULL, NULL, v + 1, a->line);
                if (strncmp(a->knobs[k], "cert=", 5) == 0 && strcmp(v + 1, "valid") != 0 &&
                    strcmp(v + 1, "wildcard") != 0)
                    diagnose_note_fault(run->facts, DIAGNOSE_FAULT_CERT, run->facts->npeers - 1,
                                        NULL, NULL, v + 1, a->line);
            }
            run->peers[i]->claimed = run->sut->domain;
            run->peers[i]->report = on_peer_report;
            run->peers[i]->report_arg = run;
            run->peers[i]->observe = on_peer_stanza;
            run->peers[i]->observe_nego = on_peer_nego;
            run->peers[i]->observe_arg = run;
            snprintf(key, sizeof(key), "%s.domain", a->name);
            match_vars_set(&run->vars, key, run->peers[i]->domain);
        } else {
            const char *user;

            if (client_account(run, i) != 0)
                return -1;
            user = run->accounts[i].user;
            snprintf(key, sizeof(key), "%s.user", a->name);
            match_vars_set(&run->vars, key, user);
            snprintf(key, sizeof(key), "%s.bare", a->name);
            {
                char *bare = xasprintf("%s@%s", user, run->sut->domain);

                match_vars_set(&run->vars, key, bare);
                free(bare);
            }
        }
    }
    return 0;
}

/* Peers listen where the fixtures put them; the scenario starts once all listen. */
struct listen_wait {
    struct run *run;
    size_t actor;
    int *pending;
    int direct_tls; /* the _xmpps-server targets (XEP-0368) */
};

/* With the run's own ports, a peer also listens on its IPv4 addresses (the run's own) at the
 * fixtures' ports: a SUT that finds no SRV record falls back to the domain's address and 5269
 * (RFC 6120 §3.2.2), which the mapped SRV port would otherwise hide. */
static int
listen_unmapped(struct run *run, struct peer *p, const struct resolve_target *t, size_t n,
                int direct_tls, char *err, size_t errlen)
{
    struct resolve_target *copy;
    size_t i, m = 0;
    int rc;

    if (run->port_base == 0 || direct_tls)
        return 0;
    copy = xcalloc(n + 1, sizeof(*copy));
    for (i = 0; i < n; i++) {
        int port = net_addr_port((const struct sockaddr *)&t[i].addr.ss), k = port - run->port_base;

        if (t[i].addr.ss.ss_family != AF_INET || k < 0 || (size_t)k >= run->nports ||
            run->ports[k] == port)
            continue;
        copy[m] = t[i];
        ((struct sockaddr_in *)&copy[m].addr.ss)->sin_port = htons((uint16_t)run->ports[k]);
        m++;
    }
    rc = peer_listen_targets(p, copy, m, 0, err, errlen);
    free(copy);
    return rc;
}

static void
on_peer_resolved(enum resolve_service_status st, const struct resolve_target *t, size_t n,
                 const char *why, void *arg)
{
    struct listen_wait *w = arg;
    struct run *run = w->run;
    struct peer *p = run->peers[w->actor];
    char err[256];

    if (st != RESOLVE_SERVICE_OK)
        note(run, "%s: listens nowhere%s (%s)", p->domain, w->direct_tls ? " for direct TLS" : "",
             why != NULL ? why : "no service");
    else if (peer_listen_targets(p, t, n, w->direct_tls, err, sizeof(err)) != 0 ||
             listen_unmapped(run, p, t, n, w->direct_tls, err, sizeof(err)) != 0)
        finish(run, RUN_ERROR, run->s->actors[w->actor].line, "%s: %s", p->domain, err);
    if (--*w->pending == 0 && !run->done)
        advance(run);
    free(w);
}

/*
 * After a failure: what the peers' sessions saw joins the facts collected as events happened,
 * with the failing step, and diagnose_run() says the causes. Appends "\n  diagnosis: ..." lines
 * to buf.
 */
static void
diagnosis(struct run *run, char *buf, size_t len)
{
    struct diagnose_facts *f = run->facts;
    const struct scenario_step *st = run->step < run->s->nsteps ? &run->s->steps[run->step] : NULL;
    struct diagnose_cause causes[16];
    size_t used = strlen(buf), i, k, n;

    snprintf(f->sut_domain, sizeof(f->sut_domain), "%s", run->sut->domain);
    for (i = 0; i < run->s->nactors; i++) {
        const struct peer *p = run->peers[i];
        struct diagnose_peer *d;

        if (p == NULL || (k = fact_peer(run, i)) >= f->npeers)
            continue;
        d = &f->peers[k];
        d->accepted = p->facts.accepted;
        d->in_streams = p->facts.in_streams;
        d->in_authenticated = p->facts.in_authenticated;
        d->db_invalid_sent = p->facts.db_invalid_sent;
        d->db_ignored = p->facts.db_ignored;
        d->db_late = p->facts.db_late;
        d->verify_invalid = p->facts.verify_invalid;
        d->collision = p->facts.collision;
        d->sut_unresolved = p->facts.sut_unresolved;
        d->sut_refused = p->facts.sut_refused;
        d->sut_timeout = p->facts.sut_timeout;
        d->sut_connected = p->facts.sut_connected;
        snprintf(d->sut_addr, sizeof(d->sut_addr), "%s", p->facts.sut_addr);
        d->out_authenticated = p->facts.out_authenticated;
        d->invalid_from_sut = p->facts.invalid_from_sut;
        d->tls_done = p->facts.tls_done;
        d->tls_failed = p->facts.tls_failed;
        d->cert_refused = p->facts.cert_refused;
        for (d->nstream_errors = 0;
             d->nstream_errors < p->nstream_errors && d->nstream_errors < DIAGNOSE_MAX_ERRORS;
             d->nstream_errors++)
            snprintf(d->stream_errors[d->nstream_errors], sizeof(d->stream_errors[0]), "%s",
                     p->stream_errors[d->nstream_errors]);
    }
    f->nsteps = run->s->nsteps;
    f->steps_passed = run->step;
    f->wait = DIAGNOSE_WAIT_OTHER;
    if (st != NULL && run->peers[st->actor] != NULL) {
        f->line = st->line;
        f->peer = fact_peer(run, st->actor);
        /* A negotiation step (stream close, connection closed) about the peer's own or raw
         * stream waited for the SUT's answer there, not for the SUT to come to the peer. */
        int own =
                (st->nego || st->kind == STEP_STREAM_CLOSE || st->kind == STEP_CONN_CLOSED) &&
                (st->dir == STEP_DIR_OUT || st->dir == STEP_DIR_RAW || st->dir == STEP_DIR_VERIFY);

        if (own)
            f->wait = DIAGNOSE_WAIT_FROM_PEER;
        else if (st->kind == STEP_RECEIVE || st->kind == STEP_AUTHENTICATES ||
                 st->kind == STEP_STREAM_ERROR || st->kind == STEP_STREAM_CLOSE ||
                 st->kind == STEP_CONN_CLOSED)
            f->wait = DIAGNOSE_WAIT_AT_PEER;
        else if (st->kind == STEP_AUTHENTICATED_TO)
            f->wait = DIAGNOSE_WAIT_FROM_PEER;
    } else if (st != NULL) {
        f->line = st->line;
    }
    n = diagnose_run(f, causes, sizeof(causes) / sizeof(causes[0]));
    for (i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "\n  diagnosis: %s", causes[i].text);
}

/* The last TAIL_LINES lines of the SUT's log, indented, into buf. */
static void
append_sut_log(const struct sut *sut, char *buf, size_t len)
{
    char chunk[16384], *lines[TAIL_LINES], *p;
    size_t n, k = 0, i, used = 0;
    FILE *fp;

    if (sut->log == NULL || (fp = fopen(sut->log, "r")) == NULL)
        return;
    if (fseek(fp, -(long)(sizeof(chunk) - 1), SEEK_END) != 0)
        rewind(fp);
    n = fread(chunk, 1, sizeof(chunk) - 1, fp);
    fclose(fp);
    chunk[n] = '\0';
    for (p = strtok(chunk, "\n"); p != NULL; p = strtok(NULL, "\n"))
        lines[k++ % TAIL_LINES] = p;
    used += (size_t)snprintf(buf + used, len - used,
                             "\n  last lines of the SUT's log (%s):", sut->log);
    for (i = k > TAIL_LINES ? k - TAIL_LINES : 0; i < k && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "\n    %.200s", lines[i % TAIL_LINES]);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    struct run *run = arg;

    (void)fd;
    (void)what;
    finish(run, RUN_ERROR, run->step < run->s->nsteps ? run->s->steps[run->step].line : 0,
           "%s: the watchdog stopped the scenario after %.1f s (at step %zu of %zu)", run->s->path,
           (run->o->watchdog_ms > 0 ? run->o->watchdog_ms : 300000) / 1000.0, run->step + 1,
           run->s->nsteps);
}

/* 1 if text holds name as a whole DNS name (not inside a longer label), case aside. */
static int
holds_name(const char *text, const char *name)
{
    size_t n = strlen(name);
    const char *p;

    for (p = text; n > 0 && (p = strcasestr(p, name)) != NULL; p++)
        if ((p == text || !label_char(p[-1])) && !label_char(p[n]) &&
            !(p[n] == '.' && label_char(p[n + 1])))
            return 1;
    return 0;
}

int
runner_exclusive(const struct scenario *s, const struct sut *sut, char *why, size_t len)
{
    size_t i;

    if (s->exclusive) {
        snprintf(why, len, "isolation: exclusive");
        return 1;
    }
    for (i = 0; i < s->nsteps; i++) {
        const struct scenario_step *st = &s->steps[i];

        if (st->kind != STEP_DNS_FAULT && st->kind != STEP_DNS_RESTORE &&
            st->kind != STEP_DNS_ASKED && st->kind != STEP_DNS_NEVER_ASKED)
            continue;
        /* A late or missing answer changes how the SUT's resolver treats its DNS server (its
         * timeouts, RTT estimates, retries), which every run shares. */
        if (st->kind == STEP_DNS_FAULT &&
            (st->fault == DNS_FAULT_DELAY || st->fault == DNS_FAULT_DROP)) {
            snprintf(why, len,
                     "line %d: a DNS answer late or missing (the SUT's resolver keeps "
                     "timing its server, for every run)",
                     st->line);
            return 1;
        }
        /* A subdomain of the SUT's (s2s.sut.test) counts: holds_name sees it after the dot. */
        if (st->arg1 != NULL &&
            (strstr(st->arg1, "${sut.") != NULL || holds_name(st->arg1, sut->domain))) {
            snprintf(why, len, "line %d: a DNS step about the SUT's own names", st->line);
            return 1;
        }
    }
    for (i = 0; i < s->nzones; i++) {
        FILE *fp = fopen(s->zones[i], "r");
        char line[1024];
        int hit = 0;

        while (fp != NULL && !hit && fgets(line, sizeof(line), fp) != NULL)
            hit = line[0] != ';' && holds_name(line, sut->domain);
        if (fp != NULL)
            fclose(fp);
        if (hit) {
            snprintf(why, len, "%s names the SUT's domain %s", s->zones[i], sut->domain);
            return 1;
        }
    }
    return 0;
}

void
runner_run(const struct scenario *s, const struct sut *sut, const struct runner_options *o,
           struct runner_result *r)
{
    struct run run = {.s = s, .sut = sut, .o = o, .r = r, .t0 = clock_monotonic_us()};
    uint64_t t0 = clock_monotonic_us();
    size_t i, na = s->nactors;
    const char *xfail;

    memset(r, 0, sizeof(*r));
    r->step_seconds = xcalloc(s->nsteps + 1, sizeof(*r->step_seconds));
    for (i = 0; i < s->nsteps; i++)
        r->step_seconds[i] = -1;
    if (s->skip != NULL) {
        r->outcome = RUN_SKIP;
        r->message = xstrdup(s->skip);
        return;
    }
    if (!scenario_fits_tls(s, sut->tls)) {
        r->outcome = RUN_SKIP;
        r->message = xasprintf("needs a SUT with tls %s (%s has tls %s)", s->requires_tls,
                               sut->path, sut->tls != NULL ? sut->tls : "off");
        return;
    }
    if (s->requires_direct_tls && sut->s2s_tls.ss.ss_family == 0) {
        r->outcome = RUN_SKIP;
        r->message = xasprintf("needs a SUT with a direct TLS s2s listener (XEP-0368: s2s_tls in "
                               "the SUT file; %s has none)",
                               sut->path);
        return;
    }
    run.peers = xcalloc(na + 1, sizeof(*run.peers));
    run.clients = xcalloc(na + 1, sizeof(*run.clients));
    run.inbox = xcalloc(na + 1, sizeof(*run.inbox));
    run.nego = xcalloc(na + 1, sizeof(*run.nego));
    run.client_ready = xcalloc(na + 1, sizeof(*run.client_ready));
    run.client_failed = xcalloc(na + 1, sizeof(*run.client_failed));
    run.client_retried = xcalloc(na + 1, sizeof(*run.client_retried));
    run.client_why = xcalloc(na + 1, sizeof(*run.client_why));
    run.accounts = xcalloc(na + 1, sizeof(*run.accounts));
    run.facts = xcalloc(1, sizeof(*run.facts));
    /* One generator for the run's random choices, its seed the transcript's first line. */
    chance_init(&run.chance, o->seed);
    run.chance.log = on_chance;
    run.chance.log_arg = &run;
    run.faults.chance = &run.chance;
    note(&run, "seed: %llu (fedsim run --seed %llu makes the same random choices)",
         (unsigned long long)o->seed, (unsigned long long)o->seed);
    run.listen_pending = 1; /* until every peer's lookup is started */
    if (setup(&run) == 0) {
        /* The peers draw from it, in streams named after their actors. Each peer's line as
         * the scenario wrote it, for `fedsim record --from-transcript`. */
        for (i = 0; i < na; i++) {
            char knobs[512] = "";
            size_t k, used = 0;

            if (run.peers[i] == NULL)
                continue;
            peer_set_chance(run.peers[i], &run.chance, s->actors[i].name);
            for (k = 0; k < s->actors[i].nknobs && used < sizeof(knobs); k++)
                used += (size_t)snprintf(knobs + used, sizeof(knobs) - used, ", %s",
                                         s->actors[i].knobs[k]);
            note(&run, "%s: peer line: profile %s, domain %s%s", s->actors[i].name,
                 s->actors[i].profile, s->actors[i].domain, knobs);
        }
        for (i = 0; i < na; i++) {
            struct listen_wait *w;
            char err[256];
            size_t k;

            if (run.peers[i] == NULL)
                continue;
            /* Plain (STARTTLS) targets, then direct TLS ones when the profile has them. */
            for (k = 0; k < (run.peers[i]->prof.direct_tls ? 2 : 1); k++) {
                w = xcalloc(1, sizeof(*w));
                w->run = &run;
                w->actor = i;
                w->pending = &run.listen_pending;
                w->direct_tls = (int)k;
                run.listen_pending++;
                if (resolve_service(run.res, k ? "_xmpps-server._tcp" : "_xmpp-server._tcp",
                                    run.peers[i]->domain, k ? 0 : 5269, &run.peers[i]->seed, 5000,
                                    on_peer_resolved, w, err, sizeof(err)) != 0) {
                    free(w);
                    run.listen_pending--;
                    finish(&run, RUN_ERROR, s->actors[i].line, "%s", err);
                }
            }
        }
        {
            int ms = o->watchdog_ms > 0 ? o->watchdog_ms : 300000;
            struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

            run.watchdog = evtimer_new(loop_base(), on_watchdog, &run);
            evtimer_add(run.watchdog, &tv);
        }
        if (--run.listen_pending == 0 && !run.done)
            advance(&run);
        if (!run.done && loop_run() != 0) {
            r->interrupted = 1;
            run.done = 0;
            finish(&run, RUN_ERROR, 0, "interrupted by a signal at step %zu of %zu", run.step + 1,
                   s->nsteps);
        }
    }
    if (r->outcome == RUN_FAIL)
        diagnosis(&run, run.msg, sizeof(run.msg));
    /* Everything per scenario goes: clients, peers, resolver, DNS, the loop itself. */
    for (i = 0; i < na; i++) {
        size_t k;

        c2s_free(run.clients[i]);
        peer_free(run.peers[i]);
        for (k = 0; k < run.inbox[i].n; k++)
            xml_node_free(run.inbox[i].items[k]);
        free(run.inbox[i].items);
        free(run.inbox[i].used);
        for (k = 0; k < run.nego[i].n; k++)
            xml_node_free(run.nego[i].items[k]);
        free(run.nego[i].items);
        free(run.nego[i].used);
        free(run.nego[i].meta);
        free(run.client_why[i]);
        free(run.accounts[i].user);
        free(run.accounts[i].password);
    }
    /* Before the drain: a lookup answered in it would call back into a peer's session that
     * peer_free freed (resolve_free silences what is pending). */
    resolve_free(run.res);
    if (run.timer != NULL) {
        /* Closing streams flush their last bytes; whatever is left is let go. */
        loop_drain(50);
        xconn_abandon_all();
    }
    xconn_set_byte_tap(NULL, NULL);
    tls_ca_free(run.ca);
    dns_server_free(run.dns);
    if (run.timer != NULL)
        event_free(run.timer);
    if (run.kick != NULL)
        event_free(run.kick);
    if (run.watchdog != NULL)
        event_free(run.watchdog);
    loop_free();
    dns_zoneset_free(run.zones);
    match_vars_clear(&run.vars);
    for (i = 0; i < run.nqueries; i++)
        free(run.queries[i].name);
    free(run.queries);
    free(run.peers);
    free(run.clients);
    free(run.inbox);
    free(run.nego);
    free(run.client_ready);
    free(run.client_failed);
    free(run.client_retried);
    free(run.client_why);
    free(run.accounts);
    for (i = 0; i < run.ndom; i++) {
        free(run.dom_from[i]);
        free(run.dom_to[i]);
    }
    free(run.dom_from);
    free(run.dom_to);
    dns_faults_clear(&run.faults);
    free(run.facts);
    if (!run.done) { /* never started (set-up failed before any verdict) */
        run.choices_done = run.chance.choices;
        run.digest_done = run.chance.digest;
    }
    if (run.choices_done > 0) {
        snprintf(r->random, sizeof(r->random),
                 "random: %lu choices from seed %llu, digest %016llx (--seed %llu makes the same "
                 "ones)",
                 run.choices_done, (unsigned long long)o->seed, (unsigned long long)run.digest_done,
                 (unsigned long long)o->seed);
        if (o->transcript != NULL) {
            fprintf(o->transcript, "%s\n", r->random);
            fflush(o->transcript);
        }
    }
    chance_clear(&run.chance);
    /* Verdict: xfail turns a failure into an expected one, and a pass into a failure. */
    if ((xfail = scenario_xfail(s, sut->name)) != NULL) {
        if (r->outcome == RUN_FAIL) {
            char why[sizeof(run.msg)];

            snprintf(why, sizeof(why), "expected failure (%.300s): %.7000s", xfail, run.msg);
            snprintf(run.msg, sizeof(run.msg), "%s", why);
            r->outcome = RUN_XFAIL;
        } else if (r->outcome == RUN_OK) {
            r->outcome = RUN_FAIL;
            snprintf(run.msg, sizeof(run.msg),
                     "%s: passed, but it is marked xfail (%s): remove the mark if the SUT was "
                     "fixed",
                     s->path, xfail);
        }
    }
    if ((r->outcome == RUN_FAIL || r->outcome == RUN_ERROR) && run.ntail > 0) {
        size_t len = strlen(run.msg), start = run.ntail > TAIL_LINES ? run.ntail - TAIL_LINES : 0;

        len += (size_t)snprintf(run.msg + len, sizeof(run.msg) - len,
                                "\n  last lines of the transcript:");
        for (i = start; i < run.ntail && len < sizeof(run.msg); i++)
            len += (size_t)snprintf(run.msg + len, sizeof(run.msg) - len, "\n    %.200s",
                                    run.tail[i % TAIL_LINES]);
        if (len < sizeof(run.msg))
            append_sut_log(sut, run.msg + len, sizeof(run.msg) - len);
    }
    for (i = 0; i < TAIL_LINES; i++)
        free(run.tail[i]);
    r->message = xstrdup(run.msg);
    r->seconds = (double)(clock_monotonic_us() - t0) / 1e6;
}
