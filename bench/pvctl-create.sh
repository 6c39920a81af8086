#!/bin/bash
# pvctl create/destroy against xl (issue 14's benchmark). Boots the
# reference stack's dom0 (Debian 6.1, C xenstored, xenconsoled; same QEMU
# command line) on pvisor and on Xen 4.17 with bench/pvctl-create-dom0.sh
# as its /init, which times Debian's stock kernel + busybox initramfs
# (anchor-min.cfg, 128 MiB, no devices) created and destroyed by pvctl on
# both and by xl on Xen, and prints medians:
#   create       the command returned (pvctl: kernel cache warm)
#   create-cold  pvctl with its kernel cache emptied first
#   marker       create start -> GUEST-MARKER-UP in the console log
#   destroy      the command returned;  gone: no longer listed
#   cycles/min   create + destroy without waiting for the guest
# The ratio column is pvisor+pvctl over Xen+xl on the same host at the
# same time; the goal is issue 14's. Environment:
#   PVCTL_BENCH_ROUNDS=3  rounds per boot (each: pvctl cold, pvctl warm, xl)
#   PVCTL_BENCH_CYCLES=5  create/destroy cycles per tool
#   PVCTL_BENCH_HVS="pvisor xen"
#   PVCTL_BENCH_KEEP=1    keep the serial logs (the directory is printed)
#   PVCTL_BENCH_ICOUNT=1  QEMU -icount shift=0: dom0's clock counts executed
#                         instructions (1 ns each), so host load cannot move
#                         the figures; TCG's cost per instruction is not seen
#   PVCTL_BENCH_PERF=DIR  host perf profiles of QEMU from create to marker
#                         (bench/qemu-perf.sh: DIR/HV.NAME.data, NAME the
#                         round's guest: cpvctl1, wpvctl1, wxl1, ...)
#   PVCTL_BENCH_QEMU_ARGS more QEMU arguments (bench/insn-profile's plugin:
#                         two boots with other PVCTL_BENCH_CYCLES, diff.py)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# BUILD, REF, XA_WORK and ref_images: the reference-stack tests' library
. "$ROOT/tests/linux/ref-stack-lib.sh"
HVS=${PVCTL_BENCH_HVS:-pvisor xen}
ROUNDS=${PVCTL_BENCH_ROUNDS:-3}
CYCLES=${PVCTL_BENCH_CYCLES:-5}
T=$(mktemp -d /tmp/pvbench-pvctl.XXXXXX)
[ -n "${PVCTL_BENCH_KEEP:-}" ] || trap 'rm -rf "$T"' EXIT

[ -x "$REF/build.sh" ] || { echo "pvctl-create: skipped (no reference stack)"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "pvctl-create: skipped (no qemu-system-x86_64)"; exit 0; }
for f in pvisor.elf toolstack/pvctl; do
	[ -f "$BUILD/$f" ] || { echo "pvctl-create: $BUILD/$f not built (make)"; exit 1; }
done

# the reference images, built once and copied under the lock the tests take
REF_IMG=$T
ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz || { echo "pvctl-create: the reference images are missing"; exit 1; }
mkdir -p "$T/add/usr/sbin"
install -m 755 "$ROOT/bench/pvctl-create-dom0.sh" "$T/add/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/add/etc/ref-dom0-bringup.sh"
install -D -m 644 "$ROOT/bench/bench-dom0-lib.sh" "$T/add/etc/bench-dom0-lib.sh"
install -m 755 "$BUILD/toolstack/pvctl" "$T/add/usr/sbin/pvctl"
# xl runs on Xen only (it runs on pvisor too, but is not what is compared)
initrd() {
	printf 'ROUNDS=%d\nCYCLES=%d\nXL=%d\n' "$ROUNDS" "$CYCLES" "$1" >"$T/add/bench.conf"
	ref_appended "$T/dom0.cpio.gz" "$T/out/dom0-initrd.gz" "$T/add"
}
ICARGS=
[ "${PVCTL_BENCH_ICOUNT:-0}" = 1 ] && ICARGS="-icount shift=0"
QARGS="$ICARGS ${PVCTL_BENCH_QEMU_ARGS:-}"

