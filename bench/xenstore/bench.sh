#!/bin/bash
# Benchmark: the same client workload (bench/xenstore/xs-bench.c) against
# pvstored and against Xen's oxenstored on this machine; prints both and
# the ratio. Each daemon is started fresh for every run; runs alternate
# between the daemons and the best of $XS_BENCH_RUNS (default 3) counts,
# since the machine is shared. oxenstored comes from /work/shared/tools
# (get-real-daemon.sh + oxsd-run.c) when present; without it only
# pvstored's figures are printed.
#   XS_BENCH_RUNS=N   runs per daemon
#   XS_BENCH_SCALE=N  longer runs
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${PVISOR_BUILD:-$ROOT/build}
PVSTORED=$BUILD/pvstored
BENCH=$BUILD/xenstore/xs-bench
RUNS=${XS_BENCH_RUNS:-3}
SCALE=${XS_BENCH_SCALE:-1}
OX_TOOLS=${XS_OX_TOOLS:-/work/shared/tools}
OX_ROOT=$BUILD/xenstore/xsd
TMP=$(mktemp -d /tmp/xs-bench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$TMP"' EXIT

for f in "$PVSTORED" "$BENCH"; do
	[ -x "$f" ] || { echo "xs-bench: missing $f; run make first" >&2; exit 1; }
done

have_ox=false
if [ -f "$OX_TOOLS/oxsd-run.c" ] && [ "$(id -u)" = 0 ]; then
	[ -x "$BUILD/xenstore/oxsd-run" ] ||
		cc -O2 -o "$BUILD/xenstore/oxsd-run" "$OX_TOOLS/oxsd-run.c"
	ls "$OX_ROOT"/usr/lib/xen-*/bin/oxenstored >/dev/null 2>&1 ||
		"$OX_TOOLS/get-real-daemon.sh" "$OX_ROOT" >/dev/null 2>&1
	ls "$OX_ROOT"/usr/lib/xen-*/bin/oxenstored >/dev/null 2>&1 && have_ox=true
fi
$have_ox || echo "oxenstored not available (needs $OX_TOOLS and root): pvstored only"

wait_sock() {
	for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done
	echo "no socket $1" >&2
	return 1
}

# run_one pv|ox N: one fresh daemon, the whole workload; output in $TMP/who.N
run_one() {
	local who=$1 n=$2 dir=$TMP/$1-$2 pid
	mkdir -p "$dir"
	if [ "$who" = pv ]; then
		"$PVSTORED" --no-fork --socket "$dir/socket" >"$dir.log" 2>&1 &
	else
		rm -rf "$dir"
		"$BUILD/xenstore/oxsd-run" -r "$OX_ROOT" -d "$dir" >"$dir.log" 2>&1 &
	fi
	pid=$!
	pids="$pids $pid"
	wait_sock "$dir/socket" || return 1
	"$BENCH" --socket "$dir/socket" --pid "$pid" --scale "$SCALE" >"$TMP/$who.$n" 2>"$TMP/$who.$n.err"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

for n in $(seq "$RUNS"); do
	run_one pv "$n"
	$have_ox && run_one ox "$n"
done

/usr/bin/python3 - "$TMP" "$RUNS" "$have_ox" <<'PY'
import sys, glob
tmp, runs, have_ox = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'true'
# name: (label, unit, higher is better)
rows = [
    ('write_lib', 'writes/s (libxenstore, 1 in flight)', 'ops/s', True),
    ('read_lib', 'reads/s (libxenstore, 1 in flight)', 'ops/s', True),
    ('write_pipe', 'writes/s (raw, 64 in flight)', 'ops/s', True),
    ('read_pipe', 'reads/s (raw, 64 in flight)', 'ops/s', True),
    ('write_pipe_cpu', 'daemon CPU per write (pipelined)', 'us', False),
    ('read_pipe_cpu', 'daemon CPU per read (pipelined)', 'us', False),
    ('dir10k_create', 'create a directory of 10 000 children', 's', False),
    ('dir10k_list', 'list it (xs_directory)', 's', False),
    ('txn_conflict', 'transactions/s, 2 conflicting clients', 'commits/s', True),
    ('txn_retry_pct', '  of attempts retried (EAGAIN)', '%', None),
    ('watch_p50', 'watch event latency p50', 'us', False),
    ('watch_p99', 'watch event latency p99', 'us', False),
    ('rss_base', 'daemon RSS at start', 'KiB', False),
    ('rss_10k', 'daemon RSS after 10 000 nodes', 'KiB', False),
    ('rss_per_node', 'RSS per added node', 'bytes', False),
]
def load(who):
    best = {}
    for n in range(1, runs + 1):
        try:
            lines = open(f'{tmp}/{who}.{n}').read().split('\n')
        except OSError:
            continue
        for l in lines:
            p = l.split()
            if len(p) < 2:
                continue
            name = p[0]
            try:
                v = float(p[1])
            except ValueError:
                best.setdefault(name, p[1])
                continue
            hib = next((r[3] for r in rows if r[0] == name), True)
            old = best.get(name)
            if not isinstance(old, float):
                best[name] = v
            elif name.startswith('rss'):
                best.setdefault('_' + name, [old]).append(v)
                vals = sorted(best['_' + name])
                best[name] = vals[len(vals) // 2]
            elif hib is None:
                best[name] = v
            else:
                best[name] = max(old, v) if hib else min(old, v)
    return best
pv = load('pv')
ox = load('ox') if have_ox else {}
def fmt(v):
    if not isinstance(v, float):
        return str(v) if v is not None else '-'
    return f'{v:,.0f}' if v >= 100 else f'{v:.3g}'
print(f"xenstore benchmark, best of {runs} runs, RSS median (same client against each daemon)")
print(f"{'':45} {'pvstored':>12} {'oxenstored':>12} {'ratio':>8}")
for name, label, unit, hib in rows:
    a, b = pv.get(name), ox.get(name)
    ratio = ''
    if isinstance(a, float) and isinstance(b, float) and a > 0 and b > 0 and hib is not None:
        r = a / b if hib else b / a
        ratio = f'{r:.2f}x'
    elif isinstance(a, float) and b is not None and not isinstance(b, float):
        ratio = '(ox fails)'
    print(f"{label + ' [' + unit + ']':45} {fmt(a):>12} {fmt(b) if have_ox else '':>12} {ratio:>8}")
print("ratio: how many times better pvstored is (faster, or smaller)")
PY
for f in "$TMP"/*.err; do
	[ -s "$f" ] && { echo "== $(basename "$f")"; cat "$f"; }
done
exit 0
