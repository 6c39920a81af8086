/*
 * Unit tests: writable page-table emulation (rule 18) — the decoder on
 * every accepted form and on refused ones, and the emulation of each form
 * against a live L1 (validated, atomic, exactly once), plus every way a
 * fault must bounce to the guest untouched.
 */
#include "test_helpers.h"
#include "ptwr.h"

#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RBP 5
#define RSI 6
#define RDI 7
#define R8  8
#define R12 12
#define R13 13

#define PF_W (PFEC_PRESENT | PFEC_WRITE | PFEC_USER)
#define CODE 0x5000

/* The live L1A is mapped read-only at va1(L1A): entry i is at ent(i). */
static u64 ent(unsigned int i) { return va1(L1A) + i * 8; }

static struct mm_regs regs;

static enum mm_ptwr_result emu(const u8 *code, size_t len, u64 cr2, u32 pfec)
{
    fake_gput(fe, CODE, code, len);
    regs.rip = FAKE_GVA(CODE);
    return mm_ptwr_fault(env, v1, &regs, cr2, pfec);
}

#define EMU(cr2, ...) ({ static const u8 c_[] = { __VA_ARGS__ }; emu(c_, sizeof(c_), cr2, PF_W); })

static unsigned int writes_to(mfn_t m)
{
    unsigned int i, n = 0;

    for (i = 0; i < fe->nr_writes; i++)
        n += fe->writes[i].mfn == m;
    return n;
}

static void prep(void)
{
    boot_dom1();
    memset(&regs, 0, sizeof(regs));
    regs.rflags = 0x202;
    /* entry 100 maps frame 20 read-only */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), 0);
    fe->nr_writes = 0;
}

/* ---- Decoder ------------------------------------------------------------ */

