/* report.c: the HTML report with one SVG sequence diagram per scenario. */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define COL_W   200 /* between lifelines */
#define LABEL_MAX 44 /* characters of a label drawn (all of it in the title) */
#define ROW_H   24  /* between arrows */
#define HEAD_H  36  /* the lifelines' name boxes */
#define TIME_W  64  /* the left margin: each arrow's time */

/* Writes text with &, <, >, " and ' escaped. */
static void
esc(FILE *fp, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&#39;", fp);
            break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, fp);
        }
    }
}

/* The lifeline column of an event end: clients and peers in declaration order, then the SUT,
 * then DNS. */
static size_t
column(size_t who, size_t nactors)
{
    if (who == RUNNER_SUT)
        return nactors;
    if (who == RUNNER_DNS)
        return nactors + 1;
    return who;
}

/* Events i and j draw the same arrow: a run of them is drawn once, "×N". */
static int
same_arrow(const struct runner_event *a, const struct runner_event *b)
{
    return a->from == b->from && a->to == b->to && !a->failed && !b->failed &&
           strcmp(a->label, b->label) == 0;
}

/* The lifelines' name boxes: a strip of their own that stays at the top of the window while a
 * long diagram scrolls under it. */
static void
heads(FILE *fp, const struct report_item *it, size_t na, size_t width)
{
    size_t i;

    fprintf(fp, "<div class='heads'><svg class='seq' xmlns='http://www.w3.org/2000/svg' "
                "width='%zu' height='%d'>",
            width, HEAD_H);
    for (i = 0; i < na + 2; i++) {
        size_t x = TIME_W + i * COL_W + COL_W / 2;
        const char *name = i < na ? it->s->actors[i].name : i == na ? "SUT" : "DNS (fedsim)";

        fprintf(fp,
                "<g class='lifeline'><rect x='%zu' y='4' width='%d' height='26' rx='4'/>"
                "<text x='%zu' y='22' text-anchor='middle'>",
                x - (COL_W - 20) / 2, COL_W - 20, x);
        esc(fp, name);
        fprintf(fp, "</text></g>");
    }
    fprintf(fp, "</svg></div>\n");
}

static void
diagram(FILE *fp, const struct report_item *it, size_t index)
{
    const struct runner_result *r = it->r;
    size_t na = it->s != NULL ? it->s->nactors : 0, ncols = na + 2, i, k, rows = 0;
    size_t width = TIME_W + ncols * COL_W, height;

    for (i = 0; i < r->nevents; i++)
        rows += i == 0 || !same_arrow(&r->events[i - 1], &r->events[i]);
    height = (rows + 1) * ROW_H;
    heads(fp, it, na, width);
    fprintf(fp, "<svg class='seq' xmlns='http://www.w3.org/2000/svg' width='%zu' height='%zu'>\n",
            width, height);
    for (i = 0; i < ncols; i++)
        fprintf(fp, "<line class='life' x1='%zu' y1='0' x2='%zu' y2='%zu'/>\n",
                TIME_W + i * COL_W + COL_W / 2, TIME_W + i * COL_W + COL_W / 2, height);
    for (i = 0, rows = 0; i < r->nevents; i = k) {
        const struct runner_event *e = &r->events[i];
        size_t a = column(e->from, na), b = column(e->to, na), n;
        size_t y = (++rows) * ROW_H;
        size_t x1 = TIME_W + a * COL_W + COL_W / 2, x2 = TIME_W + b * COL_W + COL_W / 2;

        for (k = i + 1; k < r->nevents && same_arrow(e, &r->events[k]); k++)
            ;
        n = k - i;
        fprintf(fp,
                "<a href='#s%zu-r%zu'><g class='arrow%s' id='s%zu-e%zu'><title>", index, i + 1,
                e->failed ? " failed" : "", index, i + 1);
        esc(fp, e->raw);
        if (n > 1)
            fprintf(fp, "\n(and %zu more like it: raw bytes %zu to %zu)", n - 1, i + 2, k);
        fprintf(fp, "</title><text class='t' x='4' y='%zu'>+%.3fs</text>", y - 4, e->t);
        if (a == b)
            fprintf(fp, "<rect x='%zu' y='%zu' width='%d' height='18' rx='3'/>", x1 - 60, y - 13,
                    120);
        else
            fprintf(fp, "<line x1='%zu' y1='%zu' x2='%zu' y2='%zu' marker-end='url(#head)'/>", x1,
                    y, x2, y);
        fprintf(fp, "<text x='%zu' y='%zu' text-anchor='middle'>%zu. ", (x1 + x2) / 2, y - 4,
                i + 1);
        if (strlen(e->label) > LABEL_MAX) {
            char cut[LABEL_MAX + 1];

            memcpy(cut, e->label, LABEL_MAX);
            cut[LABEL_MAX] = '\0';
            esc(fp, cut);
            fputs("\xe2\x80\xa6", fp); /* … */
        } else {
            esc(fp, e->label);
        }
        if (n > 1)
            fprintf(fp, " \xc3\x97%zu", n); /* ×N */
        fprintf(fp, "</text></g></a>\n");
    }
    fprintf(fp, "</svg>\n");
}

