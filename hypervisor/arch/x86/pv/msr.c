/*
 * MSR policy for PV guests (reached through the #GP of rdmsr/wrmsr in
 * ring 3): the segment bases are the vCPU's own; a few architectural MSRs
 * read back fixed guest views; everything else raises #GP, as Xen 4.17
 * does by default.
 */
#include <pvisor/pv_emul.h>
#include <pvisor/pv.h>
#include <pvisor/printk.h>
#include <pvisor/page_alloc.h>
#include <pvisor/pv_mm.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <pvisor/smp.h>
#include <string.h>
#include <xen/errno.h>

static bool canonical(u64 va)
{
    return (s64)(va << 16) >> 16 == (s64)va;
}

int pv_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
    switch (msr) {
    case MSR_FS_BASE:
        *val = rdmsr(MSR_FS_BASE);
        return 0;
    case MSR_GS_BASE:
        *val = v->mm.kernel_mode ? rdmsr(MSR_GS_BASE) : rdmsr(MSR_SHADOW_GS_BASE);
        return 0;
    case MSR_SHADOW_GS_BASE:
        *val = v->mm.kernel_mode ? rdmsr(MSR_SHADOW_GS_BASE) : rdmsr(MSR_GS_BASE);
        return 0;
    case MSR_EFER:
        *val = rdmsr(MSR_EFER) & (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
        return 0;
    case MSR_PAT:
        *val = PVISOR_PAT;
        return 0;
    case MSR_APIC_BASE:
        *val = 0xfee00000ull | (1u << 11) | (v->vcpu_id == 0 ? (1u << 8) : 0);
        return 0;
    case MSR_MISC_ENABLE:
        /* fast strings as the host has it; no BTS, no PEBS */
        *val = (rdmsr_safe(MSR_MISC_ENABLE, val) ? 0 : (*val & 1)) | (1u << 11) | (1u << 12);
        return 0;
    case MSR_TSC:
        *val = rdtsc();
        return 0;
    }
    return -1;
}

int pv_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
    u64 cur;

    switch (msr) {
    case MSR_FS_BASE:
        if (!canonical(val))
            return -1;
        wrmsr(MSR_FS_BASE, val);
        return 0;
    case MSR_GS_BASE:
        /* Linux's very first privileged instruction: its per-CPU base. */
        if (!canonical(val))
            return -1;
        wrmsr(v->mm.kernel_mode ? MSR_GS_BASE : MSR_SHADOW_GS_BASE, val);
        return 0;
    case MSR_SHADOW_GS_BASE:
        if (!canonical(val))
            return -1;
        wrmsr(v->mm.kernel_mode ? MSR_SHADOW_GS_BASE : MSR_GS_BASE, val);
        return 0;
    case MSR_EFER:
    case MSR_APIC_BASE:
    case MSR_MISC_ENABLE:
        /* writing back the value read is fine; changing it is not */
        if (pv_rdmsr(v, msr, &cur) || cur != val)
            return -1;
        return 0;
    case 0x40000000: {
        /* Xen's hypercall-page MSR (CPUID 0x40000002): write the stubs
         * into the guest frame val >> 12 (the ABI names a GMFN: PV = MFN). */
        unsigned long mfn = val >> PAGE_SHIFT;
        if ((val & 0xfff) || pv_mm_get_writable_page(v->domain, mfn))
            return -1;
        pv_write_hypercall_page(mfn_to_virt(mfn));
        pv_mm_put_writable_page(mfn);
        return 0;
    }
    }
    return -1;
}

