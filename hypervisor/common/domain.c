/*
 * Domain and vCPU lifecycle: creation, lookup by id and references,
 * shutdown with a reason, crash, pause, and the preemptible kill that
 * returns every frame; the struct goes with the last reference.
 */
#include <pvisor/domain.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/event.h>
#include <pvisor/gnttab.h>
#include <pvisor/perfc.h>
#include <pvisor/power.h>
#include <pvisor/smp.h>
#include <string.h>
#include <stdio.h>
#include <xen/errno.h>

struct domain *dom0;
/* A domain sits in its slot from domain_create until its last reference
 * goes, dying or not: its domid is not reused while anything of it lives. */
static struct domain *domain_table[MAX_DOMAINS];
/* One past the highest slot in use: a getdomaininfo of an id above every
 * domain (a toolstack asking after one just gone) stops here instead of
 * scanning the whole table. */
static unsigned int domain_table_end;
/* Guards domain_table and every domain's refcnt (taken innermost). */
static DEFINE_SPINLOCK(domain_table_lock);

static void domain_destroy(struct domain *d);

static struct domain *lookup(domid_t id, bool dying_too)
{
    struct domain *d;
    unsigned long flags;

    if (id >= MAX_DOMAINS)
        return NULL;
    flags = spin_lock_irqsave(&domain_table_lock);
    d = domain_table[id];
    if (d && (dying_too || d->is_dying == DOMDYING_alive) && d->refcnt)
        d->refcnt++;
    else
        d = NULL;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return d;
}

struct domain *get_domain_by_id(domid_t id)
{
    return lookup(id, false);
}

struct domain *get_domain_by_id_any(domid_t id)
{
    return lookup(id, true);
}

/* A live domain's grant table with a table reference, under one hold of
 * the lock: a grant map or copy looks one up per entry, and a domain
 * reference taken and dropped around it would take the lock twice. */
struct gnt_table *domain_grant_table_get(domid_t id)
{
    struct gnt_table *t = NULL;
    unsigned long flags;
    struct domain *d;

    if (id >= MAX_DOMAINS)
        return NULL;
    flags = spin_lock_irqsave(&domain_table_lock);
    d = domain_table[id];
    if (d && d->is_dying == DOMDYING_alive && d->refcnt && d->grant_table) {
        t = d->grant_table;
        gnt_table_get(t);
    }
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return t;
}

/* The domain with the lowest id >= first, dying or not, with a reference:
 * the walk of Xen's getdomaininfo ("this domain or the next one") and
 * getdomaininfolist. NULL when there is none. */
struct domain *get_domain_from(domid_t first)
{
    struct domain *d = NULL;
    unsigned long flags = spin_lock_irqsave(&domain_table_lock);

    for (unsigned int id = first; id < domain_table_end && !d; id++)
        d = domain_table[id];
    if (d)
        d->refcnt++;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return d;
}

void get_knownalive_domain(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domain_table_lock);

    BUG_ON(!d->refcnt);
    d->refcnt++;
    spin_unlock_irqrestore(&domain_table_lock, flags);
}

void put_domain(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domain_table_lock);
    bool last;

    BUG_ON(!d->refcnt);
    last = --d->refcnt == 0;
    if (last) {
        /* Only domain_kill drops the alive reference. */
        BUG_ON(d->is_dying != DOMDYING_dead);
        domain_table[d->domain_id] = NULL;
        while (domain_table_end && !domain_table[domain_table_end - 1])
            domain_table_end--;
    }
    spin_unlock_irqrestore(&domain_table_lock, flags);
    if (last)
        domain_destroy(d);
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

static unsigned int vcpu_order(void)
{
    unsigned int order = 0;

    while ((PAGE_SIZE << order) < sizeof(struct vcpu))
        order++;
    return order;
}

/* Everything domain_create and vcpu_create set up, undone; each part's
 * teardown copes with a part that was never set up. Both the unwind of a
 * failed create and the end of a dead domain. */
static void domain_free_parts(struct domain *d)
{
    watchdog_domain_destroy(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];

        if (!v)
            continue;
        d->vcpu[i] = NULL;
        sched_vcpu_destroy(v);
        arch_vcpu_destroy(v);
        free_xenheap_pages(v, vcpu_order());
    }
    gnttab_domain_destroy(d);
    arch_domain_destroy(d);
    evtchn_domain_destroy(d);
    if (d->shared_info)
        arch_unshare_xen_page(d->shared_info);
    free_xenheap_pages(d, 0);
}

/* The last reference went: nothing can reach d any more. */
static void domain_destroy(struct domain *d)
{
    domain_free_parts(d);
}

struct domain *domain_create(domid_t id, bool privileged, unsigned int max_vcpus)
{
    struct domain *d;
    unsigned long flags;

