#!/bin/sh
# xen-image.sh: print the path of Debian's Xen 4.17 hypervisor as a plain
# ELF that QEMU's -kernel (multiboot1) loads, fetching and unpacking
# xen-hypervisor-4.17-amd64 on first use (scripts/fetch-deb.sh; set
# PVISOR_DEB_CACHE to share the .deb cache).  Exits 77 (skip) when the
# package cannot be fetched.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${PVISOR_BUILD:-$root/build}
dir=$build/xen-4.17
elf=$dir/xen-4.17-amd64.elf
if [ ! -s "$elf" ]; then
	mkdir -p "$dir"
	if ! "$root/scripts/fetch-deb.sh" xen-hypervisor-4.17-amd64 "$dir/pkg" >/dev/null; then
		echo "xen-image: cannot fetch xen-hypervisor-4.17-amd64; skipping" >&2
		exit 77
	fi
	gz=$(ls "$dir"/pkg/boot/xen-4.17-amd64.gz 2>/dev/null | head -n1)
	[ -n "$gz" ] || { echo "xen-image: no boot/xen-4.17-amd64.gz in the package" >&2; exit 77; }
	gunzip -c "$gz" >"$elf.tmp"
	mv "$elf.tmp" "$elf"
fi
echo "$elf"
