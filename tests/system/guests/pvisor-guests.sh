#!/bin/bash
# timeout: 460
# weight: 1
# Every in-tree PV test kernel runs as dom0 on pvisor and sees what Xen 4.17
# shows it (tests/system/oracle/xen-guests.sh proves each expectation on
# Xen): a FAIL is allowed only for the documented deviations in
# tests/guests/pvisor-deviations.list. Also boots the shutdown kernel once
# per reason and the crash kernel once per action: the dom0 shutdown code
# must come out as QEMU's exit status ((code << 1) | 1), a crash as 7 with
# the hypervisor's "Domain 0 crashed" and no guest PANIC, and the
# hypervisor must never panic (status 255).
set -u
root=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${PVISOR_BUILD:-$root/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
export PVISOR_BUILD=$build
guests=$build/tests/guests
run=$root/tests/guests/run-guest.sh
allowed=$(grep -v '^#' "$root/tests/guests/pvisor-deviations.list" | awk 'NF {print $1}')
# Race kernels: vCPUs hammering stateful hypercalls must leave no hypervisor
# log line twice (a repeated line is a bug unless a test expects it).
norepeat=" smp race domctl resource "

[ -f "$guests/startofday.elf" ] || { echo "FAIL: guest kernels not built (make guests)"; exit 1; }
"$root/tests/guests/mkinitrd.sh" "$tmp/test.initrd"

fail=0 n=0
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

while IFS='|' read -r kernel initrd args runopts; do
	kernel=$(trim "$kernel"); initrd=$(trim "$initrd"); args=$(trim "$args")
	case $kernel in ''|'#'*) continue ;; esac
	n=$((n + 1))
	opt=()
	[ "$initrd" = test ] && opt=(--initrd "$tmp/test.initrd")
	read -ra more <<<"$runopts"; opt+=("${more[@]}")   # e.g. --smp 2 --vcpus 4
	log=$tmp/$kernel.log
	# shellcheck disable=SC2086
	"$run" --hv pvisor --quiet --timeout 90 --log "$log" "${opt[@]}" "$guests/$kernel.elf" $args >"$tmp/out" 2>&1
	result=$(tr -d '\r' <"$log" | grep -a "^RESULT $kernel:")
	bad=$(tr -d '\r' <"$log" | grep -a "^CHECK .* FAIL " | awk '{print $2}' | grep -vxF "$allowed")
	repeated=
	[[ $norepeat == *" $kernel "* ]] && repeated=$(tr -d '\r' <"$log" | grep -a '^(PV) ' | sort | uniq -d)
	if [ -z "$result" ] || [ -n "$bad" ] || [ -n "$repeated" ] || grep -aq -E "^\(PV\) Panic|fatal trap|^PANIC" "$log"; then
		fail=$((fail + 1))
		echo "FAILED: $kernel (${result:-no RESULT line})"
		tr -d '\r' <"$log" | grep -a -E "FAIL expected|PANIC|Panic|fatal|crashed" | grep -vF "$allowed" | head -n 20
		[ -z "$result" ] && tail -n 30 "$log"
		[ -n "$repeated" ] && echo "repeated hypervisor log lines:" && echo "$repeated" | head -n 10
	else
		echo "$result (deviations: $(tr -d '\r' <"$log" | grep -ac ' FAIL '))"
	fi
done <"$root/tests/guests/kernels.list"

# XSAVE/AVX need a CPU model that has them; 4 vCPUs on one CPU switch
# straight from one to another, each with its own XCR0 and registers.
n=$((n + 1))
"$run" --hv pvisor --cpu max,-smap,-pku,-la57 --vcpus 4 --quiet --timeout 90 --log "$tmp/xstate-max.log" "$guests/xstate.elf" cpus=4 >/dev/null 2>&1
if tr -d '\r' <"$tmp/xstate-max.log" | grep -aq "^RESULT xstate: [0-9]* passed, 0 failed"; then
	echo "xstate (-cpu max): $(tr -d '\r' <"$tmp/xstate-max.log" | grep -a '^RESULT')"
else
	fail=$((fail + 1))
	echo "FAILED: xstate under -cpu max"
	tr -d '\r' <"$tmp/xstate-max.log" | grep -a -E "FAIL expected|PANIC|Panic" | head
fi

status_of() {   # the dom0 shutdown code pvisor must hand to QEMU for these args
	case $1 in
	*code=1*) echo 3 ;;
	*reason=poweroff*) echo 1 ;;
	*reason=reboot*) echo 3 ;;
	*reason=suspend*) echo 5 ;;
	*reason=crash*) echo 7 ;;
	*reason=watchdog*) echo 9 ;;
	*reason=soft_reset*) echo 11 ;;
	*reason=9*) echo 19 ;;
	*action=*) echo 7 ;;
	esac
}

while IFS='|' read -r args _ _ runopts; do
	args=$(trim "$args")
	case $args in ''|'#'*) continue ;; esac
	n=$((n + 1))
	kernel=${args%% *}
	args=${args#"$kernel"}
	want=$(status_of "$args")
	log=$tmp/exit.log
	read -ra more <<<"$runopts"     # e.g. --vcpus 2
	# shellcheck disable=SC2086
	"$run" --hv pvisor --timeout 60 --log "$log" --expect-exit "$want" "${more[@]}" "$guests/$kernel.elf" $args >"$tmp/out" 2>&1
	summary=$(tail -n1 "$tmp/out")
	# a crash action must be the hypervisor's domain_crash, not the guest
	# crashing itself after surviving the action (its PANIC line)
	crashed=1
	[[ $args == *action=* ]] && ! grep -aq "Domain 0 crashed:" "$log" && crashed=0
	if [[ $summary == *"qemu_exit=$want "* ]] && ! grep -aq "Panic on CPU" "$log" &&
	   ! tr -d '\r' <"$log" | grep -aq "^PANIC" && [ "$crashed" = 1 ]; then
		echo "$kernel$args: ok (exit $want)"
	else
		fail=$((fail + 1))
		echo "FAILED: $kernel$args: expected QEMU exit $want; got: $summary"
		grep -a 'Domain 0\|PANIC\|Panic' "$log" | tail -n 5
	fi
done <"$root/tests/guests/exits.list"

echo "pvisor-guests: $((n - fail)) of $n boots as expected"
[ "$fail" -eq 0 ]
