#!/bin/bash
# timeout: 300
# dom0's vCPUs racing on domctl (tests/guests/builder/race.c): createdomain
# on both at once (distinct ids), pause/unpause pairs (the count ends where
# it began), destroydomain of one populated domain from both (0 for one,
# -ESRCH for a late one, gone once, every frame back).  The builder kernel
# on pvisor with --smp 2 --vcpus 2; Xen 4.17 passes the same checks.
set -u
root=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${PVISOR_BUILD:-$root/build}
tmp=${PVISOR_TEST_TMP:-$(mktemp -d)}
export PVISOR_BUILD=$build
k=$build/tests/guests/builder.elf
[ -f "$k" ] || { echo "FAIL: $k not built (make guests)"; exit 1; }
log=$tmp/builder-race.log
"$root/tests/guests/run-guest.sh" --hv pvisor --quiet --smp 2 --vcpus 2 --timeout 240 --log "$log" \
	--domus shutdown "$k" cpus=2 race-only >"$tmp/builder-race.out" 2>&1
status=$?
tr -d '\r' <"$log" | grep -a -E 'FAIL expected|^PANIC|^\(PV\) Panic|^RESULT builder'
tail -n1 "$tmp/builder-race.out"
[ "$status" -eq 0 ] || { echo "FAIL: builder domctl races (see $log)"; exit 1; }
echo "PASS: domctl races from 2 dom0 vCPUs"
