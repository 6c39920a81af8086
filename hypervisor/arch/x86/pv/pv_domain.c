/*
 * Per-domain hypervisor state of PV guests: the L4 slots every guest L4
 * gets (the hypervisor's, the read-only M2P, the domain's own per-domain
 * area), the machine-to-phys table, shared hypervisor pages, and each
 * vCPU's GDT/LDT window in the per-domain area.
 *
 * Per-vCPU window (32 pages at PERDOMAIN_VIRT_START + id * 128 KiB):
 *   pages 0-13   the guest's GDT frames (a zero page where it has none)
 *   page  14     the running pCPU's reserved GDT page (selectors 0xe000+)
 *   pages 16-31  the guest's LDT frames, mapped on first use (#PF)
 */
#include <pvisor/spec_ctrl.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/traps.h>
#include <pvisor/xstate.h>
#include <pvisor/hypercall.h>
#include <string.h>

#define WINDOW_PAGES   32
#define LDT_FIRST_PAGE 16

u64 *percpu_gdt_page(unsigned int cpu);
void tlb_note_flush(void);
struct mm_env *arch_mm_env(void);

static void *zero_page;
unsigned long m2p_max_mfn;
static unsigned long *m2p_table;

/* ---- machine-to-phys ----------------------------------------------- */

void m2p_init(void)
{
    size_t bytes = ROUNDUP((size_t)max_mfn * sizeof(unsigned long), PAGE_SIZE);
    unsigned int order = 0;

    while ((PAGE_SIZE << order) < bytes)
        order++;
    m2p_table = alloc_xenheap_pages(order);
    if (!m2p_table)
        panic("no memory for the machine-to-phys table (%zu KiB)", bytes >> 10);
    memset(m2p_table, 0xff, bytes);              /* INVALID_M2P_ENTRY */
    m2p_max_mfn = max_mfn;
    map_user_readonly(M2P_VIRT_START, __pa(m2p_table), bytes);
    zero_page = alloc_xenheap_page();
    if (!zero_page)
        panic("no memory for the zero page");
}

void m2p_set(unsigned long mfn, unsigned long pfn)
{
    if (mfn < m2p_max_mfn)
        __atomic_store_n(&m2p_table[mfn], pfn, __ATOMIC_RELEASE);
}

/* The machine frame holding M2P entry `index` (for machphys_mfn_list). */
unsigned long m2p_backing_mfn(unsigned long index)
{
    return virt_to_mfn(&m2p_table[index]);
}

unsigned long m2p_get(unsigned long mfn)
{
    return mfn < m2p_max_mfn ? m2p_table[mfn] : ~0ul;
}

/* ---- L4 slots and the per-domain area -------------------------------- */

void pv_l4_hv_slots(const struct domain *d, u64 slots[16])
{
    for (unsigned i = 0; i < 16; i++)
        slots[i] = idle_pg_table[HV_L4_FIRST_SLOT + i];
    slots[l4_index(PERDOMAIN_VIRT_START) - HV_L4_FIRST_SLOT] =
        __pa(d->arch.perdomain_l3) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
    /* The RO M2P appears only once an L4 serves as a kernel table (see
     * pv_l4_fill_m2p): guest user mode never sees it, as on Xen. */
    slots[l4_index(M2P_VIRT_START) - HV_L4_FIRST_SLOT] = 0;
}

void pv_l4_fill_m2p(unsigned long l4mfn)
{
    u64 *l4 = mfn_to_virt(l4mfn);
    unsigned int slot = l4_index(M2P_VIRT_START);

    if (!l4[slot])
        __atomic_store_n(&l4[slot], idle_pg_table[slot], __ATOMIC_RELEASE);
}

static unsigned long window_va(const struct vcpu *v)
{
    return PERDOMAIN_VIRT_START + (unsigned long)v->vcpu_id * WINDOW_PAGES * PAGE_SIZE;
}

