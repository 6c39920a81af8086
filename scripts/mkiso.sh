#!/bin/sh
# mkiso.sh OUT.iso HYPERVISOR "HV ARGS" [DOM0_KERNEL "DOM0 ARGS" [DOM0_INITRD]]
# A BIOS-bootable GRUB2 CD image whose default entry boots pvisor with
# multiboot2, the dom0 kernel and its initramfs as module2 lines (the same
# shape as Xen's GRUB entry).
set -eu
out=$1; hv=$2; hvargs=$3
kernel=${4:-}; kargs=${5:-}; initrd=${6:-}

stage=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$stage/boot/grub"
cp "$hv" "$stage/boot/pvisor.elf"
{
  echo 'set timeout=0'
  echo "set default=${MKISO_DEFAULT:-0}"
  echo 'serial --unit=0 --speed=115200'
  echo 'terminal_input serial console'
  echo 'terminal_output serial console'
  echo "menuentry 'pvisor (multiboot2)' {"
  echo '    insmod part_msdos'
  echo '    insmod iso9660'
  echo '    insmod multiboot2'
  echo "    multiboot2 /boot/pvisor.elf $hvargs"
  if [ -n "$kernel" ]; then
    cp "$kernel" "$stage/boot/dom0-kernel"
    echo "    module2 /boot/dom0-kernel $kargs"
    if [ -n "$initrd" ]; then
      cp "$initrd" "$stage/boot/dom0-initrd"
      echo "    module2 --nounzip /boot/dom0-initrd"
    fi
  fi
  echo '}'
  echo "menuentry 'pvisor (multiboot1)' {"
  echo '    insmod multiboot'
  echo "    multiboot /boot/pvisor.elf $hvargs"
  if [ -n "$kernel" ]; then
    echo "    module /boot/dom0-kernel $kargs"
    [ -n "$initrd" ] && echo "    module --nounzip /boot/dom0-initrd"
  fi
  echo '}'
} > "$stage/boot/grub/grub.cfg"
mkdir -p "$(dirname "$out")"
if ! grub-mkrescue -o "$out.tmp" "$stage" >"$log" 2>&1; then
  echo "mkiso: grub-mkrescue failed (needs grub-pc-bin, xorriso, mtools: make deps):" >&2
  tail -n 5 "$log" >&2
  exit 1
fi
mv "$out.tmp" "$out"
