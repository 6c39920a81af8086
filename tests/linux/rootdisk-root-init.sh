#!/bin/sh
# /sbin/init on the ext4 root disk of tests/linux/mkrootdisk.sh; the mode
# comes from the kernel command line (rootdisk.mode=):
#   write  prove / is the disk, write and sync known files (and their
#          manifest), then crash the kernel (sysrq c) while a writer runs
#   check  after that crash: every synced file is whole (md5sum -c), the
#          kernel's journal recovery line, then remount read-only and power
#          off cleanly (dom0 then runs e2fsck -fn on the image)
#   read   read xvdb whenever it is there, one ROOT-READ line a pass
#          (hotplug, a disk file that vanishes, destroy with I/O in flight)
#   steal  (rootdisk.victim=ID) try to map and copy every grant ref 0..2047
#          of domain ID, which grants its disk rings and pages to dom0
#          only (gntsteal); power-off
#   features  the frontend's view of what the backend offers, then a
#          file written, synced and read back; power-off
# Lines for the test: ROOT-<WHAT> ...
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mode=
for a in $(cat /proc/cmdline); do
    case $a in rootdisk.mode=*) mode=${a#rootdisk.mode=} ;; esac
done
echo "ROOT-UP $(grep ' / ' /proc/mounts | grep -v rootfs) release=$(cat /etc/rootdisk-release)"
case $mode in
write)
    mkdir -p /data
    i=0
    while [ $i -lt 4 ]; do
        dd if=/dev/urandom of=/data/synced-$i bs=64k count=16 2>/dev/null
        i=$((i + 1))
    done
    (cd /data && md5sum synced-* >manifest)
    sync
    echo "ROOT-SYNCED $(cat /data/manifest | md5sum | cut -c1-32) files=4"
    # The writer the crash interrupts: new files and appends, never synced.
    (
        i=0
        while :; do
            dd if=/dev/urandom of=/data/churn-$((i % 8)) bs=64k count=8 2>/dev/null
            echo "$i" >>/data/churn.log
            i=$((i + 1))
        done
    ) &
    sleep 3
    echo "ROOT-CRASHING writer at $(wc -l </data/churn.log 2>/dev/null || echo 0) files"
    echo c >/proc/sysrq-trigger
    echo "ROOT-STILL-UP after sysrq c"
    ;;
check)
    echo "ROOT-RECOVERY $(dmesg | grep -a 'EXT4-fs (xvda)' | grep -ai 'recover' | head -1)"
    if [ -f /data/manifest ] && (cd /data && md5sum -c manifest >/tmp/md5.out 2>&1); then
        echo "ROOT-CHECK-OK $(cat /data/manifest | md5sum | cut -c1-32) files=$(grep -c ': OK' /tmp/md5.out)"
    else
        echo "ROOT-CHECK-BAD $(cat /tmp/md5.out 2>/dev/null | tr '\n' ' ')"
    fi
    sync
    mount -o remount,ro / && echo "ROOT-READONLY"
    echo "ROOT-POWEROFF"
    poweroff -f
    ;;
read)
    insmod /lib/modules/$(uname -r)/kernel/drivers/net/xen-netfront.ko 2>/dev/null
    n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    if ip link set eth0 up 2>/dev/null && ip addr add 10.0.0.2/24 dev eth0; then
        ping -c 2 -W 5 10.0.0.1 >/dev/null 2>&1 && echo "ROOT-NET ping-ok" || echo "ROOT-NET ping-failed"
    fi
    # 8 MiB passes, uncached; a pass's sum says what the guest saw
    pass=0
    while :; do
        if [ -b /dev/xvdb ]; then
            echo 3 >/proc/sys/vm/drop_caches
            sum=$(dd if=/dev/xvdb bs=64k count=128 2>/tmp/dd.err | md5sum | cut -c1-32)
            rc=$(grep -c 'error' /tmp/dd.err)
            echo "ROOT-READ pass=$pass errors=$rc sum=$sum"
        else
            echo "ROOT-READ pass=$pass absent"
            sleep 1
        fi
        pass=$((pass + 1))
    done
    ;;
steal)
    victim=
    for a in $(cat /proc/cmdline); do
        case $a in rootdisk.victim=*) victim=${a#rootdisk.victim=} ;; esac
    done
    v=$(uname -r)
    insmod /lib/modules/$v/kernel/drivers/xen/xen-gntdev.ko
    insmod /lib/modules/$v/kernel/drivers/xen/xen-gntalloc.ko
    echo "ROOT-$(gntsteal "$victim" 0 2048 2>&1 | tail -1)"
    poweroff -f
    ;;
features)
    echo "ROOT-FEATURES discard_max_bytes=$(cat /sys/block/xvda/queue/discard_max_bytes) $(dmesg | grep -a 'blkfront: xvda:' | tail -1 | sed 's/.*blkfront: xvda: //')"
    dd if=/dev/urandom of=/data/f bs=64k count=64 2>/dev/null
    a=$(md5sum </data/f)
    sync
    echo 3 >/proc/sys/vm/drop_caches
    b=$(md5sum </data/f)
    [ "$a" = "$b" ] && echo "ROOT-FEATURES-IO-OK" || echo "ROOT-FEATURES-IO-BAD"
    poweroff -f
    ;;
*)
    echo "ROOT-MODE unknown '$mode'"
    poweroff -f
    ;;
esac
while :; do sleep 3600; done
