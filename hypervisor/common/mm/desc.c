/*
 * Descriptor tables (rule 15): what a guest GDT/LDT may contain, set_gdt,
 * update_descriptor, and the LDT pages the hypervisor maps on demand.
 * Semantics and errnos of Xen 4.17's pv/descriptor-tables.c (64-bit guests).
 */
#include "mm_internal.h"

#define SEG_P       (1u << 15)
#define SEG_DPL     (3u << 13)
#define SEG_S       (1u << 12)
#define SEG_TYPE    (0xfu << 8)
#define SEG_CALL_GATE (0xcu << 8)

/* A gate may only lead to guest code: the guest's GDT part, the flat
 * kernel code selector, or the LDT. */
static bool gate_selector_ok(u32 sel)
{
    return (sel >> 3) < MM_GDT_MAX_ENTRIES || sel == FLAT_KERNEL_CS || (sel & 4);
}

bool mm_check_descriptor(u64 *desc)
{
    u32 a = (u32)*desc, b = (u32)(*desc >> 32), dpl, cs;

    /* A not-present descriptor always faults: safe. */
    if (!(b & SEG_P))
        return true;

    /* The guest kernel runs in ring 3: nothing below DPL 3. */
    dpl = (b >> 13) & 3;
    if (dpl < 3)
        dpl = 3;
    b = (b & ~SEG_DPL) | (dpl << 13);

    /* Code and data segments: no base/limit checks for 64-bit guests. */
    if (b & SEG_S)
        goto good;

    /* Type 0 is harmless (the upper half of a 16-byte gate). */
    if (!(b & SEG_TYPE))
        return true;

    /* Of the system descriptors only call gates, to guest code... */
    if ((b & SEG_TYPE) != SEG_CALL_GATE)
        return false;
    cs = a >> 16;
    if (!gate_selector_ok(cs))
        return false;
    /* ...with DPL 0, so using one faults and can be emulated; the DPL the
     * guest meant is kept in the selector's RPL. */
    b &= ~SEG_DPL;
    cs = (cs & ~3u) | dpl;
    a = (a & 0xffffu) | (cs << 16);
    if (b & 0xff)
        return false;   /* reserved bits */
good:
    *desc = a | ((u64)b << 32);
    return true;
}

long mm_do_set_gdt(struct mm_env *env, struct mm_vcpu *v, u64 frame_list,
                   unsigned int entries)
{
    u64 frames[MM_GDT_FRAMES];
    unsigned int nr = (entries + 511) / 512;

    if (entries > MM_GDT_MAX_ENTRIES)
        return -XEN_EINVAL;
    if (nr && env->ops->copy_from_guest(env->ctx, v, frames, frame_list,
                                        nr * sizeof(frames[0])))
        return -XEN_EFAULT;
    return mm_set_gdt_frames(env, v, frames, entries);
}

long mm_set_gdt_frames(struct mm_env *env, struct mm_vcpu *v, const u64 *frames,
                       unsigned int entries)
{
    struct mm_domain *d = v->dom;
    mfn_t old[MM_GDT_FRAMES];
    unsigned int nr = (entries + 511) / 512, i;

    if (entries > MM_GDT_MAX_ENTRIES)
        return -XEN_EINVAL;
    for (i = 0; i < nr; i++) {
        if (!mm_get_page(env, frames[i], d))
            goto fail;
        if (mm_get_type(env, v, frames[i], PGT_SEG_DESC, 0)) {
            mm_put_page(env, frames[i]);
            goto fail;
        }
    }

    memcpy(old, v->gdt_frames, sizeof(old));
    for (i = 0; i < MM_GDT_FRAMES; i++)
        v->gdt_frames[i] = i < nr ? frames[i] : 0;
    v->gdt_ents = entries;
    /* The hypervisor's mappings move to the new frames before the old ones
     * lose their type (rule 14's ordering). */
    env->ops->gdt_changed(env->ctx, v);
    for (i = 0; i < MM_GDT_FRAMES; i++)
        if (old[i]) {
            mm_put_type(env, v, old[i], 0);
            mm_put_page(env, old[i]);
        }
    env->ops->flush_guest(env->ctx, v, MM_FLUSH_TLB | MM_FLUSH_LOCAL, NULL, 0);
    return 0;

fail:
    mm_log(env, d, "set_gdt", "frame is not a valid descriptor page of the domain",
           -XEN_EINVAL, i < nr ? frames[i] : 0, i);
    while (i-- > 0) {
        mm_put_type(env, v, frames[i], 0);
        mm_put_page(env, frames[i]);
    }
    return -XEN_EINVAL;
}

