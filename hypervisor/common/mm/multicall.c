/*
 * HYPERVISOR_multicall (rule 17). Entries run in order, each as its own
 * hypercall with its own result, each seeing the effects of the ones
 * before. What a batch may not do is outlive a change of the caller:
 * an entry after which the vCPU is no longer in kernel mode, or whose
 * domain or privilege changed, ends the batch (the rest are not run and
 * their result fields are not written); iret ends it as in Xen (mc_exit).
 * A preempted entry is rewritten in place as its own continuation and the
 * multicall continues from it. Nesting is refused.
 */
#include "mm_internal.h"

long mm_do_multicall(struct mm_env *env, struct mm_vcpu *v, u64 call_list,
                     unsigned int nr_calls, mm_mc_dispatch_t dispatch,
                     struct mm_cont *cont)
{
    const struct mm_domain *d = v->dom;
    const bool privileged = d->privileged, kernel_mode = v->kernel_mode;
    unsigned int i;
    long rc = 0;

    if (v->in_multicall) {
        mm_log(env, d, "multicall", "nested multicall", -XEN_EINVAL, 0, 0);
        return -XEN_EINVAL;
    }
    v->in_multicall = true;

    for (i = 0; i < nr_calls; i++) {
        u64 gva = call_list + (u64)i * sizeof(struct multicall_entry);
        struct multicall_entry call;
        struct mm_cont sub;                 /* args are set with -ERESTART */
        long result;

        sub.nargs = 0;

        if (i && mm_preempt(env))
            goto preempted;
        if (env->ops->copy_from_guest(env->ctx, v, &call, gva, sizeof(call))) {
            rc = -XEN_EFAULT;
            break;
        }
        if (call.op == __HYPERVISOR_multicall)
            result = -XEN_EINVAL;
        else
            result = dispatch(env->ctx, v, call.op, (const unsigned long *)call.args, &sub);
        call.result = (xen_ulong_t)result;

        if (result == -XEN_ERESTART) {
            /* Re-run this entry with the sub-call's continuation. */
            unsigned int k;

            for (k = 0; k < sub.nargs && k < 6; k++)
                call.args[k] = sub.args[k];
            if (env->ops->copy_to_guest(env->ctx, v, gva, &call, sizeof(call))) {
                rc = -XEN_EFAULT;
                break;
            }
            goto preempted;
        }
        if (env->ops->copy_to_guest(env->ctx, v, gva + offsetof(struct multicall_entry, result),
                                    &call.result, sizeof(call.result))) {
            rc = -XEN_EFAULT;
            break;
        }
        if (call.op == __HYPERVISOR_iret) {
            rc = result;
            break;
        }
        if (v->kernel_mode != kernel_mode || v->dom != d || d->privileged != privileged) {
            mm_log(env, d, "multicall", "entry changed the caller's mode: batch ended",
                   0, call.op, i);
            break;
        }
    }
    v->in_multicall = false;
    return rc;

preempted:
    v->in_multicall = false;
    cont->nargs = 2;
    cont->args[0] = call_list + (u64)i * sizeof(struct multicall_entry);
    cont->args[1] = nr_calls - i;
    return -XEN_ERESTART;
}