/* The L1 entry for va in d's per-domain area, creating tables. */
static u64 *perdomain_l1e(struct domain *d, unsigned long va)
{
    u64 *l3 = d->arch.perdomain_l3, *l2, *l1;

    if (!(l3[l3_index(va)] & _PAGE_PRESENT)) {
        void *p = alloc_xenheap_page();
        if (!p)
            return NULL;
        l3[l3_index(va)] = __pa(p) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
    }
    l2 = __va(l3[l3_index(va)] & PADDR_MASK);
    if (!(l2[l2_index(va)] & _PAGE_PRESENT)) {
        void *p = alloc_xenheap_page();
        if (!p)
            return NULL;
        l2[l2_index(va)] = __pa(p) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
    }
    l1 = __va(l2[l2_index(va)] & PADDR_MASK);
    return &l1[l1_index(va)];
}

/* log2 of the frames per relinquish chunk (asm/domain.h): the frame
 * table is fixed once the first domain is made. */
static unsigned int relmem_shift;

#define CHUNK_WORD_BITS (8 * sizeof(unsigned long))

static bool relmem_chunk_marked(const struct domain *d, unsigned long chunk)
{
    return __atomic_load_n(&d->arch.relmem_chunks[chunk / CHUNK_WORD_BITS], __ATOMIC_SEQ_CST) &
           (1ul << (chunk % CHUNK_WORD_BITS));
}

int arch_domain_init(struct domain *d)
{
    if (!relmem_shift) {
        unsigned int s = 9;
        while (((max_mfn - 1) >> s) >= RELMEM_CHUNKS)
            s++;
        relmem_shift = s;
    }
    d->arch.mfn_lo = ~0ul;
    d->arch.mfn_hi = 0;
    vpit2_init(&d->arch.vpit);
    d->arch.vpit_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->arch.perdomain_l3 = alloc_xenheap_page();
    if (!d->arch.perdomain_l3)
        return -XEN_ENOMEM;
    d->mm.domid = d->domain_id;
    d->mm.max_vcpus = d->max_vcpus;
    d->mm.check_l1tf = spec_pv_l1tf(d->domain_id == 0);    /* dom0 is the hardware domain */
    arch_share_xen_page(d, d->shared_info_mfn);
    return 0;
}

static void free_perdomain(u64 *table, int level)
{
    for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
        if (table[i] & _PAGE_PRESENT)
            free_perdomain(__va(table[i] & PADDR_MASK), level - 1);
    free_xenheap_page(table);
}

void arch_domain_destroy(struct domain *d)
{
    pv_forget_domain(d);
    if (d->arch.perdomain_l3)
        free_perdomain(d->arch.perdomain_l3, 3);
    d->arch.perdomain_l3 = NULL;
}

void arch_share_xen_page(struct domain *d, unsigned long mfn)
{
    struct frame *f = mfn_to_frame(mfn);

    f->state = FRAME_HV;
    f->owner = d->domain_id;
    f->flags |= FRAMEF_SHARED_XEN;
    mm_frame_init_shared(f, true);
}

void arch_unshare_xen_page(void *va)
{
    unsigned long mfn = virt_to_mfn(va);
    struct frame *f = mfn_to_frame(mfn);
    struct mm_env *env = arch_mm_env();

    if (!(f->flags & FRAMEF_SHARED_XEN)) {
        free_xenheap_page(va);
        return;
    }
    /* No new mapping can take it from here on (rule 1 looks at the owner). */
    __atomic_store_n(&f->owner, DOMID_XEN, __ATOMIC_SEQ_CST);
    __atomic_and_fetch(&f->flags, (u16)~FRAMEF_SHARED_XEN, __ATOMIC_SEQ_CST);
    mm_put_type(env, NULL, mfn, 0);     /* the type it held for good */
    mm_frame_release(env, mfn);         /* the last reference frees it */
}

