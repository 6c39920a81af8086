#!/bin/sh
# /init of the grant-table dom0 test (busybox ash, PID 1): loads Debian's
# xen-gntdev and xen-gntalloc modules from the kernel package, runs
# gnttab-selfmap (Debian's libxengnttab: dom0 grants pages to itself with
# gntalloc and maps them with gntdev) and powers off. Lines for
# tests/system/linux/dom0-gnttab.sh: PVISOR-INIT-REACHED, PVISOR-CHECK
# ..., PVISOR-RESULT <n> passed, <m> failed, PVISOR-POWEROFF.
PATH=/bin
export PATH
mount -t proc proc /proc
read -r up _ </proc/uptime
echo "PVISOR-INIT-REACHED uptime=$up"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

passed=0 failed=0
for m in xen-gntdev xen-gntalloc; do
  insmod /lib/modules/$m.ko
  rc=$?
  dev=/dev/xen/${m#xen-}
  if [ $rc = 0 ] && [ -c $dev ]; then
    passed=$((passed + 1)); echo "PVISOR-CHECK gnttab-module-${m#xen-} PASS $dev"
  else
    failed=$((failed + 1)); echo "PVISOR-CHECK gnttab-module-${m#xen-} FAIL insmod $rc"
  fi
done
/bin/gnttab-selfmap >/tmp.out 2>&1
cat /tmp.out
p=$(grep -c "^PVISOR-CHECK .* PASS" /tmp.out)
f=$(grep -c "^PVISOR-CHECK .* FAIL" /tmp.out)
[ "$p" -gt 0 ] || f=$((f + 1))
echo "PVISOR-RESULT $((passed + p)) passed, $((failed + f)) failed"
read -r up _ </proc/uptime
echo "PVISOR-POWEROFF uptime=$up"
poweroff -f
