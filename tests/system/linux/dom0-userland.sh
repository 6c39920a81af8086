#!/bin/bash
# timeout: 400
# weight: 2
# Debian's dom0 userland on the Xen devices: the kernel package's own
# xen-evtchn, xen-gntdev and xen-gntalloc modules and static programs on
# Debian's libraries (tests/linux/userland/): evtchn-loop (libxenevtchn:
# dom0-to-dom0 loopback, bind pending, 1000 round trips, Xen's errnos for
# bad binds, close from either end with sends then dropped, rebind, 64
# channels at once) and gnttab-selfmap (libxengnttab: 4 pages granted
# through gntalloc, mapped through gntdev, contents checked both ways, a
# grant copy out of one, unmap, unshare). One boot on Xen 4.17 (the
# oracle) and one on pvisor: both must pass every check, with the same
# check names and verdicts.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
SKIP=77

# assets (kernel, Xen) then the programs and their initramfs, serialised
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     linux-assets linux-userland >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: building the test assets"; tail -20 "$tmp/make.log"; exit 1
fi

fail=0
for hv in xen pvisor; do
  log=$tmp/userland-$hv.log
  "$ROOT/tests/linux/boot-dom0.sh" --hv "$hv" --mode min --no-make --timeout 240 \
    --initrd "$BUILD/linux/initramfs-userland.cpio.gz" --log "$log" >"$tmp/boot-$hv.out" 2>&1
  boot=$?
  tr -d '\r' <"$log" | grep -a -o 'PVISOR-CHECK [a-z0-9-]* [A-Z]*' | sort >"$tmp/checks-$hv"
  result=$(tr -d '\r' <"$log" | grep -a -o 'PVISOR-RESULT .*' | head -1)
  echo "$hv: ${result:-no PVISOR-RESULT line} (boot-dom0 exit $boot)"
  # the figures worth a glance: round trips, maps and copies
  tr -d '\r' <"$log" | grep -a 'PVISOR-CHECK \(evtchn-ping-pong\|gnttab-map\|gnttab-copy\) ' | sed 's/^.*PVISOR-CHECK /  /'
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
