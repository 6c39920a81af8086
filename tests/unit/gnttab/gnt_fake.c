/* The grant-table module's fake environment (see gnt_fake.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "gnt_fake.h"
#include "gnttab_internal.h"

static struct gnt_fake *G(void *ctx) { return ctx; }

static int op_copy_from_guest(void *ctx, struct mm_vcpu *v, void *dst, u64 gva, size_t len)
{
    struct mm_env *mm = G(ctx)->env.mm;

    return mm->ops->copy_from_guest(mm->ctx, v, dst, gva, len);
}

static int op_copy_to_guest(void *ctx, struct mm_vcpu *v, u64 gva, const void *src, size_t len)
{
    struct mm_env *mm = G(ctx)->env.mm;

    return mm->ops->copy_to_guest(mm->ctx, v, gva, src, len);
}

static struct gnt_table *op_get_table(void *ctx, struct gnt_table *caller, u16 domid,
                                      bool controlled, int *err)
{
    struct gnt_fake *g = G(ctx);
    struct gnt_table *t;

    if (domid >= FAKE_NR_DOMS || g->dead[domid] || !(t = g->tables[domid])) {
        *err = -XEN_ESRCH;
        return NULL;
    }
    if (controlled && caller != t && !(caller->md && caller->md->privileged)) {
        *err = -XEN_EPERM;
        return NULL;
    }
    gnt_table_get(t);
    return t;
}

static void *op_alloc_page(void *ctx)
{
    void *p = aligned_alloc(4096, 4096);

    if (p) {
        memset(p, 0, 4096);
        G(ctx)->pages++;
    }
    return p;
}

static void op_free_page(void *ctx, void *p)
{
    G(ctx)->pages--;
    free(p);
}

static void *op_alloc_shared(void *ctx, const struct mm_domain *owner, mfn_t *mfn)
{
    (void)owner;
    *mfn = GNT_FAKE_SHARED_MFN + G(ctx)->next_shared++;
    return op_alloc_page(ctx);
}

static void op_free_shared(void *ctx, void *p, mfn_t mfn)
{
    (void)mfn;
    op_free_page(ctx, p);
}

static void *op_map_data(void *ctx, mfn_t mfn)
{
    struct gnt_fake *g = G(ctx);

    if (mfn >= FAKE_FRAMES)
        abort();
    if (g->on_map_data)
        g->on_map_data(g, mfn);
    return g->fe->mem[mfn];
}

static void op_flush_domain(void *ctx, struct mm_vcpu *v)
{
    struct gnt_fake *g = G(ctx);
    struct mm_env *mm = g->env.mm;

    g->nr_flush++;
    if (g->on_flush)
        g->on_flush(g);
    mm->ops->flush_guest(mm->ctx, v, MM_FLUSH_TLB | MM_FLUSH_ALL, NULL, 0);
}

static void op_flush_cache_range(void *ctx, mfn_t mfn, unsigned int off, unsigned int len)
{
    (void)mfn;
    (void)off;
    (void)len;
    G(ctx)->nr_cache_flush++;
}

static bool op_preempt_check(void *ctx)
{
    struct gnt_fake *g = G(ctx);

    if (g->preempt_countdown < 0)
        return false;
    if (g->preempt_countdown == 0)
        return true;
    g->preempt_countdown--;
    return false;
}

static void op_relax(void *ctx)
{
    (void)ctx;
}

static void op_log(void *ctx, u16 domid, const char *what, const char *why, int rc, u64 a,
                   u64 b)
{
    struct gnt_fake *g = G(ctx);

    g->nr_log++;
    snprintf(g->last_why, sizeof(g->last_why), "%s: %s", what, why);
    if (g->verbose)
        fprintf(stderr, "d%u: grant %s refused (%d): %s [%#llx %#llx]\n", domid, what, rc,
                why, (unsigned long long)a, (unsigned long long)b);
}

static const struct gnt_env_ops ops = {
    .copy_from_guest = op_copy_from_guest,
    .copy_to_guest = op_copy_to_guest,
    .get_table = op_get_table,
    .alloc_page = op_alloc_page,
    .free_page = op_free_page,
    .alloc_shared = op_alloc_shared,
    .free_shared = op_free_shared,
    .map_data = op_map_data,
    .flush_domain = op_flush_domain,
    .flush_cache_range = op_flush_cache_range,
    .preempt_check = op_preempt_check,
    .relax = op_relax,
    .log = op_log,
};

static void device_refs(struct fake_env *fe, u64 *gen, u64 *typ)
{
    struct gnt_fake *g = fe->extra_arg;

    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++) {
        struct gnt_table *t = g->tables[d];

        for (u32 h = 0; t && h < t->mt_limit; h++) {
            const struct gnt_maptrack *mt =
                &t->maptrack[h / GNT_MAPTRACK_PER_PAGE][h % GNT_MAPTRACK_PER_PAGE];
            mfn_t mfn;

            if (!(mt->flags & GNTMAP_device_map))
                continue;
            mfn = mt->rt->active[mt->ref / GNT_ACTIVE_PER_PAGE][mt->ref % GNT_ACTIVE_PER_PAGE].mfn;
            if (mfn >= FAKE_FRAMES)
                continue;
            gen[mfn]++;
            if (!(mt->flags & GNTMAP_readonly))
                typ[mfn]++;
        }
    }
}

void gnt_fake_init(struct gnt_fake *g, struct fake_env *fe)
{
    memset(g, 0, sizeof(*g));
    g->fe = fe;
    g->env.ops = &ops;
    g->env.ctx = g;
    g->env.mm = &fe->env;
    g->preempt_countdown = -1;
    g->verbose = getenv("GNT_VERBOSE") != NULL;
    fe->extra_refs = device_refs;
    fe->extra_arg = g;
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++)
        g->tables[d] = gnt_table_create(&g->env, fake_dom(fe, (u16)d), (u16)d,
                                        GNT_FAKE_MAX_FRAMES, 1);
}

void gnt_fake_fini(struct gnt_fake *g)
{
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++)
        if (g->tables[d]) {
            while (gnt_table_teardown(&g->env, g->tables[d]) == -XEN_ERESTART)
                ;
        }
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++)
        if (g->tables[d]) {
            gnt_table_release(&g->env, g->tables[d]);
            g->tables[d] = NULL;
        }
    g->fe->extra_refs = NULL;
}

static char msg[256];

static const char *bad(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return msg;
}

/* Pins and table references recounted from every maptrack. Only tables
 * still attached to a domain are visited (the fuzzer never loses one). */
