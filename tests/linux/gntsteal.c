/*
 * gntsteal DOMID FIRST COUNT: run in a domU, tries to reach another
 * domain's disk through the grant table: maps (gntdev, GNTTABOP_map_grant_ref)
 * and copies from (GNTTABOP_copy) every ref FIRST..FIRST+COUNT-1 of DOMID,
 * whose blkfront grants its rings and data pages to dom0 only. None may
 * succeed. A self-grant (gntalloc to our own id, then mapped and copied)
 * first shows the same path works when the grant is ours to take (our
 * id from xenstore's relative "domid", through /dev/xen/xenbus).
 *   STEAL self=<id> victim=<id> self-map=<0|1> self-copy=<0|1> tried=<n> mapped=<n> copied=<n>
 * Built static on Debian's libxengnttab and libxenstore (as tests/linux/userland/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/grant_table.h>

#define PAGE 4096

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gntsteal DOMID FIRST COUNT\n");
        return 2;
    }
    uint16_t victim = (uint16_t)strtoul(argv[1], NULL, 10);
    uint32_t first = strtoul(argv[2], NULL, 10), count = strtoul(argv[3], NULL, 10);
    struct xs_handle *xs = xs_open(0);
    unsigned len;
    char *id = xs ? xs_read(xs, XBT_NULL, "domid", &len) : NULL;
    if (!id) {
        printf("STEAL cannot read our domid from xenstore\n");
        return 1;
    }
    uint16_t self = (uint16_t)strtoul(id, NULL, 10);
    free(id);
    xs_close(xs);
    xengnttab_handle *g = xengnttab_open(NULL, 0);
    xengntshr_handle *s = xengntshr_open(NULL, 0);
    if (!g || !s) {
        printf("STEAL cannot open gntdev/gntalloc\n");
        return 1;
    }
    xengnttab_set_max_grants(g, 64);
    static char buf[PAGE];

    /* the control: a page we grant ourselves */
    uint32_t ref;
    int self_map = 0, self_copy = 0;
    char *shared = xengntshr_share_pages(s, self, 1, &ref, 1);
    if (shared) {
        strcpy(shared, "gntsteal-self");
        char *m = xengnttab_map_grant_ref(g, self, ref, PROT_READ);
        if (m) {
            self_map = !strcmp(m, "gntsteal-self");
            xengnttab_unmap(g, m, 1);
        }
        xengnttab_grant_copy_segment_t seg = { .flags = GNTCOPY_source_gref, .len = 14 };
        seg.source.foreign.ref = ref;
        seg.source.foreign.domid = self;
        seg.dest.virt = buf;
        self_copy = !xengnttab_grant_copy(g, 1, &seg) && seg.status == GNTST_okay && !strcmp(buf, "gntsteal-self");
        xengntshr_unshare(s, shared, 1);
    }

    unsigned mapped = 0, copied = 0;
    for (uint32_t r = first; r < first + count; r++) {
        char *m = xengnttab_map_grant_ref(g, victim, r, PROT_READ);
        if (m) {
            mapped++;
            printf("STEAL-MAPPED ref=%u\n", r);
            xengnttab_unmap(g, m, 1);
        }
        xengnttab_grant_copy_segment_t seg = { .flags = GNTCOPY_source_gref, .len = 64 };
        seg.source.foreign.ref = r;
        seg.source.foreign.domid = victim;
        seg.dest.virt = buf;
        if (!xengnttab_grant_copy(g, 1, &seg) && seg.status == GNTST_okay) {
            copied++;
            printf("STEAL-COPIED ref=%u\n", r);
        }
    }
    printf("STEAL self=%u victim=%u self-map=%d self-copy=%d tried=%u mapped=%u copied=%u\n", self, victim,
           self_map, self_copy, count, mapped, copied);
    return mapped || copied || !self_map || !self_copy;
}
