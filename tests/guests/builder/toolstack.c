/*
 * The toolstack half of the builder test kernel: libxc's PV build
 * (xg_dom_core.c, xg_dom_x86.c, xg_dom_boot.c) and libxl's create and
 * destroy sequence, reduced to hypercalls.  Every domU frame is written
 * through a foreign mapping (mmu_update naming the domU), the domU's L4
 * is pinned on its behalf (mmuext_op naming the domU), and its console
 * ring is read the way a console daemon does.
 */
#include "toolstack.h"
#include <xen/io/console.h>

evtchn_port_t dom_exc_port;
bool quiet_domus;

long domctl(struct xen_domctl *d)
{
	d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	return HC1(__HYPERVISOR_domctl, d);
}

long sysctl(struct xen_sysctl *s)
{
	s->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	return HC1(__HYPERVISOR_sysctl, s);
}

long getdomaininfo(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
	static struct xen_domctl d;

	memset(&d, 0, sizeof(d));
	d.cmd = XEN_DOMCTL_getdomaininfo;
	d.domain = dom;
	long rc = domctl(&d);
	*info = d.u.getdomaininfo;
	return rc;
}

long domain_info_exact(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
	long rc = getdomaininfo(dom, info);
	if (rc == 0 && info->domain != dom)
		return -XEN_ESRCH;       /* Xen answered for the next domain */
	return rc;
}

uint64_t free_pages(void)
{
	static struct xen_sysctl s;

	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_physinfo;
	if (sysctl(&s))
		return 0;
	return s.u.physinfo.free_pages;
}

/* ---- cpio (newc) archive ---- */

static unsigned long hex8(const uint8_t *p)
{
	unsigned long v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= c - '0';
		else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
		else return ~0UL;
	}
	return v;
}

unsigned int pack_images(struct image *out, unsigned int max)
{
	const uint8_t *base = (const uint8_t *)start_info->mod_start;
	size_t len = start_info->mod_len, off = 0;
	unsigned int n = 0;

	if (!base || !len)
		return 0;
	while (off + 110 <= len && n < max) {
		const uint8_t *h = base + off;
		if (memcmp(h, "070701", 6))
			break;
		unsigned long fsize = hex8(h + 54), nsize = hex8(h + 94);
		if (fsize == ~0UL || nsize == ~0UL || nsize == 0 || nsize > 256)
			break;
		size_t name_off = off + 110, data_off = (name_off + nsize + 3) & ~3UL;
		if (data_off > len || fsize > len - data_off)
			break;
		const char *name = (const char *)(base + name_off);
		if (nsize == 11 && !memcmp(name, "TRAILER!!!", 10))
			break;
		struct image *im = &out[n];
		size_t k = 0;
		for (; k < nsize - 1 && k < sizeof(im->name) - 1 && name[k] && name[k] != '.'; k++)
			im->name[k] = name[k];
		im->name[k] = '\0';     /* "exceptions.elf" -> "exceptions" */
		im->data = base + data_off;
		im->len = fsize;
		if (fsize)
			n++;
		off = (data_off + fsize + 3) & ~3UL;
	}
	return n;
}

/* ---- ELF and the Xen notes ---- */

struct ehdr { uint8_t ident[16]; uint16_t type, machine; uint32_t version;
	uint64_t entry, phoff, shoff; uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx; };
struct phdr { uint32_t type, flags; uint64_t offset, vaddr, paddr, filesz, memsz, align; };

static const struct phdr *phdr_at(const struct image *img, unsigned int i)
{
	const struct ehdr *e = (const struct ehdr *)img->data;
	return (const struct phdr *)(img->data + e->phoff + (size_t)i * e->phentsize);
}

