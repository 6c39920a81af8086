#!/bin/bash
# timeout: 60
# A client that finds the socket can connect at once: pvstored makes the
# socket appear only when it listens (tests and init scripts wait for the
# file). bind() returns late (strace's delay injection) so that a
# socket shown before it listens would be caught every time.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED"
T=$PVISOR_TEST_TMP
mkdir -p "$T/s"
command -v strace >/dev/null || { echo "no strace here"; exit $SKIP; }
refused=0
for i in $(seq 3); do
	rm -f "$T/s/socket" "$T/s/socket_ro"
	# the client first, waiting for the file
	python3 - "$T/s/socket" >"$T/s/client.out" 2>&1 <<'PY' &
import os, socket, sys, time
path = sys.argv[1]
end = time.time() + 10
while not os.path.exists(path):
    if time.time() > end:
        print("no socket")
        sys.exit(1)
    time.sleep(0.001)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(path)
except OSError as e:
    print("connect right after the socket appeared: %s" % e)
    sys.exit(1)
PY
	client=$!
	sleep 0.3
	strace -o /dev/null -e trace=bind -e inject=bind:delay_exit=300000 \
		"$PVSTORED" --no-fork --socket "$T/s/socket" \
		--no-persist >>"$T/s/pvstored.log" 2>&1 &
	pid=$!
	wait "$client" || { refused=$((refused + 1)); cat "$T/s/client.out"; }
	kill $(pgrep -P "$pid") 2>/dev/null   # the daemon under strace
	wait "$pid" 2>/dev/null
done
[ $refused = 0 ] && echo "ok   3 starts: the socket accepts as soon as it exists" ||
	{ echo "FAIL $refused of 3 starts refused a client that found the socket"; exit 1; }
