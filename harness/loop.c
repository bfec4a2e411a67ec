/* loop.c: the single event_base, stop/HUP signals and the deferred-free reaper. */
#include "loop.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "xmalloc.h"

struct loop_hook {
    void (*fn)(void *);
    void *arg;
    struct loop_hook *next;
};

static struct event_base *base;
static struct event *ev_int, *ev_term, *ev_hup, *ev_reap;
static struct loop_hook *stop_hooks, *hup_hooks, *reap_list;
static int stop_signal;

static void
hook_push(struct loop_hook **list, void (*fn)(void *), void *arg)
{
    struct loop_hook *h = xcalloc(1, sizeof(*h));

    h->fn = fn;
    h->arg = arg;
    h->next = *list;
    *list = h;
}

static void
hooks_free(struct loop_hook **list)
{
    while (*list != NULL) {
        struct loop_hook *h = *list;

        *list = h->next;
        free(h);
    }
}

static void
reap(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    while (reap_list != NULL) {
        struct loop_hook *h = reap_list;

        reap_list = h->next;
        h->fn(h->arg);
        free(h);
    }
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct loop_hook *h;

    (void)what;
    (void)arg;
    if (sig == SIGHUP) {
        log_info("SIGHUP: reloading");
        for (h = hup_hooks; h != NULL; h = h->next)
            h->fn(h->arg);
        return;
    }
    log_trace(LOG_TRACE_LOOP, "signal %d: stopping", (int)sig);
    stop_signal = (int)sig;
    event_base_loopbreak(base);
}

int
loop_init(char *err, size_t errlen)
{
    if (base != NULL)
        fatalx("loop_init called twice");
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    if (base == NULL) {
        snprintf(err, errlen, "cannot create the libevent event base");
        return -1;
    }
    ev_int = evsignal_new(base, SIGINT, on_signal, NULL);
    ev_term = evsignal_new(base, SIGTERM, on_signal, NULL);
    ev_hup = evsignal_new(base, SIGHUP, on_signal, NULL);
    ev_reap = event_new(base, -1, 0, reap, NULL);
    if (ev_int == NULL || ev_term == NULL || ev_hup == NULL || ev_reap == NULL ||
        evsignal_add(ev_int, NULL) != 0 || evsignal_add(ev_term, NULL) != 0 ||
        evsignal_add(ev_hup, NULL) != 0) {
        snprintf(err, errlen, "cannot install signal handlers");
        loop_free();
        return -1;
    }
    stop_signal = 0;
    return 0;
}

struct event_base *
loop_base(void)
{
    if (base == NULL)
        fatalx("loop used before loop_init");
    return base;
}

int
loop_run(void)
{
    struct loop_hook *h;

    if (event_base_dispatch(loop_base()) < 0)
        log_warnx("event loop failed");
    reap(-1, 0, NULL);
    for (h = stop_hooks; h != NULL; h = h->next)
        h->fn(h->arg);
    log_flush();
    return stop_signal;
}

void
loop_drain(int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

    event_base_loopexit(loop_base(), &tv);
    event_base_dispatch(loop_base());
}

void
loop_stop(void)
{
    event_base_loopbreak(loop_base());
}

void
loop_on_stop(void (*fn)(void *), void *arg)
{
    hook_push(&stop_hooks, fn, arg);
}

void
loop_on_hup(void (*fn)(void *), void *arg)
{
    hook_push(&hup_hooks, fn, arg);
}

void
loop_defer_free(void (*fn)(void *), void *arg)
{
    hook_push(&reap_list, fn, arg);
    event_active(ev_reap, EV_TIMEOUT, 0);
}

void
loop_free(void)
{
    if (base == NULL)
        return;
    if (ev_reap != NULL)
        reap(-1, 0, NULL);
    if (ev_int != NULL)
        event_free(ev_int);
    if (ev_term != NULL)
        event_free(ev_term);
    if (ev_hup != NULL)
        event_free(ev_hup);
    if (ev_reap != NULL)
        event_free(ev_reap);
    ev_int = ev_term = ev_hup = ev_reap = NULL;
    hooks_free(&stop_hooks);
    hooks_free(&hup_hooks);
    event_base_free(base);
    base = NULL;
}
