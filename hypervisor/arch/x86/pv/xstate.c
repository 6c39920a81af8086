/* Guest extended FPU state (see pvisor/xstate.h). */
#include <pvisor/xstate.h>
#include <pvisor/domain.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <string.h>

u64 xstate_guest_mask;

static void xsetbv(u32 index, u64 v)
{
    __asm__ __volatile__("xsetbv" :: "c"(index), "a"((u32)v), "d"((u32)(v >> 32)));
}

static u64 xgetbv(u32 index)
{
    u32 lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
    return ((u64)hi << 32) | lo;
}

void xstate_init_cpu(void)
{
    struct cpuid_regs r;

    if (!cpu_has_xsave)
        return;
    write_cr4(read_cr4() | CR4_OSXSAVE);
    cpuid_count(0xd, 0, &r);
    xstate_guest_mask = r.eax & (XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
    xsetbv(0, XSTATE_X87 | XSTATE_SSE);
}

u32 xstate_size(u64 xcr0)
{
    /* legacy area + header, then AVX's 256 bytes at offset 576 */
    return (xcr0 & XSTATE_AVX) ? 832 : 576;
}

int xstate_vcpu_init(struct vcpu *v)
{
    v->pv.xcr0 = XSTATE_X87 | XSTATE_SSE;
    v->pv.fpu_area = alloc_xenheap_page();      /* zero: every component in its init state */
    if (!v->pv.fpu_area)
        return -1;
    /* ...except MXCSR, which XRSTOR loads from memory regardless: mask all
     * SIMD exceptions as after reset */
    *(u32 *)((u8 *)v->pv.fpu_area + 24) = 0x1f80;
    return 0;
}

void xstate_vcpu_free(struct vcpu *v)
{
    free_xenheap_page(v->pv.fpu_area);
    v->pv.fpu_area = NULL;
}

void xstate_save(struct vcpu *v)
{
    __asm__ __volatile__("clts");
    if (xstate_guest_mask)
        __asm__ __volatile__("xsave64 %0" : "=m"(*(u8 (*)[832])v->pv.fpu_area)
                             : "a"(~0u), "d"(~0u) : "memory");
    else
        __asm__ __volatile__("fxsaveq %0" : "=m"(*(u8 (*)[512])v->pv.fpu_area));
}

void xstate_restore(struct vcpu *v)
{
    __asm__ __volatile__("clts");
    if (xstate_guest_mask) {
        if (xgetbv(0) != v->pv.xcr0)
            xsetbv(0, v->pv.xcr0);
        __asm__ __volatile__("xrstor64 %0" :: "m"(*(u8 (*)[832])v->pv.fpu_area),
                             "a"(~0u), "d"(~0u) : "memory");
    } else if (v->pv.fpu_initialised) {
        __asm__ __volatile__("fxrstorq %0" :: "m"(*(u8 (*)[512])v->pv.fpu_area));
    } else {
        u32 mxcsr = 0x1f80;
        __asm__ __volatile__("fninit; ldmxcsr %0" :: "m"(mxcsr));
        v->pv.fpu_initialised = true;
    }
}

int xstate_set_xcr0(struct vcpu *v, u32 index, u64 value)
{
    /* XCR0 only; x87 always on; AVX needs SSE; nothing we do not allow. */
    if (index != 0 || !xstate_guest_mask || !(value & XSTATE_X87) ||
        (value & ~xstate_guest_mask) || ((value & XSTATE_AVX) && !(value & XSTATE_SSE)))
        return -1;
    v->pv.xcr0 = value;
    xsetbv(0, value);
    return 0;
}
