#!/bin/busybox sh
# The initramfs /init of a domU whose root is on its virtual disk
# (tests/linux/mkrootdisk.sh): loads xen-blkfront from the kernel's own
# package, waits (bounded) for root= to appear, mounts it and
# switch_roots to its /sbin/init. Each failure is one ROOTDISK-INITRD line,
# then power-off: a guest must not hang in its initramfs.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "ROOTDISK-INITRD $*"; poweroff -f; }
root=; wait=240; blkfront=1
for a in $(cat /proc/cmdline); do
    case $a in
    root=*) root=${a#root=} ;;
    rootdisk.wait=*) wait=${a#rootdisk.wait=} ;;
    rootdisk.blkfront=*) blkfront=${a#rootdisk.blkfront=} ;;   # 0: a guest without a frontend
    esac
done
[ -n "$root" ] || fail "no root= on the command line"
if [ "$blkfront" = 1 ]; then
    insmod /lib/modules/xen-blkfront.ko || fail "insmod xen-blkfront failed"
fi
n=0
while [ ! -b "$root" ] && [ $n -lt $((wait * 10)) ]; do sleep 0.1; n=$((n + 1)); done
[ -b "$root" ] || fail "no $root after $wait s (no disk attached?)"
echo "ROOTDISK-INITRD $root after $((n / 10)) s"
mount -t ext4 -o rw "$root" /newroot || fail "mount $root failed"
[ -x /newroot/sbin/init ] || fail "no /sbin/init on $root"
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/init
