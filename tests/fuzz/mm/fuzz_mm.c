/*
 * Fuzz target: random sequences of guest operations against the
 * memory-safety module, over fake_env. After every operation the full
 * invariant check runs (fake_check: no table-typed frame writable through
 * any live mapping or cached TLB entry, counts equal a recount from
 * scratch, hypervisor slots intact, entries of live tables obey the flag
 * rules); at the end every domain is torn down and no reference may be
 * left over. Preemption points, abandoned continuations, multicalls,
 * ptwr emulation (templates and raw bytes), descriptor tables and the
 * guest's own writes through its writable mappings are all in the mix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_env.h"
#include "../fuzz_input.h"

#define VA1 0x400000ULL
#define MAX_OPS 200

static struct fake_env *fe;

static void breach(const char *what)
{
    fprintf(stderr, "fuzz_mm: invariant broken: %s\n", what);
    __builtin_trap();
}

static void check(void)
{
    const char *err = fake_check(fe);

    if (err)
        breach(err);
}

/* Interesting frames: the domains' own, the hypervisor's, I/O, beyond RAM. */
static mfn_t pick_mfn(struct in *in)
{
    static const mfn_t special[] = { 3, 80, 88, FAKE_SHARED_MFN, 93, 94, 200, 0xfffff };
    u8 b = byte(in);

    if (b < 216)
        return 8 + b % 72;
    return special[b % (sizeof(special) / sizeof(special[0]))];
}

static u64 pick_flags(struct in *in)
{
    u8 a = byte(in), b = byte(in);
    u64 f = 0;

    if (!(a & 0x80) || (a & 1))
        f |= _PAGE_PRESENT;
    if (a & 2)
        f |= _PAGE_RW;
    if (a & 4)
        f |= _PAGE_USER;
    if (a & 8)
        f |= _PAGE_ACCESSED;
    if (a & 0x10)
        f |= _PAGE_DIRTY;
    if (a & 0x20)
        f |= _PAGE_NX;
    if (b & 1)
        f |= _PAGE_PCD;
    if (b & 2)
        f |= _PAGE_PWT;
    if (b & 4)
        f |= _PAGE_PSE;
    if (b & 8)
        f |= _PAGE_GLOBAL;
    if (b & 0x10)
        f |= _PAGE_AVAIL;
    if (b & 0x20)
        f |= 1ULL << 55;
    return f;
}

static u64 pick_pte(struct in *in)
{
    u8 how = byte(in);

    if (how >= 248)
        return u64_of(in);
    if (how >= 232)
        return 0;
    {
        mfn_t mfn = pick_mfn(in);       /* one byte-reading call per statement: */
        u64 flags = pick_flags(in);     /* the encoding must not depend on the */
                                        /* compiler's argument order */
        return pte_make(mfn, flags);
    }
}

static unsigned int pick_idx(struct in *in)
{
    static const unsigned int interesting[] = { 0, 1, 2, 3, 4, 255, 256, 271, 272, 511 };
    u8 b = byte(in);

    if (b < 100)
        return b % 48;
    if (b < 200)
        return interesting[b % 10];
    return ((unsigned int)(b & 1) << 8) | byte(in);
}

static struct mm_vcpu *pick_vcpu(struct in *in, unsigned int *idx)
{
    static const unsigned int order[4] = { 0, 0, 1, 3 };
    unsigned int i = order[byte(in) & 3];

    if (idx)
        *idx = i;
    return &fe->vcpus[i];
}

static unsigned int pick_fd(struct in *in)
{
    u8 b = byte(in);

    if (b < 192)
        return DOMID_SELF;
    switch (b & 7) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return DOMID_IO;
    case 4: return DOMID_XEN;
    case 5: return (2u << 16) | 1;      /* dom1's tables, dom1's pages */
    case 6: return (3u << 16) | DOMID_SELF;
    default: return 9;
    }
}

static u64 pick_va(struct in *in)
{
    u8 b = byte(in);

    if (b < 224)
        return VA1 + (u64)(b % 64) * PAGE_SIZE;
    if (b < 240)
        return (u64_of(in) & 0x00007ffffffff000ULL) | ((b & 1) ? 0xffff800000000000ULL : 0);
    return 0xffff800000000000ULL + (u64)b * PAGE_SIZE;
}

