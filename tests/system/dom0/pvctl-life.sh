#!/bin/bash
# timeout: 1800
# weight: 1
# pvctl's life-cycle in make dom0's image (pvstored, pvconsoled), on pvisor
# and on Debian's Xen 4.17 with the same image and the same pvctl:
# tests/dom0/pvctl-life.sh run through pvisor.run= (on_crash from inside a
# Linux domU, 20 + 3 create/destroy cycles, a create failing at each phase,
# the hostile config table, nothing left after each). The checks must pass
# on both and be the same list on both.
# The xenstore tree pvctl writes for a domU with the reference's config is
# compared with the one xl wrote on Xen 4.17 (xs_layout.py; deliberate
# differences in xs-layout-deviations.list).
#   PVCTL_LIFE_HVS="pvisor xen"   which hypervisors (default both)
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
HVS=${PVCTL_LIFE_HVS:-pvisor xen}
SKIP=77
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -d "$REF/reference" ] || REF=/work/shared/reference/xen-stack

if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     dom0 xen-hypervisor "$BUILD/pvisor.elf" "$BUILD/tests/guests/shutdown.elf" >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch\|cannot resolve" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: make dom0"; tail -20 "$tmp/make.log"; exit 1
fi
add=$ROOT/toolstack/dom0/add-files.py
# the Linux domU's initramfs: the example guest's with our /init over its own
"$add" "$BUILD/dom0/guest-initrd.gz" "$tmp/life-initrd.gz" "$ROOT/tests/dom0/life-guest-init.sh:/init" &&
"$add" "$BUILD/dom0/initrd.gz" "$tmp/initrd.gz" \
  "$ROOT/tests/dom0/pvctl-life.sh:/usr/lib/pvisor-test/pvctl-life.sh" \
  "$BUILD/tests/guests/shutdown.elf:/usr/lib/pvisor-test/shutdown.elf" \
  "$tmp/life-initrd.gz:/usr/lib/pvisor-test/life-initrd.gz" || { echo "FAIL: add-files.py"; exit 1; }

fail=0
for hv in $HVS; do
  log=$tmp/life-$hv.log
  cat "$ROOT/tests/linux/hv-lines.allow" "$ROOT/tests/system/dom0/pvctl-life-hv-lines.allow" >"$tmp/hv-lines.allow"
  "$ROOT/tests/linux/boot-dom0.sh" --hv "$hv" --mode min --no-make --timeout 1500 \
    --hv-allow "$tmp/hv-lines.allow" --kernel "$BUILD/dom0/vmlinuz" --initrd "$tmp/initrd.gz" \
    --kernel-args "pvisor.run=/usr/lib/pvisor-test/pvctl-life.sh" --log "$log" >"$tmp/boot-$hv.out" 2>&1
  boot=$?
  clean=$(tr -d '\r' <"$log")
  grep -a -o 'PVISOR-CHECK .*\|PVISOR-TIME .*\|PVISOR-NOTE .*' <<<"$clean" | sed "s/^/$hv: /"
  grep -a -o 'PVISOR-CHECK [a-z0-9_-]* [A-Z]*' <<<"$clean" | sort >"$tmp/checks-$hv"
  result=$(grep -a -o 'PVISOR-RESULT .*' <<<"$clean" | head -1)
  status=$(grep -a -o 'PVISOR-RUN-EXIT status=[0-9]*' <<<"$clean" | head -1)
  echo "$hv: ${result:-no PVISOR-RESULT line}; ${status:-no PVISOR-RUN-EXIT line} (boot-dom0 exit $boot)"
  sed -n 's/^.*PVISOR-XS //p' <<<"$clean" >"$tmp/xenstore-$hv.txt"
  if [ ! -f "$REF/reference/xenstore-connected.txt" ]; then
    echo "note: no reference xenstore tree ($REF/reference): layout not compared"
  elif python3 "$ROOT/tests/system/dom0/xs_layout.py" "$REF/reference/xenstore-connected.txt" \
       "$tmp/xenstore-$hv.txt" "$ROOT/tests/system/dom0/xs-layout-deviations.list" >"$tmp/xs-$hv.out" 2>&1; then
    echo "$hv: xenstore layout as xl's: $(tail -1 "$tmp/xs-$hv.out")"
  else
    fail=1
    echo "FAIL ($hv): xenstore layout differs from xl's:"; cat "$tmp/xs-$hv.out"
  fi
  if [ $boot != 0 ] || [ "$status" != "PVISOR-RUN-EXIT status=7" ]; then
    fail=1
    echo "FAIL ($hv): log in $log"
    tail -15 "$tmp/boot-$hv.out"
  fi
done
if [ -f "$tmp/checks-xen" ] && [ -f "$tmp/checks-pvisor" ] && ! diff -u "$tmp/checks-xen" "$tmp/checks-pvisor"; then
  echo "FAIL: the checks differ between Xen 4.17 and pvisor"
  fail=1
fi
[ $fail = 0 ] && echo "PASS: pvctl life-cycle in make dom0's image ($HVS): $(wc -l <"$tmp/checks-${HVS%% *}") checks"
exit $fail
