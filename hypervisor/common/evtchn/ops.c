/*
 * The EVTCHNOP operations, Xen 4.17's semantics and error order, with the
 * caller and any other domain explicit. Every check that can refuse comes
 * before the first change (rule 8).
 */
#include "evtchn_internal.h"

bool evtchn_virq_is_global(unsigned int virq)
{
    switch (virq) {
    case VIRQ_TIMER: case VIRQ_DEBUG: case VIRQ_XENOPROF: case VIRQ_XENPMU:
        return false;
    }
    return true;            /* x86's VIRQ_ARCH_* are global too */
}

long evtchn_alloc_unbound(struct evtchn_env *env, struct evtchn_domain *caller,
                          struct evtchn_alloc_unbound *a)
{
    long rc = 0;
    struct evtchn_domain *d = evtchn_get_domain(env, caller, a->dom, &rc);
    int port;

    if (!d)
        return rc;
    evtchn_lock(env, d);
    /* Xen's order: a port first (-ENOSPC, -EINVAL when dying), then the
     * permission check (-EPERM). */
    port = evtchn_free_port(d);
    if (port < 0) {
        rc = port;
    } else if (!evtchn_controls(caller, d)) {
        rc = -XEN_EPERM;
    } else {
        evtchn_take(d, port, ECS_UNBOUND);
        d->port[port].remote_domid = a->remote_dom == DOMID_SELF ? caller->domid : a->remote_dom;
        a->port = port;
    }
    evtchn_unlock(env, d);
    evtchn_put_domain(env, caller, d);
    return rc;
}

long evtchn_bind_interdomain(struct evtchn_env *env, struct evtchn_domain *caller,
                             struct evtchn_bind_interdomain *b)
{
    long rc = 0;
    struct evtchn_domain *ld = caller;
    struct evtchn_domain *rd = evtchn_get_domain(env, caller, b->remote_dom, &rc);
    evtchn_port_t rport = b->remote_port;
    struct evtchn_port *lc, *rc_;
    int lport;

    if (!rd)
        return rc;
    evtchn_lock_pair(env, ld, rd);
    lport = evtchn_free_port(ld);
    if (lport < 0) {
        rc = lport;
        goto out;
    }
    if (!evtchn_port_valid(rd, rport) || rd->port[rport].state != ECS_UNBOUND ||
        rd->port[rport].remote_domid != ld->domid) {
        rc = -XEN_EINVAL;
        goto out;
    }
    evtchn_take(ld, lport, ECS_INTERDOMAIN);
    lc = &ld->port[lport];
    rc_ = &rd->port[rport];
    lc->remote = rd;
    lc->remote_domid = rd->domid;
    lc->remote_port = rport;
    rc_->state = ECS_INTERDOMAIN;
    rc_->remote = ld;
    rc_->remote_domid = ld->domid;
    rc_->remote_port = lport;
    /* As Xen: the peer may have sent while unbound (dropped), so the new
     * local port starts pending. */
    evtchn_2l_set_pending(env, ld, lport, lc->notify_vcpu);
    b->local_port = lport;
out:
    evtchn_unlock_pair(env, ld, rd);
    evtchn_put_domain(env, caller, rd);
    return rc;
}

long evtchn_bind_virq(struct evtchn_env *env, struct evtchn_domain *d,
                      struct evtchn_bind_virq *b)
{
    unsigned int virq = b->virq, vcpu = b->vcpu;
    long rc = 0;
    u16 *map;
    int port;

    if (virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (evtchn_virq_is_global(virq) && vcpu != 0)
        return -XEN_EINVAL;
    if (!evtchn_vcpu_exists(env, d, vcpu) || !(map = env->ops->virq_map(env->ctx, d, vcpu)))
        return -XEN_ENOENT;
    evtchn_lock(env, d);
    if (__atomic_load_n(&map[virq], __ATOMIC_ACQUIRE)) {
        rc = -XEN_EEXIST;
    } else if ((port = evtchn_free_port(d)) < 0) {
        rc = port;
    } else {
        evtchn_take(d, port, ECS_VIRQ);
        d->port[port].virq = virq;
        d->port[port].notify_vcpu = vcpu;
        __atomic_store_n(&map[virq], port, __ATOMIC_RELEASE);
        b->port = port;
    }
    evtchn_unlock(env, d);
    return rc;
}

long evtchn_bind_ipi(struct evtchn_env *env, struct evtchn_domain *d,
                     struct evtchn_bind_ipi *b)
{
    long rc = 0;
    int port;

