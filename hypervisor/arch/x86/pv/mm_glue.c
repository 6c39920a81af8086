/*
 * Glue between the hypervisor and the memory-safety module (common/mm/):
 * the environment it runs in (frame contents through the direct map, guest
 * memory, TLB flushing, CR3/GDT reloads, freeing frames) and the
 * page-table hypercalls, writable-page-table faults and multicall built on
 * it. The rules themselves live in the module (see pvisor/mm.h).
 */
#include <pvisor/pv_mm.h>
#include <pvisor/pv.h>
#include <pvisor/hypercall.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <pvisor/spec_ctrl.h>
#include <pvisor/softirq.h>
#include <pvisor/guest_access.h>
#include <pvisor/perfc.h>
#include <pvisor/tlb_clock.h>
#include <pvisor/cpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <string.h>

static struct mm_env env;

static struct vcpu *mm_to_vcpu(struct mm_vcpu *mv)
{
    return container_of(mv, struct vcpu, mm);
}

static struct domain *mm_to_domain(const struct mm_domain *md)
{
    return container_of(md, struct domain, mm);
}

/* ---- TLB flush clock (rule 14) ----------------------------------------- */

static u32 tlb_clock = 1;
static volatile u32 cpu_flush_time[CONFIG_NR_CPUS];

/* Every CR3 load flushes all guest translations (they are never global). */
void tlb_note_flush(void)
{
    bool lead;

    perfc_incr(PERFC_cr3_write);
    cpu_flush_time[smp_processor_id()] = tlb_clock_tick(&tlb_clock, TLB_CLOCK_WRAP_MASK, &lead);
    if (lead)      /* we may be in an IPI or have interrupts off: defer */
        raise_softirq(TLB_CLOCK_SOFTIRQ);
}

/* The domain whose translations each CPU may hold: set before a guest's
 * CR3 is loaded, cleared after the idle tables are (both flush everything
 * of the previous owner). A flusher that reads another domain here after
 * writing its entries knows that CPU will load them fresh. */
static struct domain *volatile cpu_tlb_owner[CONFIG_NR_CPUS];

void tlb_note_owner(struct domain *d)
{
    __atomic_store_n(&cpu_tlb_owner[smp_processor_id()], d, __ATOMIC_SEQ_CST);
}

static u64 cpus_holding(const struct domain *d)
{
    u64 mask = 0;

    for (unsigned int c = 0; c < nr_cpus_online; c++)
        if (__atomic_load_n(&cpu_tlb_owner[c], __ATOMIC_SEQ_CST) == d)
            mask |= 1ull << c;
    return mask;
}

static void flush_here(void *arg)
{
    (void)arg;
    write_cr3(read_cr3());
    tlb_note_flush();
}

/* This CPU's flush wrapped the clock: flush every other CPU (this one
 * flushed just before), then start the new period. */
void tlb_clock_new_period(void)
{
    perfc_incr(PERFC_tlb_clock_wrap);
    smp_call_function(flush_here, NULL, true);
    tlb_clock_restart(&tlb_clock);
}

static u32 op_tlbflush_clock(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&tlb_clock, __ATOMIC_SEQ_CST);
}

static void op_flush_all_since(void *ctx, u32 stamp)
{
    u32 now = __atomic_load_n(&tlb_clock, __ATOMIC_SEQ_CST);
    u64 remote = 0;

    (void)ctx;
    for (unsigned c = 0; c < nr_cpus_online; c++) {
        if (!tlb_clock_need_flush(now, cpu_flush_time[c], stamp))
            continue;
        if (c == smp_processor_id()) {
            perfc_incr(PERFC_tlb_flush_stamp);
            flush_here(NULL);
        }
        else
            remote |= 1ull << c;
    }
    if (remote)
        smp_call_function_mask(remote, flush_here, NULL, true);
}

