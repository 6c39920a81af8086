/*
 * Stuck-CPU watchdog, debug builds only (include/pvisor/watchdog.h).
 *
 * Every CPU keeps a 100 ms timer armed so its timer interrupt comes at
 * least that often, wherever it is (guest, idle, hypervisor). In that
 * interrupt it checks itself: interrupted in a guest, or having passed a
 * progress point since the last check, it is fine; otherwise, once it has
 * been so for watchdog_ms, it reports itself. While it is stuck its timer
 * softirq cannot run to re-arm the APIC, so the interrupt re-arms it for
 * the next check. It also checks the others: a CPU whose timer interrupts
 * stopped for watchdog_ms has interrupts off, and gets an NMI that
 * reports it. Each CPU is reported once per stuck period.
 */
#include <pvisor/watchdog.h>
#include <pvisor/apic.h>
#include <pvisor/cmdline.h>
#include <pvisor/console.h>
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <asm/cpu_info.h>
#include <asm/regs.h>
#include <asm/traps.h>

#ifdef CONFIG_DEBUG

#define CHECK_PERIOD MILLISECS(100)

static unsigned int opt_watchdog_ms = 2000;
integer_param("watchdog_ms", opt_watchdog_ms);

unsigned int watchdog_ms(void)
{
    return opt_watchdog_ms;
}

unsigned long watchdog_progress_count[CONFIG_NR_CPUS];

static struct {
    struct timer timer;
    unsigned long seen;           /* progress count at the last check */
    s_time_t since;               /* no progress since then */
    s_time_t last_tick;           /* its last timer interrupt */
    unsigned long at_last_tick;   /* progress count then */
    unsigned int quiet_ticks;     /* timer interrupts without progress in a row */
    bool reported;
    bool nmi_asked;
} wd[CONFIG_NR_CPUS];
static bool running;

static void keep_ticking(void *data)
{
    set_timer(data, NOW() + CHECK_PERIOD);
}

void watchdog_start(void)
{
    s_time_t now = NOW();

    if (!opt_watchdog_ms)
        return;
    for (unsigned int c = 0; c < nr_cpus_online; c++) {
        wd[c].since = wd[c].last_tick = now;
        init_timer(&wd[c].timer, keep_ticking, &wd[c].timer, c);
        set_timer(&wd[c].timer, now + CHECK_PERIOD);
    }
    __atomic_store_n(&running, true, __ATOMIC_RELEASE);
    printk("watchdog: reporting CPUs stuck in the hypervisor for %u ms\n", opt_watchdog_ms);
}

void watchdog_stop(void)
{
    __atomic_store_n(&running, false, __ATOMIC_RELEASE);
}

static void report(unsigned int cpu, const struct cpu_regs *regs, s_time_t now, const char *how)
{
    printk(LOG_ERR "watchdog: CPU%u stuck in the hypervisor for %lld ms (%s), RIP %016lx\n",
           cpu, (long long)((now - wd[cpu].since) / 1000000), how, (unsigned long)regs->rip);
    show_backtrace(regs->rbp, regs->rip);
}

static bool guest_mode(const struct cpu_regs *regs)
{
    return (regs->cs & 3) != 0;
}

void watchdog_tick(const struct cpu_regs *regs)
{
    unsigned int me = smp_processor_id();
    s_time_t now, limit;
    unsigned long progress;

    if (!__atomic_load_n(&running, __ATOMIC_ACQUIRE))
        return;
    now = NOW();
    limit = MILLISECS(opt_watchdog_ms);
    progress = __atomic_load_n(&watchdog_progress_count[me], __ATOMIC_RELAXED);
    wd[me].at_last_tick = progress;
    __atomic_store_n(&wd[me].last_tick, now, __ATOMIC_RELEASE);
    if (guest_mode(regs) || progress != wd[me].seen) {
        wd[me].seen = progress;
        wd[me].since = now;
        wd[me].quiet_ticks = 0;
        wd[me].reported = false;
        __atomic_store_n(&wd[me].nmi_asked, false, __ATOMIC_RELEASE);
    } else {
        /* Stuck means ticking along without progress: a host that stalled
         * QEMU for watchdog_ms makes the clock jump with one tick at most. */
        wd[me].quiet_ticks++;
        if (now - wd[me].since >= limit && !wd[me].reported &&
            (s_time_t)wd[me].quiet_ticks * CHECK_PERIOD >= limit / 2) {
            wd[me].reported = true;
            report(me, regs, now, "interrupts on");
        }
        apic_timer_oneshot(CHECK_PERIOD);     /* the softirq will not re-arm it */
    }
    for (unsigned int c = 0; c < nr_cpus_online; c++) {
        if (c == me || now - __atomic_load_n(&wd[c].last_tick, __ATOMIC_ACQUIRE) < limit)
            continue;
        if (!__atomic_exchange_n(&wd[c].nmi_asked, true, __ATOMIC_ACQ_REL))
            apic_send_nmi(cpu_apic_id(c));
    }
}

bool watchdog_nmi(const struct cpu_regs *regs)
{
    unsigned int me = smp_processor_id();
    s_time_t now = NOW();

    if (!__atomic_load_n(&running, __ATOMIC_ACQUIRE) ||
        !__atomic_load_n(&wd[me].nmi_asked, __ATOMIC_ACQUIRE))
        return false;
    /* Only what the other CPU inferred: interrupts off (not in a guest,
     * nor in hlt), no progress since the last timer interrupt. A CPU whose
     * host thread was merely descheduled fails one of these. */
    if (!wd[me].reported && !guest_mode(regs) && !(regs->rflags & X86_EFLAGS_IF) &&
        __atomic_load_n(&watchdog_progress_count[me], __ATOMIC_RELAXED) == wd[me].at_last_tick) {
        wd[me].reported = true;
        wd[me].since = __atomic_load_n(&wd[me].last_tick, __ATOMIC_ACQUIRE);
        console_emergency_begin();    /* it may be stuck holding the console's locks */
        report(me, regs, now, "interrupts off");
        console_emergency_end();
    }
    return true;
}
#endif /* CONFIG_DEBUG */
