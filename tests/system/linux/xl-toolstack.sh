#!/bin/bash
# timeout: 900
# A real client the project did not write: Debian's xl/libxl with C
# xenstored and xenconsoled (the reference dom0 of
# ../shared/reference/xen-stack, Debian's 6.1 kernel) boots on Xen 4.17 and
# on pvisor under the same QEMU command line, and runs `xl info`, `xl list`,
# `xl dmesg` (and -c), then `xl create` of the minimal domU
# (tests/linux/xl-dom0-init.sh). Passes when pvisor's answers match Xen's:
# the same `xl info` keys with the same values except the ones listed in
# INFO_MAY_DIFFER (each with its reason), the same `xl list` line for
# Domain-0 (time aside), a hypervisor log for `xl dmesg` that `-c` empties,
# and the minimal domU's life: `xl create` returns 0, its marker reaches
# xenconsoled's log (C xenconsoled maps its console through grant 0, C
# xenstored its ring through grant 1), `xl list` shows it, `xl destroy`
# returns 0 and `xl list` then shows Domain-0 alone, with the same output
# on both.
#   PVISOR_XL_WORK=DIR   where the reference images are built (kept between runs)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/ref-stack-lib.sh"
ref_start xl-toolstack
ref_need built pvisor.elf

# ---- images: the reference build, with this test's dom0 /init appended
ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz || exit 1
ref_dom0_init "$T/dom0-add" "$ROOT/tests/linux/xl-dom0-init.sh"
ref_appended "$T/dom0-xl.cpio.gz" "$REF_IMG/out/dom0-initrd.gz" "$T/dom0-add"

raw_section() {   # raw_section HV NAME: the lines between XL-BEGIN and XL-END
	awk -v n="$2" '$0 == "XL-BEGIN " n {on = 1; next} on && index($0, "XL-END " n " ") == 1 {exit} on' "$T/$1.txt"
}
section() { ref_section "$T/$1.txt" XL "$2"; }   # section HV NAME: without the hypervisor's and the kernel's own lines
section_rc() { ref_rc "$T/$1.txt" XL "$2"; }

ref_boot xen xen 600 "$T/dom0-xl.cpio.gz"
ref_boot pvisor pvisor 600 "$T/dom0-xl.cpio.gz"

for hv in xen pvisor; do
	grep -aq '^XL-DONE' "$T/$hv.txt" || bad "$hv: the dom0 script did not finish"
	for s in info list dmesg dmesg-clear dmesg-after-clear; do
		rc=$(section_rc $hv $s)
		[ "$rc" = 0 ] || bad "$hv: xl $s exit status '${rc:-none}'"
	done
done

# ---- xl info: the same keys, the same values but for these
declare -A INFO_MAY_DIFFER=(
	[virt_caps]="pvisor runs PV guests with grant tables v1 only (Xen: pv hvm gnttab-v1 gnttab-v2)"
	[xen_scheduler]="pvisor reports the null scheduler: no per-domain parameters, as its own scheduler"
	[xen_caps]="no HVM guest types on pvisor (Xen adds hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64)"
	[hw_caps]="words of CPUID as each hypervisor leaves them"
	[cpu_mhz]="each hypervisor's own TSC calibration (checked within 2%)"
	[free_memory]="each hypervisor's own footprint (checked within 10%)"
	[total_memory]="RAM each counts (checked within 1%)"
	[xen_changeset]="build identity"
	[cc_compiler]="build identity"
	[cc_compile_by]="build identity"
	[cc_compile_domain]="build identity"
	[cc_compile_date]="build identity"
	[build_id]="build identity"
	[xen_extra]="pvisor's version suffix"
	[xen_version]="pvisor's version suffix"
)
kv() { section "$1" info | sed -n 's/^\([a-z_0-9]*\) *: \(.*\)$/\1=\2/p'; }
declare -A X P
while IFS='=' read -r k v; do X[$k]=$v; done < <(kv xen)
while IFS='=' read -r k v; do P[$k]=$v; done < <(kv pvisor)
[ ${#X[@]} -gt 20 ] || bad "xen: xl info printed ${#X[@]} fields"
near() {   # near A B PERCENT
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d * 100 <= b * p) }'
}
for k in "${!X[@]}"; do
	if [ -z "${P[$k]+set}" ]; then bad "xl info: pvisor has no '$k' (xen: ${X[$k]})"; continue; fi
	[ "${P[$k]}" = "${X[$k]}" ] && continue
	case $k in
	cpu_mhz) near "${P[$k]}" "${X[$k]}" 2 || bad "xl info cpu_mhz: pvisor ${P[$k]} xen ${X[$k]}" ;;
	free_memory) near "${P[$k]}" "${X[$k]}" 10 || bad "xl info free_memory: pvisor ${P[$k]} xen ${X[$k]}" ;;
	total_memory) near "${P[$k]}" "${X[$k]}" 1 || bad "xl info total_memory: pvisor ${P[$k]} xen ${X[$k]}" ;;
	esac
	if [ -n "${INFO_MAY_DIFFER[$k]+set}" ]; then
		echo "diff xl info $k: pvisor '${P[$k]}' xen '${X[$k]}' (${INFO_MAY_DIFFER[$k]})"
	else
		bad "xl info $k: pvisor '${P[$k]}' xen '${X[$k]}'"
	fi
