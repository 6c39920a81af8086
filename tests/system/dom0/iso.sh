#!/bin/bash
# timeout: 600
# weight: 1
# `make iso` packs make dom0's image: the CD's dom0 kernel and initramfs
# are build/dom0/vmlinuz and build/dom0/initrd.gz byte for byte, and the
# CD boots through GRUB2 to dom0's shell (banner, "dom0# "); `poweroff`
# typed there powers the machine off.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
SKIP=77
BOOT_S=${PVISOR_ISO_BOOT_S:-300}   # to the prompt, on a loaded TCG host

if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     iso >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch\|cannot resolve" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: make iso"; tail -20 "$tmp/make.log"; exit 1
fi
command -v xorriso >/dev/null || { echo "skip: no xorriso (make deps)"; exit $SKIP; }
fail=0
for f in dom0-kernel:vmlinuz dom0-initrd:initrd.gz; do
  xorriso -osirrox on -indev "$BUILD/pvisor.iso" -extract "/boot/${f%%:*}" "$tmp/${f%%:*}" >/dev/null 2>&1
  if cmp -s "$tmp/${f%%:*}" "$BUILD/dom0/${f#*:}"; then echo "ok   /boot/${f%%:*} is build/dom0/${f#*:}"
  else echo "FAIL /boot/${f%%:*} of build/pvisor.iso is not build/dom0/${f#*:}"; fail=1; fi
done
[ $fail = 0 ] || exit 1

mkfifo "$tmp/stdin"
exec 4<>"$tmp/stdin"
out=$tmp/iso.out
: >"$out"
t0=$SECONDS
timeout $((BOOT_S + 120)) qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 -nographic \
  -no-reboot -nic none -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -cdrom "$BUILD/pvisor.iso" -boot d <&4 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
prompt=0
while kill -0 $pid 2>/dev/null && [ $((SECONDS - t0)) -lt "$BOOT_S" ]; do
  if tr -d '\r' <"$out" | grep -aq '^dom0# '; then prompt=1; break; fi
  sleep 1
done
if [ $prompt = 0 ]; then
  echo "FAIL: no dom0# prompt from the CD after $((SECONDS - t0)) s"; tr -d '\r' <"$out" | tail -25; exit 1
fi
echo "prompt after $((SECONDS - t0)) s"
tr -d '\r' <"$out" | grep -a -m1 'Boot loader: GRUB'
tr -d '\r' <"$out" | grep -a -m1 'PVISOR-DOM0-UP'
printf 'poweroff\n' >&4
t1=$SECONDS
while kill -0 $pid 2>/dev/null && [ $((SECONDS - t1)) -lt 60 ]; do sleep 1; done
if kill -0 $pid 2>/dev/null; then
  echo "FAIL: still running 60 s after poweroff"; tr -d '\r' <"$out" | tail -15; exit 1
fi
wait $pid; rc=$?
trap - EXIT
# pvisor powers off through isa-debug-exit: (0 << 1) | 1
if [ $rc != 1 ] || ! tr -d '\r' <"$out" | grep -aq 'dom0: poweroff'; then
  echo "FAIL: QEMU exit $rc after poweroff (want 1: dom0's power-off)"; tr -d '\r' <"$out" | tail -10; exit 1
fi
echo "PASS: make iso packs make dom0's image; GRUB2 boots it to dom0's shell; poweroff"
