/* junit_check.c: parses a JUnit XML file with fedsim's own XML parser and prints what CI
 * systems read from it: the testsuite's counts and the elements actually there. Exit 1 if the
 * file does not parse or the counts disagree with the elements.
 * usage: junit_check FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_stream.h"

static long
num(const struct xml_node *n, const char *attr)
{
    const char *v = xml_attr(n, attr);

    return v != NULL ? strtol(v, NULL, 10) : -1;
}

int
main(int argc, char **argv)
{
    static char text[1 << 20];
    const char *body;
    char err[512];
    size_t len;
    struct xml_node *root, *suite, *tc;
    long cases = 0, failures = 0, errors = 0, skipped = 0;
    FILE *fp;

    if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
        fprintf(stderr, "usage: junit_check FILE\n");
        return 2;
    }
    len = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[len] = '\0';
    /* The XML declaration only belongs at the very start of a document. */
    body = strncmp(text, "<?xml", 5) == 0 && strstr(text, "?>") != NULL ? strstr(text, "?>") + 2
                                                                        : text;
    root = xml_parse_element(body, "", err, sizeof(err));
    if (root == NULL || !xml_is(root, "", "testsuites") ||
        (suite = xml_child(root, "", "testsuite")) == NULL) {
        fprintf(stderr, "junit_check: %s: %s\n", argv[1], root == NULL ? err : "no testsuite");
        return 1;
    }
    for (tc = xml_child(suite, "", "testcase"); tc != NULL; tc = xml_next(tc, "", "testcase")) {
        cases++;
        failures += xml_child(tc, "", "failure") != NULL;
        errors += xml_child(tc, "", "error") != NULL;
        skipped += xml_child(tc, "", "skipped") != NULL;
    }
    printf("tests=%ld failures=%ld errors=%ld skipped=%ld\n", num(suite, "tests"),
           num(suite, "failures"), num(suite, "errors"), num(suite, "skipped"));
    if (cases != num(suite, "tests") || failures != num(suite, "failures") ||
        errors != num(suite, "errors") || skipped != num(suite, "skipped")) {
        xml_node_free(root);
        fprintf(stderr,
                "junit_check: counts disagree with the elements: %ld testcases, %ld "
                "failures, %ld errors, %ld skipped\n",
                cases, failures, errors, skipped);
        return 1;
    }
    xml_node_free(root);
    return 0;
}
