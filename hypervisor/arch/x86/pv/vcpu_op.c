/*
 * HYPERVISOR_vcpu_op: a PV guest's vCPUs (bring-up, down/up, its own
 * vcpu_info, runstate and time areas) and the timers pv_time.c keeps.
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
#include <string.h>
#include <xen/vcpu.h>

static long register_vcpu_info(struct vcpu *v, XEN_GUEST_HANDLE(vcpu_register_vcpu_info_t) arg)
{
    struct vcpu_register_vcpu_info info;
    vcpu_info_t *new;

    if (copy_from_guest(&info, arg, 1))
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

long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= d->max_vcpus || !(v = d->vcpu[vcpuid]))
        return -XEN_ENOENT;
    switch ((int)cmd) {
    case VCPUOP_register_vcpu_info: {
        long rc;
        spin_lock(&d->vcpu_ctx_lock);
        rc = register_vcpu_info(v, guest_handle_cast(arg, vcpu_register_vcpu_info_t));
        spin_unlock(&d->vcpu_ctx_lock);
        return rc;
    }
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area area;
        if (copy_from_guest(&area, guest_handle_cast(arg, vcpu_register_runstate_memory_area_t), 1))
            return -XEN_EFAULT;
        if (!guest_handle_is_null(area.addr.h) &&
            !guest_range_ok(guest_handle_va(area.addr.h), sizeof(struct vcpu_runstate_info)))
            return -XEN_EFAULT;
        v->runstate_guest = area.addr.h;
        if (!guest_handle_is_null(v->runstate_guest)) {
            struct vcpu_runstate_info rs = v->runstate;
            copy_to_guest(v->runstate_guest, &rs, 1);
        }
        return 0;
    }
    case VCPUOP_register_vcpu_time_memory_area: {
        struct vcpu_register_time_memory_area area;
        if (copy_from_guest(&area, guest_handle_cast(arg, vcpu_register_time_memory_area_t), 1))
            return -XEN_EFAULT;
        if (!guest_handle_is_null(area.addr.h) &&
            !guest_range_ok(guest_handle_va(area.addr.h), sizeof(struct vcpu_time_info)))
            return -XEN_EFAULT;
        v->time_area_guest = area.addr.h;
        if (v == current)
            pv_update_vcpu_time(v);
        return 0;
    }
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info rs;
        vcpu_runstate_get(v, &rs);
        return copy_to_guest(guest_handle_cast(arg, vcpu_runstate_info_t), &rs, 1) ? -XEN_EFAULT : 0;
    }
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer t;
        if (v != current)
            return -XEN_EINVAL;
        if (copy_from_guest(&t, guest_handle_cast(arg, vcpu_set_singleshot_timer_t), 1))
            return -XEN_EFAULT;
        /* VCPU_SSHOTTMR_future is not honoured by Xen 4.17 either. A
         * deadline of 2^63 or more is negative: in the past. */
        vcpu_set_singleshot(v, (s_time_t)t.timeout_abs_ns);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != current)
            return -XEN_EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer t;
        if (copy_from_guest(&t, guest_handle_cast(arg, vcpu_set_periodic_timer_t), 1))
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
            vcpu_periodic_work(v);
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
        rc = pv_vcpu_initialise(v, guest_handle_cast(arg, vcpu_guest_context_t));
        spin_unlock(&d->vcpu_ctx_lock);
        if (rc == -XEN_ERESTART)
            return hypercall_create_continuation(__HYPERVISOR_vcpu_op, 3, cmd, vcpuid,
                                                 guest_handle_va(arg));
        return rc;
    }
    case VCPUOP_get_physid: {
        struct vcpu_get_physid id;
        if (!d->is_privileged || vcpuid >= nr_cpus_online)
            return -XEN_EINVAL;
        id.phys_id = cpu_apic_id(vcpuid) | ((u64)vcpuid << 32);
        return copy_to_guest(guest_handle_cast(arg, vcpu_get_physid_t), &id, 1) ? -XEN_EFAULT : 0;
    }
    case VCPUOP_send_nmi:
        if (!guest_handle_is_null(arg))
            return -XEN_EINVAL;
        v->pv.nmi_pending = true;
        if (v->pause_flags & VPF_blocked)
            vcpu_unpause_flags(v, VPF_blocked | VPF_polling);
        return 0;
    }
    return -XEN_ENOSYS;
}
