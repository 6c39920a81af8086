/*
 * randread DEVICE MIB COUNT: COUNT reads of 4 KiB at random 4 KiB-aligned
 * offsets within the first MIB MiB of DEVICE, O_DIRECT, one at a time (queue
 * depth 1, as fio's psync engine would do them); prints the reads per second
 * and the mean latency. The domU image has no fio, so the split-driver
 * benchmark builds this statically on the host.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned long long state = 0x9e3779b97f4a7c15ull;   /* same offsets every run */
    unsigned long blocks, count;
    void *buf;
    double t0, t1;
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: randread DEVICE MIB COUNT\n");
        return 2;
    }
    blocks = strtoul(argv[2], NULL, 0) * 256;
    count = strtoul(argv[3], NULL, 0);
    fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0 || !blocks || !count || posix_memalign(&buf, 4096, 4096)) {
        perror("randread");
        return 1;
    }
    t0 = now();
    for (unsigned long i = 0; i < count; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        if (pread(fd, buf, 4096, (off_t)((state >> 33) % blocks) * 4096) != 4096) {
            perror("randread: pread");
            return 1;
        }
    }
    t1 = now();
    printf("%.0f %.1f\n", count / (t1 - t0), (t1 - t0) * 1e6 / count);
    return 0;
}
