/* Speculative-execution mitigations (arch/x86/spec_ctrl.c). */
#ifndef PVISOR_SPEC_CTRL_H
#define PVISOR_SPEC_CTRL_H
#include <pvisor/types.h>

extern u8 spec_verw_on_exit;
extern bool spec_ibpb_on_switch;
struct boot_info;
void spec_ctrl_init(const struct boot_info *bi);
void spec_ibpb(void);
/* L1TF (spec_ctrl.c): whether domains of this kind get the check, and
 * the limits the mm module checks entries against. */
bool spec_pv_l1tf(bool hardware_domain);
void spec_l1tf_limits(u64 *addr_mask, u64 *safe_maddr);
#endif
