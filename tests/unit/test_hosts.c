/* test_hosts.c: the hosts file for a SUT resolving through libc: names, CNAMEs, DNS faults,
 * and the write in place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosts.h"

#define HEADER                                                                                     \
    "# written by fedsim (harness/hosts.c): the addresses its DNS gives now; rewritten in place "  \
    "for each scenario run and DNS fault step\n"                                                   \
    "127.0.0.1 localhost\n"                                                                        \
    "::1 localhost ip6-localhost ip6-loopback\n"

static const char zone[] = "$TTL 0\n"
                           "$ORIGIN r1a2b3c.gmail.test.\n"
                           "@ IN SOA ns hostmaster 1 60 60 600 0\n"
                           "@ IN NS ns\n"
                           "ns IN A 127.0.0.2\n"
                           "_xmpp-server._tcp IN SRV 5 0 5269 Xmpp-Server.L\n"
                           "Xmpp-Server.L IN A 127.0.0.2\n"
                           "alt1.xmpp-server.l IN CNAME xmpp-server.l\n"
                           "dangling IN CNAME nowhere.example.\n"
                           "*.wild IN A 127.0.0.9\n"
                           "$ORIGIN jabber.test.\n"
                           "@ IN SOA ns hostmaster 1 60 60 600 0\n"
                           "xmpp IN AAAA ::1\n"
                           "xmpp IN A 127.0.0.6\n";

struct fixture {
    struct dns_zoneset *zs;
    struct dns_faults faults;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[512] = "";

    f->zs = dns_zoneset_new();
    if (dns_zoneset_load_string(f->zs, "test.zone", zone, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    dns_faults_clear(&f->faults);
    dns_zoneset_free(f->zs);
    free(f);
    return 0;
}

static void
assert_hosts(const struct fixture *f, const char *want)
{
    char *got = hosts_format(f->zs, &f->faults);

    if (strcmp(got, want) != 0)
        fail_msg("got:\n%s\nwanted:\n%s", got, want);
    free(got);
}

static void
add_fault(struct fixture *f, const char *name, const char *type, enum dns_fault_kind kind,
          const char *value)
{
    char err[512] = "";

    if (dns_faults_add(&f->faults, name, type, kind, value, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static void
test_zones(void **state)
{
    /* Sorted by name, lower case, A before AAAA; a CNAME's owner gets its target's address;
     * no line for a dangling CNAME, a wildcard, an SRV or SOA owner. */
    assert_hosts(*state, HEADER "127.0.0.2 alt1.xmpp-server.l.r1a2b3c.gmail.test\n"
                                "127.0.0.2 ns.r1a2b3c.gmail.test\n"
                                "127.0.0.2 xmpp-server.l.r1a2b3c.gmail.test\n"
                                "127.0.0.6 xmpp.jabber.test\n"
                                "::1 xmpp.jabber.test\n");
}

static void
test_error_faults_remove_names(void **state)
{
    struct fixture *f = *state;

    /* NXDOMAIN for the target's A: the alias through it goes too; SERVFAIL for every type. */
    add_fault(f, "xmpp-server.l.r1a2b3c.gmail.test", "A", DNS_FAULT_RCODE, "NXDOMAIN");
    add_fault(f, "xmpp.jabber.test", "*", DNS_FAULT_RCODE, "SERVFAIL");
    add_fault(f, "ns.r1a2b3c.gmail.test", "AAAA", DNS_FAULT_DROP, NULL);
    assert_hosts(f, HEADER "127.0.0.2 ns.r1a2b3c.gmail.test\n");
    /* Dropped A answers: gone as well. */
    add_fault(f, "ns.r1a2b3c.gmail.test", "A", DNS_FAULT_DROP, NULL);
    assert_hosts(f, HEADER);
}

