/* #DB in hypervisor context, on its own IST stack (debug_trap.c). */
#ifndef ASM_DEBUG_TRAP_H
#define ASM_DEBUG_TRAP_H
#include <asm/cpu_info.h>
#include <pvisor/types.h>

void debug_in_hypervisor(struct cpu_regs *regs);
bool is_syscall_stub(unsigned long rip);
extern unsigned long hv_debug_frame[];
int debug_ist_selftest(void);
#endif
