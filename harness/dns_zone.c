/* dns_zone.c: loading master files into zones of sorted rrsets, and lookups in them. */
#include "dns_zone.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"
#include "log.h"
#include "xmalloc.h"

/* Fixtures are text a person reviews; anything bigger is a mistake. */
#define DNS_ZONE_MAX_FILE (64 << 20)

/* A zone being read: its records stay in file order until the file ends. */
struct pending_zone {
    struct dns_zone *zone; /* owned until committed to the set */
    ldns_rr **rrs;         /* owned */
    int *lines;            /* owned: the line of each record, for messages */
    size_t nrrs, cap;
};

struct dns_zoneset *
dns_zoneset_new(void)
{
    struct dns_zoneset *zs = xcalloc(1, sizeof(struct dns_zoneset));

    zs->answers = dns_answer_cache_new();
    return zs;
}

static void
zone_free(struct dns_zone *z)
{
    size_t i;

    if (z == NULL)
        return;
    for (i = 0; i < z->nsets; i++)
        ldns_rr_list_deep_free(z->sets[i].rrs);
    free(z->sets);
    ldns_rdf_deep_free(z->apex);
    free(z->where);
    free(z);
}

void
dns_zoneset_free(struct dns_zoneset *zs)
{
    size_t i;

    if (zs == NULL)
        return;
    for (i = 0; i < zs->nzones; i++)
        zone_free(zs->zones[i]);
    free(zs->zones);
    dns_answer_cache_free(zs->answers);
    free(zs);
}

static int
name_in(const ldns_rdf *name, const ldns_rdf *apex)
{
    return ldns_dname_compare(name, apex) == 0 || ldns_dname_is_subdomain(name, apex);
}

static char *
name_str(const ldns_rdf *name)
{
    char *s = ldns_rdf2str(name);

    if (s == NULL)
        fatalx("cannot print a domain name");
    return s;
}

/* A record and its place in the file: the sort keeps file order within an rrset. */
struct placed_rr {
    ldns_rr *rr;
    size_t at;
};

static int
rr_cmp(const void *a, const void *b)
{
    const struct placed_rr *x = a, *y = b;
    int c = ldns_dname_compare(ldns_rr_owner(x->rr), ldns_rr_owner(y->rr));

    if (c != 0)
        return c;
    if (ldns_rr_get_type(x->rr) != ldns_rr_get_type(y->rr))
        return (int)ldns_rr_get_type(x->rr) - (int)ldns_rr_get_type(y->rr);
    return x->at < y->at ? -1 : x->at > y->at;
}

static int
line_of(const struct pending_zone *p, const ldns_rr *rr)
{
    size_t i;

    for (i = 0; i < p->nrrs; i++)
        if (p->rrs[i] == rr)
            return p->lines[i];
    return 0;
}

/* Sorts a pending zone's records into rrsets and checks what a zone may not hold. */
static int
pending_finish(struct pending_zone *p, const char *file, char *err, size_t errlen)
{
    struct dns_zone *z = p->zone;
    struct placed_rr *sorted = xreallocarray(NULL, p->nrrs, sizeof(*sorted));
    size_t i;

    for (i = 0; i < p->nrrs; i++)
        sorted[i] = (struct placed_rr){.rr = p->rrs[i], .at = i};
    qsort(sorted, p->nrrs, sizeof(*sorted), rr_cmp);
    z->sets = xcalloc(p->nrrs, sizeof(*z->sets));
    for (i = 0; i < p->nrrs; i++) {
        ldns_rr *rr = sorted[i].rr;
        struct dns_rrset *last = z->nsets > 0 ? &z->sets[z->nsets - 1] : NULL;

        if (last != NULL && ldns_dname_compare(last->owner, ldns_rr_owner(rr)) == 0 &&
            (last->type == LDNS_RR_TYPE_CNAME) != (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME)) {
            char *n = name_str(ldns_rr_owner(rr));

            snprintf(err, errlen, "%s:%d: %s has a CNAME and other data (RFC 1034 §3.6.2)", file,
                     line_of(p, rr), n);
            free(n);
            free(sorted);
            /* Hand the records back to the pending list, which still owns them. */
            for (i = 0; i < z->nsets; i++)
                ldns_rr_list_free(z->sets[i].rrs);
            z->nsets = 0;
            return -1;
        }
        if (last != NULL && last->type == ldns_rr_get_type(rr) &&
            ldns_dname_compare(last->owner, ldns_rr_owner(rr)) == 0) {
            ldns_rr_list_push_rr(last->rrs, rr);
            continue;
        }
        z->sets[z->nsets].owner = ldns_rr_owner(rr);
        z->sets[z->nsets].type = ldns_rr_get_type(rr);
        z->sets[z->nsets].rrs = ldns_rr_list_new();
        z->sets[z->nsets].order = sorted[i].at;
        ldns_rr_list_push_rr(z->sets[z->nsets].rrs, rr);
        z->nsets++;
    }
    free(sorted);
    /* The records now belong to the rrsets. */
    p->nrrs = 0;
    return 0;
}

