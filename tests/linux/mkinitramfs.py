#!/usr/bin/python3
"""mkinitramfs.py OUT.cpio.gz INIT BUSYBOX APPLET...

Writes the dom0 test initramfs: a gzip'd newc cpio holding /init, a static
busybox at /bin/busybox, one /bin symlink per APPLET, the mount points and
/dev/console. The archive is written directly (no root needed for the
device node, no host file metadata leaks in): every entry is owned by root
with mtime 0, so the same inputs give the same bytes.
"""
import gzip
import os
import stat
import struct
import sys

DIRS = ["bin", "dev", "proc", "sys", "tmp", "run"]


def is_static_elf(data):
    """True for a 64-bit ELF without a PT_INTERP program header."""
    if data[:5] != b"\x7fELF\x02" or len(data) < 64:
        return False
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 4 > len(data):
            return False
        if struct.unpack_from("<I", data, off)[0] == 3:  # PT_INTERP
            return False
    return True


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(f"{v:08x}" for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[0])
    out, init, busybox, applets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(busybox, "rb") as fh:
        bb = fh.read()
    if not is_static_elf(bb):
        sys.exit(f"mkinitramfs: {busybox} is not a static ELF binary; install busybox-static (make deps)")
    with open(init, "rb") as fh:
        init_data = fh.read()

    parts, ino = [], 1
    for d in DIRS:
        parts.append(entry(ino, d, stat.S_IFDIR | 0o755))
        ino += 1
    parts.append(entry(ino, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)))
    ino += 1
    parts.append(entry(ino, "init", stat.S_IFREG | 0o755, init_data))
    ino += 1
    parts.append(entry(ino, "bin/busybox", stat.S_IFREG | 0o755, bb))
    ino += 1
    for a in sorted(set(applets)):
        parts.append(entry(ino, f"bin/{a}", stat.S_IFLNK | 0o777, b"busybox"))
        ino += 1
    parts.append(entry(0, "TRAILER!!!", 0))

    tmp = out + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(b"".join(parts))
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