static void test_decode_forms(void **state)
{
    struct mm_insn in;
    struct mm_regs r;
    static const u8 mov64[] = { 0x48, 0x89, 0x03 };                 /* mov %rax,(%rbx) */
    static const u8 mov_r8[] = { 0x4c, 0x89, 0x03 };                /* mov %r8,(%rbx) */
    static const u8 mov_sib[] = { 0x48, 0x89, 0x04, 0xcb };         /* (%rbx,%rcx,8) */
    static const u8 mov_d32[] = { 0x48, 0x89, 0x83, 0x10, 0, 0, 0 };/* 0x10(%rbx) */
    static const u8 mov_d8[] = { 0x89, 0x43, 0xf8 };                /* -8(%rbx), 4 bytes */
    static const u8 mov_rip[] = { 0x48, 0x89, 0x05, 0x00, 0x10, 0, 0 };
    static const u8 mov_ah[] = { 0x88, 0x23 };                      /* mov %ah,(%rbx) */
    static const u8 mov_spl[] = { 0x40, 0x88, 0x23 };               /* mov %spl,(%rbx) */
    static const u8 mov16[] = { 0x66, 0x89, 0x03 };
    static const u8 movimm[] = { 0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0xff };
    static const u8 movimm16[] = { 0x66, 0xc7, 0x03, 0x34, 0x12 };
    static const u8 movb_imm[] = { 0xc6, 0x43, 0x07, 0x80 };
    static const u8 xchg[] = { 0x48, 0x87, 0x03 };
    static const u8 cmpxchg[] = { 0xf0, 0x48, 0x0f, 0xb1, 0x0b };
    static const u8 btr5[] = { 0xf0, 0x48, 0x0f, 0xba, 0x32, 0x05 }; /* (%rdx) */
    static const u8 andb_r12[] = { 0xf0, 0x41, 0x80, 0x24, 0x24, 0xfd };
    static const u8 orb[] = { 0xf0, 0x80, 0x0b, 0x20 };
    static const u8 and83[] = { 0xf0, 0x48, 0x83, 0x23, 0xfd };
    static const u8 or81[] = { 0xf0, 0x48, 0x81, 0x0b, 0x00, 0x00, 0x00, 0x80 };
    static const u8 btsreg[] = { 0xf0, 0x48, 0x0f, 0xab, 0x0b };
    static const u8 r13base[] = { 0x49, 0x89, 0x45, 0x00 };         /* mov %rax,0(%r13) */
    static const u8 nobase[] = { 0x48, 0x89, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00 };
    static const u8 seg_ds[] = { 0x3e, 0x48, 0x89, 0x03 };
    static const u8 rex_then_66[] = { 0x48, 0x66, 0x89, 0x03 };     /* REX ignored */

    (void)state;
    memset(&r, 0, sizeof(r));
    r.gpr[RBX] = 0x1000;
    r.gpr[RCX] = 3;
    r.gpr[RDX] = 0x2000;
    r.gpr[R12] = 0x3000;
    r.gpr[R13] = 0x4000;
    r.rip = 0x100;

    assert_int_equal(mm_insn_decode(mov64, sizeof(mov64), &in), 0);
    assert_int_equal(in.len, 3);
    assert_int_equal(in.op, PTWR_MOV);
    assert_int_equal(in.size, 8);
    assert_int_equal(in.src_reg, RAX);
    assert_int_equal(mm_insn_ea(&in, &r), 0x1000);

    assert_int_equal(mm_insn_decode(mov_r8, sizeof(mov_r8), &in), 0);
    assert_int_equal(in.src_reg, R8);
    assert_int_equal(mm_insn_decode(mov_sib, sizeof(mov_sib), &in), 0);
    assert_int_equal(mm_insn_ea(&in, &r), 0x1000 + 3 * 8);
    assert_int_equal(mm_insn_decode(mov_d32, sizeof(mov_d32), &in), 0);
    assert_int_equal(in.len, 7);
    assert_int_equal(mm_insn_ea(&in, &r), 0x1010);
    assert_int_equal(mm_insn_decode(mov_d8, sizeof(mov_d8), &in), 0);
    assert_int_equal(in.size, 4);
    assert_int_equal(mm_insn_ea(&in, &r), 0xff8);
    assert_int_equal(mm_insn_decode(mov_rip, sizeof(mov_rip), &in), 0);
    assert_true(in.rip_rel);
    assert_int_equal(mm_insn_ea(&in, &r), 0x100 + 7 + 0x1000);
    assert_int_equal(mm_insn_decode(mov_ah, sizeof(mov_ah), &in), 0);
    assert_int_equal(in.size, 1);
    assert_true(in.src_high8);
    assert_int_equal(in.src_reg, RAX);
    assert_int_equal(mm_insn_decode(mov_spl, sizeof(mov_spl), &in), 0);
    assert_false(in.src_high8);
    assert_int_equal(in.src_reg, RSP);
    assert_int_equal(mm_insn_decode(mov16, sizeof(mov16), &in), 0);
    assert_int_equal(in.size, 2);
    assert_int_equal(mm_insn_decode(movimm, sizeof(movimm), &in), 0);
    assert_true(in.src_imm);
    assert_int_equal(in.imm, ~0ULL);                        /* sign-extended */
    assert_int_equal(in.len, 7);
    assert_int_equal(mm_insn_decode(movimm16, sizeof(movimm16), &in), 0);
    assert_int_equal(in.imm & 0xffff, 0x1234);
    assert_int_equal(in.len, 5);
    assert_int_equal(mm_insn_decode(movb_imm, sizeof(movb_imm), &in), 0);
    assert_int_equal(in.size, 1);
    assert_int_equal(in.imm & 0xff, 0x80);
    assert_int_equal(mm_insn_ea(&in, &r), 0x1007);
    assert_int_equal(mm_insn_decode(xchg, sizeof(xchg), &in), 0);
    assert_int_equal(in.op, PTWR_XCHG);
    assert_int_equal(mm_insn_decode(cmpxchg, sizeof(cmpxchg), &in), 0);
    assert_int_equal(in.op, PTWR_CMPXCHG);
    assert_true(in.lock);
    assert_int_equal(in.src_reg, RCX);
    assert_int_equal(mm_insn_decode(btr5, sizeof(btr5), &in), 0);
    assert_int_equal(in.op, PTWR_BTR);
    assert_int_equal(in.imm, 5);
    assert_int_equal(mm_insn_ea(&in, &r), 0x2000);
    assert_int_equal(mm_insn_decode(andb_r12, sizeof(andb_r12), &in), 0);
    assert_int_equal(in.op, PTWR_AND);
    assert_int_equal(in.size, 1);
    assert_int_equal(in.imm & 0xff, 0xfd);
    assert_int_equal(mm_insn_ea(&in, &r), 0x3000);
    assert_int_equal(mm_insn_decode(orb, sizeof(orb), &in), 0);
    assert_int_equal(in.op, PTWR_OR);
    assert_int_equal(mm_insn_decode(and83, sizeof(and83), &in), 0);
    assert_int_equal(in.imm, ~2ULL);
    assert_int_equal(in.size, 8);
    assert_int_equal(mm_insn_decode(or81, sizeof(or81), &in), 0);
    assert_int_equal(in.imm, 0xffffffff80000000ULL);
    assert_int_equal(mm_insn_decode(btsreg, sizeof(btsreg), &in), 0);
    assert_int_equal(in.op, PTWR_BTS);
    assert_false(in.src_imm);
    assert_int_equal(mm_insn_decode(r13base, sizeof(r13base), &in), 0);
    assert_int_equal(mm_insn_ea(&in, &r), 0x4000);
    assert_int_equal(mm_insn_decode(nobase, sizeof(nobase), &in), 0);
    assert_int_equal(mm_insn_ea(&in, &r), 0x1000);
    assert_int_equal(mm_insn_decode(seg_ds, sizeof(seg_ds), &in), 0);
    assert_int_equal(in.size, 8);
    assert_int_equal(mm_insn_decode(rex_then_66, sizeof(rex_then_66), &in), 0);
    assert_int_equal(in.size, 2);
}

