/* Emulation of what PV guest kernels may not execute in ring 3. */
#ifndef PVISOR_PV_EMUL_H
#define PVISOR_PV_EMUL_H
#include <pvisor/domain.h>

/* #GP(0) from a guest: emulate the privileged instruction at RIP if the
 * policy allows it. True if emulated (RIP advanced), false to bounce #GP. */
bool pv_emulate_privileged_op(struct vcpu *v, struct cpu_regs *regs);
/* #UD: the forced-emulation prefix "ud2a; .ascii \"xen\"; cpuid". */
bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_regs *regs);
/* The PV CPUID policy. */
void pv_cpuid(struct vcpu *v, u32 leaf, u32 subleaf, u32 out[4]);
/* MSR policy: 0 on success, -1 to raise #GP. */
int pv_rdmsr(struct vcpu *v, u32 msr, u64 *val);
int pv_wrmsr(struct vcpu *v, u32 msr, u64 val);
void pv_write_hypercall_page(void *page);
int pv_set_debugreg(struct vcpu *v, unsigned int reg, u64 val);
u64 pv_get_debugreg(struct vcpu *v, unsigned int reg);
void pv_load_debugregs(const struct vcpu *v);
#endif
