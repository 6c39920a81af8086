#!/bin/bash
# dom0 /init of tests/system/linux/xl-devices.sh: Debian's Xen 4.17
# toolstack (C xenstored, xenconsoled, xl with libxl's shell hotplug
# scripts) in the reference stack's initramfs creates the disk+vif domU
# (/etc/xen/anchor-domu.cfg: xvda on a file through `block`, a vif on
# xenbr0 through `vif-bridge`), waits for the guest's own I/O tests
# (xl-devices-guest-init.sh), destroys it and reports what is left.
# Lines for the test: "XL-RESULT name value unit", sections framed by
# XL-BEGIN/XL-END as in xl-dom0-init.sh, XL-DONE at the end.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /data && mount -t tmpfs -o size=100m tmpfs /data
mkdir -p /run/lock /run/xen /run/xenstored /run/xen-hotplug \
         /var/log/xen/console /var/lib/xen /var/lib/xenstored /srv

note() { echo "XL-NOTE $*"; }
res() { echo "XL-RESULT $1 $2 $3"; }
el() { local a=${1/./} b=${2/./}; local d=$((10#$b - 10#$a)); ((d < 0)) && d=0
       printf '%d.%03d' $((d / 1000000)) $(((d % 1000000) / 1000)); }
section() {   # section NAME SECONDS COMMAND...
    local name=$1 secs=$2 rc
    shift 2
    echo "XL-BEGIN $name"
    timeout "$secs" "$@" </dev/null 2>&1
    rc=$?
    echo "XL-END $name rc=$rc"
}
finish() {
    echo "XL-BEGIN hotplug-log"; tail -30 /var/log/xen/xen-hotplug.log 2>/dev/null; echo "XL-END hotplug-log rc=0"
    echo "XL-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback llc stp bridge loop
ip link set lo up

ref_xenstored
section init-dom0 60 xen-init-dom0
ref_xenconsoled

# the domU's network: dom0's bridge, the vif joins it through vif-bridge
brctl addbr xenbr0
echo 0 > /sys/class/net/xenbr0/bridge/stp_state
echo 0 > /sys/class/net/xenbr0/bridge/forward_delay
ip addr add 10.0.0.1/24 dev xenbr0; ip link set xenbr0 up
# its disk: 32 MiB file with a signature at 0 (attached to a loop device by `block`)
{ printf 'XL-DEVICES-SIG01'; dd if=/dev/zero bs=1M count=32 2>/dev/null; } |
    dd of=/data/disk.img bs=1M count=32 iflag=fullblock 2>/dev/null
# what the guest fetches and where it sends
dd if=/dev/urandom of=/srv/blob bs=1M count=8 2>/dev/null
res http_blob_md5 "$(md5sum </srv/blob | cut -d' ' -f1)" md5
httpd -p 80 -h /srv
mkfifo /run/ncin   # read-write: the listener's stdin never reaches EOF
( nc -l -p 5001 0<>/run/ncin >/run/nc-rx ) &

CLOG=/var/log/xen/console/guest-anchor.log
T0=$EPOCHREALTIME
section create 180 xl create /etc/xen/anchor-domu.cfg
res xl_create "$(el $T0 $EPOCHREALTIME)" s
for i in $(seq 1 1500); do
    grep -aq GUEST-MARKER-UP $CLOG 2>/dev/null && break
    sleep 0.2
done
res create_to_marker "$(el $T0 $EPOCHREALTIME)" s
for i in $(seq 1 1500); do
    grep -aq GUEST-IO-DONE $CLOG 2>/dev/null && break
    sleep 0.2
done
res create_to_iodone "$(el $T0 $EPOCHREALTIME)" s
sleep 1
res nc_rx_md5 "$(md5sum </run/nc-rx | cut -d' ' -f1)" md5
res nc_rx_bytes "$(wc -c </run/nc-rx)" bytes
echo "XL-BEGIN guest-console"; tr -d '\r' <$CLOG; echo "XL-END guest-console rc=0"
section backend-connected 30 xenstore-ls -f /local/domain/0/backend
section list-before-destroy 60 xl list
T0=$EPOCHREALTIME
section destroy 120 xl destroy anchor
res xl_destroy "$(el $T0 $EPOCHREALTIME)" s
# the pattern the guest wrote reached the file behind the loop device
res disk_pattern_md5 "$(dd if=/data/disk.img bs=64k skip=16 count=64 2>/dev/null | md5sum | cut -d' ' -f1)" md5
sleep 1
section list-after-destroy 60 xl list
res left_domains "$(xl list | awk 'NR > 1 && $1 != "Domain-0"' | wc -l)" count
res left_backend_nodes "$(xenstore-ls -f /local/domain/0/backend 2>/dev/null | grep -c '/[0-9]*/[0-9]*/')" count
res left_loop_devices "$(losetup -a | wc -l)" count
res left_vifs "$(ls /sys/class/net | grep -c '^vif')" count
res left_bridge_ports "$(ls /sys/class/net/xenbr0/brif | wc -l)" count
res left_domain_nodes "$(xenstore-list /local/domain 2>/dev/null | grep -vc '^0$')" count
section dmesg-end 60 xl dmesg
finish
