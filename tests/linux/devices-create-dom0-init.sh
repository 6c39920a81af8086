#!/bin/bash
# dom0 /init of tests/system/toolstack/devices-create.sh: the reference
# stack's dom0 (C xenstored, xenconsoled logging each guest to
# /var/log/xen/console/guest-NAME.log) where pvctl creates domUs whose
# disks and vifs come from their configs (no hotplug scripts, no xl). The
# same script on Xen 4.17 and on pvisor. Lines for the test:
#   DC-<NAME> rc=<status>       a step (its output as DC-OUT <NAME>: ...)
#   DC-CHECK <what> <value>     facts the test judges
#   DC-GUEST <name> <line>      the guests' GUEST- lines
#   DC-DONE                     then power-off
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
# the console carries the DC- lines the test reads: kernel lines below
# error (a bridge port, a vif coming up) would land inside them
echo 4 >/proc/sys/kernel/printk
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen \
         /var/lib/xenstored /var/log/pvisor

note() { echo "DC-NOTE $*"; }
check() { echo "DC-CHECK $1 $2"; }
step() {   # step NAME SECONDS COMMAND...
    local name=$1 secs=$2 rc
    shift 2
    timeout "$secs" "$@" </dev/null >/tmp/out 2>&1
    rc=$?
    sed "s/^/DC-OUT $name: /" /tmp/out
    echo "DC-$name rc=$rc"
    return $rc
}
finish() {
    echo "DC-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}
CL=/var/log/xen/console
free_mib() { pvctl info --json | sed 's/.*"free_memory": \([0-9]*\).*/\1/'; }
# wait_log NAME PATTERN SECONDS: until the guest's console shows PATTERN
wait_log() {
    local i
    for i in $(seq 1 $(($3 * 5))); do
        grep -aq "$2" "$CL/guest-$1.log" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
gone() { ! pvctl list --json | grep -q "\"name\": \"$1\""; }
wait_gone() { local i; for i in $(seq 1 $(($2 * 5))); do gone "$1" && return 0; sleep 0.2; done; return 1; }
guest_lines() { grep -a '^GUEST-' "$CL/guest-$1.log" 2>/dev/null | tr -d '\r' | sed "s/^/DC-GUEST $1 /"; }
loops() { losetup -a | grep -c .; }
vifs() { ls /sys/class/net | grep -c '^vif'; }
gntdev_maps() { cat /proc/[0-9]*/maps 2>/dev/null | grep -c gntdev; }
# backend/vbd/D and backend/vif/D directories (the kinds' parents stay, as with xl)
device_nodes() { echo $(($(xenstore-list /local/domain/0/backend/vbd 2>/dev/null | grep -c .) + $(xenstore-list /local/domain/0/backend/vif 2>/dev/null | grep -c .))); }
domains() { xenstore-list /local/domain | grep -c .; }

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs loop llc stp bridge xen-blkback xen-netback
ref_xenstored
xen-init-dom0 >/dev/null 2>&1 || note "xen-init-dom0 failed"
ref_xenconsoled

# the guests boot under TCG and load their frontends from the initramfs
export PVCTL_DEVICE_TIMEOUT_MS=${PVCTL_DEVICE_TIMEOUT_MS:-180000}
step network-create 10 pvctl network create xenbr0 10.0.0.1/24
step network-create-1 10 pvctl network create xenbr1 10.0.1.1/24
free0=$(free_mib)
check free-before "$free0"
gnt0=$(gntdev_maps)
dom0=$(domains)

cfg() {   # cfg NAME ROLE IPS 'DISKS' 'VIFS'
    cat >/etc/pvisor-$1.cfg <<EOF
name = "$1"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd-dc.gz"
extra = "console=hvc0 quiet pvtest.role=$2 pvtest.ip=$3"
memory = 128
vcpus = 1
disk = [ $4 ]
vif = [ $5 ]
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
EOF
}
D=/data/disk.img
cfg w1 write 10.0.0.2 "'format=raw, vdev=xvda, access=rw, target=$D'" "'mac=00:16:3e:5a:01:02, bridge=xenbr0'"
cfg m1 multi 10.0.0.3,10.0.1.3 "'vdev=xvda, access=ro, target=$D', 'vdev=xvdb, access=rw, target=/data/scratch.img'" \
    "'mac=00:16:3e:5a:01:03, bridge=xenbr0', 'mac=00:16:3e:5a:01:13, bridge=xenbr1'"
cfg p1 peer 10.0.0.4 "'vdev=xvda, access=ro, target=$D'" "'mac=00:16:3e:5a:01:04'"
cfg w2 write 10.0.0.9 "'vdev=xvda, access=rw, target=$D'" "'mac=00:16:3e:5a:01:09'"
cfg l1 cycle 10.0.0.5 "'vdev=xvda, access=rw, target=/data/cycle.img'" "'bridge=xenbr0'"
# the cycles' tiny guest: a PV test kernel that powers off at once, kept
# (preserve) until destroyed; its frontends never connect
cfg c1 cycle 10.0.0.6 "'vdev=xvda, access=rw, target=/data/cycle.img'" "'bridge=xenbr0'"
sed -i -e 's|^kernel = .*|kernel = "/guest/shutdown.elf"|' -e '/^ramdisk/d' -e 's/^memory = .*/memory = 32/' \
    -e 's/^on_\([a-z]*\) = .*/on_\1 = "preserve"/' /etc/pvisor-c1.cfg
dd if=/dev/zero of=/data/scratch.img bs=1M count=8 2>/dev/null
dd if=/dev/zero of=/data/cycle.img bs=1M count=4 2>/dev/null
cfg r1 reboot 10.0.0.7 "'vdev=xvda, access=rw, target=/data/reboot.img'" "'bridge=xenbr0'"
sed -i 's/^on_reboot = .*/on_reboot = "restart"/' /etc/pvisor-r1.cfg
dd if=/dev/zero of=/data/reboot.img bs=1M count=4 2>/dev/null

# 1. the writer: its disk and vif Connected when create returns
step create-w1 300 pvctl -v create /etc/pvisor-w1.cfg
check w1-loops "$(loops)"
check w1-vif-in-bridge "$(ls /sys/class/net/xenbr0/brif | grep -c '^vif')"
check w1-vbd-state "$(xenstore-read /local/domain/0/backend/vbd/$(pvctl list | awk '$1 == "w1" {print $2}')/51712/state 2>&1)"
if wait_log w1 GUEST-NET-UP 300; then
    step ping-domu 30 ping -c 3 -W 5 10.0.0.2
    timeout 240 tcp-pattern listen 5001 send 67108864 >/tmp/tcp-tx 2>&1 &
    timeout 240 tcp-pattern listen 5002 recv 67108864 >/tmp/tcp-rx 2>&1 &
    wait
    check tcp-dom0-sent "$(cat /tmp/tcp-tx)"
    check tcp-dom0-recv "$(cat /tmp/tcp-rx)"
fi
wait_gone w1 300 || note "w1 did not power off"
guest_lines w1
# its monitor destroyed it (on_poweroff=destroy): nothing of its devices left
sleep 1
check w1-gone-loops "$(loops)"
check w1-gone-vifs "$(vifs)"
check w1-gone-nodes "$(device_nodes)"

# 2. two readers of the read-only disk at once (one with two disks and
# two vifs), talking over xenbr0; a second writer refused meanwhile
step create-m1 300 pvctl -v create /etc/pvisor-m1.cfg
step create-p1 300 pvctl -v create /etc/pvisor-p1.cfg
check readers-loops "$(loops)"
check readers-vifs "$(vifs)"
l0=$(loops) n0=$(device_nodes) d0=$(domains)
step create-w2-refused 60 pvctl create /etc/pvisor-w2.cfg
check w2-lines "$(grep -c . /tmp/out)"
check w2-left "$(gone w2 && echo 0 || echo 1) $(($(loops) - l0)) $(($(device_nodes) - n0)) $(($(domains) - d0))"
# by name: the hotplug command refuses the writer too
step block-attach-by-name 30 pvctl block-attach p1 "vdev=xvdc, access=rw, target=$D"
wait_gone m1 300 || note "m1 did not power off"
wait_gone p1 300 || note "p1 did not power off"
guest_lines m1
guest_lines p1
sleep 1

# 3. what the writer left is a clean ext4
step fsck 120 /opt/e2fs/e2fsck -fn $D

# 4. on_reboot="restart": the monitor unplugs the old domain's devices
# and plugs the new one's (the disk is free for it again)
step create-r1 300 pvctl create /etc/pvisor-r1.cfg
r1a=$(pvctl list | awk '$1 == "r1" {print $2}')
wait_log r1 GUEST-SECOND-BOOT 400 && check r1-restarted 1 || check r1-restarted 0
r1b=$(pvctl list | awk '$1 == "r1" {print $2}')
check r1-new-domain "$([ -n "$r1b" ] && [ "$r1a" != "$r1b" ] && echo 1 || echo 0)"
check r1-devices "$(loops) $(vifs) $(device_nodes)"
step destroy-r1 60 pvctl destroy r1
check r1-gone "$(loops) $(vifs) $(device_nodes)"
guest_lines r1

# 5. destroy of a running Linux guest whose devices are Connected, then
# create/destroy cycles with a disk and a vif (the tiny guest)
step create-l1 300 pvctl create /etc/pvisor-l1.cfg
id=$(pvctl list | awk '$1 == "l1" {print $2}')
check l1-connected "$(for p in 0/backend/vbd/$id/51712 $id/device/vbd/51712 0/backend/vif/$id/0 $id/device/vif/0; do
    xenstore-read /local/domain/$p/state 2>/dev/null || echo -; done | tr '\n' ' ' | sed 's/ $//')"
step destroy-l1 60 pvctl -v destroy l1
check l1-gone "$(loops) $(vifs) $(device_nodes)"
# a create whose guest stops before its devices connect fails with one
# line and undoes everything (domain, nodes, loop device, vif)
l0=$(loops) n0=$(device_nodes) d0=$(domains) v0=$(vifs)
step create-c1-stops 120 pvctl create /etc/pvisor-c1.cfg
check c1-stops-lines "$(grep -c . /tmp/out)"
check c1-stops-left "$(gone c1 && echo 0 || echo 1) $(($(loops) - l0)) $(($(device_nodes) - n0)) $(($(domains) - d0)) $(($(vifs) - v0))"
cyc_ok=0
for i in $(seq 1 20); do
    timeout 300 pvctl create /etc/pvisor-c1.cfg --no-connect >/tmp/cyc 2>&1 || { sed "s/^/DC-OUT cycle-$i: /" /tmp/cyc; break; }
    timeout 60 pvctl destroy c1 >/tmp/cyc 2>&1 || { sed "s/^/DC-OUT cycle-$i-destroy: /" /tmp/cyc; break; }
    cyc_ok=$i
done
check cycles "$cyc_ok"
sleep 1
check end-loops "$(loops)"
check end-vifs "$(vifs)"
check end-nodes "$(device_nodes)"
check end-frontends "$(xenstore-ls /local/domain 2>/dev/null | grep -c '^ *device =')"
check end-domains "$(($(domains) - dom0))"
check end-gntdev "$(($(gntdev_maps) - gnt0))"
for i in $(seq 1 50); do [ "$(free_mib)" = "$free0" ] && break; sleep 0.2; done
check free-after "$(free_mib)"
for f in /var/log/pvisor/pvctl-*.log; do sed "s|^|DC-MONITOR ${f##*/}: |" "$f"; done
finish
