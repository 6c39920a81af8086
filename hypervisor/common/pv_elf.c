/* ELF64 and Xen ELF-note parsing for PV kernels (pure). */
#include <pvisor/pv_elf.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/features.h>

struct elf64_ehdr {
    u8 ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};
struct elf64_shdr {
    u32 name, type;
    u64 flags, addr, offset, size;
    u32 link, info;
    u64 addralign, entsize;
};
#define PT_LOAD 1
#define PT_NOTE 4
#define SHT_NOTE 7
#define ET_EXEC 2
#define EM_X86_64 62

static const char *const feature_names[] = {
    [XENFEAT_writable_page_tables] = "writable_page_tables",
    [XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
    [XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
    [XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
    [XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
    [XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
    [XENFEAT_dom0] = "dom0",
};

int pv_elf_feature_bit(const char *name, size_t len)
{
    for (unsigned i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
        if (feature_names[i] && strlen(feature_names[i]) == len &&
            !memcmp(feature_names[i], name, len))
            return (int)i;
    return -1;
}

static bool in_file(const struct pv_elf *e, u64 off, u64 len)
{
    return off <= e->size && len <= e->size - off;
}

static void note_string(char *dst, size_t cap, const u8 *desc, u32 len)
{
    size_t n = 0;

    while (n < len && n < cap - 1 && desc[n]) {
        dst[n] = (char)desc[n];
        n++;
    }
    dst[n] = 0;
}

static u64 note_num(const u8 *desc, u32 len)
{
    u64 v = 0;

    if (len == 4) {
        u32 v32;
        memcpy(&v32, desc, 4);
        return v32;
    }
    if (len >= 8)
        memcpy(&v, desc, 8);
    return v;
}

static void parse_features(struct pv_elf *e)
{
    const char *p = e->features;

    while (*p) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool required = false;
        int bit;

        if (len && *p == '!') {
            required = true;
            p++;
            len--;
        }
        bit = pv_elf_feature_bit(p, len);
        if (bit >= 0) {
            e->f_supported |= 1u << bit;
            if (required)
                e->f_required |= 1u << bit;
        } else if (required) {
            e->f_required |= 1u << 31;   /* an unknown required feature */
        }
        p += len;
        if (*p == '|')
            p++;
    }
}

static void parse_one_note(struct pv_elf *e, u32 type, const u8 *desc, u32 len)
{
    switch (type) {
    case XEN_ELFNOTE_GUEST_OS: note_string(e->guest_os, sizeof(e->guest_os), desc, len); break;
    case XEN_ELFNOTE_GUEST_VERSION: note_string(e->guest_version, sizeof(e->guest_version), desc, len); break;
    case XEN_ELFNOTE_XEN_VERSION: note_string(e->xen_version, sizeof(e->xen_version), desc, len); break;
    case XEN_ELFNOTE_LOADER: note_string(e->loader, sizeof(e->loader), desc, len); break;
    case XEN_ELFNOTE_FEATURES: note_string(e->features, sizeof(e->features), desc, len); break;
    case XEN_ELFNOTE_PAE_MODE: {
        char pae[16];
        note_string(pae, sizeof(pae), desc, len);
        e->pae_yes = !strncmp(pae, "yes", 3);
        break;
    }
    case XEN_ELFNOTE_VIRT_BASE: e->virt_base = note_num(desc, len); e->has_virt_base = true; break;
    case XEN_ELFNOTE_PADDR_OFFSET: e->paddr_offset = note_num(desc, len); e->has_paddr_offset = true; break;
    case XEN_ELFNOTE_ENTRY: e->entry = note_num(desc, len); e->has_entry = true; break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: e->hypercall_page = note_num(desc, len); e->has_hypercall_page = true; break;
    case XEN_ELFNOTE_HV_START_LOW: e->hv_start_low = note_num(desc, len); e->has_hv_start_low = true; break;
    case XEN_ELFNOTE_INIT_P2M: e->init_p2m = note_num(desc, len); e->has_init_p2m = true; break;
    case XEN_ELFNOTE_MOD_START_PFN: e->mod_start_pfn = note_num(desc, len) != 0; break;
    case XEN_ELFNOTE_SUSPEND_CANCEL: e->suspend_cancel = note_num(desc, len) != 0; break;
    case XEN_ELFNOTE_PHYS32_ENTRY: e->phys32_entry = note_num(desc, len); break;
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        if (len >= 4) {
            u32 f;
            memcpy(&f, desc, 4);
            e->f_supported |= f;
            e->has_supported_features = true;
        }
        break;
    }
}

/* Walk a note area; returns the number of Xen notes found. */
static unsigned parse_notes(struct pv_elf *e, u64 off, u64 size)
{
    unsigned found = 0;
    u64 end = off + size;

    while (off + 12 <= end) {
        u32 namesz, descsz, type;
        memcpy(&namesz, e->data + off, 4);
        memcpy(&descsz, e->data + off + 4, 4);
        memcpy(&type, e->data + off + 8, 4);
        u64 name = off + 12;
        u64 desc = name + (((u64)namesz + 3) & ~3ull);
        u64 next = desc + (((u64)descsz + 3) & ~3ull);
        if (next > end || next <= off)
            break;
        if (namesz == 4 && !memcmp(e->data + name, "Xen", 4)) {
            parse_one_note(e, type, e->data + desc, descsz);
            found++;
        }
        off = next;
    }
    return found;
}

int pv_elf_parse(const void *image, size_t size, struct pv_elf *e, const char **err)
{
    const struct elf64_ehdr *eh = image;
    unsigned notes = 0;

    memset(e, 0, sizeof(*e));
    e->data = image;
    e->size = size;
    *err = NULL;
    if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4)) {
        *err = "not an ELF image";
        return -1;
    }
    if (eh->ident[4] != 2) {
        *err = "32-bit ELF kernel: only 64-bit PV guests are supported";
        return -1;
    }
    if (eh->ident[5] != 1 || eh->machine != EM_X86_64) {
        *err = "ELF image is not little-endian x86-64";
        return -1;
    }
    if (eh->type != ET_EXEC) {
        *err = "ELF image is not an executable (ET_EXEC)";
        return -1;
    }
    if (eh->phentsize != sizeof(struct elf64_phdr) || !eh->phnum ||
        !in_file(e, eh->phoff, (u64)eh->phnum * sizeof(struct elf64_phdr))) {
        *err = "ELF program headers are missing or outside the file";
        return -1;
    }
    e->e_entry = eh->entry;
    e->pstart = UINT64_MAX;
    for (unsigned i = 0; i < eh->phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, e->data + eh->phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type == PT_NOTE && in_file(e, ph.offset, ph.filesz)) {
            notes += parse_notes(e, ph.offset, ph.filesz);
            continue;
        }
        if (ph.type != PT_LOAD || !ph.memsz)
            continue;
        if (ph.filesz > ph.memsz || !in_file(e, ph.offset, ph.filesz) ||
            ph.paddr + ph.memsz < ph.paddr) {
            *err = "an ELF load segment is outside the file or wraps";
            return -1;
        }
        if (e->nr_segs == PV_ELF_MAX_SEGS) {
            *err = "too many ELF load segments";
            return -1;
        }
        e->segs[e->nr_segs++] = (struct pv_elf_seg){ ph.offset, ph.filesz, ph.memsz, ph.paddr, ph.vaddr };
        if (ph.paddr < e->pstart)
            e->pstart = ph.paddr;
        if (ph.paddr + ph.memsz > e->pend)
            e->pend = ph.paddr + ph.memsz;
    }
    if (!e->nr_segs) {
        *err = "ELF image has nothing to load";
        return -1;
    }
    /* Kernels whose notes are only in section headers (no PT_NOTE). */
    if (!notes && eh->shoff && eh->shentsize == sizeof(struct elf64_shdr) &&
        in_file(e, eh->shoff, (u64)eh->shnum * sizeof(struct elf64_shdr))) {
        for (unsigned i = 0; i < eh->shnum; i++) {
            struct elf64_shdr sh;
            memcpy(&sh, e->data + eh->shoff + i * sizeof(sh), sizeof(sh));
            if (sh.type == SHT_NOTE && in_file(e, sh.offset, sh.size))
                notes += parse_notes(e, sh.offset, sh.size);
        }
    }
    if (!notes) {
        *err = "no Xen ELF notes: not a Xen PV kernel (or an old __xen_guest one)";
        return -1;
    }
    parse_features(e);
    /* libelf's defaults for images with notes: VIRT_BASE 0, PADDR_OFFSET 0
     * (an offset without a base is refused by pv_elf_check). */
    if (!e->has_virt_base)
        e->virt_base = 0;
    if (!e->has_paddr_offset)
        e->paddr_offset = 0;
    e->virt_offset = e->virt_base - e->paddr_offset;
    e->virt_kstart = e->pstart + e->virt_offset;
    e->virt_kend = e->pend + e->virt_offset;
    e->virt_entry = e->has_entry ? e->entry : e->e_entry;
    return 0;
}

static bool overlaps_hv(u64 start, u64 end)
{
    return start < HYPERVISOR_VIRT_END && end > HYPERVISOR_VIRT_START;
}

/* [start, end) inside one canonical half of the address space. */
static bool canonical_range(u64 start, u64 end)
{
    const u64 low_end = 1ull << 47, high_start = ~0ull << 47;

    return start < end && (end <= low_end || start >= high_start);
}

bool pv_elf_region_ok(u64 start, u64 end)
{
    return canonical_range(start, end) && !overlaps_hv(start, end);
}

/* libelf's notes check: the generic loader or a Linux image; only the
 * first seven characters count, as in Xen. */
static bool loader_ok(const struct pv_elf *e)
{
    return !strncmp(e->loader, "generic", 7) || !strncmp(e->guest_os, "linux", 5);
}

int pv_elf_check(const struct pv_elf *e, bool as_dom0, const char **err)
{
    if (strncmp(e->xen_version, "xen-3.0", 7)) {
        *err = "XEN_VERSION note is not \"xen-3.0\"";
        return -1;
    }
    if (!loader_ok(e)) {
        *err = "LOADER note is not \"generic\" (and GUEST_OS is not linux)";
        return -1;
    }
    if (e->has_paddr_offset && !e->has_virt_base) {
        *err = "PADDR_OFFSET note without VIRT_BASE";
        return -1;
    }
    if (e->f_required & ~((1u << XENFEAT_writable_page_tables) |
                          (1u << XENFEAT_writable_descriptor_tables) |
                          (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0))) {
        *err = "kernel requires a feature pvisor does not provide (e.g. auto_translated_physmap)";
        return -1;
    }
    /* As Xen: only a kernel that lists what it supports must list dom0. */
    if (as_dom0 && e->has_supported_features && !(e->f_supported & (1u << XENFEAT_dom0))) {
        *err = "kernel does not support running as dom0 (SUPPORTED_FEATURES without XENFEAT_dom0)";
        return -1;
    }
    if (e->virt_base & 0xfff || e->virt_kstart < e->virt_base || e->virt_kend <= e->virt_kstart) {
        *err = "kernel virtual layout is inconsistent (VIRT_BASE/PADDR_OFFSET)";
        return -1;
    }
    /* Anywhere but the hypervisor's range (low kernels included, as Xen);
     * the builder checks the whole boot region the same way. */
    if (!pv_elf_region_ok(e->virt_kstart, e->virt_kend)) {
        *err = "kernel overlaps the hypervisor's reserved range (or is not canonical)";
        return -1;
    }
    if (e->virt_entry < e->virt_kstart || e->virt_entry > e->virt_kend) {
        *err = "entry point is outside the loaded kernel";
        return -1;
    }
    if (e->has_hypercall_page &&
        (e->hypercall_page & 0xfff || e->hypercall_page < e->virt_kstart ||
         e->hypercall_page + 0x1000 > e->virt_kend)) {
        *err = "HYPERCALL_PAGE is not a page inside the kernel";
        return -1;
    }
    return 0;
}
