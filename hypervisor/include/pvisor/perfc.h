/* Event counters for performance work: printed when dom0 shuts down
 * with the `perfc` command-line option. Plain increments (racy across
 * CPUs by design: statistics, not accounting). */
#ifndef PVISOR_PERFC_H
#define PVISOR_PERFC_H
#include <pvisor/types.h>

enum perfc_id {
    PERFC_hypercall_base = 0,            /* + hypercall number (64) */
    PERFC_trap_base = 64,                /* + exception vector (32) */
    PERFC_syscall_bounce = 96,
    PERFC_event_upcall,
    PERFC_ptwr,
    PERFC_privop,
    PERFC_ctxt_switch,
    PERFC_mmu_update_reqs,
    PERFC_mmuext_ops,
    PERFC_multicall_entries,
    PERFC_tlb_flush_stamp,
    PERFC_tlb_flush_guest,
    PERFC_tlb_flush_guest_ipi,
    PERFC_tlb_invlpg_guest,
    PERFC_cr3_write,
    PERFC_cr3_changed,
    PERFC_toggle_mode,
    PERFC_tlb_clock_wrap,
    PERFC_gnttab_map,                    /* entries asked for (a continuation counts its rest again) */
    PERFC_gnttab_unmap,
    PERFC_gnttab_copy,
    PERFC_evtchn_send,
    PERFC_lazy_cr3_kept,
    PERFC_lazy_sync,
    PERFC_lazy_wait,
    PERFC_apic_timer_write,
    PERFC_apic_timer_write_set,
    PERFC_timer_pass_empty,
    PERFC_NR
};

extern u64 perfc[PERFC_NR];
#define perfc_incr(id) (perfc[id]++)
#define perfc_add(id, n) (perfc[id] += (n))
void perfc_print(void);
/* `xl debug-keys`: 'p' prints the counters, 'P' zeroes them (with `perfc`). */
void perfc_debug_key(char key);
void perfc_port(unsigned int port);
/* Statistical profile (`profile` option): the interrupted RIP, sampled by
 * a 1 kHz timer; dumped with the counters. */
struct cpu_regs;
void profile_sample(const struct cpu_regs *regs);
void profile_start(void);
#endif
