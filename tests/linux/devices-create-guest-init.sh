#!/bin/busybox sh
# domU /init of tests/system/toolstack/devices-create.sh (Debian's cloud 6.1
# kernel, busybox, xen-blkfront/xen-netfront from the kernel's package).
# pvctl create wired the disks and vifs before it unpaused us. What to do
# comes from the command line: pvtest.role= and pvtest.ip=[,IP2]
#   write : ext4 on xvda: write the pattern, sync, unmount; ping dom0;
#           64 MiB TCP from dom0 and 64 MiB to it (checked); power off
#   multi : xvda (read-only, shared) holds the pattern; xvdb a raw scratch
#           disk; eth1 on a second bridge; pings the peer and sends it
#           16 MiB over xenbr0; power off
#   peer  : xvda (read-only, shared) holds the pattern; receives 16 MiB
#           from multi; power off
#   reboot: first boot (xvda blank) marks xvda and reboots; the boot after
#           the monitor's restart finds the mark and idles
#   cycle : idle (create/destroy cycles)
# Lines on hvc0: GUEST-<WHAT> ...
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /mnt
role=cycle ip=
for a in $(cat /proc/cmdline); do
    case "$a" in pvtest.role=*) role=${a#pvtest.role=} ;; pvtest.ip=*) ip=${a#pvtest.ip=} ;; esac
done
insmod /lib/modules/xen-blkfront.ko
insmod /lib/modules/xen-netfront.ko
echo "GUEST-UP role=$role"
[ "$role" = cycle ] && while :; do sleep 3600; done

waitfor() { n=0; while [ ! -e "$1" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done; [ -e "$1" ]; }
pattern() { seq 1 200000; }
want=$(pattern | sha256sum | cut -d' ' -f1)
net() {   # net IF ADDR
    waitfor /sys/class/net/$1 || { echo "GUEST-NET-ABSENT $1"; return 1; }
    ip link set lo up; ip link set "$1" up; ip addr add "$2/24" dev "$1"
    echo "GUEST-MAC $1 $(cat /sys/class/net/$1/address)"
}
read_pattern() {
    waitfor /dev/xvda || { echo "GUEST-DISK-ABSENT xvda"; return; }
    echo "GUEST-XVDA ro=$(cat /sys/block/xvda/ro)"
    if mount -t ext4 -o ro /dev/xvda /mnt; then
        got=$(sha256sum </mnt/pattern | cut -d' ' -f1)
        [ "$got" = "$want" ] && echo "GUEST-READ-OK" || echo "GUEST-READ-BAD $got"
        # a read-only disk refuses writes
        if echo x 2>/dev/null >/mnt/new; then echo "GUEST-RO-WRITABLE"; else echo "GUEST-RO-REFUSED"; fi
        umount /mnt
    else
        echo "GUEST-MOUNT-BAD"
    fi
}
ip1=${ip%%,*}
ip2=${ip#*,}

case $role in
write)
    if waitfor /dev/xvda && mount -t ext4 /dev/xvda /mnt; then
        pattern >/mnt/pattern
        sync
        umount /mnt && echo "GUEST-WRITE-OK"
    else
        echo "GUEST-WRITE-BAD"
    fi
    net eth0 "$ip1"
    echo "GUEST-NET-UP"
    ping -c 3 -W 5 10.0.0.1 >/dev/null 2>&1 && echo "GUEST-PING-DOM0-OK" || echo "GUEST-PING-DOM0-BAD"
    echo "GUEST-TCP-RX $(/bin/tcp-pattern connect 10.0.0.1 5001 recv 67108864 2>&1)"
    echo "GUEST-TCP-TX $(/bin/tcp-pattern connect 10.0.0.1 5002 send 67108864 2>&1)"
    ;;
multi)
    read_pattern
    if waitfor /dev/xvdb; then
        pattern >/tmp/p
        dd if=/tmp/p of=/dev/xvdb bs=64k conv=fsync 2>/dev/null
        echo 3 >/proc/sys/vm/drop_caches
        head -c "$(wc -c </tmp/p)" /dev/xvdb | cmp -s - /tmp/p && echo "GUEST-XVDB-OK" || echo "GUEST-XVDB-BAD"
    else
        echo "GUEST-DISK-ABSENT xvdb"
    fi
    net eth0 "$ip1"
    net eth1 "$ip2" && { ping -c 3 -W 5 10.0.1.1 >/dev/null 2>&1 && echo "GUEST-PING-ETH1-OK" || echo "GUEST-PING-ETH1-BAD"; }
    echo "GUEST-NET-UP"
    n=0; until ping -c 1 -W 1 10.0.0.4 >/dev/null 2>&1 || [ $n -ge 120 ]; do n=$((n+1)); done
    ping -c 3 -W 5 10.0.0.4 >/dev/null 2>&1 && echo "GUEST-PING-PEER-OK" || echo "GUEST-PING-PEER-BAD"
    echo "GUEST-TCP-PEER $(/bin/tcp-pattern connect 10.0.0.4 5003 send 16777216 2>&1)"
    ;;
reboot)
    waitfor /dev/xvda
    if [ "$(head -c 6 /dev/xvda)" = booted ]; then
        echo "GUEST-SECOND-BOOT"
        while :; do sleep 3600; done
    fi
    printf booted | dd of=/dev/xvda conv=fsync 2>/dev/null
    echo "GUEST-FIRST-BOOT"
    reboot -f
    ;;
peer)
    read_pattern
    net eth0 "$ip1"
    echo "GUEST-NET-UP"
    n=0; until ping -c 1 -W 1 10.0.0.3 >/dev/null 2>&1 || [ $n -ge 120 ]; do n=$((n+1)); done
    ping -c 3 -W 5 10.0.0.3 >/dev/null 2>&1 && echo "GUEST-PING-PEER-OK" || echo "GUEST-PING-PEER-BAD"
    echo "GUEST-TCP-PEER $(timeout 120 /bin/tcp-pattern listen 5003 recv 16777216 2>&1)"
    ;;
esac
echo "GUEST-DONE $role"
sync
poweroff -f
