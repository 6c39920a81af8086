#!/bin/sh
# Runs inside dom0 (make dom0's image, pvisor.run=) on pvisor and on Xen
# 4.17: pvctl's life-cycle against the product's own dom0 (pvstored,
# pvconsoled). Added by tests/system/dom0/pvctl-life.sh:
#   /usr/lib/pvisor-test/shutdown.elf    the PV test kernel (reason=...)
#   /usr/lib/pvisor-test/life-initrd.gz  the example guest's initramfs with
#                                        life-guest-init.sh as /init
# Parts: on_crash (a Linux domU crashes itself: destroy, restart,
# preserve, coredump-destroy), create/destroy cycles (20 of the test kernel,
# 3 of Linux), a create failing at each phase (PVCTL_FAULT) and the
# hostile config table, each followed by "nothing left": the domain list,
# the whole xenstore tree, the hypervisor's free pages, dom0's used memory,
# the daemons' fds, /dev/xen mappings and dom0's event channel interrupts.
# One "PVISOR-CHECK name PASS|FAIL detail" line per check,
# "PVISOR-TIME name seconds", then "PVISOR-RESULT n passed, m failed".
# Exits 7 when every check passed, 1 otherwise.
echo "PVISOR-INIT-REACHED (pvctl life)"
passed=0 failed=0
check() {  # check NAME PASS|FAIL DETAIL
  echo "PVISOR-CHECK $1 $2 $3"
  if [ "$2" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
T=/usr/lib/pvisor-test
CL=/var/log/pvisor/console
ML=/var/log/pvisor
W=/tmp/life
mkdir -p $W /var/lib/xen/dump
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# wait_for SECONDS COMMAND...: 0 when COMMAND succeeded in time
wait_for() {
  local end
  end=$(awk -v a="$(now)" -v s="$1" 'BEGIN { print a + s }')
  shift
  until "$@" >/dev/null 2>&1; do
    awk -v a="$(now)" -v e="$end" 'BEGIN { exit !(a > e) }' && return 1
    sleep 0.1
  done
}
gone() { ! pvctl list --json | grep -q "\"name\": \"$1\""; }
# Domain-0 and no other domain, dying or not
only_dom0() { [ "$(pvctl list --json | grep -c '"domid"')" = 1 ]; }
reason_is() { pvctl list --json | grep "\"name\": \"$1\"" | grep -q "\"shutdown_reason\": $2"; }
json_field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# ---- what must come back: a snapshot of everything a domain can leave
daemons="$(cat /run/xenstored.pid 2>/dev/null) $(pidof pvconsoled)"
# pvctl processes: a domain's monitor (forked before the build, told the
# domid after it) must not outlive a create that failed, nor its domain
pvctls() { for c in /proc/[0-9]*/comm; do [ "$(cat $c 2>/dev/null)" = pvctl ] && echo; done | wc -l; }
no_pvctl() { [ "$(pvctls)" = 0 ]; }
snap() {  # snap FILE: one "what = value" line each, compared exactly
  {
    echo "domains = $(pvctl list | awk 'NR > 1 { print $1 }' | tr '\n' ' ')"
    echo "pvctl processes = $(pvctls)"
    echo "free_pages = $(pvctl info --json | json_field free_pages)"
    for p in $daemons; do
      echo "fds of $(cat /proc/$p/comm) = $(ls /proc/$p/fd | wc -l)"
      echo "xen mappings of $(cat /proc/$p/comm) = $(grep -c '/dev/xen\|privcmd\|gntdev' /proc/$p/maps)"
    done
    echo "dom0 event channel interrupts = $(grep -c 'xen-dyn\|evtchn' /proc/interrupts)"
    xenstore-ls -fp / | sed 's/^/xenstore: /'
  } >"$1"
}
# dom0's used memory (KiB, what free(1) calls used), compared with a slack
used_kib() {
  awk '/^MemTotal:/ {t = $2} /^MemFree:/ {f = $2} /^Buffers:/ {b = $2} /^Cached:/ {c = $2}
       /^SReclaimable:/ {s = $2} END { print t - f - b - c - s }' /proc/meminfo
}
same_as() {  # same_as NAME BASE: nothing left since snapshot BASE
  wait_for 30 only_dom0
  wait_for 10 no_pvctl
  sleep 0.5
  snap $W/now
  if diff $W/$2 $W/now >$W/diff; then check "$1" PASS "nothing left ($(wc -l <$W/now) facts as before)"
  else check "$1" FAIL "left behind: $(grep '^[-+][^-+]' $W/diff | head -6 | tr '\n' ';')"; fi
}

cat >$W/tk.cfg <<CFG
name = "tk"
kernel = "$T/shutdown.elf"
memory = 32
cmdline = "reason=poweroff"
on_poweroff = "preserve"
CFG
cat >$W/lin.cfg <<CFG
name = "lin"
kernel = "/var/lib/pvisor/guest/vmlinuz"
ramdisk = "$T/life-initrd.gz"
extra = "console=hvc0 life=idle"
memory = 128
CFG

# one create and destroy of each before the baseline: dom0's first use of
# a path (slab caches, page cache of the kernel files) is not a leak
pvctl create $W/tk.cfg 'name="warm"' >/dev/null 2>&1 && wait_for 30 reason_is warm 0
pvctl destroy warm >/dev/null 2>&1
pvctl create $W/lin.cfg 'name="warml"' >/dev/null 2>&1 && wait_for 120 grep -q LIFE-GUEST-UP $CL/warml.log
pvctl destroy warml >/dev/null 2>&1
wait_for 30 only_dom0
snap $W/base
used0=$(used_kib)
echo "PVISOR-NOTE baseline: $(head -1 $W/base); $(wc -l <$W/base) facts; dom0 used $used0 KiB"

# ---- 1. on_crash: a Linux domU crashes itself (sysrq c: panic, SHUTDOWN_crash)
CRASH='extra="console=hvc0 life=crash"'
t0=$(now)
pvctl create $W/lin.cfg "name=\"cd\"" "$CRASH" 'on_crash="destroy"' >$W/out 2>&1 ||
  check crash-destroy-create FAIL "$(tail -1 $W/out)"
if wait_for 120 grep -q LIFE-GUEST-CRASHING $CL/cd.log && wait_for 60 gone cd; then
  grep -q "shut down (reason 3): destroy" $ML/pvctl-cd.log &&
    check crash-destroy PASS "crashed after its marker, destroyed by its monitor ($(since $t0) s)" ||
    check crash-destroy FAIL "gone, but the monitor log says: $(tail -2 $ML/pvctl-cd.log | tr '\n' ';')"
else
  check crash-destroy FAIL "console: $(tail -2 $CL/cd.log 2>&1 | tr '\n' ';') monitor: $(tail -1 $ML/pvctl-cd.log 2>&1)"
fi

t0=$(now)
pvctl create $W/lin.cfg "name=\"cp\"" "$CRASH" 'on_crash="preserve"' >$W/out 2>&1 ||
  check crash-preserve-create FAIL "$(tail -1 $W/out)"
if wait_for 120 reason_is cp 3; then
  sleep 1
  st=$(pvctl list | awk '$1 == "cp" { print $5 }')
  case $st in *c*) check crash-preserve PASS "kept after its crash, state $st ($(since $t0) s)" ;;
  *) check crash-preserve FAIL "state '$st': $(pvctl list | grep cp)" ;; esac
  pvctl destroy cp >$W/out 2>&1 && wait_for 30 gone cp &&
    check crash-preserve-destroy PASS "the preserved domain destroyed" ||
    check crash-preserve-destroy FAIL "$(tail -1 $W/out)"
