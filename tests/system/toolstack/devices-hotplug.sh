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
. "$ROOT/tests/linux/ref-stack-lib.sh"
ref_start devices-hotplug "$@"
ref_need built toolstack/pvdev

# The reference images with an archive of ours appended to each initramfs
# (the kernel unpacks both): our /init, pvdev and the guest's /init.
ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz out/guest-initrd.gz || exit 1
A=$T/dom0-add G=$T/guest-add
ref_dom0_init "$A" "$ROOT/tests/linux/devices-dom0-init.sh"
install -D -m 755 "$BUILD/toolstack/pvdev" "$A/usr/bin/pvdev"
install -D -m 755 "$ROOT/tests/linux/devices-guest-init.sh" "$G/init"
mkdir -p "$A/guest" "$A/etc/xen"
ref_appended "$A/guest/initrd-dev.gz" "$REF_IMG/out/guest-initrd.gz" "$G"
cat >"$A/etc/xen/devices-min.cfg" <<'CFG'
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
ref_appended "$T/dom0.cpio.gz" "$REF_IMG/out/dom0-initrd.gz" "$A"

for hv in $HVS; do
	ref_boot "$hv" "$hv" 600 "$T/dom0.cpio.gz"
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
ref_verdict
