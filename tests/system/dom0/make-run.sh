#!/bin/bash
# timeout: 600
# weight: 1
# `make run` as a person uses it: it boots pvisor with make dom0's image
# and leaves a shell on the serial console (the banner, then the prompt
# "dom0# "); `poweroff` typed there must end `make run` with status 0.
# stdin is a FIFO the test writes "poweroff" into once the prompt shows.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
SKIP=77
BOOT_S=${PVISOR_MAKE_RUN_BOOT_S:-300}   # to the prompt, on a loaded TCG host

# what make run builds (all, dom0), first and serialised with the other
# tests that build, so that make run itself only boots
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" make -s --no-print-directory -C "$ROOT" O="$BUILD" \
     all dom0 >"$tmp/make.log" 2>&1; then
  if grep -q "apt-get download\|cannot fetch\|cannot resolve" "$tmp/make.log"; then
    echo "skip: Debian packages cannot be fetched"; tail -3 "$tmp/make.log"; exit $SKIP
  fi
  echo "FAIL: make dom0"; tail -20 "$tmp/make.log"; exit 1
fi

mkfifo "$tmp/stdin"
exec 4<>"$tmp/stdin"      # held open: make run never sees EOF on its stdin
out=$tmp/make-run.out
: >"$out"
t0=$SECONDS
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL setsid make -s --no-print-directory -C "$ROOT" O="$BUILD" run \
  <&4 >"$out" 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null' EXIT

prompt=0
while kill -0 $pid 2>/dev/null && [ $((SECONDS - t0)) -lt "$BOOT_S" ]; do
  if tr -d '\r' <"$out" | grep -aq '^dom0# '; then prompt=1; break; fi
  sleep 1
done
if [ $prompt = 0 ]; then
  echo "FAIL: no dom0# prompt after $((SECONDS - t0)) s"; tr -d '\r' <"$out" | tail -25; exit 1
fi
echo "prompt after $((SECONDS - t0)) s"
tr -d '\r' <"$out" | grep -a -A4 'pvisor dom0 is up'
printf 'poweroff\n' >&4

t1=$SECONDS
while kill -0 $pid 2>/dev/null && [ $((SECONDS - t1)) -lt 60 ]; do sleep 1; done
if kill -0 $pid 2>/dev/null; then
  echo "FAIL: make run still running 60 s after poweroff"; tr -d '\r' <"$out" | tail -15; exit 1
fi
wait $pid; rc=$?
trap - EXIT
echo "make run exited with status $rc, $((SECONDS - t1)) s after poweroff"
tr -d '\r' <"$out" | grep -a -m1 'dom0: poweroff' || { echo "FAIL: dom0's init did not say it powers off"; exit 1; }
if [ $rc != 0 ]; then
  echo "FAIL: make run exited with status $rc, want 0"; tr -d '\r' <"$out" | tail -15; exit 1
fi
echo "PASS: make run: shell prompt, poweroff, exit status 0"