else
  check crash-preserve FAIL "no crash seen: $(tail -2 $CL/cp.log 2>&1 | tr '\n' ';')"
fi

t0=$(now)
pvctl create $W/lin.cfg "name=\"cr\"" "$CRASH" 'on_crash="restart"' >$W/out 2>&1 ||
  check crash-restart-create FAIL "$(tail -1 $W/out)"
if wait_for 240 sh -c "[ \$(grep -c '^restarted cr' $ML/pvctl-cr.log) -ge 2 ] &&
                       [ \$(grep -c LIFE-GUEST-CRASHING $CL/cr.log) -ge 2 ]"; then
  check crash-restart PASS "crashed and restarted twice ($(since $t0) s)"
else
  check crash-restart FAIL "monitor: $(tail -2 $ML/pvctl-cr.log 2>&1 | tr '\n' ';')"
fi
# the loop ends with a destroy (taken under the monitor's name lock)
wait_for 30 sh -c 'pvctl destroy cr; sleep 1; ! pvctl list --json | grep -q "\"cr\""'
sleep 2
gone cr && check crash-restart-destroy PASS "the restart loop ended by destroy" ||
  check crash-restart-destroy FAIL "still there: $(pvctl list | grep cr)"

# coredump-destroy: xl dumps the core to /var/lib/xen/dump/NAME, then destroys
# (96 MiB: Debian's unpacked kernel does not fit in 64; the dump lands in dom0's
# RAM-backed root beside pvctl's kernel cache)
t0=$(now)
pvctl create $W/lin.cfg "name=\"cc\"" "$CRASH" 'on_crash="coredump-destroy"' 'memory=96' >$W/out 2>&1 ||
  check crash-coredump-create FAIL "$(tail -1 $W/out)"
if wait_for 120 grep -q LIFE-GUEST-CRASHING $CL/cc.log && wait_for 120 gone cc; then
  if grep -q "dumping core to /var/lib/xen/dump/cc" $ML/pvctl-cc.log &&
     grep -q "shut down (reason 3): coredump-destroy" $ML/pvctl-cc.log; then
    check crash-coredump PASS "$(grep -A1 'dumping core' $ML/pvctl-cc.log | tr '\n' ' ')($(since $t0) s)"
  else
    check crash-coredump FAIL "monitor: $(tail -3 $ML/pvctl-cc.log | tr '\n' ';')"
  fi
  m=$(head -c 4 /var/lib/xen/dump/cc 2>/dev/null | od -An -c | tr -d ' ')
  [ "$m" = '177ELF' ] && check crash-coredump-file PASS "/var/lib/xen/dump/cc: an ELF core of $(wc -c </var/lib/xen/dump/cc) bytes" ||
    check crash-coredump-file FAIL "/var/lib/xen/dump/cc: '$m' $(tail -1 $ML/pvctl-cc.log)"
  rm -f /var/lib/xen/dump/cc
else
  check crash-coredump FAIL "monitor: $(tail -2 $ML/pvctl-cc.log 2>&1 | tr '\n' ';')"
fi
# the test kernel's own SCHEDOP_shutdown(crash) with the default on_crash
pvctl create $W/tk.cfg 'name="tkc"' 'cmdline="reason=crash"' >$W/out 2>&1
wait_for 30 gone tkc && grep -q "shut down (reason 3): destroy" $ML/pvctl-tkc.log &&
  check crash-default PASS "test kernel crash: default on_crash destroy" ||
  check crash-default FAIL "$(tail -1 $W/out) $(tail -1 $ML/pvctl-tkc.log 2>&1)"
same_as crash-nothing-left base

# ---- 2. create/destroy cycles: every resource back where it began
t0=$(now)
i=0 bad=0
while [ $i -lt 20 ]; do
  i=$((i + 1))
  pvctl create $W/tk.cfg 'name="cyc"' >$W/out 2>&1 || { bad=$((bad + 1)); echo "cycle $i: $(tail -1 $W/out)"; }
  wait_for 30 reason_is cyc 0 || { bad=$((bad + 1)); echo "cycle $i: no power-off"; }
  pvctl destroy cyc >$W/out 2>&1 || { bad=$((bad + 1)); echo "cycle $i: $(tail -1 $W/out)"; }
done
secs=$(since $t0)
echo "PVISOR-TIME cycles-tk20 $secs"
[ $bad = 0 ] && check cycles-tk PASS "20 create/power-off/destroy of the test kernel in $secs s" ||
  check cycles-tk FAIL "$bad failed steps in 20 cycles"
same_as cycles-tk-nothing-left base
[ "$(grep -c '^RESULT' $CL/cyc.log)" = 20 ] && check cycles-tk-console PASS "pvconsoled logged all 20 guests" ||
  check cycles-tk-console FAIL "$(grep -c '^RESULT' $CL/cyc.log) RESULT lines of 20 in $CL/cyc.log"
t0=$(now)
i=0 bad=0
while [ $i -lt 3 ]; do
  i=$((i + 1))
  pvctl create $W/lin.cfg 'name="cycl"' >$W/out 2>&1 || { bad=$((bad + 1)); echo "cycle $i: $(tail -1 $W/out)"; }
  wait_for 120 sh -c "[ \$(grep -c LIFE-GUEST-UP $CL/cycl.log) -ge $i ]" || { bad=$((bad + 1)); echo "linux cycle $i: no marker"; }
  pvctl destroy cycl >$W/out 2>&1 || { bad=$((bad + 1)); echo "cycle $i: $(tail -1 $W/out)"; }
done
secs=$(since $t0)
echo "PVISOR-TIME cycles-linux3 $secs"
[ $bad = 0 ] && check cycles-linux PASS "3 create/marker/destroy of Linux in $secs s" ||
  check cycles-linux FAIL "$bad failed steps in 3 cycles"
same_as cycles-linux-nothing-left base
used1=$(used_kib)
d=$((used1 - used0))
[ $d -lt 4096 ] && check cycles-dom0-memory PASS "dom0 used ${d} KiB more after all of the above (< 4 MiB)" ||
  check cycles-dom0-memory FAIL "dom0 used $used0 KiB before, $used1 KiB after"

# ---- 3. a create failing half-way: one line, exit 1, nothing left
for ph in domain memory image grants xenstore introduce unpause; do
  PVCTL_FAULT=$ph pvctl create $W/tk.cfg "name=\"f$ph\"" >$W/out 2>&1
  rc=$?
  n=$(grep -c . $W/out)
  if [ $rc = 1 ] && [ "$n" = 1 ] && grep -q "PVCTL_FAULT=$ph" $W/out; then
    check "fail-at-$ph" PASS "exit 1: $(cat $W/out)"
  else
    check "fail-at-$ph" FAIL "exit $rc, $n lines: $(head -3 $W/out | tr '\n' ';')"
  fi
  same_as "fail-at-$ph-nothing-left" base
done

# ---- 4. hostile configs: refused with one line naming the problem
free=$(pvctl info --json | json_field free_memory)
head -c 3000000 /var/lib/pvisor/guest/vmlinuz >$W/trunc.vmlinuz
head -c 65536 /dev/urandom >$W/random.elf
printf '\177ELF\2\1\1\0' >$W/corrupt.elf; head -c 4000 /dev/zero >>$W/corrupt.elf
k="kernel = \"$T/shutdown.elf\""
hostile() {  # hostile NAME 'WANT (grep -i)' CONFIG-LINES...
  local name=$1 want=$2
  shift 2
  case $1 in name*) : ;; *) set -- 'name = "bad"' "$@" ;; esac
  printf '%s\n' "$@" >$W/bad.cfg
  pvctl create $W/bad.cfg >$W/out 2>&1
  rc=$?
  n=$(grep -c . $W/out)
  if [ $rc != 0 ] && [ "$n" = 1 ] && grep -qi "$want" $W/out; then
    check "hostile-$name" PASS "exit $rc: $(cat $W/out)"
  else
    check "hostile-$name" FAIL "exit $rc, $n lines, want '$want': $(head -3 $W/out | tr '\n' ';')"
  fi
}
hostile unknown-key 'memroy.*line 3.*memory\|line 3.*memroy' "$k" 'memroy = 64'
hostile bad-size-word 'memory' "$k" 'memory = "lots"'
hostile bad-size-zero 'memory' "$k" 'memory = 0'
hostile bad-size-negative 'line 3' "$k" 'memory = -64'
hostile maxmem-below 'maxmem' "$k" 'memory = 64' 'maxmem = 32'
hostile missing-kernel 'kernel' 'memory = 32'
hostile nonexistent-kernel '/nonexistent' 'kernel = "/nonexistent"' 'memory = 32'
hostile truncated-bzimage 'trunc.vmlinuz' "kernel = \"$W/trunc.vmlinuz\"" 'memory = 64'
hostile random-kernel 'random.elf' "kernel = \"$W/random.elf\"" 'memory = 32'
hostile corrupt-elf 'corrupt.elf' "kernel = \"$W/corrupt.elf\"" 'memory = 32'
hostile huge-ramdisk 'ramdisk\|initrd\|too large' "$k" 'ramdisk = "/var/lib/pvisor/guest/vmlinuz"' 'memory = 8'
hostile vcpus-over-limit 'vcpus' "$k" 'memory = 32' 'vcpus = 100000'
hostile memory-over-free 'memory' "$k" "memory = $((free + 1))"
hostile name-slash 'name' 'name = "a/b"' "$k" 'memory = 32'
hostile bad-action 'on_crash' "$k" 'memory = 32' 'on_crash = "explode"'
same_as hostile-nothing-left base

# ---- 5. the xenstore tree of a domU with the reference's config (xl's
# anchor domU less its disk and vif), once its kernel is connected: the
# host compares it with what xl wrote on Xen 4.17
cat >$W/anchor.cfg <<CFG
name     = "anchor"
type     = "pv"
kernel   = "/var/lib/pvisor/guest/vmlinuz"
ramdisk  = "$T/life-initrd.gz"
extra    = "console=hvc0 xa.mode=io"
memory   = 128
maxmem   = 128
vcpus    = 1
on_poweroff = "destroy"
on_reboot   = "destroy"
on_crash    = "destroy"
CFG
pvctl create $W/anchor.cfg >$W/out 2>&1 || check xs-anchor-create FAIL "$(tail -1 $W/out)"
id=$(pvctl list | awk '$1 == "anchor" { print $2 }')
if wait_for 120 sh -c "[ \"\$(xenstore-read /local/domain/$id/control/feature-poweroff)\" = 1 ]" &&
   wait_for 30 sh -c "[ -n \"\$(xenstore-read /local/domain/$id/console/tty)\" ]"; then
  xenstore-ls -fp / | sed 's/^/PVISOR-XS /'
  check xs-anchor PASS "the tree of domain $id once connected: $(xenstore-ls -f / | grep -c "/$id/\|/$id\$") nodes"
else
  check xs-anchor FAIL "domain '$id' never connected: $(xenstore-ls -f /local/domain/$id 2>&1 | grep feature | tr '\n' ';')"
fi
pvctl destroy anchor >/dev/null 2>&1
same_as xs-anchor-nothing-left base
echo "PVISOR-RESULT $passed passed, $failed failed"
[ $failed = 0 ] && exit 7
exit 1
