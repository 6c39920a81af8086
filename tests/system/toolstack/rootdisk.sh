#!/bin/bash
# timeout: 1500
# A domU with its root file system on its virtual disk, and what a crash
# mid-write leaves there; the same dom0 script (tests/linux/
# rootdisk-dom0-init.sh, pvctl on the reference stack's dom0) on Debian's
# Xen 4.17 and on pvisor. The disk is a Debian-made ext4 image
# (tests/linux/mkrootdisk.sh: mke2fs -d, busybox, the guest kernel's
# frontends), the config's disk = [ ... ]; the guest's initramfs loads xen-blkfront from its kernel's
# package and switch_roots to root=/dev/xvda. The first domU syncs known
# files and crashes (sysrq c) while a writer runs; e2fsck replays the
# journal of a copy and finds it clean; a second domU boots from the disk
# (the kernel replays the journal) and finds every synced file whole;
# e2fsck -fn of the disk is clean; no domain, loop device, vbd node or
# memory is left.
#   --hv xen|pvisor|both (default both)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/ref-stack-lib.sh"
. "$ROOT/tests/linux/split-test-lib.sh"
ref_start rootdisk "$@"
split_images || exit 1
split_dom0_image "$ROOT/tests/linux/rootdisk-dom0-init.sh" || exit 1

for hv in $HVS; do
	split_boot "$hv" 1200
	L=$T/$hv.txt
	grep -aq '^SD-DONE' "$L" || bad "$hv: the dom0 script did not finish"
	for s in create-rdwrite create-rdcheck fsck-after-replay fsck-final; do
		[ "$(sd_rc "$L" $s)" = 0 ] || bad "$hv: $s exit status '$(sd_rc "$L" $s)': $(sd_out "$L" $s | tail -2 | tr '\n' ' ')"
	done
	grep -aq '^SD-GUEST ROOTDISK-INITRD /dev/xvda after' "$L" || bad "$hv: the initramfs did not find /dev/xvda"
	up=$(grep -a '^SD-GUEST ROOT-UP' "$L" | head -1)
	case $up in *"/dev/xvda / ext4 rw"*) ;; *) bad "$hv: the first domU's / is not xvda read-write: '$up'" ;; esac
	synced=$(grep -a '^SD-GUEST ROOT-SYNCED' "$L" | awk '{print $3}')
	[ -n "$synced" ] || bad "$hv: the first domU did not sync its files"
	grep -aq '^SD-GUEST ROOT-CRASHING' "$L" || bad "$hv: the first domU did not reach its crash"
	grep -aq '^SD-GUEST ROOT-STILL-UP' "$L" && bad "$hv: sysrq c did not crash the first domU"
	[ "$(sd_check "$L" gone-rdwrite)" = 1 ] || bad "$hv: the crashed domU was not destroyed (on_crash)"
	c=$(sd_rc "$L" fsck-replay)
	case $c in 0|1) ;; *) bad "$hv: e2fsck -fy after the crash: exit $c: $(sd_out "$L" fsck-replay | tail -3 | tr '\n' ' ')" ;; esac
	sd_out "$L" fsck-replay | grep -aqi 'recovering journal' ||
		echo "note $hv: e2fsck had no journal to replay (the crash came after a commit)"
	chk=$(grep -a '^SD-GUEST ROOT-CHECK' "$L" | head -1)
	[ "$chk" = "SD-GUEST ROOT-CHECK-OK $synced files=4" ] || bad "$hv: synced files after the crash: '$chk' (synced $synced)"
	grep -aq '^SD-GUEST ROOT-READONLY' "$L" || bad "$hv: the second domU could not remount / read-only"
	[ "$(sd_check "$L" gone-rdcheck)" = 1 ] || bad "$hv: the second domU did not power off"
	[ "$(sd_check "$L" free-after)" = "$(sd_check "$L" free-before)" ] ||
		bad "$hv: free memory $(sd_check "$L" free-before) MiB before, $(sd_check "$L" free-after) after"
	[ "$(sd_check "$L" loops-attached-rdwrite)" = 1 ] || bad "$hv: loop devices on the disk while the first domU ran: '$(sd_check "$L" loops-attached-rdwrite)'"
	# the crashed (on_crash) and the powered-off domU take their disk with them
	for k in domains-left loops-left vbd-nodes-left loops-after-rdwrite loops-after-rdcheck \
	         vbd-nodes-after-rdwrite vbd-nodes-after-rdcheck; do
		[ "$(sd_check "$L" $k)" = 0 ] || bad "$hv: $k: '$(sd_check "$L" $k)'"
	done
	[ $hv = pvisor ] && ref_repeats "$L"
	rec=$(grep -a '^SD-GUEST ROOT-RECOVERY' "$L" | sed 's/.*EXT4-fs (xvda): *//')
	[ $fail = 0 ] && echo "ok   $hv: root on xvda ($(awk '{print $1, $2, $3, $4}' <<<"${up#SD-GUEST ROOT-UP }")); crash mid-write: e2fsck of a copy exit $c then clean; second domU: kernel '${rec:-no recovery line}', all 4 synced files whole; e2fsck -fn clean; nothing left"
done
ref_verdict
