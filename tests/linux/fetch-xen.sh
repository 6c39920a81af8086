#!/bin/sh
# fetch-xen.sh OUTDIR
# Gets Debian's Xen 4.17 hypervisor (xen-hypervisor-4.17-amd64), the
# behavioural oracle the Linux boot tests and benchmarks compare against:
#   OUTDIR/xen.gz       as shipped (GRUB's multiboot2 loads it through gzio)
#   OUTDIR/xen.elf      gunzipped: a 32-bit multiboot ELF that QEMU's
#                       -kernel loader accepts (it cannot load gzip)
#   OUTDIR/xen.version  "xen-hypervisor-4.17-amd64 <debian version>"
# PVISOR_XEN_PKG selects another package. Outputs are only rewritten when
# the package changes; a failed download keeps an existing copy.
set -eu
out=${1:?usage: fetch-xen.sh OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
pkg=${PVISOR_XEN_PKG:-xen-hypervisor-4.17-amd64}

mkdir -p "$out"
unpacked=$out/pkg/$pkg
if [ ! -f "$out/xen.version" ] || [ "$(cut -d' ' -f1 "$out/xen.version")" != "$pkg" ] ||
   [ ! -f "$out/xen.elf" ] || [ ! -f "$out/xen.gz" ]; then
  echo "  FETCH   $pkg (apt-get download, ~2 MB)"
fi
if ! deb=$("$top/scripts/fetch-deb.sh" "$pkg" "$unpacked"); then
  if [ -f "$out/xen.elf" ]; then
    echo "fetch-xen: warning: download of $pkg failed; keeping $(cat "$out/xen.version" 2>/dev/null || echo "$out/xen.elf")" >&2
    exit 0
  fi
  exit 1
fi
version=$(dpkg-deb -f "$deb" Version)
[ -f "$out/xen.version" ] && [ "$(cat "$out/xen.version")" = "$pkg $version" ] &&
  [ -f "$out/xen.elf" ] && [ -f "$out/xen.gz" ] && exit 0

gz=$(ls "$unpacked"/boot/xen-*-amd64.gz 2>/dev/null | head -n1)
[ -n "$gz" ] || { echo "fetch-xen: $deb has no boot/xen-*-amd64.gz; is $pkg a Xen hypervisor package?" >&2; exit 1; }
cp "$gz" "$out/xen.gz.tmp" && mv "$out/xen.gz.tmp" "$out/xen.gz"
gzip -dc "$gz" > "$out/xen.elf.tmp" && mv "$out/xen.elf.tmp" "$out/xen.elf"
echo "$pkg $version" > "$out/xen.version"
echo "  XEN     $out/xen.elf ($pkg $version)"
