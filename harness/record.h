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

/*
 * A live recording (`fedsim record --sut FILE --remote ...`, recorder.h) made a run's
 * transcript that record_from_transcript() takes. The recording's lines are kept; each stanza
 * relayed between the SUT's domain and the remote one ("TIME s2s FROM > TO <stanza>") gets
 * the lines a run would have written around it:
 *   - the remote server becomes a peer (named after its domain's first label, with the given
 *     profile and knobs), each of its stanzas a step's ("NAME: step sends 1 time(s)");
 *   - each user of the SUT's domain seen in a stanza becomes a client with a fresh account,
 *     logged in where it first appears, as the first full JID the recording shows of it; a
 *     stanza of the kinds a user sends (a message, a subscription request or answer, an iq
 *     get or set from a full JID) is that client's step, the same stanza without its from; a
 *     presence unavailable from that full JID is the client going away;
 *   - what the remote server sent a user of the SUT, of the kinds the SUT must deliver (a
 *     message with a body, a subscription request or answer), that client receives.
 * Presence broadcasts and probes, answers and everything the SUT's server sent on its own are
 * only what the peer receives. Returns the text (owned), or NULL with "LINE: ..." in err.
 */
struct record_live {
    const char *sut;     /* the SUT's domain */
    const char *remote;  /* the remote server's domain (the replay's peer) */
    const char *profile; /* the peer's "PROFILE[,KNOB=V...]" (NULL: modern) */
};

char *record_annotate(const char *text, const struct record_live *o, char *err, size_t errlen);

/*
 * A Prosody debug log (`log = { debug = FILE }`) made a live recording's lines, for
 * record_annotate(): each stanza between the SUT's domain and the remote one in a line of an
 * s2s session ("Sending[s2sout]: <...>", "Received[s2sin]: <...>"), as "TIME s2s FROM > TO
 * <stanza>". Prosody 0.12 logs a stanza's top tag only: the stanza is then that tag without its
 * children (a message without its body), which a replay's receives still subset-matches; the
 * whole stanza when the line has it. Dialback, stream and TLS elements and lines of other
 * levels or sources are skipped; the log's times have no year, so o->year gives it. Returns the
 * lines (owned), or NULL with the reason in err (no such stanza at all).
 */
struct record_prosody {
    const char *sut, *remote; /* the SUT's domain (the log's server) and the remote one */
    int year;
};

char *record_prosody_log(const char *text, const struct record_prosody *o, char *err,
                         size_t errlen);

#endif
