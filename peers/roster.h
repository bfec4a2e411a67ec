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

/* Our user sends presence of `type` (subscribe, subscribed, unsubscribe, unsubscribed). */
void roster_outbound(struct roster *r, const char *contact, const char *type);

/*
 * Our user receives presence of `type` from contact. Returns 1 when the server answers on the
 * user's behalf with "subscribed" (a subscribe from a contact already approved), else 0.
 */
int roster_inbound(struct roster *r, const char *contact, const char *type);

/* "none", "to", "from", "both", with " +pending-in"/" +pending-out" when set (into buf). */
const char *roster_state_str(const struct roster_item *it, char *buf, size_t len);

#endif
