/*
 * Guest FPU/SSE/AVX state: XSAVE/XRSTOR when the CPU has them (the guest
 * chooses its XCR0 through an emulated XSETBV, within x87|SSE|AVX), else
 * FXSAVE. Eagerly switched with the vCPU.
 */
#ifndef PVISOR_XSTATE_H
#define PVISOR_XSTATE_H
#include <pvisor/types.h>

#define XSTATE_X87 (1ull << 0)
#define XSTATE_SSE (1ull << 1)
#define XSTATE_AVX (1ull << 2)

struct vcpu;
extern u64 xstate_guest_mask;    /* XCR0 bits guests may enable; 0 without XSAVE */

void xstate_init_cpu(void);
int xstate_vcpu_init(struct vcpu *v);
void xstate_vcpu_free(struct vcpu *v);
void xstate_save(struct vcpu *v);
void xstate_restore(struct vcpu *v);
/* XRSTOR (FXRSTOR without XSAVE) of area with XCR0 bits mask, with a
 * fault fixup: false if the CPU refused the area. */
bool xstate_load_area(const void *area, u64 mask);
int xstate_selftest(void);
/* XSETBV by the guest: 0, or -1 to raise #GP. */
int xstate_set_xcr0(struct vcpu *v, u32 index, u64 value);
/* Bytes an XSAVE area needs for these XCR0 bits (standard format). */
u32 xstate_size(u64 xcr0);
#endif
