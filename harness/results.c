/* results.c: JUnit XML and JSON results files (see results.h). */
#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xmalloc.h"
#include "version.h"
#include "xml.h"

int
results_write_junit(const char *path, const struct result *res, size_t n, double seconds,
                    char *err, size_t errlen)
{
    FILE *fp = fopen(path, "w");
    size_t i, fail = 0, error = 0, skip = 0;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        fail += res[i].r.outcome == RUN_FAIL;
        error += res[i].r.outcome == RUN_ERROR;
        skip += res[i].r.outcome == RUN_SKIP || res[i].r.outcome == RUN_XFAIL;
    }
    fprintf(fp,
            "<?xml version='1.0' encoding='UTF-8'?>\n<testsuites>\n"
            "<testsuite name='fedsim' tests='%zu' failures='%zu' errors='%zu' skipped='%zu' "
            "time='%.3f'>\n",
            n, fail, error, skip, seconds);
    for (i = 0; i < n; i++) {
        const char *m = res[i].r.message != NULL ? res[i].r.message : "";
        char *name = xml_escape(res[i].path, strlen(res[i].path));
        char *msg = xml_escape(m, strlen(m));

        fprintf(fp, "  <testcase classname='fedsim' name='%s' time='%.3f'>", name,
                res[i].r.seconds);
        if (res[i].clause != NULL || res[i].r.random[0] != '\0') {
            fprintf(fp, "<properties>");
            if (res[i].clause != NULL) {
                char *c = xml_escape(res[i].clause, strlen(res[i].clause));

                fprintf(fp, "<property name='clause' value='%s'/>", c);
                free(c);
            }
            if (res[i].r.random[0] != '\0') { /* faults at random: seed, choices, digest */
                char *c = xml_escape(res[i].r.random, strlen(res[i].r.random));

                fprintf(fp, "<property name='random' value='%s'/>", c);
                free(c);
            }
            fprintf(fp, "</properties>");
        }
        switch (res[i].r.outcome) {
        case RUN_FAIL:
            fprintf(fp, "<failure message='scenario failed'>%s</failure>", msg);
            break;
        case RUN_ERROR:
            fprintf(fp, "<error message='scenario could not run'>%s</error>", msg);
            break;
        case RUN_SKIP:
        case RUN_XFAIL:
            fprintf(fp, "<skipped message='%s'/>", msg);
            break;
        case RUN_OK:
            break;
        }
        fprintf(fp, "</testcase>\n");
        free(name);
        free(msg);
    }
    fprintf(fp, "</testsuite>\n</testsuites>\n");
    if (ferror(fp) | (fclose(fp) != 0)) {
        snprintf(err, errlen, "%s: cannot write", path);
        return -1;
    }
    return 0;
}

static void
member(FILE *fp, const char *key, const char *value, int comma)
{
    fprintf(fp, "%s\"%s\": ", comma ? ", " : "", key);
    if (value != NULL)
        json_write_string(fp, value);
    else
        fputs("null", fp);
}

int
results_write_json(const char *path, const struct results_meta *meta, const struct result *res,
                   size_t n, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "w");
    size_t i, counts[RUN_XFAIL + 1] = {0};

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++)
        counts[res[i].r.outcome]++;
    fprintf(fp, "{");
    member(fp, "fedsim", version_string, 0);
    member(fp, "shard", meta->shard, 1);
    fprintf(fp, ", \"seconds\": %.3f,\n \"sut\": {", meta->seconds);
    member(fp, "name", meta->sut_name, 0);
    member(fp, "version", meta->sut_version, 1);
    member(fp, "domain", meta->sut_domain, 1);
    member(fp, "tls", meta->sut_tls, 1);
    fprintf(fp, "},\n \"counts\": {");
    for (i = 0; i <= RUN_XFAIL; i++)
        fprintf(fp, "%s\"%s\": %zu", i > 0 ? ", " : "",
                runner_outcome_str((enum runner_outcome)i), counts[i]);
    fprintf(fp, "},\n \"scenarios\": [");
    for (i = 0; i < n; i++) {
        fprintf(fp, "%s\n  {", i > 0 ? "," : "");
        member(fp, "path", res[i].path, 0);
        member(fp, "title", res[i].title, 1);
        member(fp, "clause", res[i].clause, 1);
        member(fp, "outcome", runner_outcome_str(res[i].r.outcome), 1);
        fprintf(fp, ", \"seconds\": %.3f, \"line\": %d", res[i].r.seconds, res[i].r.line);
        member(fp, "message", res[i].r.message != NULL ? res[i].r.message : "", 1);
        if (res[i].r.random[0] != '\0') /* faults at random: seed, choices, digest */
            member(fp, "random", res[i].r.random, 1);
        fprintf(fp, "}");
    }
    fprintf(fp, "]}\n");
    if (ferror(fp) | (fclose(fp) != 0)) {
        snprintf(err, errlen, "%s: cannot write", path);
        return -1;
    }
    return 0;
}

