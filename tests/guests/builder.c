/*
 * builder: dom0 creates domUs from its own modules exactly as a toolstack
 * does (libxl_create.c and libxc's xc_dom_* PV path, Xen 4.17), runs the
 * other test kernels as domUs, watches them through VIRQ_DOM_EXC and
 * getdomaininfo, destroys them and checks that every frame came back.
 *
 * The domU kernels arrive as our initrd: a cpio archive that
 * run-guest.sh --domus packs (Xen hands dom0 a single initrd module).
 * Each domU writes to its console ring (the framework does so whenever it
 * is not dom0); we copy the ring to our console as "[d<id> <kernel>] ..."
 * lines and check its RESULT line and its shutdown reason.
 *
 * Hostile cases, with Xen 4.17's answers as the expected values:
 * - as a domU (this same kernel, started by the dom0 builder): domctl,
 *   sysctl, memory and event-channel operations on other domains, foreign
 *   mappings of dom0, console_io;
 * - from dom0: foreign mappings of frames the target does not own and of
 *   its page tables writable, a page table that maps a dom0 frame pinned
 *   on the target's behalf, populate beyond max_mem, destroy while dom0
 *   maps a domU frame (the domain lingers, dying, until the unmap),
 *   bogus vCPU contexts, domctl edge cases.
 * Arguments: churn=N (N create/run/destroy cycles of the "shutdown"
 * kernel: no frame leaked, time per cycle steady), churn-only (nothing
 * else), race-only (dom0's vCPUs racing on domctl, builder/race.c: boot
 * with --vcpus 2; a domU of usermode prints other iret.kernel.in_syscall
 * values on Xen 4.17 when dom0 has 2 vCPUs, so the main run keeps 1),
 * domus=a,b (only these domU kernels).
 * Lines "TIME <what> <ns>" carry the figures bench/domu-lifecycle.sh reads.
 */
#include "builder/toolstack.h"
#include "builder/interdomain.h"
#include "builder/cross_domain.h"
#include "builder/race.h"
#include "builder/destroy_mapped.h"

#define MAX_IMAGES 16
static struct image images[MAX_IMAGES];
static unsigned int n_images;
static struct domu dom_a, dom_b;

static const struct image *image_named(const char *name)
{
	for (unsigned int i = 0; i < n_images; i++)
		if (!strcmp(images[i].name, name))
			return &images[i];
	return NULL;
}

