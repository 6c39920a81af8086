#!/bin/sh
# Installs the Debian 12 packages pvisor needs to build, run and test.
# One list for `make run`, `make test` and CI; only missing packages are
# fetched, so a prepared machine pays nothing.
set -eu

PKGS="
  make gcc binutils libc6-dev clang lld llvm libclang-rt-14-dev
  python3 python3-kconfiglib
  libcmocka-dev libxen-dev xenstore-utils liblzma-dev liblz4-dev libzstd-dev zlib1g-dev
  qemu-system-x86 grub-pc-bin grub-common xorriso mtools
  busybox-static cpio gzip xz-utils lz4 zstd file strace
"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing Debian packages:$missing; run as root (or: sudo apt-get install$missing)" >&2
  exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
  echo "install-deps: apt-get install failed for:$missing; check the apt sources and retry" >&2
  exit 1
}
