# Sourced by the split-driver system tests (tests/system/toolstack/
# rootdisk.sh, split-failures.sh): the reference stack's images, a dom0
# initramfs with pvctl, e2fsck and the root disk added, one boot, and the
# readers of the SD- lines tests/linux/split-dom0-lib.sh prints.
# Needs ROOT, BUILD, REF, XA_WORK and SKIP set.

# split_images T: the reference stack (built under the lock the other
# tests take on XA_WORK, copied out under it), the root disk and its
# initramfs; $T/add is the tree appended to the reference dom0 initramfs.
split_images() {
	local T=$1 kmods
	[ -x "$REF/build.sh" ] || { echo "skip: no reference stack (shared/reference/xen-stack)"; exit $SKIP; }
	command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit $SKIP; }
	command -v mke2fs >/dev/null && command -v e2fsck >/dev/null || { echo "skip: no e2fsprogs"; exit $SKIP; }
	[ -f "$BUILD/toolstack/pvctl" ] || { echo "FAIL: $BUILD/toolstack/pvctl not built (make)"; return 1; }
	mkdir -p "$T/out" "$T/add/usr/sbin" "$T/add/etc" "$T/add/guest"
	exec 9>"$XA_WORK.lock"
	flock 9
	if [ ! -f "$XA_WORK/out/xen.elf" ] || [ ! -f "$XA_WORK/out/dom0-initrd.gz" ] || [ ! -d "$XA_WORK/x/kdomu" ]; then
		cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
		"$T/ref/build.sh" >"$T/build.log" 2>&1 || { tail -20 "$T/build.log"; echo "FAIL: building the reference stack images"; return 1; }
	fi
	cp "$XA_WORK/out/xen.elf" "$XA_WORK/out/vmlinuz-dom0" "$XA_WORK/out/dom0-initrd.gz" "$T/out/" &&
		cp "$XA_WORK/x/root/bin/busybox" "$T/busybox" &&
		kmods=$(ls -d "$XA_WORK"/x/kdomu/lib/modules/*-cloud-amd64 | head -1) &&
		mkdir -p "$T/kmods" && (cd "$(dirname "$kmods")" &&
			for m in block/xen-blkfront net/xen-netfront xen/xen-gntdev xen/xen-gntalloc; do
				cp --parents "$(basename "$kmods")/kernel/drivers/$m.ko" "$T/kmods/" || exit 1
			done) ||
		{ flock -u 9; echo "FAIL: copying the reference images"; return 1; }
	flock -u 9
	exec 9>&-
	gzip -t "$T/out/dom0-initrd.gz" || { echo "FAIL: $XA_WORK/out/dom0-initrd.gz is not whole"; return 1; }
	# the domU's program that tries to take another domain's grants
	mkdir -p "$T/extra/bin"
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$T/extra/bin/gntsteal" "$ROOT/tests/linux/gntsteal.c" \
		-lxengnttab -lxenstore -lxentoolcore -lxentoollog 2>"$T/gntsteal.log" ||
		{ cat "$T/gntsteal.log"; echo "FAIL: building gntsteal"; return 1; }
	"$ROOT/tests/linux/mkrootdisk.sh" "$T/kmods/$(basename "$kmods")" "$T/busybox" "$T/guest" 32 "$T/extra" ||
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

# split_dom0_image T: the reference dom0 initramfs with $T/add appended
# (the kernel unpacks both; ours overrides /init).
split_dom0_image() {
	{
		cat "$1/out/dom0-initrd.gz"
		(cd "$1/add" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1)
	} >"$1/dom0.cpio.gz"
}

# split_boot T HV SECONDS: one boot; the serial log in $T/HV.txt
split_boot() {
	local T=$1 hv=$2 t0=$SECONDS elf
	case $hv in xen) elf=$T/out/xen.elf ;; pvisor) elf=$BUILD/pvisor.elf; [ -f "$elf" ] || { echo "FAIL: $elf not built (make)"; return 1; } ;; *) echo "FAIL: --hv $hv"; return 1 ;; esac
	timeout "$3" qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$hv.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$elf" -append "console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot" \
		-initrd "$T/out/vmlinuz-dom0 console=hvc0,$T/dom0.cpio.gz" </dev/null >/dev/null 2>&1
	echo "$hv: QEMU exit $? after $((SECONDS - t0)) s"
	tr -d '\r' <"$T/$hv.log" >"$T/$hv.txt"
}

sd_rc() { grep -a "^SD-END $2 rc=" "$1" | tail -1 | sed 's/.*rc=//'; }
sd_out() { awk -v n="$2" '$0 == "SD-BEGIN " n {on = 1; next} on && index($0, "SD-END " n " ") == 1 {exit} on' "$1" | grep -av '^(XEN)\|^(PV)\|^\[ *[0-9]*\.[0-9]*\]'; }
sd_check() { grep -a "^SD-CHECK $2 " "$1" | tail -1 | cut -d' ' -f3-; }
# split_repeats LOG [EXPECTED]: pvisor's own lines (once dom0 runs)
# printed 3 or more times, numbers aside: a log line that repeats in a test
# boot is a bug, unless the test provokes it (EXPECTED, an awk regex)
split_repeats() {
	awk -v x="${2:-^$}" '/^\(PV\) dom0: command line/ {on = 1; next}
		on && /^\(PV\)/ && !/^\(PV\) (perfc|profile):/ && $0 !~ x' "$1" |
		sed 's/[0-9a-fx]\{4,\}/N/g' | sort | uniq -c | awk '$1 >= 3' | sort -rn | head -5
}
