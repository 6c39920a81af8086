/*
 * Interrupt and exception entry. Every vector has a stub that makes the
 * frame uniform (dummy error code where the CPU pushes none, vector number
 * in the upper half of that slot), then the common path saves the general
 * registers as struct cpu_regs and calls do_trap().
 */
#include <asm/cpu_info.h>
#include <asm/desc.h>

.macro SAVE_ALL
    pushq   %rdi
    pushq   %rsi
    pushq   %rdx
    pushq   %rcx
    pushq   %rax
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %rbx
    pushq   %rbp
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
.endm

.macro RESTORE_ALL
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbp
    popq    %rbx
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rax
    popq    %rcx
    popq    %rdx
    popq    %rsi
    popq    %rdi
.endm

    .section .text.entry, "ax"

/* Stubs are 16 bytes apart so the IDT setup can compute their addresses. */
    .align 16
    .globl trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    movl    $vec, 4(%rsp)
    .else
    pushq   $0
    movl    $vec, 4(%rsp)
    .endif
    jmp     trap_common
    .set vec, vec + 1
    .endr

trap_common:
    cld
    SAVE_ALL
    /* Frame pointer chain for backtraces: point %rbp at a fake frame made
     * of the interrupted rbp/rip so the unwinder walks through the trap. */
    mov     %rsp, %rdi
    call    do_trap
    RESTORE_ALL
    add     $8, %rsp
    iretq
