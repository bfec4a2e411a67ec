/* test_json.c: the JSON reader (values, escapes, surrogate pairs, errors with line and column,
 * depth limit, truncated input) and the string writer read back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static struct json *
parse(const char *text, char *err, size_t errlen)
{
    return json_parse(text, strlen(text), err, errlen);
}

static void
test_values(void **state)
{
    char err[128];
    struct json *j = parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"d\"},"
                           " \"a\": 3}\n",
                           err, sizeof(err));
    const struct json *a;

    (void)state;
    assert_non_null(j);
    a = json_get(j, "a"); /* the first of two */
    assert_int_equal(a->type, JSON_ARRAY);
    assert_int_equal(a->n, 5);
    assert_true(a->items[0]->number == 1);
    assert_true(a->items[1]->number == -25);
    assert_int_equal(a->items[2]->boolean, 1);
    assert_int_equal(a->items[3]->boolean, 0);
    assert_int_equal(a->items[4]->type, JSON_NULL);
    assert_string_equal(json_get_string(json_get(j, "b"), "c", NULL), "d");
    assert_null(json_get(j, "zz"));
    assert_string_equal(json_get_string(j, "zz", "dflt"), "dflt");
    assert_true(json_get_number(j, "b", 7) == 7); /* not a number: the default */
    json_free(j);
    j = parse("[]", err, sizeof(err));
    assert_int_equal(j->n, 0);
    json_free(j);
}

static void
test_escapes(void **state)
{
    char err[128];
    struct json *j = parse("\"q\\\" b\\\\ s\\/ \\n\\t \\u00e9 \\u20ac \\ud83d\\ude00\"", err,
                           sizeof(err));

    (void)state;
    assert_non_null(j);
    assert_string_equal(j->string, "q\" b\\ s/ \n\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    json_free(j);
}

static void
expect_error(const char *text, const char *want)
{
    char err[128] = "";
    struct json *j = parse(text, err, sizeof(err));

    if (j != NULL || strstr(err, want) == NULL)
        fail_msg("%s: got \"%s\", want \"%s\"", text, err, want);
}

static void
test_errors(void **state)
{
    (void)state;
    expect_error("{\"a\": 1,\n  }", "line 2, column 3: an object key must be a string");
    expect_error("[1 2]", "a ',' or ']' in an array");
    expect_error("{\"a\" 1}", "a ':' after an object key");
    expect_error("\"abc", "a string without its closing quote");
    expect_error("\"a\nb\"", "a control character in a string");
    expect_error("\"\\x\"", "a bad escape");
    expect_error("\"\\ud83d\"", "a lone surrogate");
    expect_error("\"\\u12\"", "a bad \\u escape");
    expect_error("tru", "a value expected");
    expect_error("1 2", "text after the document");
    expect_error("", "a value expected, the end found");
    expect_error("-", "a bad number");
}

static void
test_depth(void **state)
{
    char text[2 * (JSON_MAX_DEPTH + 2) + 1], err[128];
    size_t i, d = JSON_MAX_DEPTH + 1;
    struct json *j;

    (void)state;
    for (i = 0; i < d; i++) {
        text[i] = '[';
        text[2 * d - 1 - i] = ']';
    }
    text[2 * d] = '\0';
    j = parse(text, err, sizeof(err));
    assert_non_null(j); /* JSON_MAX_DEPTH + 1 levels: depth 0..JSON_MAX_DEPTH */
    json_free(j);
    memmove(text + 1, text, strlen(text) + 1);
    text[0] = '[';
    strcat(text, "]");
    assert_null(parse(text, err, sizeof(err)));
    assert_non_null(strstr(err, "nested too deep"));
}

/* Every prefix of a document is refused without reading past it (ASan in that build). */
static void
test_truncated(void **state)
{
    static const char doc[] = "{\"s\": [\"x\\u00e9\", 12.5, {\"t\": null}], \"u\": true}";
    char err[128];
    size_t n;

    (void)state;
    for (n = 0; n < sizeof(doc) - 1; n++) {
        char *copy = malloc(n + 1);

        memcpy(copy, doc, n);
        assert_null(json_parse(copy, n, err, sizeof(err)));
        free(copy);
    }
}

static void
test_write_read_back(void **state)
{
    static const char s[] = "a \"quoted\" \\ path\nline\ttab \x01 \xc3\xa9";
    char buf[256], err[128];
    FILE *fp = fmemopen(buf, sizeof(buf), "w");
    struct json *j;

    (void)state;
    json_write_string(fp, s);
    fclose(fp);
    j = parse(buf, err, sizeof(err));
    assert_non_null(j);
    assert_string_equal(j->string, s);
    json_free(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_values),    cmocka_unit_test(test_escapes),
            cmocka_unit_test(test_errors),    cmocka_unit_test(test_depth),
            cmocka_unit_test(test_truncated), cmocka_unit_test(test_write_read_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
