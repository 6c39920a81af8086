/*
 * GNTTABOP_swap_grant_ref: exchange two of the caller's own shared entries,
 * only while neither is pinned (GNTST_eagain otherwise), as Xen 4.17.
 */
#include "gnttab_internal.h"

s16 gnt_swap(struct gnt_env *env, struct gnt_table *lt, u32 ref_a, u32 ref_b)
{
    s16 st = GNTST_okay;

    gnt_lock(env, lt);
    if (ref_a >= gnt_nr_entries(lt) || ref_b >= gnt_nr_entries(lt) || lt->dying) {
        st = GNTST_bad_gntref;
        gnt_log(env, lt, "swap", "bad ref", st, ref_a, ref_b);
    } else if (ref_a != ref_b) {
        if (gnt_act(lt, ref_a)->pin || gnt_act(lt, ref_b)->pin) {
            st = GNTST_eagain;
        } else {
            u64 *a = (u64 *)gnt_shared(lt, ref_a), *b = (u64 *)gnt_shared(lt, ref_b);
            u64 x = __atomic_load_n(a, __ATOMIC_RELAXED);

            __atomic_store_n(a, __atomic_load_n(b, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
            __atomic_store_n(b, x, __ATOMIC_RELAXED);
        }
    }
    gnt_unlock(lt);
    return st;
}
