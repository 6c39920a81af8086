#!/bin/bash
# timeout: 240
# weight: 2
# Debian's stock kernel boots as PV dom0 on pvisor, reaches the project's
# /init, passes its checks and workload (tests/linux/init.sh) and powers
# off: QEMU must exit with status 1 (isa-debug-exit, SHUTDOWN_poweroff),
# with no "(PV) ... warning/error" line, under -cpu qemu64,+smep and
# -cpu max (both at once). dom0-on-xen runs the same on Xen 4.17.
#
# Gate: pvisor cannot boot Linux yet, so this test skips (77) unless
#   PVISOR_LINUX_READY=1 is set, or the file $PVISOR_BUILD/pvisor.linux-ready
#   exists (the hypervisor build can create it once dom0 Linux works).
# When it always passes, delete this gate.
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
if [ "${PVISOR_LINUX_READY:-0}" != 1 ] && [ ! -e "$BUILD/pvisor.linux-ready" ]; then
  echo "pvisor cannot boot Linux yet (set PVISOR_LINUX_READY=1 or create $BUILD/pvisor.linux-ready to run this test)"
  exit 77
fi
exec "$ROOT/tests/linux/boot-cpus.sh" pvisor "qemu64,+smep max" "$@"