static void
pending_free(struct pending_zone *p)
{
    size_t i;

    for (i = 0; i < p->nrrs; i++)
        ldns_rr_free(p->rrs[i]);
    free(p->rrs);
    free(p->lines);
    zone_free(p->zone);
}

static struct pending_zone *
pending_for(struct pending_zone *pend, size_t npend, const ldns_rdf *name)
{
    struct pending_zone *best = NULL;
    size_t i;

    for (i = 0; i < npend; i++) {
        if (name_in(name, pend[i].zone->apex) &&
            (best == NULL ||
             ldns_dname_label_count(pend[i].zone->apex) > ldns_dname_label_count(best->zone->apex)))
            best = &pend[i];
    }
    return best;
}

static const struct dns_zone *
zoneset_find_exact(const struct dns_zoneset *zs, const ldns_rdf *apex)
{
    size_t i;

    for (i = 0; i < zs->nzones; i++)
        if (ldns_dname_compare(zs->zones[i]->apex, apex) == 0)
            return zs->zones[i];
    return NULL;
}

/*
 * Line numbers: ldns counts lines itself but eagerly swallows the blank lines after a record,
 * so records are located by byte offset instead: the line of the first token at or after the
 * offset where each ldns call starts.
 */
struct line_cursor {
    const char *text;
    size_t len, pos; /* pos only moves forward */
    int line;
};

static int
cursor_line(struct line_cursor *c, size_t at)
{
    for (;;) {
        while (c->pos < at && c->pos < c->len) {
            if (c->text[c->pos] == '\n')
                c->line++;
            c->pos++;
        }
        /* Skip blanks and comments to the record's first token. */
        while (at < c->len && (c->text[at] == ' ' || c->text[at] == '\t' || c->text[at] == '\r' ||
                               c->text[at] == '\n'))
            at++;
        if (at < c->len && c->text[at] == ';') {
            while (at < c->len && c->text[at] != '\n')
                at++;
            continue;
        }
        if (c->pos >= at || c->pos >= c->len)
            return c->line;
    }
}

