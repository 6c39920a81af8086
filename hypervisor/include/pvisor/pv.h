/* PV guest machinery (arch/x86/pv/): entry/exit, bounces, context switch. */
#ifndef PVISOR_PV_H
#define PVISOR_PV_H
#include <pvisor/domain.h>


void __attribute__((noreturn)) reset_stack_and_jump(void (*fn)(void));
void show_guest_state(struct vcpu *v, const struct cpu_regs *regs);
/* d is being freed: forget it as a CPU's last-run domain (IBPB on switch). */
void pv_forget_domain(const struct domain *d);
/* The page tables an idle pCPU keeps loaded (lazy_execstate.c). */
void pv_lazy_idle_enter(struct vcpu *v);
struct vcpu *pv_lazy_idle_leave(void);
void pv_lazy_released(struct vcpu *v);
void pv_lazy_wait_others(struct vcpu *next);
bool pv_lazy_held_elsewhere(const struct vcpu *v);

/* Queue exception `vector` for the guest (through its trap table). */
void pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error, u32 error);
void pv_inject_page_fault(struct vcpu *v, unsigned long cr2, u32 error);
/* Build the bounce frame for v->pv.trap_bounce on the guest stack now. */
void pv_apply_trap_bounce(struct vcpu *v, struct cpu_regs *regs);
void toggle_guest_mode(struct vcpu *v);
/* CR3 value for v's current mode. */
unsigned long pv_guest_cr3(const struct vcpu *v);

void pv_syscall(struct cpu_regs *regs);
void pv_exit_to_guest(struct cpu_regs *regs);
long do_hypercall(struct cpu_regs *regs);

/* pvclock: refresh v's vcpu_time_info (and its registered copy). */
void pv_update_vcpu_time(struct vcpu *v);
void vcpu_timers_init(struct vcpu *v);
/* The vCPU timers vcpu_op drives (pv_time.c). */
void vcpu_set_singleshot(struct vcpu *v, s_time_t when);
void vcpu_periodic_work(struct vcpu *v);
void vcpu_timers_kill(struct vcpu *v);
void vcpu_periodic_switch_in(struct vcpu *v);
void vcpu_periodic_switch_out(struct vcpu *v);
long pv_vcpu_initialise(struct vcpu *v, XEN_GUEST_HANDLE(vcpu_guest_context_t) arg);

/* The machine-to-phys table and its read-only guest mapping. */
void m2p_init(void);
unsigned long m2p_get(unsigned long mfn);
/* The 16 hypervisor L4 entries (slots 256-271) for a guest L4 of d. */
void pv_l4_hv_slots(const struct domain *d, u64 slots[16]);
void pv_l4_fill_m2p(unsigned long l4mfn);

#endif
