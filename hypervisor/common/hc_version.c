/* xen_version and vm_assist: what the guest learns about its hypervisor. */
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/guest_access.h>
#include <pvisor/version.h>
#include <string.h>
#include <xen/version.h>
#include <xen/features.h>

extern const char *hv_cmdline(void);

/* The public headers define no handles for these; the subop names the type. */
DEFINE_XEN_GUEST_HANDLE(xen_compile_info_t);
DEFINE_XEN_GUEST_HANDLE(xen_platform_parameters_t);
DEFINE_XEN_GUEST_HANDLE(xen_feature_info_t);
DEFINE_XEN_GUEST_HANDLE(xen_build_id_t);

/* A stable 20-byte id for this build (FNV-1a over the build info). */
static void build_id(u8 out[20])
{
    const char *s = "pvisor " PVISOR_VERSION " " PVISOR_BUILD_INFO " " __TIME__;
    u64 h = 0xcbf29ce484222325ull;

    for (unsigned i = 0; i < 20; i++) {
        for (const char *p = s; *p; p++)
            h = (h ^ (u8)*p ^ i) * 0x100000001b3ull;
        out[i] = (u8)(h >> 24);
    }
}

static u32 features_submap0(const struct domain *d)
{
    u32 f = (1u << XENFEAT_mmu_pt_update_preserve_ad) |
            (1u << XENFEAT_highmem_assist) |
            (1u << XENFEAT_gnttab_map_avail_bits) |
            (1u << XENFEAT_memory_op_vnode_supported) |
            (1u << XENFEAT_direct_mapped);
    if (d->is_initial)
        f |= 1u << XENFEAT_dom0;
    if (d->vm_assist & (1ul << VMASST_TYPE_pae_extended_cr3))
        f |= 1u << XENFEAT_pae_pgdir_above_4gb;
    return f;
}

/* String subops copy a whole fixed-size, NUL-padded array. */
static long copy_string(XEN_GUEST_HANDLE_PARAM(char) arg, const char *s, size_t size, bool allowed)
{
    char buf[1024];

    memset(buf, 0, size);
    strlcpy(buf, allowed ? s : "<denied>", size);
    return copy_to_guest(arg, buf, size) ? -XEN_EFAULT : 0;
}

long do_xen_version(unsigned long cmd64, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct domain *d = current->domain;
    unsigned int cmd = (unsigned int)cmd64;    /* an int in the ABI */
    bool priv = d->is_privileged;

    switch (cmd) {
    case XENVER_version:
        return (XEN_ABI_MAJOR << 16) | XEN_ABI_MINOR;
    case XENVER_extraversion:
        /* "4.17.0-pvisor": tools parse major.minor.patch as with Xen's ".7" */
        return copy_string(guest_handle_cast(arg, char), ".0-pvisor", sizeof(xen_extraversion_t), true);
    case XENVER_compile_info: {
        xen_compile_info_t ci;
        memset(&ci, 0, sizeof(ci));
        strlcpy(ci.compiler, priv ? "gcc " __VERSION__ : "<denied>", sizeof(ci.compiler));
        strlcpy(ci.compile_by, priv ? "pvisor" : "<denied>", sizeof(ci.compile_by));
        strlcpy(ci.compile_domain, priv ? "local" : "<denied>", sizeof(ci.compile_domain));
        strlcpy(ci.compile_date, priv ? __DATE__ " " __TIME__ : "<denied>", sizeof(ci.compile_date));
        return copy_to_guest(guest_handle_cast(arg, xen_compile_info_t), &ci, 1) ? -XEN_EFAULT : 0;
    }
    case XENVER_capabilities:
        return copy_string(guest_handle_cast(arg, char), "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t), true);
    case XENVER_changeset:
        return copy_string(guest_handle_cast(arg, char), "pvisor " PVISOR_VERSION, sizeof(xen_changeset_info_t), priv);
    case XENVER_commandline:
        return copy_string(guest_handle_cast(arg, char), hv_cmdline(), sizeof(xen_commandline_t), priv);
    case XENVER_platform_parameters: {
        xen_platform_parameters_t pp = { .virt_start = HYPERVISOR_VIRT_START };
        return copy_to_guest(guest_handle_cast(arg, xen_platform_parameters_t), &pp, 1) ? -XEN_EFAULT : 0;
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;
        XEN_GUEST_HANDLE(xen_feature_info_t) ufi = guest_handle_cast(arg, xen_feature_info_t);
        if (copy_from_guest(&fi, ufi, 1))
            return -XEN_EFAULT;
        if (fi.submap_idx != 0)
            return -XEN_EINVAL;
        fi.submap = features_submap0(d);
        return copy_to_guest(ufi, &fi, 1) ? -XEN_EFAULT : 0;
    }
    case XENVER_pagesize:
        return !guest_handle_is_null(arg) ? -XEN_EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle: {
        xen_domain_handle_t h;
        memset(h, 0, sizeof(h));
        return copy_to_guest(guest_handle_cast(arg, uchar), h, sizeof(h)) ? -XEN_EFAULT : 0;
    }
    case XENVER_build_id: {
        struct xen_build_id hdr;
        XEN_GUEST_HANDLE(xen_build_id_t) ubid = guest_handle_cast(arg, xen_build_id_t);
        u8 id[20];
        if (!priv)
            return -XEN_EPERM;
        build_id(id);
        if (guest_handle_is_null(arg))
            return sizeof(id);
        if (copy_from_guest(&hdr, ubid, 1))
            return -XEN_EFAULT;
        if (hdr.len == 0)
            return -XEN_EINVAL;
        if (hdr.len < sizeof(id))
            return -XEN_ENOBUFS;
        /* the id follows the header (its flexible buf[]) */
        if (copy_to_guest_offset(guest_handle_cast(arg, uchar), sizeof(hdr), id, sizeof(id)))
            return -XEN_EFAULT;
        return sizeof(id);
    }
    }
    return -XEN_ENOSYS;
}

#define VM_ASSIST_VALID ((1ul << VMASST_TYPE_4gb_segments) | (1ul << VMASST_TYPE_4gb_segments_notify) | \
                         (1ul << VMASST_TYPE_writable_pagetables) | (1ul << VMASST_TYPE_pae_extended_cr3) | \
                         (1ul << VMASST_TYPE_architectural_iopl) | (1ul << VMASST_TYPE_runstate_update_flag) | \
                         (1ul << VMASST_TYPE_m2p_strict))

long do_vm_assist(unsigned long cmd64, unsigned long type64)
{
    struct domain *d = current->domain;
    unsigned int cmd = (unsigned int)cmd64, type = (unsigned int)type64;   /* ints in the ABI */

    if (type >= 64 || !(VM_ASSIST_VALID & (1ul << type)))
        return -XEN_EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        __atomic_or_fetch(&d->vm_assist, 1ul << type, __ATOMIC_SEQ_CST);
        return 0;
    case VMASST_CMD_disable:
        __atomic_and_fetch(&d->vm_assist, ~(1ul << type), __ATOMIC_SEQ_CST);
        return 0;
    }
    return -XEN_ENOSYS;
}
