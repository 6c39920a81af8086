/*
 * startofday: the usual start of day of a Xen PV kernel, checked (issue
 * 3's "done" kernel).  start_info and the entry registers, the bootstrap
 * layout a Linux kernel relies on, the p2m/M2P, the shared_info mapping,
 * the trap table, console output, exceptions taken and recovered, and a
 * clean shutdown.  Built twice: with a hypercall page (startofday) and
 * with raw `syscall`s only (startofday-raw).
 *
 * Command line (the module's arguments): sod.arg=hello sod.word
 * Initrd (second module, optional): tests/guests/mkinitrd.sh output; its
 * header line gives the length and byte sum to check.
 *
 * Xen 4.17's dom0 builder (pv/dom0_build.c): magic "xen-3.0-x86_64p"
 * (p: PAE note), flags SIF_PRIVILEGED|SIF_INITDOMAIN, mod_start a virtual
 * address (no MOD_START_PFN note), entry with every GPR 0 except RSP (the
 * end of the boot stack page) and RSI, RFLAGS = IF only, events masked.
 * The region is mapped to at least 512 KiB past the boot stack.
 */
#include "guest.h"

extern long setup_rc_shared_info, setup_rc_callbacks[3];

static unsigned long parse_ulong(const char **p)
{
	unsigned long v = 0;
	while (**p == ' ')
		(*p)++;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (unsigned long)(*(*p)++ - '0');
	return v;
}

static void check_start_info(void)
{
	start_info_t *si = start_info;
	unsigned long region_end = GUEST_VIRT_BASE + 1024UL * 1024 * 1024;

	printf("start_info: magic=%.32s nr_pages=%lu flags=%#x pt_base=%#lx nr_pt=%lu "
	       "mfn_list=%#lx mod=%#lx+%lu rsp=%#lx\n",
	       si->magic, si->nr_pages, si->flags, si->pt_base, si->nr_pt_frames,
	       si->mfn_list, si->mod_start, si->mod_len, boot_rsp);
	CHECK("entry.rsi_is_start_info", boot_regs[6] == (unsigned long)si);
	CHECK_EQ("start_info.aligned", (unsigned long)si & 0xfff, 0);
	CHECK_STR("start_info.magic", si->magic, "xen-3.0-x86_64p");
	CHECK_EQ("start_info.flags", si->flags & 0xff, SIF_INITDOMAIN | SIF_PRIVILEGED);
	/* Bits 8-15 (SIF_PM_MASK): Xen passes xen_processor_pmbits, Cx|Px. */
	CHECK_EQ("start_info.flags.pm", si->flags & SIF_PM_MASK, 0x300);
	CHECK_EQ("start_info.shared_info.aligned", si->shared_info & 0xfff, 0);
	CHECK_EQ("start_info.store", si->store_mfn | si->store_evtchn, 0);
	CHECK_EQ("start_info.pt_base.aligned", si->pt_base & 0xfff, 0);
	CHECK("start_info.pt_base.in_region", si->pt_base > (unsigned long)si && si->pt_base < region_end);
	CHECK("start_info.nr_pt_frames", si->nr_pt_frames >= 4 && si->nr_pt_frames < 64);
	CHECK("start_info.mfn_list.in_region", si->mfn_list >= (unsigned long)&kernel_stack_top &&
	      si->mfn_list < (unsigned long)si);
	CHECK("start_info.nr_pages", si->nr_pages >= 4096);
	/* first_p2m_pfn/nr_p2m_frames only mean something with INIT_P2M (Xen
	 * leaves its next free pfn there and 0 frames): not checked. */
	CHECK_EQ("start_info.nr_p2m_frames", si->nr_p2m_frames, 0);
	CHECK_EQ("entry.rsp.aligned", boot_rsp & 0xfff, 0);
	CHECK("entry.rsp.after_page_tables", boot_rsp > si->pt_base + si->nr_pt_frames * PAGE_SIZE &&
	      boot_rsp < region_end);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6)
			continue;       /* rsp, rsi */
		CHECK_EQ(checkname("entry.reg%d", i), boot_regs[i], 0);
	}
	CHECK_EQ("entry.rflags", boot_rflags, 0x202);

	/* Layout Linux depends on: the bootstrap tables are mapped read-only,
	 * everything else up to 512 KiB past the boot stack read/write. */
	bool ro = true;
	for (unsigned long i = 0; i < si->nr_pt_frames; i++) {
		uint64_t e = l1e_of((void *)(si->pt_base + i * PAGE_SIZE));
		ro &= (e & PTE_P) && !(e & PTE_RW);
	}
	CHECK("layout.page_tables_read_only", ro);
	uint64_t e = l1e_of((void *)(boot_rsp + 512 * 1024 - PAGE_SIZE));
	CHECK("layout.padding_512k", (e & PTE_P) && (e & PTE_RW));
	CHECK("layout.start_info_rw", l1e_of(si) & PTE_RW);
	CHECK("layout.user_bit", (l1e_of(si) & PTE_US) && (l1e_of(&kernel_stack_top) & PTE_US));
	uint64_t cr3 = read_cr3();
	CHECK("layout.cr3_is_pt_base", cr3 == (uint64_t)va_to_mfn((void *)si->pt_base) << 12);

	/* The p2m and the M2P agree for every page we own. */
	bool ok = true;
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
		ok &= mfn_to_pfn(p2m[pfn]) == pfn;
	CHECK("p2m.m2p_consistent", ok);
	domid_t self = DOMID_SELF;
	CHECK_EQ("nr_pages.current_reservation",
		 HYPERVISOR_memory_op(XENMEM_current_reservation, &self), si->nr_pages);
}