static void
test_slow_answers_still_answer(void **state)
{
    struct fixture *f = *state;

    add_fault(f, "xmpp.jabber.test", "AAAA", DNS_FAULT_DELAY, "300");
    add_fault(f, "xmpp.jabber.test", "A", DNS_FAULT_TRUNCATE, NULL);
    assert_hosts(f, HEADER "127.0.0.2 alt1.xmpp-server.l.r1a2b3c.gmail.test\n"
                           "127.0.0.2 ns.r1a2b3c.gmail.test\n"
                           "127.0.0.2 xmpp-server.l.r1a2b3c.gmail.test\n"
                           "127.0.0.6 xmpp.jabber.test\n"
                           "::1 xmpp.jabber.test\n");
}

static void
test_replaced_records(void **state)
{
    struct fixture *f = *state;

    /* New addresses for a target (its alias follows), a name the zones do not have, a CNAME
     * put in place of an address. */
    add_fault(f, "xmpp-server.l.r1a2b3c.gmail.test", "A", DNS_FAULT_REPLACE,
              "xmpp-server.l.r1a2b3c.gmail.test. 0 IN A 127.0.0.7\n"
              "xmpp-server.l.r1a2b3c.gmail.test. 0 IN A 127.0.0.8\n");
    add_fault(f, "extra.jabber.test", "A", DNS_FAULT_REPLACE, "extra.jabber.test. 0 IN A 10.0.0.1");
    add_fault(f, "xmpp.jabber.test", "AAAA", DNS_FAULT_REPLACE,
              "xmpp.jabber.test. 0 IN CNAME ns.r1a2b3c.gmail.test.");
    assert_hosts(f, HEADER "127.0.0.7 alt1.xmpp-server.l.r1a2b3c.gmail.test\n"
                           "127.0.0.8 alt1.xmpp-server.l.r1a2b3c.gmail.test\n"
                           "10.0.0.1 extra.jabber.test\n"
                           "127.0.0.2 ns.r1a2b3c.gmail.test\n"
                           "127.0.0.7 xmpp-server.l.r1a2b3c.gmail.test\n"
                           "127.0.0.8 xmpp-server.l.r1a2b3c.gmail.test\n"
                           "127.0.0.6 xmpp.jabber.test\n");
    /* Restored: as the zones say. */
    dns_faults_remove(&f->faults, "*", "*");
    test_zones(state);
}

static char *
slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *buf = calloc(1, 65536);
    size_t n;

    assert_non_null(fp);
    n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void
test_write_in_place(void **state)
{
    struct fixture *f = *state;
    char path[] = "/tmp/fedsim-hosts-XXXXXX", err[512] = "", *want, *got;
    struct stat before, after;
    FILE *fp;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    fp = fopen(path, "w");
    assert_non_null(fp);
    for (fd = 0; fd < 200; fd++)
        fputs("127.0.0.99 a-long-stale-line.example\n", fp);
    fclose(fp);
    assert_int_equal(stat(path, &before), 0);

    assert_int_equal(hosts_write(path, f->zs, &f->faults, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &after), 0);
    /* The same inode (what a bind mount holds), and nothing of the longer old text left. */
    assert_true(before.st_ino == after.st_ino && before.st_dev == after.st_dev);
    want = hosts_format(f->zs, &f->faults);
    got = slurp(path);
    assert_string_equal(got, want);
    free(got);
    free(want);

    /* Again after a fault step: shorter, still in place. */
    add_fault(f, "xmpp.jabber.test", "*", DNS_FAULT_RCODE, "NXDOMAIN");
    assert_int_equal(hosts_write(path, f->zs, &f->faults, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &after), 0);
    assert_true(before.st_ino == after.st_ino);
    got = slurp(path);
    assert_null(strstr(got, "jabber"));
    assert_non_null(strstr(got, "127.0.0.2 ns.r1a2b3c.gmail.test\n"));
    free(got);
    unlink(path);
}

