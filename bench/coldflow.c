/*
 * coldflow.c: one cold federated message, timed. A c2s client logs in to a SUT (SASL PLAIN,
 * bind, initial presence), then sends one chat message to a remote JID and measures, with
 * CLOCK_MONOTONIC, from just before the write to the moment the message is seen at the other
 * end, where that end is either
 *   --to-c2s: a second c2s client, logged in to the remote server (Prosody <-> Prosody), or
 *   -- CMD...: a command it starts (fedsim serve), whose stdout it reads line by line until the
 *              peer's "receives <message ... id='ID'" line (fedsim's own peer).
 * Both clients and the command's stdout are read by one poll loop, so one clock measures both
 * ends. Output (stdout): "cold_ms=12.345 send_wall=EPOCH.USEC", with -v the lines read from the
 * command, each with its offset from the send in ms. Sockets get TCP_NODELAY.
 *
 * usage: bench_coldflow --c2s ADDR:PORT --user U --pass P --domain D --to JID [--id ID]
 *                       [--timeout S] [--settle MS] [--ready TEXT] [-v]
 *                       (--to-c2s ADDR:PORT --to-user U --to-pass P --to-domain D | -- CMD...)
 * With a command, the login waits for its line holding --ready TEXT (default "listening on").
 * Exit status: 0 delivered, 1 not delivered in time (or a bounce), 2 bad usage, 3 set-up failed.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "xml.h"
#include "xml_stream.h"

#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"

struct client {
    const char *name; /* borrowed: "sender" or "receiver" */
    int fd;
    struct xml_stream *st;   /* owned */
    struct xml_node **queue; /* owned: stanzas not yet taken */
    size_t nqueue;
    int failed, closed;
    char *full; /* owned: the bound JID */
};

static double
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static pid_t child = -1;

static void
stop_child(void)
{
    int status;

    if (child <= 0)
        return;
    kill(child, SIGTERM);
    waitpid(child, &status, 0);
    child = -1;
}

static void
die(int code, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bench_coldflow: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    stop_child();
    exit(code);
}

static void
on_stanza(void *arg, struct xml_node *n, const char *raw, size_t rawlen)
{
    struct client *c = arg;

    (void)raw;
    (void)rawlen;
    c->queue = realloc(c->queue, (c->nqueue + 1) * sizeof(*c->queue));
    if (c->queue == NULL)
        abort();
    c->queue[c->nqueue++] = n;
    /* After SASL success the next bytes start a new document. */
    if (xml_is(n, NS_SASL, "success"))
        xml_stream_restart(c->st);
}

static void
on_open(void *arg, struct xml_node *header)
{
    (void)arg;
    xml_node_free(header);
}

static void
on_close(void *arg)
{
    ((struct client *)arg)->closed = 1;
}

static void
on_error(void *arg, enum xml_stream_error e, const char *msg)
{
    struct client *c = arg;

    fprintf(stderr, "bench_coldflow: %s: stream %s: %s\n", c->name, xml_stream_error_condition(e),
            msg);
    c->failed = 1;
}

static const struct xml_stream_handler handler = {
        .open = on_open, .stanza = on_stanza, .close = on_close, .error = on_error};

