/*
 * gntpair: grant tables and event channels between two real domains.
 * Shared by the parts (one idea per file) of the gntpair kernel.
 */
#ifndef GNTPAIR_PAIR_H
#define GNTPAIR_PAIR_H

#include "../builder/toolstack.h"
#include <xen/grant_table.h>
/* io/ring.h's barriers */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/ring.h>

/* dom0's own entries, granted to the peer domU before it runs (the peer
 * kernel knows them by number; only the event ports travel on its
 * command line). */
#define REF_RW        10    /* page d0_rw, writable */
#define REF_RO        11    /* page d0_ro, read-only */
#define REF_RING      12    /* the ping-pong ring */
#define REF_OTHER     13    /* granted to another domain */
#define REF_NONE      14    /* not permitted (flags 0) */
#define REF_COPY_DST  15    /* writable, the peer copies into it */
#define REF_COPY_SRC  16    /* read-only, the peer copies out of it */
#define REF_BOUND     17    /* first ref beyond what dom0 grants */
#define PATTERN_RW    0x72772d642d30ULL      /* what dom0 wrote before the peer ran */
#define PATTERN_RO    0x726f2d642d30ULL
#define PATTERN_SRC   0x7372632d642d30ULL
#define MARK_PEER     0x70656572ULL          /* what the peer writes through its mapping */
#define MARK_COPY     0x636f7079ULL          /* what the peer copies into REF_COPY_DST */

/* The ping-pong ring (public io/ring.h). */
struct pp_request { uint32_t seq; uint32_t pad; };
struct pp_response { uint32_t seq; uint32_t pad; };
DEFINE_RING_TYPES(pp, struct pp_request, struct pp_response);
#define PP_ROUNDS 100
#define PP_REPLY(seq) ((seq) ^ 0x5a5a0000u)
/* The last request (seq PP_ROUNDS) carries in .pad a ref of the peer's
 * own table granting dom0 a page: dom0 maps it, reads PATTERN_PEER,
 * writes MARK_DOM0 next to it, unmaps, then answers. */
#define REF_PEER      50
#define PATTERN_PEER  0x7065657270616765ULL
#define MARK_DOM0     0x646f6d30ULL

long gop(unsigned long cmd, void *arg, unsigned long count);
/* One map / unmap; status in the returned op. */
struct gnttab_map_grant_ref gmap(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags);
int16_t gunmap(uint64_t addr, uint64_t bus, grant_handle_t handle);
/* Our own grant table's first frame, mapped writable (setup_table). */
grant_entry_v1_t *own_table(void);
/* Another domain's first grant frame, mapped writable at a window slot
 * (what libxc's grant seeding does). NULL on failure. */
grant_entry_v1_t *foreign_table(domid_t dom, unsigned int slot);
void grant(grant_entry_v1_t *e, domid_t to, unsigned long mfn, bool readonly);
/* Revoke as Linux's end_foreign_access: 0, or the flags that kept it. */
uint16_t revoke(grant_entry_v1_t *e);
uint16_t flags_of(const grant_entry_v1_t *e);
/* The page behind va back as our own, writable (a grant unmap leaves
 * the PTE empty). */
void restore_page(void *va);
/* Flags bits of the PTE mapping va that both hypervisors show. */
uint64_t pte_flags(const void *va);

/* Window slots: 0..47 carry the builder's batched writes (domu_build),
 * 58..63 its console rings; ours are 40..43 (after the build) and: */
#define GNTPAIR_TABLE_SLOT 57    /* the peer's grant table */

/* dom0's pages granted to the peer, made and filled by peer_grants(). */
extern uint64_t *d0_rw, *d0_ro, *d0_copy_dst, *d0_copy_src;
extern struct pp_sring *d0_ring;

/* The parts. */
void peer_grants(grant_entry_v1_t *gt, domid_t peer);          /* dom0 */
void peer_checks_after(grant_entry_v1_t *gt);                  /* dom0 */
void map_from_domu(struct domu *d, grant_entry_v1_t *dgt);     /* dom0 maps the domU's grants */
void map_from_dom0(void);                                      /* the peer maps dom0's */
void copy_from_domu(struct domu *d, grant_entry_v1_t *dgt);    /* dom0 copies with the domU's grants */
void copy_from_dom0(void);                                     /* the peer copies with dom0's */
void other_ops(struct domu *d, grant_entry_v1_t *dgt);         /* replace, swap, flush, transfer */
void hostile_from_domu(struct domu *d, grant_entry_v1_t *dgt); /* dom0 as a hostile mapper */
void hostile_from_dom0(void);                                  /* the peer as a hostile mapper */
void maptrack_limit(void);                                     /* the peer with one maptrack frame */
void ring_backend(struct domu *d, grant_entry_v1_t *dgt, evtchn_port_t port, evtchn_port_t port2); /* dom0 */
void ring_frontend(evtchn_port_t port, evtchn_port_t port2);  /* the peer */
void dying_granter(struct domu *d, grant_entry_v1_t *dgt, uint64_t base); /* dom0 */
void grant_pte_rewrite(struct domu *d, grant_entry_v1_t *dgt); /* dom0, last */
void races(struct domu *d, grant_entry_v1_t *dgt);             /* dom0, 2 vCPUs */

/* Free memory back to base (the last pieces go after a grace period). */
long free_settles(uint64_t base);
#endif
