/* Speculative-execution mitigations (arch/x86/spec_ctrl.c). */
#ifndef PVISOR_SPEC_CTRL_H
#define PVISOR_SPEC_CTRL_H
#include <pvisor/types.h>

extern u8 spec_verw_on_exit;
extern bool spec_ibpb_on_switch;
void spec_ctrl_init(void);
void spec_ibpb(void);
#endif
