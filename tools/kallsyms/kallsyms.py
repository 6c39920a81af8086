#!/usr/bin/python3
"""Rebuild a Linux kernel's symbol table from its embedded kallsyms.

Debian ships stripped kernels (its System.map is a stub), but every vmlinux
with CONFIG_KALLSYMS carries its own compressed symbol table for oops
backtraces. This finds and decodes it, so a guest RIP from a hypervisor
log can be named:

  kallsyms.py map VMLINUX                 print a System.map ("addr type name")
  kallsyms.py symbolize VMLINUX|MAP ADDR... print "ADDR name+0xoff/0xsize" per address
  kallsyms.py annotate VMLINUX|MAP        copy stdin (a serial log) to stdout, adding
                                          {name+0xoff} after every kernel text address

VMLINUX is an ELF vmlinux (tools/kallsyms/extract-vmlinux makes one from a
bzImage). Layout assumptions, checked against each other rather than
trusted: the tables are 8-byte aligned blobs of scripts/kallsyms.c output
(x86-64, CONFIG_KALLSYMS_BASE_RELATIVE with ABSOLUTE_PERCPU, Linux 4.x to
6.x): kallsyms_num_syms, kallsyms_names (token-compressed, 1 or 2 byte
lengths), kallsyms_markers, [kallsyms_seqs_of_names,] kallsyms_token_table (256 NUL-terminated
strings), kallsyms_token_index (256 u16), and kallsyms_offsets (s32) plus
kallsyms_relative_base (u64) either before num_syms or after token_index.
"""
import bisect
import re
import struct
import sys

DIGITS = b"0\x001\x002\x003\x004\x005\x006\x007\x008\x009\x00"


class KallsymsError(Exception):
    pass


def u16s(data, off, n):
    return struct.unpack_from(f"<{n}H", data, off)


def find_token_tables(data):
    """Yield (table_start, index_start, tokens) for each consistent candidate."""
    pos = data.find(DIGITS)
    while pos >= 0:
        # token_index is the first 8-aligned u16[256] after the table that
        # starts with 0 and increases; the table start follows from it.
        p = (pos + 7) & ~7
        limit = min(len(data) - 512, pos + 8192)
        while p <= limit:
            idx = u16s(data, p, 256)
            if idx[0] == 0 and all(a < b for a, b in zip(idx, idx[1:])):
                found = tokens_at(data, p, idx, pos)
                if found:
                    yield found
                    break
            p += 8
        pos = data.find(DIGITS, pos + 1)


def tokens_at(data, index_start, idx, digits_pos):
    for i in range(256):
        start = digits_pos - idx[i]
        if start < 0:
            continue
        toks = []
        for j in range(256):
            a = start + idx[j]
            end = data.find(b"\0", a, a + 256)
            if end < 0 or (j < 255 and end != start + idx[j + 1] - 1):
                break
            toks.append(data[a:end])
        else:
            if 0 <= index_start - (end + 1) < 16:
                return start, index_start, toks
    return None


def decode_names(data, off, count, tokens, end):
    """Decode `count` names from `off`; returns (names, end offset) or None."""
    names = []
    for _ in range(count):
        if off >= end:
            return None
        n = data[off]
        off += 1
        if n & 0x80:                       # 6.1+: two-byte length
            n = (n & 0x7F) | (data[off] << 7)
            off += 1
        if n == 0 or off + n > end:
            return None
        names.append(b"".join(tokens[t] for t in data[off:off + n]))
        off += n
    return names, off


def find_symbols(data):
    for tstart, istart, tokens in find_token_tables(data):
        for m in markers_before(data, tstart):
            syms = try_layout(data, tokens, tstart, istart, *m)
            if syms:
                return syms
    raise KallsymsError("no kallsyms tables found (kernel built without CONFIG_KALLSYMS, "
                        "or not an uncompressed vmlinux: use extract-vmlinux first)")


