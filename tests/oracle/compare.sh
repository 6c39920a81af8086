#!/bin/bash
# compare.sh [--kernel NAME]... [--out DIR] [--cpu MODEL] [--against xen|pvisor]
#
# Runs the PV test kernels of tests/guests/kernels.list (all, or the ones
# named) on Debian's Xen 4.17 and on pvisor with the same QEMU command
# line, and reports every CHECK whose observed value differs, or that only
# one side printed:
#   DIFF    <kernel>.<check>  xen=<value>  pvisor=<value>
#   ONLY    <kernel>.<check>  xen=<value>          (pvisor never got there)
# Xen is the specification: a DIFF is a pvisor bug unless it is a
# documented, deliberate hardening.  Exit status 0 when nothing differs.
# The logs stay in --out (default build/oracle).  `--against xen` runs Xen
# twice: a determinism check of the observed values themselves.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${PVISOR_BUILD:-$root/build}
export PVISOR_BUILD=$build
out=$build/oracle
cpu=qemu64,+smep
only=()
other=pvisor
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) only+=("$2"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--against) other=$2; shift 2 ;;
	*) echo "compare: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
	esac
done
[ "$other" = xen ] || [ -f "$build/pvisor.elf" ] || { echo "compare: $build/pvisor.elf not built (make)" >&2; exit 77; }
"$root/tests/guests/xen-image.sh" >/dev/null || exit 77
mkdir -p "$out"
"$root/tests/guests/mkinitrd.sh" "$out/test.initrd"

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }
wanted() {
	[ ${#only[@]} -eq 0 ] && return 0
	local k; for k in "${only[@]}"; do [ "$k" = "$1" ] && return 0; done
	return 1
}

diffs=0 kernels=0
while IFS='|' read -r kernel initrd args runopts; do
	kernel=$(trim "$kernel"); initrd=$(trim "$initrd"); args=$(trim "$args")
	case $kernel in ''|'#'*) continue ;; esac
	wanted "$kernel" || continue
	kernels=$((kernels + 1))
	opt=(--cpu "$cpu" --quiet --timeout 60)
	[ "$initrd" = test ] && opt+=(--initrd "$out/test.initrd")
	read -ra more <<<"$runopts"; opt+=("${more[@]}")   # e.g. --smp 2 --vcpus 4
	for side in xen pvisor; do
		hv=$side
		[ "$side" = pvisor ] && hv=$other
		# shellcheck disable=SC2086
		"$root/tests/guests/run-guest.sh" --hv "$hv" "${opt[@]}" --log "$out/$kernel.$side.log" \
			"$build/tests/guests/$kernel.elf" $args >"$out/$kernel.$side.out" 2>&1
		grep -a '^CHECK ' "$out/$kernel.$side.log" | tr -d '\r' |
			awk '{ print $2, $3 }' | sort -k1,1 >"$out/$kernel.$side.checks"
	done
	# Checks are "name observed"; compare by name.
	join -a1 -a2 -e '-' -o 0,1.2,2.2 "$out/$kernel.xen.checks" "$out/$kernel.pvisor.checks" |
	while read -r name x p; do
		if [ "$x" = - ]; then
			echo "ONLY    $name  pvisor=$p"
		elif [ "$p" = - ]; then
			echo "ONLY    $name  xen=$x"
		elif [ "$x" != "$p" ]; then
			echo "DIFF    $name  xen=$x  pvisor=$p"
		fi
	done >"$out/$kernel.diff"
	n=$(wc -l <"$out/$kernel.diff")
	diffs=$((diffs + n))
	printf '%-16s %s | %s | %d differences\n' "$kernel" \
		"$(tail -n1 "$out/$kernel.xen.out" | sed 's/^run-guest: //')" \
		"$(tail -n1 "$out/$kernel.pvisor.out" | sed 's/^run-guest: //')" "$n"
	cat "$out/$kernel.diff"
done <"$root/tests/guests/kernels.list"

echo "compare: $kernels kernels, $diffs differences (logs in $out)"
[ "$diffs" -eq 0 ]
