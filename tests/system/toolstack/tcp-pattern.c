/*
 * tcp-pattern: one TCP transfer of a known byte stream, checked byte by
 * byte at the receiving end, for the split-driver system tests (static,
 * so it runs in the busybox domU and in dom0 alike).
 *
 *   tcp-pattern listen PORT send|recv BYTES
 *   tcp-pattern connect A.B.C.D PORT send|recv BYTES
 *
 * The stream is xorshift64 from a fixed seed, so both ends know it. Prints
 * one line: "TCP-PATTERN sent|recv bytes=N sum=HEX ok|bad"; exit 0 only
 * when exactly BYTES went through unchanged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct stream {
    uint64_t x, sum;
};

static uint8_t next(struct stream *s)
{
    s->x ^= s->x << 13;
    s->x ^= s->x >> 7;
    s->x ^= s->x << 17;
    uint8_t b = (uint8_t)(s->x >> 24);
    s->sum = (s->sum ^ b) * 0x100000001b3ULL;   /* FNV-1a over the bytes */
    return b;
}

static int usage(void)
{
    fprintf(stderr, "usage: tcp-pattern listen PORT send|recv BYTES | connect ADDR PORT send|recv BYTES\n");
    return 2;
}

int main(int argc, char **argv)
{
    bool listening = argc == 5 && !strcmp(argv[1], "listen");
    if (!listening && !(argc == 6 && !strcmp(argv[1], "connect")))
        return usage();
    const char *mode = argv[argc - 2];
    unsigned long long total = strtoull(argv[argc - 1], NULL, 10);
    bool sending = !strcmp(mode, "send");
    if (!sending && strcmp(mode, "recv"))
        return usage();
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[argc - 3])) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return perror("socket"), 1;
    if (listening) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        a.sin_addr.s_addr = htonl(INADDR_ANY);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
            return perror("bind/listen"), 1;
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            return perror("accept"), 1;
        close(fd);
        fd = c;
    } else {
        if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1)
            return usage();
        /* the listener may come up a moment later: retry for 30 s */
        int tries = 0;
        while (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
            if (++tries > 300)
                return perror("connect"), 1;
            close(fd);
            fd = socket(AF_INET, SOCK_STREAM, 0);
            usleep(100000);
        }
    }
    struct stream s = { 0x9e3779b97f4a7c15ULL, 0xcbf29ce484222325ULL };
    static uint8_t buf[65536];
    unsigned long long done = 0;
    bool good = true;
    if (sending) {
        while (done < total) {
            size_t n = total - done < sizeof(buf) ? (size_t)(total - done) : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = next(&s);
            for (size_t o = 0; o < n;) {
                ssize_t w = write(fd, buf + o, n - o);
                if (w <= 0)
                    return perror("write"), 1;
                o += (size_t)w;
            }
            done += n;
        }
        shutdown(fd, SHUT_WR);
        /* wait for the receiver's close: everything arrived */
        while (read(fd, buf, sizeof(buf)) > 0)
            ;
    } else {
        for (;;) {
            ssize_t r = read(fd, buf, sizeof(buf));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            for (ssize_t i = 0; i < r; i++)
                good &= done + (unsigned long long)i < total && buf[i] == next(&s);
            done += (unsigned long long)r;
        }
        good &= done == total;
    }
    close(fd);
    printf("TCP-PATTERN %s bytes=%llu sum=%016llx %s\n", sending ? "sent" : "recv", done,
           (unsigned long long)s.sum, good ? "ok" : "bad");
    return good ? 0 : 1;
}
