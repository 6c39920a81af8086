/*
 * evtchn-loop: dom0 signals itself through an interdomain event channel
 * (dom0 to dom0 loopback) with Debian's libxenevtchn, the way xenstored
 * and the backends use it. Prints one "PVISOR-CHECK evtchn-<name> PASS|FAIL
 * <detail>" line per check; the names and verdicts must be the same on
 * pvisor and Xen 4.17 (details, such as port numbers and times, may
 * differ). Exit status: the number of failed checks.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xenevtchn.h>

#define ROUND_TRIPS 1000
#define NO_DOMAIN   0x7fe0      /* no such domain on either hypervisor */

static unsigned int failed;

static void check(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void check(const char *name, int ok, const char *fmt, ...)
{
    va_list ap;

    printf("PVISOR-CHECK evtchn-%s %s ", name, ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failed += !ok;
}

/* The next event on the handle within ms, or -1. */
static int next_event(xenevtchn_handle *x, int ms)
{
    struct pollfd p = { .fd = xenevtchn_fd(x), .events = POLLIN };
    int port;

    if (poll(&p, 1, ms) != 1)
        return -1;
    port = xenevtchn_pending(x);
    if (port >= 0)
        xenevtchn_unmask(x, port);
    return port;
}

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(void)
{
    xenevtchn_handle *x = xenevtchn_open(NULL, 0);
    int a, b, b2, got, rc;

    check("open", x != NULL, "%s", x ? "/dev/xen/evtchn" : strerror(errno));
    if (!x)
        return 1;

    /* alloc_unbound {DOMID_SELF, remote 0}, then bind_interdomain to it. */
    a = xenevtchn_bind_unbound_port(x, 0);
    check("alloc-unbound", a > 0, "port %d", a);
    b = xenevtchn_bind_interdomain(x, 0, a);
    check("bind-interdomain", b > 0 && b != a, "port %d to %d", b, a);
    if (a <= 0 || b <= 0)
        return 1;

    /* As Xen: the new local port starts pending. */
    got = next_event(x, 5000);
    check("bind-pending", got == b, "first event on %d", got);
    check("quiet", next_event(x, 200) == -1, "no further event");

    /* Ping-pong through the channel, both directions. */
    unsigned int lost = 0, wrong = 0;
    double t0 = now_us();
    for (unsigned int i = 0; i < ROUND_TRIPS; i++) {
        int from = i & 1 ? b : a, to = i & 1 ? a : b;
        if (xenevtchn_notify(x, from) < 0) {
            lost++;
            continue;
        }
        got = next_event(x, 2000);
        if (got < 0)
            lost++;
        else if (got != to)
            wrong++;
    }
    double t1 = now_us();
    check("ping-pong", !lost && !wrong, "%u sends: %u lost, %u to the wrong port, %.1f us each",
          ROUND_TRIPS, lost, wrong, (t1 - t0) / ROUND_TRIPS);

    /* Refusals, with Xen's errno through the driver. */
    rc = xenevtchn_bind_interdomain(x, 0, a);
    check("bind-bound-port", rc < 0 && errno == EINVAL, "rc %d errno %d", rc, rc < 0 ? errno : 0);
    rc = xenevtchn_bind_interdomain(x, NO_DOMAIN, 1);
    check("bind-no-domain", rc < 0 && errno == ESRCH, "rc %d errno %d", rc, rc < 0 ? errno : 0);
    rc = xenevtchn_bind_interdomain(x, 0, 4095);
    check("bind-free-port", rc < 0 && errno == EINVAL, "rc %d errno %d", rc, rc < 0 ? errno : 0);
    rc = xenevtchn_bind_interdomain(x, 0, 0x7fffffff);
    check("bind-port-out-of-range", rc < 0 && errno == EINVAL, "rc %d errno %d", rc,
          rc < 0 ? errno : 0);
    check("quiet-after-refusals", next_event(x, 200) == -1, "no event");

    /* Closing one end: the other goes back to unbound, a send on it is
     * dropped silently, and it can be bound again. */
    rc = xenevtchn_unbind(x, b);
    check("close-one-end", rc == 0, "rc %d", rc);
    rc = xenevtchn_notify(x, a);
    check("send-unbound", rc == 0, "rc %d", rc);
    check("send-unbound-dropped", next_event(x, 300) == -1, "no event");
    b2 = xenevtchn_bind_interdomain(x, 0, a);
    check("rebind", b2 > 0, "port %d to %d", b2, a);
    got = next_event(x, 5000);
    check("rebind-pending", got == b2, "first event on %d", got);
    rc = xenevtchn_notify(x, b2);
    got = next_event(x, 2000);
    check("rebind-delivers", rc == 0 && got == a, "event on %d", got);

    /* Close the other end first this time. */
    check("close-other-end", xenevtchn_unbind(x, a) == 0, "port %d", a);
    rc = xenevtchn_notify(x, b2);
    check("send-after-peer-closed", rc == 0 && next_event(x, 300) == -1, "rc %d", rc);
    check("close-last", xenevtchn_unbind(x, b2) == 0, "port %d", b2);

    /* Many channels at once, all closed again. */
    int ports[2][64];
    unsigned int made = 0, delivered = 0;
    for (unsigned int i = 0; i < 64; i++) {
        ports[0][i] = xenevtchn_bind_unbound_port(x, 0);
        ports[1][i] = ports[0][i] > 0 ? xenevtchn_bind_interdomain(x, 0, ports[0][i]) : -1;
        made += ports[1][i] > 0;
        if (ports[1][i] > 0 && next_event(x, 2000) == ports[1][i])
            delivered++;
    }
    for (unsigned int i = 0; i < 64; i++)
        if (ports[0][i] > 0 && xenevtchn_notify(x, ports[0][i]) == 0 &&
            next_event(x, 2000) == ports[1][i])
            delivered++;
    unsigned int closed = 0;
    for (unsigned int i = 0; i < 64; i++) {
        closed += ports[0][i] > 0 && xenevtchn_unbind(x, ports[0][i]) == 0;
        closed += ports[1][i] > 0 && xenevtchn_unbind(x, ports[1][i]) == 0;
    }
    check("many-channels", made == 64 && delivered == 128 && closed == 128,
          "%u bound, %u events, %u closed", made, delivered, closed);

    xenevtchn_close(x);
    return failed;
}
