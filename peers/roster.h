/* roster.h: RFC 6121 subscription state of a peer's local user towards each contact, with the
 * pending-in/pending-out flags, driven by the presence subscription stanzas sent and received
 * (RFC 6121 §3 and its state tables). */
#ifndef FEDSIM_ROSTER_H
#define FEDSIM_ROSTER_H

#include <stddef.h>

enum roster_sub { ROSTER_NONE, ROSTER_TO, ROSTER_FROM, ROSTER_BOTH };

struct roster_item {
    char *contact; /* owned: bare JID, lower case */
    enum roster_sub sub;
    int pending_out; /* we asked to see their presence */
    int pending_in;  /* they asked to see ours */
};

struct roster {
    struct roster_item *items; /* owned */
    size_t n;
};

/* The item for a contact (created as none on first use). */
struct roster_item *roster_get(struct roster *r, const char *contact);
/* The item, or NULL if the contact was never seen. */
const struct roster_item *roster_find(const struct roster *r, const char *contact);
void roster_clear(struct roster *r);

/*
 * What the server of the user whose roster this is owes on its user's behalf after a
 * subscription stanza, beyond routing or delivering it (RFC 6121 §3):
 */
enum roster_duty {
    ROSTER_DUTY_NONE,
    /* §3.1.3: a subscribe from a contact already approved: auto-reply "subscribed" from the
     * user's bare JID. */
    ROSTER_DUTY_SUBSCRIBED,
    /* §3.1.5: the user approved a pending request: after the "subscribed", the current
     * presence of each of the user's available resources goes to the contact. */
    ROSTER_DUTY_AVAILABLE,
    /* §3.2.2: the user cancels the contact's subscription, and §3.3.3: the contact
     * unsubscribes from the user, while the contact was subscribed to the user's presence:
     * "unavailable" from each of the user's available resources to the contact (for §3.2.2
     * before the "unsubscribed" is routed). */
    ROSTER_DUTY_UNAVAILABLE,
};

/* Our user sends presence of `type` (subscribe, subscribed, unsubscribe, unsubscribed) to
 * contact: the new state, and the duty that goes with it (none, available, unavailable). */
enum roster_duty roster_outbound(struct roster *r, const char *contact, const char *type);

/* Our user receives presence of `type` from contact: the new state, and the duty (none,
 * subscribed, unavailable). */
enum roster_duty roster_inbound(struct roster *r, const char *contact, const char *type);

const char *roster_duty_str(enum roster_duty d);

/* "none", "to", "from", "both", with " +pending-in"/" +pending-out" when set (into buf). */
const char *roster_state_str(const struct roster_item *it, char *buf, size_t len);

#endif
