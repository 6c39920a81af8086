#!/bin/sh
# run-qemu.sh [--iso] [extra QEMU args...]
# Boots pvisor in QEMU (TCG, no network) with the serial console on this
# terminal: dom0 is make dom0's image (build/dom0/vmlinuz, initrd.gz) when
# built, and its init leaves you at a shell (Ctrl-A X quits QEMU at any
# time). dom0's `poweroff` ends QEMU and this script with status 0; a
# hypervisor panic gives 255, anything else QEMU's own status.
# Environment: PVISOR_CPU (qemu64,+smep,+rdrand), PVISOR_SMP (1), PVISOR_MEM
# (2048), PVISOR_ARGS (hypervisor command line), DOM0_KERNEL, DOM0_ARGS,
# DOM0_INITRD.
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
if [ -z "$kernel" ] && [ -f "$b/dom0/vmlinuz" ]; then
  kernel=$b/dom0/vmlinuz
  [ -f "$b/dom0/initrd.gz" ] && initrd=$b/dom0/initrd.gz
fi
use_iso=0
if [ "${1:-}" = "--iso" ]; then use_iso=1; shift; fi

set -- -nographic -no-reboot -nic none -m "$mem" -cpu "$cpu" -smp "$smp" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
echo "run: pvisor in QEMU (TCG, -cpu $cpu, -smp $smp, -m $mem); dom0's shell comes up in about a minute; Ctrl-A X quits" >&2
status=0
if [ $use_iso = 1 ]; then
  qemu-system-x86_64 "$@" -cdrom "$b/pvisor.iso" -boot d || status=$?
elif [ -n "$kernel" ]; then
  mods="$kernel $kargs"
  [ -n "$initrd" ] && mods="$mods,$initrd"
  qemu-system-x86_64 "$@" -kernel "$b/pvisor.elf" -append "$hvargs" -initrd "$mods" || status=$?
else
  qemu-system-x86_64 "$@" -kernel "$b/pvisor.elf" -append "$hvargs" || status=$?
fi
# isa-debug-exit: QEMU exits with (code << 1) | 1; dom0's power-off is code 0
case $status in
0|1) exit 0 ;;
255) echo "run: pvisor panicked (see the log above)" >&2; exit 255 ;;
*) echo "run: QEMU exited with status $status (dom0 shutdown code $(((status - 1) / 2)))" >&2; exit "$status" ;;
esac
