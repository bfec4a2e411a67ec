/* diagnose.c: a failed run's causes from its facts: injected faults first, nothing the events
 * contradict, the seed document's troubleshooting words where they fit. */
#include "diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_PEER ((size_t)-1)

const char *
diagnose_class_str(enum diagnose_class c)
{
    static const char *const names[] = {
            [DIAGNOSE_DNS_FAULT] = "dns-fault",
            [DIAGNOSE_DNS_DELAYED] = "dns-delayed",
            [DIAGNOSE_DNS_REPLACED] = "dns-replaced",
            [DIAGNOSE_TRUNCATED_NO_TCP] = "truncated-no-tcp",
            [DIAGNOSE_SUT_DNS_FAULT] = "sut-dns-fault",
            [DIAGNOSE_SUT_RECORDS_MISSING] = "sut-records-missing",
            [DIAGNOSE_PEER_RECORDS_MISSING] = "peer-records-missing",
            [DIAGNOSE_PEER_NET_FAULT] = "peer-net-fault",
            [DIAGNOSE_OUTBOUND_BLOCKED] = "outbound-blocked",
            [DIAGNOSE_NEVER_ASKED] = "never-asked",
            [DIAGNOSE_INBOUND_REFUSED] = "inbound-refused",
            [DIAGNOSE_INBOUND_TIMEOUT] = "inbound-timeout",
            [DIAGNOSE_DIALBACK_FAULT] = "dialback-fault",
            [DIAGNOSE_DIALBACK_INVALID] = "dialback-invalid",
            [DIAGNOSE_COLLISION] = "collision",
            [DIAGNOSE_CERT_FAULT] = "cert-fault",
            [DIAGNOSE_CERT_REFUSED] = "cert-refused",
            [DIAGNOSE_TLS_FAILED] = "tls-failed",
            [DIAGNOSE_STREAM_ERROR] = "stream-error",
    };

    if ((size_t)c >= sizeof(names) / sizeof(names[0]) || names[c] == NULL)
        return "?";
    return names[c];
}

/* --- collecting --------------------------------------------------------------------------- */

/* Copies a name without its final dot. */
static void
copy_name(char *dst, size_t len, const char *name)
{
    size_t n;

    snprintf(dst, len, "%s", name != NULL ? name : "");
    n = strlen(dst);
    if (n > 1 && dst[n - 1] == '.')
        dst[n - 1] = '\0';
}

size_t
diagnose_add_peer(struct diagnose_facts *f, const char *domain, const char *shown)
{
    struct diagnose_peer *p;

    if (f->npeers >= DIAGNOSE_MAX_PEERS)
        return NO_PEER;
    p = &f->peers[f->npeers];
    memset(p, 0, sizeof(*p));
    copy_name(p->domain, sizeof(p->domain), domain);
    copy_name(p->shown, sizeof(p->shown), shown);
    return f->npeers++;
}

void
diagnose_note_dns(struct diagnose_facts *f, const char *name, const char *type, int rcode,
                  int ancount, int tc, int tcp, int own, int fault, int delay_ms)
{
    struct diagnose_dns key, *d;
    size_t i;

    memset(&key, 0, sizeof(key));
    copy_name(key.name, sizeof(key.name), name);
    snprintf(key.type, sizeof(key.type), "%s", type);
    key.rcode = rcode;
    key.ancount = ancount;
    key.tc = tc != 0;
    key.tcp = tcp != 0;
    key.own = own != 0;
    key.fault = fault != 0;
    key.delay_ms = delay_ms;
    for (i = 0; i < f->ndns; i++) {
        d = &f->dns[i];
        if (strcasecmp(d->name, key.name) == 0 && strcasecmp(d->type, key.type) == 0 &&
            d->rcode == key.rcode && d->ancount == key.ancount && d->tc == key.tc &&
            d->tcp == key.tcp && d->own == key.own && d->fault == key.fault &&
            d->delay_ms == key.delay_ms) {
            d->count++;
            return;
        }
    }
    if (f->ndns >= DIAGNOSE_MAX_DNS) {
        f->dns_unkept++;
        return;
    }
    key.count = 1;
    f->dns[f->ndns++] = key;
}

static int
is_dns_fault(enum diagnose_fault_kind k)
{
    return k <= DIAGNOSE_FAULT_DNS_REPLACE;
}

static int
is_net_mode(enum diagnose_fault_kind k)
{
    return k == DIAGNOSE_FAULT_NET_REFUSE || k == DIAGNOSE_FAULT_NET_DROP ||
           k == DIAGNOSE_FAULT_NET_DROP6 || k == DIAGNOSE_FAULT_NET_RESET ||
           k == DIAGNOSE_FAULT_NET_SILENT;
}

static void
end_faults(struct diagnose_facts *f, size_t peer, int (*which)(enum diagnose_fault_kind), int line)
{
    size_t i;

    for (i = 0; i < f->nfaults; i++) {
        struct diagnose_fault *x = &f->faults[i];

        if (!x->ended && x->peer == peer && which(x->kind)) {
            x->ended = 1;
            x->ended_line = line;
        }
    }
}

