/*
 * Building dom0 from the first multiboot module (the kernel: ELF vmlinux,
 * or a bzImage whose payload we decompress) and the second (its initramfs),
 * with the start-of-day layout of the Xen PV ABI (xen.h "Start-of-day
 * memory layout"), in one virtual region from VIRT_BASE:
 *
 *   kernel | initrd | p2m list | start_info | page tables | boot stack | pad
 *
 * (pv_layout.h, PV_LAYOUT_DOM0: the layout module pvctl builds domUs with)
 *
 * The whole region is mapped read/write from pfn 0 on, except the
 * page-table frames, which are mapped read-only; the L4 is pinned and
 * validated by the memory-safety module before the guest runs.
 */
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/pv_elf.h>
#include <pvisor/pv_layout.h>
#include <pvisor/pv_emul.h>
#include <pvisor/bootinfo.h>
#include <pvisor/cmdline.h>
#include <pvisor/decompress.h>
#include <pvisor/page_alloc.h>
#include <pvisor/buddy.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/smp.h>
#include <pvisor/selftest.h>
#include <pvisor/time.h>
#include <asm/regs.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/features.h>

static char opt_dom0_mem[64];
string_param("dom0_mem", opt_dom0_mem);
/* dom0_max_vcpus=N, N-M, N- or -M (Xen's forms): dom0 gets one vCPU per
 * pCPU, raised to the minimum and cut to the maximum given. */
static unsigned int opt_dom0_max_vcpus_min = 1, opt_dom0_max_vcpus_max = ~0u;

static int parse_dom0_max_vcpus(const char *s)
{
    char *end;

    if (!s)
        return -1;
    if (*s == '-') {                                  /* -M */
        opt_dom0_max_vcpus_max = (unsigned int)strtoul(s + 1, &end, 0);
    } else {                                          /* N, N- or N-M */
        opt_dom0_max_vcpus_min = (unsigned int)strtoul(s, &end, 0);
        if (!opt_dom0_max_vcpus_min)
            opt_dom0_max_vcpus_min = 1;
        if (!*end)
            opt_dom0_max_vcpus_max = opt_dom0_max_vcpus_min;
        else if (*end++ == '-' && *end)
            opt_dom0_max_vcpus_max = (unsigned int)strtoul(end, &end, 0);
    }
    return *end ? -1 : 0;
}
custom_param("dom0_max_vcpus", parse_dom0_max_vcpus);

static unsigned int dom0_max_vcpus(void)
{
    unsigned int n = nr_cpus_online;

    if (n < opt_dom0_max_vcpus_min)
        n = opt_dom0_max_vcpus_min;
    if (n > opt_dom0_max_vcpus_max)
        n = opt_dom0_max_vcpus_max;
    return n > MAX_VCPUS ? MAX_VCPUS : n ? n : 1;
}

#define MAX_CHUNKS 256

/* dom0's memory: runs of machine-contiguous frames, pfn order. */
struct chunk { unsigned long pfn, mfn, count; };
static struct chunk chunks[MAX_CHUNKS];
static unsigned int nr_chunks;

static unsigned long pfn_to_mfn(unsigned long pfn)
{
    for (unsigned i = 0; i < nr_chunks; i++)
        if (pfn >= chunks[i].pfn && pfn < chunks[i].pfn + chunks[i].count)
            return chunks[i].mfn + (pfn - chunks[i].pfn);
    BUG();
}

/* Guest-physical byte address -> hypervisor pointer, and how many bytes
 * from there on are machine-contiguous. */
static void *gpa_ptr_run(u64 gpa, u64 *run)
{
    unsigned long pfn = gpa >> PAGE_SHIFT;

    for (unsigned i = 0; i < nr_chunks; i++) {
        const struct chunk *c = &chunks[i];
        if (pfn >= c->pfn && pfn < c->pfn + c->count) {
            *run = ((u64)(c->pfn + c->count) << PAGE_SHIFT) - gpa;
            return (char *)mfn_to_virt(c->mfn + (pfn - c->pfn)) + (gpa & (PAGE_SIZE - 1));
        }
    }
    BUG();
}

static void *gpa_ptr(u64 gpa)
{
    u64 run;
    return gpa_ptr_run(gpa, &run);
}

/* Copy (src != NULL) or zero len bytes at guest-physical gpa. */
static void gpa_write(u64 gpa, const void *src, u64 len)
{
    while (len) {
        u64 n;
        void *p = gpa_ptr_run(gpa, &n);
        if (n > len)
            n = len;
        if (src) {
            memcpy(p, src, n);
            src = (const char *)src + n;
        } else {
            memset(p, 0, n);
        }
        gpa += n;
        len -= n;
    }
}

