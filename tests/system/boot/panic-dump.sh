#!/bin/sh
# timeout: 120
# debug_fault= (debug builds) makes the hypervisor fault on purpose: the
# panic path must print the vector, error code, registers, CR2/CR3 and a
# symbolic backtrace, then stop QEMU with status 255.
. "$(dirname "$0")/../../lib/qemu.sh"

grep -q '^CONFIG_DEBUG=y' "$ROOT/.config" 2>/dev/null || { echo "skip: not a CONFIG_DEBUG build"; exit 77; }

for kind in pf gp ud de; do
  pv_boot "fault-$kind" -m 128 -cpu qemu64 -smp 2 -kernel "$HV" -append "console=com1 debug_fault=$kind"
  case $kind in
    pf) vec='Vector 14 \(page fault\), error code 0x2'
        expect 'Faulting address \(CR2\): 000000000dead000  \[not-present write supervisor\]' "CR2 and decoded #PF error" ;;
    gp) vec='Vector 13 \(general protection fault\), error code 0x0' ;;
    ud) vec='Vector 6 \(invalid opcode\)' ;;
    de) vec='Vector 0 \(divide error\)' ;;
  esac
  expect "$vec" "vector and error code ($kind)"
  expect 'RIP:    e008:\[<ffff82d0[0-9a-f]+>\]' "RIP in the hypervisor image"
  expect 'rax: [0-9a-f]{16}   rbx: ' "general registers"
  expect 'r15: [0-9a-f]{16}   ss: e010' "r15 and ss"
  expect 'cr0: [0-9a-f]{16}   cr2: ' "cr0/cr2"
  expect 'cr3: [0-9a-f]{16}   cr4: ' "cr3/cr4"
  expect '\[<ffff82d0[0-9a-f]+>\] (debug_fault_maybe|fault_pf)\+0x' "backtrace names the faulting function"
  expect '\[<ffff82d0[0-9a-f]+>\] start_pvisor\+0x' "backtrace reaches start_pvisor"
  expect 'Panic on CPU 0' "panic banner"
  expect_rc 255
done
finish
