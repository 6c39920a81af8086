#!/bin/bash
# boot-dom0.sh --hv xen|pvisor [options]
# Boots Debian's stock kernel as PV dom0 with the project's test initramfs
# (tests/linux/init.sh) on pvisor or on Debian's Xen 4.17, under QEMU TCG,
# and checks what the guest reports. Both hypervisors get the same QEMU
# command line; only -kernel and -append differ.
#
#   --hv xen|pvisor     which hypervisor (required)
#   --cpu MODEL         QEMU -cpu (default qemu64,+smep,+rdrand: RDRAND so
#                       dom0's crng starts at once, see the xen-stack README)
#   --smp N             QEMU -smp (default 1; dom0 gets one vCPU unless --vcpus)
#   --vcpus N           dom0 with N vCPUs: -smp N and dom0_max_vcpus=N
#   --mem MIB           QEMU -m (default 2048)
#   --dom0-mem MIB      dom0_mem= given to the hypervisor (default 512)
#   --mode full|min     full: the checks and workload; min: /init marker
#                       and power-off only (benchmarks)
#   --forks N           size of the fork/exec storm (pvtest.forks=)
#   --timeout S         give up after S seconds (default 180)
#   --log FILE          serial log with host timestamps (default
#                       $PVISOR_BUILD/linux/logs/boot-<hv>-<mode>.log)
#   --hv-image FILE     hypervisor ELF (default build/pvisor.elf or build/xen/xen.elf)
#   --kernel FILE       dom0 kernel (default build/linux/vmlinuz-amd64)
#   --initrd FILE       initramfs (default build/linux/initramfs-dom0.cpio.gz)
#   --hv-args STR       replace the hypervisor command line
#   --kernel-args STR   append to the dom0 kernel command line
#   --expect-status N   QEMU exit status meaning "dom0 powered off"
#                       (default: xen 0 (ACPI S5), pvisor 1 (isa-debug-exit,
#                       (code << 1) | 1 with SHUTDOWN_poweroff = 0))
#   --allow-hv-warnings do not fail on unexpected pvisor lines (below)
#   --hv-allow FILE     the expected per-domain / warning lines (default
#                       tests/linux/hv-lines.allow)
#   --no-make           do not run `make linux-assets` first
#   --make-only         only fetch and build the assets, then exit
#   -v, --verbose       also copy the serial console to stdout
#
# Prints each milestone when it appears, as seconds of host wall time since
# QEMU started, then one machine-readable line
#   BOOT-FIGURES hv=.. cpu=.. mode=.. banner=S kernel=S init=S result=S poweroff=S exit=S status=N
# ("n/a" for a milestone never seen) and a PASS or FAIL line. On pvisor a
# "(PV) " line that names a domain ("d0:", "d0v1:") or says warn/error
# fails the boot unless it matches a pattern of the allow file: a clean
# boot prints none. Exit status:
# 0 pass, 1 fail, 77 when the Debian packages cannot be fetched, 2 usage.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${PVISOR_BUILD:-$ROOT/build}
QEMU=${QEMU:-qemu-system-x86_64}

hv= cpu=qemu64,+smep,+rdrand smp=1 vcpus= mem=2048 dom0_mem=512 mode=full forks=
timeout_s=180 log= hv_image= kernel= initrd= hv_args= kernel_extra=
expect_status= allow_warn=0 allow_file=$ROOT/tests/linux/hv-lines.allow do_make=1 make_only=0 verbose=0

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
need() { [ $# -ge 2 ] || { echo "boot-dom0: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
  --hv) need "$@"; hv=$2; shift ;;
  --cpu) need "$@"; cpu=$2; shift ;;
  --smp) need "$@"; smp=$2; shift ;;
  --vcpus) need "$@"; vcpus=$2; smp=$2; shift ;;
  --mem) need "$@"; mem=$2; shift ;;
  --dom0-mem) need "$@"; dom0_mem=$2; shift ;;
  --mode) need "$@"; mode=$2; shift ;;
  --forks) need "$@"; forks=$2; shift ;;
  --timeout) need "$@"; timeout_s=$2; shift ;;
  --log) need "$@"; log=$2; shift ;;
  --hv-image) need "$@"; hv_image=$2; shift ;;
  --kernel) need "$@"; kernel=$2; shift ;;
  --initrd) need "$@"; initrd=$2; shift ;;
  --hv-args) need "$@"; hv_args=$2; shift ;;
  --kernel-args) need "$@"; kernel_extra=$2; shift ;;
  --expect-status) need "$@"; expect_status=$2; shift ;;
  --allow-hv-warnings) allow_warn=1 ;;
  --hv-allow) need "$@"; allow_file=$2; shift ;;
  --no-make) do_make=0 ;;
  --make-only) make_only=1 ;;
  -v|--verbose) verbose=1 ;;
  -h|--help) usage ;;
  *) echo "boot-dom0: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $hv in xen|pvisor) ;; *) echo "boot-dom0: --hv xen|pvisor is required" >&2; exit 2 ;; esac