/* Continuations: finish now, or abandon (the parked state and the
 * deferred slot must then look after themselves). */
static bool finish_now(struct in *in)
{
    return byte(in) < 200;
}

static void set_preemption(struct in *in)
{
    u8 a = byte(in), b = byte(in);

    fe->preempt_countdown = a < 128 ? -1 : a % 16;
    fe->preempt_every = b % 8;
}

typedef long (*restart_fn)(struct mm_vcpu *v, struct mm_cont *c);

static long restart_mmu(struct mm_vcpu *v, struct mm_cont *c)
{
    return mm_do_mmu_update(&fe->env, v, c->args[0], (unsigned int)c->args[1], c->args[2],
                            (unsigned int)c->args[3], c);
}

static long restart_ext(struct mm_vcpu *v, struct mm_cont *c)
{
    return mm_do_mmuext_op(&fe->env, v, c->args[0], (unsigned int)c->args[1], c->args[2],
                           (unsigned int)c->args[3], c);
}

static void drive(struct in *in, struct mm_vcpu *v, long rc, struct mm_cont *c, restart_fn fn)
{
    unsigned int n = 0;

    while (rc == -XEN_ERESTART && finish_now(in)) {
        check();
        if (++n > 100000)
            breach("continuations make no progress");
        rc = fn(v, c);
    }
}

static void op_mmu_update(struct in *in)
{
    struct mmu_update reqs[3];
    unsigned int n = 1 + byte(in) % 3, i, zero = 0;
    struct mm_vcpu *v = pick_vcpu(in, NULL);
    struct mm_cont c;
    long rc;

    for (i = 0; i < n; i++) {
        u8 cmd = byte(in);
        mfn_t table = pick_mfn(in);
        unsigned int idx = pick_idx(in);

        reqs[i].ptr = ((u64)table << 12) | ((u64)idx << 3) |
                      (cmd < 200 ? 0 : cmd < 230 ? 2 : cmd < 250 ? 1 : cmd & 7);
        reqs[i].val = pick_pte(in);
    }
    fake_gput(fe, 0x1000, reqs, n * sizeof(reqs[0]));
    fake_gput(fe, 0x800, &zero, 4);
    rc = mm_do_mmu_update(&fe->env, v, FAKE_GVA(0x1000), n, FAKE_GVA(0x800), pick_fd(in), &c);
    drive(in, v, rc, &c, restart_mmu);
}

static void op_mmuext(struct in *in)
{
    static const unsigned int cmds[] = {
        MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE,
        MMUEXT_UNPIN_TABLE, MMUEXT_NEW_BASEPTR, MMUEXT_NEW_USER_BASEPTR, MMUEXT_CLEAR_PAGE,
        MMUEXT_COPY_PAGE, MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_INVLPG_LOCAL, MMUEXT_TLB_FLUSH_ALL,
        MMUEXT_TLB_FLUSH_MULTI, MMUEXT_SET_LDT, MMUEXT_FLUSH_CACHE, MMUEXT_MARK_SUPER,
        MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_UNPIN_TABLE, 99,
    };
    struct mmuext_op ops[2];
    unsigned int n = 1 + byte(in) % 2, i, zero = 0;
    struct mm_vcpu *v = pick_vcpu(in, NULL);
    struct mm_cont c;
    u64 mask = 3;
    long rc;

    memset(ops, 0, sizeof(ops));
    for (i = 0; i < n; i++) {
        ops[i].cmd = cmds[byte(in) % (sizeof(cmds) / sizeof(cmds[0]))];
        switch (ops[i].cmd) {
        case MMUEXT_INVLPG_LOCAL:
            ops[i].arg1.linear_addr = pick_va(in);
            break;
        case MMUEXT_SET_LDT:
            ops[i].arg1.linear_addr = pick_va(in);
            ops[i].arg2.nr_ents = byte(in) * 32;
            break;
        case MMUEXT_TLB_FLUSH_MULTI:
            ops[i].arg2.vcpumask.p = (void *)(uintptr_t)fake_gput(fe, 0x3000, &mask, 8);
            break;
        case MMUEXT_NEW_USER_BASEPTR:
            ops[i].arg1.mfn = byte(in) < 32 ? 0 : pick_mfn(in);
            break;
        case MMUEXT_COPY_PAGE:
            ops[i].arg2.src_mfn = pick_mfn(in);
            /* fall through */
        default:
            ops[i].arg1.mfn = pick_mfn(in);
            break;
        }
    }
    fake_gput(fe, 0x2000, ops, n * sizeof(ops[0]));
    fake_gput(fe, 0x804, &zero, 4);
    rc = mm_do_mmuext_op(&fe->env, v, FAKE_GVA(0x2000), n, FAKE_GVA(0x804), pick_fd(in), &c);
    drive(in, v, rc, &c, restart_ext);
}

