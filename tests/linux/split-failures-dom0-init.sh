#!/bin/bash
# dom0 /init of tests/system/toolstack/split-failures.sh, the same on Xen
# 4.17 and pvisor: what can go wrong with a virtual disk, each ending with
# one clear line and nothing left (domains, loop devices, vbd nodes,
# memory: a grant left mapped would keep a destroyed domain's pages).
#   hotplug: xvdb attached, detached and attached again while the guest
#            reads it (the guest's root is xvda, tests/linux/mkrootdisk.sh)
#   vanish:  xvdb's file truncated and deleted under the reading guest,
#            then detached
#   inflight: the guest destroyed while it reads xvdb
#   nofront: a guest without xen-blkfront: create (its disk in the
#            config) and block-attach give up after their timeout with
#            one line, and take the device (and create the domain) down
#   steal:   a second domU tries to map and copy the reading guest's
#            grants (its disk's and its vif's rings and pages, granted to
#            dom0 only)
#   features: the backend refuses persistent grants (blkback's parameter)
#            and discard (no-discard: its discard-enable node); the guest
#            still reads and writes its root
. /etc/split-dom0-lib.sh
IMG=/data/root.img
ROOTDISK="format=raw, vdev=xvda, access=rw, target=$IMG"
HOT=/data/hot.img
HOTDISK="format=raw, vdev=xvdb, access=rw, target=$HOT"
mkcfg() {   # mkcfg NAME EXTRA [DISKSPEC [VIFSPEC]]: the root disk and a vif in the config if given
    cat >/etc/xen/$1.cfg <<CFG
name     = "$1"
disk     = [ ${3:+"'$3'"} ]
vif      = [ ${4:+"'$4'"} ]
kernel   = "/guest/vmlinuz"
ramdisk  = "/guest/rootdisk-initrd.gz"
extra    = "console=hvc0 root=/dev/xvda $2"
memory   = 128
vcpus    = 1
on_poweroff = "destroy"
on_reboot   = "destroy"
on_crash    = "destroy"
CFG
}
reads() { guest_lines "$1" 'ROOT-READ' | wc -l; }
# wait_reads NAME N: N more ROOT-READ lines than now (a pass or more done)
wait_reads() {
    local n0
    n0=$(reads "$1")
    wait_for 300 sh -c "[ \$(grep -ac '^ROOT-READ' $CL/guest-$1.log) -ge $((n0 + $2)) ]" && return 0
    note "$1: fewer than $2 more reads in 300 s; its console ends with:"
    tail -5 "$CL/guest-$1.log" 2>/dev/null | tr -d '\r' | sed 's/^/SD-NOTE   | /'
    return 1
}
last_read() { guest_lines "$1" 'ROOT-READ' | tail -1; }

free0=$(free_mib)
check free-before "$free0"
cp /guest/rootdisk.img /data/steal.img   # the second domU's, made before /guest's is moved
mv /guest/rootdisk.img $IMG   # (dom0's root is a tmpfs of half its memory: no copy to spare)
# xvdb: 6.75 MiB of a known pattern; its md5 is what a whole read sees
awk 'BEGIN { for (i = 0; i < 2048; i++) printf "pvisor-hotplug-%011d\n", i }' >/tmp/pat   # 54 KiB
for i in $(seq 1 128); do cat /tmp/pat; done >$HOT
check hot-sum "$(md5sum <$HOT | cut -c1-32)"

# ---- hotplug while the guest reads, then the file vanishes, then destroy in flight
step network-create 30 pvctl network create xenbr0 10.0.0.1/24
mkcfg sfread "rootdisk.mode=read" "$ROOTDISK" "mac=00:16:3e:5a:00:11, bridge=xenbr0"
step create-sfread 300 pvctl create /etc/xen/sfread.cfg
id=$(domid sfread)
await sfread 'ROOT-READ' 400
guest_lines sfread 'ROOT-NET' | sed 's/^/SD-GUEST /'
for round in 1 2; do
    step hot-attach-$round 120 pvctl block-attach "$id" "$HOTDISK"
    wait_reads sfread 2 || note "sfread: no reads after attach $round"
    check read-after-attach-$round "$(last_read sfread)"
    # detach while a pass runs
    step hot-detach-$round 120 pvctl block-detach "$id" xvdb
    check loops-hot-after-detach-$round "$(loops_on $HOT)"
    wait_reads sfread 2 || note "sfread: no reads after detach $round"
    check read-after-detach-$round "$(last_read sfread)"
done
step hot-attach-3 120 pvctl block-attach "$id" "$HOTDISK"
wait_reads sfread 1
# another domU goes for sfread's grants while it reads
mkcfg sfsteal "rootdisk.mode=steal rootdisk.victim=$id" "format=raw, vdev=xvda, access=rw, target=/data/steal.img"
step create-sfsteal 300 pvctl create /etc/xen/sfsteal.cfg
sid=$(domid sfsteal)
await sfsteal 'ROOT-STEAL' 400
wait_for 300 gone sfsteal && check gone-sfsteal 1 || { check gone-sfsteal 0; step destroy-sfsteal 300 pvctl destroy sfsteal; }
guest_lines sfsteal 'ROOT-STEAL' | sed 's/^/SD-GUEST /'
[ "$(xenstore-ls /local/domain/0/backend/vbd/$sid 2>/dev/null | grep -c .)" = 0 ] ||
    PVCTL_DEVICE_TIMEOUT_MS=3000 step cleanup-steal 60 pvctl block-detach "$sid" xvda