static bool wanted(const char *name)
{
	const char *list = cmdline_value("domus");
	if (!list)
		return true;
	size_t n = strlen(name);
	for (const char *p = list; *p; ) {
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Free memory back where it was (the hypervisor frees the last pieces
 * after an RCU grace period, so wait a little). */
static long free_delta(uint64_t base)
{
	uint64_t deadline = xen_system_time() + 2000000000UL;
	uint64_t now;

	if (!base)
		return 0x7fffffff;      /* no physinfo: nothing proves the frames came back */
	while ((now = free_pages()) != base && xen_system_time() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return (long)(now - base);
}

static long pause_domain(domid_t id, unsigned int cmd)
{
	static struct xen_domctl c;
	memset(&c, 0, sizeof(c));
	c.cmd = cmd;
	c.domain = id;
	return domctl(&c);
}

/* ---- a new domain's first wake ---- */

/* Xen 4.17's credit2 gives a new domU the only pCPU at once: it has run
 * by the time unpause returns. Counted over the domUs run one at a time
 * (a slice that happens to end between the two hypercalls, a host stall,
 * is no failure), checked at the end. pvisor's rule
 * (hypervisor/common/sched.c) is a listed deviation: a vCPU's first wake
 * does not preempt the vCPU that woke it, so on pvisor the count is the
 * other way round (the RESULT line's "had not run" figure shows it). */
static unsigned int first_wakes, first_wakes_waited;

static void first_wake_note(domid_t id)
{
	struct xen_domctl_getdomaininfo info;

	if (domain_info_exact(id, &info) == 0) {
		first_wakes++;
		first_wakes_waited += info.cpu_time == 0;
	}
}

static void first_wake_check(void)
{
	static struct xen_sysctl s;

	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_physinfo;
	if (!first_wakes || sysctl(&s) || s.u.physinfo.nr_cpus != 1)
		return;
	printf("builder: %u of %u new domUs had not run when unpause returned\n",
	       first_wakes_waited, first_wakes);
	CHECK_EQ("sched.first_wake.new_domu_runs_at_once", first_wakes_waited * 2 < first_wakes, 1);
}

/* ---- a test kernel as a domU, start to finish ---- */

static void run_domu(const struct image *img, unsigned long pages, const char *args,
		     const char *k, unsigned int expect_reason)
{
	struct domu *d = &dom_a;
	uint64_t base = free_pages();

	long rc = domu_create(d, img, pages, args);
	snprintf(d->tag, sizeof(d->tag), "%s", k);
	CHECK_EQ(checkname("%s.create", k), rc, 0);
	if (rc)
		goto out;
	/* populate_physmap set the M2P of every frame to its pfn */
	unsigned long m2p_bad = 0;
	for (unsigned long i = 0; i < pages; i++)
		m2p_bad += mfn_to_pfn(d->mfn[i]) != i;
	CHECK_EQ(checkname("%s.m2p_mismatches", k), m2p_bad, 0);
	CHECK_EQ(checkname("%s.build", k), rc = domu_build(d), 0);
	if (rc)
		goto out;
	struct xen_domctl_getdomaininfo info;
	domain_info_exact(d->id, &info);
	CHECK_EQ(checkname("%s.info.paused", k), info.flags & (XEN_DOMINF_paused | XEN_DOMINF_shutdown), XEN_DOMINF_paused);
	CHECK_EQ(checkname("%s.info.tot_pages", k), info.tot_pages, pages);
	CHECK_EQ(checkname("%s.info.max_pages", k), info.max_pages, pages);
	CHECK_EQ(checkname("%s.info.online_vcpus", k), info.nr_online_vcpus, 1);
	CHECK_EQ(checkname("%s.unpause", k), domu_unpause(d), 0);
	first_wake_note(d->id);
	bool down = domu_wait_shutdown(d, 120000000000UL);
	CHECK_EQ(checkname("%s.shutdown_seen", k), down, 1);
	/* Its checks were relayed as ours; its own count must agree, and a
	 * domU that failed some ends with that count as its shutdown code.
	 * (Observed as agreement, so a listed deviation in a domU shows up
	 * once, as its own check, not again in these.) */
	long want = expect_reason == SHUTDOWN_poweroff && d->failed > 0 ? d->failed : (long)expect_reason;
	CHECK_EQ(checkname("%s.shutdown_reason_as_reported", k), d->reason == want, 1);
	if (d->reason != want)
		printf("builder: %s shut down with reason %ld, expected %ld\n", k, d->reason, want);
	CHECK_EQ(checkname("%s.result_line", k), d->result_seen, 1);
	CHECK_EQ(checkname("%s.failed_as_relayed", k), d->failed == d->relayed_fail, 1);
	CHECK(checkname("%s.passed", k), d->passed > 0);
	CHECK_EQ(checkname("%s.panic", k), d->panicked, 0);
	if (d->t_first)
		printf("TIME create_to_first_insn.%s %lu\n", k, d->t_first - d->t_create);
out:
	if (!d->id)
		return;
	domu_console_close(d);
	evtchn_clear(dom_exc_port);
	uint64_t t0 = xen_system_time();
	CHECK_EQ(checkname("%s.destroy", k), domu_destroy(d->id), 0);
	uint64_t t1 = xen_system_time();
	CHECK_EQ(checkname("%s.gone", k), domain_wait_gone(d->id, 2000000000UL), 1);
	uint64_t t2 = xen_system_time();
	CHECK_EQ(checkname("%s.destroy_virq", k), evtchn_is_pending(dom_exc_port), 1);
	evtchn_clear(dom_exc_port);
	CHECK_EQ(checkname("%s.free_delta", k), free_delta(base), 0);
	printf("TIME destroy.%s %lu\nTIME destroy_to_gone.%s %lu\n", k, t1 - t0, k, t2 - t0);
}

/* ---- two domUs at once: each runs, shuts down and dies on its own ---- */

static void run_pair(const char *ka, const char *kb)
{
	const struct image *ia = image_named(ka), *ib = image_named(kb);
	struct domu *ds[2] = { &dom_a, &dom_b };
	uint64_t base = free_pages();

	if (!ia || !ib)
		return;
	long ra = domu_create(ds[0], ia, 2048, "");
	long rb = domu_create(ds[1], ib, 2048, "");
	snprintf(ds[0]->tag, sizeof(ds[0]->tag), "pair.%s", ka);
	snprintf(ds[1]->tag, sizeof(ds[1]->tag), "pair.%s", kb);
	CHECK_EQ("pair.create", ra || rb, 0);
	if (!ra && !rb) {
		CHECK_EQ("pair.distinct_ids", ds[0]->id != ds[1]->id, 1);
		CHECK_EQ("pair.build", domu_build(ds[0]) || domu_build(ds[1]), 0);
		CHECK_EQ("pair.unpause", domu_unpause(ds[0]) || domu_unpause(ds[1]), 0);
		CHECK_EQ("pair.shutdown_seen", domus_wait_shutdown(ds, 2, 120000000000UL), 1);
		for (unsigned int i = 0; i < 2; i++) {
			const char *k = ds[i]->img->name;
			long want = ds[i]->failed > 0 ? ds[i]->failed : SHUTDOWN_poweroff;
			CHECK_EQ(checkname("pair.%s.reason_as_reported", k), ds[i]->reason == want, 1);
			CHECK_EQ(checkname("pair.%s.failed_as_relayed", k), ds[i]->failed == ds[i]->relayed_fail, 1);
		}
	}
	for (unsigned int i = 0; i < 2; i++) {
		if (!ds[i]->id)
			continue;
		domu_console_close(ds[i]);
		CHECK_EQ(checkname("pair.destroy.%u", i), domu_destroy(ds[i]->id), 0);
		CHECK_EQ(checkname("pair.gone.%u", i), domain_wait_gone(ds[i]->id, 2000000000UL), 1);
	}
	evtchn_clear(dom_exc_port);
	CHECK_EQ("pair.free_delta", free_delta(base), 0);
}

/* ---- domctl edge cases from dom0 ---- */

static void domctl_probes(void)
{
	static struct xen_domctl c;
	uint64_t base = free_pages();
	long rc;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_getdomaininfo;
	c.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
	CHECK_EQ("domctl.old_interface", HC1(__HYPERVISOR_domctl, &c), -XEN_EACCES);

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	c.u.createdomain.flags = 1U << 31;
	CHECK_EQ("createdomain.unknown_flag", domctl(&c), -XEN_EINVAL);
	c.u.createdomain.flags = XEN_DOMCTL_CDF_hap;
	CHECK_EQ("createdomain.hap_without_hvm", domctl(&c), -XEN_EINVAL);
	c.u.createdomain.flags = 0;
	c.u.createdomain.max_vcpus = 0;
	CHECK_EQ("createdomain.no_vcpus", domctl(&c), -XEN_EINVAL);
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.grant_opts = 0;
	CHECK_EQ("createdomain.grant_version0", domctl(&c), -XEN_EINVAL);
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	c.domain = 0;
	rc = domctl(&c);
	CHECK_EQ("createdomain.auto", rc, 0);
	if (rc)
		return;
	domid_t id = c.domain;
	CHECK(checkname("createdomain.auto_id"), id > 0 && id < DOMID_FIRST_RESERVED);
	c.domain = id;
	CHECK_EQ("createdomain.existing_id", domctl(&c), -XEN_EEXIST);

	struct xen_domctl_getdomaininfo info;
	CHECK_EQ("getdomaininfo.new", domain_info_exact(id, &info), 0);
	/* no shutdown code yet: Xen keeps it as -1, which fills bits 16-31 */
	CHECK_EQ("getdomaininfo.new.flags", info.flags, 0xffff0000U | XEN_DOMINF_paused);
	CHECK_EQ("getdomaininfo.new.tot_pages", info.tot_pages, 0);
	CHECK_EQ("getdomaininfo.new.online_vcpus", info.nr_online_vcpus, 0);
	CHECK_EQ("getdomaininfo.next_higher", getdomaininfo(1, &info) == 0 && info.domain == id, 1);
	CHECK_EQ("getdomaininfo.none_higher", getdomaininfo(id + 1, &info), -XEN_ESRCH);
	CHECK_EQ("getdomaininfo.reserved", getdomaininfo(DOMID_FIRST_RESERVED, &info), -XEN_EINVAL);

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_vcpus;
	c.domain = id;
	c.u.max_vcpus.max = 2;
	CHECK_EQ("max_vcpus.not_created_count", domctl(&c), -XEN_EINVAL);
	c.u.max_vcpus.max = 1;
	CHECK_EQ("max_vcpus.ok", domctl(&c), 0);

	CHECK_EQ("pausedomain.self", pause_domain(0, XEN_DOMCTL_pausedomain), -XEN_EINVAL);
	CHECK_EQ("unpausedomain.once", pause_domain(id, XEN_DOMCTL_unpausedomain), 0);
	CHECK_EQ("unpausedomain.twice", pause_domain(id, XEN_DOMCTL_unpausedomain), -XEN_EINVAL);
	CHECK_EQ("pausedomain.other", pause_domain(id, XEN_DOMCTL_pausedomain), 0);
	CHECK_EQ("destroydomain.self", domu_destroy(0), -XEN_EINVAL);
	CHECK_EQ("destroydomain.missing", domu_destroy(0x7000), -XEN_ESRCH);
	CHECK_EQ("destroydomain.empty", domu_destroy(id), 0);
	CHECK_EQ("destroydomain.gone", domain_wait_gone(id, 2000000000UL), 1);
	CHECK_EQ("destroydomain.again", domu_destroy(id), -XEN_ESRCH);
	CHECK_EQ("destroydomain.free_delta", free_delta(base), 0);
}

/* ---- hostile foreign mappings, pins and populate from dom0 ---- */

static void foreign_probes(void)
{
	const struct image *img = image_named("shutdown");
	struct domu *d = &dom_b;
	uint64_t base = free_pages();

	if (!img) {
		CHECK("foreign.have_image", 0);
		return;
	}
	d->no_context = true;
	long rc = domu_create(d, img, 1024, "");
	CHECK_EQ("foreign.create", rc, 0);
	if (rc)
		return;
	d->no_context = true;
	CHECK_EQ("foreign.build", rc = domu_build(d), 0);
	if (rc)
		goto out;
	domid_t t = d->id;
	unsigned long own = va_to_mfn(window_slot(0));    /* a frame of ours */
	unsigned long l4 = d->mfn[d->pt_pfn], l1 = d->mfn[d->pt_pfn + 3];
	unsigned long data = d->mfn[d->nr_pages - 1];     /* unused by the kernel */
	const unsigned int s = WINDOW_PAGES - 2;

	/* frames the target does not own (Xen: get_page_from_l1e fails and
	 * mod_l1_entry answers -EBUSY for every refused foreign entry) */
	CHECK_EQ("foreign.map_not_owned", map_foreign(s, t, own, false), -XEN_EBUSY);
	CHECK_EQ("foreign.map_xen_frame", map_foreign(s, t, xen_owned_mfn(), false), -XEN_EBUSY);
	CHECK_EQ("foreign.map_bad_domid", map_foreign(s, 0x7000, data, false), -XEN_ESRCH);
	CHECK_EQ("foreign.map_as_self", map_foreign(s, DOMID_SELF, data, false), -XEN_EBUSY);
	/* its page tables: read-only yes, writable no */
	CHECK_EQ("foreign.map_l4_rw", map_foreign(s, t, l4, true), -XEN_EBUSY);
	CHECK_EQ("foreign.map_l1_rw", map_foreign(s, t, l1, true), -XEN_EBUSY);
	CHECK_EQ("foreign.map_l4_ro", map_foreign(s, t, l4, false), 0);
	uint64_t *l4v = window_slot(s);
	CHECK_EQ("foreign.l4_ro.entry", l4v[(d->elf.virt_base >> 39) & 511] & 0xfff, 0x067);
	CHECK_EQ("foreign.l4_ro.write", probe_write64((uint64_t)&l4v[0], 1), 14);
	unmap_slot(s);
	/* its data frame: writable, also with update_va_mapping_otherdomain */
	CHECK_EQ("foreign.map_data_rw", map_foreign(s, t, data, true), 0);
	uint64_t *dv = window_slot(s);
	memset(dv, 0, PAGE_SIZE);
	dv[0] = ((uint64_t)own << 12) | PTE_P | PTE_RW;    /* maps a dom0 frame */
	unmap_slot(s);
	CHECK_EQ("foreign.uvm_otherdomain",
		 HYPERVISOR_update_va_mapping_otherdomain((unsigned long)window_slot(s),
			(data << 12) | PTE_P | PTE_A, UVMF_INVLPG, t), 0);
	CHECK_EQ("foreign.uvm_otherdomain.read", dv[0] & 0xfff, PTE_P | PTE_RW);
	unmap_slot(s);
	/* a page table of the target that maps a dom0 frame, pinned for it */
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE };
	pin.arg1.mfn = data;
	CHECK_EQ("foreign.pin_l1_maps_dom0", HYPERVISOR_mmuext_op(&pin, 1, NULL, t), -XEN_EINVAL);
	pin.arg1.mfn = own;
	CHECK_EQ("foreign.pin_dom0_frame", HYPERVISOR_mmuext_op(&pin, 1, NULL, t), -XEN_EINVAL);
	CHECK_EQ("foreign.pin_bad_domid", HYPERVISOR_mmuext_op(&pin, 1, NULL, 0x7000), -XEN_ESRCH);
	pin.cmd = MMUEXT_PIN_L4_TABLE;
	pin.arg1.mfn = l4;
	CHECK_EQ("foreign.pin_l4_twice", HYPERVISOR_mmuext_op(&pin, 1, NULL, t), -XEN_EINVAL);
	/* populate beyond max_mem */
	xen_pfn_t extra = d->nr_pages;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = t };
	set_xen_guest_handle(r.extent_start, &extra);
	CHECK_EQ("foreign.populate_over_max_mem", HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0);
	struct xen_domctl_getdomaininfo info;
	domain_info_exact(t, &info);
	CHECK_EQ("foreign.tot_pages", info.tot_pages, d->nr_pages);

	/* bogus vCPU contexts (vCPU 0 still uninitialised) */
	static struct vcpu_guest_context ctx;
	struct { const char *name; long expect; } bad[] = {
		{ "ctx.rip_noncanonical", -XEN_EINVAL },
		{ "ctx.kernel_sp_noncanonical", -XEN_EINVAL },
		{ "ctx.ldt_base_noncanonical", -XEN_EINVAL },
		{ "ctx.ldt_ents_huge", -XEN_EINVAL },
		{ "ctx.event_cb_noncanonical", -XEN_EINVAL },
		{ "ctx.gdt_dom0_frame", -XEN_EINVAL },
		{ "ctx.gdt_ents_huge", -XEN_EINVAL },
		{ "ctx.cr3_dom0_frame", -XEN_EINVAL },
		{ "ctx.cr3_data_frame", -XEN_EINVAL },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		domu_boot_context(d, &ctx);
		switch (i) {
		case 0: ctx.user_regs.rip = 0x0000800000000000UL; break;
		case 1: ctx.kernel_sp = 0x8000000000000000UL; break;
		case 2: ctx.ldt_base = 0x0000900000000000UL; ctx.ldt_ents = 1; break;
		case 3: ctx.ldt_base = d->elf.virt_base; ctx.ldt_ents = 8193; break;
		case 4: ctx.event_callback_eip = 0x0000800000000000UL; break;
		case 5: ctx.gdt_frames[0] = own; ctx.gdt_ents = 16; break;
		case 6: ctx.gdt_frames[0] = data; ctx.gdt_ents = 65536; break;
		case 7: ctx.ctrlreg[3] = (uint64_t)own << 12; break;
		case 8: ctx.ctrlreg[3] = (uint64_t)data << 12; break;
		}
		CHECK_EQ(bad[i].name, set_vcpu_context(t, &ctx), bad[i].expect);
	}
	/* kernel CS/SS with RPL 0: Xen raises them to RPL 3 */
	domu_boot_context(d, &ctx);
	ctx.user_regs.cs = FLAT_KERNEL_CS & ~3;
	ctx.user_regs.ss = FLAT_KERNEL_SS & ~3;
	ctx.kernel_ss = FLAT_KERNEL_SS & ~3;
	CHECK_EQ("ctx.rpl0_selectors", set_vcpu_context(t, &ctx), 0);
	memset(&ctx, 0, sizeof(ctx));
	CHECK_EQ("ctx.get", get_vcpu_context(t, &ctx), 0);
	CHECK_EQ("ctx.get.cs", ctx.user_regs.cs, FLAT_KERNEL_CS);
	CHECK_EQ("ctx.get.ss", ctx.user_regs.ss, FLAT_KERNEL_SS);
	CHECK_EQ("ctx.get.kernel_ss", ctx.kernel_ss, FLAT_KERNEL_SS);
	CHECK_EQ("ctx.get.rflags_if", ctx.user_regs.rflags & 0x3200, 0x200);

	/* destroy while dom0 maps one of its frames */
	CHECK_EQ("mapped.map", map_foreign(s, t, data, true), 0);
	dv[1] = 0x5eed;
	domu_console_close(d);
	CHECK_EQ("mapped.destroy", domu_destroy(t), 0);
	CHECK_EQ("mapped.still_there", domain_info_exact(t, &info), 0);
	CHECK_EQ("mapped.dying", info.flags & XEN_DOMINF_dying, XEN_DOMINF_dying);
	CHECK_EQ("mapped.tot_pages", info.tot_pages, 1);
	CHECK_EQ("mapped.readback", dv[1], 0x5eed);
	CHECK_EQ("mapped.new_map", map_foreign(s - 1, t, d->mfn[0], false), -XEN_EBUSY);
	CHECK_EQ("mapped.destroy_again", domu_destroy(t), 0);
	unmap_slot(s);
	CHECK_EQ("mapped.gone_after_unmap", domain_wait_gone(t, 2000000000UL), 1);
	CHECK_EQ("mapped.free_delta", free_delta(base), 0);
	return;
out:
	domu_console_close(d);
	domu_destroy(d->id);
	domain_wait_gone(d->id, 2000000000UL);
}

/* ---- churn ---- */

static void churn(unsigned long cycles)
{
	const struct image *img = image_named("shutdown");
	struct domu *d = &dom_a;
	uint64_t base = free_pages(), first = 0, last = 0, t_all = xen_system_time();
	uint64_t block = 0;
	unsigned long ok = 0, reused = 0;
	domid_t prev = 0;

	if (!img) {
		CHECK("churn.have_image", 0);
		return;
	}
	quiet_domus = true;
	for (unsigned long i = 0; i < cycles; i++) {
		uint64_t t0 = xen_system_time();
		long rc = domu_create(d, img, 1024, "reason=poweroff");
		/* Xen hands out ids from a rover: a freed id comes back only
		 * after the other 32k (toolstacks rely on it: stale watches and
		 * paths of a dead domain never meet its successor) */
		if (!rc && d->id <= prev)
			reused++;
		if (!rc)
			prev = d->id;
		if (!rc) rc = domu_build(d);
		if (!rc) rc = domu_unpause(d);
		if (!rc && (!domu_wait_shutdown(d, 30000000000UL) || d->reason != SHUTDOWN_poweroff))
			rc = -XEN_ETIMEDOUT;
		if (d->id) {
			domu_console_close(d);
			long drc = domu_destroy(d->id);
			if (!rc) rc = drc;
			if (!domain_wait_gone(d->id, 2000000000UL) && !rc)
				rc = -XEN_EBUSY;
		}
		evtchn_clear(dom_exc_port);
		uint64_t dt = xen_system_time() - t0;
		if (rc) {
			printf("churn: cycle %lu failed: %ld\n", i, rc);
			break;
		}
		ok++;
		if (i < 100) first += dt;
		if (i >= cycles - 100) last += dt;
		block += dt;
		if (i % 100 == 99) {
			printf("TIME churn.cycle_avg.%lu %lu\n", i / 100, block / 100);
			block = 0;
		}
	}
	quiet_domus = false;
	CHECK_EQ("churn.cycles", ok, cycles);
	CHECK_EQ("churn.domid_reused", reused, 0);
	CHECK_EQ("churn.free_delta", free_delta(base), 0);
	if (ok == cycles && cycles >= 200) {
		/* steady: the last 100 cycles within 25% of the first 100 */
		CHECK_EQ("churn.steady", last * 4 <= first * 5, 1);
		printf("TIME churn.cycle_first100 %lu\nTIME churn.cycle_last100 %lu\n",
		       first / 100, last / 100);
	}
	if (ok == cycles)
		printf("TIME churn.total %lu\n", xen_system_time() - t_all);
}

/* ---- this kernel as a domU: what an unprivileged guest is refused ---- */

static void hostile_domu(void)
{
	static struct xen_domctl c;
	static struct xen_sysctl sc;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_getdomaininfo;
	c.domain = 0;
	CHECK_EQ("domu.domctl.getdomaininfo", domctl(&c), -XEN_EPERM);
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	CHECK_EQ("domu.domctl.createdomain", domctl(&c), -XEN_EPERM);
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_pausedomain;
	c.domain = 0;
	CHECK_EQ("domu.domctl.pause_dom0", domctl(&c), -XEN_EPERM);
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_destroydomain;
	c.domain = 0;
	CHECK_EQ("domu.domctl.destroy_dom0", domctl(&c), -XEN_EPERM);
	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_physinfo;
	CHECK_EQ("domu.sysctl.physinfo", sysctl(&sc), -XEN_EPERM);

	struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = DOMID_SELF };
	CHECK_EQ("domu.evtchn.alloc_unbound_dom0", HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM);
	xen_pfn_t pfn = 0x10000;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = 0 };
	set_xen_guest_handle(r.extent_start, &pfn);
	/* Xen answers with the number of extents done: none */
	CHECK_EQ("domu.memory.populate_dom0", HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0);
	domid_t dom0 = 0;
	CHECK_EQ("domu.memory.current_reservation_dom0", HYPERVISOR_memory_op(XENMEM_current_reservation, &dom0), -XEN_EPERM);
	/* dom0's grant-table frames: only a domain controlling it may ask
	 * (XSM_DM_PRIV); nobody acquires its own, DOMID_SELF names none */
	xen_pfn_t gframe = 0;
	struct xen_mem_acquire_resource ar = { .domid = 0, .type = XENMEM_resource_grant_table, .nr_frames = 1 };
	set_xen_guest_handle(ar.frame_list, &gframe);
	CHECK_EQ("domu.memory.acquire_resource_dom0", HYPERVISOR_memory_op(XENMEM_acquire_resource, &ar), -XEN_EPERM);
	ar.domid = DOMID_SELF;
	CHECK_EQ("domu.memory.acquire_resource_self", HYPERVISOR_memory_op(XENMEM_acquire_resource, &ar), -XEN_ESRCH);
	ar.nr_frames = 0;
	ar.domid = 0;
	set_xen_guest_handle(ar.frame_list, NULL);
	CHECK_EQ("domu.memory.acquire_resource_dom0_size", HYPERVISOR_memory_op(XENMEM_acquire_resource, &ar), -XEN_EPERM);
	CHECK_EQ("domu.memory.acquire_resource_dom0_frame", gframe, 0);
	/* a foreign mapping of dom0: our own frame named as dom0's */
	CHECK_EQ("domu.mmu_update.foreign_dom0",
		 mmu_update1(l1e_maddr(window_slot(0)) | MMU_NORMAL_PT_UPDATE,
			     ((uint64_t)va_to_mfn(window_slot(0)) << 12) | PTE_P, 0), -XEN_EPERM);
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE };
	op.arg1.mfn = cur_l4_mfn;
	CHECK_EQ("domu.mmuext.foreign_dom0", HYPERVISOR_mmuext_op(&op, 1, NULL, 0), -XEN_EPERM);
	struct sched_remote_shutdown rs = { .domain_id = 0, .reason = SHUTDOWN_poweroff };
	CHECK_EQ("domu.sched.remote_shutdown_dom0", HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_EPERM);
	CHECK_EQ("domu.console_io.write", HYPERVISOR_console_io(CONSOLEIO_write, 2, "x\n"), -XEN_EPERM);
	CHECK_EQ("domu.flags", start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN), 0);

	/* The pages and channels the toolstack seeded: frames of ours (the
	 * M2P and our p2m agree), the store channel unbound toward dom0, the
	 * console channel bound by dom0's console reader. */
	unsigned long spfn = mfn_to_pfn(start_info->store_mfn);
	unsigned long cpfn = mfn_to_pfn(start_info->console.domU.mfn);
	CHECK_EQ("domu.store_mfn.ours", spfn < start_info->nr_pages && p2m[spfn] == start_info->store_mfn, 1);
	CHECK_EQ("domu.console_mfn.ours", cpfn < start_info->nr_pages && p2m[cpfn] == start_info->console.domU.mfn, 1);
	struct evtchn_status st = { .dom = DOMID_SELF, .port = start_info->store_evtchn };
	CHECK_EQ("domu.store_evtchn.status", HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), 0);
	CHECK_EQ("domu.store_evtchn.unbound", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("domu.store_evtchn.remote", st.u.unbound.dom, 0);
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = start_info->console.domU.evtchn };
	CHECK_EQ("domu.console_evtchn.status", HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), 0);
	CHECK_EQ("domu.console_evtchn.interdomain", st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ("domu.console_evtchn.remote", st.u.interdomain.dom, 0);
	CHECK(checkname("domu.ports.distinct"), start_info->store_evtchn != start_info->console.domU.evtchn);
}

