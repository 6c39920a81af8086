/* Boot-time self checks (selftest=) and the debug-only deliberate fault. */
#ifndef PVISOR_SELFTEST_H
#define PVISOR_SELFTEST_H
#include <pvisor/bootinfo.h>
void selftests_run(void);
void debug_fault_maybe(void);
/* debug_fault=stuck / stuck_irqoff: spin once guests are about to run. */
void debug_fault_stuck_maybe(void);
void smp_ipi_init(void);
void __attribute__((noreturn)) start_dom0(const struct boot_info *bi);
#endif
