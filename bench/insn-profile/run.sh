#!/bin/bash
# run.sh KERNEL.elf OUT [run-guest options...]: one -icount boot of pvisor
# (build/pvisor.elf) with the block-counting plugin; OUT gets the counts,
# OUT.log the serial log. Example, the cost per map + unmap: build
# splitbench twice, the second with 2000 more map+unmaps, run each with
# --domus splitbench, then bench/insn-profile/diff.py build/pvisor.elf A B 2000.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${PVISOR_BUILD:-$root/build}
[ $# -ge 2 ] || { echo "usage: run.sh KERNEL.elf OUT [run-guest options]" >&2; exit 2; }
k=$1 out=$2
shift 2
mkdir -p "$build/insn-profile"
so=$build/insn-profile/plugin.so
[ "$so" -nt "$here/plugin.c" ] || gcc -O2 -shared -fPIC -o "$so" "$here/plugin.c"
PROF_OUT=$out "$root/tests/guests/run-guest.sh" --hv pvisor --log "$out.log" --timeout 400 \
  --qemu-args "-icount shift=0 -plugin $so" "$@" "$k"
