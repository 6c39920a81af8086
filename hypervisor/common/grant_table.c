/*
 * Grant tables, version 1: each domain's table of grant entries lives in
 * hypervisor frames shared read/write with it (setup_table hands out their
 * MFNs). Per-op errors are GNTST_* status codes inside a successful
 * hypercall, as in Xen.
 */
#include <pvisor/compiler.h>
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/page_alloc.h>
#include <pvisor/uaccess.h>
#include <xen/grant_table.h>

#define GNTTAB_MAX_FRAMES 64

struct grant_table {
    spinlock_t lock;                   /* growth: vCPUs may ask at once */
    unsigned int nr_frames;
    void *frames[GNTTAB_MAX_FRAMES];
};


/* The named domain, or NULL with the GNTST_ status Xen reports. */
static struct domain *gnt_domain(domid_t id, s16 *status)
{
    long rc;
    struct domain *d = domain_lookup_controlled(id, &rc);

    if (!d)
        *status = rc == -XEN_EPERM ? GNTST_permission_denied : GNTST_bad_domain;
    return d;
}

/* Frames once added stay until the domain dies, so readers of frames[i]
 * for i below a size they saw need no lock. */
static int grow(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->grant_table;
    int rc = 0;

    if (nr > GNTTAB_MAX_FRAMES)
        return -1;
    spin_lock(&gt->lock);
    while (gt->nr_frames < nr) {
        void *p = alloc_xenheap_page();
        if (!p) {
            rc = -1;
            break;
        }
        arch_share_xen_page(d, virt_to_mfn(p));
        gt->frames[gt->nr_frames] = p;
        __atomic_store_n(&gt->nr_frames, gt->nr_frames + 1, __ATOMIC_RELEASE);
    }
    spin_unlock(&gt->lock);
    return rc;
}

/* The table lives in the domain and dies with it: a reused domid starts
 * with none of its predecessor's frames. */
int gnttab_domain_init(struct domain *d)
{
    BUILD_BUG_ON(sizeof(struct grant_table) > PAGE_SIZE);
    d->grant_table = alloc_xenheap_page();
    if (!d->grant_table)
        return -XEN_ENOMEM;
    d->grant_table->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    return 0;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt)
        return;
    /* A frame another domain still maps is freed when that mapping goes. */
    for (unsigned i = 0; i < gt->nr_frames; i++)
        arch_unshare_xen_page(gt->frames[i]);
    free_xenheap_page(gt);
    d->grant_table = NULL;
}

static long setup_table(unsigned long arg)
{
    struct gnttab_setup_table op;
    struct domain *d;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    op.status = GNTST_okay;
    d = gnt_domain(op.dom, &op.status);
    if (d) {
        if (op.nr_frames > GNTTAB_MAX_FRAMES || grow(d, op.nr_frames)) {
            op.status = GNTST_general_error;
        } else {
            for (unsigned i = 0; i < op.nr_frames; i++) {
                xen_pfn_t mfn = virt_to_mfn(d->grant_table->frames[i]);
                if (copy_to_guest((unsigned long)op.frame_list.p + i * sizeof(mfn), &mfn, sizeof(mfn))) {
                    op.status = GNTST_bad_virt_addr;
                    break;
                }
            }
        }
        put_domain(d);
    }
    return copy_to_guest(arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long query_size(unsigned long arg)
{
    struct gnttab_query_size op;
    struct domain *d;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    op.status = GNTST_okay;
    d = gnt_domain(op.dom, &op.status);
    if (d) {
        grow(d, 1);
        op.nr_frames = __atomic_load_n(&d->grant_table->nr_frames, __ATOMIC_ACQUIRE);
        op.max_nr_frames = GNTTAB_MAX_FRAMES;
        put_domain(d);
    }
    return copy_to_guest(arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count)
{
    switch ((unsigned int)cmd) {
    case GNTTABOP_setup_table:
        if (count != 1)
            return -XEN_EINVAL;
        return setup_table(uop);
    case GNTTABOP_query_size:
        if (count != 1)
            return -XEN_EINVAL;
        return query_size(uop);
    case GNTTABOP_set_version: {
        struct gnttab_set_version sv;
        if (count != 1)
            return -XEN_EINVAL;
        if (copy_from_guest(&sv, uop, sizeof(sv)))
            return -XEN_EFAULT;
        if (sv.version != 1)
            return -XEN_EINVAL;
        return copy_to_guest(uop, &sv, sizeof(sv)) ? -XEN_EFAULT : 0;
    }
    case GNTTABOP_get_version: {
        struct gnttab_get_version gv;
        s16 st;
        struct domain *d;
        if (count != 1)
            return -XEN_EINVAL;
        if (copy_from_guest(&gv, uop, sizeof(gv)))
            return -XEN_EFAULT;
        d = gnt_domain(gv.dom, &st);
        if (!d)
            return st == GNTST_bad_domain ? -XEN_ESRCH : -XEN_EPERM;
        put_domain(d);
        gv.version = 1;
        return copy_to_guest(uop, &gv, sizeof(gv)) ? -XEN_EFAULT : 0;
    }
    }
    return -XEN_ENOSYS;
}
