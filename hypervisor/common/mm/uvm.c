/*
 * HYPERVISOR_update_va_mapping(_otherdomain): replace the L1 entry that maps
 * a virtual address of the caller's current kernel page tables, then do the
 * requested flush (Xen 4.17's __do_update_va_mapping).
 */
#include "mm_internal.h"

static long uvm(struct mm_env *env, struct mm_vcpu *v, u64 va, u64 val, u64 flags,
                struct mm_domain *pg_owner)
{
    struct mm_domain *d = v->dom;
    u64 mask[MM_MASK_WORDS], bmap = flags & ~UVMF_FLUSHTYPE_MASK;
    unsigned int idx, kind;
    mfn_t l1;
    long rc;

    rc = mm_walk_l1(env, v, va, &l1, &idx);
    if (rc || !mm_get_page(env, l1, d)) {
        mm_log(env, d, "update_va_mapping", "no L1 table maps this address", -XEN_EINVAL,
               va, val);
        return -XEN_EINVAL;
    }
    if (!mm_page_lock(env, l1)) {
        mm_put_page(env, l1);
        mm_log(env, d, "update_va_mapping", "L1 table not live", -XEN_EINVAL, va, l1);
        return -XEN_EINVAL;
    }
    if (pgt_type(mm_load(&mm_frame(env, l1)->type_info)) != PGT_L1) {
        rc = -XEN_EINVAL;
        mm_log(env, d, "update_va_mapping", "not an L1 table", (int)rc, va, l1);
    } else
        rc = mm_mod_l1(env, d, d, pg_owner, l1, idx, val, false);
    mm_page_unlock(env, l1);
    mm_put_page(env, l1);
    /* Nothing changed on error: no flush (va is not trustworthy either). */
    if (rc)
        return rc;

    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_TLB_FLUSH:
        kind = MM_FLUSH_TLB;
        break;
    case UVMF_INVLPG:
        kind = MM_FLUSH_INVLPG;
        break;
    default:
        return 0;
    }
    if (bmap == UVMF_LOCAL) {
        env->ops->flush_guest(env->ctx, v, kind | MM_FLUSH_LOCAL, NULL, va);
    } else if (bmap == UVMF_ALL) {
        env->ops->flush_guest(env->ctx, v, kind | MM_FLUSH_ALL, NULL, va);
    } else {
        /* A pointer to a vCPU bitmap; Xen still flushes (nothing) on -EFAULT. */
        rc = mm_read_vcpumask(env, v, bmap, mask, MM_MASK_WORDS);
        env->ops->flush_guest(env->ctx, v, kind | MM_FLUSH_MASK, mask, va);
    }
    return rc;
}

long mm_do_update_va_mapping(struct mm_env *env, struct mm_vcpu *v, u64 va, u64 val,
                             u64 flags, struct mm_cont *cont)
{
    long rc = uvm(env, v, va, val, flags, v->dom);

    if (rc == -XEN_ERESTART) {
        cont->nargs = 3;
        cont->args[0] = va;
        cont->args[1] = val;
        cont->args[2] = flags;
    }
    return rc;
}

long mm_do_update_va_mapping_otherdomain(struct mm_env *env, struct mm_vcpu *v, u64 va,
                                         u64 val, u64 flags, u16 domid,
                                         struct mm_cont *cont)
{
    struct mm_domain *pg_owner = mm_get_pg_owner(env, v, domid);
    long rc;

    if (!pg_owner) {
        mm_log(env, v->dom, "update_va_mapping_otherdomain", "no such domain", -XEN_ESRCH,
               domid, va);
        return -XEN_ESRCH;
    }
    if (!mm_may_name(env, v->dom, pg_owner)) {
        mm_log(env, v->dom, "update_va_mapping_otherdomain", "foreign domain needs privilege",
               -XEN_EPERM, domid, va);
        mm_put_owner(env, v, pg_owner);
        return -XEN_EPERM;
    }
    rc = uvm(env, v, va, val, flags, pg_owner);
    mm_put_owner(env, v, pg_owner);
    if (rc == -XEN_ERESTART) {
        cont->nargs = 4;
        cont->args[0] = va;
        cont->args[1] = val;
        cont->args[2] = flags;
        cont->args[3] = domid;
    }
    return rc;
}
