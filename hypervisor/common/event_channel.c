/*
 * Event channels in the hypervisor: hypercall decoding and the module's
 * environment (locks, domain lookup, shared_info and vcpu_info, wake-ups).
 * The rules live in common/evtchn/ (see <pvisor/evtchn.h>).
 */
#include <pvisor/perfc.h>
#include <pvisor/event.h>
#include <pvisor/smp.h>
#include <pvisor/softirq.h>
#include <pvisor/hypercall.h>
#include <pvisor/page_alloc.h>
#include <pvisor/sched.h>
#include <pvisor/guest_access.h>
#include <pvisor/compiler.h>
#include <asm/processor.h>
#include <string.h>

/* Xen-internal sub-op of a preempted reset (the public header defines it
 * only for Xen itself). */
#ifndef EVTCHNOP_reset_cont
#define EVTCHNOP_reset_cont 14
#endif

#define TABLE_BYTES (EVTCHN_NR_PORTS * sizeof(struct evtchn_port))

static struct domain *dom_of(struct evtchn_domain *e)
{
    return container_of(e, struct domain, evtchn);
}

static void hv_lock(void *ctx, struct evtchn_domain *e)
{
    struct domain *d = dom_of(e);
    unsigned long f = spin_lock_irqsave(&d->evtchn_lock);

    (void)ctx;
    d->evtchn_lock_flags = f;
}

static bool hv_trylock(void *ctx, struct evtchn_domain *e)
{
    struct domain *d = dom_of(e);
    unsigned long f = local_irq_save();

    (void)ctx;
    if (spin_trylock(&d->evtchn_lock)) {
        d->evtchn_lock_flags = f;
        return true;
    }
    local_irq_restore(f);
    return false;
}

static void hv_unlock(void *ctx, struct evtchn_domain *e)
{
    struct domain *d = dom_of(e);

    (void)ctx;
    spin_unlock_irqrestore(&d->evtchn_lock, d->evtchn_lock_flags);
}

/* Dying domains too, as Xen's rcu_lock_domain_by_any_id: their table
 * stays (closed, no new ports) until the last reference goes. */
static struct evtchn_domain *hv_get_domain(void *ctx, domid_t id)
{
    struct domain *d = get_domain_by_id_any(id);

    (void)ctx;
    return d && d->evtchn.port ? &d->evtchn : (d ? (put_domain(d), NULL) : NULL);
}

static void hv_put_domain(void *ctx, struct evtchn_domain *e)
{
    (void)ctx;
    put_domain(dom_of(e));
}

static shared_info_t *hv_shared_info(void *ctx, struct evtchn_domain *e)
{
    (void)ctx;
    return dom_of(e)->shared_info;
}

static struct vcpu *vcpu_of(struct evtchn_domain *e, unsigned int vcpu)
{
    struct domain *d = dom_of(e);

    return vcpu < MAX_VCPUS && vcpu < d->max_vcpus ? d->vcpu[vcpu] : NULL;
}

static vcpu_info_t *hv_vcpu_info(void *ctx, struct evtchn_domain *e, unsigned int vcpu)
{
    struct vcpu *v = vcpu_of(e, vcpu);

    (void)ctx;
    return v ? v->vcpu_info : NULL;
}

static u16 *hv_virq_map(void *ctx, struct evtchn_domain *e, unsigned int vcpu)
{
    struct vcpu *v = vcpu_of(e, vcpu);

    (void)ctx;
    return v ? v->virq_to_evtchn : NULL;
}

/* The vCPU's upcall became pending: wake it if it blocks, else make it
 * notice soon if it runs on another CPU. */
static void kick_vcpu(struct vcpu *v)
{
    if (v->pause_flags & VPF_blocked) {
        __atomic_and_fetch(&v->pause_flags, ~VPF_polling, __ATOMIC_SEQ_CST);
        stop_timer(&v->poll_timer);
        vcpu_unpause_flags(v, VPF_blocked);
    } else if (v->is_running && v->processor != smp_processor_id()) {
        smp_send_event_check(v->processor);
    }
}

