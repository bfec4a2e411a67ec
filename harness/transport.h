/*
 * transport.h: a peer's transport when its scenario leaves it open. A scenario about presence,
 * messages, errors, DNS target selection or dialback runs against every TLS policy of the SUT,
 * so its peers' transport follows the SUT file's `tls` (docs/scenarios.md, "Transport"):
 *
 *   off       plain TCP, dialback (no STARTTLS)
 *   optional  stream version 1.0, STARTTLS when the SUT offers it (and offered to it), a valid
 *             certificate from the SUT file's CA, dialback
 *   required  version 1.0, STARTTLS insisted on, a valid certificate, a client certificate
 *             asked of the SUT, SASL EXTERNAL both ways; dialback (after STARTTLS) only for a
 *             peer the scenario has authenticate by dialback
 *
 * Pinned, and left as the profile and knobs say: every peer of a scenario with a `requires:`
 * line (a scenario about the transport itself), and each transport knob a peer sets (version,
 * tls, sasl, cert, client_cert, direct_tls, features). "A peer the scenario has authenticate by
 * dialback": one of its authentication steps says `by dialback`, or a step tells it what to do
 * with dialback (`answers dialback invalid`, `ignores dialback`), or a knob makes its dialback
 * the point (`collision=`, `db_prefix=`, `dialback=`, `refuse=invalid`).
 */
#ifndef FEDSIM_TRANSPORT_H
#define FEDSIM_TRANSPORT_H

#include "profile.h"

enum transport_variant { TRANSPORT_OFF, TRANSPORT_OPTIONAL, TRANSPORT_REQUIRED };

/* The transport knobs a peer's scenario line set (each pins that part of the transport). */
enum {
    TRANSPORT_PIN_VERSION = 1 << 0,
    TRANSPORT_PIN_TLS = 1 << 1,
    TRANSPORT_PIN_SASL = 1 << 2,
    TRANSPORT_PIN_CERT = 1 << 3,
    TRANSPORT_PIN_CLIENT_CERT = 1 << 4,
    TRANSPORT_PIN_DIRECT_TLS = 1 << 5,
    TRANSPORT_PIN_FEATURES = 1 << 6,
};

/* The SUT file's tls value (NULL or unknown: off). */
enum transport_variant transport_variant_of(const char *sut_tls);
const char *transport_variant_str(enum transport_variant v);

/* The TRANSPORT_PIN_* bit of one "knob=value" (0 for a knob about something else), and 1 if the
 * knob makes the peer's dialback the point of the scenario. */
unsigned transport_knob_pin(const char *knob);
int transport_knob_dialback(const char *knob);

/*
 * Sets p's transport for the SUT's variant, leaving the parts in `pinned` as they are; dialback:
 * the peer authenticates by dialback even where SASL EXTERNAL would do. Writes a one-line
 * summary ("STARTTLS required, certificate valid, SASL EXTERNAL") to what.
 */
void transport_follow(struct profile *p, unsigned pinned, enum transport_variant v, int dialback,
                      char *what, size_t whatlen);

#endif
