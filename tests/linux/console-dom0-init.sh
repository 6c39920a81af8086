#!/bin/bash
# dom0 /init of tests/system/toolstack/console-xl.sh: Debian's Xen 4.17
# toolstack of the reference stack with pvconsoled in xenconsoled's place.
# Creates the minimal domU, then checks what a console user sees: the
# log file, console/tty, `xl console`, input through pvconsoled --attach,
# and what destroy and create/destroy cycles leave in pvconsoled (fds,
# mappings). Output framed as CONS-BEGIN/CONS-END NAME rc=N; CONS-DONE at
# the end, then power off.
. /etc/ref-dom0-bringup.sh   # tests/linux/ref-dom0-bringup.sh: PATH, /proc, /sys, /dev, /run, /tmp
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen /var/lib/xen /var/lib/xenstored

LOGDIR=/var/log/pvisor/console
note() { echo "CONS-NOTE $*"; }
section() {   # section NAME SECONDS COMMAND...
	local name=$1 secs=$2 rc
	shift 2
	echo "CONS-BEGIN $name"
	timeout "$secs" "$@" </dev/null 2>&1
	rc=$?
	echo "CONS-END $name rc=$rc"
}
finish() {
	echo "CONS-BEGIN daemon-log"; cat $LOGDIR/pvconsoled.log 2>&1; echo "CONS-END daemon-log rc=0"
	echo "CONS-DONE"
	sync
	echo o > /proc/sysrq-trigger
	sleep 5
	poweroff -f
}
wait_for() {  # wait_for SECONDS COMMAND...: 0 once COMMAND succeeds
	local i n=$(($1 * 10))
	shift
	for i in $(seq 1 $n); do "$@" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
resources() {  # resources NAME: fds and Xen mappings of the daemon, one line
	local pid=$(cat /run/pvconsoled.pid)
	echo "CONS-BEGIN $1"
	echo "fds=$(ls /proc/$pid/fd | wc -l) grant-maps=$(grep -c gntdev /proc/$pid/maps) foreign-maps=$(grep -c privcmd /proc/$pid/maps) ptys=$(ls -l /proc/$pid/fd | grep -c ptmx)"
	echo "CONS-END $1 rc=0"
}

ref_insmod xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
ref_xenstored
section init-dom0 60 xen-init-dom0

# pvconsoled in xenconsoled's place: it returns once it serves
section start 30 pvconsoled --pid-file /run/pvconsoled.pid --log-dir $LOGDIR
[ -s /run/pvconsoled.pid ] || { note "pvconsoled did not start"; finish; }
resources resources-before

section create 120 xl create /etc/xen/anchor-min.cfg 'extra="console=hvc0 xa.mode=idle"'
wait_for 90 grep -q GUEST-MARKER-UP $LOGDIR/anchor-min.log
section log 10 cat $LOGDIR/anchor-min.log
section tty 10 sh -c 't=$(xenstore-read /local/domain/$(xl domid anchor-min)/console/tty) && echo "tty=$t" && test -c "$t"'
# xl console attaches through the pty: the boot output waiting there comes out
(sleep 6) | timeout 5 xl console anchor-min >/tmp/xl-console.out 2>&1
note "xl console: $(head -c 300 /tmp/xl-console.out | tr -c '[:print:]' '.')"
section xl-console 10 grep -a -c GUEST-MARKER-UP /tmp/xl-console.out
# input: pvconsoled's attach client types into the guest's hvc0, whose tty
# echoes it back into the output ring, so it lands in the log
(sleep 2; printf 'PVCONS-ECHO-7\r'; sleep 3; printf '\035') | timeout 20 pvconsoled --attach anchor-min >/tmp/attach.out 2>&1
note "attach rc=$? output: $(head -c 300 /tmp/attach.out | tr -c '[:print:]' '.')"
wait_for 10 grep -q PVCONS-ECHO-7 $LOGDIR/anchor-min.log
section input-echo 10 grep -a -c PVCONS-ECHO-7 $LOGDIR/anchor-min.log
section attach-output 10 grep -a -c PVCONS-ECHO-7 /tmp/attach.out
resources resources-running
section destroy 60 xl destroy anchor-min
sleep 3
sleep 2
resources resources-after-destroy
# domains that power themselves off, one after another
for i in 1 2 3; do
	timeout 120 xl create /etc/xen/anchor-min.cfg "name=\"cyc$i\"" 'extra="console=hvc0 xa.mode=poweroff"' >/tmp/cyc.out 2>&1 ||
		note "create cyc$i failed: $(tail -n 3 /tmp/cyc.out | tr '\n' ' ')"
	wait_for 90 sh -c "! xl list cyc$i >/dev/null 2>&1"
done
sleep 2
section cycle-logs 10 sh -c "grep -l GUEST-MARKER-UP $LOGDIR/cyc1.log $LOGDIR/cyc2.log $LOGDIR/cyc3.log | wc -l"
resources resources-after-cycles
section alive 10 kill -0 $(cat /run/pvconsoled.pid)
finish