    if (!evtchn_vcpu_exists(env, d, b->vcpu))
        return -XEN_ENOENT;
    evtchn_lock(env, d);
    port = evtchn_free_port(d);
    if (port < 0) {
        rc = port;
    } else {
        evtchn_take(d, port, ECS_IPI);
        d->port[port].notify_vcpu = b->vcpu;
        b->port = port;
    }
    evtchn_unlock(env, d);
    return rc;
}

/* Under d's lock (and the peer's): an interdomain end closes, the other
 * goes back to unbound naming d (rule 5). */
static void unbind_peer(struct evtchn_domain *d, struct evtchn_port *c, evtchn_port_t port)
{
    struct evtchn_domain *r = c->remote;
    struct evtchn_port *pc = &r->port[c->remote_port];

    EVTCHN_BUG_ON(pc->state != ECS_INTERDOMAIN || pc->remote != d || pc->remote_port != port);
    pc->state = ECS_UNBOUND;
    pc->remote = NULL;
    pc->remote_domid = d->domid;
    pc->remote_port = 0;
}

long evtchn_close(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port)
{
    struct evtchn_domain *r = NULL;
    struct evtchn_port *c;
    long rc = 0;

    if (!evtchn_port_valid(d, port))
        return -XEN_EINVAL;
    for (;;) {
        evtchn_lock(env, d);
        c = &d->port[port];
        if (c->state != ECS_INTERDOMAIN || c->remote == d)
            break;
        r = c->remote;
        /* The peer's lock too, lower domid first: a higher one can be
         * waited for; a lower one only tried, else let go and start over
         * (the closer on the other side holds it and waits for ours). */
        if (r->domid > d->domid) {
            evtchn_lock(env, r);
            break;
        }
        if (env->ops->trylock(env->ctx, r))
            break;
        evtchn_unlock(env, d);
        r = NULL;
        __builtin_ia32_pause();
    }
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        rc = -XEN_EINVAL;
        break;
    case ECS_VIRQ: {
        unsigned int v = evtchn_virq_is_global(c->virq) ? 0 : c->notify_vcpu;
        u16 *map = env->ops->virq_map(env->ctx, d, v);
        if (map && __atomic_load_n(&map[c->virq], __ATOMIC_ACQUIRE) == port)
            __atomic_store_n(&map[c->virq], 0, __ATOMIC_RELEASE);
        break;
    }
    case ECS_INTERDOMAIN:
        unbind_peer(d, c, port);
        break;
    default:
        break;
    }
    if (!rc)
        evtchn_release(env, d, port);
    if (r)
        evtchn_unlock(env, r);
    evtchn_unlock(env, d);
    return rc;
}

long evtchn_send(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port)
{
    struct evtchn_port *c;
    long rc = 0;

    if (!evtchn_port_valid(d, port))
        return -XEN_EINVAL;
    /* Our lock keeps the binding, and so the peer, until we are done:
     * closing either end needs it. The peer's lock is not needed. */
    evtchn_lock(env, d);
    c = &d->port[port];
    switch (c->state) {
    case ECS_INTERDOMAIN: {
        struct evtchn_domain *r = c->remote;
        evtchn_2l_set_pending(env, r, c->remote_port,
                              __atomic_load_n(&r->port[c->remote_port].notify_vcpu,
                                              __ATOMIC_RELAXED));
        break;
    }
    case ECS_IPI:
        evtchn_2l_set_pending(env, d, port, c->notify_vcpu);
        break;
    case ECS_UNBOUND:
        break;                      /* dropped silently, as Xen */
    default:
        rc = -XEN_EINVAL;
    }
    evtchn_unlock(env, d);
    return rc;
}

long evtchn_status(struct evtchn_env *env, struct evtchn_domain *caller,
                   struct evtchn_status *st)
{
    long rc = 0;
    struct evtchn_domain *d = evtchn_get_domain(env, caller, st->dom, &rc);
    struct evtchn_port *c;

    if (!d)
        return rc;
    if (!evtchn_port_valid(d, st->port)) {
        rc = -XEN_EINVAL;
        goto out;
    }
    if (!evtchn_controls(caller, d)) {
        rc = -XEN_EPERM;
        goto out;
    }
    evtchn_lock(env, d);
    c = &d->port[st->port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        st->status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = c->remote_domid;
        break;
    case ECS_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = c->remote_domid;
        st->u.interdomain.port = c->remote_port;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = c->virq;
        break;
    case ECS_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    default:
        st->status = EVTCHNSTAT_pirq;
        break;
    }
    st->vcpu = c->notify_vcpu;
    evtchn_unlock(env, d);
out:
    evtchn_put_domain(env, caller, d);
    return rc;
}

