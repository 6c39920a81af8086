/*
 * The PV domU build (domu-path-guide.md §1): createdomain, max_vcpus,
 * max_mem, the store and console ports, populate_physmap, the layout of
 * common/pv_layout.c filled through foreign mappings, the L4 pinned for
 * the domU, shared_info, vCPU 0's context, grant entries 0 and 1, then
 * xenstore (dom_xs.c), XS_INTRODUCE, the disks and vifs plugged
 * (toolstack/devices), unpause, and the wait for the devices to connect.
 * Any failure destroys what was made.
 */
#include "build.h"
#include "devices.h"
#include "dom_xs.h"
#include "fault.h"
#include "hv.h"
#include "image.h"
#include "xs_batch.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pvisor/pv_layout.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define PG 4096u

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct dom {
    uint32_t id;
    uint64_t nr_pages;
    xen_pfn_t *p2m;
    struct pv_layout lay;
    evtchn_port_t store_port, cons_port;
    uint64_t shinfo_mfn;
    struct kernel k;
    uint8_t *initrd;
    size_t initrd_len;
};

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static int domctl_simple(struct xen_domctl *d, uint32_t cmd, uint32_t dom)
{
    d->cmd = cmd;
    d->domain = (domid_t)dom;
    return hv_domctl(d);
}

/* Map [pfn, pfn + n) of the domU, RW. */
static void *map_pfns(struct dom *d, uint64_t pfn, uint64_t n)
{
    return hv_map((domid_t)d->id, PROT_READ | PROT_WRITE, d->p2m + pfn, n);
}

static int populate(struct dom *d)
{
    uint64_t big = d->nr_pages / 512, rest = d->nr_pages % 512, n = big + rest;
    xen_pfn_t *ext = hv_buf(n * sizeof(*ext));
    struct xen_memory_reservation *r = hv_buf(sizeof(*r));
    int rc = -1;

    if (!ext || !r)
        goto out;
    for (uint64_t i = 0; i < big; i++)
        ext[i] = i * 512;
    for (uint64_t i = 0; i < rest; i++)
        ext[big + i] = big * 512 + i;
    r->domid = (domid_t)d->id;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t first = pass ? big : 0, cnt = pass ? rest : big;
        if (!cnt)
            continue;
        set_xen_guest_handle(r->extent_start, ext + first);
        r->nr_extents = cnt;
        r->extent_order = pass ? 0 : 9;
        long done = hv_memory_op(XENMEM_populate_physmap, r);
        if (done != (long)cnt) {
            if (done >= 0)
                errno = ENOMEM;
            goto out;
        }
    }
    for (uint64_t i = 0; i < big * 512; i++)
        d->p2m[i] = ext[i / 512] + (i % 512);
    for (uint64_t i = 0; i < rest; i++)
        d->p2m[big * 512 + i] = ext[big + i];
    rc = 0;
out:
    hv_buf_free(ext, n * sizeof(*ext));
    hv_buf_free(r, sizeof(*r));
    return rc;
}

/* The kernel region [p, p + len): the segments' file bytes in ELF order
 * (a later one wins where they overlap, as copying them in turn gives),
 * every byte no segment's file part covers zeroed. */
static int kernel_fill(const struct kernel *k, const struct pv_elf *e, uint8_t *p, uint64_t len)
{
    uint64_t lo[PV_ELF_MAX_SEGS], hi[PV_ELF_MAX_SEGS], at = 0;
    unsigned n = 0;

    for (unsigned i = 0; i < e->nr_segs; i++) {
        const struct pv_elf_seg *s = &e->segs[i];
        uint64_t off = s->paddr + e->virt_offset - e->virt_kstart;
        if (!s->filesz)
            continue;
        if (kernel_copy_seg(k, p + off, s))
            return -1;
        unsigned j = n++;             /* insertion by start */
        for (; j && lo[j - 1] > off; j--) {
            lo[j] = lo[j - 1];
            hi[j] = hi[j - 1];
        }
        lo[j] = off;
        hi[j] = off + s->filesz;
    }
    for (unsigned j = 0; j < n; j++) {
        if (lo[j] > at)
            memset(p + at, 0, lo[j] - at);
        if (hi[j] > at)
            at = hi[j];
    }
    if (len > at)
        memset(p + at, 0, len - at);
    return 0;
}

static struct {
    double map, copy, unmap;
    unsigned long mapped;
} kfill_t;