void
diagnose_note_fault(struct diagnose_facts *f, enum diagnose_fault_kind kind, size_t peer,
                    const char *name, const char *type, const char *value, int line)
{
    struct diagnose_fault *x;
    size_t i;

    if (is_dns_fault(kind))
        diagnose_note_restore(f, name, type, line);
    else if (is_net_mode(kind))
        end_faults(f, peer, is_net_mode, line);
    for (i = 0; !is_dns_fault(kind) && i < f->nfaults; i++)
        if (!f->faults[i].ended && f->faults[i].peer == peer && f->faults[i].kind == kind)
            return; /* already on */
    if (f->nfaults >= DIAGNOSE_MAX_FAULTS)
        return;
    x = &f->faults[f->nfaults++];
    memset(x, 0, sizeof(*x));
    x->kind = kind;
    x->peer = is_dns_fault(kind) ? NO_PEER : peer;
    copy_name(x->name, sizeof(x->name), name);
    snprintf(x->type, sizeof(x->type), "%s", type != NULL ? type : "");
    snprintf(x->value, sizeof(x->value), "%s", value != NULL ? value : "");
    x->line = line;
}

void
diagnose_note_restore(struct diagnose_facts *f, const char *name, const char *type, int line)
{
    char n[256];
    size_t i;
    int all = strcmp(name, "all") == 0 || strcmp(name, "*") == 0;

    copy_name(n, sizeof(n), name);
    for (i = 0; i < f->nfaults; i++) {
        struct diagnose_fault *x = &f->faults[i];

        if (x->ended || !is_dns_fault(x->kind))
            continue;
        if (all || (strcasecmp(x->name, n) == 0 && strcasecmp(x->type, type) == 0)) {
            x->ended = 1;
            x->ended_line = line;
        }
    }
}

static int
is_cut(enum diagnose_fault_kind k)
{
    return k == DIAGNOSE_FAULT_NET_CUT;
}

static int
is_slow(enum diagnose_fault_kind k)
{
    return k == DIAGNOSE_FAULT_NET_SLOW;
}

static int
is_dialback(enum diagnose_fault_kind k)
{
    return k == DIAGNOSE_FAULT_DB_INVALID || k == DIAGNOSE_FAULT_DB_IGNORE ||
           k == DIAGNOSE_FAULT_DB_LATE;
}

void
diagnose_note_mode(struct diagnose_facts *f, size_t peer, const char *mode, int line)
{
    static const struct {
        const char *words;
        enum diagnose_fault_kind kind;
    } starts[] = {
            {"refuses connections", DIAGNOSE_FAULT_NET_REFUSE},
            {"drops connections", DIAGNOSE_FAULT_NET_DROP},
            {"drops ipv6 connections", DIAGNOSE_FAULT_NET_DROP6},
            {"resets connections", DIAGNOSE_FAULT_NET_RESET},
            {"stays silent", DIAGNOSE_FAULT_NET_SILENT},
            {"times out its streams", DIAGNOSE_FAULT_NET_TIMEOUT},
            {"writes slowly", DIAGNOSE_FAULT_NET_SLOW},
            {"answers dialback invalid", DIAGNOSE_FAULT_DB_INVALID},
            {"ignores dialback", DIAGNOSE_FAULT_DB_IGNORE},
    };
    size_t i;

    if (strcmp(mode, "accepts connections") == 0) {
        end_faults(f, peer, is_net_mode, line);
        end_faults(f, peer, is_cut, line);
        return;
    }
    if (strcmp(mode, "writes normally") == 0) {
        end_faults(f, peer, is_slow, line);
        return;
    }
    if (strcmp(mode, "answers dialback normally") == 0) {
        end_faults(f, peer, is_dialback, line);
        return;
    }
    if (strncmp(mode, "closes connections after ", 25) == 0) {
        char n[32];

        snprintf(n, sizeof(n), "%lu", strtoul(mode + 25, NULL, 10));
        diagnose_note_fault(f, DIAGNOSE_FAULT_NET_CUT, peer, NULL, NULL, n, line);
        return;
    }
    if (strncmp(mode, "answers dialback after ", 23) == 0) {
        char n[32];

        snprintf(n, sizeof(n), "%lu", strtoul(mode + 23, NULL, 10));
        end_faults(f, peer, is_dialback, line);
        diagnose_note_fault(f, DIAGNOSE_FAULT_DB_LATE, peer, NULL, NULL, n, line);
        return;
    }
    for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
        if (strcmp(mode, starts[i].words) == 0) {
            if (is_dialback(starts[i].kind))
                end_faults(f, peer, is_dialback, line);
            diagnose_note_fault(f, starts[i].kind, peer, NULL, NULL, NULL, line);
            return;
        }
}

/* --- reading the facts -------------------------------------------------------------------- */

/* 1 if name is domain or a name below it. */
static int
under(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);

    if (d == 0 || n < d || strcasecmp(name + n - d, domain) != 0)
        return 0;
    return n == d || name[n - d - 1] == '.';
}

static int
type_fits(const char *fault_type, const char *type)
{
    return strcmp(fault_type, "*") == 0 || strcasecmp(fault_type, type) == 0;
}