static void op_uvm(struct in *in)
{
    struct mm_vcpu *v = pick_vcpu(in, NULL);
    u64 va = pick_va(in), val = pick_pte(in), flags = byte(in) & 7;
    struct mm_cont c;
    u8 which = byte(in);

    if (which < 224)
        mm_do_update_va_mapping(&fe->env, v, va, val, flags, &c);
    else
        mm_do_update_va_mapping_otherdomain(&fe->env, v, va, val, flags, which % 4, &c);
}

/* A read-only mapping of a page table (any level: only L1 writes may be
 * emulated) in v's kernel tables, from the window at VA1 where the tables
 * start out mapped. */
static bool find_ro_table(struct mm_vcpu *v, u8 sel, u64 *va)
{
    u64 hits[64];
    unsigned int n = 0, i;

    for (i = 0; i < 64; i++) {
        u64 a = VA1 + (u64)i * PAGE_SIZE, e;
        mfn_t t = v->guest_table;
        unsigned int level;

        for (level = 4; level > 1 && t && t < FAKE_FRAMES; level--) {
            e = fe->mem[t][(a >> (12 + 9 * (level - 1))) & 511];
            t = (e & _PAGE_PRESENT) ? pte_mfn(e) : 0;
        }
        if (!t || t >= FAKE_FRAMES)
            continue;
        e = fe->mem[t][(a >> 12) & 511];
        if ((e & (_PAGE_PRESENT | _PAGE_RW)) == _PAGE_PRESENT && pte_mfn(e) < FAKE_FRAMES &&
            pgt_is_table(pgt_type(fe->frames[pte_mfn(e)].type_info)))
            hits[n++] = a;
    }
    if (!n)
        return false;
    *va = hits[sel % n];
    return true;
}

static void op_ptwr(struct in *in)
{
    static const u8 tmpl[][8] = {
        { 3, 0x48, 0x89, 0x03 },                  /* mov %rax,(%rbx) */
        { 3, 0x89, 0x43, 0xff },                  /* mov %eax,off(%rbx) */
        { 4, 0x66, 0x89, 0x43, 0xff },            /* mov %ax,off(%rbx) */
        { 3, 0x88, 0x43, 0xff },                  /* mov %al,off(%rbx) */
        { 3, 0x48, 0x87, 0x03 },                  /* xchg */
        { 5, 0xf0, 0x48, 0x0f, 0xb1, 0x0b },      /* lock cmpxchg %rcx,(%rbx) */
        { 6, 0xf0, 0x48, 0x0f, 0xba, 0x33, 0xfe },/* lock btr $imm */
        { 6, 0xf0, 0x48, 0x0f, 0xba, 0x2b, 0xfe },/* lock bts $imm */
        { 6, 0xf0, 0x48, 0x0f, 0xba, 0x3b, 0xfe },/* lock btc $imm */
        { 5, 0xf0, 0x80, 0x63, 0xff, 0xfe },      /* lock andb $imm,off(%rbx) */
        { 5, 0xf0, 0x80, 0x4b, 0xff, 0xfe },      /* lock orb */
        { 5, 0xf0, 0x80, 0x73, 0xff, 0xfe },      /* lock xorb */
        { 4, 0xf0, 0x48, 0x21, 0x03 },            /* lock and %rax */
        { 4, 0xf0, 0x48, 0x09, 0x03 },            /* lock or %rax */
        { 5, 0xf0, 0x48, 0x0f, 0xb3, 0x0b },      /* lock btr %rcx */
        { 5, 0xf0, 0x48, 0x0f, 0xab, 0x0b },      /* lock bts %rcx */
        { 7, 0x48, 0xc7, 0x03, 0xfe, 0xfe, 0, 0 },/* movq $imm32 */
    };
    struct mm_vcpu *v = pick_vcpu(in, NULL);
    struct mm_regs regs;
    u8 code[16];
    unsigned int t, len, i, off = byte(in) & 7;
    u64 va, cr2;
    u32 pfec = PFEC_PRESENT | PFEC_WRITE | PFEC_USER;

    if (!find_ro_table(v, byte(in), &va))
        va = pick_va(in);
    cr2 = va + (u64)(pick_idx(in) & 511) * 8;

    memset(&regs, 0, sizeof(regs));
    for (i = 0; i < 16; i++)
        regs.gpr[i] = byte(in) < 128 ? pick_pte(in) : i;
    regs.gpr[3] = cr2;                            /* rbx: the entry */
    regs.rflags = 0x202 | (byte(in) < 8 ? 0x100 : 0);

    t = byte(in);
    if (t < 240) {
        t %= sizeof(tmpl) / sizeof(tmpl[0]);
        len = tmpl[t][0];
        memcpy(code, &tmpl[t][1], len);
        for (i = 0; i < len; i++)
            if (code[i] == 0xff)
                code[i] = (u8)off;
            else if (code[i] == 0xfe)
                code[i] = byte(in);
    } else {
        len = 1 + byte(in) % 15;                  /* raw bytes: fuzz the decoder */
        for (i = 0; i < len; i++)
            code[i] = byte(in);
    }
    if (byte(in) < 16)
        pfec = byte(in) & 0x1f;
    fake_gput(fe, 0x5000, code, len);
    regs.rip = FAKE_GVA(0x5000);
    if (byte(in) < 8)
        cr2 ^= (u64)byte(in) << 12;               /* a fault elsewhere */
    t = mm_ptwr_fault(&fe->env, v, &regs, cr2, pfec);
    if (fe->verbose)
        fprintf(stderr, "ptwr cr2 %#llx code %02x %02x %02x -> %u\n", (unsigned long long)cr2,
                code[0], code[1], code[2], t);
}

