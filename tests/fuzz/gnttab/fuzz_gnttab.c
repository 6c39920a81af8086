/*
 * Fuzz target: random sequences of grant operations by three domains that
 * grant to each other (and to themselves), interleaved with hostile granter
 * writes to the shared entries, page-table updates over grant PTEs, tables
 * dropped under mappings, preemption points and a mapper dying. After every
 * operation the grant module's invariants are recounted from scratch (pins
 * against every maptrack, table references, maptrack free lists) together
 * with the memory-safety module's (frame counts against every PTE, pin and
 * device mapping); at the end every table is torn down and every
 * hypervisor page must have come back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gnt_fake.h"
#include "../fuzz_input.h"

#define VA1 0x400000ULL
#define MAX_OPS 150

static struct fake_env *fe;
static struct gnt_fake *g;

static void breach(const char *what)
{
    fprintf(stderr, "fuzz_gnttab: invariant broken: %s\n", what);
    __builtin_trap();
}

static void check(void)
{
    const char *err = gnt_fake_check(g);

    if (err)
        breach(err);
}

static const unsigned int vcpu_of_dom[3] = { 3, 0, 2 };
static const mfn_t l1_of_dom[3] = { 67, 11, 63 };

static u16 pick_dom(struct in *in)
{
    u8 b = byte(in);

    return b < 250 ? b % 3 : (b == 250 ? DOMID_SELF : b);
}

static u32 pick_ref(struct in *in)
{
    u8 b = byte(in);

    return b < 240 ? b % 8 : (b < 250 ? 500 + b % 20 : u32_of(in));
}

/* Frames worth granting: own, foreign, tables, hypervisor, beyond. */
static mfn_t pick_frame(struct in *in)
{
    static const mfn_t f[] = { 20, 21, 11, 50, 51, 63, 70, 71, 67, 2, 88, 92, 94, 0xfffff };

    return f[byte(in) % (sizeof(f) / sizeof(f[0]))];
}

/* Host addresses: VAs of empty and mapped slots, PTE machine addresses. */
static u64 pick_addr(struct in *in, u16 dom)
{
    u8 b = byte(in);
    mfn_t l1 = l1_of_dom[dom < 3 ? dom : 1];

    switch (b % 6) {
    case 0: case 1:
        return VA1 + (100 + b % 4) * 4096ULL;
    case 2:
        return VA1 + (b % 40) * 4096ULL;
    case 3:
        return ((u64)l1 << 12) | ((100 + b % 4) * 8);
    case 4:
        return ((u64)l1 << 12) | (b % 64);
    default:
        return (u64)u32_of(in) << 12 | b;
    }
}

static u32 handles[32];
static unsigned int nr_handles;

/* How far the inputs get (FUZZ_STATS=1 prints them at exit). */
static unsigned long nr_maps_ok, nr_unmaps_ok, nr_copies_ok;

static void stats(void)
{
    fprintf(stderr, "fuzz_gnttab: %lu maps, %lu unmaps, %lu copies succeeded\n", nr_maps_ok,
            nr_unmaps_ok, nr_copies_ok);
}

static u32 pick_handle(struct in *in)
{
    u8 b = byte(in);

    if (nr_handles && b < 200)
        return handles[b % nr_handles];
    return b < 250 ? b : u32_of(in);
}

static long gop(unsigned int v, unsigned int cmd, void *ops, size_t size, unsigned int n)
{
    struct mm_vcpu *mv = fake_vcpu(fe, v);
    u64 a = fake_gput(fe, 0x3000, ops, size * n);
    struct gnt_cont c;
    long rc = gnt_do_op(&g->env, mv, g->tables[mv->dom->domid], cmd, a, n, &c);

    while (rc == -XEN_ERESTART) {
        check();                    /* a preempted batch is a consistent state too */
        rc = gnt_do_op(&g->env, mv, g->tables[mv->dom->domid], (unsigned int)c.cmd, c.uop,
                       (unsigned int)c.count, &c);
    }
    fake_gget(fe, 0x3000, ops, size * n);
    return rc;
}

