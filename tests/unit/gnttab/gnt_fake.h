/*
 * A fake machine for the grant-table module, on top of the memory-safety
 * module's fake (tests/unit/mm/fake_env.h): one grant table per fake
 * domain (d0 privileged, d1 and d2 guests), hypervisor pages from the host
 * heap, shared frames at fake machine frames GNT_FAKE_SHARED_MFN.., and
 * hooks to watch the order of flushes and status-bit changes. Shared by
 * the cmocka tests and the fuzzer.
 */
#ifndef GNT_FAKE_H
#define GNT_FAKE_H

#include <pvisor/gnttab.h>
#include "fake_env.h"

#define GNT_FAKE_SHARED_MFN 0x200000
#define GNT_FAKE_MAX_FRAMES 4         /* each table's limit */

struct gnt_fake {
    struct fake_env *fe;
    struct gnt_env env;
    struct gnt_table *tables[FAKE_NR_DOMS];    /* NULL once released */
    bool dead[FAKE_NR_DOMS];                   /* get_table no longer finds it */
    long pages;                                /* hypervisor pages in use */
    unsigned long next_shared;
    unsigned int nr_flush, nr_cache_flush, nr_log;
    char last_why[160];
    long preempt_countdown;                    /* <0: never */
    /* Called from flush_domain and map_data (tests watch the order). */
    void (*on_flush)(struct gnt_fake *g);
    void (*on_map_data)(struct gnt_fake *g, mfn_t mfn);
    bool verbose;
};

void gnt_fake_init(struct gnt_fake *g, struct fake_env *fe);
/* Free every table that is still there (end of a test). */
void gnt_fake_fini(struct gnt_fake *g);
/* Every invariant of the grant module that the state shows (pins against
 * maptracks, table references, maptrack counts): NULL or the first breach.
 * Also installs the device-map references into fe's recount. */
const char *gnt_fake_check(struct gnt_fake *g);
/* The granter's side: write entry ref of domid's table. */
void gnt_fake_grant(struct gnt_fake *g, u16 granter, u32 ref, u16 grantee, mfn_t frame,
                    u16 flags);
u16 gnt_fake_flags(struct gnt_fake *g, u16 granter, u32 ref);
/* Linux's gnttab_end_foreign_access_ref: revoke unless in use. */
bool gnt_fake_end_access(struct gnt_fake *g, u16 granter, u32 ref);

#endif
