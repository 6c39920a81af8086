#!/bin/sh
# timeout: 60
# Without isa-debug-exit the hypervisor powers off like on real hardware:
# ACPI S5 through the FADT's PM1a control block; QEMU then exits with 0.
. "$(dirname "$0")/../../lib/qemu.sh"

pv_boot_nodebugexit acpi-s5 -m 256 -cpu qemu64 -smp 2 -kernel "$HV" -append "console=com1"
expect 'ACPI: power-off via PM1a_CNT 0x[0-9a-f]+, SLP_TYP 0' "S5 values from FADT and DSDT"
expect_not 'isa-debug-exit' "debug-exit detection on a machine without it"
expect 'Powering off \(status 0\)' "power-off"
expect_not 'ACPI power-off did not work' "S5 failure"
expect_rc 0
finish
