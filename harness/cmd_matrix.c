/* cmd_matrix.c: `fedsim matrix`: the certificate × TLS × authentication × direction matrix:
 * its cells and their expected outcomes, a scenario per cell, the results as tables. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "file.h"
#include "matrix.h"
#include "results.h"
#include "xmalloc.h"

static void
matrix_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim matrix [--tls VARIANT]... [--pairwise] [--deviations FILE]...\n"
            "                     [--list | --out DIR | --table FILE.md RESULTS.json...]\n"
            "\n"
            "The certificate x TLS x authentication x direction matrix (docs/tls.md): for each\n"
            "SUT variant (off, optional, required), the peer's certificate (valid, expired,\n"
            "not-yet-valid, wrong-name, self-signed, untrusted, missing-intermediate,\n"
            "server-auth-only, none) x its TLS (none, optional, required, direct) x how it\n"
            "authenticates (dialback, external, both) x who dials (sut-dials, peer-dials).\n"
            "One oracle derives each cell's allowed outcomes from the rules (RFC 6120 §5.3.1,\n"
            "§13.7.2, RFC 7590 §3.1, §3.4, XEP-0178 §3, XEP-0220, XEP-0344, XEP-0368), each with\n"
            "the rule it follows; impossible cells, and cells the same as another, are dropped\n"
            "with the reason.\n"
            "\n"
            "  --list             each cell (NAME, then its expectation or why it is dropped)\n"
            "                     and the counts; the default\n"
            "  --out DIR          writes one scenario per cell kept, DIR/NAME.scn (run them with\n"
            "                     fedsim run --sut FILE; each says requires: tls VARIANT)\n"
            "  --table FILE.md    reads the fedsim run --json results of such scenarios, writes\n"
            "                     a table per SUT and variant: rows certificate x TLS, columns\n"
            "                     authentication x direction, cells ok / xfail / fail with notes\n"
            "  --tls VARIANT      only this variant (repeatable; default all three)\n"
            "  --pairwise         only a subset of each variant's cells that covers every pair\n"
            "                     of values of two axes (for ctest)\n"
            "  --deviations FILE  the SUTs' deviations (ci/matrix-deviations.txt): lines\n"
            "                     `SUT [KEY=V|V...]...: CLAUSE: REASON`, KEY variant, cert, tls,\n"
            "                     auth, dir, or needs (outcomes the SUT does not reach: external,\n"
            "                     dialback-tls, dialback-plain, refused; the line matches the\n"
            "                     cells whose every allowed outcome is among them); each cell\n"
            "                     they match gets `xfail: SUT: CLAUSE: REASON` (the first line\n"
            "                     per SUT)\n"
            "\n"
            "Exit status: 0 done, 2 bad usage or input.\n");
}

struct matrix_opts {
    int variants[MATRIX_NVARIANT];
    int pairwise;
    struct matrix_deviation *devs;
    size_t ndevs;
};

/* The cells of variant v kept by the options (not dropped; the pairwise subset if asked). */
static size_t
kept_cells(const struct matrix_opts *o, enum matrix_variant v, struct matrix_cell *out)
{
    struct matrix_cell all[MATRIX_NCELLS];
    struct matrix_expect e;
    int keep[MATRIX_NCELLS];
    size_t n = matrix_cells(v, all), k = 0, i, m = 0;

    for (i = 0; i < n; i++) {
        matrix_oracle(&all[i], &e);
        if (e.dropped == NULL)
            out[k++] = all[i];
    }
    if (!o->pairwise)
        return k;
    matrix_pairwise(out, k, keep);
    for (i = 0; i < k; i++)
        if (keep[i])
            out[m++] = out[i];
    return m;
}

