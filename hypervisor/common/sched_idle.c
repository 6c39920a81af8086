/* The idle loop: run softirqs, halt until the next interrupt. */
#include <pvisor/sched.h>
#include <pvisor/softirq.h>
#include <pvisor/page_alloc.h>
#include <pvisor/smp.h>
#include <pvisor/watchdog.h>
#include <asm/processor.h>

void __attribute__((weak)) schedule(void)
{
}

void idle_loop(void)
{
    for (;;) {
        watchdog_progress(smp_processor_id());
        local_irq_disable();
        if (softirq_pending(smp_processor_id())) {
            local_irq_enable();
            do_softirq();
            continue;
        }
        if (scrub_pending()) {      /* freed frames zeroed before they are needed */
            local_irq_enable();
            scrub_free_pages();
            continue;
        }
        safe_halt();            /* sti; hlt: no wake-up can slip in between */
    }
}
