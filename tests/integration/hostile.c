/* hostile.c: a hostile client against fedsim's own listeners (tests/integration/hostile.sh).
 * Each attack prints one line, "ATTACK: VERDICT (evidence)", and exits 0 when fedsim answered
 * as it must (a stream error with the expected condition, a close, an answer), 1 when not.
 *
 * usage: hostile ATTACK ADDR:PORT [ARG]
 *   s2s (a peer's listener): laughs, xxe, big, deep, utf8, nul, tlsbytes, starttls-garbage,
 *       slow, halfopen, many N
 *   s2s, against the listeners' limits: idle N (N idle connections held, then a fresh stream
 *       must be answered within 2 s)
 *   dns (fedsim's DNS): dnsflood N, dnsbad, dnstcp, dnsidle N (N idle TCP connections, some
 *       with garbage or lying length prefixes, then a UDP and a TCP query answered in 2 s)
 *   c2s-server ADDR:PORT MODE: a hostile c2s server for fedsim's client (see serve_c2s)
 * Plain sockets only: it must not share fedsim's code paths it attacks. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER                                                                                    \
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "                                  \
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "          \
    "from='hostile.test' to='%s' version='1.0'>"

static struct sockaddr_in target;
static const char *domain = "gmail.test";

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(int type)
{
    int fd = socket(AF_INET, type, 0);

    if (fd < 0 || connect(fd, (struct sockaddr *)&target, sizeof(target)) != 0) {
        perror("hostile: connect");
        exit(2);
    }
    return fd;
}

/* Writes all of buf; 0, or -1 once the other side has closed (EPIPE, ECONNRESET). */
static int
put(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int
put_header(int fd)
{
    char h[512];

    snprintf(h, sizeof(h), HEADER, domain);
    return put(fd, h, strlen(h));
}

/* Reads into buf (kept NUL-terminated) until `until` appears, the connection closes, or
 * `secs` pass. Returns 1 if closed, 0 otherwise. */
static int
collect(int fd, char *buf, size_t cap, size_t *len, const char *until, double secs)
{
    double end = now() + secs;

    while (now() < end) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (until != NULL && strstr(buf, until) != NULL)
            return 0;
        if (poll(&pfd, 1, (int)((end - now()) * 1000) + 1) <= 0)
            continue;
        n = read(fd, buf + *len, cap - 1 - *len);
        if (n <= 0)
            return 1;
        *len += (size_t)n;
        buf[*len] = '\0';
        if (*len >= cap - 1) /* keep the tail: what matters is at the end */
            *len = 0;
    }
    return 0;
}

/* The condition of a stream error in buf ("" if none). */
static const char *
condition(const char *buf, char *out, size_t cap)
{
    const char *e = strstr(buf, "stream:error>"), *c;

    out[0] = '\0';
    if (e != NULL && (c = strchr(e, '<')) != NULL && c[1] != '/')
        snprintf(out, cap, "%.*s", (int)strcspn(c + 1, " />"), c + 1);
    return out;
}

/* Sends what, then expects a stream error with condition `want` and the close. */
static int
expect_error(const char *attack, const char *what, size_t len, const char *want, double secs)
{
    static char buf[1 << 16];
    size_t got = 0;
    int fd = dial(SOCK_STREAM), closed;
    double t0 = now();
    char cond[64];

    buf[0] = '\0';
    put(fd, what, len);
    closed = collect(fd, buf, sizeof(buf), &got, "</stream:stream>", secs);
    if (!closed)
        closed = collect(fd, buf, sizeof(buf), &got, NULL, 1.0);
    condition(buf, cond, sizeof(cond));
    printf("%s: <%s/> %s after %.2f s\n", attack, cond[0] ? cond : "no stream error",
           closed ? "and closed" : "but still open", now() - t0);
    close(fd);
    return strcmp(cond, want) == 0 && closed ? 0 : 1;
}

