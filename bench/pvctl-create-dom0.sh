#!/bin/bash
# dom0 /init of bench/pvctl-create.sh: the reference stack's dom0 (Debian's
# 6.1 kernel, C xenstored, xenconsoled) times pvctl (and, where it exists
# and /bench.conf asks, xl) creating and destroying Debian's stock kernel
# with the busybox initramfs (/etc/xen/anchor-min.cfg, no devices). The
# same script on Xen 4.17 and on pvisor. Lines for the host script:
#   BENCH <tool> <figure> <seconds>     one sample
#   BENCH-NOTE ...                      pvctl -v phase lines, problems
#   BENCH-DONE                          then power-off
# Figures: create (the command returned), marker (create start -> the
# guest's GUEST-MARKER-UP in its console log), destroy (the command
# returned), gone (destroy start -> no longer listed); create-cold is a
# pvctl create with its kernel cache emptied first; cycle is one
# create+destroy without waiting for the guest.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen \
         /var/lib/xenstored /var/log/pvisor

ROUNDS=3 CYCLES=5 XL=0 SETTLE=3
[ -f /bench.conf ] && . /bench.conf
. /etc/bench-dom0-lib.sh     # bench/bench-dom0-lib.sh: bench_finish, dt, until_ok
note() { echo "BENCH-NOTE $*"; }
finish() { bench_finish BENCH-DONE; }
listed() { $1 list 2>/dev/null | awk -v n="$2" '$1 == n {f = 1} END {exit !f}'; }
CL=/var/log/xen/console
CFG=/etc/xen/anchor-min.cfg

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
ref_xenstored
xen-init-dom0 >/dev/null 2>&1 || note "xen-init-dom0 failed"
ref_xenconsoled

# one round: TOOL NAME SUFFIX (-cold: the create and marker figures of a
# pvctl with its kernel cache emptied)
round() {
    local tool=$1 name=$2 sfx=$3 t0 t1 t2 t3 t4
    rm -f "$CL/guest-$name.log"
    echo "PERF-WINDOW begin $name"   # bench/qemu-perf.sh's profile: create -> marker
    t0=$EPOCHREALTIME
    if [ "$tool" = pvctl ]; then
        pvctl -v create "$CFG" "name=\"$name\"" 'extra="console=hvc0 xa.mode=idle"' >/tmp/out 2>&1
    else
        xl create "$CFG" "name=\"$name\"" 'extra="console=hvc0 xa.mode=idle"' >/tmp/out 2>&1
    fi
    local rc=$?
    t1=$EPOCHREALTIME
    [ $rc = 0 ] || { note "$tool create $name failed: $(tail -1 /tmp/out)"; return 1; }
    grep -a '^pvctl: create' /tmp/out | sed "s/^/BENCH-NOTE create$sfx: /"
    echo "BENCH $tool create$sfx $(dt "$t0" "$t1")"
    if until_ok 180 grep -q GUEST-MARKER-UP "$CL/guest-$name.log"; then
        t2=$EPOCHREALTIME
        echo "BENCH $tool marker$sfx $(dt "$t0" "$t2")"
        echo "PERF-WINDOW end $name"
    else
        note "$tool $name: no marker in 180 s"
    fi
    t3=$EPOCHREALTIME
    if [ "$tool" = pvctl ]; then
        pvctl -v destroy "$name" >/tmp/out 2>&1
    else
        xl destroy "$name" >/tmp/out 2>&1
    fi || note "$tool destroy $name failed: $(tail -1 /tmp/out)"
    t4=$EPOCHREALTIME
    grep -a '^pvctl: destroy' /tmp/out | sed "s/^/BENCH-NOTE /"
    echo "BENCH $tool destroy $(dt "$t3" "$t4")"
    until_ok 60 sh -c "! listed $tool $name" || note "$tool $name still listed 60 s after destroy"
    echo "BENCH $tool gone $(dt "$t3" "$EPOCHREALTIME")"
    # idle time between rounds: Xen scrubs freed memory in its idle loop,
    # and an allocation that finds it still dirty scrubs it itself
    sleep "$SETTLE"
}
export -f listed

# The guest's kernel file was unpacked with the initramfs at boot: pvctl
# caches only a kernel whose last change is 2 s old (kcache.h), and under
# -icount a boot can reach here sooner, so the first warm round would miss.
sleep 3

TOOLS=pvctl
[ "$XL" = 1 ] && command -v xl >/dev/null && TOOLS="pvctl xl"
for r in $(seq 1 "$ROUNDS"); do
    for tool in $TOOLS; do
        if [ $tool = pvctl ]; then
            rm -rf /var/cache/pvisor
            round $tool c$tool$r -cold
        fi
        round $tool w$tool$r ""
    done
done
# create/destroy cycles without waiting for the guest (cache warm)
for tool in $TOOLS; do
    t0=$EPOCHREALTIME
    for i in $(seq 1 "$CYCLES"); do
        c0=$EPOCHREALTIME
        $tool create "$CFG" 'name="cyc"' 'extra="console=hvc0 xa.mode=idle"' >/tmp/out 2>&1 ||
            note "$tool create cyc failed: $(tail -1 /tmp/out)"
        $tool destroy cyc >/tmp/out 2>&1 || note "$tool destroy cyc failed: $(tail -1 /tmp/out)"
        echo "BENCH $tool cycle $(dt "$c0" "$EPOCHREALTIME")"
    done
done
finish
