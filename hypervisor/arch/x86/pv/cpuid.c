/*
 * The CPUID policy PV guests see (through the forced-emulation prefix):
 * host values with the features a ring-3 kernel cannot use, or that pvisor
 * does not virtualise, hidden; the hypervisor bit set; Xen's leaves at
 * 0x40000000. Follows Xen's PV policy (features marked 'A' in Xen's
 * cpufeatureset.h) where pvisor implements the same thing.
 */
#include <pvisor/pv_emul.h>
#include <pvisor/version.h>
#include <pvisor/cpu.h>
#include <pvisor/xstate.h>
#include <asm/processor.h>
#include <string.h>

#define BIT(n) (1u << (n))

/* leaf 1 EDX: keep */
#define L1_EDX_KEEP (BIT(0) /*FPU*/ | BIT(2) /*DE*/ | BIT(4) /*TSC*/ | BIT(5) /*MSR*/ | \
                     BIT(6) /*PAE*/ | BIT(8) /*CX8*/ | BIT(9) /*APIC*/ | BIT(11) /*SEP*/ | \
                     BIT(12) /*MTRR*/ | BIT(15) /*CMOV*/ | BIT(16) /*PAT*/ | BIT(19) /*CLFLUSH*/ | \
                     BIT(23) /*MMX*/ | BIT(24) /*FXSR*/ | BIT(25) /*SSE*/ | BIT(26) /*SSE2*/ | \
                     BIT(27) /*SS*/ | BIT(28) /*HTT*/)
/* leaf 1 ECX: keep (no XSAVE/AVX family until XSETBV is emulated) */
#define L1_ECX_KEEP (BIT(0) /*SSE3*/ | BIT(1) /*PCLMUL*/ | BIT(9) /*SSSE3*/ | \
                     BIT(13) /*CX16*/ | BIT(19) /*SSE4.1*/ | BIT(20) /*SSE4.2*/ | \
                     BIT(22) /*MOVBE*/ | BIT(23) /*POPCNT*/ | BIT(25) /*AES*/ | \
                     BIT(29) /*F16C? no: kept off below*/ | BIT(30) /*RDRAND*/)
/* leaf 7.0 EBX: keep */
#define L7_EBX_KEEP (BIT(3) /*BMI1*/ | BIT(8) /*BMI2*/ | BIT(9) /*ERMS*/ | BIT(18) /*RDSEED*/ | \
                     BIT(19) /*ADX*/ | BIT(23) /*CLFLUSHOPT*/ | BIT(29) /*SHA*/)
/* 0x80000001 EDX / ECX: keep */
#define E1_EDX_KEEP (BIT(11) /*SYSCALL*/ | BIT(20) /*NX*/ | BIT(27) /*RDTSCP*/ | BIT(29) /*LM*/ | \
                     (L1_EDX_KEEP & 0x0183f3ff))
#define E1_ECX_KEEP (BIT(0) /*LAHF_LM*/ | BIT(5) /*ABM*/ | BIT(6) /*SSE4A*/ | BIT(8) /*PREFETCHW*/)

void pv_cpuid(struct vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
    struct cpuid_regs r = { 0, 0, 0, 0 };
    u32 max_std, max_ext;

    (void)v;
    if (leaf >= 0x40000000 && leaf < 0x40010000) {
        out[0] = out[1] = out[2] = out[3] = 0;
        switch (leaf) {
        case 0x40000000:
            out[0] = 0x40000005;
            out[1] = 0x566e6558;        /* "XenV" */
            out[2] = 0x65584d4d;        /* "MMXe" */
            out[3] = 0x4d4d566e;        /* "nVMM" */
            break;
        case 0x40000001:
            out[0] = (XEN_ABI_MAJOR << 16) | XEN_ABI_MINOR;
            break;
        case 0x40000002:
            out[0] = 1;                 /* one hypercall page */
            out[1] = 0x40000000;        /* its MSR */
            break;
        }
        return;
    }
    cpuid(0, &r);
    max_std = r.eax;
    cpuid(0x80000000, &r);
    max_ext = r.eax;
    if ((leaf < 0x80000000 && leaf > max_std) || (leaf >= 0x80000000 && leaf > max_ext)) {
        out[0] = out[1] = out[2] = out[3] = 0;
        return;
    }
    cpuid_count(leaf, subleaf, &r);
    switch (leaf) {
    case 0:
        if (r.eax > 0xd)
            r.eax = 0xd;
        break;
    case 1:
        r.edx &= L1_EDX_KEEP;
        if (!strcmp(cpu_vendor, "AuthenticAMD"))
            r.edx &= ~BIT(11);           /* no SYSENTER for 64-bit PV on AMD */
        {
            u32 host_ecx = r.ecx;
            r.ecx &= L1_ECX_KEEP & ~BIT(29);
            r.ecx |= BIT(31);            /* running on a hypervisor */
            if (xstate_guest_mask) {
                /* XSAVE with XSETBV emulated; OSXSAVE is the guest's own CR4 bit */
                /* OSXSAVE is the hypervisor's own CR4 bit showing through,
                 * as on Xen: PV Linux looks for it before using XSAVE */
                r.ecx |= BIT(26) | BIT(27);
                if (xstate_guest_mask & XSTATE_AVX)
                    r.ecx |= host_ecx & (BIT(28) /*AVX*/ | BIT(29) /*F16C*/ | BIT(12) /*FMA*/);
            }
        }
        r.ebx &= 0x00ffffff;             /* initial APIC id: the guest's own business */
        r.ebx |= (u32)(v ? v->vcpu_id * 2 : 0) << 24;
        break;
    case 5: case 6:
        r.eax = r.ebx = r.ecx = r.edx = 0;
        break;
    case 0xd:
        if (!xstate_guest_mask) {
            r.eax = r.ebx = r.ecx = r.edx = 0;
        } else if (subleaf == 0) {
            r.eax = (u32)xstate_guest_mask;
            r.edx = 0;
            r.ebx = xstate_size(v ? v->pv.xcr0 : XSTATE_X87 | XSTATE_SSE);
            r.ecx = xstate_size(xstate_guest_mask);
        } else if (subleaf == 1) {
            r.eax &= BIT(0) | BIT(1) | BIT(2);   /* XSAVEOPT, XSAVEC, XGETBV1; never XSAVES */
            r.ebx = r.ecx = r.edx = 0;
        } else if (subleaf == 2 && (xstate_guest_mask & XSTATE_AVX)) {
            /* the AVX component: host values */
        } else {
            r.eax = r.ebx = r.ecx = r.edx = 0;
        }
        break;
    case 7:
        if (subleaf == 0) {
            r.eax = 0;
            r.ebx &= L7_EBX_KEEP | ((xstate_guest_mask & XSTATE_AVX) ? BIT(5) /*AVX2*/ : 0);
            r.ecx = 0;
            r.edx = 0;
        } else {
            r.eax = r.ebx = r.ecx = r.edx = 0;
        }
        break;
    case 0x80000001:
        r.edx &= E1_EDX_KEEP;
        r.ecx &= E1_ECX_KEEP;
        break;
    case 0x80000007:
        r.edx &= BIT(8);                 /* invariant TSC only */
        r.eax = r.ebx = r.ecx = 0;
        break;
    case 0x80000008:
        r.ebx = 0;                       /* no speculation controls */
        break;
    }
    out[0] = r.eax;
    out[1] = r.ebx;
    out[2] = r.ecx;
    out[3] = r.edx;
}
