#!/usr/bin/env python3
"""The guests' floor under each split-driver figure: profile-table.py
DOM0_MAP DOMU_MAP FIGURES XEN_PROF XEN_ELF PVISOR_PROF PVISOR_ELF

The domU of bench/split-drivers.sh marks the edges of each measured
transfer (pvprof-mark); XEN_PROF.N and PVISOR_PROF.N are the instruction
plugin's windows (a prefix may be '-': that hypervisor was not booted).
FIGURES lists one 'name window units unit kind' per line (kind: rate or
time). Each window is split by bench/insn-profile/split.py into the
hypervisor and everything else (the two guests' kernels and user space),
per unit of the figure. The last column is the best ratio pvisor could
reach if its own instructions cost nothing: Xen's whole work per unit
over pvisor's guests' (a rate), or the reverse (a time). Under icount the
guests run the same kernels, backends and programs on both hypervisors,
so a goal beyond that column is out of the hypervisor's reach."""
import os
import subprocess
import sys

SPLIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'insn-profile', 'split.py')


def shares(prof, elf, m0, mu):
    """(all, hypervisor) instructions of one window, or None."""
    if prof == '-' or not os.path.exists(prof) or os.path.getsize(prof) == 0:
        return None
    out = subprocess.run([sys.executable, SPLIT, prof, elf, m0, mu], capture_output=True,
                         text=True).stdout
    total = hv = 0
    for line in out.splitlines():
        p = line.split()
        if line.startswith('total executed'):
            total = int(p[2])
        elif len(p) >= 3 and p[1].endswith('%') and p[2] == 'hypervisor':
            hv = int(p[0])
        elif line.startswith('--'):
            break
    return (total, hv) if total else None


def main():
    m0, mu, figures, xprof, xelf, pprof, pelf = sys.argv[1:8]
    print('%-22s %-11s %9s %9s %9s %9s %9s %7s %11s' % (
        'figure', 'per', 'xen all', 'xen hv', 'pv all', 'pv hv', 'pv guests', 'now', 'hv free'))
    for line in open(figures):
        p = line.split()
        if len(p) != 5 or p[0].startswith('#'):
            continue
        name, win, units, unit, kind = p[0], p[1], float(p[2]), p[3], p[4]
        x = shares('%s.%s' % (xprof, win), xelf, m0, mu)
        v = shares('%s.%s' % (pprof, win), pelf, m0, mu)
        k = lambda n: '%.1fk' % (n / units / 1e3)
        cols = [k(x[0]), k(x[1])] if x else ['-', '-']
        cols += [k(v[0]), k(v[1]), k(v[0] - v[1])] if v else ['-', '-', '-']
        now = best = '-'
        if x and v:
            if kind == 'rate':
                now, best = x[0] / v[0], x[0] / (v[0] - v[1])
            else:
                now, best = v[0] / x[0], (v[0] - v[1]) / x[0]
            now, best = '%.2f' % now, '%.2f' % best
        print('%-22s %-11s %9s %9s %9s %9s %9s %7s %11s' % (name, unit, *cols, now, best))


if __name__ == '__main__':
    main()
