#!/bin/bash
# qemu-perf.sh: where QEMU's host CPU time goes under TCG, with `perf`.
#
#   qemu-perf.sh watch SERIAL OUTDIR TAG
#       (in the background, started before QEMU) wait for the QEMU whose
#       command line names SERIAL, follow SERIAL, and record a perf
#       profile of that QEMU for each window the dom0 script frames with
#       "PERF-WINDOW begin NAME" / "PERF-WINDOW end NAME" lines:
#       OUTDIR/TAG.NAME.data. bench/split-drivers.sh and
#       bench/pvctl-create.sh start it when PVISOR_BENCH_PERF=OUTDIR.
#       With PVISOR_PERF_COUNT=1 the windows count events instead
#       (perf stat of the uprobes `qemu-perf.sh probes` sets: full TLB
#       flushes, page flushes, translations, code-page write checks, TB
#       invalidations, exceptions and interrupts, APIC timer programming,
#       main-loop wakeups, the big lock): OUTDIR/TAG.NAME.count.
#       PVISOR_PERF_EVENTS=EV records every event EV instead (e.g.
#       probe_qemu:qemu_exception, with the vector and the CPL).
#   qemu-perf.sh probes | probes-off
#       add / remove those uprobes on QEMU (root, tracefs; a uprobe fires
#       only in the processes perf watches)
#   qemu-perf.sh report FILE.data...
#       each profile's samples in the categories of docs/performance.md
#       ("Where QEMU's time goes"): JIT code, softmmu refill, flushes,
#       translation, TB invalidation, helpers, the main loop and I/O.
#
# Flat profiles (no call graphs: Debian's QEMU has no frame pointers);
# QEMU is stripped but exports ~19k dynamic symbols, which perf
# resolves; target/i386's helpers are not exported and are grouped by the
# exported symbol that precedes them ("near X"). Samples are a fraction
# of QEMU's own CPU time, so a loaded host does not change the shares.
# PVISOR_PERF_FREQ (default 999) is perf's sampling frequency.
set -u
case ${1:-} in
watch)
	serial=$2 out=$3 tag=$4 pid= cur= rec=
	mkdir -p "$out"
	for _ in $(seq 600); do
		for p in /proc/[0-9]*; do
			{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "^qemu-system-x86_64 .*file:$serial " && pid=${p#/proc/} && break
		done
		[ -n "$pid" ] && [ -e "$serial" ] && break
		sleep 0.5
	done
	[ -n "$pid" ] || { echo "qemu-perf: no QEMU writing $serial" >&2; exit 1; }
	# sched NAME EDGE: each QEMU thread's time on a CPU and waiting for one
	# (/proc/.../schedstat, ns) at a window's edge; what is neither is
	# sleep (the vCPU thread: the guest halted, the machine idle)
	sched() {
		local t now=$EPOCHREALTIME s
		for t in /proc/$pid/task/*; do
			read -r s <"$t/schedstat" 2>/dev/null && echo "$2 ${now/./} ${t##*/} $s"
		done >>"$out/$tag.$1.sched"
	}
	stop() { [ -n "$rec" ] || return; sched "$cur" end; kill -INT "$rec" 2>/dev/null; wait "$rec"; rec=; }
	trap 'stop; exit 0' TERM INT
	# the serial file is written by QEMU; follow it until QEMU exits
	while IFS= read -r l; do
		l=${l//$'\r'/}
		case $l in
		"PERF-WINDOW begin "*)
			stop; cur=${l#PERF-WINDOW begin }
			rm -f "$out/$tag.$cur.sched"; sched "$cur" begin
			if [ -n "${PVISOR_PERF_EVENTS:-}" ]; then
				perf record -q -e "$PVISOR_PERF_EVENTS" -p "$pid" -o "$out/$tag.$cur.data" >/dev/null 2>&1 &
			elif [ "${PVISOR_PERF_COUNT:-0}" = 1 ]; then
				perf stat -e 'probe_qemu:*' -x, -o "$out/$tag.$cur.count" -p "$pid" >/dev/null 2>&1 &
			else
				perf record -q -F "${PVISOR_PERF_FREQ:-999}" -p "$pid" -o "$out/$tag.$cur.data" >/dev/null 2>&1 &
			fi
			rec=$! ;;
		"PERF-WINDOW end "*) stop ;;
		esac
	done < <(tail -n +1 -F --pid="$pid" "$serial" 2>/dev/null)
	stop ;;
probes)
	# QEMU 7.2's exported functions, none called per guest instruction (a
	# uprobe is a host trap: x86_cpu_tlb_fill or the TB lookups would
	# slow QEMU tenfold): full and page flushes, translations, writes to
	# pages with code, TB invalidations, exceptions and interrupts, the
	# APIC timer (apic_next_timer: a TMICT write or expiry), QEMU timer
	# changes that wake the main loop (qemu_notify_event), the big lock
	q=$(command -v qemu-system-x86_64)
	mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
	for f in tlb_flush tlb_flush_page tb_gen_code tb_invalidate_phys_page_fast tb_phys_invalidate \
	         x86_cpu_do_interrupt apic_next_timer qemu_notify_event qemu_mutex_lock_iothread_impl; do
		perf probe -q -x "$q" -a "qemu_$f=$f" || exit 1
	done
	# each exception (x86_cpu_do_interrupt: CPUState's exception_index
	# at 0x304, CPUX86State's hflags (CPL in bits 0-1) and eip at 0x1460
	# and 0x1430
	# in Debian's 1:7.2+dfsg-7+deb12u18 build, read off its disassembly)
	perf probe -q -x "$q" -a 'qemu_exception=x86_cpu_do_interrupt vec=+0x304(%di):s32 hflags=+0x1460(%di):u32 rip=+0x1430(%di):u64' ;;
probes-off)
	perf probe -q -d 'probe_qemu:*' ;;
report)
	shift
	for f in "$@"; do
		echo "== $f: $(perf script -i "$f" -F ip 2>/dev/null | wc -l) samples"
		# the window's wall time and each busy thread's share of it
		[ -f "${f%.data}.sched" ] && awk '$1 == "begin" {t0 = $2 * 1000; c[$3] = $4; w[$3] = $5; n[$3] = "thread " $3}
			$1 == "end" {t1 = $2 * 1000; dc[$3] = $4 - c[$3]; dw[$3] = $5 - w[$3]}
			END {s = t1 - t0; for (k in dc) cpu += dc[k]
			     printf "window %.2f s, QEMU on a CPU %.2f s (schedstat: perf can start late);", s / 1e9, cpu / 1e9
			     for (k in dc) if (dc[k] > s / 100) printf " %s: on a CPU %.1f%%, waiting for one %.1f%%, asleep %.1f%%;", n[k], 100 * dc[k] / s, 100 * dw[k] / s, 100 * (s - dc[k] - dw[k]) / s
			     print ""}' "${f%.data}.sched"
		perf report -i "$f" --no-children --sort dso,sym --stdio -q --percent-limit 0 2>/dev/null |
			python3 "$(dirname "$0")/qemu-perf-categories.py"
	done ;;
*)
	sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
	exit 2 ;;
esac
