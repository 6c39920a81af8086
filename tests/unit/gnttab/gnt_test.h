/* Helpers for the grant-table unit tests (on test_helpers.h of the mm tests). */
#ifndef GNT_TEST_H
#define GNT_TEST_H

#include "test_helpers.h"
#include "gnt_fake.h"
#include "gnttab_internal.h"

static struct gnt_fake *g;
static struct gnt_env *genv;

#define D0 0
#define D1 1                /* mapper: vCPUs v1, v1b, boots on its tree */
#define D2 2                /* granter: frames 48..63, vCPU v2 */
#define GF 50               /* the frame d2 grants */
#define GF2 51
#define VAG  (VA1 + 100 * PAGE_SIZE)    /* entry 100 of L1A: empty */
#define VAG2 (VA1 + 101 * PAGE_SIZE)
#define GCHECK() do { const char *e_ = gnt_fake_check(g); if (e_) fail_msg("invariant: %s", e_); } while (0)

static inline struct gnt_table *T(u16 d) { return g->tables[d]; }

static int gsetup(void **state)
{
    setup(state);
    g = calloc(1, sizeof(*g));
    gnt_fake_init(g, fe);
    genv = &g->env;
    boot_dom1();
    return 0;
}

static int gteardown(void **state)
{
    GCHECK();
    gnt_fake_fini(g);
    CHECK();
    assert_int_equal(g->pages, 0);      /* every hypervisor page came back */
    free(g);
    return teardown(state);
}

static inline struct mm_vcpu *vcpu_of(u16 d)
{
    return d == D1 ? v1 : d == D2 ? v2 : v0;
}

/* One GNTTABOP through the batch path, guest array at gmem offset 0x3000. */
static inline long gop(struct mm_vcpu *v, unsigned int cmd, void *ops, size_t size,
                       unsigned int n)
{
    u64 a = fake_gput(fe, 0x3000, ops, size * n);
    struct gnt_cont c;
    long rc = gnt_do_op(genv, v, T(v->dom->domid), cmd, a, n, &c);

    while (rc == -XEN_ERESTART) {
        assert_true(c.count > 0 && c.count < n);
        rc = gnt_do_op(genv, v, T(v->dom->domid), (unsigned int)c.cmd, c.uop,
                       (unsigned int)c.count, &c);
    }
    fake_gget(fe, 0x3000, ops, size * n);
    return rc;
}

static inline struct gnttab_map_grant_ref map_op(u16 dom, u32 ref, u32 flags, u64 addr)
{
    struct gnttab_map_grant_ref op;

    memset(&op, 0, sizeof(op));
    op.dom = dom;
    op.ref = ref;
    op.flags = flags;
    op.host_addr = addr;
    op.handle = 0xdead;
    return op;
}

/* d1 maps (dom, ref): the whole op back. */
static inline struct gnttab_map_grant_ref map1(struct mm_vcpu *v, u16 dom, u32 ref, u32 flags,
                                               u64 addr)
{
    struct gnttab_map_grant_ref op = map_op(dom, ref, flags, addr);

    assert_int_equal(gop(v, GNTTABOP_map_grant_ref, &op, sizeof(op), 1), 0);
    return op;
}

static inline s16 gunmap1(struct mm_vcpu *v, u32 handle, u64 addr, u64 bus)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .dev_bus_addr = bus,
                                         .handle = handle, .status = 99 };

    assert_int_equal(gop(v, GNTTABOP_unmap_grant_ref, &op, sizeof(op), 1), 0);
    return op.status;
}

static inline s16 copy1(struct mm_vcpu *v, struct gnttab_copy op)
{
    op.status = 99;
    assert_int_equal(gop(v, GNTTABOP_copy, &op, sizeof(op), 1), 0);
    return op.status;
}

static inline u64 l1e(unsigned int idx) { return fe->mem[L1A][idx]; }

/* ---- "state identical after a refusal" ---------------------------------- */

struct gsnap {
    struct snap *mm;
    struct {
        u32 refcnt, nr_frames, mt_limit, mt_used, mt_free;
        grant_entry_v1_t shared[4][512];
        struct gnt_active active[8][256];
        struct gnt_maptrack mt[256];
    } t[FAKE_NR_DOMS];
};

static inline struct gsnap *gsnap_take(void)
{
    struct gsnap *s = calloc(1, sizeof(*s));

    s->mm = snap_take();
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++) {
        struct gnt_table *t = T((u16)d);

        s->t[d].refcnt = t->refcnt;
        s->t[d].nr_frames = t->nr_frames;
        s->t[d].mt_limit = t->mt_limit;
        s->t[d].mt_used = t->mt_used;
        s->t[d].mt_free = t->mt_free;
        for (unsigned int f = 0; f < t->nr_frames; f++) {
            memcpy(s->t[d].shared[f], t->shared[f], 4096);
            memcpy(s->t[d].active[2 * f], t->active[2 * f], 4096);
            memcpy(s->t[d].active[2 * f + 1], t->active[2 * f + 1], 4096);
        }
        if (t->mt_limit)
            memcpy(s->t[d].mt, t->maptrack[0], 4096);
    }
    return s;
}

static inline void gsnap_same(struct gsnap *s)
{
    struct gsnap *n = gsnap_take();

    /* A frame whose type count went 0 -> 1 -> 0 keeps its last type, as
     * on Xen: that is no state (any type may be taken at count 0). */
    for (unsigned int m = 0; m < FAKE_FRAMES; m++) {
        u64 *a = &s->mm->frames[m].type_info, *b = &n->mm->frames[m].type_info;

        if (!pgt_count(*a) && !pgt_count(*b) && !(*a & PGT_VALIDATED) &&
            pgt_type(*b) == PGT_WRITABLE) {
            fe->frames[m].type_info = *a;
            *b = *a;
        }
    }
    snap_same(n->mm);
    snap_same(s->mm);
    n->mm = s->mm = NULL;
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++)
        if (memcmp(&s->t[d], &n->t[d], sizeof(s->t[d])))
            fail_msg("d%u grant table state changed", d);
    free(s);
    free(n);
}

#endif
