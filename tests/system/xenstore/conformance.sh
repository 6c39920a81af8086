#!/bin/bash
# timeout: 120
# Conformance: the same sessions (raw protocol scripts, Debian's xenstore-*
# tools, a client linked with libxenstore) against pvstored and against
# Xen's own oxenstored; transcripts must be identical. Without oxenstored
# (no /work/shared/tools, not root) the transcripts are checked against
# the ones recorded from oxenstored in conformance/expected/.
# Known, deliberate differences are not in these sessions; see
# xenstore/README.md.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED" "$XS_TOOLS/xs-probe" "$XS_TOOLS/xs-libclient"
T=$PVISOR_TEST_TMP
C=$XS_TESTS/conformance
live=false
if ox_available; then
	live=true
	echo "comparing with Xen's oxenstored ($(ls "$OX_ROOT"/usr/lib/xen-*/bin/oxenstored))"
else
	echo "oxenstored not available: comparing with transcripts recorded from it"
fi

# run_session NAME DAEMON SOCKET_DIR: one session, transcript in $T/NAME.DAEMON
run_session() {
	local name=$1 who=$2 dir=$3
	case $name in
	*.probe) "$XS_TOOLS/xs-probe" -s "$dir/socket" "$C/$name" ;;
	tools-session.sh) WATCH_OUT=$T/watch.$who XENSTORED_PATH=$dir/socket \
		bash "$C/tools-session.sh" ;;
	libclient) XENSTORED_PATH=$dir/socket "$XS_TOOLS/xs-libclient" ;;
	esac >"$T/$name.$who" 2>&1
}

fail=0
for s in $(cd "$C" && ls *.probe) tools-session.sh libclient; do
	pv_start "$T/pv-$s" --no-persist
	run_session "$s" pv "$T/pv-$s"
	pv_stop
	if $live; then
		ox_start "$T/ox-$s"
		run_session "$s" ox "$T/ox-$s"
		ox_stop
		check "$s" "$T/$s.pv" "$T/$s.ox" || fail=1
		# keep the recorded transcript in step (reported, not fatal)
		cmp -s "$T/$s.ox" "$C/expected/$s.out" ||
			echo "note: $C/expected/$s.out differs from today's oxenstored"
	else
		check "$s" "$T/$s.pv" "$C/expected/$s.out" || fail=1
	fi
done
exit $fail
