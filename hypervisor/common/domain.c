/*
 * Domain and vCPU lifecycle: creation, lookup by id, shutdown with a
 * reason, crash, pause, and teardown that returns every frame.
 */
#include <pvisor/domain.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/event.h>
#include <pvisor/perfc.h>
#include <pvisor/power.h>
#include <pvisor/smp.h>
#include <pvisor/pv.h>
#include <string.h>
#include <stdio.h>
#include <xen/errno.h>

struct domain *dom0;
static struct domain *domain_table[MAX_DOMAINS];
static DEFINE_SPINLOCK(domain_table_lock);

struct domain *get_domain_by_id(domid_t id)
{
    struct domain *d = NULL;
    unsigned long flags;

    if (id >= MAX_DOMAINS)
        return NULL;
    flags = spin_lock_irqsave(&domain_table_lock);
    d = domain_table[id];
    if (d && !d->is_dying)
        d->refcnt++;
    else
        d = NULL;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return d;
}

/* The domain with the lowest id >= first, dying or not, with a reference:
 * the walk of Xen's getdomaininfo ("this domain or the next one") and
 * getdomaininfolist. NULL when there is none. */
struct domain *get_domain_from(domid_t first)
{
    struct domain *d = NULL;
    unsigned long flags = spin_lock_irqsave(&domain_table_lock);

    for (unsigned int id = first; id < MAX_DOMAINS && !d; id++)
        d = domain_table[id];
    if (d)
        d->refcnt++;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return d;
}

void put_domain(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domain_table_lock);
    d->refcnt--;
    spin_unlock_irqrestore(&domain_table_lock, flags);
}

/* Xen's default policy (XSM_TARGET): a domain acts on itself; the
 * control domain on every domain. The one place that decides it. */
bool domain_controls(const struct domain *src, const struct domain *t)
{
    return src == t || src->is_privileged;
}

/* One helper for every hypercall that names a domain: references are only
 * ever taken and dropped under domain_table_lock. */
struct domain *domain_lookup_controlled(domid_t id, long *rc)
{
    struct domain *cur = current->domain, *d;

    if (id == DOMID_SELF)
        id = cur->domain_id;
    d = get_domain_by_id(id);
    if (!d) {
        *rc = -XEN_ESRCH;
        return NULL;
    }
    if (!domain_controls(cur, d)) {
        put_domain(d);
        *rc = -XEN_EPERM;
        return NULL;
    }
    return d;
}

/* What domain_create sets up besides vCPUs and shared_info, undone. */
static void domain_free_parts(struct domain *d)
{
    watchdog_domain_destroy(d);
    gnttab_domain_destroy(d);
    arch_domain_destroy(d);
    evtchn_domain_destroy(d);
}

struct domain *domain_create(domid_t id, bool privileged, unsigned int max_vcpus)
{
    struct domain *d;

    if (id >= MAX_DOMAINS || max_vcpus == 0 || max_vcpus > MAX_VCPUS)
        return NULL;
    d = alloc_xenheap_pages(0);
    BUILD_BUG_ON(sizeof(*d) > PAGE_SIZE);
    if (!d)
        return NULL;
    d->domain_id = id;
    d->is_privileged = privileged;
    d->max_vcpus = max_vcpus;
    d->refcnt = 1;
    d->page_list_head = FRAME_NIL;
    d->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->vcpu_ctx_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->page_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->evtchn_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    watchdog_domain_init(d);

    d->shared_info = alloc_xenheap_page();
    if (!d->shared_info)
        goto fail;
    d->shared_info_mfn = virt_to_mfn(d->shared_info);
    pv_share_xen_page(d, d->shared_info_mfn);
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;   /* as Xen: events start masked */
    if (evtchn_domain_init(d) || gnttab_domain_init(d) || arch_domain_init(d))
        goto fail;

    unsigned long flags = spin_lock_irqsave(&domain_table_lock);
    if (domain_table[id]) {
        spin_unlock_irqrestore(&domain_table_lock, flags);
        goto fail;
    }
    domain_table[id] = d;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return d;

fail:
    /* Undo exactly what was done: each part's teardown copes with a part
     * that was never set up. */
    domain_free_parts(d);
    if (d->shared_info)
        free_xenheap_page(d->shared_info);
    free_xenheap_pages(d, 0);
    return NULL;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
    struct vcpu *v;
    unsigned int order = 0;

    if (id >= d->max_vcpus || d->vcpu[id])
        return NULL;
    while ((PAGE_SIZE << order) < sizeof(*v))
        order++;
    v = alloc_xenheap_pages(order);
    if (!v)
        return NULL;
    v->vcpu_id = id;
    v->domain = d;
    v->processor = id % nr_cpus_online;
    v->pause_flags = VPF_down;
    v->vcpu_info = &d->shared_info->vcpu_info[id < XEN_LEGACY_MAX_VCPUS ? id : 0];
    v->runstate.state = RUNSTATE_offline;
    v->runstate.state_entry_time = NOW();
    arch_vcpu_init(v);
    d->vcpu[id] = v;
    return v;
}

