/*
 * Boot entry: multiboot1 and multiboot2 headers, the 32-bit entry point,
 * the switch to long mode on boot page tables, and the jump into the
 * upper-half image where C starts (start_pvisor).
 *
 * Boot page tables map, with 2 MiB pages:
 *   - the first 4 GiB identity (only while switching modes),
 *   - the same 4 GiB at DIRECTMAP_VIRT_START (C reads boot-loader data there),
 *   - the first 1 GiB at PVISOR_VIRT_BASE (the image).
 * C replaces them with the full direct map once the memory map is known.
 */
#include <asm/layout.h>
#include <asm/desc.h>
#include <asm/regs.h>
#include <asm/cpu_info.h>

#define MB1_MAGIC       0x1BADB002
#define MB1_FLAGS       0x00010003   /* page-align modules, memory info, a.out kludge */
#define MB2_MAGIC       0xE85250D6
#define MB2_ARCH_I386   0

#define PTE_P   0x001
#define PTE_RW  0x002
#define PTE_PS  0x080

#define L4_SLOT(va) (((va) >> 39) & 511)
#define L3_SLOT(va) (((va) >> 30) & 511)

    .section .multiboot, "a"
    .align 4
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long mb1_header - PVISOR_VIRT_BASE      /* header_addr */
    .long _start - PVISOR_VIRT_BASE          /* load_addr */
    .long _edata - PVISOR_VIRT_BASE          /* load_end_addr */
    .long _end - PVISOR_VIRT_BASE            /* bss_end_addr */
    .long boot32_entry - PVISOR_VIRT_BASE    /* entry_addr */

    .align 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* Information request (optional: GRUB must not refuse to boot if it
     * lacks, say, an ACPI tag; the code copes with absent tags). */
    .align 8
mb2_info_req:
    .short 1, 1
    .long mb2_info_req_end - mb2_info_req
    .long 1     /* command line */
    .long 2     /* boot loader name */
    .long 3     /* modules */
    .long 4     /* basic memory info */
    .long 6     /* memory map */
    .long 14    /* ACPI old RSDP */
    .long 15    /* ACPI new RSDP */
mb2_info_req_end:
    .align 8
    .short 3, 0                              /* entry address (physical) */
    .long 12
    .long boot32_entry - PVISOR_VIRT_BASE
    .align 8
    .short 6, 0                              /* page-align modules */
    .long 8
    .align 8
    .short 0, 0                              /* end */
    .long 8
mb2_header_end:

    .section .text.boot32, "ax"
    .code32
    .globl boot32_entry
boot32_entry:
    cli
    cld
    mov     $(cpu0_stack - PVISOR_VIRT_BASE + STACK_SIZE - 64), %esp
    mov     %eax, (boot_mb_magic - PVISOR_VIRT_BASE)
    mov     %ebx, (boot_mb_info - PVISOR_VIRT_BASE)

    /* Long mode and NX are required (all x86-64 CPUs, and qemu64, have them). */
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      .Lno_long_mode
    mov     $0x80000001, %eax
    cpuid
    bt      $29, %edx
    jnc     .Lno_long_mode
    mov     %edx, %edi                       /* keep: bit 20 = NX */

    mov     %cr4, %eax
    or      $(CR4_PAE), %eax
    mov     %eax, %cr4
    mov     $(boot_l4 - PVISOR_VIRT_BASE), %eax
    mov     %eax, %cr3

    mov     $MSR_EFER, %ecx
    rdmsr
    or      $(EFER_LME | EFER_SCE), %eax
    bt      $20, %edi
    jnc     1f
    or      $EFER_NXE, %eax
1:  wrmsr

    mov     %cr0, %eax
    or      $(CR0_PG | CR0_WP | CR0_PE | CR0_NE | CR0_ET | CR0_MP), %eax
    and     $~(CR0_EM | CR0_TS | CR0_AM), %eax
    mov     %eax, %cr0

    lgdt    (boot_gdtr - PVISOR_VIRT_BASE)
    ljmp    $HV_CS, $(boot64_low - PVISOR_VIRT_BASE)

.Lno_long_mode:
    /* Tell the user on the first serial port and the VGA screen, then stop. */
    mov     $(no_lm_msg - PVISOR_VIRT_BASE), %esi
    mov     $0xb8000, %edi
