/*
 * Stuck-CPU watchdog (debug builds): reports, once, a CPU that stays in
 * the hypervisor without reaching a point where it could run something
 * else (an exit to a guest, an idle-loop pass) for watchdog_ms= (default
 * 2000). With interrupts on, the CPU's own timer interrupt sees it; with
 * them off, another CPU sees its timer interrupts stop and sends it an
 * NMI. The report is the CPU's RIP and a backtrace.
 */
#ifndef PVISOR_WATCHDOG_H
#define PVISOR_WATCHDOG_H
#include <pvisor/types.h>

struct cpu_regs;

#ifdef CONFIG_DEBUG
extern unsigned long watchdog_progress_count[CONFIG_NR_CPUS];
/* The CPU could run something else now: it is not stuck. */
static inline void watchdog_progress(unsigned int cpu)
{
    watchdog_progress_count[cpu]++;
}
void watchdog_start(void);                      /* once guests run */
void watchdog_stop(void);                       /* panic, power-off */
void watchdog_tick(const struct cpu_regs *regs);    /* timer interrupt */
bool watchdog_nmi(const struct cpu_regs *regs);     /* true: the NMI was ours */
unsigned int watchdog_ms(void);                 /* 0: off */
#else
static inline void watchdog_progress(unsigned int cpu) { (void)cpu; }
static inline void watchdog_start(void) {}
static inline void watchdog_stop(void) {}
static inline void watchdog_tick(const struct cpu_regs *regs) { (void)regs; }
static inline bool watchdog_nmi(const struct cpu_regs *regs) { (void)regs; return false; }
#endif
#endif
