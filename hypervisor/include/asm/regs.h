/* Control-register, MSR and flag bits the hypervisor programs. */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#define CR0_PE   (1u << 0)
#define CR0_MP   (1u << 1)
#define CR0_EM   (1u << 2)
#define CR0_TS   (1u << 3)
#define CR0_ET   (1u << 4)
#define CR0_NE   (1u << 5)
#define CR0_WP   (1u << 16)
#define CR0_AM   (1u << 18)
#define CR0_PG   (1u << 31)

#define CR4_VME        (1u << 0)
#define CR4_PVI        (1u << 1)
#define CR4_TSD        (1u << 2)
#define CR4_DE         (1u << 3)
#define CR4_PSE        (1u << 4)
#define CR4_PAE        (1u << 5)
#define CR4_MCE        (1u << 6)
#define CR4_PGE        (1u << 7)
#define CR4_PCE        (1u << 8)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP       (1u << 11)
#define CR4_FSGSBASE   (1u << 16)
#define CR4_PCIDE      (1u << 17)
#define CR4_OSXSAVE    (1u << 18)
#define CR4_SMEP       (1u << 20)
#define CR4_SMAP       (1u << 21)
#define CR4_PKE        (1u << 22)

#define MSR_EFER           0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_CSTAR          0xc0000083
#define MSR_FMASK          0xc0000084
#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define MSR_TSC_AUX        0xc0000103
#define MSR_APIC_BASE      0x0000001b
#define MSR_PAT            0x00000277
#define MSR_MISC_ENABLE    0x000001a0
#define MSR_TSC            0x00000010
#define MSR_SYSENTER_CS    0x00000174
#define MSR_SYSENTER_ESP   0x00000175
#define MSR_SYSENTER_EIP   0x00000176

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

#define X86_EFLAGS_CF   0x00000001
#define X86_EFLAGS_MBS  0x00000002
#define X86_EFLAGS_PF   0x00000004
#define X86_EFLAGS_AF   0x00000010
#define X86_EFLAGS_ZF   0x00000040
#define X86_EFLAGS_SF   0x00000080
#define X86_EFLAGS_TF   0x00000100
#define X86_EFLAGS_IF   0x00000200
#define X86_EFLAGS_DF   0x00000400
#define X86_EFLAGS_OF   0x00000800
#define X86_EFLAGS_IOPL 0x00003000
#define X86_EFLAGS_NT   0x00004000
#define X86_EFLAGS_RF   0x00010000
#define X86_EFLAGS_VM   0x00020000
#define X86_EFLAGS_AC   0x00040000
#define X86_EFLAGS_VIF  0x00080000
#define X86_EFLAGS_VIP  0x00100000
#define X86_EFLAGS_ID   0x00200000

/* Xen's PAT (WB, WT, UC-, UC, WC, WP, UC, UC): guest PTE cache bits reach
 * the MMU unchanged, and PV Linux assumes this layout. */
#define PVISOR_PAT 0x0000050100070406ULL

#endif
