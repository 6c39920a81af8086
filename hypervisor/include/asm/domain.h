/*
 * The x86/PV part of a domain, and every hook common/ calls into x86/PV:
 * setting up and tearing down the architecture's share of domains and
 * vCPUs (arch/x86/pv/pv_domain.c), frames and the machine-to-phys table,
 * time, and the context switch. common/ reaches x86/PV only this way (it
 * includes no pvisor/pv*.h).
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
    struct vpit2 vpit;                 /* virtual PIT channel 2 of dom0 and XEN_X86_EMU_PIT domUs (vpit.c) */
    spinlock_t vpit_lock;              /* its vCPUs may touch it at once */
    /* Where a preempted arch_domain_relinquish_resources resumes. */
    unsigned int relmem_step;
    unsigned long relmem_cursor;
    /* Every frame ever given to the domain lies in [mfn_lo, mfn_hi): the
     * part of the frame table relinquishing scans; and in a chunk of it
     * whose bit is set here (the table cut into RELMEM_CHUNKS chunks of at
     * least 512 frames): a domain's frames are a few 2 MiB extents spread
     * over the whole table, and the scan skips the chunks between them. */
    unsigned long mfn_lo, mfn_hi;
#define RELMEM_CHUNKS 4096
    unsigned long relmem_chunks[RELMEM_CHUNKS / (8 * sizeof(unsigned long))];
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

/* An idle pCPU keeps the last vCPU's page tables loaded (lazy_execstate.c,
 * v->ctx_loaded stays true meanwhile): ask it to load its own (does not
 * wait), and the EXECSTATE_SOFTIRQ that does it on the holder. */
void arch_release_vcpu_tables(struct vcpu *v);
void arch_sync_local_execstate(void);

/* Switch this pCPU from prev to next (context.c); does not return. */
void __attribute__((noreturn)) context_switch(struct vcpu *prev, struct vcpu *next);

/* Frames (mm_glue.c): the memory-safety module's environment, and a frame
 * given to d with its bookkeeping (the second form when
 * domain_reserve_pages already took its room in max_pages). */
struct mm_env;
struct mm_env *arch_mm_env(void);
void arch_assign_page(struct domain *d, unsigned long mfn);
void arch_assign_reserved_page(struct domain *d, unsigned long mfn);
/* The same for the n frames of one extent [mfn, mfn + n). */
void arch_assign_reserved_pages(struct domain *d, unsigned long mfn, unsigned long n);
/* Record that mfn (or [mfn, mfn + n)) was given to d (pv_domain.c: what
 * relinquishing scans). */
void arch_note_frame(struct domain *d, unsigned long mfn);
void arch_note_frames(struct domain *d, unsigned long mfn, unsigned long n);
/* Let d map hypervisor frame mfn (shared_info, grant frames). */
void arch_share_xen_page(struct domain *d, unsigned long mfn);
/* The end of such a page (or of one never shared): it is the hypervisor's
 * again at once, so nothing new maps it, and goes back to the heap when
 * the last mapping another domain still holds (dom0's foreign mapping of
 * a dead domU's shared_info) goes; at once if there is none. */
void arch_unshare_xen_page(void *va);

/* The machine-to-phys table (pv_domain.c): an entry, its size, and the
 * frame holding entry `index` (XENMEM_machphys_mfn_list). */
void m2p_set(unsigned long mfn, unsigned long pfn);
extern unsigned long m2p_max_mfn;
unsigned long m2p_backing_mfn(unsigned long index);

/* Write the wallclock base into d's shared_info (pv_time.c). */
void arch_set_wallclock(struct domain *d, u64 sec, u32 nsec);

/* The TLB flush clock wrapped on this CPU: flush all (TLB_CLOCK_SOFTIRQ). */
void tlb_clock_new_period(void);

#endif