long elf_parse(const struct image *img, struct elf_info *ei)
{
	const struct ehdr *e = (const struct ehdr *)img->data;

	memset(ei, 0, sizeof(*ei));
	if (img->len < sizeof(*e) || memcmp(e->ident, "\177ELF\2\1", 6) ||
	    e->machine != 62 || e->phentsize != sizeof(struct phdr) ||
	    e->phoff > img->len || (size_t)e->phnum * sizeof(struct phdr) > img->len - e->phoff)
		return -XEN_EINVAL;
	ei->pstart = ~0UL;
	for (unsigned int i = 0; i < e->phnum; i++) {
		const struct phdr *p = phdr_at(img, i);
		if (p->offset > img->len || p->filesz > img->len - p->offset)
			return -XEN_EINVAL;
		if (p->type == 1 && p->memsz) {          /* PT_LOAD */
			if (p->filesz > p->memsz || p->paddr + p->memsz < p->paddr)
				return -XEN_EINVAL;
			if (p->paddr < ei->pstart) ei->pstart = p->paddr;
			if (p->paddr + p->memsz > ei->pend) ei->pend = p->paddr + p->memsz;
		} else if (p->type == 4) {               /* PT_NOTE */
			size_t o = p->offset, end = p->offset + p->filesz;
			while (o + 12 <= end) {
				const uint32_t *n = (const uint32_t *)(img->data + o);
				size_t name = o + 12, desc = name + ((n[0] + 3) & ~3U);
				size_t next = desc + ((n[1] + 3) & ~3U);
				if (next > end || next <= o)
					break;
				if (n[0] == 4 && !memcmp(img->data + name, "Xen", 4) && n[1] == 8) {
					uint64_t v;
					memcpy(&v, img->data + desc, 8);
					switch (n[2]) {
					case XEN_ELFNOTE_VIRT_BASE: ei->virt_base = v; break;
					case XEN_ELFNOTE_PADDR_OFFSET: ei->paddr_offset = v; break;
					case XEN_ELFNOTE_ENTRY: ei->entry = v; break;
					case XEN_ELFNOTE_HYPERCALL_PAGE:
						ei->hypercall_page = v;
						ei->has_hypercall_page = true;
						break;
					}
				}
				o = next;
			}
		}
	}
	if (ei->pstart == ~0UL || !ei->virt_base || !ei->entry ||
	    ei->pstart < ei->paddr_offset || (ei->virt_base & ((1UL << 30) - 1)))
		return -XEN_EINVAL;     /* the layout below wants a 1 GiB aligned base */
	return 0;
}

/* ---- the foreign-mapping window ---- */

static char window[WINDOW_PAGES][PAGE_SIZE] PAGE_ALIGNED;

void *window_slot(unsigned int slot) { return window[slot]; }

static void flush_local(void)
{
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
}

long map_foreign(unsigned int slot, domid_t dom, unsigned long mfn, bool writable)
{
	uint64_t pte = (mfn << 12) | PTE_P | PTE_A | (writable ? PTE_RW | PTE_D : 0);
	long rc = mmu_update1(l1e_maddr(window[slot]) | MMU_NORMAL_PT_UPDATE, pte, dom);
	flush_local();
	return rc;
}

void unmap_slot(unsigned int slot)
{
	uint64_t pte = ((uint64_t)va_to_mfn(window[slot]) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	long rc = mmu_update1(l1e_maddr(window[slot]) | MMU_NORMAL_PT_UPDATE, pte, DOMID_SELF);
	if (rc)
		panic("unmap_slot(%u): %ld", slot, rc);
	flush_local();
}

/* Slots 0..BATCH-1 carry batched writes; the last ones stay for the ring
 * and the tests' long-lived mappings. */
#define BATCH 48
/* Console rings of running domUs (slots 61 and 62 are the tests'). */
static const unsigned int console_slots[] = { WINDOW_PAGES - 1, 60, 59, 58 };
static bool console_slot_used[ARRAY_SIZE(console_slots)];

static int console_slot_get(void)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(console_slots); i++)
		if (!console_slot_used[i]) {
			console_slot_used[i] = true;
			return (int)console_slots[i];
		}
	return -1;
}

static void console_slot_put(int slot)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(console_slots); i++)
		if ((int)console_slots[i] == slot)
			console_slot_used[i] = false;
}

