#!/bin/busybox sh
# domU /init of tests/system/toolstack/devices-hotplug.sh: boots with no
# devices, loads the frontends, waits (long: dom0 hotplugs them after
# create) for xvda and eth0, writes a pattern to the disk and reads it
# back, pings dom0 over the bridge, prints GUEST-DEV-DONE, then idles
# until dom0 unplugs both and destroys it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp   # the initramfs has none
echo "GUEST-MARKER-UP"
insmod /lib/modules/xen-blkfront.ko
insmod /lib/modules/xen-netfront.ko
n=0; while [ ! -b /dev/xvda ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done
if [ -b /dev/xvda ]; then
    echo "GUEST-XVDA sectors=$(cat /sys/block/xvda/size)"
    i=0; while [ $i -lt 256 ]; do echo "pvisor-devices-pattern-$i"; i=$((i+1)); done >/tmp/pat
    cat /tmp/pat >/dev/xvda
    sync
    echo 3 >/proc/sys/vm/drop_caches
    head -c "$(wc -c </tmp/pat)" /dev/xvda >/tmp/back
    if cmp -s /tmp/pat /tmp/back; then echo "GUEST-DISK-OK"; else echo "GUEST-DISK-BAD"; fi
else
    echo "GUEST-DISK-ABSENT"
fi
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
if [ -e /sys/class/net/eth0 ]; then
    ip link set lo up; ip link set eth0 up; ip addr add 10.0.0.2/24 dev eth0
    echo "GUEST-MAC $(cat /sys/class/net/eth0/address)"
    if ping -c 3 -W 5 10.0.0.1 >/dev/null 2>&1; then echo "GUEST-PING-OK"; else echo "GUEST-PING-BAD"; fi
else
    echo "GUEST-NET-ABSENT"
fi
echo "GUEST-DEV-DONE"
while :; do sleep 3600; done