2:  lodsb
    test    %al, %al
    jz      3f
    mov     %al, %bl
    mov     $0x3f8, %dx
    out     %al, %dx
    mov     %bl, (%edi)
    movb    $0x4f, 1(%edi)
    add     $2, %edi
    jmp     2b
3:  hlt
    jmp     3b

    .code64
boot64_low:
    mov     $HV_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    xor     %eax, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    movabs  $boot64_high, %rax
    jmp     *%rax

    .section .text.entry, "ax"
boot64_high:
    movabs  $(cpu0_stack + STACK_SIZE - CPU_INFO_RESERVE), %rsp
    /* Reload GDTR with the upper-half address of the same table. */
    lgdt    boot_gdtr_high(%rip)
    xor     %ebp, %ebp
    mov     boot_mb_magic(%rip), %edi
    mov     boot_mb_info(%rip), %esi
    call    start_pvisor
4:  cli
    hlt
    jmp     4b

    .section .rodata
no_lm_msg:
    .asciz "pvisor: this CPU has no 64-bit long mode; pvisor needs an x86-64 CPU\r\n"

    .data
    .align 8
    .globl boot_mb_magic, boot_mb_info
boot_mb_magic: .long 0
boot_mb_info:  .long 0

    .align 16
    .word 0, 0, 0
boot_gdtr:
    .word LAST_RESERVED_GDT_BYTE
    .long boot_gdt - FIRST_RESERVED_GDT_BYTE - PVISOR_VIRT_BASE
    .word 0, 0, 0
boot_gdtr_high:
    .word LAST_RESERVED_GDT_BYTE
    .quad boot_gdt - FIRST_RESERVED_GDT_BYTE

    .align 16
    .globl boot_gdt
boot_gdt:                                   /* selector 0xe000 */
    .quad 0
    .quad 0x00af9b000000ffff                 /* 0xe008 ring 0 code, 64-bit */
    .quad 0x00cf93000000ffff                 /* 0xe010 ring 0 data */
    .quad 0                                  /* 0xe018 reserved */
    .quad 0x00cffb000000ffff                 /* 0xe023 ring 3 code, compat */
    .quad 0x00cff3000000ffff                 /* 0xe02b ring 3 data */
    .quad 0x00affb000000ffff                 /* 0xe033 ring 3 code, 64-bit */
    .fill (NR_RESERVED_GDT_BYTES - 7 * 8) / 8, 8, 0

    .section .data.page_aligned, "aw"
    .align 4096
    .globl boot_l4
boot_l4:
    .quad boot_l3_ident - PVISOR_VIRT_BASE + (PTE_P | PTE_RW)
    .fill L4_SLOT(PVISOR_VIRT_BASE) - 1, 8, 0
    .quad boot_l3_image - PVISOR_VIRT_BASE + (PTE_P | PTE_RW)
    .quad boot_l3_ident - PVISOR_VIRT_BASE + (PTE_P | PTE_RW)  /* DIRECTMAP_VIRT_START */
    .fill 511 - L4_SLOT(DIRECTMAP_VIRT_START), 8, 0

boot_l3_ident:
    .quad boot_l2_ident - PVISOR_VIRT_BASE + 0x0000 + (PTE_P | PTE_RW)
    .quad boot_l2_ident - PVISOR_VIRT_BASE + 0x1000 + (PTE_P | PTE_RW)
    .quad boot_l2_ident - PVISOR_VIRT_BASE + 0x2000 + (PTE_P | PTE_RW)
    .quad boot_l2_ident - PVISOR_VIRT_BASE + 0x3000 + (PTE_P | PTE_RW)
    .fill 508, 8, 0

boot_l3_image:
    .fill L3_SLOT(PVISOR_VIRT_BASE), 8, 0
    .quad boot_l2_ident - PVISOR_VIRT_BASE + (PTE_P | PTE_RW)
    .fill 511 - L3_SLOT(PVISOR_VIRT_BASE), 8, 0

    .globl boot_l2_ident
boot_l2_ident:
    .set i, 0
    .rept 2048
    .quad (i << 21) + (PTE_P | PTE_RW | PTE_PS)
    .set i, i + 1
    .endr

    .section .bss.stack_aligned, "aw", @nobits
    .align STACK_SIZE
    .globl cpu0_stack
cpu0_stack:
    .skip STACK_SIZE
