/*
 * TLB flush clock arithmetic with wrap handling (see pvisor/tlb_clock.h).
 * Pure: the per-CPU times, the flushing and the deferral of the leader's
 * work live in pv/mm_glue.c.
 */
#include <pvisor/tlb_clock.h>

u32 tlb_clock_tick(u32 *clock, u32 wrap_mask, bool *lead)
{
    u32 t = __atomic_load_n(clock, __ATOMIC_SEQ_CST), n;

    *lead = false;
    do {
        if (t == 0)            /* a wrap is being led elsewhere: no tick */
            return 0;
        n = (t + 1) & wrap_mask;
    } while (!__atomic_compare_exchange_n(clock, &t, n, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    *lead = n == 0;
    return n;
}

void tlb_clock_restart(u32 *clock)
{
    __atomic_store_n(clock, 1, __ATOMIC_SEQ_CST);
}

bool tlb_clock_need_flush(u32 now, u32 cpu_time, u32 stamp)
{
    /* During a wrap nothing can be compared. Otherwise a stamp above now
     * is from before the last wrap, whose leader flushed every CPU. */
    return now == 0 || (cpu_time <= stamp && stamp <= now);
}
