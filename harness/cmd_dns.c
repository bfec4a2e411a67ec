/* cmd_dns.c: `fedsim dns`: the DNS responder alone, serving zone fixtures until interrupted. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dns_server.h"
#include "dns_zone.h"
#include "fixture.h"
#include "hosts.h"
#include "log.h"
#include "loop.h"
#include "net.h"
#include "sut.h"
#include "xmalloc.h"

struct dns_opts {
    char **zones; /* borrowed from argv */
    size_t nzones;
    const char *listen, *sut, *log;
    int tcp_idle_ms, tcp_max, tcp_max_client, check;
};

struct dns_run {
    struct dns_opts *opts;     /* borrowed */
    struct dns_server *server; /* owned */
    struct dns_zoneset *zones; /* owned */
};

static void
dns_usage(FILE *fp)
{
    fprintf(fp,
            "usage: fedsim dns --zone FILE... [--sut FILE] [--listen ADDR:PORT] [--log FILE]\n"
            "                  [--tcp-idle SECONDS] [--tcp-max N] [--tcp-max-per-client N] "
            "[--check]\n"
            "\n"
            "Serves DNS fixtures (RFC 1035 master files) over UDP and TCP on one address, as the\n"
            "authoritative server for every zone they hold; names outside them get REFUSED.\n"
            "\n"
            "  -z, --zone FILE        a zone file; repeat for more. A file may hold several "
            "zones:\n"
            "                         each SOA record starts one.\n"
            "  -s, --sut FILE         a SUT file (ci/sut/*/start writes one): adds the SUT's own\n"
            "                         records (_xmpp-server._tcp.DOMAIN SRV to its s2s address)\n"
            "                         unless a zone file covers its domain, and makes the SUT's\n"
            "                         dns address the default for --listen.\n"
            "  -l, --listen ADDR:PORT where to listen, UDP and TCP (default 127.0.0.1:0; port 0\n"
            "                         picks a free one). IPv6 as [::1]:PORT.\n"
            "  -L, --log FILE         one line per query: time, udp/tcp, client, qname, qtype,\n"
            "                         rcode, answer count, \"tc\" if truncated (default: stdout;\n"
            "                         \"-\" is stdout too). Appended and flushed per line.\n"
            "      --tcp-idle SECONDS close idle TCP connections after this long (default 10;\n"
            "                         a fifth of it once 3/4 of --tcp-max are open)\n"
            "      --tcp-max N        at most N TCP connections (default 256): a new one is\n"
            "                         taken and the one idle the longest closed (RFC 7766 6.2)\n"
            "      --tcp-max-per-client N  the same per client address (default 3/4 of --tcp-max)\n"
            "      --check            load and check the zones, print a summary, exit\n"
            "\n"
            "The first line on stdout is \"listening ADDR:PORT\". SIGHUP reloads the zone and SUT\n"
            "files (a bad file is reported and the old data kept); SIGINT or SIGTERM stop.\n"
            "Exit status: 0 stopped cleanly, 2 bad usage or a zone/SUT file that does not\n"
            "load (with file:line), 3 the address cannot be bound.\n");
}