static void op_descriptors(struct in *in)
{
    struct mm_vcpu *v = pick_vcpu(in, NULL);
    u8 what = byte(in);

    if (what < 96) {
        u64 frames[2];
        unsigned int entries;

        frames[0] = pick_mfn(in);
        frames[1] = pick_mfn(in);
        entries = what < 8 ? 0 : (what < 80 ? 1 + byte(in) * 4 : 600);

        mm_do_set_gdt(&fe->env, v, fake_gput(fe, 0x3000, frames, sizeof(frames)), entries);
    } else if (what < 192) {
        u64 maddr = (u64)pick_mfn(in) << 12, desc;

        maddr |= byte(in) * 8ULL;
        maddr |= byte(in) < 16;
        desc = byte(in) < 128 ? u64_of(in) : 0x00af9b000000ffffULL;

        mm_do_update_descriptor(&fe->env, v, maddr, desc);
    } else {
        mfn_t m;

        mm_ldt_map_page(&fe->env, v, byte(in) * 64, &m);
    }
}

#define OP_SWITCH 1000
static long dispatch(void *ctx, struct mm_vcpu *v, unsigned long op,
                     const unsigned long args[6], struct mm_cont *cont)
{
    (void)ctx;
    switch (op) {
    case OP_SWITCH:
        v->kernel_mode = !v->kernel_mode;
        return 0;
    case __HYPERVISOR_mmu_update:
        return mm_do_mmu_update(&fe->env, v, args[0], (unsigned int)args[1], args[2],
                                (unsigned int)args[3], cont);
    case __HYPERVISOR_mmuext_op:
        return mm_do_mmuext_op(&fe->env, v, args[0], (unsigned int)args[1], args[2],
                               (unsigned int)args[3], cont);
    case __HYPERVISOR_update_va_mapping:
        return mm_do_update_va_mapping(&fe->env, v, args[0], args[1], args[2], cont);
    case __HYPERVISOR_multicall:
        return mm_do_multicall(&fe->env, v, args[0], (unsigned int)args[1], dispatch, cont);
    default:
        return -XEN_ENOSYS;
    }
}