static void
client_send(struct client *c, const char *s)
{
    size_t len = strlen(s), off = 0;

    while (off < len) {
        ssize_t n = write(c->fd, s + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die(3, "%s: write: %s", c->name, strerror(errno));
        off += (size_t)n;
    }
}

/* Reads what is there (one read); 0, or -1 on EOF or error. */
static int
client_read(struct client *c)
{
    char buf[16384];
    ssize_t n = read(c->fd, buf, sizeof(buf)), off = 0;

    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    /* A restart stops the parser after <success/>; the rest is the new stream. */
    while (off < n) {
        ssize_t used = xml_stream_feed(c->st, buf + off, (size_t)(n - off));

        if (used < 0)
            return -1;
        off += used;
    }
    return 0;
}

/* Takes the first queued stanza that is {ns}name (ns NULL: any), or NULL. */
static struct xml_node *
take(struct client *c, const char *ns, const char *name, const char *id)
{
    size_t i;

    for (i = 0; i < c->nqueue; i++) {
        struct xml_node *n = c->queue[i];
        const char *nid = xml_attr(n, "id");

        if (xml_is(n, ns, name) && (id == NULL || (nid != NULL && strcmp(nid, id) == 0))) {
            memmove(c->queue + i, c->queue + i + 1, (c->nqueue - i - 1) * sizeof(*c->queue));
            c->nqueue--;
            return n;
        }
    }
    return NULL;
}

/* Waits (reading) for a stanza {ns}name with that id (NULL: any); dies after timeout_ms. */
static struct xml_node *
wait_for(struct client *c, const char *ns, const char *name, const char *id, int timeout_ms)
{
    double end = mono_ms() + timeout_ms;
    struct xml_node *n;

    while ((n = take(c, ns, name, id)) == NULL) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int left = (int)(end - mono_ms());

        if (c->failed || c->closed)
            die(3, "%s: the stream ended while waiting for <%s/>", c->name, name);
        if (left <= 0)
            die(3, "%s: no <%s/> within %d ms", c->name, name, timeout_ms);
        if (poll(&p, 1, left) > 0 && client_read(c) < 0)
            die(3, "%s: connection closed while waiting for <%s/>", c->name, name);
    }
    return n;
}

