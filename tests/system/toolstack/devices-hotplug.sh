#!/bin/bash
# timeout: 900
# The devices module end to end on Debian's Xen 4.17 (the reference dom0 of
# ../shared/reference/xen-stack): `xl create` of a domU with no devices,
# then pvdev (toolstack/devices, no hotplug scripts) creates xenbr0,
# hotplugs a file-backed disk (through a loop device it binds itself) and a
# vif, refuses a second writer of the disk; the guest writes and reads back
# a pattern on xvda and pings dom0 over the bridge; both are unplugged and
# nothing is left (loop devices, vifs, backend and frontend nodes).
#   --hv xen|pvisor|both (default both)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
T=${PVISOR_TEST_TMP:-$(mktemp -d /tmp/pvtest-dev.XXXXXX)}
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -x "$REF/build.sh" ] || REF=/work/shared/reference/xen-stack
export XA_WORK=${PVISOR_XL_WORK:-/tmp/pvisor-xl-stack}
HVS="xen pvisor"
[ "${1:-}" = --hv ] && HVS=$2
[ "$HVS" = both ] && HVS="xen pvisor"
SKIP=77

[ -x "$REF/build.sh" ] || { echo "skip: no reference stack (shared/reference/xen-stack)"; exit $SKIP; }
[ -x "$BUILD/toolstack/pvdev" ] || { echo "FAIL: $BUILD/toolstack/pvdev not built (make)"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit $SKIP; }

# The reference images (one build at a time in the shared directory), then
# a private copy of its dom0 tree with our /init, pvdev and guest.
cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
mkdir -p "$XA_WORK"
exec 9>"$XA_WORK/.lock"
flock 9
if ! "$T/ref/build.sh" >"$T/build.log" 2>&1; then
	tail -20 "$T/build.log"; echo "FAIL: building the reference stack images"; exit 1
fi
cp -a "$XA_WORK/x/ird-dom0" "$T/dom0"
cp -a "$XA_WORK/x/ird-guest" "$T/guest"
cp "$XA_WORK/out/vmlinuz-dom0" "$XA_WORK/out/xen.elf" "$T/"
flock -u 9
exec 9>&-
install -m 755 "$ROOT/tests/linux/devices-dom0-init.sh" "$T/dom0/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/dom0/etc/ref-dom0-bringup.sh"
install -m 755 "$BUILD/toolstack/pvdev" "$T/dom0/usr/bin/pvdev"
install -m 755 "$ROOT/tests/linux/devices-guest-init.sh" "$T/guest/init"
(cd "$T/guest" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1) >"$T/dom0/guest/initrd-dev.gz"
cat >"$T/dom0/etc/xen/devices-min.cfg" <<'CFG'
name     = "devices-min"
type     = "pv"
kernel   = "/guest/vmlinuz"
ramdisk  = "/guest/initrd-dev.gz"
extra    = "console=hvc0"
memory   = 128
vcpus    = 1
on_poweroff = "destroy"
on_reboot   = "destroy"
on_crash    = "destroy"
CFG
(cd "$T/dom0" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1) >"$T/dom0.cpio.gz"

HV_ARGS="console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
boot() {   # boot NAME IMAGE: the serial log in $T/NAME.txt
	local t0=$SECONDS
	timeout 600 qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$2" -append "$HV_ARGS" \
		-initrd "$T/vmlinuz-dom0 console=hvc0,$T/dom0.cpio.gz" </dev/null >/dev/null 2>&1
	echo "$1: QEMU exit $? after $((SECONDS - t0)) s"
	tr -d '\r' <"$T/$1.log" >"$T/$1.txt"
}

fail=0
bad() { echo "FAIL $*"; fail=1; }
for hv in $HVS; do
	case $hv in xen) boot xen "$T/xen.elf" ;; pvisor) boot pvisor "$BUILD/pvisor.elf" ;; esac
	L=$T/$hv.txt
	rc() { grep -a "^DEV-$1 rc=" "$L" | tail -1 | sed 's/.*rc=//'; }
	val() { grep -a "^DEV-CHECK $1 " "$L" | tail -1 | awk '{print $3}'; }
	has() { grep -aq "^DEV-GUEST $1" "$L"; }
	grep -aq '^DEV-DONE' "$L" || bad "$hv: the dom0 script did not finish"
	for s in network-create create block-attach network-attach block-detach network-detach destroy; do
		[ "$(rc $s)" = 0 ] || { bad "$hv: $s exit status '$(rc $s)'"; grep -a "^DEV-OUT $s:" "$L" | head -3; }
	done
	[ "$(rc block-attach-second-writer)" = 1 ] || bad "$hv: a second writer of the disk was not refused"
	grep -aq "^DEV-OUT block-attach-second-writer: disk /data/disk.img is in use by domain" "$L" ||
		bad "$hv: no clear line for the second writer: $(grep -a '^DEV-OUT block-attach-second-writer' "$L" | head -1)"
	[ "$(val loops-attached)" = 1 ] || bad "$hv: loop devices on the disk after attach: $(val loops-attached)"
	[ "$(val vif-in-bridge)" = 1 ] || bad "$hv: the vif is not a port of xenbr0"
	has GUEST-DISK-OK || bad "$hv: the guest did not read back its disk pattern ($(grep -a '^DEV-GUEST' "$L" | tr '\n' ' '))"
	[ "$(val disk-pattern)" = pvisor-devices-pattern-0 ] || bad "$hv: dom0's disk file does not hold the guest's pattern: '$(val disk-pattern)'"
	has GUEST-PING-OK || bad "$hv: the guest did not ping dom0 over the bridge"
	has "GUEST-MAC 00:16:3e:5a:00:02" || bad "$hv: the guest's MAC is not the one given"
	for k in loops-left vifs-left vbd-nodes-left vif-nodes-left frontend-nodes-left; do
		[ "$(val $k)" = 0 ] || bad "$hv: $k: $(val $k)"
	done
	[ $fail = 0 ] && echo "ok   $hv: xl create, then pvdev hotplugs a disk and a vif: pattern read back, ping over xenbr0, second writer refused, detached with nothing left"
done
if [ $fail = 0 ]; then
	echo "devices-hotplug: 1 passed, 0 failed"
else
	echo "devices-hotplug: 0 passed, 1 failed (logs: $T/*.txt)"
fi
exit $fail
