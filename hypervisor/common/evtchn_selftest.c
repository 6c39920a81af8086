/*
 * Boot self check of the event-channel lock order (event_channel.c): two
 * scratch domains joined by interdomain channels, and two CPUs closing
 * them at the same moment, each from a different domain's side.  A close
 * takes both domains' locks; with the closer's own lock first (the order
 * before this check) the CPUs deadlock with interrupts off.  Only dom0
 * exists once guests run, so no guest test can race two domains.
 */
#include <pvisor/event.h>
#include <pvisor/domain.h>
#include <pvisor/selftest.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <asm/processor.h>

#define CHANNELS 1024
#define ROUNDS 4

static struct domain *sd[2];            /* sd[0] has the lower domid */
static struct timer remote;
static volatile unsigned int started, go, done;

static void close_side(unsigned int side)
{
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
        cpu_relax();
    /* Opposite directions: every close until the two meet takes both
     * domains' locks. */
    for (evtchn_port_t i = 1; i <= CHANNELS; i++)
        evtchn_close_port(sd[side], side ? i : CHANNELS + 1 - i);
    __atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
}

/* Runs on the other CPU (timer softirq): closes from the lower domid. */
static void remote_close(void *data)
{
    (void)data;
    close_side(0);
}

static bool wait_for(volatile unsigned int *v, unsigned int n)
{
    s_time_t end = NOW() + SECONDS(2);

    while (__atomic_load_n(v, __ATOMIC_SEQ_CST) < n)
        if (NOW() > end)
            return false;
        else
            cpu_relax();
    return true;
}

int evtchn_lock_order_selftest(void)
{
    int rc = 0;

    if (nr_cpus_online < 2)
        return 1;
    sd[0] = domain_create(MAX_DOMAINS - 2, false, 1);
    sd[1] = domain_create(MAX_DOMAINS - 1, false, 1);
    if (!sd[0] || !sd[1]) {
        rc = -1;
        goto out;
    }
    for (unsigned int round = 0; round < ROUNDS && !rc; round++) {
        /* Channels made the way guests make them: sd[1] offers, sd[0] binds. */
        for (evtchn_port_t p = 1; p <= CHANNELS && !rc; p++) {
            struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = sd[0]->domain_id };
            struct evtchn_bind_interdomain b = { .remote_dom = sd[1]->domain_id };
            if (evtchn_alloc_unbound(evtchn_hv_env(), &sd[1]->evtchn, &a))
                rc = -4;
            b.remote_port = a.port;
            if (!rc && evtchn_bind_interdomain(evtchn_hv_env(), &sd[0]->evtchn, &b))
                rc = -4;
        }
        if (rc)
            break;
        started = go = done = 0;
        init_timer(&remote, remote_close, NULL, 1);
        set_timer(&remote, NOW());
        if (!wait_for(&started, 1)) {
            stop_timer(&remote);
            rc = 1;                     /* the other CPU runs no timers yet */
            break;
        }
        __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
        close_side(1);
        if (!wait_for(&done, 2)) {
            rc = -2;                    /* cannot happen without a deadlock */
            break;
        }
        for (evtchn_port_t p = 1; p <= CHANNELS; p++)
            if (sd[0]->evtchn.port[p].state != ECS_FREE || sd[1]->evtchn.port[p].state != ECS_FREE)
                rc = -3;
    }
out:
    for (unsigned int s = 0; s < 2; s++)
        if (sd[s])
            while (domain_kill(sd[s]) == -XEN_ERESTART)
                ;
    return rc;
}