case $mode in full|min) ;; *) echo "boot-dom0: --mode is full or min, not '$mode'" >&2; exit 2 ;; esac
for n in "$smp" ${vcpus:+"$vcpus"} "$mem" "$dom0_mem" "$timeout_s" ${forks:+"$forks"}; do
  case $n in ''|*[!0-9]*) echo "boot-dom0: '$n' is not a number" >&2; exit 2 ;; esac
done

# ---- assets: fetched and built on demand by make (serialised: tests run
# in parallel and share build/).
if [ $do_make = 1 ]; then
  mkdir -p "$BUILD"
  targets=(linux-assets)
  [ "$hv" = pvisor ] && [ -z "$hv_image" ] && targets+=("$BUILD/pvisor.elf")
  # (a fresh make: not a sub-make of whatever make ran the test runner)
  if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" \
      make -s --no-print-directory -C "$ROOT" O="$BUILD" "${targets[@]}" >&2; then
    if [ ! -f "$BUILD/linux/vmlinuz-amd64" ] || { [ "$hv" = xen ] && [ ! -f "$BUILD/xen/xen.elf" ]; }; then
      echo "boot-dom0: SKIP: the Debian kernel or Xen package could not be fetched (apt-get download); see the lines above" >&2
      exit 77
    fi
    echo "boot-dom0: FAIL: make ${targets[*]} failed; see the lines above" >&2
    exit 1
  fi
fi
[ $make_only = 1 ] && exit 0
kernel=${kernel:-$BUILD/linux/vmlinuz-amd64}
initrd=${initrd:-$BUILD/linux/initramfs-dom0.cpio.gz}
if [ "$hv" = xen ]; then
  hv_image=${hv_image:-$BUILD/xen/xen.elf}
  hv_args=${hv_args:-"console=com1 com1=115200 dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=${vcpus:-1} noreboot"}
  expect_status=${expect_status:-0}
  banner_re='\(XEN\) Xen version'
else
  hv_image=${hv_image:-$BUILD/pvisor.elf}
  hv_args=${hv_args:-"console=com1 com1=115200 dom0_mem=${dom0_mem}M dom0_max_vcpus=${vcpus:-1}"}
  expect_status=${expect_status:-1}
  banner_re='\(PV\) '
fi
for f in "$hv_image" "$kernel" "$initrd"; do
  [ -f "$f" ] || { echo "boot-dom0: FAIL: $f is missing; run: make linux-assets (and make for pvisor.elf)" >&2; exit 1; }
done
case "$hv_image$kernel$initrd" in
*' '*) echo "boot-dom0: FAIL: paths with spaces cannot go through QEMU's -initrd list" >&2; exit 1 ;;
esac

kargs="console=hvc0 earlyprintk=xen pvtest.mode=$mode pvtest.dom0_mb=$dom0_mem${forks:+ pvtest.forks=$forks}${kernel_extra:+ $kernel_extra}"
qemu=("$QEMU" -cpu "$cpu" -smp "$smp" -m "$mem" -nographic -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -kernel "$hv_image" -append "$hv_args"
      -initrd "${kernel//,/,,} ${kargs//,/,,},${initrd//,/,,}")

# Expected hypervisor lines: one extended regex per line (matched against
# the text after "(PV) "), '#' comments and blank lines skipped.
allow_res=()
if [ "$hv" = pvisor ]; then
  [ -f "$allow_file" ] || { echo "boot-dom0: FAIL: allow file $allow_file is missing" >&2; exit 1; }
  while IFS= read -r pat || [ -n "$pat" ]; do
    case $pat in ''|'#'*) continue ;; esac
    allow_res+=("$pat")
  done <"$allow_file"