static void test_decode_refused(void **state)
{
    static const u8 bad[][8] = {
        { 0x48, 0x01, 0x03 },               /* add */
        { 0x48, 0x29, 0x03 },               /* sub */
        { 0x64, 0x48, 0x89, 0x03 },         /* fs: */
        { 0x65, 0x48, 0x89, 0x03 },         /* gs: */
        { 0x67, 0x48, 0x89, 0x03 },         /* addr32 */
        { 0xf3, 0x48, 0x89, 0x03 },         /* rep */
        { 0xf2, 0xf0, 0x48, 0x0f, 0xb1, 0x0b }, /* xacquire lock cmpxchg */
        { 0xf0, 0x48, 0x89, 0x03 },         /* lock mov: #UD */
        { 0x48, 0x89, 0xc3 },               /* mov %rax,%rbx: no memory */
        { 0x48, 0x0f, 0xba, 0x23, 0x05 },   /* bt: does not write */
        { 0x48, 0x0f, 0xc7, 0x0b },         /* cmpxchg8b/16b */
        { 0xff, 0x33 },                     /* push */
        { 0x48, 0x81, 0x03, 1, 0, 0, 0 },   /* add imm */
        { 0x48, 0xc7, 0x43, 0x00 },         /* truncated */
        { 0x0f },                           /* truncated */
        { 0x48, 0xa3, 0, 0, 0, 0, 0, 0 },   /* mov moffs */
    };
    static const unsigned int lens[] = { 3, 3, 4, 4, 4, 4, 6, 4, 3, 5, 4, 2, 7, 4, 1, 8 };
    struct mm_insn in;
    unsigned int i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (mm_insn_decode(bad[i], lens[i], &in) == 0)
            fail_msg("form %u accepted", i);
}

/* ---- Emulation of each accepted form ------------------------------------ */

static void test_mov64(void **state)
{
    enum mm_ptwr_result r;

    (void)state;
    prep();
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = pte(21, _PAGE_RW);              /* PAGE_KERNEL-ish: no USER */
    r = EMU(ent(100), 0x48, 0x89, 0x03);
    assert_int_equal(r, MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(21, _PAGE_RW | _PAGE_USER));
    assert_int_equal(regs.rip, FAKE_GVA(CODE) + 3);
    assert_int_equal(tcount(21), 2);
    assert_int_equal(gcount(20), 2);                /* old mapping dropped */
    assert_int_equal(writes_to(L1A), 1);            /* once, 8 bytes, cmpxchg */
    assert_int_equal(fe->writes[0].kind, 1);
    /* clearing a PTE the same way */
    regs.gpr[RAX] = 0;
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], 0);
    assert_int_equal(tcount(21), 1);
}