static void op_flush_guest(void *ctx, struct mm_vcpu *mv, unsigned int kind,
                           const u64 *mask, u64 va)
{
    (void)ctx;
    (void)mask;
    if ((kind & MM_FLUSH_INVLPG) && !(kind & (MM_FLUSH_MASK | MM_FLUSH_ALL))) {
        perfc_incr(PERFC_tlb_invlpg_guest);
        invlpg(va);
        return;
    }
    perfc_incr(PERFC_tlb_flush_guest);
    flush_here(NULL);
    /* Other vCPUs of the domain may run elsewhere: only the CPUs that may
     * hold its translations, never those running other domains. */
    if ((kind & (MM_FLUSH_MASK | MM_FLUSH_ALL)) && mm_to_vcpu(mv)->domain->max_vcpus > 1) {
        u64 cpus = cpus_holding(mm_to_vcpu(mv)->domain);

        if (cpus & ~(1ull << smp_processor_id()))
            perfc_incr(PERFC_tlb_flush_guest_ipi);
        smp_call_function_mask(cpus, flush_here, NULL, true);
    }
}

static void op_flush_cache(void *ctx, bool global)
{
    (void)ctx;
    (void)global;
    wbinvd();
}

/* ---- frames ---------------------------------------------------------- */

static const u64 *op_map_frame(void *ctx, mfn_t mfn)
{
    (void)ctx;
    return mfn_to_virt(mfn);
}