    if (id >= MAX_DOMAINS || max_vcpus == 0 || max_vcpus > MAX_VCPUS)
        return NULL;
    d = alloc_xenheap_pages(0);
    BUILD_BUG_ON(sizeof(*d) > PAGE_SIZE);
    if (!d)
        return NULL;
    memset(d, 0, sizeof(*d));
    d->domain_id = id;
    d->is_privileged = privileged;
    d->max_vcpus = max_vcpus;
    d->refcnt = 1;                     /* alive: dropped by domain_kill */
    /* Xen's grant limits for a domain created without a domctl config
     * (dom0): 64 grant frames, 1024 maptrack frames, grant v2. */
    d->max_grant_frames = 64;
    d->max_maptrack_frames = 1024;
    d->max_grant_version = 2;
    d->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->vcpu_ctx_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->page_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->evtchn_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->kill_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    watchdog_domain_init(d);

    d->shared_info = alloc_xenheap_page();
    if (!d->shared_info)
        goto fail;
    memset(d->shared_info, 0, PAGE_SIZE);
    d->shared_info_mfn = virt_to_mfn(d->shared_info);
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;   /* as Xen: events start masked */
    if (evtchn_domain_init(d) || gnttab_domain_init(d, 0, 0) || arch_domain_init(d))
        goto fail;

    flags = spin_lock_irqsave(&domain_table_lock);
    if (domain_table[id]) {            /* taken, perhaps by a domain still dying */
        spin_unlock_irqrestore(&domain_table_lock, flags);
        goto fail;
    }
    domain_table[id] = d;
    if (id >= domain_table_end)
        domain_table_end = id + 1;
    spin_unlock_irqrestore(&domain_table_lock, flags);
    return d;

fail:
    domain_free_parts(d);
    return NULL;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
    struct vcpu *v;

    if (id >= d->max_vcpus || d->vcpu[id])
        return NULL;
    v = alloc_xenheap_pages(vcpu_order());
    if (!v)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->vcpu_id = id;
    v->domain = d;
    v->pause_flags = VPF_down;
    if (d->pause_count)                /* created in a paused domain (domctl max_vcpus) */
        v->pause_flags |= VPF_paused;
    v->cpu_hard_affinity = v->cpu_soft_affinity = ~0ull;
    sched_vcpu_init(v);
    v->vcpu_info = &d->shared_info->vcpu_info[id < XEN_LEGACY_MAX_VCPUS ? id : 0];
    v->runstate.state = RUNSTATE_offline;
    v->runstate.state_entry_time = NOW();
    if (arch_vcpu_init(v)) {
        arch_vcpu_destroy(v);
        free_xenheap_pages(v, vcpu_order());
        return NULL;
    }
    d->vcpu[id] = v;
    return v;
}

/* A domain that owns frames holds a reference on itself (Xen's
 * assign_pages / free_domheap_pages): a frame still mapped elsewhere when
 * its owner dies keeps the owner's struct and domid until it is freed. */
static void pages_ref_on_first(struct domain *d, u64 before)
{
    if (before == 0)
        get_knownalive_domain(d);
}

void domain_add_page(struct domain *d, unsigned long mfn)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    (void)mfn;
    pages_ref_on_first(d, d->tot_pages++);
    spin_unlock_irqrestore(&d->page_lock, flags);
}

/* max_pages is checked and the room taken under the page lock, so vCPUs
 * growing a domain at once cannot all pass one check (Xen's assign_pages).
 * A dying domain gets no more (its frames are being given back). The
 * reserved pages join with domain_add_reserved_page. */
bool domain_reserve_pages(struct domain *d, unsigned long n)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);
    bool ok = !d->is_dying && n <= d->max_pages && d->tot_pages <= d->max_pages - n;

    if (ok && n) {
        pages_ref_on_first(d, d->tot_pages);
        d->tot_pages += n;
        d->pages_pending += n;
    }
    spin_unlock_irqrestore(&d->page_lock, flags);
    return ok;
}

/* Takes the page lock's flags and releases it; the caller holds a
 * reference of its own, so the put below is never the last. */
static void pages_drop(struct domain *d, unsigned long n, unsigned long flags)
{
    bool last;

    BUG_ON(d->tot_pages < n);
    d->tot_pages -= n;
    last = n && d->tot_pages == 0;
    spin_unlock_irqrestore(&d->page_lock, flags);
    if (last)
        put_domain(d);
}

void domain_unreserve_pages(struct domain *d, unsigned long n)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    BUG_ON(d->pages_pending < n);
    d->pages_pending -= n;
    pages_drop(d, n, flags);
}

void domain_add_reserved_page(struct domain *d, unsigned long mfn)
{
    domain_add_reserved_pages(d, mfn, 1);
}

