/*
 * Port I/O policy for guests. dom0 may reach machine ports except the
 * ones the hypervisor drives itself (PIC, PIT, its serial console, ACPI PM
 * registers, QEMU's debug-exit port); reads of a refused port return all
 * ones and writes are dropped, as on Xen. dom0 gets virtual PIC mask
 * registers and a virtual PIT channel 2 (vpit.h) instead of the real ones.
 * Other domains reach no ports.
 */
#ifndef PVISOR_IOPORT_H
#define PVISOR_IOPORT_H
#include <pvisor/types.h>
struct domain;
bool ioport_permitted(const struct domain *d, unsigned int port, unsigned int bytes);
u32 ioport_guest_read(struct domain *d, unsigned int port, unsigned int bytes);
void ioport_guest_write(struct domain *d, unsigned int port, unsigned int bytes, u32 val);
#endif
