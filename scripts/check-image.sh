#!/bin/sh
# Sanity checks on the linked hypervisor image: both multiboot headers are
# where the loaders look for them (multiboot1 in the first 8 KiB, 4-byte
# aligned; multiboot2 in the first 32 KiB, 8-byte aligned).
set -eu
img=$1
python3=/usr/bin/python3
$python3 - "$img" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(32768)
def find(magic, limit, align):
    for off in range(0, min(limit, len(data)) - 4, align):
        if struct.unpack_from("<I", data, off)[0] == magic:
            return off
    return None
mb1 = find(0x1BADB002, 8192, 4)
mb2 = find(0xE85250D6, 32768, 8)
if mb1 is None or mb2 is None:
    sys.exit(f"check-image: {sys.argv[1]}: multiboot header missing (mb1={mb1}, mb2={mb2}); check the linker script")
m, f, c = struct.unpack_from("<III", data, mb1)
if (m + f + c) & 0xffffffff:
    sys.exit("check-image: multiboot1 checksum wrong")
m, a, l, c = struct.unpack_from("<IIII", data, mb2)
if (m + a + l + c) & 0xffffffff:
    sys.exit("check-image: multiboot2 checksum wrong")
PY
