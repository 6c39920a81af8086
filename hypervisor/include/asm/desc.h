/*
 * GDT layout, copied in shape (not code) from Xen so that the public
 * FLAT_RING3_* / FLAT_KERNEL_* selectors of the PV ABI are valid: guest GDT
 * frames occupy entries 0..7167 (14 pages), the hypervisor's reserved page
 * starts at entry 7168 (selector 0xe000).
 */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#define FIRST_RESERVED_GDT_PAGE  14
#define FIRST_RESERVED_GDT_BYTE  (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)
#define NR_RESERVED_GDT_BYTES    0x70
#define LAST_RESERVED_GDT_BYTE   (FIRST_RESERVED_GDT_BYTE + NR_RESERVED_GDT_BYTES - 1)

#define HV_CS          0xe008  /* ring-0 64-bit code */
#define HV_DS          0xe010  /* ring-0 data */
#define HV_CS32_R3     0xe023  /* FLAT_RING3_CS32 */
#define HV_DS32_R3     0xe02b  /* FLAT_RING3_DS32 = FLAT_KERNEL_SS */
#define HV_CS64_R3     0xe033  /* FLAT_RING3_CS64 = FLAT_KERNEL_CS */
#define TSS_SELECTOR   0xe040
#define LDT_SELECTOR   0xe050
#define PER_CPU_SELECTOR 0xe060

#define GDT_ENTRY(sel) (((sel) >> 3) - FIRST_RESERVED_GDT_ENTRY)

#endif
