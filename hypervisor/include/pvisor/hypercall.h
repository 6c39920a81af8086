/* Hypercall handlers and continuations (Xen numbering, Xen errnos). */
#ifndef PVISOR_HYPERCALL_H
#define PVISOR_HYPERCALL_H
#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/errno.h>

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

long do_set_trap_table(unsigned long traps);
long do_stack_switch(unsigned long ss, unsigned long esp);
long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall);
long do_fpu_taskswitch(unsigned long set);
long do_set_debugreg(unsigned long reg, unsigned long value);
long do_get_debugreg(unsigned long reg);
long do_memory_op(unsigned long cmd, unsigned long arg);
long do_set_timer_op(unsigned long timeout);
long do_xen_version(unsigned long cmd, unsigned long arg);
long do_console_io(unsigned long cmd, unsigned long count, unsigned long buffer);
long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count);
long do_vm_assist(unsigned long cmd, unsigned long type);
long do_iret(void);
long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg);
long do_set_segment_base(unsigned long which, unsigned long base);
long do_sched_op(unsigned long cmd, unsigned long arg);
long do_callback_op(unsigned long cmd, unsigned long arg);
long do_event_channel_op(unsigned long cmd, unsigned long arg);
long do_physdev_op(unsigned long cmd, unsigned long arg);
long do_platform_op(unsigned long arg);
long do_sysctl(unsigned long arg);
long do_domctl(unsigned long arg);
long do_xsm_op(unsigned long arg);
#endif
