/*
 * What Linux asks of an initial domain beyond the core hypercalls:
 * platform_op (wall clock, firmware and CPU information), physdev_op
 * (virtual IOPL and I/O bitmap; no physical IRQs are passed through), and
 * the toolstack's sysctl/domctl and XSM entry points, answered as Xen does
 * on a machine whose devices stay with the hypervisor.
 */
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/smp.h>
#include <pvisor/guest_access.h>
#include <pvisor/page_alloc.h>
#include <string.h>
#include <xen/platform.h>
#include <xen/physdev.h>

long do_platform_op(XEN_GUEST_HANDLE_PARAM(xen_platform_op_t) arg)
{
    struct xen_platform_op op;
    struct domain *d = current->domain;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest(&op, arg, 1))
        return -XEN_EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -XEN_EACCES;
    switch (op.cmd) {
    case XENPF_settime64:
        if (op.u.settime64.mbz)
            return -XEN_EINVAL;
        /* secs/nsecs is the wall time at system time `system_time` */
        {
            u64 at = op.u.settime64.system_time;
            u64 wall_ns = op.u.settime64.secs * 1000000000ull + op.u.settime64.nsecs;
            u64 boot_ns = wall_ns > at ? wall_ns - at : 0;
            wallclock_boot_sec = boot_ns / 1000000000ull;
            wallclock_boot_nsec = boot_ns % 1000000000ull;
            arch_set_wallclock(d, wallclock_boot_sec, wallclock_boot_nsec);
        }
        return 0;
    case XENPF_settime32: {
        u64 at = op.u.settime32.system_time;
        u64 wall_ns = op.u.settime32.secs * 1000000000ull + op.u.settime32.nsecs;
        u64 boot_ns = wall_ns > at ? wall_ns - at : 0;
        wallclock_boot_sec = boot_ns / 1000000000ull;
        wallclock_boot_nsec = boot_ns % 1000000000ull;
        arch_set_wallclock(d, wallclock_boot_sec, wallclock_boot_nsec);
        return 0;
    }
    case XENPF_firmware_info:
        switch (op.u.firmware_info.type) {
        case XEN_FW_DISK_INFO:
        case XEN_FW_DISK_MBR_SIGNATURE:
            return -XEN_ESRCH;                  /* no BIOS disk data kept */
        case XEN_FW_VBEDDC_INFO:
            return -XEN_ESRCH;
        case XEN_FW_EFI_INFO:
            return -XEN_ENOSYS;                 /* not booted from EFI */
        case XEN_FW_KBD_SHIFT_FLAGS:
            op.u.firmware_info.u.kbd_shift_flags = 0;
            return copy_to_guest(arg, &op, 1) ? -XEN_EFAULT : 0;
        }
        return -XEN_EINVAL;
    case XENPF_get_cpuinfo: {
        struct xenpf_pcpuinfo *p = &op.u.pcpu_info;
        p->max_present = nr_cpus_online - 1;
        if (p->xen_cpuid >= nr_cpus_online) {
            p->flags = XEN_PCPU_FLAGS_INVALID;
        } else {
            p->flags = XEN_PCPU_FLAGS_ONLINE;
            p->apic_id = cpu_apic_id(p->xen_cpuid);
            p->acpi_id = p->xen_cpuid;
        }
        return copy_to_guest(arg, &op, 1) ? -XEN_EFAULT : 0;
    }
    case XENPF_set_processor_pminfo:
        return 0;                               /* no power management of pCPUs */
    }
    return -XEN_ENOSYS;
}

long do_physdev_op(unsigned long cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct vcpu *v = current;

    switch ((int)cmd) {
    case PHYSDEVOP_set_iopl: {
        struct physdev_set_iopl s;
        if (copy_from_guest(&s, guest_handle_cast(arg, physdev_set_iopl_t), 1))
            return -XEN_EFAULT;
        if (s.iopl > 3)
            return -XEN_EINVAL;
        v->pv.iopl = s.iopl;
        return 0;
    }
    case PHYSDEVOP_set_iobitmap: {
        struct physdev_set_iobitmap s;
        if (copy_from_guest(&s, guest_handle_cast(arg, physdev_set_iobitmap_t), 1))
            return -XEN_EFAULT;
        /* Stored as given (as Xen): every use goes through copy_from_guest. */
        v->pv.iobmp = s.bitmap;
        v->pv.iobmp_limit = s.nr_ports;
        return 0;
    }
    case PHYSDEVOP_irq_status_query: {
        struct physdev_irq_status_query q;
        if (copy_from_guest(&q, guest_handle_cast(arg, physdev_irq_status_query_t), 1))
            return -XEN_EFAULT;
        return -XEN_EINVAL;                     /* no physical IRQs here */
    }
    case PHYSDEVOP_pirq_eoi_gmfn_v1:
    case PHYSDEVOP_pirq_eoi_gmfn_v2: {
        struct physdev_pirq_eoi_gmfn e;
        if (copy_from_guest(&e, guest_handle_cast(arg, physdev_pirq_eoi_gmfn_t), 1))
            return -XEN_EFAULT;
        if (!mfn_valid(e.gmfn) || mfn_to_frame(e.gmfn)->owner != v->domain->domain_id)
            return -XEN_EINVAL;
        return 0;
    }
    case PHYSDEVOP_get_free_pirq: {
        struct physdev_get_free_pirq p;
        XEN_GUEST_HANDLE(physdev_get_free_pirq_t) up = guest_handle_cast(arg, physdev_get_free_pirq_t);
        if (copy_from_guest(&p, up, 1))
            return -XEN_EFAULT;
        p.pirq = 16;
        return copy_to_guest(up, &p, 1) ? -XEN_EFAULT : 0;
    }
    case PHYSDEVOP_apic_read:
    case PHYSDEVOP_apic_write:
    case PHYSDEVOP_alloc_irq_vector:
    case PHYSDEVOP_eoi:
    case PHYSDEVOP_map_pirq:
    case PHYSDEVOP_unmap_pirq:
    case PHYSDEVOP_setup_gsi:
        return v->domain->is_privileged ? -XEN_EINVAL : -XEN_EPERM;
    }
    return -XEN_ENOSYS;
}

long do_xsm_op(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    (void)arg;
    return -XEN_ENOSYS;                         /* no FLASK */
}