void unmap_all(void)
{
	struct mmu_update u[BATCH];

	for (unsigned int i = 0; i < BATCH; i++) {
		u[i].ptr = l1e_maddr(window[i]) | MMU_NORMAL_PT_UPDATE;
		u[i].val = ((uint64_t)va_to_mfn(window[i]) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	}
	unsigned int done = 0;
	long rc = HYPERVISOR_mmu_update(u, BATCH, &done, DOMID_SELF);
	if (rc || done != BATCH)
		panic("unmap_all: %ld (%u done)", rc, done);
	flush_local();
}

/* Map pfns [pfn, pfn + n) of the domU at slots 0..n-1, one batch. */
static long map_batch(struct domu *d, unsigned long pfn, unsigned int n)
{
	struct mmu_update u[BATCH];
	unsigned int done = 0;

	for (unsigned int i = 0; i < n; i++) {
		u[i].ptr = l1e_maddr(window[i]) | MMU_NORMAL_PT_UPDATE;
		u[i].val = ((uint64_t)d->mfn[pfn + i] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	}
	long rc = HYPERVISOR_mmu_update(u, n, &done, d->id);
	flush_local();
	if (!rc && done != n)
		rc = -XEN_EIO;
	return rc;
}

/* Copy len bytes (zeros when src is NULL) to the domU's pseudo-physical
 * address pa. */
static long write_phys(struct domu *d, uint64_t pa, const void *src, size_t len)
{
	const uint8_t *s = src;

	while (len) {
		unsigned long pfn = pa >> 12, off = pa & 4095;
		unsigned int n = (unsigned int)((off + len + 4095) >> 12);
		if (n > BATCH)
			n = BATCH;
		if (pfn + n > d->nr_pages)
			return -XEN_EINVAL;
		long rc = map_batch(d, pfn, n);
		if (rc)
			return rc;
		size_t chunk = (size_t)n * 4096 - off;
		if (chunk > len)
			chunk = len;
		if (s) {
			memcpy(window[0] + off, s, chunk);
			s += chunk;
		} else {
			memset(window[0] + off, 0, chunk);
		}
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

/* ---- create ---- */

/* A domU's vCPUs: its command line's cpus=N (1 to 8, as the smp test
 * kernels read it), else one. */
static unsigned int domu_vcpus(const char *cmdline)
{
	const char *p = cmdline ? cmdline : "";

	for (; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, "cpus=", 5) &&
		    p[5] >= '1' && p[5] <= '8')
			return (unsigned int)(p[5] - '0');
	return 1;
}

/* createdomain's max_maptrack_frames from "maptrack=N" (gntpair's maptrack
 * limit), else the hypervisor's default (-1). */
static int32_t domu_maptrack(const char *cmdline)
{
	const char *p = cmdline ? cmdline : "";
	int32_t n = 0;

	for (; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, "maptrack=", 9)) {
			for (p += 9; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (*p - '0');
			return n;
		}
	return -1;
}

/* a whole word of the domU's command line */
static bool cmdline_word(const char *cmdline, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = cmdline ? cmdline : ""; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, w, n) && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

long domu_create(struct domu *d, const struct image *img, unsigned long nr_pages,
		 const char *cmdline)
{
	static struct xen_domctl c;
	long rc = 0;
	unsigned int vcpus = domu_vcpus(cmdline);

	memset(d, 0, sizeof(*d));
	d->img = img;
	d->cons_slot = -1;
	d->passed = d->failed = d->reason = -1;
	snprintf(d->tag, sizeof(d->tag), "%s", img->name);
	d->nr_pages = nr_pages;
	snprintf(d->cmdline, sizeof(d->cmdline), "%s", cmdline ? cmdline : "");
	if (nr_pages > DOMU_MAX_PAGES || (rc = elf_parse(img, &d->elf)))
		return rc ? rc : -XEN_EINVAL;
	d->t_create = xen_system_time();

	/* libxl__domain_make -> xc_domain_create: a PV domain, auto domid */
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.domain = 0;
	c.u.createdomain.max_vcpus = vcpus;
	c.u.createdomain.max_evtchn_port = 1023;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = domu_maptrack(cmdline);
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	/* "pit": a virtual PIT channel 2, as a toolstack may ask for a PV domU */
	if (cmdline_word(cmdline, "pit"))
		c.u.createdomain.arch.emulation_flags = XEN_X86_EMU_PIT;
	if ((rc = domctl(&c)))
		return rc;
	d->id = c.domain;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_vcpus;
	c.domain = d->id;
	c.u.max_vcpus.max = vcpus;
	if ((rc = domctl(&c)))
		return rc;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_mem;
	c.domain = d->id;
	c.u.max_mem.max_memkb = nr_pages * 4;
	if ((rc = domctl(&c)))
		return rc;

	/* meminit_pv -> x86_compat: a 64-bit guest (a no-op, as libxc issues it) */
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_set_address_size;
	c.domain = d->id;
	c.u.address_size.size = 64;
	if ((rc = domctl(&c)))
		return rc;

	/* The store and console channels, in the domU's table (libxl) */
	struct evtchn_alloc_unbound au = { .dom = d->id, .remote_dom = 0 };
	if ((rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au)))
		return rc;
	d->store_port = au.port;
	au.port = 0;
	if ((rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au)))
		return rc;
	d->cons_port = au.port;

	/* populate_physmap: 2 MiB extents, then single pages (meminit_pv) */
	unsigned long big = nr_pages / 512, i;
	static xen_pfn_t ext[DOMU_MAX_PAGES / 512];
	struct xen_memory_reservation r = { .domid = d->id };
	if (big) {
		for (i = 0; i < big; i++)
			ext[i] = i * 512;
		set_xen_guest_handle(r.extent_start, ext);
		r.nr_extents = big;
		r.extent_order = 9;
		rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
		if (rc != (long)big)
			return rc < 0 ? rc : -XEN_ENOMEM;
		for (i = 0; i < big * 512; i++)
			d->mfn[i] = ext[i / 512] + (i % 512);
	}
	if (nr_pages % 512) {
		for (i = big * 512; i < nr_pages; i++)
			d->mfn[i] = i;
		set_xen_guest_handle(r.extent_start, (xen_pfn_t *)&d->mfn[big * 512]);
		r.nr_extents = nr_pages % 512;
		r.extent_order = 0;
		rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
		if (rc != (long)(nr_pages % 512))
			return rc < 0 ? rc : -XEN_ENOMEM;
	}
	return 0;
}

/* ---- build (xc_dom_build_image, setup_pgtables, start_info, bootlate) ---- */

static uint64_t pt_pages[3 + 8][512] ALIGNED(4096);
static char page_buf[PAGE_SIZE] ALIGNED(4096);
static struct vcpu_guest_context boot_ctx;

#define PT_UPPER (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)   /* 0x67 */
#define PT_LEAF  (PTE_P | PTE_RW | PTE_A)                    /* 0x23 */

static long layout(struct domu *d)
{
	unsigned long kend = (d->elf.pend - d->elf.paddr_offset + 4095) >> 12;
	unsigned long n1 = 1;

	d->p2m_pfn = kend;
	d->p2m_pages = (d->nr_pages * 8 + 4095) >> 12;
	d->si_pfn = d->p2m_pfn + d->p2m_pages;
	d->store_pfn = d->si_pfn + 1;
	d->cons_pfn = d->store_pfn + 1;
	d->pt_pfn = d->cons_pfn + 1;
	/* alloc_pgtables_pv: map [virt_base, 4 MiB-aligned end with >= 512 KiB
	 * slack after the tables and the boot stack); one L1 per 2 MiB. */
	for (;;) {
		d->nr_pt = 3 + n1;
		d->stack_pfn = d->pt_pfn + d->nr_pt;
		unsigned long end = ((d->stack_pfn + 1 + 128) + 1023) & ~1023UL;
		if (end / 512 <= n1) {
			d->mapped_pages = n1 * 512;
			break;
		}
		n1 = end / 512;
	}
	if (d->nr_pt > ARRAY_SIZE(pt_pages) || d->mapped_pages > d->nr_pages)
		return -XEN_ENOMEM;
	return 0;
}

static bool is_pt_pfn(const struct domu *d, unsigned long pfn)
{
	return pfn >= d->pt_pfn && pfn < d->pt_pfn + d->nr_pt;
}

static void build_pagetables(struct domu *d)
{
	uint64_t vb = d->elf.virt_base;
	unsigned int l4i = (vb >> 39) & 511, l3i = (vb >> 30) & 511;
	unsigned long n1 = d->nr_pt - 3;

	memset(pt_pages, 0, sizeof(pt_pages));
	pt_pages[0][l4i] = ((uint64_t)d->mfn[d->pt_pfn + 1] << 12) | PT_UPPER;
	pt_pages[1][l3i] = ((uint64_t)d->mfn[d->pt_pfn + 2] << 12) | PT_UPPER;
	for (unsigned long i = 0; i < n1; i++)
		pt_pages[2][i] = ((uint64_t)d->mfn[d->pt_pfn + 3 + i] << 12) | PT_UPPER;
	for (unsigned long pfn = 0; pfn < d->mapped_pages; pfn++)
		pt_pages[3 + pfn / 512][pfn % 512] = ((uint64_t)d->mfn[pfn] << 12) |
			(is_pt_pfn(d, pfn) ? PT_LEAF & ~PTE_RW : PT_LEAF);
}

static long boot_context(struct domu *d, struct vcpu_guest_context *ctx)
{
	uint64_t vb = d->elf.virt_base;

	memset(ctx, 0, sizeof(*ctx));
	ctx->user_regs.rip = d->elf.entry;
	ctx->user_regs.rsp = vb + (d->stack_pfn + 1) * PAGE_SIZE;
	ctx->user_regs.rsi = vb + d->si_pfn * PAGE_SIZE;
	ctx->user_regs.rflags = 1 << 9;
	ctx->debugreg[6] = 0xffff0ff0;
	ctx->debugreg[7] = 0x400;
	ctx->flags = VGCF_in_kernel | VGCF_online;
	ctx->ctrlreg[3] = (uint64_t)d->mfn[d->pt_pfn] << 12;
	ctx->user_regs.ds = ctx->user_regs.es = FLAT_KERNEL_DS;
	ctx->user_regs.fs = ctx->user_regs.gs = FLAT_KERNEL_DS;
	ctx->user_regs.ss = FLAT_KERNEL_SS;
	ctx->user_regs.cs = FLAT_KERNEL_CS;
	ctx->kernel_ss = ctx->user_regs.ss;
	ctx->kernel_sp = ctx->user_regs.rsp;
	return 0;
}

long set_vcpu_context(domid_t id, struct vcpu_guest_context *ctx)
{
	static struct xen_domctl c;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_setvcpucontext;
	c.domain = id;
	c.u.vcpucontext.vcpu = 0;
	set_xen_guest_handle(c.u.vcpucontext.ctxt, ctx);
	return domctl(&c);
}

long get_vcpu_context(domid_t id, struct vcpu_guest_context *ctx)
{
	static struct xen_domctl c;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_getvcpucontext;
	c.domain = id;
	c.u.vcpucontext.vcpu = 0;
	set_xen_guest_handle(c.u.vcpucontext.ctxt, ctx);
	return domctl(&c);
}

/* The context libxc's vcpu_x86_64 gives vCPU 0 (also a base for the
 * bogus-context tests). */
void domu_boot_context(struct domu *d, struct vcpu_guest_context *ctx)
{
	boot_context(d, ctx);
}

long domu_build(struct domu *d)
{
	const struct ehdr *e = (const struct ehdr *)d->img->data;
	long rc;

	if ((rc = layout(d)))
		return rc;
	/* the kernel's segments */
	for (unsigned int i = 0; i < e->phnum; i++) {
		const struct phdr *p = phdr_at(d->img, i);
		if (p->type != 1 || !p->memsz)
			continue;
		uint64_t pa = p->paddr - d->elf.paddr_offset;
		if ((rc = write_phys(d, pa, d->img->data + p->offset, p->filesz)) ||
		    (rc = write_phys(d, pa + p->filesz, NULL, p->memsz - p->filesz)))
			return rc;
	}
	/* the p2m list, the magic pages, the boot stack */
	if ((rc = write_phys(d, d->p2m_pfn << 12, d->mfn, d->nr_pages * 8)) ||
	    (rc = write_phys(d, d->store_pfn << 12, NULL, 2 * PAGE_SIZE)) ||
	    (rc = write_phys(d, d->stack_pfn << 12, NULL, PAGE_SIZE)))
		return rc;
	build_pagetables(d);
	if ((rc = write_phys(d, d->pt_pfn << 12, pt_pages, d->nr_pt * PAGE_SIZE)))
		return rc;

	/* shared_info (a hypervisor page the domU owns): xc_dom_boot_image */
	struct xen_domctl_getdomaininfo info;
	if ((rc = domain_info_exact(d->id, &info)))
		return rc;
	d->shared_info_mfn = info.shared_info_frame;
	if ((rc = map_foreign(BATCH, d->id, d->shared_info_mfn, true)))
		return rc;
	shared_info_t *si = window_slot(BATCH);
	memset(si, 0, sizeof(*si));
	for (unsigned int v = 0; v < XEN_LEGACY_MAX_VCPUS; v++)
		si->vcpu_info[v].evtchn_upcall_mask = 1;
	unmap_slot(BATCH);

	/* start_info */
	start_info_t *s = (start_info_t *)page_buf;
	memset(page_buf, 0, sizeof(page_buf));
	snprintf(s->magic, sizeof(s->magic), "xen-3.0-x86_64");
	s->nr_pages = d->nr_pages;
	s->shared_info = d->shared_info_mfn << 12;
	s->flags = 0;
	s->store_mfn = d->mfn[d->store_pfn];
	s->store_evtchn = d->store_port;
	s->console.domU.mfn = d->mfn[d->cons_pfn];
	s->console.domU.evtchn = d->cons_port;
	s->pt_base = d->elf.virt_base + d->pt_pfn * PAGE_SIZE;
	s->nr_pt_frames = d->nr_pt;
	s->mfn_list = d->elf.virt_base + d->p2m_pfn * PAGE_SIZE;
	snprintf((char *)s->cmd_line, sizeof(s->cmd_line), "%s", d->cmdline);
	if ((rc = write_phys(d, d->si_pfn << 12, page_buf, PAGE_SIZE)))
		return rc;
	unmap_all();

	if (d->elf.has_hypercall_page) {
		static struct xen_domctl c;
		memset(&c, 0, sizeof(c));
		c.cmd = XEN_DOMCTL_hypercall_init;
		c.domain = d->id;
		c.u.hypercall_init.gmfn = d->mfn[(d->elf.hypercall_page - d->elf.virt_base) >> 12];
		if ((rc = domctl(&c)))
			return rc;
	}

	/* bootlate_pv: pin the L4 on the domU's behalf */
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE };
	pin.arg1.mfn = d->mfn[d->pt_pfn];
	if ((rc = HYPERVISOR_mmuext_op(&pin, 1, NULL, d->id)))
		return rc;

	boot_context(d, &boot_ctx);
	if (!d->no_context && (rc = set_vcpu_context(d->id, &boot_ctx)))
		return rc;

	/* the console "daemon": our end of its channel and the ring mapped */
	struct evtchn_bind_interdomain bi = { .remote_dom = d->id, .remote_port = d->cons_port };
	if ((rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi)))
		return rc;
	d->cons_local = bi.local_port;
	evtchn_mask(d->cons_local);
	int slot = console_slot_get();
	if (slot < 0)
		return -XEN_ENOSPC;
	if ((rc = map_foreign((unsigned int)slot, d->id, d->mfn[d->cons_pfn], true))) {
		console_slot_put(slot);
		return rc;
	}
	d->cons_slot = slot;
	return 0;
}

