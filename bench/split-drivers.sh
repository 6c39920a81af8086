#!/bin/bash
# split-drivers.sh: a domU's disk and network through the split drivers,
# pvisor against Debian's Xen 4.17 under the same QEMU command line, the
# same reference dom0 (../shared/reference/xen-stack: Linux 6.1 with
# xen-blkback/xen-netback, Debian's xl and its hotplug scripts) and the same
# domU (its cloud kernel, bench/split-drivers/guest-init.sh). Each boot
# creates the disk+vif domU PVISOR_BENCH_ROUNDS times (default 3) and the
# boots alternate PVISOR_BENCH_RUNS times (default 1); figures are the
# medians over all rounds. Prints the table with the Xen 4.17 figures of
# issue 15 (xl, measured earlier), pvisor/Xen ratios and the goal (1.5x
# the throughput, 0.5x the time), then, from pvisor's perf counters
# framed around each phase (`xl debug-keys P/p`), what one block request
# and one network packet cost in hypercalls, traps and switches.
#   PVISOR_BENCH_HVS="xen pvisor"   which hypervisors to boot
#   PVISOR_BENCH_KEEP=DIR           keep the serial logs in DIR
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PVISOR_BUILD:-$ROOT/build}
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -x "$REF/build.sh" ] || REF=/work/shared/reference/xen-stack
# the reference images of tests/system/linux/xl-devices.sh (built once, shared under its lock)
export XA_WORK=${PVISOR_XLDEV_WORK:-/tmp/pvisor-xl-devices-stack}
RUNS=${PVISOR_BENCH_RUNS:-1}
ROUNDS=${PVISOR_BENCH_ROUNDS:-3}
HVS=${PVISOR_BENCH_HVS:-xen pvisor}
T=$(mktemp -d /tmp/pvbench-sd.XXXXXX)
[ -n "${PVISOR_BENCH_KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
D=$ROOT/bench/split-drivers

[ -x "$REF/build.sh" ] || { echo "split-drivers: skipped, no reference stack (shared/reference/xen-stack)"; exit 0; }
[ -f "$BUILD/pvisor.elf" ] || { echo "split-drivers: $BUILD/pvisor.elf not built (make)"; exit 1; }
for t in randread netblast; do
	cc -O2 -static -o "$T/$t" "$D/$t.c" 2>"$T/cc.log" || { cat "$T/cc.log"; echo "split-drivers: cannot build $t statically"; exit 1; }
done

cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
mkdir -p "$XA_WORK/debs"
for d in /tmp/pvisor-xl-stack/debs; do
	[ -d "$d" ] && cp -n "$d"/*.deb "$XA_WORK/debs/" 2>/dev/null
done
if ! flock "$XA_WORK.lock" "$T/ref/build.sh" >"$T/build.log" 2>&1; then
	tail -20 "$T/build.log"
	echo "split-drivers: building the reference stack images failed"
	exit 1
fi
OUT=$XA_WORK/out
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1) >"$2"; }
cp -a "$XA_WORK/x/ird-guest" "$T/ird-guest"
cp -a "$XA_WORK/x/ird-dom0" "$T/ird-dom0"
cp "$OUT/xen.elf" "$OUT/vmlinuz-dom0" "$T/"
install -m 755 "$D/guest-init.sh" "$T/ird-guest/init"
install -m 755 "$T/randread" "$T/netblast" "$T/ird-guest/bin/"
mkcpio "$T/ird-guest" "$T/ird-dom0/guest/initrd-sd.gz"
install -m 755 "$D/dom0-init.sh" "$T/ird-dom0/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/ird-dom0/etc/ref-dom0-bringup.sh"
install -m 755 "$T/netblast" "$T/ird-dom0/usr/bin/netblast"
cat >"$T/ird-dom0/etc/xen/sdbench.cfg" <<'CFG'
name     = "sdbench"
type     = "pv"
kernel   = "/guest/vmlinuz"
ramdisk  = "/guest/initrd-sd.gz"
extra    = "console=hvc0"
memory   = 128
maxmem   = 128
vcpus    = 1
on_poweroff = "destroy"
on_reboot   = "destroy"
on_crash    = "destroy"
disk = [ 'format=raw, vdev=xvda, access=rw, target=/data/disk.img' ]
vif  = [ 'mac=00:16:3e:5a:00:03, bridge=xenbr0' ]
CFG
mkcpio "$T/ird-dom0" "$T/dom0.cpio.gz"
rm -rf "$T/ird-guest" "$T/ird-dom0"

HV_ARGS="console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
boot() {   # boot LOG IMAGE [MORE_HV_ARGS]
	local t0=$SECONDS
	timeout $((600 + 400 * ROUNDS)) qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.raw" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$2" -append "$HV_ARGS${3:+ $3}" \
		-initrd "$T/vmlinuz-dom0 console=hvc0 sd.rounds=$ROUNDS,$T/dom0.cpio.gz" </dev/null >/dev/null 2>&1
	tr -d '\r' <"$T/$1.raw" >"$T/$1.txt"
	rm -f "$T/$1.raw"
	grep -aq '^SD-DONE' "$T/$1.txt" || echo "split-drivers: $1 did not finish ($((SECONDS - t0)) s)" >&2
	grep -a '^SD-NOTE' "$T/$1.txt" | sed "s/^/$1: /" >&2
}
for i in $(seq "$RUNS"); do
	for hv in $HVS; do
		case $hv in
		xen) boot "xen.$i" "$T/xen.elf" ;;
		pvisor) boot "pvisor.$i" "$BUILD/pvisor.elf" perfc ;;
		esac
	done
done
[ -n "${PVISOR_BENCH_KEEP:-}" ] && mkdir -p "$PVISOR_BENCH_KEEP" && cp "$T"/*.txt "$PVISOR_BENCH_KEEP/"

# median HV NAME: over every round of every boot of HV
median() {
	cat "$T/$1".*.txt 2>/dev/null | awk -v n="$2" '$1 == "SD-RESULT" && $3 == n {print $4}' | sort -g |
		awk '{v[NR] = $1} END {if (NR) printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
uptime | sed 's/.*load/host load/'
printf '%-26s %8s %9s %9s %8s %8s\n' figure "issue" "xen" "pvisor" "pv/xen" "goal"
row() {   # row NAME UNIT ISSUE_FIGURE KIND(rate|time)
	local x p
	x=$(median xen "$1"); p=$(median pvisor "$1")
	awk -v n="$1 ($2)" -v i="$3" -v x="$x" -v p="$p" -v k="$4" 'BEGIN {
		r = (x != "" && p != "" && x > 0) ? sprintf("%.2f", p / x) : "-"
		if (r == "-") g = "-"
		else if (k == "rate") g = (p / x >= 1.5) ? ">=1.5 ok" : ">=1.5 no"
		else g = (p / x <= 0.5) ? "<=0.5 ok" : "<=0.5 no"
		printf "%-26s %8s %9s %9s %8s %8s\n", n, i, x == "" ? "-" : x, p == "" ? "-" : p, r, g }'
}
row disk_read MiB/s 100 rate
row disk_write MiB/s - rate
row disk_randread IOPS - rate
row disk_randread_lat us - time
row http_dom0_to_domu MiB/s 60 rate
row tcp_dom0_to_domu MiB/s - rate
row tcp_domu_to_dom0 MiB/s 94 rate
row ping ms 11.9 time
row xl_create s 4.12 time
row create_to_marker s 8.07 time
row xl_destroy s 1.85 time
echo "(issue: Xen 4.17 with xl as measured for issue 15, HTTP for dom0->domU; xen/pvisor: medians of $((RUNS * ROUNDS)) rounds each)"

# pvisor's counters per block request (disk phase) and per packet (net phase)
[[ " $HVS " == *" pvisor "* ]] || exit 0
awk '
	$1 == "SD-RESULT" && $3 == "blk_requests" {req[$2] = $4}
	$1 == "SD-RESULT" && $3 == "vif_packets" {pkt[$2] = $4}
	/^SD-PHASE / {ph = $3; r = $2; next}
	/^SD-PHASE-END/ {ph = ""}
	ph != "" && /perfc:   / {
		sub(/.*perfc:   /, ""); n = split($0, f, ": "); v = f[n]; k = f[1]; for (i = 2; i < n; i++) k = k ": " f[i]
		c[r " " ph " " k] += v; keys[k] = 1
	}
	END {
		for (k in keys) for (r in req) {
			if (req[r] > 0) printf "disk\t%s\t%.2f\n", k, c[r " disk " k] / req[r]
			if (pkt[r] > 0) printf "net\t%s\t%.2f\n", k, c[r " net " k] / pkt[r]
		}
		for (r in req) printf "n\tblock requests\t%s\nn\tpackets\t%s\n", req[r], pkt[r]
	}' "$T"/pvisor.*.txt >"$T/per-req.tsv"
[ -s "$T/per-req.tsv" ] || exit 0
echo
echo "pvisor, per block request (disk phase) and per packet (net phase), medians over rounds:"
awk -F'\t' '{v[$1 "\t" $2] = v[$1 "\t" $2] " " $3; names[$2] = 1}
	function med(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) {t = a[i]; a[i] = a[j]; a[j] = t}
		return n ? a[int((n + 1) / 2)] : "" }
	END { printf "  rounds: %s block requests, %s packets (medians)\n", med(v["n\tblock requests"]), med(v["n\tpackets"])
		for (k in names) { d = med(v["disk\t" k]); e = med(v["net\t" k]); if (d + 0 >= 0.05 || e + 0 >= 0.05) printf "  %-48s %9s %9s\n", k, d, e } }' "$T/per-req.tsv" |
	sort -k1,1 | sed '1s/^/  counter                                         per-request per-packet\n/'
