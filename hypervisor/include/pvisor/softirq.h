/* Deferred work run on the way out of an interrupt or in the idle loop. */
#ifndef PVISOR_SOFTIRQ_H
#define PVISOR_SOFTIRQ_H
#include <pvisor/types.h>

enum {
    TIMER_SOFTIRQ,
    SCHEDULE_SOFTIRQ,
    NR_SOFTIRQS
};

void raise_softirq(unsigned int nr);
void cpu_raise_softirq(unsigned int cpu, unsigned int nr);
bool softirq_pending(unsigned int cpu);
void do_softirq(void);
void smp_send_event_check(unsigned int cpu);
#endif
