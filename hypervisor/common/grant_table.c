/*
 * GNTTABOP_* for PV guests: the environment the grant-table module
 * (common/gnttab/, rules in pvisor/gnttab.h) runs in here, and the
 * hypercall entry. Hypervisor pages come from the xenheap, the shared
 * frames are shared with their domain like shared_info, guest memory and
 * TLB flushes go through the memory-safety module's environment.
 */
#include <pvisor/perfc.h>
#include <pvisor/compiler.h>
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/gnttab.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/uaccess.h>
#include <asm/processor.h>
#include <string.h>
#include "gnttab/gnttab_env.h"     /* the calls the module makes directly */

static struct domain *md_to_domain(const struct mm_domain *md)
{
    return container_of(md, struct domain, mm);
}

/* Guest arrays are read and written in the current vCPU's address space
 * directly (every batch entry passes here twice). */
static int op_copy_from_guest(void *ctx, struct mm_vcpu *v, void *dst, u64 gva, size_t len)
{
    (void)ctx;
    (void)v;
    return copy_from_guest_va(dst, gva, len);
}

static int op_copy_to_guest(void *ctx, struct mm_vcpu *v, u64 gva, const void *src, size_t len)
{
    (void)ctx;
    (void)v;
    return copy_to_guest_va(gva, src, len);
}

static struct gnt_table *op_get_table(void *ctx, struct gnt_table *caller, u16 domid,
                                      bool controlled, int *err)
{
    struct gnt_table *t = NULL;
    struct domain *d;
    long rc = -XEN_ESRCH;

    (void)ctx;
    (void)caller;
    if (!controlled) {
        t = domain_grant_table_get(domid);
        if (!t)
            *err = -XEN_ESRCH;
        return t;
    }
    d = domain_lookup_controlled(domid, &rc);
    if (d) {
        t = d->grant_table;
        if (t)
            gnt_table_get(t);
        put_domain(d);
    }
    if (!t)
        *err = (int)rc;
    return t;
}

static void *op_alloc_page(void *ctx)
{
    void *p = alloc_xenheap_page();

    (void)ctx;
    if (p)
        memset(p, 0, PAGE_SIZE);
    return p;
}

static void op_free_page(void *ctx, void *p)
{
    (void)ctx;
    free_xenheap_page(p);
}

static void *op_alloc_shared(void *ctx, const struct mm_domain *owner, mfn_t *mfn)
{
    void *p = op_alloc_page(ctx);

    if (p) {
        *mfn = virt_to_mfn(p);
        arch_share_xen_page(md_to_domain(owner), *mfn);
    }
    return p;
}

/* A frame another domain still maps goes back to the heap when that
 * mapping goes. */
static void op_free_shared(void *ctx, void *p, mfn_t mfn)
{
    (void)ctx;
    (void)mfn;
    arch_unshare_xen_page(p);
}

static void *op_map_data(void *ctx, mfn_t mfn)
{
    (void)ctx;
    return mfn_to_virt(mfn);
}

/* Called directly by the module (gnttab_env.h). */
void gnttab_flush_domain(struct mm_vcpu *v)
{
    struct mm_env *mm = arch_mm_env();

    mm->ops->flush_guest(mm->ctx, v, MM_FLUSH_TLB | MM_FLUSH_ALL, NULL, 0);
}

static void op_flush_domain(void *ctx, struct mm_vcpu *v)
{
    (void)ctx;
    gnttab_flush_domain(v);
}

static void op_flush_cache_range(void *ctx, mfn_t mfn, unsigned int off, unsigned int len)
{
    char *p = (char *)mfn_to_virt(mfn) + (off & ~63u);

    (void)ctx;
    for (char *end = (char *)mfn_to_virt(mfn) + off + len; p < end; p += 64)
        __asm__ volatile("clflush %0" : "+m"(*p));
    __asm__ volatile("mfence" ::: "memory");
}

static bool op_preempt_check(void *ctx)
{
    (void)ctx;
    return hypercall_preempt_check();
}

