#!/bin/bash
# timeout: 120
# tools/kallsyms on Debian's current kernels: extract-vmlinux gets the ELF
# out of each bzImage (xz for -amd64, lz4 for -cloud-amd64), kallsyms.py
# rebuilds the symbol table, and the result must agree with what the ELF
# says independently: the Xen entry note (XEN_ELFNOTE_ENTRY) is
# startup_xen, the hypercall note (if any) is hypercall_page, and _stext
# sits at the start of the first PT_LOAD. Skips (77) if the kernels cannot
# be fetched.
set -u
ROOT=${PVISOR_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD=${PVISOR_BUILD:-$ROOT/build}
TMP=${PVISOR_TEST_TMP:-$(mktemp -d)}
"$ROOT/tests/linux/boot-dom0.sh" --hv xen --make-only || exit $?

fail=0
for flavour in amd64 cloud-amd64; do
  img=$BUILD/linux/vmlinuz-$flavour
  "$ROOT/tools/kallsyms/extract-vmlinux" "$img" "$TMP/vmlinux" || { fail=1; continue; }
  /usr/bin/python3 "$ROOT/tools/kallsyms/kallsyms.py" map "$TMP/vmlinux" >"$TMP/map" || { fail=1; continue; }
  /usr/bin/python3 - "$TMP/vmlinux" "$TMP/map" "$flavour" <<'PY' || fail=1
import struct, sys
elf, mapf, flavour = sys.argv[1:]
data = open(elf, "rb").read()
syms = {}
for line in open(mapf):
    a, t, n = line.split()[:3]
    syms.setdefault(n, int(a, 16))
ok = True
def check(cond, what):
    global ok
    print(f"kallsyms {flavour}: {'ok  ' if cond else 'FAIL'} {what}")
    ok &= bool(cond)
check(len(syms) > 50000, f"{len(syms)} distinct symbols")
# ELF program headers: first PT_LOAD, and the Xen notes in PT_NOTE.
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
notes, first_load = {}, None
for i in range(phnum):
    ptype, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
    if ptype == 1 and first_load is None:
        first_load = vaddr
    if ptype == 4:
        p, end = off, off + filesz
        while p + 12 <= end:
            nsz, dsz, typ = struct.unpack_from("<III", data, p)
            name = data[p + 12:p + 12 + nsz].rstrip(b"\0")
            d = p + 12 + ((nsz + 3) & ~3)
            if name == b"Xen":
                notes[typ] = data[d:d + dsz]
            p = d + ((dsz + 3) & ~3)
entry = struct.unpack("<Q", notes[1])[0] if 1 in notes else None
check(entry is not None and entry == syms.get("startup_xen"),
      f"XEN_ELFNOTE_ENTRY {entry and hex(entry)} == startup_xen {hex(syms.get('startup_xen', 0))}")
if 2 in notes:
    hp = struct.unpack("<Q", notes[2])[0]
    check(hp == syms.get("hypercall_page"), f"XEN_ELFNOTE_HYPERCALL_PAGE {hex(hp)} == hypercall_page")
else:
    check("xen_hypercall_pv" in syms, "no hypercall page note; xen_hypercall_pv present (syscall hypercalls)")
check(first_load == syms.get("_stext") or first_load == syms.get("_text"),
      f"first PT_LOAD {first_load and hex(first_load)} is _text/_stext")
sys.exit(0 if ok else 1)
PY
  "$ROOT/tools/kallsyms/symbolize" "$TMP/map" "$(grep -m1 ' startup_xen$' "$TMP/map" | cut -d' ' -f1)" | grep -q 'startup_xen+0x0/' ||
    { echo "kallsyms $flavour: FAIL symbolize does not name startup_xen"; fail=1; }
done
exit $fail
