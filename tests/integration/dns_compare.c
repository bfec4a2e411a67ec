/* dns_compare.c: asks two DNS servers the same questions and compares their answers, for
 * tests/integration/dns_nsd.sh (fedsim against NSD). Each question goes over UDP without EDNS,
 * over UDP with EDNS (1232 bytes) and over TCP; the answers must agree on the header flags
 * (QR, opcode, AA, TC, RD, RA, AD, CD), the rcode (extended included), the question (exactly,
 * letter case included), the OPT record (present, version, size, DO), and the answer, authority
 * and additional sections. Within the answer section the RRsets must come in the same order
 * (a CNAME chain is read in order), their records in any order; authority and additional are
 * compared as sets. Names are compared case-insensitively (RFC 4343), TTLs exactly.
 *
 * usage: dns_compare QUESTIONS ADDR:PORT ADDR:PORT [KNOWN]
 *   QUESTIONS: lines "NAME TYPE [+rd] [+cd] [+do] [+bufsize=N] [+class=CLASS]" ('#' starts a
 *   comment): +rd, +cd set those flags, +do the DNSSEC OK bit and +bufsize the size of the
 *   EDNS transport's OPT record (default 1232), +class another class. KNOWN: lines "NAME TYPE
 * TRANSPORT reason...": differences that are expected (documented in docs/dns.md); each must occur,
 *   or it is reported as stale.
 * Prints one block per difference and a summary line; exit 0 when every difference is known
 * and every known one occurred, 1 otherwise, 2 on bad usage or a server that does not answer.
 * Plain sockets, ldns for the messages only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#define TIMEOUT_MS 2000
#define MAX_KNOWN  256

enum transport { T_UDP, T_EDNS, T_TCP, T_COUNT };
static const char *const tnames[T_COUNT] = {"udp", "udp-edns", "tcp"};

struct known {
    char name[256], type[32], transport[16];
    int seen;
};

static struct known known[MAX_KNOWN];
static int nknown;

static int
parse_addr(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    int port;

    memset(sa, 0, sizeof(*sa));
    if (sscanf(s, "%63[^:]:%d", host, &port) != 2 || port <= 0 || port > 65535)
        return -1;
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int
wait_fd(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, ms) > 0;
}

/* Reads exactly len bytes within the timeout; 0 or -1. */
static int
read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n;

        if (!wait_fd(fd, TIMEOUT_MS))
            return -1;
        n = read(fd, buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* One exchange; the decoded answer or NULL (with the reason in why). */
static ldns_pkt *
exchange(const struct sockaddr_in *to, enum transport t, const uint8_t *q, size_t qlen, char *why,
         size_t whylen)
{
    static uint8_t buf[65536 + 2];
    ldns_pkt *p = NULL;
    size_t len = 0;
    int fd = socket(AF_INET, t == T_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);

    if (fd < 0 || connect(fd, (const struct sockaddr *)to, sizeof(*to)) != 0) {
        snprintf(why, whylen, "connect: %s", strerror(errno));
        goto out;
    }
    if (t == T_TCP) {
        uint8_t hdr[2] = {(uint8_t)(qlen >> 8), (uint8_t)qlen};

        if (write(fd, hdr, 2) != 2 || write(fd, q, qlen) != (ssize_t)qlen ||
            read_full(fd, buf, 2) != 0) {
            snprintf(why, whylen, "no answer over TCP");
            goto out;
        }
        len = (size_t)buf[0] << 8 | buf[1];
        if (read_full(fd, buf, len) != 0) {
            snprintf(why, whylen, "TCP answer cut short");
            goto out;
        }
    } else {
        ssize_t n;

        if (send(fd, q, qlen, 0) != (ssize_t)qlen || !wait_fd(fd, TIMEOUT_MS) ||
            (n = recv(fd, buf, sizeof(buf), 0)) < 0) {
            snprintf(why, whylen, "no answer over UDP");
            goto out;
        }
        len = (size_t)n;
    }
    if (ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK) {
        snprintf(why, whylen, "an answer ldns cannot decode (%zu bytes)", len);
        p = NULL;
    }
out:
    if (fd >= 0)
        close(fd);
    return p;
}

/* The records of a list as sorted lines of canonical text (lower-cased names). */
static char **
rr_lines(const ldns_rr_list *l, size_t from, size_t to, int sort)
{
    char **out = calloc(to - from + 1, sizeof(char *));
    size_t i;

    for (i = from; i < to; i++) {
        ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(l, i));

        ldns_rr2canonical(rr);
        out[i - from] = ldns_rr2str(rr);
        out[i - from][strcspn(out[i - from], "\n")] = '\0';
        ldns_rr_free(rr);
    }
    if (sort) {
        size_t a, b;

        for (a = 0; a + 1 < to - from; a++)
            for (b = a + 1; b < to - from; b++)
                if (strcmp(out[a], out[b]) > 0) {
                    char *x = out[a];

                    out[a] = out[b];
                    out[b] = x;
                }
    }
    return out;
}

