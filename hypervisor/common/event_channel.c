/*
 * Event channels (2-level ABI). Per domain NR_EVTCHN ports; the pending and
 * mask bitmaps live in shared_info and belong to the guest as much as to us,
 * so every read of them is treated as untrusted and every port number a
 * guest passes is range-checked before use.
 */
#include <pvisor/event.h>
#include <pvisor/smp.h>
#include <pvisor/softirq.h>
#include <pvisor/hypercall.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/uaccess.h>
#include <pvisor/perfc.h>
#include <asm/atomic.h>
#include <string.h>

/* Ports become valid in buckets, as in Xen: a port beyond the last bucket
 * handed out is -EINVAL even for status and unmask. */
#define EVTCHN_BUCKET 64

static bool virq_is_global(unsigned int virq)
{
    switch (virq) {
    case VIRQ_TIMER: case VIRQ_DEBUG: case VIRQ_XENOPROF: case VIRQ_XENPMU:
        return false;
    }
    return true;
}

int evtchn_domain_init(struct domain *d)
{
    unsigned int order = 0;

    while ((PAGE_SIZE << order) < NR_EVTCHN * sizeof(struct evtchn))
        order++;
    d->evtchn = alloc_xenheap_pages(order);
    if (!d->evtchn)
        return -XEN_ENOMEM;
    d->evtchn[0].state = ECS_RESERVED;     /* port 0 is never handed out */
    d->valid_evtchns = EVTCHN_BUCKET;
    return 0;
}

void evtchn_domain_destroy(struct domain *d)
{
    unsigned int order = 0;

    if (!d->evtchn)
        return;
    /* interdomain peers see their end become unbound */
    for (unsigned p = 1; p < NR_EVTCHN; p++)
        if (d->evtchn[p].state == ECS_INTERDOMAIN) {
            struct domain *r = get_domain_by_id(d->evtchn[p].remote_domid);
            if (r) {
                unsigned long f = spin_lock_irqsave(&r->evtchn_lock);
                struct evtchn *rc = &r->evtchn[d->evtchn[p].remote_port];
                if (rc->state == ECS_INTERDOMAIN && rc->remote_domid == d->domain_id) {
                    rc->state = ECS_UNBOUND;
                    rc->remote_domid = d->domain_id;
                }
                spin_unlock_irqrestore(&r->evtchn_lock, f);
                put_domain(r);
            }
        }
    while ((PAGE_SIZE << order) < NR_EVTCHN * sizeof(struct evtchn))
        order++;
    free_xenheap_pages(d->evtchn, order);
    d->evtchn = NULL;
}

void vcpu_mark_events_pending(struct vcpu *v)
{
    if (__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        return;
    if (v->pause_flags & VPF_blocked) {
        __atomic_and_fetch(&v->pause_flags, ~VPF_polling, __ATOMIC_SEQ_CST);
        stop_timer(&v->poll_timer);
        vcpu_unpause_flags(v, VPF_blocked);
    } else if (v->is_running && v->processor != smp_processor_id()) {
        smp_send_event_check(v->processor);
    }
}

static void wake_pollers(struct domain *d)
{
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (v && (v->pause_flags & VPF_polling)) {
            __atomic_and_fetch(&v->pause_flags, ~VPF_polling, __ATOMIC_SEQ_CST);
            stop_timer(&v->poll_timer);
            vcpu_unpause_flags(v, VPF_blocked);
        }
    }
}

void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
    shared_info_t *s = d->shared_info;
    struct vcpu *v;

    if (port >= NR_EVTCHN || !d->evtchn)
        return;
    v = d->vcpu[d->evtchn[port].notify_vcpu];
    if (!v)
        v = d->vcpu[0];
    if (test_and_set_bit(port, s->evtchn_pending))
        return;
    if (!test_bit(port, s->evtchn_mask) &&
        !test_and_set_bit(port / 64, &v->vcpu_info->evtchn_pending_sel))
        vcpu_mark_events_pending(v);
    wake_pollers(d);
}

bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
    return port < NR_EVTCHN && test_bit(port, d->shared_info->evtchn_pending);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    unsigned int port;

    if (virq >= NR_VIRQS)
        return;
    port = v->virq_to_evtchn[virq];
    if (port)
        evtchn_set_pending(v->domain, port);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    if (d && d->vcpu[0])
        send_guest_vcpu_virq(d->vcpu[0], virq);
}

static int get_free_port(struct domain *d)
{
    for (unsigned p = 1; p < NR_EVTCHN; p++) {
        if (d->evtchn[p].state != ECS_FREE)
            continue;
        if (p >= d->valid_evtchns)
            d->valid_evtchns = ROUNDUP(p + 1, EVTCHN_BUCKET);
        return p;
    }
    return -XEN_ENOSPC;
}

