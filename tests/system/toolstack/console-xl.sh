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
#   PVISOR_XL_WORK=DIR  where the reference images are built (kept)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/ref-stack-lib.sh"
ref_start console-xl
HVS=${PVISOR_CONSOLE_HV:-xen pvisor}
ref_need built toolstack/pvconsoled pvisor.elf

# ---- images: the reference build plus an appended archive with pvconsoled and our /init
ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz || exit 1
install -D -m 755 "$BUILD/toolstack/pvconsoled" "$T/overlay/usr/sbin/pvconsoled"
ref_dom0_init "$T/overlay" "$ROOT/tests/linux/console-dom0-init.sh"
ref_appended "$T/dom0-console.cpio.gz" "$REF_IMG/out/dom0-initrd.gz" "$T/overlay"

section() { ref_section "$T/$1.txt" CONS "$2"; }   # section HV NAME: its lines without the hypervisor's and the kernel's
rc_of() { ref_rc "$T/$1.txt" CONS "$2"; }

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

for hv in $HVS; do
	ref_boot "$hv" "$hv" 700 "$T/dom0-console.cpio.gz"
	judge "$hv" || fail=1
done
ref_verdict
