#!/bin/bash
# timeout: 2400
# Disks and vifs from the config, end to end, with pvctl on pvisor and the
# same script on Debian's Xen 4.17 (the reference stack's dom0, C
# xenstored and xenconsoled; no xl, no hotplug scripts). Guests: Debian's
# cloud 6.1 kernel, busybox, xen-blkfront/xen-netfront from its package
# (tests/linux/devices-create-guest-init.sh); dom0: tests/linux/devices-create-dom0-init.sh.
#   - a domU writes a pattern to ext4 on its disk, syncs, powers off; its
#     monitor unplugs everything; two new domUs read it back from the
#     same disk shared read-only; e2fsck (Debian's) of the image is clean
#   - ping dom0 -> domU and back, 64 MiB TCP each way checked byte by byte
#   - two domUs talking over the bridge (ping, 16 MiB TCP)
#   - two disks and two vifs (two bridges) in one domU
#   - a second writer of the disk refused with one line and nothing left
#     (pvctl create, and block-attach by domain name)
#   - on_reboot="restart": the monitor moves the devices to the new domain
#   - 20 create/destroy cycles with a disk and a vif: no loop devices,
#     vifs, nodes, gntdev maps or memory left
#   --hv xen|pvisor|both (default both)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
T=${PVISOR_TEST_TMP:-$(mktemp -d /tmp/pvtest-devc.XXXXXX)}
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -x "$REF/build.sh" ] || REF=/work/shared/reference/xen-stack
export XA_WORK=${PVISOR_XL_WORK:-/tmp/pvisor-xl-stack}
HVS="xen pvisor"
[ "${1:-}" = --hv ] && HVS=$2
[ "$HVS" = both ] && HVS="xen pvisor"
SKIP=77

[ -x "$REF/build.sh" ] || { echo "skip: no reference stack (shared/reference/xen-stack)"; exit $SKIP; }
for f in pvisor.elf toolstack/pvctl tests/guests/shutdown.elf; do
	[ -f "$BUILD/$f" ] || { echo "FAIL: $BUILD/$f not built (make)"; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit $SKIP; }
for c in mke2fs e2fsck cc; do
	command -v $c >/dev/null || { echo "skip: no $c on the host"; exit $SKIP; }
done

# ---- images: the reference stack's, copied out under the lock other
# tests take on XA_WORK; ours appended (the kernel unpacks both archives)
exec 9>"$XA_WORK.lock"
flock 9
if [ ! -f "$XA_WORK/out/xen.elf" ] || [ ! -f "$XA_WORK/out/dom0-initrd.gz" ] || [ ! -f "$XA_WORK/out/guest-initrd.gz" ]; then
	cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
	"$T/ref/build.sh" >"$T/build.log" 2>&1 || { tail -20 "$T/build.log"; echo "FAIL: building the reference stack images"; exit 1; }
fi
OUT=$T/out
mkdir -p "$OUT"
cp "$XA_WORK/out/xen.elf" "$XA_WORK/out/vmlinuz-dom0" "$XA_WORK/out/dom0-initrd.gz" "$XA_WORK/out/guest-initrd.gz" "$OUT/" ||
	{ echo "FAIL: copying the reference images"; exit 1; }
flock -u 9
exec 9>&-
gzip -t "$OUT/dom0-initrd.gz" && gzip -t "$OUT/guest-initrd.gz" || { echo "FAIL: reference initramfs not whole"; exit 1; }

cc -static -O2 -Wall -o "$T/tcp-pattern" "$ROOT/tests/system/toolstack/tcp-pattern.c" ||
	{ echo "FAIL: building tcp-pattern"; exit 1; }
