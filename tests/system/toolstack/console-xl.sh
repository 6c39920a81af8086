#!/bin/bash
# timeout: 1500
# weight: 2
# pvconsoled as the console daemon of Debian's Xen 4.17 toolstack (the
# reference dom0 of ../shared/reference/xen-stack, xenconsoled left out):
# `xl create` of the minimal domU, its boot output in
# /var/log/pvisor/console/anchor-min.log, console/tty a pty that
# `xl console` reads, input typed through `pvconsoled --attach` reaching
# the guest (its tty echoes it into the log), and destroy plus three
# create/poweroff cycles leaving pvconsoled's fds and mappings where they
# were (tests/linux/console-dom0-init.sh does the dom0 side).
# Judged on Xen 4.17 and on pvisor (PVISOR_CONSOLE_HV=xen or =pvisor runs
# one of them).
#   PVISOR_CONSOLE_WORK=DIR  where the reference images are built (kept)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
T=${PVISOR_TEST_TMP:-$(mktemp -d /tmp/pvtest-console.XXXXXX)}
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -x "$REF/build.sh" ] || REF=/work/shared/reference/xen-stack
export XA_WORK=${PVISOR_CONSOLE_WORK:-/tmp/pvisor-console-stack}
HVS=${PVISOR_CONSOLE_HV:-xen pvisor}
SKIP=77

[ -x "$REF/build.sh" ] || { echo "skip: no reference stack (shared/reference/xen-stack)"; exit $SKIP; }
[ -x "$BUILD/toolstack/pvconsoled" ] || { echo "FAIL: $BUILD/toolstack/pvconsoled not built (make)"; exit 1; }
[ -f "$BUILD/pvisor.elf" ] || { echo "FAIL: $BUILD/pvisor.elf not built (make)"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit $SKIP; }

# ---- images: the reference build plus an appended archive with pvconsoled and our /init
cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
# one build at a time in XA_WORK (another worktree's test may share it);
# the images are copied out under the lock so a later build cannot change them
mkdir -p "$XA_WORK" "$T/out"
if ! flock "$XA_WORK.lock" sh -c '"$1/ref/build.sh" >"$1/build.log" 2>&1 &&
	cp "$XA_WORK/out/xen.elf" "$XA_WORK/out/vmlinuz-dom0" "$XA_WORK/out/dom0-initrd.gz" "$1/out/"' sh "$T"; then
	tail -20 "$T/build.log"
	echo "FAIL: building the reference stack images"
	exit 1
fi
OUT=$T/out
mkdir -p "$T/overlay/usr/sbin"
install -m 755 "$BUILD/toolstack/pvconsoled" "$T/overlay/usr/sbin/pvconsoled"
install -m 755 "$ROOT/tests/linux/console-dom0-init.sh" "$T/overlay/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/overlay/etc/ref-dom0-bringup.sh"
(cd "$T/overlay" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1) >"$T/overlay.cpio.gz"
cat "$OUT/dom0-initrd.gz" "$T/overlay.cpio.gz" >"$T/dom0-console.cpio.gz"

HV_ARGS="console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
boot() {   # boot NAME IMAGE: the serial log in $T/NAME.txt
	local t0=$SECONDS
	timeout 700 qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$2" -append "$HV_ARGS" \
		-initrd "$OUT/vmlinuz-dom0 console=hvc0,$T/dom0-console.cpio.gz" </dev/null >/dev/null 2>&1
	echo "$1: QEMU exit $? after $((SECONDS - t0)) s"
	tr -d '\r' <"$T/$1.log" >"$T/$1.txt"
}
section() {   # section HV NAME: its lines without the hypervisor's and the kernel's
	awk -v n="$2" '$0 == "CONS-BEGIN " n {on = 1; next} on && index($0, "CONS-END " n " ") == 1 {exit} on' "$T/$1.txt" |
		grep -av '^(XEN)\|^(PV)\|^\[ *[0-9]*\.[0-9]*\]'
}
rc_of() { grep -a "^CONS-END $2 " "$T/$1.txt" | sed 's/.*rc=//'; }

judge() {   # judge HV: the checks, one line each; returns the failures
	local hv=$1 f=0 r0 r1 r2
	bad() { echo "FAIL $hv: $*"; f=$((f + 1)); }
	ok() { echo "ok   $hv: $*"; }
	grep -aq '^CONS-DONE' "$T/$hv.txt" || bad "the dom0 script did not finish"
	[ "$(rc_of $hv start)" = 0 ] && ok "pvconsoled started" || bad "pvconsoled start: rc '$(rc_of $hv start)'"
	[ "$(rc_of $hv create)" = 0 ] && ok "xl create" || bad "xl create rc '$(rc_of $hv create)': $(section $hv create | tail -3 | tr '\n' ' ')"
	section $hv log | grep -aq GUEST-MARKER-UP && ok "boot output (GUEST-MARKER-UP) in anchor-min.log" ||
		bad "no GUEST-MARKER-UP in anchor-min.log"
	[ "$(rc_of $hv tty)" = 0 ] && ok "console/tty: $(section $hv tty | sed -n 's/^tty=//p')" || bad "console/tty: $(section $hv tty | tr '\n' ' ')"
	[ "$(rc_of $hv xl-console)" = 0 ] && ok "xl console shows the boot output" || bad "xl console did not show GUEST-MARKER-UP"
	[ "$(rc_of $hv input-echo)" = 0 ] && ok "input through pvconsoled --attach reached the guest (echo in the log)" ||
		bad "typed input not echoed by the guest"
	[ "$(rc_of $hv attach-output)" = 0 ] && ok "the attach client showed the echo" || bad "attach client output lacks the echo"
	r0=$(section $hv resources-before); r1=$(section $hv resources-after-destroy); r2=$(section $hv resources-after-cycles)
	echo "     $hv: pvconsoled before: $r0; running: $(section $hv resources-running); after destroy: $r1; after cycles: $r2"
	[ -n "$r0" ] && [ "$r0" = "$r1" ] && [ "$r0" = "$r2" ] && ok "no fd or mapping left behind" || bad "resources differ"
	[ "$(section $hv cycle-logs)" = 3 ] && ok "3 create/poweroff cycles logged" || bad "cycle logs: '$(section $hv cycle-logs)' of 3"
	[ "$(rc_of $hv alive)" = 0 ] && ok "pvconsoled still running" || bad "pvconsoled died"
	section $hv daemon-log | sed "s/^/     $hv daemon: /" | head -20
	return $f
}

fail=0
for hv in $HVS; do
	case $hv in
	xen) boot xen "$OUT/xen.elf"; judge xen || fail=1 ;;
	pvisor) boot pvisor "$BUILD/pvisor.elf"; judge pvisor || fail=1 ;;
	esac
done
if [ $fail = 0 ]; then
	echo "console-xl: 1 passed, 0 failed"
else
	echo "console-xl: 0 passed, 1 failed (logs: $T/*.txt)"
fi
exit $fail
