#!/bin/bash
# split-drivers.sh: a domU's disk and network through the split drivers,
# pvisor against Debian's Xen 4.17 under the same QEMU command line, the
# same reference dom0 (../shared/reference/xen-stack: Linux 6.1 with
# xen-blkback/xen-netback, Debian's xl and its hotplug scripts) and the same
# domU (its cloud kernel, bench/split-drivers/guest-init.sh). Each boot
# creates the disk+vif domU PVISOR_BENCH_ROUNDS times (default 3) with each
# of its tools (xl, and pvctl: pvisor's own toolstack, the product) and the
# boots alternate PVISOR_BENCH_RUNS times (default 1); figures are the
# medians over all rounds. Prints the table with the Xen 4.17 figures of
# issue 15 (xl, measured earlier), each pvisor column over Xen+xl, and
# the goal (1.5x the throughput, 0.5x the time; judged on pvisor+pvctl),
# then, from pvisor's perf counters framed around each phase (`xl
# debug-keys P/p`), what one block request and one network packet cost
# in hypercalls, traps and switches.
#   PVISOR_BENCH_HVS="xen pvisor"     which hypervisors to boot
#   PVISOR_BENCH_TOOLS="xl pvctl"     the tools creating the domU on pvisor
#   PVISOR_BENCH_XEN_TOOLS="xl"       ... and on Xen 4.17 (add pvctl for
#                                     Xen+pvctl, the toolstacks compared)
#   PVISOR_BENCH_ICOUNT=1             QEMU -icount shift=0: the guests'
#                                     clocks count executed instructions
#                                     (1 ns each), so host load cannot move
#                                     the figures; what an instruction costs
#                                     under TCG (a CR3 reload's softmmu
#                                     flush and refill) is not seen
#   PVISOR_BENCH_PROFILE=1            count every executed instruction
#                                     (bench/insn-profile/plugin.c; the
#                                     domU runs pvprof-mark at the edges of
#                                     each transfer) and print, for the
#                                     first round of each boot, each
#                                     figure's instructions per unit in the
#                                     hypervisor and in the guests, and the
#                                     best ratio pvisor could reach if its
#                                     own cost nothing (profile-table.py)
#   PVISOR_BENCH_HV_ARGS="..."        more of pvisor's command line
#   PVISOR_BENCH_XEN_ARGS="..."       ... and of Xen's (bootscrub=0: no
#                                     idle-time scrubbing of the free RAM
#                                     inside the profile windows)
#   PVISOR_BENCH_KEEP=DIR             keep the serial logs in DIR
#   PVISOR_BENCH_PERF=DIR             host perf profiles of QEMU in DIR
#                                     (bench/qemu-perf.sh: the windows
#                                     boot, disk-seq, disk-rand and net
#                                     of each round, LOG.TOOLROUND.NAME.data)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# the reference images of the system tests (built once, shared under their lock)
. "$ROOT/tests/linux/ref-stack-lib.sh"
RUNS=${PVISOR_BENCH_RUNS:-1}
ROUNDS=${PVISOR_BENCH_ROUNDS:-3}
HVS=${PVISOR_BENCH_HVS:-xen pvisor}
TOOLS_PVISOR=${PVISOR_BENCH_TOOLS:-xl pvctl}
TOOLS_XEN=${PVISOR_BENCH_XEN_TOOLS:-xl}
QARGS=
[ "${PVISOR_BENCH_ICOUNT:-0}" = 1 ] && QARGS="-icount shift=0"
T=$(mktemp -d /tmp/pvbench-sd.XXXXXX) REF_IMG=$T/ref-img
[ -n "${PVISOR_BENCH_KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
D=$ROOT/bench/split-drivers

[ -x "$REF/build.sh" ] || { echo "split-drivers: skipped, no reference stack (shared/reference/xen-stack)"; exit 0; }
for f in pvisor.elf toolstack/pvctl; do
	[ -f "$BUILD/$f" ] || { echo "split-drivers: $BUILD/$f not built (make)"; exit 1; }
done
PROFILE=${PVISOR_BENCH_PROFILE:-0}
if [ "$PROFILE" = 1 ]; then
	mkdir -p "$BUILD/insn-profile"
	so=$BUILD/insn-profile/plugin.so mark=$BUILD/insn-profile/pvprof-mark
	[ "$so" -nt "$ROOT/bench/insn-profile/plugin.c" ] || gcc -O2 -shared -fPIC -o "$so" "$ROOT/bench/insn-profile/plugin.c" || exit 1
	[ "$mark" -nt "$ROOT/bench/insn-profile/pvprof-mark.S" ] || gcc -nostdlib -static -o "$mark" "$ROOT/bench/insn-profile/pvprof-mark.S" || exit 1
fi
for t in randread netblast mono pingpong; do
	cc -O2 -static -o "$T/$t" "$D/$t.c" 2>"$T/cc.log" || { cat "$T/cc.log"; echo "split-drivers: cannot build $t statically"; exit 1; }
done

ref_images out/xen.elf out/vmlinuz-dom0 $([ "$PROFILE" = 1 ] && echo out/vmlinuz-domu) x/ird-guest x/ird-dom0 || { echo "split-drivers: the reference stack images failed"; exit 1; }
OUT=$REF_IMG/out
mkcpio() { ref_cpio "$1" >"$2"; }
mv "$REF_IMG/x/ird-guest" "$REF_IMG/x/ird-dom0" "$T/"
cp "$OUT/xen.elf" "$OUT/vmlinuz-dom0" "$T/"
install -m 755 "$D/guest-init.sh" "$T/ird-guest/init"
install -m 755 "$T/randread" "$T/netblast" "$T/mono" "$T/pingpong" "$T/ird-guest/bin/"
[ "$PROFILE" = 1 ] && install -m 755 "$mark" "$T/ird-guest/bin/pvprof-mark"
mkcpio "$T/ird-guest" "$T/ird-dom0/guest/initrd-sd.gz"
install -m 755 "$D/dom0-init.sh" "$T/ird-dom0/init"
install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$T/ird-dom0/etc/ref-dom0-bringup.sh"
install -m 755 "$T/netblast" "$T/ird-dom0/usr/bin/netblast"
install -m 755 "$BUILD/toolstack/pvctl" "$T/ird-dom0/usr/sbin/pvctl"
if [ "$PROFILE" = 1 ]; then
	# the two kernels' symbols, for split.py (tools/kallsyms caches them)
	for k in dom0 domu; do
		"$ROOT/tools/kallsyms/symbolize" "$OUT/vmlinuz-$k" ffffffff81000000 >/dev/null 2>&1
		cp "${PVISOR_KSYMS_CACHE:-${TMPDIR:-/tmp}/pvisor-kallsyms}"/vmlinuz-$k-$(stat -c '%s-%Y' "$OUT/vmlinuz-$k").map "$T/map-$k" 2>/dev/null ||
			{ echo "split-drivers: no symbols for vmlinuz-$k"; exit 1; }
	done
fi
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
boot() {   # boot LOG IMAGE TOOLS [MORE_HV_ARGS]
	local t0=$SECONDS tools=$3 n
	n=$(echo $tools | wc -w)
	[ -n "${PVISOR_BENCH_PERF:-}" ] && "$ROOT/bench/qemu-perf.sh" watch "$T/$1.raw" "$PVISOR_BENCH_PERF" "$1" &
	PROF_OUT=$T/$1.prof timeout $((600 + 400 * ROUNDS * n)) qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 $QARGS \
		$([ "$PROFILE" = 1 ] && echo "-plugin $so") \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.raw" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$2" -append "$HV_ARGS${4:+ $4}" \
		-initrd "$T/vmlinuz-dom0 console=hvc0 sd.rounds=$ROUNDS sd.tools=${tools// /+},$T/dom0.cpio.gz" </dev/null >/dev/null 2>&1
	wait
	tr -d '\r' <"$T/$1.raw" >"$T/$1.txt"
	rm -f "$T/$1.raw"
	grep -aq '^SD-DONE' "$T/$1.txt" || echo "split-drivers: $1 did not finish ($((SECONDS - t0)) s)" >&2
	grep -a '^SD-NOTE' "$T/$1.txt" | sed "s/^/$1: /" >&2
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$RUNS"); do
	for hv in $HVS; do
		case $hv in
		xen) boot "xen.$i" "$T/xen.elf" "$TOOLS_XEN" "${PVISOR_BENCH_XEN_ARGS:-}" ;;
		pvisor) boot "pvisor.$i" "$BUILD/pvisor.elf" "$TOOLS_PVISOR" "perfc${PVISOR_BENCH_HV_ARGS:+ $PVISOR_BENCH_HV_ARGS}" ;;
		esac
	done
