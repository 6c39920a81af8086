#!/usr/bin/python3
"""Decode Debian's real kernels (vmlinuz, bzImage) with pvisor's decoders and
compare with the reference tools.

  decompress-bench.py           time pvisor vs `xz -dc` / `lz4 -dc` and liblzma
                                (CPU time, best of several runs; also under
                                qemu-x86_64, i.e. QEMU's TCG, when installed)
  decompress-bench.py --check   only verify the output (a test: exit 77 when
                                the kernel packages cannot be fetched)

The packages come from apt through scripts/fetch-deb.sh (cached; set
PVISOR_DEB_CACHE to share the cache); only their vmlinuz is unpacked, into
build/debian-kernels/. Our side runs build/tests/bench/
decompress_bench, which is compiled without SSE like the hypervisor.
"""
import glob
import lzma
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("PVISOR_BUILD", os.path.join(ROOT, "build"))
TOOL = os.path.join(BUILD, "tests", "bench", "decompress_bench")
# (flavour, the tool that decodes its payload); the package name comes from
# the metapackage, with the one the design notes were checked against as fallback.
FLAVOURS = [("amd64", ["xz", "-dc", "--single-stream"]), ("cloud-amd64", ["lz4", "-dc"])]
FALLBACK = "linux-image-6.1.0-56-{}"
SKIP = 77


def package(flavour):
    try:
        out = subprocess.run(["apt-cache", "depends", "linux-image-" + flavour],
                             capture_output=True, text=True, timeout=60).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "Depends:" and parts[1].startswith("linux-image-6"):
                return parts[1]
    except (OSError, subprocess.SubprocessError):
        pass
    return FALLBACK.format(flavour)


def fetch(flavour):
    """Path of the flavour's vmlinuz; only ./boot of the package is unpacked."""
    pkg = package(flavour)
    dest = os.path.join(BUILD, "debian-kernels", flavour)
    found = sorted(glob.glob(os.path.join(dest, "boot", "vmlinuz-" + pkg[len("linux-image-"):])))
    if found:
        return found[-1]
    cache = os.environ.get("PVISOR_DEB_CACHE") or os.path.join(ROOT, "build", "debs")
    debs = sorted(glob.glob(os.path.join(cache, pkg + "_*.deb")))
    if not debs:
        # fetch-deb.sh downloads into the cache (and unpacks, here into a scratch dir)
        with tempfile.TemporaryDirectory() as scratch:
            r = subprocess.run([os.path.join(ROOT, "scripts", "fetch-deb.sh"), pkg, scratch],
                               stdout=subprocess.DEVNULL)
            if r.returncode:
                return None
        debs = sorted(glob.glob(os.path.join(cache, pkg + "_*.deb")))
        if not debs:
            return None
    os.makedirs(dest, exist_ok=True)
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", debs[-1]], stdout=subprocess.PIPE)
    r = subprocess.run(["tar", "-x", "-C", dest, "--wildcards", "./boot/vmlinuz-*"], stdin=tar.stdout)
    tar.stdout.close()
    if tar.wait() or r.returncode:
        return None
    found = sorted(glob.glob(os.path.join(dest, "boot", "vmlinuz-*")))
    return found[-1] if found else None


def payload(path):
    """The compressed payload (without its trailing size) and that size."""
    img = open(path, "rb").read()
    sects = img[0x1f1] or 4
    off, length = struct.unpack_from("<II", img, 0x248)
    start = (sects + 1) * 512 + off
    p = img[start:start + length]
    return p[:-4], struct.unpack("<I", p[-4:])[0]


def timed(fn, n):
    """Best CPU time of n calls of fn: its own plus its children's."""
    best = None
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.process_time()
        fn()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.process_time() - t0 + (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        best = t if best is None or t < best else best
    return best


def ours(vmlinuz, expected, n, prefix=()):
    out = subprocess.run(list(prefix) + [TOOL, vmlinuz, expected, str(n)], capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"decompress-bench: pvisor's decoder failed on {vmlinuz}")
    ms = int(out.stdout.split(" ms,")[0].rsplit(" ", 1)[1])
    return ms / 1000.0


def main():
    check = "--check" in sys.argv[1:]
    if not os.access(TOOL, os.X_OK):
        print(f"decompress-bench: {TOOL} missing; run make first", file=sys.stderr)
        return 1
    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        for flavour, ref_cmd in FLAVOURS:
            vmlinuz = fetch(flavour)
            if not vmlinuz:
                print(f"decompress-bench: could not fetch the {flavour} kernel package (apt); skipped")
                continue
            data, size = payload(vmlinuz)
            pfile, rfile = os.path.join(tmp, "payload"), os.path.join(tmp, "ref")
            open(pfile, "wb").write(data)

            def reference():
                with open(pfile, "rb") as i, open(rfile, "wb") as o:
                    subprocess.run(ref_cmd, stdin=i, stdout=o, stderr=subprocess.DEVNULL)
            t_ref = timed(reference, 1 if check else 3)
            if os.path.getsize(rfile) != size:
                raise SystemExit(f"decompress-bench: {ref_cmd[0]} gave {os.path.getsize(rfile)} bytes, "
                                 f"the trailer says {size}")
            t_ours = ours(vmlinuz, rfile, 1 if check else 5)
            name = os.path.basename(vmlinuz)
            if check:
                print(f"{name}: pvisor's output matches {ref_cmd[0]}'s ({size} bytes, ELF64 x86-64)")
            else:
                line = (f"{name} ({ref_cmd[0]}, {len(data) / 1e6:.1f} MB -> {size / 1e6:.1f} MB): "
                        f"pvisor {t_ours * 1000:.0f} ms, `{' '.join(ref_cmd)}` {t_ref * 1000:.0f} ms, "
                        f"ratio {t_ours / t_ref:.2f}")
                if ref_cmd[0] == "xz":
                    t_lib = timed(lambda: lzma.LZMADecompressor().decompress(data), 3)
                    line += f"; liblzma in-process {t_lib * 1000:.0f} ms, ratio {t_ours / t_lib:.2f}"
                print(line, flush=True)
                qemu = shutil.which("qemu-x86_64")
                if qemu:
                    # QEMU's TCG runs both programs as it will run the hypervisor.
                    tool = shutil.which(ref_cmd[0])

                    def ref_tcg():
                        with open(pfile, "rb") as i:
                            subprocess.run([qemu, tool] + ref_cmd[1:], stdin=i,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    q_ref = timed(ref_tcg, 2)
                    q_ours = ours(vmlinuz, "-", 2, [qemu])
                    print(f"  under qemu-x86_64 (TCG): pvisor {q_ours * 1000:.0f} ms, "
                          f"{ref_cmd[0]} {q_ref * 1000:.0f} ms, ratio {q_ours / q_ref:.2f}", flush=True)
            done += 1
    if not done:
        return SKIP if check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
