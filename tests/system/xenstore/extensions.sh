#!/bin/bash
# timeout: 60
# What pvstored does beyond or unlike oxenstored, on purpose: C xenstored's
# directory parts and control commands, the read-only socket, and
# robustness choices. Also Debian's xenstore-control and a libxenstore
# client using those extensions.
. "$(dirname "$0")/lib.sh"
need "$PVSTORED" "$XS_TOOLS/xs-probe" "$XS_TOOLS/xs-libclient"
T=$PVISOR_TEST_TMP
fail=0
pv_start "$T/ext" --no-persist
"$XS_TOOLS/xs-probe" -s "$T/ext/socket" "$XS_TESTS/pv-only/extensions.probe" \
	>"$T/extensions.out" 2>&1
check extensions "$T/extensions.out" "$XS_TESTS/pv-only/extensions.out" || fail=1

# libxenstore: xs_directory of 1000 children (directory parts), control
XENSTORED_PATH=$T/ext/socket "$XS_TOOLS/xs-libclient" --extended \
	>"$T/libclient-ext.out" 2>&1
check libclient-extended "$T/libclient-ext.out" \
	"$XS_TESTS/pv-only/libclient-extended.out" || fail=1

# Debian's tools on a directory that needs several parts
export XENSTORED_PATH=$T/ext/socket
for i in $(seq 0 499); do echo "/many/key$i value$i"; done | xargs -n 100 xenstore-write
n=$(xenstore-list /many | wc -l)
[ "$n" = 500 ] && echo "ok   xenstore-list of 500 keys" || { echo "FAIL xenstore-list: $n keys"; fail=1; }
n=$(xenstore-ls -f /many | grep -c '^/many/key.* = "value')
[ "$n" = 500 ] && echo "ok   xenstore-ls of 500 keys" || { echo "FAIL xenstore-ls: $n keys"; fail=1; }

# Debian's xenstore-control (from xen-utils-4.17, fetched when missing)
if ctl=$(find_xenstore_control); then
	{
		"$ctl" help | head -3
		"$ctl" quota | grep -E '^(nodes|watches|transactions) '
		"$ctl" quota nodes 1234
		"$ctl" quota | grep -E '^nodes '
		"$ctl" quota 0 | head -2
		"$ctl" check
		"$ctl" log info
		"$ctl" print "from xenstore-control"
		"$ctl" nonsense 2>&1
		echo "rc=$?"
	} >"$T/control.out" 2>&1
	check xenstore-control "$T/control.out" "$XS_TESTS/pv-only/control.out" || fail=1
	grep -q "control: from xenstore-control" "$T/ext/pvstored.log" &&
		echo "ok   print reached the log" ||
		{ echo "FAIL print did not reach the log"; fail=1; }
else
	echo "skip xenstore-control (xen-utils-4.17 not available)"
fi
exit $fail
