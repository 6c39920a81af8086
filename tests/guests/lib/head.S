/*
 * Start of day of a 64-bit PV kernel: the builder enters here in ring 3
 * (guest kernel mode) with RSI = start_info and RSP = its boot stack.
 * Record the entry state for the start-of-day checks, move to our own
 * stack and call guest_start(start_info).
 */
	.section .text.head, "ax"
	.globl _start
_start:
	mov	%rax, boot_regs + 0*8(%rip)
	mov	%rcx, boot_regs + 1*8(%rip)
	mov	%rdx, boot_regs + 2*8(%rip)
	mov	%rbx, boot_regs + 3*8(%rip)
	mov	%rsp, boot_regs + 4*8(%rip)
	mov	%rbp, boot_regs + 5*8(%rip)
	mov	%rsi, boot_regs + 6*8(%rip)
	mov	%rdi, boot_regs + 7*8(%rip)
	mov	%r8,  boot_regs + 8*8(%rip)
	mov	%r9,  boot_regs + 9*8(%rip)
	mov	%r10, boot_regs + 10*8(%rip)
	mov	%r11, boot_regs + 11*8(%rip)
	mov	%r12, boot_regs + 12*8(%rip)
	mov	%r13, boot_regs + 13*8(%rip)
	mov	%r14, boot_regs + 14*8(%rip)
	mov	%r15, boot_regs + 15*8(%rip)
	mov	%rsp, boot_rsp(%rip)
	pushfq
	popq	boot_rflags(%rip)
	cld
	lea	kernel_stack_top(%rip), %rsp
	mov	%rsi, %rdi
	call	guest_start
	ud2

	.data
	.balign 8
	.globl boot_regs, boot_rsp, boot_rflags
boot_regs:	.fill 16, 8, 0
boot_rsp:	.quad 0
boot_rflags:	.quad 0

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
	.globl kernel_stack_top
	.skip 16384
kernel_stack_top:
