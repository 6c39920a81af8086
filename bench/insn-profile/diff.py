#!/usr/bin/env python3
"""Instructions per operation for each symbol: diff.py ELF A B N, where A and
B are plugin.c's outputs of two boots that differ only by N more operations
in B. Addresses outside ELF's symbols count as 'other'."""
import bisect
import subprocess
import sys


def symbols(elf):
    out = subprocess.run(['nm', '-n', elf], capture_output=True, text=True, check=True).stdout
    syms = [(int(p[0], 16), p[2]) for p in (l.split() for l in out.splitlines())
            if len(p) == 3 and p[1] in 'tTwW']
    return [a for a, _ in syms], [n for _, n in syms]


def totals(path, addrs, names):
    tot = {}
    for line in open(path):
        va, insns, runs = line.split()
        va = int(va, 16)
        i = bisect.bisect_right(addrs, va) - 1
        name = names[i] if i >= 0 and va - addrs[i] < 0x10000 else 'other'
        tot[name] = tot.get(name, 0) + int(insns) * int(runs)
    return tot


def main():
    if len(sys.argv) != 5:
        sys.exit('usage: diff.py ELF BASE.txt MORE.txt N')
    addrs, names = symbols(sys.argv[1])
    a, b = (totals(p, addrs, names) for p in sys.argv[2:4])
    n = float(sys.argv[4])
    d = {k: (b.get(k, 0) - a.get(k, 0)) / n for k in set(a) | set(b)}
    print('total %.1f' % sum(d.values()))
    for k, v in sorted(d.items(), key=lambda kv: -abs(kv[1])):
        if abs(v) >= 1:
            print('%8.1f  %s' % (v, k))


main()
