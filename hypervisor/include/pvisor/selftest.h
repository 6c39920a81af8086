/* Boot-time self checks (selftest=) and the debug-only deliberate fault. */
#ifndef PVISOR_SELFTEST_H
#define PVISOR_SELFTEST_H
#include <pvisor/bootinfo.h>
void selftests_run(void);
/* Checks that need the memory manager (after pv_mm_init). */
void selftests_run_late(void);
/* Two CPUs closing interdomain channels from both ends: 0 ok, 1 not run
 * (one CPU, or the other runs no timers), < 0 failed. */
int evtchn_lock_order_selftest(void);
/* kill_timer against a running, self-re-arming handler on the other CPU:
 * 0 ok, 1 not run, < 0 failed. */
int timer_kill_selftest(void);
void debug_fault_maybe(void);
/* debug_fault=stuck / stuck_irqoff: spin once guests are about to run. */
void debug_fault_stuck_maybe(void);
void smp_ipi_init(void);
void __attribute__((noreturn)) start_dom0(const struct boot_info *bi);
#endif
