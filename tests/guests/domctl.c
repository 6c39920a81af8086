/*
 * domctl: the control-plane operations a toolstack issues, run as dom0
 * (issue 12 §2.1), with hostile input. Boots with 2 vCPUs (kernels.list).
 * The domains made here never run: the builder test kernel fills and
 * starts domUs; this one checks the operations themselves. As one of the
 * builder's domUs it checks what an unprivileged domain gets (-EPERM
 * after the copy, version and lookup, a few argument checks first).
 *
 * Xen 4.17 (common/domctl.c, common/domain.c, arch/x86/domctl.c):
 *  - refusals come in this order: the copy (-EFAULT), the interface
 *    version (-EACCES), the domain lookup (-ESRCH: DOMID_SELF names no
 *    domain in a domctl), then privilege; an unknown command is -ENOSYS
 *    (set_max_evtchn and set_gnttab_limits were folded into createdomain);
 *  - createdomain: an id in 1..0x7fef must be free (-EEXIST), 0 or a
 *    reserved id takes the first free id after a rover, which moves even
 *    when the config is then refused; unknown or HVM-only flags, a bad
 *    grant version or frame limit, 0 vCPUs, emulation flags other than the
 *    PIT (-EOPNOTSUPP) or unknown (-EINVAL), an absent cpupool (-ESRCH);
 *  - a new domain is paused by its controller (count 1, the paused flag),
 *    has no vCPU until max_vcpus (which must repeat createdomain's count),
 *    and a shutdown code of 255 in its flags; the count nests up to 255
 *    (-EOVERFLOW), drops below 0 with -EINVAL; pausing yourself is -EINVAL;
 *  - getdomaininfo of an absent id reports the next domain up (-ESRCH past
 *    the last, -EINVAL for reserved ids);
 *  - vCPU contexts: a non-canonical address, an unaligned or oversized LDT,
 *    too many GDT entries, unknown vm_assist bits, page tables or GDT
 *    frames the domain does not own are all -EINVAL; an uninitialised
 *    vCPU's context is -ENODATA; the caller's own vCPU is -EINVAL;
 *  - set_target of a PV domain is -EOPNOTSUPP (HVM only);
 *  - max_mem is kept in Xen's unsigned int max_pages (clamped);
 *  - vCPU affinity: hard must meet an online pCPU; set returns what is
 *    used (hard & online, soft & online & hard), get what was stored.
 */
#include "guest.h"
#include <xen/domctl.h>

#define DOMCTL_VERSION XEN_DOMCTL_INTERFACE_VERSION

static struct xen_domctl dc;

static long domctl(struct xen_domctl *op)
{
	return HC1(__HYPERVISOR_domctl, op);
}

/* op `cmd` on `dom` with a zeroed payload. */
static struct xen_domctl *op(uint32_t cmd, domid_t dom)
{
	memset(&dc, 0, sizeof(dc));
	dc.cmd = cmd;
	dc.interface_version = DOMCTL_VERSION;
	dc.domain = dom;
	return &dc;
}

static long simple(uint32_t cmd, domid_t dom)
{
	return domctl(op(cmd, dom));
}

/* A PV config libxl would send. */
static struct xen_domctl_createdomain good_config(unsigned int vcpus)
{
	struct xen_domctl_createdomain c = {
		.flags = 0, .max_vcpus = vcpus, .max_evtchn_port = 1023,
		.max_grant_frames = -1, .max_maptrack_frames = -1,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
	};
	for (int i = 0; i < 16; i++)
		c.handle[i] = (uint8_t)(0xa0 + i);
	return c;
}

/* createdomain: rc, the new id in *id. */
static long create(domid_t want, const struct xen_domctl_createdomain *c, domid_t *id)
{
	op(XEN_DOMCTL_createdomain, want);
	dc.u.createdomain = *c;
	long rc = domctl(&dc);
	if (id)
		*id = rc ? DOMID_INVALID : dc.domain;
	return rc;
}

static long destroy(domid_t id)
{
	return simple(XEN_DOMCTL_destroydomain, id);
}

static struct xen_domctl_getdomaininfo info;
/* getdomaininfo(id): rc; the record in `info`, the domain found in *found. */
static long getinfo(domid_t id, domid_t *found)
{
	long rc = simple(XEN_DOMCTL_getdomaininfo, id);
	info = dc.u.getdomaininfo;
	if (found)
		*found = rc ? DOMID_INVALID : dc.domain;
	return rc;
}

static void header_checks(void)
{
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("badptr.%s", bad_ptrs[i].name),
			 HC1(__HYPERVISOR_domctl, bad_ptrs[i].addr), -XEN_EFAULT);
	op(XEN_DOMCTL_getdomaininfo, 0);
	dc.interface_version = DOMCTL_VERSION - 1;
	CHECK_EQ("version.old", domctl(&dc), -XEN_EACCES);
	dc.interface_version = DOMCTL_VERSION + 1;
	CHECK_EQ("version.new", domctl(&dc), -XEN_EACCES);
	/* Lookup before the command is known. */
	CHECK_EQ("unknown.dom0", simple(9999, 0), -XEN_ENOSYS);
	CHECK_EQ("unknown.absent_domain", simple(9999, 50), -XEN_ESRCH);
	CHECK_EQ("set_max_evtchn.gone", simple(70, 0), -XEN_ENOSYS);
	CHECK_EQ("set_gnttab_limits.gone", simple(80, 0), -XEN_ENOSYS);
	CHECK_EQ("cacheflush.x86", simple(XEN_DOMCTL_cacheflush, 0), -XEN_ENOSYS);
	CHECK_EQ("pause.domid_self", simple(XEN_DOMCTL_pausedomain, DOMID_SELF), -XEN_ESRCH);
	CHECK_EQ("destroy.domid_self", destroy(DOMID_SELF), -XEN_ESRCH);
	CHECK_EQ("destroy.absent", destroy(40), -XEN_ESRCH);
}

