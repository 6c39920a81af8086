#!/bin/bash
# timeout: 90
# Running out of file descriptors does not spin the daemon or flood its
# log: pvstored raises its descriptor limit at start, pauses accepting
# while it has none left, and rate-limits repeated log lines; a log file
# is capped (rotated once).
. "$(dirname "$0")/lib.sh"
need "$PVSTORED"
T=$PVISOR_TEST_TMP
fail=0
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# the soft limit goes up to the hard one
hard=$(ulimit -Hn)
ulimit -Sn 100
pv_start "$T/lim" --no-persist
ulimit -Sn "$hard"
soft=$(awk '/Max open files/ {print $4}' "/proc/$PV_PID/limits")
[ "$soft" = "$hard" ] && echo "ok   descriptor limit raised to $hard" ||
	{ echo "FAIL descriptor limit $soft, hard limit $hard"; fail=1; }
pv_stop

# no descriptors left: 150 clients against a limit of 40
mkdir -p "$T/ex"
(ulimit -n 40; exec "$PVSTORED" --no-fork --socket "$T/ex/socket" --no-persist) \
	>>"$T/ex/pvstored.log" 2>&1 &
PV_PID=$!
_pids="$_pids $PV_PID"
wait_socket "$T/ex/socket" || exit 1
python3 - "$T/ex/socket" "$PV_PID" <<'PY' || fail=1
import socket, struct, sys, time
path, pid = sys.argv[1], sys.argv[2]
def ticks():
    f = open('/proc/%s/stat' % pid).read().rsplit(')', 1)[1].split()
    return int(f[11]) + int(f[12])
def call(s, t, payload):
    s.sendall(struct.pack('<IIII', t, 1, 0, len(payload)) + payload)
    h = s.recv(16)
    return s.recv(struct.unpack('<IIII', h)[3])
conns = []
for i in range(150):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
    except (BlockingIOError, ConnectionRefusedError, OSError):
        pass
    conns.append(s)
t0, c0 = time.time(), ticks()
time.sleep(2)
cpu = (ticks() - c0) / 100.0
ok = True
print(('ok   ' if cpu < 0.4 else 'FAIL ') + 'daemon CPU while out of descriptors: %.2f s in 2 s' % cpu)
ok = ok and cpu < 0.4
for s in conns:
    s.close()
time.sleep(0.5)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(path)
r = call(s, 10, b'1\0')
print(('ok   ' if r == b'/local/domain/1\0' else 'FAIL ') + 'served again once descriptors are free')
sys.exit(0 if ok and r == b'/local/domain/1\0' else 1)
PY
pv_stop
size=$(stat -c %s "$T/ex/pvstored.log")
[ "$size" -lt 20000 ] && echo "ok   log stays small ($size bytes)" ||
	{ echo "FAIL log grew to $size bytes"; head -5 "$T/ex/pvstored.log"; fail=1; }
grep -q "accept: Too many open files; not accepting connections" "$T/ex/pvstored.log" &&
	echo "ok   running out is logged" || { echo "FAIL not logged"; fail=1; }

# a client repeating what gets logged: lines are rate-limited
pv_start "$T/rl" --no-persist
python3 - "$T/rl/socket" <<'PY'
import socket, sys
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(b'\xff' * 32)
    s.recv(1)
    s.close()
PY
n=$(grep -c "closing the connection" "$T/rl/pvstored.log")
[ "$n" -le 11 ] && echo "ok   300 bad clients, $n log lines" ||
	{ echo "FAIL 300 bad clients, $n log lines"; fail=1; }
pv_stop

# the log file is capped
pv_start "$T/cap" --no-persist --log-level debug --log-file "$T/cap/log" --log-max-size 20000
python3 - "$T/cap/socket" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
for i in range(1000):
    s.sendall(struct.pack('<IIII', 10, i, 0, 2) + b'1\0')
    s.recv(16 + 16)
PY
size=$(stat -c %s "$T/cap/log")
[ "$size" -le 20200 ] && [ -s "$T/cap/log.old" ] &&
	echo "ok   log file capped ($size bytes, one old file)" ||
	{ echo "FAIL log file $size bytes"; fail=1; }
pv_stop
exit $fail