/* A usable answer: records, no truncation. */
static int
good(const struct diagnose_dns *d)
{
    return d->rcode == 0 && d->ancount > 0 && !d->tc;
}

static int
is_address(const char *type)
{
    return strcasecmp(type, "A") == 0 || strcasecmp(type, "AAAA") == 0;
}

/* The peer a name belongs to, or NO_PEER. */
static size_t
peer_of_name(const struct diagnose_facts *f, const char *name)
{
    size_t i;

    for (i = 0; i < f->npeers; i++)
        if (under(name, f->peers[i].domain))
            return i;
    return NO_PEER;
}

/* A name as the scenario wrote it: this run's peer domain replaced by the scenario's. */
static const char *
shown(const struct diagnose_facts *f, const char *name, char *buf, size_t len)
{
    size_t i = peer_of_name(f, name), n, d;

    if (i == NO_PEER) {
        snprintf(buf, len, "%s", name);
        return buf;
    }
    n = strlen(name);
    d = strlen(f->peers[i].domain);
    snprintf(buf, len, "%.*s%s", (int)(n - d), name, f->peers[i].shown);
    return buf;
}

static const char *
rcode_str(int rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};

    if (rcode == -1)
        return "no answer";
    if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
        return names[rcode];
    return "an error";
}

/* "NXDOMAIN", "NOERROR with no records", "TC=1", "no answer". */
static const char *
answer_str(const struct diagnose_dns *d, char *buf, size_t len)
{
    if (d->tc)
        snprintf(buf, len, "TC=1 (truncated)");
    else if (d->rcode == 0 && d->ancount == 0)
        snprintf(buf, len, "NOERROR with no records (NODATA)");
    else
        snprintf(buf, len, "%s", rcode_str(d->rcode));
    return buf;
}

static const char *
ms_str(const char *ms, char *buf, size_t len)
{
    long v = strtol(ms, NULL, 10);

    if (v > 0 && v % 1000 == 0)
        snprintf(buf, len, "%ld s", v / 1000);
    else
        snprintf(buf, len, "%ld ms", v);
    return buf;
}

/* How many answers matching the fault (or, fault NULL, this name and type) went to the SUT
 * (own 0) or to fedsim's resolver (own 1); *good_n: of the same question, the usable ones. */
static unsigned
answers(const struct diagnose_facts *f, const char *name, const char *type, int own, int faulted,
        unsigned *good_n, unsigned *tcp_n)
{
    unsigned n = 0;
    size_t i;

    if (good_n != NULL)
        *good_n = 0;
    if (tcp_n != NULL)
        *tcp_n = 0;
    for (i = 0; i < f->ndns; i++) {
        const struct diagnose_dns *d = &f->dns[i];

        if (d->own != own || strcasecmp(d->name, name) != 0 || !type_fits(type, d->type))
            continue;
        if (!faulted || d->fault)
            n += d->count;
        if (good_n != NULL && good(d))
            *good_n += d->count;
        if (tcp_n != NULL && d->tcp)
            *tcp_n += d->count;
    }
    return n;
}

/* 1 if the SUT asked fedsim's DNS anything below the peer's domain. */
static int
sut_asked(const struct diagnose_facts *f, size_t p)
{
    size_t i;

    for (i = 0; i < f->ndns; i++)
        if (!f->dns[i].own && under(f->dns[i].name, f->peers[p].domain))
            return 1;
    return 0;
}

/* 1 if the SUT got an address below the peer's domain (it could have connected). */
static int
sut_found(const struct diagnose_facts *f, size_t p)
{
    size_t i;

    for (i = 0; i < f->ndns; i++) {
        const struct diagnose_dns *d = &f->dns[i];

        if (!d->own && is_address(d->type) && good(d) && under(d->name, f->peers[p].domain))
            return 1;
    }
    return 0;
}

static int
has_stream_error(const struct diagnose_peer *p, const char *cond)
{
    size_t i;

    for (i = 0; i < p->nstream_errors; i++)
        if (strcmp(p->stream_errors[i], cond) == 0)
            return 1;
    return 0;
}

/* --- saying it ---------------------------------------------------------------------------- */

struct out {
    struct diagnose_cause *c;
    size_t n, max;
    char explained[DIAGNOSE_MAX_PEERS]; /* a cause for this peer is said */
    char sut_lost[DIAGNOSE_MAX_PEERS];  /* ... its failure to reach the SUT is explained */
};

