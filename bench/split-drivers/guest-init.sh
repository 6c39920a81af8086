#!/bin/busybox sh
# domU /init of bench/split-drivers.sh: the reference stack's cloud 6.1
# kernel over xen-blkfront and xen-netfront. Prints its marker first (the
# create->marker figure), then one "GUEST-RESULT name value unit" per
# figure on hvc0, GUEST-IO-DONE, and idles until dom0 destroys it.
#   disk: 64 MiB sequential direct write and read of xvda (dd, 1 MiB
#         blocks), 4 KiB random direct reads (randread, queue depth 1)
#   net:  ping dom0 over xenbr0, ICMP round trips back to back (pingpong),
#         64 MiB from dom0's httpd (busybox wget, as the issue's Xen
#         figure), 64 MiB each way over TCP (netblast: 64 KiB system calls
#         on both ends)
# With PVISOR_BENCH_PROFILE=1 /bin/pvprof-mark exists and marks the edges
# of each measured transfer (the instruction plugin's windows: one pair of
# marks per figure, in this order; split-drivers.sh names them).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
echo "GUEST-MARKER-UP"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
up() { /bin/mono; }   # mono.c: CLOCK_MONOTONIC to the microsecond
res() { echo "GUEST-RESULT $1 $2 $3"; }
mark() { [ -x /bin/pvprof-mark ] && /bin/pvprof-mark; }
rate() { awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN{d=b-a; if (d<=0) d=0.000001; printf "%.1f", m/d}'; }
insmod /lib/modules/xen-blkfront.ko
insmod /lib/modules/xen-netfront.ko

n=0; while [ ! -b /dev/xvda ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done
if [ -b /dev/xvda ]; then
    sleep 2   # dom0 reads the hypervisor's counters after the marker
    echo "GUEST-DISK-START"
    # each phase's first and last lines come with a second of idle: dom0
    # sees a line only when it runs, and a busy phase can keep it from
    # polling (bench/qemu-perf.sh's windows that started late missed the transfer)
    sleep 1
    mark; t0=$(up); dd if=/dev/zero of=/dev/xvda bs=1M count=64 oflag=direct 2>/dev/null; rc=$?; t1=$(up); mark
    [ $rc = 0 ] && res disk_write "$(rate $t0 $t1 64)" MiB/s
    mark; t0=$(up); dd if=/dev/xvda of=/dev/null bs=1M count=64 iflag=direct 2>/dev/null; rc=$?; t1=$(up); mark
    [ $rc = 0 ] && res disk_read "$(rate $t0 $t1 64)" MiB/s
    echo "GUEST-DISK-SEQ-DONE"
    sleep 1
    mark; set -- $(/bin/randread /dev/xvda 64 2000); mark
    [ -n "${2:-}" ] && res disk_randread "$1" IOPS && res disk_randread_lat "$2" us
fi
echo "GUEST-DISK-DONE"
sleep 3   # and after the disk figures

n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done
if [ -e /sys/class/net/eth0 ]; then
    ip link set lo up
    ip link set eth0 up
    ip addr add 10.0.0.2/24 dev eth0
    ping -c 2 -W 3 10.0.0.1 >/dev/null 2>&1   # ARP and the bridge's learning first
    p=$(ping -c 5 -W 3 10.0.0.1 2>&1)
    res ping "$(echo "$p" | tail -1 | sed -n 's#.*= [0-9.]*/\([0-9.]*\)/.*#\1#p')" ms
    res ping_each "$(echo "$p" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | tr '\n' ',')" ms
    mark; r=$(/bin/pingpong 10.0.0.1 2000); mark
    [ -n "$r" ] && res pingpong "$r" us
    echo "GUEST-NET-START"   # the transfers (dom0's counters' phase)
    sleep 2   # dom0 reads the hypervisor's counters of the pings first
    mark; t0=$(up); wget -q -O /dev/null http://10.0.0.1/blob; rc=$?; t1=$(up); mark
    [ $rc = 0 ] && res http_dom0_to_domu "$(rate $t0 $t1 64)" MiB/s
    mark; r=$(/bin/netblast recv 10.0.0.1 5002); mark
    [ -n "$r" ] && res tcp_dom0_to_domu "$r" MiB/s
    mark; r=$(/bin/netblast send 10.0.0.1 5001 64); mark
    [ -n "$r" ] && res tcp_domu_to_dom0 "$r" MiB/s
fi
echo "GUEST-IO-DONE"
while :; do sleep 3600; done