static void test_mov_narrow(void **state)
{
    (void)state;
    prep();
    /* 4-byte store to the low half: mfn 20 -> 21, RW on */
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = 0xffffffff00000000ULL | (u32)pte(21, _PAGE_RW);
    assert_int_equal(EMU(ent(100), 0x89, 0x03), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(21, _PAGE_RW | _PAGE_USER));
    /* 4-byte store to the high half: NX */
    regs.gpr[RAX] = 0x80000000;
    assert_int_equal(EMU(ent(100) + 4, 0x89, 0x43, 0x04), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(21, _PAGE_RW | _PAGE_USER | _PAGE_NX));
    /* 2-byte store: flags word, RW off */
    regs.gpr[RAX] = (u16)pte(21, _PAGE_USER);
    assert_int_equal(EMU(ent(100), 0x66, 0x89, 0x03), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(21, _PAGE_USER | _PAGE_NX));
    assert_int_equal(tcount(21), 1);
    /* 1-byte immediate store into byte 6 (AVAIL_HIGH) */
    assert_int_equal(EMU(ent(100) + 6, 0xc6, 0x43, 0x06, 0x10), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(21, _PAGE_USER | _PAGE_NX) | 0x10ULL << 48);
    /* and %ah into byte 0: the high 8-bit register */
    regs.gpr[RAX] = (u64)(u8)pte(21, _PAGE_USER | _PAGE_ACCESSED) << 8;
    assert_int_equal(EMU(ent(100), 0x88, 0x23), MM_PTWR_DONE);
    assert_true(fe->mem[L1A][100] & _PAGE_ACCESSED);
}

static void test_or_each_byte(void **state)
{
    /* lock orb $imm, off(%rbx) at every offset of the entry */
    static const u8 bits[8] = { 0x20, 0x02, 0x01, 0x01, 0x01, 0x01, 0x10, 0x80 };
    unsigned int off;

    (void)state;
    prep();
    assert_int_equal(mmu1(v1, L1A, 100, pte(12, 0), 0, SELF), 0);
    regs.gpr[RBX] = ent(100);
    for (off = 0; off < 8; off++) {
        u64 before = fe->mem[L1A][100], want = before | ((u64)bits[off] << (off * 8));
        u8 code[] = { 0xf0, 0x80, 0x4b, (u8)off, bits[off] };
        enum mm_ptwr_result r = emu(code, sizeof(code), ent(100) + off, PF_W);

        if (off == 2) {
            /* mfn 12 -> 28: another frame of the domain, fine */
            assert_int_equal(r, MM_PTWR_DONE);
            assert_int_equal(fe->mem[L1A][100], want);
            assert_int_equal(pte_mfn(want), 28);
        } else if (off >= 3 && off <= 5) {
            /* points beyond the domain's memory: refused, untouched */
            assert_int_equal(r, MM_PTWR_BOUNCE);
            assert_int_equal(fe->mem[L1A][100], before);
        } else {
            assert_int_equal(r, MM_PTWR_DONE);
            assert_int_equal(fe->mem[L1A][100], want);
        }
        CHECK();
    }
    assert_true(fe->mem[L1A][100] & _PAGE_NX);
    assert_true(fe->mem[L1A][100] & (1ULL << 52));
}

