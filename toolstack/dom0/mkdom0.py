#!/usr/bin/python3
"""mkdom0.py [options] OUT.gz

Assembles dom0's initramfs from Debian packages and our programs, in
WORK/root, then writes it as one gzip'd newc cpio (root-owned, mtime 0):

  /init                       INIT
  /bin, /sbin, /usr/...       busybox (busybox-static) and its applet links
  /usr/bin/xenstore*          Debian's xenstore-utils
  /usr/bin/NAME               each --program (pvstored, pvctl, pvconsoled...)
  /lib/x86_64-linux-gnu/      the ldd closure of every dynamic program,
                              copied from the unpacked packages, never the host
  /lib/modules/ABI/...        each --module and the modules it depends on;
                              pvisor.order lists them dependencies first
  /etc/pvisor/, /var/lib/...  each --file SRC:DEST

Packages come from scripts/fetch-deb.sh (apt-get download, cached in
PVISOR_DEB_CACHE) and are unpacked under WORK/pkgs. A library whose package
is not in the list is found with dpkg -S on the host, fetched and named.
"""
import argparse
import gzip
import os
import re
import shutil
import stat
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FETCH = os.path.join(ROOT, "scripts", "fetch-deb.sh")
LIBDIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"]
DIRS = ["dev", "proc", "sys", "run", "tmp", "root", "etc/pvisor", "var/log/pvisor/console",
        "var/lib/pvisor", "bin", "sbin", "usr/bin", "usr/sbin", "lib64", LIBDIRS[0]]


def die(msg):
    sys.exit(f"mkdom0: {msg}")


class Packages:
    """The unpacked packages, fetched on first use."""

    def __init__(self, work):
        self.work = work
        self.dirs = {}

    def get(self, pkg):
        if pkg not in self.dirs:
            d = os.path.join(self.work, "pkgs", pkg)
            r = subprocess.run([FETCH, pkg, d], stdout=subprocess.DEVNULL)
            if r.returncode != 0:
                die(f"cannot fetch Debian package {pkg} (apt-get download)")
            self.dirs[pkg] = d
        return self.dirs[pkg]

    def libpath(self):
        return ":".join(os.path.join(d, l) for d in self.dirs.values() for l in LIBDIRS)

    def owner(self, path):
        """Which unpacked package a path lies in, or None."""
        real = os.path.realpath(path)
        for d in self.dirs.values():
            if real.startswith(os.path.realpath(d) + os.sep):
                return d
        return None


def host_package(lib):
    """The Debian package holding a library on the host (merged /usr aware)."""
    cands = [lib]
    for a, b in (("/usr/lib/", "/lib/"), ("/lib/", "/usr/lib/")):
        if lib.startswith(a):
            cands.append(b + lib[len(a):])
    for c in cands:
        r = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def is_dynamic_elf(path):
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head != b"\x7fELF":
        return False
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    return r.returncode == 0 and "=>" in r.stdout


def ldd_closure(pkgs, programs):
    """soname -> path inside an unpacked package, for every program."""
    libs = {}
    for _ in range(8):  # each round may fetch packages the last one found
        missing = {}
        env = dict(os.environ, LD_LIBRARY_PATH=pkgs.libpath())
        for p in programs:
            out = subprocess.run(["ldd", p], capture_output=True, text=True, env=env).stdout
            for m in re.finditer(r"^\s*(\S+) => (\S+) \(", out, re.M):
                name, path = m.groups()
                if pkgs.owner(path):
                    libs[name] = path
                else:
                    missing[name] = path
            if "not found" in out:
                die(f"{p}: a library is not found: "
                    + " ".join(l.split()[0] for l in out.splitlines() if "not found" in l))
        if not missing:
            return libs
        for name, path in sorted(missing.items()):
            pkg = host_package(path)
            if not pkg:
                die(f"{name} ({path}) belongs to no Debian package; the image takes libraries only from packages")
            if pkg in pkgs.dirs:
                die(f"{name}: package {pkg} is unpacked but has no {name} in {LIBDIRS}")
            print(f"  DEB     {pkg} (for {name}; not in packages.list)")
            pkgs.get(pkg)
    die("the library closure did not settle after 8 rounds")


def modinfo_depends(path):
    """The depends= list of a .ko's .modinfo section (what depmod reads;
    Debian's package ships no modules.dep, depmod makes it at install)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:5] != b"\x7fELF\x02":
        die(f"{path}: not a 64-bit ELF module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = secs[shstrndx][4]
    for name, _, _, _, off, size in secs:
        end = data.index(b"\0", strtab_off + name)
        if data[strtab_off + name:end] == b".modinfo":
            for field in data[off:off + size].split(b"\0"):
                if field.startswith(b"depends="):
                    return [d for d in field[8:].decode().split(",") if d]
            return []
    die(f"{path}: no .modinfo section")


def module_closure(moddir, names):
    """Module paths (relative to moddir) for names, dependencies first."""
    by_name = {}
    for dirpath, _, files in os.walk(os.path.join(moddir, "kernel")):
        for f in files:
            if f.endswith(".ko"):
                by_name[f[:-3].replace("-", "_")] = os.path.relpath(os.path.join(dirpath, f), moddir)
            elif ".ko." in f:
                die(f"{f}: compressed modules are not supported (busybox insmod takes .ko)")
    order, seen = [], set()

    def visit(name, wanted_by):
        mod = by_name.get(name.replace("-", "_"))
        if not mod:
            die(f"module {name}{wanted_by} is not in {moddir} (built into the kernel, or misspelt?)")
        if mod in seen:
            return
        seen.add(mod)
        for d in modinfo_depends(os.path.join(moddir, mod)):
            visit(d, f" (needed by {name})")
        order.append(mod)
    for n in names:
        visit(n, "")
    return order


def copy(src, dst, mode=None):
    """src to dst in the tree; an entry already there (an applet link to
    busybox) is replaced, never written through."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.lexists(dst):
        os.remove(dst)
    shutil.copyfile(src, dst)
    os.chmod(dst, mode if mode is not None else (0o755 if os.access(src, os.X_OK) else 0o644))