int
report_write(const char *path, const struct report_item *items, size_t n, char *err,
             size_t errlen)
{
    FILE *fp = fopen(path, "w");
    size_t i, k, failed = 0;

    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++)
        failed += items[i].r->outcome == RUN_FAIL || items[i].r->outcome == RUN_ERROR;
    fprintf(fp,
            "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>fedsim report</title>\n"
            "<style>\n"
            "body{font:14px sans-serif;margin:1em}h2{font-size:16px;margin-top:2em}\n"
            ".ok{color:#070}.fail,.error{color:#b00}.skip,.xfail{color:#777}\n"
            "svg.seq{display:block;font:11px monospace}\n"
            ".lifeline rect{fill:#eef;stroke:#447}line.life{stroke:#99a;stroke-dasharray:4 3}\n"
            ".heads{position:sticky;top:0;background:#fff;z-index:1}text.t{fill:#888}\n"
            "li:target pre{outline:2px solid #e60}\n"
            ".arrow line{stroke:#235;stroke-width:1.2}.arrow:hover line{stroke:#e60;stroke-width:2}\n"
            ".arrow text{fill:#123}.failed rect{fill:#fdd;stroke:#b00}.failed text{fill:#b00}\n"
            "pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:20em}\n"
            "details{margin:.3em 0}\n"
            "</style></head><body>\n"
            "<svg width='0' height='0'><defs><marker id='head' markerWidth='8' markerHeight='8' "
            "refX='8' refY='4' orient='auto'><path d='M0,0 L8,4 L0,8 z' fill='#235'/></marker>"
            "</defs></svg>\n"
            /* an arrow's link opens the raw bytes it points into */
            "<script>document.addEventListener('click',function(ev){var a=ev.target.closest("
            "'a[href^=\"#\"]'),t=a&&document.getElementById(a.getAttribute('href').slice(1)),"
            "d=t&&t.closest('details');if(d)d.open=true;});</script>\n"
            "<h1>fedsim: %zu scenario%s, %zu failed</h1>\n",
            n, n == 1 ? "" : "s", failed);
    for (i = 0; i < n; i++) {
        const struct report_item *it = &items[i];
        const char *o = runner_outcome_str(it->r->outcome);

        fprintf(fp, "<section class='scenario'><h2><span class='%s'>%s</span> ", o, o);
        esc(fp, it->title != NULL ? it->title : it->path);
        fprintf(fp, "</h2>\n<p>");
        esc(fp, it->path);
        fprintf(fp, " (%.2f s, %zu arrows)", it->r->seconds, it->r->nevents);
        for (k = 0; k < it->r->nevents; k++)
            if (it->r->events[k].failed)
                fprintf(fp, " <a href='#s%zu-e%zu'>the failing step</a>", i, k + 1);
        fprintf(fp, "</p>\n");
        if (it->r->random[0] != '\0') { /* the seed of its faults at random */
            fprintf(fp, "<p class='random'>");
            esc(fp, it->r->random);
            fprintf(fp, "</p>\n");
        }
        if (it->r->message[0] != '\0') {
            fprintf(fp, "<pre class='message'>");
            esc(fp, it->r->message);
            fprintf(fp, "</pre>\n");
        }
        if (it->r->nevents > 0) {
            diagram(fp, it, i);
            fprintf(fp, "<details><summary>raw bytes of every arrow</summary><ol>\n");
            for (k = 0; k < it->r->nevents; k++) {
                fprintf(fp, "<li id='s%zu-r%zu'><pre>", i, k + 1);
                esc(fp, it->r->events[k].raw);
                fprintf(fp, "</pre></li>\n");
            }
            fprintf(fp, "</ol></details>\n");
        }
        fprintf(fp, "</section>\n");
    }
    fprintf(fp, "</body></html>\n");
    if (ferror(fp) | (fclose(fp) != 0)) {
        snprintf(err, errlen, "%s: cannot write", path);
        return -1;
    }
    return 0;
}
