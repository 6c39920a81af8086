#!/bin/bash
# timeout: 60
# Restart without losing the store: the snapshot and write-ahead log
# (default path: pvstored.db next to the socket) survive kill -9 and a
# clean stop; a torn log tail is skipped; introduced guests are
# reconnected with their watches; --no-persist starts empty.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED" "$XS_TOOLS/xs-probe"
T=$PVISOR_TEST_TMP
fail=0
export XENSTORED_PATH=$T/r/socket

pv_start "$T/r" --log-level info
xenstore-write /keep/a 1 /keep/b/c "two words"
xenstore-chmod /keep/a n0 r3
for i in $(seq 100); do echo "/keep/many/k$i v$i"; done | xargs -n 50 xenstore-write
xenstore-rm /keep/many/k50
kill -9 "$PV_PID"; wait "$PV_PID" 2>/dev/null
pv_start "$T/r" --log-level info
got="$(xenstore-read /keep/a /keep/b/c; xenstore-ls -p /keep | head -1;
       xenstore-list /keep/many | wc -l; xenstore-exists /keep/many/k50; echo $?)"
want="1
two words
a = \"1\"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r3)
99
1"
[ "$got" = "$want" ] && echo "ok   survives kill -9" ||
	{ echo "FAIL after kill -9:"; echo "$got"; fail=1; }

# clean stop, then a torn tail in the log (a crash in mid-write)
xenstore-write /keep/late yes
pv_stop
printf 'PVXF\x40\0\0\0torn' >>"$T/r/pvstored.db.wal"
pv_start "$T/r" --log-level info
[ "$(xenstore-read /keep/late)" = yes ] && echo "ok   survives a clean stop" ||
	{ echo "FAIL after stop"; fail=1; }
grep -q "ignoring .* bytes after the last intact frame" "$T/r/pvstored.log" &&
	echo "ok   torn log tail reported and skipped" ||
	{ echo "FAIL torn tail not reported"; fail=1; }
pv_stop

# --no-persist: a fresh store
pv_start "$T/r" --no-persist
xenstore-exists /keep/a && { echo "FAIL --no-persist restored"; fail=1; } ||
	echo "ok   --no-persist starts empty"
pv_stop

# a guest's ring, its ownership and its watch survive a crash
mkdir -p "$T/g"
cat >"$T/restart-daemon" <<EOS
#!/bin/bash
kill -9 \$(cat $T/g/pid)
sleep 0.2
rm -f $T/g/socket
$PVSTORED --no-fork --socket $T/g/socket --sim $T/g --log-level info >>$T/g/pvstored.log 2>&1 &
echo \$! >$T/g/pid
for i in \$(seq 100); do [ -S $T/g/socket ] && break; sleep 0.05; done
EOS
chmod +x "$T/restart-daemon"
"$PVSTORED" --no-fork --socket "$T/g/socket" --sim "$T/g" --log-level info \
	>>"$T/g/pvstored.log" 2>&1 &
echo $! >"$T/g/pid"
wait_socket "$T/g/socket"
RESTART_DAEMON=$T/restart-daemon "$XS_TOOLS/xs-probe" -s "$T/g/socket" -g "$T/g" \
	<(sed "s|\$RESTART_DAEMON|$T/restart-daemon|" "$XS_TESTS/pv-only/restart.probe") \
	>"$T/restart.out" 2>&1
kill "$(cat "$T/g/pid")"
check guest-restart "$T/restart.out" "$XS_TESTS/pv-only/restart.out" ||
	{ tail "$T/g/pvstored.log"; fail=1; }
exit $fail
