/*
 * fuzz_scenario.c: the scenario parser (scenario.c) on arbitrary text, as `fedsim check` runs
 * it: the scenario stands in scenarios/fuzz/ of the source tree, so `zone: federation.zone`
 * finds dnsfixtures/ as the shipped ones do. The input is the file, all of it.
 *
 * Oracles: a refused scenario says where ("scenarios/fuzz/fuzz.scn:LINE..."); an accepted one
 * has steps that name actors it declared.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scenario.h"

#define NAME FEDSIM_SOURCE_DIR "/scenarios/fuzz/fuzz.scn"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), err[1024];
    struct scenario *s;
    size_t i;

    fuzz_quiet();
    err[0] = '\0';
    s = scenario_parse(NAME, text, FEDSIM_SOURCE_DIR "/dnsfixtures", err, sizeof(err));
    if (s == NULL) {
        if (strncmp(err, NAME ":", strlen(NAME) + 1) != 0)
            fuzz_fail("a refused scenario without its place: \"%s\"", err);
        free(text);
        return 0;
    }
    (void)scenario_fits_tls(s, NULL);
    (void)scenario_fits_tls(s, "optional");
    (void)scenario_has_tag(s, "seed");
    for (i = 0; i < s->nsteps; i++) {
        const struct scenario_step *st = &s->steps[i];

        (void)scenario_step_str(st->kind);
        if (st->kind != STEP_DNS_ASKED && st->kind != STEP_DNS_NEVER_ASKED &&
            st->kind != STEP_DNS_FAULT && st->kind != STEP_DNS_RESTORE &&
            st->kind != STEP_WAIT_TIME && st->actor >= s->nactors)
            fuzz_fail("step %zu (line %d) names actor %zu of %zu", i, st->line, st->actor,
                      s->nactors);
    }
    scenario_free(s);
    free(text);
    return 0;
}