static void test_and_xor_forms(void **state)
{
    (void)state;
    prep();
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_RW | _PAGE_DIRTY), 0, SELF), 0);
    /* Linux's ptep_set_wrprotect: lock andb $0xfd,(%r12) */
    regs.gpr[R12] = ent(100);
    assert_int_equal(EMU(ent(100), 0xf0, 0x41, 0x80, 0x24, 0x24, 0xfd), MM_PTWR_DONE);
    assert_false(fe->mem[L1A][100] & _PAGE_RW);
    assert_int_equal(tcount(20), 1);
    assert_int_equal(regs.rip, FAKE_GVA(CODE) + 6);
    /* lock and $~D with 83 /4 ib */
    regs.gpr[RBX] = ent(100);
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x83, 0x23, 0xbf), MM_PTWR_DONE);
    assert_false(fe->mem[L1A][100] & _PAGE_DIRTY);
    assert_int_equal(regs.rflags & 0x8c5, 0x04);        /* CF OF ZF SF clear; low byte 0x05: PF */
    /* lock or %rax,(%rbx) turns RW back on */
    regs.gpr[RAX] = _PAGE_RW;
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x09, 0x03), MM_PTWR_DONE);
    assert_true(fe->mem[L1A][100] & _PAGE_RW);
    assert_int_equal(tcount(20), 2);
    /* lock xor %rax,(%rbx) and xorb $imm */
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x31, 0x03), MM_PTWR_DONE);
    assert_false(fe->mem[L1A][100] & _PAGE_RW);
    assert_int_equal(EMU(ent(100) + 7, 0xf0, 0x80, 0x73, 0x07, 0x80), MM_PTWR_DONE);
    assert_true(fe->mem[L1A][100] & _PAGE_NX);
    /* lock and %rax,(%rbx) with 0: clears the entry, ZF set */
    regs.gpr[RAX] = 0;
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x21, 0x03), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], 0);
    assert_true(regs.rflags & 0x40);
    assert_int_equal(gcount(20), 2);
}

static void test_xchg(void **state)
{
    u64 old;

    (void)state;
    prep();
    old = fe->mem[L1A][100];
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = 0;
    /* Linux's ptep_get_and_clear: xchg %rax,(%rbx) */
    assert_int_equal(EMU(ent(100), 0x48, 0x87, 0x03), MM_PTWR_DONE);
    assert_int_equal(regs.gpr[RAX], old);
    assert_int_equal(fe->mem[L1A][100], 0);
    assert_int_equal(gcount(20), 2);
    /* 32-bit xchg zero-extends into the register */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_NX), 0, SELF), 0);
    regs.gpr[RCX] = 0xdead00000000ULL | (u32)pte(20, 0);
    assert_int_equal(EMU(ent(100), 0x87, 0x0b), MM_PTWR_DONE);
    assert_int_equal(regs.gpr[RCX], (u32)pte(20, _PAGE_USER));
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_NX | _PAGE_USER));
}

static void test_cmpxchg(void **state)
{
    u64 cur;

    (void)state;
    prep();
    cur = fe->mem[L1A][100];
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = cur;
    regs.gpr[RCX] = pte(22, _PAGE_RW);
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xb1, 0x0b), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(22, _PAGE_RW | _PAGE_USER));
    assert_true(regs.rflags & 0x40);                        /* ZF: stored */
    assert_int_equal(regs.gpr[RAX], cur);
    assert_int_equal(tcount(22), 2);
    /* a stale expected value: nothing stored, rax loaded, ZF clear */
    fe->nr_writes = 0;
    regs.gpr[RAX] = cur;
    regs.gpr[RCX] = 0;
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xb1, 0x0b), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(22, _PAGE_RW | _PAGE_USER));
    assert_int_equal(regs.gpr[RAX], pte(22, _PAGE_RW | _PAGE_USER));
    assert_false(regs.rflags & 0x40);
    assert_int_equal(writes_to(L1A), 0);
    /* byte cmpxchg at offset 7 */
    regs.gpr[RAX] = 0;
    regs.gpr[RCX] = 0x80;
    assert_int_equal(EMU(ent(100) + 7, 0xf0, 0x0f, 0xb0, 0x4b, 0x07), MM_PTWR_DONE);
    assert_true(fe->mem[L1A][100] & _PAGE_NX);
}

