/*
 * Page-table entries and whole tables: which flags each level may carry,
 * how entries are adjusted, the references an entry holds, and table
 * validation/devalidation (rules 4, 6, 7, 8, 9, 10, 16).
 */
#include "mm_internal.h"

/* Flag bits refused in a present entry of this level (rule 6). */
u64 mm_disallowed(unsigned int level, const struct mm_domain *d)
{
    u64 allowed = MM_BASE_ALLOWED;

    if (level == 1) {
        allowed &= ~_PAGE_GNTTAB;
        allowed |= _PAGE_GLOBAL;
        if (d && d->io_caps)
            allowed |= PAGE_CACHE_ATTRS;
    }
    return PTE_FLAGS_MASK & ~allowed;
}

/* Rule 7: the guest kernel runs in ring 3, so every present entry must
 * allow user access; no guest translation is global. */
u64 mm_adjust(unsigned int level, u64 e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    e |= _PAGE_USER;
    if (level == 1)
        e &= ~_PAGE_GLOBAL;
    if (level == 4)
        e |= _PAGE_ACCESSED;
    return e;
}

u64 mm_adjust_l1e(u64 l1e)
{
    return mm_adjust(1, l1e);
}

/* Through the environment's call (the host tests' fake memory logs every
 * write and injects races there). */
static __attribute__((noinline)) bool entry_update_env(struct mm_env *env, mfn_t mfn,
                                                       unsigned int idx, u64 old, u64 val,
                                                       bool preserve_ad)
{
    u64 t = old;

    for (;;) {
        u64 n = val | (preserve_ad ? (t & MM_A_D) : 0);
        u64 seen = env->ops->entry_cmpxchg(env->ctx, mfn, idx, t, n);

        if (seen == t)
            return true;
        if ((seen ^ t) & ~MM_A_D)
            return false;
        t = seen;
    }
}

/* Replace entry idx of table mfn, old -> val, with one cmpxchg; only the
 * hardware A/D bits may change meanwhile (rule 12). With a direct map (the
 * hypervisor) the compare-exchange is made there, as mm_read_entry reads,
 * in a leaf that saves no registers: every grant map and unmap passes
 * here, and the environment's call is an indirect one (a retpoline). */
bool mm_entry_update(struct mm_env *env, mfn_t mfn, unsigned int idx, u64 old, u64 val,
                     bool preserve_ad)
{
    u64 *p, t = old;

    if (!env->direct_map)
        return entry_update_env(env, mfn, idx, old, val, preserve_ad);
    p = (u64 *)(env->direct_map + ((u64)mfn << 12)) + idx;
    for (;;) {
        u64 expect = t, n = val | (preserve_ad ? (t & MM_A_D) : 0);

        if (__atomic_compare_exchange_n(p, &t, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return true;
        if ((t ^ expect) & ~MM_A_D)
            return false;
    }
}

/* ---- L1 entries ------------------------------------------------------ */

/* Xen: MMIO is never mapped cacheable unless the guest asked for it. */
static u64 io_cache_flip(u64 flags)
{
    switch (flags & PAGE_CACHE_ATTRS) {
    case 0:                             /* WB -> UC */
        return _PAGE_PWT | _PAGE_PCD;
    case _PAGE_PWT:                     /* WT -> UC */
    case _PAGE_PWT | _PAGE_PAT:         /* WP -> UC */
        return _PAGE_PCD | (flags & _PAGE_PAT);
    default:
        return 0;
    }
}

/* Bits to flip in an I/O entry: cache attributes, and _PAGE_RW where only
 * read access is allowed (Xen forces those mappings read-only, silently). */
static u64 io_flip(u64 l1e, unsigned int access)
{
    return io_cache_flip(pte_flags(l1e)) |
           (access == MM_IO_RO && (l1e & _PAGE_RW) ? _PAGE_RW : 0);
}

static long l1e_io_refs(struct mm_env *env, u64 l1e, const struct mm_domain *l1_owner,
                        const struct mm_domain *pg_owner)
{
    mfn_t mfn = pte_mfn(l1e);
    /* The all-ones frame is how guests write "invalid": Xen says -EINVAL. */
    int deny = mfn == (PTE_ADDR_MASK >> 12) ? -XEN_EINVAL : -XEN_EPERM;
    unsigned int access = env->ops->iomem_access(env->ctx, pg_owner, mfn);

    if (access == MM_IO_NONE) {
        mm_log(env, l1_owner, "l1e", "no permission to map I/O frame", deny, mfn, l1e);
        return deny;
    }
    if (pg_owner != l1_owner) {
        unsigned int a2 = env->ops->iomem_access(env->ctx, l1_owner, mfn);

        if (a2 == MM_IO_NONE) {
            mm_log(env, l1_owner, "l1e", "table owner may not map I/O frame", deny, mfn, l1e);
            return deny;
        }
        if (a2 < access)
            access = a2;
    }
    return (long)io_flip(l1e, access);
}

/* Xen's get_page_from_l1e: a page owner named for another domain's table
 * passes on its right to map the frames of a domain it controls (a
 * device model its target's, XSM_TARGET): the frame's real owner is taken
 * when pg_owner controls it. A reference on the real owner's frame, or
 * false. */
static bool mm_get_page_passed_on(struct mm_env *env, mfn_t mfn,
                                  const struct mm_domain *l1_owner,
                                  const struct mm_domain *pg_owner)
{
    struct mm_domain *real;
    bool ok;

    if (pg_owner == l1_owner || pg_owner == &mm_dom_io || pg_owner == &mm_dom_xen ||
        !mm_mfn_valid(env, mfn))
        return false;
    real = mm_frame_owner(env, mfn);
    ok = real && real != pg_owner && env->ops->controls(env->ctx, pg_owner, real) &&
         mm_get_page(env, mfn, real);
    mm_put_owner(env, NULL, real);
    return ok;
}

/* Rules 1, 6, 8 for one present L1 entry. caller is used when pg_owner is
 * DOMID_IO ("the caller's own I/O permission"). */
static long l1e_get_refs(struct mm_env *env, u64 l1e, const struct mm_domain *l1_owner,
                         const struct mm_domain *pg_owner, const struct mm_domain *caller)
{
    mfn_t mfn = pte_mfn(l1e);
    u64 bad = pte_flags(l1e) & mm_disallowed(1, l1_owner);

    MM_BUG_ON(!(l1e & _PAGE_PRESENT));
    if (bad) {
        mm_log(env, l1_owner, "l1e", "bad L1 flags", -XEN_EINVAL, bad, l1e);
        return -XEN_EINVAL;
    }
    if (mm_is_io(env, mfn))
        return l1e_io_refs(env, l1e, l1_owner, pg_owner == &mm_dom_io ? caller : pg_owner);

    if (!mm_get_page(env, mfn, pg_owner) &&
        !mm_get_page_passed_on(env, mfn, l1_owner, pg_owner)) {
        mm_log(env, l1_owner, "l1e", "frame not the page owner's (or count overflow)",
               -XEN_EBUSY, mfn, l1e);
        return -XEN_EBUSY;
    }
    if ((l1e & _PAGE_RW) && mm_get_type(env, NULL, mfn, PGT_WRITABLE, 0)) {
        mm_put_page(env, mfn);
        mm_log(env, l1_owner, "l1e", "writable mapping of a frame typed otherwise",
               -XEN_EBUSY, mfn, l1e);
        return -XEN_EBUSY;
    }
    return 0;
}

long mm_l1e_get_refs(struct mm_env *env, u64 l1e, const struct mm_domain *l1_owner,
                     const struct mm_domain *pg_owner)
{
    return l1e_get_refs(env, l1e, l1_owner, pg_owner, l1_owner);
}

/* The references of a present L1 entry, the common cases inline: the
 * last writable user of a frame stamps it (rule 14: before the type can
 * change) and drops its type without the slow path's calls - each entry
 * of a devalidated L1 passes here. A lock holder, a parked or table type
 * go the whole way. Inlined into the devalidation loop too (a dying
 * domain's every entry: the call was a sixth of an entry's cost). */
static inline __attribute__((always_inline)) void l1e_put_refs(struct mm_env *env, u64 l1e)
{
    mfn_t mfn = pte_mfn(l1e);
    struct frame *f;

    if (mm_is_io(env, mfn))
        return;
    f = mm_frame(env, mfn);
    if (l1e & _PAGE_RW) {
        u64 x = mm_load(&f->type_info);

        if (pgt_count(x) == 1 && pgt_type(x) == PGT_WRITABLE &&
            !(x & (PGT_LOCKED | PGT_PARTIAL))) {
            u64 c = mm_load(&f->count_info);

            /* the clock read after each load: see mm_set_stamp */
            while (!mm_cas(&f->count_info, &c, (c & ~PGC_STAMP_MASK) | mm_stamp_now(env)))
                ;
            if (!mm_cas(&f->type_info, &x, x - 1))
                mm_put_type(env, NULL, mfn, 0);     /* raced: stamped anyway */
        } else {
            mm_put_type(env, NULL, mfn, 0);
        }
    }
    mm_put_page(env, mfn);
}

void mm_l1e_put_refs(struct mm_env *env, u64 l1e)
{
    if (l1e & _PAGE_PRESENT)
        l1e_put_refs(env, l1e);
}

long mm_l1e_get_refs_caller(struct mm_env *env, u64 l1e, const struct mm_domain *l1_owner,
                            const struct mm_domain *pg_owner, const struct mm_domain *caller)
{
    return l1e_get_refs(env, l1e, l1_owner, pg_owner, caller);
}

/* Entries are adjusted only once the whole table is accepted, so a refused
 * table is left exactly as the guest wrote it (rule 4). */
static u64 l1e_flip(const struct mm_env *env, u64 e, const struct mm_domain *d)
{
    if (!(e & _PAGE_PRESENT) || !mm_is_io(env, pte_mfn(e)))
        return 0;
    return io_flip(e, env->ops->iomem_access(env->ctx, d, pte_mfn(e)));
}

/* The first index from i whose entry is not zero (PT_ENTRIES if none):
 * most of a table is empty, and four empty entries cost one test after
 * the first; a full table (a direct map's L1) costs one load per entry. */
static inline unsigned int skip_empty(const u64 *t, unsigned int i)
{
    while (i < PT_ENTRIES && !mm_load(&t[i])) {
        if (!(i & 3) && !(mm_load(&t[i + 1]) | mm_load(&t[i + 2]) | mm_load(&t[i + 3])))
            i += 4;
        else
            i++;
    }
    return i;
}

/* The same downwards: the lowest j <= i with entries [j, i) all zero. */
static inline unsigned int skip_empty_down(const u64 *t, unsigned int i)
{
    while (i > 0) {
        if (!(i & 3) && !(mm_load(&t[i - 1]) | mm_load(&t[i - 2]) | mm_load(&t[i - 3]) |
                          mm_load(&t[i - 4])))
            i -= 4;
        else if (!mm_load(&t[i - 1]))
            i--;
        else
            break;
    }
    return i;
}

static int l1_validate(struct mm_env *env, mfn_t mfn, const struct mm_domain *d)
{
    const u64 *t = env->ops->map_frame(env->ctx, mfn);
    unsigned int i, end = 0;        /* end: one past the last present entry */
    long rc = 0;

    for (i = skip_empty(t, 0); i < PT_ENTRIES; i = skip_empty(t, i + 1)) {
        u64 e = mm_load(&t[i]);

        if (!(e & _PAGE_PRESENT)) {
            if (!mm_l1tf_refuse(env, d, 1, e))
                continue;
            rc = -XEN_EPERM;
            break;
        }
        rc = l1e_get_refs(env, e, d, d, d);
        if (rc < 0)
            break;
        end = i + 1;
    }
    if (rc < 0) {
        mm_log(env, d, "validate L1", "bad entry", (int)rc, mfn, i);
        while (i-- > 0)
            mm_l1e_put_refs(env, mm_load(&t[i]));
        return (int)rc;
    }
    for (i = skip_empty(t, 0); i < end; i = skip_empty(t, i + 1)) {
        u64 e = mm_load(&t[i]), ne;

        if (!(e & _PAGE_PRESENT))
            continue;               /* neither flipped nor adjusted */
        ne = mm_adjust(1, e ^ l1e_flip(env, e, d));
        if (ne != e)
            mm_entry_update(env, mfn, i, e, ne, false);
    }
    return 0;
}

static void l1_devalidate(struct mm_env *env, mfn_t mfn)
{
    const u64 *t = env->ops->map_frame(env->ctx, mfn);
    unsigned int i;

    for (i = skip_empty(t, 0); i < PT_ENTRIES; i = skip_empty(t, i + 1)) {
        u64 e = mm_load(&t[i]);

        if (e & _PAGE_PRESENT)
            l1e_put_refs(env, e);
    }
}

/* ---- L2-L4 entries --------------------------------------------------- */

/* Take the references of a present Lk entry (k >= 2): a general ref on the
 * child (unless pset: already held) and an L(k-1) type ref, which validates
 * the child (rules 8, 9). On -ERESTART, or on an error that left the child
 * parked (*child_partial), the general ref is kept for the caller. */
int mm_lk_get_refs(struct mm_env *env, struct mm_vcpu *v, unsigned int level, u64 e,
                   const struct mm_domain *d, bool pset, bool *child_partial)
{
    mfn_t child = pte_mfn(e);
    u64 bad = pte_flags(e) & mm_disallowed(level, d);
    int rc;

    *child_partial = false;
    if (bad) {
        mm_log(env, d, "entry", level == 4 ? "bad L4 flags" : level == 3 ?
               "bad L3 flags" : "bad L2 flags", -XEN_EINVAL, bad, e);
        return -XEN_EINVAL;
    }
    if (!pset && !mm_get_page(env, child, d)) {
        mm_log(env, d, "entry", "target frame not the domain's", -XEN_EINVAL, child, e);
        return -XEN_EINVAL;
    }
    /* An entry pointing at a table of its own level (linear page table)
     * fails here with a type mismatch: rule 9. L1 validation (under L2)
     * is bounded and not preemptible. */
    rc = mm_get_type_ex(env, v, child, level - 1, level > 2 ? MM_PREEMPTIBLE : 0,
                        child_partial);
    if (rc == 0 || rc == -XEN_ERESTART || *child_partial)
        return rc;
    mm_log(env, d, "entry", "target cannot be a table one level down", rc, child, e);
    mm_put_page(env, child);
    return rc;
}

int mm_lk_put_refs(struct mm_env *env, struct mm_vcpu *v, unsigned int level, u64 e,
                   bool pset)
{
    mfn_t child = pte_mfn(e);
    int rc;

    (void)level;
    if (pset)
        rc = mm_put_type_partial(env, v, child, MM_PREEMPTIBLE);
    else
        rc = mm_put_type(env, v, child, MM_PREEMPTIBLE);
    if (rc == -XEN_ERESTART)
        return rc;      /* child parked; we keep its general ref */
    mm_put_page(env, child);
    return 0;
}

/* Out of line: keeps its buffer off the recursive validation path. */
static __attribute__((noinline)) void install_hv_slots(struct mm_env *env, mfn_t mfn,
                                                       const struct mm_domain *d)
{
    u64 slots[HV_L4_LAST_SLOT - HV_L4_FIRST_SLOT + 1];
    const u64 *t = env->ops->map_frame(env->ctx, mfn);
    unsigned int i;

    env->ops->l4_hv_slots(env->ctx, d, mfn, slots);
    for (i = HV_L4_FIRST_SLOT; i <= HV_L4_LAST_SLOT; i++)
        if (mm_load(&t[i]) != slots[i - HV_L4_FIRST_SLOT])
            env->ops->entry_write(env->ctx, mfn, i, slots[i - HV_L4_FIRST_SLOT]);
}

/* Validate entries [*nr, 512) of a busy L2-L4 table; entry *nr holds a
 * general ref already if *pset. On return (*nr, *pset) describe what holds
 * references: [0,nr) fully, nr partially if pset. */
static int table_validate(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn,
                          unsigned int level, unsigned int flags, const struct mm_domain *d,
                          unsigned int *nr, bool *pset)
{
    const u64 *t = env->ops->map_frame(env->ctx, mfn);
    unsigned int i = *nr, start = *nr;
    bool ps = *pset;

    for (; i < PT_ENTRIES; i++, ps = false) {
        bool child_partial;
        u64 e;
        int rc;

        if (!ps && (i = skip_empty(t, i)) >= PT_ENTRIES)
            break;
        if (level == 4 && mm_hv_l4_slot(i))
            continue;
        e = mm_load(&t[i]);
        if (!(e & _PAGE_PRESENT)) {
            if (!mm_l1tf_refuse(env, d, level, e))
                continue;
            *nr = i;
            *pset = false;
            return -XEN_EPERM;
        }
        /* Preempt before a present entry only: an empty one costs a load
         * (as the devalidation below), the check an indirect call. */
        if (i > start && (flags & MM_PREEMPTIBLE) && mm_preempt(env)) {
            *nr = i;
            *pset = false;
            return -XEN_ERESTART;
        }
        rc = mm_lk_get_refs(env, v, level, e, d, ps, &child_partial);
        if (rc) {
            *nr = i;
            *pset = rc == -XEN_ERESTART || child_partial;
            if (rc != -XEN_ERESTART)
                mm_log(env, d, "validate", "bad entry", rc, mfn, i);
            return rc;
        }
    }
    /* Accepted: now adjust (rule 7) and install the hypervisor's slots. */
    for (i = skip_empty(t, 0); i < PT_ENTRIES; i = skip_empty(t, i + 1)) {
        u64 e, ne;

        if (level == 4 && mm_hv_l4_slot(i))
            continue;
        e = mm_load(&t[i]);
        ne = mm_adjust(level, e);
        if (ne != e)
            mm_entry_update(env, mfn, i, e, ne, false);
    }
    if (level == 4)
        install_hv_slots(env, mfn, d);
    *nr = PT_ENTRIES;
    *pset = false;
    return 0;
}

/* Drop the references of entries [0,*nr) (and the partial entry *nr if
 * *pset), top down, preemptibly. */
static int table_devalidate(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn,
                            unsigned int level, unsigned int flags,
                            unsigned int *nr, bool *pset)
{
    const u64 *t = env->ops->map_frame(env->ctx, mfn);
    unsigned int i = *nr;
    bool did = false;

    if (*pset) {
        if (mm_lk_put_refs(env, v, level, mm_load(&t[i]), true) == -XEN_ERESTART)
            return -XEN_ERESTART;
        did = true;
    }
    while ((i = skip_empty_down(t, i)) > 0) {
        unsigned int j = i - 1;
        u64 e;

        if ((level == 4 && mm_hv_l4_slot(j)) || !((e = mm_load(&t[j])) & _PAGE_PRESENT)) {
            i = j;
            continue;
        }
        if (did && (flags & MM_PREEMPTIBLE) && mm_preempt(env)) {
            *nr = i;
            *pset = false;
            return -XEN_ERESTART;
        }
        did = true;
        if (mm_lk_put_refs(env, v, level, e, false) == -XEN_ERESTART) {
            *nr = j;
            *pset = true;
            return -XEN_ERESTART;
        }
        i = j;
    }
    *nr = 0;
    *pset = false;
    return 0;
}

/* ---- Descriptor pages ------------------------------------------------ */

static int segdesc_validate(struct mm_env *env, mfn_t mfn, const struct mm_domain *d)
{
    const u64 *t = env->ops->map_frame(env->ctx, mfn);
    unsigned int i;

    for (i = 0; i < PT_ENTRIES; i++) {
        u64 e = mm_load(&t[i]);

        if (!mm_check_descriptor(&e)) {
            mm_log(env, d, "validate GDT/LDT", "bad descriptor", -XEN_EINVAL, mfn, i);
            return -XEN_EINVAL;
        }
    }
    /* All safe: store the fixed-up forms (DPL 3, gate DPL 0). */
    for (i = 0; i < PT_ENTRIES; i++) {
        u64 e = mm_load(&t[i]), ne = e;

        mm_check_descriptor(&ne);
        if (ne != e)
            env->ops->entry_write(env->ctx, mfn, i, ne);
    }
    return 0;
}

/* ---- Dispatch -------------------------------------------------------- */

int mm_validate(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                unsigned int flags, unsigned int *nr, bool *pset)
{
    struct mm_domain *d = mm_frame_owner(env, mfn);
    int rc;

    if (!d) {
        *nr = 0;
        *pset = false;
        return -XEN_EINVAL;
    }
    switch (type) {
    case PGT_L1:
        *nr = 0;
        *pset = false;
        rc = l1_validate(env, mfn, d);
        break;
    case PGT_L2:
    case PGT_L3:
    case PGT_L4:
        rc = table_validate(env, v, mfn, type, flags, d, nr, pset);
        mm_pt_changed(env);
        break;
    case PGT_SEG_DESC:
        *nr = 0;
        *pset = false;
        rc = segdesc_validate(env, mfn, d);
        break;
    default:
        MM_BUG_ON(1);
        rc = -XEN_EINVAL;
    }
    mm_put_owner(env, NULL, d);
    return rc;
}

int mm_devalidate(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                  unsigned int flags, unsigned int *nr, bool *pset)
{
    switch (type) {
    case PGT_L1:
        if (*nr)
            l1_devalidate(env, mfn);
        *nr = 0;
        *pset = false;
        return 0;
    case PGT_L2:
    case PGT_L3:
    case PGT_L4: {
        int rc = table_devalidate(env, v, mfn, type, flags, nr, pset);

        mm_pt_changed(env);
        return rc;
    }
    default:
        *nr = 0;
        *pset = false;
        return 0;
    }
}
