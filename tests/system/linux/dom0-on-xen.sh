#!/bin/bash
# timeout: 240
# weight: 2
# Debian's stock kernel as PV dom0 on Debian's own Xen 4.17: the oracle for
# dom0-on-pvisor. Same kernel, initramfs, workload and QEMU command line;
# if this fails, the fault is in the test chain (packages, initramfs,
# /init, tests/linux/boot-dom0.sh), not in pvisor. Boots once per CPU model,
# both at once: qemu64,+smep, and max without SMAP/PKU/LA57 (with them, Xen
# 4.17's dom0 dies in create_bounce_frame under QEMU 7.2 TCG).
# Skips (77) only when the Debian packages cannot be fetched.
here=$(cd "$(dirname "$0")/../../linux" && pwd)
exec "$here/boot-cpus.sh" xen "qemu64,+smep max,-smap,-pku,-la57" "$@"
