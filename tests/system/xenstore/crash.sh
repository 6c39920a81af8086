#!/bin/bash
# timeout: 90
# Crash consistency: kill -9 during write storms from socket clients (one
# request at a time, and 16 pipelined) and simulated guests (their rings,
# pvstored --sim), restart, and every write that was acknowledged is
# there. Five rounds, each killed at a random moment.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED"
T=$PVISOR_TEST_TMP
fail=0
mkdir -p "$T/c" "$T/acks"
start() {
	rm -f "$T/c/socket"
	"$PVSTORED" --no-fork --socket "$T/c/socket" --sim "$T/c" \
		>>"$T/c/pvstored.log" 2>&1 &
	PV_PID=$!
	_pids="$_pids $PV_PID"
	wait_socket "$T/c/socket" || { tail "$T/c/pvstored.log"; exit 1; }
}
start
for r in 1 2 3 4 5; do
	python3 "$XS_TESTS/crash-storm.py" storm "$T/c/socket" "$T/c" $r 0 "$T/acks" \
		>"$T/storm.$r" 2>&1 &
	storm=$!
	for i in $(seq 200); do
		grep -q "storm running" "$T/storm.$r" && break
		sleep 0.05
	done
	sleep 0.$((RANDOM % 4 + 2))
	kill -9 "$PV_PID"
	wait "$PV_PID" 2>/dev/null
	wait "$storm" || { echo "FAIL storm $r:"; cat "$T/storm.$r"; fail=1; }
	start
	if python3 "$XS_TESTS/crash-storm.py" check "$T/c/socket" "$T/acks" >"$T/check.$r"; then
		echo "ok   kill -9 round $r: $(tail -1 "$T/check.$r")"
	else
		echo "FAIL kill -9 round $r:"; cat "$T/check.$r"; fail=1
	fi
done
pv_stop
exit $fail