static void dom0_info_checks(void)
{
	domid_t found;

	CHECK_EQ("info.dom0", getinfo(0, &found), 0);
	CHECK_EQ("info.dom0.domain", found, 0);
	CHECK_EQ("info.dom0.not_paused_shut", info.flags & (XEN_DOMINF_paused | XEN_DOMINF_shutdown |
							      XEN_DOMINF_dying | XEN_DOMINF_hvm_guest), 0);
	CHECK_EQ("info.dom0.running", info.flags & XEN_DOMINF_running, XEN_DOMINF_running);
	CHECK_EQ("info.dom0.shutdown_code", (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask, 255);
	CHECK_EQ("info.dom0.max_vcpu_id", info.max_vcpu_id, 1);
	CHECK_EQ("info.dom0.online", info.nr_online_vcpus, 1);
	CHECK("info.dom0.shared_info", info.shared_info_frame == start_info->shared_info >> 12);
	CHECK("info.dom0.pages", info.tot_pages >= start_info->nr_pages - 64 && info.tot_pages <= info.max_pages);
	CHECK_EQ("info.dom0.cpupool", info.cpupool, 0);
	CHECK_EQ("info.dom0.emulation", info.arch_config.emulation_flags, XEN_X86_EMU_PIT);
	CHECK("info.dom0.gpaddr_bits", info.gpaddr_bits >= 32 && info.gpaddr_bits <= 52);
	CHECK("info.dom0.cpu_time", info.cpu_time > 0);
	CHECK_EQ("info.domid_self", getinfo(DOMID_SELF, NULL), -XEN_EINVAL);
	CHECK_EQ("info.reserved", getinfo(0x7fff, NULL), -XEN_EINVAL);
	CHECK_EQ("info.past_last", getinfo(0x7fef, NULL), -XEN_ESRCH);
	CHECK_EQ("info.none_above_0", getinfo(1, NULL), -XEN_ESRCH);
	op(XEN_DOMCTL_getdomaininfo, 0);
	dc.interface_version = 0;
	CHECK_EQ("info.bad_version", domctl(&dc), -XEN_EACCES);
}

/* Configs Xen refuses, at an explicit id so the rover stays put. */
static void config_checks(void)
{
	struct { const char *name; long expect; struct xen_domctl_createdomain c; } bad[16];
	unsigned int n = 0;
	struct xen_domctl_createdomain c;
	domid_t id;

#define BAD(nm, exp, field, val) do { c = good_config(1); c.field = (val); \
	bad[n].name = (nm); bad[n].expect = (exp); bad[n].c = c; n++; } while (0)
	BAD("flags.unknown", -XEN_EINVAL, flags, 1u << 8);
	BAD("flags.top", -XEN_EINVAL, flags, 1u << 31);
	BAD("flags.hvm", -XEN_EOPNOTSUPP, flags, XEN_DOMCTL_CDF_hvm);
	BAD("flags.hap_pv", -XEN_EINVAL, flags, XEN_DOMCTL_CDF_hap);
	BAD("flags.iommu", -XEN_EINVAL, flags, XEN_DOMCTL_CDF_iommu);
	BAD("flags.vpmu", -XEN_EINVAL, flags, XEN_DOMCTL_CDF_vpmu);
	BAD("flags.nested", -XEN_EINVAL, flags, XEN_DOMCTL_CDF_nested_virt);
	BAD("iommu_opts", -XEN_EINVAL, iommu_opts, 1);
	BAD("vmtrace", -XEN_EINVAL, vmtrace_size, 4096);
	BAD("vcpus.0", -XEN_EINVAL, max_vcpus, 0);
	BAD("vcpus.8193", -XEN_EINVAL, max_vcpus, 8193);
	BAD("grant.v0", -XEN_EINVAL, grant_opts, 0);
	BAD("grant.v3", -XEN_EINVAL, grant_opts, 3);
	BAD("grant.opts_unknown", -XEN_EINVAL, grant_opts, 1 | (1u << 4));
	BAD("grant.frames0", -XEN_EINVAL, max_grant_frames, 0);
	BAD("grant.frames65", -XEN_EINVAL, max_grant_frames, 65);
	for (unsigned int i = 0; i < n; i++)
		CHECK_EQ(checkname("create.%s", bad[i].name), create(5, &bad[i].c, NULL), bad[i].expect);
	n = 0;
	BAD("maptrack1025", -XEN_EINVAL, max_maptrack_frames, 1025);
	BAD("misc_flags", -XEN_EINVAL, arch.misc_flags, 2);
	BAD("emulation.unknown", -XEN_EINVAL, arch.emulation_flags, 1u << 20);
	BAD("emulation.lapic", -XEN_EOPNOTSUPP, arch.emulation_flags, XEN_X86_EMU_LAPIC);
	BAD("cpupool1", -XEN_ESRCH, cpupool_id, 1);
	for (unsigned int i = 0; i < n; i++)
		CHECK_EQ(checkname("create.%s", bad[i].name), create(5, &bad[i].c, NULL), bad[i].expect);
#undef BAD
	CHECK_EQ("create.refused_left_nothing", getinfo(1, NULL), -XEN_ESRCH);

	/* Accepted limits: each creates a domain, destroyed again. */
	static const struct { const char *name; int field; long val; } ok[] = {
		{ "grant.frames64", 0, 64 }, { "maptrack0", 1, 0 }, { "evtchn.huge", 2, -1 },
		{ "emulation.pit", 3, XEN_X86_EMU_PIT }, { "flags.xs_domain", 4, XEN_DOMCTL_CDF_xs_domain },
		{ "grant.v2", 5, 2 }, { "vcpus.32", 6, 32 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(ok); i++) {
		c = good_config(1);
		switch (ok[i].field) {
		case 0: c.max_grant_frames = (int32_t)ok[i].val; break;
		case 1: c.max_maptrack_frames = (int32_t)ok[i].val; break;
		case 2: c.max_evtchn_port = (uint32_t)ok[i].val; break;
		case 3: c.arch.emulation_flags = (uint32_t)ok[i].val; break;
		case 4: c.flags = (uint32_t)ok[i].val; break;
		case 5: c.grant_opts = (uint32_t)ok[i].val; break;
		case 6: c.max_vcpus = (uint32_t)ok[i].val; break;
		}
		CHECK_EQ(checkname("create.%s", ok[i].name), create(5, &c, &id), 0);
		CHECK_EQ(checkname("create.%s.id", ok[i].name), id, 5);
		if (ok[i].field == 3) {
			getinfo(5, NULL);
			CHECK_EQ("create.emulation.pit.info", info.arch_config.emulation_flags, XEN_X86_EMU_PIT);
		}
		if (ok[i].field == 4) {
			getinfo(5, NULL);
			CHECK_EQ("create.flags.xs_domain.info", info.flags & XEN_DOMINF_xs_domain, XEN_DOMINF_xs_domain);
		}
		CHECK_EQ(checkname("create.%s.destroy", ok[i].name), destroy(5), 0);
	}
	/* Beyond pvisor's per-domain vCPU array (Xen: 8192). */
	c = good_config(33);
	CHECK_EQ("create.vcpus.33", create(5, &c, &id), 0);
	if (id == 5)
		destroy(5);
	/* An id beyond pvisor's domain table (Xen: up to 0x7fef). */
	c = good_config(1);
	CHECK_EQ("create.domid100", create(100, &c, &id), 0);
	CHECK_EQ("create.domid100.destroy", destroy(100), 0);
	CHECK_EQ("create.all_gone", getinfo(1, NULL), -XEN_ESRCH);
}

/* Domain ids: explicit, duplicate, the rover (moved by a refused config). */
static domid_t dom_a, dom_b;
static void id_checks(void)
{
	struct xen_domctl_createdomain c = good_config(2), bad = good_config(1);
	domid_t id, found;

	bad.flags = 1u << 9;
	CHECK_EQ("id.auto1", create(0, &c, &dom_a), 0);
	CHECK_EQ("id.auto1.value", dom_a, 1);
	c = good_config(1);
	CHECK_EQ("id.auto2", create(DOMID_SELF, &c, &dom_b), 0);
	CHECK_EQ("id.auto2.value", dom_b, 2);
	CHECK_EQ("id.explicit5", create(5, &c, &id), 0);
	CHECK_EQ("id.explicit5.value", id, 5);
	CHECK_EQ("id.duplicate", create(2, &c, &id), -XEN_EEXIST);
	CHECK_EQ("id.duplicate.bad_config", create(5, &bad, &id), -XEN_EEXIST);
	CHECK_EQ("id.auto_refused", create(0, &bad, &id), -XEN_EINVAL);
	CHECK_EQ("id.auto3", create(0, &c, &id), 0);
	CHECK_EQ("id.auto3.after_rover", id, 4);

	/* Iterating as libxc does: 0 1 2 4 5, then nothing. */
	static const domid_t want[] = { 0, 1, 2, 4, 5 };
	domid_t next = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++) {
		CHECK_EQ(checkname("iter.%u", i), getinfo(next, &found), 0);
		CHECK_EQ(checkname("iter.%u.domain", i), found, want[i]);
		next = (domid_t)(found + 1);
	}
	CHECK_EQ("iter.end", getinfo(next, NULL), -XEN_ESRCH);
	CHECK_EQ("iter.gap3", getinfo(3, &found), 0);
	CHECK_EQ("iter.gap3.domain", found, 4);

	/* A destroyed domain is gone at once (nothing else holds it). */
	CHECK_EQ("destroy.4", destroy(4), 0);
	CHECK_EQ("destroy.4.info", getinfo(4, &found), 0);
	CHECK_EQ("destroy.4.info_next", found, 5);
	CHECK_EQ("destroy.4.again", destroy(4), -XEN_ESRCH);
	CHECK_EQ("destroy.4.pause", simple(XEN_DOMCTL_pausedomain, 4), -XEN_ESRCH);
	/* The rover (4) skips 5, which is taken. */
	CHECK_EQ("id.auto4", create(0, &c, &id), 0);
	CHECK_EQ("id.auto4.value", id, 6);
	CHECK_EQ("id.auto4.destroy", destroy(6), 0);
	CHECK_EQ("id.5.destroy", destroy(5), 0);
}

