/*
 * Boot self check of kill_timer (time.c): a handler on the other CPU that
 * is still running, and re-arms itself, when this CPU kills its timer.
 * Domain teardown frees a vCPU right after killing its timers, so
 * kill_timer must wait for that handler and refuse its re-arm; a plain
 * stop_timer does neither (this check fails with it).
 */
#include <pvisor/selftest.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <asm/processor.h>

static struct timer victim;
static volatile unsigned int runs, in_handler;

/* Stays long enough for the other CPU to kill the timer meanwhile. */
static void slow_rearming_handler(void *data)
{
    s_time_t until = NOW() + MILLISECS(5);

    (void)data;
    __atomic_store_n(&in_handler, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&runs, 1, __ATOMIC_SEQ_CST);
    while (NOW() < until)
        cpu_relax();
    set_timer(&victim, NOW() + MICROSECS(100));
    __atomic_store_n(&in_handler, 0, __ATOMIC_SEQ_CST);
}

static bool wait_until(volatile unsigned int *v, unsigned int want, s_time_t limit)
{
    s_time_t end = NOW() + limit;

    while (__atomic_load_n(v, __ATOMIC_SEQ_CST) != want)
        if (NOW() > end)
            return false;
        else
            cpu_relax();
    return true;
}

int timer_kill_selftest(void)
{
    unsigned int seen;
    s_time_t end;

    if (nr_cpus_online < 2)
        return 1;
    runs = in_handler = 0;
    init_timer(&victim, slow_rearming_handler, NULL, 1);
    set_timer(&victim, NOW());
    if (!wait_until(&in_handler, 1, SECONDS(2))) {
        kill_timer(&victim);
        return 1;                       /* the other CPU runs no timers yet */
    }
    kill_timer(&victim);
    if (__atomic_load_n(&in_handler, __ATOMIC_SEQ_CST))
        return -1;                      /* returned while the handler ran */
    seen = runs;
    end = NOW() + MILLISECS(20);        /* 100 us re-arms would have run */
    while (NOW() < end)
        cpu_relax();
    if (runs != seen || victim.active)
        return -2;                      /* the handler's re-arm survived */
    return 0;
}