static void op_multicall(struct in *in)
{
    struct multicall_entry calls[3];
    struct mmu_update req;
    struct mmuext_op op;
    struct mm_vcpu *v = pick_vcpu(in, NULL);
    unsigned int n = 1 + byte(in) % 3, i, k = 0;
    struct mm_cont c;
    long rc;

    memset(calls, 0, sizeof(calls));
    memset(&op, 0, sizeof(op));
    req.ptr = (u64)pick_mfn(in) << 12;
    req.ptr |= (u64)pick_idx(in) << 3;
    req.val = pick_pte(in);
    fake_gput(fe, 0x1000, &req, sizeof(req));
    op.cmd = byte(in) % 5;                        /* pin L1-L4, unpin */
    op.arg1.mfn = pick_mfn(in);
    fake_gput(fe, 0x2000, &op, sizeof(op));
    for (i = 0; i < n; i++) {
        switch (byte(in) % 5) {
        case 0:
            calls[i].op = __HYPERVISOR_mmu_update;
            calls[i].args[0] = FAKE_GVA(0x1000);
            calls[i].args[1] = 1;
            calls[i].args[3] = DOMID_SELF;
            break;
        case 1:
            calls[i].op = __HYPERVISOR_mmuext_op;
            calls[i].args[0] = FAKE_GVA(0x2000);
            calls[i].args[1] = 1;
            calls[i].args[3] = DOMID_SELF;
            break;
        case 2:
            calls[i].op = __HYPERVISOR_update_va_mapping;
            calls[i].args[0] = pick_va(in);
            calls[i].args[1] = pick_pte(in);
            break;
        case 3:
            calls[i].op = OP_SWITCH;
            break;
        default:
            calls[i].op = __HYPERVISOR_multicall;
            calls[i].args[0] = FAKE_GVA(0x4000);
            calls[i].args[1] = 1;
            break;
        }
    }
    fake_gput(fe, 0x4000, calls, sizeof(calls));
    rc = mm_do_multicall(&fe->env, v, FAKE_GVA(0x4000), n, dispatch, &c);
    while (rc == -XEN_ERESTART && finish_now(in) && k++ < 100000) {
        check();
        rc = mm_do_multicall(&fe->env, v, c.args[0], (unsigned int)c.args[1], dispatch, &c);
    }
    v->kernel_mode = true;
}

/* A guest store: through the vCPU's TLB if it holds a translation for the
 * address (possibly stale), else through a fresh walk that fills the TLB,
 * exactly as the hardware would. */
static void op_guest_write(struct in *in)
{
    unsigned int v, i, idx;
    struct fake_tlbe *hit = NULL;
    u64 va, val;

    pick_vcpu(in, &v);
    va = pick_va(in) & PAGE_MASK;
    idx = pick_idx(in);
    val = pick_pte(in);
    for (i = 0; i < FAKE_TLB_SIZE && !hit; i++)
        if (fe->tlb[v][i].valid && fe->tlb[v][i].va == va)
            hit = &fe->tlb[v][i];
    if (!hit) {
        if (!fake_tlb_fill(fe, v, va))
            return;             /* would #PF */
        for (i = 0; i < FAKE_TLB_SIZE && !hit; i++)
            if (fe->tlb[v][i].valid && fe->tlb[v][i].va == va)
                hit = &fe->tlb[v][i];
    }
    if (!hit || !hit->rw || hit->target >= FAKE_FRAMES ||
        fe->frames[hit->target].state == FRAME_RESERVED)
        return;
    /* Rule 11, the point of it all. */
    if (pgt_type(fe->frames[hit->target].type_info) != PGT_WRITABLE)
        breach("the guest can write a frame that is not typed writable");
    fe->mem[hit->target][idx] = val;
}

static void teardown_all(void)
{
    unsigned int v, n = 0;
    mfn_t m;

    fe->preempt_countdown = 0;
    fe->preempt_every = 3;
    for (v = 0; v < FAKE_NR_VCPUS; v++) {
        fe->vcpus[v].kernel_mode = true;
        while (mm_vcpu_teardown(&fe->env, &fe->vcpus[v]) == -XEN_ERESTART)
            if (++n > 1000000)
                breach("vcpu teardown makes no progress");
    }
    for (m = 0; m < FAKE_FRAMES; m++)
        while (mm_frame_teardown(&fe->env, &fe->vcpus[0], m) == -XEN_ERESTART)
            if (++n > 1000000)
                breach("frame teardown makes no progress");
    while (mm_drain_deferred(&fe->env, &fe->vcpus[0]) == -XEN_ERESTART)
        ;
    check();
    /* No linear tables: with every root gone, nothing may hold a reference. */
    for (m = 0; m < FAKE_FRAMES; m++) {
        struct frame *f = &fe->frames[m];
        u64 want_type = (f->state == FRAME_HV && (f->flags & FRAMEF_SHARED_XEN)) ? 1 : 0;

        if (pgt_count(f->type_info) != want_type)
            breach("a type reference survived teardown");
        if (pgc_count(f->count_info) != ((f->count_info & PGC_ALLOCATED) ? 1 : 0))
            breach("a general reference survived teardown");
    }
}

