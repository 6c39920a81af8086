#!/bin/sh
# Runs inside dom0 (make dom0's image) as pvisor.run=: what dom0's init must
# have brought up. One "PVISOR-CHECK name PASS|FAIL detail" line per check,
# then "PVISOR-RESULT n passed, m failed". Exits 7 when every check passed
# (a status only this script gives, so the host knows the status it reads
# is the script's, relayed by init) and 1 otherwise.
echo "PVISOR-INIT-REACHED (pvisor.run script)"
passed=0 failed=0
check() {  # check NAME PASS|FAIL DETAIL
  echo "PVISOR-CHECK $1 $2 $3"
  if [ "$2" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

for m in xenfs xen_privcmd xen_evtchn xen_gntdev xen_gntalloc xen_blkback xen_netback loop bridge; do
  if grep -q "^$m " /proc/modules; then check "module-$m" PASS loaded
  else check "module-$m" FAIL "not in /proc/modules"; fi
done
for d in privcmd evtchn gntdev gntalloc; do
  if [ -c /dev/xen/$d ]; then check "dev-$d" PASS "/dev/xen/$d"
  else check "dev-$d" FAIL "no character device /dev/xen/$d"; fi
done
grep -q control_d /proc/xen/capabilities 2>/dev/null &&
  check xenfs PASS "/proc/xen/capabilities: control_d" ||
  check xenfs FAIL "/proc/xen/capabilities: '$(cat /proc/xen/capabilities 2>&1)'"

# pvstored answers Debian's tools with the nodes xen-init-dom0 writes
want() {  # want NAME PATH VALUE
  v=$(xenstore-read "$2" 2>&1)
  [ "$v" = "$3" ] && check "$1" PASS "$2 = $v" || check "$1" FAIL "$2 = '$v', want '$3'"
}
want xs-name /local/domain/0/name Domain-0
want xs-domid /local/domain/0/domid 0
want xs-pool /local/pool/0/name Pool-0
ls=$(xenstore-ls /local/domain/0 2>&1)
echo "$ls" | grep -q '^name = "Domain-0"' && echo "$ls" | grep -q '^domid = "0"' &&
  check xs-ls PASS "xenstore-ls /local/domain/0: $(echo "$ls" | wc -l) lines" ||
  check xs-ls FAIL "xenstore-ls /local/domain/0: $(echo "$ls" | head -3 | tr '\n' ' ')"
# dom0's kernel reached pvstored over the xsd_kva ring: xenbus writes
# control/feature-poweroff once xenstored answers
n=0
until [ "$(xenstore-read /local/domain/0/control/feature-poweroff 2>/dev/null)" = 1 ] || [ $n -ge 50 ]; do
  sleep 0.1; n=$((n + 1))
done
want xs-kernel-ring /local/domain/0/control/feature-poweroff 1
[ -f /run/xenstored.pid ] && kill -0 "$(cat /run/xenstored.pid)" 2>/dev/null &&
  check pvstored-running PASS "pid $(cat /run/xenstored.pid)" ||
  check pvstored-running FAIL "no live pid in /run/xenstored.pid"
if command -v pvconsoled >/dev/null; then
  [ -f /run/pvconsoled.pid ] && kill -0 "$(cat /run/pvconsoled.pid)" 2>/dev/null && [ -d /var/log/pvisor/console ] &&
    check pvconsoled-running PASS "pid $(cat /run/pvconsoled.pid)" ||
    check pvconsoled-running FAIL "no live pid in /run/pvconsoled.pid, or no /var/log/pvisor/console"
fi

# the example guest is in the image, with its config
for f in /etc/pvisor/example.cfg /var/lib/pvisor/guest/vmlinuz /var/lib/pvisor/guest/initrd.gz; do
  n=file-$(echo "${f##*/}" | tr . -)
  [ -s $f ] && check "$n" PASS "$f" || check "$n" FAIL "$f missing"
done

echo "PVISOR-RESULT $passed passed, $failed failed"
[ $failed = 0 ] && exit 7
exit 1
