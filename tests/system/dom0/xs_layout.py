#!/usr/bin/env python3
"""Compare the xenstore tree pvctl writes for a domU with xl's.

    xs_layout.py XL_TREE PVCTL_TREE [DEVIATIONS]

Both trees are `xenstore-ls -fp /` output with one domU (the highest domid).
Only that domU's nodes are compared: /local/domain/D, /vm/UUID, /libxl/D
and dom0's backend/console/D, less disk and vif devices (pvdev's part).
Domids, uuids and the values that differ by nature (ring frames, ports,
times, paths of the kernel files, the pty) are normalised; every node, value
and permission else must be the same. DEVIATIONS lists the deliberate
differences, one "+ line" (only pvctl's) or "- line" (only xl's) each, as
printed. Exit 0 when the rest is the same, 1 otherwise.
"""
import re
import sys

LINE = re.compile(r'^(/\S*) = "(.*)"\s+\((.*)\)$')
# values that legitimately differ between two runs or two dom0s
VOLATILE = re.compile(r'/(store|console)/(ring-ref|port)$|/start_time$|/console/tty$|'
                      r'/image/(kernel|ramdisk)$')
UUID = re.compile(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}')


def norm_path(p, d):
    """the domid as a path component, and uuids, named"""
    return '/'.join('D' if c == str(d) else c for c in UUID.sub('UUID', p).split('/'))


def norm_value(p, v, d):
    if re.search(r'/(domid|frontend-id)$', p) and v == str(d):
        return 'D'
    return norm_path(v, d) if v.startswith('/') else UUID.sub('UUID', v)


def domu_nodes(path):
    nodes = {}
    for raw in open(path, encoding='utf-8', errors='replace'):
        m = LINE.match(raw.rstrip('\n'))
        if m:
            nodes[m.group(1)] = (m.group(2), m.group(3))
    ids = [int(p.split('/')[3]) for p in nodes if re.fullmatch(r'/local/domain/[0-9]+', p)]
    d = max(i for i in ids if i)
    vm = nodes.get('/local/domain/%d/vm' % d, ('',))[0]
    keep = ('/local/domain/%d' % d, vm, '/libxl/%d' % d, '/local/domain/0/backend/console/%d' % d)
    out = set()
    for p, (v, perm) in nodes.items():
        if not any(p == k or p.startswith(k + '/') for k in keep if k):
            continue
        if re.search(r'/(vbd|vif|qdisk)(/|$)', p):
            continue
        if VOLATILE.search(p):
            v = '*'
        out.add('%s = "%s" (%s)' % (norm_path(p, d), norm_value(p, v, d),
                                    re.sub(r'\b([nrwb])%d\b' % d, r'\1D', perm)))
    return out


def main():
    xl, ours = domu_nodes(sys.argv[1]), domu_nodes(sys.argv[2])
    allowed = set()
    if len(sys.argv) > 3:
        for line in open(sys.argv[3]):
            if line[:2] in ('+ ', '- '):
                allowed.add(line.rstrip('\n'))
    bad = 0
    for tag, diff in (('-', sorted(xl - ours)), ('+', sorted(ours - xl))):
        for n in diff:
            line = '%s %s' % (tag, n)
            known = line in allowed
            bad += not known
            print('%s %s' % ('deliberate' if known else 'DIFFERS   ', line))
    print('%d nodes of the domU compared with xl\'s (%d); %d unexplained differences'
          % (len(ours), len(xl), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
