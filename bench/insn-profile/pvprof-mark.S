/* pvprof-mark: a static program that only runs the instruction plugin.c
 * watches for (a snapshot of every block's count) and exits. Run it in a
 * guest at each edge of a window. Build: gcc -nostdlib -static. */
	.globl _start
_start:
	movabs	$0x6b72616d666f7270, %rax	/* "profmark" */
	mov	$60, %eax			/* exit(0) */
	xor	%edi, %edi
	syscall