static void say(struct out *o, enum diagnose_class cls, int injected, size_t peer, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static void
say(struct out *o, enum diagnose_class cls, int injected, size_t peer, const char *fmt, ...)
{
    struct diagnose_cause *c;
    va_list ap;
    size_t i;
    char text[sizeof(c->text)];

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (peer != NO_PEER && peer < DIAGNOSE_MAX_PEERS)
        o->explained[peer] = 1;
    for (i = 0; i < o->n; i++)
        if (strcmp(o->c[i].text, text) == 0)
            return;
    if (o->n >= o->max)
        return;
    c = &o->c[o->n++];
    c->cls = cls;
    c->injected = injected;
    c->peer = peer;
    snprintf(c->text, sizeof(c->text), "%s", text);
}

static const char *
times(unsigned n)
{
    return n == 1 ? "time" : "times";
}

/* Injected DNS faults on a peer's names that kept the SUT from reaching it. */
static void
dns_faults_at_peers(const struct diagnose_facts *f, struct out *o)
{
    size_t i;
    char name[300], val[64], who[256];

    for (i = 0; i < f->nfaults; i++) {
        const struct diagnose_fault *x = &f->faults[i];
        size_t p = peer_of_name(f, x->name);
        unsigned hit, ok, tcp;
        const struct diagnose_peer *pe;

        if (!is_dns_fault(x->kind) || p == NO_PEER)
            continue;
        pe = &f->peers[p];
        if (pe->accepted > 0)
            continue; /* the SUT reached the peer all the same */
        hit = answers(f, x->name, x->type, 0, 1, &ok, &tcp);
        if (hit == 0)
            continue; /* the SUT never asked that question */
        shown(f, x->name, name, sizeof(name));
        snprintf(who, sizeof(who), "%s", pe->shown);
        switch (x->kind) {
        case DIAGNOSE_FAULT_DNS_RCODE:
            if (ok > 0)
                break;
            say(o, DIAGNOSE_DNS_FAULT, 1, p,
                "the scenario made fedsim's DNS answer %s for %s %s (line %d): the SUT could "
                "not find %s (it asked %u %s and never connected to it)",
                x->value, name, x->type, x->line, who, hit, times(hit));
            break;
        case DIAGNOSE_FAULT_DNS_DROP:
            if (ok > 0)
                break;
            say(o, DIAGNOSE_DNS_FAULT, 1, p,
                "the scenario made fedsim's DNS drop the questions for %s %s (line %d): the "
                "SUT's lookup got no answer (it asked %u %s), so it could not find %s and "
                "never connected to it",
                name, x->type, x->line, hit, times(hit), who);
            break;
        case DIAGNOSE_FAULT_DNS_DELAY:
            if (strtol(x->value, NULL, 10) < 1000)
                break; /* too short to make a resolver give up */
            say(o, DIAGNOSE_DNS_DELAYED, 1, p,
                "the scenario made fedsim's DNS delay its answers for %s %s by %s (line %d): "
                "the SUT asked %u %s and never connected to %s; a resolver takes an answer "
                "that late as lost and asks again (libunbound, past its retransmit timeout), "
                "so the lookup took longer than the step waited",
                name, x->type, ms_str(x->value, val, sizeof(val)), x->line, hit, times(hit), who);
            break;
        case DIAGNOSE_FAULT_DNS_TRUNCATE:
            if (tcp > 0)
                break; /* retried over TCP, where the answer is whole */
            say(o, DIAGNOSE_TRUNCATED_NO_TCP, 1, p,
                "the scenario made fedsim's DNS truncate its UDP answer for %s %s (TC=1, line "
                "%d), and the SUT never asked again over TCP (RFC 1035 §4.2.1, RFC 7766 §5): "
                "its resolver does not retry truncated answers, so it never learnt where %s "
                "is; not a firewall: it never tried to connect",
                name, x->type, x->line, who);
            break;
        case DIAGNOSE_FAULT_DNS_REPLACE:
            say(o, DIAGNOSE_DNS_REPLACED, 1, p,
                "the scenario replaced %s %s (line %d) with records of its own (%s): the SUT "
                "got them (%u %s) and went where they point, and never reached %s there",
                name, x->type, x->line, x->value, hit, times(hit), who);
            break;
        default:
            break;
        }
    }
}

/* Injected DNS faults on the SUT's own names that kept fedsim's peers from finding it. */
static void
dns_faults_at_sut(const struct diagnose_facts *f, struct out *o)
{
    size_t i, k;
    char lost[512], val[64];

    for (i = 0; i < f->nfaults; i++) {
        const struct diagnose_fault *x = &f->faults[i];
        unsigned hit, ok;
        size_t used = 0, nlost = 0;

        if (!is_dns_fault(x->kind) || !under(x->name, f->sut_domain))
            continue;
        hit = answers(f, x->name, x->type, 1, 1, &ok, NULL);
        if (hit == 0)
            continue;
        lost[0] = '\0';
        for (k = 0; k < f->npeers; k++) {
            if (f->peers[k].sut_connected > 0)
                continue;
            used += (size_t)snprintf(lost + used, used < sizeof(lost) ? sizeof(lost) - used : 0,
                                     "%s%s", nlost > 0 ? ", " : "", f->peers[k].shown);
            if (used >= sizeof(lost))
                used = sizeof(lost) - 1;
            nlost++;
        }
        if (nlost == 0)
            continue; /* every peer reached the SUT all the same */
        switch (x->kind) {
        case DIAGNOSE_FAULT_DNS_RCODE:
        case DIAGNOSE_FAULT_DNS_DROP:
            if (ok > 0)
                continue;
            say(o, DIAGNOSE_SUT_DNS_FAULT, 1, NO_PEER,
                "the scenario made fedsim's DNS %s%s for %s %s (line %d): fedsim's own lookups "
                "of the SUT (from 127.0.0.254, %u %s) failed, so %s could not find the SUT "
                "and never connected to it",
                x->kind == DIAGNOSE_FAULT_DNS_DROP ? "drop the questions" : "answer ",
                x->kind == DIAGNOSE_FAULT_DNS_DROP ? "" : x->value, x->name, x->type, x->line, hit,
                times(hit), lost);
            break;
        case DIAGNOSE_FAULT_DNS_DELAY:
            say(o, DIAGNOSE_SUT_DNS_FAULT, 1, NO_PEER,
                "the scenario made fedsim's DNS delay its answers for %s %s by %s (line %d): "
                "fedsim's own lookups of the SUT (from 127.0.0.254, %u %s) had no answer in "
                "time, so %s never connected to the SUT; its records are there, only late",
                x->name, x->type, ms_str(x->value, val, sizeof(val)), x->line, hit, times(hit),
                lost);
            break;
        case DIAGNOSE_FAULT_DNS_REPLACE:
            say(o, DIAGNOSE_SUT_DNS_FAULT, 1, NO_PEER,
                "the scenario replaced %s %s (line %d) with records of its own (%s): fedsim's "
                "own lookups of the SUT got them, and %s never connected to the SUT",
                x->name, x->type, x->line, x->value, lost);
            break;
        default:
            continue;
        }
        for (k = 0; k < f->npeers && k < DIAGNOSE_MAX_PEERS; k++)
            if (f->peers[k].sut_connected == 0)
                o->sut_lost[k] = 1;
    }
}

/* TC=1 the SUT never followed up over TCP, with no fault behind it (the answer is too big). */
static void
truncated_without_fault(const struct diagnose_facts *f, struct out *o)
{
    size_t i;
    char name[300];

    for (i = 0; i < f->ndns; i++) {
        const struct diagnose_dns *d = &f->dns[i];
        size_t p = peer_of_name(f, d->name);
        unsigned tcp;

        if (d->own || !d->tc || d->fault || p == NO_PEER || f->peers[p].accepted > 0)
            continue;
        answers(f, d->name, d->type, 0, 0, NULL, &tcp);
        if (tcp > 0)
            continue;
        say(o, DIAGNOSE_TRUNCATED_NO_TCP, 0, p,
            "fedsim's DNS answered %s %s over UDP with TC=1 (the answer does not fit), and the "
            "SUT never asked again over TCP (RFC 1035 §4.2.1, RFC 7766 §5): its resolver does "
            "not retry truncated answers, so it never learnt where %s is; not a firewall: it "
            "never tried to connect",
            shown(f, d->name, name, sizeof(name)), d->type, f->peers[p].shown);
    }
}

/* The first fault of this kind on this peer that was on at some time, or NULL. */
static const struct diagnose_fault *
peer_fault(const struct diagnose_facts *f, size_t p, enum diagnose_fault_kind kind)
{
    size_t i;

    for (i = 0; i < f->nfaults; i++)
        if (f->faults[i].peer == p && f->faults[i].kind == kind)
            return &f->faults[i];
    return NULL;
}

/* 1 if a later fault on the same peer took the place of fault i (a new network mode, a new
 * dialback mode): what the peer's counters show can no longer be told apart, so only the
 * later one is named. */
static int
superseded(const struct diagnose_facts *f, size_t i)
{
    const struct diagnose_fault *x = &f->faults[i];
    size_t j;

    for (j = i + 1; x->ended && j < f->nfaults; j++) {
        const struct diagnose_fault *y = &f->faults[j];

        if (y->peer == x->peer && ((is_net_mode(x->kind) && is_net_mode(y->kind)) ||
                                   (is_dialback(x->kind) && is_dialback(y->kind))))
            return 1;
    }
    return 0;
}

static void
peer_faults(const struct diagnose_facts *f, size_t p, struct out *o)
{
    const struct diagnose_peer *pe = &f->peers[p];
    const char *d = pe->shown;
    const struct diagnose_fault *x;
    size_t i;

    for (i = 0; i < f->nfaults; i++) {
        x = &f->faults[i];
        if (x->peer != p || superseded(f, i))
            continue;
        switch (x->kind) {
        case DIAGNOSE_FAULT_NET_REFUSE:
            if (pe->accepted == 0 && sut_found(f, p))
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s refuse connections (line %d): the SUT found it in "
                    "DNS, and its connections were refused (nothing listens there: the seed's "
                    "telnet to its port 5269 fails at once)",
                    d, x->line);
            break;
        case DIAGNOSE_FAULT_NET_DROP:
            if (pe->accepted == 0 && sut_found(f, p))
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s drop connections (line %d), as a firewall dropping "
                    "SYNs does: outbound TCP 5269 is blocked, so the SUT found %s in DNS but its "
                    "connections never arrived (the seed's troubleshooting, step 2: from the "
                    "SUT's network, telnet to the peer's port 5269; a blank screen means the "
                    "firewall passes it)",
                    d, x->line, d);
            break;
        case DIAGNOSE_FAULT_NET_DROP6:
            if (pe->accepted == 0 && sut_found(f, p))
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s drop connections to its IPv6 addresses (line %d): "
                    "the SUT found %s in DNS but never reached it; it must go on to the IPv4 "
                    "addresses (RFC 6120 §3.2.1, RFC 8305)",
                    d, x->line, d);
            break;
        case DIAGNOSE_FAULT_NET_RESET:
            if (pe->accepted > 0 && pe->in_authenticated == 0)
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s reset connections (line %d): it accepted %u "
                    "connection(s) from the SUT and reset each at once, so no stream got through",
                    d, x->line, pe->accepted);
            break;
        case DIAGNOSE_FAULT_NET_SILENT:
            if (pe->accepted > 0 && pe->in_authenticated == 0)
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s stay silent (line %d): it accepted %u connection(s) "
                    "from the SUT and never answered, so no stream got past its header",
                    d, x->line, pe->accepted);
            break;
        case DIAGNOSE_FAULT_NET_CUT:
            if (pe->accepted > 0 || pe->sut_connected > 0)
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s close its connections after %s bytes (line %d), "
                    "without a stream close: what the SUT sent after that was lost",
                    d, x->value, x->line);
            break;
        case DIAGNOSE_FAULT_NET_TIMEOUT:
            say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                "the scenario made %s time out its streams (line %d): each established stream "
                "got <connection-timeout/> and was closed (RFC 6120 §4.9.3.4)",
                d, x->line);
            break;
        case DIAGNOSE_FAULT_NET_SLOW:
            if (f->wait != DIAGNOSE_WAIT_OTHER && f->peer == p)
                say(o, DIAGNOSE_PEER_NET_FAULT, 1, p,
                    "the scenario made %s write slowly (line %d, 512 bytes/s): what it sends "
                    "arrives late, its stream headers and dialback included",
                    d, x->line);
            break;
        case DIAGNOSE_FAULT_DB_INVALID:
            if (pe->db_invalid_sent > 0)
                say(o, DIAGNOSE_DIALBACK_FAULT, 1, p,
                    "the scenario made %s answer dialback invalid (line %d): it answered the "
                    "SUT's dialback key invalid (%u %s), so the SUT's stream to it was never "
                    "authenticated and the SUT's stanzas for %s were not delivered (XEP-0220 "
                    "§2.1)%s",
                    d, x->line, pe->db_invalid_sent, times(pe->db_invalid_sent), d,
                    has_stream_error(pe, "not-authorized")
                            ? "; the SUT then closed the stream with <not-authorized/>"
                            : "");
            if (pe->verify_invalid > 0 && pe->invalid_from_sut > 0)
                say(o, DIAGNOSE_DIALBACK_FAULT, 1, p,
                    "the scenario made %s answer dialback invalid (line %d): asked by the SUT "
                    "to verify %s's own key, it said invalid, so the SUT refused %s's stream "
                    "(db:result type='invalid', XEP-0220 §2.3)",
                    d, x->line, d, d);
            break;
        case DIAGNOSE_FAULT_DB_IGNORE:
            if (pe->db_ignored > 0)
                say(o, DIAGNOSE_DIALBACK_FAULT, 1, p,
                    "the scenario made %s ignore dialback (line %d): the SUT's dialback "
                    "requests (%u) got no answer, so its stream to %s was never authenticated "
                    "and its stanzas wait",
                    d, x->line, pe->db_ignored, d);
            break;
        case DIAGNOSE_FAULT_DB_LATE: {
            char val[64];

            if (pe->db_late > 0)
                say(o, DIAGNOSE_DIALBACK_FAULT, 1, p,
                    "the scenario made %s answer dialback %s late (line %d): the SUT's dialback "
                    "requests (%u) waited that long for their answer, so its stream to %s was "
                    "authenticated only then, if before the step gave up",
                    d, ms_str(x->value, val, sizeof(val)), x->line, pe->db_late, d);
            break;
        }
        case DIAGNOSE_FAULT_COLLISION:
            if (pe->collision > 0)
                say(o, DIAGNOSE_COLLISION, 1, p,
                    "%s's provider hosts %s itself (the scenario's collision=%s), so the SUT "
                    "gets an \"unexpected dialback response\": remove %s from that service (the "
                    "seed: ask Google or WebEx support)",
                    d, f->sut_domain, x->value, f->sut_domain);
            break;
        case DIAGNOSE_FAULT_CERT: {
            int reached = pe->accepted > 0 || pe->sut_connected > 0;
            char how[160];

            /* Only when TLS was tried and nothing got through (with TLS optional, the SUT
             * may go on with dialback: then the certificate explains nothing). */
            if (!reached || (pe->tls_done == 0 && pe->tls_failed == 0) ||
                pe->out_authenticated > 0 || pe->in_authenticated > 0)
                break;
            if (pe->nstream_errors > 0)
                snprintf(how, sizeof(how), "closed its stream with <%s/>", pe->stream_errors[0]);
            else if (pe->tls_failed > 0)
                snprintf(how, sizeof(how), "failed the TLS handshake");
            else
                snprintf(how, sizeof(how), "never accepted its stream");
            say(o, DIAGNOSE_CERT_FAULT, 1, p,
                "the scenario gave %s a certificate that does not verify (cert=%s): the SUT %s, "
                "as RFC 6120 §13.7.2 and RFC 6125 have it when TLS and certificates are "
                "required",
                d, x->value, how);
            break;
        }
        default:
            break;
        }
    }
}

/* What a stream error condition says (RFC 6120 §4.9.3), with its section. */
static const char *
stream_error_meaning(const char *cond, const char **section)
{
    static const struct {
        const char *cond, *section, *meaning;
    } table[] = {
            {"conflict", "4.9.3.3", "a newer stream for the same domains replaces this one"},
            {"connection-timeout", "4.9.3.4", "the stream was idle, or too slow, for it"},
            {"host-gone", "4.9.3.5", "the domain the stream is for is no longer served by it"},
            {"host-unknown", "4.9.3.6", "it does not serve the domain the stream is for"},
            {"improper-addressing", "4.9.3.7", "a stanza lacked a from or to it needs"},
            {"invalid-from", "4.9.3.9",
             "a from address does not match a domain the stream authenticated"},
            {"invalid-namespace", "4.9.3.10", "the stream or a stanza has a wrong namespace"},
            {"invalid-xml", "4.9.3.11", "the peer sent XML it could not accept"},
            {"not-authorized", "4.9.3.12",
             "it did not accept the peer's authentication, or the peer sent data it was not "
             "authorized to send (such as a stanza from a domain not authenticated)"},
            {"not-well-formed", "4.9.3.13", "the peer sent XML that is not well-formed"},
            {"policy-violation", "4.9.3.14",
             "a local policy refused the stream, such as TLS or a certificate it requires"},
            {"remote-connection-failed", "4.9.3.15",
             "it could not connect to the peer's authoritative server to verify it"},
            {"resource-constraint", "4.9.3.17", "it lacks the resources to serve the stream"},
            {"system-shutdown", "4.9.3.20", "it is shutting down"},
            {"undefined-condition", "4.9.3.21", "a condition with no name of its own"},
            {"unsupported-version", "4.9.3.25", "it does not support the stream's version"},
    };
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].cond, cond) == 0) {
            *section = table[i].section;
            return table[i].meaning;
        }
    *section = "4.9.3";
    return "a condition fedsim has no words for";
}

