/* sut.c: reading the SUT file that ci/sut/<name>/start writes. */
#include "sut.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "xmalloc.h"

#define SUT_MAX_LINE 4096

void
sut_free(struct sut *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->naccounts; i++) {
        free(s->accounts[i].user);
        free(s->accounts[i].password);
    }
    free(s->accounts);
    free(s->path);
    free(s->name);
    free(s->version);
    free(s->domain);
    free(s->tls);
    free(s->ca);
    free(s->dir);
    free(s->log);
    free(s->stop);
    free(s->reg);
    free(s->hosts);
    free(s);
}

static char *
trim(char *p)
{
    char *end;

    while (isspace((unsigned char)*p))
        p++;
    end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return p;
}

/* Applies one key; returns 0 or -1 with a message (without the file:line prefix). */
static int
apply(struct sut *s, const char *key, const char *val, char *err, size_t errlen)
{
    struct {
        const char *key;
        char **field;
    } strings[] = {{"ca", &s->ca},          {"dir", &s->dir},   {"domain", &s->domain},
                   {"hosts", &s->hosts},    {"log", &s->log},   {"name", &s->name},
                   {"register", &s->reg},   {"stop", &s->stop}, {"tls", &s->tls},
                   {"version", &s->version}};
    struct {
        const char *key;
        struct net_addr *field;
    } addrs[] = {{"c2s", &s->c2s}, {"dns", &s->dns}, {"s2s", &s->s2s}, {"s2s_tls", &s->s2s_tls}};
    size_t i;

    for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        if (strcmp(key, strings[i].key) == 0) {
            free(*strings[i].field);
            *strings[i].field = xstrdup(val);
            return 0;
        }
    }
    for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
        if (strcmp(key, addrs[i].key) == 0)
            return net_addr_parse(val, addrs[i].field, err, errlen);
    if (strcmp(key, "pid") == 0) {
        char *end;

        errno = 0;
        s->pid = strtol(val, &end, 10);
        if (*val == '\0' || *end != '\0' || errno != 0 || s->pid <= 0) {
            snprintf(err, errlen, "pid \"%s\" is not a process id", val);
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "account") == 0) {
        const char *sp = strpbrk(val, " \t");
        struct sut_account *a;

        if (sp == NULL || *trim((char *)sp) == '\0') {
            snprintf(err, errlen, "account needs \"USER PASSWORD\"");
            return -1;
        }
        s->accounts = xreallocarray(s->accounts, s->naccounts + 1, sizeof(*s->accounts));
        a = &s->accounts[s->naccounts++];
        a->user = xstrndup(val, (size_t)(sp - val));
        a->password = xstrdup(trim((char *)sp));
        return 0;
    }
    snprintf(err, errlen,
             "unknown key \"%s\" (known: account ca c2s dir dns domain hosts log name pid register "
             "s2s s2s_tls stop tls version)",
             key);
    return -1;
}

struct sut *
sut_load(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    struct sut *s;
    char line[SUT_MAX_LINE], msg[512];
    int lineno = 0;
    int seen_c2s = 0, seen_s2s = 0, seen_dns = 0;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(path);
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *p, *eq, *key, *val;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(fp)) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, lineno,
                     SUT_MAX_LINE - 2);
            goto fail;
        }
        p = trim(line);
        if (*p == '\0' || *p == '#')
            continue;
        eq = strchr(p, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, lineno);
            goto fail;
        }
        *eq = '\0';
        key = trim(p);
        val = trim(eq + 1);
        if (apply(s, key, val, msg, sizeof(msg)) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
            goto fail;
        }
        seen_c2s |= strcmp(key, "c2s") == 0;
        seen_s2s |= strcmp(key, "s2s") == 0;
        seen_dns |= strcmp(key, "dns") == 0;
    }
    if (s->domain == NULL || !seen_c2s || !seen_s2s || !seen_dns) {
        snprintf(err, errlen, "%s: missing %s (a SUT file needs domain, c2s, s2s and dns)", path,
                 s->domain == NULL ? "domain"
                 : !seen_c2s       ? "c2s"
                 : !seen_s2s       ? "s2s"
                                   : "dns");
        goto fail;
    }
    fclose(fp);
    return s;
fail:
    fclose(fp);
    sut_free(s);
    return NULL;
}

int
sut_register(const struct sut *s, struct sut_account *out, char *err, size_t errlen)
{
    char line[512], *sp, *nl;
    FILE *fp;
    int status;

    memset(out, 0, sizeof(*out));
    if (s->reg == NULL) {
        snprintf(err, errlen,
                 "%s has no \"register\" command for fresh accounts (name an "
                 "account in the scenario: \"client NAME: account N\")",
                 s->path);
        return -1;
    }
    fflush(stdout);
    if ((fp = popen(s->reg, "r")) == NULL) {
        snprintf(err, errlen, "%s: %s", s->reg, strerror(errno));
        return -1;
    }
    if (fgets(line, sizeof(line), fp) == NULL)
        line[0] = '\0';
    status = pclose(fp);
    if ((nl = strchr(line, '\n')) != NULL)
        *nl = '\0';
    sp = strchr(line, ' ');
    if (status != 0 || sp == NULL || sp == line || sp[1] == '\0') {
        snprintf(err, errlen, "\"%s\" failed (exit %d, printed \"%.100s\")", s->reg,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
        return -1;
    }
    out->user = xstrndup(line, (size_t)(sp - line));
    out->password = xstrdup(sp + 1);
    return 0;
}
