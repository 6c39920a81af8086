# Sourced first by every test's and benchmark's dom0 /init that runs in the
# reference stack's initramfs (../shared/reference/xen-stack): the bring-up
# they all need before their own daemons and checks. Installed in the
# image as /etc/ref-dom0-bringup.sh next to the test's /init.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root TERM=dumb
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
# devtmpfs has no /dev/std* links (udev adds them elsewhere); the hotplug
# scripts' claim_lock() needs them, e2fsck wants /etc/mtab
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
ln -sf /proc/mounts /etc/mtab
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp

# Xen's own dom0 daemons, for the scripts that run them; their problems go
# to the script's note(), and finish() ends it when xenstored never answers.
# ref_insmod MODULE...: the reference dom0 kernel's modules
ref_insmod() {
    local m
    for m; do insmod /lib/modules/xa/$m.ko 2>/dev/null || note "insmod $m failed (built in?)"; done
}
# ref_xenstored: xenfs mounted and C xenstored answering (30 s at most)
ref_xenstored() {
    local i
    mount -t xenfs xenfs /proc/xen || note "mount xenfs failed"
    XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstore.pid
    for i in $(seq 1 300); do
        xenstore-read -s / >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    note "xenstored did not come up"
    finish
}
# ref_xenconsoled: each guest's console logged to /var/log/xen/console/guest-NAME.log
ref_xenconsoled() {
    xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
        note "xenconsoled failed"
}
