#!/bin/sh
# Runs inside dom0 (pvisor.run=): what the banner tells a person to type,
# without the console attach: pvctl create /etc/pvisor/example.cfg, then
# the guest's console log (pvconsoled) must show its marker, its workload
# passing and its power-off within 60 s. Exits 0 when it did, 1 otherwise.
echo "PVISOR-INIT-REACHED (example guest)"
pvctl create /etc/pvisor/example.cfg
rc=$?
echo "PVISOR-CHECK pvctl-create $([ $rc = 0 ] && echo PASS || echo FAIL) exit $rc"
log=/var/log/pvisor/console/example.log
n=0
while [ $n -lt 120 ] && ! grep -q PVISOR-GUEST-POWEROFF $log 2>/dev/null; do
  sleep 0.5; n=$((n + 1))
done
echo "---- $log"
cat $log 2>&1 | tail -n 12
echo "----"
failed=0
for m in PVISOR-GUEST-UP "PVISOR-GUEST-WORKLOAD PASS" PVISOR-GUEST-POWEROFF; do
  if grep -q "$m" $log 2>/dev/null; then echo "PVISOR-CHECK guest-log PASS $m"
  else echo "PVISOR-CHECK guest-log FAIL no '$m' in $log"; failed=1; fi
done
[ $rc = 0 ] && [ $failed = 0 ]
