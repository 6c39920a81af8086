#!/bin/bash
# timeout: 240
# weight: 2
# Debian's stock kernel boots as PV dom0 on pvisor, reaches the project's
# /init, passes its checks and workload (tests/linux/init.sh) and powers
# off: QEMU must exit with status 1 (isa-debug-exit, SHUTDOWN_poweroff),
# with no per-domain "(PV) dN:" line and no warning/error line beyond the
# commented allow-list tests/linux/hv-lines.allow; one vCPU under -cpu
# qemu64,+smep and two vCPUs (-smp 2, dom0_max_vcpus=2) under -cpu max,
# both at once. dom0-on-xen runs the same on Xen 4.17.
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
exec "$ROOT/tests/linux/boot-cpus.sh" pvisor "qemu64,+smep max@2" "$@"
