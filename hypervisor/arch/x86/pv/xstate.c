/* Guest extended FPU state (see pvisor/xstate.h). */
#include <pvisor/xstate.h>
#include <pvisor/domain.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/traps.h>
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

/* The area in its init state: every component's XSTATE_BV bit clear (or,
 * for FXRSTOR, zeros), except MXCSR, which both load from memory
 * regardless: all SIMD exceptions masked, as after reset. */
static void fpu_area_reset(void *area)
{
    memset(area, 0, PAGE_SIZE);
    *(u32 *)((u8 *)area + 24) = 0x1f80;
}

int xstate_vcpu_init(struct vcpu *v)
{
    v->pv.xcr0 = v->pv.xcr0_accum = XSTATE_X87 | XSTATE_SSE;
    v->pv.fpu_area = alloc_xenheap_page();
    if (!v->pv.fpu_area)
        return -1;
    fpu_area_reset(v->pv.fpu_area);
    return 0;
}

void xstate_vcpu_free(struct vcpu *v)
{
    free_xenheap_page(v->pv.fpu_area);
    v->pv.fpu_area = NULL;
}

/*
 * XSAVE and XRSTOR run with XCR0 = every component the vCPU ever enabled
 * (xcr0_accum), as Xen does: with only the current XCR0, a guest that
 * shrinks it (7 -> 3 after AVX, 3 -> 1 after SSE) leaves a saved header
 * naming components XCR0 lacks, and the next XRSTOR is a #GP in the
 * hypervisor. The registers of a disabled component survive, as on Xen.
 */
void xstate_save(struct vcpu *v)
{
    __asm__ __volatile__("clts");
    if (xstate_guest_mask) {
        u64 accum = v->pv.xcr0_accum;
        if (accum != v->pv.xcr0)
            xsetbv(0, accum);
        __asm__ __volatile__("xsave64 %0" : "=m"(*(u8 (*)[832])v->pv.fpu_area)
                             : "a"((u32)accum), "d"((u32)(accum >> 32)) : "memory");
        if (accum != v->pv.xcr0)
            xsetbv(0, v->pv.xcr0);
    } else
        __asm__ __volatile__("fxsaveq %0" : "=m"(*(u8 (*)[512])v->pv.fpu_area));
}

/* Load an area; false if the CPU refused it (#GP), nothing loaded then. */
bool xstate_load_area(const void *area, u64 mask)
{
    bool ok = true;

    if (xstate_guest_mask)
        __asm__ __volatile__("1: xrstor64 %1\n2:\n"
                             ".pushsection .text.fixup, \"ax\"\n"
                             "3: movb $0, %0\n jmp 2b\n"
                             ".popsection\n"
                             _ASM_EXTABLE(1b, 3b)
                             : "+qm"(ok) : "m"(*(const u8 (*)[832])area),
                               "a"((u32)mask), "d"((u32)(mask >> 32)) : "memory");
    else
        __asm__ __volatile__("1: fxrstorq %1\n2:\n"
                             ".pushsection .text.fixup, \"ax\"\n"
                             "3: movb $0, %0\n jmp 2b\n"
                             ".popsection\n"
                             _ASM_EXTABLE(1b, 3b)
                             : "+qm"(ok) : "m"(*(const u8 (*)[512])area) : "memory");
    return ok;
}

void xstate_restore(struct vcpu *v)
{
    u64 accum = v->pv.xcr0_accum;
    u64 *xstate_bv = (u64 *)((u8 *)v->pv.fpu_area + 512);

    __asm__ __volatile__("clts");
    if (!xstate_guest_mask && !v->pv.fpu_initialised) {
        u32 mxcsr = 0x1f80;
        __asm__ __volatile__("fninit; ldmxcsr %0" :: "m"(mxcsr));
        v->pv.fpu_initialised = true;
        return;
    }
    if (xstate_guest_mask) {
        if (xgetbv(0) != accum)
            xsetbv(0, accum);
        *xstate_bv &= accum;          /* never name what XCR0 lacks */
    }
    if (!xstate_load_area(v->pv.fpu_area, accum)) {
        /* As Xen: the guest loses its FPU state, not the machine. */
        gprintk(LOG_WARN "d%uv%u: FPU state refused by %s, reset to its init state\n",
                v->domain->domain_id, v->vcpu_id, xstate_guest_mask ? "XRSTOR" : "FXRSTOR");
        fpu_area_reset(v->pv.fpu_area);
        if (!xstate_load_area(v->pv.fpu_area, accum))
            domain_crash(v->domain, "FPU init state refused by the CPU");
    }
    if (xstate_guest_mask && accum != v->pv.xcr0)
        xsetbv(0, v->pv.xcr0);
}

int xstate_set_xcr0(struct vcpu *v, u32 index, u64 value)
{
    /* XCR0 only; x87 always on; AVX needs SSE; nothing we do not allow. */
    if (index != 0 || !xstate_guest_mask || !(value & XSTATE_X87) ||
        (value & ~xstate_guest_mask) || ((value & XSTATE_AVX) && !(value & XSTATE_SSE)))
        return -1;
    v->pv.xcr0 = value;
    v->pv.xcr0_accum |= value;
    xsetbv(0, value);
    return 0;
}

/* Boot selftest of the restore fixup: an area the CPU must refuse (MXCSR
 * reserved bits, a reserved XSTATE_BV bit) comes back as "refused" instead
 * of a hypervisor #GP, and the init state loads. 1: the refusal was not
 * tried (FXRSTOR only: QEMU's does not check MXCSR, real CPUs do). */
int xstate_selftest(void)
{
    static u8 area[PAGE_SIZE] __aligned(64);
    u64 mask = XSTATE_X87 | XSTATE_SSE;

    __asm__ __volatile__("clts");
    if (xstate_guest_mask) {
        fpu_area_reset(area);
        *(u32 *)(area + 24) = 0xffffffff;
        *(u64 *)(area + 512) = 1ull << 63;
        if (xstate_load_area(area, mask))
            return -1;
    }
    fpu_area_reset(area);
    if (!xstate_load_area(area, mask))
        return -2;
    return xstate_guest_mask ? 0 : 1;
}
