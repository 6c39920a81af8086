# Shared helpers for QEMU system tests (sourced, not run).
#
#   pv_boot NAME [QEMU ARGS...]   boot under TCG with a timeout; the serial log
#                                 goes to $LOG, QEMU's exit status to $RC and
#                                 the wall time in seconds to $SECS
#   expect PATTERN [WHAT]         fail unless the serial log has a line matching
#   expect_not PATTERN [WHAT]     fail if it has one
#   expect_rc N                   fail unless QEMU exited with N
#   finish                        exit 0 if nothing failed, 1 otherwise
#
# A failure prints one line saying what was expected and the log's tail.

ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
TMP=${PVISOR_TEST_TMP:-$(mktemp -d)}
HV=$BUILD/pvisor.elf
QEMU=${QEMU:-qemu-system-x86_64}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
FAILS=0
LOG=
RC=
SECS=

[ -f "$HV" ] || { echo "missing $HV: run make first"; exit 1; }

pv_boot() {
  name=$1; shift
  LOG=$TMP/$name.log
  t0=$(date +%s.%N)
  timeout --foreground -k 5 "$BOOT_TIMEOUT" "$QEMU" -display none -no-reboot \
    -serial "file:$LOG" -monitor none -nodefaults -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    "$@" </dev/null >"$TMP/$name.qemu" 2>&1
  RC=$?
  SECS=$(echo "$(date +%s.%N) - $t0" | bc)
  echo "== $name: QEMU exit $RC after ${SECS}s"
  [ "$RC" = 124 ] && fail "$name: timed out after ${BOOT_TIMEOUT}s"
  return 0
}

# QEMU without the isa-debug-exit device (to see ACPI power-off work).
pv_boot_nodebugexit() {
  name=$1; shift
  LOG=$TMP/$name.log
  t0=$(date +%s.%N)
  timeout --foreground -k 5 "$BOOT_TIMEOUT" "$QEMU" -display none -no-reboot \
    -serial "file:$LOG" -monitor none -nodefaults "$@" </dev/null >"$TMP/$name.qemu" 2>&1
  RC=$?
  SECS=$(echo "$(date +%s.%N) - $t0" | bc)
  echo "== $name: QEMU exit $RC after ${SECS}s"
  return 0
}

show_tail() {
  echo "---- serial log tail ($LOG) ----"
  tail -n 30 "$LOG" 2>/dev/null | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
  [ -s "$TMP/$name.qemu" ] && { echo "---- qemu said ----"; tail -n 5 "$TMP/$name.qemu"; }
  echo "----"
}

fail() {
  echo "FAIL: $*"
  FAILS=$((FAILS + 1))
  show_tail
}

# The serial log with CRs and terminal escapes (GRUB's menu) removed.
clean_log() {
  tr -d '\r' < "$LOG" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
}

expect() {
  if clean_log | grep -a -q -E -- "$1"; then
    echo "ok: ${2:-$1}"
  else
    fail "${2:-expected a line matching '$1'} (not in the serial log)"
  fi
}

expect_not() {
  if clean_log | grep -a -q -E -- "$1"; then
    fail "${2:-unexpected line matching '$1'}: $(clean_log | grep -a -m1 -E -- "$1")"
  else
    echo "ok: no ${2:-$1}"
  fi
}

expect_rc() {
  if [ "$RC" = "$1" ]; then
    echo "ok: QEMU exit status $1"
  else
    fail "QEMU exit status $RC, expected $1"
  fi
}

# Seconds from QEMU start until PATTERN appeared is not observable from a
# file log; tests that care use expect_within on the total wall time.
expect_within() {
  if [ "$(echo "$SECS < $1" | bc)" = 1 ]; then
    echo "ok: finished in ${SECS}s (< $1 s)"
  else
    fail "took ${SECS}s, expected under $1 s"
  fi
}

finish() {
  if [ "$FAILS" -eq 0 ]; then
    echo "all checks passed"
    exit 0
  fi
  echo "$FAILS check(s) failed"
  exit 1
}
