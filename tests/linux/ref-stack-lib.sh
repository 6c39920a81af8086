# Sourced by the host-side scripts (system tests, benchmarks) that boot the
# reference stack's dom0 (../shared/reference/xen-stack: Debian's Xen 4.17,
# Linux 6.1 dom0 and domU, xl) on Xen 4.17 and on pvisor under one QEMU
# command line: the reference images (built once per work directory, copied
# out under one lock), the dom0 initramfs with the script's /init, the boot,
# the serial log and the verdict. The dom0 side is ref-dom0-bringup.sh.
# Needs ROOT (the source tree); ref_start sets T, the script's directory.
BUILD=${PVISOR_BUILD:-$ROOT/build}
REF=${PVISOR_XL_REF:-$ROOT/../shared/reference/xen-stack}
[ -x "$REF/build.sh" ] || REF=/work/shared/reference/xen-stack
# one work directory for every user: build.sh starts with rm -rf of its
# unpacked trees, so it runs only under the lock and only when it must
export XA_WORK=${PVISOR_XL_WORK:-/tmp/pvisor-xl-stack}
SKIP=77
REF_HV_ARGS="console=com1 com1=115200 dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
fail=0
bad() { echo "FAIL $*"; fail=1; }
ok() { echo "ok   $*"; }

# ref_start NAME [--hv xen|pvisor|both]: T (PVISOR_TEST_TMP, or a new
# directory), HVS (default both), REF_IMG the script's copy of the images
ref_start() {
	REF_NAME=$1
	T=${PVISOR_TEST_TMP:-$(mktemp -d "/tmp/pvtest-$1.XXXXXX")}
	REF_IMG=$T/ref-img
	HVS="xen pvisor"
	[ "${2:-}" = --hv ] && HVS=$3
	[ "$HVS" = both ] && HVS="xen pvisor"
	return 0
}

# ref_need [built FILE...] [host COMMAND...]: skip (77) without the
# reference stack, QEMU or a host COMMAND; fail without a FILE of the build
ref_need() {
	local kind=built w
	[ -x "$REF/build.sh" ] || { echo "skip: no reference stack (shared/reference/xen-stack)"; exit $SKIP; }
	command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64"; exit $SKIP; }
	for w; do
		case $kind:$w in
		*:built|*:host) kind=$w ;;
		built:*) [ -e "$BUILD/$w" ] || { echo "FAIL: $BUILD/$w not built (make)"; exit 1; } ;;
		host:*) command -v "$w" >/dev/null || { echo "skip: no $w on the host"; exit $SKIP; } ;;
		esac
	done
}

