/*
 * The x86/PV part of a domain, and the hooks common/domain.c calls to set
 * up and tear down the architecture's share of domains and vCPUs
 * (arch/x86/pv/pv_domain.c). common/ reaches x86/PV state only this way.
 */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <pvisor/types.h>
#include <pvisor/spinlock.h>
#include <pvisor/vpit.h>

struct domain;
struct vcpu;

struct arch_domain {
    /* Per-domain virtual area: the L3 behind L4 slot 260 (GDT/LDT shadows). */
    u64 *perdomain_l3;
    u8 vpic_imr[2];                    /* dom0's virtual PIC masks (ioport.c) */
    struct vpit2 vpit;                 /* dom0's virtual PIT channel 2 (vpit.c) */
    spinlock_t vpit_lock;              /* its vCPUs may touch it at once */
    /* Where a preempted arch_domain_relinquish_resources resumes. */
    unsigned int relmem_step;
    unsigned long relmem_cursor;
};

/* 0 or -errno; a failure leaves nothing for arch_domain_destroy to undo
 * beyond what it copes with (it is also the unwind of a failed create). */
int arch_domain_init(struct domain *d);
void arch_domain_destroy(struct domain *d);
/* A dying domain (its vCPUs off every pCPU): stop its vCPUs' timers, drop
 * what its vCPUs hold (page tables, GDT/LDT, vcpu_info pages), unpin its
 * frames and drop their allocation references. 0 when done, -XEN_ERESTART
 * to be called again. */
int arch_domain_relinquish_resources(struct domain *d);
/* 0 or -errno; a failure leaves nothing for arch_vcpu_destroy to undo
 * beyond what it copes with. */
int arch_vcpu_init(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
/* The guest state of v for a crash report (v's registers in regs). */
struct cpu_regs;
void arch_show_guest_state(struct vcpu *v, const struct cpu_regs *regs);

#endif
