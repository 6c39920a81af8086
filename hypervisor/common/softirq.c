/* Softirqs: per-CPU pending bits, run with interrupts enabled. */
#include <pvisor/softirq.h>
#include <pvisor/time.h>
#include <pvisor/smp.h>
#include <pvisor/sched.h>
#include <asm/domain.h>
#include <asm/atomic.h>
#include <asm/traps.h>

unsigned long softirq_pending_bits[CONFIG_NR_CPUS];

void raise_softirq(unsigned int nr)
{
    set_bit(nr, &softirq_pending_bits[smp_processor_id()]);
}

void cpu_raise_softirq(unsigned int cpu, unsigned int nr)
{
    if (!test_and_set_bit(nr, &softirq_pending_bits[cpu]) && cpu != smp_processor_id())
        smp_send_event_check(cpu);
}

void do_softirq(void)
{
    unsigned int cpu = smp_processor_id();

    while (atomic_read(&softirq_pending_bits[cpu])) {
        if (test_and_clear_bit(TIMER_SOFTIRQ, &softirq_pending_bits[cpu]))
            timer_softirq();
        if (test_and_clear_bit(TLB_CLOCK_SOFTIRQ, &softirq_pending_bits[cpu]))
            tlb_clock_new_period();
        if (test_and_clear_bit(EXECSTATE_SOFTIRQ, &softirq_pending_bits[cpu]))
            arch_sync_local_execstate();
        if (test_and_clear_bit(SCHEDULE_SOFTIRQ, &softirq_pending_bits[cpu]))
            schedule();
    }
}
