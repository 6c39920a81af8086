#!/bin/sh
# timeout: 120
# Speculative-execution mitigations (docs/security.md): spec-ctrl= is
# parsed with Xen's names, and guests run unchanged with VERW on every
# return to them (forced with md-clear=1: TCG offers no MD_CLEAR) and with
# everything off.
. "$(dirname "$0")/../../lib/qemu.sh"
GUEST=$PVISOR_BUILD/tests/guests/exceptions.elf
[ -f "$GUEST" ] || fail "missing $GUEST (make guests)"
run() {
	name=$1; args=$2
	pv_boot "$name" -m 256 -cpu qemu64,+smep -kernel "$HV" \
		-append "console=com1 dom0_mem=64M noreboot $args" -initrd "$GUEST"
	expect 'RESULT exceptions: [0-9]+ passed, 0 failed' "$name: the guest passes"
	expect_rc 1
}
run verw "spec-ctrl=md-clear=1"
expect 'Speculation: VERW on guest exit on' "VERW forced on"
run all-off "spec-ctrl=no"
expect 'Speculation: VERW on guest exit not needed' "VERW off"
run default ""
expect 'Speculation: VERW on guest exit not needed or not offered, IBPB on domain switch not offered' \
	"TCG: nothing to do by default"
pv_boot bad -m 128 -kernel "$HV" -append "console=com1 spec-ctrl=md-clear=perhaps,bogus"
expect 'some command-line options had bad values' "bad spec-ctrl value reported"
expect_rc 1
finish
