# Sourced by the benchmarks' dom0 /init scripts after ref-dom0-bringup.sh,
# installed as /etc/bench-dom0-lib.sh: how they time and end, shared so that
# bench/domu-boot-profile.sh profiles the window bench/pvctl-create.sh times.
# The script defines note() and finish() (finish: bench_finish ITS-DONE-LINE).

# bench_finish LINE: LINE for the host script, then power-off
bench_finish() {
    echo "$1"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}
# dt T0 T1: seconds between two $EPOCHREALTIME readings, 3 decimals
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# until_ok SECS COMMAND...: COMMAND every 20 ms until it succeeds (0) or
# SECS pass (1) - the benchmark's poll, part of what it measures
until_ok() {
    local secs=$1 t0=$EPOCHREALTIME
    shift
    while ! "$@" >/dev/null 2>&1; do
        awk -v a="$t0" -v b="$EPOCHREALTIME" -v s="$secs" 'BEGIN { exit !(b - a > s) }' && return 1
        sleep 0.02
    done
}
