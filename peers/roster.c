/* roster.c: the RFC 6121 subscription state machine per contact. */
#include "roster.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static int
same_jid(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

const struct roster_item *
roster_find(const struct roster *r, const char *contact)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (same_jid(r->items[i].contact, contact))
            return &r->items[i];
    return NULL;
}

struct roster_item *
roster_get(struct roster *r, const char *contact)
{
    struct roster_item *it = (struct roster_item *)roster_find(r, contact);
    char *p;

    if (it != NULL)
        return it;
    r->items = xreallocarray(r->items, r->n + 1, sizeof(*r->items));
    it = &r->items[r->n++];
    memset(it, 0, sizeof(*it));
    it->contact = xstrdup(contact);
    for (p = it->contact; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return it;
}

void
roster_clear(struct roster *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->items[i].contact);
    free(r->items);
    r->items = NULL;
    r->n = 0;
}

/* The four transitions of RFC 6121's tables; each direction's stanzas use them mirrored. */
static void
gain_to(struct roster_item *it)
{
    if (it->pending_out)
        it->sub = it->sub == ROSTER_FROM   ? ROSTER_BOTH
                  : it->sub == ROSTER_NONE ? ROSTER_TO
                                           : it->sub;
    it->pending_out = 0;
}

static void
gain_from(struct roster_item *it)
{
    if (it->pending_in)
        it->sub = it->sub == ROSTER_TO     ? ROSTER_BOTH
                  : it->sub == ROSTER_NONE ? ROSTER_FROM
                                           : it->sub;
    it->pending_in = 0;
}

static void
lose_to(struct roster_item *it)
{
    it->sub = it->sub == ROSTER_BOTH ? ROSTER_FROM : it->sub == ROSTER_TO ? ROSTER_NONE : it->sub;
    it->pending_out = 0;
}

static void
lose_from(struct roster_item *it)
{
    it->sub = it->sub == ROSTER_BOTH ? ROSTER_TO : it->sub == ROSTER_FROM ? ROSTER_NONE : it->sub;
    it->pending_in = 0;
}

/* 1 while the contact sees our user's presence (RFC 6121 §3.2.2, §3.3.3). */
static int
has_from(const struct roster_item *it)
{
    return it->sub == ROSTER_FROM || it->sub == ROSTER_BOTH;
}

enum roster_duty
roster_outbound(struct roster *r, const char *contact, const char *type)
{
    struct roster_item *it = roster_get(r, contact);

    if (strcmp(type, "subscribe") == 0) {
        if (it->sub == ROSTER_NONE || it->sub == ROSTER_FROM)
            it->pending_out = 1;
    } else if (strcmp(type, "subscribed") == 0) {
        /* Without a request: a pre-approval, which changes nothing here (§3.1.5). */
        int approves = it->pending_in;

        gain_from(it);
        return approves ? ROSTER_DUTY_AVAILABLE : ROSTER_DUTY_NONE;
    } else if (strcmp(type, "unsubscribe") == 0) {
        lose_to(it);
    } else if (strcmp(type, "unsubscribed") == 0) {
        /* A cancel, or the denial of a pending request (nothing was shown: no duty). */
        int shown = has_from(it);

        lose_from(it);
        return shown ? ROSTER_DUTY_UNAVAILABLE : ROSTER_DUTY_NONE;
    }
    return ROSTER_DUTY_NONE;
}

enum roster_duty
roster_inbound(struct roster *r, const char *contact, const char *type)
{
    struct roster_item *it = roster_get(r, contact);

    if (strcmp(type, "subscribe") == 0) {
        if (has_from(it))
            return ROSTER_DUTY_SUBSCRIBED;
        it->pending_in = 1;
    } else if (strcmp(type, "subscribed") == 0) {
        gain_to(it); /* unsolicited when we did not ask: ignored */
    } else if (strcmp(type, "unsubscribe") == 0) {
        /* §3.3.3: only a contact that was subscribed had presence to lose; a pending request
         * is just withdrawn. */
        int shown = has_from(it);

        lose_from(it);
        return shown ? ROSTER_DUTY_UNAVAILABLE : ROSTER_DUTY_NONE;
    } else if (strcmp(type, "unsubscribed") == 0) {
        lose_to(it);
    }
    return ROSTER_DUTY_NONE;
}

const char *
roster_duty_str(enum roster_duty d)
{
    switch (d) {
    case ROSTER_DUTY_NONE:
        return "none";
    case ROSTER_DUTY_SUBSCRIBED:
        return "auto-reply subscribed (RFC 6121 §3.1.3)";
    case ROSTER_DUTY_AVAILABLE:
        return "current presence after the approval (RFC 6121 §3.1.5)";
    case ROSTER_DUTY_UNAVAILABLE:
        return "unavailable presence (RFC 6121 §3.2.2, §3.3.3)";
    }
    return "?";
}

const char *
roster_state_str(const struct roster_item *it, char *buf, size_t len)
{
    static const char *names[] = {"none", "to", "from", "both"};

    if (it == NULL) {
        snprintf(buf, len, "none");
        return buf;
    }
    snprintf(buf, len, "%s%s%s", names[it->sub], it->pending_in ? " +pending-in" : "",
             it->pending_out ? " +pending-out" : "");
    return buf;
}
