#!/bin/sh
# timeout: 60
# Command-line handling: loglvl= filters, unknown options are named,
# Debian's "placeholder" word is accepted silently, console=vga adds the
# VGA sink without losing serial.
. "$(dirname "$0")/../../lib/qemu.sh"

pv_boot loglvl-error -m 128 -kernel "$HV" -append "console=com1 loglvl=error"
expect_not 'selftest:' "info lines with loglvl=error"
expect_rc 1

pv_boot unknown -m 128 -kernel "$HV" -append "console=com1,vga placeholder frobnicate=3 noreboot"
expect "unknown command-line option 'frobnicate=3' ignored" "unknown option named"
expect_not "'placeholder'" "placeholder warning"
expect_not "'noreboot'" "noreboot is known"
expect 'Powering off \(status 0\)' "serial still works with console=com1,vga"
expect_rc 1

pv_boot bad-value -m 128 -kernel "$HV" -append "console=com1 selftest=maybe"
expect 'some command-line options had bad values' "bad value reported"
expect_rc 1
finish
