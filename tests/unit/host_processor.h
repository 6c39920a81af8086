/*
 * Host stand-in for asm/processor.h in unit tests of hypervisor code that
 * takes interrupt-saving spinlocks: user mode may not touch the interrupt
 * flag, and a test has no interrupts to mask. Force-included before the
 * real header, whose include guard it takes.
 */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H
#include <pvisor/types.h>

static inline void local_irq_disable(void) {}
static inline void local_irq_enable(void) {}
static inline unsigned long local_save_flags(void) { return 0x200; }
static inline unsigned long local_irq_save(void) { return 0x200; }
static inline void local_irq_restore(unsigned long f) { (void)f; }
static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
#endif
