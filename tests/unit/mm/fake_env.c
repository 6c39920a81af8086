/* The fake machine of fake_env.h. */
#include <sched.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_env.h"

#define FE(ctx) ((struct fake_env *)(ctx))

static const u16 vcpu_dom[FAKE_NR_VCPUS] = { 1, 1, 2, 0 };
static const u32 vcpu_id[FAKE_NR_VCPUS] = { 0, 1, 0, 0 };

static void logw(struct fake_env *fe, mfn_t mfn, unsigned int idx, u64 old, u64 val, int kind)
{
    if (fe->nr_writes < FAKE_MAX_WRITES)
        fe->writes[fe->nr_writes++] = (struct fake_write){ mfn, idx, old, val, kind };
}

static void check_mfn(mfn_t mfn)
{
    if (mfn >= FAKE_FRAMES) {
        fprintf(stderr, "fake_env: module touched frame %#lx outside the frame table\n", mfn);
        abort();
    }
}

static const u64 *op_map_frame(void *ctx, mfn_t mfn)
{
    check_mfn(mfn);
    return FE(ctx)->mem[mfn];
}

static u64 op_entry_cmpxchg(void *ctx, mfn_t mfn, unsigned int idx, u64 old, u64 val)
{
    struct fake_env *fe = FE(ctx);
    u64 t;

    check_mfn(mfn);
    if (idx >= 512)
        abort();
    if (fe->race_count && mfn == fe->race_mfn && idx == fe->race_idx) {
        fe->race_count--;
        fe->mem[mfn][idx] ^= fe->race_bits;
    }
    t = fe->mem[mfn][idx];
    if (t == old) {
        fe->mem[mfn][idx] = val;
        logw(fe, mfn, idx, old, val, 1);
    }
    return t;
}

static void op_entry_write(void *ctx, mfn_t mfn, unsigned int idx, u64 val)
{
    struct fake_env *fe = FE(ctx);

    check_mfn(mfn);
    if (idx >= 512)
        abort();
    logw(fe, mfn, idx, fe->mem[mfn][idx], val, 0);
    fe->mem[mfn][idx] = val;
}

static void op_frame_clear(void *ctx, mfn_t mfn)
{
    check_mfn(mfn);
    logw(FE(ctx), mfn, 0, 0, 0, 2);
    memset(FE(ctx)->mem[mfn], 0, PAGE_SIZE);
}

static void op_frame_copy(void *ctx, mfn_t dst, mfn_t src)
{
    check_mfn(dst);
    check_mfn(src);
    logw(FE(ctx), dst, 0, src, 0, 3);
    memcpy(FE(ctx)->mem[dst], FE(ctx)->mem[src], PAGE_SIZE);
}

static bool gmem_ok(u64 gva, size_t len)
{
    return gva >= FAKE_GMEM_BASE && len <= FAKE_GMEM_SIZE &&
           gva - FAKE_GMEM_BASE <= FAKE_GMEM_SIZE - len;
}

static int op_copy_from_guest(void *ctx, struct mm_vcpu *v, void *dst, u64 gva, size_t len)
{
    (void)v;
    FE(ctx)->nr_guest_reads++;
    if (!gmem_ok(gva, len))
        return -XEN_EFAULT;
    memcpy(dst, &FE(ctx)->gmem[gva - FAKE_GMEM_BASE], len);
    return 0;
}

static int op_copy_to_guest(void *ctx, struct mm_vcpu *v, u64 gva, const void *src, size_t len)
{
    (void)v;
    if (!gmem_ok(gva, len))
        return -XEN_EFAULT;
    memcpy(&FE(ctx)->gmem[gva - FAKE_GMEM_BASE], src, len);
    return 0;
}

static struct mm_domain *op_lookup_domain(void *ctx, u16 domid)
{
    struct fake_env *fe = FE(ctx);

    if (domid >= FAKE_NR_DOMS || fe->gone[domid])
        return NULL;
    __atomic_add_fetch(&fe->dom_refs[domid], 1, __ATOMIC_SEQ_CST);
    return &fe->doms[domid];
}