cpio_of() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1); }
G=$T/guest-add
mkdir -p "$G/bin"
install -m 755 "$ROOT/tests/linux/devices-create-guest-init.sh" "$G/init"
install -m 755 "$T/tcp-pattern" "$G/bin/tcp-pattern"
A=$T/dom0-add
mkdir -p "$A/usr/sbin" "$A/usr/bin" "$A/guest" "$A/data" "$A/opt/e2fs/lib"
install -m 755 "$ROOT/tests/linux/devices-create-dom0-init.sh" "$A/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$A/etc/ref-dom0-bringup.sh"
install -m 755 "$BUILD/toolstack/pvctl" "$A/usr/sbin/pvctl"
install -m 755 "$T/tcp-pattern" "$A/usr/bin/tcp-pattern"
install -m 644 "$BUILD/tests/guests/shutdown.elf" "$A/guest/shutdown.elf"
{ cat "$OUT/guest-initrd.gz"; cpio_of "$G"; } >"$A/guest/initrd-dc.gz"
# Debian's e2fsck (the host's, Debian 12 as the reference dom0) with its libraries
E2FSCK=$(command -v e2fsck)
cp -L "$E2FSCK" "$A/opt/e2fs/lib/e2fsck.bin"
ldd "$E2FSCK" | awk '/=> \// {print $3}' | grep -v '/libc\.so' | while read -r l; do cp -L "$l" "$A/opt/e2fs/lib/"; done
printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/e2fs/lib exec /opt/e2fs/lib/e2fsck.bin "$@"\n' >"$A/opt/e2fs/e2fsck"
chmod 755 "$A/opt/e2fs/e2fsck"
mke2fs -q -t ext4 -F -L pvdev "$A/data/disk.img" 32M || { echo "FAIL: mke2fs"; exit 1; }
{ cat "$OUT/dom0-initrd.gz"; cpio_of "$A"; } >"$T/dom0-dc.cpio.gz"

HV_ARGS="console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
boot() {   # boot NAME IMAGE: the serial log in $T/NAME.txt
	local t0=$SECONDS
	timeout 1100 qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$2" -append "$HV_ARGS" \
		-initrd "$OUT/vmlinuz-dom0 console=hvc0,$T/dom0-dc.cpio.gz" </dev/null >/dev/null 2>&1
	echo "$1: QEMU exit $? after $((SECONDS - t0)) s"
	tr -d '\r' <"$T/$1.log" >"$T/$1.txt"
}