static void boot(void)
{
    fake_init(fe);
    /* dom1: the standard tree, pinned and installed on both vCPUs */
    fake_build_tree(fe, 8, 9, 10, 11, VA1, 8, 40);
    if (mm_get_page(&fe->env, 8, &fe->doms[1]) == false ||
        mm_get_type(&fe->env, &fe->vcpus[0], 8, PGT_L4, 0))
        abort();
    fe->frames[8].type_info |= PGT_PINNED;
    fe->vcpus[0].guest_table = 8;
    fe->vcpus[1].guest_table = 8;
    mm_get_page(&fe->env, 8, &fe->doms[1]);
    mm_get_page(&fe->env, 8, &fe->doms[1]);
    mm_get_type(&fe->env, &fe->vcpus[0], 8, PGT_L4, 0);
    mm_get_type(&fe->env, &fe->vcpus[0], 8, PGT_L4, 0);
    /* dom0: its own tree */
    fake_build_tree(fe, 64, 65, 66, 67, VA1, 64, 16);
    mm_get_page(&fe->env, 64, &fe->doms[0]);
    if (mm_get_type(&fe->env, &fe->vcpus[3], 64, PGT_L4, 0))
        abort();
    fe->vcpus[3].guest_table = 64;
    fe->nr_writes = 0;
    check();
}

/* A relinquish's run (mm_frames_reap) over a few frames of any domain's:
 * whatever it takes is held by nothing else and is freed as the batch
 * would; the invariants then checked cover what it left. */
static void op_frames_reap(struct in *in)
{
    mfn_t out[8], mfn = pick_mfn(in);
    unsigned long len = byte(in) % 8 + 1;
    u16 dom = byte(in) % FAKE_NR_DOMS;
    unsigned int n = 0, room = byte(in) % 8 + 1;
    unsigned long done = mm_frames_reap(&fe->env, mfn, len, fake_dom(fe, dom), out, &n, room);

    if (done > len || n > room)
        breach("mm_frames_reap: past its run or its room");
    for (unsigned int i = 0; i < n; i++) {
        const struct frame *f = &fe->frames[out[i]];

        if (out[i] < mfn || out[i] >= mfn + done || f->owner != dom ||
            (f->count_info & (PGC_ALLOCATED | PGC_COUNT_MASK)) || pgt_count(f->type_info))
            breach("mm_frames_reap: took a frame in use or not the domain's");
        fe->env.ops->free_frame(fe->env.ctx, out[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = { data, size };
    unsigned int ops = 0;

    if (!fe)
        fe = calloc(1, sizeof(*fe));
    boot();
    while (in.n && ops++ < MAX_OPS) {
        u8 op = byte(&in);

        fe->nr_writes = 0;
        switch (op % 16) {
        case 0: case 1: case 2:
            op_mmu_update(&in);
            break;
        case 3: case 4: case 5:
            op_mmuext(&in);
            break;
        case 6:
            op_uvm(&in);
            break;
        case 7: case 8:
            op_ptwr(&in);
            break;
        case 9:
            op_descriptors(&in);
            break;
        case 10:
            op_multicall(&in);
            break;
        case 11: case 12:
            op_guest_write(&in);
            break;
        case 13: {
            unsigned int v;

            pick_vcpu(&in, &v);
            fake_tlb_fill(fe, v, pick_va(&in));
            break;
        }
        case 14:
            set_preemption(&in);
            break;
        default: {
            u8 b = byte(&in);

            if (b < 32)
                mm_frame_release(&fe->env, pick_mfn(&in));
            else if (b < 48)
                op_frames_reap(&in);
            else
                fe->vcpus[byte(&in) & 1].kernel_mode ^= 1;
            break;
        }
        }
        check();
    }
    fe->vcpus[0].kernel_mode = fe->vcpus[1].kernel_mode = true;
    teardown_all();
    return 0;
}