int
results_outcome(const char *name)
{
    int o;

    for (o = 0; o <= RUN_XFAIL; o++)
        if (strcmp(name, runner_outcome_str((enum runner_outcome)o)) == 0)
            return o;
    return -1;
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

int
results_read_json(const char *path, struct results_meta *meta, struct result **res, size_t *n,
                  char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    char *text = NULL, why[256];
    size_t len = 0, cap = 0, got, i;
    struct json *doc;
    const struct json *sut, *list;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    do {
        if (len + 4096 > cap)
            text = xreallocarray(text, cap = cap * 2 + 4096, 1);
        got = fread(text + len, 1, cap - len, fp);
        len += got;
    } while (got > 0);
    fclose(fp);
    doc = json_parse(text, len, why, sizeof(why));
    free(text);
    if (doc == NULL) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    list = json_get(doc, "scenarios");
    if (json_get_string(doc, "fedsim", NULL) == NULL || list == NULL ||
        list->type != JSON_ARRAY) {
        snprintf(err, errlen, "%s: not a fedsim results file (fedsim run --json)", path);
        json_free(doc);
        return -1;
    }
    for (i = 0; i < list->n; i++) {
        const struct json *s = list->items[i];
        int o = results_outcome(json_get_string(s, "outcome", ""));

        if (json_get_string(s, "path", NULL) == NULL || o < 0) {
            snprintf(err, errlen, "%s: scenario %zu has no path or an unknown outcome", path,
                     i + 1);
            json_free(doc);
            return -1;
        }
    }
    sut = json_get(doc, "sut");
    meta->shard = dup_or_null(json_get_string(doc, "shard", NULL));
    meta->seconds = json_get_number(doc, "seconds", 0);
    meta->sut_name = dup_or_null(json_get_string(sut, "name", NULL));
    meta->sut_version = dup_or_null(json_get_string(sut, "version", NULL));
    meta->sut_domain = dup_or_null(json_get_string(sut, "domain", NULL));
    meta->sut_tls = dup_or_null(json_get_string(sut, "tls", NULL));
    *res = xreallocarray(*res, *n + list->n + 1, sizeof(**res));
    for (i = 0; i < list->n; i++) {
        const struct json *s = list->items[i];
        struct result *r = &(*res)[(*n)++];

        memset(r, 0, sizeof(*r));
        r->path = xstrdup(json_get_string(s, "path", ""));
        r->title = xstrdup(json_get_string(s, "title", ""));
        r->clause = dup_or_null(json_get_string(s, "clause", NULL));
        r->r.outcome = (enum runner_outcome)results_outcome(json_get_string(s, "outcome", ""));
        r->r.seconds = json_get_number(s, "seconds", 0);
        r->r.line = (int)json_get_number(s, "line", 0);
        r->r.message = xstrdup(json_get_string(s, "message", ""));
        snprintf(r->r.random, sizeof(r->r.random), "%s", json_get_string(s, "random", ""));
    }
    json_free(doc);
    return 0;
}

void
results_meta_clear(struct results_meta *meta)
{
    free(meta->shard);
    free(meta->sut_name);
    free(meta->sut_version);
    free(meta->sut_domain);
    free(meta->sut_tls);
    memset(meta, 0, sizeof(*meta));
}

void
result_clear(struct result *r)
{
    free(r->path);
    free(r->title);
    free(r->clause);
    runner_result_clear(&r->r);
}
