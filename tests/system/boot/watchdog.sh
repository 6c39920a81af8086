#!/bin/bash
# timeout: 200
# weight: 1
# The stuck-CPU watchdog of debug builds: debug_fault=stuck spins on CPU 0
# in the hypervisor with interrupts on (its own timer interrupt reports
# it), debug_fault=stuck_irqoff with interrupts off (CPU 1 sees its timer
# interrupts stop and NMIs it), debug_fault=stuck_console the same while
# holding the console lock (the NMI report must not wait for that lock).
# Each report, once: the CPU, how long, the RIP and a backtrace naming the
# spinning function; then the boot goes on and the guest kernel passes.
set -u
root=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${PVISOR_BUILD:-$root/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
export PVISOR_BUILD=$build

grep -q '^CONFIG_DEBUG=y' "$root/.config" 2>/dev/null || { echo "skip: not a CONFIG_DEBUG build"; exit 77; }
[ -f "$build/tests/guests/vmassist.elf" ] || { echo "FAIL: guest kernels not built (make guests)"; exit 1; }

fail=0
for kind in stuck stuck_irqoff stuck_console; do
	log=$tmp/watchdog-$kind.log
	"$root/tests/guests/run-guest.sh" --hv pvisor --quiet --smp 2 --timeout 120 --log "$log" \
		--hv-args "debug_fault=$kind watchdog_ms=300" "$build/tests/guests/vmassist.elf" >"$tmp/out" 2>&1
	status=$?
	text=$(tr -d '\r' <"$log")
	case $kind in
	stuck) how='interrupts on' fn=debug_fault_stuck ;;
	stuck_irqoff) how='interrupts off' fn=debug_fault_stuck ;;
	stuck_console) how='interrupts off' fn=console_debug_hold ;;
	esac
	reports=$(grep -a -c '^(PV) watchdog: CPU[0-9]* stuck' <<<"$text")
	want="^\(PV\) watchdog: CPU0 stuck in the hypervisor for [0-9]+ ms \($how\), RIP ffff82d0[0-9a-f]{8}$"
	ok=1
	[ $status -eq 0 ] || { echo "FAIL $kind: guest: $(tail -n 1 "$tmp/out")"; ok=0; }
	[ "$reports" -eq 1 ] || { echo "FAIL $kind: $reports watchdog reports (want 1)"; ok=0; }
	grep -aqE "$want" <<<"$text" || { echo "FAIL $kind: no report line matching: $want"; ok=0; }
	grep -aqE "^\(PV\)   \[<ffff82d0[0-9a-f]{8}>\] $fn\+0x" <<<"$text" ||
		{ echo "FAIL $kind: the backtrace does not name $fn"; ok=0; }
	grep -aq "^(PV) debug_fault=$kind: done" <<<"$text" || { echo "FAIL $kind: the boot did not go on"; ok=0; }
	if [ $ok -eq 1 ]; then
		echo "ok $kind: $(grep -a -m1 '^(PV) watchdog: CPU' <<<"$text")"
	else
		grep -a 'watchdog\|debug_fault\|\[<' <<<"$text" | head -n 12
		fail=1
	fi
done
exit $fail
