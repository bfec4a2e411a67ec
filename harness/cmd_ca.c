/* cmd_ca.c: `fedsim ca`: the test CA a SUT is told to trust, and certificates for the SUT. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "tls.h"

static void
ca_usage(FILE *fp)
{
    fprintf(fp, "usage: fedsim ca init DIR\n"
                "       fedsim ca issue DIR DOMAIN...\n"
                "\n"
                "init   makes a test CA in DIR (created if missing): DIR/ca.key (EC P-256, mode\n"
                "       0600) and DIR/ca.pem (valid 10 years). Refuses to replace a ca.key.\n"
                "issue  issues one certificate per DOMAIN from the CA in DIR, for the SUT:\n"
                "       DIR/DOMAIN.key (0600) and DIR/DOMAIN.pem (the certificate, then the CA),\n"
                "       with DOMAIN as CN, DNS name and XmppAddr, EKU serverAuth + clientAuth,\n"
                "       valid 10 years. An existing pair for DOMAIN is replaced.\n"
                "\n"
                "Configure the SUT to trust DIR/ca.pem; give fedsim the same DIR (`ca = DIR` in\n"
                "the SUT file) and its fake peers present certificates issued from it, valid or\n"
                "faulty as scenarios ask (docs/tls.md).\n"
                "\n"
                "Exit status: 0 done, 2 bad usage or a file that cannot be read or written.\n");
}

static int
ca_exec(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    char err[512];
    int c, i;

    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            ca_usage(stdout);
            return FEDSIM_EXIT_OK;
        }
        ca_usage(stderr);
        return FEDSIM_EXIT_USAGE;
    }
    if (argc - optind == 2 && strcmp(argv[optind], "init") == 0) {
        if (tls_ca_init(argv[optind + 1], err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim ca: %s\n", err);
            return FEDSIM_EXIT_USAGE;
        }
        printf("%s/ca.pem\n", argv[optind + 1]);
        return FEDSIM_EXIT_OK;
    }
    if (argc - optind >= 3 && strcmp(argv[optind], "issue") == 0) {
        const char *dir = argv[optind + 1];
        struct tls_ca *ca = tls_ca_load(dir, err, sizeof(err));

        if (ca == NULL) {
            fprintf(stderr, "fedsim ca: %s\n", err);
            return FEDSIM_EXIT_USAGE;
        }
        for (i = optind + 2; i < argc; i++) {
            const char *name = argv[i];

            if (tls_ca_issue_files(ca, dir, &name, 1, err, sizeof(err)) != 0) {
                fprintf(stderr, "fedsim ca: %s\n", err);
                tls_ca_free(ca);
                return FEDSIM_EXIT_USAGE;
            }
            printf("%s/%s.pem\n", dir, name);
        }
        tls_ca_free(ca);
        return FEDSIM_EXIT_OK;
    }
    ca_usage(stderr);
    return FEDSIM_EXIT_USAGE;
}

const struct cmd cmd_ca = {
        .name = "ca",
        .synopsis = "init DIR | issue DIR DOMAIN...",
        .summary = "a test CA for the SUT to trust, and certificates for the SUT",
        .exec = ca_exec,
        .usage = ca_usage,
};