int arch_vcpu_init(struct vcpu *v)
{
    mm_vcpu_init(&v->mm, &v->domain->mm, v->vcpu_id);
    v->mm.kernel_mode = true;
    v->gdt_mapped_cpu = ~0u;
    v->regs.cs = FLAT_KERNEL_CS;
    v->regs.ss = FLAT_KERNEL_SS;
    v->regs.rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
    vcpu_poll_timer_init(v);
    vcpu_timers_init(v);
    if (xstate_vcpu_init(v))
        return -XEN_ENOMEM;
    pv_gdt_remap(v);
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    vcpu_timers_kill(v);
    xstate_vcpu_free(v);
}

void arch_show_guest_state(struct vcpu *v, const struct cpu_regs *regs)
{
    show_guest_state(v, regs);
}

/* ---- a dying domain gives back what it holds ------------------------ */

enum relmem_step {
    RELMEM_VCPUS,       /* each vCPU's tables, GDT/LDT, vcpu_info page */
    RELMEM_TABLES,      /* each pinned or parked table let go: the page
                         * tables devalidated, their entries' references
                         * dropped */
    RELMEM_FRAMES,      /* each frame: its allocation reference dropped
                         * (and anything the first pass missed) */
    RELMEM_DRAIN,       /* the vCPUs' deferred puts finished */
    RELMEM_DONE,
};

/* Frames are found by scanning the frame table (a domain's frames are
 * counted, not listed); preemption is checked every RELMEM_BATCH of it. */
#define RELMEM_BATCH 1024

/* A reference on mfn if d owns it as an ordinary frame (never its shared
 * hypervisor pages: those go with the domain's struct). */
static bool relmem_get(struct mm_env *env, struct domain *d, unsigned long mfn)
{
    if (mfn_to_frame(mfn)->owner != d->domain_id || !mm_get_page(env, mfn, &d->mm))
        return false;
    if (__atomic_load_n(&mfn_to_frame(mfn)->state, __ATOMIC_ACQUIRE) == FRAME_DOMAIN)
        return true;
    mm_put_page(env, mfn);
    return false;
}

/* Widen [mfn_lo, mfn_hi) to cover mfn (vCPUs may add frames at once). */
void arch_note_frame(struct domain *d, unsigned long mfn)
{
    arch_note_frames(d, mfn, 1);
}

