# Shared helpers for pvstored's system tests (sourced, not run).
# Needs PVISOR_ROOT, PVISOR_BUILD, PVISOR_TEST_TMP (set by tests/run-tests.py;
# defaults let a test run by hand from the top of the tree).
set -u
PVISOR_ROOT=${PVISOR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
PVISOR_BUILD=${PVISOR_BUILD:-$PVISOR_ROOT/build}
PVISOR_TEST_TMP=${PVISOR_TEST_TMP:-$(mktemp -d /tmp/pvtest-xs.XXXXXX)}
mkdir -p "$PVISOR_TEST_TMP"
PVSTORED=$PVISOR_BUILD/pvstored
XS_TOOLS=$PVISOR_BUILD/xenstore
XS_TESTS=$PVISOR_ROOT/tests/system/xenstore
SKIP=77
_pids=""

cleanup() {
	local p
	for p in $_pids; do
		kill "$p" 2>/dev/null
	done
	for p in $_pids; do
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT

need() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || { echo "missing $f: run make first"; exit 1; }
	done
}

# wait_socket PATH: until a daemon accepts connections there (5 s): a
# socket file alone does not say it listens yet
wait_socket() {
	python3 - "$1" <<'PY' && return 0
import socket, sys, time
end = time.time() + 5
while time.time() < end:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[1])
        s.close()
        sys.exit(0)
    except OSError:
        s.close()
        time.sleep(0.02)
sys.exit(1)
PY
	echo "no daemon accepting connections at $1 after 5 s"
	return 1
}

# pv_start DIR [ARGS...]: pvstored serving DIR/socket; sets PV_PID
pv_start() {
	local dir=$1
	shift
	mkdir -p "$dir"
	rm -f "$dir/socket"
	"$PVSTORED" --no-fork --socket "$dir/socket" "$@" >>"$dir/pvstored.log" 2>&1 &
	PV_PID=$!
	_pids="$_pids $PV_PID"
	wait_socket "$dir/socket" || { cat "$dir/pvstored.log"; exit 1; }
}

pv_stop() {
	kill "$PV_PID" 2>/dev/null
	wait "$PV_PID" 2>/dev/null
}

# Xen's own daemon (oxenstored), from the shared tools when present.
OX_TOOLS=${XS_OX_TOOLS:-/work/shared/tools}
OX_ROOT=$PVISOR_BUILD/xenstore/xsd

# ox_available: 0 if oxenstored can be started here
ox_available() {
	[ -f "$OX_TOOLS/oxsd-run.c" ] && [ -x "$OX_TOOLS/get-real-daemon.sh" ] ||
		return 1
	[ "$(id -u)" = 0 ] || return 1
	if [ ! -x "$XS_TOOLS/oxsd-run" ]; then
		cc -O2 -o "$XS_TOOLS/oxsd-run" "$OX_TOOLS/oxsd-run.c" || return 1
	fi
	if ! ls "$OX_ROOT"/usr/lib/xen-*/bin/oxenstored >/dev/null 2>&1; then
		"$OX_TOOLS/get-real-daemon.sh" "$OX_ROOT" >/dev/null 2>&1 || return 1
	fi
	return 0
}

# ox_start DIR: oxenstored serving DIR/socket; sets OX_PID
ox_start() {
	local dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"
	"$XS_TOOLS/oxsd-run" -r "$OX_ROOT" -d "$dir" >"$dir.log" 2>&1 &
	OX_PID=$!
	_pids="$_pids $OX_PID"
	wait_socket "$dir/socket" || { cat "$dir.log"; exit 1; }
}

ox_stop() {
	kill "$OX_PID" 2>/dev/null
	wait "$OX_PID" 2>/dev/null
}

# xenstore-control: Debian ships it in xen-utils-4.17 behind a wrapper
# that needs a Xen install; use the binary itself.
find_xenstore_control() {
	local b
	for b in "$OX_ROOT"/usr/lib/xen-*/bin/xenstore-control \
		 "$XS_TOOLS"/xen-utils/usr/lib/xen-*/bin/xenstore-control \
		 /usr/lib/xen-*/bin/xenstore-control; do
		[ -x "$b" ] && { echo "$b"; return 0; }
	done
	# (its own directory: the conformance test may be unpacking OX_ROOT)
	"$PVISOR_ROOT/scripts/fetch-deb.sh" xen-utils-4.17 "$XS_TOOLS/xen-utils" \
		>/dev/null 2>&1 || return 1
	for b in "$XS_TOOLS"/xen-utils/usr/lib/xen-*/bin/xenstore-control; do
		[ -x "$b" ] && { echo "$b"; return 0; }
	done
	return 1
}

# check NAME GOT WANT: compare two files, show the diff on mismatch
check() {
	if diff -u "$3" "$2" >"$PVISOR_TEST_TMP/$1.diff"; then
		echo "ok   $1"
		return 0
	fi
	echo "FAIL $1 (want: $3, got: $2)"
	head -60 "$PVISOR_TEST_TMP/$1.diff"
	return 1
}
