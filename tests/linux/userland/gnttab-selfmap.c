/*
 * dom0 userland check of grant tables through Debian's libxengnttab:
 * grant pages to ourselves through gntalloc (xengntshr), map them through
 * gntdev (xengnttab, GNTTABOP_map_grant_ref on the PTEs), check both views
 * agree in both directions, copy out of a grant (GNTTABOP_copy), unmap and
 * unshare. Prints one line per check, as tests/linux/init.sh expects:
 *   PVISOR-CHECK gnttab-<name> PASS|FAIL <detail>
 * Built static (gcc -static ... -lxengnttab -lxentoollog -lxentoolcore),
 * so the initramfs needs no libraries. Exits 0 when every check passed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#define NPAGES 4
#define PAGE 4096

static int failed;

static void __attribute__((format(printf, 3, 4))) check(const char *name, int ok, const char *fmt, ...)
{
    va_list ap;

    printf("PVISOR-CHECK gnttab-%s %s ", name, ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failed += !ok;
}

int main(int argc, char **argv)
{
    uint32_t domid = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;
    uint32_t refs[NPAGES], doms[NPAGES];
    xengntshr_handle *sh;
    xengnttab_handle *gt;
    unsigned char *share, *map, buf[PAGE];
    int ok, i;

    sh = xengntshr_open(NULL, 0);
    gt = xengnttab_open(NULL, 0);
    check("open", sh && gt, "gntalloc %s, gntdev %s", sh ? "open" : strerror(errno),
          gt ? "open" : strerror(errno));
    if (!sh || !gt)
        return 1;

    share = xengntshr_share_pages(sh, domid, NPAGES, refs, 1);
    check("share", share != NULL, "%d pages granted to d%u: refs %u..%u (%s)", NPAGES, domid,
          share ? refs[0] : 0, share ? refs[NPAGES - 1] : 0, share ? "ok" : strerror(errno));
    if (!share)
        return 1;
    for (i = 0; i < NPAGES * PAGE; i++)
        share[i] = (unsigned char)(i * 7 + i / PAGE);

    for (i = 0; i < NPAGES; i++)
        doms[i] = domid;
    map = xengnttab_map_grant_refs(gt, NPAGES, doms, refs, PROT_READ | PROT_WRITE);
    check("map", map != NULL, "%d refs mapped through gntdev (%s)", NPAGES,
          map ? "ok" : strerror(errno));
    if (!map)
        return 1;

    ok = !memcmp(share, map, NPAGES * PAGE);
    check("read", ok, "the mapping shows the granted bytes");
    for (i = 0; i < NPAGES * PAGE; i += 97)
        map[i] ^= 0xff;
    ok = !memcmp(share, map, NPAGES * PAGE) && share[97] == (unsigned char)(97 * 7 ^ 0xff);
    check("write", ok, "writes through the mapping reach the granted pages");

    {
        xengnttab_grant_copy_segment_t seg;

        memset(&seg, 0, sizeof(seg));
        seg.flags = GNTCOPY_source_gref;
        seg.source.foreign.ref = refs[2];
        seg.source.foreign.domid = (uint16_t)domid;
        seg.source.foreign.offset = 100;
        seg.dest.virt = buf;
        seg.len = 1000;
        memset(buf, 0, sizeof(buf));
        ok = !xengnttab_grant_copy(gt, 1, &seg) && seg.status == GNTST_okay &&
             !memcmp(buf, share + 2 * PAGE + 100, 1000);
        check("copy", ok, "1000 bytes copied out of ref %u (status %d)", refs[2], seg.status);
    }

    ok = !xengnttab_unmap(gt, map, NPAGES);
    check("unmap", ok, "gntdev unmap (%s)", ok ? "ok" : strerror(errno));
    ok = !xengntshr_unshare(sh, share, NPAGES);
    check("unshare", ok, "gntalloc unshare (%s)", ok ? "ok" : strerror(errno));
    xengnttab_close(gt);
    xengntshr_close(sh);
    return failed ? 1 : 0;
}
