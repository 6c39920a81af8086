/* Machine power: ACPI S5 off, reset, and QEMU's isa-debug-exit status. */
#ifndef PVISOR_POWER_H
#define PVISOR_POWER_H
#include <pvisor/compiler.h>
#include <pvisor/types.h>

/* Status written to isa-debug-exit after a panic: QEMU exits with 255. */
#define PANIC_EXIT_STATUS 0x7f

void power_init(void);
/* Power the machine off; on QEMU with isa-debug-exit, exit with `status`. */
void __noreturn machine_power_off(u32 status);
void __noreturn machine_restart(void);
/* After a panic dump: exit/halt/reboot according to noreboot and QEMU. */
void __noreturn machine_panic_stop(void);
bool debug_exit_present(void);
#endif