static void
test_write_errors(void **state)
{
    struct fixture *f = *state;
    char err[512] = "";

    /* No hosts key in the SUT file: nothing to do. */
    assert_int_equal(hosts_write(NULL, f->zs, NULL, err, sizeof(err)), 0);
    assert_int_equal(hosts_write("/nonexistent/dir/hosts", f->zs, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/dir/hosts: No such file"));
}

static void
test_empty(void **state)
{
    char *got;

    (void)state;
    got = hosts_format(NULL, NULL);
    assert_string_equal(got, HEADER);
    free(got);
}

/* The shipped fixture, from its file: every seed peer's target is there. */
static void
test_shipped_fixture(void **state)
{
    const char *src = getenv("FEDSIM_SOURCE_DIR");
    char path[1024], err[512] = "", *got;
    struct dns_zoneset *zs;

    (void)state;
    if (src == NULL)
        skip();
    zs = dns_zoneset_new();
    snprintf(path, sizeof(path), "%s/dnsfixtures/federation.zone", src);
    if (dns_zoneset_load_file(zs, path, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    got = hosts_format(zs, NULL);
    assert_non_null(strstr(got, "\n127.0.0.2 xmpp-server.l.gmail.test\n"));
    assert_non_null(strstr(got, "\n127.0.0.2 alt1.xmpp-server.l.gmail.test\n"));
    assert_non_null(strstr(got, "\n127.0.0.3 xmpp.webex.test\n"));
    assert_non_null(strstr(got, "\n127.0.0.4 stgw.sametime.test\n"));
    assert_non_null(strstr(got, "\n127.0.0.5 cups.cup.test\n"));
    assert_non_null(strstr(got, "\n::1 xmpp.jabber.test\n"));
    free(got);
    dns_zoneset_free(zs);
}

static char *
slurp_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    static char buf[65536];
    size_t n;

    assert_non_null(fp);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Runs side by side: each part is its worker's; rewriting one keeps the others. */
static void
test_write_parts(void **state)
{
    struct fixture *f = *state;
    char path[] = "/tmp/fedsim-test-hosts.XXXXXX", err[512] = "", *got;
    struct dns_zoneset *other = dns_zoneset_new();
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    if (dns_zoneset_load_string(other, "o.zone",
                                "$ORIGIN r000041.webex.test.\n@ IN SOA ns h 1 60 60 600 0\n"
                                "xmpp IN A 127.9.9.3\n",
                                err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(hosts_write_part(path, 1, f->zs, NULL, err, sizeof(err)), 0);
    assert_int_equal(hosts_write_part(path, 2, other, NULL, err, sizeof(err)), 0);
    got = slurp_file(path);
    assert_int_equal(strncmp(got, HEADER, strlen(HEADER)), 0);
    assert_non_null(strstr(got, "# fedsim part 1\n"));
    assert_non_null(strstr(got, "\n127.0.0.2 xmpp-server.l.r1a2b3c.gmail.test\n"));
    assert_non_null(strstr(got, "# fedsim part 2\n127.9.9.3 xmpp.r000041.webex.test\n"));
    /* Part 1 again, with other's names: part 2 stays, part 1's old names go. */
    assert_int_equal(hosts_write_part(path, 1, other, NULL, err, sizeof(err)), 0);
    got = slurp_file(path);
    assert_null(strstr(got, "gmail.test"));
    assert_non_null(strstr(got, "# fedsim part 1\n127.9.9.3 xmpp.r000041.webex.test\n"));
    assert_non_null(strstr(got, "# fedsim part 2\n127.9.9.3 xmpp.r000041.webex.test\n"));
    assert_int_equal(strncmp(got, HEADER, strlen(HEADER)), 0);
    /* The header once. */
    assert_null(strstr(got + 1, "# written by fedsim"));
    unlink(path);
    dns_zoneset_free(other);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_empty),
            cmocka_unit_test_setup_teardown(test_zones, setup, teardown),
            cmocka_unit_test_setup_teardown(test_error_faults_remove_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_slow_answers_still_answer, setup, teardown),
            cmocka_unit_test_setup_teardown(test_replaced_records, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_in_place, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_parts, setup, teardown),
            cmocka_unit_test(test_shipped_fixture),
    };

    return cmocka_run_group_tests_name("hosts", tests, NULL, NULL);
}