static void hv_kick(void *ctx, struct evtchn_domain *e, unsigned int vcpu)
{
    struct vcpu *v = vcpu_of(e, vcpu);

    (void)ctx;
    if (v)
        kick_vcpu(v);
}

/* SCHEDOP_poll: the vCPUs polling this port look at their ports again;
 * one polling a single other port sleeps on (Xen's evtchn_check_pollers:
 * a domU's poll must not end at its console's event). do_poll writes the
 * ports before it sets VPF_polling. */
static void hv_raised(void *ctx, struct evtchn_domain *e, unsigned int port)
{
    struct domain *d = dom_of(e);

    (void)ctx;
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (v && (__atomic_load_n(&v->pause_flags, __ATOMIC_SEQ_CST) & VPF_polling) &&
            (v->nr_poll_ports != 1 || v->poll_port_copy[0] == port)) {
            __atomic_and_fetch(&v->pause_flags, ~VPF_polling, __ATOMIC_SEQ_CST);
            stop_timer(&v->poll_timer);
            vcpu_unpause_flags(v, VPF_blocked);
        }
    }
}

static bool hv_preempt_check(void *ctx)
{
    (void)ctx;
    return hypercall_preempt_check();
}

static bool hv_controller_paused(void *ctx, struct evtchn_domain *e)
{
    (void)ctx;
    return dom_of(e)->pause_count > 0;
}

static const struct evtchn_env_ops hv_ops = {
    .lock = hv_lock, .trylock = hv_trylock, .unlock = hv_unlock,
    .get_domain = hv_get_domain, .put_domain = hv_put_domain,
    .shared_info = hv_shared_info, .vcpu_info = hv_vcpu_info, .virq_map = hv_virq_map,
    .kick = hv_kick, .raised = hv_raised, .preempt_check = hv_preempt_check,
    .controller_paused = hv_controller_paused,
};
static struct evtchn_env hv_env = { .ops = &hv_ops };

struct evtchn_env *evtchn_hv_env(void)
{
    return &hv_env;
}

static unsigned int table_order(void)
{
    unsigned int order = 0;

    while ((PAGE_SIZE << order) < TABLE_BYTES)
        order++;
    return order;
}

int evtchn_domain_init(struct domain *d)
{
    struct evtchn_port *ports = alloc_xenheap_pages(table_order());

    if (!ports)
        return -XEN_ENOMEM;
    memset(ports, 0, TABLE_BYTES);
    /* No limit of its own until the toolstack sets one (dom0 as on Xen:
     * max_evtchn_port -1); the ABI's 4096 ports still apply. */
    evtchn_setup(&d->evtchn, ports, d->domain_id, d->max_vcpus, d->is_privileged,
                 EVTCHN_MAX_PORT_LIMIT);
    return 0;
}

void evtchn_domain_kill(struct domain *d)
{
    if (d->evtchn.port)
        evtchn_close_all(&hv_env, &d->evtchn);
}

void evtchn_domain_destroy(struct domain *d)
{
    if (!d->evtchn.port)
        return;
    evtchn_close_all(&hv_env, &d->evtchn);
    free_xenheap_pages(d->evtchn.port, table_order());
    d->evtchn.port = NULL;
}

int evtchn_set_max_evtchn(struct domain *d, unsigned int max_port)
{
    evtchn_set_max_port(&hv_env, &d->evtchn, max_port);
    return 0;
}

long evtchn_close_port(struct domain *d, evtchn_port_t port)
{
    return evtchn_close(&hv_env, &d->evtchn, port);
}

bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port)
{
    return evtchn_is_pending(&hv_env, &d->evtchn, port);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    evtchn_send_vcpu_virq(&hv_env, &v->domain->evtchn, v->vcpu_id, virq);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    if (d)
        evtchn_send_global_virq(&hv_env, &d->evtchn, virq);
}

void vcpu_mark_events_pending(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        kick_vcpu(v);
}

/* The public header defines no handles for the subops' structures. */
DEFINE_XEN_GUEST_HANDLE(evtchn_alloc_unbound_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_bind_interdomain_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_bind_virq_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_bind_ipi_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_status_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_close_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_send_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_unmask_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_bind_vcpu_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_reset_t);
DEFINE_XEN_GUEST_HANDLE(evtchn_set_priority_t);

