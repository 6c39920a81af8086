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
#   PVISOR_XL_WORK=DIR   where the reference images are built (kept between runs)
#   PVISOR_XLDEV_ONLY=xen|pvisor   boot only one (its own checks)
#   PVISOR_XLDEV_PVISOR_ARGS="perfc profile"   more hypervisor options for pvisor's boot
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$ROOT/tests/linux/ref-stack-lib.sh"
ref_start xl-devices
ONLY=${PVISOR_XLDEV_ONLY:-}   # "xen" or "pvisor": boot one (its checks only)
[ -n "$ONLY" ] && HVS=$ONLY
ref_need built pvisor.elf

# ---- images: the reference build; this test's dom0 /init and domU /init
# appended to its initramfs images
ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz out/guest-initrd.gz || exit 1
install -D -m 755 "$ROOT/tests/linux/xl-devices-guest-init.sh" "$T/guest-add/init"
ref_dom0_init "$T/dom0-add" "$ROOT/tests/linux/xl-devices-dom0-init.sh"
mkdir -p "$T/dom0-add/guest"
ref_appended "$T/dom0-add/guest/initrd.gz" "$REF_IMG/out/guest-initrd.gz" "$T/guest-add"
ref_appended "$T/dom0-xldev.cpio.gz" "$REF_IMG/out/dom0-initrd.gz" "$T/dom0-add"

for hv in $HVS; do
	case $hv in
	xen) ref_boot xen xen 540 "$T/dom0-xldev.cpio.gz" ;;
	pvisor) ref_boot --hv-args "${PVISOR_XLDEV_PVISOR_ARGS:-}" pvisor pvisor 540 "$T/dom0-xldev.cpio.gz" ;;
	esac
done

# value HV NAME: a result line of dom0 (XL-RESULT) or of the guest (GUEST-RESULT)
value() { grep -as "^XL-RESULT $2 \|GUEST-RESULT $2 " "$T/$1.txt" | tail -1 | sed 's/.*RESULT [^ ]* \([^ ]*\).*/\1/'; }
section_rc() { ref_rc "$T/$1.txt" XL "$2"; }
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
# hypervisor lines that repeat in pvisor's log (3 or more times) are bugs
[[ " $HVS " == *" pvisor "* ]] && ref_repeats "$T/pvisor.txt"

printf '%-24s %12s %12s\n' figure xen pvisor
for k in xl_create create_to_marker create_to_iodone xvda_write_rate xvda_read_rate ping_avg \
         http_rx_rate nc_tx_rate xl_destroy; do
	printf '%-24s %12s %12s\n' $k "$(value xen $k)" "$(value pvisor $k)"
done
ref_verdict "$T/xen.txt, $T/pvisor.txt"