static void op_put_domain(void *ctx, struct mm_domain *d)
{
    struct fake_env *fe = FE(ctx);

    if (d < fe->doms || d >= fe->doms + FAKE_NR_DOMS ||
        __atomic_sub_fetch(&fe->dom_refs[d - fe->doms], 1, __ATOMIC_SEQ_CST) < 0) {
        fprintf(stderr, "fake_env: put_domain without a lookup (d%u)\n", d->domid);
        abort();
    }
}

/* Xen's XSM_TARGET: itself, its set_target domain, or anyone if privileged. */
static bool op_controls(void *ctx, const struct mm_domain *src, const struct mm_domain *t)
{
    struct fake_env *fe = FE(ctx);

    return src == t || src->privileged ||
           (src >= fe->doms && src < fe->doms + FAKE_NR_DOMS &&
            fe->target_of[src - fe->doms] == (int)t->domid);
}

static struct mm_vcpu *op_domain_vcpu0(void *ctx, struct mm_domain *d)
{
    unsigned int i;

    for (i = 0; i < FAKE_NR_VCPUS; i++)
        if (FE(ctx)->vcpus[i].dom == d)
            return &FE(ctx)->vcpus[i];
    return NULL;
}

static void op_l4_hv_slots(void *ctx, const struct mm_domain *d, mfn_t l4mfn, u64 slots[16])
{
    (void)d;
    (void)l4mfn;
    memcpy(slots, FE(ctx)->hv_slots, sizeof(FE(ctx)->hv_slots));
}

static void op_m2p_set(void *ctx, mfn_t mfn, u64 pfn)
{
    check_mfn(mfn);
    FE(ctx)->m2p[mfn] = pfn;
}

/* I/O frames 93.. and FAKE_FRAMES..+1023 for I/O-capable domains, the
 * last FAKE_IO_RO_FRAMES of them read-only (like an IO-APIC or HPET). */
static unsigned int op_iomem_access(void *ctx, const struct mm_domain *d, mfn_t mfn)
{
    (void)ctx;
    if (!d->io_caps || mfn < 93 || mfn >= FAKE_FRAMES + 1024)
        return MM_IO_NONE;
    return fake_io_ro(mfn) ? MM_IO_RO : MM_IO_RW;
}

static u32 op_clock(void *ctx)
{
    struct fake_env *fe = FE(ctx);
    u32 c = fe->clock;
    void (*hook)(struct fake_env *) = fe->clock_hook;

    fe->clock_hook = NULL;      /* once: what happens right after a reading */
    if (hook)
        hook(fe);
    return c;
}

static void tlb_clear(struct fake_env *fe, unsigned int v)
{
    memset(fe->tlb[v], 0, sizeof(fe->tlb[v]));
    fe->flushed_at[v] = fe->clock;
}

static void op_flush_all_since(void *ctx, u32 stamp)
{
    struct fake_env *fe = FE(ctx);
    unsigned int v;

    fe->nr_flush_since++;
    fe->clock++;
    for (v = 0; v < FAKE_NR_VCPUS; v++)
        if (fe->flushed_at[v] <= stamp)
            tlb_clear(fe, v);
}

static unsigned int vcpu_index(struct fake_env *fe, const struct mm_vcpu *v)
{
    return (unsigned int)(v - fe->vcpus);
}

static void flush_one(struct fake_env *fe, unsigned int v, unsigned int kind, u64 va)
{
    unsigned int i;

    if (kind & MM_FLUSH_INVLPG) {
        for (i = 0; i < FAKE_TLB_SIZE; i++)
            if (fe->tlb[v][i].va == (va & PAGE_MASK))
                fe->tlb[v][i].valid = false;
    } else {
        tlb_clear(fe, v);
    }
}