/* The hypercall page: 32-byte stubs, stub i for hypercall i; iret jumps in. */
void pv_write_hypercall_page(void *page)
{
    u8 *p = page;

    memset(p, 0xcc, PAGE_SIZE);          /* int3 between stubs */
    for (unsigned i = 0; i < PAGE_SIZE / 32; i++) {
        u8 *s = p + i * 32;
        if (i == __HYPERVISOR_iret) {
            static const u8 iret_stub[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
            memcpy(s, iret_stub, sizeof(iret_stub));
            continue;
        }
        s[0] = 0x51;                          /* push %rcx */
        s[1] = 0x41; s[2] = 0x53;             /* push %r11 */
        s[3] = 0xb8;                          /* mov $i, %eax */
        memcpy(s + 4, &i, 4);
        s[8] = 0x0f; s[9] = 0x05;             /* syscall */
        s[10] = 0x41; s[11] = 0x5b;           /* pop %r11 */
        s[12] = 0x59;                         /* pop %rcx */
        s[13] = 0xc3;                         /* ret */
    }
}

/* ---- debug registers (set_debugreg / get_debugreg and mov %drN) ---- */

static bool dr7_ok(u64 dr7, const u64 *addrs)
{
    if (dr7 >> 32)
        return false;
    for (unsigned i = 0; i < 4; i++) {
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
        if (!(dr7 & (3u << (2 * i))))
            continue;
        if (rw == 2)                    /* I/O breakpoints: not for guests */
            return false;
        if (!canonical(addrs[i]) ||
            (addrs[i] >= HYPERVISOR_VIRT_START && addrs[i] < HYPERVISOR_VIRT_END))
            return false;
    }
    return true;
}

int pv_set_debugreg(struct vcpu *v, unsigned int reg, u64 val)
{
    u64 addrs[4];

    switch (reg) {
    case 0: case 1: case 2: case 3:
        /* a breakpoint on the hypervisor's addresses is refused */
        if (!canonical(val) || (val >= HYPERVISOR_VIRT_START && val < HYPERVISOR_VIRT_END))
            return -XEN_EPERM;
        memcpy(addrs, v->pv.debugreg, sizeof(addrs));
        addrs[reg] = val;
        if (!dr7_ok(v->pv.debugreg[7], addrs))
            return -XEN_EPERM;
        v->pv.debugreg[reg] = val;
        break;
    case 4:
    case 6:
        if (val >> 32)
            return -XEN_EINVAL;
        v->pv.debugreg[6] = (val & 0xe00f) | 0xffff0ff0;
        break;
    case 5:
    case 7:
        if (val >> 32)
            return -XEN_EINVAL;
        if (val & (1u << 13))                 /* general detect */
            return -XEN_EPERM;
        if (!dr7_ok(val, v->pv.debugreg))
            return -XEN_EPERM;
        v->pv.debugreg[7] = (val & ~0xd800ull) | 0x400;
        break;
    default:
        return -XEN_ENODEV;
    }
    if (v == current)
        pv_load_debugregs(v);
    return 0;
}

/* Load v's debug registers into the CPU (v is current). Breakpoints are
 * only armed while the guest runs them; DR7 is written last. */
void pv_load_debugregs(const struct vcpu *v)
{
    static bool armed[CONFIG_NR_CPUS];
    unsigned int cpu = smp_processor_id();
    const unsigned long *d = v->pv.debugreg;

    if (!(d[7] & 0xff)) {
        if (armed[cpu])
            __asm__ __volatile__("mov %0, %%db7" :: "r"(0x400ul));
        armed[cpu] = false;
        return;
    }
    __asm__ __volatile__("mov %0, %%db0" :: "r"(d[0]));
    __asm__ __volatile__("mov %0, %%db1" :: "r"(d[1]));
    __asm__ __volatile__("mov %0, %%db2" :: "r"(d[2]));
    __asm__ __volatile__("mov %0, %%db3" :: "r"(d[3]));
    __asm__ __volatile__("mov %0, %%db6" :: "r"(0xffff0ff0ul));
    __asm__ __volatile__("mov %0, %%db7" :: "r"(d[7]));
    armed[cpu] = true;
}

u64 pv_get_debugreg(struct vcpu *v, unsigned int reg)
{
    switch (reg) {
    case 0: case 1: case 2: case 3: case 7:
        return v->pv.debugreg[reg];
    case 6:
        return v->pv.debugreg[6] ? v->pv.debugreg[6] : 0xffff0ff0;
    case 4:
        return pv_get_debugreg(v, 6);
    case 5:
        return pv_get_debugreg(v, 7);
    }
    return 0;
}