long domu_unpause(struct domu *d)
{
	static struct xen_domctl c;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_unpausedomain;
	c.domain = d->id;
	d->t_unpause = xen_system_time();
	return domctl(&c);
}

/* ---- console and outcome ---- */

static long parse_num(const char *s, const char **end)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	if (end)
		*end = s;
	return v;
}

static const char *find(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (!strncmp(s, w, n))
			return s + n;
	return NULL;
}

/* "CHECK <name> <observed> PASS|FAIL expected=<value>": relayed as our
 * check "<tag>/<name>", so the oracle compare sees every domU check. */
static bool relay_check(struct domu *d, char *l)
{
	char *f[5];
	unsigned int n = 0;

	for (char *p = l; *p && n < 5; ) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		f[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n != 5 || strncmp(f[4], "expected=", 9))
		return false;
	bool ok = !strcmp(f[3], "PASS");
	if (!ok)
		d->relayed_fail++;
	check_relayed(checkname("%s/%s", d->tag, f[1]), f[2], f[4] + 9, ok);
	return true;
}

static void domu_line(struct domu *d)
{
	const char *l = d->line, *p;

	if (!strncmp(l, "CHECK ", 6) && !quiet_domus && relay_check(d, d->line))
		return;
	if (!strncmp(l, "CHECK ", 6) && find(l, " FAIL "))
		d->relayed_fail++;

	if (!strncmp(l, "RESULT ", 7) && (p = find(l, ": "))) {
		d->passed = parse_num(p, &p);
		if ((p = find(p, "passed, ")))
			d->failed = parse_num(p, NULL);
		d->result_seen = true;
	} else if (!strncmp(l, "PANIC ", 6)) {
		d->panicked = true;
	} else if (!strncmp(l, "BOOTED ", 7) && (p = find(l, "systime="))) {
		d->t_first = (uint64_t)parse_num(p, NULL);
	}
	if (!quiet_domus || !strncmp(l, "PANIC", 5) || find(l, " FAIL "))
		printf("[d%u %s] %s\n", d->id, d->img->name, l);
}