static void pause_checks(void)
{
	domid_t a = dom_a;
	long rc = 0;

	CHECK_EQ("new.info", getinfo(a, NULL), 0);
	CHECK_EQ("new.flags", info.flags, XEN_DOMINF_paused | (~0u << XEN_DOMINF_shutdownshift));
	CHECK_EQ("new.max_vcpu_id", info.max_vcpu_id, XEN_INVALID_MAX_VCPU_ID);
	CHECK_EQ("new.online", info.nr_online_vcpus, 0);
	CHECK_EQ("new.tot_pages", info.tot_pages, 0);
	CHECK_EQ("new.max_pages", info.max_pages, 0);
	CHECK_EQ("new.handle", info.handle[0] == 0xa0 && info.handle[15] == 0xaf, 1);
	CHECK_EQ("new.emulation", info.arch_config.emulation_flags, 0);

	CHECK_EQ("unpause.first", simple(XEN_DOMCTL_unpausedomain, a), 0);
	getinfo(a, NULL);
	CHECK_EQ("unpause.first.flags", info.flags & XEN_DOMINF_paused, 0);
	CHECK_EQ("unpause.below_zero", simple(XEN_DOMCTL_unpausedomain, a), -XEN_EINVAL);
	for (int i = 0; i < 3; i++)
		rc |= simple(XEN_DOMCTL_pausedomain, a);
	CHECK_EQ("pause.nest3", rc, 0);
	rc = 0;
	for (int i = 0; i < 3; i++)
		rc |= simple(XEN_DOMCTL_unpausedomain, a);
	CHECK_EQ("unpause.nest3", rc, 0);
	CHECK_EQ("unpause.nest3.extra", simple(XEN_DOMCTL_unpausedomain, a), -XEN_EINVAL);
	rc = 0;
	for (int i = 0; i < 255; i++)
		rc |= simple(XEN_DOMCTL_pausedomain, a);
	CHECK_EQ("pause.255", rc, 0);
	CHECK_EQ("pause.256", simple(XEN_DOMCTL_pausedomain, a), -XEN_EOVERFLOW);
	rc = 0;
	for (int i = 0; i < 254; i++)
		rc |= simple(XEN_DOMCTL_unpausedomain, a);
	CHECK_EQ("unpause.254", rc, 0);
	getinfo(a, NULL);
	CHECK_EQ("pause.1_left", info.flags & XEN_DOMINF_paused, XEN_DOMINF_paused);
	CHECK_EQ("pause.self", simple(XEN_DOMCTL_pausedomain, 0), -XEN_EINVAL);
	CHECK_EQ("unpause.dom0", simple(XEN_DOMCTL_unpausedomain, 0), -XEN_EINVAL);
	CHECK_EQ("resume.self", simple(XEN_DOMCTL_resumedomain, 0), -XEN_EINVAL);
	CHECK_EQ("resume.a", simple(XEN_DOMCTL_resumedomain, a), 0);
}

static void vcpu_checks(void)
{
	domid_t a = dom_a, b = dom_b;

	op(XEN_DOMCTL_max_vcpus, a);
	dc.u.max_vcpus.max = 1;
	CHECK_EQ("max_vcpus.fewer", domctl(&dc), -XEN_EINVAL);
	dc.u.max_vcpus.max = 3;
	CHECK_EQ("max_vcpus.more", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_getvcpuinfo, a);
	CHECK_EQ("vcpuinfo.before_max_vcpus", domctl(&dc), -XEN_ESRCH);
	op(XEN_DOMCTL_max_vcpus, a);
	dc.u.max_vcpus.max = 2;
	CHECK_EQ("max_vcpus.same", domctl(&dc), 0);
	CHECK_EQ("max_vcpus.again", domctl(&dc), 0);
	op(XEN_DOMCTL_max_vcpus, 0);
	dc.u.max_vcpus.max = 2;
	CHECK_EQ("max_vcpus.self", domctl(&dc), -XEN_EINVAL);
	getinfo(a, NULL);
	CHECK_EQ("max_vcpus.info.max_vcpu_id", info.max_vcpu_id, 1);
	CHECK_EQ("max_vcpus.info.online", info.nr_online_vcpus, 0);
	CHECK_EQ("max_vcpus.info.flags", info.flags & ~XEN_DOMINF_paused, ~0u << XEN_DOMINF_shutdownshift);

	op(XEN_DOMCTL_getvcpuinfo, a);
	dc.u.getvcpuinfo.vcpu = 1;
	CHECK_EQ("vcpuinfo.1", domctl(&dc), 0);
	CHECK_EQ("vcpuinfo.1.online", dc.u.getvcpuinfo.online, 0);
	CHECK_EQ("vcpuinfo.1.running", dc.u.getvcpuinfo.running, 0);
	CHECK_EQ("vcpuinfo.1.blocked", dc.u.getvcpuinfo.blocked, 0);
	CHECK_EQ("vcpuinfo.1.time", dc.u.getvcpuinfo.cpu_time, 0);
	op(XEN_DOMCTL_getvcpuinfo, a);
	dc.u.getvcpuinfo.vcpu = 2;
	CHECK_EQ("vcpuinfo.beyond", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_getvcpuinfo, b);
	CHECK_EQ("vcpuinfo.no_vcpus", domctl(&dc), -XEN_ESRCH);
	op(XEN_DOMCTL_getvcpuinfo, 0);
	CHECK_EQ("vcpuinfo.dom0", domctl(&dc), 0);
	CHECK_EQ("vcpuinfo.dom0.online", dc.u.getvcpuinfo.online, 1);
	CHECK_EQ("vcpuinfo.dom0.running", dc.u.getvcpuinfo.running, 1);
}

static struct vcpu_guest_context gctx;

static void base_context(void)
{
	memset(&gctx, 0, sizeof(gctx));
	gctx.flags = VGCF_in_kernel | VGCF_online;
	gctx.user_regs.rip = GUEST_VIRT_BASE + 0x1000;
	gctx.user_regs.rsp = GUEST_VIRT_BASE + 0x8000;
	gctx.user_regs.cs = FLAT_KERNEL_CS;
	gctx.user_regs.ss = FLAT_KERNEL_SS;
	gctx.user_regs.rflags = 0x200;
	gctx.kernel_ss = FLAT_KERNEL_SS;
	gctx.kernel_sp = GUEST_VIRT_BASE + 0x8000;
	/* Our own L4: a frame the new domain does not own. */
	gctx.ctrlreg[3] = cur_l4_mfn << 12;
}

static long setctx(domid_t dom, unsigned int vcpu, void *ctx)
{
	op(XEN_DOMCTL_setvcpucontext, dom);
	dc.u.vcpucontext.vcpu = vcpu;
	set_xen_guest_handle(dc.u.vcpucontext.ctxt, (struct vcpu_guest_context *)ctx);
	return domctl(&dc);
}

static long getctx(domid_t dom, unsigned int vcpu, void *ctx)
{
	op(XEN_DOMCTL_getvcpucontext, dom);
	dc.u.vcpucontext.vcpu = vcpu;
	set_xen_guest_handle(dc.u.vcpucontext.ctxt, (struct vcpu_guest_context *)ctx);
	return domctl(&dc);
}

