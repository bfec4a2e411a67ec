/*
 * udpfloor.c: the floor under a UDP DNS responder on this machine, not a DNS server. It answers
 * every datagram with a copy of itself turned into a response (QR and AA set, NOERROR, no
 * records), so dnsperf counts an answer for each query, and spends no time on DNS at all.
 *   default: one recvfrom and one sendto per query, poll() when the socket is empty (the
 *            system calls fedsim dns makes per query, without libevent)
 *   -m:      recvmmsg/sendmmsg, up to 64 datagrams per call (as NSD does)
 * The qps dnsperf gets from it bounds what fedsim's responder could reach with its per-query
 * work made free, in each I/O style.
 *
 * usage: bench_udpfloor [-m] ADDR:PORT      runs until SIGTERM or SIGINT
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

#define BATCH 64
#define MSG   1232

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void
to_response(unsigned char *m, size_t len)
{
    if (len < 12)
        return;
    m[2] = (unsigned char)(m[2] | 0x84); /* QR, AA */
    m[3] = 0;                            /* RA off, NOERROR */
}

int
main(int argc, char **argv)
{
    static unsigned char bufs[BATCH][MSG];
    static struct sockaddr_storage from[BATCH];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct net_addr addr;
    struct sigaction sa;
    char err[256];
    int fd, batch = 0, i;
    unsigned long long answered = 0;

    if (argc == 3 && strcmp(argv[1], "-m") == 0) {
        batch = 1;
        argv++;
        argc--;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: bench_udpfloor [-m] ADDR:PORT\n");
        return 2;
    }
    if (net_addr_parse(argv[1], &addr, err, sizeof(err)) != 0 ||
        (fd = net_udp_bind(&addr, err, sizeof(err))) < 0) {
        fprintf(stderr, "bench_udpfloor: %s: %s\n", argv[1], err);
        return 3;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("listening %s (%s)\n", argv[1], batch ? "recvmmsg/sendmmsg" : "recvfrom/sendto");
    fflush(stdout);
    while (!stop) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n;

        if (batch) {
            for (i = 0; i < BATCH; i++) {
                iov[i].iov_base = bufs[i];
                iov[i].iov_len = MSG;
                memset(&msgs[i], 0, sizeof(msgs[i]));
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
                msgs[i].msg_hdr.msg_name = &from[i];
                msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
            }
            n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
            if (n > 0) {
                for (i = 0; i < n; i++) {
                    to_response(bufs[i], msgs[i].msg_len);
                    iov[i].iov_len = msgs[i].msg_len;
                }
                if (sendmmsg(fd, msgs, (unsigned)n, 0) > 0)
                    answered += (unsigned)n;
                continue;
            }
        } else {
            socklen_t fl = sizeof(from[0]);
            ssize_t len = recvfrom(fd, bufs[0], MSG, 0, (struct sockaddr *)&from[0], &fl);

            if (len > 0) {
                to_response(bufs[0], (size_t)len);
                if (sendto(fd, bufs[0], (size_t)len, 0, (struct sockaddr *)&from[0], fl) > 0)
                    answered++;
                continue;
            }
            n = (int)len;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            perror("bench_udpfloor: receive");
            return 3;
        }
        poll(&p, 1, 200);
    }
    fprintf(stderr, "bench_udpfloor: answered %llu\n", answered);
    close(fd);
    return 0;
}
