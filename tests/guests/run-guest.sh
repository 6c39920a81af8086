#!/bin/bash
# run-guest.sh --hv xen|pvisor [options] GUEST.elf [guest args...]
#
# Boots a PV test kernel as dom0 under QEMU (TCG) on Debian's Xen 4.17 or on
# pvisor, prints the serial log, and exits 0 when the guest's RESULT line
# says 0 failed (and, on pvisor, the QEMU exit status agrees: isa-debug-exit
# gives (code << 1) | 1, so 1 for a clean poweroff).
#
# Options:
#   --cpu MODEL      QEMU CPU model (default qemu64,+smep: Xen's PV dom0 dies
#                    under plain -cpu max on QEMU 7.2)
#   --smp N          host CPUs (default 1)
#   --vcpus N        dom0's vCPUs (dom0_max_vcpus=N on both hypervisors,
#                    default 1; any of Xen's forms, N-M, N-, -M; "default"
#                    gives none: one vCPU per host CPU); more vCPUs than
#                    --smp host CPUs is fine
#   --mem MB         machine memory (default 512); dom0 gets --dom0-mem
#   --dom0-mem MB    dom0 memory (default 64)
#   --initrd FILE    second module (the guest's initrd)
#   --domus K1,K2..  for a builder kernel: the test kernels it creates as
#                    domUs (build/tests/guests/K.elf), packed into a cpio
#                    (newc) archive that becomes the initrd.  Xen hands dom0
#                    only its kernel and one initrd module, so the pack is
#                    the one way both hypervisors give dom0 several images.
#   --timeout S      hard limit for the whole boot (default 60)
#   --log FILE       keep the serial log there (default: a temporary file)
#   --hv-args "..."  extra hypervisor command-line words
#   --qemu-args "..." extra QEMU options (e.g. "-icount shift=0")
#   --quiet          print only the CHECK/RESULT/PANIC lines and the summary
#   --expect-exit N  pvisor only: the QEMU exit status a passing run ends
#                    with (default 1 = poweroff; (reason << 1) | 1)
# The last line printed is always
#   run-guest: hv=H guest=G result=ok|fail|none qemu_exit=N end=self|killed|timeout
# where end=self means QEMU exited on its own (poweroff / reboot with
# -no-reboot), killed means we stopped it after the RESULT line (Xen halts
# the machine on dom0 poweroff), timeout means nothing ended the boot.
set -u

die() { echo "run-guest: $*" >&2; exit 2; }

hv= cpu="qemu64,+smep" smp=1 vcpus=1 mem=512 dom0_mem=64 initrd= domus= timeout_s=60 log= hv_args= qemu_args= quiet=0
expect_exit=1
while [ $# -gt 0 ]; do
	case $1 in
	--hv) hv=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--vcpus) vcpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--dom0-mem) dom0_mem=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--domus) domus=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--hv-args) hv_args=$2; shift 2 ;;
	--qemu-args) qemu_args=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--expect-exit) expect_exit=$2; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see the header of $0)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "usage: run-guest.sh --hv xen|pvisor [options] GUEST.elf [guest args]"
guest=$1; shift
guest_args="$*"
[ -f "$guest" ] || die "guest kernel $guest not found (build it: make guests)"
[ -z "$initrd" ] || [ -f "$initrd" ] || die "initrd $initrd not found"
[ -z "$initrd" ] || [ -z "$domus" ] || die "--initrd and --domus both name the second module"
case $guest_args$guest$initrd in *,*) die "QEMU splits -initrd on commas: no commas in guest path, args or initrd" ;; esac

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${PVISOR_BUILD:-$root/build}
name=$(basename "$guest" .elf)

case $hv in
xen)
	kernel=$("$root/tests/guests/xen-image.sh") || exit 77
	append="console=com1 com1=115200 dom0_mem=${dom0_mem}M,max:${dom0_mem}M noreboot loglvl=all guest_loglvl=all $hv_args"
	;;
