/* Helpers shared by the memory-safety unit tests. */
#ifndef TEST_MM_HELPERS_H
#define TEST_MM_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fake_env.h"

static struct fake_env *fe;
static struct mm_env *env;
static struct mm_vcpu *v1, *v1b, *v2, *v0;

/* dom1's standard tree: L4 8, L3 9, L2 10, L1 11 mapping frames 8..47 at
 * VA1 (tables read-only). Frame m is at va1(m), in entry m-8 of L1 11. */
#define VA1   0x400000ULL
#define L4A   8
#define L3A   9
#define L2A   10
#define L1A   11
#define SELF  DOMID_SELF

static inline u64 va1(mfn_t m) { return VA1 + (m - 8) * PAGE_SIZE; }

#define CHECK() do { const char *e_ = fake_check(fe); if (e_) fail_msg("invariant: %s", e_); } while (0)

static int setup(void **state)
{
    (void)state;
    fe = calloc(1, sizeof(*fe));
    fake_init(fe);
    env = &fe->env;
    v1 = fake_vcpu(fe, 0);
    v1b = fake_vcpu(fe, 1);
    v2 = fake_vcpu(fe, 2);
    v0 = fake_vcpu(fe, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    CHECK();
    free(fe);
    return 0;
}

static inline u64 gcount(mfn_t m) { return pgc_count(fe->frames[m].count_info); }
static inline u64 tcount(mfn_t m) { return pgt_count(fe->frames[m].type_info); }
static inline unsigned int ttype(mfn_t m) { return pgt_type(fe->frames[m].type_info); }
static inline bool pinned(mfn_t m) { return fe->frames[m].type_info & PGT_PINNED; }
static inline u64 pte(mfn_t m, u64 flags) { return pte_make(m, flags | _PAGE_PRESENT); }

static inline long mmu_n(struct mm_vcpu *v, const struct mmu_update *reqs, unsigned int n,
                         unsigned int fd, unsigned int *done)
{
    unsigned int zero = 0;
    u64 g = fake_gput(fe, 0x1000, reqs, n * sizeof(*reqs));
    u64 pd = fake_gput(fe, 0x800, &zero, sizeof(zero));
    struct mm_cont c;
    long rc = mm_do_mmu_update(env, v, g, n, pd, fd, &c);

    while (rc == -XEN_ERESTART)
        rc = mm_do_mmu_update(env, v, c.args[0], (unsigned int)c.args[1], c.args[2],
                              (unsigned int)c.args[3], &c);
    if (done)
        fake_gget(fe, 0x800, done, sizeof(*done));
    return rc;
}

static inline u64 ptr_of(mfn_t table, unsigned int idx, unsigned int cmd)
{
    return ((u64)table << 12) | ((u64)idx << 3) | cmd;
}

static inline long mmu1(struct mm_vcpu *v, mfn_t table, unsigned int idx, u64 val,
                        unsigned int cmd, unsigned int fd)
{
    struct mmu_update r = { ptr_of(table, idx, cmd), val };

    return mmu_n(v, &r, 1, fd, NULL);
}

static inline long ext_n(struct mm_vcpu *v, const struct mmuext_op *ops, unsigned int n,
                         unsigned int fd, unsigned int *done)
{
    unsigned int zero = 0;
    u64 g = fake_gput(fe, 0x2000, ops, n * sizeof(*ops));
    u64 pd = fake_gput(fe, 0x804, &zero, sizeof(zero));
    struct mm_cont c;
    long rc = mm_do_mmuext_op(env, v, g, n, pd, fd, &c);

    while (rc == -XEN_ERESTART)
        rc = mm_do_mmuext_op(env, v, c.args[0], (unsigned int)c.args[1], c.args[2],
                             (unsigned int)c.args[3], &c);
    if (done)
        fake_gget(fe, 0x804, done, sizeof(*done));
    return rc;
}

static inline long ext1(struct mm_vcpu *v, unsigned int cmd, u64 arg1, u64 arg2,
                        unsigned int fd)
{
    struct mmuext_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return ext_n(v, &op, 1, fd, NULL);
}

#define PIN(v, lvl, m)  ext1(v, MMUEXT_PIN_L1_TABLE + (lvl) - 1, m, 0, SELF)
#define UNPIN(v, m)     ext1(v, MMUEXT_UNPIN_TABLE, m, 0, SELF)
#define BASEPTR(v, m)   ext1(v, MMUEXT_NEW_BASEPTR, m, 0, SELF)

/* dom1 boots on its standard tree, pinned and installed as base pointer. */
static inline void boot_dom1(void)
{
    fake_build_tree(fe, L4A, L3A, L2A, L1A, VA1, 8, 40);
    assert_int_equal(PIN(v1, 4, L4A), 0);
    assert_int_equal(BASEPTR(v1, L4A), 0);
    CHECK();
}

/* Drop dom1's writable mapping of frame m (so it can become a table). */
static inline void unmap1(mfn_t m)
{
    assert_int_equal(mmu1(v1, L1A, (unsigned int)(m - 8), 0, MMU_NORMAL_PT_UPDATE, SELF), 0);
}

/* "No state left behind": frame descriptors (minus flush stamps), frame
 * memory and vCPU state are bit-identical. */
struct snap {
    struct frame frames[FAKE_FRAMES];
    u64 mem[FAKE_FRAMES][512];
    struct mm_vcpu vcpus[FAKE_NR_VCPUS];
    u64 m2p[FAKE_FRAMES];
};

static inline struct snap *snap_take(void)
{
    struct snap *s = malloc(sizeof(*s));

    memcpy(s->frames, fe->frames, sizeof(s->frames));
    memcpy(s->mem, fe->mem, sizeof(s->mem));
    memcpy(s->vcpus, fe->vcpus, sizeof(s->vcpus));
    memcpy(s->m2p, fe->m2p, sizeof(s->m2p));
    return s;
}

static inline void snap_same(struct snap *s)
{
    unsigned int m;

    for (m = 0; m < FAKE_FRAMES; m++) {
        struct frame a = s->frames[m], b = fe->frames[m];

        a.count_info &= ~PGC_STAMP_MASK;
        b.count_info &= ~PGC_STAMP_MASK;
        if (memcmp(&a, &b, sizeof(a)))
            fail_msg("frame %u changed: count %#llx->%#llx type %#llx->%#llx", m,
                     (unsigned long long)a.count_info, (unsigned long long)b.count_info,
                     (unsigned long long)a.type_info, (unsigned long long)b.type_info);
        if (memcmp(s->mem[m], fe->mem[m], sizeof(s->mem[m])))
            fail_msg("frame %u memory changed", m);
    }
    assert_memory_equal(s->vcpus, fe->vcpus, sizeof(s->vcpus));
    assert_memory_equal(s->m2p, fe->m2p, sizeof(s->m2p));
    free(s);
}

#endif
