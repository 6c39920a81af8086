/*
 * The environment calls a map, unmap or copy makes for every batch entry:
 * guest copies, the granter's table, a frame's data, the mapper's flush,
 * preemption. Host builds (UNIT_TEST) go through struct gnt_env_ops, so the
 * tests and the fuzzer run the module over their fake machine; the
 * hypervisor build calls its shim (common/grant_table.c) directly, inline
 * where the shim's function is one line. There an indirect call is a
 * retpoline, and the profile of a map + unmap showed a dozen of them.
 * Rarer calls (pages, logging, controlled lookups) stay behind the ops in
 * both builds.
 */
#ifndef GNTTAB_ENV_H
#define GNTTAB_ENV_H

#include <pvisor/gnttab.h>

#ifdef UNIT_TEST

static inline int gnt_env_copy_from(struct gnt_env *env, struct mm_vcpu *v, void *dst, u64 gva,
                                    size_t len)
{
    return env->ops->copy_from_guest(env->ctx, v, dst, gva, len);
}

static inline int gnt_env_copy_to(struct gnt_env *env, struct mm_vcpu *v, u64 gva,
                                  const void *src, size_t len)
{
    return env->ops->copy_to_guest(env->ctx, v, gva, src, len);
}

/* The same for an element of an array array_ok() accepted as a whole
 * (as Xen's guest_handle_okay, then __copy_from_guest): the hypervisor
 * skips the per-copy range check, never the fault handling. */
static inline int gnt_env_copy_from_ok(struct gnt_env *env, struct mm_vcpu *v, void *dst,
                                       u64 gva, size_t len)
{
    return env->ops->copy_from_guest(env->ctx, v, dst, gva, len);
}

static inline int gnt_env_copy_to_ok(struct gnt_env *env, struct mm_vcpu *v, u64 gva,
                                     const void *src, size_t len)
{
    return env->ops->copy_to_guest(env->ctx, v, gva, src, len);
}

/* Another live domain's table by id, referenced (not `controlled`). */
static inline struct gnt_table *gnt_env_get_table(struct gnt_env *env, struct gnt_table *caller,
                                                  u16 domid)
{
    int err = 0;

    return env->ops->get_table(env->ctx, caller, domid, false, &err);
}

static inline void *gnt_env_map_data(struct gnt_env *env, mfn_t mfn)
{
    return env->ops->map_data(env->ctx, mfn);
}

static inline void gnt_env_flush_domain(struct gnt_env *env, struct mm_vcpu *v)
{
    env->ops->flush_domain(env->ctx, v);
}

static inline bool gnt_env_preempt(struct gnt_env *env)
{
    return env->ops->preempt_check(env->ctx);
}

static inline void gnt_env_relax(struct gnt_env *env)
{
    env->ops->relax(env->ctx);
}

#else   /* the hypervisor: what grant_table.c's gnt_ops would call */

#include <pvisor/uaccess.h>
#include <asm/page.h>
#include <asm/processor.h>

bool hypercall_preempt_check(void);
struct gnt_table *domain_grant_table_get(domid_t id);
void gnttab_flush_domain(struct mm_vcpu *v);

static inline int gnt_env_copy_from(struct gnt_env *env, struct mm_vcpu *v, void *dst, u64 gva,
                                    size_t len)
{
    (void)env;
    (void)v;
    return copy_from_guest_va(dst, gva, len);
}

static inline int gnt_env_copy_to(struct gnt_env *env, struct mm_vcpu *v, u64 gva,
                                  const void *src, size_t len)
{
    (void)env;
    (void)v;
    return copy_to_guest_va(gva, src, len);
}

static inline int gnt_env_copy_from_ok(struct gnt_env *env, struct mm_vcpu *v, void *dst,
                                       u64 gva, size_t len)
{
    (void)env;
    (void)v;
    return raw_copy_from_guest(dst, gva, len) ? -XEN_EFAULT : 0;
}

static inline int gnt_env_copy_to_ok(struct gnt_env *env, struct mm_vcpu *v, u64 gva,
                                     const void *src, size_t len)
{
    (void)env;
    (void)v;
    return raw_copy_to_guest(gva, src, len) ? -XEN_EFAULT : 0;
}

static inline struct gnt_table *gnt_env_get_table(struct gnt_env *env, struct gnt_table *caller,
                                                  u16 domid)
{
    (void)env;
    (void)caller;
    return domain_grant_table_get(domid);
}

static inline void *gnt_env_map_data(struct gnt_env *env, mfn_t mfn)
{
    (void)env;
    return mfn_to_virt(mfn);
}

static inline void gnt_env_flush_domain(struct gnt_env *env, struct mm_vcpu *v)
{
    (void)env;
    gnttab_flush_domain(v);
}

static inline bool gnt_env_preempt(struct gnt_env *env)
{
    (void)env;
    return hypercall_preempt_check();
}

static inline void gnt_env_relax(struct gnt_env *env)
{
    (void)env;
    cpu_relax();
}

#endif
#endif