/* In fill_forked's child: the guest's pages stay mapped for the child's
 * exit to take down, but for the guest's page tables (pinned next). */
static bool leave_mapped;

/* Unmap [p, p + n pages) unless leave_mapped. */
static void unmap_filled(void *p, size_t n)
{
    if (!leave_mapped)
        hv_unmap(p, n);
}

/* The kernel written into memory populate_physmap gave zeroed, on a
 * hypervisor that guarantees it (hv_allocations_zeroed: pvisor; Xen hands
 * a frame a live domain ballooned out to the next one as it was): only
 * pages holding a non-zero byte of a segment are mapped and written (a
 * third of Debian's 46 MiB region is bss, brk and zero pages, and mapping
 * a page through privcmd costs more than writing it). 1 when segments
 * overlap (a later segment's zeroes would have to overwrite an earlier
 * one's bytes) or memory may hold old data: the caller writes the whole
 * region instead. */
static int kernel_fill_sparse(struct dom *d, char *err, size_t errlen)
{
    const struct pv_layout *l = &d->lay;
    const struct pv_elf *e = &d->k.info;
    uint64_t len = l->kernel_pages * PG, off[PV_ELF_MAX_SEGS];
    struct kernel_range *r[PV_ELF_MAX_SEGS] = { 0 };
    size_t nr[PV_ELF_MAX_SEGS] = { 0 }, n = 0;
    uint32_t *pos = NULL;
    xen_pfn_t *mfns = NULL;
    uint8_t *p = NULL;
    int rc = -1;

    if (!hv_allocations_zeroed())
        return 1;
    for (unsigned i = 0; i < e->nr_segs; i++) {
        const struct pv_elf_seg *s = &e->segs[i];
        off[i] = s->paddr + e->virt_offset - e->virt_kstart;
        if (!s->filesz)
            continue;
        if (off[i] > len || s->filesz > len - off[i])
            FAIL("%s: a segment outside the kernel's region", d->k.format);
        for (unsigned j = 0; j < i; j++)
            if (e->segs[j].filesz && off[j] < off[i] + s->filesz && off[i] < off[j] + e->segs[j].filesz) {
                rc = 1;
                goto out;
            }
    }
    /* pos[page]: the page's place in the one mapping, ~0 when not mapped */
    if (!(pos = malloc(l->kernel_pages * sizeof(*pos))))
        FAIL("out of memory for the kernel's page list");
    memset(pos, 0xff, l->kernel_pages * sizeof(*pos));
    for (unsigned i = 0; i < e->nr_segs; i++) {
        if (!e->segs[i].filesz)
            continue;
        if (kernel_seg_data(&d->k, &e->segs[i], (unsigned)(off[i] & (PG - 1)), &r[i], &nr[i]))
            FAIL("reading the kernel's segments: %s", strerror(errno));
        for (size_t j = 0; j < nr[i]; j++) {
            uint64_t a = off[i] + r[i][j].from, b = a + r[i][j].len;
            for (uint64_t pg = a / PG; pg < (b + PG - 1) / PG; pg++)
                pos[pg] = 0;
        }
    }
    if (!(mfns = malloc(l->kernel_pages * sizeof(*mfns))))
        FAIL("out of memory for the kernel's page list");
    for (uint64_t pg = 0; pg < l->kernel_pages; pg++)
        if (!pos[pg]) {
            pos[pg] = (uint32_t)n;
            mfns[n++] = d->p2m[l->kernel_pfn + pg];
        }
    double t0 = now_s();
    if (n && !(p = hv_map((domid_t)d->id, PROT_READ | PROT_WRITE, mfns, n)))
        FAIL("mapping the domain's kernel pages: %s", strerror(errno));
    double t1 = now_s();
    /* a range's pages are all mapped and in order: one copy each */
    for (unsigned i = 0; i < e->nr_segs; i++)
        for (size_t j = 0; j < nr[i]; j++) {
            uint64_t a = off[i] + r[i][j].from;
            if (kernel_copy_part(&d->k, p + (uint64_t)pos[a / PG] * PG + a % PG, &e->segs[i],
                                 r[i][j].from, r[i][j].len))
                FAIL("reading the kernel into the domain: %s", strerror(errno));
        }
    double t2 = now_s();
    if (p)
        unmap_filled(p, n);
    p = NULL;
    kfill_t.map = t1 - t0;
    kfill_t.copy = t2 - t1;
    kfill_t.unmap = now_s() - t2;
    kfill_t.mapped = n;
    rc = 0;
out:
fail:
    if (p)
        hv_unmap(p, n);
    for (unsigned i = 0; i < e->nr_segs; i++)
        free(r[i]);
    free(mfns);
    free(pos);
    return rc;
}