/* Ops whose argument (the void handle cast to the subop's type) is copied
 * in, handled, and copied back on success. */
#define EVTCHN_OP(type, call) do { \
        XEN_GUEST_HANDLE(type) uop = guest_handle_cast(arg, type); \
        type op; \
        if (copy_from_guest(&op, uop, 1)) \
            return -XEN_EFAULT; \
        rc = call; \
        if (!rc && copy_to_guest(uop, &op, 1)) \
            return -XEN_EFAULT; \
        return rc; \
    } while (0)

/* Ops whose argument is only read. */
#define EVTCHN_IN(type, call) do { \
        type op; \
        if (copy_from_guest(&op, guest_handle_cast(arg, type), 1)) \
            return -XEN_EFAULT; \
        return call; \
    } while (0)

long do_event_channel_op(unsigned long cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct evtchn_domain *me = &current->domain->evtchn;
    long rc;

    switch ((int)cmd) {
    case EVTCHNOP_alloc_unbound:
        EVTCHN_OP(evtchn_alloc_unbound_t, evtchn_alloc_unbound(&hv_env, me, &op));
    case EVTCHNOP_bind_interdomain:
        EVTCHN_OP(evtchn_bind_interdomain_t, evtchn_bind_interdomain(&hv_env, me, &op));
    case EVTCHNOP_bind_virq:
        EVTCHN_OP(evtchn_bind_virq_t, evtchn_bind_virq(&hv_env, me, &op));
    case EVTCHNOP_bind_ipi:
        EVTCHN_OP(evtchn_bind_ipi_t, evtchn_bind_ipi(&hv_env, me, &op));
    case EVTCHNOP_status:
        EVTCHN_OP(evtchn_status_t, evtchn_status(&hv_env, me, &op));
    case EVTCHNOP_close:
        EVTCHN_IN(evtchn_close_t, evtchn_close(&hv_env, me, op.port));
    case EVTCHNOP_send:
        perfc_incr(PERFC_evtchn_send);
        EVTCHN_IN(evtchn_send_t, evtchn_send(&hv_env, me, op.port));
    case EVTCHNOP_unmask:
        EVTCHN_IN(evtchn_unmask_t, evtchn_unmask(&hv_env, me, op.port));
    case EVTCHNOP_bind_vcpu:
        EVTCHN_IN(evtchn_bind_vcpu_t, evtchn_bind_vcpu(&hv_env, me, op.port, op.vcpu));
    case EVTCHNOP_bind_pirq:
        return -XEN_ENOSYS;         /* no physical IRQs are passed through */
    case EVTCHNOP_reset:
    case EVTCHNOP_reset_cont: {
        struct evtchn_reset r;
        if (copy_from_guest(&r, guest_handle_cast(arg, evtchn_reset_t), 1))
            return -XEN_EFAULT;
        rc = evtchn_reset(&hv_env, me, r.dom, (int)cmd == EVTCHNOP_reset_cont);
        if (rc == -XEN_ERESTART)
            return hypercall_create_continuation(__HYPERVISOR_event_channel_op, 2,
                                                 (unsigned long)EVTCHNOP_reset_cont,
                                                 guest_handle_va(arg));
        return rc;
    }
    /* FIFO ABI refused (docs/event-channels.md): Linux falls back to
     * 2-level on any error from init_control. The other two answer as
     * Xen does for a domain on the 2-level ABI. */
    case EVTCHNOP_init_control:
        return -XEN_ENOSYS;
    case EVTCHNOP_expand_array:
        return -XEN_EOPNOTSUPP;     /* no FIFO control block */
    case EVTCHNOP_set_priority: {
        struct evtchn_set_priority p;
        if (copy_from_guest(&p, guest_handle_cast(arg, evtchn_set_priority_t), 1))
            return -XEN_EFAULT;
        return p.port < __atomic_load_n(&me->valid, __ATOMIC_ACQUIRE) ? -XEN_ENOSYS
                                                                      : -XEN_EINVAL;
    }
    }
    return -XEN_ENOSYS;
}
