#!/bin/bash
# Where the instructions of issue 14's create -> marker go: boots the
# reference dom0 (as bench/pvctl-create.sh) under -icount shift=0 with the
# instruction plugin (bench/insn-profile/) on each hypervisor; dom0
# (bench/domu-boot-profile-dom0.sh) creates the benchmark's domU once to
# warm pvctl's cache, then marks one create -> marker window per tool
# (pvctl; on Xen also xl) for the plugin. Prints, per window, the
# instructions of the hypervisor, dom0's and the domU's kernels and user
# space (bench/insn-profile/split.py) and the domains' CPU times.
# Environment: PROFILE_HVS="pvisor xen", PROFILE_KEEP=1 (keep the logs and
# counts; the directory is printed), PROFILE_PERFC=1 (pvisor boots with
# perfc and prints its counters for the window), PROFILE_WINDOW=destroy
# (the window is instead `pvctl destroy` of the booted guest; pvctl only),
# PROFILE_WINDOW=create-returns (a warm `pvctl -v create` until it returns).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/bench/insn-profile
# BUILD, REF, XA_WORK and ref_images: the reference-stack tests' library
. "$ROOT/tests/linux/ref-stack-lib.sh"
HVS=${PROFILE_HVS:-pvisor xen}
WINDOW=${PROFILE_WINDOW:-create}
T=$(mktemp -d /tmp/pvprof.XXXXXX)
[ -n "${PROFILE_KEEP:-}" ] || trap 'rm -rf "$T"' EXIT

[ -x "$REF/build.sh" ] || { echo "domu-boot-profile: skipped (no reference stack)"; exit 0; }
for f in pvisor.elf toolstack/pvctl; do
	[ -f "$BUILD/$f" ] || { echo "domu-boot-profile: $BUILD/$f not built (make)"; exit 1; }
done
mkdir -p "$BUILD/insn-profile"
so=$BUILD/insn-profile/plugin.so mark=$BUILD/insn-profile/pvprof-mark
[ "$so" -nt "$HERE/plugin.c" ] || gcc -O2 -shared -fPIC -o "$so" "$HERE/plugin.c" || exit 1
[ "$mark" -nt "$HERE/pvprof-mark.S" ] || gcc -nostdlib -static -o "$mark" "$HERE/pvprof-mark.S" || exit 1

# the reference images, built once and copied under the lock the tests take
REF_IMG=$T
ref_images out/xen.elf out/vmlinuz-dom0 out/vmlinuz-domu out/dom0-initrd.gz || { echo "domu-boot-profile: the reference images are missing"; exit 1; }
# the two kernels' symbols (tools/kallsyms caches them)
for k in dom0 domu; do
	"$ROOT/tools/kallsyms/symbolize" "$T/out/vmlinuz-$k" ffffffff81000000 >/dev/null 2>&1
	cp "${PVISOR_KSYMS_CACHE:-${TMPDIR:-/tmp}/pvisor-kallsyms}"/vmlinuz-$k-$(stat -c '%s-%Y' "$T/out/vmlinuz-$k").map "$T/map-$k" 2>/dev/null ||
		{ echo "domu-boot-profile: no symbols for vmlinuz-$k"; exit 1; }
done
mkdir -p "$T/add/usr/sbin"
install -m 755 "$ROOT/bench/domu-boot-profile-dom0.sh" "$T/add/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/add/etc/ref-dom0-bringup.sh"
install -D -m 644 "$ROOT/bench/bench-dom0-lib.sh" "$T/add/etc/bench-dom0-lib.sh"
install -m 755 "$BUILD/toolstack/pvctl" "$T/add/usr/sbin/pvctl"
install -m 755 "$mark" "$T/add/usr/sbin/pvprof-mark"

for hv in $HVS; do
	case $hv in
	xen) k=$T/out/xen.elf xl=1 extra= ;;
	*) k=$BUILD/pvisor.elf xl=0 extra=${PROFILE_PERFC:+perfc} ;;
	esac
	[ "$WINDOW" = create ] || xl=0
	printf 'XL=%d\nPERFC=%d\nWINDOW=%s\n' "$xl" "${PROFILE_PERFC:-0}" "$WINDOW" >"$T/add/bench.conf"
	ref_appended "$T/dom0-$hv.cpio.gz" "$T/out/dom0-initrd.gz" "$T/add"
	export PROF_OUT=$T/$hv.prof      # where the plugin writes its counts
	ref_boot --hv-args "$extra" --qemu-args "-icount shift=0 -plugin $so" "$hv" "$hv" 3000 "$T/dom0-$hv.cpio.gz" >/dev/null
	echo "domu-boot-profile: $hv boot took $REF_SECONDS s"
	grep -aq '^PROF-DONE' "$T/$hv.txt" || echo "domu-boot-profile: $hv: the dom0 script did not finish"
	grep -a '^PROF-NOTE\|^PROF-WINDOW\|^PROF-CPU' "$T/$hv.txt" | sed "s/^/$hv: /"
	n=1
	for tool in pvctl $([ "$xl" = 1 ] && echo xl); do
		case $WINDOW in
		destroy) echo "== $hv, $tool destroy" ;;
		create-returns) echo "== $hv, $tool create (warm) until it returns" ;;
		*) echo "== $hv, $tool create -> marker" ;;
		esac
		if [ -s "$T/$hv.prof.$n" ]; then
			python3 "$HERE/split.py" "$T/$hv.prof.$n" "$k" "$T/map-dom0" "$T/map-domu"
		else
			echo "(no window counts)"
		fi
		n=$((n + 2))
	done
done
[ -n "${PROFILE_KEEP:-}" ] && echo "domu-boot-profile: logs and counts in $T"
exit 0
