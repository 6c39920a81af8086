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

/* A copy batch's entry in, its status out (array_ok'd array). */
static inline int gnt_env_get_copy_ok(struct gnt_env *env, struct mm_vcpu *v,
                                      struct gnttab_copy *op, u64 gva)
{
    return env->ops->copy_from_guest(env->ctx, v, op, gva, sizeof(*op));
}

static inline int gnt_env_put_copy_status_ok(struct gnt_env *env, struct mm_vcpu *v, u64 gva,
                                             s16 status)
{
    return env->ops->copy_to_guest(env->ctx, v, gva + __builtin_offsetof(struct gnttab_copy,
                                                                         status),
                                   &status, sizeof(status));
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
#include <asm/traps.h>

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

/*
 * A copy batch's entry in five 8-byte loads and its status out in one
 * 16-bit store, inline, each with a fault fixup: the generic copy is a
 * call and `rep movs`, one instruction per iteration under emulation,
 * for each of netback's ~14 entries per packet.
 */
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy is five words");

static inline int gnt_env_get_copy_ok(struct gnt_env *env, struct mm_vcpu *v,
                                      struct gnttab_copy *op, u64 gva)
{
    u64 w[5];
    int err = 0;

    (void)env;
    (void)v;
    __asm__ __volatile__("1: mov 0(%[p]), %[a]\n"
                         "2: mov 8(%[p]), %[b]\n"
                         "3: mov 16(%[p]), %[c]\n"
                         "4: mov 24(%[p]), %[d]\n"
                         "5: mov 32(%[p]), %[e]\n"
                         "6:\n"
                         ".pushsection .text.fixup, \"ax\"\n"
                         "7: mov $1, %[err]\n"
                         "   jmp 6b\n"
                         ".popsection\n"
                         _ASM_EXTABLE(1b, 7b) _ASM_EXTABLE(2b, 7b) _ASM_EXTABLE(3b, 7b)
                         _ASM_EXTABLE(4b, 7b) _ASM_EXTABLE(5b, 7b)
                         : [a] "=&r"(w[0]), [b] "=&r"(w[1]), [c] "=&r"(w[2]), [d] "=&r"(w[3]),
                           [e] "=&r"(w[4]), [err] "+r"(err)
                         : [p] "r"(gva)
                         : "memory");
    if (err)
        return -XEN_EFAULT;
    __builtin_memcpy(op, w, sizeof(w));
    return 0;
}

static inline int gnt_env_put_copy_status_ok(struct gnt_env *env, struct mm_vcpu *v, u64 gva,
                                             s16 status)
{
    int err = 0;

    (void)env;
    (void)v;
    __asm__ __volatile__("1: movw %[s], (%[p])\n"
                         "2:\n"
                         ".pushsection .text.fixup, \"ax\"\n"
                         "3: mov $1, %[err]\n"
                         "   jmp 2b\n"
                         ".popsection\n"
                         _ASM_EXTABLE(1b, 3b)
                         : [err] "+r"(err)
                         : [s] "r"(status),
                           [p] "r"(gva + __builtin_offsetof(struct gnttab_copy, status))
                         : "memory");
    return err ? -XEN_EFAULT : 0;
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
