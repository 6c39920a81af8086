#!/bin/bash
# timeout: 400
# weight: 2
# Debian's dom0 maps pages it granted to itself: its own xen-gntdev and
# xen-gntalloc modules (from the kernel package) and a program built with
# Debian's libxengnttab (tests/linux/gnttab/gnttab-selfmap.c: 4 pages
# granted through gntalloc, mapped through gntdev, contents checked both
# ways, a grant copy out of one, unmap, unshare). Runs on Xen 4.17 (the
# oracle) and on pvisor: both must pass every check, with the same check
# names and verdicts.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
SKIP=77

# assets (kernel, Xen) then the program and its initramfs, serialised
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     linux-assets linux-gnttab >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: building the test assets"; tail -20 "$tmp/make.log"; exit 1
fi

fail=0
for hv in xen pvisor; do
  log=$tmp/gnttab-$hv.log
  "$ROOT/tests/linux/boot-dom0.sh" --hv "$hv" --mode min --no-make --timeout 240 \
    --initrd "$BUILD/linux/initramfs-gnttab.cpio.gz" --log "$log" >"$tmp/boot-$hv.out" 2>&1
  boot=$?
  tr -d '\r' <"$log" | grep -a -o 'PVISOR-CHECK gnttab-[a-z-]* [A-Z]*' | sort >"$tmp/checks-$hv"
  result=$(tr -d '\r' <"$log" | grep -a -o 'PVISOR-RESULT .*' | head -1)
  echo "$hv: ${result:-no PVISOR-RESULT line} (boot-dom0 exit $boot)"
  tr -d '\r' <"$log" | grep -a 'PVISOR-CHECK gnttab-\(map\|copy\) ' | sed 's/^.*PVISOR-CHECK /  /'
  if [ $boot != 0 ] || [[ ! $result =~ ^PVISOR-RESULT\ [1-9][0-9]*\ passed,\ 0\ failed ]]; then
    fail=1
    grep -a "FAIL" "$log" | head -20
    tail -15 "$tmp/boot-$hv.out"
  fi
done
if ! diff -u "$tmp/checks-xen" "$tmp/checks-pvisor"; then
  echo "FAIL: the checks differ between Xen 4.17 and pvisor"
  fail=1
fi
[ $fail = 0 ] && echo "PASS: $(wc -l <"$tmp/checks-pvisor") checks, same on Xen 4.17 and pvisor"
exit $fail
