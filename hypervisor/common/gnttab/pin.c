/*
 * The granter/mapper protocol on a shared v1 entry (rule G2): the granter
 * writes frame, domid and flags; the hypervisor sets GTF_reading and
 * GTF_writing with a compare-exchange of the flags+domid word, so it never
 * pins an entry the granter changed meanwhile, and clears them with atomic
 * bit operations when the last pin of the kind goes. The granter's
 * end_foreign_access does the opposite compare-exchange: it may revoke only
 * while neither bit is set.
 */
#include "gnttab_internal.h"

/* The guest can rewrite the word faster than we can retry: give up after
 * five tries, as Xen does. */
#define GNT_CMPXCHG_TRIES 5

s16 gnt_set_status(struct gnt_env *env, struct gnt_table *rt, u32 ref,
                   struct gnt_active *act, bool readonly, bool mapflag, u16 ldomid)
{
    u32 *word = (u32 *)gnt_shared(rt, ref);
    u16 mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);
    u32 cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    for (unsigned int tries = 0;; tries++) {
        u16 flags = (u16)cur, domid = (u16)(cur >> 16);
        u32 want;

        if (!act->pin && ((flags & mask) != GTF_permit_access || domid != ldomid)) {
            gnt_log(env, rt, "pin", "entry not granted to the mapper", GNTST_general_error,
                    ref, cur);
            return GNTST_general_error;
        }
        want = cur | GTF_reading;
        if (!readonly) {
            if (flags & GTF_readonly) {
                gnt_log(env, rt, "pin", "writable pin of a read-only grant",
                        GNTST_general_error, ref, cur);
                return GNTST_general_error;
            }
            want |= GTF_writing;
        }
        if (__atomic_compare_exchange_n(word, &cur, want, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries + 1 == GNT_CMPXCHG_TRIES) {
            gnt_log(env, rt, "pin", "shared entry is unstable", GNTST_general_error, ref, cur);
            return GNTST_general_error;
        }
    }
}

/* After a pin went: GTF_reading when no pin is left, GTF_writing when no
 * writable one is (Xen's reduce_status_for_pin). */
void gnt_reduce_status(struct gnt_table *rt, u32 ref, struct gnt_active *act,
                       bool readonly)
{
    u16 clear = act->pin ? 0 : GTF_reading;

    if (!act->pin) {            /* unpinned: nothing of the last user stays */
        act->domid = 0;
        act->mfn = 0;
    }

    if (!rt->shared[ref / GNT_ENTRIES_PER_FRAME])
        return;         /* the granter is gone, and its frames with it */
    if (!readonly && !(act->pin & (GNTPIN_HSTW_MASK | GNTPIN_DEVW_MASK)))
        clear |= GTF_writing;
    if (clear)
        __atomic_fetch_and(&gnt_shared(rt, ref)->flags, (u16)~clear, __ATOMIC_SEQ_CST);
}

/* Each counter is 8 bits; refuse an increment that would reach its top
 * bit (Xen's GNTPIN_incr2oflow_mask). */
bool gnt_pin_would_overflow(u32 pin, u32 incr)
{
    return (pin & (incr << 7)) != 0;
}