static void op_flush_guest(void *ctx, struct mm_vcpu *v, unsigned int kind,
                           const u64 *mask, u64 va)
{
    struct fake_env *fe = FE(ctx);
    unsigned int i;

    fe->nr_guest_flush++;
    fe->last_guest_flush_kind = kind;
    fe->last_guest_flush_va = va;
    if (!(kind & MM_FLUSH_INVLPG))
        fe->clock++;
    if (kind & MM_FLUSH_MASK) {
        for (i = 0; i < FAKE_NR_VCPUS; i++)
            if (fe->vcpus[i].dom == v->dom && (mask[0] >> fe->vcpus[i].vcpu_id) & 1)
                flush_one(fe, i, kind, va);
    } else if (kind & MM_FLUSH_ALL) {
        for (i = 0; i < FAKE_NR_VCPUS; i++)
            if (fe->vcpus[i].dom == v->dom)
                flush_one(fe, i, kind, va);
    } else {
        flush_one(fe, vcpu_index(fe, v), kind, va);
    }
}

static void op_flush_cache(void *ctx, bool global)
{
    (void)global;
    FE(ctx)->nr_cache_flush++;
}

static void op_cr3_changed(void *ctx, struct mm_vcpu *v)
{
    (void)v;
    FE(ctx)->nr_cr3++;  /* deliberately no TLB flush in the model: stricter */
}

static void op_gdt_changed(void *ctx, struct mm_vcpu *v)
{
    (void)v;
    FE(ctx)->nr_gdt++;
}

static void op_ldt_changed(void *ctx, struct mm_vcpu *v)
{
    (void)v;
    FE(ctx)->nr_ldt++;
}

static void op_free_frame(void *ctx, mfn_t mfn)
{
    check_mfn(mfn);
    FE(ctx)->freed[mfn] = true;
    FE(ctx)->nr_freed++;
}

