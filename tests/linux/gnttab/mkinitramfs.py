#!/usr/bin/python3
"""mkinitramfs.py OUT.cpio.gz INIT BUSYBOX PROGRAM MODULE... -- APPLET...

The grant-table dom0 test initramfs: what tests/linux/mkinitramfs.py
writes (INIT, static busybox, APPLET links), plus PROGRAM at
/bin/gnttab-selfmap and each kernel MODULE at /lib/modules/<name>,
appended as a second gzip'd newc archive (the kernel unpacks both)."""
import gzip
import os
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from mkinitramfs import entry, is_static_elf  # noqa: E402


def main():
    if len(sys.argv) < 6 or "--" not in sys.argv:
        sys.exit(__doc__.strip().splitlines()[0])
    sep = sys.argv.index("--")
    out, init, busybox, program = sys.argv[1:5]
    modules, applets = sys.argv[5:sep], sys.argv[sep + 1:]
    with open(program, "rb") as fh:
        prog = fh.read()
    if not is_static_elf(prog):
        sys.exit(f"mkinitramfs: {program} is not a static ELF binary")
    base = out + ".base"
    subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "mkinitramfs.py"),
                    base, init, busybox] + applets, check=True)
    parts, ino = [], 1000
    for d in ["lib", "lib/modules"]:
        parts.append(entry(ino, d, stat.S_IFDIR | 0o755))
        ino += 1
    parts.append(entry(ino, "bin/gnttab-selfmap", stat.S_IFREG | 0o755, prog))
    ino += 1
    for m in modules:
        with open(m, "rb") as fh:
            parts.append(entry(ino, "lib/modules/" + os.path.basename(m), stat.S_IFREG | 0o644,
                               fh.read()))
        ino += 1
    parts.append(entry(0, "TRAILER!!!", 0))
    tmp = out + ".tmp"
    with open(tmp, "wb") as raw:
        with open(base, "rb") as fh:
            raw.write(fh.read())
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(b"".join(parts))
    os.remove(base)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
