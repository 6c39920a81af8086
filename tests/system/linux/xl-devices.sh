#!/bin/bash
# timeout: 1200
# Debian's own toolstack with split drivers: the reference dom0 of
# ../shared/reference/xen-stack (Linux 6.1 with xen-blkback, xen-netback,
# xl/libxl and its shell hotplug scripts) boots on Xen 4.17 and on pvisor
# under the same QEMU command line (-nic none: the network is dom0's
# xenbr0 and the domU's vif), runs `xl create` of the disk+vif domU, and
# reads the domU's own I/O tests from its console
# (tests/linux/xl-devices-guest-init.sh): a 4 MiB pattern written to xvda
# with fsync and read back direct, dom0's signature at sector 0, ping over
# the bridge, 8 MiB each way over TCP with checksums. Then `xl destroy`,
# and nothing may be left: domains, backend nodes, loop devices, vifs,
# bridge ports. Passes when every check passes on Xen and pvisor gives
# the same results; rates and times are printed side by side.
# Under TCG on a loaded 2-CPU host (load ~13): the Xen boot 280-313 s,
# pvisor's 153-245 s (2026-12-06, same run: 313 s and 153 s).
#   PVISOR_XLDEV_WORK=DIR   where the reference images are built (kept between runs)
#   PVISOR_XLDEV_ONLY=xen|pvisor   boot only one (its own checks)
#   PVISOR_XLDEV_PVISOR_ARGS="perfc profile"   more hypervisor options for pvisor's boot
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
T=${PVISOR_TEST_TMP:-$(mktemp -d /tmp/pvtest-xldev.XXXXXX)}
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -x "$REF/build.sh" ] || REF=/work/shared/reference/xen-stack
# its own build tree: build.sh starts with rm -rf of its unpacked trees, so
# sharing xl-toolstack.sh's would race; the .debs are reused from there
export XA_WORK=${PVISOR_XLDEV_WORK:-/tmp/pvisor-xl-devices-stack}
SKIP=77
ONLY=${PVISOR_XLDEV_ONLY:-}   # "xen" or "pvisor": boot one (its checks only)

[ -x "$REF/build.sh" ] || { echo "skip: no reference stack (shared/reference/xen-stack)"; exit $SKIP; }
[ -f "$BUILD/pvisor.elf" ] || { echo "FAIL: $BUILD/pvisor.elf not built (make)"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit $SKIP; }