/* A stream header and then `body`, or n copies of it. */
static char *
stream_with(const char *body, size_t n, size_t *len)
{
    char h[512];
    size_t hl, bl = strlen(body), i;
    char *out;

    snprintf(h, sizeof(h), HEADER, domain);
    hl = strlen(h);
    out = malloc(hl + bl * n + 1);
    memcpy(out, h, hl);
    for (i = 0; i < n; i++)
        memcpy(out + hl + i * bl, body, bl);
    *len = hl + bl * n;
    out[*len] = '\0';
    return out;
}

static int
attack_s2s_simple(const char *attack)
{
    char *msg = NULL, tls[517];
    size_t len = 0;
    int rc;

    if (strcmp(attack, "laughs") == 0) {
        static const char laughs[] =
                "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
                "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
                "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
                "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>"
                "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>"
                "<!ENTITY lol9 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>]>"
                "<stream:stream xmlns='jabber:server' "
                "xmlns:stream='http://etherx.jabber.org/streams' to='gmail.test'>&lol9;";

        return expect_error(attack, laughs, sizeof(laughs) - 1, "restricted-xml", 5);
    }
    if (strcmp(attack, "xxe") == 0) {
        static const char xxe[] =
                "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                "<stream:stream xmlns='jabber:server' "
                "xmlns:stream='http://etherx.jabber.org/streams' to='gmail.test'>&x;";

        return expect_error(attack, xxe, sizeof(xxe) - 1, "restricted-xml", 5);
    }
    if (strcmp(attack, "deep") == 0) {
        msg = stream_with("<a>", 100000, &len);
        rc = expect_error(attack, msg, len, "policy-violation", 5);
    } else if (strcmp(attack, "utf8") == 0) {
        msg = stream_with("<message><body>\xff\xfe\xc3</body></message>", 1, &len);
        rc = expect_error(attack, msg, len, "not-well-formed", 5);
    } else if (strcmp(attack, "nul") == 0) {
        msg = stream_with("<message><body>a", 1, &len);
        msg = realloc(msg, len + 32);
        memcpy(msg + len, "\0b</body></message>", 19);
        rc = expect_error(attack, msg, len + 19, "not-well-formed", 5);
    } else if (strcmp(attack, "tlsbytes") == 0) {
        /* a TLS ClientHello's first bytes where a stream header belongs */
        memcpy(tls, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
        for (len = 11; len < sizeof(tls); len++)
            tls[len] = (char)(rand() & 0xff);
        return expect_error(attack, tls, sizeof(tls), "not-well-formed", 5);
    } else {
        return -1;
    }
    free(msg);
    return rc;
}

/* A 10 MB stanza: the peer must cut it (policy-violation) long before the end. */
static int
attack_big(void)
{
    static char buf[1 << 16], chunk[1 << 16];
    size_t got = 0, sent = 0;
    int fd = dial(SOCK_STREAM), closed = 0;
    double t0 = now();
    char cond[64];

    buf[0] = '\0';
    memset(chunk, 'a', sizeof(chunk));
    put_header(fd);
    {
        static const char open[] = "<message from='x@hostile.test' to='jdoe1@gmail.test'><body>";

        put(fd, open, sizeof(open) - 1);
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (sent < 10u * 1024 * 1024 && !closed) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
        ssize_t n;

        if (poll(&pfd, 1, 5000) <= 0)
            break;
        if (pfd.revents & POLLIN) {
            n = read(fd, buf + got, sizeof(buf) - 1 - got);
            if (n <= 0)
                closed = 1;
            else
                buf[got += (size_t)n] = '\0';
        }
        if (!closed && (pfd.revents & POLLOUT)) {
            n = write(fd, chunk, sizeof(chunk));
            if (n < 0 && errno != EAGAIN)
                closed = 1;
            else if (n > 0)
                sent += (size_t)n;
        }
    }
    fcntl(fd, F_SETFL, 0);
    if (!closed)
        closed = collect(fd, buf, sizeof(buf), &got, NULL, 5);
    condition(buf, cond, sizeof(cond));
    printf("big: <%s/> %s after %zu bytes of the stanza sent, %.2f s\n",
           cond[0] ? cond : "no stream error", closed ? "and closed" : "but still open", sent,
           now() - t0);
    close(fd);
    return strcmp(cond, "policy-violation") == 0 && closed && sent < 10u * 1024 * 1024 ? 0 : 1;
}

/* STARTTLS accepted, then bytes that are not TLS: the connection must end. */
static int
attack_starttls_garbage(void)
{
    static char buf[1 << 16];
    size_t got = 0;
    int fd = dial(SOCK_STREAM), closed;
    double t0 = now();
    char junk[1024];

    buf[0] = '\0';
    put_header(fd);
    collect(fd, buf, sizeof(buf), &got, "</stream:features>", 5);
    if (strstr(buf, "<starttls") == NULL) {
        printf("starttls-garbage: no STARTTLS offered\n");
        return 1;
    }
    put(fd, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 51);
    collect(fd, buf, sizeof(buf), &got, "<proceed", 5);
    memset(junk, 'G', sizeof(junk));
    put(fd, junk, sizeof(junk));
    closed = collect(fd, buf, sizeof(buf), &got, NULL, 10);
    printf("starttls-garbage: %s, %s after %.2f s\n",
           strstr(buf, "<proceed") != NULL ? "proceed" : "no proceed",
           closed ? "closed" : "still open", now() - t0);
    close(fd);
    return closed && strstr(buf, "<proceed") != NULL ? 0 : 1;
}

/* A header at one byte per second; or nothing at all (half-open). */
static int
attack_slow(int halfopen)
{
    static char buf[1 << 16];
    char h[512];
    size_t got = 0, i = 0;
    int fd = dial(SOCK_STREAM), closed = 0;
    double t0 = now();
    char cond[64];

    buf[0] = '\0';
    snprintf(h, sizeof(h), HEADER, domain);
    while (!closed && now() - t0 < 40) {
        if (!halfopen && i < strlen(h) && put(fd, h + i++, 1) != 0)
            closed = 1;
        closed = closed || collect(fd, buf, sizeof(buf), &got, NULL, 1.0);
    }
    condition(buf, cond, sizeof(cond));
    printf("%s: %s after %.1f s (%zu header bytes sent)%s%s\n", halfopen ? "halfopen" : "slow",
           closed ? "closed" : "still open", now() - t0, i, cond[0] ? ", stream error " : "",
           cond);
    close(fd);
    return closed && (halfopen || strcmp(cond, "connection-timeout") == 0) ? 0 : 1;
}

/* n connections at once, each opening a stream: every one must get the answering header. */
static int
attack_many(int n)
{
    int *fds = calloc((size_t)n, sizeof(int)), i, ok = 0;
    char **bufs = calloc((size_t)n, sizeof(char *));
    size_t *got = calloc((size_t)n, sizeof(size_t));
    double t0 = now();

    for (i = 0; i < n; i++) {
        fds[i] = dial(SOCK_STREAM);
        bufs[i] = calloc(1, 4096);
        put_header(fds[i]);
    }
    for (i = 0; i < n; i++) { /* 10 s for the answers once all are connected */
        if (i == 0)
            t0 = now();
        collect(fds[i], bufs[i], 4096, &got[i], " id=", 10 - (now() - t0));
        ok += strstr(bufs[i], "<stream:stream") != NULL && strstr(bufs[i], " id=") != NULL;
    }
    printf("many: %d of %d simultaneous streams answered (%.2f s after the last connect)\n", ok,
           n, now() - t0);
    for (i = 0; i < n; i++) {
        close(fds[i]);
        free(bufs[i]);
    }
    free(fds);
    free(bufs);
    free(got);
    return ok == n ? 0 : 1;
}

/* A DNS query for name (type SRV), id as given, into q; its length. */
static size_t
dns_query(unsigned char *q, unsigned id, const char *name)
{
    size_t len = 12;
    const char *p = name;

    memset(q, 0, 12);
    q[0] = (unsigned char)(id >> 8);
    q[1] = (unsigned char)id;
    q[2] = 0x01; /* RD */
    q[5] = 1;    /* QDCOUNT */
    while (*p != '\0') {
        size_t l = strcspn(p, ".");

        q[len++] = (unsigned char)l;
        memcpy(q + len, p, l);
        len += l;
        p += l + (p[l] == '.');
    }
    q[len++] = 0;
    q[len++] = 0;
    q[len++] = 33; /* SRV */
    q[len++] = 0;
    q[len++] = 1; /* IN */
    return len;
}

/* One UDP exchange: the rcode of the first answer with the query's id (the first two bytes; a
 * late answer to an earlier query is skipped), or -1 if none within ms. A query shorter than
 * an id takes any answer. */
static int
udp_ask(int fd, const unsigned char *q, size_t len, int ms)
{
    unsigned char a[4096];
    double deadline = now() + ms / 1000.0;

    send(fd, q, len, 0);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int left = (int)((deadline - now()) * 1000);
        ssize_t got;

        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return -1;
        got = recv(fd, a, sizeof(a), 0);
        if (got >= 4 && (len < 2 || (a[0] == q[0] && a[1] == q[1])))
            return a[3] & 0x0f;
    }
}