void domu_console_drain(struct domu *d)
{
	if (d->cons_slot < 0)
		return;
	struct xencons_interface *r = window_slot((unsigned int)d->cons_slot);
	XENCONS_RING_IDX cons = r->out_cons;
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);

	if (prod - cons > sizeof(r->out))
		cons = prod - sizeof(r->out);   /* a hostile ring: skip what cannot be */
	while (cons != prod) {
		char c = r->out[MASK_XENCONS_IDX(cons, r->out)];
		cons++;
		if (c == '\r')
			continue;
		if (c == '\n' || d->linelen == sizeof(d->line) - 1) {
			d->line[d->linelen] = '\0';
			domu_line(d);
			d->linelen = 0;
			if (c == '\n')
				continue;
		}
		d->line[d->linelen++] = c;
	}
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	evtchn_send(d->cons_local);
}

void domu_console_close(struct domu *d)
{
	if (d->cons_slot >= 0) {
		domu_console_drain(d);
		unmap_slot((unsigned int)d->cons_slot);
		console_slot_put(d->cons_slot);
		d->cons_slot = -1;
	}
	if (d->cons_local) {
		evtchn_close(d->cons_local);
		evtchn_clear(d->cons_local);
		d->cons_local = 0;
	}
}

/* ---- watch and destroy ---- */

