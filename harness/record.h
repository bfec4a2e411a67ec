/*
 * record.h: a transcript turned into a replayable scenario (`fedsim record --from-transcript`).
 *
 * The input is a transcript as `fedsim run --transcript` writes it. The scenario it gives has
 * the run's actors (each peer's line as the run's scenario wrote it, each client fresh) and
 * one step per stanza event, in the transcript's order: what the fedsim side sent (a client's
 * stanzas after it logged in, a peer's scripted sends) as `sends:`, what the SUT sent (to a
 * client, to a peer) as `receives:`. Names that vary from run to run become variables or
 * captures:
 *   - the run's peer domains (r1a2b3c.gmail.test) go back to the scenario's (gmail.test);
 *   - a client's full and bare JID become ${NAME.full} and ${NAME.bare}, the SUT's domain
 *     ${sut.domain};
 *   - an iq id the SUT chose is captured ({$idN}) where it was received, and a later stanza
 *     the fedsim side sent with that id (an answer) uses ${idN}; other ids the SUT chose, and
 *     xml:lang, are not asserted; delay stamps (urn:xmpp:delay, jabber:x:delay) are left out.
 * Only a step's stanzas become sends steps (the first stanza of the actor after the runner's
 * "NAME: step sends N time(s)" line): a peer's autopilot answers and roster duties, and a
 * client's answers to roster pushes, are the replay's own autopilot's again.
 */
#ifndef FEDSIM_RECORD_H
#define FEDSIM_RECORD_H

#include <stddef.h>

struct record_options {
    const char *source; /* what the transcript is called, for the header comment */
    const char *zone;   /* the zone: line (NULL: federation.zone) */
};

/*
 * The scenario text (owned) for a transcript (text, NUL-terminated), or NULL with the reason
 * in err ("LINE: ..." for a line it cannot use: a peer's domain without a peer line, a
 * stanza that is not XML).
 */
char *record_from_transcript(const char *text, const struct record_options *o, char *err,
                             size_t errlen);

#endif
