#!/bin/bash
# timeout: 3600
# What can go wrong with a virtual disk (issue 15 §4), the same dom0
# script (tests/linux/split-failures-dom0-init.sh, pvctl on the reference
# stack's dom0) on Debian's Xen 4.17 and on pvisor: a second disk hotplugged
# and unplugged twice while the guest reads it; its file truncated and
# deleted under the reading guest (the guest goes on, detach works); the
# guest destroyed with reads in flight; a second domU trying to map and
# copy every grant ref of the reading guest, which has a vif on a bridge
# too (refused, while its own self-grant maps); a guest without xen-blkfront
# (block-attach gives up after its bounded wait with one line); a backend
# refusing persistent grants and discard (the guest still does I/O). After
# each: no loop device, vbd node or domain left; at the end free memory is
# back (a grant left mapped would hold a dead domain's pages).
#   --hv xen|pvisor|both (default both)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/ref-stack-lib.sh"
. "$ROOT/tests/linux/split-test-lib.sh"
ref_start split-failures "$@"
split_images || exit 1
split_dom0_image "$ROOT/tests/linux/split-failures-dom0-init.sh" || exit 1

for hv in $HVS; do
	split_boot "$hv" 1700
	L=$T/$hv.txt
	f0=$fail
	c() { sd_check "$L" "$1"; }
	grep -aq '^SD-DONE' "$L" || bad "$hv: the dom0 script did not finish"
	for s in network-create create-sfread hot-attach-1 hot-detach-1 hot-attach-2 hot-detach-2 hot-attach-3 create-sfsteal \
	         detach-vanished hot-attach-4 destroy-inflight create-sfnofront create-sffeat; do
		[ "$(sd_rc "$L" $s)" = 0 ] || bad "$hv: $s exit status '$(sd_rc "$L" $s)': $(sd_out "$L" $s | tail -2 | tr '\n' ' ')"
	done
	sum=$(c hot-sum)
	# hotplug while reading
	for r in 1 2; do
		case $(c read-after-attach-$r) in *"errors=0 sum=$sum") ;; *) bad "$hv: read after attach $r: '$(c read-after-attach-$r)' (whole disk: $sum)" ;; esac
		case $(c read-after-detach-$r) in *absent*) ;; *) bad "$hv: xvdb still there after detach $r: '$(c read-after-detach-$r)'" ;; esac
		[ "$(c loops-hot-after-detach-$r)" = 0 ] || bad "$hv: loop devices on hot.img after detach $r: $(c loops-hot-after-detach-$r)"
	done
	[ $fail = $f0 ] && ok "$hv: xvdb attached and detached twice while the guest read it: whole reads, then absent, no loop device left"
	# the file vanishes
	f1=$fail
	v=$(c read-after-vanish)
	case $v in *"sum=$sum") bad "$hv: the guest still read the whole disk after its file was truncated: '$v'" ;; ROOT-READ*) ;; *) bad "$hv: no read after the file vanished: '$v'" ;; esac
	[ "$(c loops-after-vanish)" = 0 ] || bad "$hv: loop devices after detaching the vanished disk: $(c loops-after-vanish)"
	[ "$(c alive-after-vanish)" = 1 ] || bad "$hv: the guest stopped after its disk file vanished"
	[ $fail = $f1 ] && ok "$hv: disk file truncated and deleted under the reading guest: it read '${v#ROOT-READ }', went on, detach worked, loop device freed"
	# another domain's grants
	f1=$fail
	st=$(grep -a '^SD-GUEST ROOT-STEAL' "$L" | head -1)
	case $st in *"self-map=1 self-copy=1 tried=2048 mapped=0 copied=0") ;; *) bad "$hv: a domU going for another's grants: '$st'" ;; esac
	[ "$(c alive-after-steal)" = 1 ] || bad "$hv: the victim stopped reading after the attempt"
	grep -aq '^SD-GUEST ROOT-NET ping-ok' "$L" || bad "$hv: the reading guest's vif did not ping dom0: '$(grep -a '^SD-GUEST ROOT-NET' "$L")'"
	[ $fail = $f1 ] && ok "$hv: a domU mapped/copied none of the grant refs 0-2047 (its table and past it) of a domU reading its disk with a vif up (its own self-grant: mapped and copied)"
	# destroy in flight
	f1=$fail
	[ "$(c gone-sfread)" = 1 ] || bad "$hv: the guest destroyed with reads in flight is still listed"
	[ "$(c loops-after-destroy)" = 0 ] || bad "$hv: loop devices after destroying the reading guest: $(c loops-after-destroy)"
	for k in vbd-nodes-after-destroy vif-nodes-after-destroy vifs-after-destroy; do
		[ "$(c $k)" = 0 ] || bad "$hv: destroy with I/O in flight left $k: $(c $k)"
	done
	[ $fail = $f1 ] && ok "$hv: destroyed with reads in flight: gone, no loop device left"
	# no frontend
	f1=$fail
	for w in create-nofront attach-nofront; do
		o=$(sd_out "$L" $w | grep -v '^pvctl: .* after [0-9.]* s$')
		n=$(grep -c . <<<"$o")
		[ "$(sd_rc "$L" $w)" = 1 ] && [ "$n" = 1 ] && grep -q 'frontend still .* xen-blkfront' <<<"$o" ||
			bad "$hv: $w to a guest without blkfront: exit $(sd_rc "$L" $w), $n lines: $o"
	done
	[ "$(c loops-after-create-nofront)" = 0 ] && [ "$(c vbd-nodes-after-create-nofront)" = 0 ] && [ "$(c gone-create-nofront)" = 1 ] ||
		bad "$hv: after create gave up on the frontend: loops $(c loops-after-create-nofront), vbd nodes $(c vbd-nodes-after-create-nofront), gone $(c gone-create-nofront)"
	[ "$(c loops-after-nofront)" = 0 ] && [ "$(c vbd-nodes-after-nofront)" = 0 ] ||
		bad "$hv: after block-attach gave up on the frontend: loops $(c loops-after-nofront), vbd nodes $(c vbd-nodes-after-nofront)"
	[ "$(c gone-sfnofront)" = 1 ] || bad "$hv: the guest without blkfront did not power off"
	grep -aq '^SD-GUEST ROOTDISK-INITRD no /dev/xvda after 40 s' "$L" || bad "$hv: the guest's initramfs did not give up on xvda with its line"
	[ $fail = $f1 ] && ok "$hv: no frontend: create and block-attach each end with '$(sd_out "$L" attach-nofront | head -1)' (exit 1), nothing left"
	# features refused
	f1=$fail
	[ "$(c feat-discard-node)" = 0 ] || bad "$hv: discard-enable is '$(c feat-discard-node)' for a no-discard disk"
	ft=$(grep -a '^SD-GUEST ROOT-FEATURES ' "$L" | head -1)
	case $ft in *"discard_max_bytes=0 "*"persistent grants: disabled"*) ;; *) bad "$hv: the guest's view of refused features: '$ft'" ;; esac
	grep -aq '^SD-GUEST ROOT-FEATURES-IO-OK' "$L" || bad "$hv: the guest's I/O without persistent grants or discard"
	[ "$(c gone-sffeat)" = 1 ] || bad "$hv: the features guest did not power off"
	[ $fail = $f1 ] && ok "$hv: backend without persistent grants and discard: guest I/O whole (${ft#SD-GUEST ROOT-FEATURES })"
	if [ $hv = pvisor ]; then
		# gntsteal's refusals, rate-limited, are what it provokes
		ref_repeats "$L" 'grant (map|copy|pin) refused|guest-caused messages suppressed'
	fi
	# nothing left
	[ "$(c free-after)" = "$(c free-before)" ] || bad "$hv: free memory $(c free-before) MiB before, $(c free-after) after"
	for k in domains-left loops-left vbd-nodes-left vif-nodes-left vifs-left; do
		[ "$(c $k)" = 0 ] || bad "$hv: $k: '$(c $k)'"
	done
done
ref_verdict