static void op_relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static void op_log(void *ctx, u16 domid, const char *what, const char *why, int rc, u64 a,
                   u64 b)
{
    /* The line names who asked (the current domain) and, when it is not
     * the same, whose table the refused entry is in. */
    u16 self = is_idle_vcpu(current) ? DOMID_XEN : current->domain->domain_id;

    (void)ctx;
    if (domid == self || domid == DOMID_INVALID)
        gprintk(LOG_INFO "d%u: grant %s refused (%d): %s [%#llx %#llx]\n", self, what, rc, why,
                (unsigned long long)a, (unsigned long long)b);
    else
        gprintk(LOG_INFO "d%u: grant %s refused (%d) in d%u's table: %s [%#llx %#llx]\n", self,
                what, rc, domid, why, (unsigned long long)a, (unsigned long long)b);
}

static const struct gnt_env_ops gnt_ops = {
    .copy_from_guest = op_copy_from_guest,
    .copy_to_guest = op_copy_to_guest,
    .get_table = op_get_table,
    .alloc_page = op_alloc_page,
    .free_page = op_free_page,
    .alloc_shared = op_alloc_shared,
    .free_shared = op_free_shared,
    .map_data = op_map_data,
    .flush_domain = op_flush_domain,
    .flush_cache_range = op_flush_cache_range,
    .preempt_check = op_preempt_check,
    .relax = op_relax,
    .log = op_log,
};

/* Filled once (every grant hypercall asks). */
static struct gnt_env *env(void)
{
    static struct gnt_env e;

    if (unlikely(!e.mm)) {
        e.ops = &gnt_ops;
        e.mm = arch_mm_env();
    }
    return &e;
}

int gnttab_domain_init(struct domain *d, unsigned int max_frames, unsigned int max_maptrack)
{
    d->grant_table = gnt_table_create(env(), &d->mm, d->domain_id, max_frames, max_maptrack);
    return d->grant_table ? 0 : -XEN_ENOMEM;
}

void gnttab_domain_set_limits(struct domain *d)
{
    if (d->grant_table)
        gnt_table_set_limits(env(), d->grant_table, d->max_grant_frames,
                             d->max_maptrack_frames);
}

int gnttab_domain_relinquish(struct domain *d)
{
    return d->grant_table ? gnt_table_teardown(env(), d->grant_table) : 0;
}

void gnttab_domain_destroy(struct domain *d)
{
    if (!d->grant_table)
        return;
    while (gnttab_domain_relinquish(d) == -XEN_ERESTART)
        ;
    gnt_table_release(env(), d->grant_table);
    d->grant_table = NULL;
}

unsigned int gnttab_domain_max_frames(const struct domain *d)
{
    return d->grant_table ? gnt_max_frames(d->grant_table) : 0;
}

int gnttab_domain_resource(struct domain *d, unsigned int id, unsigned int frame,
                           unsigned int nr, xen_pfn_t *mfns)
{
    if (!d->grant_table)
        return -XEN_EINVAL;
    return gnt_resource_frames(env(), d->grant_table, id, frame, nr, mfns);
}

/* The module (common/gnttab) takes the handle's address and copies through
 * the environment's guest accessors, as the memory-safety module does. */
long do_grant_table_op(unsigned long cmd, XEN_GUEST_HANDLE_PARAM(void) uop, unsigned long count)
{
    struct vcpu *v = current;
    struct gnt_cont cont;
    long rc;

    switch (cmd & 0xfff) {             /* GNTOP_* opaque flags above bit 12 */
    case GNTTABOP_map_grant_ref: perfc_add(PERFC_gnttab_map, count & 0xffff); break;
    case GNTTABOP_unmap_grant_ref: perfc_add(PERFC_gnttab_unmap, count & 0xffff); break;
    case GNTTABOP_copy: perfc_add(PERFC_gnttab_copy, count & 0xffff); break;
    }
    rc = gnt_do_op(env(), &v->mm, v->domain->grant_table, (unsigned int)cmd, (u64)(unsigned long)uop.p,
                   (unsigned int)count, &cont);
    if (rc == -XEN_ERESTART) {
        unsigned long args[3] = { cont.cmd, cont.uop, cont.count };

        return hypercall_continue_with(__HYPERVISOR_grant_table_op, 3, args);
    }
    return rc;
}
