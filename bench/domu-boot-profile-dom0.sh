#!/bin/bash
# dom0 /init of bench/domu-boot-profile.sh (the reference stack's dom0, as
# bench/pvctl-create-dom0.sh): a warm-up create/destroy of the benchmark's
# domU (fills pvctl's kernel cache), then per tool one create -> marker
# window as the benchmark times it, its edges marked for the instruction
# plugin by /usr/sbin/pvprof-mark. Lines for the host script:
#   PROF-WINDOW <tool> <seconds>       create -> marker, as the benchmark
#   PROF-CPU <tool> <when> <json>      pvctl list --json (cpu_time_s)
#   PROF-DONE                          then power-off
. /etc/ref-dom0-bringup.sh
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen \
         /var/lib/xenstored /var/log/pvisor
XL=0 PERFC=0
[ -f /bench.conf ] && . /bench.conf
finish() {
    echo "PROF-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
until_ok() {   # the benchmark's poll: COMMAND every 20 ms, up to SECS
    local secs=$1 t0=$EPOCHREALTIME
    shift
    while ! "$@" >/dev/null 2>&1; do
        awk -v a="$t0" -v b="$EPOCHREALTIME" -v s="$secs" 'BEGIN { exit !(b - a > s) }' && return 1
        sleep 0.02
    done
}
CL=/var/log/xen/console
CFG=/etc/xen/anchor-min.cfg
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
    insmod /lib/modules/xa/$m.ko || echo "PROF-NOTE insmod $m failed"
done
mount -t xenfs xenfs /proc/xen
XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstore.pid
for i in $(seq 1 300); do
    xenstore-read -s / >/dev/null 2>&1 && break
    sleep 0.1
done
xen-init-dom0 >/dev/null 2>&1
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console

create() {   # TOOL NAME
    if [ "$1" = pvctl ]; then
        pvctl create "$CFG" "name=\"$2\"" 'extra="console=hvc0 xa.mode=idle"'
    else
        xl create "$CFG" "name=\"$2\"" 'extra="console=hvc0 xa.mode=idle"'
    fi >/tmp/out 2>&1 || echo "PROF-NOTE $1 create $2 failed: $(tail -1 /tmp/out)"
}
create pvctl warm
until_ok 300 grep -q GUEST-MARKER-UP "$CL/guest-warm.log" || echo "PROF-NOTE warm-up: no marker"
pvctl destroy warm
sleep 3
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
