/*
 * A crashed domain's core in Xen's dump-core format (docs/misc/
 * dump-core-format.txt in Xen's tree), what xl writes for on_crash=
 * "coredump-destroy" / "coredump-restart": an ELF64 ET_CORE file with no
 * program headers and the sections .note.Xen (none, header, xen_version,
 * format_version notes), .xen_prstatus (vCPU contexts), .xen_shared_info,
 * .xen_p2m (pfn, mfn pairs in pfn order) and .xen_pages.
 *
 * The pages are the guest's own p2m (shared_info's frame list list and
 * max_pfn, which a PV Linux publishes), each entry checked: a frame the
 * domain does not own fails its foreign mapping and is left out. Bounded
 * by the domain's max_pages.
 */
#include "coredump.h"
#include "hv.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/elfnote.h>
#include <xen/version.h>

#define PG 4096u
#define PER_PAGE (PG / sizeof(uint64_t))
#define XC_CORE_MAGIC 0xF00FEBEDull          /* the header note's PV magic */
#define FORMAT_VERSION 1ull                  /* (major 0, minor 1) */
#define BATCH 256u                           /* pages mapped at once */

struct note_header { uint64_t magic, nr_vcpus, nr_pages, page_size; };
struct note_version {
    uint64_t major, minor;
    xen_extraversion_t extra;
    xen_compile_info_t compile;
    xen_capabilities_info_t caps;
    xen_changeset_info_t changeset;
    xen_platform_parameters_t platform;
    uint64_t pagesize;
};
struct p2m_entry { uint64_t pfn, gmfn; };

enum { S_NULL, S_STRTAB, S_NOTE, S_PRSTATUS, S_SHINFO, S_P2M, S_PAGES, NR_SECTIONS };
static const char strtab[] = "\0.shstrtab\0.note.Xen\0.xen_prstatus\0.xen_shared_info\0"
                             ".xen_p2m\0.xen_pages";

static uint32_t name_off(const char *n)
{
    for (uint32_t i = 1; i < sizeof(strtab); i += (uint32_t)strlen(strtab + i) + 1)
        if (!strcmp(strtab + i, n))
            return i;
    return 0;
}

