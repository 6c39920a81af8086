#!/bin/bash
# guest-paths.sh: the cost of the hypervisor paths a PV kernel uses most
# (hypercall, privileged-op emulation, forced CPUID, #PF bounce, writable
# page tables, mmu_update, update_va_mapping, event IPI), measured by the
# microbench test kernel as dom0, and of the split-driver paths between
# two domains (grant map+unmap of one page and of a batch of 16, grant
# copy of 4 KiB, an interdomain event round trip), measured by the
# splitbench kernel as dom0 with a domU of itself; on pvisor and on
# Debian's Xen 4.17 under the same QEMU command line. Prints ns per
# operation and pvisor/Xen.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PVISOR_BUILD=${PVISOR_BUILD:-$ROOT/build}
G=$PVISOR_BUILD/tests/guests
[ -f "$G/microbench.elf" ] && [ -f "$G/splitbench.elf" ] ||
  make -C "$ROOT" --no-print-directory guests >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=${PVISOR_BENCH_RUNS:-5}
# boot KERNEL on HV with extra run-guest options; its BENCH lines on stdout
boot() {
  local hv=$1 k=$2 log=$tmp/$1.$2.log; shift 2
  "$ROOT/tests/guests/run-guest.sh" --hv "$hv" --log "$log" "$@" "$G/$k.elf" >"$tmp/out" 2>&1 ||
    echo "guest-paths: $hv $k: $(tail -n1 "$tmp/out")" >&2
  tr -d '\r' <"$log" | awk '/^BENCH / {print $2, $3}'
}
# Alternate the hypervisors (the host is shared and noisy), keep medians.
# One more boot each under -icount shift=0, where the guest's clock counts
# one nanosecond per instruction QEMU executes: instructions per operation,
# a figure host noise cannot move (but blind to what each instruction costs
# under TCG: exits, TLB flushes, helper calls).
for i in $(seq "$runs"); do
  for hv in pvisor xen; do
    boot "$hv" microbench >>"$tmp/$hv.all"
    boot "$hv" splitbench --domus splitbench --timeout 120 >>"$tmp/$hv.all"
  done
done
for hv in pvisor xen; do
  { boot "$hv" microbench --qemu-args "-icount shift=0" --timeout 120
    boot "$hv" splitbench --domus splitbench --qemu-args "-icount shift=0" --timeout 240
  } | sort >"$tmp/$hv.insns"
done
for hv in pvisor xen; do
  sort -k1,1 -k2,2n "$tmp/$hv.all" | awk '{v[$1] = v[$1] " " $2; n[$1]++}
    END {for (k in v) {split(substr(v[k], 2), a, " "); print k, a[int((n[k] + 1) / 2)]}}' |
    sort >"$tmp/$hv.txt"
done
echo "guest-paths: microbench and splitbench as dom0, median of $runs runs each, ns per operation;"
echo "guest-paths: instructions per operation from one -icount boot each"
printf '%-16s %10s %10s %8s %13s %11s %8s\n' path "pvisor ns" "xen ns" ratio "pvisor insns" "xen insns" ratio
join "$tmp/pvisor.txt" "$tmp/xen.txt" | join -a 1 - "$tmp/pvisor.insns" | join -a 1 - "$tmp/xen.insns" |
while read -r name p x pi xi; do
  printf '%-16s %10s %10s %8.2f %13s %11s %8s\n' "$name" "$p" "$x" "$(echo "$p / $x" | bc -l)" \
    "${pi:-n/a}" "${xi:-n/a}" "$( [ -n "${pi:-}" ] && [ -n "${xi:-}" ] && printf '%.2f' "$(echo "$pi / $xi" | bc -l)" || echo n/a)"
done
