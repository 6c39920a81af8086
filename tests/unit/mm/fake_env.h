/*
 * A fake machine for the memory-safety module: frame table and frame
 * memory, three domains, vCPUs with a software TLB, guest memory for
 * hypercall arguments, and a log of every write the module makes to frame
 * memory. Shared by the cmocka tests and the fuzzer.
 *
 * Frame map (FAKE_FRAMES frames):
 *   0-7     RESERVED  hypervisor image: never mappable, not even as I/O
 *   8-47    dom1      unprivileged guest (2 vCPUs)
 *   48-63   dom2      another unprivileged guest
 *   64-79   dom0      privileged, I/O capable
 *   80-87   FREE
 *   88-91   HV        hypervisor heap
 *   92      HV shared with dom1 (shared_info: writable, never a table)
 *   93-95   RESERVED  MMIO, dom0 may map it (as may FAKE_FRAMES.. +1023)
 */
#ifndef FAKE_ENV_H
#define FAKE_ENV_H

#include <pvisor/mm.h>
#include <asm/layout.h>

#define FAKE_FRAMES     96
#define FAKE_NR_DOMS    3
#define FAKE_NR_VCPUS   4       /* dom1: 0,1  dom2: 2  dom0: 3 */
#define FAKE_TLB_SIZE   16
#define FAKE_GMEM_BASE  0x40000000ULL
#define FAKE_GMEM_SIZE  0x10000
#define FAKE_MAX_WRITES 4096
#define FAKE_SHARED_MFN 92
#define FAKE_IO_RO_FIRST (FAKE_FRAMES + 1000)   /* ..FAKE_FRAMES+1023: read-only I/O */

static inline bool fake_io_ro(mfn_t mfn)
{
    return mfn >= FAKE_IO_RO_FIRST && mfn < FAKE_FRAMES + 1024;
}

struct fake_write {
    mfn_t mfn;
    unsigned int idx;
    u64 old, val;
    int kind;               /* 0 write, 1 cmpxchg (succeeded), 2 clear, 3 copy */
};

struct fake_tlbe {
    bool valid, rw;
    u64 va;
    mfn_t target;
    mfn_t path[4];          /* L4, L3, L2, L1 frames of the walk */
};

struct fake_env {
    struct mm_env env;
    struct frame frames[FAKE_FRAMES];
    u64 mem[FAKE_FRAMES][512];
    struct mm_domain doms[FAKE_NR_DOMS];
    struct mm_vcpu vcpus[FAKE_NR_VCPUS];
    u8 gmem[FAKE_GMEM_SIZE];
    u64 hv_slots[16];
    u64 m2p[FAKE_FRAMES];

    /* write log */
    struct fake_write writes[FAKE_MAX_WRITES];
    unsigned int nr_writes;
    bool log_writes;

    /* TLB model (rule 14) */
    u32 clock;
    void (*clock_hook)(struct fake_env *);  /* runs once after the next clock reading */
    u32 flushed_at[FAKE_NR_VCPUS];
    struct fake_tlbe tlb[FAKE_NR_VCPUS][FAKE_TLB_SIZE];
    unsigned int nr_flush_since, nr_guest_flush, last_guest_flush_kind;
    u64 last_guest_flush_va;

    /* domains: references from lookup_domain not yet put, set_target
     * (-1 none), and domains lookups no longer find (destroyed) */
    int dom_refs[FAKE_NR_DOMS];
    int target_of[FAKE_NR_DOMS];
    bool gone[FAKE_NR_DOMS];

    /* callbacks seen */
    unsigned int nr_freed, nr_cr3, nr_gdt, nr_ldt, nr_cache_flush, nr_log;
    unsigned int nr_guest_reads;    /* copy_from_guest calls */
    unsigned int crashed[FAKE_NR_DOMS];
    bool freed[FAKE_FRAMES];
    struct mm_log last_log;
    char last_why[128];

    /* preemption: preempt_check() answers true when countdown reaches 0,
     * then every `preempt_every` calls (0 = never again). */
    long preempt_countdown;
    long preempt_every;
    unsigned long relax_spins;
    bool verbose;

    /* The "CPU" flips race_bits in entry (race_mfn, race_idx) just before
     * the module's next race_count cmpxchgs on it (A/D updates). */
    mfn_t race_mfn;
    unsigned int race_idx, race_count;
    u64 race_bits;

    /* Holders outside the module (the grant table's device mappings and
     * in-flight copies): added to the recount when set. */
    void (*extra_refs)(struct fake_env *fe, u64 *gen, u64 *typ);
    void *extra_arg;
};

void fake_init(struct fake_env *fe);
struct mm_vcpu *fake_vcpu(struct fake_env *fe, unsigned int i);
struct mm_domain *fake_dom(struct fake_env *fe, u16 domid);

/* Guest memory: copy in and return its guest address. */
u64 fake_gput(struct fake_env *fe, unsigned int off, const void *src, size_t len);
void fake_gget(struct fake_env *fe, unsigned int off, void *dst, size_t len);
#define FAKE_GVA(off) (FAKE_GMEM_BASE + (off))

/* Build a 4-level tree for `dom`: l4 -> l3 -> l2 -> l1 at guest address va,
 * whose L1 maps frames [first, first+n) at va (RW unless the frame is one
 * of the four tables, those read-only). Contents only: nothing is typed. */
void fake_build_tree(struct fake_env *fe, mfn_t l4, mfn_t l3, mfn_t l2, mfn_t l1,
                     u64 va, mfn_t first, unsigned int n);

/* Software TLB: walk v's current tables for va and cache the result. */
bool fake_tlb_fill(struct fake_env *fe, unsigned int vcpu, u64 va);

/* Every invariant of docs/memory-safety.md that can be checked from the
 * state: returns NULL if all hold, else a description of the first breach. */
const char *fake_check(struct fake_env *fe);

/* Count holders of one frame from scratch (general, type). */
void fake_recount(struct fake_env *fe, u64 *gen, u64 *type);

#endif