void test_main(void)
{
	if (!(start_info->flags & SIF_INITDOMAIN)) {
		hostile_domu();
		return;
	}
	toolstack_init();
	n_images = pack_images(images, MAX_IMAGES);
	CHECK(checkname("pack.images"), n_images > 0);
	/* A first small domU, unchecked: Xen 4.17 allocates a page of per-CPU
	 * state for good the first time a PV domU runs on a second CPU, which
	 * is not a leak of the domains measured below. */
	const struct image *warm = image_named("shutdown");
	if (warm && !domu_create(&dom_a, warm, 1024, "reason=poweroff")) {
		bool q = quiet_domus;
		quiet_domus = true;
		if (!domu_build(&dom_a) && !domu_unpause(&dom_a))
			domu_wait_shutdown(&dom_a, 30000000000UL);
		quiet_domus = q;
		domu_console_close(&dom_a);
		domu_destroy(dom_a.id);
		domain_wait_gone(dom_a.id, 2000000000UL);
		evtchn_clear(dom_exc_port);
		/* its last frames come back after the hypervisor's grace period */
		uint64_t prev = 0, deadline = xen_system_time() + 1000000000UL;
		for (unsigned int same = 0; same < 3 && xen_system_time() < deadline; ) {
			uint64_t now = free_pages();
			same = now == prev ? same + 1 : 0;
			prev = now;
			poll_sleep(10000000);
		}
	}
	uint64_t base = free_pages();
	CHECK(checkname("physinfo.free_pages"), base > 0);
	printf("builder: %u domU images, %lu free pages\n", n_images, base);

	if (cmdline_has("race-only")) {
		domctl_races(image_named("shutdown"));
	} else if (!cmdline_has("churn-only")) {
		domctl_probes();
		for (unsigned int i = 0; i < n_images; i++) {
			const char *k = images[i].name;
			if (!strcmp(k, "shutdown") || !strcmp(k, "crash") || !strcmp(k, "interdomain") ||
			    !wanted(k))
				continue;
			/* The multi-vCPU kernels as domUs of several vCPUs. */
			const char *args = !strcmp(k, "smp") ? "cpus=4" :
					   !strcmp(k, "schedsmp") ? "cpus=6" : "";
			run_domu(&images[i], 2048, args, k, SHUTDOWN_poweroff);
			/* and again with the virtual PIT its toolstack may ask for */
			if (!strcmp(k, "pitdomu"))
				run_domu(&images[i], 2048, "pit", "pitdomu.pit", SHUTDOWN_poweroff);
		}
		/* A domU that crashes (a fault it has no handler for, a bounce frame
		 * onto the hypervisor's stack, a bad iret) dies alone: we go on. */
		static const char *const crashes[] = { "no_handler", "bounce_hv_stack", "iret_bad_stack" };
		const struct image *crash = image_named("crash");
		for (unsigned int i = 0; crash && wanted("crash") && i < ARRAY_SIZE(crashes); i++) {
			char args[64], name[48];   /* checkname()'s buffers rotate: own copies */
			snprintf(args, sizeof(args), "action=%s", crashes[i]);
			snprintf(name, sizeof(name), "crash.%s", crashes[i]);
			run_domu(crash, 1024, args, name, SHUTDOWN_crash);
		}
		if (wanted("sched") && wanted("vmassist"))
			run_pair("sched", "vmassist");
		foreign_probes();
		cross_domain_probes(image_named("shutdown"));
		destroy_while_mapped();
		if (wanted("interdomain"))
			interdomain_pingpong(image_named("interdomain"));
	}
	const char *n = cmdline_value("churn");
	if (n) {
		unsigned long cycles = 0;
		for (; *n >= '0' && *n <= '9'; n++)
			cycles = cycles * 10 + (unsigned long)(*n - '0');
		churn(cycles);
	}
	if (!cmdline_has("race-only"))
		CHECK_EQ("free_delta.total", free_delta(base), 0);
	first_wake_check();
}
