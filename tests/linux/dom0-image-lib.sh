# Sourced by the host-side tests of make dom0's image (tests/system/dom0/
# iso.sh, make-run.sh, tests/system/linux/pvctl-domu.sh): building it under
# the lock the Linux assets take, and a session on its shell (the banner,
# "dom0# ", poweroff) through a FIFO. Needs ROOT.
BUILD=${PVISOR_BUILD:-$ROOT/build}
SKIP=77

# image_make LOG WHAT TARGET...: make TARGETs (a fresh make, not a sub-make
# of the test runner's; serialised with the other tests that build);
# skip when Debian's packages cannot be fetched, else FAIL: WHAT
image_make() {
	local log=$1 what=$2
	shift 2
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL flock "$BUILD/.linux-assets.lock" \
		make -s --no-print-directory -C "$ROOT" O="$BUILD" "$@" >"$log" 2>&1 && return 0
	if grep -q "apt-get download\|cannot fetch\|cannot resolve" "$log"; then
		echo "skip: Debian packages cannot be fetched"; tail -3 "$log"; exit $SKIP
	fi
	echo "FAIL: $what"; tail -20 "$log"; exit 1
}

# shell_start OUT COMMAND...: COMMAND in the background in its own session,
# its stdin a FIFO held open on fd 4 (it never sees EOF), stdout and stderr
# in OUT; killed if the test exits first
shell_start() {
	SHELL_OUT=$1
	shift
	mkfifo "$SHELL_OUT.stdin"
	exec 4<>"$SHELL_OUT.stdin"
	: >"$SHELL_OUT"
	SHELL_T0=$SECONDS
	setsid "$@" <&4 >"$SHELL_OUT" 2>&1 &
	SHELL_PID=$!
	trap 'kill -- -$SHELL_PID 2>/dev/null' EXIT
}

# shell_lines: the output so far, without carriage returns
shell_lines() { tr -d '\r' <"$SHELL_OUT"; }

# shell_prompt SECONDS [WHERE]: until dom0's prompt shows, or FAIL and exit
shell_prompt() {
	while kill -0 $SHELL_PID 2>/dev/null && [ $((SECONDS - SHELL_T0)) -lt "$1" ]; do
		if shell_lines | grep -aq '^dom0# '; then
			echo "prompt after $((SECONDS - SHELL_T0)) s"
			return 0
		fi
		sleep 1
	done
	echo "FAIL: no dom0# prompt${2:+ $2} after $((SECONDS - SHELL_T0)) s"; shell_lines | tail -25; exit 1
}

# shell_poweroff WHAT: type poweroff; WHAT must end within 60 s (else FAIL
# and exit); SHELL_RC its exit status, SHELL_OFF_S how long it took
shell_poweroff() {
	local t1=$SECONDS
	printf 'poweroff\n' >&4
	while kill -0 $SHELL_PID 2>/dev/null && [ $((SECONDS - t1)) -lt 60 ]; do sleep 1; done
	if kill -0 $SHELL_PID 2>/dev/null; then
		echo "FAIL: $1 still running 60 s after poweroff"; shell_lines | tail -15; exit 1
	fi
	wait $SHELL_PID
	SHELL_RC=$? SHELL_OFF_S=$((SECONDS - t1))
	trap - EXIT
}