static u64 op_entry_cmpxchg(void *ctx, mfn_t mfn, unsigned int idx, u64 old, u64 val)
{
    u64 *p = (u64 *)mfn_to_virt(mfn) + idx;

    (void)ctx;
    __atomic_compare_exchange_n(p, &old, val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return old;
}

static void op_entry_write(void *ctx, mfn_t mfn, unsigned int idx, u64 val)
{
    (void)ctx;
    __atomic_store_n((u64 *)mfn_to_virt(mfn) + idx, val, __ATOMIC_SEQ_CST);
}

static void op_frame_clear(void *ctx, mfn_t mfn)
{
    (void)ctx;
    memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
}

static void op_frame_copy(void *ctx, mfn_t dst, mfn_t src)
{
    (void)ctx;
    memcpy(mfn_to_virt(dst), mfn_to_virt(src), PAGE_SIZE);
}

static void free_frame_now(mfn_t mfn)
{
    struct frame *f = mfn_to_frame(mfn);
    struct domain *d;

    /* Rule 14: no CPU may still translate to it once the heap has it. */
    op_flush_all_since(NULL, mm_frame_stamp(f));
    /* The owner may be dying: it lives until its last frame is gone. */
    if (f->state == FRAME_DOMAIN && (d = get_domain_by_id_any((domid_t)f->owner))) {
        domain_remove_page(d, mfn);
        put_domain(d);
    }
    free_domheap_pages(mfn, 0);
}

/* A frame is stamped when its last reference goes, so freeing frames one
 * by one flushes (reloads CR3) once per frame: a domain's relinquish would
 * load CR3 once per page, which is what made destroy slow under TCG. In a
 * batch the freed frames wait (count 0, still their owner's, so
 * nothing can take them) and one flush then covers every stamp before any
 * of them reaches the heap. Per CPU: a hypercall does not change CPU. */
#define FREE_BATCH_MAX 512        /* a 2 MiB extent goes back as one block */

/* owner: the domain every frame in the batch belongs to (a relinquish's
 * batch is one domain's), or BATCH_MIXED. */
#define BATCH_MIXED DOMID_INVALID

struct free_batch {
    bool open;
    unsigned int n;
    u32 owner;
    mfn_t mfn[FREE_BATCH_MAX];
};

/* The batch gains frames of owner (BATCH_MIXED: not a domain's). */
static void batch_note_owner(struct free_batch *b, u32 owner)
{
    if (!b->n)
        b->owner = owner;
    else if (b->owner != owner)
        b->owner = BATCH_MIXED;
}

static struct free_batch free_batches[CONFIG_NR_CPUS];

static void free_batch_drain(struct free_batch *b)
{
    unsigned int n = b->n;
    u32 owner = b->owner;
    bool open = b->open;

    /* Frees that the drain causes (a domain's last frame) go straight on. */
    b->open = false;
    b->n = 0;
    /* Rule 14 before any frame reaches the heap: a flush per distinct
     * stamp (frames freed between two flushes share one). */
    u32 stamp = 0;
    for (unsigned int i = 0; i < n; i++) {
        u32 s = mm_frame_stamp(mfn_to_frame(b->mfn[i]));

        if (!i || s != stamp)
            op_flush_all_since(NULL, stamp = s);
    }
    /* Off their owners' counts: one lookup and one lock per owner's run,
     * the whole batch at once when it is one domain's. The owner may be
     * dying: it lives until its last frame is gone. */
    for (unsigned int i = 0, j; i < n; i = j) {
        const struct frame *f = mfn_to_frame(b->mfn[i]);
        struct domain *d;

        if (owner != BATCH_MIXED) {
            j = n;
        } else {
            for (j = i + 1; j < n && f->state == FRAME_DOMAIN; j++) {
                const struct frame *g = mfn_to_frame(b->mfn[j]);
                if (g->state != FRAME_DOMAIN || g->owner != f->owner)
                    break;
            }
        }
        if (f->state == FRAME_DOMAIN && (d = get_domain_by_id_any((domid_t)f->owner))) {
            domain_remove_pages(d, b->mfn + i, j - i);
            put_domain(d);
        }
    }
    free_domheap_frames(b->mfn, n);
    b->open = open;
}

void pv_mm_free_batch_begin(void)
{
    free_batches[smp_processor_id()].open = true;
}

void pv_mm_free_batch_end(void)
{
    struct free_batch *b = &free_batches[smp_processor_id()];

    b->open = false;
    free_batch_drain(b);
}

unsigned long pv_mm_reap_frames(struct domain *d, unsigned long mfn, unsigned long n)
{
    struct free_batch *b = &free_batches[smp_processor_id()];
    unsigned int k = b->n;
    unsigned long done;

    if (!b->open)
        return 0;                   /* every frame the long way */
    done = mm_frames_reap(&env, mfn, n, &d->mm, b->mfn, &k, FREE_BATCH_MAX);
    if (k != b->n)
        batch_note_owner(b, d->domain_id);      /* all d's, FRAME_DOMAIN */
    b->n = k;
    return done;
}

static void op_free_frame(void *ctx, mfn_t mfn)
{
    struct free_batch *b = &free_batches[smp_processor_id()];
    const struct frame *f;

    (void)ctx;
    if (!b->open) {
        free_frame_now(mfn);
        return;
    }
    if (b->n == FREE_BATCH_MAX)
        free_batch_drain(b);
    /* count 0 and still its owner's until the drain: stable meanwhile */
    f = mfn_to_frame(mfn);
    batch_note_owner(b, f->state == FRAME_DOMAIN ? f->owner : BATCH_MIXED);
    b->mfn[b->n++] = mfn;
}

/* ---- guests and domains -------------------------------------------- */

/* The pure modules (mm, gnttab) get the addresses of the handles the
 * hypercalls were given and copy through these: raw VAs past the door. */
static int op_copy_from_guest(void *ctx, struct mm_vcpu *v, void *dst, u64 gva, size_t len)
{
    (void)ctx;
    (void)v;
    return copy_from_guest_va(dst, gva, len);
}

static int op_copy_to_guest(void *ctx, struct mm_vcpu *v, u64 gva, const void *src, size_t len)
{
    (void)ctx;
    (void)v;
    return copy_to_guest_va(gva, src, len);
}

/* The module holds what it looks up until the hypercall is done with it.
 * Dying domains too, as Xen's get_pg_owner: their frames map until freed,
 * and pins for them are undone at once (mm.dying). */
static struct mm_domain *op_lookup_domain(void *ctx, u16 domid)
{
    struct domain *d = get_domain_by_id_any(domid);

    (void)ctx;
    return d ? &d->mm : NULL;
}

static void op_put_domain(void *ctx, struct mm_domain *md)
{
    (void)ctx;
    put_domain(mm_to_domain(md));
}

static bool op_controls(void *ctx, const struct mm_domain *src, const struct mm_domain *t)
{
    (void)ctx;
    return domain_controls(mm_to_domain(src), mm_to_domain(t));
}

static struct mm_vcpu *op_domain_vcpu0(void *ctx, struct mm_domain *md)
{
    struct domain *d = mm_to_domain(md);

    (void)ctx;
    return d->vcpu[0] ? &d->vcpu[0]->mm : NULL;
}

static void op_l4_hv_slots(void *ctx, const struct mm_domain *md, mfn_t l4, u64 slots[16])
{
    (void)ctx;
    (void)l4;
    pv_l4_hv_slots(mm_to_domain(md), slots);
}

static void op_m2p_set(void *ctx, mfn_t mfn, u64 pfn)
{
    (void)ctx;
    m2p_set(mfn, pfn);
}

/* The policy is in iomem.c. */
static unsigned int op_iomem_access(void *ctx, const struct mm_domain *md, mfn_t mfn)
{
    (void)ctx;
    return pv_iomem_access(md, mfn);
}

/* ---- vCPU state changes --------------------------------------------- */

static void op_cr3_changed(void *ctx, struct mm_vcpu *mv)
{
    struct vcpu *v = mm_to_vcpu(mv);

    (void)ctx;
    perfc_incr(PERFC_cr3_changed);
    if (mv->guest_table)
        pv_l4_fill_m2p(mv->guest_table);
    if (v == current) {
        write_cr3(pv_guest_cr3(v));
        tlb_note_flush();
    }
}

static void op_gdt_changed(void *ctx, struct mm_vcpu *mv)
{
    (void)ctx;
    pv_gdt_remap(mm_to_vcpu(mv));
}

static void op_ldt_changed(void *ctx, struct mm_vcpu *mv)
{
    (void)ctx;
    pv_ldt_unmap(mm_to_vcpu(mv));
}

static bool op_preempt_check(void *ctx)
{
    (void)ctx;
    return hypercall_preempt_check();
}

static void op_relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static void op_crash_domain(void *ctx, const struct mm_domain *md, const char *why)
{
    (void)ctx;
    domain_crash(mm_to_domain(md), "%s", why);
}

static void op_log(void *ctx, const struct mm_log *rec)
{
    (void)ctx;
    gprintk(LOG_INFO "d%u: %s refused (%d): %s [%#llx %#llx]\n", rec->domid, rec->what,
            rec->rc, rec->why, (unsigned long long)rec->a, (unsigned long long)rec->b);
}

static const struct mm_env_ops env_ops = {
    .map_frame = op_map_frame,
    .entry_cmpxchg = op_entry_cmpxchg,
    .entry_write = op_entry_write,
    .frame_clear = op_frame_clear,
    .frame_copy = op_frame_copy,
    .copy_from_guest = op_copy_from_guest,
    .copy_to_guest = op_copy_to_guest,
    .lookup_domain = op_lookup_domain,
    .put_domain = op_put_domain,
    .controls = op_controls,
    .domain_vcpu0 = op_domain_vcpu0,
    .l4_hv_slots = op_l4_hv_slots,
    .m2p_set = op_m2p_set,
    .iomem_access = op_iomem_access,
    .tlbflush_clock = op_tlbflush_clock,
    .flush_all_since = op_flush_all_since,
    .flush_guest = op_flush_guest,
    .flush_cache = op_flush_cache,
    .cr3_changed = op_cr3_changed,
    .gdt_changed = op_gdt_changed,
    .ldt_changed = op_ldt_changed,
    .free_frame = op_free_frame,
    .preempt_check = op_preempt_check,
    .relax = op_relax,
    .log = op_log,
    .crash_domain = op_crash_domain,
};

void pv_mm_init(void)
{
    env.ops = &env_ops;
    env.ctx = NULL;
    env.frames = frame_table;
    env.nr_frames = max_mfn;
    env.direct_map = (const u8 *)mfn_to_virt(0);
    env.tlb_clock = &tlb_clock;
    spec_l1tf_limits(&env.l1tf_addr_mask, &env.l1tf_safe_maddr);
}

struct mm_env *arch_mm_env(void)
{
    return &env;
}

/* ---- frames given to domains ---------------------------------------- */

static void assign_frame(struct domain *d, unsigned long mfn)
{
    struct frame *f = mfn_to_frame(mfn);

    f->state = FRAME_DOMAIN;
    f->owner = d->domain_id;
    mm_frame_init_allocated(f);
    arch_note_frame(d, mfn);
}

void arch_assign_page(struct domain *d, unsigned long mfn)
{
    assign_frame(d, mfn);
    domain_add_page(d, mfn);
}

/* A frame whose room in max_pages domain_reserve_pages() already took. */
void arch_assign_reserved_page(struct domain *d, unsigned long mfn)
{
    arch_assign_reserved_pages(d, mfn, 1);
}

/* An extent: each frame's owner and allocation reference, then the
 * range noted and the run put on d's list once. */
void arch_assign_reserved_pages(struct domain *d, unsigned long mfn, unsigned long n)
{
    for (unsigned long k = 0; k < n; k++) {
        struct frame *f = mfn_to_frame(mfn + k);

        f->state = FRAME_DOMAIN;
        f->owner = d->domain_id;
        mm_frame_init_allocated(f);
    }
    arch_note_frames(d, mfn, n);
    domain_add_reserved_pages(d, mfn, n);
}

int pv_mm_get_writable_page(struct domain *d, unsigned long mfn)
{
    struct mm_vcpu *v = d->vcpu[0] ? &d->vcpu[0]->mm : NULL;

    if (!mfn_valid(mfn) || !v || !mm_get_page(&env, mfn, &d->mm))
        return -XEN_EINVAL;
    if (mm_get_type(&env, v, mfn, PGT_WRITABLE, 0)) {
        mm_put_page(&env, mfn);
        return -XEN_EINVAL;
    }
    return 0;
}

void pv_mm_put_writable_page(unsigned long mfn)
{
    mm_put_type(&env, NULL, mfn, 0);
    mm_put_page(&env, mfn);
}

/* The builder's tables: the L4 is pinned and becomes the kernel base
 * pointer, as Xen's dom0 builder leaves them. */
int pv_mm_adopt_initial_tables(struct vcpu *v, unsigned long l4)
{
    struct frame *f = mfn_to_frame(l4);
    int rc;

    if (!mm_get_page(&env, l4, &v->domain->mm))
        return -XEN_EINVAL;
    /* Validation may stop to let softirqs run; at boot we just go on. */
    while ((rc = mm_get_type(&env, &v->mm, l4, PGT_L4, 0)) == -XEN_ERESTART)
        ;
    if (rc) {
        mm_put_page(&env, l4);
        return rc;
    }
    __atomic_or_fetch(&f->type_info, PGT_PINNED, __ATOMIC_SEQ_CST);
    if (!mm_get_page(&env, l4, &v->domain->mm))
        return -XEN_EINVAL;
    while ((rc = mm_get_type(&env, &v->mm, l4, PGT_L4, 0)) == -XEN_ERESTART)
        ;
    if (rc)
        return rc;
    v->mm.guest_table = l4;
    pv_l4_fill_m2p(l4);
    return 0;
}

/* ---- hypercalls ----------------------------------------------------- */

static unsigned int cpu_in_multicall[CONFIG_NR_CPUS];

/* -ERESTART from the module: continue the hypercall with cont's arguments. */
static long finish(unsigned int op, long rc, const struct mm_cont *cont)
{
    if (rc != -XEN_ERESTART)
        return rc;
    return hypercall_continue_with(op, cont->nargs, cont->args);
}

long do_mmu_update(XEN_GUEST_HANDLE_PARAM(mmu_update_t) ureqs, unsigned long count,
                   XEN_GUEST_HANDLE_PARAM(uint) pdone, unsigned long foreigndom)
{
    struct mm_cont cont;                    /* args are set with -ERESTART */

    cont.nargs = 0;

    perfc_add(PERFC_mmu_update_reqs, count & 0xffff);
    return finish(__HYPERVISOR_mmu_update,
                  mm_do_mmu_update(&env, &current->mm, guest_handle_va(ureqs), (unsigned int)count,
                                   guest_handle_va(pdone),
                                   (unsigned int)foreigndom, &cont), &cont);
}

long do_mmuext_op(XEN_GUEST_HANDLE_PARAM(mmuext_op_t) uops, unsigned long count,
                  XEN_GUEST_HANDLE_PARAM(uint) pdone, unsigned long foreigndom)
{
    struct mm_cont cont;                    /* args are set with -ERESTART */

    cont.nargs = 0;

    perfc_add(PERFC_mmuext_ops, count & 0xffff);
    return finish(__HYPERVISOR_mmuext_op,
                  mm_do_mmuext_op(&env, &current->mm, guest_handle_va(uops), (unsigned int)count,
                                  guest_handle_va(pdone),
                                  (unsigned int)foreigndom, &cont), &cont);
}

long do_update_va_mapping(unsigned long va, unsigned long val, unsigned long flags)
{
    struct mm_cont cont;                    /* args are set with -ERESTART */

    cont.nargs = 0;

    return finish(__HYPERVISOR_update_va_mapping,
                  mm_do_update_va_mapping(&env, &current->mm, va, val, flags, &cont), &cont);
}

long do_update_va_mapping_otherdomain(unsigned long va, unsigned long val,
                                      unsigned long flags, unsigned long domid)
{
    struct mm_cont cont;                    /* args are set with -ERESTART */

    cont.nargs = 0;

    return finish(__HYPERVISOR_update_va_mapping_otherdomain,
                  mm_do_update_va_mapping_otherdomain(&env, &current->mm, va, val, flags,
                                                      (u16)domid, &cont), &cont);
}

long do_set_gdt(XEN_GUEST_HANDLE_PARAM(xen_ulong_t) frame_list, unsigned long entries)
{
    return mm_do_set_gdt(&env, &current->mm, guest_handle_va(frame_list), (unsigned int)entries);
}

long do_update_descriptor(unsigned long maddr, unsigned long desc)
{
    return mm_do_update_descriptor(&env, &current->mm, maddr, desc);
}

/* One multicall entry: continuations come back as -ERESTART + *cont. */
static long mc_dispatch(void *ctx, struct mm_vcpu *v, unsigned long op,
                        const unsigned long args[6], struct mm_cont *cont)
{
    long rc;

    (void)ctx;
    (void)v;
    hypercall_capture_continuation(cont);
    rc = hypercall_dispatch(op, args);
    hypercall_capture_continuation(NULL);
    return rc;
}

long do_multicall(XEN_GUEST_HANDLE_PARAM(multicall_entry_t) call_list, unsigned long nr_calls)
{
    struct mm_cont cont;                    /* args are set with -ERESTART */

    cont.nargs = 0;
    long rc;

    cpu_in_multicall[smp_processor_id()]++;
    perfc_add(PERFC_multicall_entries, nr_calls & 0xffff);
    rc = mm_do_multicall(&env, &current->mm, guest_handle_va(call_list), (unsigned int)nr_calls, mc_dispatch, &cont);
    cpu_in_multicall[smp_processor_id()]--;
    return finish(__HYPERVISOR_multicall, rc, &cont);
}

/* ---- faults --------------------------------------------------------- */

bool pv_mm_page_fault(struct vcpu *v, struct cpu_regs *regs, unsigned long cr2, u32 err)
{
    struct mm_regs mr;
    enum mm_ptwr_result r;

    if (pv_ldt_fault(v, regs, cr2, err))
        return true;
    /* Only a guest-kernel write to a present, read-only page can be ptwr. */
    if (!v->mm.kernel_mode || (err & (PFEC_present | PFEC_write | PFEC_reserved | PFEC_insn)) !=
                                  (PFEC_present | PFEC_write))
        return false;
    mr.gpr[0] = regs->rax; mr.gpr[1] = regs->rcx; mr.gpr[2] = regs->rdx; mr.gpr[3] = regs->rbx;
    mr.gpr[4] = regs->rsp; mr.gpr[5] = regs->rbp; mr.gpr[6] = regs->rsi; mr.gpr[7] = regs->rdi;
    mr.gpr[8] = regs->r8; mr.gpr[9] = regs->r9; mr.gpr[10] = regs->r10; mr.gpr[11] = regs->r11;
    mr.gpr[12] = regs->r12; mr.gpr[13] = regs->r13; mr.gpr[14] = regs->r14; mr.gpr[15] = regs->r15;
    mr.rip = regs->rip;
    mr.rflags = regs->rflags;
    r = mm_ptwr_fault(&env, &v->mm, &mr, cr2, err);
    if (r == MM_PTWR_BOUNCE)
        return false;
    if (r == MM_PTWR_RETRY)
        return true;
    perfc_incr(PERFC_ptwr);
    regs->rax = mr.gpr[0]; regs->rcx = mr.gpr[1]; regs->rdx = mr.gpr[2]; regs->rbx = mr.gpr[3];
    regs->rbp = mr.gpr[5]; regs->rsi = mr.gpr[6]; regs->rdi = mr.gpr[7];
    regs->r8 = mr.gpr[8]; regs->r9 = mr.gpr[9]; regs->r10 = mr.gpr[10]; regs->r11 = mr.gpr[11];
    regs->r12 = mr.gpr[12]; regs->r13 = mr.gpr[13]; regs->r14 = mr.gpr[14]; regs->r15 = mr.gpr[15];
    regs->rip = mr.rip;
    regs->rflags = mr.rflags;
    if (r == MM_PTWR_DONE_SINGLESTEP) {
        pv_inject_trap(v, TRAP_debug, false, 0);
        pv_apply_trap_bounce(v, regs);
    }
    return true;
}
