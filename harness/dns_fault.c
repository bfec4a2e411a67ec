/* dns_fault.c: the table of injected DNS faults. */
#include "dns_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chance.h"
#include "log.h"
#include "xmalloc.h"

int
dns_fault_rcode(const char *name)
{
    static const struct {
        const char *name;
        int rcode;
    } rcodes[] = {{"FORMERR", LDNS_RCODE_FORMERR}, {"NOERROR", LDNS_RCODE_NOERROR},
                  {"NOTIMP", LDNS_RCODE_NOTIMPL},  {"NXDOMAIN", LDNS_RCODE_NXDOMAIN},
                  {"REFUSED", LDNS_RCODE_REFUSED}, {"SERVFAIL", LDNS_RCODE_SERVFAIL}};
    size_t i;

    for (i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++)
        if (strcasecmp(name, rcodes[i].name) == 0)
            return rcodes[i].rcode;
    return -1;
}

int
dns_fault_type(const char *text, uint16_t *type)
{
    if (strcmp(text, "*") == 0) {
        *type = 0;
        return 0;
    }
    *type = (uint16_t)ldns_get_rr_type_by_name(text);
    return *type == 0 ? -1 : 0;
}

static void
fault_clear(struct dns_fault *f)
{
    ldns_rdf_deep_free(f->name);
    ldns_rr_list_deep_free(f->records);
    free(f->stream);
}

static ldns_rr_list *
parse_records(const char *text, char *err, size_t errlen)
{
    ldns_rr_list *l = ldns_rr_list_new();
    const char *p = text;
    int line = 0;

    while (*p != '\0') {
        size_t len = strcspn(p, "\n");
        char *one = xstrndup(p, len);
        ldns_rr *rr = NULL;
        ldns_status st;

        line++;
        if (strspn(one, " \t") != len) {
            st = ldns_rr_new_frm_str(&rr, one, 0, NULL, NULL);
            if (st != LDNS_STATUS_OK) {
                snprintf(err, errlen, "record %d: %s: \"%.100s\"", line,
                         ldns_get_errorstr_by_id(st), one);
                free(one);
                ldns_rr_list_deep_free(l);
                return NULL;
            }
            ldns_rr_list_push_rr(l, rr);
        }
        free(one);
        p += len + (p[len] == '\n');
    }
    return l;
}

int
dns_faults_add(struct dns_faults *fs, const char *name, const char *type, enum dns_fault_kind kind,
               const char *value, char *err, size_t errlen)
{
    return dns_faults_add_random(fs, name, type, kind, value, CHANCE_PPM, NULL, err, errlen);
}

int
dns_fault_strikes(const struct dns_faults *fs, const struct dns_fault *f)
{
    char what[64];

    if (f->ppm >= CHANCE_PPM)
        return 1;
    if (fs->chance == NULL)
        fatalx("a DNS fault at random without a generator");
    snprintf(what, sizeof(what), "%s",
             f->kind == DNS_FAULT_RCODE      ? "answer rcode"
             : f->kind == DNS_FAULT_DROP     ? "drop"
             : f->kind == DNS_FAULT_DELAY    ? "delay"
             : f->kind == DNS_FAULT_TRUNCATE ? "truncate"
                                             : "replace");
    return chance_hit(fs->chance, f->stream, f->ppm, what);
}

int
dns_faults_add_random(struct dns_faults *fs, const char *name, const char *type,
                      enum dns_fault_kind kind, const char *value, uint32_t ppm, const char *stream,
                      char *err, size_t errlen)
{
    struct dns_fault f = {0};

    if (ppm < CHANCE_PPM && (fs->chance == NULL || stream == NULL)) {
        snprintf(err, errlen, "a fault at random needs a generator and a stream");
        return -1;
    }
    f.kind = kind;
    f.ppm = ppm > CHANCE_PPM ? CHANCE_PPM : ppm;
    f.stream = stream != NULL && f.ppm < CHANCE_PPM ? xstrdup(stream) : NULL;
    if (ldns_str2rdf_dname(&f.name, name) != LDNS_STATUS_OK) {
        snprintf(err, errlen, "\"%s\" is not a domain name", name);
        return -1;
    }
    if (dns_fault_type(type, &f.type) != 0) {
        snprintf(err, errlen, "\"%s\" is not a DNS type (A, AAAA, SRV... or *)", type);
        goto fail;
    }
    if (kind == DNS_FAULT_RCODE && (f.rcode = dns_fault_rcode(value)) < 0) {
        snprintf(err, errlen,
                 "\"%s\" is not an rcode (NXDOMAIN, SERVFAIL, REFUSED, FORMERR, "
                 "NOTIMP, NOERROR)",
                 value);
        goto fail;
    }
    if (kind == DNS_FAULT_DELAY)
        f.delay_ms = atoi(value);
    if (kind == DNS_FAULT_REPLACE && (f.records = parse_records(value, err, errlen)) == NULL)
        goto fail;
    dns_faults_remove(fs, name, type);
    fs->f = xreallocarray(fs->f, fs->n + 1, sizeof(*fs->f));
    fs->f[fs->n++] = f;
    return 0;
fail:
    fault_clear(&f);
    return -1;
}

void
dns_faults_remove(struct dns_faults *fs, const char *name, const char *type)
{
    ldns_rdf *n = NULL;
    uint16_t t = 0;
    size_t i = 0;
    int all = strcmp(name, "*") == 0 || strcmp(name, "all") == 0;

    if (!all && (ldns_str2rdf_dname(&n, name) != LDNS_STATUS_OK || dns_fault_type(type, &t) != 0)) {
        ldns_rdf_deep_free(n);
        return;
    }
    while (i < fs->n) {
        if (all || (fs->f[i].type == t && ldns_dname_compare(fs->f[i].name, n) == 0)) {
            fault_clear(&fs->f[i]);
            fs->f[i] = fs->f[--fs->n];
        } else {
            i++;
        }
    }
    ldns_rdf_deep_free(n);
}

const struct dns_fault *
dns_faults_find(const struct dns_faults *fs, const ldns_rdf *qname, uint16_t qtype)
{
    size_t i;

    for (i = 0; fs != NULL && i < fs->n; i++)
        if ((fs->f[i].type == 0 || fs->f[i].type == qtype) &&
            ldns_dname_compare(fs->f[i].name, qname) == 0)
            return &fs->f[i];
    return NULL;
}

void
dns_faults_clear(struct dns_faults *fs)
{
    size_t i;

    for (i = 0; i < fs->n; i++)
        fault_clear(&fs->f[i]);
    free(fs->f);
    fs->f = NULL;
    fs->n = 0;
}