static void page_list_link(struct domain *d, unsigned long mfn)
{
    struct frame *f = mfn_to_frame(mfn);

    f->prev = FRAME_NIL;
    f->next = d->page_list_head;
    if (d->page_list_head != FRAME_NIL)
        mfn_to_frame(d->page_list_head)->prev = mfn;
    d->page_list_head = mfn;
}

void domain_add_page(struct domain *d, unsigned long mfn)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    page_list_link(d, mfn);
    d->tot_pages++;
    spin_unlock_irqrestore(&d->page_lock, flags);
}

/* max_pages is checked and the room taken under the page lock, so vCPUs
 * growing a domain at once cannot all pass one check (Xen's assign_pages).
 * The reserved pages join with domain_add_reserved_page. */
bool domain_reserve_pages(struct domain *d, unsigned long n)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);
    bool ok = n <= d->max_pages && d->tot_pages <= d->max_pages - n;

    if (ok)
        d->tot_pages += n;
    spin_unlock_irqrestore(&d->page_lock, flags);
    return ok;
}

void domain_unreserve_pages(struct domain *d, unsigned long n)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    d->tot_pages -= n;
    spin_unlock_irqrestore(&d->page_lock, flags);
}

void domain_add_reserved_page(struct domain *d, unsigned long mfn)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    page_list_link(d, mfn);
    spin_unlock_irqrestore(&d->page_lock, flags);
}

void domain_remove_page(struct domain *d, unsigned long mfn)
{
    struct frame *f = mfn_to_frame(mfn);
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    if (f->prev != FRAME_NIL)
        mfn_to_frame(f->prev)->next = f->next;
    else
        d->page_list_head = f->next;
    if (f->next != FRAME_NIL)
        mfn_to_frame(f->next)->prev = f->prev;
    f->next = f->prev = FRAME_NIL;
    d->tot_pages--;
    spin_unlock_irqrestore(&d->page_lock, flags);
}

static const char *shutdown_reason_name(unsigned int r)
{
    switch (r) {
    case SHUTDOWN_poweroff: return "poweroff";
    case SHUTDOWN_reboot: return "reboot";
    case SHUTDOWN_suspend: return "suspend";
    case SHUTDOWN_crash: return "crash";
    case SHUTDOWN_watchdog: return "watchdog";
    case SHUTDOWN_soft_reset: return "soft_reset";
    }
    return "unknown";
}

/* The power policy: dom0 going down takes the machine with it (as Xen);
 * under QEMU its shutdown code becomes the exit status. Any domain's
 * shutdown is news for dom0 (VIRQ_DOM_EXC). */
static void domain_shutdown_notify(struct domain *d, unsigned int reason)
{
    if (d->is_initial) {
        perfc_print();
        if (reason == SHUTDOWN_reboot && !debug_exit_present())
            machine_restart();
        machine_power_off(d->shutdown_code);
    }
    if (dom0)
        send_guest_global_virq(dom0, VIRQ_DOM_EXC);
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);

    if (d->is_shutting_down) {
        spin_unlock_irqrestore(&d->lock, flags);
        return;
    }
    d->is_shutting_down = true;
    /* As Xen: a code set earlier with SCHEDOP_shutdown_code replaces the
     * reason of this shutdown. */
    if (d->has_shutdown_code)
        reason = d->shutdown_code;
    else
        d->shutdown_code = reason;
    spin_unlock_irqrestore(&d->lock, flags);
    printk("Domain %u shutdown: reason %u (%s), code %u\n", d->domain_id, reason,
           shutdown_reason_name(reason), d->shutdown_code);
    for (unsigned i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            vcpu_pause_flags(d->vcpu[i], VPF_paused);
    d->is_shut_down = true;
    domain_shutdown_notify(d, reason);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printk(LOG_ERR "Domain %u crashed: %s\n", d->domain_id, why);
    if (current && !is_idle_vcpu(current) && current->domain == d)
        show_guest_state(current, guest_regs());
    domain_shutdown(d, SHUTDOWN_crash);
}

void domain_pause(struct domain *d)
{
    d->pause_count++;
    for (unsigned i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            vcpu_pause_flags(d->vcpu[i], VPF_paused);
}

void domain_unpause(struct domain *d)
{
    if (d->pause_count && --d->pause_count == 0 && !d->is_shutting_down)
        for (unsigned i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i])
                vcpu_unpause_flags(d->vcpu[i], VPF_paused);
}

void domain_destroy(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domain_table_lock);

    d->is_dying = true;
    domain_table[d->domain_id] = NULL;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    claim_pages_set(&d->outstanding_pages, 0, 0, 0);    /* a dead domain claims nothing (Xen's domain_kill) */
    domain_free_parts(d);
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        arch_vcpu_destroy(v);
        unsigned int order = 0;
        while ((PAGE_SIZE << order) < sizeof(*v))
            order++;
        free_xenheap_pages(v, order);
    }
    free_xenheap_page(d->shared_info);
    free_xenheap_pages(d, 0);
}
