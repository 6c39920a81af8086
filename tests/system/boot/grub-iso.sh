#!/bin/sh
# timeout: 180
# Boot pvisor through real GRUB2 from a CD image: the multiboot2 entry (with
# 512 MiB and 2 GiB) and the multiboot1 entry; same checks as -kernel.
. "$(dirname "$0")/../../lib/qemu.sh"

iso=$TMP/pvisor-test.iso
"$ROOT/scripts/mkiso.sh" "$iso" "$HV" "console=com1 com1=115200 loglvl=info" || { echo "FAIL: mkiso"; exit 1; }
iso1=$TMP/pvisor-test-mb1.iso
MKISO_DEFAULT=1 "$ROOT/scripts/mkiso.sh" "$iso1" "$HV" "console=com1 com1=115200" || { echo "FAIL: mkiso"; exit 1; }

for mem in 512 2048; do
  pv_boot "grub-mb2-${mem}M" -m $mem -cpu qemu64 -smp 2 -cdrom "$iso" -boot d
  expect '\(PV\) pvisor [0-9.]+ \(Xen 4.17 PV ABI\)' "banner via GRUB2"
  expect 'Boot loader: GRUB 2\.[0-9]+.* \(multiboot2\)' "multiboot2 handover from GRUB 2"
  expect 'Command line: console=com1 com1=115200 loglvl=info$' "command line without image name"
  expect 'Physical memory map \(multiboot2\)' "memory map"
  expect 'ACPI: RSDP' "ACPI tables found (from the multiboot2 RSDP tag)"
  expect 'selftest: page allocator OK' "allocator self-check"
  expect 'selftest: timer ticking' "timer"
  expect 'CPUs: 2 online' "both CPUs"
  expect 'Powering off \(status 0\)' "power-off"
  expect_rc 1
  expect_within 10
done

pv_boot grub-mb1 -m 512 -cpu max -cdrom "$iso1" -boot d
expect 'Boot loader: GRUB 2\.[0-9]+.* \(multiboot1\)' "multiboot1 handover from GRUB 2"
expect 'Command line: console=com1 com1=115200$' "multiboot1 command line"
expect 'Powering off \(status 0\)' "power-off"
expect_rc 1
finish
