/*
 * netblast: TCP throughput with 64 KiB reads and writes, so the figure is
 * the network path's and not the tool's (busybox nc moves 1 KiB per system
 * call, each a pair of kernel/user switches in a PV guest).
 *   netblast sink PORT             accept forever, read each connection to EOF
 *   netblast source PORT MIB       accept forever, write MIB MiB to each
 *   netblast send HOST PORT MIB    connect, write MIB MiB, wait for the
 *                                  peer's close; print MiB/s
 *   netblast recv HOST PORT        connect, read to EOF; print MiB/s
 * Built statically on the host by bench/split-drivers.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
static char buf[CHUNK];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long drain(int fd)
{
    long long total = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0)
        total += n;
    return n < 0 ? -1 : total;
}

static int fill(int fd, long long bytes)
{
    while (bytes > 0) {
        ssize_t n = write(fd, buf, bytes < CHUNK ? (size_t)bytes : CHUNK);
        if (n <= 0)
            return -1;
        bytes -= n;
    }
    return 0;
}

static int serve(int port, long long bytes, int source)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4)) {
        perror("netblast: listen");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        if (source)
            fill(c, bytes);
        else
            drain(c);
        close(c);
    }
}

static int client(const char *host, int port, long long bytes, int send)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    int s = socket(AF_INET, SOCK_STREAM, 0);
    long long got;
    double t0;

    if (s < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(s, (struct sockaddr *)&a, sizeof(a))) {
        perror("netblast: connect");
        return 1;
    }
    t0 = now();
    if (send) {
        if (fill(s, bytes) || shutdown(s, SHUT_WR) || drain(s) < 0) {
            perror("netblast: send");
            return 1;
        }
        got = bytes;
    } else if ((got = drain(s)) <= 0) {
        perror("netblast: recv");
        return 1;
    }
    printf("%.1f\n", got / 1048576.0 / (now() - t0));
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && !strcmp(argv[1], "sink"))
        return serve(atoi(argv[2]), 0, 0);
    if (argc == 4 && !strcmp(argv[1], "source"))
        return serve(atoi(argv[2]), atoll(argv[3]) << 20, 1);
    if (argc == 5 && !strcmp(argv[1], "send"))
        return client(argv[2], atoi(argv[3]), atoll(argv[4]) << 20, 1);
    if (argc == 4 && !strcmp(argv[1], "recv"))
        return client(argv[2], atoi(argv[3]), 0, 0);
    fprintf(stderr, "usage: netblast sink PORT | source PORT MIB | send HOST PORT MIB | recv HOST PORT\n");
    return 2;
}