static u64 default_dom0_pages(void)
{
    u64 avail = free_pages_count();
    u64 reserve = avail / 16 < 32768 ? avail / 16 : 32768;   /* as Xen: 1/16, at most 128 MiB */
    return avail - reserve;
}

/* dom0_mem=SIZE or Xen's dom0_mem=SIZE,max:SIZE (the first amount wins). */
static u64 dom0_pages(void)
{
    u64 bytes;
    const char *end;
    const char *p = opt_dom0_mem;

    if (!*p)
        return default_dom0_pages();
    if (!strncmp(p, "min:", 4) || !strncmp(p, "max:", 4))
        p += 4;
    if (!parse_size(p, &bytes, &end) || (*end && *end != ',')) {
        printk(LOG_WARN "dom0_mem=%s not understood; using the default\n", opt_dom0_mem);
        return default_dom0_pages();
    }
    return bytes >> PAGE_SHIFT;
}

static bool allocate_memory(struct domain *d, u64 nr_pages)
{
    unsigned long pfn = 0;

    nr_chunks = 0;
    while (pfn < nr_pages) {
        unsigned int order = BUDDY_MAX_ORDER;
        long mfn = -1;
        while ((1ul << order) > nr_pages - pfn)
            order--;
        for (;; order--) {
            mfn = alloc_domheap_pages_noscrub(order, d->domain_id);
            if (mfn >= 0 || order == 0)
                break;
        }
        if (mfn < 0 || nr_chunks == MAX_CHUNKS)
            return false;
        if (nr_chunks && chunks[nr_chunks - 1].mfn + chunks[nr_chunks - 1].count == (unsigned long)mfn)
            chunks[nr_chunks - 1].count += 1ul << order;
        else
            chunks[nr_chunks++] = (struct chunk){ pfn, (unsigned long)mfn, 1ul << order };
        for (unsigned long i = 0; i < (1ul << order); i++) {
            arch_assign_page(d, mfn + i);
            m2p_set(mfn + i, pfn + i);
        }
        pfn += 1ul << order;
    }
    return true;
}

static void __attribute__((noreturn)) fail(const char *what)
{
    panic("dom0: %s", what);
}