# ---- images: the reference build; this test's dom0 /init and domU /init,
# in copies (the reference tree is shared with xl-toolstack.sh)
cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
mkdir -p "$XA_WORK/debs"
for d in /tmp/pvisor-xl-stack/debs; do
	[ -d "$d" ] && cp -n "$d"/*.deb "$XA_WORK/debs/" 2>/dev/null
done
if ! flock "$XA_WORK.lock" "$T/ref/build.sh" >"$T/build.log" 2>&1; then
	tail -20 "$T/build.log"
	echo "FAIL: building the reference stack images"
	exit 1
fi
OUT=$XA_WORK/out
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1) >"$2"; }
cp -a "$XA_WORK/x/ird-guest" "$T/ird-guest"
install -m 755 "$ROOT/tests/linux/xl-devices-guest-init.sh" "$T/ird-guest/init"
cp -a "$XA_WORK/x/ird-dom0" "$T/ird-dom0"
mkcpio "$T/ird-guest" "$T/ird-dom0/guest/initrd.gz"
install -m 755 "$ROOT/tests/linux/xl-devices-dom0-init.sh" "$T/ird-dom0/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/ird-dom0/etc/ref-dom0-bringup.sh"
mkcpio "$T/ird-dom0" "$T/dom0-xldev.cpio.gz"
rm -rf "$T/ird-guest" "$T/ird-dom0"

HV_ARGS="console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
boot() {   # boot NAME IMAGE [MORE_HV_ARGS]: the serial log in $T/NAME.txt
	local t0=$SECONDS
	timeout 540 qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$2" -append "$HV_ARGS${3:+ $3}" \
		-initrd "$OUT/vmlinuz-dom0 console=hvc0,$T/dom0-xldev.cpio.gz" </dev/null >/dev/null 2>&1
	echo "$1: QEMU exit $? after $((SECONDS - t0)) s"
	tr -d '\r' <"$T/$1.log" >"$T/$1.txt"
}
HVS="xen pvisor"
[ -n "$ONLY" ] && HVS=$ONLY
for hv in $HVS; do
	case $hv in xen) boot xen "$OUT/xen.elf" ;; pvisor) boot pvisor "$BUILD/pvisor.elf" "${PVISOR_XLDEV_PVISOR_ARGS:-}" ;; esac
done

fail=0
bad() { echo "FAIL $*"; fail=1; }
# value HV NAME: a result line of dom0 (XL-RESULT) or of the guest (GUEST-RESULT)
value() { grep -as "^XL-RESULT $2 \|GUEST-RESULT $2 " "$T/$1.txt" | tail -1 | sed 's/.*RESULT [^ ]* \([^ ]*\).*/\1/'; }
section_rc() { grep -a "^XL-END $2 " "$T/$1.txt" | sed 's/.*rc=//'; }
check() {   # check HV NAME EXPECTED
	local v; v=$(value "$1" "$2")
	[ "$v" = "$3" ] || bad "$1: $2 is '${v:-missing}', expected '$3'"
}
for hv in $HVS; do
	grep -aq '^XL-DONE' "$T/$hv.txt" || bad "$hv: the dom0 script did not finish"
	[ "$(section_rc $hv create)" = 0 ] || bad "$hv: xl create exit status '$(section_rc $hv create)'"
	[ "$(section_rc $hv destroy)" = 0 ] || bad "$hv: xl destroy exit status '$(section_rc $hv destroy)'"
	grep -aq 'GUEST-IO-DONE' "$T/$hv.txt" || bad "$hv: the guest's I/O tests did not finish"
	check $hv xvda_sectors 65536
	check $hv xvda_write_4MiB_rc 0
	check $hv xvda_pattern_readback_ok 1
	check $hv xvda_dom0_signature_ok 1
	check $hv disk_pattern_md5 "$(value $hv xvda_pattern_md5)"
	check $hv eth0_mac 00:16:3e:5a:00:01
	check $hv ping_received 5
	check $hv http_rx_md5 "$(value $hv http_blob_md5)"
	check $hv nc_tx_rc 0
	check $hv nc_rx_bytes 8388608
	check $hv nc_rx_md5 "$(value $hv nc_tx_md5)"
	for k in left_domains left_backend_nodes left_loop_devices left_vifs left_bridge_ports left_domain_nodes; do
		check $hv $k 0
	done
done
# the pattern is the same on both (written by the same awk line)
if [ -z "$ONLY" ]; then
	[ "$(value xen xvda_pattern_md5)" = "$(value pvisor xvda_pattern_md5)" ] ||
		bad "pattern md5: xen $(value xen xvda_pattern_md5) pvisor $(value pvisor xvda_pattern_md5)"
fi
# hypervisor lines that repeat in pvisor's log (3 or more times) are bugs:
if [[ " $HVS " == *" pvisor "* ]]; then
	# its own lines once dom0 runs, not the boot listing xl dmesg prints again
	# nor the perfc/profile dump (PVISOR_XLDEV_PVISOR_ARGS)
	rep=$(awk '/^\(PV\) dom0: command line/ {on = 1; next} /^XL-BEGIN dmesg/ {skip = 1}
		/^XL-END dmesg/ {skip = 0; next} on && !skip && /^\(PV\)/ && !/^\(PV\) (perfc|profile):/' "$T/pvisor.txt" |
		sed 's/[0-9a-fx]\{4,\}/N/g' | sort | uniq -c | awk '$1 >= 3' | sort -rn | head -5)
	[ -z "$rep" ] || { echo "pvisor log lines that repeat:"; echo "$rep"; bad "pvisor: repeated hypervisor log lines"; }
fi

printf '%-24s %12s %12s\n' figure xen pvisor
for k in xl_create create_to_marker create_to_iodone xvda_write_rate xvda_read_rate ping_avg \
         http_rx_rate nc_tx_rate xl_destroy; do
	printf '%-24s %12s %12s\n' $k "$(value xen $k)" "$(value pvisor $k)"
done
if [ $fail = 0 ]; then
	echo "xl-devices: 1 passed, 0 failed"
else
	echo "xl-devices: 0 passed, 1 failed (logs: $T/xen.txt, $T/pvisor.txt)"
fi
exit $fail
