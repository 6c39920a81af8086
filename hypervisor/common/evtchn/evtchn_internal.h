/* Internal interfaces of the event-channel module (not for other code). */
#ifndef EVTCHN_INTERNAL_H
#define EVTCHN_INTERNAL_H

#include <pvisor/evtchn.h>
#include <pvisor/compiler.h>

/* An invariant the module relies on is broken: stop before it spreads. */
#define EVTCHN_BUG_ON(c) do { if (unlikely(c)) __builtin_trap(); } while (0)

static inline void evtchn_lock(struct evtchn_env *env, struct evtchn_domain *d)
{
    env->ops->lock(env->ctx, d);
}

static inline void evtchn_unlock(struct evtchn_env *env, struct evtchn_domain *d)
{
    env->ops->unlock(env->ctx, d);
}

/* Rule 1: valid ports only grow, so a check without the lock stays true. */
static inline bool evtchn_port_valid(const struct evtchn_domain *d, evtchn_port_t port)
{
    return port < __atomic_load_n(&d->valid, __ATOMIC_ACQUIRE);
}

static inline bool evtchn_vcpu_exists(struct evtchn_env *env, struct evtchn_domain *d,
                                      unsigned int vcpu)
{
    return vcpu < d->max_vcpus && env->ops->vcpu_info(env->ctx, d, vcpu) != NULL;
}

/* The domain a hypercall names (DOMID_SELF = the caller), with a
 * reference (the caller's own included); NULL with *rc = -ESRCH. */
struct evtchn_domain *evtchn_get_domain(struct evtchn_env *env, struct evtchn_domain *caller,
                                        domid_t id, long *rc);
void evtchn_put_domain(struct evtchn_env *env, struct evtchn_domain *caller,
                       struct evtchn_domain *d);
/* Xen's XSM_TARGET default: the domain itself or its controller. */
static inline bool evtchn_controls(const struct evtchn_domain *caller,
                                   const struct evtchn_domain *d)
{
    return caller == d || caller->privileged;
}

/* Under d's lock: the lowest free port (rule 2), marked in use by the
 * caller setting its state (evtchn_take), or -ENOSPC / -EINVAL. */
int evtchn_free_port(struct evtchn_domain *d);
void evtchn_take(struct evtchn_domain *d, evtchn_port_t port, enum evtchn_state state);
/* Under d's lock: back to free, pending bit cleared, notify vCPU 0. */
void evtchn_release(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port);

/* Both locks, lower domid first (rule 5); a == b takes one. */
void evtchn_lock_pair(struct evtchn_env *env, struct evtchn_domain *a, struct evtchn_domain *b);
void evtchn_unlock_pair(struct evtchn_env *env, struct evtchn_domain *a, struct evtchn_domain *b);
#endif
