/* test_dns_zone.c: zone loading (multi-zone files, directives, errors with file:line) and lookup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include "dns_zone.h"
#include "net.h"

static const char two_zones[] = "; two zones in one file\n"
                                "$TTL 60\n"
                                "$ORIGIN a.test.\n"
                                "@        IN SOA ns hostmaster 1 60 60 600 30\n"
                                "www      IN A    127.0.0.10\n"
                                "www      IN AAAA ::1\n"
                                "deep.ent IN TXT  \"below an empty non-terminal\"\n"
                                "alias    IN CNAME www\n"
                                "$ORIGIN b.test.\n"
                                "@        IN SOA ( ns hostmaster\n"
                                "                  1 60 60 600 30 )\n"
                                "Mixed    IN A    127.0.0.11\n";

static ldns_rdf *
dname(const char *s)
{
    ldns_rdf *r = NULL;

    assert_int_equal(ldns_str2rdf_dname(&r, s), LDNS_STATUS_OK);
    return r;
}

static struct dns_zoneset *
load(const char *text)
{
    struct dns_zoneset *zs = dns_zoneset_new();
    char err[512] = "";

    if (dns_zoneset_load_string(zs, "test.zone", text, err, sizeof(err)) != 0)
        fail_msg("load failed: %s", err);
    return zs;
}

/* Loads text expecting an error; returns the message. */
static void
expect_error(const char *text, const char *want)
{
    struct dns_zoneset *zs = dns_zoneset_new();
    char err[512] = "";

    assert_int_equal(dns_zoneset_load_string(zs, "bad.zone", text, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    assert_int_equal(zs->nzones, 0);
    dns_zoneset_free(zs);
}

static void
test_two_zones_in_one_file(void **state)
{
    struct dns_zoneset *zs = load(two_zones);
    ldns_rdf *n = dname("www.a.test."), *m = dname("MIXED.b.TEST.");
    const struct dns_zone *z;
    const struct dns_rrset *set;

    (void)state;
    assert_int_equal(zs->nzones, 2);
    assert_int_equal(dns_zoneset_count_records(zs), 7);
    z = dns_zoneset_find_zone(zs, n);
    assert_non_null(z);
    assert_string_equal(z->where, "test.zone:4");
    set = dns_zone_find(z, n, LDNS_RR_TYPE_A);
    assert_non_null(set);
    assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(set->rrs, 0)), 60);
    assert_non_null(dns_zone_find(z, n, LDNS_RR_TYPE_AAAA));
    assert_null(dns_zone_find(z, n, LDNS_RR_TYPE_TXT));
    /* Case-insensitive, and the multi-line SOA of the second zone. */
    z = dns_zoneset_find_zone(zs, m);
    assert_non_null(z);
    assert_string_equal(z->where, "test.zone:10");
    assert_non_null(z->soa);
    assert_non_null(dns_zone_find(z, m, LDNS_RR_TYPE_A));
    ldns_rdf_deep_free(n);
    ldns_rdf_deep_free(m);
    dns_zoneset_free(zs);
}

static void
test_names_and_empty_non_terminals(void **state)
{
    struct dns_zoneset *zs = load(two_zones);
    ldns_rdf *ent = dname("ent.a.test."), *none = dname("none.a.test."),
             *out = dname("example.com."), *apex = dname("a.test.");
    const struct dns_zone *z = dns_zoneset_find_zone(zs, apex);
    const struct dns_rrset *sets;

    (void)state;
    assert_true(dns_zone_name_exists(z, ent));
    assert_int_equal(dns_zone_name_sets(z, ent, &sets), 0);
    assert_false(dns_zone_name_exists(z, none));
    assert_true(dns_zone_name_exists(z, apex));
    assert_int_equal(dns_zone_name_sets(z, apex, &sets), 1);
    assert_int_equal(sets[0].type, LDNS_RR_TYPE_SOA);
    assert_null(dns_zoneset_find_zone(zs, out));
    ldns_rdf_deep_free(ent);
    ldns_rdf_deep_free(none);
    ldns_rdf_deep_free(out);
    ldns_rdf_deep_free(apex);
    dns_zoneset_free(zs);
}

