#!/bin/bash
# mkrootdisk.sh KMODS BUSYBOX OUTDIR [SIZE_MIB [EXTRA_DIR]]
# A domU root file system on a virtual disk, made from Debian packages only:
#   OUTDIR/rootdisk.img       ext4 (mke2fs -d, Debian's e2fsprogs): static
#                             busybox, /sbin/init (rootdisk-root-init.sh),
#                             the guest kernel's Xen frontends and gntdev/
#                             gntalloc under /lib/modules/<version>/, and
#                             EXTRA_DIR's tree if given
#   OUTDIR/rootdisk-initrd.gz the initramfs that loads xen-blkfront from the
#                             same kernel package, mounts root= and
#                             switch_roots (Debian's blkfront is a module)
# KMODS is the unpacked kernel package's lib/modules/<version> directory.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
KMODS=$1 BUSYBOX=$2 OUT=$3 SIZE=${4:-32} EXTRA=${5:-}
command -v mke2fs >/dev/null || { echo "mkrootdisk: no mke2fs (apt-get install e2fsprogs)" >&2; exit 1; }
[ -f "$KMODS/kernel/drivers/block/xen-blkfront.ko" ] ||
	{ echo "mkrootdisk: no xen-blkfront.ko under $KMODS" >&2; exit 1; }
KVER=$(basename "$KMODS")
ROOTDISK_MODULES="drivers/block/xen-blkfront.ko drivers/net/xen-netfront.ko drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko"
mkdir -p "$OUT"
W=$(mktemp -d "$OUT/mkrootdisk.XXXXXX")
trap 'rm -rf "$W"' EXIT

# ---- the root file system
R=$W/root
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,root,etc,data} "$R/lib/modules/$KVER"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
install -m 755 "$HERE/rootdisk-root-init.sh" "$R/sbin/init"
for m in $ROOTDISK_MODULES; do
	mkdir -p "$R/lib/modules/$KVER/kernel/$(dirname "$m")"
	cp "$KMODS/kernel/$m" "$R/lib/modules/$KVER/kernel/$m"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
[ -z "$EXTRA" ] || cp -a "$EXTRA/." "$R/"
echo "pvisor rootdisk $KVER" >"$R/etc/rootdisk-release"
rm -f "$OUT/rootdisk.img"
truncate -s "${SIZE}M" "$OUT/rootdisk.img"
# 4 KiB blocks, a journal, root-owned files whoever runs this
mke2fs -q -t ext4 -b 4096 -L pvroot -E root_owner=0:0 -d "$R" "$OUT/rootdisk.img"

# ---- the initramfs
I=$W/initrd
mkdir -p "$I"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$BUSYBOX" "$I/bin/busybox"
cp "$KMODS/kernel/drivers/block/xen-blkfront.ko" "$I/lib/modules/"
install -m 755 "$HERE/rootdisk-initrd-init.sh" "$I/init"
(cd "$I" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -6) >"$OUT/rootdisk-initrd.gz"