fi
hv_allowed() {
  local p
  for p in "${allow_res[@]}"; do [[ $1 =~ $p ]] && return 0; done
  return 1
}

tag="${hv}-${mode}"
log=${log:-$BUILD/linux/logs/boot-$tag.log}
mkdir -p "$(dirname "$log")"
echo "boot-dom0: $(printf '%q ' "${qemu[@]}")"
echo "boot-dom0: serial log $log"

# ---- boot: QEMU writes into a FIFO; every line gets the host time since
# QEMU started. Milestones are printed as they appear; a fatal line stops
# the run 2 s later (enough for the rest of the backtrace).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/boot-dom0.XXXXXX")
trap 'rm -rf "$tmp"; [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null' EXIT
mkfifo "$tmp/serial"
{ printf '$ '; printf '%q ' "${qemu[@]}"; echo; } >"$log"
t0=${EPOCHREALTIME/./}
"${qemu[@]}" </dev/null >"$tmp/serial" 2>&1 &
qpid=$!
exec 3<"$tmp/serial"

declare -A at=()          # milestone -> "S.mmm"
fatal= hv_warn= nr_hv_warn=0 hv_allowed_n=0 result= timer_start= timer_end= timed_out=0 stop_at=0
deadline=$((t0 + timeout_s * 1000000))
stamp_now() { local d=$((${EPOCHREALTIME/./} - t0)); printf -v stamp '%d.%03d' $((d / 1000000)) $((d % 1000000 / 1000)); }
mark() {   # mark NAME DESCRIPTION: first occurrence only
  [ -n "${at[$1]:-}" ] && return
  at[$1]=$stamp
  printf 'boot-dom0: [%8s s] %s\n' "$stamp" "$2"
}
handle() {
  local line=${1//$'\r'/}
  stamp_now
  printf '[%8s] %s\n' "$stamp" "$line" >>"$log"
  [ $verbose = 1 ] && printf '%s\n' "$line"
  if [[ $line =~ $banner_re ]]; then mark banner "hypervisor banner: ${line:0:70}"; fi
  case $line in
  *'Linux version '[0-9]*) mark kernel "first kernel line: ${line:0:60}" ;;
  *PVISOR-INIT-REACHED*) mark init "dom0 /init reached: ${line#*PVISOR-}" ;;
  *PVISOR-CHECK*FAIL*) printf 'boot-dom0: %s\n' "${line#*PVISOR-}" ;;
  *PVISOR-TIMER-START*) timer_start=${EPOCHREALTIME/./} ;;
  *PVISOR-TIMER-END*) timer_end=${EPOCHREALTIME/./} ;;
  *PVISOR-RESULT*) result=${line#*PVISOR-RESULT }; mark result "workload done: $result" ;;
  *PVISOR-POWEROFF-FAILED*) fatal=$line ;;
  # A dom0 without ACPI (pvisor passes no firmware tables through) has no
  # power-off handler and halts; a halting PV kernel also ends with
  # SCHEDOP_shutdown(poweroff), so both lines mean the same.
  *'reboot: Power down'*|*'reboot: System halted'*) mark poweroff "dom0 power-off: ${line:0:60}" ;;
  *'Kernel panic - not syncing'*|*'(XEN) Panic on CPU'*|*'Hardware Dom0 crashed'*|*'(XEN) FATAL'*)
    [ -z "$fatal" ] && fatal=$line ;;
  *'(PV) '*)
    local text=${line#*'(PV) '}
    case $line in
    *[Pp][Aa][Nn][Ii][Cc]*|*FATAL*) [ -z "$fatal" ] && fatal=$line ;;
    *)
      if [[ $text =~ ^d[0-9]+(v[0-9]+)?[:\ ] ]] || [[ $line =~ [Ww][Aa][Rr][Nn]|[Ee][Rr][Rr][Oo][Rr] ]]; then
        if hv_allowed "$text"; then
          hv_allowed_n=$((hv_allowed_n + 1))
        else
          nr_hv_warn=$((nr_hv_warn + 1))
          [ -z "$hv_warn" ] && hv_warn=$text
        fi
      fi ;;
    esac ;;
  esac
  if [ -n "$fatal" ] && [ $stop_at = 0 ]; then
    stop_at=$((${EPOCHREALTIME/./} + 2000000))
    printf 'boot-dom0: [%8s s] fatal: %s\n' "$stamp" "${fatal:0:100}"
  fi
}
partial=
while :; do
  if IFS= read -r -t 0.5 chunk <&3; then
    handle "$partial$chunk"; partial=
  else
    rc=$?
    if [ $rc -gt 128 ]; then
      partial+=$chunk
    else
      [ -n "$partial$chunk" ] && handle "$partial$chunk"
      break
    fi
  fi
  now=${EPOCHREALTIME/./}
  if [ $timed_out = 0 ] && { [ "$now" -gt "$deadline" ] || { [ $stop_at != 0 ] && [ "$now" -gt $stop_at ]; }; }; then
    [ "$now" -gt "$deadline" ] && timed_out=1
    [ $stop_at != 0 ] && timed_out=2
    kill "$qpid" 2>/dev/null
  fi
