#!/bin/bash
# timeout: 400
# weight: 1
# The example the dom0 banner offers: in make dom0's image on pvisor,
# `pvctl create /etc/pvisor/example.cfg` (tests/dom0/example-guest.sh, run
# through pvisor.run=) starts Debian's stock kernel as a domU with the
# image's guest initramfs; pvconsoled's log of it must show the guest's
# marker, its workload passing and its power-off, and the script's status
# 0 must reach the host. Skipped while the image has no pvctl.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
SKIP=77

if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     dom0 "$BUILD/pvisor.elf" >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch\|cannot resolve" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: make dom0"; tail -20 "$tmp/make.log"; exit 1
fi
[ -x "$BUILD/toolstack/pvctl" ] || { echo "skip: no build/toolstack/pvctl in dom0's image yet"; exit $SKIP; }
"$ROOT/toolstack/dom0/add-files.py" "$BUILD/dom0/initrd.gz" "$tmp/initrd.gz" \
  "$ROOT/tests/dom0/example-guest.sh:/usr/lib/pvisor-test/example-guest.sh" || { echo "FAIL: add-files.py"; exit 1; }
log=$tmp/example-guest.log
"$ROOT/tests/linux/boot-dom0.sh" --hv pvisor --mode min --no-make --timeout 300 \
  --kernel "$BUILD/dom0/vmlinuz" --initrd "$tmp/initrd.gz" \
  --kernel-args "pvisor.run=/usr/lib/pvisor-test/example-guest.sh" --log "$log" >"$tmp/boot.out" 2>&1
boot=$?
clean=$(tr -d '\r' <"$log")
grep -a 'PVISOR-CHECK\|PVISOR-DOM0-UP\|PVISOR-RUN-EXIT\|dom0: error' <<<"$clean"
status=$(grep -a -o 'PVISOR-RUN-EXIT status=[0-9]*' <<<"$clean" | head -1)
if [ $boot = 0 ] && [ "$status" = "PVISOR-RUN-EXIT status=0" ] && ! grep -aq 'PVISOR-CHECK .* FAIL' <<<"$clean"; then
  echo "PASS: the example guest ran to its power-off under pvctl, logged by pvconsoled"
  exit 0
fi
echo "FAIL: boot-dom0 exit $boot, ${status:-no PVISOR-RUN-EXIT line}"
grep -a -A14 -- '---- /var/log' <<<"$clean" | head -16
tail -12 "$tmp/boot.out"
exit 1
