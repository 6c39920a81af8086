# Sourced, after ref-stack-lib.sh, by the split-driver system tests
# (tests/system/toolstack/rootdisk.sh, split-failures.sh): the reference
# stack's images with a domU root disk, a dom0 initramfs with pvctl, e2fsck
# and the disk added, one boot, and the readers of the SD- lines
# tests/linux/split-dom0-lib.sh prints.

# split_images: the reference images, the root disk and its initramfs;
# $T/add is the tree appended to the reference dom0 initramfs
split_images() {
	local kmods m ko=()
	ref_need built toolstack/pvctl host mke2fs e2fsck
	# the guest kernel's frontends and grant devices, for the root disk
	for m in block/xen-blkfront net/xen-netfront xen/xen-gntdev xen/xen-gntalloc; do
		ko+=("x/kdomu/lib/modules/*-cloud-amd64/kernel/drivers/$m.ko")
	done
	ref_images out/xen.elf out/vmlinuz-dom0 out/dom0-initrd.gz x/root/bin/busybox "${ko[@]}" || return 1
	kmods=$(ls -d "$REF_IMG"/x/kdomu/lib/modules/*-cloud-amd64 | head -1)
	mkdir -p "$T/add/usr/sbin" "$T/add/etc" "$T/add/guest" "$T/extra/bin"
	# the domU's program that tries to take another domain's grants
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$T/extra/bin/gntsteal" "$ROOT/tests/linux/gntsteal.c" \
		-lxengnttab -lxenstore -lxentoolcore -lxentoollog 2>"$T/gntsteal.log" ||
		{ cat "$T/gntsteal.log"; echo "FAIL: building gntsteal"; return 1; }
	"$ROOT/tests/linux/mkrootdisk.sh" "$kmods" "$REF_IMG/x/root/bin/busybox" "$T/guest" 32 "$T/extra" ||
		{ echo "FAIL: building the root disk"; return 1; }
	install -m 644 "$T/guest/rootdisk.img" "$T/guest/rootdisk-initrd.gz" "$T/add/guest/"
	install -m 755 "$BUILD/toolstack/pvctl" "$T/add/usr/sbin/pvctl"
	install -m 644 "$ROOT/tests/linux/split-dom0-lib.sh" "$T/add/etc/split-dom0-lib.sh"
	# Debian's e2fsck (e2fsprogs, the host's) with the libraries the
	# reference dom0 lacks; its libc is the same bookworm one.
	install -D -m 755 "$(command -v e2fsck)" "$T/add/usr/sbin/e2fsck"
	ldd "$(command -v e2fsck)" | awk '/=>/ {print $3}' | grep -v '/libc\.so\|ld-linux' | while read -r l; do
		install -D -m 644 "$(readlink -f "$l")" "$T/add$l"
	done
}

# split_dom0_image INIT: the reference dom0 initramfs with $T/add and INIT
# as its /init appended, in $T/dom0.cpio.gz
split_dom0_image() {
	ref_dom0_init "$T/add" "$1" && ref_appended "$T/dom0.cpio.gz" "$REF_IMG/out/dom0-initrd.gz" "$T/add"
}

# split_boot HV SECONDS: one boot; the serial log in $T/HV.txt
split_boot() { ref_boot "$1" "$1" "$2" "$T/dom0.cpio.gz"; }

sd_rc() { ref_rc "$1" SD "$2"; }
sd_out() { ref_section "$1" SD "$2"; }
sd_check() { grep -a "^SD-CHECK $2 " "$1" | tail -1 | cut -d' ' -f3-; }
