#!/bin/bash
# timeout: 120
# Robustness: clients that send garbage or oversized messages lose their
# own connection only; a client that never reads (replies or watch
# events) cannot make the daemon buffer without bound, and others are
# still served; many connections at once; logging at a chosen level.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED"
T=$PVISOR_TEST_TMP
fail=0
pv_start "$T/rb" --no-persist --log-level info
export XENSTORED_PATH=$T/rb/socket
rss() { awk '/VmRSS/ {print $2}' /proc/$PV_PID/status; }

/usr/bin/python3 - "$T/rb/socket" <<'PY' || fail=1
import socket, struct, sys, time, os
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
def msg(t, payload, req=1, tx=0):
    return struct.pack('<IIII', t, req, tx, len(payload)) + payload
def call(s, t, payload):
    s.sendall(msg(t, payload))
    while True:
        h = b''
        while len(h) < 16:
            c = s.recv(16 - len(h))
            if not c:
                return None
            h += c
        typ, req, tx, ln = struct.unpack('<IIII', h)
        body = b''
        while len(body) < ln:
            body += s.recv(ln - len(body))
        if typ != 15:
            return (typ, body)
def closed(s, wait=1.0):
    s.settimeout(wait)
    try:
        return s.recv(1) == b''
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
ok = True
def check(name, cond):
    global ok
    print(('ok   ' if cond else 'FAIL ') + name)
    ok = ok and cond
good = conn()
check('plain request', call(good, 11, b'/rb/x\0v') == (11, b'OK\0'))
# oversized, garbage, truncated-then-closed
bad = conn(); bad.sendall(struct.pack('<IIII', 2, 1, 0, 4097)); check('oversized message closes it', closed(bad))
bad = conn(); bad.sendall(b'\xff' * 64); check('garbage closes it', closed(bad))
bad = conn(); bad.sendall(msg(11, b'/rb/half\0v')[:20]); bad.close()
check('others unaffected', call(good, 2, b'/rb/x\0') == (2, b'v'))
# many connections at once
many = [conn() for _ in range(400)]
check('400 connections answer', all(call(c, 10, b'1\0') == (10, b'/local/domain/1\0') for c in many[::20]))
for c in many: c.close()
# a client that pipelines and never reads its replies
hog = conn(); hog.setblocking(False)
req = msg(2, b'/rb/x\0') * 64
sent = 0
t0 = time.time()
while time.time() - t0 < 3:
    try:
        sent += hog.send(req)
    except BlockingIOError:
        time.sleep(0.01)
check('a client not reading its replies is throttled (%d KiB accepted)' % (sent // 1024),
      sent < 64 << 20)
t0 = time.time()
check('others still served', call(good, 2, b'/rb/x\0') == (2, b'v'))
check('promptly (%.1f ms)' % ((time.time() - t0) * 1000), time.time() - t0 < 0.5)
# a watcher that never reads its events
lazy = conn()
lazy.sendall(msg(4, b'/rb\0lazy\0'))
for i in range(20000):
    if call(good, 11, b'/rb/x\0%d' % i) != (11, b'OK\0'):
        break
check('writes go on while a watcher sleeps', call(good, 2, b'/rb/x\0') == (2, b'19999'))
sys.exit(0 if ok else 1)
PY
kb=$(rss)
[ "$kb" -lt 65536 ] && echo "ok   daemon RSS bounded (${kb} KiB)" ||
	{ echo "FAIL daemon RSS ${kb} KiB"; fail=1; }
grep -q "not reading its watch events" "$T/rb/pvstored.log" &&
	echo "ok   dropped events are logged" || { echo "FAIL no log of dropped events"; fail=1; }
grep -q "message of 4097 bytes; closing the connection" "$T/rb/pvstored.log" &&
	echo "ok   bad client logged" || { echo "FAIL bad client not logged"; fail=1; }
pv_stop

# log levels: debug shows requests, error shows none of that
pv_start "$T/lv" --no-persist --log-level debug
XENSTORED_PATH=$T/lv/socket xenstore-write /lv/x 1
grep -q "WRITE tx 0" "$T/lv/pvstored.log" && echo "ok   debug log shows requests" ||
	{ echo "FAIL debug log"; fail=1; }
pv_stop
rm -rf "$T/lv"
pv_start "$T/lv" --no-persist --log-level error
XENSTORED_PATH=$T/lv/socket xenstore-write /lv/x 1
XENSTORED_PATH=$T/lv/socket xenstore-read /lv/nothere 2>/dev/null
[ ! -s "$T/lv/pvstored.log" ] && echo "ok   error log quiet" ||
	{ echo "FAIL error log not quiet:"; cat "$T/lv/pvstored.log"; fail=1; }
exit $fail
