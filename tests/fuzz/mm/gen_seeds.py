#!/usr/bin/python3
"""Writes the seed corpus of fuzz_mm (tests/fuzz/corpus/fuzz_mm/).

Each seed is a scenario in the fuzzer's input encoding (see the pick_*
functions of fuzz_mm.c): the attacks of the unit tests and the normal
life of a PV page-table tree, so mutations start from deep states.
Re-run after changing the encoding:  tests/fuzz/mm/gen_seeds.py
The m-* files beside them are inputs kept from long fuzzing runs (the
largest of a libFuzzer -merge), so a 20-second run starts deep; drop them
if the encoding changes.
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "fuzz_mm")

V0, V1, D0 = 0, 2, 3            # pick_vcpu bytes: dom1 vcpu0, dom1 vcpu1, dom0
L4A, L3A, L2A, L1A = 8, 9, 10, 11
PIN1, PIN2, PIN3, PIN4, UNPIN, BASEPTR, USERPTR = 0, 1, 2, 3, 4, 5, 6
CLEARP, COPYP, FLUSH, INVLPG, FLUSHALL, MULTI, SETLDT = 7, 8, 9, 10, 11, 12, 13


def m(frame):                   # pick_mfn byte for frames 8..79
    return frame - 8


def ix(i):                      # pick_idx bytes for entry i
    return [i] if i < 48 else [200 | (i >> 8), i & 0xff]


def pte(frame, rw=False, extra=0):
    return [0, m(frame), (2 if rw else 0) | 1 | extra, 0]


CLEAR = [232]


def mmu(v, table, idx, val, cmd=0, fd=0):
    return [0, 0, v, cmd, m(table)] + ix(idx) + val + [fd]


def mmu_n(v, reqs, fd=0):
    out = [0, len(reqs) - 1, v]
    for table, idx, val in reqs:
        out += [0, m(table)] + ix(idx) + val
    return out + [fd]


def ext(v, cmd, frame, fd=0):
    return [3, 0, v, cmd, m(frame), fd]


def write(v, va_frame, idx, val):       # guest store through its mapping
    return [11, v, m(va_frame)] + ix(idx) + val


def touch(v, va_frame):                 # guest load: fills the TLB
    return [13, v, m(va_frame)]


def uvm(v, va_frame, val, flags=0):
    return [6, v, m(va_frame)] + val + [flags, 0]


def preempt(countdown, every):
    return [14, 128 + countdown, every]


def finish(n):                          # answer "finish now" to n restarts
    return [0] * n


def ptwr(v, idx, template, *imm, off=0):
    """The template'th form of op_ptwr on entry idx of the live L1."""
    regs = [200] * 16                   # registers = their number
    # sel 3: the mapping of L1A (those of L4A, L3A, L2A come first)
    return [7, v, off, 3] + ix(idx) + regs + [200, template] + list(imm) + [200, 200]


SEEDS = {
    # rule 14: a stale writable TLB entry, then the frame becomes a table
    "stale_tlb_pin": write(V0, 30, 0, pte(20, True)) + mmu(V0, L1A, 22, CLEAR) +
                     ext(V0, PIN1, 30),
    "stale_tlb_ptwr": write(V0, 30, 0, pte(20, True)) + ptwr(V0, 22, 6, 1) +
                      ext(V0, PIN1, 30),
    "stale_tlb_uvm": write(V1, 31, 1, CLEAR) + uvm(V0, 31, pte(31)) + ext(V0, PIN2, 31),
    # a second L4 sharing the tree; switch; the old L4 becomes writable
    "switch_and_reuse": touch(V0, 20) + mmu(V0, 30, 0, pte(L3A, True)) +
                        mmu(V0, L1A, 22, pte(30)) + ext(V0, PIN4, 30) +
                        ext(V0, BASEPTR, 30) + ext(V0, UNPIN, L4A) +
                        mmu(V0, L1A, 0, pte(L4A, True)) + write(V0, L4A, 5, pte(L3A, True)),
    # a page table mapping itself writable one level down, linear entries
    "self_map": mmu(V0, 31, 0, pte(30, True)) + mmu(V0, 30, 0, pte(31, True)) +
                mmu_n(V0, [(L1A, 22, pte(30)), (L1A, 23, pte(31))]) + ext(V0, PIN2, 31) +
                mmu(V0, L4A, 7, pte(L4A)) + mmu(V0, L3A, 7, pte(L3A)),
    # hypervisor slots
    "hv_slots": mmu(V0, L4A, 256, pte(L3A, True)) + mmu(V0, L4A, 271, CLEAR) +
                mmu(V0, L4A, 255, pte(L3A, True)) + mmu(V0, L4A, 272, pte(L3A, True)) +
                mmu(V0, L4A, 7, pte(L3A, True)),
    # preempted validation of a fresh L4 over the live L3, then unpin
    "preempted_pin": mmu(V0, 30, 0, pte(L3A, True)) + mmu(V0, L1A, 22, pte(30)) +
                     preempt(0, 50) + ext(V0, PIN4, 30) + finish(40) +
                     ext(V0, UNPIN, 30) + finish(40),
    "abandoned_pin": mmu(V0, 30, 0, pte(L3A, True)) + mmu(V0, L1A, 22, pte(30)) +
                     preempt(1, 0) + ext(V0, PIN4, 30) + [255] +
                     ext(V0, UNPIN, L4A) + ext(V0, PIN3, L3A),
    # ptwr forms on the live L1
    "ptwr_forms": ptwr(V0, 100, 0) + ptwr(V0, 101, 4) + ptwr(V0, 12, 9, 0xfd, off=0) +
                  ptwr(V0, 12, 10, 0x02) + ptwr(V0, 13, 7, 1) + ptwr(V0, 13, 5) +
                  ptwr(V0, 14, 11, 0x80, off=7),
    # dom0 maps dom1's frame, dom1 wants it as a table
    "foreign_then_pin": mmu(D0, 67, 20, pte(30, True), fd=1) + touch(D0, 28) +
                        mmu(V0, L1A, 22, CLEAR) + ext(V0, PIN1, 30) +
                        mmu(D0, 67, 20, CLEAR) + ext(V0, PIN1, 30),
    # descriptor tables
    "gdt": mmu(V0, L1A, 22, pte(30)) + [9, V0, 10, m(30), m(31), 5] +
           [9, V0, 100, m(30), 2, 200, 200] + [9, V0, 200, 0],
    # a multicall that pins, switches mode, then updates
    "multicall": [10, V0, 2, m(L1A), 100] + pte(20) + [0, m(30), 0, 1, 3, 0] +
                 [13, V0, 20],
    # the allocator takes frames back while mapped
    "release": [15, 0, m(20)] + mmu(V0, L1A, 12, CLEAR) + [15, 0, m(21)],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(bytes(b & 0xff for b in data))
    print(f"wrote {len(SEEDS)} seeds to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
