/* log.h: fedsim's diagnostics: levels, trace categories that cost nothing when off, fatalx. */
#ifndef FEDSIM_LOG_H
#define FEDSIM_LOG_H

#include <stdarg.h>
#include <stdio.h>

/* Trace categories, selected with `-T dns,net,...`. */
enum log_trace {
    LOG_TRACE_DNS = 1u << 0,
    LOG_TRACE_NET = 1u << 1,
    LOG_TRACE_LOOP = 1u << 2,
    LOG_TRACE_XML = 1u << 3,
    LOG_TRACE_S2S = 1u << 4,
    LOG_TRACE_C2S = 1u << 5,
    LOG_TRACE_TLS = 1u << 6,
    LOG_TRACE_SCN = 1u << 7,
    LOG_TRACE_LIB = 1u << 8, /* libevent's and libunbound's own debug output */
};

/* Enabled trace categories; read by log_trace() before any formatting happens. */
extern unsigned log_traces;

/*
 * Sends diagnostics to `fp` (stderr by default). `verbose` > 0 shows debug lines. Routes
 * libevent's messages into this log. May be called again to redirect.
 */
void log_init(FILE *fp, int verbose);

/* Flushes the diagnostics stream; called on every clean or signalled stop. */
void log_flush(void);

/*
 * Parses "dns,net" or "all" into a category mask. Returns 0 and sets *mask, or -1 and writes
 * the unknown name and the known ones to `err`.
 */
int log_trace_parse(const char *list, unsigned *mask, char *err, size_t errlen);

/* The comma-separated list of category names, for --help. */
const char *log_trace_names(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* appends errno */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace_emit(unsigned cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_trace(cat, ...)                                                                        \
    do {                                                                                           \
        if (log_traces & (cat))                                                                    \
            log_trace_emit((cat), __VA_ARGS__);                                                    \
    } while (0)

/* A bug or impossible state: prints file:line and the message, flushes, aborts. */
_Noreturn void fatalx_at(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
#define fatalx(...) fatalx_at(__FILE__, __LINE__, __VA_ARGS__)

#endif
