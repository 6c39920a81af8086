/*
 * The PV memory-management hypercalls and faults, as the rest of the
 * hypervisor sees them (implemented over the memory-safety module).
 */
#ifndef PVISOR_PV_MM_H
#define PVISOR_PV_MM_H
#include <pvisor/domain.h>
#include <pvisor/hypercall.h>

/* #PF from the guest: true if handled here (writable page-table emulation,
 * LDT shadow), false to bounce it. */
bool pv_mm_page_fault(struct vcpu *v, struct cpu_regs *regs, unsigned long cr2, u32 err);

/* The hypercall handlers (do_mmu_update, ...) are declared in hypercall.h. */

/* MM_IO_NONE/RO/RW: how md may map machine frame mfn as I/O (iomem.c). */
struct mm_domain;
unsigned int pv_iomem_access(const struct mm_domain *md, unsigned long mfn);
/* Validate and pin the builder's initial tables (dom0 / domU build). */
int pv_mm_adopt_initial_tables(struct vcpu *v, unsigned long l4_mfn);
/* A writable reference for a page the hypervisor writes (vcpu_info...). */
int pv_mm_get_writable_page(struct domain *d, unsigned long mfn);
void pv_mm_put_writable_page(unsigned long mfn);
void pv_mm_init(void);
void pv_mm_vcpu_init(struct vcpu *v);
void pv_load_gdt(struct vcpu *v);
void pv_load_percpu_gdt(void);
void pv_gdt_remap(struct vcpu *v);
void pv_ldt_unmap(struct vcpu *v);
bool pv_ldt_fault(struct vcpu *v, struct cpu_regs *regs, unsigned long cr2, u32 err);
bool pv_ldt_fault_hypervisor(unsigned long cr2, u32 err);
void vcpu_poll_timer_init(struct vcpu *v);
void tlb_note_flush(void);
/* Frames freed between these wait for one TLB flush instead of one each
 * (rule 14 still holds: none reaches the heap before it). Same CPU, no
 * return to the guest in between. */
void pv_mm_free_batch_begin(void);
void pv_mm_free_batch_end(void);
/* Inside a free batch: mm_frames_reap of d's frames [mfn, mfn + n) straight
 * into the batch (relinquish: no call per frame). Returns the frames looked
 * at; fewer than n: the frame at the return is the caller's to give back
 * the long way (something else holds it, or the batch was full). */
unsigned long pv_mm_reap_frames(struct domain *d, unsigned long mfn, unsigned long n);
/* This CPU is about to hold translations of d (NULL: none, idle tables). */
void tlb_note_owner(struct domain *d);
#endif
