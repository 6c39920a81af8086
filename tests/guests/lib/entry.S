/*
 * Trap, event, failsafe and syscall entry points, and the way back.
 *
 * A 64-bit PV bounce frame (Xen's create_bounce_frame) is, lowest address
 * first: RCX, R11, [error code], RIP, CS (saved upcall mask in bits 32-39),
 * RFLAGS, RSP, SS.  Each stub pops RCX and R11 back into their registers,
 * pads the error-code slot when the vector has none, pushes the vector
 * and saves the GPRs, so C sees a struct trap_frame.  trap_dispatch()
 * returns the iret flags; we go back with the iret hypercall.
 */
#include <xen/xen.h>

#define HAS_ERRCODE(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
			(v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
			(v) == 29 || (v) == 30)

/* iret_context {rax, r11, rcx, flags, rip, cs, rflags, rsp, ss}: the caller
 * has the flags word at (%rsp), the hardware-like frame above it. */
.macro IRET_HYPERCALL
#if GUEST_HYPERCALL_PAGE
	jmp	hypercall_page + __HYPERVISOR_iret * 32
#else
	push	%rcx
	push	%r11
	push	%rax
	mov	$__HYPERVISOR_iret, %eax
	syscall
	ud2
#endif
.endm

	.text
/* 256 stubs of 16 bytes each: trap_stubs + 16 * vector. */
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	pop	%rcx
	pop	%r11
	.if !HAS_ERRCODE(vec)
	push	$0
	.endif
	push	$vec
	jmp	trap_common
	.set vec, vec + 1
	.endr

	.globl event_callback_entry
event_callback_entry:
	pop	%rcx
	pop	%r11
	push	$0
	push	$0x100
	jmp	trap_common

	.globl syscall_callback_entry
syscall_callback_entry:
	pop	%rcx
	pop	%r11
	push	$0
	push	$0x102
	jmp	trap_common

/* The failsafe frame has DS, ES, FS, GS between R11 and RIP. */
	.globl failsafe_callback_entry
failsafe_callback_entry:
	pop	%rcx
	pop	%r11
	popq	failsafe_segs + 0(%rip)
	popq	failsafe_segs + 8(%rip)
	popq	failsafe_segs + 16(%rip)
	popq	failsafe_segs + 24(%rip)
	push	$0
	push	$0x101
	jmp	trap_common

trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	/* The error-code slot becomes the iret flags word. */
	mov	%rax, 16*8(%rsp)
	.globl trap_return
trap_return:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$8, %rsp
	IRET_HYPERCALL

/* iret_to(ctx): ctx points at the flags word of an iret frame we built
 * (flags, rip, cs, rflags, rsp, ss); RAX/R11/RCX come from the caller. */
	.globl iret_to
iret_to:
	mov	%rdi, %rsp
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%r11d, %r11d
	IRET_HYPERCALL

/* iret_full(ctx): the iret hypercall with a complete struct iret_context
 * (rax, r11, rcx, flags, rip, cs, rflags, rsp, ss) of our choosing. */
	.globl iret_full
iret_full:
	lea	24(%rdi), %rsp
	mov	0(%rdi), %rax
	mov	8(%rdi), %r11
	mov	16(%rdi), %rcx
	IRET_HYPERCALL

/* hypercall_raw(nr, a1..a5): the Linux way, `syscall` in kernel mode. */
	.globl hypercall_raw
hypercall_raw:
	mov	%edi, %eax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	syscall
	ret

#if GUEST_HYPERCALL_PAGE
	.globl hypercall_page_call
hypercall_page_call:
	mov	%edi, %eax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	shl	$5, %rax
	lea	hypercall_page(%rip), %r11
	add	%r11, %rax
	call	*%rax
	ret

/* Written by the domain builder (HYPERCALL_PAGE note); int3 until then. */
	.section .text.hypercall_page, "ax"
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
#endif

/* ctx_save(ctx) / ctx_restore(ctx, val): setjmp/longjmp over the
 * callee-saved registers, used to come back from user mode. */
	.text
	.globl ctx_save
ctx_save:
	mov	%rbx, 0(%rdi)
	mov	%rbp, 8(%rdi)
	mov	%r12, 16(%rdi)
	mov	%r13, 24(%rdi)
	mov	%r14, 32(%rdi)
	mov	%r15, 40(%rdi)
	lea	8(%rsp), %rax
	mov	%rax, 48(%rdi)
	mov	(%rsp), %rax
	mov	%rax, 56(%rdi)
	xor	%eax, %eax
	ret

	.globl ctx_restore
ctx_restore:
	mov	0(%rdi), %rbx
	mov	8(%rdi), %rbp
	mov	16(%rdi), %r12
	mov	24(%rdi), %r13
	mov	32(%rdi), %r14
	mov	40(%rdi), %r15
	mov	48(%rdi), %rsp
	mov	%rsi, %rax
	jmp	*56(%rdi)

	.data
	.balign 8
	.globl failsafe_segs
failsafe_segs:	.fill 4, 8, 0
