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
. "$ROOT/tests/linux/ref-stack-lib.sh"
ref_start devices-create "$@"
ref_need built pvisor.elf toolstack/pvctl tests/guests/shutdown.elf host mke2fs e2fsck cc
# ---- images: the reference stack's; ours appended (the kernel unpacks both archives)
ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz out/guest-initrd.gz || exit 1
OUT=$REF_IMG/out

cc -static -O2 -Wall -o "$T/tcp-pattern" "$ROOT/tests/system/toolstack/tcp-pattern.c" ||
	{ echo "FAIL: building tcp-pattern"; exit 1; }
G=$T/guest-add
mkdir -p "$G/bin"
install -m 755 "$ROOT/tests/linux/devices-create-guest-init.sh" "$G/init"
install -m 755 "$T/tcp-pattern" "$G/bin/tcp-pattern"
A=$T/dom0-add
mkdir -p "$A/usr/sbin" "$A/usr/bin" "$A/guest" "$A/data" "$A/opt/e2fs/lib"
ref_dom0_init "$A" "$ROOT/tests/linux/devices-create-dom0-init.sh"
install -m 755 "$BUILD/toolstack/pvctl" "$A/usr/sbin/pvctl"
install -m 755 "$T/tcp-pattern" "$A/usr/bin/tcp-pattern"
install -m 644 "$BUILD/tests/guests/shutdown.elf" "$A/guest/shutdown.elf"
ref_appended "$A/guest/initrd-dc.gz" "$OUT/guest-initrd.gz" "$G"
# Debian's e2fsck (the host's, Debian 12 as the reference dom0) with its libraries
E2FSCK=$(command -v e2fsck)
cp -L "$E2FSCK" "$A/opt/e2fs/lib/e2fsck.bin"
ldd "$E2FSCK" | awk '/=> \// {print $3}' | grep -v '/libc\.so' | while read -r l; do cp -L "$l" "$A/opt/e2fs/lib/"; done
printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/e2fs/lib exec /opt/e2fs/lib/e2fsck.bin "$@"\n' >"$A/opt/e2fs/e2fsck"
chmod 755 "$A/opt/e2fs/e2fsck"
mke2fs -q -t ext4 -F -L pvdev "$A/data/disk.img" 32M || { echo "FAIL: mke2fs"; exit 1; }
ref_appended "$T/dom0-dc.cpio.gz" "$OUT/dom0-initrd.gz" "$A"

for hv in $HVS; do
	ref_boot "$hv" "$hv" 1100 "$T/dom0-dc.cpio.gz"
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
ref_verdict