static void
test_deepest_zone_wins(void **state)
{
    struct dns_zoneset *zs = load("$ORIGIN test.\n@ SOA ns h 1 2 3 4 5\nx.sub A 127.0.0.1\n"
                                  "$ORIGIN sub.test.\n@ SOA ns h 1 2 3 4 5\nx A 127.0.0.2\n");
    ldns_rdf *x = dname("x.sub.test.");
    const struct dns_zone *z;

    (void)state;
    z = dns_zoneset_find_zone(zs, x);
    assert_non_null(z);
    assert_string_equal(z->where, "test.zone:5");
    ldns_rdf_deep_free(x);
    dns_zoneset_free(zs);
}

static void
test_errors_carry_file_and_line(void **state)
{
    (void)state;
    expect_error("$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n\n; comment\nbad SRV 1 2 port t\n",
                 "bad.zone:5: ");
    expect_error("$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\nother.test. A 127.0.0.1\n",
                 "bad.zone:3: other.test. is outside every zone");
    expect_error("www.x.test. A 127.0.0.1\n", "bad.zone:1: www.x.test. is outside every zone");
    expect_error("$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\na A 127.0.0.1\na CNAME b\n",
                 "has a CNAME and other data");
    expect_error("$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n@ SOA ns h 2 2 3 4 5\n",
                 "bad.zone:3: a second SOA for zone x.test.");
    expect_error("$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n$INCLUDE other.zone\n",
                 "bad.zone:3: $INCLUDE is not supported");
    expect_error("$ORIGIN x.test.\n@ CH SOA ns h 1 2 3 4 5\n", "only class IN");
}

static void
test_same_zone_twice_is_refused(void **state)
{
    struct dns_zoneset *zs = load("$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n");
    char err[512] = "";

    (void)state;
    assert_int_equal(dns_zoneset_load_string(zs, "again.zone",
                                             "$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n", err,
                                             sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "again.zone:2: zone x.test. is already loaded from test.zone:2"));
    assert_int_equal(zs->nzones, 1);
    dns_zoneset_free(zs);
}

static void
test_file_and_string_agree(void **state)
{
    char path[] = "/tmp/fedsim-zone-XXXXXX";
    int fd = mkstemp(path);
    struct dns_zoneset *from_file = dns_zoneset_new(), *from_string = load(two_zones);
    char err[512] = "";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, two_zones, strlen(two_zones)), (ssize_t)strlen(two_zones));
    close(fd);
    assert_int_equal(dns_zoneset_load_file(from_file, path, err, sizeof(err)), 0);
    assert_int_equal(from_file->nzones, from_string->nzones);
    assert_int_equal(dns_zoneset_count_records(from_file), dns_zoneset_count_records(from_string));
    unlink(path);
    assert_int_equal(dns_zoneset_load_file(from_file, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
    dns_zoneset_free(from_file);
    dns_zoneset_free(from_string);
}

static void
test_sut_records(void **state)
{
    struct dns_zoneset *zs = dns_zoneset_new();
    struct net_addr s2s;
    ldns_rdf *srv = dname("_xmpp-server._tcp.sut.test."), *target = dname("s2s.sut.test.");
    const struct dns_zone *z;
    const struct dns_rrset *set;
    char err[256];

    (void)state;
    assert_int_equal(net_addr_from_host("127.0.0.1", 25269, &s2s), 0);
    assert_int_equal(
            dns_zoneset_add_sut(zs, "sut.test", (struct sockaddr *)&s2s.ss, NULL, err, sizeof(err)),
            1);
    z = dns_zoneset_find_zone(zs, srv);
    assert_non_null(z);
    set = dns_zone_find(z, srv, LDNS_RR_TYPE_SRV);
    assert_non_null(set);
    assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 2)), 25269);
    assert_int_equal(ldns_dname_compare(ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 3), target), 0);
    assert_non_null(dns_zone_find(z, target, LDNS_RR_TYPE_A));
    /* A second call finds the zone there: nothing synthesized twice. */
    assert_int_equal(
            dns_zoneset_add_sut(zs, "sut.test", (struct sockaddr *)&s2s.ss, NULL, err, sizeof(err)),
            0);
    assert_int_equal(
            dns_zoneset_add_sut(zs, "bad name", (struct sockaddr *)&s2s.ss, NULL, err, sizeof(err)),
            -1);
    ldns_rdf_deep_free(srv);
    ldns_rdf_deep_free(target);
    dns_zoneset_free(zs);
}

