/*
 * XENMEM_acquire_resource of a grant table (Xen 4.17's
 * gnttab_acquire_resource): the MFNs of a range of the shared frames, for
 * the toolstack to map with mmu_update (it seeds entries 0 and 1 of a new
 * domain this way). The table grows as setup_table would. Mappings of the
 * frames hold their own references, so a frame handed out here stays
 * until the last mapping of it goes, whatever happens to the table.
 */
#include "gnttab_internal.h"
#include <xen/memory.h>

unsigned int gnt_max_frames(const struct gnt_table *t)
{
    return __atomic_load_n(&t->max_frames, __ATOMIC_ACQUIRE);
}

int gnt_resource_frames(struct gnt_env *env, struct gnt_table *t, unsigned int id,
                        unsigned int frame, unsigned int nr, xen_pfn_t *mfns)
{
    unsigned int end = frame + nr;      /* the caller checked it fits */
    int rc = nr;

    /* A v1 table has no status frames; other ids name nothing. */
    if (!nr || id != XENMEM_resource_grant_table_id_shared || end < frame) {
        gnt_log(env, t, "acquire_resource", "no such frames", -XEN_EINVAL, id, frame);
        return -XEN_EINVAL;
    }
    if (end > __atomic_load_n(&t->nr_frames, __ATOMIC_ACQUIRE) && gnt_grow(env, t, end)) {
        gnt_log(env, t, "acquire_resource", "beyond the table's limit", -XEN_EINVAL, frame, nr);
        return -XEN_EINVAL;
    }
    gnt_lock(env, t);
    if (!t->md || end > t->nr_frames)   /* its domain let go of it meanwhile */
        rc = -XEN_EINVAL;
    else
        for (unsigned int i = 0; i < nr; i++)
            mfns[i] = t->shared_mfn[frame + i];
    gnt_unlock(t);
    return rc;
}