const char *gnt_fake_check(struct gnt_fake *g)
{
    static u32 pins[FAKE_NR_DOMS][GNT_FAKE_MAX_FRAMES * GNT_ENTRIES_PER_FRAME];
    u32 refs[FAKE_NR_DOMS] = { 0 };

    memset(pins, 0, sizeof(pins));
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++) {
        struct gnt_table *t = g->tables[d];
        unsigned int used = 0, nfree = 0;

        if (!t)
            continue;
        if (t->lock)
            return bad("d%u table left locked", d);
        for (u32 h = 0; h < t->mt_limit; h++) {
            const struct gnt_maptrack *mt =
                &t->maptrack[h / GNT_MAPTRACK_PER_PAGE][h % GNT_MAPTRACK_PER_PAGE];
            unsigned int r;

            if (mt->busy)
                return bad("d%u handle %u left busy", d, h);
            if (!mt->flags)
                continue;
            used++;
            if (!(mt->flags & (GNTMAP_host_map | GNTMAP_device_map)))
                return bad("d%u handle %u live without a mapping", d, h);
            for (r = 0; r < FAKE_NR_DOMS && g->tables[r] != mt->rt; r++)
                ;
            if (r == FAKE_NR_DOMS)
                return bad("d%u handle %u refers to a table no domain has", d, h);
            if (mt->ref >= gnt_nr_entries(mt->rt))
                return bad("d%u handle %u ref %u beyond the table", d, h, mt->ref);
            refs[r]++;
            pins[r][mt->ref] += gnt_map_pin_incr(mt->flags);
            if (mt->rt->active[mt->ref / GNT_ACTIVE_PER_PAGE][mt->ref % GNT_ACTIVE_PER_PAGE].domid != d)
                return bad("d%u handle %u: active entry pinned for another domain", d, h);
        }
        for (u32 h = t->mt_free; h != ~0u; h = t->maptrack[h / GNT_MAPTRACK_PER_PAGE][h % GNT_MAPTRACK_PER_PAGE].ref)
            if (++nfree > t->mt_limit)
                return bad("d%u maptrack free list loops", d);
        if (used != t->mt_used || used + nfree != t->mt_limit)
            return bad("d%u maptrack: %u used (%u counted), %u free of %u", d, used,
                       t->mt_used, nfree, t->mt_limit);
    }
    for (unsigned int d = 0; d < FAKE_NR_DOMS; d++) {
        struct gnt_table *t = g->tables[d];

        if (!t)
            continue;
        if (t->refcnt != 1 + refs[d])
            return bad("d%u table refcnt %u, recount %u", d, t->refcnt, 1 + refs[d]);
        for (u32 ref = 0; ref < gnt_nr_entries(t); ref++) {
            const struct gnt_active *act =
                &t->active[ref / GNT_ACTIVE_PER_PAGE][ref % GNT_ACTIVE_PER_PAGE];

            if (act->pin != pins[d][ref])
                return bad("d%u ref %u pin %#x, recount %#x", d, ref, act->pin, pins[d][ref]);
        }
    }
    return fake_check(g->fe);
}

void gnt_fake_grant(struct gnt_fake *g, u16 granter, u32 ref, u16 grantee, mfn_t frame,
                    u16 flags)
{
    grant_entry_v1_t *e = &g->tables[granter]->shared[ref / 512][ref % 512];

    e->frame = (u32)frame;
    e->domid = grantee;
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

u16 gnt_fake_flags(struct gnt_fake *g, u16 granter, u32 ref)
{
    return __atomic_load_n(&g->tables[granter]->shared[ref / 512][ref % 512].flags,
                           __ATOMIC_ACQUIRE);
}

bool gnt_fake_end_access(struct gnt_fake *g, u16 granter, u32 ref)
{
    u16 *f = &g->tables[granter]->shared[ref / 512][ref % 512].flags;
    u16 cur = __atomic_load_n(f, __ATOMIC_ACQUIRE);

    do {
        if (cur & (GTF_reading | GTF_writing))
            return false;
    } while (!__atomic_compare_exchange_n(f, &cur, 0, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_ACQUIRE));
    return true;
}
