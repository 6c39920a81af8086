/* CPU features found at boot, and per-CPU control-register setup. */
#ifndef PVISOR_CPU_H
#define PVISOR_CPU_H
#include <pvisor/types.h>

extern bool cpu_has_nx, cpu_has_pge, cpu_has_smep, cpu_has_smap, cpu_has_xsave,
            cpu_has_fsgsbase, cpu_has_pdpe1gb, cpu_has_x2apic, cpu_has_tsc_deadline,
            cpu_has_invariant_tsc, cpu_has_rdrand, cpu_has_pcid, cpu_has_hypervisor;
extern char cpu_vendor[13];
extern char cpu_brand[49];
extern u32 cpu_max_leaf, cpu_max_ext_leaf;
extern unsigned int cpu_paddr_bits;

void cpu_detect(void);
/* Program CR0/CR4/EFER/PAT on the calling CPU. */
void cpu_setup_local(void);
#endif