done
for k in "${!P[@]}"; do
	[ -n "${X[$k]+set}" ] || bad "xl info: pvisor prints '$k' that xen does not"
done
[ $fail = 0 ] && ok "xl info: ${#X[@]} fields as on Xen (differences above are the listed ones)"

# ---- xl list: header and Domain-0 line (CPU time aside)
lx=$(section xen list); lp=$(section pvisor list)
[ "$(head -1 <<<"$lx")" = "$(head -1 <<<"$lp")" ] || bad "xl list header: '$(head -1 <<<"$lp")'"
d0() { awk '$1 == "Domain-0" {print $1, $2, $3, $4, $5}' <<<"$1"; }
if [ -n "$(d0 "$lx")" ] && [ "$(d0 "$lx")" = "$(d0 "$lp")" ]; then
	ok "xl list: $(d0 "$lp")"
else
	bad "xl list Domain-0: pvisor '$(d0 "$lp")' xen '$(d0 "$lx")'"
fi
[ "$(wc -l <<<"$lp")" = "$(wc -l <<<"$lx")" ] || bad "xl list: pvisor lists $(wc -l <<<"$lp") lines, xen $(wc -l <<<"$lx")"

# ---- xl list -l: dom0's configuration as libxl rebuilds it, the same but
# for the scheduler parameters (credit2's weight and cap on Xen)
nosched() { section "$1" list-long | grep -v '"sched": \|"weight": \|"cap": '; }
if [ "$(nosched xen)" = "$(nosched pvisor)" ] && [ "$(nosched xen | wc -l)" -gt 10 ]; then
	ok "xl list -l: $(nosched pvisor | wc -l) lines as on Xen (scheduler parameters aside)"
else
	bad "xl list -l differs:"; diff <(nosched xen) <(nosched pvisor) | head -20
fi

# ---- xl dmesg: the hypervisor's log, prefixed as it prints it; -c empties it
for hv in xen pvisor; do
	case $hv in xen) pre='^(XEN) ' ;; pvisor) pre='^(PV) ' ;; esac
	np=$(raw_section $hv dmesg | grep -ac "$pre")
	nc=$(raw_section $hv dmesg-clear | grep -ac "$pre")
	na=$(raw_section $hv dmesg-after-clear | grep -ac "$pre")
	echo "$hv: xl dmesg $np lines, xl dmesg -c $nc, then xl dmesg $na"
	[ "$np" -gt 10 ] || bad "$hv: xl dmesg shows $np hypervisor lines"
	[ "$nc" -ge "$np" ] || bad "$hv: xl dmesg -c showed $nc lines, fewer than xl dmesg ($np)"
	[ "$na" -le 2 ] || bad "$hv: xl dmesg after -c still shows $na lines"
done

# ---- the minimal domU: xl create returns 0, its marker reaches
# xenconsoled's log, xl list shows it, xl destroy returns 0, then xl list
# shows Domain-0 alone; on both, and pvisor's answers are Xen's
domu() { awk '$1 == "anchor-min" {print $1, $2, $3, $4}' <<<"$1"; }
for hv in xen pvisor; do
	for s in create destroy; do
		rc=$(section_rc $hv $s)
		[ "$rc" = 0 ] || { bad "$hv: xl $s exit status '${rc:-none}'"; section $hv $s | tail -5; }
	done
	section $hv console | grep -aq '^GUEST-MARKER-UP' || bad "$hv: no domU marker in xenconsoled's log"
	[ "$(section $hv grant-maps)" = "$(printf 'xenstored 1\nxenconsoled 1')" ] ||
		bad "$hv: grant maps of the daemons after create: $(section $hv grant-maps | tr '\n' ' ')"
	[ "$(section $hv grant-maps-after-destroy)" = "$(printf 'xenstored 0\nxenconsoled 0')" ] ||
		bad "$hv: grant maps after destroy: $(section $hv grant-maps-after-destroy | tr '\n' ' ')"
	l=$(section $hv list-after-create)
	[ -n "$(domu "$l")" ] || bad "$hv: xl list after create shows no anchor-min: $l"
	l=$(section $hv list-after-destroy)
	[ "$(awk 'NR > 1 {print $1}' <<<"$l")" = Domain-0 ] || bad "$hv: xl list after destroy: $l"
done
for s in create destroy; do
	[ "$(section xen $s)" = "$(section pvisor $s)" ] ||
		{ bad "xl $s printed differently:"; diff <(section xen $s) <(section pvisor $s) | head -10; }
done
dx=$(domu "$(section xen list-after-create)"); dp=$(domu "$(section pvisor list-after-create)")
[ "$dx" = "$dp" ] || bad "xl list domU: pvisor '$dp' xen '$dx'"
[ $fail = 0 ] && ok "xl create / console / list / destroy: $dp, marker seen, xenstored and xenconsoled each map one grant until destroy, then Domain-0 alone"

ref_verdict "$T/xen.txt, $T/pvisor.txt"
