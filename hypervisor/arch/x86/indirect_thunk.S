/*
 * Retpolines (Spectre v2): with CONFIG_INDIRECT_THUNK the compiler turns
 * every indirect call and jump into a call of __x86_indirect_thunk_<reg>,
 * which jumps to the target through a return whose prediction is a
 * harmless loop, so a guest's branch training cannot steer hypervisor code
 * to a gadget. Xen builds the same way by default.
 */

#ifdef CONFIG_INDIRECT_THUNK
    .section .text.thunks, "ax", @progbits

.macro THUNK reg
    .globl __x86_indirect_thunk_\reg
    .type __x86_indirect_thunk_\reg, @function
    .hidden __x86_indirect_thunk_\reg
__x86_indirect_thunk_\reg:
    call    1f
2:  pause
    lfence
    jmp     2b
1:  mov     %\reg, (%rsp)
    ret
    .size __x86_indirect_thunk_\reg, . - __x86_indirect_thunk_\reg
.endm

    THUNK rax
    THUNK rbx
    THUNK rcx
    THUNK rdx
    THUNK rsi
    THUNK rdi
    THUNK rbp
    THUNK r8
    THUNK r9
    THUNK r10
    THUNK r11
    THUNK r12
    THUNK r13
    THUNK r14
    THUNK r15
#endif
