#!/bin/bash
# dom0 /init of tests/system/toolstack/rootdisk.sh, the same on Xen 4.17 and
# pvisor: a domU boots with its root file system on xvda (an ext4 image
# made by tests/linux/mkrootdisk.sh, behind a loop device pvctl binds),
# writes and syncs known files, and crashes (sysrq c) with a writer
# running; e2fsck replays the journal of a copy and finds it consistent;
# a second domU boots from the same disk, the kernel replays the journal,
# every synced file is whole; it powers off cleanly and e2fsck -fn of the
# disk is clean. Nothing is left: domains, loop devices, vbd nodes, memory.
. /etc/split-dom0-lib.sh
IMG=/data/rootdisk.img
DISK="format=raw, vdev=xvda, access=rw, target=$IMG"
mkcfg() {   # mkcfg NAME MODE
    cat >/etc/xen/$1.cfg <<CFG
name     = "$1"
disk     = [ '$DISK' ]
kernel   = "/guest/vmlinuz"
ramdisk  = "/guest/rootdisk-initrd.gz"
extra    = "console=hvc0 root=/dev/xvda rootdisk.mode=$2"
memory   = 128
vcpus    = 1
on_poweroff = "destroy"
on_reboot   = "destroy"
on_crash    = "destroy"
CFG
}
# boot NAME MODE UNTIL SECS: create with the root disk, wait for the
# domain to be gone; the guest's ROOT lines as SD-GUEST
boot() {
    local name=$1 id
    mkcfg "$name" "$2"
    step create-$name 300 pvctl -v create /etc/xen/$name.cfg || return 1
    id=$(domid "$name")
    check loops-attached-$name "$(loops_on $IMG)"
    await "$name" "$3" "$4"
    wait_for 300 gone "$name" && check gone-$name 1 || { check gone-$name 0; step destroy-$name 60 pvctl destroy "$name"; }
    guest_lines "$name" 'ROOT-' | sed 's/^/SD-GUEST /'
    guest_lines "$name" 'ROOTDISK-INITRD' | sed 's/^/SD-GUEST /'
    # a crashed or powered-off domain's disk goes with it (pvctl's monitor)
    check vbd-nodes-after-$name "$(vbd_nodes)"
    # if not, take it down for the rest of the test (the backend let go
    # when its frontend went, so nothing answers Closing: a short wait)
    if [ -n "$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null)" ]; then
        PVCTL_DEVICE_TIMEOUT_MS=3000 step detach-$name 60 pvctl block-detach "$id" xvda
    fi
    wait_for 20 sh -c "[ \$(losetup -a | grep -c $IMG) = 0 ]"
    check loops-after-$name "$(loops_on $IMG)"
}

free0=$(free_mib)
check free-before "$free0"
mv /guest/rootdisk.img $IMG   # (dom0's root is a tmpfs of half its memory: no copy to spare)

boot rdwrite write 'ROOT-CRASHING' 400
# e2fsck on a copy: the crash left a journal to replay, and nothing else wrong
cp $IMG /tmp/copy.img
step fsck-replay 120 e2fsck -fy /tmp/copy.img
step fsck-after-replay 120 e2fsck -fn /tmp/copy.img
rm -f /tmp/copy.img

boot rdcheck check 'ROOT-POWEROFF' 400
step fsck-final 120 e2fsck -fn $IMG

wait_for 30 sh -c '[ "$(pvctl info --json | sed -n "s/.*\"free_memory\": \([0-9]*\).*/\1/p")" = '"$free0"' ]'
check free-after "$(free_mib)"
check domains-left "$(others)"
check loops-left "$(losetup -a | grep -c .)"
check vbd-nodes-left "$(vbd_nodes)"
finish