static bool op_preempt_check(void *ctx)
{
    struct fake_env *fe = FE(ctx);

    if (fe->preempt_countdown < 0)
        return false;
    if (fe->preempt_countdown > 0) {
        fe->preempt_countdown--;
        return false;
    }
    fe->preempt_countdown = fe->preempt_every > 0 ? fe->preempt_every : -1;
    return true;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A deadlock is one thread spinning without a break for 20 s (relax calls
 * less than 10 ms apart), not a total: on a loaded host a waiter can spin
 * for a whole time slice while the holder is descheduled, and a count over
 * the test's life (it was 10^8) tripped on such runs. Yielding now and
 * then lets a descheduled holder run. */
static void op_relax(void *ctx)
{
    static __thread double streak_start, last;
    static __thread unsigned int spins;
    double t;

    __atomic_add_fetch(&FE(ctx)->relax_spins, 1, __ATOMIC_RELAXED);
    if (++spins % 64)
        return;
    sched_yield();
    t = now_s();
    if (t - last > 0.01)
        streak_start = t;
    last = t;
    if (t - streak_start > 20.0) {
        fprintf(stderr, "fake_env: spinning for 20 s (deadlock in the module)\n");
        abort();
    }
}

static void op_crash_domain(void *ctx, const struct mm_domain *d, const char *why)
{
    (void)why;
    FE(ctx)->crashed[d->domid]++;
}

static void op_log(void *ctx, const struct mm_log *rec)
{
    struct fake_env *fe = FE(ctx);

    fe->nr_log++;
    fe->last_log = *rec;
    snprintf(fe->last_why, sizeof(fe->last_why), "%s", rec->why);
    if (fe->verbose)
        fprintf(stderr, "mm: d%u %s: %s (rc %d, %#llx, %#llx)\n", rec->domid, rec->what,
                rec->why, rec->rc, (unsigned long long)rec->a, (unsigned long long)rec->b);
}

static const struct mm_env_ops fake_ops = {
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
    .tlbflush_clock = op_clock,
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

static void set_frames(struct fake_env *fe, mfn_t first, mfn_t last, u8 state, u32 owner)
{
    mfn_t m;

    for (m = first; m <= last; m++) {
        fe->frames[m].state = state;
        fe->frames[m].owner = owner;
        if (state == FRAME_DOMAIN)
            mm_frame_init_allocated(&fe->frames[m]);
    }
}

void fake_init(struct fake_env *fe)
{
    unsigned int i;

    memset(fe, 0, sizeof(*fe));
    fe->env.ops = &fake_ops;
    fe->env.ctx = fe;
    fe->env.frames = fe->frames;
    fe->env.nr_frames = FAKE_FRAMES;
    fe->clock = 1;
    fe->preempt_countdown = -1;
    fe->verbose = getenv("MM_VERBOSE") != NULL;

    for (i = 0; i < FAKE_NR_DOMS; i++) {
        fe->target_of[i] = -1;
        fe->doms[i].domid = (u16)i;
        fe->doms[i].max_vcpus = i == 1 ? 2 : 1;
    }
    fe->doms[0].privileged = true;
    fe->doms[0].io_caps = true;
    for (i = 0; i < FAKE_NR_VCPUS; i++) {
        mm_vcpu_init(&fe->vcpus[i], &fe->doms[vcpu_dom[i]], vcpu_id[i]);
        fe->flushed_at[i] = 1;
    }

    set_frames(fe, 0, 7, FRAME_RESERVED, DOMID_XEN);
    set_frames(fe, 8, 47, FRAME_DOMAIN, 1);
    set_frames(fe, 48, 63, FRAME_DOMAIN, 2);
    set_frames(fe, 64, 79, FRAME_DOMAIN, 0);
    set_frames(fe, 80, 87, FRAME_FREE, DOMID_XEN);
    set_frames(fe, 88, 91, FRAME_HV, DOMID_XEN);
    set_frames(fe, FAKE_SHARED_MFN, FAKE_SHARED_MFN, FRAME_HV, 1);
    fe->frames[FAKE_SHARED_MFN].flags = FRAMEF_SHARED_XEN;
    mm_frame_init_shared(&fe->frames[FAKE_SHARED_MFN], true);
    set_frames(fe, 93, 95, FRAME_RESERVED, DOMID_IO);

    /* The hypervisor's L4 entries: M2P read-only + user, the rest
     * supervisor; they point outside the frame table. */
    for (i = 0; i < 16; i++)
        fe->hv_slots[i] = pte_make(0x100000 + i, _PAGE_PRESENT | _PAGE_ACCESSED |
                                   (i == 0 ? _PAGE_USER : _PAGE_RW));
}

struct mm_vcpu *fake_vcpu(struct fake_env *fe, unsigned int i)
{
    return &fe->vcpus[i];
}

struct mm_domain *fake_dom(struct fake_env *fe, u16 domid)
{
    return &fe->doms[domid];
}

u64 fake_gput(struct fake_env *fe, unsigned int off, const void *src, size_t len)
{
    if (off + len > FAKE_GMEM_SIZE)
        abort();
    memcpy(&fe->gmem[off], src, len);
    return FAKE_GVA(off);
}

void fake_gget(struct fake_env *fe, unsigned int off, void *dst, size_t len)
{
    if (off + len > FAKE_GMEM_SIZE)
        abort();
    memcpy(dst, &fe->gmem[off], len);
}

void fake_build_tree(struct fake_env *fe, mfn_t l4, mfn_t l3, mfn_t l2, mfn_t l1,
                     u64 va, mfn_t first, unsigned int n)
{
    const u64 pt = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
    unsigned int i;

    fe->mem[l4][(va >> 39) & 511] = pte_make(l3, pt);
    fe->mem[l3][(va >> 30) & 511] = pte_make(l2, pt);
    fe->mem[l2][(va >> 21) & 511] = pte_make(l1, pt);
    for (i = 0; i < n; i++) {
        mfn_t m = first + i;
        bool table = m == l4 || m == l3 || m == l2 || m == l1;

        fe->mem[l1][((va >> 12) & 511) + i] =
            pte_make(m, _PAGE_PRESENT | _PAGE_ACCESSED | (table ? 0 : _PAGE_RW));
    }
}

bool fake_tlb_fill(struct fake_env *fe, unsigned int v, u64 va)
{
    struct mm_vcpu *vc = &fe->vcpus[v];
    struct fake_tlbe e = { .valid = true, .rw = true, .va = va & PAGE_MASK };
    mfn_t t = vc->kernel_mode ? vc->guest_table : vc->guest_table_user;
    unsigned int level, i;

    if (!t || (va >= (1ULL << 47) && va < 0xffff880000000000ULL))
        return false;
    for (level = 4; level >= 1; level--) {
        u64 pte;

        if (t >= FAKE_FRAMES)
            return false;
        e.path[4 - level] = t;
        pte = fe->mem[t][(va >> (12 + 9 * (level - 1))) & 511];
        if (!(pte & _PAGE_PRESENT) || (level > 1 && level < 4 && (pte & _PAGE_PSE)))
            return false;
        e.rw = e.rw && (pte & _PAGE_RW);
        t = pte_mfn(pte);
    }
    e.target = t;
    for (i = 0; i < FAKE_TLB_SIZE; i++)
        if (!fe->tlb[v][i].valid || fe->tlb[v][i].va == e.va)
            break;
    if (i == FAKE_TLB_SIZE)
        i = (unsigned int)(va >> 12) % FAKE_TLB_SIZE;
    fe->tlb[v][i] = e;
    return true;
}

/* ---- Invariants ------------------------------------------------------ */

static char check_msg[512];

static const char *fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(check_msg, sizeof(check_msg), fmt, ap);
    va_end(ap);
    return check_msg;
}

static bool is_io(const struct fake_env *fe, mfn_t m)
{
    return m >= FAKE_FRAMES || fe->frames[m].state == FRAME_RESERVED;
}

/* The flag rules (rule 6), written out independently of the module. */
static u64 allowed_flags(unsigned int level, const struct mm_domain *d)
{
    u64 ok = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY |
             0xe00 | (0x7ffULL << 52) | (1ULL << 63);

    if (level == 1)
        ok |= _PAGE_GLOBAL | (d->io_caps ? 0x98 : 0);
    return ok;
}

static const char *count_entries(struct fake_env *fe, mfn_t m, unsigned int level,
                                 unsigned int lim, bool live, u64 *gen, u64 *typ)
{
    const struct mm_domain *owner = &fe->doms[fe->frames[m].owner];
    unsigned int i;

    for (i = 0; i < lim; i++) {
        u64 e = fe->mem[m][i];
        mfn_t t;

        if (level == 4 && i >= HV_L4_FIRST_SLOT && i <= HV_L4_LAST_SLOT)
            continue;
        if (!(e & _PAGE_PRESENT))
            continue;
        if (pte_flags(e) & ~allowed_flags(level, owner))
            return fail("frame %lu (L%u) entry %u has disallowed flags %#llx", m, level, i,
                        (unsigned long long)e);
        /* a parked table is adjusted when it completes */
        if (live && !(e & _PAGE_USER))
            return fail("frame %lu (L%u) entry %u lacks _PAGE_USER", m, level, i);
        if (live && level == 1 && (e & _PAGE_GLOBAL))
            return fail("frame %lu (L1) entry %u is global", m, i);
        if (live && level == 4 && !(e & _PAGE_ACCESSED))
            return fail("frame %lu (L4) entry %u lacks _PAGE_ACCESSED", m, i);
        t = pte_mfn(e);
        if (level == 1) {
            if (is_io(fe, t)) {
                if (!owner->io_caps)
                    return fail("frame %lu maps I/O frame %lu without permission", m, t);
                if (t < 8)
                    return fail("frame %lu maps hypervisor image frame %lu", m, t);
                if (live && (e & _PAGE_RW) && fake_io_ro(t))
                    return fail("frame %lu maps read-only I/O frame %lu writable", m, t);
                continue;
            }
            if (fe->frames[t].state != FRAME_DOMAIN &&
                !(fe->frames[t].state == FRAME_HV && (fe->frames[t].flags & FRAMEF_SHARED_XEN)))
                return fail("frame %lu maps non-domain frame %lu", m, t);
            /* A grant PTE maps the granter's frame (the grant tests check
             * it against the grant table). */
            if (!(e & (1ULL << 62)) && !owner->privileged &&
                fe->frames[t].owner != owner->domid)
                return fail("frame %lu (d%u) maps frame %lu of d%u", m, owner->domid, t,
                            fe->frames[t].owner);
            gen[t]++;
            if (e & _PAGE_RW) {
                typ[t]++;
                if (pgt_type(fe->frames[t].type_info) != PGT_WRITABLE)
                    return fail("frame %lu typed %u is mapped writable by frame %lu entry %u",
                                t, pgt_type(fe->frames[t].type_info), m, i);
            }
        } else {
            if (t >= FAKE_FRAMES || fe->frames[t].state != FRAME_DOMAIN ||
                fe->frames[t].owner != owner->domid)
                return fail("L%u frame %lu entry %u points at frame %lu not its owner's",
                            level, m, i, t);
            gen[t]++;
            typ[t]++;
            if (pgt_type(fe->frames[t].type_info) != level - 1)
                return fail("L%u frame %lu entry %u points at frame %lu typed %u", level, m,
                            i, t, pgt_type(fe->frames[t].type_info));
        }
    }
    return NULL;
}

static const char *holder(struct fake_env *fe, mfn_t m, unsigned int want, bool type,
                          u64 *gen, u64 *typ, const char *what)
{
    if (m >= FAKE_FRAMES)
        return fail("%s holds frame %lu outside the table", what, m);
    gen[m]++;
    if (type) {
        typ[m]++;
        if (want && pgt_type(fe->frames[m].type_info) != want)
            return fail("%s holds frame %lu typed %u, wants %u", what, m,
                        pgt_type(fe->frames[m].type_info), want);
    }
    return NULL;
}

static const char *recount(struct fake_env *fe, u64 *gen, u64 *typ)
{
    const char *err;
    mfn_t m;
    unsigned int v, i;

    memset(gen, 0, FAKE_FRAMES * sizeof(*gen));
    memset(typ, 0, FAKE_FRAMES * sizeof(*typ));
    for (m = 0; m < FAKE_FRAMES; m++) {
        struct frame *f = &fe->frames[m];
        u64 ti = f->type_info;
        unsigned int type = pgt_type(ti);

        if (f->count_info & PGC_ALLOCATED)
            gen[m]++;
        if (f->state == FRAME_HV && (f->flags & FRAMEF_SHARED_XEN))
            typ[m]++;
        if (ti & PGT_LOCKED)
            return fail("frame %lu still page-locked", m);
        if (pgt_is_table(type)) {
            if (ti & PGT_PARTIAL) {
                if (pgt_count(ti) != 1 || (ti & PGT_VALIDATED) || pgt_nr(ti) > 512)
                    return fail("frame %lu parked in a bad state %#llx", m,
                                (unsigned long long)ti);
                gen[m]++;
                typ[m]++;
                if ((err = count_entries(fe, m, type, pgt_nr(ti), false, gen, typ)))
                    return err;
                if (ti & PGT_PSET) {
                    mfn_t c = pte_mfn(fe->mem[m][pgt_nr(ti)]);

                    if (!(fe->mem[m][pgt_nr(ti)] & _PAGE_PRESENT) || c >= FAKE_FRAMES)
                        return fail("frame %lu PSET entry %u not a frame", m, pgt_nr(ti));
                    gen[c]++;
                }
            } else if (ti & PGT_VALIDATED) {
                if (!pgt_count(ti))
                    return fail("table frame %lu validated with count 0", m);
                if ((err = count_entries(fe, m, type, 512, true, gen, typ)))
                    return err;
                if (type == 4)
                    for (i = HV_L4_FIRST_SLOT; i <= HV_L4_LAST_SLOT; i++)
                        if (fe->mem[m][i] != fe->hv_slots[i - HV_L4_FIRST_SLOT])
                            return fail("L4 frame %lu hypervisor slot %u is %#llx", m, i,
                                        (unsigned long long)fe->mem[m][i]);
            } else if (pgt_count(ti)) {
                return fail("table frame %lu busy between operations (%#llx)", m,
                            (unsigned long long)ti);
            }
        } else if (ti & (PGT_PARTIAL | PGT_PSET | PGT_NR_MASK)) {
            return fail("frame %lu of type %u has partial bits", m, type);
        }
        if (ti & PGT_PINNED) {
            if (!pgt_is_table(type) || !(ti & PGT_VALIDATED))
                return fail("frame %lu pinned but not a live table", m);
            gen[m]++;
            typ[m]++;
        }
    }
    for (v = 0; v < FAKE_NR_VCPUS; v++) {
        struct mm_vcpu *vc = &fe->vcpus[v];

        if (vc->guest_table && (err = holder(fe, vc->guest_table, PGT_L4, true, gen, typ,
                                             "guest_table")))
            return err;
        if (vc->guest_table_user && (err = holder(fe, vc->guest_table_user, PGT_L4, true,
                                                  gen, typ, "guest_table_user")))
            return err;
        for (i = 0; i < MM_GDT_FRAMES; i++)
            if (vc->gdt_frames[i] && (err = holder(fe, vc->gdt_frames[i], PGT_SEG_DESC, true,
                                                   gen, typ, "GDT")))
                return err;
        for (i = 0; i < MM_LDT_FRAMES; i++)
            if (vc->ldt_frames[i] && (err = holder(fe, vc->ldt_frames[i], PGT_SEG_DESC, true,
                                                   gen, typ, "LDT")))
                return err;
        if (vc->old_valid && (err = holder(fe, vc->old_table, 0, !vc->old_partial, gen, typ,
                                           "deferred slot")))
            return err;
        if (vc->in_multicall)
            return fail("vcpu %u left in_multicall set", v);
    }
    if (fe->extra_refs)
        fe->extra_refs(fe, gen, typ);
    return NULL;
}

void fake_recount(struct fake_env *fe, u64 *gen, u64 *type)
{
    recount(fe, gen, type);
}

const char *fake_check(struct fake_env *fe)
{
    u64 gen[FAKE_FRAMES], typ[FAKE_FRAMES];
    const char *err = recount(fe, gen, typ);
    mfn_t m;
    unsigned int v, i;

    if (err)
        return err;
    /* Every domain a call looked up was put back when it returned. */
    for (i = 0; i < FAKE_NR_DOMS; i++)
        if (__atomic_load_n(&fe->dom_refs[i], __ATOMIC_SEQ_CST))
            return fail("d%u still holds %d lookup reference(s)", i, fe->dom_refs[i]);
    for (m = 0; m < FAKE_FRAMES; m++) {
        u64 c = pgc_count(fe->frames[m].count_info), t = pgt_count(fe->frames[m].type_info);

        if (c != gen[m])
            return fail("frame %lu general count %llu, recount %llu", m,
                        (unsigned long long)c, (unsigned long long)gen[m]);
        if (t != typ[m])
            return fail("frame %lu type count %llu (type %u), recount %llu", m,
                        (unsigned long long)t, pgt_type(fe->frames[m].type_info),
                        (unsigned long long)typ[m]);
        if (!c && !fe->freed[m] && fe->frames[m].state == FRAME_DOMAIN)
            return fail("frame %lu reached count 0 without being freed", m);
    }
    /* Rule 14 on the TLB model: a cached translation still agrees with
     * every type it was made under. */
    for (v = 0; v < FAKE_NR_VCPUS; v++)
        for (i = 0; i < FAKE_TLB_SIZE; i++) {
            const struct fake_tlbe *e = &fe->tlb[v][i];
            unsigned int k;

            if (!e->valid)
                continue;
            if (e->rw && e->target < FAKE_FRAMES && !is_io(fe, e->target) &&
                pgt_type(fe->frames[e->target].type_info) != PGT_WRITABLE)
                return fail("vcpu %u has a stale writable TLB entry %#llx -> frame %lu typed %u",
                            v, (unsigned long long)e->va, e->target,
                            pgt_type(fe->frames[e->target].type_info));
            for (k = 0; k < 4; k++)
                if (pgt_type(fe->frames[e->path[k]].type_info) != 4 - k)
                    return fail("vcpu %u TLB entry %#llx walked frame %lu as L%u, now typed %u",
                                v, (unsigned long long)e->va, e->path[k], 4 - k,
                                pgt_type(fe->frames[e->path[k]].type_info));
        }
    return NULL;
}
