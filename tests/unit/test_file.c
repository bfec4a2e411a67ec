/* test_file.c: a whole file's text, bounded: never a silently cut text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

static void
test_read_bounded(void **state)
{
    char path[] = "/tmp/fedsim-test-file.XXXXXX", err[512] = "", *text;
    int fd = mkstemp(path);
    FILE *fp;
    size_t i;

    (void)state;
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    for (i = 0; i < 200000; i++) /* more than one 64 KiB read */
        fputc('a' + (int)(i % 26), fp);
    fclose(fp);
    text = file_read(path, 200000, err, sizeof(err));
    assert_non_null(text);
    assert_int_equal(strlen(text), 200000);
    assert_int_equal(text[199999], 'a' + 199999 % 26);
    free(text);
    /* One byte over the bound: refused, saying so. */
    assert_null(file_read(path, 199999, err, sizeof(err)));
    assert_non_null(strstr(err, "larger than 199999 bytes"));
    assert_non_null(strstr(err, path));
    unlink(path);
    assert_null(file_read(path, 10, err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_read_bounded)};

    return cmocka_run_group_tests(tests, NULL, NULL);
}