static void op_grant(struct in *in)
{
    u16 granter = byte(in) % 3;
    u32 ref = byte(in) % 8;
    u16 grantee = pick_dom(in);
    mfn_t frame = pick_frame(in);
    u16 flags = byte(in) & 0x1f;

    if (flags & 1)
        flags = (flags & ~GTF_type_mask) | GTF_permit_access;
    gnt_fake_grant(g, granter, ref, grantee, frame, flags);
}

/* A well-formed grant and its map in one step (random inputs rarely line
 * up domain, ref and grantee by themselves). */
static void op_grant_map(struct in *in)
{
    static const mfn_t own[3][2] = { { 70, 71 }, { 20, 21 }, { 50, 51 } };
    u16 granter = byte(in) % 3, mapper = byte(in) % 3;
    u32 ref = byte(in) % 8;
    u8 b = byte(in);
    struct gnttab_map_grant_ref op;

    gnt_fake_grant(g, granter, ref, mapper, own[granter][b & 1],
                   GTF_permit_access | (b & 2 ? GTF_readonly : 0));
    memset(&op, 0, sizeof(op));
    op.dom = granter;
    op.ref = ref;
    op.flags = (b >> 2 & 7) | (b & 0x20 ? GNTMAP_contains_pte : 0);
    if (!(op.flags & (GNTMAP_host_map | GNTMAP_device_map)))
        op.flags |= GNTMAP_host_map;
    op.host_addr = op.flags & GNTMAP_contains_pte
                   ? ((u64)l1_of_dom[mapper] << 12) | ((100 + (b >> 6)) * 8)
                   : VA1 + (100 + (b >> 6)) * 4096ULL;
    if (gop(vcpu_of_dom[mapper], GNTTABOP_map_grant_ref, &op, sizeof(op), 1))
        breach("map failed");
    if (op.status == GNTST_okay) {
        nr_maps_ok++;
        handles[nr_handles++ % 32] = op.handle;
        if (nr_handles > 32)
            nr_handles = 32;
    }
}

static void op_map(struct in *in)
{
    u16 d = byte(in) % 3;
    struct gnttab_map_grant_ref ops[3];
    unsigned int n = byte(in) % 3 + 1;

    for (unsigned int i = 0; i < n; i++) {
        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].dom = pick_dom(in);
        ops[i].ref = pick_ref(in);
        ops[i].flags = byte(in) & 0x1f;
        ops[i].host_addr = pick_addr(in, d);
    }
    g->preempt_countdown = byte(in) < 64 ? 0 : -1;
    if (gop(vcpu_of_dom[d], GNTTABOP_map_grant_ref, ops, sizeof(ops[0]), n))
        breach("map batch failed");
    g->preempt_countdown = -1;
    for (unsigned int i = 0; i < n; i++)
        if (ops[i].status == GNTST_okay) {
            nr_maps_ok++;
            if (ops[i].dev_bus_addr >> 12 >= FAKE_FRAMES)
                breach("mapped a frame outside RAM");
            handles[nr_handles++ % 32] = ops[i].handle;
            if (nr_handles > 32)
                nr_handles = 32;
        }
}

static void op_unmap(struct in *in)
{
    u16 d = byte(in) % 3;
    unsigned int n = byte(in) % 3 + 1;

    if (byte(in) & 1) {
        struct gnttab_unmap_grant_ref ops[3];

        for (unsigned int i = 0; i < n; i++) {
            memset(&ops[i], 0, sizeof(ops[i]));
            ops[i].handle = pick_handle(in);
            ops[i].host_addr = byte(in) & 1 ? pick_addr(in, d) : 0;
            if (byte(in) & 1)       /* the address op_grant_map uses */
                ops[i].host_addr = VA1 + (100 + byte(in) % 4) * 4096ULL;
            ops[i].dev_bus_addr = byte(in) & 1 ? (u64)pick_frame(in) << 12 : 0;
        }
        if (gop(vcpu_of_dom[d], GNTTABOP_unmap_grant_ref, ops, sizeof(ops[0]), n))
            breach("unmap batch failed");
        for (unsigned int i = 0; i < n; i++)
            nr_unmaps_ok += ops[i].status == GNTST_okay;
    } else {
        struct gnttab_unmap_and_replace ops[3];

        for (unsigned int i = 0; i < n; i++) {
            memset(&ops[i], 0, sizeof(ops[i]));
            ops[i].handle = pick_handle(in);
            ops[i].host_addr = pick_addr(in, d);
            ops[i].new_addr = byte(in) & 1 ? pick_addr(in, d) : 0;
        }
        if (gop(vcpu_of_dom[d], GNTTABOP_unmap_and_replace, ops, sizeof(ops[0]), n))
            breach("unmap_and_replace batch failed");
    }
}

