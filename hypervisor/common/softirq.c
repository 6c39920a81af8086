/* Softirqs: per-CPU pending bits, run with interrupts enabled. */
#include <pvisor/softirq.h>
#include <pvisor/time.h>
#include <pvisor/smp.h>
#include <pvisor/sched.h>
#include <asm/atomic.h>
#include <asm/traps.h>

static unsigned long pending[CONFIG_NR_CPUS];

void raise_softirq(unsigned int nr)
{
    set_bit(nr, &pending[smp_processor_id()]);
}

void cpu_raise_softirq(unsigned int cpu, unsigned int nr)
{
    if (!test_and_set_bit(nr, &pending[cpu]) && cpu != smp_processor_id())
        smp_send_event_check(cpu);
}

bool softirq_pending(unsigned int cpu)
{
    return atomic_read(&pending[cpu]) != 0;
}

void do_softirq(void)
{
    unsigned int cpu = smp_processor_id();

    while (atomic_read(&pending[cpu])) {
        if (test_and_clear_bit(TIMER_SOFTIRQ, &pending[cpu]))
            timer_softirq();
        if (test_and_clear_bit(SCHEDULE_SOFTIRQ, &pending[cpu]))
            schedule();
    }
}