static int
do_list(const struct matrix_opts *o)
{
    struct matrix_cell all[MATRIX_NCELLS], kept[MATRIX_NCELLS];
    struct matrix_expect e;
    char name[160], expect[600];
    size_t total = 0, nkept = 0, n, k, i, j;
    int v;

    for (v = 0; v < MATRIX_NVARIANT; v++) {
        size_t drop_impossible = 0, drop_same = 0;

        if (!o->variants[v])
            continue;
        n = matrix_cells((enum matrix_variant)v, all);
        k = kept_cells(o, (enum matrix_variant)v, kept);
        for (i = 0; i < n; i++) {
            matrix_oracle(&all[i], &e);
            for (j = 0; j < k && memcmp(&kept[j], &all[i], sizeof(all[i])) != 0; j++)
                ;
            if (e.dropped == NULL && j == k)
                continue; /* not in the pairwise subset */
            matrix_cell_name(&all[i], name, sizeof(name));
            matrix_expect_format(&e, expect, sizeof(expect));
            printf("%s  %s\n", name, expect);
            if (e.dropped != NULL && strncmp(e.dropped, "impossible", 10) == 0)
                drop_impossible++;
            else if (e.dropped != NULL)
                drop_same++;
        }
        printf("# %s: %zu cells, %zu impossible, %zu the same as another, %zu %s\n",
               matrix_variant_str((enum matrix_variant)v), n, drop_impossible, drop_same, k,
               o->pairwise ? "in the pairwise subset" : "kept");
        total += n;
        nkept += k;
    }
    printf("# in all: %zu cells, %zu %s\n", total, nkept, o->pairwise ? "in the subset" : "kept");
    return FEDSIM_EXIT_OK;
}

static int
do_out(const struct matrix_opts *o, const char *dir)
{
    struct matrix_cell kept[MATRIX_NCELLS];
    char name[160];
    size_t k, i, total = 0;
    int v;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fedsim matrix: %s: %s\n", dir, strerror(errno));
        return FEDSIM_EXIT_USAGE;
    }
    for (v = 0; v < MATRIX_NVARIANT; v++) {
        if (!o->variants[v])
            continue;
        k = kept_cells(o, (enum matrix_variant)v, kept);
        for (i = 0; i < k; i++) {
            char *path;
            FILE *fp;

            matrix_cell_name(&kept[i], name, sizeof(name));
            path = xasprintf("%s/%s.scn", dir, name);
            fp = fopen(path, "w");
            if (fp == NULL) {
                fprintf(stderr, "fedsim matrix: %s: %s\n", path, strerror(errno));
                free(path);
                return FEDSIM_EXIT_USAGE;
            }
            matrix_write_scenario(fp, &kept[i], o->devs, o->ndevs);
            if (fclose(fp) != 0) {
                fprintf(stderr, "fedsim matrix: %s: cannot write\n", path);
                free(path);
                return FEDSIM_EXIT_USAGE;
            }
            free(path);
        }
        total += k;
    }
    printf("%zu scenarios in %s\n", total, dir);
    return FEDSIM_EXIT_OK;
}

/* The ')' that closes the '(' just before s (the reason may hold parentheses of its own:
 * "XEP-0178 §3/1 (SHOULD): ..."), or NULL. */
static const char *
closing_paren(const char *s)
{
    int depth = 1;

    for (; *s != '\0' && *s != '\n'; s++) {
        depth += *s == '(';
        depth -= *s == ')';
        if (depth == 0)
            return s;
    }
    return NULL;
}

/* The one-line reason of a result: an xfail's own reason, else the message's first line past
 * its "PATH:LINE: ". */
