/*
 * Hypercall wrappers.  hypercall() enters the hypervisor the way this
 * kernel was built for: through the hypercall page (GUEST_HYPERCALL_PAGE=1)
 * or with a raw `syscall`, as Debian's Linux does.  hypercall_raw() always
 * uses the raw form.  Arguments go in rdi, rsi, rdx, r10, r8; Xen may
 * clobber all of them, and rcx/r11 (syscall).
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>

long hypercall_raw(unsigned int nr, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5);
long hypercall_page_call(unsigned int nr, unsigned long a1, unsigned long a2,
			 unsigned long a3, unsigned long a4, unsigned long a5);

#if GUEST_HYPERCALL_PAGE
#define hypercall hypercall_page_call
extern char hypercall_page[];
#else
#define hypercall hypercall_raw
#endif

#define HC5(nr, a, b, c, d, e) hypercall((nr), (unsigned long)(a), (unsigned long)(b), \
					 (unsigned long)(c), (unsigned long)(d), (unsigned long)(e))
#define HC4(nr, a, b, c, d) HC5(nr, a, b, c, d, 0)
#define HC3(nr, a, b, c)    HC5(nr, a, b, c, 0, 0)
#define HC2(nr, a, b)       HC5(nr, a, b, 0, 0, 0)
#define HC1(nr, a)          HC5(nr, a, 0, 0, 0, 0)
#define HC0(nr)             HC5(nr, 0, 0, 0, 0, 0)

#define HYPERVISOR_console_io(cmd, n, buf)     HC3(__HYPERVISOR_console_io, cmd, n, buf)
#define HYPERVISOR_xen_version(cmd, arg)       HC2(__HYPERVISOR_xen_version, cmd, arg)
#define HYPERVISOR_sched_op(cmd, arg)          HC2(__HYPERVISOR_sched_op, cmd, arg)
#define HYPERVISOR_memory_op(cmd, arg)         HC2(__HYPERVISOR_memory_op, cmd, arg)
#define HYPERVISOR_vm_assist(cmd, type)        HC2(__HYPERVISOR_vm_assist, cmd, type)
#define HYPERVISOR_set_trap_table(t)           HC1(__HYPERVISOR_set_trap_table, t)
#define HYPERVISOR_set_callbacks(e, f, s)      HC3(__HYPERVISOR_set_callbacks, e, f, s)
#define HYPERVISOR_callback_op(cmd, arg)       HC2(__HYPERVISOR_callback_op, cmd, arg)
#define HYPERVISOR_update_va_mapping(va, pte, fl) HC3(__HYPERVISOR_update_va_mapping, va, pte, fl)
#define HYPERVISOR_update_va_mapping_otherdomain(va, pte, fl, dom) \
	HC4(__HYPERVISOR_update_va_mapping_otherdomain, va, pte, fl, dom)
#define HYPERVISOR_mmu_update(req, n, done, dom) HC4(__HYPERVISOR_mmu_update, req, n, done, dom)
#define HYPERVISOR_mmuext_op(op, n, done, dom) HC4(__HYPERVISOR_mmuext_op, op, n, done, dom)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg)     HC3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg)
#define HYPERVISOR_event_channel_op(cmd, arg)  HC2(__HYPERVISOR_event_channel_op, cmd, arg)
#define HYPERVISOR_set_timer_op(t)             HC1(__HYPERVISOR_set_timer_op, t)
#define HYPERVISOR_stack_switch(ss, sp)        HC2(__HYPERVISOR_stack_switch, ss, sp)
#define HYPERVISOR_fpu_taskswitch(set)         HC1(__HYPERVISOR_fpu_taskswitch, set)
#define HYPERVISOR_set_segment_base(w, v)      HC2(__HYPERVISOR_set_segment_base, w, v)
#define HYPERVISOR_set_debugreg(r, v)          HC2(__HYPERVISOR_set_debugreg, r, v)
#define HYPERVISOR_get_debugreg(r)             HC1(__HYPERVISOR_get_debugreg, r)
#define HYPERVISOR_set_gdt(frames, n)          HC2(__HYPERVISOR_set_gdt, frames, n)
#define HYPERVISOR_update_descriptor(ma, d)    HC2(__HYPERVISOR_update_descriptor, ma, d)
#define HYPERVISOR_multicall(calls, n)         HC2(__HYPERVISOR_multicall, calls, n)
#define HYPERVISOR_physdev_op(cmd, arg)        HC2(__HYPERVISOR_physdev_op, cmd, arg)

#endif