done
wait "$qpid"; status=$?
qpid=
exec 3<&-
stamp_now; at[exit]=$stamp
printf "[%8s] QEMU-EXIT status=%d\n" "$stamp" "$status" >>"$log"
printf 'boot-dom0: [%8s s] QEMU exited, status %d\n' "$stamp" "$status"

# ---- verdict
why=()
[ $timed_out = 1 ] && why+=("timed out after $timeout_s s")
[ -n "$fatal" ] && why+=("fatal: ${fatal:0:120}")
[ -z "${at[init]:-}" ] && why+=("dom0 never reached /init (no PVISOR-INIT-REACHED)")
if [ "$mode" = full ]; then
  if [ -z "$result" ]; then
    why+=("no PVISOR-RESULT line: the workload did not finish")
  elif [[ ! $result =~ ^[1-9][0-9]*\ passed,\ 0\ failed ]]; then
    why+=("workload checks failed: $result")
  fi
  if [ -n "$timer_start" ] && [ -n "$timer_end" ]; then
    d=$((timer_end - timer_start))
    printf -v host_sleep '%d.%03d' $((d / 1000000)) $((d % 1000000 / 1000))
    echo "boot-dom0: guest 'sleep 1' took $host_sleep s on the host clock"
    { [ $d -lt 900000 ] || [ $d -gt 3000000 ]; } && why+=("guest 'sleep 1' took $host_sleep s of host time (want 0.9 to 3)")
  elif [ -n "$result" ]; then
    why+=("no PVISOR-TIMER-START/END pair")
  fi
fi
[ -z "${at[poweroff]:-}" ] && why+=("no 'reboot: Power down' (or 'System halted') from dom0")
[ $timed_out = 0 ] && [ "$status" != "$expect_status" ] && why+=("QEMU exit status $status, want $expect_status")
if [ "$hv" = pvisor ] && [ -n "$hv_warn" ]; then
  if [ $allow_warn = 1 ]; then
    echo "boot-dom0: $nr_hv_warn unexpected hypervisor line(s) (allowed), first: $hv_warn"
  else
    why+=("$nr_hv_warn unexpected hypervisor line(s) (see $(basename "$allow_file")), first: ${hv_warn:0:120}")
  fi
fi
[ "$hv" = pvisor ] && [ $hv_allowed_n != 0 ] && echo "boot-dom0: $hv_allowed_n expected hypervisor line(s) (allow file)"

echo "BOOT-FIGURES hv=$hv cpu=$cpu vcpus=${vcpus:-1} mode=$mode banner=${at[banner]:-n/a} kernel=${at[kernel]:-n/a} init=${at[init]:-n/a} result=${at[result]:-n/a} poweroff=${at[poweroff]:-n/a} exit=${at[exit]} status=$status"
if [ ${#why[@]} -eq 0 ]; then
  echo "boot-dom0: PASS ($hv, -cpu $cpu, $mode: /init at ${at[init]} s, power-off at ${at[poweroff]} s${result:+, $result})"
  exit 0
fi
echo "boot-dom0: FAIL ($hv, -cpu $cpu, $mode): $(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')"
echo "---- last 40 lines of $log (guest kernel addresses annotated {symbol+offset})"
tail -n 40 "$log" >"$tmp/tail"
PVISOR_KSYMS_CACHE=${PVISOR_KSYMS_CACHE:-$BUILD/linux/kallsyms-cache} \
  "$ROOT/tools/kallsyms/symbolize" "$kernel" - <"$tmp/tail" 2>/dev/null || cat "$tmp/tail"
exit 1