static void context_checks(void)
{
	domid_t a = dom_a;
	static struct vcpu_guest_context out;
	static const uint64_t noncanon = 0x0000800000000000UL;

	CHECK_EQ("getctx.uninitialised", getctx(a, 0, &out), -XEN_ENODATA);
	CHECK_EQ("getctx.beyond", getctx(a, 2, &out), -XEN_EINVAL);
	CHECK_EQ("getctx.no_vcpus", getctx(dom_b, 0, &out), -XEN_EINVAL);
	CHECK_EQ("getctx.own_vcpu", getctx(0, 0, &out), -XEN_EINVAL);
	base_context();
	CHECK_EQ("setctx.self", setctx(0, 1, &gctx), -XEN_EINVAL);
	CHECK_EQ("setctx.beyond", setctx(a, 2, &gctx), -XEN_EINVAL);
	CHECK_EQ("setctx.no_vcpus", setctx(dom_b, 0, &gctx), -XEN_EINVAL);
	CHECK_EQ("setctx.null_resets", setctx(a, 1, NULL), 0);
	CHECK_EQ("setctx.badptr", setctx(a, 0, (void *)0x1000), -XEN_EFAULT);
	CHECK_EQ("setctx.badptr_hv", setctx(a, 0, (void *)0xffff830000000000UL), -XEN_EFAULT);

#define BOGUS(nm, stmt) do { base_context(); stmt; \
	CHECK_EQ("setctx." nm, setctx(a, 0, &gctx), -XEN_EINVAL); } while (0)
	BOGUS("rip_noncanonical", gctx.user_regs.rip = noncanon);
	BOGUS("rsp_noncanonical", gctx.user_regs.rsp = noncanon);
	BOGUS("kernel_sp_noncanonical", gctx.kernel_sp = noncanon);
	BOGUS("event_cb_noncanonical", gctx.event_callback_eip = noncanon);
	BOGUS("failsafe_cb_noncanonical", gctx.failsafe_callback_eip = noncanon);
	BOGUS("syscall_cb_noncanonical", gctx.syscall_callback_eip = noncanon);
	BOGUS("fs_base_noncanonical", gctx.fs_base = noncanon);
	BOGUS("gs_user_noncanonical", gctx.gs_base_user = noncanon);
	BOGUS("trap_noncanonical", gctx.trap_ctxt[14].address = noncanon);
	BOGUS("ldt_unaligned", (gctx.ldt_base = GUEST_VIRT_BASE + 8, gctx.ldt_ents = 1));
	BOGUS("ldt_too_big", (gctx.ldt_base = GUEST_VIRT_BASE, gctx.ldt_ents = 8193));
	BOGUS("ldt_in_hypervisor", (gctx.ldt_base = 0xffff830000000000UL, gctx.ldt_ents = 1));
	BOGUS("ldt_noncanonical", (gctx.ldt_base = noncanon, gctx.ldt_ents = 1));
	BOGUS("gdt_too_many", gctx.gdt_ents = 16 * 512 + 1);
	BOGUS("vm_assist_unknown", gctx.vm_assist = 1UL << 31);
	BOGUS("user_mode_no_user_l4", gctx.flags = VGCF_online);
	BOGUS("cr3_not_owned", (void)0);
	BOGUS("cr3_huge", gctx.ctrlreg[3] = 0xfffffffffUL << 12);
	BOGUS("kernel_cs_rpl0_cr3_not_owned", (gctx.user_regs.cs = FLAT_KERNEL_CS & ~3, gctx.kernel_ss = FLAT_KERNEL_SS & ~3,
					       gctx.ctrlreg[3] = va_to_mfn(alloc_page()) << 12));
	/* GDT frames the domain does not own (ours), page tables aside. */
	BOGUS("gdt_not_owned", (gctx.gdt_ents = 512, gctx.gdt_frames[0] = va_to_mfn(alloc_page())));
#undef BOGUS
	CHECK_EQ("getctx.still_uninitialised", getctx(a, 0, &out), -XEN_ENODATA);
	op(XEN_DOMCTL_getvcpuinfo, a);
	CHECK_EQ("setctx.refused.vcpuinfo", domctl(&dc), 0);
	CHECK_EQ("setctx.refused.still_down", dc.u.getvcpuinfo.online, 0);

	/* dom0's second vCPU, once brought up: the context it was given. */
	CHECK_EQ("getctx.dom0_vcpu1.down", getctx(0, 1, &out), -XEN_ENODATA);
	if (smp_start(2) < 2)
		return;
	struct vcpu_guest_context *given = smp_context(1);
	memset(&out, 0xcc, sizeof(out));
	CHECK_EQ("getctx.dom0_vcpu1", getctx(0, 1, &out), 0);
	CHECK("getctx.dom0_vcpu1.cr3", out.ctrlreg[3] == given->ctrlreg[3]);
	CHECK_EQ("getctx.dom0_vcpu1.kernel_ss", out.kernel_ss, given->kernel_ss);
	CHECK_EQ("getctx.dom0_vcpu1.event_cb", out.event_callback_eip, given->event_callback_eip);
	CHECK_EQ("getctx.dom0_vcpu1.failsafe_cb", out.failsafe_callback_eip, given->failsafe_callback_eip);
	CHECK_EQ("getctx.dom0_vcpu1.gdt_ents", out.gdt_ents, given->gdt_ents);
	CHECK("getctx.dom0_vcpu1.gdt_frame0", out.gdt_frames[0] == given->gdt_frames[0]);
	CHECK_EQ("getctx.dom0_vcpu1.trap14", out.trap_ctxt[14].address, given->trap_ctxt[14].address);
	CHECK_EQ("getctx.dom0_vcpu1.flags", out.flags & (VGCF_online | VGCF_in_kernel | VGCF_failsafe_disables_events),
		 VGCF_online | VGCF_in_kernel | VGCF_failsafe_disables_events);
	CHECK_EQ("getctx.dom0_vcpu1.iopl_merged", out.user_regs.rflags & 0x3000, 0);
	CHECK_EQ("getctx.dom0_vcpu1.badptr", getctx(0, 1, (void *)0x1000), -XEN_EFAULT);
	/* Replacing a live vCPU's page tables is refused. */
	base_context();
	CHECK_EQ("setctx.dom0_vcpu1.self", setctx(0, 1, &gctx), -XEN_EINVAL);
}

/* A context the domain's own (empty) L4 backs: set and read back as Xen
 * does (RPL 0 selectors fixed up, IOPL kept virtual, VGCF_online brings
 * the vCPU up), then only registers may change. */
