/* hosts.c: the hosts file a libc-resolving SUT reads instead of asking fedsim's DNS. */
#include "hosts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chance.h"
#include "xmalloc.h"

/* CNAME hops followed from a name to its addresses (DNS resolvers stop at about this many). */
#define HOSTS_MAX_CHAIN 8

struct buf {
    char *p; /* owned */
    size_t len, cap;
};

struct name {
    char *text;          /* owned: lower case, no final dot */
    const ldns_rdf *rdf; /* borrowed: from a zone or a fault, both outlive the call */
};

static void
buf_add(struct buf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xreallocarray(b->p, b->cap, 1);
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* A name or address as the file shows it: ldns' text, lower case, without the final dot. */
static char *
rdf_text(const ldns_rdf *rdf)
{
    char *s = ldns_rdf2str(rdf), *out, *p;
    size_t n;

    if (s == NULL)
        return xstrdup("");
    n = strlen(s);
    if (n > 1 && s[n - 1] == '.')
        s[n - 1] = '\0';
    out = xstrdup(s);
    free(s);
    for (p = out; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static void
add_line(struct buf *b, const ldns_rr *rr, const char *shown)
{
    char *addr = rdf_text(ldns_rr_rdf(rr, 0));

    buf_add(b, addr);
    buf_add(b, " ");
    buf_add(b, shown);
    buf_add(b, "\n");
    free(addr);
}

/*
 * Adds a line for each address of `type` that `name` resolves to, the way fedsim's DNS would
 * answer: an injected fault first (replaced records are used, an error or a dropped answer
 * leaves the name out, a delay or truncation still ends in the answer), else the zones; CNAMEs
 * are followed.
 */
static void
add_addresses(struct buf *b, const struct dns_zoneset *zs, const struct dns_faults *faults,
              const ldns_rdf *name, const char *shown, ldns_rr_type type)
{
    const ldns_rdf *cur = name;
    int hop;

    for (hop = 0; hop < HOSTS_MAX_CHAIN && cur != NULL; hop++) {
        const struct dns_fault *f = dns_faults_find(faults, cur, type);
        const ldns_rdf *next = NULL;
        int found = 0;
        size_t i;

        /* A replacement at random is the DNS's alone: a hosts file has one answer. */
        if (f != NULL && f->kind == DNS_FAULT_REPLACE && f->ppm >= CHANCE_PPM) {
            for (i = 0; i < ldns_rr_list_rr_count(f->records); i++) {
                const ldns_rr *rr = ldns_rr_list_rr(f->records, i);

                if (ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
                    continue;
                if (ldns_rr_get_type(rr) == type) {
                    add_line(b, rr, shown);
                    found = 1;
                } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && next == NULL) {
                    next = ldns_rr_rdf(rr, 0);
                }
            }
        } else if (f != NULL && f->kind != DNS_FAULT_DELAY && f->kind != DNS_FAULT_TRUNCATE) {
            return;
        } else {
            const struct dns_zone *z = dns_zoneset_find_zone(zs, cur);
            const struct dns_rrset *set;

            if (z == NULL)
                return;
            if ((set = dns_zone_find(z, cur, type)) != NULL) {
                for (i = 0; i < ldns_rr_list_rr_count(set->rrs); i++)
                    add_line(b, ldns_rr_list_rr(set->rrs, i), shown);
                found = 1;
            } else if ((set = dns_zone_find(z, cur, LDNS_RR_TYPE_CNAME)) != NULL) {
                next = ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 0);
            }
        }
        if (found)
            return;
        cur = next;
    }
}

static int
is_host_type(ldns_rr_type t)
{
    return t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_CNAME;
}

static void
add_name(struct name **names, size_t *n, const ldns_rdf *rdf)
{
    char *text = rdf_text(rdf);

    /* A wildcard owner ("*.example") is no host name. */
    if (text[0] == '*' || text[0] == '\0' || strcmp(text, ".") == 0) {
        free(text);
        return;
    }
    *names = xreallocarray(*names, *n + 1, sizeof(**names));
    (*names)[*n].text = text;
    (*names)[*n].rdf = rdf;
    (*n)++;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct name *)a)->text, ((const struct name *)b)->text);
}