/* Copy the kernel, initrd, p2m (with its tables), start_info, page tables. */
static int fill(struct dom *d, const struct xlcfg *cfg, char *err, size_t errlen)
{
    const struct pv_layout *l = &d->lay;
    const struct pv_elf *e = &d->k.info;
    uint8_t *p;

    /* kernel: the pages with data; overlapping segments or memory not
     * known to be zero: each PT_LOAD's file bytes in turn, zeroes around
     * them */
    int sparse = kernel_fill_sparse(d, err, errlen);
    if (sparse < 0)
        goto fail;
    if (sparse) {
        if (!(p = map_pfns(d, l->kernel_pfn, l->kernel_pages)))
            FAIL("mapping the domain's kernel pages: %s", strerror(errno));
        if (kernel_fill(&d->k, e, p, l->kernel_pages * PG)) {
            int en = errno;
            hv_unmap(p, l->kernel_pages);
            FAIL("reading the kernel into the domain: %s", strerror(en));
        }
        unmap_filled(p, l->kernel_pages);
    }

    if (d->initrd_len) {
        if (!(p = map_pfns(d, l->initrd_pfn, l->initrd_pages)))
            FAIL("mapping the domain's initrd pages: %s", strerror(errno));
        memcpy(p, d->initrd, d->initrd_len);
        memset(p + d->initrd_len, 0, l->initrd_pages * PG - d->initrd_len);
        unmap_filled(p, l->initrd_pages);
    }

    /* p2m list (and the tables of its own mapping right after it) */
    if (!(p = map_pfns(d, l->p2m_pfn, l->p2m_seg_pages)))
        FAIL("mapping the domain's p2m pages: %s", strerror(errno));
    memset(p, 0, l->p2m_seg_pages * PG);
    memcpy(p, d->p2m, d->nr_pages * 8);
    if (l->nr_maps > 1)
        pv_layout_fill_tables(l, 1, d->p2m, (uint64_t *)(p + l->p2m_pages * PG));
    unmap_filled(p, l->p2m_seg_pages);

    /* start_info, xenstore and console pages (consecutive) */
    if (!(p = map_pfns(d, l->si_pfn, 3)))
        FAIL("mapping the domain's start_info: %s", strerror(errno));
    memset(p, 0, 3 * PG);
    start_info_t *si = (start_info_t *)p;
    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
    si->nr_pages = d->nr_pages;
    si->shared_info = d->shinfo_mfn << 12;
    si->flags = l->initrd_unmapped && d->initrd_len ? SIF_MOD_START_PFN : 0;
    si->store_mfn = d->p2m[l->store_pfn];
    si->store_evtchn = d->store_port;
    si->console.domU.mfn = d->p2m[l->console_pfn];
    si->console.domU.evtchn = d->cons_port;
    si->pt_base = pv_layout_va(l, l->pt_pfn);
    si->nr_pt_frames = l->nr_pt;
    si->mfn_list = l->p2m_va;
    if (l->p2m_own_mapping) {
        si->first_p2m_pfn = l->p2m_pfn;
        si->nr_p2m_frames = l->p2m_seg_pages;
    }
    if (d->initrd_len) {
        si->mod_start = l->initrd_unmapped ? l->initrd_pfn : pv_layout_va(l, l->initrd_pfn);
        si->mod_len = l->initrd_unmapped ? l->initrd_pages * PG : d->initrd_len;
    }
    snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", cfg->cmdline ? cfg->cmdline : "");
    unmap_filled(p, 3);

    /* initial page tables and the boot stack (consecutive) */
    if (!(p = map_pfns(d, l->pt_pfn, l->nr_pt + 1)))
        FAIL("mapping the domain's page tables: %s", strerror(errno));
    memset(p, 0, (l->nr_pt + 1) * PG);
    pv_layout_fill_tables(l, 0, d->p2m, (uint64_t *)p);
    hv_unmap(p, l->nr_pt + 1);
    return 0;
fail:
    return -1;
}