static void roundtrip_checks(void)
{
	struct xen_domctl_createdomain c = good_config(1);
	static struct vcpu_guest_context out;
	domid_t t;
	xen_pfn_t frame = 0;

	if (create(0, &c, &t))
		return;
	op(XEN_DOMCTL_max_vcpus, t);
	dc.u.max_vcpus.max = 1;
	CHECK_EQ("rt.max_vcpus", domctl(&dc), 0);
	op(XEN_DOMCTL_max_mem, t);
	dc.u.max_mem.max_memkb = 64;
	CHECK_EQ("rt.max_mem", domctl(&dc), 0);
	struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = t };
	set_xen_guest_handle(r.extent_start, &frame);
	CHECK_EQ("rt.populate", HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1);

	base_context();
	gctx.user_regs.cs = FLAT_KERNEL_CS & ~3;
	gctx.user_regs.ss = FLAT_KERNEL_SS & ~3;
	gctx.kernel_ss = FLAT_KERNEL_SS & ~3;
	gctx.user_regs.rflags = 0x1002;             /* IOPL 1, IF clear */
	gctx.user_regs.rsi = 0x5151;
	gctx.event_callback_eip = GUEST_VIRT_BASE + 0x2000;
	gctx.trap_ctxt[14].vector = 14;
	gctx.trap_ctxt[14].cs = FLAT_KERNEL_CS & ~3;
	gctx.trap_ctxt[14].address = GUEST_VIRT_BASE + 0x3000;
	gctx.ctrlreg[3] = frame << 12;
	CHECK_EQ("rt.set", setctx(t, 0, &gctx), 0);
	memset(&out, 0xcc, sizeof(out));
	CHECK_EQ("rt.get", getctx(t, 0, &out), 0);
	CHECK("rt.cr3", out.ctrlreg[3] == frame << 12);
	CHECK_EQ("rt.rip", out.user_regs.rip, gctx.user_regs.rip);
	CHECK_EQ("rt.rsp", out.user_regs.rsp, gctx.user_regs.rsp);
	CHECK_EQ("rt.rsi", out.user_regs.rsi, 0x5151);
	CHECK_EQ("rt.cs_fixed", out.user_regs.cs, FLAT_KERNEL_CS);
	CHECK_EQ("rt.ss_fixed", out.user_regs.ss, FLAT_KERNEL_SS);
	CHECK_EQ("rt.kernel_ss_fixed", out.kernel_ss, FLAT_KERNEL_SS);
	CHECK_EQ("rt.kernel_sp", out.kernel_sp, gctx.kernel_sp);
	CHECK_EQ("rt.rflags", out.user_regs.rflags, 0x1202);
	CHECK_EQ("rt.event_cb", out.event_callback_eip, GUEST_VIRT_BASE + 0x2000);
	CHECK_EQ("rt.trap14", out.trap_ctxt[14].address, GUEST_VIRT_BASE + 0x3000);
	CHECK_EQ("rt.trap14_cs_fixed", out.trap_ctxt[14].cs, FLAT_KERNEL_CS);
	CHECK_EQ("rt.flags", out.flags & (VGCF_online | VGCF_in_kernel), VGCF_online | VGCF_in_kernel);
	CHECK_EQ("rt.gdt_ents", out.gdt_ents, 0);
	op(XEN_DOMCTL_getvcpuinfo, t);
	CHECK_EQ("rt.vcpuinfo", domctl(&dc), 0);
	CHECK_EQ("rt.vcpuinfo.online", dc.u.getvcpuinfo.online, 1);
	CHECK_EQ("rt.vcpuinfo.running", dc.u.getvcpuinfo.running, 0);
	getinfo(t, NULL);
	CHECK_EQ("rt.info.online", info.nr_online_vcpus, 1);
	CHECK_EQ("rt.info.paused", info.flags & XEN_DOMINF_paused, XEN_DOMINF_paused);
	static uint64_t pf[1];
	pf[0] = frame;
	op(XEN_DOMCTL_getpageframeinfo3, t);
	dc.u.getpageframeinfo3.num = 1;
	set_xen_guest_handle(dc.u.getpageframeinfo3.array, (xen_pfn_t *)pf);
	CHECK_EQ("rt.pfinfo", domctl(&dc), 0);
	CHECK_EQ("rt.pfinfo.l4", pf[0], XEN_DOMCTL_PFINFO_L4TAB);

	/* An initialised vCPU: new page tables refused, registers taken. */
	gctx.ctrlreg[3] = cur_l4_mfn << 12;
	CHECK_EQ("rt.set_other_tables", setctx(t, 0, &gctx), -XEN_EOPNOTSUPP);
	gctx.ctrlreg[3] = frame << 12;
	gctx.user_regs.rip = GUEST_VIRT_BASE + 0x4000;
	gctx.flags = VGCF_in_kernel;                /* not online: down again */
	CHECK_EQ("rt.set_regs", setctx(t, 0, &gctx), 0);
	CHECK_EQ("rt.get2", getctx(t, 0, &out), 0);
	CHECK_EQ("rt.rip2", out.user_regs.rip, GUEST_VIRT_BASE + 0x4000);
	op(XEN_DOMCTL_getvcpuinfo, t);
	domctl(&dc);
	CHECK_EQ("rt.down_again", dc.u.getvcpuinfo.online, 0);
	CHECK_EQ("rt.destroy", destroy(t), 0);
	CHECK_EQ("rt.gone", getinfo(t, NULL) == 0 && info.domain == t, 0);
}

static void affinity_checks(void)
{
	domid_t a = dom_a;
	static uint8_t hard[8], soft[8];

#define AFF(cmd, v, fl, hb, sb) do { op(cmd, a); dc.u.vcpuaffinity.vcpu = (v); \
	dc.u.vcpuaffinity.flags = (fl); \
	set_xen_guest_handle(dc.u.vcpuaffinity.cpumap_hard.bitmap, (uint8_t *)(hb)); \
	set_xen_guest_handle(dc.u.vcpuaffinity.cpumap_soft.bitmap, (uint8_t *)(sb)); \
	dc.u.vcpuaffinity.cpumap_hard.nr_bits = 64; dc.u.vcpuaffinity.cpumap_soft.nr_bits = 64; } while (0)

	AFF(XEN_DOMCTL_getvcpuaffinity, 0, 0, hard, soft);
	CHECK_EQ("aff.no_flags", domctl(&dc), -XEN_EINVAL);
	AFF(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, NULL, soft);
	CHECK_EQ("aff.null_hard", domctl(&dc), -XEN_EINVAL);
	AFF(XEN_DOMCTL_getvcpuaffinity, 2, XEN_VCPUAFFINITY_HARD, hard, soft);
	CHECK_EQ("aff.beyond", domctl(&dc), -XEN_EINVAL);
	AFF(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, hard, soft);
	dc.domain = dom_b;
	CHECK_EQ("aff.no_vcpus", domctl(&dc), -XEN_ESRCH);

	memset(hard, 0x55, sizeof(hard));
	AFF(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT, hard, soft);
	CHECK_EQ("aff.get_default", domctl(&dc), 0);
	/* One pCPU (run-guest.sh's default): affinities hold only it. */
	CHECK_EQ("aff.get_default.hard0", hard[0], 0x01);
	CHECK_EQ("aff.get_default.hard1", hard[1], 0);
	CHECK_EQ("aff.get_default.soft0", soft[0], 0x01);

	memset(hard, 0, sizeof(hard));
	hard[0] = 0x20;                 /* pCPU 5 only: offline */
	AFF(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, hard, soft);
	CHECK_EQ("aff.set_offline_only", domctl(&dc), -XEN_EINVAL);
	hard[0] = 0xff;
	AFF(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, hard, soft);
	dc.u.vcpuaffinity.cpumap_hard.nr_bits = 3;
	CHECK_EQ("aff.set_3bits", domctl(&dc), 0);
	CHECK_EQ("aff.set_3bits.used", hard[0], 0x01);
	memset(soft, 0, sizeof(soft));
	soft[0] = 0x06;
	AFF(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_SOFT, hard, soft);
	CHECK_EQ("aff.set_soft", domctl(&dc), 0);
	CHECK_EQ("aff.set_soft.used", soft[0], 0);
	memset(hard, 0x55, sizeof(hard));
	memset(soft, 0x55, sizeof(soft));
	AFF(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT, hard, soft);
	CHECK_EQ("aff.get_stored", domctl(&dc), 0);
	CHECK_EQ("aff.get_stored.hard", hard[0], 0x01);
	CHECK_EQ("aff.get_stored.soft", soft[0], 0x00);
	CHECK_EQ("aff.get_stored.zero_tail", hard[7] | soft[7], 0);
	{       /* a caller's bitmap of three pages: all of it past our byte zeroed */
		static uint8_t big[3 * 4096];
		uint8_t any = 0;

		memset(big, 0x55, sizeof(big));
		AFF(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, big, soft);
		dc.u.vcpuaffinity.cpumap_hard.nr_bits = 8 * sizeof(big);
		CHECK_EQ("aff.get_big", domctl(&dc), 0);
		CHECK_EQ("aff.get_big.first", big[0], 0x01);
		for (unsigned int i = 1; i < sizeof(big); i++)
			any |= big[i];
		CHECK_EQ("aff.get_big.zero_tail", any, 0);
	}
	AFF(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, (void *)0x1000, soft);
	CHECK_EQ("aff.set_badptr", domctl(&dc), -XEN_EFAULT);
#undef AFF
}

/* Node affinity (libxl sets it for every domain it builds): one NUMA node
 * (node 0) under run-guest.sh's QEMU; a mask must hold it, the full mask
 * means automatic (the vCPUs' nodes once there are vCPUs, all nodes
 * before), bitmaps read and written as for vCPU affinity (64 nodes). */