long evtchn_bind_vcpu(struct evtchn_env *env, struct evtchn_domain *d,
                      evtchn_port_t port, unsigned int vcpu)
{
    struct evtchn_port *c;
    long rc = 0;

    if (!evtchn_vcpu_exists(env, d, vcpu))
        return -XEN_ENOENT;
    if (!evtchn_port_valid(d, port))
        return -XEN_EINVAL;
    evtchn_lock(env, d);
    c = &d->port[port];
    switch (c->state) {
    case ECS_VIRQ:
        if (evtchn_virq_is_global(c->virq))
            c->notify_vcpu = vcpu;
        else
            rc = -XEN_EINVAL;
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
        c->notify_vcpu = vcpu;
        break;
    default:
        rc = -XEN_EINVAL;
    }
    evtchn_unlock(env, d);
    return rc;
}

long evtchn_unmask(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port)
{
    if (!evtchn_port_valid(d, port))
        return -XEN_EINVAL;
    evtchn_2l_unmask(env, d, port, __atomic_load_n(&d->port[port].notify_vcpu,
                                                   __ATOMIC_RELAXED));
    return 0;
}

long evtchn_reset(struct evtchn_env *env, struct evtchn_domain *caller, domid_t dom,
                  bool resuming)
{
    long rc = 0;
    struct evtchn_domain *d = evtchn_get_domain(env, caller, dom, &rc);
    unsigned int i;

    if (!d)
        return rc;
    if (!evtchn_controls(caller, d)) {
        rc = -XEN_EPERM;
        goto out;
    }
    if (d != caller && !env->ops->controller_paused(env->ctx, d)) {
        rc = -XEN_EINVAL;
        goto out;
    }
    /* One reset at a time: a fresh one while another is under way is
     * -EBUSY; a resumed one continues where it stopped. */
    evtchn_lock(env, d);
    i = resuming ? d->reset_next : !d->reset_next;
    if (i > d->reset_next)
        d->reset_next = i;
    evtchn_unlock(env, d);
    if (!i) {
        rc = -XEN_EBUSY;
        goto out;
    }
    for (; evtchn_port_valid(d, i) && __atomic_load_n(&d->active, __ATOMIC_RELAXED); i++) {
        evtchn_close(env, d, i);
        if (!(i & 0x3f) && env->ops->preempt_check(env->ctx)) {
            evtchn_lock(env, d);
            d->reset_next = i + 1;
            evtchn_unlock(env, d);
            rc = -XEN_ERESTART;
            goto out;
        }
    }
    evtchn_lock(env, d);
    d->reset_next = 0;
    if (d->active)
        rc = -XEN_EAGAIN;       /* bound again meanwhile by another vCPU */
    evtchn_unlock(env, d);
out:
    evtchn_put_domain(env, caller, d);
    return rc;
}

void evtchn_close_all(struct evtchn_env *env, struct evtchn_domain *d)
{
    evtchn_lock(env, d);
    d->dying = true;
    evtchn_unlock(env, d);
    for (unsigned int p = __atomic_load_n(&d->valid, __ATOMIC_ACQUIRE); --p;)
        evtchn_close(env, d, p);
}

/* From the hypervisor (timers, domain events): no event lock, so callable
 * from any context; the binding is read once and checked. */
static void send_virq(struct evtchn_env *env, struct evtchn_domain *d, unsigned int map_vcpu,
                      unsigned int virq)
{
    u16 *map = env->ops->virq_map(env->ctx, d, map_vcpu);
    unsigned int port;
    struct evtchn_port *c;

    if (!map || !d->port)
        return;
    port = __atomic_load_n(&map[virq], __ATOMIC_ACQUIRE);
    if (!port || port >= EVTCHN_NR_PORTS)
        return;
    c = &d->port[port];
    if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != ECS_VIRQ || c->virq != virq)
        return;
    evtchn_2l_set_pending(env, d, port, __atomic_load_n(&c->notify_vcpu, __ATOMIC_RELAXED));
}

void evtchn_send_vcpu_virq(struct evtchn_env *env, struct evtchn_domain *d,
                           unsigned int vcpu, unsigned int virq)
{
    if (virq < NR_VIRQS && !evtchn_virq_is_global(virq))
        send_virq(env, d, vcpu, virq);
}

void evtchn_send_global_virq(struct evtchn_env *env, struct evtchn_domain *d,
                             unsigned int virq)
{
    if (d && virq < NR_VIRQS && evtchn_virq_is_global(virq))
        send_virq(env, d, 0, virq);
}