static void
free_lines(char **l)
{
    size_t i;

    for (i = 0; l[i] != NULL; i++)
        free(l[i]);
    free(l);
}

/* Appends to the report. */
static void say(char *rep, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
say(char *rep, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(rep);
    va_list ap;

    if (n + 1 >= cap)
        return;
    va_start(ap, fmt);
    vsnprintf(rep + n, cap - n, fmt, ap);
    va_end(ap);
}

/* A section as one string: in order of RRsets (records sorted inside each), or all sorted. */
static char *
section_text(const ldns_rr_list *l, int by_rrset)
{
    size_t n = ldns_rr_list_rr_count(l), i = 0, cap = 256, len = 0;
    char *s = calloc(1, cap);

    while (i < n) {
        size_t j = i + 1, k;
        char **lines;

        if (by_rrset) {
            const ldns_rr *a = ldns_rr_list_rr(l, i);

            while (j < n && ldns_rr_get_type(ldns_rr_list_rr(l, j)) == ldns_rr_get_type(a) &&
                   ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(l, j)), ldns_rr_owner(a)) == 0)
                j++;
        } else {
            j = n;
        }
        lines = rr_lines(l, i, j, 1);
        for (k = 0; lines[k] != NULL; k++) {
            size_t need = strlen(lines[k]) + 8;

            if (len + need >= cap) {
                cap = (len + need) * 2;
                s = realloc(s, cap);
            }
            len += (size_t)sprintf(s + len, "    %s\n", lines[k]);
        }
        free_lines(lines);
        if (by_rrset && j < n) {
            if (len + 8 >= cap) {
                cap = cap * 2 + 8;
                s = realloc(s, cap);
            }
            len += (size_t)sprintf(s + len, "    --\n");
        }
        i = j;
    }
    return s;
}

static void
compare_section(const char *name, const ldns_rr_list *a, const ldns_rr_list *b, int by_rrset,
                char *rep, size_t cap)
{
    char *ta = section_text(a, by_rrset), *tb = section_text(b, by_rrset);

    if (strcmp(ta, tb) != 0)
        say(rep, cap, "  %s section differs:\n  A:\n%s  B:\n%s", name, ta, tb);
    free(ta);
    free(tb);
}