static void node_affinity_checks(void)
{
	static uint8_t nodes[16];

#define NODES(cmd, dom, bits, ptr) do { op(cmd, dom); dc.u.nodeaffinity.nodemap.nr_bits = (bits); \
	set_xen_guest_handle(dc.u.nodeaffinity.nodemap.bitmap, (uint8_t *)(ptr)); } while (0)
	memset(nodes, 0x55, sizeof(nodes));
	NODES(XEN_DOMCTL_getnodeaffinity, dom_b, 128, nodes);
	CHECK_EQ("node.get_no_vcpus", domctl(&dc), 0);
	CHECK_EQ("node.get_no_vcpus.all", nodes[0] & nodes[7], 0xff);
	CHECK_EQ("node.get_no_vcpus.zero_tail", nodes[8] | nodes[15], 0);
	memset(nodes, 0x55, sizeof(nodes));
	NODES(XEN_DOMCTL_getnodeaffinity, dom_a, 64, nodes);
	CHECK_EQ("node.get_auto", domctl(&dc), 0);
	CHECK_EQ("node.get_auto.node0", nodes[0], 0x01);
	CHECK_EQ("node.get_auto.rest", nodes[1] | nodes[7], 0);
	CHECK_EQ("node.get_auto.untouched", nodes[8], 0x55);
	memset(nodes, 0, sizeof(nodes));
	nodes[0] = 0x02;                /* node 1 only: not online */
	NODES(XEN_DOMCTL_setnodeaffinity, dom_a, 64, nodes);
	CHECK_EQ("node.set_offline_only", domctl(&dc), -XEN_EINVAL);
	NODES(XEN_DOMCTL_setnodeaffinity, dom_a, 0, nodes);
	CHECK_EQ("node.set_empty", domctl(&dc), -XEN_EINVAL);
	nodes[0] = 0x03;
	NODES(XEN_DOMCTL_setnodeaffinity, dom_a, 64, nodes);
	CHECK_EQ("node.set_0_1", domctl(&dc), 0);
	memset(nodes, 0x55, sizeof(nodes));
	NODES(XEN_DOMCTL_getnodeaffinity, dom_a, 64, nodes);
	CHECK_EQ("node.get_explicit", domctl(&dc), 0);
	CHECK_EQ("node.get_explicit.mask", nodes[0], 0x03);
	memset(nodes, 0xff, sizeof(nodes));
	NODES(XEN_DOMCTL_setnodeaffinity, dom_a, 1, nodes);     /* bits past nr_bits ignored */
	CHECK_EQ("node.set_1bit", domctl(&dc), 0);
	NODES(XEN_DOMCTL_getnodeaffinity, dom_a, 64, nodes);
	CHECK_EQ("node.get_1bit", domctl(&dc), 0);
	CHECK_EQ("node.get_1bit.mask", nodes[0], 0x01);
	memset(nodes, 0xff, sizeof(nodes));
	NODES(XEN_DOMCTL_setnodeaffinity, dom_a, 64, nodes);    /* all: automatic again */
	CHECK_EQ("node.set_all", domctl(&dc), 0);
	NODES(XEN_DOMCTL_getnodeaffinity, dom_a, 64, nodes);
	CHECK_EQ("node.get_all", domctl(&dc), 0);
	CHECK_EQ("node.get_all.mask", nodes[0] | nodes[1], 0x01);
	NODES(XEN_DOMCTL_setnodeaffinity, dom_a, 64, 0x1000);
	CHECK_EQ("node.set_badptr", domctl(&dc), -XEN_EFAULT);
	NODES(XEN_DOMCTL_getnodeaffinity, dom_a, 64, 0x1000);
	CHECK_EQ("node.get_badptr", domctl(&dc), -XEN_EFAULT);
#undef NODES
}

static void misc_checks(void)
{
	domid_t a = dom_a, b = dom_b;
	domid_t found;

	op(XEN_DOMCTL_max_mem, a);
	dc.u.max_mem.max_memkb = 131072;
	CHECK_EQ("max_mem", domctl(&dc), 0);
	getinfo(a, &found);
	CHECK_EQ("max_mem.pages", info.max_pages, 32768);
	op(XEN_DOMCTL_max_mem, a);
	dc.u.max_mem.max_memkb = ~0ULL;
	CHECK_EQ("max_mem.huge", domctl(&dc), 0);
	getinfo(a, &found);
	CHECK_EQ("max_mem.huge.clamped", info.max_pages, 0xffffffffUL);

	op(XEN_DOMCTL_setdomainhandle, a);
	for (int i = 0; i < 16; i++)
		dc.u.setdomainhandle.handle[i] = (uint8_t)(0x10 + i);
	CHECK_EQ("handle.set", domctl(&dc), 0);
	getinfo(a, NULL);
	CHECK_EQ("handle.get", info.handle[0] == 0x10 && info.handle[15] == 0x1f, 1);

	op(XEN_DOMCTL_set_address_size, a);
	dc.u.address_size.size = 64;
	CHECK_EQ("address_size.64", domctl(&dc), 0);
	dc.u.address_size.size = 48;
	CHECK_EQ("address_size.48", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_get_address_size, a);
	CHECK_EQ("address_size.get", domctl(&dc), 0);
	CHECK_EQ("address_size.get.value", dc.u.address_size.size, 64);
	op(XEN_DOMCTL_set_address_size, b);
	dc.u.address_size.size = 32;
	/* Debian's Xen runs no 32-bit PV guests either. */
	CHECK_EQ("address_size.32", domctl(&dc), -XEN_EOPNOTSUPP);

	op(XEN_DOMCTL_settimeoffset, a);
	dc.u.settimeoffset.time_offset_seconds = -3600;
	CHECK_EQ("settimeoffset", domctl(&dc), 0);
	op(XEN_DOMCTL_setdebugging, a);
	dc.u.setdebugging.enable = 1;
	CHECK_EQ("setdebugging", domctl(&dc), 0);
	getinfo(a, NULL);
	CHECK_EQ("setdebugging.flag", info.flags & XEN_DOMINF_debugged, XEN_DOMINF_debugged);
	op(XEN_DOMCTL_setdebugging, a);
	CHECK_EQ("setdebugging.off", domctl(&dc), 0);
	op(XEN_DOMCTL_setdebugging, 0);
	CHECK_EQ("setdebugging.self", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_subscribe, a);
	dc.u.subscribe.port = 5;
	CHECK_EQ("subscribe", domctl(&dc), 0);

	op(XEN_DOMCTL_set_target, a);
	dc.u.set_target.target = b;
	CHECK_EQ("set_target.pv", domctl(&dc), -XEN_EOPNOTSUPP);
	dc.u.set_target.target = a;
	CHECK_EQ("set_target.itself", domctl(&dc), -XEN_EINVAL);
	dc.u.set_target.target = 40;
	CHECK_EQ("set_target.absent", domctl(&dc), -XEN_ESRCH);

	/* shadow_op: a PV domain not on shadow page tables. */
	op(XEN_DOMCTL_shadow_op, 0);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_OFF;
	CHECK_EQ("shadow.self", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_shadow_op, b);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_OFF;
	CHECK_EQ("shadow.no_vcpus", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_shadow_op, a);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_OFF;
	CHECK_EQ("shadow.off", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_shadow_op, a);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION;
	dc.u.shadow_op.mb = 77;
	CHECK_EQ("shadow.get_allocation", domctl(&dc), -XEN_EINVAL);
	CHECK_EQ("shadow.get_allocation.mb", dc.u.shadow_op.mb, 77);
	op(XEN_DOMCTL_shadow_op, a);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY;
	CHECK_EQ("shadow.logdirty", domctl(&dc), -XEN_EOPNOTSUPP);
	op(XEN_DOMCTL_shadow_op, a);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_ENABLE_TEST;
	CHECK_EQ("shadow.enable_test", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_shadow_op, a);
	dc.u.shadow_op.op = 99;
	CHECK_EQ("shadow.unknown", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_shadow_op, a);
	dc.u.shadow_op.op = XEN_DOMCTL_SHADOW_OP_CLEAN;
	dc.u.shadow_op.mode = 1u << 5;
	CHECK_EQ("shadow.clean_bad_mode", domctl(&dc), -XEN_EINVAL);

	/* Permissions and HVM-only operations on a PV domain. */
	op(XEN_DOMCTL_iomem_permission, a);
	dc.u.iomem_permission.first_mfn = ~0ULL;
	dc.u.iomem_permission.nr_mfns = 2;
	CHECK_EQ("iomem.wrap", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_iomem_permission, a);
	dc.u.iomem_permission.first_mfn = 0xfe000;
	dc.u.iomem_permission.nr_mfns = 1;
	CHECK_EQ("iomem.deny", domctl(&dc), 0);
	op(XEN_DOMCTL_memory_mapping, a);
	dc.u.memory_mapping.first_mfn = ~0ULL;
	dc.u.memory_mapping.nr_mfns = 2;
	CHECK_EQ("memory_mapping.wrap", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_memory_mapping, a);
	dc.u.memory_mapping.first_gfn = 0x100;
	dc.u.memory_mapping.first_mfn = 0xfe000;
	dc.u.memory_mapping.nr_mfns = 1;
	dc.u.memory_mapping.add_mapping = 1;
	CHECK_EQ("memory_mapping.pv", domctl(&dc), 0);
	op(XEN_DOMCTL_ioport_permission, a);
	dc.u.ioport_permission.first_port = 0xfff0;
	dc.u.ioport_permission.nr_ports = 0x20;
	CHECK_EQ("ioport.beyond", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_ioport_permission, a);
	dc.u.ioport_permission.first_port = 0x300;    /* dom0 may use it (not its serial port) */
	dc.u.ioport_permission.nr_ports = 8;
	CHECK_EQ("ioport.deny", domctl(&dc), 0);
	op(XEN_DOMCTL_ioport_mapping, a);
	dc.u.ioport_mapping.nr_ports = 1;
	CHECK_EQ("ioport_mapping.pv", domctl(&dc), -XEN_EOPNOTSUPP);
	CHECK_EQ("bind_pt_irq.pv", simple(XEN_DOMCTL_bind_pt_irq, a), -XEN_EINVAL);
	CHECK_EQ("gethvmcontext.pv", simple(XEN_DOMCTL_gethvmcontext, a), -XEN_EINVAL);
	CHECK_EQ("sethvmcontext.pv", simple(XEN_DOMCTL_sethvmcontext, a), -XEN_EINVAL);
	CHECK_EQ("vmtrace.pv", simple(XEN_DOMCTL_vmtrace_op, a), -XEN_EINVAL);
	CHECK_EQ("soft_reset.self", simple(XEN_DOMCTL_soft_reset, 0), -XEN_EINVAL);
	CHECK_EQ("gettscinfo.self", simple(XEN_DOMCTL_gettscinfo, 0), -XEN_EINVAL);
	op(XEN_DOMCTL_settscinfo, a);
	dc.u.tsc_info.tsc_mode = 7;
	CHECK_EQ("settscinfo.bad_mode", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_settscinfo, a);
	CHECK_EQ("settscinfo.default", domctl(&dc), 0);
	op(XEN_DOMCTL_set_virq_handler, a);
	dc.u.set_virq_handler.virq = VIRQ_TIMER;
	CHECK_EQ("virq_handler.timer", domctl(&dc), -XEN_EINVAL);
	dc.u.set_virq_handler.virq = 99;
	CHECK_EQ("virq_handler.99", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_scheduler_op, a);
	dc.u.scheduler_op.sched_id = 99;
	CHECK_EQ("scheduler_op.wrong_sched", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_scheduler_op, a);
	dc.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
	dc.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
	CHECK_EQ("scheduler_op.credit2_get", domctl(&dc), 0);
	CHECK_EQ("scheduler_op.credit2_get.weight", dc.u.scheduler_op.u.credit2.weight, 256);
}

