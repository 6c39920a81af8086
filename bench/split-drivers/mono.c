/*
 * mono: prints CLOCK_MONOTONIC in seconds with microseconds, for the domU's
 * timings in bench/split-drivers/guest-init.sh (busybox has no %N, and
 * /proc/uptime's 10 ms are too coarse for a transfer that takes 0.1 s of
 * instruction time under -icount).
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec t;

    if (clock_gettime(CLOCK_MONOTONIC, &t))
        return 1;
    printf("%lld.%06ld\n", (long long)t.tv_sec, t.tv_nsec / 1000);
    return 0;
}