/* What the peers saw of the SUT, not explained by a fault already said. */
static void
observed(const struct diagnose_facts *f, size_t p, struct out *o)
{
    const struct diagnose_peer *pe = &f->peers[p];
    const char *d = pe->shown, *sd = f->sut_domain;
    char srv[300], what[64];
    size_t i;

    if (pe->sut_unresolved > 0 && !(p < DIAGNOSE_MAX_PEERS && o->sut_lost[p])) {
        const struct diagnose_dns *bad = NULL;
        int answered = 0;

        snprintf(srv, sizeof(srv), "_xmpp-server._tcp.%s", sd);
        for (i = 0; i < f->ndns; i++) {
            const struct diagnose_dns *x = &f->dns[i];

            if (!x->own || !under(x->name, sd))
                continue;
            answered = 1;
            if (!good(x) && (bad == NULL || strcasecmp(x->name, srv) == 0))
                bad = x;
        }
        if (bad != NULL)
            say(o, DIAGNOSE_SUT_RECORDS_MISSING, 0, p,
                "%s could not find the SUT in DNS (fedsim's DNS answered %s %s with %s, from "
                "the fixtures): check the SUT's records with nslookup, set type=SRV, %s (the "
                "seed's troubleshooting, step 1), and fix them with the DNS provider",
                d, bad->name, bad->type, answer_str(bad, what, sizeof(what)), srv);
        else if (!answered)
            say(o, DIAGNOSE_SUT_RECORDS_MISSING, 0, p,
                "%s could not find the SUT in DNS (%s SRV, or its target's address): check the "
                "SUT's records with nslookup, set type=SRV, %s (the seed's troubleshooting, "
                "step 1), and fix them with the DNS provider",
                d, srv, srv);
    }
    if (pe->sut_refused > 0 && pe->sut_connected == 0)
        say(o, DIAGNOSE_INBOUND_REFUSED, 0, p,
            "%s's connections to the SUT at %s were refused: XMPP federation is not configured "
            "on the SUT, or its federation service is not running, or a firewall rejects "
            "inbound TCP 5269 (the seed: telnet to the SUT's 5269 from outside, then from "
            "inside)",
            d, pe->sut_addr);
    if (pe->sut_timeout > 0 && pe->sut_connected == 0)
        say(o, DIAGNOSE_INBOUND_TIMEOUT, 0, p,
            "%s's connections to the SUT at %s timed out: a firewall drops inbound TCP 5269 "
            "(the seed: telnet to the SUT's public address on 5269 from outside: a blank "
            "screen means the firewall passes it)",
            d, pe->sut_addr);
    if (pe->collision > 0 && peer_fault(f, p, DIAGNOSE_FAULT_COLLISION) == NULL)
        say(o, DIAGNOSE_COLLISION, 0, p,
            "%s's provider hosts %s itself, so the SUT gets an \"unexpected dialback "
            "response\": remove %s from that service (the seed: ask Google or WebEx support)",
            d, sd, sd);
    if (pe->invalid_from_sut > 0 && peer_fault(f, p, DIAGNOSE_FAULT_DB_INVALID) == NULL &&
        peer_fault(f, p, DIAGNOSE_FAULT_COLLISION) == NULL) {
        if (pe->accepted == 0)
            say(o, DIAGNOSE_DIALBACK_INVALID, 0, p,
                "the SUT answered %s's dialback invalid without connecting back to it: it could "
                "not verify %s's key (outbound TCP 5269, the seed's troubleshooting step 2)",
                d, d);
        else
            say(o, DIAGNOSE_DIALBACK_INVALID, 0, p,
                "the SUT answered %s's dialback invalid although it connected back to %s: the "
                "key it was given did not verify (XEP-0220 §2.3)",
                d, d);
    }
    if (pe->cert_refused > 0)
        say(o, DIAGNOSE_CERT_REFUSED, 0, p,
            "%s refused the SUT's certificate (%u %s): it does not verify for %s against the "
            "CA the peer trusts (RFC 6125; the transcript says what was presented)",
            d, pe->cert_refused, times(pe->cert_refused), sd);
    if (pe->tls_failed > 0 && peer_fault(f, p, DIAGNOSE_FAULT_CERT) == NULL)
        say(o, DIAGNOSE_TLS_FAILED, 0, p,
            "a TLS handshake between %s and the SUT failed (%u %s): see the transcript's "
            "STARTTLS lines",
            d, pe->tls_failed, times(pe->tls_failed));
}

