#!/bin/sh
# Regenerates the small seed corpora of the decompressor fuzz targets
# (tests/fuzz/corpus/fuzz_decompress_*/) with the reference tools. The
# output is committed; run by hand when the targets change.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
c=$top/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in xz lz4 gzip zstd bzimage; do mkdir -p "$c/fuzz_decompress_$t"; done

# Inputs: text, a repeated pattern, x86-like bytes (for BCJ), random, tiny.
printf 'the hypervisor decodes a kernel image with xz and lz4, gzip or zstd\n%.0s' $(seq 20) > "$tmp/text"
head -c 3000 /dev/zero | tr '\0' 'a' > "$tmp/rep"
/usr/bin/python3 -c "
import random,struct,sys
r=random.Random(1); b=bytearray()
while len(b)<3000:
    if r.random()<.3: b+=bytes([0xe8])+struct.pack('<i',r.randint(-40000,40000))
    else: b.append(0x48+r.randint(0,7))
sys.stdout.buffer.write(bytes(b))" > "$tmp/x86"
head -c 700 /dev/urandom > "$tmp/rand"
printf 'A' > "$tmp/one"
: > "$tmp/empty"

for f in text rep x86 rand one empty; do
  xz -c "$tmp/$f" > "$c/fuzz_decompress_xz/$f.xz"
  xz -c --check=crc32 --x86 --lzma2=preset=1 "$tmp/$f" > "$c/fuzz_decompress_xz/$f.x86.xz"
  lz4 -q -l -c "$tmp/$f" > "$c/fuzz_decompress_lz4/$f.legacy.lz4"
  lz4 -q -c -BD -BX --content-size "$tmp/$f" > "$c/fuzz_decompress_lz4/$f.lz4"
  gzip -c -n -9 "$tmp/$f" > "$c/fuzz_decompress_gzip/$f.gz"
  zstd -q -c -19 "$tmp/$f" > "$c/fuzz_decompress_zstd/$f.zst"
done
xz -c --check=none --delta=dist=2 --lzma2=preset=0,lc=1,lp=2,pb=3 "$tmp/text" > "$c/fuzz_decompress_xz/text.delta.xz"
gzip -c -1 "$tmp/x86" > "$c/fuzz_decompress_gzip/x86.named.gz"
zstd -q -c -1 --no-check "$tmp/x86" > "$c/fuzz_decompress_zstd/x86.1.zst"
cat "$c/fuzz_decompress_zstd/one.zst" "$c/fuzz_decompress_zstd/text.zst" > "$c/fuzz_decompress_zstd/two.zst"

# bzImages: a small ELF64 x86-64 (header, one PT_LOAD, x86 bytes) in each format.
/usr/bin/python3 - "$tmp" <<'PY'
import struct, sys
tmp = sys.argv[1]
body = open(tmp + "/x86", "rb").read()[:1500]
eh = bytearray(64)
eh[0:7] = b"\x7fELF\x02\x01\x01"
struct.pack_into("<HHI", eh, 0x10, 2, 62, 1)
struct.pack_into("<Q", eh, 0x20, 64)
struct.pack_into("<HHH", eh, 0x34, 64, 56, 1)
ph = bytearray(56)
ph[0] = 1
open(tmp + "/elf", "wb").write(bytes(eh + ph) + body)
PY
for fmt in xz lz4 gzip zstd; do
  case $fmt in
    xz) xz -c --check=crc32 --x86 --lzma2=preset=0 "$tmp/elf" ;;
    lz4) lz4 -q -l -c "$tmp/elf" ;;
    gzip) gzip -c -n "$tmp/elf" ;;
    zstd) zstd -q -c "$tmp/elf" ;;
  esac > "$tmp/payload"
  /usr/bin/python3 - "$tmp/payload" "$tmp/elf" "$c/fuzz_decompress_bzimage/$fmt.bzimage" <<'PY'
import struct, sys
p = open(sys.argv[1], "rb").read(); n = len(open(sys.argv[2], "rb").read())
img = bytearray(4 * 512 + 0x40)
img[0x1f1] = 3
struct.pack_into("<H", img, 0x1fe, 0xaa55)
img[0x202:0x206] = b"HdrS"
struct.pack_into("<H", img, 0x206, 0x020f)
struct.pack_into("<II", img, 0x248, 0x40, len(p) + 4)
open(sys.argv[3], "wb").write(bytes(img) + p + struct.pack("<I", n))
PY
done
cp "$tmp/elf" "$c/fuzz_decompress_bzimage/plain.elf"
du -sh "$c"/fuzz_decompress_*
