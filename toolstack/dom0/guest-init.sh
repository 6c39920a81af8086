#!/bin/sh
# /init of the example domU (busybox ash, PID 1): prints a marker, runs a
# short workload and powers off, so `pvctl create /etc/pvisor/example.cfg -c`
# shows a whole guest life in a few seconds. Lines (on hvc0):
#   PVISOR-GUEST-UP uptime=S        the guest reached /init
#   PVISOR-GUEST-WORKLOAD PASS|FAIL what was checked
#   PVISOR-GUEST-POWEROFF uptime=S  just before poweroff -f
PATH=/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
read -r up _ </proc/uptime
echo "PVISOR-GUEST-UP uptime=$up"

# fork/exec, a page-cache round trip and a timer: the paths a PV guest
# exercises most
ok=0 n=0
while [ $n -lt 20 ]; do
  /bin/true && ok=$((ok + 1))
  n=$((n + 1))
done
dd if=/dev/urandom of=/tmp/blob bs=64k count=16 2>/dev/null
a=$(md5sum </tmp/blob) b=$(cat /tmp/blob | md5sum)
sleep 0.2
if [ $ok = 20 ] && [ -n "$a" ] && [ "$a" = "$b" ]; then
  echo "PVISOR-GUEST-WORKLOAD PASS 20 fork+exec, 1 MiB through tmpfs, $(grep -c ^processor /proc/cpuinfo) vCPU(s)"
else
  echo "PVISOR-GUEST-WORKLOAD FAIL fork+exec $ok/20, tmpfs sums '$a' '$b'"
fi
read -r up _ </proc/uptime
echo "PVISOR-GUEST-POWEROFF uptime=$up"
poweroff -f
