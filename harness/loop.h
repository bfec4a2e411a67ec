/*
 * loop.h: the one event loop (one thread, one libevent event_base), its signals, and deferred
 * frees. SIGINT/SIGTERM stop the loop cleanly (stop hooks run, logs are flushed); SIGPIPE is
 * ignored; SIGHUP runs the hooks registered with loop_on_hup().
 */
#ifndef FEDSIM_LOOP_H
#define FEDSIM_LOOP_H

#include <event2/event.h>

/* Creates the event base and installs the signal handling. Returns -1 on failure (message in err).
 */
int loop_init(char *err, size_t errlen);

/* The loop's event base (borrowed). */
struct event_base *loop_base(void);

/* Runs until loop_stop() or a stop signal. Returns 0, or the signal number that stopped it. */
int loop_run(void);

/* Runs the loop for at most ms milliseconds (after a stop: lets closes flush). */
void loop_drain(int ms);

/* Asks the loop to return after the current callback. */
void loop_stop(void);

/* Calls fn(arg) when the loop stops, before loop_run() returns (flush logs, close transcripts). */
void loop_on_stop(void (*fn)(void *), void *arg);

/* Calls fn(arg) on every SIGHUP (reload). */
void loop_on_hup(void (*fn)(void *), void *arg);

/*
 * Frees an object from the loop, after the current callback returns: for an object whose own
 * callback decides it is finished while a caller up the stack may still hold it.
 */
void loop_defer_free(void (*fn)(void *), void *arg);

/* Runs pending deferred frees, removes the signal events, frees the base. */
void loop_free(void);

#endif
