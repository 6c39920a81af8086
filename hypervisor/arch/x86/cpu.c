/* CPU feature detection and per-CPU control-register setup. */
#include <pvisor/cpu.h>
#include <pvisor/printk.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <pvisor/xstate.h>
#include <string.h>

bool cpu_has_nx, cpu_has_pge, cpu_has_smep, cpu_has_smap, cpu_has_xsave,
     cpu_has_fsgsbase, cpu_has_pdpe1gb, cpu_has_x2apic, cpu_has_tsc_deadline,
     cpu_has_invariant_tsc, cpu_has_rdrand, cpu_has_pcid, cpu_has_hypervisor;
char cpu_vendor[13];
char cpu_brand[49];
u32 cpu_max_leaf, cpu_max_ext_leaf;
unsigned int cpu_paddr_bits;

void cpu_detect(void)
{
    struct cpuid_regs r;

    cpuid(0, &r);
    cpu_max_leaf = r.eax;
    memcpy(cpu_vendor + 0, &r.ebx, 4);
    memcpy(cpu_vendor + 4, &r.edx, 4);
    memcpy(cpu_vendor + 8, &r.ecx, 4);
    cpu_vendor[12] = 0;

    cpuid(1, &r);
    cpu_has_pge = r.edx & (1u << 13);
    cpu_has_pcid = r.ecx & (1u << 17);
    cpu_has_x2apic = r.ecx & (1u << 21);
    cpu_has_tsc_deadline = r.ecx & (1u << 24);
    cpu_has_xsave = r.ecx & (1u << 26);
    cpu_has_rdrand = r.ecx & (1u << 30);
    cpu_has_hypervisor = r.ecx & (1u << 31);
    if (cpu_max_leaf >= 7) {
        cpuid_count(7, 0, &r);
        cpu_has_fsgsbase = r.ebx & (1u << 0);
        cpu_has_smep = r.ebx & (1u << 7);
        cpu_has_smap = r.ebx & (1u << 20);
    }
    cpuid(0x80000000, &r);
    cpu_max_ext_leaf = r.eax;
    if (cpu_max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, &r);
        cpu_has_nx = r.edx & (1u << 20);
        cpu_has_pdpe1gb = r.edx & (1u << 26);
    }
    if (cpu_max_ext_leaf >= 0x80000004) {
        for (u32 i = 0; i < 3; i++) {
            cpuid(0x80000002 + i, &r);
            memcpy(cpu_brand + 16 * i, &r, 16);
        }
        cpu_brand[48] = 0;
    }
    cpu_paddr_bits = 36;
    if (cpu_max_ext_leaf >= 0x80000008) {
        cpuid(0x80000008, &r);
        cpu_paddr_bits = r.eax & 0xff;
    }
    if (cpu_max_ext_leaf >= 0x80000007) {
        cpuid(0x80000007, &r);
        cpu_has_invariant_tsc = r.edx & (1u << 8);
    }
}

void cpu_setup_local(void)
{
    unsigned long cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    u64 efer = rdmsr(MSR_EFER) | EFER_SCE | EFER_LME;

    if (cpu_has_pge)
        cr4 |= CR4_PGE;
    /* The hypervisor never executes guest (user) pages. */
    if (cpu_has_smep)
        cr4 |= CR4_SMEP;
    write_cr0(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG);
    write_cr4(cr4);
    if (cpu_has_nx)
        efer |= EFER_NXE;
    wrmsr(MSR_EFER, efer);
    wrmsr(MSR_PAT, PVISOR_PAT);
    xstate_init_cpu();
}
