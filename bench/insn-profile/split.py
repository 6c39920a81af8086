#!/usr/bin/env python3
"""Whose instructions a window of plugin.c's is made of: split.py WINDOW
HV_ELF DOM0_MAP DOMU_MAP

WINDOW is a PROF_OUT.N file (vaddr instructions executions hostaddr per
block). Blocks split by address: the hypervisor (Xen's reserved range,
per symbol of HV_ELF), guest kernels, guest user space. The two guest
kernels run at the same addresses, so a kernel block is given to dom0 or
the domU by where its code lies in memory: blocks whose host address minus
virtual address is the same lie in one contiguous stretch of one domain's
frames, and a stretch goes to the kernel (System.map DOM0_MAP or
DOMU_MAP) with more of its blocks starting exactly at one of its symbols.
Modules (0xffffffffc0000000 up) are dom0's (a domU of the benchmark loads
none). User blocks: position-independent programs (0x5500... and up) are
dom0's; static ones (busybox in both, pvctl in dom0) go to the owner of
the kernel code nearest in memory: an estimate only (the per-domain CPU
times pvctl list prints are exact)."""
import bisect
import subprocess
import sys
from collections import defaultdict

HV_LO, HV_HI = 0xffff800000000000, 0xffff880000000000
KERN_LO, MOD_LO = 0xffffffff80000000, 0xffffffffc0000000


def elf_syms(elf):
    # Xen's ELF has no symbol table: then everything is 'other'
    out = subprocess.run(['nm', '-n', elf], capture_output=True, text=True).stdout
    s = [(int(p[0], 16), p[2]) for p in (l.split() for l in out.splitlines())
         if len(p) == 3 and p[1] in 'tTwW']
    return [a for a, _ in s], [n for _, n in s]


def map_syms(path):
    s = []
    for line in open(path):
        p = line.split()
        if len(p) >= 3 and p[1] in 'tTwW':
            s.append((int(p[0], 16), p[2]))
    s.sort()
    return [a for a, _ in s], [n for _, n in s]


def name_of(addrs, names, va):
    i = bisect.bisect_right(addrs, va) - 1
    return names[i] if i >= 0 and va - addrs[i] < 0x10000 else 'other'


def vote(blocks, starts_a, starts_b):
    """Blocks (va, n, runs, ha) grouped by ha - va; per group 'a', 'b' or '?'."""
    groups = defaultdict(list)
    for b in blocks:
        groups[b[3] - b[0] if b[3] else None].append(b)
    out = {}
    for key, bl in groups.items():
        a = sum(1 for b in bl if b[0] in starts_a)
        bb = sum(1 for b in bl if b[0] in starts_b)
        out[key] = 'a' if a > bb else 'b' if bb > a else '?'
    return groups, out


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    win, hv_elf, m0, mu = sys.argv[1:5]
    hv_a, hv_n = elf_syms(hv_elf)
    k0_a, k0_n = map_syms(m0)
    ku_a, ku_n = map_syms(mu)
    blocks = []
    for line in open(win):
        va, n, runs, ha = line.split()
        blocks.append((int(va, 16), int(n), int(runs), int(ha, 16)))
    tot = defaultdict(int)
    hv = defaultdict(int)
    kern, static_user = [], []
    for b in blocks:
        va, n, runs = b[0], b[1], b[2]
        c = n * runs
        if HV_LO <= va < HV_HI:
            tot['hypervisor'] += c
            hv[name_of(hv_a, hv_n, va)] += c
        elif va >= MOD_LO:
            tot['dom0 kernel (modules)'] += c
        elif va >= KERN_LO:
            kern.append(b)
        elif va >= 0x550000000000:
            tot['dom0 user (PIE, shared libraries)'] += c
        elif va < 0x800000000000:
            static_user.append(b)
        else:
            tot['other'] += c
    groups, who = vote(kern, set(k0_a), set(ku_a))
    groups_who = who
    per_dom = {'a': defaultdict(int), 'b': defaultdict(int), '?': defaultdict(int)}
    for key, bl in groups.items():
        w = who[key]
        for va, n, runs, _ in bl:
            tot[{'a': 'dom0 kernel', 'b': 'domU kernel', '?': 'kernel, owner unknown'}[w]] += n * runs
            amap = (k0_a, k0_n) if w == 'a' else (ku_a, ku_n) if w == 'b' else (ku_a, ku_n)
            per_dom[w][name_of(amap[0], amap[1], va)] += n * runs
    owned = sorted((b[3], 'dom0' if groups_who[b[3] - b[0]] == 'a' else 'domU')
                   for b in kern if b[3] and groups_who[b[3] - b[0]] != '?')
    keys = [h for h, _ in owned]
    for va, n, runs, ha in static_user:
        i = bisect.bisect_left(keys, ha)
        near = [j for j in (i - 1, i) if 0 <= j < len(keys)]
        if not ha or not near:
            tot['static user, owner unknown'] += n * runs
            continue
        j = min(near, key=lambda j: abs(keys[j] - ha))
        tot['%s user (static; estimate)' % owned[j][1]] += n * runs
    allsum = sum(tot.values())
    print('total executed %d' % allsum)
    for k, v in sorted(tot.items(), key=lambda kv: -kv[1]):
        print('%14d  %5.1f%%  %s' % (v, 100.0 * v / allsum if allsum else 0, k))
    for title, d in (('hypervisor', hv), ('domU kernel', per_dom['b']),
                     ('dom0 kernel', per_dom['a']), ('kernel, owner unknown', per_dom['?'])):
        top = sorted(d.items(), key=lambda kv: -kv[1])[:25]
        if top:
            print('-- %s: top symbols' % title)
            for k, v in top:
                print('%14d  %s' % (v, k))


main()
