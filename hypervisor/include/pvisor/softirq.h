/* Deferred work run on the way out of an interrupt or in the idle loop. */
#ifndef PVISOR_SOFTIRQ_H
#define PVISOR_SOFTIRQ_H
#include <pvisor/types.h>

enum {
    TIMER_SOFTIRQ,
    SCHEDULE_SOFTIRQ,
    TLB_CLOCK_SOFTIRQ,      /* lead a TLB flush clock wrap (pv/mm_glue.c) */
    EXECSTATE_SOFTIRQ,      /* idle: give up a vCPU's page tables (pv/lazy_execstate.c) */
    NR_SOFTIRQS
};

void raise_softirq(unsigned int nr);
void cpu_raise_softirq(unsigned int cpu, unsigned int nr);
/* Per-CPU pending bits (softirq.c); inline: every exit to a guest asks. */
extern unsigned long softirq_pending_bits[];
static inline bool softirq_pending(unsigned int cpu)
{
    return __atomic_load_n(&softirq_pending_bits[cpu], __ATOMIC_ACQUIRE) != 0;
}
void do_softirq(void);
void smp_send_event_check(unsigned int cpu);
#endif
