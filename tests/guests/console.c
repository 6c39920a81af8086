/*
 * console: HYPERVISOR_console_io with hostile input.
 *
 * Xen 4.17 (drivers/char/console.c): `count` is an unsigned int (the upper
 * half of the 64-bit register is ignored); CONSOLEIO_write copies in
 * chunks of 127 bytes and returns 0, or -EFAULT at the first chunk that
 * faults (earlier chunks are already out); CONSOLEIO_read returns the
 * number of bytes read (0: no serial input here) and -E2BIG for a count
 * that is negative as an int; other commands are -ENOSYS.
 */
#include "guest.h"

static long cio(unsigned long cmd, unsigned long count, unsigned long buf)
{
	return HYPERVISOR_console_io(cmd, count, buf);
}

void test_main(void)
{
	static const char line[] = "console: hello from console_io\n";
	CHECK_EQ("write.ok", cio(CONSOLEIO_write, sizeof(line) - 1, (unsigned long)line), 0);
	CHECK_EQ("write.zero_len", cio(CONSOLEIO_write, 0, (unsigned long)line), 0);
	CHECK_EQ("write.zero_len_null", cio(CONSOLEIO_write, 0, 0), 0);
	/* Only the low 32 bits of the count count. */
	static const char five[] = "five\n";
	CHECK_EQ("write.count_high_bits", cio(CONSOLEIO_write, (1UL << 32) | 5, (unsigned long)five), 0);
	CHECK_EQ("write.count_4g_is_0", cio(CONSOLEIO_write, 1UL << 32, 0), 0);
	/* Unaligned buffer, longer than one 127-byte chunk. */
	static char big[300];
	for (int i = 0; i < 299; i++)
		big[i] = (i % 60 == 59) ? '\n' : (char)('a' + i % 26);
	big[299] = '\n';
	CHECK_EQ("write.unaligned_multi_chunk", cio(CONSOLEIO_write, 299, (unsigned long)big + 1), 0);

	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		CHECK_EQ(checkname("write.badptr.%s", bad_ptrs[i].name),
			 cio(CONSOLEIO_write, 16, bad_ptrs[i].addr), -XEN_EFAULT);
	}
	/* A read-only buffer is fine to write from. */
	CHECK_EQ("write.readonly_src", cio(CONSOLEIO_write, 0, (unsigned long)readonly_ptr()), 0);

	/* Lengths that run off the end of the mapping: the first chunk goes
	 * out, the one that faults gives -EFAULT. */
	char *p = page_before_hole();
	char *tail = p + PAGE_SIZE - 6;
	memcpy(tail, "tail\n\n", 6);
	CHECK_EQ("write.runs_into_hole", cio(CONSOLEIO_write, 7, (unsigned long)tail), -XEN_EFAULT);
	CHECK_EQ("write.huge_into_hole", cio(CONSOLEIO_write, 0xffffffffUL, (unsigned long)tail), -XEN_EFAULT);
	CHECK_EQ("write.exact_end_of_page", cio(CONSOLEIO_write, 6, (unsigned long)tail), 0);
	CHECK_EQ("write.wraps_address_space", cio(CONSOLEIO_write, 64, 0xffffffffffffffe0UL), -XEN_EFAULT);

	/* Reads: no serial input is queued in these runs. */
	char rbuf[32];
	CHECK_EQ("read.empty", cio(CONSOLEIO_read, sizeof(rbuf), (unsigned long)rbuf), 0);
	CHECK_EQ("read.zero", cio(CONSOLEIO_read, 0, (unsigned long)rbuf), 0);
	CHECK_EQ("read.negative_count", cio(CONSOLEIO_read, 0x80000000UL, (unsigned long)rbuf), -XEN_E2BIG);
	CHECK_EQ("read.count_ffffffff", cio(CONSOLEIO_read, 0xffffffffUL, (unsigned long)rbuf), -XEN_E2BIG);
	CHECK_EQ("read.count_high_bits", cio(CONSOLEIO_read, 0xffffffff00000004UL, (unsigned long)rbuf), 0);
	CHECK_EQ("read.null_nothing_queued", cio(CONSOLEIO_read, 16, 0), 0);
	CHECK_EQ("read.readonly_nothing_queued", cio(CONSOLEIO_read, 16, (unsigned long)readonly_ptr()), 0);

	/* Unknown commands. */
	CHECK_EQ("cmd.2", cio(2, 4, (unsigned long)line), -XEN_ENOSYS);
	CHECK_EQ("cmd.ffffffff", cio(0xffffffffUL, 4, (unsigned long)line), -XEN_ENOSYS);
	CHECK_EQ("cmd.high_bits_write", cio(1UL << 32, 5, (unsigned long)five), 0);

	/* The raw `syscall` entry and (when present) the hypercall page agree. */
	CHECK_EQ("raw_syscall.write", hypercall_raw(__HYPERVISOR_console_io, CONSOLEIO_write,
						   5, (unsigned long)five, 0, 0), 0);
}