static bool port_is_valid(const struct domain *d, evtchn_port_t p)
{
    return p < d->valid_evtchns;
}

static bool port_valid(struct domain *d, evtchn_port_t p)
{
    return port_is_valid(d, p) && d->evtchn[p].state != ECS_FREE && d->evtchn[p].state != ECS_RESERVED;
}

/*
 * Lock order (one rule for every path): a domain's evtchn_lock alone, or,
 * when an interdomain channel needs both ends, both domains' locks taken
 * lower domid first, interrupts off from the first.  A path that holds its
 * own lock and finds it needs the peer's drops its own, takes both in this
 * order and checks the channel again (it may have changed meanwhile).
 * evtchn_set_pending() takes no event lock (bit operations only).
 */
static unsigned long evtchn_lock_pair(struct domain *a, struct domain *b)
{
    struct domain *first = a->domain_id <= b->domain_id ? a : b;
    struct domain *second = first == a ? b : a;
    unsigned long f = spin_lock_irqsave(&first->evtchn_lock);

    if (second != first)
        spin_lock(&second->evtchn_lock);
    return f;
}

static void evtchn_unlock_pair(struct domain *a, struct domain *b, unsigned long f)
{
    struct domain *first = a->domain_id <= b->domain_id ? a : b;
    struct domain *second = first == a ? b : a;

    if (second != first)
        spin_unlock(&second->evtchn_lock);
    spin_unlock_irqrestore(&first->evtchn_lock, f);
}

static long evtchn_alloc_unbound(struct evtchn_alloc_unbound *a)
{
    long rc = 0;
    struct domain *d = domain_lookup_controlled(a->dom, &rc);
    domid_t remote = a->remote_dom;

    if (!d)
        return rc;
    if (remote == DOMID_SELF)
        remote = current->domain->domain_id;
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);
    int port = get_free_port(d);
    if (port < 0) {
        rc = port;
    } else {
        d->evtchn[port].state = ECS_UNBOUND;
        d->evtchn[port].remote_domid = remote;
        d->evtchn[port].notify_vcpu = 0;
        a->port = port;
    }
    spin_unlock_irqrestore(&d->evtchn_lock, f);
    put_domain(d);
    return rc;
}

static long evtchn_bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current->domain, *rd;
    domid_t rdom = b->remote_dom == DOMID_SELF ? ld->domain_id : b->remote_dom;
    long rc = 0;

    rd = rdom == ld->domain_id ? ld : get_domain_by_id(rdom);
    if (!rd)
        return -XEN_ESRCH;
    unsigned long f = evtchn_lock_pair(ld, rd);
    int lport = get_free_port(ld);
    if (lport < 0) {
        rc = lport;
        goto out;
    }
    if (b->remote_port >= NR_EVTCHN || !port_valid(rd, b->remote_port) ||
        rd->evtchn[b->remote_port].state != ECS_UNBOUND ||
        rd->evtchn[b->remote_port].remote_domid != ld->domain_id) {
        rc = -XEN_EINVAL;
        goto out;
    }
    ld->evtchn[lport].state = ECS_INTERDOMAIN;
    ld->evtchn[lport].remote_domid = rd->domain_id;
    ld->evtchn[lport].remote_port = b->remote_port;
    ld->evtchn[lport].notify_vcpu = 0;
    rd->evtchn[b->remote_port].state = ECS_INTERDOMAIN;
    rd->evtchn[b->remote_port].remote_domid = ld->domain_id;
    rd->evtchn[b->remote_port].remote_port = lport;
    b->local_port = lport;
out:
    evtchn_unlock_pair(ld, rd, f);
    if (rc == 0)
        evtchn_set_pending(ld, lport);   /* as Xen: the new channel starts pending */
    if (rd != ld)
        put_domain(rd);
    return rc;
}

static long evtchn_bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current->domain;
    struct vcpu *v;
    long rc = 0;

    if (b->virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (virq_is_global(b->virq) && b->vcpu != 0)
        return -XEN_EINVAL;
    if (b->vcpu >= d->max_vcpus || !(v = d->vcpu[b->vcpu]))
        return -XEN_ENOENT;
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);
    if (v->virq_to_evtchn[b->virq]) {
        rc = -XEN_EEXIST;
    } else {
        int port = get_free_port(d);
        if (port < 0) {
            rc = port;
        } else {
            d->evtchn[port].state = ECS_VIRQ;
            d->evtchn[port].virq = b->virq;
            d->evtchn[port].notify_vcpu = b->vcpu;
            v->virq_to_evtchn[b->virq] = port;
            b->port = port;
        }
    }
    spin_unlock_irqrestore(&d->evtchn_lock, f);
    return rc;
}