long mm_do_update_descriptor(struct mm_env *env, struct mm_vcpu *v, u64 maddr, u64 desc)
{
    struct mm_domain *d = v->dom;
    mfn_t mfn = maddr >> 12;
    unsigned int type;

    /* Misaligned would corrupt two descriptors. */
    if ((maddr & 7) || !mm_check_descriptor(&desc)) {
        mm_log(env, d, "update_descriptor", "misaligned or unsafe descriptor",
               -XEN_EINVAL, maddr, desc);
        return -XEN_EINVAL;
    }
    if (!mm_get_page(env, mfn, d)) {
        mm_log(env, d, "update_descriptor", "frame not the domain's", -XEN_EINVAL, mfn, 0);
        return -XEN_EINVAL;
    }
    /* A live descriptor page takes the (checked) descriptor; any other
     * frame must be one the guest could write anyway. */
    type = pgt_type(mm_load(&mm_frame(env, mfn)->type_info)) == PGT_SEG_DESC ?
           PGT_SEG_DESC : PGT_WRITABLE;
    if (mm_get_type(env, v, mfn, type, 0)) {
        mm_put_page(env, mfn);
        mm_log(env, d, "update_descriptor", "frame is a page table", -XEN_EINVAL, mfn, 0);
        return -XEN_EINVAL;
    }
    env->ops->entry_write(env->ctx, mfn, (unsigned int)(maddr & 0xfff) >> 3, desc);
    mm_put_type(env, v, mfn, 0);
    mm_put_page(env, mfn);
    return 0;
}

int mm_ldt_map_page(struct mm_env *env, struct mm_vcpu *v, unsigned int offset, mfn_t *out)
{
    unsigned int slot = offset >> 12, idx;
    mfn_t l1, mfn;
    u64 e;

    if ((offset >> 3) >= v->ldt_ents || slot >= MM_LDT_FRAMES)
        return -XEN_EINVAL;
    if (v->ldt_frames[slot]) {
        *out = v->ldt_frames[slot];
        return 0;
    }
    if (mm_walk_l1(env, v, v->ldt_base + ((u64)slot << 12), &l1, &idx))
        return -XEN_EINVAL;
    e = mm_read_entry(env, l1, idx);
    if (!(e & _PAGE_PRESENT))
        return -XEN_EINVAL;
    mfn = pte_mfn(e);
    if (!mm_get_page(env, mfn, v->dom))
        return -XEN_EINVAL;
    if (mm_get_type(env, v, mfn, PGT_SEG_DESC, 0)) {
        mm_put_page(env, mfn);
        mm_log(env, v->dom, "ldt", "LDT page is not a valid descriptor page", -XEN_EINVAL,
               mfn, offset);
        return -XEN_EINVAL;
    }
    v->ldt_frames[slot] = mfn;
    *out = mfn;
    return 0;
}

bool mm_ldt_destroy(struct mm_env *env, struct mm_vcpu *v)
{
    mfn_t frames[MM_LDT_FRAMES];
    bool any = false;
    unsigned int i;

    memcpy(frames, v->ldt_frames, sizeof(frames));
    for (i = 0; i < MM_LDT_FRAMES; i++)
        any |= frames[i] != 0;
    if (!any)
        return false;
    memset(v->ldt_frames, 0, sizeof(v->ldt_frames));
    /* Unmap first: the put stamps the frames (rule 14). */
    env->ops->ldt_changed(env->ctx, v);
    for (i = 0; i < MM_LDT_FRAMES; i++)
        if (frames[i]) {
            mm_put_type(env, v, frames[i], 0);
            mm_put_page(env, frames[i]);
        }
    return true;
}
