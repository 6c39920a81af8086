/*
 * Domain teardown: drop everything a dying domain's vCPUs and frames hold.
 * Without linear page tables the reference graph has no cycles (rule 9),
 * so removing the roots (pins, base pointers, GDT/LDT, parked states) lets
 * every count fall to zero. Preemptible: 0 or -ERESTART (call again).
 */
#include "mm_internal.h"

static int drop_table(struct mm_env *env, struct mm_vcpu *v, mfn_t *slot)
{
    mfn_t mfn = *slot;

    if (!mfn)
        return 0;
    *slot = 0;
    if (mm_put_type(env, v, mfn, MM_PREEMPTIBLE) == -XEN_ERESTART) {
        mm_defer(v, mfn, true);
        return -XEN_ERESTART;
    }
    mm_put_page(env, mfn);
    return 0;
}

int mm_vcpu_teardown(struct mm_env *env, struct mm_vcpu *v)
{
    mfn_t old[MM_GDT_FRAMES];
    unsigned int i;
    int rc = mm_drain_deferred(env, v);

    if (rc)
        return rc;
    mm_ldt_destroy(env, v);
    if (v->gdt_ents || v->gdt_frames[0]) {
        memcpy(old, v->gdt_frames, sizeof(old));
        memset(v->gdt_frames, 0, sizeof(v->gdt_frames));
        v->gdt_ents = 0;
        env->ops->gdt_changed(env->ctx, v);
        for (i = 0; i < MM_GDT_FRAMES; i++)
            if (old[i]) {
                mm_put_type(env, v, old[i], 0);
                mm_put_page(env, old[i]);
            }
    }
    if (v->guest_table) {
        mfn_t mfn = v->guest_table;

        v->guest_table = 0;
        env->ops->cr3_changed(env->ctx, v);
        v->guest_table = mfn;
        rc = drop_table(env, v, &v->guest_table);
        if (rc)
            return rc;
    }
    return drop_table(env, v, &v->guest_table_user);
}

int mm_frame_teardown(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn)
{
    struct frame *f;
    u64 x;
    int rc = mm_drain_deferred(env, v);

    if (rc || !mm_mfn_valid(env, mfn))
        return rc;
    f = mm_frame(env, mfn);
    x = mm_load(&f->type_info);
    while (x & PGT_PINNED) {
        if (mm_cas(&f->type_info, &x, x & ~PGT_PINNED)) {
            if (mm_put_type(env, v, mfn, MM_PREEMPTIBLE) == -XEN_ERESTART) {
                mm_defer(v, mfn, true);
                return -XEN_ERESTART;
            }
            mm_put_page(env, mfn);
            break;
        }
    }
    return mm_put_type_partial(env, v, mfn, MM_PREEMPTIBLE);
}