static long evtchn_bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current->domain;
    long rc = 0;

    if (b->vcpu >= d->max_vcpus || !d->vcpu[b->vcpu])
        return -XEN_ENOENT;
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);
    int port = get_free_port(d);
    if (port < 0) {
        rc = port;
    } else {
        d->evtchn[port].state = ECS_IPI;
        d->evtchn[port].notify_vcpu = b->vcpu;
        b->port = port;
    }
    spin_unlock_irqrestore(&d->evtchn_lock, f);
    return rc;
}

/* Close port of d; the caller holds no locks. */
long evtchn_close_port(struct domain *d, evtchn_port_t port)
{
    struct domain *r = NULL, *peer;     /* r: a reference to the peer domain */
    domid_t gone = DOMID_INVALID;       /* a peer that no longer exists */
    struct evtchn *c;
    unsigned long f;
    long rc = 0;

    if (!port_is_valid(d, port))
        return -XEN_EINVAL;
    /* Hold our lock and the peer's (lock order above) for an interdomain
     * channel; the binding may change while no lock is held: look again. */
    for (;;) {
        peer = r ? r : d;
        f = evtchn_lock_pair(d, peer);
        c = &d->evtchn[port];
        if (c->state != ECS_INTERDOMAIN || c->remote_domid == peer->domain_id ||
            c->remote_domid == gone)
            break;
        domid_t rid = c->remote_domid;
        evtchn_unlock_pair(d, peer, f);
        if (r)
            put_domain(r);
        r = get_domain_by_id(rid);
        if (!r)
            gone = rid;
    }
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        rc = -XEN_EINVAL;
        break;
    case ECS_VIRQ:
        /* bind_vcpu moves a global VIRQ's notifications, not its mapping:
         * clear the mapping on whichever vCPU holds it. */
        for (unsigned i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i] && d->vcpu[i]->virq_to_evtchn[c->virq] == port)
                d->vcpu[i]->virq_to_evtchn[c->virq] = 0;
        break;
    case ECS_INTERDOMAIN:
        if (c->remote_domid != gone && peer->evtchn) {     /* a dying peer's are gone */
            struct evtchn *pc = &peer->evtchn[c->remote_port];
            if (pc->state == ECS_INTERDOMAIN && pc->remote_domid == d->domain_id &&
                pc->remote_port == port) {
                pc->state = ECS_UNBOUND;
                pc->remote_domid = d->domain_id;
            }
        }
        break;
    default:
        break;
    }
    if (!rc) {
        memset(c, 0, sizeof(*c));
        clear_bit(port, d->shared_info->evtchn_pending);
    }
    evtchn_unlock_pair(d, peer, f);
    if (r)
        put_domain(r);
    return rc;
}

static long evtchn_send(evtchn_port_t port)
{
    struct domain *d = current->domain;
    struct evtchn *c;

    if (!port_is_valid(d, port))
        return -XEN_EINVAL;
    /* Read the binding under our lock (a close may be under way on
     * another vCPU); setting the pending bit needs no lock. */
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);
    c = &d->evtchn[port];
    unsigned int state = c->state;
    domid_t rid = c->remote_domid;
    evtchn_port_t rport = c->remote_port;
    spin_unlock_irqrestore(&d->evtchn_lock, f);
    switch (state) {
    case ECS_INTERDOMAIN: {
        struct domain *r = rid == d->domain_id ? d : get_domain_by_id(rid);
        if (r) {
            evtchn_set_pending(r, rport);
            if (r != d)
                put_domain(r);
        }
        return 0;
    }
    case ECS_IPI:
        evtchn_set_pending(d, port);
        return 0;
    case ECS_UNBOUND:
        return 0;                   /* silently dropped, as Xen */
    }
    return -XEN_EINVAL;
}

static long evtchn_status(struct evtchn_status *st)
{
    long rc = 0;
    struct domain *d = domain_lookup_controlled(st->dom, &rc);
    struct evtchn *c;

    if (!d)
        return rc;
    if (!port_is_valid(d, st->port)) {
        put_domain(d);
        return -XEN_EINVAL;
    }
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);
    c = &d->evtchn[st->port];
    st->vcpu = c->notify_vcpu;
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
    spin_unlock_irqrestore(&d->evtchn_lock, f);
    put_domain(d);
    return 0;
}

