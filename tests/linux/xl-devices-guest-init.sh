#!/bin/busybox sh
# domU /init of tests/system/linux/xl-devices.sh (the reference stack's
# cloud 6.1 kernel, PV): its own I/O tests over blkfront and netfront,
# each printed on hvc0 as "GUEST-RESULT name value unit", then idles.
#   disk: writes a known 4 MiB pattern at 1 MiB into xvda with fsync, drops
#         the page cache, reads it back (direct) and compares checksums; then
#         a 16 MiB direct read for a rate
#   net:  ping dom0 (10.0.0.1 on xenbr0) 5 times; fetch dom0's 8 MiB random
#         blob over HTTP (its md5 is printed, dom0 prints the sender's);
#         send 8 MiB of its own random data to dom0's nc (md5 printed on both)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
up() { read u _ < /proc/uptime; echo "$u"; }
res() { echo "GUEST-RESULT $1 $2 $3"; }
rate() { awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN{d=b-a; if (d<=0) d=0.01; printf "%.1f", m/d}'; }
echo "GUEST-MARKER-UP uptime=$(up)"
insmod /lib/modules/xen-blkfront.ko
insmod /lib/modules/xen-netfront.ko

# ---- disk
n=0; while [ ! -b /dev/xvda ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n+1)); done
if [ -b /dev/xvda ]; then
    res xvda_sectors "$(cat /sys/block/xvda/size)" sectors
    # the pattern: every 32-byte line numbered, so a misplaced page shows
    awk 'BEGIN { for (i = 0; i < 131072; i++) printf "XL-DEVICES-PATTERN %012d\n", i }' >/tmp/pat
    want=$(md5sum </tmp/pat | cut -d' ' -f1)
    t0=$(up); dd if=/tmp/pat of=/dev/xvda bs=64k seek=16 conv=fsync 2>/dev/null; rc=$?; t1=$(up)
    sync
    res xvda_write_4MiB_rc $rc rc
    res xvda_write_rate "$(rate $t0 $t1 4)" MiB/s
    echo 3 >/proc/sys/vm/drop_caches
    got=$(dd if=/dev/xvda bs=64k skip=16 count=64 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
    res xvda_pattern_readback_ok "$([ "$got" = "$want" ] && echo 1 || echo 0)" bool
    res xvda_pattern_md5 "$got" md5
    sig=$(dd if=/dev/xvda bs=16 count=1 2>/dev/null)
    res xvda_dom0_signature_ok "$([ "$sig" = XL-DEVICES-SIG01 ] && echo 1 || echo 0)" bool
    t0=$(up); dd if=/dev/xvda of=/dev/null bs=1M count=16 iflag=direct 2>/dev/null; t1=$(up)
    res xvda_read_rate "$(rate $t0 $t1 16)" MiB/s
else
    res xvda_present 0 bool
fi

# ---- network
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n+1)); done
if [ -e /sys/class/net/eth0 ]; then
    ip link set lo up
    ip link set eth0 up
    ip addr add 10.0.0.2/24 dev eth0
    res eth0_mac "$(cat /sys/class/net/eth0/address)" mac
    p=$(ping -c 5 -W 3 10.0.0.1 2>&1 | tail -2 | tr '\n' ' ')
    echo "GUEST-PING $p"
    res ping_received "$(echo "$p" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')" of5
    res ping_avg "$(echo "$p" | sed -n 's#.*= [0-9.]*/\([0-9.]*\)/.*#\1#p')" ms
    t0=$(up); got=$(wget -q -O - http://10.0.0.1/blob | md5sum | cut -d' ' -f1); t1=$(up)
    res http_rx_md5 "$got" md5
    res http_rx_rate "$(rate $t0 $t1 8)" MiB/s
    dd if=/dev/urandom of=/tmp/tx bs=1M count=8 2>/dev/null
    res nc_tx_md5 "$(md5sum </tmp/tx | cut -d' ' -f1)" md5
    t0=$(up); nc 10.0.0.1 5001 </tmp/tx; rc=$?; t1=$(up)
    res nc_tx_rc $rc rc
    res nc_tx_rate "$(rate $t0 $t1 8)" MiB/s
else
    res eth0_present 0 bool
fi
echo "GUEST-IO-DONE uptime=$(up)"
while :; do sleep 3600; done
