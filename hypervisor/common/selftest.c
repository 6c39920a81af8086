/*
 * Boot-time self checks, on by default (selftest=0 to skip): the page
 * allocator's books, the timer actually firing (and a timer re-armed in
 * the past running once per pass), #DB staying on its IST
 * stack whatever RSP was, a corrupt FPU area refused without a fault,
 * every CPU answering a cross-CPU call. And, in debug builds only,
 * debug_fault= to provoke a hypervisor fault on purpose and exercise the
 * panic dump.
 */
#include <pvisor/selftest.h>
#include <pvisor/cmdline.h>
#include <pvisor/console.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <pvisor/softirq.h>
#include <pvisor/time.h>
#include <pvisor/watchdog.h>
#include <asm/processor.h>
#include <asm/debug_trap.h>
#include <pvisor/xstate.h>
#include <string.h>

static bool opt_selftest = true;
boolean_param("selftest", opt_selftest);

static volatile unsigned int ticks;
static struct timer tick_timer;
/* 10 ticks of 1 ms: enough to see the timer re-arm itself, cheap at boot. */
static s_time_t tick_period = MILLISECS(1);

static void tick(void *data)
{
    (void)data;
    if (++ticks < 10)
        set_timer(&tick_timer, tick_timer.expires + tick_period);
}

/* A timer that re-arms itself in the past (what an overflowing expiry
 * sum gives) must run once per timer-softirq pass, not keep the CPU. */
static unsigned int past_runs;
static struct timer past_timer;

static void rearm_in_past(void *data)
{
    (void)data;
    if (++past_runs < 1000)
        set_timer(&past_timer, STIME_MIN);
}

static int timer_past_selftest(void)
{
    unsigned long flags = local_irq_save();
    int rc;

    init_timer(&past_timer, rearm_in_past, NULL, smp_processor_id());
    past_runs = 0;
    set_timer(&past_timer, STIME_MIN);
    timer_softirq();
    rc = past_runs == 1 ? 0 : -1;
    stop_timer(&past_timer);
    timer_softirq();        /* re-arm the APIC for what is left: no stray tick */
    local_irq_restore(flags);
    return rc;
}

static volatile unsigned int cpus_answered;
static void answer(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&cpus_answered, 1, __ATOMIC_SEQ_CST);
}

void selftests_run(void)
{
    int rc;
    s_time_t start, end;

    if (!opt_selftest)
        return;
    rc = page_alloc_selftest();
    if (rc)
        panic("selftest: page allocator check failed (%d)", rc);
    printk("selftest: page allocator OK (%llu MiB free)\n",
           (unsigned long long)free_pages_count() >> 8);

    init_timer(&tick_timer, tick, NULL, smp_processor_id());
    start = NOW();
    set_timer(&tick_timer, start + tick_period);
    while (ticks < 10 && NOW() - start < SECONDS(5)) {
        local_irq_disable();
        do_softirq();
        if (ticks < 10 && !softirq_pending(smp_processor_id()))
            safe_halt();
        else
            local_irq_enable();
    }
    end = NOW();
    if (ticks < 10)
        panic("selftest: timer fired %u times in 5 s instead of 10 times in 10 ms", ticks);
    printk("selftest: timer ticking: 10 ticks of 1 ms in %lld.%03lld ms\n",
           (long long)(end - start) / 1000000, (long long)((end - start) / 1000) % 1000);

    if (timer_past_selftest())
        panic("selftest: a timer re-armed in the past ran %u times in one pass", past_runs);
    printk("selftest: a timer re-armed in the past runs once per pass\n");

    if (debug_ist_selftest())
        panic("selftest: #DB did not stay on its IST stack");
    printk("selftest: #DB on its IST stack with a hostile RSP (int $1, MOV SS data breakpoint)\n");

    rc = xstate_selftest();
    if (rc < 0)
        panic("selftest: FPU state restore: %s", rc == -1 ? "a corrupt area was loaded"
                                                          : "the init state was refused");
    printk("selftest: %s\n", rc ? "FPU init state loads (no XSAVE: corrupt-area refusal not tried)"
                               : "a corrupt XSAVE area is refused without a fault");

    smp_call_function(answer, NULL, true);
    if (cpus_answered != nr_cpus_online - 1)
        panic("selftest: %u of %u other CPUs answered a call", cpus_answered, nr_cpus_online - 1);
    printk("selftest: %u CPU%s answering\n", nr_cpus_online, nr_cpus_online > 1 ? "s" : "");
}