/* A batch of up to four entries; an entry may repeat the previous one's
 * domains, refs and frames (a run that keeps its claims) with new offsets. */
static void op_copy(struct in *in)
{
    u16 d = byte(in) % 3;
    unsigned int n = 1 + byte(in) % 4;
    struct gnttab_copy ops[4];

    memset(ops, 0, sizeof(ops));
    for (unsigned int i = 0; i < n; i++) {
        struct gnttab_copy *op = &ops[i];

        if (i && byte(in) & 1) {
            *op = ops[i - 1];
            if (byte(in) & 1)       /* the other side changes */
                op->dest.u.ref = pick_ref(in);
        } else {
            op->flags = byte(in) & 3;
            op->source.domid = pick_dom(in);
            op->dest.domid = pick_dom(in);
            if (op->flags & GNTCOPY_source_gref)
                op->source.u.ref = pick_ref(in);
            else
                op->source.u.gmfn = pick_frame(in);
            if (op->flags & GNTCOPY_dest_gref)
                op->dest.u.ref = pick_ref(in);
            else
                op->dest.u.gmfn = pick_frame(in);
        }
        op->source.offset = (u16)(u32_of(in) & 0x1fff);
        op->dest.offset = (u16)(u32_of(in) & 0x1fff);
        op->len = (u16)(u32_of(in) & 0x1fff);
    }
    if (gop(vcpu_of_dom[d], GNTTABOP_copy, ops, sizeof(ops[0]), n))
        breach("copy failed");
    for (unsigned int i = 0; i < n; i++)
        nr_copies_ok += ops[i].status == GNTST_okay;
}

static void op_misc(struct in *in)
{
    u16 d = byte(in) % 3;
    unsigned int v = vcpu_of_dom[d];

    switch (byte(in) % 6) {
    case 0: {
        struct gnttab_swap_grant_ref sw = { .ref_a = pick_ref(in), .ref_b = pick_ref(in) };

        gop(v, GNTTABOP_swap_grant_ref, &sw, sizeof(sw), 1);
        break;
    }
    case 1: {
        struct gnttab_cache_flush cf;

        memset(&cf, 0, sizeof(cf));
        cf.a.dev_bus_addr = (u64)pick_frame(in) << 12;
        cf.offset = (u16)u32_of(in);
        cf.length = (u16)u32_of(in);
        cf.op = byte(in) & 3;
        gop(v, GNTTABOP_cache_flush, &cf, sizeof(cf), 1);
        break;
    }
    case 2: {
        struct gnttab_setup_table st;

        memset(&st, 0, sizeof(st));
        st.dom = pick_dom(in);
        st.nr_frames = byte(in) % 6;
        set_xen_guest_handle(st.frame_list, (xen_pfn_t *)(uintptr_t)FAKE_GVA(0x5000));
        gop(v, GNTTABOP_setup_table, &st, sizeof(st), 1);
        break;
    }
    case 3: {
        /* page-table writes over the slots grants use */
        struct mm_cont c;
        struct mmu_update r = { ((u64)l1_of_dom[d] << 12) | ((100 + byte(in) % 4) * 8),
                                byte(in) & 1 ? 0 : ((u64)(20 + byte(in) % 8) << 12) | 7 };
        u64 a = fake_gput(fe, 0x1000, &r, sizeof(r));

        if (d == 1)
            mm_do_mmu_update(&fe->env, fake_vcpu(fe, v), a, 1, 0, DOMID_SELF, &c);
        break;
    }
    case 4: {
        /* XENMEM_acquire_resource: grows the table like setup_table; the
         * MFNs handed out are the table's own frames */
        struct gnt_table *t = g->tables[d];
        unsigned int frame = byte(in) % 8, nr = byte(in) % 4, id = byte(in) % 3;
        xen_pfn_t mfns[4];

        if (t && gnt_resource_frames(&g->env, t, id, frame, nr, mfns) == (int)nr)
            for (unsigned int i = 0; i < nr; i++)
                if (id || mfns[i] != t->shared_mfn[frame + i] || frame + nr > t->nr_frames)
                    breach("acquire_resource handed out a frame not the table's");
        break;
    }
    default: {
        struct gnttab_transfer tr;

        memset(&tr, 0, sizeof(tr));
        if (gop(v, GNTTABOP_transfer, &tr, sizeof(tr), 1) != -XEN_EOPNOTSUPP)
            breach("transfer not refused");
        break;
    }
    }
}

