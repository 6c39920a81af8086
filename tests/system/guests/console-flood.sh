#!/bin/bash
# timeout: 200
# weight: 1
# The flood kernel on pvisor with 2 vCPUs (tests/guests/flood.c), and what
# its boot log must show: every byte the guest wrote (the serial transmit
# ring drops guest bytes only when the UART cannot keep up, never under
# QEMU), and the 200 refusals it provoked rate limited to Xen's burst of
# 10, then the count suppressed, then the one after the 5 s window.
set -u
root=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${PVISOR_BUILD:-$root/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
export PVISOR_BUILD=$build
log=$tmp/flood.log

[ -f "$build/tests/guests/flood.elf" ] || { echo "FAIL: guest kernels not built (make guests)"; exit 1; }
"$root/tests/guests/run-guest.sh" --hv pvisor --quiet --smp 2 --vcpus 2 --timeout 150 --log "$log" \
	"$build/tests/guests/flood.elf" cpus=2 >"$tmp/out" 2>&1
status=$?
text=$(tr -d '\r' <"$log")
fail=0
bad() { echo "FAIL: $*"; fail=1; }

[ $status -eq 0 ] || bad "flood kernel: $(tail -n 1 "$tmp/out")"
result=$(grep -a -m1 '^RESULT flood:' <<<"$text")
total=$(sed -n 's/^RESULT flood: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' <<<"$result" | awk '{print $1 + $2}')
checks=$(grep -a -c '^CHECK flood\.' <<<"$text")
[ -n "$total" ] && [ "$checks" -eq "$total" ] || bad "guest output lost: $checks CHECK lines for '$result'"
# Each short line is one chunk, so whole, but it may follow vCPU 0's bytes.
lines=$(grep -a -o 'flood: vcpu1 line [0-9]*$' <<<"$text" | sort -u | wc -l)
[ "$lines" -eq 50 ] || bad "vCPU 1 wrote 50 lines, the log has $lines"

refused='^(PV) d0: mmu_update refused (-3): no such page owner'
before=$(sed -n '/guest-caused messages suppressed/q;p' <<<"$text" | grep -a -c "$refused")
notice=$(grep -a -c '^(PV) printk: [0-9]* guest-caused messages suppressed$' <<<"$text")
after=$(sed -n '/guest-caused messages suppressed/,$p' <<<"$text" | grep -a -c "$refused")
[ "$before" -ge 1 ] && [ "$before" -le 10 ] || bad "$before refusal lines before the rate limit (want 1-10)"
[ "$notice" -eq 1 ] || bad "$notice 'messages suppressed' lines (want 1)"
[ "$after" -eq 1 ] || bad "$after refusal lines after the 5 s window (want 1)"

if [ $fail -eq 0 ]; then
	echo "ok: $result; $checks checks and 50 vCPU 1 lines in the log; refusals: $before, then '$(grep -a -m1 'messages suppressed' <<<"$text")', then $after"
fi
exit $fail
