# Sourced by the dom0 /init scripts of the split-driver system tests
# (rootdisk-dom0-init.sh, split-failures-dom0-init.sh): the reference
# stack's dom0 (C xenstored, xenconsoled logging each guest to
# $CL/guest-NAME.log, xen-blkback and loop loaded) with pvctl, and the
# helpers that print the lines the host-side test judges:
#   SD-BEGIN <name> ... SD-END <name> rc=<status>   (a command and its output)
#   SD-CHECK <what> <value>                         (facts)
#   SD-DONE                                         then power-off
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
# The guest boots under TCG while dom0 attaches: its frontend connects
# when its initramfs loads blkfront, long after the backend is ready.
export PVCTL_DEVICE_TIMEOUT_MS=${PVCTL_DEVICE_TIMEOUT_MS:-240000}
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen \
         /var/lib/xenstored /var/log/pvisor /data
CL=/var/log/xen/console

note() { echo "SD-NOTE $*"; }
check() { echo "SD-CHECK $1 $2"; }
step() {   # step NAME SECONDS COMMAND...
    local name=$1 secs=$2 rc
    shift 2
    echo "SD-BEGIN $name"
    timeout "$secs" "$@" </dev/null >/tmp/step.out 2>&1
    rc=$?
    cat /tmp/step.out
    echo "SD-END $name rc=$rc"
    return $rc
}
finish() {
    echo "SD-DONE"
    sync
    echo o > /proc/sysrq-trigger
    sleep 5
    poweroff -f
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds (0), or 1 after
# SECONDS of wall-clock time (bash's clock: polls cost a lot under TCG)
wait_for() {
    local end=$((SECONDS + $1))
    shift
    while ! "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.2
    done
}
in_log() { grep -aq "$2" "$CL/guest-$1.log" 2>/dev/null; }      # in_log NAME REGEX
# await NAME REGEX SECONDS: until the guest's console has REGEX; if not,
# a note with the console's last lines
await() {
    wait_for "$3" in_log "$1" "$2" && return 0
    note "$1: no '$2' in its console after $3 s; it ends with:"
    tail -5 "$CL/guest-$1.log" 2>/dev/null | tr -d '\r' | sed 's/^/SD-NOTE   | /'
    return 1
}
guest_lines() { grep -a "^$2" "$CL/guest-$1.log" 2>/dev/null | tr -d '\r'; }
gone() { ! pvctl list | awk 'NR > 1 {print $1}' | grep -qx "$1"; }
domid() { pvctl list | awk -v n="$1" '$1 == n {print $2}'; }
free_mib() { pvctl info --json | sed -n 's/.*"free_memory": \([0-9]*\).*/\1/p'; }
# what a device leaves behind, for SD-CHECK lines
loops_on() { losetup -a | grep -c "$1"; }
vbd_nodes() { xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | grep -c .; }
vif_nodes() { xenstore-ls /local/domain/0/backend/vif 2>/dev/null | grep -c .; }
vifs() { ls /sys/class/net | grep -c '^vif'; }
others() { pvctl list | awk 'NR > 1 && $1 != "Domain-0"' | grep -c .; }

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs loop xen-blkback llc stp bridge xen-netback
ref_xenstored
timeout 60 xen-init-dom0 >/dev/null 2>&1 || note "xen-init-dom0 failed"
ref_xenconsoled