void toolstack_init(void)
{
	long port = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
	if (port < 0)
		panic("bind_virq(VIRQ_DOM_EXC): %ld", port);
	dom_exc_port = (evtchn_port_t)port;
	evtchn_mask(dom_exc_port);
}

static void poll_ports(evtchn_port_t *ports, unsigned int n, uint64_t ns)
{
	struct sched_poll p = { .nr_ports = n, .timeout = xen_system_time() + ns };

	set_xen_guest_handle(p.ports, ports);
	HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

void poll_sleep(uint64_t ns)
{
	poll_ports(&dom_exc_port, 1, ns);
}

bool domus_wait_shutdown(struct domu **ds, unsigned int n, uint64_t timeout_ns)
{
	uint64_t deadline = xen_system_time() + timeout_ns;
	struct xen_domctl_getdomaininfo info;
	evtchn_port_t ports[1 + 4];
	unsigned int left;

	if (n > 4)
		return false;
	for (;;) {
		left = 0;
		for (unsigned int i = 0; i < n; i++) {
			domu_console_drain(ds[i]);
			left += !ds[i]->shut_down;
		}
		if (!left)
			return true;
		/* The watch is VIRQ_DOM_EXC; getdomaininfo says who and why. */
		if (evtchn_is_pending(dom_exc_port)) {
			evtchn_clear(dom_exc_port);
			for (unsigned int i = 0; i < n; i++) {
				struct domu *d = ds[i];
				if (d->shut_down || domain_info_exact(d->id, &info) ||
				    !(info.flags & XEN_DOMINF_shutdown))
					continue;
				d->shut_down = true;
				d->reason = (info.flags >> XEN_DOMINF_shutdownshift) &
					    XEN_DOMINF_shutdownmask;
				domu_console_drain(d);
			}
			continue;
		}
		if (xen_system_time() > deadline)
			return false;
		unsigned int np = 0;
		ports[np++] = dom_exc_port;
		for (unsigned int i = 0; i < n; i++)
			if (ds[i]->cons_local) {
				evtchn_clear(ds[i]->cons_local);
				ports[np++] = ds[i]->cons_local;
			}
		poll_ports(ports, np, 10000000);
	}
}

bool domu_wait_shutdown(struct domu *d, uint64_t timeout_ns)
{
	return domus_wait_shutdown(&d, 1, timeout_ns);
}

long domu_destroy(domid_t id)
{
	static struct xen_domctl c;
	long rc;
	unsigned int tries = 0;

	do {
		memset(&c, 0, sizeof(c));
		c.cmd = XEN_DOMCTL_destroydomain;
		c.domain = id;
		rc = domctl(&c);
	} while ((rc == -XEN_EAGAIN || rc == -85 /* ERESTART, hypervisor-internal */) && ++tries < 1000000);
	return rc;
}

bool domain_wait_gone(domid_t id, uint64_t timeout_ns)
{
	uint64_t deadline = xen_system_time() + timeout_ns;
	struct xen_domctl_getdomaininfo info;

	while (domain_info_exact(id, &info) == 0) {
		if (xen_system_time() > deadline)
			return false;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return true;
}