/* Loads every zone file and the SUT's records into a new set; NULL with the error printed. */
static struct dns_zoneset *
load_all(const struct dns_opts *o, struct sut **sutp)
{
    struct dns_zoneset *zs;
    struct sut *sut = NULL;
    char err[1024];
    int added = 0;

    if (o->sut != NULL && (sut = sut_load(o->sut, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fedsim dns: %s\n", err);
        return NULL;
    }
    zs = fixture_load(o->zones, o->nzones, sut, &added, err, sizeof(err));
    /* A SUT resolving SRV targets through libc reads their addresses from its hosts file. */
    if (zs == NULL || (sut != NULL && hosts_write(sut->hosts, zs, NULL, err, sizeof(err)) != 0)) {
        fprintf(stderr, "fedsim dns: %s\n", err);
        dns_zoneset_free(zs);
        sut_free(sut);
        return NULL;
    }
    if (sut != NULL)
        fprintf(stderr, "fedsim dns: SUT %s: %s\n", sut->domain,
                added ? "records synthesized from the SUT file"
                      : "a zone file covers it, nothing synthesized");
    if (sutp != NULL)
        *sutp = sut;
    else
        sut_free(sut);
    return zs;
}

static void
print_summary(FILE *fp, const struct dns_zoneset *zs)
{
    size_t i;

    fprintf(fp, "fedsim dns: %zu zones, %zu records\n", zs->nzones, dns_zoneset_count_records(zs));
    for (i = 0; i < zs->nzones; i++) {
        char *apex = ldns_rdf2str(zs->zones[i]->apex);

        fprintf(fp, "  %-28s %s\n", apex, zs->zones[i]->where);
        free(apex);
    }
}

static void
on_hup(void *arg)
{
    struct dns_run *run = arg;
    struct dns_zoneset *zs = load_all(run->opts, NULL);

    if (zs == NULL) {
        log_warnx("reload failed; still serving the previous zones");
        return;
    }
    dns_server_set_zones(run->server, zs);
    dns_zoneset_free(run->zones);
    run->zones = zs;
    log_info("reloaded: %zu zones, %zu records", zs->nzones, dns_zoneset_count_records(zs));
}

static int
parse_opts(int argc, char **argv, struct dns_opts *o)
{
    static const struct option opts[] = {{"zone", required_argument, NULL, 'z'},
                                         {"sut", required_argument, NULL, 's'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"log", required_argument, NULL, 'L'},
                                         {"tcp-idle", required_argument, NULL, 'i'},
                                         {"check", no_argument, NULL, 'c'},
                                         {"tcp-max", required_argument, NULL, 'm'},
                                         {"tcp-max-per-client", required_argument, NULL, 'M'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->zones = xcalloc((size_t)argc, sizeof(*o->zones));
    o->tcp_idle_ms = 10000;
    while ((c = getopt_long(argc, argv, "z:s:l:L:h", opts, NULL)) != -1) {
        switch (c) {
        case 'z':
            o->zones[o->nzones++] = optarg;
            break;
        case 's':
            o->sut = optarg;
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 'L':
            o->log = optarg;
            break;
        case 'i': {
            char *end;
            double sec;

            errno = 0;
            sec = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || sec <= 0 || sec > 86400) {
                fprintf(stderr,
                        "fedsim dns: --tcp-idle \"%s\": expected seconds (0 < s <= 86400)\n",
                        optarg);
                return -1;
            }
            o->tcp_idle_ms = (int)(sec * 1000);
            if (o->tcp_idle_ms < 1)
                o->tcp_idle_ms = 1;
            break;
        }
        case 'm':
        case 'M': {
            char *end;
            long n;

            errno = 0;
            n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || n < 1 || n > 100000) {
                fprintf(stderr, "fedsim dns: --%s \"%s\": expected a count (1 to 100000)\n",
                        c == 'm' ? "tcp-max" : "tcp-max-per-client", optarg);
                return -1;
            }
            if (c == 'm')
                o->tcp_max = (int)n;
            else
                o->tcp_max_client = (int)n;
            break;
        }
        case 'c':
            o->check = 1;
            break;
        case 'h':
            dns_usage(stdout);
            return 1;
        default:
            dns_usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fedsim dns: unexpected argument \"%s\" (zone files go after --zone)\n",
                argv[optind]);
        return -1;
    }
    if (o->nzones == 0 && o->sut == NULL) {
        fprintf(stderr, "fedsim dns: give at least one --zone FILE (or --sut FILE)\n");
        dns_usage(stderr);
        return -1;
    }
    return 0;
}

static int
dns_exec(int argc, char **argv)
{
    struct dns_opts o;
    struct dns_run run = {.opts = &o};
    struct dns_server_config cfg = {0};
    struct dns_server_stats st;
    struct net_addr addr;
    struct sut *sut = NULL;
    FILE *logfp = NULL;
    char err[512], buf[NET_ADDRSTRLEN];
    int rc = FEDSIM_EXIT_USAGE, r;

    r = parse_opts(argc, argv, &o);
    if (r != 0) {
        rc = r > 0 ? FEDSIM_EXIT_OK : FEDSIM_EXIT_USAGE;
        goto out;
    }
    run.zones = load_all(&o, &sut);
    if (run.zones == NULL)
        goto out;
    if (o.check) {
        print_summary(stdout, run.zones);
        rc = FEDSIM_EXIT_OK;
        goto out;
    }
    if (o.listen != NULL) {
        if (net_addr_parse(o.listen, &addr, err, sizeof(err)) != 0) {
            fprintf(stderr, "fedsim dns: --listen %s\n", err);
            goto out;
        }
    } else if (sut != NULL) {
        addr = sut->dns;
    } else {
        net_addr_from_host("127.0.0.1", 0, &addr);
    }
    if (o.log == NULL || strcmp(o.log, "-") == 0) {
        logfp = stdout;
    } else if ((logfp = fopen(o.log, "a")) == NULL) {
        fprintf(stderr, "fedsim dns: --log %s: %s\n", o.log, strerror(errno));
        goto out;
    }
    rc = FEDSIM_EXIT_INTERNAL;
    if (loop_init(err, sizeof(err)) != 0) {
        fprintf(stderr, "fedsim dns: %s\n", err);
        goto out;
    }
    cfg.tcp_idle_ms = o.tcp_idle_ms;
    cfg.tcp_max_conns = o.tcp_max;
    cfg.tcp_max_per_client = o.tcp_max_client;
    run.server = dns_server_new(loop_base(), &addr, &cfg, run.zones, err, sizeof(err));
    if (run.server == NULL) {
        fprintf(stderr, "fedsim dns: %s\n", err);
        goto out;
    }
    dns_server_set_log(run.server, logfp);
    loop_on_hup(on_hup, &run);
    printf("listening %s\n",
           net_addr_format((const struct sockaddr *)&dns_server_addr(run.server)->ss, buf,
                           sizeof(buf)));
    fflush(stdout);
    print_summary(stderr, run.zones);
    loop_run();
    dns_server_stats(run.server, &st);
    fprintf(stderr,
            "fedsim dns: stopped after %lu udp and %lu tcp queries (%lu tcp connections, %lu "
            "closed for room)\n",
            st.udp_queries, st.tcp_queries, st.tcp_conns, st.tcp_evicted);
    rc = FEDSIM_EXIT_OK;
out:
    dns_server_free(run.server);
    loop_free();
    dns_zoneset_free(run.zones);
    sut_free(sut);
    if (logfp != NULL && logfp != stdout)
        fclose(logfp);
    free(o.zones);
    log_flush();
    return rc;
}

const struct cmd cmd_dns = {
        .name = "dns",
        .synopsis = "--zone FILE... [--sut FILE] [--listen ADDR:PORT] [--log FILE]",
        .summary = "the DNS responder alone: serve zone fixtures over UDP and TCP",
        .exec = dns_exec,
        .usage = dns_usage,
};
