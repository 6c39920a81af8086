/*
 * pingpong: ICMP echo round trips back to back (the next request goes out
 * as the reply arrives), so a profile window around it holds N round trips
 * and nothing else: ping's one-per-interval hides each round trip among the
 * idle time's timer work.
 *   pingpong HOST N      print the mean round trip in microseconds
 * Built statically on the host by bench/split-drivers.sh.
 */
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned short csum(const void *p, int len)
{
    const unsigned short *w = p;
    unsigned int s = 0;
    for (; len > 1; len -= 2)
        s += *w++;
    s = (s >> 16) + (s & 0xffff);
    return ~(s + (s >> 16));
}

int main(int argc, char **argv)
{
    struct sockaddr_in to = { .sin_family = AF_INET };
    int n = argc > 2 ? atoi(argv[2]) : 0, fd, i;
    char pkt[64], in[256];
    struct icmphdr *h = (struct icmphdr *)pkt;
    struct timeval tv = { 3, 0 };
    double t0;

    if (argc != 3 || n <= 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "usage: pingpong HOST N\n");
        return 2;
    }
    fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
        perror("pingpong: socket");
        return 1;
    }
    t0 = now();
    for (i = 0; i < n; i++) {
        memset(pkt, 0, sizeof(pkt));
        h->type = ICMP_ECHO;
        h->un.echo.id = htons(getpid() & 0xffff);
        h->un.echo.sequence = htons(i);
        h->checksum = csum(pkt, sizeof(pkt));
        if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(pkt)) {
            perror("pingpong: sendto");
            return 1;
        }
        for (;;) {   /* raw sockets see every ICMP packet: wait for our reply */
            ssize_t r = recv(fd, in, sizeof(in), 0);
            struct icmphdr *rh;
            if (r < 0) {
                perror("pingpong: recv");
                return 1;
            }
            if (r < 20 + (ssize_t)sizeof(*rh))
                continue;
            rh = (struct icmphdr *)(in + (in[0] & 0xf) * 4);
            if (rh->type == ICMP_ECHOREPLY && rh->un.echo.sequence == htons(i) &&
                rh->un.echo.id == htons(getpid() & 0xffff))
                break;
        }
    }
    printf("%.1f\n", (now() - t0) * 1e6 / n);
    return 0;
}