static void
compare(const ldns_pkt *a, const ldns_pkt *b, const uint8_t *q, size_t qlen, char *rep, size_t cap)
{
    ldns_pkt *query = NULL;
    char *qa, *qb;
    static const struct {
        const char *name;
        bool (*get)(const ldns_pkt *);
    } flags[] = {{"QR", ldns_pkt_qr}, {"AA", ldns_pkt_aa}, {"TC", ldns_pkt_tc}, {"RD", ldns_pkt_rd},
                 {"RA", ldns_pkt_ra}, {"AD", ldns_pkt_ad}, {"CD", ldns_pkt_cd}};
    size_t i;
    int ra = ldns_pkt_get_rcode(a) | ldns_pkt_edns_extended_rcode(a) << 4,
        rb = ldns_pkt_get_rcode(b) | ldns_pkt_edns_extended_rcode(b) << 4;

    if (ldns_pkt_id(a) != ldns_pkt_id(b))
        say(rep, cap, "  id %u vs %u\n", ldns_pkt_id(a), ldns_pkt_id(b));
    if (ldns_pkt_get_opcode(a) != ldns_pkt_get_opcode(b))
        say(rep, cap, "  opcode %d vs %d\n", ldns_pkt_get_opcode(a), ldns_pkt_get_opcode(b));
    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (flags[i].get(a) != flags[i].get(b))
            say(rep, cap, "  %s %d vs %d\n", flags[i].name, flags[i].get(a), flags[i].get(b));
    if (ra != rb)
        say(rep, cap, "  rcode %d vs %d\n", ra, rb);
    if (ldns_pkt_edns(a) != ldns_pkt_edns(b))
        say(rep, cap, "  OPT record %s vs %s\n", ldns_pkt_edns(a) ? "present" : "absent",
            ldns_pkt_edns(b) ? "present" : "absent");
    else if (ldns_pkt_edns(a) && (ldns_pkt_edns_version(a) != ldns_pkt_edns_version(b) ||
                                  ldns_pkt_edns_udp_size(a) != ldns_pkt_edns_udp_size(b) ||
                                  ldns_pkt_edns_do(a) != ldns_pkt_edns_do(b)))
        say(rep, cap, "  OPT version %u size %u DO %d vs version %u size %u DO %d\n",
            ldns_pkt_edns_version(a), ldns_pkt_edns_udp_size(a), ldns_pkt_edns_do(a),
            ldns_pkt_edns_version(b), ldns_pkt_edns_udp_size(b), ldns_pkt_edns_do(b));
    /* The question, exactly as asked (names echoed with their letter case). */
    qa = ldns_rr_list2str(ldns_pkt_question(a));
    qb = ldns_rr_list2str(ldns_pkt_question(b));
    if (strcmp(qa, qb) != 0)
        say(rep, cap, "  question differs:\n  A: %s  B: %s", qa, qb);
    if (ldns_wire2pkt(&query, q, qlen) == LDNS_STATUS_OK) {
        char *qq = ldns_rr_list2str(ldns_pkt_question(query));

        if (strcmp(qa, qq) != 0)
            say(rep, cap, "  A's question is not the one asked: %s", qa);
        free(qq);
        ldns_pkt_free(query);
    }
    free(qa);
    free(qb);
    compare_section("answer", ldns_pkt_answer(a), ldns_pkt_answer(b), 1, rep, cap);
    compare_section("authority", ldns_pkt_authority(a), ldns_pkt_authority(b), 0, rep, cap);
    compare_section("additional", ldns_pkt_additional(a), ldns_pkt_additional(b), 0, rep, cap);
}