static void
reason(const struct result *r, char *out, size_t len)
{
    const char *m = r->r.message != NULL ? r->r.message : "", *p;
    size_t n, pl = strlen(r->path);
    char *q;

    if (r->r.outcome == RUN_XFAIL && strncmp(m, "expected failure (", 18) == 0 &&
        (p = closing_paren(m + 18)) != NULL) {
        m += 18;
        n = (size_t)(p - m);
    } else {
        if (strncmp(m, r->path, pl) == 0 && m[pl] == ':' && (p = strchr(m + pl + 1, ':')) != NULL &&
            p[1] == ' ')
            m = p + 2;
        n = strcspn(m, "\n");
    }
    snprintf(out, len, "%.*s%s", (int)(n > 200 ? 197 : n), m, n > 200 ? "..." : "");
    for (q = out; *q != '\0'; q++)
        if (*q == '|')
            *q = '/';
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

struct run_file {
    char *sut;
    enum matrix_variant variant;
    struct result *res;
    size_t nres;
};

static const struct result *
find_result(const struct run_file *rf, const char *name)
{
    size_t i, len = strlen(name);

    for (i = 0; i < rf->nres; i++) {
        const char *b = base_name(rf->res[i].path);

        if (strncmp(b, name, len) == 0 && strcmp(b + len, ".scn") == 0)
            return &rf->res[i];
    }
    return NULL;
}

/* One table: the cells of rf's variant, rows certificate × TLS, columns auth × direction. */
/* A table's column headers (authentication x direction) and its separator line, after the
 * caller's first column header. */
static void
table_columns(FILE *fp)
{
    int auth, dir;
    size_t i;

    for (auth = 0; auth < MATRIX_NAUTH; auth++)
        for (dir = 0; dir < MATRIX_NDIR; dir++)
            fprintf(fp, " %s, %s |", matrix_auth_str((enum matrix_auth)auth),
                    matrix_dir_str((enum matrix_dir)dir));
    fprintf(fp, "\n|---|");
    for (i = 0; i < MATRIX_NAUTH * MATRIX_NDIR; i++)
        fprintf(fp, "---|");
    fprintf(fp, "\n");
}

static void
write_table(FILE *fp, const struct run_file *rf)
{
    size_t i, nnotes = 0, counts[RUN_XFAIL + 1] = {0};
    char notes[64][400], name[160], text[400], expect[600];
    int cert, tls, auth, dir;

    fprintf(fp, "| certificate, peer TLS |");
    table_columns(fp);
    for (cert = 0; cert < MATRIX_NCERT; cert++) {
        for (tls = 0; tls < MATRIX_NTLS; tls++) {
            char row[1024];
            size_t used = 0, inrow = 0;

            for (auth = 0; auth < MATRIX_NAUTH; auth++) {
                for (dir = 0; dir < MATRIX_NDIR; dir++) {
                    struct matrix_cell c = {rf->variant, (enum matrix_cert)cert,
                                            (enum matrix_tls)tls, (enum matrix_auth)auth,
                                            (enum matrix_dir)dir};
                    const struct result *r;
                    const char *word = "·";
                    char mark[96] = "";
                    int w;

                    struct matrix_expect ce;

                    matrix_oracle(&c, &ce);
                    if (ce.dropped == NULL) {
                        inrow++;
                        matrix_cell_name(&c, name, sizeof(name));
                        r = find_result(rf, name);
                        word = r == NULL ? "–" : runner_outcome_str(r->r.outcome);
                        if (r != NULL)
                            counts[r->r.outcome]++;
                        if (r != NULL && (r->r.outcome == RUN_FAIL || r->r.outcome == RUN_ERROR ||
                                          r->r.outcome == RUN_XFAIL)) {
                            struct matrix_expect e;
                            size_t n;

                            reason(r, text, sizeof(text));
                            if (r->r.outcome != RUN_XFAIL) {
                                /* A failure says what the rules expected, and why. */
                                char t2[400];

                                matrix_oracle(&c, &e);
                                matrix_expect_format(&e, expect, sizeof(expect));
                                snprintf(t2, sizeof(t2), "%.180s; expected %.200s", text, expect);
                                snprintf(text, sizeof(text), "%s", t2);
                            }
                            for (n = 0; n < nnotes && strcmp(notes[n], text) != 0; n++)
                                ;
                            if (n == nnotes && nnotes < 64)
                                snprintf(notes[nnotes++], sizeof(notes[0]), "%s", text);
                            snprintf(mark, sizeof(mark), " [%zu]", n + 1);
                            if (r->r.outcome != RUN_XFAIL)
                                word = r->r.outcome == RUN_FAIL ? "**fail**" : "**error**";
                        }
                    }
                    w = snprintf(row + used, sizeof(row) - used, " %s%s |", word, mark);
                    used += w > 0 ? (size_t)w : 0;
                }
            }
            if (inrow > 0)
                fprintf(fp, "| %s, %s |%s\n", matrix_cert_str((enum matrix_cert)cert),
                        matrix_tls_str((enum matrix_tls)tls), row);
        }
    }
    fprintf(fp, "\n%zu ok, %zu xfail, %zu fail, %zu error, %zu skip.", counts[RUN_OK],
            counts[RUN_XFAIL], counts[RUN_FAIL], counts[RUN_ERROR], counts[RUN_SKIP]);
    for (i = 0; i < nnotes; i++)
        fprintf(fp, "%s[%zu] %s", i == 0 ? "\n\n" : "<br>\n", i + 1, notes[i]);
    fprintf(fp, "\n\n");
}

/* The oracle's expectation per cell of each variant, in letters: E SASL EXTERNAL over TLS, D
 * dialback over TLS, P dialback without TLS, R refused; several where the rules allow each. */
static void
write_expected(FILE *fp, const struct matrix_opts *o)
{
    static const char letters[] = "EDPR";
    int v, cert, tls, auth, dir;

    for (v = 0; v < MATRIX_NVARIANT; v++) {
        if (!o->variants[v])
            continue;
        fprintf(fp, "Expected, SUT `tls %s`:\n\n| certificate, peer TLS |",
                matrix_variant_str((enum matrix_variant)v));
        table_columns(fp);
        for (cert = 0; cert < MATRIX_NCERT; cert++) {
            for (tls = 0; tls < MATRIX_NTLS; tls++) {
                char row[512];
                size_t used = 0, inrow = 0;

                for (auth = 0; auth < MATRIX_NAUTH; auth++) {
                    for (dir = 0; dir < MATRIX_NDIR; dir++) {
                        struct matrix_cell c = {(enum matrix_variant)v, (enum matrix_cert)cert,
                                                (enum matrix_tls)tls, (enum matrix_auth)auth,
                                                (enum matrix_dir)dir};
                        struct matrix_expect e;
                        char cellw[16] = "";
                        size_t n = 0;
                        int out, w;

                        matrix_oracle(&c, &e);
                        if (e.dropped != NULL) {
                            snprintf(cellw, sizeof(cellw), "·");
                        } else {
                            inrow++;
                            for (out = 0; out < MATRIX_NOUTCOME; out++)
                                if (e.allowed & (1u << out)) {
                                    if (n > 0)
                                        cellw[n++] = '/';
                                    cellw[n++] = letters[out];
                                }
                            cellw[n] = '\0';
                        }
                        w = snprintf(row + used, sizeof(row) - used, " %s |", cellw);
                        used += w > 0 ? (size_t)w : 0;
                    }
                }
                if (inrow > 0)
                    fprintf(fp, "| %s, %s |%s\n", matrix_cert_str((enum matrix_cert)cert),
                            matrix_tls_str((enum matrix_tls)tls), row);
            }
        }
        fprintf(fp, "\n");
    }
    fprintf(fp, "E: authenticated by SASL EXTERNAL over TLS; D: by dialback over TLS; P: by "
                "dialback without TLS; R: refused (nothing authenticates, the SUT's stanzas "
                "bounce); several: each is allowed. `fedsim matrix --list` gives each cell's "
                "rules.\n\n");
}

/* One line per SUT: each variant's counts (rf sorted by SUT, then variant). */
static void
write_summary(FILE *fp, const struct run_file *rf, size_t n)
{
    size_t i, j;
    int v;

    fprintf(fp, "| SUT | off | optional | required |\n|---|---|---|---|\n");
    for (i = 0; i < n; i = j) {
        fprintf(fp, "| %s |", rf[i].sut);
        for (v = 0; v < MATRIX_NVARIANT; v++) {
            size_t counts[RUN_XFAIL + 1] = {0}, k, any = 0;

            for (j = i; j < n && strcmp(rf[j].sut, rf[i].sut) == 0; j++) {
                if ((int)rf[j].variant != v)
                    continue;
                any = 1;
                for (k = 0; k < rf[j].nres; k++)
                    counts[rf[j].res[k].r.outcome]++;
            }
            if (!any)
                fprintf(fp, " – |");
            else
                fprintf(fp, " %zu ok, %zu xfail%s%.0zu%s |", counts[RUN_OK], counts[RUN_XFAIL],
                        counts[RUN_FAIL] + counts[RUN_ERROR] > 0 ? ", **" : "",
                        counts[RUN_FAIL] + counts[RUN_ERROR],
                        counts[RUN_FAIL] + counts[RUN_ERROR] > 0 ? " fail**" : "");
        }
        fprintf(fp, "\n");
        for (j = i; j < n && strcmp(rf[j].sut, rf[i].sut) == 0; j++)
            ;
    }
    fprintf(fp, "\n");
}

static int
by_sut_variant(const void *a, const void *b)
{
    const struct run_file *x = a, *y = b;
    int c = strcmp(x->sut, y->sut);

    return c != 0 ? c : (int)x->variant - (int)y->variant;
}

static int
do_table(const struct matrix_opts *o, const char *out, char **files, int nfiles)
{
    struct run_file *rf = xcalloc((size_t)nfiles + 1, sizeof(*rf));
    char err[512];
    int i, rc = FEDSIM_EXIT_OK;
    FILE *fp;

    for (i = 0; i < nfiles; i++) {
        struct results_meta meta;

        memset(&meta, 0, sizeof(meta));
        if (results_read_json(files[i], &meta, &rf[i].res, &rf[i].nres, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim matrix: %s\n", err);
            rc = FEDSIM_EXIT_USAGE;
        } else if (meta.sut_name == NULL ||
                   matrix_variant_parse(meta.sut_tls != NULL ? meta.sut_tls : "off",
                                        &rf[i].variant) != 0) {
            fprintf(stderr, "fedsim matrix: %s: no SUT name or TLS variant in its header\n",
                    files[i]);
            rc = FEDSIM_EXIT_USAGE;
        }
        rf[i].sut = xstrdup(meta.sut_name != NULL ? meta.sut_name : "?");
        results_meta_clear(&meta);
    }
    if (rc == FEDSIM_EXIT_OK) {
        qsort(rf, (size_t)nfiles, sizeof(*rf), by_sut_variant);
        fp = fopen(out, "w");
        if (fp == NULL) {
            fprintf(stderr, "fedsim matrix: %s: %s\n", out, strerror(errno));
            rc = FEDSIM_EXIT_USAGE;
        } else {
            write_summary(fp, rf, (size_t)nfiles);
            fprintf(fp, "### Expected (the oracle)\n\n");
            write_expected(fp, o);
            for (i = 0; i < nfiles; i++) {
                if (i == 0 || strcmp(rf[i].sut, rf[i - 1].sut) != 0)
                    fprintf(fp, "### %s\n\n", rf[i].sut);
                fprintf(fp, "%s, SUT `tls %s`:\n\n", rf[i].sut, matrix_variant_str(rf[i].variant));
                write_table(fp, &rf[i]);
            }
            if (fclose(fp) != 0) {
                fprintf(stderr, "fedsim matrix: %s: cannot write\n", out);
                rc = FEDSIM_EXIT_USAGE;
            }
        }
    }
    for (i = 0; i < nfiles; i++) {
        size_t j;

        for (j = 0; j < rf[i].nres; j++)
            result_clear(&rf[i].res[j]);
        free(rf[i].res);
        free(rf[i].sut);
    }
    free(rf);
    return rc;
}

static int
matrix_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"list", no_argument, NULL, 'l'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"table", required_argument, NULL, 't'},
                                         {"tls", required_argument, NULL, 'T'},
                                         {"pairwise", no_argument, NULL, 'p'},
                                         {"deviations", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    struct matrix_opts o;
    const char *out = NULL, *table = NULL;
    int c, v, any_variant = 0, rc, modes = 0;
    char err[512];

    memset(&o, 0, sizeof(o));
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            matrix_usage(stdout);
            matrix_deviations_free(o.devs, o.ndevs);
            return FEDSIM_EXIT_OK;
        case 'l':
            modes++;
            break;
        case 'o':
            out = optarg;
            modes++;
            break;
        case 't':
            table = optarg;
            modes++;
            break;
        case 'T': {
            enum matrix_variant mv;

            if (matrix_variant_parse(optarg, &mv) != 0) {
                fprintf(stderr, "fedsim matrix: --tls %s: not off, optional or required\n", optarg);
                matrix_deviations_free(o.devs, o.ndevs);
                return FEDSIM_EXIT_USAGE;
            }
            o.variants[mv] = 1;
            any_variant = 1;
            break;
        }
        case 'p':
            o.pairwise = 1;
            break;
        case 'd': {
            char *text = file_read(optarg, 1 << 20, err, sizeof(err));

            if (text == NULL ||
                matrix_deviations_parse(optarg, text, &o.devs, &o.ndevs, err, sizeof(err)) != 0) {
                fprintf(stderr, "fedsim matrix: %s\n", err);
                free(text);
                matrix_deviations_free(o.devs, o.ndevs);
                return FEDSIM_EXIT_USAGE;
            }
            free(text);
            break;
        }
        default:
            matrix_usage(stderr);
            matrix_deviations_free(o.devs, o.ndevs);
            return FEDSIM_EXIT_USAGE;
        }
    }
    if (modes > 1 || (table == NULL && optind < argc) || (table != NULL && optind >= argc)) {
        matrix_usage(stderr);
        matrix_deviations_free(o.devs, o.ndevs);
        return FEDSIM_EXIT_USAGE;
    }
    for (v = 0; v < MATRIX_NVARIANT; v++)
        o.variants[v] |= !any_variant;
    if (out != NULL)
        rc = do_out(&o, out);
    else if (table != NULL)
        rc = do_table(&o, table, argv + optind, argc - optind);
    else
        rc = do_list(&o);
    matrix_deviations_free(o.devs, o.ndevs);
    return rc;
}

const struct cmd cmd_matrix = {
        .name = "matrix",
        .synopsis = "[--tls VARIANT]... [--pairwise] [--deviations FILE]... [--list|--out DIR|"
                    "--table FILE.md RESULTS.json...]",
        .summary = "the certificate x TLS x authentication x direction matrix: cells, expected "
                   "outcomes, scenarios, tables",
        .exec = matrix_exec,
        .usage = matrix_usage,
};