done
[ -n "${PVISOR_BENCH_KEEP:-}" ] && mkdir -p "$PVISOR_BENCH_KEEP" && cp "$T"/*.txt "$PVISOR_BENCH_KEEP/"

# median HV TOOL NAME: over every round of every boot of HV
median() {
	cat "$T/$1".*.txt 2>/dev/null | awk -v t="$2" -v n="$3" '$1 == "SD-RESULT" && $2 == t && $4 == n {print $5}' | sort -g |
		awk '{v[NR] = $1} END {if (NR) printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
# the columns: every hypervisor+tool that has figures, Xen+xl first
COLS=
for c in xen:xl xen:pvctl pvisor:xl pvisor:pvctl; do
	[ -n "$(median "${c%:*}" "${c#*:}" create)" ] && COLS="$COLS $c"
done
GOALCOL=pvisor:xl
[[ " $COLS " == *" pvisor:pvctl "* ]] && GOALCOL=pvisor:pvctl
echo "host load average (1, 5, 15 min): $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end${QARGS:+; -icount shift=0: times in instructions (1 s = 10^9)}"
hdr() {
	printf '%-28s %7s' figure issue
	for c in $COLS; do
		printf ' %13s' "${c/:/+}"
		[ "${c%:*}" = pvisor ] && printf ' %7s' "/xen+xl"
	done
	printf ' %9s\n' goal
}
hdr
row() {   # row NAME UNIT ISSUE_FIGURE KIND(rate|time)
	local c x v line
	x=$(median xen xl "$1")
	line=$(printf '%-28s %7s' "$1 ($2)" "$3")
	for c in $COLS; do
		v=$(median "${c%:*}" "${c#*:}" "$1")
		line="$line$(printf ' %13s' "${v:--}")"
		[ "${c%:*}" = pvisor ] && line="$line$(awk -v x="$x" -v v="$v" 'BEGIN { printf " %7s", (x != "" && v != "" && x > 0) ? sprintf("%.2f", v / x) : "-" }')"
	done
	v=$(median "${GOALCOL%:*}" "${GOALCOL#*:}" "$1")
	line="$line$(awk -v x="$x" -v p="$v" -v k="$4" 'BEGIN {
		if (x == "" || p == "" || x <= 0) g = "-"
		else if (k == "rate") g = (p / x >= 1.5) ? ">=1.5 ok" : ">=1.5 no"
		else g = (p / x <= 0.5) ? "<=0.5 ok" : "<=0.5 no"
		printf " %9s", g }')"
	echo "$line"
}
row disk_read MiB/s 100 rate
row disk_write MiB/s - rate
row disk_randread IOPS - rate
row disk_randread_lat us - time
row http_dom0_to_domu MiB/s 60 rate
row tcp_dom0_to_domu MiB/s - rate
row tcp_domu_to_dom0 MiB/s 94 rate
row ping ms 11.9 time
row pingpong us - time
row create s 4.12 time
row create_to_marker s 8.07 time
row destroy s 1.85 time
echo "(issue: Xen 4.17 with xl as measured for issue 15, HTTP for dom0->domU; columns: medians of the rounds,"
echo " $ROUNDS per boot and tool, $RUNS boot(s) each; pvctl creates with --no-connect, returning once the"
echo " guest runs, as xl; the goal is judged on ${GOALCOL/:/+})"
for hv in $HVS; do
	cat "$T/$hv".*.txt 2>/dev/null | awk -v h="$hv" '$1 == "SD-RESULT" && ($4 == "left_domains" || $4 == "left_loops") && $5 != 0 {
		print "split-drivers: " h "+" $2 " round " $3 ": " $4 " " $5 }'
done

# the plugin's windows: the domU marks the edges of each transfer, one pair
# per figure in guest-init.sh's order (window 1 the first figure's, 3 the
# second's, ...); the plugin keeps 16 snapshots, so only the boot's first
# round (the first tool's domU) is profiled
if [ "$PROFILE" = 1 ]; then
	cat >"$T/figures" <<-'FIG'
	# name window units unit kind
	disk_write 1 64 MiB rate
	disk_read 3 64 MiB rate
	disk_randread 5 2000 read rate
	pingpong 7 2000 round-trip time
	http_dom0_to_domu 9 64 MiB rate
	tcp_dom0_to_domu 11 64 MiB rate
	tcp_domu_to_dom0 13 64 MiB rate
	FIG
	xp=- pp=-
	[[ " $HVS " == *" xen "* ]] && xp=$T/xen.1.prof
	[[ " $HVS " == *" pvisor "* ]] && pp=$T/pvisor.1.prof
	echo
	echo "instructions per unit in the first round of each boot (Xen+${TOOLS_XEN%% *}, pvisor+${TOOLS_PVISOR%% *}),"
	echo "the hypervisor's (hv) and the guests'; 'hv free': the best ratio to Xen with pvisor's own at zero:"
	python3 "$D/profile-table.py" "$T/map-dom0" "$T/map-domu" "$T/figures" "$xp" "$T/xen.elf" "$pp" "$BUILD/pvisor.elf"
fi

# pvisor's counters per block request (disk phase) and per packet (net phase)
[[ " $HVS " == *" pvisor "* ]] || exit 0
awk '
	$1 == "SD-RESULT" && $4 == "blk_requests" {req[$2 "." $3] = $5}
	$1 == "SD-RESULT" && $4 == "vif_packets" {pkt[$2 "." $3] = $5}
	/^SD-PHASE / {ph = $4; r = $2 "." $3; next}
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
echo "pvisor, per block request (disk phase) and per packet (net phase), medians over the rounds of all tools:"
awk -F'\t' '{v[$1 "\t" $2] = v[$1 "\t" $2] " " $3; names[$2] = 1}
	function med(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) {t = a[i]; a[i] = a[j]; a[j] = t}
		return n ? a[int((n + 1) / 2)] : "" }
	END { printf "  rounds: %s block requests, %s packets (medians)\n", med(v["n\tblock requests"]), med(v["n\tpackets"])
		for (k in names) { d = med(v["disk\t" k]); e = med(v["net\t" k]); if (d + 0 >= 0.05 || e + 0 >= 0.05) printf "  %-48s %9s %9s\n", k, d, e } }' "$T/per-req.tsv" |
	sort -k1,1 | sed '1s/^/  counter                                         per-request per-packet\n/'