static void
stream_errors(const struct diagnose_facts *f, size_t p, struct out *o)
{
    const struct diagnose_peer *pe = &f->peers[p];
    size_t i;

    for (i = 0; i < pe->nstream_errors; i++) {
        const char *section, *meaning = stream_error_meaning(pe->stream_errors[i], &section);

        say(o, DIAGNOSE_STREAM_ERROR, 0, p,
            "the SUT closed %s's stream with <%s/>: %s (RFC 6120 §%s)", pe->shown,
            pe->stream_errors[i], meaning, section);
    }
}

/* The step waited for the SUT to come to peer p and nothing said explains why it did not. */
static void
guess(const struct diagnose_facts *f, size_t p, struct out *o)
{
    const struct diagnose_peer *pe = &f->peers[p];
    const char *d = pe->shown;
    char what[64], name[300];
    size_t i;

    if (pe->accepted > 0 || f->steps_passed == 0)
        return;
    if (!sut_asked(f, p)) {
        say(o, DIAGNOSE_NEVER_ASKED, 0, p,
            "the SUT never looked up _xmpp-server._tcp.%s in fedsim's DNS: it does not resolve "
            "through fedsim (its DNS settings), or XMPP federation is not enabled on it (the "
            "seed: enable XMPP federation, start the federation service)",
            d);
        return;
    }
    if (sut_found(f, p)) {
        say(o, DIAGNOSE_OUTBOUND_BLOCKED, 0, p,
            "the SUT looked %s up (_xmpp-server._tcp.%s) and fedsim's DNS gave it an address, "
            "but it never connected to it: outbound TCP 5269 is blocked (the seed's "
            "troubleshooting, step 2: from the SUT's network, nslookup the SRV record and "
            "telnet to its port 5269)",
            d, d);
        return;
    }
    for (i = 0; i < f->ndns; i++) {
        const struct diagnose_dns *x = &f->dns[i];

        if (x->own || good(x) || !under(x->name, pe->domain))
            continue;
        say(o, DIAGNOSE_PEER_RECORDS_MISSING, 0, p,
            "the SUT looked %s up, but fedsim's DNS gave it no address (%s %s: %s, from the "
            "fixtures): it could not find %s; check the peer's records (the seed's "
            "troubleshooting, step 2: nslookup, set type=SRV, _xmpp-server._tcp.%s)",
            d, shown(f, x->name, name, sizeof(name)), x->type, answer_str(x, what, sizeof(what)), d,
            d);
        return;
    }
}

size_t
diagnose_run(const struct diagnose_facts *f, struct diagnose_cause *out, size_t max)
{
    struct out o;
    size_t p, np = f->npeers < DIAGNOSE_MAX_PEERS ? f->npeers : DIAGNOSE_MAX_PEERS;

    memset(&o, 0, sizeof(o));
    o.c = out;
    o.max = max;
    /* 1. What the scenario injected, where its effect shows. */
    dns_faults_at_peers(f, &o);
    dns_faults_at_sut(f, &o);
    for (p = 0; p < np; p++)
        peer_faults(f, p, &o);
    /* 2. What the events show, nothing injected behind it. */
    truncated_without_fault(f, &o);
    for (p = 0; p < np; p++) {
        int had = p < DIAGNOSE_MAX_PEERS && o.explained[p];

        observed(f, p, &o);
        if (!had)
            stream_errors(f, p, &o);
    }
    /* 3. The step's own peer, when nothing observed explains it. */
    if (f->wait == DIAGNOSE_WAIT_AT_PEER && f->peer < np && !o.explained[f->peer])
        guess(f, f->peer, &o);
    return o.n;
}
