/*
 * GNTTABOP_* decoding (rule G7): each batch reads its array through the
 * environment, runs one operation per entry, writes each entry's status
 * back, and returns 0; only a fault on the array itself is an errno. Long
 * batches stop at a preemption point and hand back a continuation that
 * resumes at the next entry.
 */
#include <stddef.h>
#include <asm/layout.h>
#include "gnttab_internal.h"

/* Xen's own split of the command word (xen/common/grant_table.c). */
#define GNT_CMD_MASK ((1u << 12) - 1)

/* The whole array in guest space (canonical, clear of the hypervisor's
 * slots, no wrap): every element is then too, so map, unmap and copy
 * copy elements without checking each again (GET_OK). */
static bool array_ok(u64 p, unsigned int n, size_t size)
{
    u64 end = p + (u64)n * size;

    if (end < p)
        return false;
    return (p < (1ULL << 47) && end <= (1ULL << 47)) || p >= DIRECTMAP_VIRT_END;
}

static long restart(struct gnt_cont *cont, unsigned int cmd, u64 uop, unsigned int left)
{
    cont->cmd = cmd;
    cont->uop = uop;
    cont->count = left;
    return -XEN_ERESTART;
}

#define GET(x, at) gnt_env_copy_from(env, v, &(x), (at), sizeof(x))
#define PUT(at, x) gnt_env_copy_to(env, v, (at), &(x), sizeof(x))
#define PUT_FIELD(at, type, f, x) PUT((at) + offsetof(type, f), (x).f)
/* In map, unmap and copy, whose arrays gnt_do_op checked with array_ok. */
#define GET_OK(x, at) gnt_env_copy_from_ok(env, v, &(x), (at), sizeof(x))
#define PUT_OK(at, x) gnt_env_copy_to_ok(env, v, (at), &(x), sizeof(x))
#define PUT_FIELD_OK(at, type, f, x) PUT_OK((at) + offsetof(type, f), (x).f)

__attribute__((noinline))
static long do_map(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                   unsigned int count, struct gnt_cont *cont)
{
    for (unsigned int i = 0; i < count; i++) {
        struct gnttab_map_grant_ref op;
        u64 at = uop + i * sizeof(op);

        if (i && gnt_env_preempt(env))
            return restart(cont, GNTTABOP_map_grant_ref, at, count - i);
        if (GET_OK(op, at))
            return -XEN_EFAULT;
        gnt_map(env, v, lt, &op);
        if (PUT_OK(at, op))
            return -XEN_EFAULT;
    }
    return 0;
}

/* unmap_grant_ref and unmap_and_replace: up to GNT_UNMAP_BATCH mappings
 * are cleared, then the caller's TLBs flushed once, then their pins,
 * references and status bits released (rule G5). */
__attribute__((noinline))
static long do_unmap(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
                     unsigned int cmd, u64 uop, unsigned int count, struct gnt_cont *cont)
{
    size_t size = cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref)
                                                  : sizeof(struct gnttab_unmap_and_replace);
    struct gnt_unmap_done done[GNT_UNMAP_BATCH];
    unsigned int i = 0;

    while (i < count) {
        unsigned int n = 0, c = count - i < GNT_UNMAP_BATCH ? count - i : GNT_UNMAP_BATCH;
        long rc = 0;

        for (; n < c; n++) {
            u64 at = uop + (i + n) * size;
            s16 st;

            if (cmd == GNTTABOP_unmap_grant_ref) {
                struct gnttab_unmap_grant_ref op;

                if (GET_OK(op, at)) {
                    rc = -XEN_EFAULT;
                    break;
                }
                gnt_unmap(env, v, lt, op.handle, op.host_addr, op.dev_bus_addr, 0, &st,
                          &done[n]);
                op.status = st;
                if (PUT_FIELD_OK(at, struct gnttab_unmap_grant_ref, status, op))
                    rc = -XEN_EFAULT;
            } else {
                struct gnttab_unmap_and_replace op;

                if (GET_OK(op, at)) {
                    rc = -XEN_EFAULT;
                    break;
                }
                gnt_unmap(env, v, lt, op.handle, op.host_addr, 0, op.new_addr, &st,
                          &done[n]);
                op.status = st;
                if (PUT_FIELD_OK(at, struct gnttab_unmap_and_replace, status, op))
                    rc = -XEN_EFAULT;
            }
            if (rc) {
                n++;
                break;
            }
        }
        gnt_env_flush_domain(env, v);
        for (unsigned int k = 0; k < n; k++)
            gnt_unmap_complete(env, v, &done[k]);
        if (rc)
            return rc;
        i += c;
        if (i < count && gnt_env_preempt(env))
            return restart(cont, cmd, uop + i * size, count - i);
    }
    return 0;
}

/* Consecutive entries naming the same ref or frame share one claim of it
 * (copy.c); the state is given back before every return. */
__attribute__((noinline))
static long do_copy(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                    unsigned int count, struct gnt_cont *cont)
{
    struct gnt_copy_state cs;
    long rc = 0;

    gnt_copy_begin(&cs);
    for (unsigned int i = 0; i < count; i++) {
        struct gnttab_copy op;
        u64 at = uop + i * sizeof(op);

        if (i && gnt_env_preempt(env)) {
            rc = restart(cont, GNTTABOP_copy, at, count - i);
            break;
        }
        if (gnt_env_get_copy_ok(env, v, &op, at)) {
            rc = -XEN_EFAULT;
            break;
        }
        if (gnt_env_put_copy_status_ok(env, v, at, gnt_copy_one(env, lt, &op, &cs))) {
            rc = -XEN_EFAULT;
            break;
        }
    }
    gnt_copy_end(env, &cs);
    return rc;
}

