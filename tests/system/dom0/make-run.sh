#!/bin/bash
# timeout: 600
# weight: 1
# `make run` as a person uses it: it boots pvisor with make dom0's image
# and leaves a shell on the serial console (the banner, then the prompt
# "dom0# "); `poweroff` typed there must end `make run` with status 0.
# stdin is a FIFO the test writes "poweroff" into once the prompt shows.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/dom0-image-lib.sh"
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
BOOT_S=${PVISOR_MAKE_RUN_BOOT_S:-300}   # to the prompt, on a loaded TCG host

# what make run builds (all, dom0), first and serialised with the other
# tests that build, so that make run itself only boots
image_make "$tmp/make.log" "make dom0" all dom0

shell_start "$tmp/make-run.out" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$ROOT" O="$BUILD" run
shell_prompt "$BOOT_S"
shell_lines | grep -a -A4 'pvisor dom0 is up'
shell_poweroff "make run"
echo "make run exited with status $SHELL_RC, $SHELL_OFF_S s after poweroff"
shell_lines | grep -a -m1 'dom0: poweroff' || { echo "FAIL: dom0's init did not say it powers off"; exit 1; }
if [ $SHELL_RC != 0 ]; then
  echo "FAIL: make run exited with status $SHELL_RC, want 0"; shell_lines | tail -15; exit 1
fi
echo "PASS: make run: shell prompt, poweroff, exit status 0"
