/*
 * fuzz_matrix.c: the matrix's deviations file (matrix_deviations_parse) on arbitrary text.
 *
 * Oracle: a refused file says why, with "path:line:"; an accepted one yields deviations each
 * with a SUT, a reason naming a clause ("CLAUSE: REASON") and a non-empty mask per key, and
 * the scenarios of a few cells written with them still parse (zones not looked up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "matrix.h"
#include "scenario.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct matrix_cell cells[] = {
            {MATRIX_OPTIONAL, MATRIX_CERT_VALID, MATRIX_TLS_OPTIONAL, MATRIX_AUTH_BOTH,
             MATRIX_PEER_DIALS},
            {MATRIX_REQUIRED, MATRIX_CERT_EXPIRED, MATRIX_TLS_DIRECT, MATRIX_AUTH_EXTERNAL,
             MATRIX_SUT_DIALS},
            {MATRIX_OFF, MATRIX_CERT_NONE, MATRIX_TLS_NONE, MATRIX_AUTH_DIALBACK, MATRIX_SUT_DIALS},
    };
    char *text = fuzz_strndup(data, size), err[512], perr[1024];
    struct matrix_deviation *d = NULL;
    size_t n = 0, i, k;

    fuzz_quiet();
    err[0] = '\0';
    if (matrix_deviations_parse("fuzz.txt", text, &d, &n, err, sizeof(err)) != 0) {
        if (strncmp(err, "fuzz.txt:", 9) != 0)
            fuzz_fail("a refused deviations file without \"path:line:\": %s", err);
        matrix_deviations_free(d, n);
        free(text);
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (d[i].sut == NULL || d[i].reason == NULL || strstr(d[i].reason, ": ") == NULL)
            fuzz_fail("deviation %zu without a SUT or a clause", i);
        for (k = 0; k < 6; k++)
            if (d[i].mask[k] == 0)
                fuzz_fail("deviation %zu matches nothing on key %zu", i, k);
    }
    for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);
        struct scenario *s;

        matrix_write_scenario(fp, &cells[i], d, n);
        fclose(fp);
        perr[0] = '\0';
        s = scenario_parse("cell.scn", buf, NULL, perr, sizeof(perr));
        if (s == NULL && strstr(perr, "zone") == NULL)
            fuzz_fail("a cell's scenario with these deviations does not parse: %s\n%s", perr, buf);
        scenario_free(s);
        free(buf);
    }
    matrix_deviations_free(d, n);
    free(text);
    return 0;
}
