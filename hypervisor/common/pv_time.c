/*
 * Guest time: pvclock (vcpu_time_info with the version protocol, the same
 * TSC scale as the hypervisor's own NOW()), the wall clock in shared_info,
 * per-vCPU single-shot and periodic timers raising VIRQ_TIMER, the runstate
 * area, set_timer_op, and the vcpu_op subops built on them.
 */
#include <pvisor/hypercall.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/event.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/sched.h>
#include <pvisor/uaccess.h>
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
    u64 area = v->time_area_guest;

    fill_time(t);
    if (area)
        copy_to_guest(area, t, sizeof(*t));     /* best effort, as Xen */
    if (v->runstate_guest) {
        struct vcpu_runstate_info rs = v->runstate;
        copy_to_guest(v->runstate_guest, &rs, sizeof(rs));
    }
}

void pv_set_wallclock(struct domain *d, u64 sec, u32 nsec)
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
static void periodic_work(struct vcpu *v)
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
    periodic_work(data);
}

void vcpu_timers_init(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, singleshot_fired, v, v->processor);
    init_timer(&v->periodic_timer, periodic_fired, v, v->processor);
    v->periodic_period = MILLISECS(10);           /* Xen's default: 100 Hz */
    pv_set_wallclock(v->domain, wallclock_boot_sec, wallclock_boot_nsec);
}

void vcpu_timers_kill(struct vcpu *v)
{
    stop_timer(&v->singleshot_timer);
    stop_timer(&v->periodic_timer);
    stop_timer(&v->poll_timer);
}

/* The periodic timer only runs while its vCPU does (Xen's semantics): on
 * switch-in a missed period gives one catch-up tick. */
void vcpu_periodic_switch_in(struct vcpu *v)
{
    periodic_work(v);
}

void vcpu_periodic_switch_out(struct vcpu *v)
{
    stop_timer(&v->periodic_timer);
}

/* A deadline already passed fires before the hypercall returns. */
static void set_singleshot(struct vcpu *v, s_time_t when)
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
        set_singleshot(v, (s_time_t)timeout);
    return 0;
}

/* ---- vcpu_op -------------------------------------------------------- */

static long register_vcpu_info(struct vcpu *v, unsigned long arg)
{
    struct vcpu_register_vcpu_info info;
    vcpu_info_t *new;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -XEN_EFAULT;
    if (info.offset > PAGE_SIZE - sizeof(vcpu_info_t) || (info.offset & 7))
        return -XEN_ENXIO;
    if (v != current && !(v->pause_flags & VPF_down))
        return -XEN_EINVAL;
    if (v->vcpu_info_mfn)
        return -XEN_EINVAL;
    if (pv_mm_get_writable_page(v->domain, info.mfn))
        return -XEN_EINVAL;
    new = (vcpu_info_t *)((char *)mfn_to_virt(info.mfn) + info.offset);
    memcpy(new, v->vcpu_info, sizeof(*new));
    v->vcpu_info = new;
    v->vcpu_info_mfn = info.mfn;
    /* Make the guest rescan everything once from the new location. */
    new->evtchn_upcall_pending = 1;
    __atomic_store_n(&new->evtchn_pending_sel, ~0ul, __ATOMIC_SEQ_CST);
    return 0;
}

long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= d->max_vcpus || !(v = d->vcpu[vcpuid]))
        return -XEN_ENOENT;
    switch ((int)cmd) {
    case VCPUOP_register_vcpu_info: {
        long rc;
        spin_lock(&d->vcpu_ctx_lock);
        rc = register_vcpu_info(v, arg);
        spin_unlock(&d->vcpu_ctx_lock);
        return rc;
    }
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area area;
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -XEN_EFAULT;
        if (area.addr.v && !guest_range_ok((unsigned long)area.addr.v, sizeof(struct vcpu_runstate_info)))
            return -XEN_EFAULT;
        v->runstate_guest = (unsigned long)area.addr.v;
        if (v->runstate_guest) {
            struct vcpu_runstate_info rs = v->runstate;
            copy_to_guest(v->runstate_guest, &rs, sizeof(rs));
        }
        return 0;
    }
    case VCPUOP_register_vcpu_time_memory_area: {
        struct vcpu_register_time_memory_area area;
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -XEN_EFAULT;
        if (area.addr.v && !guest_range_ok((unsigned long)area.addr.v, sizeof(struct vcpu_time_info)))
            return -XEN_EFAULT;
        v->time_area_guest = (unsigned long)area.addr.v;
        if (v == current)
            pv_update_vcpu_time(v);
        return 0;
    }
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info rs = v->runstate;
        s_time_t now = NOW();
        if (now > (s_time_t)rs.state_entry_time)      /* account the current state so far */
            rs.time[rs.state] += now - rs.state_entry_time;
        return copy_to_guest(arg, &rs, sizeof(rs)) ? -XEN_EFAULT : 0;
    }
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer t;
        if (v != current)
            return -XEN_EINVAL;
        if (copy_from_guest(&t, arg, sizeof(t)))
            return -XEN_EFAULT;
        /* VCPU_SSHOTTMR_future is not honoured by Xen 4.17 either. A
         * deadline of 2^63 or more is negative: in the past. */
        set_singleshot(v, (s_time_t)t.timeout_abs_ns);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != current)
            return -XEN_EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer t;
        if (copy_from_guest(&t, arg, sizeof(t)))
            return -XEN_EFAULT;
        if (t.period_ns < MILLISECS(1))
            return -XEN_EINVAL;
        if (t.period_ns > (u64)STIME_DELTA_MAX)
            return -XEN_EINVAL;
        stop_timer(&v->periodic_timer);
        v->periodic_period = (s_time_t)t.period_ns;
        /* Ticks at once if a period has passed. A vCPU not running now
         * starts its timer when it is switched in. */
        if (v == current || __atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
            periodic_work(v);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        v->periodic_period = 0;
        stop_timer(&v->periodic_timer);
        return 0;
    case VCPUOP_is_up:
        return !(v->pause_flags & VPF_down);
    case VCPUOP_up:
        if (!__atomic_load_n(&v->pv.initialised, __ATOMIC_ACQUIRE))
            return -XEN_EINVAL;
        vcpu_unpause_flags(v, VPF_down);
        return 0;
    case VCPUOP_down:
        vcpu_pause_flags(v, VPF_down);
        return 0;
    case VCPUOP_initialise: {
        long rc;
        /* Interrupts stay on: a long validation must see the timer to be
         * preempted, and then continues as a new call (as Xen). */
        spin_lock(&d->vcpu_ctx_lock);
        rc = pv_vcpu_initialise(v, arg);
        spin_unlock(&d->vcpu_ctx_lock);
        if (rc == -XEN_ERESTART)
            return hypercall_create_continuation(__HYPERVISOR_vcpu_op, 3, cmd, vcpuid, arg);
        return rc;
    }
    case VCPUOP_get_physid: {
        struct vcpu_get_physid id;
        if (!d->is_privileged || vcpuid >= nr_cpus_online)
            return -XEN_EINVAL;
        id.phys_id = cpu_apic_id(vcpuid) | ((u64)vcpuid << 32);
        return copy_to_guest(arg, &id, sizeof(id)) ? -XEN_EFAULT : 0;
    }
    case VCPUOP_send_nmi:
        if (arg)
            return -XEN_EINVAL;
        v->pv.nmi_pending = true;
        if (v->pause_flags & VPF_blocked)
            vcpu_unpause_flags(v, VPF_blocked | VPF_polling);
        return 0;
    }
    return -XEN_ENOSYS;
}
