#!/bin/bash
# timeout: 900
# weight: 2
# make dom0's image (build/dom0/vmlinuz + initrd.gz) booted on pvisor and
# on Debian's Xen 4.17 (the oracle), with tests/dom0/checks.sh added by an
# appended cpio and run through pvisor.run=: dom0's init must load the
# modules (xenfs, privcmd, evtchn, gntdev, gntalloc, blkback, netback,
# loop, bridge), mount xenfs, start pvstored so Debian's xenstore-read and
# xenstore-ls see dom0's nodes (name, domid, pool) and dom0's kernel's
# own control/feature-poweroff (its xenbus reached pvstored through
# /proc/xen/xsd_kva), report "PVISOR-DOM0-UP ... errors=0", and relay the
# script's exit status (7) as "PVISOR-RUN-EXIT status=7" before powering
# off. Both hypervisors must give the same checks and verdicts. On pvisor,
# pvisor.run= naming no file gives one 'dom0: error' line and status 127.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
SKIP=77

if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     dom0 xen-hypervisor "$BUILD/pvisor.elf" >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch\|cannot resolve" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: make dom0"; tail -20 "$tmp/make.log"; exit 1
fi
"$ROOT/toolstack/dom0/add-files.py" "$BUILD/dom0/initrd.gz" "$tmp/initrd.gz" \
  "$ROOT/tests/dom0/checks.sh:/usr/lib/pvisor-test/checks.sh" || { echo "FAIL: add-files.py"; exit 1; }

fail=0
for hv in pvisor xen; do
  log=$tmp/image-$hv.log
  "$ROOT/tests/linux/boot-dom0.sh" --hv "$hv" --mode min --no-make --timeout 300 \
    --kernel "$BUILD/dom0/vmlinuz" --initrd "$tmp/initrd.gz" \
    --kernel-args "pvisor.run=/usr/lib/pvisor-test/checks.sh" --log "$log" >"$tmp/boot-$hv.out" 2>&1
  boot=$?
  clean=$(tr -d '\r' <"$log")
  grep -a -o 'PVISOR-CHECK [a-z0-9_-]* [A-Z]*' <<<"$clean" | sort >"$tmp/checks-$hv"
  up=$(grep -a -o 'PVISOR-DOM0-UP .*' <<<"$clean" | head -1)
  result=$(grep -a -o 'PVISOR-RESULT .*' <<<"$clean" | head -1)
  status=$(grep -a -o 'PVISOR-RUN-EXIT status=[0-9]*' <<<"$clean" | head -1)
  echo "$hv: ${up:-no PVISOR-DOM0-UP line}; ${result:-no PVISOR-RESULT line}; ${status:-no PVISOR-RUN-EXIT line} (boot-dom0 exit $boot)"
  bad=()
  [ $boot = 0 ] || bad+=("boot failed")
  [[ $up =~ errors=0 ]] || bad+=("dom0's init reported errors")
  [[ $result =~ ^PVISOR-RESULT\ [1-9][0-9]*\ passed,\ 0\ failed ]] || bad+=("checks failed")
  [ "$status" = "PVISOR-RUN-EXIT status=7" ] || bad+=("the script's exit status 7 did not reach the host")
  if [ ${#bad[@]} != 0 ]; then
    fail=1
    echo "FAIL ($hv): $(IFS=';'; echo "${bad[*]}" | sed 's/;/; /g')"
    grep -a "dom0: error\|PVISOR-CHECK.*FAIL" <<<"$clean" | head -20
    tail -15 "$tmp/boot-$hv.out"
  fi
done
# a pvisor.run= that is not there: one clear line, status 127, power-off
log=$tmp/image-missing.log
"$ROOT/tests/linux/boot-dom0.sh" --hv pvisor --mode min --no-make --timeout 200 \
  --kernel "$BUILD/dom0/vmlinuz" --initrd "$tmp/initrd.gz" \
  --kernel-args "pvisor.run=/no/such/script" --log "$log" >"$tmp/boot-missing.out" 2>&1
clean=$(tr -d '\r' <"$log")
errs=$(grep -a -c 'dom0: error' <<<"$clean")
if grep -aq '] dom0: error: pvisor.run=/no/such/script: no such executable in dom0$' <<<"$clean" &&
   [ "$errs" = 1 ] && grep -aq '] PVISOR-RUN-EXIT status=127$' <<<"$clean" &&
   grep -aq 'QEMU-EXIT status=1$' <<<"$clean"; then
  echo "pvisor.run=/no/such/script: one error line, status 127, powered off"
else
  fail=1
  echo "FAIL: pvisor.run=/no/such/script: want one 'dom0: error' line, PVISOR-RUN-EXIT status=127 and a power-off"
  grep -a 'dom0:\|PVISOR-RUN-EXIT\|QEMU-EXIT' <<<"$clean" | tail -8
fi

if ! diff -u "$tmp/checks-xen" "$tmp/checks-pvisor"; then
  echo "FAIL: the checks differ between Xen 4.17 and pvisor"
  fail=1
fi
[ $fail = 0 ] && echo "PASS: $(wc -l <"$tmp/checks-pvisor") checks, same on Xen 4.17 and pvisor; exit status relayed"
exit $fail
