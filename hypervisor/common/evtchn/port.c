/*
 * Port tables: allocation in Xen's order (lowest free port, within the
 * domain's max_evtchn_port and the ABI's limit), the domain lookup every
 * operation shares, and the lock order for two domains.
 */
#include "evtchn_internal.h"
#include <string.h>

void evtchn_setup(struct evtchn_domain *d, struct evtchn_port *ports, domid_t id,
                  unsigned int max_vcpus, bool privileged, unsigned int max_port)
{
    memset(d, 0, sizeof(*d));
    d->port = ports;
    d->domid = id;
    d->max_vcpus = max_vcpus;
    d->privileged = privileged;
    d->max_port = max_port > EVTCHN_MAX_PORT_LIMIT ? EVTCHN_MAX_PORT_LIMIT : max_port;
    ports[0].state = ECS_RESERVED;          /* port 0 is never handed out */
    d->valid = EVTCHN_BUCKET;
}

void evtchn_set_max_port(struct evtchn_env *env, struct evtchn_domain *d,
                         unsigned int max_port)
{
    evtchn_lock(env, d);
    d->max_port = max_port > EVTCHN_MAX_PORT_LIMIT ? EVTCHN_MAX_PORT_LIMIT : max_port;
    evtchn_unlock(env, d);
}

int evtchn_free_port(struct evtchn_domain *d)
{
    if (d->dying)
        return -XEN_EINVAL;
    for (unsigned int p = 0; p <= d->max_port; p++) {
        if (p >= EVTCHN_NR_PORTS)
            break;
        if (p < d->valid && d->port[p].state != ECS_FREE)
            continue;
        return p;
    }
    return -XEN_ENOSPC;
}

void evtchn_take(struct evtchn_domain *d, evtchn_port_t port, enum evtchn_state state)
{
    struct evtchn_port *c = &d->port[port];

    EVTCHN_BUG_ON(port >= EVTCHN_NR_PORTS || c->state != ECS_FREE);
    if (port >= d->valid)
        __atomic_store_n(&d->valid, (port / EVTCHN_BUCKET + 1) * EVTCHN_BUCKET,
                         __ATOMIC_RELEASE);
    c->state = state;
    c->notify_vcpu = 0;
    c->remote = NULL;
    d->active++;
}

void evtchn_release(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port)
{
    struct evtchn_port *c = &d->port[port];

    EVTCHN_BUG_ON(c->state == ECS_FREE || c->state == ECS_RESERVED || !d->active);
    evtchn_2l_clear_pending(env, d, port);
    memset(c, 0, sizeof(*c));
    d->active--;
}

struct evtchn_domain *evtchn_get_domain(struct evtchn_env *env, struct evtchn_domain *caller,
                                        domid_t id, long *rc)
{
    struct evtchn_domain *d;

    if (id == DOMID_SELF || id == caller->domid)
        return caller;
    d = env->ops->get_domain(env->ctx, id);
    if (!d)
        *rc = -XEN_ESRCH;
    return d;
}

void evtchn_put_domain(struct evtchn_env *env, struct evtchn_domain *caller,
                       struct evtchn_domain *d)
{
    if (d != caller)
        env->ops->put_domain(env->ctx, d);
}

void evtchn_lock_pair(struct evtchn_env *env, struct evtchn_domain *a, struct evtchn_domain *b)
{
    if (a == b) {
        evtchn_lock(env, a);
        return;
    }
    evtchn_lock(env, a->domid < b->domid ? a : b);
    evtchn_lock(env, a->domid < b->domid ? b : a);
}

void evtchn_unlock_pair(struct evtchn_env *env, struct evtchn_domain *a, struct evtchn_domain *b)
{
    if (a == b) {
        evtchn_unlock(env, a);
        return;
    }
    evtchn_unlock(env, a->domid < b->domid ? b : a);
    evtchn_unlock(env, a->domid < b->domid ? a : b);
}