static char *
base64(const unsigned char *in, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;
    size_t i;

    if (out == NULL)
        abort();
    for (i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? in[i + 2] : 0);

        *o++ = tbl[v >> 18 & 63];
        *o++ = tbl[v >> 12 & 63];
        *o++ = i + 1 < len ? tbl[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? tbl[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static void
send_header(struct client *c, const char *domain)
{
    char h[512];

    snprintf(h, sizeof(h),
             "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
             "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
             domain);
    client_send(c, h);
}

/* Connects and logs in: SASL PLAIN, bind, initial presence (and its echo). */
static void
client_login(struct client *c, const char *name, const char *addr, const char *user,
             const char *pass, const char *domain, int timeout_ms)
{
    struct net_addr a;
    char err[256], buf[1024], plain[512];
    int one = 1;
    size_t plen;
    char *b64;
    struct xml_node *n, *jid;

    memset(c, 0, sizeof(*c));
    c->name = name;
    if (net_addr_parse(addr, &a, err, sizeof(err)) != 0)
        die(2, "%s: %s", addr, err);
    c->fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a.ss, a.len) != 0)
        die(3, "%s: connect %s: %s", name, addr, strerror(errno));
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->st = xml_stream_new(NULL, &handler, c);

    send_header(c, domain);
    xml_node_free(wait_for(c, XML_NS_STREAM, "features", NULL, timeout_ms));
    plen = (size_t)snprintf(plain, sizeof(plain), "%c%s%c%s", 0, user, 0, pass);
    b64 = base64((const unsigned char *)plain, plen);
    snprintf(buf, sizeof(buf), "<auth xmlns='" NS_SASL "' mechanism='PLAIN'>%s</auth>", b64);
    free(b64);
    client_send(c, buf);
    n = wait_for(c, NS_SASL, NULL, NULL, timeout_ms);
    if (!xml_is(n, NS_SASL, "success"))
        die(3, "%s: SASL PLAIN as %s: <%s/>", name, user, n->name);
    xml_node_free(n);
    send_header(c, domain);
    xml_node_free(wait_for(c, XML_NS_STREAM, "features", NULL, timeout_ms));
    client_send(c, "<iq type='set' id='bind1'><bind xmlns='" NS_BIND
                   "'><resource>bench</resource></bind></iq>");
    n = wait_for(c, NULL, "iq", "bind1", timeout_ms);
    jid = xml_child(xml_child(n, NS_BIND, "bind"), NS_BIND, "jid");
    if (jid == NULL)
        die(3, "%s: bind failed", name);
    c->full = xml_text(jid);
    xml_node_free(n);
    client_send(c, "<presence><priority>1</priority></presence>");
    /* The server echoes the initial presence to the user's own resource. */
    for (;;) {
        const char *from;

        n = wait_for(c, NULL, "presence", NULL, timeout_ms);
        from = xml_attr(n, "from");
        if (from != NULL && strcmp(from, c->full) == 0)
            break;
        xml_node_free(n);
    }
    xml_node_free(n);
}

static void
usage(void)
{
    fprintf(stderr,
            "usage: bench_coldflow --c2s ADDR:PORT --user U --pass P --domain D --to JID\n"
            "                      [--id ID] [--timeout S] [--settle MS] [--ready TEXT] [-v]\n"
            "                      (--to-c2s ADDR:PORT --to-user U --to-pass P --to-domain D"
            " | -- CMD...)\n");
    exit(2);
}

/* The command's stdout, split into lines. */
struct lines {
    int fd;
    char buf[65536];
    size_t len;
};

/* Reads once; calls fn on each complete line. Returns -1 on EOF. */
static int
lines_read(struct lines *l, int (*fn)(const char *line, void *arg), void *arg, int *hit)
{
    ssize_t n = read(l->fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
    char *nl, *start;

    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    l->len += (size_t)n;
    l->buf[l->len] = '\0';
    start = l->buf;
    while ((nl = strchr(start, '\n')) != NULL) {
        *nl = '\0';
        if (fn(start, arg))
            *hit = 1;
        start = nl + 1;
    }
    l->len -= (size_t)(start - l->buf);
    memmove(l->buf, start, l->len);
    if (l->len == sizeof(l->buf) - 1)
        l->len = 0; /* an endless line: drop it */
    return 0;
}

struct watch {
    const char *ready; /* a line holding this means the command is ready */
    char want[256];    /* a line holding this is the delivery */
    double t0;         /* 0 before the send */
    int verbose;
};

static int
watch_line(const char *line, void *arg)
{
    struct watch *w = arg;

    if (w->t0 == 0)
        return w->ready != NULL && strstr(line, w->ready) != NULL;
    if (w->verbose)
        printf("  %+10.3f ms  %s\n", mono_ms() - w->t0, line);
    return strstr(line, w->want) != NULL && strstr(line, "receives") != NULL;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {{"c2s", required_argument, NULL, 'c'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"pass", required_argument, NULL, 'p'},
                                         {"domain", required_argument, NULL, 'd'},
                                         {"to", required_argument, NULL, 't'},
                                         {"id", required_argument, NULL, 'i'},
                                         {"to-c2s", required_argument, NULL, 'C'},
                                         {"to-user", required_argument, NULL, 'U'},
                                         {"to-pass", required_argument, NULL, 'P'},
                                         {"to-domain", required_argument, NULL, 'D'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"settle", required_argument, NULL, 's'},
                                         {"ready", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *c2s = NULL, *user = NULL, *pass = NULL, *domain = NULL, *to = NULL;
    const char *id = "cold1", *to_c2s = NULL, *to_user = NULL, *to_pass = NULL;
    const char *to_domain = NULL;
    struct watch w = {.ready = "listening on"};
    struct client sender, receiver;
    struct lines out = {.fd = -1};
    int opt, timeout_ms = 10000, settle_ms = 200, hit = 0, delivered = 0;
    double t1 = 0, deadline;
    struct timespec wall;
    char msg[512];

    signal(SIGPIPE, SIG_IGN);
    while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            c2s = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'p':
            pass = optarg;
            break;
        case 'd':
            domain = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'i':
            id = optarg;
            break;
        case 'C':
            to_c2s = optarg;
            break;
        case 'U':
            to_user = optarg;
            break;
        case 'P':
            to_pass = optarg;
            break;
        case 'D':
            to_domain = optarg;
            break;
        case 'T':
            timeout_ms = atoi(optarg) * 1000;
            break;
        case 's':
            settle_ms = atoi(optarg);
            break;
        case 'r':
            w.ready = optarg;
            break;
        case 'v':
            w.verbose = 1;
            break;
        default:
            usage();
        }
    }
    if (c2s == NULL || user == NULL || pass == NULL || domain == NULL || to == NULL ||
        timeout_ms <= 0 || (to_c2s == NULL) == (optind >= argc) ||
        (to_c2s != NULL && (to_user == NULL || to_pass == NULL || to_domain == NULL)))
        usage();
    snprintf(w.want, sizeof(w.want), "id='%s'", id);

    if (optind < argc) {
        int p[2];

        if (pipe(p) != 0)
            die(3, "pipe: %s", strerror(errno));
        child = fork();
        if (child < 0)
            die(3, "fork: %s", strerror(errno));
        if (child == 0) {
            dup2(p[1], 1);
            close(p[0]);
            close(p[1]);
            execvp(argv[optind], argv + optind);
            fprintf(stderr, "bench_coldflow: %s: %s\n", argv[optind], strerror(errno));
            _exit(127);
        }
        close(p[1]);
        out.fd = p[0];
        deadline = mono_ms() + timeout_ms;
        while (!hit) {
            struct pollfd pf = {.fd = out.fd, .events = POLLIN};
            int left = (int)(deadline - mono_ms());

            if (left <= 0)
                die(3, "the command printed no \"%s\" line in time", w.ready);
            if (poll(&pf, 1, left) > 0 && lines_read(&out, watch_line, &w, &hit) < 0)
                die(3, "the command ended before printing \"%s\"", w.ready);
        }
    }
    client_login(&sender, "sender", c2s, user, pass, domain, timeout_ms);
    if (to_c2s != NULL)
        client_login(&receiver, "receiver", to_c2s, to_user, to_pass, to_domain, timeout_ms);
    /* Let the servers finish what the logins started (roster, presence) before timing. */
    usleep((useconds_t)settle_ms * 1000);

    snprintf(msg, sizeof(msg), "<message to='%s' type='chat' id='%s'><body>cold</body></message>",
             to, id);
    hit = 0;
    clock_gettime(CLOCK_REALTIME, &wall);
    w.t0 = mono_ms();
    client_send(&sender, msg);
    deadline = w.t0 + timeout_ms;
    while (!delivered) {
        struct pollfd pf[2] = {{.fd = sender.fd, .events = POLLIN},
                               {.fd = to_c2s != NULL ? receiver.fd : out.fd, .events = POLLIN}};
        int left = (int)(deadline - mono_ms());
        struct xml_node *n;

        if (left <= 0)
            break;
        if (poll(pf, 2, left) <= 0)
            continue;
        if ((pf[0].revents & (POLLIN | POLLHUP)) && client_read(&sender) < 0)
            die(1, "sender: connection closed");
        if ((n = take(&sender, NULL, "message", id)) != NULL)
            die(1, "sender: the message came back (type %s)", xml_attr(n, "type"));
        if (!(pf[1].revents & (POLLIN | POLLHUP)))
            continue;
        if (to_c2s != NULL) {
            if (client_read(&receiver) < 0)
                die(1, "receiver: connection closed");
            if ((n = take(&receiver, NULL, "message", id)) != NULL) {
                t1 = mono_ms();
                delivered = 1;
                xml_node_free(n);
            }
        } else {
            if (lines_read(&out, watch_line, &w, &hit) < 0)
                die(1, "the command ended before the message arrived");
            if (hit) {
                t1 = mono_ms();
                delivered = 1;
            }
        }
    }
    if (!delivered)
        die(1, "the message did not arrive within %d ms", timeout_ms);
    printf("cold_ms=%.3f send_wall=%lld.%06ld\n", t1 - w.t0, (long long)wall.tv_sec,
           wall.tv_nsec / 1000);
    fflush(stdout);
    stop_child();
    return 0;
}