rm -f /data/steal.img
wait_reads sfread 1 && check alive-after-steal 1 || check alive-after-steal 0
truncate -s 0 $HOT
rm -f $HOT
wait_reads sfread 2 || note "sfread: no reads after the file vanished"
check read-after-vanish "$(last_read sfread)"
step detach-vanished 120 pvctl block-detach "$id" xvdb
check loops-after-vanish "$(losetup -a | grep -c '(deleted)\|hot.img')"
wait_reads sfread 1 && check alive-after-vanish 1 || check alive-after-vanish 0
# destroy with I/O in flight: a new file on xvdb, reads running
for i in $(seq 1 128); do cat /tmp/pat; done >$HOT
step hot-attach-4 120 pvctl block-attach "$id" "$HOTDISK"
wait_reads sfread 1
step destroy-inflight 300 pvctl destroy sfread
wait_for 300 gone sfread && check gone-sfread 1 || check gone-sfread 0
check vbd-nodes-after-destroy "$(vbd_nodes)"
check vif-nodes-after-destroy "$(vif_nodes)"
check vifs-after-destroy "$(vifs)"
if [ "$(vbd_nodes)" != 0 ]; then   # destroy should have taken them down
    PVCTL_DEVICE_TIMEOUT_MS=3000 step cleanup-xvdb 60 pvctl block-detach "$id" xvdb
    PVCTL_DEVICE_TIMEOUT_MS=3000 step cleanup-xvda 60 pvctl block-detach "$id" xvda
fi
wait_for 20 sh -c '[ "$(losetup -a | grep -c .)" = 0 ]'
check loops-after-destroy "$(losetup -a | grep -c .)"

# ---- a guest without blkfront: bounded waits, one line, nothing left
# (create with the disk in its config: create fails and destroys it)
mkcfg sfnofront "rootdisk.blkfront=0 rootdisk.wait=40" "$ROOTDISK"
PVCTL_DEVICE_TIMEOUT_MS=15000 step create-nofront 120 pvctl create /etc/xen/sfnofront.cfg
check loops-after-create-nofront "$(loops_on $IMG)"
check vbd-nodes-after-create-nofront "$(vbd_nodes)"
wait_for 300 gone sfnofront && check gone-create-nofront 1 || { check gone-create-nofront 0; step destroy-nofront1 60 pvctl destroy sfnofront; }
# (hotplug to a running guest without a frontend: block-attach gives up)
mkcfg sfnofront "rootdisk.blkfront=0 rootdisk.wait=40"
step create-sfnofront 120 pvctl create /etc/xen/sfnofront.cfg
id=$(domid sfnofront)
PVCTL_DEVICE_TIMEOUT_MS=15000 step attach-nofront 60 pvctl block-attach "$id" "$ROOTDISK"
check loops-after-nofront "$(loops_on $IMG)"
check vbd-nodes-after-nofront "$(vbd_nodes)"
wait_for 300 gone sfnofront && check gone-sfnofront 1 || { check gone-sfnofront 0; step destroy-sfnofront 60 pvctl destroy sfnofront; }
guest_lines sfnofront 'ROOTDISK-INITRD' | sed 's/^/SD-GUEST /'

# ---- the backend refuses persistent grants and discard
echo N >/sys/module/xen_blkback/parameters/feature_persistent || note "cannot turn persistent grants off"
# (target= last: it takes the rest of the spec, as in xl)
mkcfg sffeat "rootdisk.mode=features" "format=raw, vdev=xvda, access=rw, no-discard, target=$IMG"
step create-sffeat 300 pvctl create /etc/xen/sffeat.cfg
id=$(domid sffeat)
check feat-discard-node "$(xenstore-read /local/domain/0/backend/vbd/$id/51712/discard-enable)"
check feat-persistent-node "$(xenstore-read /local/domain/0/backend/vbd/$id/51712/feature-persistent)"
await sffeat 'ROOT-FEATURES-IO' 400
wait_for 300 gone sffeat && check gone-sffeat 1 || { check gone-sffeat 0; step destroy-sffeat 300 pvctl destroy sffeat; }
guest_lines sffeat 'ROOT-FEATURES' | sed 's/^/SD-GUEST /'
[ "$(vbd_nodes)" = 0 ] || PVCTL_DEVICE_TIMEOUT_MS=3000 step cleanup-feat 60 pvctl block-detach "$id" xvda
echo Y >/sys/module/xen_blkback/parameters/feature_persistent

wait_for 30 sh -c '[ "$(pvctl info --json | sed -n "s/.*\"free_memory\": \([0-9]*\).*/\1/p")" = '"$free0"' ]'
check free-after "$(free_mib)"
check domains-left "$(others)"
check loops-left "$(losetup -a | grep -c .)"
check vbd-nodes-left "$(vbd_nodes)"
check vif-nodes-left "$(vif_nodes)"
check vifs-left "$(vifs)"
finish
