#!/bin/bash
# timeout: 300
# pvconsoled on the host against pvstored and simulated guests (pages are
# files, --sim): output to NAME.log and the pty, console/tty written,
# input through the attach client into the guest's ring, hostile ring
# indexes (one log line, the others still served), a flooding guest
# rate-limited while a quiet one stays prompt, log files capped by
# rotation, a guest that dies right after writing (its last bytes kept),
# and 100 domains coming and going twice without leaking fds or mappings.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
T=${PVISOR_TEST_TMP:-$(mktemp -d /tmp/pvtest-consim.XXXXXX)}
PVC=$BUILD/toolstack/pvconsoled G=$BUILD/tests/toolstack/cons-sim-guest
for b in "$PVC" "$G" "$BUILD/pvstored"; do
	[ -x "$b" ] || { echo "FAIL: $b not built (make)"; exit 1; }
done
command -v xenstore-write >/dev/null || { echo "skip: no xenstore-utils"; exit 77; }
export XENSTORED_PATH=$T/xs
mkdir -p "$T/doms" "$T/logs"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

fail=0
bad() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }
wait_for() {   # wait_for SECONDS COMMAND...
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do [ $SECONDS -ge $end ] && return 1; sleep 0.05; done
}
mkdom() {   # mkdom ID NAME
	truncate -s 4096 "$T/doms/$1"
	xenstore-write /local/domain/$1/name "$2" /local/domain/$1/console/ring-ref $1 \
		/local/domain/$1/console/port 1 /local/domain/$1/console/type xenconsoled \
		/local/domain/$1/console/limit 1048576
}
rmdom() { rm -f "$T/doms/$1"; xenstore-rm /local/domain/$1; }
in_log() { grep -aq -- "$2" "$T/logs/$1.log"; }

"$BUILD/pvstored" --no-fork --no-persist -D --socket "$T/xs" 2>"$T/pvstored.err" &
pids+=($!)
wait_for 10 test -S "$T/xs" || { echo "FAIL: pvstored did not start"; exit 1; }
"$PVC" --no-fork --sim "$T/doms" --log-dir "$T/logs" --log-max-size 64K --pid-file "$T/pvc.pid" 2>"$T/daemon.err" &
PID=$!
pids+=($PID)
wait_for 10 test -s "$T/pvc.pid" || { echo "FAIL: pvconsoled did not start"; cat "$T/daemon.err"; exit 1; }
res() { echo "fds=$(ls /proc/$PID/fd | wc -l) maps=$(grep -c "$T/doms" /proc/$PID/maps)"; }
base=$(res)

# ---- output, tty, input
mkdom 1 g1
"$G" write "$T/doms/1" "hello-from-g1"$'\n'
wait_for 5 in_log g1 hello-from-g1 && ok "guest output in g1.log" || bad "no guest output in g1.log"
tty=$(xenstore-read /local/domain/1/console/tty 2>/dev/null)
[ -c "$tty" ] && ok "console/tty is a pty ($tty)" || bad "console/tty '$tty'"
( sleep 0.5; printf 'typed-into-g1'; sleep 1; printf '\035' ) | timeout 10 "$PVC" --attach g1 >"$T/attach.out" 2>&1 &
apid=$!
sleep 0.8
"$G" write "$T/doms/1" "while-attached"$'\n'
wait $apid; arc=$?
[ $arc = 0 ] && ok "attach client detached on Ctrl-]" || bad "attach exit status $arc"
grep -aq while-attached "$T/attach.out" && ok "attach client shows the output" || bad "attach output: $(head -c 200 "$T/attach.out")"
got=$("$G" read-in "$T/doms/1")
[ "$got" = typed-into-g1 ] && ok "typed input reached the guest's ring" || bad "input ring holds '$got'"

