/*
 * Xen ELF notes of the PV test kernels: what a PV domain builder reads to
 * place and enter the kernel.  Owner "Xen", types from <xen/elfnote.h>.
 * GUEST_HYPERCALL_PAGE=1 adds the HYPERCALL_PAGE note; kernels without it
 * enter the hypervisor with a raw `syscall`, like Debian's Linux.
 */
#include <xen/elfnote.h>
#include <xen/features.h>

#define NOTE(type, body)				\
	.pushsection .note.Xen, "a", @note;		\
	.balign 4;					\
	.long 2f - 1f;	/* namesz */			\
	.long 4f - 3f;	/* descsz */			\
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
NOTE(XEN_ELFNOTE_VIRT_BASE,	.quad GUEST_VIRT_BASE)
NOTE(XEN_ELFNOTE_PADDR_OFFSET,	.quad 0)
NOTE(XEN_ELFNOTE_ENTRY,		.quad _start)
#if GUEST_HYPERCALL_PAGE
NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
#endif
NOTE(XEN_ELFNOTE_FEATURES,	.asciz "!writable_page_tables|pae_pgdir_above_4gb")
NOTE(XEN_ELFNOTE_SUPPORTED_FEATURES,
	.long (1 << XENFEAT_writable_page_tables) | (1 << XENFEAT_dom0))
NOTE(XEN_ELFNOTE_PAE_MODE,	.asciz "yes")
NOTE(XEN_ELFNOTE_HV_START_LOW,	.quad 0xffff800000000000)

	.section .rodata
	.globl guest_name
guest_name:
	.asciz GUEST_NAME