/* The kernel as an ELF image: the module itself, or its decompressed payload. */
static const u8 *kernel_elf(const struct boot_module *m, size_t *len, void **to_free,
                            unsigned long *free_pages)
{
    const u8 *img = __va(m->start);
    size_t size = m->end - m->start;
    struct kernel_image ki;
    int rc;

    *to_free = NULL;
    rc = kernel_image_probe(img, size, 512u << 20, &ki);
    if (rc)
        panic("dom0 kernel: %s (not an ELF or a bzImage pvisor can unpack)", decompress_strerror(rc));
    if (ki.is_elf) {
        *len = size;
        return img;
    }
    unsigned long pages = (ki.unpacked_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    void *out = alloc_xenheap_contig(pages);
    void *work = alloc_xenheap_pages(6);
    if (!out || !work)
        panic("dom0 kernel: no memory to unpack %zu MiB", ki.unpacked_size >> 20);
    s_time_t t0 = NOW();
    rc = kernel_image_unpack(img, size, &ki, out, pages << PAGE_SHIFT, len, work, 64 * PAGE_SIZE);
    if (rc)
        panic("dom0 kernel: unpacking the %s payload failed: %s", decompress_format_name(ki.format),
              decompress_strerror(rc));
    free_xenheap_pages(work, 6);
    printk("dom0 kernel: bzImage %s payload unpacked, %zu KiB in %lld ms\n",
           decompress_format_name(ki.format), *len >> 10, (long long)(NOW() - t0) / 1000000);
    *to_free = out;
    *free_pages = pages;
    return out;
}

void start_dom0(const struct boot_info *bi)
{
    const struct boot_module *kmod = &bi->mods[0];
    const struct boot_module *imod = bi->nr_mods > 1 ? &bi->mods[1] : NULL;
    struct pv_elf elf;
    const char *err;
    size_t klen;
    void *kbuf;
    unsigned long kbuf_pages = 0;
    const u8 *kimg = kernel_elf(kmod, &klen, &kbuf, &kbuf_pages);

    if (pv_elf_parse(kimg, klen, &elf, &err) || pv_elf_check(&elf, true, &err))
        panic("dom0 kernel refused: %s", err);

    struct domain *d = domain_create(0, true, dom0_max_vcpus());
    if (!d)
        fail("cannot create domain 0");
    d->is_initial = true;
    d->mm.privileged = true;
    d->mm.io_caps = true;
    dom0 = d;
    struct vcpu *v = vcpu_create(d, 0);
    for (unsigned i = 1; i < d->max_vcpus; i++)
        vcpu_create(d, i);
    if (!v)
        fail("cannot create vCPU 0");

    /* Layout (all addresses virtual, v_start = VIRT_BASE maps pfn 0),
     * computed by the module pvctl shares (common/pv_layout.c). */
    u64 v_start = elf.virt_base;
    u64 initrd_len = imod ? imod->end - imod->start : 0;
    u64 nr_pages = dom0_pages();
    struct pv_layout lay;
    const struct pv_layout_in lin = {
        .flavour = PV_LAYOUT_DOM0, .virt_base = v_start, .virt_kstart = elf.virt_kstart,
        .virt_kend = elf.virt_kend, .nr_pages = nr_pages, .initrd_len = initrd_len,
    };
    if (pv_layout_compute(&lin, &lay, &err))
        panic("dom0 kernel refused: %s", err);
    u64 v_initrd = pv_layout_va(&lay, lay.initrd_pfn);
    u64 v_p2m = lay.p2m_va;
    u64 v_si = pv_layout_va(&lay, lay.si_pfn);
    u64 v_pt = pv_layout_va(&lay, lay.pt_pfn);
    unsigned long nr_pt = lay.nr_pt;
    u64 v_stack = pv_layout_va(&lay, lay.stack_pfn);
    u64 v_end = lay.virt_end;
    /* As Xen: the boot region may sit anywhere (a kernel linked at 0 or
     * 1 MiB included) except over the hypervisor's range. */
    if (!pv_elf_region_ok(v_start, v_end))
        panic("dom0 kernel refused: its boot region %#llx-%#llx overlaps the hypervisor's "
              "range or is not canonical", (unsigned long long)v_start, (unsigned long long)v_end);
    u64 region_pages = (v_end - v_start) >> PAGE_SHIFT;
    if (nr_pages < region_pages)
        panic("dom0_mem (%llu MiB) is smaller than the kernel's boot region (%llu MiB)",
              (unsigned long long)nr_pages >> 8, (unsigned long long)region_pages >> 8);
    if (v_end - v_start > (1ull << 30))
        panic("dom0 boot region is %llu MiB: Linux maps only the first GiB of it; "
              "use a smaller initramfs or dom0_mem", (unsigned long long)(v_end - v_start) >> 20);
    s_time_t t_alloc = NOW();
    if (!allocate_memory(d, nr_pages))
        panic("not enough memory for dom0_mem=%llu MiB; lower dom0_mem",
              (unsigned long long)nr_pages >> 8);
    d->max_pages = nr_pages;

    s_time_t t_load = NOW();
#define GPA(va) ((va) - v_start)
    /* Kernel segments, loaded by physical address. */
    for (unsigned i = 0; i < elf.nr_segs; i++) {
        const struct pv_elf_seg *s = &elf.segs[i];
        u64 va = s->paddr + elf.virt_offset;
        gpa_write(GPA(va), kimg + s->offset, s->filesz);
        gpa_write(GPA(va) + s->filesz, NULL, s->memsz - s->filesz);
    }
    if (elf.has_hypercall_page)
        pv_write_hypercall_page(gpa_ptr(GPA(elf.hypercall_page)));
    if (initrd_len)
        gpa_write(GPA(v_initrd), __va(imod->start), initrd_len);
    if (kbuf)
        free_xenheap_contig(kbuf, kbuf_pages);

    s_time_t t_p2m = NOW();
    /* p2m list */
    for (unsigned c = 0; c < nr_chunks; c++)
        for (unsigned long i = 0; i < chunks[c].count; i++) {
            u64 mfn = chunks[c].mfn + i;
            gpa_write(GPA(v_p2m) + (chunks[c].pfn + i) * 8, &mfn, 8);
        }

    /* start_info */
    start_info_t *si = gpa_ptr(GPA(v_si));
    memset(si, 0, PAGE_SIZE);
    strlcpy(si->magic, elf.pae_yes ? "xen-3.0-x86_64p" : "xen-3.0-x86_64", sizeof(si->magic));
    si->nr_pages = nr_pages;
    si->shared_info = (u64)d->shared_info_mfn << PAGE_SHIFT;
    /* As Xen: dom0 may manage P- and C-states (SIF_PM_MASK bits 8-9). */
    si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN | (3u << 8);
    si->pt_base = v_pt;
    si->nr_pt_frames = nr_pt;
    si->mfn_list = v_p2m;
    si->mod_start = initrd_len ? v_initrd : 0;
    si->mod_len = initrd_len;
    strlcpy((char *)si->cmd_line, kmod->cmdline, sizeof(si->cmd_line));
    d->start_info_mfn = pfn_to_mfn(GPA(v_si) >> PAGE_SHIFT);

    /* Page tables: L4, L3s, L2s, L1s, in that order. */
    unsigned long pt_pfn = GPA(v_pt) >> PAGE_SHIFT, next = pt_pfn;
    gpa_write(GPA(v_pt), NULL, nr_pt * PAGE_SIZE);
    const u64 tflags = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
    unsigned long l4_pfn = next++;
    u64 *l4 = gpa_ptr((u64)l4_pfn << PAGE_SHIFT);
    pv_l4_hv_slots(d, &l4[HV_L4_FIRST_SLOT]);
    for (u64 va = v_start; va < v_end; va += PAGE_SIZE) {
        u64 *l3, *l2, *l1;
        if (!(l4[l4_index(va)] & _PAGE_PRESENT))
            l4[l4_index(va)] = ((u64)pfn_to_mfn(next++) << PAGE_SHIFT) | tflags;
        l3 = mfn_to_virt((l4[l4_index(va)] & PADDR_MASK) >> PAGE_SHIFT);
        if (!(l3[l3_index(va)] & _PAGE_PRESENT))
            l3[l3_index(va)] = ((u64)pfn_to_mfn(next++) << PAGE_SHIFT) | tflags;
        l2 = mfn_to_virt((l3[l3_index(va)] & PADDR_MASK) >> PAGE_SHIFT);
        if (!(l2[l2_index(va)] & _PAGE_PRESENT))
            l2[l2_index(va)] = ((u64)pfn_to_mfn(next++) << PAGE_SHIFT) | tflags;
        l1 = mfn_to_virt((l2[l2_index(va)] & PADDR_MASK) >> PAGE_SHIFT);
        unsigned long pfn = GPA(va) >> PAGE_SHIFT;
        u64 flags = tflags;
        if (pfn >= pt_pfn && pfn < pt_pfn + nr_pt)
            flags &= ~_PAGE_RW;               /* page tables are never writable */
        l1[l1_index(va)] = ((u64)pfn_to_mfn(pfn) << PAGE_SHIFT) | flags;
    }
    BUG_ON(next - pt_pfn > nr_pt);
    gpa_write(GPA(v_stack), NULL, PAGE_SIZE);

    s_time_t t_validate = NOW();
    int rc = pv_mm_adopt_initial_tables(v, pfn_to_mfn(l4_pfn));
    if (rc)
        panic("dom0: the initial page tables did not validate (%d)", rc);

    /* Start-of-day registers: everything zero but these. */
    memset(&v->regs, 0, sizeof(v->regs));
    v->regs.rip = elf.virt_entry;
    v->regs.rsp = v_stack + PAGE_SIZE;
    v->regs.rsi = v_si;
    v->regs.cs = FLAT_KERNEL_CS;
    v->regs.ss = FLAT_KERNEL_SS;
    v->regs.rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
    v->pv.initialised = true;
    if (elf.f_supported & (1u << XENFEAT_pae_pgdir_above_4gb))
        d->vm_assist |= 1ul << VMASST_TYPE_pae_extended_cr3;
    v->pv.kernel_ss = FLAT_KERNEL_SS;
    v->pv.kernel_sp = v->regs.rsp;

    printk("dom0: %s kernel '%s', %llu MiB, entry %#llx; region %#llx-%#llx "
           "(kernel %#llx-%#llx, initrd %llu KiB, p2m %#llx, start_info %#llx, %lu page tables)\n",
           elf.guest_os[0] ? elf.guest_os : "PV", elf.guest_version,
           (unsigned long long)nr_pages >> 8, (unsigned long long)elf.virt_entry,
           (unsigned long long)v_start, (unsigned long long)v_end,
           (unsigned long long)elf.virt_kstart, (unsigned long long)elf.virt_kend,
           (unsigned long long)initrd_len >> 10, (unsigned long long)v_p2m,
           (unsigned long long)v_si, nr_pt);
    printk("dom0: command line '%s'\n", kmod->cmdline);
    printk(LOG_DEBUG "dom0 build: memory %lld ms, load %lld ms, p2m+tables %lld ms, validate %lld ms\n",
           (long long)(t_load - t_alloc) / 1000000, (long long)(t_p2m - t_load) / 1000000,
           (long long)(t_validate - t_p2m) / 1000000, (long long)(NOW() - t_validate) / 1000000);

    vcpu_unpause_flags(v, VPF_down);
    sched_start();
}
