/*
 * lowboot: entry and Xen notes of a PV kernel linked low (LOW_BASE: 1 MiB
 * or 0) with VIRT_BASE 0, and without a SUPPORTED_FEATURES note: the kind
 * of small kernel Xen 4.17 builds as dom0 (libelf: VIRT_BASE and
 * PADDR_OFFSET default to 0; XENFEAT_dom0 is demanded only from a kernel
 * that has the note). LOW_ADDRESS_NOTES=0 leaves VIRT_BASE/PADDR_OFFSET
 * out too. No test-kernel framework: nothing here assumes a high address.
 */
#include <xen/elfnote.h>

	.section .text.head, "ax"
	.globl	_start
_start:
	lea	boot_stack_top(%rip), %rsp
	mov	%rsi, %rdi		/* start_info */
	call	low_main
	ud2

	.section .bss
	.balign	16
	.space	16384
boot_stack_top:

#define NOTE(type, body)				\
	.pushsection .note.Xen, "a", @note;		\
	.balign 4;					\
	.long 2f - 1f;					\
	.long 4f - 3f;					\
	.long type;					\
1:	.asciz "Xen";					\
2:	.balign 4;					\
3:	body;						\
4:	.balign 4;					\
	.popsection

NOTE(XEN_ELFNOTE_GUEST_OS,	.asciz "pvisor-test")
NOTE(XEN_ELFNOTE_GUEST_VERSION,	.asciz GUEST_NAME)
NOTE(XEN_ELFNOTE_XEN_VERSION,	.asciz "xen-3.0")
NOTE(XEN_ELFNOTE_LOADER,	.asciz "generic")
#if LOW_ADDRESS_NOTES
NOTE(XEN_ELFNOTE_VIRT_BASE,	.quad 0)
NOTE(XEN_ELFNOTE_PADDR_OFFSET,	.quad 0)
#endif
NOTE(XEN_ELFNOTE_FEATURES,	.asciz "!writable_page_tables")
NOTE(XEN_ELFNOTE_PAE_MODE,	.asciz "yes")