static int
load_text(struct dns_zoneset *zs, const char *file, const char *text, size_t len, char *err,
          size_t errlen)
{
    struct pending_zone *pend = NULL;
    struct line_cursor cur = {.text = text, .len = len, .line = 1};
    size_t npend = 0, i;
    uint32_t ttl = 3600;
    ldns_rdf *origin = ldns_dname_new_frm_str(".");
    ldns_rdf *prev = ldns_dname_new_frm_str(".");
    int ldns_line = 1, rc = -1;
    FILE *fp = len > 0 ? fmemopen((void *)text, len, "r") : NULL;

    if (len == 0) {
        rc = 0; /* an empty file holds no zone */
        goto out;
    }
    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        goto out;
    }
    while (!feof(fp)) {
        ldns_rr *rr = NULL;
        long at = ftell(fp);
        int start = cursor_line(&cur, at < 0 ? 0 : (size_t)at);
        ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &ldns_line);
        struct pending_zone *p;
        if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
            s == LDNS_STATUS_SYNTAX_ORIGIN)
            continue;
        if (s == LDNS_STATUS_SYNTAX_INCLUDE) {
            snprintf(err, errlen, "%s:%d: $INCLUDE is not supported (give each file with --zone)",
                     file, start);
            goto out;
        }
        if (s != LDNS_STATUS_OK) {
            snprintf(err, errlen, "%s:%d: %s", file, start, ldns_get_errorstr_by_id(s));
            goto out;
        }
        if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
            snprintf(err, errlen, "%s:%d: only class IN is served", file, start);
            ldns_rr_free(rr);
            goto out;
        }
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
            if (pending_for(pend, npend, ldns_rr_owner(rr)) != NULL &&
                ldns_dname_compare(pending_for(pend, npend, ldns_rr_owner(rr))->zone->apex,
                                   ldns_rr_owner(rr)) == 0) {
                char *n = name_str(ldns_rr_owner(rr));

                snprintf(err, errlen, "%s:%d: a second SOA for zone %s", file, start, n);
                free(n);
                ldns_rr_free(rr);
                goto out;
            }
            if (zoneset_find_exact(zs, ldns_rr_owner(rr)) != NULL) {
                char *n = name_str(ldns_rr_owner(rr));

                snprintf(err, errlen, "%s:%d: zone %s is already loaded from %s", file, start, n,
                         zoneset_find_exact(zs, ldns_rr_owner(rr))->where);
                free(n);
                ldns_rr_free(rr);
                goto out;
            }
            pend = xreallocarray(pend, npend + 1, sizeof(*pend));
            memset(&pend[npend], 0, sizeof(*pend));
            pend[npend].zone = xcalloc(1, sizeof(struct dns_zone));
            pend[npend].zone->apex = ldns_rdf_clone(ldns_rr_owner(rr));
            pend[npend].zone->soa = rr;
            pend[npend].zone->where = xasprintf("%s:%d", file, start);
            npend++;
        }
        p = pending_for(pend, npend, ldns_rr_owner(rr));
        if (p == NULL) {
            char *n = name_str(ldns_rr_owner(rr));

            snprintf(err, errlen,
                     "%s:%d: %s is outside every zone of this file (a zone starts with its SOA "
                     "record; put one before this line)",
                     file, start, n);
            free(n);
            ldns_rr_free(rr);
            goto out;
        }
        if (p->nrrs == p->cap) {
            p->cap = p->cap == 0 ? 16 : p->cap * 2;
            p->rrs = xreallocarray(p->rrs, p->cap, sizeof(*p->rrs));
            p->lines = xreallocarray(p->lines, p->cap, sizeof(*p->lines));
        }
        p->rrs[p->nrrs] = rr;
        p->lines[p->nrrs] = start;
        p->nrrs++;
    }
    for (i = 0; i < npend; i++)
        if (pending_finish(&pend[i], file, err, errlen) != 0)
            goto out;
    zs->zones = xreallocarray(zs->zones, zs->nzones + npend, sizeof(*zs->zones));
    for (i = 0; i < npend; i++) {
        zs->zones[zs->nzones++] = pend[i].zone;
        pend[i].zone = NULL;
    }
    /* New zones change answers already encoded (REFUSED becomes an answer, a deeper zone...). */
    dns_answer_cache_clear(zs->answers);
    rc = 0;
out:
    for (i = 0; i < npend; i++)
        pending_free(&pend[i]);
    free(pend);
    ldns_rdf_deep_free(origin);
    ldns_rdf_deep_free(prev);
    if (fp != NULL)
        fclose(fp);
    return rc;
}

int
dns_zoneset_load_file(struct dns_zoneset *zs, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t n;

        if (cap - len < 65536) {
            if (cap >= DNS_ZONE_MAX_FILE) {
                snprintf(err, errlen, "%s: larger than %d MiB", path, DNS_ZONE_MAX_FILE >> 20);
                goto out;
            }
            cap = cap == 0 ? 65536 * 2 : cap * 2;
            text = xreallocarray(text, cap, 1);
        }
        n = fread(text + len, 1, cap - len - 1, fp);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    text[len] = '\0';
    rc = load_text(zs, path, text, len, err, errlen);
out:
    free(text);
    fclose(fp);
    return rc;
}

int
dns_zoneset_load_string(struct dns_zoneset *zs, const char *name, const char *text, char *err,
                        size_t errlen)
{
    return load_text(zs, name, text, strlen(text), err, errlen);
}