void selftests_run_late(void)
{
    int rc;

    if (!opt_selftest)
        return;
    rc = evtchn_lock_order_selftest();
    if (rc < 0)
        panic("selftest: closing interdomain event channels from both ends at once failed (%d)", rc);
    if (rc == 0)
        printk("selftest: event channels closed from both ends at once on 2 CPUs\n");
    rc = timer_kill_selftest();
    if (rc < 0)
        panic("selftest: kill_timer %s", rc == -1 ? "returned while the timer's handler ran"
                                                  : "let the handler re-arm the timer");
    if (rc == 0)
        printk("selftest: kill_timer waits for a running handler on another CPU and refuses its re-arm\n");
}

#ifdef CONFIG_DEBUG
static char opt_debug_fault[16];
string_param("debug_fault", opt_debug_fault);

static void __attribute__((noinline)) fault_pf(void)
{
    *(volatile u64 *)0xdead000 = 1;     /* unmapped in the hypervisor */
}

void debug_fault_maybe(void)
{
    if (!opt_debug_fault[0] || !strncmp(opt_debug_fault, "stuck", 5))
        return;                          /* debug_fault_stuck_maybe's */
    printk("debug_fault=%s: provoking a hypervisor fault on purpose\n", opt_debug_fault);
    if (!strcmp(opt_debug_fault, "pf"))
        fault_pf();
    else if (!strcmp(opt_debug_fault, "ud"))
        __asm__ __volatile__("ud2");
    else if (!strcmp(opt_debug_fault, "gp"))
        (void)*(volatile u64 *)0x8000000000000000ul;   /* non-canonical */
    else if (!strcmp(opt_debug_fault, "de"))
        __asm__ __volatile__("xor %%ecx, %%ecx; div %%ecx" ::: "rax", "rcx", "rdx");
    else if (!strcmp(opt_debug_fault, "panic"))
        panic("debug_fault=panic");
    /* Reached only for an unknown kind; also keeps fault_pf() from being a
     * tail call, so the backtrace still shows who called it. */
    printk(LOG_WARN "debug_fault=%s: unknown kind (pf, ud, gp, de, panic, stuck, stuck_irqoff, stuck_console)\n",
           opt_debug_fault);
}

/* Spin in the hypervisor for three watchdog periods, so that the
 * watchdog reports this CPU (then carry on). */
static void __attribute__((noinline)) debug_fault_stuck(void)
{
    s_time_t end = NOW() + 3 * MILLISECS(watchdog_ms());

    while (NOW() < end)
        cpu_relax();
}

void debug_fault_stuck_maybe(void)
{
    bool irqoff = !strcmp(opt_debug_fault, "stuck_irqoff");

    if (!strcmp(opt_debug_fault, "stuck_console")) {
        printk("debug_fault=%s: holding the console lock on purpose\n", opt_debug_fault);
        console_debug_hold(3 * MILLISECS(watchdog_ms()));
        printk("debug_fault=%s: done\n", opt_debug_fault);
        return;
    }
    if (strcmp(opt_debug_fault, "stuck") && !irqoff)
        return;
    printk("debug_fault=%s: spinning in the hypervisor on purpose\n", opt_debug_fault);
    if (irqoff)
        local_irq_disable();
    debug_fault_stuck();
    if (irqoff)
        local_irq_enable();
    printk("debug_fault=%s: done\n", opt_debug_fault);
}
#else
void debug_fault_maybe(void) {}
void debug_fault_stuck_maybe(void) {}
#endif