for hv in $HVS; do
	case $hv in xen) initrd 1 ;; *) initrd 0 ;; esac
	[ -n "${PVCTL_BENCH_PERF:-}" ] && "$ROOT/bench/qemu-perf.sh" watch "$T/$hv.log" "$PVCTL_BENCH_PERF" "$hv" &
	ref_boot --qemu-args "$QARGS" "$hv" "$hv" 1800 "$T/dom0.cpio.gz" >/dev/null
	wait
	echo "pvctl-create: $hv boot took $REF_SECONDS s"
	grep -aq '^BENCH-DONE' "$T/$hv.txt" || echo "pvctl-create: $hv: the dom0 script did not finish"
	grep -a '^BENCH-NOTE' "$T/$hv.txt" | grep -v 'pvctl: \(create\|destroy\)' | sed "s/^BENCH-NOTE /$hv: /"
	grep -a '^BENCH-NOTE' "$T/$hv.txt" | grep 'pvctl: \(create\|destroy\)' | sed "s/^BENCH-NOTE /$hv: /" | head -6
	grep -a '^BENCH ' "$T/$hv.txt" | awk -v h="$hv" '{print h, $2, $3, $4}' >>"$T/all"
done
[ -s "$T/all" ] || { echo "pvctl-create: no samples"; exit 1; }

# median of HV TOOL FIG, or -
med() {
	awk -v h="$1" -v t="$2" -v f="$3" '$1 == h && $2 == t && $3 == f {print $4}' "$T/all" | sort -n |
		awk '{v[NR] = $1} END {if (NR) printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else print "-"}'
}
n_of() { awk -v h="$1" -v t="$2" -v f="$3" '$1 == h && $2 == t && $3 == f' "$T/all" | wc -l; }
ratio() { [ "$1" = - ] || [ "$2" = - ] && echo - || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cpm() { [ "$1" = - ] && echo - || awk -v c="$1" 'BEGIN { printf "%.1f", 60 / c }'; }
[ -n "${PVCTL_BENCH_KEEP:-}" ] && echo "pvctl-create: logs in $T"
echo "pvctl-create: medians in seconds${ICARGS:+ (-icount shift=0: 1 s = 10^9 instructions)} ($ROUNDS rounds, $CYCLES cycles per boot; n = samples on pvisor)"
printf '%-26s %4s %13s %13s %10s %7s %7s\n' figure n "pvisor+pvctl" "xen+pvctl" "xen+xl" ratio goal
row() {   # FIG-PVCTL FIG-XL LABEL GOAL
	local p x xl
	p=$(med pvisor pvctl "$1") x=$(med xen pvctl "$1") xl=$(med xen xl "$2")
	printf '%-26s %4s %13s %13s %10s %7s %7s\n' "$3" "$(n_of pvisor pvctl "$1")" "$p" "$x" "$xl" "$(ratio "$p" "$xl")" "$4"
}
row create create "create returns (warm)" "<=0.10"
row create-cold create "create returns (cold)" "<=0.10"
row marker marker "create -> marker (warm)" "<=0.50"
row marker-cold marker "create -> marker (cold)" "<=0.50"
row destroy destroy "destroy returns" "<=0.20"
row gone gone "destroy -> gone" "-"
p=$(cpm "$(med pvisor pvctl cycle)") x=$(cpm "$(med xen pvctl cycle)") xl=$(cpm "$(med xen xl cycle)")
printf '%-26s %4s %13s %13s %10s %7s %7s\n' "cycles per minute" "$(n_of pvisor pvctl cycle)" "$p" "$x" "$xl" "$(ratio "$p" "$xl")" "-"
