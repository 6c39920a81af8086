/* The XenbusState handshake (see handshake.h).  Polls with a short sleep:
 * a device attach waits for seconds at most and a watch would need its own
 * token bookkeeping in every caller's handle. */
#include "handshake.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const names[] = {
    "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
    "Closing", "Closed", "Reconfiguring", "Reconfigured",
};

const char *handshake_state_name(int state)
{
    return state >= 0 && state < 9 ? names[state] : "absent";
}

int handshake_read_state(struct xs_handle *xs, const char *dir)
{
    char p[192];
    unsigned len;
    snprintf(p, sizeof(p), "%s/state", dir);
    char *v = xs_read(xs, XBT_NULL, p, &len);
    if (!v)
        return -1;
    int s = (len == 1 && v[0] >= '0' && v[0] <= '8') ? v[0] - '0' : -1;
    free(v);
    return s;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int handshake_wait(struct xs_handle *xs, const char *dir, int want, int want_or,
                   unsigned timeout_ms, int *last)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        int s = handshake_read_state(xs, dir);
        *last = s;
        if (s == want || (want_or >= 0 && s == want_or))
            return 0;
        if (now_ms() >= end)
            return -1;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
}

void handshake_stuck_message(const char *kind, const char *name, unsigned domid, bool backend,
                             int state, unsigned timeout_ms, char *err, size_t errlen)
{
    bool disk = !strcmp(kind, "disk");
    snprintf(err, errlen, "%s %s of domain %u: %s still %s after %u ms (is xen-%s loaded in %s?)",
             kind, name, domid, backend ? "backend" : "frontend", handshake_state_name(state),
             timeout_ms, disk ? (backend ? "blkback" : "blkfront") : (backend ? "netback" : "netfront"),
             backend ? "dom0" : "the guest");
}

/* Ask the backend to close (libxl: online=0, state=Closing) and wait. */
int devices_close_backend(struct xs_handle *xs, const char *be, unsigned timeout_ms, int *last)
{
    char p[192];
    for (int attempt = 0; attempt < 16; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL)
            return -1;
        snprintf(p, sizeof(p), "%s/online", be);
        xs_write(xs, t, p, "0", 1);
        snprintf(p, sizeof(p), "%s/state", be);
        xs_write(xs, t, p, "5", 1);
        if (xs_transaction_end(xs, t, false))
            break;
        if (errno != EAGAIN)
            return -1;
    }
    /* Closed, or gone (the backend driver removed itself), or never
     * driven by a kernel backend at all (state stays as we wrote it). */
    return handshake_wait(xs, be, 6, -1, timeout_ms, last);
}

