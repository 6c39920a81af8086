/*
 * The 2-level delivery protocol over guest memory: a pending and a mask
 * bit per port in shared_info, a selector bit per word in the notified
 * vCPU's vcpu_info, and its upcall flag. The guest writes these words at
 * any time, so only atomic read-modify-writes touch them and nothing read
 * back from them is trusted beyond "set or not".
 */
#include "evtchn_internal.h"

#define WORD_BITS (sizeof(xen_ulong_t) * 8)

static bool test_and_set(xen_ulong_t *w, unsigned int bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % WORD_BITS);

    return __atomic_fetch_or(&w[bit / WORD_BITS], m, __ATOMIC_SEQ_CST) & m;
}

static bool test_and_clear(xen_ulong_t *w, unsigned int bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % WORD_BITS);

    return __atomic_fetch_and(&w[bit / WORD_BITS], ~m, __ATOMIC_SEQ_CST) & m;
}

static bool test(const xen_ulong_t *w, unsigned int bit)
{
    return (__atomic_load_n(&w[bit / WORD_BITS], __ATOMIC_ACQUIRE) >> (bit % WORD_BITS)) & 1;
}

/* The notified vCPU, or vCPU 0 if it does not exist (never trusted). */
static vcpu_info_t *target(struct evtchn_env *env, struct evtchn_domain *d, unsigned int *vcpu)
{
    vcpu_info_t *vi = *vcpu < d->max_vcpus ? env->ops->vcpu_info(env->ctx, d, *vcpu) : NULL;

    if (!vi) {
        *vcpu = 0;
        vi = env->ops->vcpu_info(env->ctx, d, 0);
    }
    return vi;
}

static void mark_upcall(struct evtchn_env *env, struct evtchn_domain *d, unsigned int vcpu,
                        vcpu_info_t *vi, evtchn_port_t port)
{
    if (test_and_set(&vi->evtchn_pending_sel, port / WORD_BITS))
        return;
    if (!__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        env->ops->kick(env->ctx, d, vcpu);
}

void evtchn_2l_set_pending(struct evtchn_env *env, struct evtchn_domain *d,
                           evtchn_port_t port, unsigned int vcpu)
{
    shared_info_t *s = env->ops->shared_info(env->ctx, d);
    vcpu_info_t *vi = target(env, d, &vcpu);

    if (!s || port >= EVTCHN_NR_PORTS || test_and_set(s->evtchn_pending, port))
        return;
    if (vi && !test(s->evtchn_mask, port))
        mark_upcall(env, d, vcpu, vi, port);
    env->ops->raised(env->ctx, d, port);
}

void evtchn_2l_clear_pending(struct evtchn_env *env, struct evtchn_domain *d,
                             evtchn_port_t port)
{
    shared_info_t *s = env->ops->shared_info(env->ctx, d);

    if (s && port < EVTCHN_NR_PORTS)
        test_and_clear(s->evtchn_pending, port);
}

void evtchn_2l_unmask(struct evtchn_env *env, struct evtchn_domain *d,
                      evtchn_port_t port, unsigned int vcpu)
{
    shared_info_t *s = env->ops->shared_info(env->ctx, d);
    vcpu_info_t *vi = target(env, d, &vcpu);

    if (!s || !vi || port >= EVTCHN_NR_PORTS)
        return;
    if (test_and_clear(s->evtchn_mask, port) && test(s->evtchn_pending, port))
        mark_upcall(env, d, vcpu, vi, port);
}

bool evtchn_is_pending(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port)
{
    shared_info_t *s = env->ops->shared_info(env->ctx, d);

    return s && port < EVTCHN_NR_PORTS && test(s->evtchn_pending, port);
}