/* A direct TLS listener in the SUT file: its own _xmpps-server SRV and target (XEP-0368). */
static void
test_sut_direct_tls_records(void **state)
{
    struct dns_zoneset *zs = dns_zoneset_new();
    struct net_addr s2s, direct;
    ldns_rdf *srv = dname("_xmpps-server._tcp.sut.test."), *target = dname("s2s-tls.sut.test.");
    ldns_rdf *plain = dname("_xmpp-server._tcp.sut.test.");
    const struct dns_zone *z;
    const struct dns_rrset *set;
    char err[256];

    (void)state;
    assert_int_equal(net_addr_from_host("127.0.0.1", 25269, &s2s), 0);
    assert_int_equal(net_addr_from_host("127.0.0.1", 25270, &direct), 0);
    assert_int_equal(dns_zoneset_add_sut(zs, "sut.test", (struct sockaddr *)&s2s.ss,
                                         (struct sockaddr *)&direct.ss, err, sizeof(err)),
                     1);
    z = dns_zoneset_find_zone(zs, srv);
    assert_non_null(z);
    set = dns_zone_find(z, srv, LDNS_RR_TYPE_SRV);
    assert_non_null(set);
    assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 2)), 25270);
    assert_int_equal(ldns_dname_compare(ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 3), target), 0);
    assert_non_null(dns_zone_find(z, target, LDNS_RR_TYPE_A));
    set = dns_zone_find(z, plain, LDNS_RR_TYPE_SRV);
    assert_non_null(set);
    assert_int_equal(ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(set->rrs, 0), 2)), 25269);
    ldns_rdf_deep_free(srv);
    ldns_rdf_deep_free(target);
    ldns_rdf_deep_free(plain);
    dns_zoneset_free(zs);
}

static void
test_fixture_overrides_sut(void **state)
{
    struct dns_zoneset *zs = load("$ORIGIN sut.test.\n@ SOA ns h 1 2 3 4 5\n");
    struct net_addr s2s;
    char err[256];

    (void)state;
    net_addr_from_host("::1", 5269, &s2s);
    assert_int_equal(dns_zoneset_add_sut(zs, "sut.test.", (struct sockaddr *)&s2s.ss, NULL, err,
                                         sizeof(err)),
                     0);
    assert_int_equal(zs->nzones, 1);
    dns_zoneset_free(zs);
}

static void
test_shipped_fixtures_load(void **state)
{
    const char *src = getenv("FEDSIM_SOURCE_DIR");
    char path[1024], err[512] = "";
    struct dns_zoneset *zs;

    (void)state;
    if (src == NULL)
        skip();
    zs = dns_zoneset_new();
    snprintf(path, sizeof(path), "%s/dnsfixtures/federation.zone", src);
    if (dns_zoneset_load_file(zs, path, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(zs->nzones, 5);
    dns_zoneset_free(zs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_two_zones_in_one_file),
            cmocka_unit_test(test_names_and_empty_non_terminals),
            cmocka_unit_test(test_deepest_zone_wins),
            cmocka_unit_test(test_errors_carry_file_and_line),
            cmocka_unit_test(test_same_zone_twice_is_refused),
            cmocka_unit_test(test_file_and_string_agree),
            cmocka_unit_test(test_sut_records),
            cmocka_unit_test(test_sut_direct_tls_records),
            cmocka_unit_test(test_fixture_overrides_sut),
            cmocka_unit_test(test_shipped_fixtures_load),
    };

    return cmocka_run_group_tests_name("dns_zone", tests, NULL, NULL);
}
