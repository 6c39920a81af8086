/* Traps taken while a PV guest runs (ring 3); implemented with PV domains. */
#ifndef PVISOR_PV_TRAPS_H
#define PVISOR_PV_TRAPS_H
#include <asm/cpu_info.h>
/* True if the trap was the guest's and has been handled or bounced. */
bool pv_handle_guest_trap(struct cpu_regs *regs);
void nmi_handler(struct cpu_regs *regs);
#endif
