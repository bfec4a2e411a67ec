/* test_sut.c: reading SUT files, and errors with file:line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sut.h"

static char path[64];

static void
write_file(const char *text)
{
    FILE *fp;

    strcpy(path, "/tmp/fedsim-sut-XXXXXX");
    close(mkstemp(path));
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void
test_good_file(void **state)
{
    struct sut *s;
    char err[512] = "";

    (void)state;
    write_file("# fedsim SUT file\n"
               "name = prosody\n"
               "version = 0.12.3\n"
               "domain = sut.test\n"
               "c2s = 127.0.0.1:25222\n"
               "s2s = 127.0.0.1:25269\n"
               "dns = 127.0.0.1:25353\n"
               "  tls = off  \n"
               "\n"
               "pid = 4242\n"
               "hosts = /tmp/fedsim-ejabberd.x/hosts\n"
               "account = user1 pass word with spaces\n"
               "account = user2 secret\n");
    s = sut_load(path, err, sizeof(err));
    if (s == NULL)
        fail_msg("%s", err);
    assert_string_equal(s->name, "prosody");
    assert_string_equal(s->domain, "sut.test");
    assert_string_equal(s->tls, "off");
    assert_int_equal(s->pid, 4242);
    assert_string_equal(s->hosts, "/tmp/fedsim-ejabberd.x/hosts");
    assert_int_equal(net_addr_port((struct sockaddr *)&s->s2s.ss), 25269);
    assert_int_equal(s->naccounts, 2);
    assert_string_equal(s->accounts[0].user, "user1");
    assert_string_equal(s->accounts[0].password, "pass word with spaces");
    assert_string_equal(s->accounts[1].password, "secret");
    sut_free(s);
    unlink(path);
}

static void
expect_error(const char *text, const char *want)
{
    char err[512] = "", expected[256];

    write_file(text);
    assert_null(sut_load(path, err, sizeof(err)));
    snprintf(expected, sizeof(expected), "%s%s", path, want);
    if (strstr(err, expected) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, expected);
    unlink(path);
}

static void
test_errors(void **state)
{
    (void)state;
    expect_error("domain = d\nc2s = 127.0.0.1:1\ns2s = localhost:2\n", ":3: \"localhost:2\"");
    expect_error("domain = d\nfrobnicate = 1\n", ":2: unknown key \"frobnicate\"");
    expect_error("domain d\n", ":1: expected \"key = value\"");
    expect_error("domain = d\naccount = lonely\n", ":2: account needs");
    expect_error("domain = d\npid = abc\n", ":2: pid");
    expect_error("domain = d\nc2s = 127.0.0.1:1\ns2s = 127.0.0.1:2\n", ": missing dns");
    expect_error("c2s = 127.0.0.1:1\n", ": missing domain");
}

static void
test_missing_file(void **state)
{
    char err[256];

    (void)state;
    assert_null(sut_load("/nonexistent/sut", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/sut: No such file"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_good_file),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_missing_file),
    };

    return cmocka_run_group_tests_name("sut", tests, NULL, NULL);
}