static int
attack_dnsflood(int n)
{
    int fd = dial(SOCK_DGRAM), sent = 0, answered = 0, window = 64;
    unsigned char q[512], a[4096];
    double t0 = now();

    while (answered < n && now() - t0 < 30) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        while (sent < n && sent - answered < window) {
            size_t len = dns_query(q, (unsigned)sent, "_xmpp-server._tcp.gmail.test");

            send(fd, q, len, 0);
            sent++;
        }
        if (poll(&pfd, 1, 200) <= 0) {
            answered = sent; /* count the lost ones as done, and go on */
            continue;
        }
        while (recv(fd, a, sizeof(a), MSG_DONTWAIT) > 0)
            answered++;
    }
    {
        size_t len = dns_query(q, 7, "_xmpp-server._tcp.gmail.test");
        int rc = udp_ask(fd, q, len, 2000);

        printf("dnsflood: %d queries in %.2f s (%.0f qps); a query after it: rcode %d\n", n,
               now() - t0, n / (now() - t0), rc);
        close(fd);
        return rc == 0 ? 0 : 1;
    }
}

static int
attack_dnsbad(void)
{
    static const unsigned char loop[] = {/* header: id 1, QDCOUNT 1 */
                                         0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                         /* name: a pointer to itself (offset 12) */
                                         0xc0, 12, 0, 33, 0, 1};
    static const unsigned char overrun[] = {0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 'a', 'b'};
    static const unsigned char many[] = {0, 3, 1, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0, 1};
    static const unsigned char noquestion[] = {0, 4, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    static const unsigned char tiny[] = {0};
    static const struct {
        const char *name;
        const unsigned char *p;
        size_t len;
    } bad[] = {
            {"compression-pointer loop", loop, sizeof(loop)},
            {"label past the end", overrun, sizeof(overrun)},
            {"65535 questions", many, sizeof(many)},
            {"no question", noquestion, sizeof(noquestion)},
            {"1 byte", tiny, sizeof(tiny)},
    };
    int fd = dial(SOCK_DGRAM), rc;
    unsigned char q[512];
    size_t i, len;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rc = udp_ask(fd, bad[i].p, bad[i].len, 300);
        printf("dnsbad: %s: %s%d\n", bad[i].name, rc < 0 ? "no answer " : "rcode ", rc);
    }
    len = dns_query(q, 9, "_xmpp-server._tcp.gmail.test");
    rc = udp_ask(fd, q, len, 2000);
    printf("dnsbad: a good query after them: rcode %d\n", rc);
    close(fd);
    return rc == 0 ? 0 : 1;
}

