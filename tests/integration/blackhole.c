/* blackhole.c: a firewall that drops SYNs, for tests: net_blackhole() at ADDR:PORT (connects
 * to it time out), until stdin closes or SECONDS pass.
 *
 * usage: blackhole ADDR:PORT SECONDS
 * stdout: "ready ADDR:PORT" once SYNs are being dropped. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "net.h"

int
main(int argc, char **argv)
{
    struct net_addr addr;
    struct net_blackhole *b;
    struct pollfd in = {.fd = 0, .events = POLLIN};
    char err[256];

    if (argc != 3 || net_addr_parse(argv[1], &addr, err, sizeof(err)) != 0) {
        fprintf(stderr, "usage: blackhole ADDR:PORT SECONDS\n");
        return 2;
    }
    if ((b = net_blackhole(&addr, err, sizeof(err))) == NULL) {
        fprintf(stderr, "blackhole: %s\n", err);
        return 1;
    }
    printf("ready %s\n", argv[1]);
    fflush(stdout);
    /* Until stdin ends (the test goes away) or the time is up: every wait is bounded. */
    while (poll(&in, 1, atoi(argv[2]) * 1000) > 0) {
        char c;

        if (fread(&c, 1, 1, stdin) != 1)
            break;
    }
    net_blackhole_free(b);
    return 0;
}
