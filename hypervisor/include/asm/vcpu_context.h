/* A PV vCPU's guest context in and out (arch/x86/pv/vcpu_context.c): the arch hooks domctl uses. */
#ifndef ASM_VCPU_CONTEXT_H
#define ASM_VCPU_CONTEXT_H
#include <pvisor/domain.h>

/* The vm_assist types a 64-bit PV domain may enable (Xen's VMASST_VALID_PV). */
#define PV_VM_ASSIST_VALID ((1ul << VMASST_TYPE_4gb_segments) | (1ul << VMASST_TYPE_4gb_segments_notify) | \
                            (1ul << VMASST_TYPE_writable_pagetables) | (1ul << VMASST_TYPE_pae_extended_cr3) | \
                            (1ul << VMASST_TYPE_architectural_iopl) | (1ul << VMASST_TYPE_runstate_update_flag) | \
                            (1ul << VMASST_TYPE_m2p_strict))

/* Give v context *c (a hypervisor copy, the GDT frame list included: the
 * guest cannot change it between check and use): Xen's checks, -EINVAL for
 * a bogus context, -EOPNOTSUPP for new tables on an initialised vCPU,
 * -ERESTART to continue. Kernel selectors with RPL 0 are fixed up in *c. */
long arch_set_info_guest(struct vcpu *v, struct vcpu_guest_context *c);
/* Has v a context (builder, VCPUOP_initialise or setvcpucontext)? */
bool arch_vcpu_initialised(const struct vcpu *v);
/* The context as Xen's getvcpucontext returns it. */
void arch_get_info_guest(struct vcpu *v, struct vcpu_guest_context *c);
#endif
