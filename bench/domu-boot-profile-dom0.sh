#!/bin/bash
# dom0 /init of bench/domu-boot-profile.sh (the reference stack's dom0, as
# bench/pvctl-create-dom0.sh): a warm-up create/destroy of the benchmark's
# domU (fills pvctl's kernel cache), then per tool one create -> marker
# window as the benchmark times it, its edges marked for the instruction
# plugin by /usr/sbin/pvprof-mark. Lines for the host script:
#   PROF-WINDOW <tool> <seconds>       create -> marker, as the benchmark
#   PROF-CPU <tool> <when> <json>      pvctl list --json (cpu_time_s)
#   PROF-DONE                          then power-off
# WINDOW=destroy (bench.conf) marks instead the warm-up guest's `pvctl -v
# destroy` once it is up (one window, pvctl only) and stops there;
# WINDOW=create-returns a warm `pvctl -v create` until it returns.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen \
         /var/lib/xenstored /var/log/pvisor
XL=0 PERFC=0 WINDOW=create
[ -f /bench.conf ] && . /bench.conf
. /etc/bench-dom0-lib.sh     # bench/bench-dom0-lib.sh: bench_finish, dt, until_ok
note() { echo "PROF-NOTE $*"; }
finish() { bench_finish PROF-DONE; }
CL=/var/log/xen/console
CFG=/etc/xen/anchor-min.cfg
ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
ref_xenstored
xen-init-dom0 >/dev/null 2>&1
ref_xenconsoled

create() {   # TOOL NAME
    if [ "$1" = pvctl ]; then
        pvctl create "$CFG" "name=\"$2\"" 'extra="console=hvc0 xa.mode=idle"'
    else
        xl create "$CFG" "name=\"$2\"" 'extra="console=hvc0 xa.mode=idle"'
    fi >/tmp/out 2>&1 || echo "PROF-NOTE $1 create $2 failed: $(tail -1 /tmp/out)"
}
# pvctl caches only a kernel file 2 s old (kcache.h); the initramfs was
# just unpacked, and create-returns wants the cache hit
[ "$WINDOW" = create-returns ] && sleep 3
create pvctl warm
until_ok 300 grep -q GUEST-MARKER-UP "$CL/guest-warm.log" || echo "PROF-NOTE warm-up: no marker"
if [ "$WINDOW" = destroy ]; then
    sleep 3
    [ "$PERFC" = 1 ] && xl debug-keys P
    t0=$EPOCHREALTIME
    pvprof-mark
    pvctl -v destroy warm >/tmp/out 2>&1
    pvprof-mark
    t1=$EPOCHREALTIME
    echo "PROF-WINDOW pvctl-destroy $(dt "$t0" "$t1")"
    [ "$PERFC" = 1 ] && xl debug-keys p
    grep -a '^pvctl: destroy' /tmp/out | sed 's/^/PROF-NOTE /'
    finish
fi
pvctl destroy warm
sleep 3
if [ "$WINDOW" = create-returns ]; then
    t0=$EPOCHREALTIME
    pvprof-mark
    pvctl -v create "$CFG" 'name="pcr"' 'extra="console=hvc0 xa.mode=idle"' >/tmp/out 2>&1
    pvprof-mark
    t1=$EPOCHREALTIME
    echo "PROF-WINDOW pvctl-create-returns $(dt "$t0" "$t1")"
    grep -a '^pvctl: create' /tmp/out | sed 's/^/PROF-NOTE /'
    finish
fi
TOOLS=pvctl
[ "$XL" = 1 ] && TOOLS="pvctl xl"
for tool in $TOOLS; do
    name=p$tool
    rm -f "$CL/guest-$name.log"
    [ "$PERFC" = 1 ] && xl debug-keys P
    echo "PROF-CPU $tool start $(pvctl list --json | tr -d "\n")"
    t0=$EPOCHREALTIME
    pvprof-mark
    create $tool $name
    until_ok 300 grep -q GUEST-MARKER-UP "$CL/guest-$name.log" || echo "PROF-NOTE $tool: no marker"
    pvprof-mark
    t1=$EPOCHREALTIME
    echo "PROF-WINDOW $tool $(dt "$t0" "$t1")"
    echo "PROF-CPU $tool end $(pvctl list --json | tr -d "\n")"
    [ "$PERFC" = 1 ] && xl debug-keys p
    $tool destroy $name >/dev/null 2>&1
    sleep 3
done
finish
