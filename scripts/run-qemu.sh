#!/bin/sh
# run-qemu.sh [--iso] [extra QEMU args...]
# Boots pvisor in QEMU (TCG) with the serial console on this terminal (Ctrl-A X
# quits QEMU). dom0 is Debian's kernel and the project's initramfs when they
# have been built (build/linux/), otherwise pvisor boots with no dom0.
# Environment: PVISOR_CPU (qemu64,+smep), PVISOR_SMP (1), PVISOR_MEM (2048),
# PVISOR_ARGS (hypervisor command line), DOM0_KERNEL, DOM0_ARGS, DOM0_INITRD.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
cpu=${PVISOR_CPU:-qemu64,+smep,+rdrand}
smp=${PVISOR_SMP:-1}
mem=${PVISOR_MEM:-2048}
hvargs=${PVISOR_ARGS:-console=com1 com1=115200 dom0_mem=512M}
kernel=${DOM0_KERNEL:-}
initrd=${DOM0_INITRD:-}
kargs=${DOM0_ARGS:-console=hvc0 earlyprintk=xen}
if [ -z "$kernel" ] && [ -f "$b/linux/vmlinuz-amd64" ]; then
  kernel=$b/linux/vmlinuz-amd64
  [ -f "$b/linux/initramfs-dom0.cpio.gz" ] && initrd=$b/linux/initramfs-dom0.cpio.gz
fi
use_iso=0
if [ "${1:-}" = "--iso" ]; then use_iso=1; shift; fi

set -- -nographic -no-reboot -m "$mem" -cpu "$cpu" -smp "$smp" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
echo "run: pvisor in QEMU (TCG, -cpu $cpu, -smp $smp, -m $mem); Ctrl-A X quits" >&2
if [ $use_iso = 1 ]; then
  exec qemu-system-x86_64 "$@" -cdrom "$b/pvisor.iso" -boot d
fi
if [ -n "$kernel" ]; then
  mods="$kernel $kargs"
  [ -n "$initrd" ] && mods="$mods,$initrd"
  exec qemu-system-x86_64 "$@" -kernel "$b/pvisor.elf" -append "$hvargs" -initrd "$mods"
fi
exec qemu-system-x86_64 "$@" -kernel "$b/pvisor.elf" -append "$hvargs"
