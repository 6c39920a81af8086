/* Hypercall handlers and continuations (Xen numbering, Xen errnos). */
#ifndef PVISOR_HYPERCALL_H
#define PVISOR_HYPERCALL_H
#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/sysctl.h>
#include <xen/domctl.h>
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <xen/platform.h>
#include <xen/callback.h>

typedef long (*hypercall_fn_t)(unsigned long, unsigned long, unsigned long,
                               unsigned long, unsigned long, unsigned long);

/* Make the current hypercall restart with new arguments (preemption):
 * returns the value the handler must return. */
long hypercall_create_continuation(unsigned int op, unsigned int nargs, ...);
long hypercall_continue_with(unsigned int op, unsigned int nargs, const unsigned long *args);
struct mm_cont;
void hypercall_capture_continuation(struct mm_cont *cont);
long hypercall_dispatch(unsigned long op, const unsigned long args[6]);
bool hypercall_preempt_check(void);

/*
 * The hypercall table, the one place each handler's prototype is written:
 * X(name, handler, (parameter types)). A guest pointer is a typed handle
 * (XEN_GUEST_HANDLE_PARAM(T), see guest_access.h), never an integer; plain
 * unsigned long is kept for numbers and for virtual addresses the ABI passes
 * as values (update_va_mapping's va, segment bases, callback entries).
 * The declarations below are generated from it, so a handler defined with
 * another prototype does not build, and hypercall.c checks the table's
 * function pointers against it.
 */
#define HYPERCALLS(X) \
    X(set_trap_table, do_set_trap_table, (XEN_GUEST_HANDLE_PARAM(const_trap_info_t))) \
    X(mmu_update, do_mmu_update, (XEN_GUEST_HANDLE_PARAM(mmu_update_t), unsigned long, \
                                  XEN_GUEST_HANDLE_PARAM(uint), unsigned long)) \
    X(set_gdt, do_set_gdt, (XEN_GUEST_HANDLE_PARAM(xen_ulong_t), unsigned long)) \
    X(stack_switch, do_stack_switch, (unsigned long, unsigned long)) \
    X(set_callbacks, do_set_callbacks, (unsigned long, unsigned long, unsigned long)) \
    X(fpu_taskswitch, do_fpu_taskswitch, (unsigned long)) \
    X(platform_op, do_platform_op, (XEN_GUEST_HANDLE_PARAM(xen_platform_op_t))) \
    X(set_debugreg, do_set_debugreg, (unsigned long, unsigned long)) \
    X(get_debugreg, do_get_debugreg, (unsigned long)) \
    X(update_descriptor, do_update_descriptor, (unsigned long, unsigned long)) \
    X(memory_op, do_memory_op, (unsigned long, XEN_GUEST_HANDLE_PARAM(void))) \
    X(multicall, do_multicall, (XEN_GUEST_HANDLE_PARAM(multicall_entry_t), unsigned long)) \
    X(update_va_mapping, do_update_va_mapping, (unsigned long, unsigned long, unsigned long)) \
    X(set_timer_op, do_set_timer_op, (unsigned long)) \
    X(xen_version, do_xen_version, (unsigned long, XEN_GUEST_HANDLE_PARAM(void))) \
    X(console_io, do_console_io, (unsigned long, unsigned long, XEN_GUEST_HANDLE_PARAM(char))) \
    X(grant_table_op, do_grant_table_op, (unsigned long, XEN_GUEST_HANDLE_PARAM(void), unsigned long)) \
    X(vm_assist, do_vm_assist, (unsigned long, unsigned long)) \
    X(update_va_mapping_otherdomain, do_update_va_mapping_otherdomain, \
      (unsigned long, unsigned long, unsigned long, unsigned long)) \
    X(iret, do_iret, (void)) \
    X(vcpu_op, do_vcpu_op, (unsigned long, unsigned long, XEN_GUEST_HANDLE_PARAM(void))) \
    X(set_segment_base, do_set_segment_base, (unsigned long, unsigned long)) \
    X(mmuext_op, do_mmuext_op, (XEN_GUEST_HANDLE_PARAM(mmuext_op_t), unsigned long, \
                                XEN_GUEST_HANDLE_PARAM(uint), unsigned long)) \
    X(xsm_op, do_xsm_op, (XEN_GUEST_HANDLE_PARAM(void))) \
    X(sched_op, do_sched_op, (unsigned long, XEN_GUEST_HANDLE_PARAM(void))) \
    X(callback_op, do_callback_op, (unsigned long, XEN_GUEST_HANDLE_PARAM(const_void))) \
    X(event_channel_op, do_event_channel_op, (unsigned long, XEN_GUEST_HANDLE_PARAM(void))) \
    X(physdev_op, do_physdev_op, (unsigned long, XEN_GUEST_HANDLE_PARAM(void))) \
    X(sysctl, do_sysctl, (XEN_GUEST_HANDLE_PARAM(xen_sysctl_t))) \
    X(domctl, do_domctl, (XEN_GUEST_HANDLE_PARAM(xen_domctl_t)))

#define HYPERCALL_DECLARE(name, fn, params) long fn params;
HYPERCALLS(HYPERCALL_DECLARE)
#undef HYPERCALL_DECLARE
#endif
