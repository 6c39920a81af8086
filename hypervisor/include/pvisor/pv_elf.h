/*
 * Reading a PV kernel image: the ELF64 program headers and the Xen ELF
 * notes (xen/elfnote.h) that tell a domain builder where and how to load
 * and enter the kernel. Pure: works on a byte buffer, every offset and size
 * bounds-checked; unit-tested on the host.
 */
#ifndef PVISOR_PV_ELF_H
#define PVISOR_PV_ELF_H
#include <pvisor/types.h>

#define PV_ELF_MAX_SEGS 16

struct pv_elf_seg {
    u64 offset, filesz, memsz, paddr, vaddr;
};

struct pv_elf {
    const u8 *data;
    size_t size;
    struct pv_elf_seg segs[PV_ELF_MAX_SEGS];
    unsigned int nr_segs;
    u64 e_entry;

    /* Xen notes (0 / "" when absent) */
    char guest_os[32], guest_version[32], xen_version[32], loader[32];
    char features[256];
    u64 virt_base, paddr_offset, entry, hypercall_page, hv_start_low, init_p2m;
    u64 phys32_entry;
    bool has_virt_base, has_paddr_offset, has_entry, has_hypercall_page, has_hv_start_low;
    bool has_init_p2m, has_supported_features, pae_yes, mod_start_pfn, suspend_cancel;
    u32 f_supported;      /* XENFEAT bits the kernel can use (submap 0) */
    u32 f_required;       /* XENFEAT bits marked '!' in FEATURES */

    /* derived layout (as Xen's libelf computes it) */
    u64 pstart, pend;     /* lowest/highest p_paddr of the PT_LOADs */
    u64 virt_offset;      /* virt_base - paddr_offset */
    u64 virt_kstart, virt_kend, virt_entry;
};

/* Parse headers and notes; -1 with *err naming the problem. */
int pv_elf_parse(const void *image, size_t size, struct pv_elf *e, const char **err);

/* Checks a 64-bit PV kernel must pass to be built at all: loader, Xen
 * version, required features we cannot provide, address ranges clear of
 * the hypervisor hole, dom0 support when building dom0 (Xen 4.17's rules). */
int pv_elf_check(const struct pv_elf *e, bool as_dom0, const char **err);

/* [start, end) is canonical and clear of the hypervisor's range: where a
 * builder may put a PV domain's boot region. */
bool pv_elf_region_ok(u64 start, u64 end);

/* XENFEAT bit for a feature name of the FEATURES note, or -1. */
int pv_elf_feature_bit(const char *name, size_t len);
#endif