/* Frames are counted, not listed: one lock per extent. */
void domain_add_reserved_pages(struct domain *d, unsigned long mfn, unsigned long n)
{
    unsigned long flags;

    (void)mfn;
    if (!n)
        return;
    flags = spin_lock_irqsave(&d->page_lock);
    BUG_ON(d->pages_pending < n);
    d->pages_pending -= n;
    spin_unlock_irqrestore(&d->page_lock, flags);
}

/* Frames reserved before d began dying are still joining it: its frames
 * are given back only once they have (none can be reserved any more). */
static bool pages_still_joining(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);
    bool pending = d->pages_pending != 0;

    spin_unlock_irqrestore(&d->page_lock, flags);
    return pending;
}

void domain_remove_page(struct domain *d, unsigned long mfn)
{
    domain_remove_pages(d, &mfn, 1);
}

void domain_remove_pages(struct domain *d, const unsigned long *mfn, unsigned int n)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    (void)mfn;
    pages_drop(d, n, flags);
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
    /* Only dom0's end is the machine's news; a domU's shutdown is dom0's
     * (VIRQ_DOM_EXC, getdomaininfo), and Xen logs none either: a toolstack
     * cycling domUs must not fill the log. */
    if (d->is_initial)
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
        arch_show_guest_state(current, guest_regs());
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

void domain_resume(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);

    d->is_shutting_down = d->is_shut_down = false;
    d->has_shutdown_code = false;
    d->shutdown_code = 0;
    spin_unlock_irqrestore(&d->lock, flags);
    if (!d->pause_count)
        for (unsigned i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i])
                vcpu_unpause_flags(d->vcpu[i], VPF_paused);
}

/* Pause d and wait until none of its vCPUs is on a pCPU any more (Xen's
 * domain_pause, which syncs): after this nothing runs on its state. */
void domain_pause_sync(struct domain *d)
{
    domain_pause(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];

        while (v && (__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE) ||
                     __atomic_load_n(&v->ctx_loaded, __ATOMIC_ACQUIRE))) {
            /* Off its pCPU, but an idle pCPU may still have its page
             * tables loaded: that one loads its own. */
            if (!__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
                arch_release_vcpu_tables(v);
            cpu_relax();
        }
    }
}

enum kill_step {
    KILL_START = 0,     /* alive: mark dying, stop it */
    KILL_RELINQUISH,    /* giving back what its vCPUs and frames hold */
    KILL_DONE,
};

int domain_kill(struct domain *d)
{
    bool drop_alive = false;
    unsigned long flags;
    int rc = 0;

    if (!is_idle_vcpu(current) && current->domain == d)
        return -XEN_EINVAL;
    /* Another CPU is at it: come back (the continuation) when it is done. */
    if (!spin_trylock(&d->kill_lock))
        return -XEN_ERESTART;
    switch (d->kill_step) {
    case KILL_START:
        flags = spin_lock_irqsave(&domain_table_lock);
        d->is_dying = DOMDYING_dying;
        spin_unlock_irqrestore(&domain_table_lock, flags);
        /* No frame joins it from now on (domain_reserve_pages looks). */
        flags = spin_lock_irqsave(&d->page_lock);
        d->mm.dying = true;
        spin_unlock_irqrestore(&d->page_lock, flags);
        domain_pause_sync(d);
        watchdog_domain_destroy(d);
        /* Its ports closed, peers see them unbound; the table stays
         * until the last put. */
        evtchn_domain_kill(d);
        claim_pages_set(&d->outstanding_pages, 0, 0, 0);    /* a dying domain claims nothing */
        d->kill_step = KILL_RELINQUISH;
        /* fall through */
    case KILL_RELINQUISH:
        if (pages_still_joining(d)) {
            rc = -XEN_ERESTART;
            break;
        }
        /* Grant mappings first (as Xen): pins and status bits go back to
         * the granters; the PTEs' references go with the page tables. */
        rc = gnttab_domain_relinquish(d);
        if (!rc)
            rc = arch_domain_relinquish_resources(d);
        if (rc)
            break;
        flags = spin_lock_irqsave(&domain_table_lock);
        d->is_dying = DOMDYING_dead;
        spin_unlock_irqrestore(&domain_table_lock, flags);
        d->kill_step = KILL_DONE;
        drop_alive = true;
        break;
    default:
        break;                          /* dead already */
    }
    spin_unlock(&d->kill_lock);
    if (drop_alive) {
        /* As Xen: dom0 hears of the death (its xenstored releases the
         * domain's watches), then the alive reference goes. */
        if (dom0 && d != dom0)
            send_guest_global_virq(dom0, VIRQ_DOM_EXC);
        put_domain(d);
    }
    return rc;
}
