/*
 * Test seam: PVCTL_FAULT=PHASE in the environment makes `create` fail at
 * PHASE as if the hypervisor or xenstored had refused that step, so a
 * system test can check that a create failing there leaves nothing behind.
 * Only for the steps no real input can make fail (xenstored refusing dom0,
 * unpause refused, the console and xenstore grants); a bad kernel, a ramdisk
 * too big or memory over free are tested with real configs.
 * Phases, in create's order: domain memory image grants xenstore introduce
 * unpause.
 */
#ifndef PVCTL_FAULT_H
#define PVCTL_FAULT_H
#include <stdbool.h>

/* true when PVCTL_FAULT names phase */
bool fault_at(const char *phase);
#endif