static int put_all(int fd, const void *p, size_t n)
{
    for (const char *c = p; n;) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One 8-byte-aligned "Xen" note of type with desc. */
static size_t note(uint8_t *out, uint32_t type, const void *desc, uint32_t len)
{
    Elf64_Nhdr h = { .n_namesz = 4, .n_descsz = len, .n_type = type };
    size_t n = 0;
    memcpy(out, &h, sizeof(h));
    n += sizeof(h);
    memcpy(out + n, "Xen", 4);
    n += 4;
    if (len)
        memcpy(out + n, desc, len);
    n += (len + 3u) & ~3u;
    return (n + 7u) & ~(size_t)7u;
}

/* The guest's p2m into p2m[0..max) (~0 where unreadable): 0 or -1. */
static int guest_p2m(domid_t dom, const shared_info_t *sh, uint64_t max, uint64_t *p2m)
{
    xen_pfn_t fll = sh->arch.pfn_to_mfn_frame_list_list;
    uint64_t *top, *mid = NULL;
    int rc = -1;

    if (!fll || !max)
        return -1;
    if (!(top = hv_map(dom, PROT_READ, &fll, 1)))
        return -1;
    for (uint64_t pfn = 0; pfn < max; pfn += PER_PAGE) {
        uint64_t page = pfn / PER_PAGE;            /* p2m page index */
        if (page % PER_PAGE == 0) {                /* next frame-list page */
            hv_unmap(mid, 1);
            mid = NULL;
            if (page / PER_PAGE >= PER_PAGE)
                goto out;
            xen_pfn_t m = top[page / PER_PAGE];
            if (!(mid = hv_map(dom, PROT_READ, &m, 1)))
                goto out;
        }
        xen_pfn_t m = mid[page % PER_PAGE];
        uint64_t *leaf = hv_map(dom, PROT_READ, &m, 1);
        if (!leaf)
            goto out;
        uint64_t n = max - pfn < PER_PAGE ? max - pfn : PER_PAGE;
        memcpy(p2m + pfn, leaf, n * sizeof(*p2m));
        hv_unmap(leaf, 1);
    }
    rc = 0;
out:
    hv_unmap(mid, 1);
    hv_unmap(top, 1);
    return rc;
}

int core_dump(uint32_t domid, const char *path, char *err, size_t errlen)
{
    domid_t dom = (domid_t)domid;
    struct xen_domctl_getdomaininfo info;
    vcpu_guest_context_t *ctx = NULL;
    shared_info_t *sh = NULL;
    uint64_t *p2m = NULL;
    struct p2m_entry *ent = NULL;
    uint8_t notes[4096];
    int fd = -1, rc = -1;
    uint64_t max = 0, nr = 0;
    unsigned nr_vcpus = 0;

#define DFAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)
    if (hv_domain_info(dom, &info))
        DFAIL("getdomaininfo %u: %s", domid, strerror(errno));
    nr_vcpus = info.max_vcpu_id + 1;
    if (nr_vcpus > 4096)
        DFAIL("domain %u: %u vCPUs", domid, nr_vcpus);
    if (!(ctx = calloc(nr_vcpus, sizeof(*ctx))))
        DFAIL("out of memory");
    vcpu_guest_context_t *c = hv_buf(sizeof(*c));
    if (!c)
        DFAIL("out of hypercall buffer memory");
    for (unsigned v = 0; v < nr_vcpus; v++) {
        struct xen_domctl dc = { .cmd = XEN_DOMCTL_getvcpucontext, .domain = dom };
        dc.u.vcpucontext.vcpu = v;
        set_xen_guest_handle(dc.u.vcpucontext.ctxt, c);
        memset(c, 0, sizeof(*c));
        if (!hv_domctl(&dc))
            ctx[v] = *c;                           /* an offline vCPU stays zero */
    }
    hv_buf_free(c, sizeof(*c));

    xen_pfn_t sf = info.shared_info_frame;
    if (!(sh = hv_map(dom, PROT_READ, &sf, 1)))
        DFAIL("mapping the shared_info of domain %u: %s", domid, strerror(errno));
    /* Linux's p2m covers more than its pages (room to balloon up): a
     * bound on what a hostile guest makes dom0 allocate, 8 MiB at most */
    max = sh->arch.max_pfn;
    if (max > info.max_pages + (1ull << 20))
        DFAIL("domain %u: its p2m claims %llu pages (max %llu)", domid,
              (unsigned long long)max, (unsigned long long)info.max_pages);
    if (!(p2m = malloc((max ? max : 1) * sizeof(*p2m))) || !(ent = malloc((max ? max : 1) * sizeof(*ent))))
        DFAIL("out of memory for a p2m of %llu pages", (unsigned long long)max);
    if (guest_p2m(dom, sh, max, p2m))
        DFAIL("domain %u published no readable p2m (shared_info max_pfn %llu)", domid,
              (unsigned long long)max);

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        DFAIL("%s: %s", path, strerror(errno));
    /* the pages first, after a placeholder for what precedes them: only
     * the frames that map (owned by the domain) go in, so their count is
     * known at the end */
    struct note_header hdr = { XC_CORE_MAGIC, nr_vcpus, 0, PG };
    struct note_version *ver = calloc(1, sizeof(*ver));
    if (!ver)
        DFAIL("out of memory");
    long vv = hv_xen_version(XENVER_version, NULL);
    ver->major = (uint64_t)vv >> 16;
    ver->minor = (uint64_t)vv & 0xffff;
    ver->pagesize = PG;
    /* the version strings through a hypercall buffer each */
    struct { unsigned cmd; void *dst; size_t len; } strs[] = {
        { XENVER_extraversion, ver->extra, sizeof(ver->extra) },
        { XENVER_compile_info, &ver->compile, sizeof(ver->compile) },
        { XENVER_capabilities, ver->caps, sizeof(ver->caps) },
        { XENVER_changeset, ver->changeset, sizeof(ver->changeset) },
        { XENVER_platform_parameters, &ver->platform, sizeof(ver->platform) },
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        void *b = hv_buf(strs[i].len);
        if (b && hv_xen_version(strs[i].cmd, b) >= 0)
            memcpy(strs[i].dst, b, strs[i].len);
        hv_buf_free(b, strs[i].len);
    }
    uint64_t fv = FORMAT_VERSION;
    size_t nl = 0;
    nl += note(notes + nl, XEN_ELFNOTE_DUMPCORE_NONE, NULL, 0);
    size_t hdr_at = nl;
    nl += note(notes + nl, XEN_ELFNOTE_DUMPCORE_HEADER, &hdr, sizeof(hdr));
    nl += note(notes + nl, XEN_ELFNOTE_DUMPCORE_XEN_VERSION, ver, sizeof(*ver));
    nl += note(notes + nl, XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, &fv, sizeof(fv));
    free(ver);

    /* offsets: ehdr, strtab, notes, prstatus, shinfo, then the pages (page
     * aligned), then p2m and the section headers at the end */
    uint64_t off_str = sizeof(Elf64_Ehdr);
    uint64_t off_note = (off_str + sizeof(strtab) + 7) & ~7ull;
    uint64_t off_pr = off_note + nl;
    uint64_t off_sh = off_pr + (uint64_t)nr_vcpus * sizeof(*ctx);
    uint64_t off_pages = (off_sh + PG + PG - 1) & ~(uint64_t)(PG - 1);
    if (lseek(fd, (off_t)off_pages, SEEK_SET) < 0)
        DFAIL("%s: %s", path, strerror(errno));
    for (uint64_t pfn = 0; pfn < max;) {
        /* a run of plausible frames, mapped at once; a run that does not
         * map (a frame not the domain's) is taken page by page */
        uint64_t n = 0;
        while (n < BATCH && pfn + n < max && p2m[pfn + n] && !(p2m[pfn + n] >> 40))
            n++;
        if (!n) {
            pfn++;
            continue;
        }
        uint8_t *run = hv_map(dom, PROT_READ, p2m + pfn, n);
        for (uint64_t i = 0; i < n; i++) {
            uint8_t *pg = run ? run + i * PG : hv_map(dom, PROT_READ, p2m + pfn + i, 1);
            if (!pg)
                continue;                          /* not the domain's: left out */
            int w = put_all(fd, pg, PG);
            if (!run)
                hv_unmap(pg, 1);
            if (w) {
                hv_unmap(run, n);
                DFAIL("writing %s: %s", path, strerror(errno));
            }
            ent[nr].pfn = pfn + i;
            ent[nr].gmfn = p2m[pfn + i];
            nr++;
        }
        hv_unmap(run, n);
        pfn += n;
    }
    uint64_t off_p2m = off_pages + nr * PG;
    if (put_all(fd, ent, nr * sizeof(*ent)))
        DFAIL("writing %s: %s", path, strerror(errno));
    uint64_t off_shdr = (off_p2m + nr * sizeof(*ent) + 7) & ~7ull;

    hdr.nr_pages = nr;
    note(notes + hdr_at, XEN_ELFNOTE_DUMPCORE_HEADER, &hdr, sizeof(hdr));
    Elf64_Shdr s[NR_SECTIONS] = {
        [S_STRTAB] = { name_off(".shstrtab"), SHT_STRTAB, 0, 0, off_str, sizeof(strtab), 0, 0, 1, 0 },
        [S_NOTE] = { name_off(".note.Xen"), SHT_NOTE, 0, 0, off_note, nl, 0, 0, 8, 0 },
        [S_PRSTATUS] = { name_off(".xen_prstatus"), SHT_PROGBITS, 0, 0, off_pr,
                         (uint64_t)nr_vcpus * sizeof(*ctx), 0, 0, 8, sizeof(*ctx) },
        [S_SHINFO] = { name_off(".xen_shared_info"), SHT_PROGBITS, 0, 0, off_sh, PG, 0, 0, 8, PG },
        [S_P2M] = { name_off(".xen_p2m"), SHT_PROGBITS, 0, 0, off_p2m, nr * sizeof(*ent), 0, 0, 8,
                    sizeof(*ent) },
        [S_PAGES] = { name_off(".xen_pages"), SHT_PROGBITS, 0, 0, off_pages, nr * PG, 0, 0, PG, PG },
    };
    Elf64_Ehdr e = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
                     ELFOSABI_SYSV },
        .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
        .e_shoff = off_shdr, .e_ehsize = sizeof(Elf64_Ehdr), .e_shentsize = sizeof(Elf64_Shdr),
        .e_shnum = NR_SECTIONS, .e_shstrndx = S_STRTAB,
    };
    if (lseek(fd, (off_t)off_shdr, SEEK_SET) < 0 || put_all(fd, s, sizeof(s)) ||
        lseek(fd, 0, SEEK_SET) < 0 || put_all(fd, &e, sizeof(e)) ||
        lseek(fd, (off_t)off_str, SEEK_SET) < 0 || put_all(fd, strtab, sizeof(strtab)) ||
        lseek(fd, (off_t)off_note, SEEK_SET) < 0 || put_all(fd, notes, nl) ||
        put_all(fd, ctx, (size_t)nr_vcpus * sizeof(*ctx)) || put_all(fd, sh, PG))
        DFAIL("writing %s: %s", path, strerror(errno));
    snprintf(err, errlen, "%llu pages, %u vCPUs", (unsigned long long)nr, nr_vcpus);
    rc = 0;
out:
    if (fd >= 0 && close(fd) && !rc) {
        snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc && fd >= 0)
        unlink(path);
    hv_unmap(sh, 1);
    free(ent);
    free(p2m);
    free(ctx);
    return rc;
#undef DFAIL
}