static long evtchn_unmask(evtchn_port_t port)
{
    struct domain *d = current->domain;
    shared_info_t *s = d->shared_info;
    struct vcpu *v;

    if (!port_is_valid(d, port))
        return -XEN_EINVAL;
    v = d->vcpu[d->evtchn[port].notify_vcpu];
    if (!v)
        return -XEN_EINVAL;
    if (test_and_clear_bit(port, s->evtchn_mask) && test_bit(port, s->evtchn_pending) &&
        !test_and_set_bit(port / 64, &v->vcpu_info->evtchn_pending_sel))
        vcpu_mark_events_pending(v);
    return 0;
}

static long evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu)
{
    struct domain *d = current->domain;
    long rc = 0;

    if (vcpu >= d->max_vcpus || !d->vcpu[vcpu])
        return -XEN_ENOENT;
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);
    if (port >= NR_EVTCHN || !port_valid(d, port)) {
        rc = -XEN_EINVAL;
    } else {
        struct evtchn *c = &d->evtchn[port];
        switch (c->state) {
        case ECS_VIRQ:
            if (virq_is_global(c->virq)) {
                c->notify_vcpu = vcpu;
            } else {
                rc = -XEN_EINVAL;
            }
            break;
        case ECS_UNBOUND:
        case ECS_INTERDOMAIN:
        case ECS_PIRQ:
            c->notify_vcpu = vcpu;
            break;
        default:
            rc = -XEN_EINVAL;
        }
    }
    spin_unlock_irqrestore(&d->evtchn_lock, f);
    return rc;
}

#define EVTCHN_OP(type, fn) do { \
        type op; \
        if (copy_from_guest(&op, arg, sizeof(op))) \
            return -XEN_EFAULT; \
        rc = fn(&op); \
        if (!rc && copy_to_guest(arg, &op, sizeof(op))) \
            return -XEN_EFAULT; \
        return rc; \
    } while (0)

long do_event_channel_op(unsigned long cmd, unsigned long arg)
{
    long rc;

    switch ((int)cmd) {
    case EVTCHNOP_alloc_unbound:
        EVTCHN_OP(struct evtchn_alloc_unbound, evtchn_alloc_unbound);
    case EVTCHNOP_bind_interdomain:
        EVTCHN_OP(struct evtchn_bind_interdomain, evtchn_bind_interdomain);
    case EVTCHNOP_bind_virq:
        EVTCHN_OP(struct evtchn_bind_virq, evtchn_bind_virq);
    case EVTCHNOP_bind_ipi:
        EVTCHN_OP(struct evtchn_bind_ipi, evtchn_bind_ipi);
    case EVTCHNOP_status:
        EVTCHN_OP(struct evtchn_status, evtchn_status);
    case EVTCHNOP_close: {
        struct evtchn_close c;
        if (copy_from_guest(&c, arg, sizeof(c)))
            return -XEN_EFAULT;
        return evtchn_close_port(current->domain, c.port);
    }
    case EVTCHNOP_send: {
        struct evtchn_send s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -XEN_EFAULT;
        return evtchn_send(s.port);
    }
    case EVTCHNOP_unmask: {
        struct evtchn_unmask u;
        if (copy_from_guest(&u, arg, sizeof(u)))
            return -XEN_EFAULT;
        return evtchn_unmask(u.port);
    }
    case EVTCHNOP_bind_vcpu: {
        struct evtchn_bind_vcpu b;
        if (copy_from_guest(&b, arg, sizeof(b)))
            return -XEN_EFAULT;
        return evtchn_bind_vcpu(b.port, b.vcpu);
    }
    case EVTCHNOP_bind_pirq:
        return -XEN_ENOSYS;         /* no physical IRQs are passed through */
    case EVTCHNOP_reset: {
        struct evtchn_reset r;
        long rc2 = 0;
        struct domain *d;
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -XEN_EFAULT;
        d = domain_lookup_controlled(r.dom, &rc2);
        if (!d)
            return rc2;
        for (evtchn_port_t p = 1; p < d->valid_evtchns; p++)
            if (d->evtchn[p].state != ECS_FREE && d->evtchn[p].state != ECS_RESERVED)
                evtchn_close_port(d, p);
        put_domain(d);
        return 0;
    }
    case EVTCHNOP_init_control:
        return -XEN_ENOSYS;         /* FIFO ABI refused: Linux falls back to 2-level */
    case EVTCHNOP_expand_array:
        return -XEN_EOPNOTSUPP;     /* no FIFO control block was set up */
    case EVTCHNOP_set_priority:
        return -XEN_ENOSYS;         /* 2-level channels have no priorities */
    }
    return -XEN_ENOSYS;
}

