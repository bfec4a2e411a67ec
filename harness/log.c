/* log.c: diagnostics to stderr (or a chosen stream), with trace categories and fatalx. */
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"

unsigned log_traces;

static FILE *log_fp;
static int log_verbose;

static const struct {
    const char *name;
    unsigned bit;
} log_trace_table[] = {
        {"c2s", LOG_TRACE_C2S},   {"dns", LOG_TRACE_DNS}, {"lib", LOG_TRACE_LIB},
        {"loop", LOG_TRACE_LOOP}, {"net", LOG_TRACE_NET}, {"s2s", LOG_TRACE_S2S},
        {"scn", LOG_TRACE_SCN},   {"tls", LOG_TRACE_TLS}, {"xml", LOG_TRACE_XML},
};

static FILE *
out(void)
{
    return log_fp != NULL ? log_fp : stderr;
}

static void
vlog(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char stamp[32];

    clock_format_wall(stamp, sizeof(stamp));
    fprintf(out(), "%s %s", stamp, prefix);
    vfprintf(out(), fmt, ap);
    if (suffix != NULL)
        fprintf(out(), ": %s", suffix);
    fputc('\n', out());
}

static void
libevent_log(int severity, const char *msg)
{
    if (severity == EVENT_LOG_DEBUG && !(log_traces & LOG_TRACE_LIB))
        return;
    fprintf(out(), "libevent: %s\n", msg);
}

void
log_init(FILE *fp, int verbose)
{
    log_fp = fp;
    log_verbose = verbose;
    event_set_log_callback(libevent_log);
}

void
log_flush(void)
{
    fflush(out());
    fflush(stdout);
}

int
log_trace_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
    unsigned m = 0;
    const char *p = list;

    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        size_t i;
        int found = 0;

        if (len == 3 && strncmp(p, "all", 3) == 0) {
            m = ~0u;
            found = 1;
        }
        for (i = 0; !found && i < sizeof(log_trace_table) / sizeof(log_trace_table[0]); i++) {
            if (strlen(log_trace_table[i].name) == len &&
                strncmp(p, log_trace_table[i].name, len) == 0) {
                m |= log_trace_table[i].bit;
                found = 1;
            }
        }
        if (!found) {
            snprintf(err, errlen, "unknown trace category \"%.*s\" (known: %s)", (int)len, p,
                     log_trace_names());
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return 0;
}

const char *
log_trace_names(void)
{
    return "all,c2s,dns,lib,loop,net,s2s,scn,tls,xml";
}

void
log_warn(const char *fmt, ...)
{
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vlog("warning: ", fmt, ap, strerror(saved));
    va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("warning: ", fmt, ap, NULL);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("", fmt, ap, NULL);
    va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
    va_list ap;

    if (log_verbose <= 0)
        return;
    va_start(ap, fmt);
    vlog("debug: ", fmt, ap, NULL);
    va_end(ap);
}

void
log_trace_emit(unsigned cat, const char *fmt, ...)
{
    va_list ap;
    char prefix[16];
    size_t i;

    snprintf(prefix, sizeof(prefix), "[?] ");
    for (i = 0; i < sizeof(log_trace_table) / sizeof(log_trace_table[0]); i++)
        if (log_trace_table[i].bit == cat)
            snprintf(prefix, sizeof(prefix), "[%s] ", log_trace_table[i].name);
    va_start(ap, fmt);
    vlog(prefix, fmt, ap, NULL);
    va_end(ap);
}

void
fatalx_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(out(), "fedsim: internal error at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(out(), fmt, ap);
    va_end(ap);
    fputc('\n', out());
    fflush(out());
    abort();
}
