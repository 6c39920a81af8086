#!/bin/bash
# timeout: 380
# Every in-tree PV test kernel passes as dom0 on Debian's Xen 4.17 (the
# oracle): each CHECK's expectation is what Xen really does.  Also boots the
# shutdown kernel once per reason and the crash kernel once per action, and
# checks Xen's reaction (tests/guests/exits.list).  Skips (77) only when the
# Xen package cannot be fetched.
set -u
root=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${PVISOR_BUILD:-$root/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
export PVISOR_BUILD=$build
guests=$build/tests/guests
run=$root/tests/guests/run-guest.sh

"$root/tests/guests/xen-image.sh" >/dev/null || exit 77
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
	# shellcheck disable=SC2086
	if out=$("$run" --hv xen --quiet --timeout 60 "${opt[@]}" "$guests/$kernel.elf" $args 2>&1); then
		echo "$out" | grep -a '^RESULT '
	else
		fail=$((fail + 1))
		echo "FAILED: $kernel"
		echo "$out" | grep -av ' PASS expected=' | tail -n 30
	fi
done <"$root/tests/guests/kernels.list"

# XSAVE/AVX need a CPU model that has them; 4 vCPUs on one CPU switch
# straight from one to another, each with its own XCR0 and registers.
n=$((n + 1))
"$run" --hv xen --cpu max,-smap,-pku,-la57 --vcpus 4 --quiet --timeout 90 --log "$tmp/xstate-max.log" "$guests/xstate.elf" cpus=4 >/dev/null 2>&1
if tr -d '\r' <"$tmp/xstate-max.log" | grep -aq "^RESULT xstate: [0-9]* passed, 0 failed"; then
	echo "xstate (-cpu max): $(tr -d '\r' <"$tmp/xstate-max.log" | grep -a '^RESULT')"
else
	fail=$((fail + 1))
	echo "FAILED: xstate under -cpu max"
	tr -d '\r' <"$tmp/xstate-max.log" | grep -a -E "FAIL expected|PANIC|Panic" | head
fi

while IFS='|' read -r args line end runopts; do
	args=$(trim "$args"); line=$(trim "$line"); end=$(trim "$end")
	case $args in ''|'#'*) continue ;; esac
	n=$((n + 1))
	kernel=${args%% *}
	args=${args#"$kernel"}
	log=$tmp/exit.log
	read -ra more <<<"$runopts"     # e.g. --vcpus 2
	# shellcheck disable=SC2086
	"$run" --hv xen --timeout 60 --log "$log" "${more[@]}" "$guests/$kernel.elf" $args >"$tmp/out" 2>&1
	summary=$(tail -n1 "$tmp/out")
	if grep -aqF "(XEN) $line" "$log" && [[ $summary == *" end=$end" ]] &&
	   grep -aq "^RESULT $kernel: [0-9]* passed, 0 failed" "$log"; then
		echo "$kernel$args: ok ($line)"
	else
		fail=$((fail + 1))
		echo "FAILED: $kernel$args: expected '$line' and end=$end; got: $summary"
		grep -a 'SHUTDOWN\|CRASH\|Hardware\|PANIC' "$log" | tail -n 5
	fi
done <"$root/tests/guests/exits.list"

echo "xen-guests: $((n - fail)) of $n boots as expected"
[ "$fail" -eq 0 ]