char *
hosts_format(const struct dns_zoneset *zs, const struct dns_faults *faults)
{
    struct buf b = {0};
    struct name *names = NULL;
    size_t n = 0, i, j;

    /* Every name that may resolve to an address: owners of A, AAAA and CNAME records, in the
     * zones and in the records that steps put in place of theirs. */
    for (i = 0; zs != NULL && i < zs->nzones; i++)
        for (j = 0; j < zs->zones[i]->nsets; j++)
            if (is_host_type(zs->zones[i]->sets[j].type))
                add_name(&names, &n, zs->zones[i]->sets[j].owner);
    for (i = 0; faults != NULL && i < faults->n; i++) {
        const struct dns_fault *f = &faults->f[i];

        for (j = 0; f->kind == DNS_FAULT_REPLACE && j < ldns_rr_list_rr_count(f->records); j++) {
            const ldns_rr *rr = ldns_rr_list_rr(f->records, j);

            if (is_host_type(ldns_rr_get_type(rr)))
                add_name(&names, &n, ldns_rr_owner(rr));
        }
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), name_cmp);

    buf_add(&b, "# written by fedsim (harness/hosts.c): the addresses its DNS gives now; rewritten "
                "in place for each scenario run and DNS fault step\n"
                "127.0.0.1 localhost\n"
                "::1 localhost ip6-localhost ip6-loopback\n");
    for (i = 0; i < n; i++) {
        if (i > 0 && strcmp(names[i].text, names[i - 1].text) == 0)
            continue;
        if (strcmp(names[i].text, "localhost") != 0) {
            add_addresses(&b, zs, faults, names[i].rdf, names[i].text, LDNS_RR_TYPE_A);
            add_addresses(&b, zs, faults, names[i].rdf, names[i].text, LDNS_RR_TYPE_AAAA);
        }
    }
    for (i = 0; i < n; i++)
        free(names[i].text);
    free(names);
    return b.p;
}

/* The file's text with part's lines replaced by those of mine (hosts_format's, header aside). */
static char *
merge_part(const char *old, int part, const char *mine)
{
    struct buf b = {0};
    char marker[48];
    const char *p = old, *body = mine;
    int i, skipping = 0, placed = 0;

    snprintf(marker, sizeof(marker), "# fedsim part %d\n", part);
    for (i = 0; i < 3 && (body = strchr(body, '\n')) != NULL; i++) /* comment, localhost x2 */
        body++;
    if (body == NULL)
        body = "";
    if (*old == '\0') {
        buf_add(&b, mine);
        b.len = (size_t)(body - mine);
        b.p[b.len] = '\0';
    }
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl + 1 - p) : strlen(p);
        char *line = strndup(p, n);

        if (strncmp(line, "# fedsim part ", 14) == 0)
            skipping = strcmp(line, marker) == 0;
        if (skipping && !placed) {
            buf_add(&b, marker);
            buf_add(&b, body);
            placed = 1;
        }
        if (!skipping)
            buf_add(&b, line);
        free(line);
        p += n;
    }
    if (!placed) {
        buf_add(&b, marker);
        buf_add(&b, body);
    }
    return b.p != NULL ? b.p : xstrdup("");
}

static int
write_all(int fd, const char *path, const char *text, char *err, size_t errlen)
{
    size_t len = strlen(text), off = 0;

    while (off < len) {
        ssize_t w = pwrite(fd, text + off, len - off, (off_t)off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
            return -1;
        }
        off += (size_t)w;
    }
    if (ftruncate(fd, (off_t)len) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int
hosts_write_part(const char *path, int part, const struct dns_zoneset *zs,
                 const struct dns_faults *faults, char *err, size_t errlen)
{
    char *old = NULL, *mine, *text, chunk[4096];
    size_t len = 0;
    ssize_t got;
    int fd, rc;

    if (part <= 0)
        return hosts_write(path, zs, faults, err, errlen);
    if (path == NULL)
        return 0;
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX) != 0) {
        snprintf(err, errlen, "%s: flock: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    while ((got = pread(fd, chunk, sizeof(chunk), (off_t)len)) > 0) {
        old = xreallocarray(old, len + (size_t)got + 1, 1);
        memcpy(old + len, chunk, (size_t)got);
        len += (size_t)got;
    }
    if (old == NULL)
        old = xstrdup("");
    old[len] = '\0';
    mine = hosts_format(zs, faults);
    text = merge_part(old, part, mine);
    rc = write_all(fd, path, text, err, errlen);
    if (close(fd) != 0 && rc == 0) { /* the lock goes with it */
        snprintf(err, errlen, "%s: close: %s", path, strerror(errno));
        rc = -1;
    }
    free(old);
    free(mine);
    free(text);
    return rc;
}

int
hosts_write(const char *path, const struct dns_zoneset *zs, const struct dns_faults *faults,
            char *err, size_t errlen)
{
    char *text;
    size_t len, off = 0;
    int fd, rc = -1;

    if (path == NULL)
        return 0;
    /* O_TRUNC on the existing file, never a new one renamed over it: the SUT's mount
     * namespace has this very inode bound over /etc/hosts. */
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    text = hosts_format(zs, faults);
    len = strlen(text);
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        snprintf(err, errlen, "%s: fsync: %s", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (close(fd) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: close: %s", path, strerror(errno));
        rc = -1;
    }
    free(text);
    return rc;
}
