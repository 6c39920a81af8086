/* The x86/PV share of domctl (arch/x86/pv/domctl.c), reached from
 * common/domctl.c. */
#ifndef ASM_DOMCTL_H
#define ASM_DOMCTL_H
#include <pvisor/types.h>
#include <xen/domctl.h>

struct domain;
/* An operation common/domctl.c does not handle, on d (a reference held);
 * *copyback when op goes back to the caller. Xen's errno, -ENOSYS for an
 * unknown command. */
long arch_do_domctl(struct xen_domctl *op, struct domain *d, bool *copyback);
#endif
