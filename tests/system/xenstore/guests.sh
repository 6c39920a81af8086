#!/bin/bash
# timeout: 60
# Guests over the shared ring, with event channels and pages simulated
# (pvstored --sim): identity, permissions, watches, transactions, quotas,
# set_target, reconnection, a guest writing garbage indexes, domain death.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED" "$XS_TOOLS/xs-probe"
T=$PVISOR_TEST_TMP
mkdir -p "$T/sim"
pv_start "$T/sim" --no-persist --sim "$T/sim" -Q nodes=12 -W 3 -t 2 --log-level info
"$XS_TOOLS/xs-probe" -s "$T/sim/socket" -g "$T/sim" \
	"$XS_TESTS/pv-only/guests.probe" >"$T/guests.out" 2>&1
check guests "$T/guests.out" "$XS_TESTS/pv-only/guests.out" || {
	tail -20 "$T/sim/pvstored.log"; exit 1; }
# the daemon noticed what happened and said so
grep -q "domain 6: bad request indexes" "$T/sim/pvstored.log" &&
	grep -q "domain 6 is dying" "$T/sim/pvstored.log" || {
	echo "FAIL: log does not report the bad guest"; cat "$T/sim/pvstored.log"
	exit 1; }
echo "ok   log"