/* The domain's CPU policy, read and (before it first runs) set back, as
 * libxl's xc_cpuid_apply_policy does. */
static void cpu_policy_checks(void)
{
	static xen_cpuid_leaf_t leaves[256];
	static xen_msr_entry_t msrs[16];
	uint32_t max_leaves, max_msrs;

	op(XEN_DOMCTL_get_cpu_policy, dom_b);
	CHECK_EQ("cpu_policy.get_counts", domctl(&dc), 0);
	max_leaves = dc.u.cpu_policy.nr_leaves;
	max_msrs = dc.u.cpu_policy.nr_msrs;
	CHECK("cpu_policy.get_counts.room", max_leaves > 16 && max_leaves <= 256 && max_msrs <= 16);
	op(XEN_DOMCTL_get_cpu_policy, dom_b);
	dc.u.cpu_policy.nr_leaves = 1;
	set_xen_guest_handle(dc.u.cpu_policy.leaves, leaves);
	CHECK_EQ("cpu_policy.get_short", domctl(&dc), -XEN_ENOBUFS);
	op(XEN_DOMCTL_get_cpu_policy, dom_b);
	dc.u.cpu_policy.nr_leaves = 256;
	dc.u.cpu_policy.nr_msrs = 16;
	set_xen_guest_handle(dc.u.cpu_policy.leaves, leaves);
	set_xen_guest_handle(dc.u.cpu_policy.msrs, msrs);
	CHECK_EQ("cpu_policy.get", domctl(&dc), 0);
	uint32_t nl = dc.u.cpu_policy.nr_leaves, nm = dc.u.cpu_policy.nr_msrs;
	CHECK("cpu_policy.get.some", nl > 8 && nl <= max_leaves && nm <= max_msrs);
	CHECK_EQ("cpu_policy.get.leaf0", leaves[0].leaf, 0);
	op(XEN_DOMCTL_get_cpu_policy, dom_b);
	dc.u.cpu_policy.nr_leaves = 256;
	set_xen_guest_handle(dc.u.cpu_policy.leaves, (xen_cpuid_leaf_t *)0x1000);
	CHECK_EQ("cpu_policy.get_badptr", domctl(&dc), -XEN_EFAULT);

	/* Set back what was read, on a domain that has not run yet. */
	op(XEN_DOMCTL_set_cpu_policy, dom_b);
	dc.u.cpu_policy.nr_leaves = nl;
	dc.u.cpu_policy.nr_msrs = nm;
	set_xen_guest_handle(dc.u.cpu_policy.leaves, leaves);
	set_xen_guest_handle(dc.u.cpu_policy.msrs, msrs);
	CHECK_EQ("cpu_policy.set_same", domctl(&dc), 0);
	dc.u.cpu_policy.nr_leaves = max_leaves + 1;
	CHECK_EQ("cpu_policy.set_too_many", domctl(&dc), -XEN_E2BIG);
	dc.u.cpu_policy.nr_leaves = nl;
	set_xen_guest_handle(dc.u.cpu_policy.leaves, (xen_cpuid_leaf_t *)0x1000);
	CHECK_EQ("cpu_policy.set_badptr", domctl(&dc), -XEN_EFAULT);
	set_xen_guest_handle(dc.u.cpu_policy.leaves, leaves);
	dc.domain = 0;
	CHECK_EQ("cpu_policy.set_self", domctl(&dc), -XEN_EINVAL);
	dc.domain = dom_a;              /* unpaused once: it has started */
	CHECK_EQ("cpu_policy.set_started", domctl(&dc), -XEN_EEXIST);
}

static void pageframe_checks(void)
{
	static uint64_t arr[8];
	void *data = alloc_page();
	unsigned long data_mfn = va_to_mfn(data);

	op(XEN_DOMCTL_getpageframeinfo3, 0);
	dc.u.getpageframeinfo3.num = 1025;
	set_xen_guest_handle(dc.u.getpageframeinfo3.array, (xen_pfn_t *)arr);
	CHECK_EQ("pfinfo.1025", domctl(&dc), -XEN_E2BIG);
	arr[0] = cur_l4_mfn;
	arr[1] = data_mfn;
	arr[2] = start_info->shared_info >> 12;
	arr[3] = 0xfffffffffUL;
	arr[4] = xen_owned_mfn();
	dc.u.getpageframeinfo3.num = 5;
	CHECK_EQ("pfinfo.dom0", domctl(&dc), 0);
	CHECK_EQ("pfinfo.dom0.l4", arr[0], XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB);
	CHECK_EQ("pfinfo.dom0.data", arr[1], XEN_DOMCTL_PFINFO_NOTAB);
	CHECK_EQ("pfinfo.dom0.shared_info", arr[2], XEN_DOMCTL_PFINFO_XTAB);
	CHECK_EQ("pfinfo.dom0.huge", arr[3], XEN_DOMCTL_PFINFO_XTAB);
	CHECK_EQ("pfinfo.dom0.xen_owned", arr[4], XEN_DOMCTL_PFINFO_XTAB);
	op(XEN_DOMCTL_getpageframeinfo3, dom_a);
	arr[0] = data_mfn;
	dc.u.getpageframeinfo3.num = 1;
	set_xen_guest_handle(dc.u.getpageframeinfo3.array, (xen_pfn_t *)arr);
	CHECK_EQ("pfinfo.other_domain", domctl(&dc), 0);
	CHECK_EQ("pfinfo.other_domain.not_owned", arr[0], XEN_DOMCTL_PFINFO_XTAB);
	op(XEN_DOMCTL_getpageframeinfo3, 0);
	dc.u.getpageframeinfo3.num = 2;
	set_xen_guest_handle(dc.u.getpageframeinfo3.array, (xen_pfn_t *)0x1000);
	CHECK_EQ("pfinfo.badptr", domctl(&dc), -XEN_EFAULT);

	/* hypercall_init writes the hypercall page into a frame of the target. */
	op(XEN_DOMCTL_hypercall_init, dom_a);
	dc.u.hypercall_init.gmfn = data_mfn;
	CHECK_EQ("hypercall_init.not_owned", domctl(&dc), -XEN_EINVAL);
	op(XEN_DOMCTL_hypercall_init, 0);
	dc.u.hypercall_init.gmfn = cur_l4_mfn;
	CHECK_EQ("hypercall_init.page_table", domctl(&dc), -XEN_EPERM);
	op(XEN_DOMCTL_hypercall_init, 0);
	dc.u.hypercall_init.gmfn = data_mfn;
	memset(data, 0, PAGE_SIZE);
	CHECK_EQ("hypercall_init.dom0", domctl(&dc), 0);
	extern char hypercall_page[];
	CHECK_EQ("hypercall_init.dom0.same_page", memcmp(data, hypercall_page, PAGE_SIZE), 0);
}