/* "_SERVICE._tcp IN SRV 0 0 PORT HOST\nHOST IN A|AAAA ADDR\n" (owned) for the SUT's zone. */
static char *
sut_records(const char *service, const char *hostname, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN];
    int port;

    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof(host));
    port = ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
                                          : ((const struct sockaddr_in6 *)sa)->sin6_port);
    return xasprintf("%s._tcp IN SRV 0 0 %d %s\n%s IN %s %s\n", service, port, hostname, hostname,
                     sa->sa_family == AF_INET ? "A" : "AAAA", host);
}

int
dns_zoneset_add_sut(struct dns_zoneset *zs, const char *domain, const struct sockaddr *s2s,
                    const struct sockaddr *s2s_tls, char *err, size_t errlen)
{
    char *text, *plain, *direct = NULL;
    ldns_rdf *name = NULL;
    int rc;

    if (strpbrk(domain, " \t") != NULL || ldns_str2rdf_dname(&name, domain) != LDNS_STATUS_OK) {
        snprintf(err, errlen, "SUT domain \"%s\" is not a domain name", domain);
        return -1;
    }
    rc = dns_zoneset_find_zone(zs, name) != NULL;
    ldns_rdf_deep_free(name);
    if (rc)
        return 0;
    plain = sut_records("_xmpp-server", "s2s", s2s);
    if (s2s_tls != NULL && (s2s_tls->sa_family == AF_INET || s2s_tls->sa_family == AF_INET6))
        direct = sut_records("_xmpps-server", "s2s-tls", s2s_tls);
    text = xasprintf("$ORIGIN %s%s\n$TTL 5\n"
                     "@ IN SOA ns hostmaster 1 5 5 60 5\n%s%s",
                     domain, domain[strlen(domain) - 1] == '.' ? "" : ".", plain,
                     direct != NULL ? direct : "");
    rc = dns_zoneset_load_string(zs, "SUT file", text, err, errlen);
    free(text);
    free(plain);
    free(direct);
    return rc == 0 ? 1 : -1;
}

const struct dns_zone *
dns_zoneset_find_zone(const struct dns_zoneset *zs, const ldns_rdf *name)
{
    const struct dns_zone *best = NULL;
    size_t i;

    for (i = 0; i < zs->nzones; i++) {
        const struct dns_zone *z = zs->zones[i];

        if (name_in(name, z->apex) &&
            (best == NULL || ldns_dname_label_count(z->apex) > ldns_dname_label_count(best->apex)))
            best = z;
    }
    return best;
}

/* Index of the first rrset whose owner is not before `name` (canonical order). */
static size_t
lower_bound(const struct dns_zone *z, const ldns_rdf *name)
{
    size_t lo = 0, hi = z->nsets;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (ldns_dname_compare(z->sets[mid].owner, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t
dns_zone_name_sets(const struct dns_zone *z, const ldns_rdf *name, const struct dns_rrset **first)
{
    size_t i = lower_bound(z, name), n = 0;

    while (i + n < z->nsets && ldns_dname_compare(z->sets[i + n].owner, name) == 0)
        n++;
    *first = n > 0 ? &z->sets[i] : NULL;
    return n;
}

const struct dns_rrset *
dns_zone_find(const struct dns_zone *z, const ldns_rdf *name, ldns_rr_type type)
{
    const struct dns_rrset *sets;
    size_t n = dns_zone_name_sets(z, name, &sets), i;

    for (i = 0; i < n; i++)
        if (sets[i].type == type)
            return &sets[i];
    return NULL;
}

int
dns_zone_name_exists(const struct dns_zone *z, const ldns_rdf *name)
{
    size_t i = lower_bound(z, name);

    if (i >= z->nsets)
        return 0;
    /* Descendants follow their ancestor directly in canonical order. */
    return ldns_dname_compare(z->sets[i].owner, name) == 0 ||
           ldns_dname_is_subdomain(z->sets[i].owner, name);
}

size_t
dns_zoneset_count_records(const struct dns_zoneset *zs)
{
    size_t i, j, n = 0;

    for (i = 0; i < zs->nzones; i++)
        for (j = 0; j < zs->zones[i]->nsets; j++)
            n += ldns_rr_list_rr_count(zs->zones[i]->sets[j].rrs);
    return n;
}