static void test_bit_ops(void **state)
{
    (void)state;
    prep();
    fe->mem[L1A][100] |= _PAGE_ACCESSED;                    /* the CPU set it */
    regs.gpr[RDX] = ent(100);
    /* Linux's ptep_test_and_clear_young: lock btrq $5,(%rdx) */
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x32, 0x05), MM_PTWR_DONE);
    assert_false(fe->mem[L1A][100] & _PAGE_ACCESSED);
    assert_true(regs.rflags & 1);                           /* CF = old bit */
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x32, 0x05), MM_PTWR_DONE);
    assert_false(regs.rflags & 1);
    /* bts $1: RW on (a new writable reference) */
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x2a, 0x01), MM_PTWR_DONE);
    assert_int_equal(tcount(20), 2);
    /* btc $63: NX toggles */
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x3a, 0x3f), MM_PTWR_DONE);
    assert_true(fe->mem[L1A][100] & _PAGE_NX);
    /* btr %rcx,(%rdx) with rcx = 65: bit 1 of the *next* entry */
    assert_int_equal(mmu1(v1, L1A, 101, pte(23, _PAGE_RW), 0, SELF), 0);
    regs.gpr[RCX] = 65;
    assert_int_equal(EMU(ent(101), 0xf0, 0x48, 0x0f, 0xb3, 0x0a), MM_PTWR_DONE);
    assert_false(fe->mem[L1A][101] & _PAGE_RW);
    assert_true(fe->mem[L1A][100] & _PAGE_RW);
    assert_int_equal(tcount(23), 1);
    /* a negative offset reaching the previous entry (bts, 16-bit form) */
    regs.gpr[RCX] = (u16)-11;                       /* word -1, bit 5 */
    regs.gpr[RDX] = ent(101);
    assert_int_equal(EMU(ent(100) + 6, 0xf0, 0x66, 0x0f, 0xab, 0x0a), MM_PTWR_DONE);
    assert_true(fe->mem[L1A][100] & (1ULL << 53));
}

static void test_addressing_forms(void **state)
{
    u64 rip_target;

    (void)state;
    prep();
    /* mov %rax,(%rbx,%rcx,8) */
    regs.gpr[RBX] = ent(0);
    regs.gpr[RCX] = 100;
    regs.gpr[RAX] = pte(24, 0);
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x04, 0xcb), MM_PTWR_DONE);
    assert_int_equal(pte_mfn(fe->mem[L1A][100]), 24);
    /* mov %r8,0x320(%r13) */
    regs.gpr[R13] = ent(0);
    regs.gpr[R8] = pte(25, 0);
    assert_int_equal(EMU(ent(100), 0x4d, 0x89, 0x85, 0x20, 0x03, 0x00, 0x00), MM_PTWR_DONE);
    assert_int_equal(pte_mfn(fe->mem[L1A][100]), 25);
    /* rip-relative: the displacement is from the next instruction */
    rip_target = ent(100) - (FAKE_GVA(CODE) + 7);
    {
        u8 code[] = { 0x48, 0x89, 0x05, (u8)rip_target, (u8)(rip_target >> 8),
                      (u8)(rip_target >> 16), (u8)(rip_target >> 24) };

        regs.gpr[RAX] = pte(26, 0);
        assert_int_equal(emu(code, sizeof(code), ent(100), PF_W), MM_PTWR_DONE);
    }
    assert_int_equal(pte_mfn(fe->mem[L1A][100]), 26);
    /* mov $imm32,(%rbx) sign-extended */
    regs.gpr[RBX] = ent(100);
    {
        u32 imm = (u32)pte(27, 0);
        u8 code[] = { 0x48, 0xc7, 0x03, (u8)imm, (u8)(imm >> 8), (u8)(imm >> 16),
                      (u8)(imm >> 24) };

        assert_int_equal(emu(code, sizeof(code), ent(100), PF_W), MM_PTWR_DONE);
    }
    assert_int_equal(fe->mem[L1A][100], pte(27, _PAGE_USER));
}