fail=0
bad() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
for hv in $HVS; do
	case $hv in xen) boot xen "$OUT/xen.elf" ;; pvisor) boot pvisor "$BUILD/pvisor.elf" ;; esac
	L=$T/$hv.txt
	rc() { grep -a "^DC-$1 rc=" "$L" | tail -1 | sed 's/.*rc=//'; }
	out() { grep -a "^DC-OUT $1: " "$L" | sed "s/^DC-OUT $1: //"; }
	val() { grep -a "^DC-CHECK $1 " "$L" | tail -1 | cut -d' ' -f3-; }
	g() { grep -aq "^DC-GUEST $1 GUEST-$2" "$L"; }
	need() {   # need WHAT VALUE MESSAGE
		[ "$(val "$1")" = "$2" ] && ok "$hv: $3" || bad "$hv: $3: $1 is '$(val "$1")', not '$2'"
	}
	grep -aq '^DC-DONE' "$L" || bad "$hv: the dom0 script did not finish"
	for s in network-create network-create-1 create-w1 ping-domu create-m1 create-p1 fsck create-l1 destroy-l1; do
		[ "$(rc $s)" = 0 ] || bad "$hv: $s exit status '$(rc $s)': $(out $s | tail -2 | tr '\n' ' ')"
	done
	grep -aq '^DC-OUT create-w1: pvctl: domain [0-9]* runs; waiting for its 2 device' "$L" &&
		grep -aq '^DC-OUT create-w1: pvctl: disk xvda: Connected after' "$L" ||
		bad "$hv: create -v did not show the device phases"
	need w1-loops 1 "writer: one loop device"
	need w1-vif-in-bridge 1 "writer: its vif on xenbr0"
	need w1-vbd-state 4 "writer: disk Connected when create returned"
	for m in WRITE-OK PING-DOM0-OK; do g w1 $m && ok "$hv: writer: $m" || bad "$hv: writer: no GUEST-$m"; done
	for d in sent recv; do
		case "$(val tcp-dom0-$d)" in "TCP-PATTERN $d bytes=67108864 "*" ok") ok "$hv: dom0 $d 64 MiB: $(val tcp-dom0-$d)" ;;
		*) bad "$hv: dom0 $d: '$(val tcp-dom0-$d)'" ;; esac
	done
	grep -aq '^DC-GUEST w1 GUEST-TCP-RX TCP-PATTERN recv bytes=67108864 .* ok' "$L" &&
		grep -aq '^DC-GUEST w1 GUEST-TCP-TX TCP-PATTERN sent bytes=67108864 .* ok' "$L" &&
		ok "$hv: domU received and sent 64 MiB" || bad "$hv: domU TCP: $(grep -a '^DC-GUEST w1 GUEST-TCP' "$L" | tr '\n' ' ')"
	for k in w1-gone-loops w1-gone-vifs w1-gone-nodes; do need $k 0 "writer powered off, its monitor unplugged: $k"; done
	need readers-loops 3 "two readers: a loop device each on the shared disk, one for the scratch disk"
	need readers-vifs 3 "two readers: three vifs"
	for n in m1 p1; do
		for m in READ-OK RO-REFUSED PING-PEER-OK; do g $n $m && ok "$hv: $n: $m" || bad "$hv: $n: no GUEST-$m ($(grep -a "^DC-GUEST $n" "$L" | tr '\n' ' '))"; done
		g $n "XVDA ro=1" || bad "$hv: $n: xvda not read-only in the guest"
	done
	for m in XVDB-OK PING-ETH1-OK; do g m1 $m && ok "$hv: two disks and two vifs: $m" || bad "$hv: m1: no GUEST-$m"; done
	grep -aq '^DC-GUEST p1 GUEST-TCP-PEER TCP-PATTERN recv bytes=16777216 .* ok' "$L" &&
		ok "$hv: domU to domU over xenbr0: 16 MiB" || bad "$hv: domU to domU: $(grep -a 'GUEST-TCP-PEER' "$L" | tr '\n' ' ')"
	[ "$(rc create-w2-refused)" = 1 ] && [ "$(val w2-lines)" = 1 ] &&
		out create-w2-refused | grep -q '^pvctl: disk /data/disk.img is in use by domain' &&
		ok "$hv: second writer refused: $(out create-w2-refused)" ||
		bad "$hv: second writer: exit '$(rc create-w2-refused)', $(val w2-lines) lines: $(out create-w2-refused | head -2 | tr '\n' ' ')"
	need w2-left "0 0 0 0" "second writer: no domain, loop device, node or domain directory left"
	[ "$(rc block-attach-by-name)" = 1 ] && out block-attach-by-name | grep -q 'is in use by domain' &&
		ok "$hv: block-attach by name refuses the writer too" ||
		bad "$hv: block-attach p1: exit '$(rc block-attach-by-name)': $(out block-attach-by-name | head -1)"
	out fsck | grep -q 'pvdev: .* files' && ok "$hv: e2fsck clean: $(out fsck | tail -1)"
	[ "$(rc create-r1)" = 0 ] && [ "$(rc destroy-r1)" = 0 ] || bad "$hv: r1: create '$(rc create-r1)', destroy '$(rc destroy-r1)'"
	need r1-restarted 1 "on_reboot=restart with a disk and a vif: the restarted domain boots with its devices"
	need r1-new-domain 1 "restart: a new domain"
	need r1-devices "1 1 2" "restart: one loop device, one vif, one vbd and one vif directory (the old ones gone)"
	need r1-gone "0 0 0" "restarted domain destroyed: nothing left"
	need l1-connected "4 4 4 4" "create returned with both ends of the disk and the vif Connected"
	need l1-gone "0 0 0" "destroy of a running guest: no loop device, vif or node left"
	[ "$(rc create-c1-stops)" = 1 ] && [ "$(val c1-stops-lines)" = 1 ] &&
		out create-c1-stops | grep -q '^pvctl: domain [0-9]* stopped before disk xvda connected' &&
		ok "$hv: guest stopping before its devices connect: $(out create-c1-stops)" ||
		bad "$hv: create-c1-stops: exit '$(rc create-c1-stops)': $(out create-c1-stops | head -2 | tr '\n' ' ')"
	need c1-stops-left "0 0 0 0 0" "that failed create left no domain, loop device, node, domain directory or vif"
	need cycles 20 "20 create/destroy cycles with a disk and a vif"
	for k in end-loops end-vifs end-nodes end-frontends end-domains end-gntdev; do need $k 0 "after everything: $k"; done
	need free-after "$(val free-before)" "free memory back where it began ($(val free-before) MiB)"
done
if [ $fail = 0 ]; then
	echo "devices-create: 1 passed, 0 failed"
else
	echo "devices-create: 0 passed, 1 failed (logs: $T/*.txt)"
fi
exit $fail
