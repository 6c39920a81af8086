/*
 * Guest time: pvclock (vcpu_time_info with the version protocol, the same
 * TSC scale as the hypervisor's own NOW()), the wall clock in shared_info,
 * per-vCPU single-shot and periodic timers raising VIRQ_TIMER, and
 * set_timer_op. vcpu_op.c drives the timers for VCPUOP_*.
 */
#include <pvisor/hypercall.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/event.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/sched.h>
#include <pvisor/guest_access.h>
#include <pvisor/smp.h>
#include <asm/atomic.h>
#include <string.h>
#include <xen/vcpu.h>


static void fill_time(struct vcpu_time_info *t)
{
    u64 tsc = rdtsc_ordered();

    t->version++;
    smp_wmb();
    t->tsc_timestamp = tsc;
    t->system_time = scale_delta(tsc - boot_tsc, &tsc_scale);
    t->tsc_to_system_mul = tsc_scale.mul_frac;
    t->tsc_shift = (s8)tsc_scale.shift;
    t->flags = cpu_has_invariant_tsc ? XEN_PVCLOCK_TSC_STABLE_BIT : 0;
    smp_wmb();
    t->version++;
}

void pv_update_vcpu_time(struct vcpu *v)
{
    struct vcpu_time_info *t = &v->vcpu_info->time;

    fill_time(t);
    if (!guest_handle_is_null(v->time_area_guest))
        copy_to_guest(v->time_area_guest, t, 1);     /* best effort, as Xen */
    if (!guest_handle_is_null(v->runstate_guest)) {
        struct vcpu_runstate_info rs = v->runstate;
        copy_to_guest(v->runstate_guest, &rs, 1);
    }
}

void arch_set_wallclock(struct domain *d, u64 sec, u32 nsec)
{
    shared_info_t *s = d->shared_info;

    s->wc_version++;
    smp_wmb();
    s->wc_sec = (u32)sec;
    s->wc_sec_hi = (u32)(sec >> 32);
    s->wc_nsec = nsec;
    smp_wmb();
    s->wc_version++;
}

/* ---- timers -------------------------------------------------------- */

static void singleshot_fired(void *data)
{
    send_guest_vcpu_virq(data, VIRQ_TIMER);
}

/* Tick if a period has passed since the last tick, and arm the next one
 * (Xen's vcpu_periodic_timer_work): the deadline is never in the past
 * and the sums saturate, whatever period the guest chose. */
void vcpu_periodic_work(struct vcpu *v)
{
    /* Read once: another vCPU may set or stop this one's timer meanwhile. */
    s_time_t period = __atomic_load_n(&v->periodic_period, __ATOMIC_RELAXED);
    bool tick;
    s_time_t next;

    if (!period)
        return;
    next = periodic_next(&v->periodic_last_event, period, NOW(), &tick);
    if (tick)
        send_guest_vcpu_virq(v, VIRQ_TIMER);
    set_timer(&v->periodic_timer, next);
}

static void periodic_fired(void *data)
{
    vcpu_periodic_work(data);
}

void vcpu_timers_init(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, singleshot_fired, v, v->processor);
    init_timer(&v->periodic_timer, periodic_fired, v, v->processor);
    v->periodic_period = MILLISECS(10);           /* Xen's default: 100 Hz */
    arch_set_wallclock(v->domain, wallclock_boot_sec, wallclock_boot_nsec);
}

/* The vCPU is going: a periodic handler running on another CPU would
 * re-arm its timer behind a plain stop_timer and fire into freed memory. */
void vcpu_timers_kill(struct vcpu *v)
{
    kill_timer(&v->singleshot_timer);
    kill_timer(&v->periodic_timer);
    kill_timer(&v->poll_timer);
}

/* The periodic timer only runs while its vCPU does (Xen's semantics): on
 * switch-in a missed period gives one catch-up tick. */
void vcpu_periodic_switch_in(struct vcpu *v)
{
    vcpu_periodic_work(v);
}

void vcpu_periodic_switch_out(struct vcpu *v)
{
    stop_timer(&v->periodic_timer);
}

/* A deadline already passed fires before the hypercall returns. */
void vcpu_set_singleshot(struct vcpu *v, s_time_t when)
{
    if (when <= NOW()) {
        stop_timer(&v->singleshot_timer);
        send_guest_vcpu_virq(v, VIRQ_TIMER);
    } else {
        set_timer(&v->singleshot_timer, when);
    }
}

long do_set_timer_op(unsigned long timeout)
{
    struct vcpu *v = current;
    s_time_t now = NOW();

    if (!timeout)
        stop_timer(&v->singleshot_timer);
    else if (set_timer_op_is_wrapped((s_time_t)timeout, now))
        set_timer(&v->singleshot_timer, now + SET_TIMER_OP_FALLBACK);
    else
        vcpu_set_singleshot(v, (s_time_t)timeout);
    return 0;
}