static void test_trap_flag_and_retry(void **state)
{
    (void)state;
    prep();
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = pte(21, 0);
    regs.rflags |= 0x100;
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_DONE_SINGLESTEP);
    regs.rflags &= ~0x100ULL;
    /* the CPU sets A/D under us once: recomputed, still exactly one store */
    fe->race_mfn = L1A;
    fe->race_idx = 100;
    fe->race_count = 1;
    fe->race_bits = _PAGE_DIRTY;
    fe->nr_writes = 0;
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x2b, 0x01), MM_PTWR_DONE);
    assert_int_equal(fe->mem[L1A][100], pte(21, _PAGE_USER | _PAGE_DIRTY | _PAGE_RW));
    assert_int_equal(writes_to(L1A), 1);
    /* ...and forever: give up without writing, re-execute */
    fe->race_count = 100;
    fe->race_bits = _PAGE_ACCESSED;
    regs.gpr[RAX] = pte(22, 0);
    fe->nr_writes = 0;
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_RETRY);
    assert_int_equal(writes_to(L1A), 0);
    assert_int_equal(regs.rip, FAKE_GVA(CODE));
    fe->race_count = 0;
    CHECK();
}

/* ---- Everything that must bounce, untouched ------------------------------ */

static void test_bounces(void **state)
{
    struct snap *s;
    u64 rip;

    (void)state;
    prep();
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = pte(21, 0);
    s = snap_take();
    rip = FAKE_GVA(CODE);
    /* not a kernel-mode write fault on a present page */
    fake_gput(fe, CODE, (u8[]){ 0x48, 0x89, 0x03 }, 3);
    regs.rip = rip;
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PFEC_PRESENT), MM_PTWR_BOUNCE);
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PFEC_WRITE), MM_PTWR_BOUNCE);
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PF_W | PFEC_RSVD), MM_PTWR_BOUNCE);
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PF_W | PFEC_INSN), MM_PTWR_BOUNCE);
    v1->kernel_mode = false;
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PF_W), MM_PTWR_BOUNCE);
    v1->kernel_mode = true;
    /* not a read-only mapping of a live L1 of ours */
    regs.gpr[RBX] = va1(20);
    assert_int_equal(EMU(va1(20), 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);      /* RW page */
    regs.gpr[RBX] = va1(L2A);
    assert_int_equal(EMU(va1(L2A), 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);     /* an L2 */
    regs.gpr[RBX] = va1(L4A) + 256 * 8;
    assert_int_equal(EMU(va1(L4A) + 256 * 8, 0x48, 0x89, 0x03), MM_PTWR_BOUNCE); /* hv slot */
    regs.gpr[RBX] = 0x7f0000000000ULL;
    assert_int_equal(EMU(0x7f0000000000ULL, 0x48, 0x89, 0x03), MM_PTWR_BOUNCE); /* unmapped */
    assert_int_equal(EMU(0xffff800000000000ULL, 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);
    /* the new entry is not allowed */
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = pte(50, 0);                                     /* dom2's */
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);
    regs.gpr[RAX] = pte(L1A, _PAGE_RW);                             /* table, writable */
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);
    regs.gpr[RAX] = pte(88, 0);                                     /* hypervisor */
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);
    regs.gpr[RAX] = pte(21, _PAGE_PCD);                             /* no I/O caps */
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);
    regs.gpr[RAX] = 0;
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x2b, 0x01), MM_PTWR_DONE);
    /* (that one was legal: RW on a RO mapping of frame 20) - undo it */
    assert_int_equal(EMU(ent(100), 0xf0, 0x48, 0x0f, 0xba, 0x33, 0x01), MM_PTWR_DONE);
    /* misaligned or outside the faulting page */
    regs.gpr[RAX] = pte(21, 0);
    assert_int_equal(EMU(ent(100) + 1, 0x48, 0x89, 0x43, 0x01), MM_PTWR_BOUNCE);
    assert_int_equal(EMU(ent(100) + 2, 0x89, 0x43, 0x02), MM_PTWR_BOUNCE);
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x83, 0x00, 0x10, 0, 0), MM_PTWR_BOUNCE);
    /* unsupported instructions */
    assert_int_equal(EMU(ent(100), 0x48, 0x01, 0x03), MM_PTWR_BOUNCE);
    assert_int_equal(EMU(ent(100), 0x64, 0x48, 0x89, 0x03), MM_PTWR_BOUNCE);
    assert_int_equal(EMU(ent(100), 0xf3, 0x48, 0xab), MM_PTWR_BOUNCE);     /* rep stosq */
    assert_int_equal(EMU(ent(100), 0x48, 0x0f, 0xc7, 0x0b), MM_PTWR_BOUNCE);
    /* an instruction that cannot be fetched */
    regs.rip = 0x1234;
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PF_W), MM_PTWR_BOUNCE);
    fake_gput(fe, FAKE_GMEM_SIZE - 2, (u8[]){ 0x48, 0x89 }, 2);
    regs.rip = FAKE_GVA(FAKE_GMEM_SIZE - 2);
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, ent(100), PF_W), MM_PTWR_BOUNCE);
    regs.rip = rip;
    snap_same(s);
    assert_int_equal(regs.rip, rip);
}

