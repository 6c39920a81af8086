/* sched_op: yield, block, poll, shutdown, watchdogs. */
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/event.h>
#include <pvisor/sched.h>
#include <pvisor/printk.h>
#include <pvisor/guest_access.h>
#include <pvisor/softirq.h>

#define MAX_POLL_PORTS 128

static void poll_timeout(void *data)
{
    struct vcpu *v = data;

    if (v->pause_flags & VPF_polling) {
        __atomic_and_fetch(&v->pause_flags, ~VPF_polling, __ATOMIC_SEQ_CST);
        vcpu_unpause_flags(v, VPF_blocked);
    }
}

static long do_poll(struct vcpu *v, XEN_GUEST_HANDLE_PARAM(sched_poll_t) arg)
{
    struct sched_poll sp;
    evtchn_port_t *ports = v->poll_port_copy;

    if (copy_from_guest(&sp, arg, 1))
        return -XEN_EFAULT;
    if (sp.nr_ports > MAX_POLL_PORTS)
        return -XEN_EINVAL;
    if (copy_from_guest(ports, sp.ports, sp.nr_ports))
        return -XEN_EFAULT;
    for (unsigned i = 0; i < sp.nr_ports; i++)
        if (ports[i] >= NR_EVTCHN)
            return -XEN_EINVAL;

    /* Mark polling before looking, so a send in between wakes us. */
    v->nr_poll_ports = sp.nr_ports;
    __atomic_or_fetch(&v->pause_flags, VPF_polling | VPF_blocked, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < sp.nr_ports; i++) {
        if (evtchn_port_is_pending(v->domain, ports[i])) {
            __atomic_and_fetch(&v->pause_flags, ~(VPF_polling | VPF_blocked), __ATOMIC_SEQ_CST);
            return 0;
        }
    }
    if (sp.timeout && (s_time_t)sp.timeout <= NOW()) {
        __atomic_and_fetch(&v->pause_flags, ~(VPF_polling | VPF_blocked), __ATOMIC_SEQ_CST);
        return 0;
    }
    if (sp.timeout)
        set_timer(&v->poll_timer, (s_time_t)sp.timeout);
    raise_softirq(SCHEDULE_SOFTIRQ);   /* the exit path deschedules us */
    return 0;
}

static void watchdog_fired(void *data)
{
    struct domain *d = data;

    printk(LOG_WARN "Domain %u watchdog timer expired\n", d->domain_id);
    domain_shutdown(d, SHUTDOWN_watchdog);
}

/* The slots are picked, armed and freed under the domain's lock: two vCPUs
 * arming id 0 at once must get different slots.  The timers exist for the
 * domain's whole life (set_timer/stop_timer only), so a queued timer is
 * never re-initialised. */
static long do_watchdog(struct domain *d, u32 id, u32 timeout)
{
    unsigned long flags;
    long rc = 0;
    unsigned int i;

    if (id > 2)
        return -XEN_EINVAL;
    flags = spin_lock_irqsave(&d->lock);
    if (id == 0) {
        for (i = 0; i < 2 && d->watchdog_inuse[i]; i++)
            ;
        if (i == 2) {
            /* Xen computes this in an unsigned int: the guest sees 0xffffffe4. */
            rc = (unsigned int)-XEN_ENOSPC;
        } else {
            d->watchdog_inuse[i] = true;
            set_timer(&d->watchdog_timer[i], NOW() + SECONDS(timeout));
            rc = i + 1;
        }
    } else if (!d->watchdog_inuse[id - 1]) {
        rc = -XEN_EINVAL;
    } else if (timeout == 0) {
        stop_timer(&d->watchdog_timer[id - 1]);
        d->watchdog_inuse[id - 1] = false;
    } else {
        set_timer(&d->watchdog_timer[id - 1], NOW() + SECONDS(timeout));
    }
    spin_unlock_irqrestore(&d->lock, flags);
    return rc;
}

void watchdog_domain_init(struct domain *d)
{
    for (unsigned int i = 0; i < 2; i++)
        init_timer(&d->watchdog_timer[i], watchdog_fired, d, 0);
}

/* Teardown: no watchdog may fire on a domain that is gone. Killed
 * outside d->lock: a handler running on CPU 0 takes it (domain_shutdown)
 * and kill_timer waits for that handler. */
void watchdog_domain_destroy(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);

    for (unsigned int i = 0; i < 2; i++)
        d->watchdog_inuse[i] = false;
    spin_unlock_irqrestore(&d->lock, flags);
    for (unsigned int i = 0; i < 2; i++)
        kill_timer(&d->watchdog_timer[i]);
}

long do_sched_op(unsigned long cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;

    switch ((int)cmd) {
    case SCHEDOP_yield:
        vcpu_yield();
        return 0;
    case SCHEDOP_block:
        vcpu_block(v);
        return 0;
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, guest_handle_cast(arg, sched_shutdown_t), 1))
            return -XEN_EFAULT;
        domain_shutdown(d, (u8)s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, guest_handle_cast(arg, sched_shutdown_t), 1))
            return -XEN_EFAULT;
        /* the first code set wins */
        if (!d->has_shutdown_code) {
            d->shutdown_code = (u8)s.reason;
            d->has_shutdown_code = true;
        }
        return 0;
    }
    case SCHEDOP_poll:
        return do_poll(v, guest_handle_cast(arg, sched_poll_t));
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown rs;
        struct domain *t;
        if (copy_from_guest(&rs, guest_handle_cast(arg, sched_remote_shutdown_t), 1))
            return -XEN_EFAULT;
        t = get_domain_by_id(rs.domain_id);
        if (!t)
            return -XEN_ESRCH;
        if (!d->is_privileged) {
            put_domain(t);
            return -XEN_EPERM;
        }
        domain_shutdown(t, (u8)rs.reason);
        put_domain(t);
        return 0;
    }
    case SCHEDOP_watchdog: {
        struct sched_watchdog w;
        if (copy_from_guest(&w, guest_handle_cast(arg, sched_watchdog_t), 1))
            return -XEN_EFAULT;
        return do_watchdog(d, w.id, w.timeout);
    }
    case SCHEDOP_pin_override: {
        struct sched_pin_override p;
        if (!d->is_privileged)
            return -XEN_EPERM;
        if (copy_from_guest(&p, guest_handle_cast(arg, sched_pin_override_t), 1))
            return -XEN_EFAULT;
        return 0;
    }
    }
    return -XEN_ENOSYS;
}

void vcpu_poll_timer_init(struct vcpu *v)
{
    init_timer(&v->poll_timer, poll_timeout, v, v->processor);
}
