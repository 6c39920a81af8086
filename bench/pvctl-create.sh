#!/bin/bash
# pvctl create against xl create (issue 14's benchmark): runs the pvctl
# system test (the same binary in the reference dom0 on pvisor and on Xen
# 4.17, same QEMU) and prints how long `pvctl create` of Debian's stock
# kernel + busybox initramfs took to return on each, and the ratio to the
# reference `xl create` of the same guest on Xen 4.17 (1.80 s, no devices,
# ../shared/reference/xen-stack). TCG timings on a shared host are noisy:
# run it on a quiet machine.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
XL=1.80
out=$("$ROOT/tests/system/linux/pvctl-domu.sh" 2>&1)
grep -a '^time ' <<<"$out"
for hv in pvisor xen; do
	for s in create-linux create-idle; do
		t=$(sed -n "s/^time $hv: pvctl $s returned after \([0-9.]*\) s.*/\1/p" <<<"$out")
		[ -n "$t" ] && awk -v t="$t" -v x="$XL" -v h="$hv" -v s="$s" \
			'BEGIN { printf "pvctl %s on %s: %.3f s = %.2fx xl create (%.2f s)\n", s, h, t, t / x, x }'
	done
done
grep -aq '^PASS' <<<"$out" || { echo "bench: the pvctl system test failed"; exit 1; }
