/*
 * The TLB flush clock (rule 14), as pure arithmetic (tlb_clock.c) so the
 * wrap can be unit-tested: every flush ticks a 32-bit clock and records the
 * time on the flushing CPU; a frame records the time its last reference
 * went; a CPU must flush before the frame is retyped when it has not
 * flushed since. When the clock wraps, the CPU whose tick wrapped it must
 * flush every other CPU and then restart the clock (as Xen does): until it
 * has, every comparison answers "flush".
 */
#ifndef PVISOR_TLB_CLOCK_H
#define PVISOR_TLB_CLOCK_H
#include <pvisor/types.h>

/* Debug builds wrap every 1024 flushes so every test boot runs the wrap. */
#ifdef CONFIG_DEBUG
#define TLB_CLOCK_WRAP_MASK 0x3ffu
#else
#define TLB_CLOCK_WRAP_MASK 0xffffffffu
#endif

/* A flush just happened: tick *clock, return the time to record for the
 * flushing CPU. *lead is set when this tick wrapped the clock: the caller
 * must then flush every other CPU and call tlb_clock_restart(). During a
 * wrap the clock stays at 0. */
u32 tlb_clock_tick(u32 *clock, u32 wrap_mask, bool *lead);
/* The wrap's leader has flushed every CPU: a new period starts at 1. */
void tlb_clock_restart(u32 *clock);
/* Must a CPU that last flushed at cpu_time flush for a frame stamped
 * stamp, the clock being now? */
bool tlb_clock_need_flush(u32 now, u32 cpu_time, u32 stamp);
#endif
