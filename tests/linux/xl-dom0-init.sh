#!/bin/bash
# dom0 /init of tests/system/linux/xl-toolstack.sh: brings up Debian's Xen
# 4.17 toolstack (C xenstored, xen-init-dom0, xenconsoled) in the
# reference stack's initramfs and runs the xl commands the test compares
# between Xen and pvisor. Each command's output is framed by
#   XL-BEGIN <name>            and          XL-END <name> rc=<status>
# and the run ends with XL-DONE, then powers off.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /run/lock /run/xen /run/xenstored /run/xen-hotplug \
         /var/log/xen/console /var/lib/xen /var/lib/xenstored

note() { echo "XL-NOTE $*"; }
section() {   # section NAME SECONDS COMMAND...
    local name=$1 secs=$2 rc
    shift 2
    echo "XL-BEGIN $name"
    timeout "$secs" "$@" </dev/null 2>&1
    rc=$?
    echo "XL-END $name rc=$rc"
}
finish() {
    echo "XL-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
ref_xenstored
note "capabilities=$(cat /proc/xen/capabilities)"
section init-dom0 60 xen-init-dom0
ref_xenconsoled

section info 60 xl info
section list 60 xl list
section list-long 60 xl list -l
section dmesg 60 xl dmesg
section dmesg-clear 60 xl dmesg -c
section dmesg-after-clear 60 xl dmesg
# The minimal domU (no devices, idles after its marker): created, its
# marker read from xenconsoled's log, listed, destroyed, listed again.
CLOG=/var/log/xen/console/guest-anchor-min.log
section create 120 xl create /etc/xen/anchor-min.cfg
for i in $(seq 1 900); do
    grep -aq GUEST-MARKER-UP $CLOG 2>/dev/null && break
    sleep 0.2
done
section console 5 grep -a GUEST-MARKER-UP $CLOG
# Grant mappings the daemons hold through gntdev: xenstored's of the
# domU's ring (grant 1), xenconsoled's of its console (grant 0).
cat >/tmp/gntmaps <<'EOS'
#!/bin/sh
for p in xenstored xenconsoled; do
    echo "$p $(grep -c /dev/xen/gntdev /proc/$(pidof $p)/maps)"
done
EOS
chmod +x /tmp/gntmaps
section grant-maps 5 /tmp/gntmaps
section list-after-create 60 xl list
section destroy 60 xl destroy anchor-min
# Both daemons let go on @releaseDomain.
for i in $(seq 1 50); do
    [ "$(/tmp/gntmaps | awk '{n += $2} END {print n}')" = 0 ] && break
    sleep 0.1
done
section grant-maps-after-destroy 5 /tmp/gntmaps
section list-after-destroy 60 xl list
section dmesg-end 60 xl dmesg
finish
