/*
 * fuzz_record.c: `fedsim record --from-transcript` (record.c) on arbitrary text as a transcript,
 * the same text as a live recording (record_annotate) made a run's transcript first, and as a
 * Prosody debug log (record_prosody_log) made a recording: what that writes, record_annotate
 * takes.
 *
 * Oracle: whatever scenario it writes parses (scenario_parse, zones not looked up), and a
 * refused transcript says why.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record.h"
#include "scenario.h"

static void
replay(const char *text)
{
    char err[1024], perr[1024];
    struct record_options o = {.source = "fuzz.log", .zone = "federation.zone"};
    char *scn;
    struct scenario *s;

    err[0] = '\0';
    scn = record_from_transcript(text, &o, err, sizeof(err));
    if (scn == NULL) {
        if (err[0] == '\0')
            fuzz_fail("a refused transcript without a reason");
        return;
    }
    perr[0] = '\0';
    s = scenario_parse("replay.scn", scn, NULL, perr, sizeof(perr));
    if (s == NULL && strstr(perr, "zone") == NULL)
        fuzz_fail("record wrote a scenario that does not parse: %s\n%s", perr, scn);
    scenario_free(s);
    free(scn);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), *live, err[1024];
    struct record_live lo = {.sut = "sut.test", .remote = "gmail.test"};

    fuzz_quiet();
    replay(text);
    err[0] = '\0';
    if ((live = record_annotate(text, &lo, err, sizeof(err))) == NULL) {
        if (err[0] == '\0')
            fuzz_fail("a refused recording without a reason");
    } else {
        replay(live);
        free(live);
    }
    /* The text as a Prosody debug log, its lines a recording. */
    {
        struct record_prosody po = {.sut = "sut.test", .remote = "gmail.test", .year = 2026};
        char *lines;

        err[0] = '\0';
        if ((lines = record_prosody_log(text, &po, err, sizeof(err))) == NULL) {
            if (err[0] == '\0')
                fuzz_fail("a refused Prosody log without a reason");
        } else if ((live = record_annotate(lines, &lo, err, sizeof(err))) == NULL) {
            fuzz_fail("record_prosody_log's lines refused by record_annotate: %s\n%s", err, lines);
        } else {
            replay(live);
            free(live);
        }
        free(lines);
    }
    free(text);
    return 0;
}
