#!/bin/sh
# fetch-deb.sh PACKAGE DESTDIR
# Downloads Debian's current PACKAGE with `apt-get download` (cached in
# build/debs/) and unpacks it into DESTDIR (no install, no root needed for
# the unpack). Prints the .deb path. Used for the stock kernels and Xen 4.17
# that the tests and benchmarks compare against.
set -eu
pkg=$1
dest=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${PVISOR_DEB_CACHE:-$top/build/debs}
mkdir -p "$cache" "$dest"
deb=$(ls "$cache"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  echo "fetch-deb: downloading $pkg" >&2
  (cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) || {
    (apt-get update -qq >/dev/null 2>&1 && cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) || {
      echo "fetch-deb: apt-get download $pkg failed; check the apt sources (apt-get update) and the network" >&2
      exit 1
    }
  }
  deb=$(ls "$cache"/"${pkg}"_*.deb | head -n1)
fi
stamp="$dest/.$(basename "$deb").unpacked"
if [ ! -f "$stamp" ]; then
  dpkg-deb -x "$deb" "$dest"
  touch "$stamp"
fi
echo "$deb"