static void check_cmdline(void)
{
	const char *v = cmdline_value("sod.arg");
	CHECK_STR("cmdline.value", v ? v : "(missing)", "hello");
	CHECK("cmdline.word", cmdline_has("sod.word"));
	CHECK("cmdline.no_kernel_path", !cmdline_has("startofday.elf") &&
	      strncmp((const char *)start_info->cmd_line, "sod.", 4) == 0);
}

static void check_initrd(void)
{
	start_info_t *si = start_info;

	if (!si->mod_start) {
		CHECK_EQ("initrd.none.len", si->mod_len, 0);
		return;
	}
	const char *p = (const char *)si->mod_start;
	CHECK("initrd.in_region", si->mod_start > (unsigned long)&kernel_stack_top &&
	      si->mod_start < si->mfn_list);
	CHECK_EQ("initrd.aligned", si->mod_start & 0xfff, 0);
	CHECK_EQ("initrd.magic", strncmp(p, "PVTEST-INITRD ", 14), 0);
	const char *q = p + 14;
	unsigned long len = parse_ulong(&q);
	unsigned long sum = parse_ulong(&q);
	CHECK_EQ("initrd.newline", *q, '\n');
	q++;
	unsigned long hdr = (unsigned long)(q - p);
	CHECK_EQ("initrd.mod_len", si->mod_len, hdr + len);
	uint32_t s = 0;
	for (unsigned long i = 0; i < len && hdr + i < si->mod_len; i++)
		s += (unsigned char)q[i];
	CHECK_EQ("initrd.sum", s, (uint32_t)sum);
}

static void check_hypercall_page(void)
{
#if GUEST_HYPERCALL_PAGE
	/* 64-bit stubs (Xen pv/hypercall.c): push %rcx; push %r11;
	 * mov $nr,%eax; syscall; pop %r11; pop %rcx; ret, int3 padding; the
	 * iret stub pushes %rax too and does not return. */
	static const uint8_t stub[] = { 0x51, 0x41, 0x53, 0xb8, 0x11, 0, 0, 0, 0x0f, 0x05,
					0x41, 0x5b, 0x59, 0xc3, 0xcc };
	static const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 0x17, 0, 0, 0, 0x0f, 0x05 };
	CHECK_EQ("hypercall_page.stub17", memcmp(hypercall_page + 17 * 32, stub, sizeof(stub)), 0);
	CHECK_EQ("hypercall_page.iret", memcmp(hypercall_page + 23 * 32, iret, sizeof(iret)), 0);
	CHECK_EQ("hypercall_page.last", (uint8_t)hypercall_page[127 * 32 + 4], 127);
#else
	CHECK_EQ("no_hypercall_page", 0, 0);
#endif
}

static void check_shared_info(void)
{
	CHECK_EQ("shared_info.map", setup_rc_shared_info, 0);
	CHECK_EQ("shared_info.mapped_rw", l1e_of(shared_info) & (PTE_P | PTE_RW), PTE_P | PTE_RW);
	CHECK("shared_info.mfn", (l1e_of(shared_info) & PTE_ADDR) == (start_info->shared_info & PTE_ADDR));
	CHECK_EQ("vcpu0.upcall_mask", vcpu->evtchn_upcall_mask, 1);
	CHECK_EQ("vcpu0.time.version_even", vcpu->time.version & 1, 0);
	CHECK("vcpu0.time.mul", vcpu->time.tsc_to_system_mul != 0);
	CHECK_EQ("wc_version_even", shared_info->wc_version & 1, 0);
	CHECK("wallclock.after_2020", shared_info->wc_sec > 1577836800u);
	for (unsigned int i = 0; i < 64; i++)
		if (shared_info->evtchn_mask[i] || shared_info->evtchn_pending[i]) {
			CHECK_EQ("evtchn.clean", i, -1);
			return;
		}
	CHECK_EQ("evtchn.clean", 0, 0);
}

static void check_exceptions(void)
{
	CHECK_EQ("trap_table.installed", 0, 0);
	int before = last_trap.taken;
	expect_trap(6);
	asm volatile(PROBE("ud2"));
	CHECK_EQ("ud2.taken", last_trap.taken - before, 1);
	CHECK_EQ("ud2.vector", trap_seen(), 6);
	uint64_t v;
	CHECK_EQ("pf.vector", probe_read64(0x1008, &v), 14);
	CHECK_EQ("pf.cr2", last_trap.cr2, 0x1008);
	CHECK_EQ("pf.error_code", last_trap.error_code, 0);
	expect_trap(3);
	asm volatile("int3");
	CHECK_EQ("int3.vector", trap_seen(), 3);
}

void test_main(void)
{
	check_start_info();
	check_cmdline();
	check_initrd();
	check_hypercall_page();
	check_shared_info();
	check_exceptions();
	CHECK_EQ("console_io.write", HYPERVISOR_console_io(CONSOLEIO_write, 3, "ok\n"), 0);
}
