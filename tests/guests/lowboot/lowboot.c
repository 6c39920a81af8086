/*
 * lowboot: a PV kernel linked low (1 MiB or 0, VIRT_BASE 0) without a
 * SUPPORTED_FEATURES note boots as dom0 on Xen 4.17, and must on pvisor.
 * It checks the start-of-day layout a builder gives such a kernel: the
 * boot region starts at virtual 0 (pfn N at N * 4 KiB, the kernel at its
 * link address), start_info, p2m and page tables above the kernel, the
 * tables mapped read-only, dom0's features reported. Standalone (no test
 * framework, which assumes the Linux address layout); same output format.
 */
#include <stdint.h>
#include <stdbool.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/features.h>

extern char _start[], _image_end[];
static unsigned int passed, failed;
static volatile uint64_t scratch = 1;

static long hypercall3(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	asm volatile("syscall"
		     : "+a"(nr), "+D"(a1), "+S"(a2), "+d"(a3)
		     : : "rcx", "r11", "r8", "r9", "r10", "memory");
	return (long)nr;
}

static void put(const char *s, unsigned long len)
{
	hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)s);
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void puts_(const char *s) { put(s, slen(s)); }

static void put_hex(uint64_t v)
{
	char b[19];
	int i = 18;

	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	b[--i] = 'x';
	b[--i] = '0';
	puts_(&b[i]);
}

static void put_dec(unsigned int v)
{
	char b[12];
	int i = 11;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(&b[i]);
}

static void check(const char *name, uint64_t seen, uint64_t want)
{
	bool ok = seen == want;

	puts_("CHECK " GUEST_NAME ".");
	puts_(name);
	puts_(" ");
	put_hex(seen);
	puts_(ok ? " PASS expected=" : " FAIL expected=");
	put_hex(want);
	puts_("\n");
	if (ok)
		passed++;
	else
		failed++;
}

#define PTE_P 1ULL
#define PTE_W 2ULL
#define PTE_MFN(e) (((e) >> 12) & ((1ULL << 40) - 1))

/* Virtual address of a page-table frame: the tables are pfns of the boot
 * region, which maps pfn N at N * 4 KiB (VIRT_BASE 0). */
static const uint64_t *table_va(const start_info_t *si, uint64_t mfn)
{
	const unsigned long *p2m = (const unsigned long *)si->mfn_list;
	unsigned long first = si->pt_base >> 12;

	for (unsigned long i = 0; i < si->nr_pt_frames; i++)
		if (p2m[first + i] == mfn)
			return (const uint64_t *)((first + i) << 12);
	return 0;
}

/* The L1 entry mapping va, or 0. */
static uint64_t l1e_of(const start_info_t *si, uint64_t va)
{
	const uint64_t *t = (const uint64_t *)si->pt_base;

	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if (shift == 12 || !(e & PTE_P))
			return e;
		t = table_va(si, PTE_MFN(e));
		if (!t)
			return 0;
	}
	return 0;
}

void low_main(const start_info_t *si)
{
	static const char magic[] = "xen-3.0-x86_64";
	const unsigned long *p2m = (const unsigned long *)si->mfn_list;
	xen_feature_info_t fi = { .submap_idx = 0 };
	uint64_t e;
	unsigned int same = 1;

	puts_("lowboot: " GUEST_NAME " started\n");
	for (unsigned int i = 0; i < sizeof(magic) - 1; i++)
		same &= si->magic[i] == magic[i];
	check("start.magic", same, 1);
	check("layout.linked_at", (uint64_t)_start, LOW_BASE);
	check("layout.start_info_above_kernel", (uint64_t)si >= (uint64_t)_image_end, 1);
	check("layout.p2m_above_kernel", si->mfn_list >= (uint64_t)_image_end, 1);
	check("layout.tables_above_start_info", si->pt_base > (uint64_t)si, 1);
	check("layout.region_low", si->pt_base < (1ULL << 30), 1);

	/* frames differ between hypervisors: compare them, print 1 or 0 */
	e = l1e_of(si, LOW_BASE);
	check("map.kernel.present", e & PTE_P, PTE_P);
	check("map.kernel.pfn", PTE_MFN(e) == p2m[LOW_BASE >> 12], 1);
	e = l1e_of(si, 0);
	check("map.va0.present", e & PTE_P, PTE_P);
	check("map.va0.pfn0", PTE_MFN(e) == p2m[0], 1);
	check("map.va0.rw", e & PTE_W, PTE_W);
	e = l1e_of(si, si->pt_base);
	check("map.l4.read_only", e & (PTE_P | PTE_W), PTE_P);
	e = l1e_of(si, (uint64_t)si);
	check("map.start_info.pfn", PTE_MFN(e) == p2m[(uint64_t)si >> 12], 1);

	scratch = 0x5a5a;
	check("data.write", scratch, 0x5a5a);

	check("features.call", hypercall3(__HYPERVISOR_xen_version, XENVER_get_features,
					  (unsigned long)&fi, 0), 0);
	check("features.dom0", (fi.submap >> XENFEAT_dom0) & 1, 1);
	check("start_info.initdomain", si->flags & SIF_INITDOMAIN, SIF_INITDOMAIN);

	puts_("RESULT " GUEST_NAME ": ");
	put_dec(passed);
	puts_(" passed, ");
	put_dec(failed);
	puts_(" failed\n");
	if (failed) {
		struct sched_shutdown code = { .reason = failed > 255 ? 255 : failed };

		hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown_code, (unsigned long)&code, 0);
	}
	for (;;) {
		struct sched_shutdown s = { .reason = SHUTDOWN_poweroff };

		hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&s, 0);
	}
}