def write(dst, text, mode=0o644):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.lexists(dst):
        os.remove(dst)
    with open(dst, "w") as fh:
        fh.write(text)
    os.chmod(dst, mode)


def cpio_entry(ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(f"{v:08x}" for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    return out + data + b"\0" * (-len(data) % 4)


def write_cpio(tree, out):
    """tree as a gzip'd newc archive: sorted, root-owned, mtime 0, plus /dev/console."""
    parts, ino = [], 1
    for dirpath, dirnames, files in os.walk(tree):
        dirnames.sort()
        for n in sorted(dirnames + files):
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, tree)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                data = os.readlink(p).encode()
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    data = fh.read()
            else:
                data = b""
            parts.append(cpio_entry(ino, rel, st.st_mode, data))
            ino += 1
    parts.append(cpio_entry(ino, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)))
    parts.append(cpio_entry(0, "TRAILER!!!", 0))
    tmp = out + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz:
            for p in parts:
                gz.write(p)
    os.replace(tmp, out)
    return ino


def main():
    ap = argparse.ArgumentParser(usage="mkdom0.py --work DIR --packages LIST --init INIT "
                                 "--modules-dir DIR [--module M]... [--program P]... "
                                 "[--file SRC:DEST]... OUT.gz")
    ap.add_argument("out")
    ap.add_argument("--work", required=True)
    ap.add_argument("--packages", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--modules-dir", required=True)
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--program", action="append", default=[])
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--guest-initrd", help="write the guest initramfs (INIT:OUT) with the packaged busybox")
    a = ap.parse_args()

    pkgs = Packages(a.work)
    with open(a.packages) as fh:
        names = [l.split("#")[0].strip() for l in fh]
    for n in names:
        if n:
            pkgs.get(n)
    busybox = os.path.join(pkgs.get("busybox-static"), "bin", "busybox")

    if a.guest_initrd:
        init, out = a.guest_initrd.split(":", 1)
        applets = "sh mount cat echo grep dd md5sum sleep true poweroff".split()
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "linux", "mkinitramfs.py"),
                        out, init, busybox] + applets, check=True)

    tree = os.path.join(a.work, "root")
    shutil.rmtree(tree, ignore_errors=True)
    for d in DIRS:
        os.makedirs(os.path.join(tree, d), exist_ok=True)
    os.symlink("../run", os.path.join(tree, "var/run"))
    os.symlink("../run/lock", os.path.join(tree, "var/lock"))
    copy(a.init, os.path.join(tree, "init"), 0o755)

    copy(busybox, os.path.join(tree, "bin/busybox"), 0o755)
    listed = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, check=True)
    for rel in listed.stdout.split():
        dst = os.path.join(tree, rel)
        if rel != "bin/busybox" and not os.path.lexists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            # relative: nothing on the host follows it out of the tree
            os.symlink(os.path.relpath("bin/busybox", os.path.dirname(rel)), dst)

    xs = os.path.join(pkgs.get("xenstore-utils"), "usr/bin")
    for n in sorted(os.listdir(xs)):
        src, dst = os.path.join(xs, n), os.path.join(tree, "usr/bin", n)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            copy(src, dst, 0o755)
    for p in a.program:
        if not os.path.isfile(p):
            die(f"{p}: no such program (DOM0_PROGRAMS names it; is it built?)")
        copy(p, os.path.join(tree, "usr/bin", os.path.basename(p)), 0o755)

    dynamic = []
    for d in ("usr/bin", "usr/sbin"):
        for n in sorted(os.listdir(os.path.join(tree, d))):
            p = os.path.join(tree, d, n)
            if not os.path.islink(p) and is_dynamic_elf(p):
                dynamic.append(p)
    libs = ldd_closure(pkgs, dynamic)
    libc = pkgs.get("libc6")
    ld = os.path.join(libc, LIBDIRS[0], "ld-linux-x86-64.so.2")
    copy(ld, os.path.join(tree, LIBDIRS[0], "ld-linux-x86-64.so.2"), 0o755)
    os.symlink("../" + LIBDIRS[0] + "/ld-linux-x86-64.so.2", os.path.join(tree, "lib64/ld-linux-x86-64.so.2"))
    for name, path in sorted(libs.items()):
        copy(path, os.path.join(tree, LIBDIRS[0], name), 0o755)

    moddir = os.path.realpath(a.modules_dir)
    abi = os.path.basename(moddir)
    order = module_closure(moddir, a.module)
    for mod in order:
        copy(os.path.join(moddir, mod), os.path.join(tree, "lib/modules", abi, mod), 0o644)
    write(os.path.join(tree, "lib/modules", abi, "pvisor.order"), "".join(m + "\n" for m in order))

    for spec in a.file:
        src, dst = spec.split(":", 1)
        copy(src, os.path.join(tree, dst.lstrip("/")))
    write(os.path.join(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
    write(os.path.join(tree, "etc/group"), "root:x:0:\ntty:x:5:\n")
    write(os.path.join(tree, "etc/profile"),
          "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nPS1='dom0# '\n")

    n = write_cpio(tree, a.out)
    print(f"  DOM0    {a.out}: {n} files, {len(libs)} libraries, {len(order)} modules, "
          f"{os.path.getsize(a.out) >> 20} MiB")


if __name__ == "__main__":
    main()