/*
 * fill() in a child process. Tearing foreign mappings down is most of what
 * writing the image costs a PV dom0: munmap clears each entry with a
 * write the hypervisor traps and emulates (1900 instructions a page for
 * Debian's kernel, -icount), while an exiting process's page tables are
 * unpinned in one hypercall and its entries dropped by the hypervisor in
 * one pass (Linux's xen_exit_mmap). The child writes everything, unmaps
 * only the guest's page tables (pinned next, so never left to an exit),
 * reports, and exits; its exit is over when waitpid returns (exit_mm
 * comes before the parent is told), unless something else holds its mm
 * at that moment (a /proc reader for microseconds), which could delay
 * the guest's own early pins of its kernel's tables by as long: nothing
 * else. A kernel held in dom0's memory rather than read from the cache
 * would have its pages copied for the child: that one is written here.
 */
struct fill_msg {
    int rc;
    double map, copy;
    unsigned long mapped;
    char err[400];
};

static int fill_forked(struct dom *d, const struct xlcfg *cfg, char *err, size_t errlen)
{
    struct fill_msg m;
    int p[2], st;

    if (!d->k.cached || pipe2(p, O_CLOEXEC))
        return fill(d, cfg, err, errlen);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return fill(d, cfg, err, errlen);
    }
    if (!pid) {
        close(p[0]);
        memset(&m, 0, sizeof(m));
        leave_mapped = true;
        m.rc = fill(d, cfg, m.err, sizeof(m.err));
        m.map = kfill_t.map;
        m.copy = kfill_t.copy;
        m.mapped = kfill_t.mapped;
        _exit(write(p[1], &m, sizeof(m)) == (ssize_t)sizeof(m) ? 0 : 1);
    }
    close(p[1]);
    ssize_t n;
    do
        n = read(p[0], &m, sizeof(m));
    while (n < 0 && errno == EINTR);
    close(p[0]);
    double tw = now_s();
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    kfill_t.unmap = now_s() - tw;
    if (n != (ssize_t)sizeof(m)) {
        snprintf(err, errlen, "writing the domain's image: the writer process died");
        return -1;
    }
    kfill_t.map = m.map;
    kfill_t.copy = m.copy;
    kfill_t.mapped = m.mapped;
    if (m.rc) {
        snprintf(err, errlen, "%s", m.err);
        return -1;
    }
    return 0;
}

static int boot_vcpu(struct dom *d, char *err, size_t errlen)
{
    const struct pv_layout *l = &d->lay;
    vcpu_guest_context_t *c = hv_buf(sizeof(*c));
    struct xen_domctl dc = { 0 };
    int rc;

    if (!c) {
        snprintf(err, errlen, "out of hypercall buffer memory");
        return -1;
    }
    c->flags = VGCF_in_kernel | VGCF_online;
    c->user_regs.rip = d->k.info.virt_entry;
    c->user_regs.rsp = pv_layout_va(l, l->stack_pfn + 1);
    c->user_regs.rsi = pv_layout_va(l, l->si_pfn);
    c->user_regs.rflags = 1u << 9;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = c->user_regs.rsp;
    c->ctrlreg[3] = (uint64_t)d->p2m[l->pt_pfn] << 12;
    c->debugreg[6] = 0xffff0ff0;
    c->debugreg[7] = 0x400;
    dc.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, c);
    rc = domctl_simple(&dc, XEN_DOMCTL_setvcpucontext, d->id);
    if (rc)
        snprintf(err, errlen, "setvcpucontext: %s", strerror(errno));
    hv_buf_free(c, sizeof(*c));
    return rc;
}

/* Grant entries 0 (console) and 1 (xenstore) for dom0's daemons
 * (xc_dom_gnttab_seed). */
static int seed_grants(struct dom *d, char *err, size_t errlen)
{
    grant_entry_v1_t *g = hv_map_grant_frame0((domid_t)d->id);

    if (!g) {
        snprintf(err, errlen, "mapping the domain's grant table: %s", strerror(errno));
        return -1;
    }
    g[GNTTAB_RESERVED_CONSOLE].domid = 0;
    g[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)d->p2m[d->lay.console_pfn];
    g[GNTTAB_RESERVED_XENSTORE].domid = 0;
    g[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)d->p2m[d->lay.store_pfn];
    __atomic_thread_fence(__ATOMIC_RELEASE);
    g[GNTTAB_RESERVED_CONSOLE].flags = GTF_permit_access;
    g[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
    hv_unmap_grant(g);
    return 0;
}

static void random_uuid(uint8_t u[16])
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, u, 16) != 16) {
        for (int i = 0; i < 16; i++)
            u[i] = (uint8_t)(rand() ^ (int)getpid());
    }
    if (fd >= 0)
        close(fd);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