/* TCP: a length that never comes, then a pointer loop, then a good query on a new connection. */
static int
attack_dnstcp(void)
{
    unsigned char q[514], a[4096];
    int fd = dial(SOCK_STREAM), closed, good;
    double t0 = now();
    size_t len, got = 0;
    char buf[64] = "";

    put(fd, "\xff\xff" "0123456789", 12);
    closed = collect(fd, buf, sizeof(buf), &got, NULL, 20);
    printf("dnstcp: a 65535-byte length with 10 bytes behind it: %s after %.1f s\n",
           closed ? "closed" : "still open", now() - t0);
    close(fd);
    fd = dial(SOCK_STREAM);
    len = dns_query(q + 2, 5, "_xmpp-server._tcp.gmail.test");
    q[0] = (unsigned char)(len >> 8);
    q[1] = (unsigned char)len;
    put(fd, q, len + 2);
    {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        good = poll(&pfd, 1, 2000) > 0 && read(fd, a, sizeof(a)) > 6 && (a[5] & 0x0f) == 0;
    }
    printf("dnstcp: a good query afterwards: %s\n", good ? "answered" : "NOT answered");
    close(fd);
    return closed && good ? 0 : 1;
}

/* Starts n TCP connections without waiting for them (the kernel completes them, retrying the
 * SYNs a full accept queue drops) and keeps them; their fds. */
