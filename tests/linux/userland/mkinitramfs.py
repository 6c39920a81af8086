#!/usr/bin/python3
"""mkinitramfs.py OUT.cpio.gz INIT BUSYBOX [--program P]... [--module M]... APPLET...

The dom0 userland test initramfs: what tests/linux/mkinitramfs.py writes
(INIT, static busybox, APPLET links), plus each static PROGRAM at
/tests/<name> and each kernel MODULE at /lib/modules/<name>, appended as a
second gzip'd newc archive (the kernel unpacks both)."""
import argparse
import gzip
import os
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from mkinitramfs import entry, is_static_elf  # noqa: E402


def main():
    ap = argparse.ArgumentParser(usage=__doc__.strip().splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("init")
    ap.add_argument("busybox")
    ap.add_argument("--program", action="append", default=[])
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("applets", nargs="*")
    a = ap.parse_intermixed_args()
    parts, ino = [], 1000
    for d in ["lib", "lib/modules", "tests"]:
        parts.append(entry(ino, d, stat.S_IFDIR | 0o755))
        ino += 1
    for path, where, mode in ([(p, "tests", 0o755) for p in a.program] +
                              [(m, "lib/modules", 0o644) for m in a.module]):
        with open(path, "rb") as fh:
            data = fh.read()
        if where == "tests" and not is_static_elf(data):
            sys.exit(f"mkinitramfs: {path} is not a static ELF binary")
        parts.append(entry(ino, f"{where}/{os.path.basename(path)}", stat.S_IFREG | mode, data))
        ino += 1
    parts.append(entry(0, "TRAILER!!!", 0))
    base, tmp = a.out + ".base", a.out + ".tmp"
    subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "mkinitramfs.py"),
                    base, a.init, a.busybox] + a.applets, check=True)
    with open(tmp, "wb") as raw:
        with open(base, "rb") as fh:
            raw.write(fh.read())
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(b"".join(parts))
    os.remove(base)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
