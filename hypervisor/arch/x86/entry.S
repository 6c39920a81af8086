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
    xor     %ebp, %ebp              /* backtraces stop at the trap frame */
    /* #DB arrives on its own IST stack. From a guest, move the frame to this
     * CPU's guest_regs and leave the IST stack before anything else (as Xen
     * does): the bounce writes to guest memory, which can #DB again and
     * would restart the IST stack under our feet. */
    cmpl    $1, REGS_entry_vector(%rsp)
    jne     2f
    testb   $3, REGS_cs(%rsp)
    jz      2f
    mov     %rsp, %rsi
    mov     %rsp, %rdi
    or      $(STACK_SIZE - 1), %rdi
    sub     $(CPU_INFO_SIZE - 1), %rdi      /* &cpu_info->guest_regs */
    mov     $(CPU_REGS_SIZE / 8), %ecx
    mov     %rdi, %rsp
    rep movsq
2:  mov     %rsp, %rdi
    call    do_trap
    /* From a guest (CPL 3, and not on an IST stack): the exit path handles
     * softirqs, scheduling and event delivery before returning. */
    testb   $3, REGS_cs(%rsp)
    jz      1f
    cmpl    $2, REGS_entry_vector(%rsp)        /* NMI: IST stack */
    je      1f
    cmpl    $8, REGS_entry_vector(%rsp)        /* #DF: IST stack */
    je      1f
    cmpl    $18, REGS_entry_vector(%rsp)       /* #MC: IST stack */
    je      1f
    jmp     ret_to_guest
1:  RESTORE_ALL
    add     $8, %rsp
    iretq

/*
 * Return to the guest whose registers are in this CPU's cpu_info (%rsp
 * points at them). pv_exit_to_guest() runs softirqs, may switch vCPUs
 * (which resets the stack and comes back here) and applies any pending
 * bounce; it returns with interrupts disabled.
 */
    .globl ret_to_guest
ret_to_guest:
    mov     %rsp, %rdi
    call    pv_exit_to_guest
    RESTORE_ALL
    /* MDS-class CPUs: flush their buffers of hypervisor data (flags are
     * the guest's again at iretq). */
    cmpb    $0, spec_verw_on_exit(%rip)
    je      3f
    verw    spec_verw_sel(%rip)
3:  add     $8, %rsp
.Liret_to_guest:
    iretq
    .pushsection .ex_table, "a"
    .balign 8
    .quad .Liret_to_guest - .
    .quad .Liret_fault - .
    .popsection

/* The frame the guest asked to return to does not load (bad selector,
 * non-canonical RIP): the guest's registers are live, the frame is intact
 * above %rsp. Rebuild cpu_regs and let the guest see a #GP. */
.Liret_fault:
    pushq   $0
    movl    $13, 4(%rsp)
    SAVE_ALL
    mov     %rsp, %rdi
    call    pv_iret_fault
    jmp     ret_to_guest

/* reset_stack_and_jump(fn): abandon the current call chain. */
    .globl reset_stack_and_jump_asm
reset_stack_and_jump_asm:
    mov     %rdi, %rsp
#ifdef CONFIG_INDIRECT_THUNK
    jmp     __x86_indirect_thunk_rsi
#else
    jmp     *%rsi
#endif

/*
 * SYSCALL from a guest lands in a per-CPU stub (syscall_stub.c) that
 * switches to this CPU's stack and pushes an interrupt-style frame; here we
 * complete struct cpu_regs and dispatch: a hypercall when the vCPU is in
 * guest-kernel mode, a bounce to the guest kernel's syscall callback when
 * it is in guest-user mode.
 */
    .globl syscall_common
syscall_common:
    pushq   $0
    movl    $0x100, 4(%rsp)         /* entry_vector 0x100: SYSCALL */
    cld
    SAVE_ALL
    xor     %ebp, %ebp
    mov     %rsp, %rdi
    call    pv_syscall
    jmp     ret_to_guest
