#!/bin/bash
# domu-lifecycle.sh: what a toolstack waits for, pvisor against Debian's
# Xen 4.17 under the same QEMU command line.  The builder test kernel (as
# dom0) creates, starts and destroys each test-kernel domU and prints
#   TIME create_to_first_insn.<domU> ns   createdomain .. the domU's first
#                                         instructions (its clock after
#                                         mapping shared_info)
#   TIME destroy.<domU> ns                destroydomain until it returns 0
#   TIME destroy_to_gone.<domU> ns        .. until getdomaininfo no longer
#                                         finds the domain
#   TIME churn.cycle_avg.<k> ns           create/build/run/destroy of a
#                                         4 MiB domU, mean of cycles
#                                         100k..100k+99
# Prints the median over the runs and domUs of each figure and pvisor/Xen.
# PVISOR_BENCH_RUNS (default 3) boots per hypervisor, PVISOR_BENCH_CHURN
# (default 200) cycles per boot; PVISOR_BENCH_ICOUNT=1 runs QEMU with
# -icount shift=0 (guest ns = instructions executed: host load cannot move
# the figures, but what each instruction costs under TCG is not counted).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PVISOR_BUILD=${PVISOR_BUILD:-$ROOT/build}
k=$PVISOR_BUILD/tests/guests/builder.elf
[ -f "$k" ] || make -C "$ROOT" --no-print-directory guests >/dev/null
runs=${PVISOR_BENCH_RUNS:-3}
cycles=${PVISOR_BENCH_CHURN:-200}
# the domUs of the builder line of kernels.list
domus=$(awk -F"|" "/^builder / {print \$4}" "$ROOT/tests/guests/kernels.list" | sed -E "s/.*--domus ([^ ]+).*/\\1/")
qargs=
[ "${PVISOR_BENCH_ICOUNT:-0}" = 1 ] && qargs="-icount shift=0"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$runs"); do
	for hv in pvisor xen; do
		"$ROOT/tests/guests/run-guest.sh" --hv "$hv" --timeout 900 --log "$tmp/$hv.log" ${qargs:+--qemu-args "$qargs"} \
			--domus "$domus" "$k" churn="$cycles" >"$tmp/$hv.out" 2>&1 || {
			cp "$tmp/$hv.log" "$PVISOR_BUILD/domu-lifecycle.$hv.$i.log"
			echo "domu-lifecycle: $hv run $i: $(tail -n1 "$tmp/$hv.out") (log: $PVISOR_BUILD/domu-lifecycle.$hv.$i.log)" >&2
		}
		tr -d '\r' <"$tmp/$hv.log" | awk '/^TIME / {print $2, $3}' >>"$tmp/$hv.all"
	done
done
# Group per figure (the part of the name before the domU or block), median.
median() {
	sed -E 's/^(create_to_first_insn|destroy_to_gone|destroy)\.[^ ]+/\1/;
		s/^churn\.cycle_avg\.0 /churn.cycle_first100 /;
		s/^churn\.cycle_avg\.[0-9]+ /churn.cycle_block /' "$1" |
	sort -k1,1 -k2,2n | awk '{v[$1] = v[$1] " " $2; n[$1]++}
		END {for (k in v) {split(substr(v[k], 2), a, " "); print k, a[int((n[k] + 1) / 2)]}}' | sort
}
[ -s "$tmp/pvisor.all" ] || : >"$tmp/pvisor.all"
[ -s "$tmp/xen.all" ] || : >"$tmp/xen.all"
median "$tmp/pvisor.all" >"$tmp/pvisor.txt"
median "$tmp/xen.all" >"$tmp/xen.txt"
echo "domu-lifecycle: builder as dom0, $runs boots each, $cycles churn cycles per boot${qargs:+ ($qargs)}; median ms"
printf '%-22s %11s %11s %7s\n' figure "pvisor ms" "xen ms" ratio
join -a1 -a2 -e - -o 0,1.2,2.2 "$tmp/pvisor.txt" "$tmp/xen.txt" | while read -r name p x; do
	ms() { [ "$1" = - ] && echo - || printf '%.2f' "$(echo "$1 / 1000000" | bc -l)"; }
	r=-
	[ "$p" != - ] && [ "$x" != - ] && [ "$x" != 0 ] && r=$(printf '%.2f' "$(echo "$p / $x" | bc -l)")
	printf '%-22s %11s %11s %7s\n' "$name" "$(ms "$p")" "$(ms "$x")" "$r"
done