/* ---- The target is checked before the instruction is even fetched --------- */

/* Copy-on-write after fork: the kernel's clear_user (rep stosb) or a mov
 * to a user page the guest mapped read-only. Such faults are not ptwr and
 * go back to the guest without a fetch, a decode or a log line; only a
 * fault on a live L1 of the domain reads the instruction. */
static void test_target_checked_first(void **state)
{
    struct snap *s;
    u64 data = va1(20 + 1);                         /* frame 21 */

    (void)state;
    prep();
    /* frame 21 (data) read-only at its own address */
    assert_int_equal(mmu1(v1, L1A, 21 - 8, pte(21, 0), 0, SELF), 0);
    s = snap_take();
    fe->nr_guest_reads = 0;
    fe->nr_log = 0;
    regs.gpr[RDI] = data;
    regs.gpr[RCX] = 64;
    assert_int_equal(EMU(data, 0xf3, 0xaa), MM_PTWR_BOUNCE);          /* rep stosb */
    regs.gpr[RBX] = data + 8;
    assert_int_equal(EMU(data + 8, 0x48, 0x89, 0x03), MM_PTWR_BOUNCE); /* mov */
    regs.gpr[RBX] = va1(L2A);
    assert_int_equal(EMU(va1(L2A), 0xf3, 0xaa), MM_PTWR_BOUNCE);      /* an L2 */
    assert_int_equal(fe->nr_guest_reads, 0);
    assert_int_equal(fe->nr_log, 0);
    assert_int_equal(regs.rip, FAKE_GVA(CODE));
    snap_same(s);

    /* frame 21 pinned as an L1: now a store to it is ptwr... */
    assert_int_equal(PIN(v1, 1, 21), 0);
    regs.gpr[RBX] = data;
    regs.gpr[RAX] = 0;
    assert_int_equal(EMU(data, 0x48, 0x89, 0x03), MM_PTWR_DONE);
    assert_true(fe->nr_guest_reads > 0);
    /* ...unpinned, its type is still L1 but nothing holds it: not a live
     * table, the guest's own fault again */
    assert_int_equal(UNPIN(v1, 21), 0);
    assert_int_equal(ttype(21), PGT_L1);
    assert_int_equal(tcount(21), 0);
    fe->nr_guest_reads = 0;
    assert_int_equal(EMU(data, 0xf3, 0xaa), MM_PTWR_BOUNCE);
    assert_int_equal(fe->nr_guest_reads, 0);
    assert_int_equal(fe->nr_log, 0);
    /* on a live L1 the same store is read, decoded and emulated */
    regs.gpr[RBX] = ent(100);
    regs.gpr[RAX] = pte(22, 0);
    assert_int_equal(EMU(ent(100), 0x48, 0x89, 0x03), MM_PTWR_DONE);
    assert_true(fe->nr_guest_reads > 0);
    assert_int_equal(fe->mem[L1A][100], pte(22, _PAGE_USER));
    /* and an instruction we do not emulate on a live L1 is still logged */
    fe->nr_log = 0;
    assert_int_equal(EMU(ent(100), 0xf3, 0xaa), MM_PTWR_BOUNCE);
    assert_int_equal(fe->nr_log, 1);
    CHECK();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_decode_forms),
        T(test_decode_refused),
        T(test_mov64),
        T(test_mov_narrow),
        T(test_or_each_byte),
        T(test_and_xor_forms),
        T(test_xchg),
        T(test_cmpxchg),
        T(test_bit_ops),
        T(test_addressing_forms),
        T(test_trap_flag_and_retry),
        T(test_bounces),
        T(test_target_checked_first),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