static int *
hold(int n)
{
    int *fds = calloc((size_t)n, sizeof(int)), i;

    for (i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0) {
            perror("hostile: socket");
            exit(2);
        }
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
        if (connect(fds[i], (struct sockaddr *)&target, sizeof(target)) != 0 &&
            errno != EINPROGRESS) {
            perror("hostile: connect");
            exit(2);
        }
    }
    return fds;
}

/* Waits (5 s at most) until the held connections are made; how many are. */
static int
wait_held(const int *fds, int n)
{
    double end = now() + 5;
    int i, up = 0;

    for (i = 0; i < n; i++) {
        struct pollfd pfd = {.fd = fds[i], .events = POLLOUT};
        double left = end - now();

        up += poll(&pfd, 1, left > 0 ? (int)(left * 1000) : 0) > 0 && !(pfd.revents & POLLERR);
    }
    return up;
}

/* A connection made within `secs` (non-blocking connect, then blocking again), or -1. */
static int
dial_within(double secs)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), e = 0;
    socklen_t elen = sizeof(e);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};

    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&target, sizeof(target)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    if (poll(&pfd, 1, (int)(secs * 1000)) <= 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0 || e != 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, 0);
    return fd;
}

/* How many of the held connections the other side has closed (EOF or reset), without
 * waiting. */
static int
closed_count(const int *fds, int n)
{
    int i, closed = 0;

    for (i = 0; i < n; i++) {
        struct pollfd pfd = {.fd = fds[i], .events = POLLIN};
        char b[512];

        if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
            read(fds[i], b, sizeof(b)) <= 0)
            closed++;
    }
    return closed;
}

