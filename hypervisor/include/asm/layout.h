/*
 * Virtual memory layout of pvisor, shared by C, assembly and the linker
 * script. Everything the hypervisor maps lives in the L4 slots Xen reserves
 * for itself (HYPERVISOR_VIRT_START..HYPERVISOR_VIRT_END, slots 256-271), so
 * the same slots can be copied into every guest L4: hypercalls and traps run
 * on the guest's own page tables without a CR3 switch.
 *
 *   slot 256  0xffff800000000000  read-only machine-to-phys table (M2P),
 *                                  guest visible (MACH2PHYS_VIRT_START)
 *   slot 260  0xffff820000000000  per-domain area (GDT/LDT shadows)
 *   slot 261  0xffff828000000000  vmap (MMIO, ioremap)
 *             0xffff82d040000000  hypervisor image (maps physical 0)
 *   slots 262-271 0xffff830000000000  direct map of all RAM (5 TiB)
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#ifdef __ASSEMBLER__
#define _AC(x, s) x
#else
#define _AC(x, s) x##s
#endif

#define PAGE_SHIFT           12
#define PAGE_SIZE            (_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK            (~(PAGE_SIZE - 1))

#define PVISOR_LOAD_PHYS     _AC(0x200000, UL)
#define PVISOR_VIRT_BASE     _AC(0xffff82d040000000, UL)
#define PVISOR_IMAGE_MAX     _AC(0x40000000, UL)  /* one L2 table maps it */

#define M2P_VIRT_START       _AC(0xffff800000000000, UL)
#define M2P_VIRT_END         _AC(0xffff804000000000, UL)
#define PERDOMAIN_VIRT_START _AC(0xffff820000000000, UL)
#define PERDOMAIN_VIRT_END   _AC(0xffff828000000000, UL)
#define VMAP_VIRT_START      _AC(0xffff828000000000, UL)
#define VMAP_VIRT_END        _AC(0xffff82c000000000, UL)
#define DIRECTMAP_VIRT_START _AC(0xffff830000000000, UL)
#define DIRECTMAP_VIRT_END   _AC(0xffff880000000000, UL)

#define HV_L4_FIRST_SLOT     256
#define HV_L4_LAST_SLOT      271

/* Per-CPU stack block: IST stacks at the bottom, the main stack above,
 * struct cpu_info at the very top (found by masking %rsp, as Xen does). */
#define STACK_ORDER          4
#define STACK_SIZE           (PAGE_SIZE << STACK_ORDER)
#define IST_DF_PAGE          0
#define IST_NMI_PAGE         1
#define IST_MC_PAGE          2
#define IST_DB_PAGE          3

#define sym_phys(sym)        ((sym) - PVISOR_VIRT_BASE)

#endif