/* Two vCPUs pause and unpause one domain at once: every call succeeds and
 * the count comes back to where it was (the domctl lock serialises). */
static long pause_race(unsigned int id, void *arg)
{
	(void)id;
	domid_t a = *(domid_t *)arg;
	struct xen_domctl my;
	long bad = 0;

	for (int i = 0; i < 50; i++) {
		memset(&my, 0, sizeof(my));
		my.interface_version = DOMCTL_VERSION;
		my.domain = a;
		my.cmd = XEN_DOMCTL_pausedomain;
		bad += HC1(__HYPERVISOR_domctl, &my) != 0;
		my.cmd = XEN_DOMCTL_unpausedomain;
		bad += HC1(__HYPERVISOR_domctl, &my) != 0;
	}
	return bad;
}

/* Two vCPUs create and destroy domains at once: distinct ids, all gone. */
static long create_race(unsigned int id, void *arg)
{
	(void)id; (void)arg;
	struct xen_domctl my;
	long bad = 0;

	for (int i = 0; i < 10; i++) {
		memset(&my, 0, sizeof(my));
		my.interface_version = DOMCTL_VERSION;
		my.cmd = XEN_DOMCTL_createdomain;
		my.u.createdomain = good_config(1);
		if (HC1(__HYPERVISOR_domctl, &my)) {
			bad++;
			continue;
		}
		my.cmd = XEN_DOMCTL_destroydomain;
		bad += HC1(__HYPERVISOR_domctl, &my) != 0;
	}
	return bad;
}

static void race_checks(void)
{
	if (smp_cpus < 2)
		return;
	smp_run(pause_race, &dom_a);
	CHECK_EQ("race.pause.0", smp_results[0], 0);
	CHECK_EQ("race.pause.1", smp_results[1], 0);
	getinfo(dom_a, NULL);
	CHECK_EQ("race.pause.count_back", info.flags & XEN_DOMINF_paused, XEN_DOMINF_paused);
	smp_run(create_race, NULL);
	CHECK_EQ("race.create.0", smp_results[0], 0);
	CHECK_EQ("race.create.1", smp_results[1], 0);
	domid_t found;
	getinfo(3, &found);
	CHECK_EQ("race.create.all_gone", found, DOMID_INVALID);
}

/* As a domU (a module of the builder kernel): Xen's default policy lets
 * an unprivileged domain through the copy, version and lookup, then
 * refuses (-EPERM); a few operations check their arguments first. */
static void domu_checks(void)
{
	op(XEN_DOMCTL_getdomaininfo, 0);
	dc.interface_version = 0;
	CHECK_EQ("domu.version", domctl(&dc), -XEN_EACCES);
	CHECK_EQ("domu.badptr", HC1(__HYPERVISOR_domctl, 0x1000), -XEN_EFAULT);
	CHECK_EQ("domu.info.dom0", getinfo(0, NULL), -XEN_EPERM);
	CHECK_EQ("domu.info.domid_self", getinfo(DOMID_SELF, NULL), -XEN_EINVAL);
	CHECK_EQ("domu.info.past_last", getinfo(0x7fef, NULL), -XEN_ESRCH);
	CHECK_EQ("domu.pause.dom0", simple(XEN_DOMCTL_pausedomain, 0), -XEN_EPERM);
	CHECK_EQ("domu.pause.absent", simple(XEN_DOMCTL_pausedomain, 40), -XEN_ESRCH);
	CHECK_EQ("domu.unpause.dom0", simple(XEN_DOMCTL_unpausedomain, 0), -XEN_EPERM);
	CHECK_EQ("domu.destroy.dom0", destroy(0), -XEN_EPERM);
	CHECK_EQ("domu.unknown.dom0", simple(9999, 0), -XEN_EPERM);
	struct xen_domctl_createdomain c = good_config(1);
	CHECK_EQ("domu.create", create(0, &c, NULL), -XEN_EPERM);
	op(XEN_DOMCTL_max_mem, 0);
	dc.u.max_mem.max_memkb = ~0ULL;
	CHECK_EQ("domu.max_mem.dom0", domctl(&dc), -XEN_EPERM);
	op(XEN_DOMCTL_getvcpucontext, 0);
	CHECK_EQ("domu.getctx.dom0", domctl(&dc), -XEN_EPERM);
	op(XEN_DOMCTL_iomem_permission, 0);
	dc.u.iomem_permission.first_mfn = ~0ULL;
	dc.u.iomem_permission.nr_mfns = 2;
	CHECK_EQ("domu.iomem.wrap", domctl(&dc), -XEN_EINVAL);
	dc.u.iomem_permission.first_mfn = 0xfe000;
	dc.u.iomem_permission.nr_mfns = 1;
	dc.u.iomem_permission.allow_access = 1;
	CHECK_EQ("domu.iomem.grant", domctl(&dc), -XEN_EPERM);
	op(XEN_DOMCTL_ioport_permission, 0);
	dc.u.ioport_permission.first_port = 0x300;
	dc.u.ioport_permission.nr_ports = 8;
	dc.u.ioport_permission.allow_access = 1;
	CHECK_EQ("domu.ioport.grant", domctl(&dc), -XEN_EPERM);
	op(XEN_DOMCTL_memory_mapping, 0);
	dc.u.memory_mapping.first_mfn = 0xfe000;
	dc.u.memory_mapping.nr_mfns = 1;
	CHECK_EQ("domu.memory_mapping", domctl(&dc), -XEN_EPERM);
	op(XEN_DOMCTL_irq_permission, 0);
	dc.u.irq_permission.pirq = 1;
	CHECK_EQ("domu.irq_permission", domctl(&dc), -XEN_EPERM);
	/* set_target looks at the target's type before the caller's rights. */
	op(XEN_DOMCTL_set_target, 0);
	dc.u.set_target.target = 0;
	CHECK_EQ("domu.set_target.same", domctl(&dc), -XEN_EINVAL);
	CHECK_EQ("domu.bind_pt_irq.pv", simple(XEN_DOMCTL_bind_pt_irq, 0), -XEN_EINVAL);
}

void test_main(void)
{
	if (!(start_info->flags & SIF_INITDOMAIN)) {
		domu_checks();
		finish();
	}
	header_checks();
	dom0_info_checks();
	config_checks();
	id_checks();
	pause_checks();
	vcpu_checks();
	context_checks();
	roundtrip_checks();
	affinity_checks();
	node_affinity_checks();
	misc_checks();
	pageframe_checks();
	cpu_policy_checks();
	race_checks();
	CHECK_EQ("destroy.a", destroy(dom_a), 0);
	CHECK_EQ("destroy.b", destroy(dom_b), 0);
	CHECK_EQ("destroy.all_gone", getinfo(1, NULL), -XEN_ESRCH);
	finish();
}
