#!/bin/bash
# dom0 /init of bench/split-drivers.sh: with Debian's Xen 4.17 daemons (C
# xenstored, xenconsoled) each tool of sd.tools= (dom0's command line,
# default xl, several joined by +; xl with its shell hotplug scripts, pvctl wiring the devices
# itself) creates the disk+vif domU sd.rounds= times (default 3); each
# round times the tool's create (pvctl: --no-connect, returning once the
# guest runs, as xl), create->the guest's marker and destroy, and copies
# the guest's own figures (guest-init.sh) from its console. With pvisor's
# `perfc`, `xl debug-keys P/p` frame the phases of each round in the
# serial log (SD-PHASE lines around the counters). Lines for the host:
# "SD-RESULT tool round name value unit", SD-DONE at the end.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /data && mount -t tmpfs -o size=100m tmpfs /data
mkdir -p /run/lock /run/xen /run/xenstored /run/xen-hotplug \
         /var/log/xen/console /var/lib/xen /var/lib/xenstored /srv /var/log/pvisor
# pvctl: bounds on the backends' and frontends' handshakes (TCG is slow)
export PVCTL_DEVICE_TIMEOUT_MS=180000

note() { echo "SD-NOTE $*"; }
el() { local a=${1/./} b=${2/./}; local d=$((10#$b - 10#$a)); ((d < 0)) && d=0
       printf '%d.%03d' $((d / 1000000)) $(((d % 1000000) / 1000)); }
finish() {
    echo "SD-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}
rounds=3 tools=xl
for a in $(cat /proc/cmdline); do
    case $a in
    sd.rounds=*) rounds=${a#sd.rounds=} ;;
    sd.tools=*) tools=${a#sd.tools=}; tools=${tools//+/ } ;;
    esac
done
# phase NAME: the hypervisor's counters since the last phase (pvisor with
# `perfc`; nothing on a hypervisor without perf counters)
phase() { echo "SD-PHASE $1"; xl debug-keys p >/dev/null 2>&1; xl debug-keys P >/dev/null 2>&1; echo "SD-PHASE-END $1"; }
# the edges of bench/qemu-perf.sh's host profiles (PVISOR_BENCH_PERF)
window() { echo "PERF-WINDOW $1 $tool$r.$2"; }
# vifpackets: packets through the backends' vifs since they came up
vifpackets() {
    local v n=0
    for v in /sys/class/net/vif*/statistics; do
        n=$(( n + $(cat $v/rx_packets) + $(cat $v/tx_packets) ))
    done
    echo $n
}
# waitcons PATTERN TENTHS: wait for a line with PATTERN in the guest's
# console log, looking every 0.1 s, with no process per look: grep and
# sleep forked ten times a second were dom0 work the domU's figures saw
# (a ping answered while dom0 was in one of those forks waited for the
# rate limit or the slice to end: 1-3.5 ms instead of 0.09 in
# instructions, on either hypervisor). The log is read on, from where the
# last look stopped; cons_reset before each new guest.
mkfifo /tmp/sd-tick && exec {TICK}<>/tmp/sd-tick   # read -t on it: a sleep without a process
CFD= CARRY=
cons_reset() { [ -n "$CFD" ] && exec {CFD}<&-; CFD= CARRY=; }
waitcons() {
    local i l rc
    for ((i = 0; i < $2; i++)); do
        [ -z "$CFD" ] && [ -e $CLOG ] && exec {CFD}<$CLOG
        while [ -n "$CFD" ]; do
            IFS= read -r l <&$CFD; rc=$?
            CARRY+=$l   # a line still being written is completed by the next read
            [[ $CARRY == *"$1"* ]] && { CARRY=; return 0; }
            [ $rc = 0 ] || break
            CARRY=
        done
        read -t 0.1 -u $TICK _
    done
    return 1
}

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback llc stp bridge loop
ip link set lo up
ref_xenstored
xen-init-dom0 >/dev/null 2>&1 || note "xen-init-dom0 failed"
ref_xenconsoled

brctl addbr xenbr0
echo 0 > /sys/class/net/xenbr0/bridge/stp_state
echo 0 > /sys/class/net/xenbr0/bridge/forward_delay
ip addr add 10.0.0.1/24 dev xenbr0; ip link set xenbr0 up
dd if=/dev/zero of=/data/disk.img bs=1M count=80 2>/dev/null
dd if=/dev/zero of=/srv/blob bs=1M count=64 2>/dev/null
httpd -p 80 -h /srv
netblast sink 5001 &
netblast source 5002 64 &

CLOG=/var/log/xen/console/guest-sdbench.log
# create / destroy with TOOL, its output in /tmp/out (pvctl's -v phases
# go to the log as SD-PVCTL lines)
create() {
    case $1 in
    xl) timeout 180 xl create /etc/xen/sdbench.cfg ;;
    pvctl) timeout 180 pvctl -v create --no-connect /etc/xen/sdbench.cfg ;;
    esac >/tmp/out 2>&1 </dev/null
}
destroy() {
    case $1 in
    xl) timeout 120 xl destroy sdbench ;;
    pvctl) timeout 120 pvctl -v destroy sdbench ;;
    esac >/tmp/out 2>&1 </dev/null
}
for r in $(seq 1 "$rounds"); do
  for tool in $tools; do
    res() { echo "SD-RESULT $tool $r $1 $2 $3"; }
    rm -f $CLOG
    cons_reset
    sync; echo 3 >/proc/sys/vm/drop_caches
    phase "$tool $r idle"
    window begin boot
    T0=$EPOCHREALTIME
    create $tool || note "$tool round $r: create failed: $(tail -1 /tmp/out)"
    res create "$(el $T0 $EPOCHREALTIME)" s
    grep -a '^pvctl: ' /tmp/out | sed "s/^/SD-PVCTL $r /"
    waitcons GUEST-MARKER-UP 1500 && res create_to_marker "$(el $T0 $EPOCHREALTIME)" s
    window end boot
    phase "$tool $r create"
    waitcons GUEST-DISK-START 600
    window begin disk-seq
    waitcons GUEST-DISK-SEQ-DONE 3000
    window end disk-seq; window begin disk-rand
    waitcons GUEST-DISK-DONE 3000
    window end disk-rand
    phase "$tool $r disk"
    # the pings' counters are a phase of their own: the net phase's are
    # divided by the transfers' packets
    p0=0
    waitcons GUEST-NET-START 3000 && p0=$(vifpackets)
    phase "$tool $r ping"
    window begin net
    waitcons GUEST-IO-DONE 3000 || note "$tool round $r: the guest's I/O did not finish"
    window end net
    phase "$tool $r net"
    grep -a '^GUEST-RESULT ' $CLOG | tr -d '\r' | sed "s/^GUEST-RESULT /SD-RESULT $tool $r /"
    for s in /sys/bus/xen-backend/devices/vbd-*/statistics; do
        res blk_requests "$(( $(cat $s/rd_req) + $(cat $s/wr_req) ))" count
        res blk_sectors "$(( $(cat $s/rd_sect) + $(cat $s/wr_sect) ))" count
    done
    res vif_packets "$(( $(vifpackets) - p0 ))" count
    T0=$EPOCHREALTIME
    destroy $tool || note "$tool round $r: destroy failed: $(tail -1 /tmp/out)"
    res destroy "$(el $T0 $EPOCHREALTIME)" s
    grep -a '^pvctl: ' /tmp/out | sed "s/^/SD-PVCTL $r /"
    phase "$tool $r destroy"
    res left_domains "$(xl list | awk 'NR > 1 && $1 != "Domain-0"' | wc -l)" count
    res left_loops "$(losetup -a | grep -c .)" count
  done
done
finish