static void boot(void)
{
    fake_init(fe);
    fake_build_tree(fe, 8, 9, 10, 11, VA1, 8, 40);
    if (!mm_get_page(&fe->env, 8, &fe->doms[1]) ||
        mm_get_type(&fe->env, &fe->vcpus[0], 8, PGT_L4, 0))
        abort();
    fe->vcpus[0].guest_table = 8;
    fake_build_tree(fe, 64, 65, 66, 67, VA1, 64, 16);
    if (!mm_get_page(&fe->env, 64, &fe->doms[0]) ||
        mm_get_type(&fe->env, &fe->vcpus[3], 64, PGT_L4, 0))
        abort();
    fe->vcpus[3].guest_table = 64;
    fake_build_tree(fe, 60, 61, 62, 63, VA1, 48, 16);
    if (!mm_get_page(&fe->env, 60, &fe->doms[2]) ||
        mm_get_type(&fe->env, &fe->vcpus[2], 60, PGT_L4, 0))
        abort();
    fe->vcpus[2].guest_table = 60;
    gnt_fake_init(g, fe);
    nr_handles = 0;
    check();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = { data, size };
    unsigned int ops = 0;

    if (!fe) {
        if (getenv("FUZZ_STATS"))
            atexit(stats);
        fe = calloc(1, sizeof(*fe));
        g = calloc(1, sizeof(*g));
    }
    boot();
    while (in.n && ops++ < MAX_OPS) {
        switch (byte(&in) % 14) {
        case 0: case 1:
            op_grant(&in);
            break;
        case 12: case 13: case 2:
            op_grant_map(&in);
            break;
        case 3: case 4: case 5:
            op_map(&in);
            break;
        case 6: case 7:
            op_unmap(&in);
            break;
        case 8:
            op_copy(&in);
            break;
        case 9: case 10:
            op_misc(&in);
            break;
        default: {
            /* a mapper dies (preemptibly), or drops its L1 under mappings */
            u16 d = byte(&in) % 3;

            if (byte(&in) & 1) {
                g->preempt_countdown = 0;
                while (gnt_table_teardown(&g->env, g->tables[d]) == -XEN_ERESTART) {
                    check();
                    g->preempt_countdown = -1;
                }
                g->preempt_countdown = -1;
            } else if (d == 1) {
                struct mm_cont c;
                struct mmu_update r = { (10ULL << 12) | (((VA1 >> 21) & 511) * 8), 0 };
                u64 a = fake_gput(fe, 0x1000, &r, sizeof(r));

                mm_do_mmu_update(&fe->env, fake_vcpu(fe, 0), a, 1, 0, DOMID_SELF, &c);
            }
            break;
        }
        }
        check();
    }
    gnt_fake_fini(g);
    {
        const char *err = fake_check(fe);

        if (err)
            breach(err);
    }
    if (g->pages)
        breach("hypervisor pages left after every table was torn down");
    return 0;
}
