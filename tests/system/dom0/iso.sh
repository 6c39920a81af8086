#!/bin/bash
# timeout: 600
# weight: 1
# `make iso` packs make dom0's image: the CD's dom0 kernel and initramfs
# are build/dom0/vmlinuz and build/dom0/initrd.gz byte for byte, and the
# CD boots through GRUB2 to dom0's shell (banner, "dom0# "); `poweroff`
# typed there powers the machine off.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/dom0-image-lib.sh"
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
BOOT_S=${PVISOR_ISO_BOOT_S:-300}   # to the prompt, on a loaded TCG host

image_make "$tmp/make.log" "make iso" iso
command -v xorriso >/dev/null || { echo "skip: no xorriso (make deps)"; exit $SKIP; }
fail=0
for f in dom0-kernel:vmlinuz dom0-initrd:initrd.gz; do
  xorriso -osirrox on -indev "$BUILD/pvisor.iso" -extract "/boot/${f%%:*}" "$tmp/${f%%:*}" >/dev/null 2>&1
  if cmp -s "$tmp/${f%%:*}" "$BUILD/dom0/${f#*:}"; then echo "ok   /boot/${f%%:*} is build/dom0/${f#*:}"
  else echo "FAIL /boot/${f%%:*} of build/pvisor.iso is not build/dom0/${f#*:}"; fail=1; fi
done
[ $fail = 0 ] || exit 1

shell_start "$tmp/iso.out" timeout $((BOOT_S + 120)) qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 -nographic \
  -no-reboot -nic none -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -cdrom "$BUILD/pvisor.iso" -boot d
shell_prompt "$BOOT_S" "from the CD"
shell_lines | grep -a -m1 'Boot loader: GRUB'
shell_lines | grep -a -m1 'PVISOR-DOM0-UP'
shell_poweroff QEMU
# pvisor powers off through isa-debug-exit: (0 << 1) | 1
if [ $SHELL_RC != 1 ] || ! shell_lines | grep -aq 'dom0: poweroff'; then
  echo "FAIL: QEMU exit $SHELL_RC after poweroff (want 1: dom0's power-off)"; shell_lines | tail -10; exit 1
fi
echo "PASS: make iso packs make dom0's image; GRUB2 boots it to dom0's shell; poweroff"