def markers_before(data, tstart):
    """Candidate (num_syms_off, num_syms, markers_off, markers) before tstart.

    Newer kernels (6.2, and late 6.1 stable) put kallsyms_seqs_of_names
    (3 bytes per symbol) between the markers and the token table.
    """
    # num_syms is 8-aligned, a few MB before the token table at most.
    lo = max(0, tstart - (16 << 20))
    q = (tstart - 8) & ~7
    while q >= lo:
        n, pad = struct.unpack_from("<II", data, q)
        if 1000 < n < 4_000_000 and pad == 0:
            nm = (n + 255) // 256
            seqs = (tstart - 3 * n) & ~7
            for end in (tstart, seqs, seqs - 8):
                for size, fmt in ((4, "I"), (8, "Q")):
                    for slack in range(0, 16, size):
                        moff = end - slack - nm * size
                        if moff <= q + 8 or moff % 8:
                            continue
                        mk = struct.unpack_from(f"<{nm}{fmt}", data, moff)
                        if mk[0] == 0 and all(a < b for a, b in zip(mk, mk[1:])):
                            yield q, n, moff, mk
        q -= 8


def try_layout(data, tokens, tstart, istart, q, n, moff, markers):
    names_off = q + 8
    dec = decode_names(data, names_off, n, tokens, moff)
    if not dec:
        return None
    names, end = dec
    if not 0 <= moff - end < 8:
        return None
    # kallsyms_offsets + kallsyms_relative_base: before num_syms, or after
    # token_index (newer kernels).
    cands = []
    rb = q - 8
    ooff = (rb - 4 * n) & ~7
    cands.append((ooff, rb))
    after = (istart + 512 + 7) & ~7
    cands.append((after, (after + 4 * n + 7) & ~7))
    for ooff, rb in cands:
        if ooff < 0 or rb + 8 > len(data):
            continue
        base, = struct.unpack_from("<Q", data, rb)
        if base >> 32 != 0xFFFFFFFF:
            continue
        offs = struct.unpack_from(f"<{n}i", data, ooff)
        addrs = [o if o >= 0 else base - 1 - o for o in offs]
        if any(a > b for a, b in zip(addrs, addrs[1:])):
            continue                       # kallsyms is sorted by address
        return [(a, nm[:1].decode("latin-1"), nm[1:].decode("latin-1"))
                for a, nm in zip(addrs, names)]
    return None


class SymbolTable:
    def __init__(self, syms):
        self.syms = sorted(syms)
        self.addrs = [s[0] for s in self.syms]

    @classmethod
    def from_map(cls, path):
        syms = []
        with open(path) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3:
                    syms.append((int(parts[0], 16), parts[1], parts[2]))
        return cls(syms)

    def lookup(self, addr):
        """(name, offset, size) of the text-ish symbol covering addr, or None."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        while i >= 0 and self.syms[i][1] in "aAuUwWvV":   # absolute / weak undefined
            i -= 1
        if i < 0:
            return None
        a, _, name = self.syms[i]
        j = bisect.bisect_right(self.addrs, a)
        size = self.addrs[j] - a if j < len(self.addrs) else 0
        if addr - a >= (size or 0x1000):    # past the symbol (or far past the last one)
            return None
        return name, addr - a, size


def load(path):
    """Symbols of an ELF vmlinux, or of a System.map-format text file."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:4] == b"\x7fELF":
        return find_symbols(data)
    if re.match(rb"[0-9a-fA-F]{8,16} \S ", data[:64]):
        return SymbolTable.from_map(path).syms
    raise KallsymsError(f"{path} is neither an ELF vmlinux nor a System.map "
                        "(for a bzImage run extract-vmlinux first)")


KERNEL_ADDR = re.compile(r"\b(?:0x)?(ffffffff[89a-f][0-9a-f]{7})\b", re.I)


def annotate(table, src, out):
    def repl(m):
        hit = table.lookup(int(m.group(1), 16))
        return m.group(0) + (f"{{{hit[0]}+{hit[1]:#x}}}" if hit else "")
    for line in src:
        out.write(KERNEL_ADDR.sub(repl, line))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("map", "symbolize", "annotate"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    try:
        syms = load(argv[2])
    except (OSError, KallsymsError) as e:
        print(f"kallsyms: {e}", file=sys.stderr)
        return 1
    if argv[1] == "map":
        out = sys.stdout
        for a, t, name in syms:
            out.write(f"{a:016x} {t} {name}\n")
        return 0
    table = SymbolTable(syms)
    if argv[1] == "annotate":
        annotate(table, sys.stdin, sys.stdout)
        return 0
    rc = 0
    for arg in argv[3:]:
        try:
            addr = int(arg.strip("[]<>,"), 16)
        except ValueError:
            print(f"{arg} ?? (not a hex address)")
            rc = 1
            continue
        hit = table.lookup(addr)
        print(f"{addr:016x} " + (f"{hit[0]}+{hit[1]:#x}/{hit[2]:#x}" if hit else "??"))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
