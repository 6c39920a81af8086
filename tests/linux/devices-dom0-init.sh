#!/bin/bash
# dom0 /init of tests/system/toolstack/devices-hotplug.sh: Debian's Xen 4.17
# toolstack (C xenstored, xenconsoled, xl) creates a domU with no devices,
# then pvdev (toolstack/devices: no hotplug scripts) creates the bridge,
# hotplugs a file-backed disk and a vif, waits for the guest's results,
# unplugs both, and checks nothing is left: loop devices, vifs, nodes.
# Lines: DEV-<NAME> rc=<status> and DEV-CHECK <what> <value>; DEV-DONE.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
# The guest boots under TCG while dom0 hotplugs: its frontends connect
# when its init loads them, long after the backends are ready.
export PVCTL_DEVICE_TIMEOUT_MS=240000
mkdir -p /run/lock /run/xen /run/xenstored /run/xen-hotplug \
         /var/log/xen/console /var/lib/xen /var/lib/xenstored /data

note() { echo "DEV-NOTE $*"; }
step() {   # step NAME SECONDS COMMAND...
    local name=$1 secs=$2 rc
    shift 2
    timeout "$secs" "$@" </dev/null 2>&1 | sed "s/^/DEV-OUT $name: /"
    rc=${PIPESTATUS[0]}
    echo "DEV-$name rc=$rc"
}
check() { echo "DEV-CHECK $1 $2"; }
finish() {
    echo "DEV-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs loop llc stp bridge xen-blkback xen-netback
ref_xenstored
timeout 60 xen-init-dom0 >/dev/null 2>&1
ref_xenconsoled

dd if=/dev/zero of=/data/disk.img bs=1M count=16 2>/dev/null
step network-create 10 pvdev network create xenbr0 10.0.0.1/24
step create 120 xl create /etc/xen/devices-min.cfg
id=$(xl domid devices-min)
CLOG=/var/log/xen/console/guest-devices-min.log
step block-attach 300 pvdev block-attach "$id" 'format=raw, vdev=xvda, access=rw, target=/data/disk.img'
check loops-attached "$(losetup -a | grep -c /data/disk.img)"
# A second writer of the same disk is refused (the domain itself, xvdb).
step block-attach-second-writer 30 pvdev block-attach "$id" 'format=raw, vdev=xvdb, access=rw, target=/data/disk.img'
step network-attach 300 pvdev network-attach "$id" 'mac=00:16:3e:5a:00:02, bridge=xenbr0'
check vif-in-bridge "$([ -e /sys/class/net/xenbr0/brif/vif$id.0 ] && echo 1 || echo 0)"
for i in $(seq 1 1500); do
    grep -aq GUEST-DEV-DONE $CLOG 2>/dev/null && break
    sleep 0.2
done
grep -a '^GUEST-' $CLOG | tr -d '\r' | sed 's/^/DEV-GUEST /'
step block-detach 60 pvdev block-detach "$id" xvda
step network-detach 60 pvdev network-detach "$id" 0
sleep 1
# What the guest wrote is in the file behind the loop device.
check disk-pattern "$(head -c 64 /data/disk.img | head -n 1)"
check loops-left "$(losetup -a | wc -l)"
check vifs-left "$(ls /sys/class/net | grep -c '^vif')"
check vbd-nodes-left "$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | grep -c .)"
check vif-nodes-left "$(xenstore-ls /local/domain/0/backend/vif 2>/dev/null | grep -c .)"
check frontend-nodes-left "$(xenstore-ls /local/domain/$id/device 2>/dev/null | grep -c '^ *[0-9]')"
step destroy 60 xl destroy devices-min
finish