/* Has the guest shut down or died (the wait for its devices ends)? */
static bool domain_stopped(uint32_t domid)
{
    struct xen_domctl_getdomaininfo info;
    return hv_domain_info((domid_t)domid, &info) ||
           (info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

/* The kernel image, the initrd's mapping and the p2m: the build's alone
 * (twice is harmless: a create that fails after the unpause) */
static void release_images(struct dom *d)
{
    kernel_free(&d->k);
    unmap_file(d->initrd, d->initrd_len);
    d->initrd = NULL;
    free(d->p2m);
    d->p2m = NULL;
}

int domain_create(struct xs_handle *xs, const struct xlcfg *cfg, uint32_t *domid,
                  struct timings *t, char *err, size_t errlen)
{
    struct dom d = { .id = ~0u };
    struct xen_domctl dc;
    const char *why;
    uint8_t uuid[16];
    double t0 = now_s();
    bool created = false;

    if (dom_xs_find(xs, cfg->name) >= 0)
        FAIL("a domain named \"%s\" already exists", cfg->name);
    /* a disk in use or a missing bridge: refused before anything is made */
    if (devices_domain_check(xs, cfg, err, errlen))
        goto fail;
    /* load */
    d.nr_pages = cfg->memory_mib << 8;
    if (kernel_load(cfg->kernel, d.nr_pages * PG, &d.k, err, errlen))
        goto fail;
    if (cfg->ramdisk &&
        map_file(cfg->ramdisk, d.nr_pages * PG, &d.initrd, &d.initrd_len, err, errlen)) {
        if (!strcmp(err + strlen(err) - 9, "too large"))
            snprintf(err + strlen(err), errlen - strlen(err), " for memory=%llu",
                     (unsigned long long)cfg->memory_mib);
        goto fail;
    }
    struct pv_layout_in lin = {
        .flavour = PV_LAYOUT_DOMU, .virt_base = d.k.info.virt_base,
        .virt_kstart = d.k.info.virt_kstart, .virt_kend = d.k.info.virt_kend,
        .nr_pages = d.nr_pages, .initrd_len = d.initrd_len,
        .p2m_base = d.k.info.has_init_p2m ? d.k.info.init_p2m : 0,
        .mod_start_pfn = d.k.info.mod_start_pfn,
    };
    if (pv_layout_compute(&lin, &d.lay, &why))
        FAIL("%s: %s (memory=%llu)", cfg->kernel, why, (unsigned long long)cfg->memory_mib);
    if (d.k.info.has_hypercall_page &&
        (d.k.info.hypercall_page < d.lay.virt_base || d.k.info.hypercall_page >= d.lay.virt_end))
        FAIL("%s: HYPERCALL_PAGE note outside the kernel's mapping", cfg->kernel);
    d.p2m = calloc(d.nr_pages, sizeof(*d.p2m));
    if (!d.p2m)
        FAIL("out of memory for the p2m of %llu pages", (unsigned long long)d.nr_pages);
    double t1 = now_s();

    /* the domain object */
    if (cfg->uuid_set)
        memcpy(uuid, cfg->uuid, 16);
    else
        random_uuid(uuid);
    memset(&dc, 0, sizeof(dc));
    memcpy(dc.u.createdomain.handle, uuid, 16);
    dc.u.createdomain.max_vcpus = cfg->maxvcpus;
    dc.u.createdomain.max_evtchn_port = 1023;
    dc.u.createdomain.max_grant_frames = -1;
    dc.u.createdomain.max_maptrack_frames = -1;
    dc.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    /* PIT channel 2, which Xen 4.17 also gives a PV domain that asks (libxl
     * never does): without it Linux reads all ones from port 0x42 and spins
     * through quick_pit_calibrate's 100 000 trapped reads before giving up. */
    dc.u.createdomain.arch.emulation_flags = XEN_X86_EMU_PIT;
    if (domctl_simple(&dc, XEN_DOMCTL_createdomain, 0))
        FAIL("createdomain: %s", strerror(errno));
    d.id = dc.domain;
    created = true;
    if (fault_at("domain"))
        FAIL("max_vcpus %u: refused (PVCTL_FAULT=domain)", cfg->maxvcpus);
    memset(&dc, 0, sizeof(dc));
    dc.u.max_vcpus.max = cfg->maxvcpus;
    if (domctl_simple(&dc, XEN_DOMCTL_max_vcpus, d.id))
        FAIL("max_vcpus %u: %s", cfg->maxvcpus, strerror(errno));
    memset(&dc, 0, sizeof(dc));
    dc.u.max_mem.max_memkb = (cfg->maxmem_mib << 10) + 1024;   /* LIBXL_MAXMEM_CONSTANT */
    if (domctl_simple(&dc, XEN_DOMCTL_max_mem, d.id))
        FAIL("max_mem: %s", strerror(errno));
    struct evtchn_alloc_unbound au = { .dom = (domid_t)d.id, .remote_dom = 0 };
    if (hv_evtchn_op(EVTCHNOP_alloc_unbound, &au, sizeof(au)))
        FAIL("the xenstore event channel: %s", strerror(errno));
    d.store_port = au.port;
    au.port = 0;
    if (hv_evtchn_op(EVTCHNOP_alloc_unbound, &au, sizeof(au)))
        FAIL("the console event channel: %s", strerror(errno));
    d.cons_port = au.port;
    memset(&dc, 0, sizeof(dc));
    dc.u.address_size.size = 64;
    if (domctl_simple(&dc, XEN_DOMCTL_set_address_size, d.id))
        FAIL("set_address_size: %s", strerror(errno));
    double tp = now_s();
    if (populate(&d))
        FAIL("populating %llu MiB: %s", (unsigned long long)cfg->memory_mib, strerror(errno));
    if (fault_at("memory"))
        FAIL("getdomaininfo: refused (PVCTL_FAULT=memory)");
    struct xen_domctl_getdomaininfo info;
    if (hv_domain_info((domid_t)d.id, &info))
        FAIL("getdomaininfo: %s", strerror(errno));
    d.shinfo_mfn = info.shared_info_frame;

    /* the image, then pin (no writable mapping of the tables left) */
    double tf = now_s();
    if (fill_forked(&d, cfg, err, errlen))
        goto fail;
    double tf1 = now_s();
    if (fault_at("image"))
        FAIL("pinning the domain's page tables: refused (PVCTL_FAULT=image)");
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE };
    pin.arg1.mfn = d.p2m[d.lay.pt_pfn];
    if (hv_mmuext_op(&pin, 1, (domid_t)d.id))
        FAIL("pinning the domain's page tables: %s", strerror(errno));
    xen_pfn_t sm = d.shinfo_mfn;
    shared_info_t *sh = hv_map((domid_t)d.id, PROT_READ | PROT_WRITE, &sm, 1);
    if (!sh)
        FAIL("mapping the domain's shared_info: %s", strerror(errno));
    memset(sh, 0, sizeof(*sh));
    for (int v = 0; v < XEN_LEGACY_MAX_VCPUS; v++)
        sh->vcpu_info[v].evtchn_upcall_mask = 1;
    hv_unmap(sh, 1);
    if (boot_vcpu(&d, err, errlen))
        goto fail;
    if (d.k.info.has_hypercall_page) {
        memset(&dc, 0, sizeof(dc));
        dc.u.hypercall_init.gmfn = d.p2m[(d.k.info.hypercall_page - d.lay.virt_base) >> 12];
        if (domctl_simple(&dc, XEN_DOMCTL_hypercall_init, d.id))
            FAIL("hypercall_init: %s", strerror(errno));
    }
    if (seed_grants(&d, err, errlen))
        goto fail;
    if (fault_at("grants"))
        FAIL("mapping the domain's grant table: refused (PVCTL_FAULT=grants)");
    double t2 = now_s();

    /* xenstore, then introduce before the domain runs */
    struct dom_xs_info xi = {
        .domid = d.id, .cfg = cfg, .store_port = d.store_port, .cons_port = d.cons_port,
        .store_mfn = d.p2m[d.lay.store_pfn], .cons_mfn = d.p2m[d.lay.console_pfn],
    };
    memcpy(xi.uuid, uuid, 16);
    if (dom_xs_write(xs, &xi, err, errlen))
        goto fail;
    if (fault_at("xenstore"))
        FAIL("writing /local/domain/%u to xenstore: refused (PVCTL_FAULT=xenstore)", d.id);
    double ti = now_s();
    if (!xs_batch_introduce(xs, d.id, xi.store_mfn, d.store_port))
        FAIL("introducing the domain to xenstored: %s", strerror(errno));
    if (fault_at("introduce"))
        FAIL("introducing the domain to xenstored: refused (PVCTL_FAULT=introduce)");
    double t3 = now_s();

    /* the backends ready before the guest runs, as libxl has them */
    FILE *trace = t && t->verbose ? stderr : NULL;
    if (devices_domain_plug(xs, d.id, cfg, devices_timeout_ms(DEVICES_DEFAULT_TIMEOUT_MS), trace,
                            err, errlen))
        goto fail;
    /* nothing of the build is needed once the guest runs: let go of its
     * memory now, so that after the unpause dom0 has little left to do
     * before pvctl exits (the new domU is runnable from the unpause on) */
    release_images(&d);
    double t4 = now_s();
    memset(&dc, 0, sizeof(dc));
    if (fault_at("unpause"))
        FAIL("unpausedomain: refused (PVCTL_FAULT=unpause)");
    if (domctl_simple(&dc, XEN_DOMCTL_unpausedomain, d.id))
        FAIL("unpausedomain: %s", strerror(errno));
    double t5 = now_s();
    bool wait = !(t && t->no_connect);
    if (trace && wait && cfg->n_disks + cfg->n_vifs)
        fprintf(trace, "pvctl: domain %u runs; waiting for its %zu device(s) to connect\n", d.id,
                cfg->n_disks + cfg->n_vifs);
    if (wait && devices_domain_wait_connected(xs, d.id, cfg, devices_timeout_ms(DEVICES_CONNECT_TIMEOUT_MS),
                                      domain_stopped, trace, err, errlen))
        goto fail;
    double t6 = now_s();
    if (t) {
        t->load = t1 - t0;
        t->build = t2 - t1;
        t->xenstore = t3 - t2;
        t->devices = t4 - t3;
        t->unpause = t5 - t4;
        t->connect = t6 - t5;
        t->populate = tf - tp;
        t->fill = tf1 - tf;
        t->introduce = t3 - ti;
        t->kmap = kfill_t.map;
        t->kcopy = kfill_t.copy;
        t->kunmap = kfill_t.unmap;
        t->kpages_mapped = kfill_t.mapped;
        t->kpages = d.lay.kernel_pages;
        t->kernel = d.k.format;
    }
    *domid = d.id;
    return 0;
fail:
    if (created) {
        char e2[200];
        domain_destroy(xs, d.id, e2, sizeof(e2));
    }
    release_images(&d);
    return -1;
}

struct destroy_timings destroy_t;

int domain_destroy(struct xs_handle *xs, uint32_t domid, char *err, size_t errlen)
{
    struct xen_domctl dc = { 0 };
    int rc;

    if (domid == 0) {
        snprintf(err, errlen, "domain 0 cannot be destroyed");
        return -1;
    }
    double t0 = now_s();
    domctl_simple(&dc, XEN_DOMCTL_pausedomain, domid);
    double tp = now_s();
    /* the backends let go of the guest's grants before it dies */
    char e2[256];
    if (devices_domain_unplug(xs, domid, DEVICES_CLOSE_TIMEOUT_MS, NULL,
                              e2, sizeof(e2)))
        fprintf(stderr, "pvctl: %s\n", e2);
    double t1 = now_s();
    dom_xs_remove(xs, domid);
    double t2 = now_s();
    /* No XS_RELEASE (libxl sends none on destroy): xenstored would forget
     * the domain while it is still alive, fire @releaseDomain then, and
     * none when it dies, so xenconsoled would keep the console mapped and
     * the domain a zombie. xenstored learns of the death by VIRQ_DOM_EXC. */
    unsigned tries = 0;
    do {
        memset(&dc, 0, sizeof(dc));
        rc = domctl_simple(&dc, XEN_DOMCTL_destroydomain, domid);
    } while (rc && errno == EAGAIN && ++tries < 100000);
    if (rc)
        snprintf(err, errlen, "destroydomain %u: %s", domid, strerror(errno));
    destroy_t = (struct destroy_timings){ tp - t0, t1 - tp, t2 - t1, now_s() - t2, tries + 1 };
    return rc;
}
