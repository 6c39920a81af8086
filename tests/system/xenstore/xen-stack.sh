#!/bin/bash
# timeout: 1200
# pvstored as the xenstored of a real Xen 4.17 machine (under QEMU TCG):
# Debian's dom0 kernel attaches through /proc/xen/xsd_kva, xl/libxl and
# xenconsoled drive it, and a domU's blkfront/netfront connect to
# blkback/netback through it; the guest reads its disk, pings dom0 and
# moves data both ways; guests power off and are destroyed.
# Uses the reference stack in /work/shared/reference/xen-stack (copied to
# a temporary directory; its images go to $XA_WORK, default
# /tmp/xenanchor-pv). Slow (several minutes), so opt-in:
#   PVISOR_XS_XEN_STACK=1 tests/run-tests.py -k xen-stack
. "$(dirname "$0")/lib.sh"
REF=${XS_XEN_STACK_REF:-/work/shared/reference/xen-stack}
[ "${PVISOR_XS_XEN_STACK:-0}" = 1 ] || { echo "skip: set PVISOR_XS_XEN_STACK=1"; exit $SKIP; }
[ -x "$REF/build.sh" ] || { echo "skip: no reference stack at $REF"; exit $SKIP; }
need "$PVSTORED"
export XA_WORK=${XA_WORK:-/tmp/xenanchor-pv}
S=$PVISOR_TEST_TMP/xen-stack
cp -r "$REF" "$S"
chmod -R u+w "$S"
"$S/build.sh" >"$PVISOR_TEST_TMP/build.log" 2>&1 ||
	{ tail -20 "$PVISOR_TEST_TMP/build.log"; exit 1; }
# dom0 runs pvstored instead of C xenstored, and shows its log at the end
D=$XA_WORK/x/ird-dom0
cp "$PVSTORED" "$D/usr/sbin/pvstored"
sed -i \
  -e 's|^XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstore.pid$|pvstored --pid-file /run/xenstore.pid --log-file /run/pvstored.log --log-level info|' \
  -e 's|^finish() {$|finish() {\n    echo XA-PVLOG-BEGIN; cat /run/pvstored.log; /usr/lib/xen-4.17/bin/xenstore-control memreport; echo XA-PVLOG-END|' \
  "$D/init"
grep -q '^pvstored ' "$D/init" || { echo "could not switch the dom0 init to pvstored"; exit 1; }
(cd "$D" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -6) \
	>"$XA_WORK/out/dom0-initrd.gz"
XA_CYCLES=1 "$S/run.sh" direct-xl >"$PVISOR_TEST_TMP/results.txt" 2>&1
cat "$PVISOR_TEST_TMP/results.txt"
log=$(ls -td "$XA_WORK"/logs/*/ | head -1)direct-xl.log
sed -n '/XA-PVLOG-BEGIN/,/XA-PVLOG-END/p' "$log"
fail=0
want() {   # want NAME REGEX
	if grep -qE "^direct_xl_$1 $2" "$PVISOR_TEST_TMP/results.txt"; then
		echo "ok   $1"
	else
		echo "FAIL $1 (want $2)"
		fail=1
	fi
}
want io_xl_create_rc '0 '
want domu_xvda_signature_ok '1 '
want domu_ping_received '5 '
want dom0_nc_rx_bytes '33554432 '
want io_xl_destroy_rc '0 '
want off_create_to_gone '[0-9]'
want cyc_dev_create_to_marker_median '[0-9]'
want cyc_min_xl_destroy_median '[0-9]'
grep -q "events-dropped: 0" "$log" && echo "ok   no events dropped" ||
	{ echo "FAIL events dropped"; fail=1; }
exit $fail
