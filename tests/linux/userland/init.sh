#!/bin/sh
# /init of the dom0 userland test (busybox ash, PID 1): loads the kernel
# package's own Xen modules from /lib/modules, runs every program in
# /tests (each on one of Debian's Xen libraries, printing PVISOR-CHECK
# lines) and powers off. Lines for tests/system/linux/dom0-userland.sh:
# PVISOR-INIT-REACHED, PVISOR-CHECK <name> PASS|FAIL ..., PVISOR-RESULT
# <n> passed, <m> failed, PVISOR-POWEROFF.
PATH=/bin
export PATH
mount -t proc proc /proc
read -r up _ </proc/uptime
echo "PVISOR-INIT-REACHED uptime=$up"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

passed=0 failed=0
for ko in /lib/modules/*.ko; do
  m=${ko##*/}; m=${m%.ko}
  insmod "$ko"
  rc=$?
  dev=/dev/xen/${m#xen-}
  if [ $rc = 0 ] && [ -c "$dev" ]; then
    passed=$((passed + 1)); echo "PVISOR-CHECK module-$m PASS $dev"
  else
    failed=$((failed + 1)); echo "PVISOR-CHECK module-$m FAIL insmod $rc"
  fi
done
for t in /tests/*; do
  "$t" >/tmp.out 2>&1
  rc=$?
  cat /tmp.out
  p=$(grep -c "^PVISOR-CHECK .* PASS" /tmp.out)
  f=$(grep -c "^PVISOR-CHECK .* FAIL" /tmp.out)
  # a program that checked nothing or died failed, whatever it printed
  if [ "$p" -eq 0 ] || [ $rc -gt 1 ]; then
    f=$((f + 1)); echo "PVISOR-CHECK ${t##*/}-ran FAIL exit $rc, $p passed"
  fi
  passed=$((passed + p)) failed=$((failed + f))
done
echo "PVISOR-RESULT $passed passed, $failed failed"
read -r up _ </proc/uptime
echo "PVISOR-POWEROFF uptime=$up"
poweroff -f