pvisor)
	kernel=$build/pvisor.elf
	[ -f "$kernel" ] || die "$kernel not found (build it: make)"
	append="console=com1 com1=115200 loglvl=all dom0_mem=${dom0_mem}M $hv_args"
	;;
*) die "--hv must be xen or pvisor" ;;
esac
[ "$vcpus" = default ] || append="$append dom0_max_vcpus=$vcpus"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-guest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "$domus" ]; then
	mkdir "$tmp/domus"
	for k in ${domus//,/ }; do
		[ -f "$build/tests/guests/$k.elf" ] || die "domU kernel $build/tests/guests/$k.elf not found (make guests)"
		cp "$build/tests/guests/$k.elf" "$tmp/domus/"
	done
	(cd "$tmp/domus" && ls | cpio --quiet -o -H newc >"$tmp/domus.cpio") || die "cannot pack the domU kernels"
	initrd=$tmp/domus.cpio
fi
modules="$guest${guest_args:+ $guest_args}"
[ -n "$initrd" ] && modules="$modules,$initrd"
[ -n "$log" ] || log=$tmp/serial.log
: >"$log"

timeout --kill-after=5 "$timeout_s" qemu-system-x86_64 \
	-machine pc -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nographic -no-reboot -monitor none -serial "file:$log" -net none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 $qemu_args \
	-kernel "$kernel" -append "$append" -initrd "$modules" \
	</dev/null >"$tmp/qemu.out" 2>&1 &
qpid=$!

# Wait for QEMU to end, or for the guest's RESULT line; then give the
# hypervisor 5 s to power off by itself before stopping QEMU (pvisor
# normally ends within milliseconds; 1.5 s was too short on a loaded host
# under -icount, where the churn's final power-off was cut off).
end=self
seen=
xen_done='^(XEN) Hardware Dom0 halted\|^(XEN) Hardware Dom0 crashed\|'"'"'noreboot'"'"' set'
while kill -0 "$qpid" 2>/dev/null; do
	if [ -z "$seen" ] && grep -aq '^RESULT \|^PANIC ' "$log" 2>/dev/null; then
		seen=$(date +%s%N)
	fi
	# Xen halts the machine (poweroff, crash with noreboot) after its
	# "Hardware Dom0 ..." line; reboots end QEMU by themselves.  A guest
	# that died before its RESULT line ends the same way.
	if grep -aq "$xen_done" "$log" 2>/dev/null ||
	   { [ -n "$seen" ] && [ $(( ($(date +%s%N) - seen) / 1000000 )) -gt 5000 ] &&
	     ! grep -aq '^(XEN) .*reboot' "$log"; }; then
		sleep 0.2
		end=killed
		kill "$qpid" 2>/dev/null
		break
	fi
	sleep 0.05
done
wait "$qpid"
qexit=$?
[ "$end" = self ] && [ "$qexit" -eq 124 -o "$qexit" -eq 137 ] && end=timeout

if [ "$quiet" = 1 ]; then
	grep -a '^CHECK \|^RESULT \|^PANIC ' "$log" | tr -d '\r'
else
	tr -d '\r' <"$log"
	[ -s "$tmp/qemu.out" ] && sed 's/^/qemu: /' "$tmp/qemu.out"
fi

result=none
rline=$(grep -a "^RESULT $name: " "$log" | tr -d '\r' | tail -n1)
if [ -n "$rline" ]; then
	case $rline in
	*" 0 failed") result=ok ;;
	*) result=fail ;;
	esac
fi
grep -aq "^PANIC " "$log" && result=fail
# On pvisor the guest's shutdown code is the QEMU exit status.
if [ "$hv" = pvisor ] && [ "$result" = ok ] && [ "$qexit" -ne "$expect_exit" ]; then
	result=fail
fi
echo "run-guest: hv=$hv guest=$name result=$result qemu_exit=$qexit end=$end"
[ "$result" = ok ]