static void
load_known(const char *path)
{
    FILE *fp = fopen(path, "r");
    char line[1024];

    if (fp == NULL) {
        fprintf(stderr, "dns_compare: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while (fgets(line, sizeof(line), fp) != NULL && nknown < MAX_KNOWN) {
        struct known *k = &known[nknown];

        if (line[0] == '#' || sscanf(line, "%255s %31s %15s", k->name, k->type, k->transport) != 3)
            continue;
        nknown++;
    }
    fclose(fp);
}

static struct known *
find_known(const char *name, const char *type, enum transport t)
{
    int i;

    for (i = 0; i < nknown; i++)
        if (strcmp(known[i].name, name) == 0 && strcasecmp(known[i].type, type) == 0 &&
            (strcmp(known[i].transport, tnames[t]) == 0 || strcmp(known[i].transport, "*") == 0))
            return &known[i];
    return NULL;
}

int
main(int argc, char **argv)
{
    struct sockaddr_in sa, sb;
    FILE *fp;
    char line[1024];
    int questions = 0, exchanges = 0, differ = 0, unknown = 0, stale = 0, lineno = 0, i;
    unsigned id = 0x1000;

    if (argc < 4 || argc > 5 || parse_addr(argv[2], &sa) != 0 || parse_addr(argv[3], &sb) != 0) {
        fprintf(stderr, "usage: dns_compare QUESTIONS ADDR:PORT ADDR:PORT [KNOWN]\n");
        return 2;
    }
    if (argc == 5)
        load_known(argv[4]);
    if ((fp = fopen(argv[1], "r")) == NULL) {
        fprintf(stderr, "dns_compare: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof(line), fp) != NULL) {
        char name[256], type[32], opt[64];
        ldns_rr_type rrtype;
        ldns_rr_class rrclass = LDNS_RR_CLASS_IN;
        uint16_t qflags = 0, bufsize = 1232;
        int dobit = 0, used = 0, off = 0;
        enum transport t;

        lineno++;
        if (line[strspn(line, " \t")] == '#' || sscanf(line, "%255s %31s", name, type) != 2)
            continue;
        rrtype = ldns_get_rr_type_by_name(type);
        if (rrtype == 0) {
            fprintf(stderr, "%s:%d: unknown type %s\n", argv[1], lineno, type);
            return 2;
        }
        sscanf(line, "%*s %*s%n", &off);
        while (sscanf(line + off, "%63s%n", opt, &used) == 1) {
            off += used;
            if (strcmp(opt, "+rd") == 0)
                qflags |= LDNS_RD;
            else if (strcmp(opt, "+cd") == 0)
                qflags |= LDNS_CD;
            else if (strcmp(opt, "+do") == 0)
                dobit = 1;
            else if (strncmp(opt, "+bufsize=", 9) == 0 && atoi(opt + 9) > 0)
                bufsize = (uint16_t)atoi(opt + 9);
            else if (strncmp(opt, "+class=", 7) == 0 &&
                     (rrclass = ldns_get_rr_class_by_name(opt + 7)) != 0)
                ;
            else {
                fprintf(stderr, "%s:%d: unknown option %s\n", argv[1], lineno, opt);
                return 2;
            }
        }
        questions++;
        for (t = 0; t < T_COUNT; t++) {
            ldns_pkt *query = NULL, *a, *b;
            uint8_t *wire = NULL;
            size_t wlen = 0;
            char why[128] = "", rep[32768] = "";
            struct known *k;

            if (ldns_pkt_query_new_frm_str(&query, name, rrtype, rrclass, qflags) !=
                LDNS_STATUS_OK) {
                fprintf(stderr, "%s:%d: bad name %s\n", argv[1], lineno, name);
                return 2;
            }
            ldns_pkt_set_id(query, (uint16_t)id++);
            if (t == T_EDNS) {
                ldns_pkt_set_edns_udp_size(query, bufsize);
                ldns_pkt_set_edns_do(query, dobit);
            }
            if (ldns_pkt2wire(&wire, query, &wlen) != LDNS_STATUS_OK) {
                fprintf(stderr, "%s:%d: cannot encode the query\n", argv[1], lineno);
                return 2;
            }
            ldns_pkt_free(query);
            exchanges++;
            a = exchange(&sa, t, wire, wlen, why, sizeof(why));
            if (a == NULL) {
                fprintf(stderr, "%s:%d: %s %s over %s: server A (%s): %s\n", argv[1], lineno, name,
                        type, tnames[t], argv[2], why);
                return 2;
            }
            b = exchange(&sb, t, wire, wlen, why, sizeof(why));
            if (b == NULL) {
                fprintf(stderr, "%s:%d: %s %s over %s: server B (%s): %s\n", argv[1], lineno, name,
                        type, tnames[t], argv[3], why);
                return 2;
            }
            compare(a, b, wire, wlen, rep, sizeof(rep));
            if (rep[0] != '\0') {
                differ++;
                k = find_known(name, type, t);
                if (k != NULL)
                    k->seen = 1;
                else
                    unknown++;
                printf("%s:%d: %s %s over %s: %s\n%s", argv[1], lineno, name, type, tnames[t],
                       k != NULL ? "differs as known" : "DIFFERS", rep);
            }
            ldns_pkt_free(a);
            ldns_pkt_free(b);
            free(wire);
        }
    }
    fclose(fp);
    for (i = 0; i < nknown; i++)
        if (!known[i].seen) {
            stale++;
            printf("known difference that did not occur: %s %s %s\n", known[i].name, known[i].type,
                   known[i].transport);
        }
    printf("%d questions compared over %d transports (%d exchanges): %d agree, %d differ (%d "
           "known, %d not), %d known differences did not occur\n",
           questions, T_COUNT, exchanges, exchanges - differ, differ, differ - unknown, unknown,
           stale);
    return unknown == 0 && stale == 0 ? 0 : 1;
}