# the terminal: raw while attached, restored after Ctrl-]
term=$(python3 - "$PVC" <<'PY'
import os, pty, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--attach", "g1"])
before = termios.tcgetattr(fd)[3] & termios.ICANON
time.sleep(1.0)
during = termios.tcgetattr(fd)[3] & termios.ICANON
os.write(fd, b"\x1d")
_, st = os.waitpid(pid, 0)
after = termios.tcgetattr(fd)[3] & termios.ICANON
print("cooked" if before else "raw", "raw" if not during else "cooked",
      "cooked" if after else "raw", os.waitstatus_to_exitcode(st))
PY
)
[ "$term" = "cooked raw cooked 0" ] && ok "terminal raw while attached, restored on Ctrl-]" || bad "terminal modes before/during/after, status: $term"

# ---- hostile indexes
mkdom 2 g2
wait_for 5 test -n "$(xenstore-read /local/domain/2/console/tty 2>/dev/null)"
"$G" bad "$T/doms/2"
sleep 1
n=$(grep -c 'dom2: console output indexes out of range' "$T/daemon.err")
[ "$n" = 1 ] && ok "bad indexes: one log line" || bad "bad indexes logged $n times"
"$G" write "$T/doms/1" "after-bad"$'\n'
wait_for 5 in_log g1 after-bad && ok "other guests still served" || bad "g1 not served after g2's bad ring"

# ---- flood, fairness, log cap, death right after a write
mkdom 3 flood
wait_for 5 test -n "$(xenstore-read /local/domain/3/console/tty 2>/dev/null)"
"$G" flood "$T/doms/3" 3 >"$T/flood.out" &
fpid=$!
sleep 1
t0=$(date +%s%N)
"$G" write "$T/doms/1" "quiet-marker"$'\n'
wait_for 5 in_log g1 quiet-marker; lat=$((($(date +%s%N) - t0) / 1000000))
[ "$lat" -lt 500 ] && ok "quiet guest served in $lat ms during the flood" || bad "quiet guest took $lat ms"
wait $fpid
took=$(cat "$T/flood.out")
# 30 events of at most 2048 bytes per 200 ms: 307200 bytes/s, 3 s (+1 period of slack)
[ "$took" -le $((16 * 30 * 2048)) ] && ok "flood rate-limited: $took bytes taken in 3 s" || bad "flood: $took bytes in 3 s"
s0=$(stat -c %s "$T/logs/flood.log"); s1=$(stat -c %s "$T/logs/flood.log.1" 2>/dev/null || echo 0)
[ "$s0" -le 65536 ] && [ "$s1" -le 65536 ] && [ "$s1" -gt 0 ] && ok "flood.log capped: $s0 + $s1 bytes (rotated)" ||
	bad "flood log sizes $s0 / $s1"
"$G" write "$T/doms/3" "last-words"$'\n'
rmdom 3
sleep 0.5
in_log flood last-words && ok "a dying guest's last output is in the log" || bad "last-words lost"

# ---- 100 domains coming and going, twice
rmdom 1; rmdom 2
wait_for 5 test "$(res)" = "$base"
for round in 1 2; do
	for i in $(seq 10 109); do mkdom $i "many$i"; done
	for i in $(seq 10 109); do "$G" write "$T/doms/$i" "up-$i-$round"$'\n' & done
	wait_for 30 sh -c "for i in \$(seq 10 109); do grep -q up-\$i-$round $T/logs/many\$i.log || exit 1; done" &&
		ok "round $round: 100 domains logged ($(res) while running)" || bad "round $round: not every domain logged"
	for i in $(seq 10 109); do rmdom $i; done
	wait_for 10 test "$(res)" = "$base"
	[ "$(res)" = "$base" ] && ok "round $round: back to $base" || bad "round $round: $(res), was $base"
done

kill -TERM $PID; wait $PID; rc=$?
[ $rc = 0 ] && [ ! -e "$T/pvc.pid" ] && ok "SIGTERM: clean exit" || bad "exit status $rc after SIGTERM"
lines=$(wc -l <"$T/daemon.err")
[ "$lines" -le 5 ] && ok "daemon log: $lines lines" || { bad "daemon log has $lines lines"; head "$T/daemon.err"; }
if [ $fail = 0 ]; then echo "console-sim: 1 passed, 0 failed"; rm -rf "$T"; else echo "console-sim: 0 passed, 1 failed ($T)"; fi
exit $fail
