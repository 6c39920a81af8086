#!/usr/bin/python3
"""add-files.py IN.gz OUT.gz SRC:DEST...

Writes OUT.gz = IN.gz followed by a second gzip'd newc archive holding each
SRC at DEST (mode kept, root-owned, parent directories created): Linux
unpacks both, the later archive adding or replacing files. How tests put
their scripts into dom0's image (make dom0) without rebuilding it."""
import gzip
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkdom0 import cpio_entry  # noqa: E402


def main():
    if len(sys.argv) < 4 or any(":" not in s for s in sys.argv[3:]):
        sys.exit("usage: " + __doc__.strip().splitlines()[0])
    src_gz, out = sys.argv[1], sys.argv[2]
    parts, dirs, ino = [], set(), 900000
    for spec in sys.argv[3:]:
        src, dst = spec.split(":", 1)
        dst = dst.strip("/")
        d = os.path.dirname(dst)
        while d and d not in dirs:
            dirs.add(d)
            d = os.path.dirname(d)
        with open(src, "rb") as fh:
            data = fh.read()
        mode = stat.S_IFREG | (os.stat(src).st_mode & 0o777)
        parts.append((dst, mode, data))
    entries = [cpio_entry(ino + i, d, stat.S_IFDIR | 0o755) for i, d in enumerate(sorted(dirs))]
    ino += len(dirs)
    entries += [cpio_entry(ino + i, dst, mode, data) for i, (dst, mode, data) in enumerate(parts)]
    entries.append(cpio_entry(0, "TRAILER!!!", 0))
    tmp = out + ".tmp"
    with open(tmp, "wb") as raw:
        with open(src_gz, "rb") as fh:
            raw.write(fh.read())
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(b"".join(entries))
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
