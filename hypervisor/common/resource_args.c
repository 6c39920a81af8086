/* XENMEM_acquire_resource argument rules (pvisor/resource_args.h). */
#include <pvisor/resource_args.h>
#include <xen/errno.h>

long resource_args_early(const struct xen_mem_acquire_resource *x)
{
    if (x->pad)
        return -XEN_EINVAL;
    /* nr_frames is 32 bits, frame 64: the whole range must fit in 32, so
     * frame + nr_frames cannot overflow further on. */
    if ((x->frame >> 32) || ((x->frame + x->nr_frames) >> 32))
        return -XEN_EINVAL;
    return 0;
}

unsigned int resource_max_frames(unsigned int type, unsigned int id,
                                 unsigned int max_grant_frames)
{
    switch (type) {
    case XENMEM_resource_grant_table:
        if (id == XENMEM_resource_grant_table_id_shared)
            return max_grant_frames;
        /* Status frames exist only in v2 tables, but Xen sizes them for
         * any table (2-byte entries for its 256 v2 entries per frame). */
        if (id == XENMEM_resource_grant_table_id_status)
            return (max_grant_frames * 256 + 2047) / 2048;
        return 0;
    case XENMEM_resource_ioreq_server:  /* HVM only */
    case XENMEM_resource_vmtrace_buf:   /* no trace buffers: vmtrace_size is 0 */
        return 0;
    }
    return (unsigned int)-XEN_EOPNOTSUPP;
}

long resource_args_late(const struct xen_mem_acquire_resource *x, unsigned long start,
                        unsigned int max_frames, bool *query)
{
    *query = false;
    if (!max_frames)
        return -XEN_EINVAL;
    if (!x->frame_list.p) {
        if (x->nr_frames || start)
            return -XEN_EINVAL;
        *query = true;
        return 0;
    }
    if (start >= x->nr_frames || x->nr_frames > (~0u >> MEMOP_SHIFT))
        return -XEN_EINVAL;
    return 0;
}
