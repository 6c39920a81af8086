/* pvctl's hypercalls (see hv.h). */
#include "hv.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <xentoollog.h>
#include <xencall.h>
#include <xenforeignmemory.h>
#include <xen/version.h>

/* The libraries log to stderr on their own; pvctl prints one line per
 * error itself. */
static void quiet_msg(struct xentoollog_logger *l, xentoollog_level lv, int e, const char *ctx,
                      const char *fmt, va_list ap)
{
    (void)l; (void)lv; (void)e; (void)ctx; (void)fmt; (void)ap;
}
static void quiet_progress(struct xentoollog_logger *l, const char *ctx, const char *doing,
                           int percent, unsigned long done, unsigned long total)
{
    (void)l; (void)ctx; (void)doing; (void)percent; (void)done; (void)total;
}
static void quiet_destroy(struct xentoollog_logger *l)
{
    (void)l;
}
static xentoollog_logger quiet = { quiet_msg, quiet_progress, quiet_destroy };

static xencall_handle *xc;
static xenforeignmemory_handle *fm;
static xenforeignmemory_resource_handle *grant_res;

int hv_open(void)
{
    if (xc)
        return 0;
    xc = xencall_open(&quiet, 0);
    if (!xc)
        return -1;
    fm = xenforeignmemory_open(&quiet, 0);
    if (!fm) {
        xencall_close(xc);
        xc = NULL;
        return -1;
    }
    return 0;
}

void hv_close(void)
{
    if (fm)
        xenforeignmemory_close(fm);
    if (xc)
        xencall_close(xc);
    fm = NULL;
    xc = NULL;
}

void hv_forget_after_fork(void)
{
    xc = NULL;
    fm = NULL;
    grant_res = NULL;
}

void *hv_buf(size_t size)
{
    void *p = xencall_alloc_buffer(xc, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void hv_buf_free(void *p, size_t size)
{
    (void)size;
    if (p)
        xencall_free_buffer(xc, p);
}

/* One hypercall with its argument struct copied into a hypercall buffer
 * and back. */
static long call_copy(unsigned int op, uint64_t a1, void *arg, size_t size, uint64_t a3,
                      uint64_t a4, int nargs)
{
    void *b = hv_buf(size);
    long rc;

    if (!b)
        return -1;
    memcpy(b, arg, size);
    switch (nargs) {
    case 1: rc = xencall1(xc, op, (uint64_t)(uintptr_t)b); break;
    case 2: rc = xencall2(xc, op, a1, (uint64_t)(uintptr_t)b); break;
    case 3: rc = xencall3(xc, op, a1, (uint64_t)(uintptr_t)b, a3); break;
    default: rc = xencall4(xc, op, (uint64_t)(uintptr_t)b, a1, a3, a4); break;
    }
    int e = errno;
    memcpy(arg, b, size);
    hv_buf_free(b, size);
    errno = e;
    return rc;
}

int hv_domctl(struct xen_domctl *d)
{
    d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return (int)call_copy(__HYPERVISOR_domctl, 0, d, sizeof(*d), 0, 0, 1);
}

int hv_sysctl(struct xen_sysctl *s)
{
    s->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return (int)call_copy(__HYPERVISOR_sysctl, 0, s, sizeof(*s), 0, 0, 1);
}

long hv_memory_op(unsigned int cmd, void *arg)
{
    return xencall2(xc, __HYPERVISOR_memory_op, cmd, (uint64_t)(uintptr_t)arg);
}

int hv_evtchn_op(unsigned int cmd, void *arg, size_t size)
{
    return (int)call_copy(__HYPERVISOR_event_channel_op, cmd, arg, size, 0, 0, 2);
}

int hv_mmuext_op(struct mmuext_op *op, unsigned int count, domid_t dom)
{
    return (int)call_copy(__HYPERVISOR_mmuext_op, count, op, sizeof(*op) * count, 0, dom, 4);
}

int hv_grant_table_op(unsigned int cmd, void *arg, unsigned int count)
{
    return xencall3(xc, __HYPERVISOR_grant_table_op, cmd, (uint64_t)(uintptr_t)arg, count);
}

long hv_xen_version(unsigned int cmd, void *arg)
{
    return xencall2(xc, __HYPERVISOR_xen_version, cmd, (uint64_t)(uintptr_t)arg);
}

bool hv_allocations_zeroed(void)
{
    static int known = -1;

    if (known < 0) {
        xen_extraversion_t *x = hv_buf(sizeof(*x));
        known = x && hv_xen_version(XENVER_extraversion, x) >= 0 &&
                strstr((char *)x, "-pvisor") != NULL;
        hv_buf_free(x, sizeof(*x));
    }
    return known;
}

int hv_domain_info(domid_t dom, struct xen_domctl_getdomaininfo *info)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_getdomaininfo, .domain = dom };

    if (hv_domctl(&d))
        return -1;
    if (d.u.getdomaininfo.domain != dom) {
        errno = ESRCH;
        return -1;
    }
    *info = d.u.getdomaininfo;
    return 0;
}

void *hv_map(domid_t dom, int prot, const xen_pfn_t *mfns, size_t n)
{
    int err_stack[64], *err = n <= 64 ? err_stack : calloc(n, sizeof(int));
    void *p;

    if (!err)
        return NULL;
    p = xenforeignmemory_map(fm, dom, prot, n, mfns, err);
    if (p)
        for (size_t i = 0; i < n; i++)
            if (err[i]) {
                xenforeignmemory_unmap(fm, p, n);
                errno = -err[i];
                p = NULL;
                break;
            }
    if (err != err_stack)
        free(err);
    return p;
}

int hv_unmap(void *p, size_t n)
{
    return p ? xenforeignmemory_unmap(fm, p, n) : 0;
}

void *hv_map_grant_frame0(domid_t dom)
{
    void *addr = NULL;

    grant_res = xenforeignmemory_map_resource(fm, dom, XENMEM_resource_grant_table,
                                              XENMEM_resource_grant_table_id_shared, 0, 1,
                                              &addr, PROT_READ | PROT_WRITE, 0);
    if (grant_res)
        return addr;
    /* libxc falls back only on EOPNOTSUPP; a hypervisor without
     * XENMEM_acquire_resource at all answers ENOSYS: the same case */
    if (errno != EOPNOTSUPP && errno != ENOSYS)
        return NULL;
    struct gnttab_setup_table *st = hv_buf(sizeof(*st));
    xen_pfn_t *frame = hv_buf(sizeof(*frame));
    void *p = NULL;
    if (st && frame) {
        st->dom = dom;
        st->nr_frames = 1;
        set_xen_guest_handle(st->frame_list, frame);
        if (!hv_grant_table_op(GNTTABOP_setup_table, st, 1) && st->status == GNTST_okay) {
            xen_pfn_t mfn = *frame;
            p = hv_map(dom, PROT_READ | PROT_WRITE, &mfn, 1);
        } else if (st->status != GNTST_okay) {
            errno = EINVAL;
        }
    }
    int e = errno;
    hv_buf_free(st, sizeof(*st));
    hv_buf_free(frame, sizeof(*frame));
    errno = e;
    return p;
}

void hv_unmap_grant(void *p)
{
    if (grant_res) {
        xenforeignmemory_unmap_resource(fm, grant_res);
        grant_res = NULL;
    } else {
        hv_unmap(p, 1);
    }
}