void arch_note_frames(struct domain *d, unsigned long mfn, unsigned long n)
{
    unsigned long lo = __atomic_load_n(&d->arch.mfn_lo, __ATOMIC_RELAXED);
    unsigned long hi = __atomic_load_n(&d->arch.mfn_hi, __ATOMIC_RELAXED);
    unsigned long end = mfn + n;

    while (mfn < lo && !__atomic_compare_exchange_n(&d->arch.mfn_lo, &lo, mfn, false,
                                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    while (end > hi && !__atomic_compare_exchange_n(&d->arch.mfn_hi, &hi, end, false,
                                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    for (unsigned long chunk = mfn >> relmem_shift; chunk <= (end - 1) >> relmem_shift; chunk++)
        if (!relmem_chunk_marked(d, chunk))
            __atomic_fetch_or(&d->arch.relmem_chunks[chunk / CHUNK_WORD_BITS],
                              1ul << (chunk % CHUNK_WORD_BITS), __ATOMIC_SEQ_CST);
}

static struct vcpu *any_vcpu(struct domain *d)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            return d->vcpu[i];
    return NULL;
}

/* Unpin a table (and finish a parked one): the whole tree under it is
 * devalidated, each entry's references dropped, once nothing else uses
 * it. -ERESTART: the same frame again next time. */
static int relmem_table(struct mm_env *env, struct domain *d, struct vcpu *v, unsigned long mfn)
{
    int rc;

    if (!relmem_get(env, d, mfn))
        return 0;
    rc = mm_frame_teardown(env, &v->mm, mfn);
    mm_put_page(env, mfn);
    return rc;
}

/* Give back a frame: with the tables gone first, its allocation is mostly
 * its only reference, and it is freed at once. Otherwise (a mapping of
 * another domain's, a grant, a table the first pass did not see) the
 * reference goes as before and the last holder frees it (no linear page
 * tables, rule 9: every reference chain ends at a pin, a vCPU's base
 * pointer or a parked state, all of which this undoes). */
static int relmem_frame(struct mm_env *env, struct domain *d, struct vcpu *v, unsigned long mfn)
{
    int rc = 0;

    if (mm_frame_reap(env, mfn, &d->mm) || !relmem_get(env, d, mfn))
        return 0;
    if (v)          /* without vCPUs nothing could pin or type it */
        rc = mm_frame_teardown(env, &v->mm, mfn);
    if (!rc)
        mm_frame_release(env, mfn);
    mm_put_page(env, mfn);
    return rc;
}

/* One pass over the domain's part of the frame table from
 * d->arch.relmem_cursor: first the tables (so that their entries'
 * references are gone), then every frame (Xen's relinquish_memory does
 * the same per type, top level first). */
static int relmem_frames(struct domain *d, bool tables)
{
    struct mm_env *env = arch_mm_env();
    struct vcpu *v = any_vcpu(d);
    unsigned long *mfn = &d->arch.relmem_cursor;
    unsigned long end = d->arch.mfn_hi < max_mfn ? d->arch.mfn_hi : max_mfn;

    if (tables && !v)
        return 0;   /* without vCPUs nothing could pin or type a frame */
    if (*mfn < d->arch.mfn_lo)
        *mfn = d->arch.mfn_lo;
    while (*mfn < end) {
        /* A batch done before asking, so every call makes progress. */
        unsigned long m = *mfn, stop = (m | (RELMEM_BATCH - 1)) + 1;

        if (stop > end)
            stop = end;
        while (m < stop) {
            unsigned long chunk_end = ((m >> relmem_shift) + 1) << relmem_shift;

            if (!relmem_chunk_marked(d, m >> relmem_shift)) {
                m = chunk_end;
                continue;
            }
            if (chunk_end > stop)
                chunk_end = stop;
            for (; m < chunk_end; m++) {
                int rc;

                /* only pinned or parked tables hold a tree: a load each
                 * (a hint: relmem_table looks again under a reference) */
                if (tables && !(__atomic_load_n(&mfn_to_frame(m)->type_info, __ATOMIC_RELAXED) &
                                (PGT_PINNED | PGT_PARTIAL)))
                    continue;
                /* frames held by their allocation alone: reaped in runs */
                if (!tables && (m += pv_mm_reap_frames(d, m, chunk_end - m)) == chunk_end)
                    break;
                rc = tables ? relmem_table(env, d, v, m) : relmem_frame(env, d, v, m);
                if (rc) {
                    *mfn = m;
                    return rc;  /* the same frame again next time */
                }
            }
        }
        *mfn = m;
        if (m < end && hypercall_preempt_check())
            return -XEN_ERESTART;
    }
    return 0;
}

/* One flush per batch of freed frames, not one per frame. */
static int relmem_pass(struct domain *d, bool tables)
{
    int rc;

    pv_mm_free_batch_begin();
    rc = relmem_frames(d, tables);
    pv_mm_free_batch_end();
    return rc;
}

/* The vCPUs' deferred puts (a devalidation the pass left parked). */
static int relmem_drain(struct domain *d)
{
    struct mm_env *env = arch_mm_env();
    int rc = 0;

    pv_mm_free_batch_begin();
    for (unsigned int i = 0; i < d->max_vcpus && !rc; i++)
        if (d->vcpu[i])
            rc = mm_drain_deferred(env, &d->vcpu[i]->mm);
    pv_mm_free_batch_end();
    return rc;
}

int arch_domain_relinquish_resources(struct domain *d)
{
    struct arch_domain *a = &d->arch;
    struct mm_env *env = arch_mm_env();
    int rc;

    switch (a->relmem_step) {
    case RELMEM_VCPUS:
        for (; a->relmem_cursor < d->max_vcpus; a->relmem_cursor++) {
            struct vcpu *v = d->vcpu[a->relmem_cursor];

            if (!v)
                continue;
            vcpu_timers_kill(v);
            if (v->vcpu_info_mfn) {
                unsigned int id = v->vcpu_id < XEN_LEGACY_MAX_VCPUS ? v->vcpu_id : 0;

                v->vcpu_info = &d->shared_info->vcpu_info[id];
                pv_mm_put_writable_page(v->vcpu_info_mfn);
                v->vcpu_info_mfn = 0;
            }
            rc = mm_vcpu_teardown(env, &v->mm);
            if (rc)
                return rc;
        }
        a->relmem_step = RELMEM_TABLES;
        a->relmem_cursor = 0;
        /* fall through */
    case RELMEM_TABLES:
        rc = relmem_pass(d, true);
        if (rc)
            return rc;
        a->relmem_step = RELMEM_FRAMES;
        a->relmem_cursor = 0;
        /* fall through */
    case RELMEM_FRAMES:
        rc = relmem_pass(d, false);
        if (rc)
            return rc;
        a->relmem_step = RELMEM_DRAIN;
        /* fall through */
    case RELMEM_DRAIN:
        rc = relmem_drain(d);
        if (rc)
            return rc;
        a->relmem_step = RELMEM_DONE;
        /* fall through */
    default:
        return 0;
    }
}

/* ---- GDT and LDT windows --------------------------------------------- */

#define WIN_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)

void pv_gdt_remap(struct vcpu *v)
{
    unsigned long va = window_va(v);
    unsigned int nr = (v->mm.gdt_ents + 511) / 512;

    for (unsigned i = 0; i < FIRST_RESERVED_GDT_PAGE; i++) {
        u64 *e = perdomain_l1e(v->domain, va + i * PAGE_SIZE);
        if (!e)
            panic("no memory for a vCPU's GDT window");
        if (i < nr && v->mm.gdt_frames[i])
            *e = ((u64)v->mm.gdt_frames[i] << PAGE_SHIFT) | WIN_FLAGS;
        else
            *e = __pa(zero_page) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX;
        if (v == current)
            invlpg(va + i * PAGE_SIZE);
    }
    v->gdt_mapped_cpu = ~0u;
    if (v == current)
        pv_load_gdt(v);
}

void pv_ldt_unmap(struct vcpu *v)
{
    unsigned long va = window_va(v) + LDT_FIRST_PAGE * PAGE_SIZE;

    for (unsigned i = 0; i < MM_LDT_FRAMES; i++) {
        u64 *e = perdomain_l1e(v->domain, va + i * PAGE_SIZE);
        if (e && *e) {
            *e = 0;
            if (v == current)
                invlpg(va + i * PAGE_SIZE);
        }
    }
    if (v == current)
        pv_load_gdt(v);
}

enum ldt_demand { LDT_NOT_OURS, LDT_MAPPED, LDT_REFUSED };

/*
 * A descriptor load by the CPU touched v's LDT window: map the LDT page it
 * wants. Those loads are supervisor accesses even from ring 3, never
 * reserved-bit faults; a fault with PFEC_user is the guest touching the
 * window itself (as Xen, it gets its #PF: mapping for it would only make
 * it fault again, for ever).
 */
static enum ldt_demand ldt_map_on_demand(struct vcpu *v, unsigned long cr2, u32 err, mfn_t *mfn)
{
    unsigned long base = window_va(v) + LDT_FIRST_PAGE * PAGE_SIZE;
    u64 *e;

    if ((err & (PFEC_user | PFEC_reserved)) || cr2 < base ||
        cr2 >= base + MM_LDT_FRAMES * PAGE_SIZE || !v->mm.ldt_ents)
        return LDT_NOT_OURS;
    if (mm_ldt_map_page(arch_mm_env(), &v->mm, (unsigned int)(cr2 - base), mfn))
        return LDT_REFUSED;
    e = perdomain_l1e(v->domain, cr2 & PAGE_MASK);
    if (!e)
        return LDT_REFUSED;
    *e = ((u64)*mfn << PAGE_SHIFT) | WIN_FLAGS;
    invlpg(cr2 & PAGE_MASK);
    return LDT_MAPPED;
}

/* A guest segment load touched an LDT page not mapped yet. */
bool pv_ldt_fault(struct vcpu *v, struct cpu_regs *regs, unsigned long cr2, u32 err)
{
    unsigned long base = window_va(v) + LDT_FIRST_PAGE * PAGE_SIZE;
    mfn_t mfn;

    switch (ldt_map_on_demand(v, cr2, err, &mfn)) {
    case LDT_NOT_OURS:
        return false;
    case LDT_REFUSED:
        /* as Xen: the guest sees a #PF at the LDT entry's own address */
        pv_inject_page_fault(v, v->mm.ldt_base + (cr2 - base), 0);
        pv_apply_trap_bounce(v, regs);
        return true;
    default:
        return true;
    }
}

/*
 * The same fault taken in the hypervisor: iretq to the guest or a context
 * switch loading the guest's selectors, both with interrupts off. Map the
 * page and retry the instruction; false leaves the fault to the exception
 * table (the guest then sees what a refused load gives it). Mapping may
 * retype the frame and flush other CPUs' TLBs by IPI, so interrupts are
 * on meanwhile (as Xen's iret fixup does): nothing on those paths relies
 * on them being off across this instruction.
 */
bool pv_ldt_fault_hypervisor(unsigned long cr2, u32 err)
{
    struct vcpu *v = current;
    enum ldt_demand r;
    mfn_t mfn;

    if (is_idle_vcpu(v))
        return false;
    local_irq_enable();
    r = ldt_map_on_demand(v, cr2, err, &mfn);
    local_irq_disable();
    return r == LDT_MAPPED;
}

/* Point GDTR (and LDTR) at v's window; called with v current. */
void pv_load_gdt(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    unsigned long va = window_va(v);
    u64 *gdt = percpu_gdt_page(cpu);
    struct { u16 limit; u64 base; } __attribute__((packed)) gdtr;

    if (v->gdt_mapped_cpu != cpu) {
        u64 *e = perdomain_l1e(v->domain, va + FIRST_RESERVED_GDT_PAGE * PAGE_SIZE);
        *e = __pa(gdt) | WIN_FLAGS;
        invlpg(va + FIRST_RESERVED_GDT_PAGE * PAGE_SIZE);
        v->gdt_mapped_cpu = cpu;
    }
    gdtr.limit = LAST_RESERVED_GDT_BYTE;
    gdtr.base = va;
    __asm__ __volatile__("lgdt %0" :: "m"(gdtr));
    if (v->mm.ldt_ents) {
        unsigned long base = va + LDT_FIRST_PAGE * PAGE_SIZE;
        u32 limit = v->mm.ldt_ents * 8 - 1;
        u64 *d = &gdt[GDT_ENTRY(LDT_SELECTOR)];
        d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82ull << 40) |
               ((u64)((limit >> 16) & 0xf) << 48) | ((u64)((base >> 24) & 0xff) << 56);
        d[1] = base >> 32;
        __asm__ __volatile__("lldt %w0" :: "r"(LDT_SELECTOR));
    } else {
        __asm__ __volatile__("lldt %w0" :: "r"(0));
    }
}

/* Back to the pCPU's own GDT (idle, or before a CR3 switch). */
void pv_load_percpu_gdt(void)
{
    u64 *gdt = percpu_gdt_page(smp_processor_id());
    struct { u16 limit; u64 base; } __attribute__((packed)) gdtr = {
        LAST_RESERVED_GDT_BYTE, (u64)(unsigned long)gdt - FIRST_RESERVED_GDT_BYTE,
    };
    __asm__ __volatile__("lgdt %0; lldt %w1" :: "m"(gdtr), "r"(0));
}
