#!/bin/sh
# /init of the event-channel dom0 test (busybox ash, PID 1): loads Debian's
# xen-evtchn module from the kernel package, runs evtchn-loop (Debian's
# libxenevtchn, dom0 to dom0 loopback channel) and powers off. Lines for
# tests/system/linux/dom0-evtchn.sh: PVISOR-INIT-REACHED, PVISOR-CHECK
# ..., PVISOR-RESULT <n> passed, <m> failed, PVISOR-POWEROFF.
PATH=/bin
export PATH
mount -t proc proc /proc
read -r up _ </proc/uptime
echo "PVISOR-INIT-REACHED uptime=$up"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

passed=0 failed=0
insmod /lib/modules/xen-evtchn.ko
rc=$?
if [ $rc = 0 ] && [ -c /dev/xen/evtchn ]; then
  passed=$((passed + 1)); echo "PVISOR-CHECK evtchn-module PASS /dev/xen/evtchn"
else
  failed=$((failed + 1)); echo "PVISOR-CHECK evtchn-module FAIL insmod $rc"
fi
/bin/evtchn-loop >/tmp.out 2>&1
cat /tmp.out
p=$(grep -c "^PVISOR-CHECK .* PASS" /tmp.out)
f=$(grep -c "^PVISOR-CHECK .* FAIL" /tmp.out)
[ "$p" -gt 0 ] || f=$((f + 1))
echo "PVISOR-RESULT $((passed + p)) passed, $((failed + f)) failed"
read -r up _ </proc/uptime
echo "PVISOR-POWEROFF uptime=$up"
poweroff -f
