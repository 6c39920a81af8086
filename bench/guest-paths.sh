#!/bin/bash
# guest-paths.sh: the cost of the hypervisor paths a PV kernel uses most
# (hypercall, privileged-op emulation, forced CPUID, #PF bounce, writable
# page tables, mmu_update, update_va_mapping, event IPI), measured by the
# microbench test kernel as dom0 on pvisor and on Debian's Xen 4.17 under
# the same QEMU command line. Prints ns per operation and pvisor/Xen.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PVISOR_BUILD=${PVISOR_BUILD:-$ROOT/build}
k=$PVISOR_BUILD/tests/guests/microbench.elf
[ -f "$k" ] || make -C "$ROOT" --no-print-directory guests >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=${PVISOR_BENCH_RUNS:-5}
# Alternate the hypervisors (the host is shared and noisy), keep medians.
for i in $(seq "$runs"); do
  for hv in pvisor xen; do
    "$ROOT/tests/guests/run-guest.sh" --hv "$hv" --log "$tmp/$hv.log" "$k" >/dev/null 2>&1
    tr -d '\r' <"$tmp/$hv.log" | awk '/^BENCH / {print $2, $3}' >>"$tmp/$hv.all"
  done
done
for hv in pvisor xen; do
  sort -k1,1 -k2,2n "$tmp/$hv.all" | awk '{v[$1] = v[$1] " " $2; n[$1]++}
    END {for (k in v) {split(substr(v[k], 2), a, " "); print k, a[int((n[k] + 1) / 2)]}}' |
    sort >"$tmp/$hv.txt"
done
echo "guest-paths: microbench as dom0, median of $runs runs each, ns per operation"
printf '%-14s %10s %10s %8s\n' path "pvisor ns" "xen ns" ratio
join "$tmp/pvisor.txt" "$tmp/xen.txt" | while read -r name p x; do
  printf '%-14s %10s %10s %8.2f\n' "$name" "$p" "$x" "$(echo "$p / $x" | bc -l)"
done
