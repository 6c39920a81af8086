#!/bin/sh
# fetch-kernel.sh FLAVOUR OUTDIR
# Gets Debian's current stock kernel of FLAVOUR (amd64 = the generic image,
# the one that can be dom0; cloud-amd64 = the small domU image) and leaves
#   OUTDIR/vmlinuz-FLAVOUR          the bzImage exactly as Debian ships it
#   OUTDIR/vmlinuz-FLAVOUR.version  "linux-image-6.1.0-NN-FLAVOUR 6.1.x-y"
#   OUTDIR/modules-FLAVOUR          symlink to the unpacked lib/modules/<abi>
# "Current" is what the meta package linux-image-FLAVOUR depends on in the
# apt lists (apt-cache depends); PVISOR_LINUX_PKG pins another package.
# The outputs are only rewritten when the package changes, so make rules
# that depend on them stay quiet. If the download fails but an older kernel
# is already here, it is kept (with a warning) so offline runs still work.
set -eu
flavour=${1:?usage: fetch-kernel.sh FLAVOUR OUTDIR}
out=${2:?usage: fetch-kernel.sh FLAVOUR OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
meta=linux-image-$flavour
target=$out/vmlinuz-$flavour

pkg=${PVISOR_LINUX_PKG:-}
if [ -z "$pkg" ]; then
  pkg=$(apt-cache depends "$meta" 2>/dev/null |
        sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-$flavour\)\$/\1/p" | head -n1)
fi
if [ -z "$pkg" ]; then
  if [ -f "$target" ]; then
    echo "fetch-kernel: warning: cannot resolve $meta (apt-cache depends); keeping $(cat "$target.version" 2>/dev/null || echo "$target")" >&2
    exit 0
  fi
  echo "fetch-kernel: cannot resolve $meta with apt-cache depends; run apt-get update and check the apt sources" >&2
  exit 1
fi

if [ -f "$target.version" ] && [ "$(cut -d' ' -f1 "$target.version")" = "$pkg" ] && [ -f "$target" ]; then
  exit 0    # already the current package
fi

echo "  FETCH   $pkg (Debian $meta; apt-get download, ~30-70 MB on first use)"
unpacked=$out/pkg/$pkg
if ! deb=$("$top/scripts/fetch-deb.sh" "$pkg" "$unpacked"); then
  if [ -f "$target" ]; then
    echo "fetch-kernel: warning: download of $pkg failed; keeping $(cat "$target.version" 2>/dev/null || echo "$target")" >&2
    exit 0
  fi
  exit 1
fi
abi=${pkg#linux-image-}
img=$unpacked/boot/vmlinuz-$abi
[ -f "$img" ] || { echo "fetch-kernel: $deb has no boot/vmlinuz-$abi; is $pkg a kernel image package?" >&2; exit 1; }
version=$(dpkg-deb -f "$deb" Version)

# Drop the unpacked trees of older ABIs of this flavour (tens of MB each).
for old in "$out"/pkg/linux-image-*-"$flavour"; do
  [ -d "$old" ] && [ "$old" != "$unpacked" ] && rm -rf "$old"
done
cp "$img" "$target.tmp" && mv "$target.tmp" "$target"
ln -sfn "pkg/$pkg/lib/modules/$abi" "$out/modules-$flavour"
echo "$pkg $version" > "$target.version"
echo "  KERNEL  $target ($pkg $version)"