# ref_images PATH...: each PATH of the reference build (relative to XA_WORK,
# globs allowed: out/xen.elf, x/ird-guest, ...) copied to $REF_IMG/PATH.
# The build runs first when a PATH is missing or the reference tree
# (build.sh, files/) is not the one it was built from; the copies are taken
# under the same lock, so that no later build changes them.
ref_images() {
	local p stamp
	stamp=$(cat "$REF/build.sh" "$REF"/files/* | md5sum | cut -d' ' -f1)
	mkdir -p "$REF_IMG" "$XA_WORK"
	exec 9>"$XA_WORK.lock"
	flock 9
	if [ "$(cat "$XA_WORK/ref-stamp" 2>/dev/null)" != "$stamp" ] ||
	   ! (cd "$XA_WORK" && for p; do ls -d $p >/dev/null 2>&1 || exit 1; done); then
		rm -rf "$T/ref" "$XA_WORK/ref-stamp"
		cp -r "$REF" "$T/ref" && chmod -R u+w "$T/ref"
		if ! "$T/ref/build.sh" >"$T/build.log" 2>&1; then
			exec 9>&-
			tail -20 "$T/build.log"; echo "FAIL: building the reference stack images"; return 1
		fi
		echo "$stamp" >"$XA_WORK/ref-stamp"
	fi
	for p; do
		(cd "$XA_WORK" && cp -a --parents $p "$REF_IMG/") ||
			{ exec 9>&-; echo "FAIL: copying the reference images ($p)"; return 1; }
	done
	exec 9>&-
	for p; do
		case $p in
		*.gz) gzip -t "$REF_IMG/$p" || { echo "FAIL: $XA_WORK/$p is not whole"; return 1; } ;;
		esac
	done
}

# ref_cpio DIR: DIR as a gzipped newc archive on stdout, owned by root
ref_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -1)
}

# ref_dom0_init DIR INIT: INIT as DIR/init, with the bring-up it sources
ref_dom0_init() {
	install -D -m 755 "$2" "$1/init" &&
		install -D -m 644 "$ROOT/tests/linux/ref-dom0-bringup.sh" "$1/etc/ref-dom0-bringup.sh"
}

# ref_appended OUT BASE DIR: BASE (a gzipped initramfs) with DIR appended:
# the kernel unpacks both, DIR's files over BASE's (its /init too)
ref_appended() {
	{ cat "$2" && ref_cpio "$3"; } >"$1"
}

# ref_boot [--hv-args A] [--dom0-kernel F] [--dom0-args A] [--qemu-args A]
#          NAME HV SECONDS INITRD
# One boot of HV (xen: the reference's Xen 4.17, pvisor: $BUILD/pvisor.elf)
# with the reference dom0 kernel (or F) and INITRD, stopped after SECONDS;
# prints QEMU's exit status and the time, leaves the serial log without
# carriage returns in $T/NAME.txt (REF_RC, REF_SECONDS: the same figures).
ref_boot() {
	local hv_args= kernel=$REF_IMG/out/vmlinuz-dom0 dom0_args=console=hvc0 qemu_args= elf t0=$SECONDS
	while :; do
		case $1 in
		--hv-args) hv_args=${2:+ $2} ;;
		--dom0-kernel) kernel=$2 ;;
		--dom0-args) dom0_args=$2 ;;
		--qemu-args) qemu_args=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	case $2 in
	xen) elf=$REF_IMG/out/xen.elf ;;
	pvisor) elf=$BUILD/pvisor.elf ;;
	*) echo "FAIL: no hypervisor '$2' (xen or pvisor)"; return 1 ;;
	esac
	[ -f "$elf" ] || { echo "FAIL: $elf not built (make)"; return 1; }
	timeout "$3" qemu-system-x86_64 -cpu qemu64,+smep,+rdrand -smp 1 -m 2048 $qemu_args \
		-nographic -no-reboot -nic none -monitor none -serial "file:$T/$1.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$elf" -append "$REF_HV_ARGS$hv_args" \
		-initrd "$kernel $dom0_args,$4" </dev/null >/dev/null 2>&1
	REF_RC=$? REF_SECONDS=$((SECONDS - t0))
	echo "$1: QEMU exit $REF_RC after $REF_SECONDS s"
	tr -d '\r' <"$T/$1.log" >"$T/$1.txt"
}

# The dom0 scripts frame each step's output: PFX-BEGIN NAME, its lines,
# PFX-END NAME rc=STATUS [...].
# ref_section LOG PFX NAME: a step's lines, the hypervisor's and the kernel's aside
ref_section() {
	awk -v b="$2-BEGIN $3" -v e="$2-END $3 " '$0 == b {on = 1; next} on && index($0, e) == 1 {exit} on' "$1" |
		grep -av '^(XEN)\|^(PV)\|^\[ *[0-9]*\.[0-9]*\]'
}
# ref_rc LOG PFX NAME: a step's exit status
ref_rc() { grep -a "^$2-END $3 rc=" "$1" | tail -1 | sed 's/^[^ ]* [^ ]* rc=\([^ ]*\).*/\1/'; }

# ref_repeats LOG [EXPECTED]: pvisor's own lines printed 3 or more times
# once dom0 runs, numbers aside (a log line that repeats in a test boot is
# a bug unless the test provokes it: EXPECTED, an awk regex); not the boot
# listing that steps named dmesg* print again, nor perfc/profile dumps
ref_repeats() {
	local rep
	rep=$(awk -v x="${2:-^$}" '/^\(PV\) dom0: command line/ {on = 1; next}
		/^[A-Z0-9]+-BEGIN dmesg/ {skip = 1} /^[A-Z0-9]+-END dmesg/ {skip = 0; next}
		on && !skip && /^\(PV\)/ && !/^\(PV\) (perfc|profile):/ && $0 !~ x' "$1" |
		sed 's/[0-9a-fx]\{4,\}/N/g' | sort | uniq -c | awk '$1 >= 3' | sort -rn | head -5)
	[ -z "$rep" ] || { echo "pvisor log lines that repeat:"; echo "$rep"; bad "pvisor: repeated hypervisor log lines"; }
}

# ref_verdict [LOGS]: the summary line, and the script's exit status
ref_verdict() {
	if [ $fail = 0 ]; then
		echo "$REF_NAME: 1 passed, 0 failed"
	else
		echo "$REF_NAME: 0 passed, 1 failed (logs: ${1:-$T/*.txt})"
	fi
	exit $fail
}
