/*
 * Secondary-CPU start-up code. Copied to a page below 1 MiB; an AP starts
 * here in real mode after INIT-SIPI-SIPI, goes through protected mode to
 * long mode on the boot page tables (which still identity-map low memory),
 * then jumps to ap_start64 in the upper half with the stack the BSP left in
 * trampoline_data.
 */
#include <asm/desc.h>
#include <asm/regs.h>
#include <asm/layout.h>

#define TR(sym) ((sym) - trampoline_start)

    .section .rodata, "a"
    .code16
    .align 16
    .globl trampoline_start, trampoline_end
trampoline_start:
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    /* physical base of this page, for the fix-ups below */
    xor     %ebx, %ebx
    mov     %cs, %bx
    shl     $4, %ebx
    lgdtl   TR(tr_gdtr)
    mov     %cr0, %eax
    or      $1, %eax
    mov     %eax, %cr0
    ljmpl   *TR(tr_pm_jump)

    .code32
    .globl tr_pm
tr_pm:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %ss
    mov     %cr4, %eax
    or      $(CR4_PAE), %eax
    mov     %eax, %cr4
    mov     TR(tr_cr3)(%ebx), %eax
    mov     %eax, %cr3
    mov     $MSR_EFER, %ecx
    rdmsr
    or      $(EFER_LME | EFER_SCE), %eax
    mov     TR(tr_efer_nx)(%ebx), %edx
    or      %edx, %eax
    xor     %edx, %edx
    wrmsr
    mov     %cr0, %eax
    or      $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP), %eax
    mov     %eax, %cr0
    ljmpl   *TR(tr_lm_jump)(%ebx)

    .code64
    .globl tr_lm
tr_lm:
    mov     %ebx, %ebx                /* upper halves are undefined after the switch */
    mov     TR(tr_stack)(%rbx), %rsp
    mov     TR(tr_target)(%rbx), %rax
    jmp     *%rax

    .align 8
    .globl tr_gdt
tr_gdt:
    .quad 0
    .quad 0x00af9a000000ffff          /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff          /* 0x10: data */
    .quad 0x00cf9a000000ffff          /* 0x18: 32-bit code */
tr_gdt_end:
    .align 8
tr_gdtr:
    .word tr_gdt_end - tr_gdt - 1
    .globl tr_gdtr_base
tr_gdtr_base:
    .long 0                           /* fixed up: physical address of tr_gdt */
    .align 8
    .globl tr_pm_jump
tr_pm_jump:
    .long 0                           /* fixed up: physical address of tr_pm */
    .word 0x18
    .align 8
    .globl tr_lm_jump
tr_lm_jump:
    .long 0                           /* fixed up: physical address of tr_lm */
    .word 0x08
    .align 8
    .globl tr_cr3, tr_efer_nx, tr_stack, tr_target
tr_cr3:     .long 0
tr_efer_nx: .long 0
tr_stack:   .quad 0
tr_target:  .quad 0
trampoline_end:

