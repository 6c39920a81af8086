#!/bin/sh
# /init of the dom0 test initramfs (busybox ash, PID 1).
#
# Proves from inside that this Linux runs as a Xen PV dom0, drives the
# paths a PV hypervisor must get right (fork/exec and page-table churn,
# syscall bounces, memory faults, timers, wallclock), prints one line per
# check and powers off. The host side (tests/linux/boot-dom0.sh) reads:
#   PVISOR-INIT-REACHED uptime=<s>        first line, as early as possible
#   PVISOR-CHECK <name> PASS|FAIL <detail>
#   PVISOR-TIMER-START / PVISOR-TIMER-END  around `sleep 1` (host clock check)
#   PVISOR-RESULT <n> passed, <m> failed
#   PVISOR-POWEROFF uptime=<s>            just before poweroff -f
# Kernel command line knobs: pvtest.mode=full|min (min: marker and poweroff
# only, for boot benchmarks), pvtest.forks=N (fork/exec storm size),
# pvtest.dom0_mb=M (dom0_mem given to the hypervisor, for the memory check).
PATH=/bin
export PATH
mount -t proc proc /proc
read -r up _ </proc/uptime
echo "PVISOR-INIT-REACHED uptime=$up"

mode=full forks=150 dom0_mb=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
  case $arg in
  pvtest.mode=*) mode=${arg#*=} ;;
  pvtest.forks=*) forks=${arg#*=} ;;
  pvtest.dom0_mb=*) dom0_mb=${arg#*=} ;;
  esac
done

power_off() {
  read -r up _ </proc/uptime
  echo "PVISOR-POWEROFF uptime=$up"
  poweroff -f
  echo "PVISOR-POWEROFF-FAILED: poweroff -f returned"
  exit 1        # PID 1 exiting panics the kernel: the host sees that too
}

[ "$mode" = min ] && power_off

mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o size=64m tmpfs /tmp

passed=0 failed=0
# check NAME STATUS DETAIL: STATUS 0 is a pass.
check() {
  if [ "$2" = 0 ]; then
    passed=$((passed + 1)); echo "PVISOR-CHECK $1 PASS $3"
  else
    failed=$((failed + 1)); echo "PVISOR-CHECK $1 FAIL $3"
  fi
}
# usec SECONDS.FRACTION -> integer microseconds (fraction of 1 to 6 digits)
usec() {
  _s=${1%.*} _f=${1#*.}000000
  [ "$_s" = "$1" ] && _f=000000
  _f=${_f%"${_f#??????}"}
  echo $((_s * 1000000 + 10#$_f))
}
# seconds MICROSECONDS -> "S.mmm"
seconds() { printf '%d.%03d' $(($1 / 1000000)) $(($1 % 1000000 / 1000)); }
# file_value FILE -> its first line, or "missing"
file_value() { _v=missing; [ -r "$1" ] && read -r _v <"$1"; echo "$_v"; }

echo "PVISOR-INFO kernel=$(uname -r) cmdline=$cmdline"
dmesg >/tmp/dmesg.boot

# 1. The kernel's own view of the platform.
t=$(file_value /sys/hypervisor/type)
[ "$t" = xen ]; check hypervisor-type $? "/sys/hypervisor/type=$t"

det=$(grep -m1 'Hypervisor detected: ' /tmp/dmesg.boot)
det=${det#*Hypervisor detected: }
bk=$(grep -m1 'Booting kernel on ' /tmp/dmesg.boot)
bk=${bk#*Booting kernel on }
[ "$det" = "Xen PV" ] && [ "$bk" = Xen ]
check xen-pv-boot $? "Hypervisor detected: ${det:-none}; Booting kernel on ${bk:-?}"

ver=$(grep -m1 'Xen version: ' /tmp/dmesg.boot)
ver=${ver#*Xen version: }
sys="$(file_value /sys/hypervisor/version/major).$(file_value /sys/hypervisor/version/minor)"
case $ver in "$sys".*|"$sys"|"$sys "*) r=0 ;; *) r=1 ;; esac
[ -n "$ver" ] || r=1
check xen-version $r "dmesg='$ver' sysfs=$sys$(file_value /sys/hypervisor/version/extra)"

# XENVER_get_features as Linux saw it: bit 5 mmu_pt_update_preserve_ad and
# bit 7 gnttab_map_avail_bits (Linux refuses to boot without them), bit 11
# dom0 (Xen sets it for the hardware domain).
f=$(file_value /sys/hypervisor/properties/features)
r=1
case $f in
missing) ;;
*) v=$((0x$f)); [ $((v & 0x8a0)) = $((0x8a0)) ] && r=0 ;;
esac
check dom0-features $r "features=$f (want bits 5,7,11)"

# swiotlb-xen: a dom0 gets machine-contiguous bounce buffers below 4 GiB
# through XENMEM_exchange, as on Xen ("software IO TLB: mapped ... (64MB)").
sw=$(grep -m1 'software IO TLB: mapped' /tmp/dmesg.boot)
nofail=$(grep -c 'Failed to remap' /tmp/dmesg.boot)
[ -n "$sw" ] && [ "$nofail" = 0 ]; check swiotlb $? "${sw:-no swiotlb mapped}; ${nofail} failed remaps"

total=$(grep -m1 '^MemTotal:' /proc/meminfo)
total=${total#MemTotal:}; total=${total% kB}; total=$((total))
if [ -n "$dom0_mb" ]; then
  want=$((dom0_mb * 1024))
  [ "$total" -le "$want" ] && [ "$total" -ge $((want * 6 / 10)) ]; r=$?
  check memory $r "MemTotal=${total}kB dom0_mem=${dom0_mb}M"
else
  [ "$total" -gt 65536 ]; check memory $? "MemTotal=${total}kB"
fi

# 2. fork/exec storm: every child is a fresh exec of busybox whose exit
# status must come back intact (page-table pin/unpin on fork and exit).
t0=$(usec "$EPOCHREALTIME") i=0 ok=0
while [ $i -lt "$forks" ]; do
  /bin/sh -c "exit $((i % 100))"
  [ $? = $((i % 100)) ] && ok=$((ok + 1))
  i=$((i + 1))
done
dt=$(($(usec "$EPOCHREALTIME") - t0))
[ "$ok" = "$forks" ]; check fork-exec $? "$ok/$forks fork+exec+exit-status in $(seconds $dt) s"

# 3. Syscall bounces: dd with 1-byte blocks makes one read and one write per
# block, 10000 syscalls whose results dd checks and counts.
t0=$(usec "$EPOCHREALTIME")
dd if=/dev/zero of=/dev/null bs=1 count=5000 2>/tmp/dd.log
r=$?
dt=$(($(usec "$EPOCHREALTIME") - t0))
grep -q '^5000+0 records out' /tmp/dd.log || r=1
check syscalls $r "10000 read/write syscalls in $(seconds $dt) s"

# 4. Memory churn: a 32 MiB user buffer faulted in and freed per round, and
# 4 MiB of random data through tmpfs whose copy must read back identical.
free0=$(grep -m1 '^MemFree:' /proc/meminfo)
free0=${free0#MemFree:}; free0=$((${free0% kB}))
t0=$(usec "$EPOCHREALTIME") round=0 ok=0
while [ $round -lt 3 ]; do
  round=$((round + 1))
  dd if=/dev/zero of=/dev/null bs=32M count=1 2>/dev/null || continue
  dd if=/dev/urandom of=/tmp/a bs=1M count=4 2>/dev/null || continue
  cp /tmp/a /tmp/b || continue
  set -- $(md5sum /tmp/a /tmp/b)
  [ "$1" = "$3" ] && [ -n "$1" ] && ok=$((ok + 1))
  rm -f /tmp/a /tmp/b
done
dt=$(($(usec "$EPOCHREALTIME") - t0))
free1=$(grep -m1 '^MemFree:' /proc/meminfo)
free1=${free1#MemFree:}; free1=$((${free1% kB}))
[ "$ok" = 3 ]; check memory-churn $? "$ok/3 rounds (32 MiB faulted, 4 MiB copied and compared) in $(seconds $dt) s; MemFree $free0 -> $free1 kB"

# 5. Timer: sleep 1 against the realtime clock and uptime. The host also
# times the START/END lines on its own clock.
read -r u0 _ </proc/uptime
echo "PVISOR-TIMER-START"
t0=$(usec "$EPOCHREALTIME")
sleep 1
t1=$(usec "$EPOCHREALTIME")
echo "PVISOR-TIMER-END"
read -r u1 _ </proc/uptime
dwall=$((t1 - t0)) dup=$(($(usec "$u1") - $(usec "$u0")))
[ $dwall -ge 990000 ] && [ $dwall -le 2000000 ] && [ $dup -ge 990000 ] && [ $dup -le 2000000 ]
check timer $? "sleep 1: realtime $(seconds $dwall) s, uptime $(seconds $dup) s"

# 6. Wallclock from the hypervisor (shared_info) must be a plausible date.
now=$EPOCHSECONDS
[ "$now" -ge 1704067200 ]; check wallclock $? "$(date -u '+%Y-%m-%dT%H:%M:%SZ')"

# 7. Nothing in the kernel log that says something went wrong.
dmesg >/tmp/dmesg.end
bad=$(grep -m1 -E 'WARNING:|BUG:|Oops|Call Trace|general protection|segfault|Bad page|page allocation failure' /tmp/dmesg.end)
[ -z "$bad" ]; check kernel-log $? "${bad:-no warnings, oopses or BUGs}"

echo "PVISOR-RESULT $passed passed, $failed failed"
power_off