static long do_swap(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                    unsigned int count, struct gnt_cont *cont)
{
    for (unsigned int i = 0; i < count; i++) {
        struct gnttab_swap_grant_ref op;
        u64 at = uop + i * sizeof(op);

        if (i && gnt_env_preempt(env))
            return restart(cont, GNTTABOP_swap_grant_ref, at, count - i);
        if (GET(op, at))
            return -XEN_EFAULT;
        op.status = gnt_swap(env, lt, op.ref_a, op.ref_b);
        if (PUT_FIELD(at, struct gnttab_swap_grant_ref, status, op))
            return -XEN_EFAULT;
    }
    return 0;
}

/* Errors here are the hypercall's return value, not a per-entry status. */
static long do_cache_flush(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
                           u64 uop, unsigned int count, struct gnt_cont *cont)
{
    for (unsigned int i = 0; i < count; i++) {
        struct gnttab_cache_flush op;
        u64 at = uop + i * sizeof(op);
        long rc;

        if (i && gnt_env_preempt(env))
            return restart(cont, GNTTABOP_cache_flush, at, count - i);
        if (GET(op, at))
            return -XEN_EFAULT;
        rc = gnt_cache_flush(env, v, lt, &op);
        if (rc)
            return rc;
    }
    return 0;
}

/* Everything but the three commands split drivers issue per request. */
static __attribute__((noinline)) long do_other(struct gnt_env *env, struct mm_vcpu *v,
                                               struct gnt_table *lt, unsigned int cmd,
                                               u64 uop, unsigned int count,
                                               struct gnt_cont *cont)
{
    unsigned int opaque = cmd & ~GNT_CMD_MASK;
    size_t size = 0;

    if ((int)count < 0)
        return -XEN_EINVAL;
    cmd &= GNT_CMD_MASK;
    if (cmd != GNTTABOP_cache_flush && opaque)
        return -XEN_EINVAL;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        size = sizeof(struct gnttab_map_grant_ref);
        break;
    case GNTTABOP_unmap_grant_ref:
        size = sizeof(struct gnttab_unmap_grant_ref);
        break;
    case GNTTABOP_unmap_and_replace:
        size = sizeof(struct gnttab_unmap_and_replace);
        break;
    case GNTTABOP_transfer:
        size = sizeof(struct gnttab_transfer);
        break;
    case GNTTABOP_copy:
        size = sizeof(struct gnttab_copy);
        break;
    case GNTTABOP_swap_grant_ref:
        size = sizeof(struct gnttab_swap_grant_ref);
        break;
    case GNTTABOP_cache_flush:
        size = sizeof(struct gnttab_cache_flush);
        break;
    }
    if (size && !array_ok(uop, count, size))
        return -XEN_EFAULT;

    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        return do_map(env, v, lt, uop, count, cont);
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_unmap_and_replace:
        return do_unmap(env, v, lt, cmd, uop, count, cont);
    case GNTTABOP_setup_table:
        return gnt_setup_table(env, v, lt, uop, count);
    case GNTTABOP_query_size:
        return gnt_query_size(env, v, lt, uop, count);
    case GNTTABOP_transfer:
        /* Rule G9: as Xen with gnttab=no-transfer. */
        gnt_log(env, lt, "transfer", "page transfer is not supported", -XEN_EOPNOTSUPP,
                count, 0);
        return -XEN_EOPNOTSUPP;
    case GNTTABOP_copy:
        return do_copy(env, v, lt, uop, count, cont);
    case GNTTABOP_set_version:
    case GNTTABOP_get_version:
    case GNTTABOP_get_status_frames:
        return gnt_version_op(env, v, lt, cmd, uop, count);
    case GNTTABOP_swap_grant_ref:
        return do_swap(env, v, lt, uop, count, cont);
    case GNTTABOP_cache_flush:
        if (opaque)
            return -XEN_EINVAL;     /* we never hand out a continuation ref */
        return do_cache_flush(env, v, lt, uop, count, cont);
    }
    return -XEN_ENOSYS;
}

/* map, unmap and copy straight to their loops (the same checks as
 * do_other's: no opaque bits, a count that fits an int, an array in guest
 * space); the two switches over every command are for the rest. */
long gnt_do_op(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
               unsigned int cmd, u64 uop, unsigned int count, struct gnt_cont *cont)
{
    if ((int)count >= 0) {
        if (cmd == GNTTABOP_map_grant_ref)
            return array_ok(uop, count, sizeof(struct gnttab_map_grant_ref))
                   ? do_map(env, v, lt, uop, count, cont) : -XEN_EFAULT;
        if (cmd == GNTTABOP_unmap_grant_ref)
            return array_ok(uop, count, sizeof(struct gnttab_unmap_grant_ref))
                   ? do_unmap(env, v, lt, cmd, uop, count, cont) : -XEN_EFAULT;
        if (cmd == GNTTABOP_copy)
            return array_ok(uop, count, sizeof(struct gnttab_copy))
                   ? do_copy(env, v, lt, uop, count, cont) : -XEN_EFAULT;
    }
    return do_other(env, v, lt, cmd, uop, count, cont);
}