static void
release(int *fds, int n)
{
    int i;

    for (i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
}

/* A fresh stream on a peer listener: the answering stream header within 2 s? Its delay. */
static double
fresh_stream(void)
{
    static char buf[4096];
    size_t got = 0;
    double t0 = now();
    int fd = dial_within(2.0), ok;

    if (fd < 0)
        return -1;
    buf[0] = '\0';
    put_header(fd);
    collect(fd, buf, sizeof(buf), &got, " id=", 2.0 - (now() - t0));
    ok = strstr(buf, "<stream:stream") != NULL && strstr(buf, " id=") != NULL;
    close(fd);
    return ok ? now() - t0 : -1;
}

/* n idle connections held on a peer listener, then a fresh stream must be answered. */
static int
attack_idle(int n)
{
    int *fds = hold(n), up = wait_held(fds, n);
    double t;

    t = fresh_stream();
    if (t < 0)
        printf("idle: %d idle connections held (%d made): a fresh stream was NOT answered within "
               "2 s\n",
               n, up);
    else
        printf("idle: %d idle connections held (%d made): a fresh stream answered in %.3f s (%d "
               "of the idle ones closed by then)\n",
               n, up, t, closed_count(fds, n));
    release(fds, n);
    return t >= 0 && t <= 2.0 ? 0 : 1;
}

/* One TCP query on a new connection: its delay, or -1 if not answered within 2 s. */
static double
dns_tcp_query(unsigned id)
{
    unsigned char q[514], a[4096];
    double t0 = now();
    int fd = dial_within(2.0), good;
    size_t len = dns_query(q + 2, id, "_xmpp-server._tcp.gmail.test");
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    if (fd < 0)
        return -1;
    q[0] = (unsigned char)(len >> 8);
    q[1] = (unsigned char)len;
    put(fd, q, len + 2);
    good = poll(&pfd, 1, (int)((2.0 - (now() - t0)) * 1000)) > 0 && read(fd, a, sizeof(a)) > 6 &&
           (a[5] & 0x0f) == 0;
    close(fd);
    return good ? now() - t0 : -1;
}

/* n idle TCP connections to fedsim's DNS, a few of them sending garbage or lengths that lie,
 * then a UDP and a TCP query must be answered within 2 s. */
static int
attack_dnsidle(int n)
{
    static const struct {
        const char *what;
        const char *bytes;
        size_t len;
    } lies[] = {
            {"a 32-byte length with 5 bytes behind it",
             "\x00\x20"
             "abcde",
             7},
            {"a 65535-byte length with 10 bytes",
             "\xff\xff"
             "0123456789",
             12},
            {"a 2-byte message of garbage", "\x00\x02\xde\xad", 4},
            {"garbage without framing", "GET / HTTP/1.0\r\n\r\n", 18},
            {"a zero length", "\x00\x00", 2},
    };
    int *fds = hold(n), up = wait_held(fds, n), udp, closed, lie[8];
    size_t k;
    double t_udp, t_tcp, t0;
    unsigned char q[512];

    /* Then new connections that send garbage or lengths that lie, and stay. */
    for (k = 0; k < sizeof(lies) / sizeof(lies[0]); k++) {
        lie[k] = dial_within(2.0);
        if (lie[k] >= 0)
            put(lie[k], lies[k].bytes, lies[k].len);
    }
    t0 = now();
    udp = dial(SOCK_DGRAM);
    {
        size_t len = dns_query(q, 11, "_xmpp-server._tcp.gmail.test");
        int rc = udp_ask(udp, q, len, 2000);

        t_udp = rc == 0 ? now() - t0 : -1;
    }
    close(udp);
    t_tcp = dns_tcp_query(12);
    closed = closed_count(fds, n);
    printf("dnsidle: %d idle TCP connections held (%d made), then %zu sending garbage or lying "
           "lengths: a UDP query %s in %.3f s, a TCP query %s in %.3f s; %d of the idle ones "
           "closed by fedsim\n",
           n, up, k, t_udp >= 0 ? "answered" : "NOT answered", t_udp >= 0 ? t_udp : 2.0,
           t_tcp >= 0 ? "answered" : "NOT answered", t_tcp >= 0 ? t_tcp : 2.0, closed);
    for (k = 0; k < sizeof(lies) / sizeof(lies[0]); k++)
        if (lie[k] >= 0)
            close(lie[k]);
    release(fds, n);
    return t_udp >= 0 && t_udp <= 2.0 && t_tcp >= 0 && t_tcp <= 2.0 ? 0 : 1;
}

/* A hostile c2s server for fedsim's client: accepts connections one after another and answers
 * each client's stream header with `mode`: laughs, big, deep, utf8, slow, silent; ise and
 * hostunknown: a stream error (internal-server-error, host-unknown) right after the header. */
static int
serve_c2s(const char *mode)
{
    int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(lfd, (struct sockaddr *)&target, sizeof(target)) != 0 || listen(lfd, 16) != 0) {
        perror("hostile: listen");
        return 2;
    }
    printf("listening\n");
    for (;;) {
        static char buf[1 << 16], chunk[1 << 16];
        int fd = accept(lfd, NULL, NULL);
        size_t got = 0, i;
        static const char header[] =
                "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                "xmlns:stream='http://etherx.jabber.org/streams' from='sut.test' id='h1' "
                "version='1.0'>";

        if (fd < 0)
            continue;
        buf[0] = '\0';
        collect(fd, buf, sizeof(buf), &got, ">", 5);
        if (strcmp(mode, "laughs") == 0) {
            static const char laughs[] =
                    "<?xml version='1.0'?><!DOCTYPE l [<!ENTITY a 'aaaaaaaaaa'>"
                    "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
                    "<stream:stream xmlns='jabber:client' "
                    "xmlns:stream='http://etherx.jabber.org/streams' id='h1' version='1.0'>&b;";

            put(fd, laughs, sizeof(laughs) - 1);
        } else if (strcmp(mode, "big") == 0) {
            put(fd, header, sizeof(header) - 1);
            put(fd, "<stream:features><x>", 20);
            memset(chunk, 'a', sizeof(chunk));
            for (i = 0; i < 160 && put(fd, chunk, sizeof(chunk)) == 0; i++)
                ;
        } else if (strcmp(mode, "deep") == 0) {
            put(fd, header, sizeof(header) - 1);
            for (i = 0; i < 100000 && put(fd, "<a>", 3) == 0; i++)
                ;
        } else if (strcmp(mode, "utf8") == 0) {
            put(fd, header, sizeof(header) - 1);
            static const char bad[] = "<stream:features>\xff\xfe</stream:features>";

            put(fd, bad, sizeof(bad) - 1);
        } else if (strcmp(mode, "ise") == 0 || strcmp(mode, "hostunknown") == 0) {
            char err[256];
            int len = snprintf(err, sizeof(err),
                               "<stream:error><%s xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                               "</stream:error></stream:stream>",
                               strcmp(mode, "ise") == 0 ? "internal-server-error" : "host-unknown");

            put(fd, header, sizeof(header) - 1);
            put(fd, err, (size_t)len);
        } else if (strcmp(mode, "slow") == 0) {
            for (i = 0; i < sizeof(header) - 1 && put(fd, header + i, 1) == 0; i++)
                sleep(1);
        } /* silent: nothing */
        got = 0;
        collect(fd, buf, sizeof(buf), &got, NULL, 30);
        close(fd);
    }
}

int
main(int argc, char **argv)
{
    struct rlimit rl;
    char host[64];
    int port, rc;

    if (argc < 3 || sscanf(argv[2], "%63[^:]:%d", host, &port) != 2) {
        fprintf(stderr, "usage: hostile ATTACK ADDR:PORT [ARG]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    target.sin_family = AF_INET;
    target.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, host, &target.sin_addr);
    if (getenv("HOSTILE_DOMAIN") != NULL)
        domain = getenv("HOSTILE_DOMAIN");
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(argv[1], "c2s-server") == 0)
        return serve_c2s(argc > 3 ? argv[3] : "silent");
    if ((rc = attack_s2s_simple(argv[1])) >= 0)
        return rc;
    if (strcmp(argv[1], "big") == 0)
        return attack_big();
    if (strcmp(argv[1], "starttls-garbage") == 0)
        return attack_starttls_garbage();
    if (strcmp(argv[1], "slow") == 0 || strcmp(argv[1], "halfopen") == 0)
        return attack_slow(strcmp(argv[1], "halfopen") == 0);
    if (strcmp(argv[1], "many") == 0)
        return attack_many(argc > 3 ? atoi(argv[3]) : 1000);
    if (strcmp(argv[1], "dnsflood") == 0)
        return attack_dnsflood(argc > 3 ? atoi(argv[3]) : 20000);
    if (strcmp(argv[1], "dnsbad") == 0)
        return attack_dnsbad();
    if (strcmp(argv[1], "dnstcp") == 0)
        return attack_dnstcp();
    if (strcmp(argv[1], "idle") == 0)
        return attack_idle(argc > 3 ? atoi(argv[3]) : 300);
    if (strcmp(argv[1], "dnsidle") == 0)
        return attack_dnsidle(argc > 3 ? atoi(argv[3]) : 300);
    fprintf(stderr, "hostile: unknown attack %s\n", argv[1]);
    return 2;
}
