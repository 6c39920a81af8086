#!/bin/sh
# timeout: 120
# Boot build/pvisor.elf through QEMU's multiboot1 loader (-kernel) under
# qemu64 and max, with 1 and 2 CPUs: banner, memory map, self-checks, timer,
# clean power-off (status 0 -> QEMU exit (0<<1)|1 = 1).
. "$(dirname "$0")/../../lib/qemu.sh"

for cpu in qemu64 max; do
  for smp in 1 2; do
    pv_boot "mb1-$cpu-smp$smp" -m 256 -cpu $cpu -smp $smp -kernel "$HV" \
      -append "console=com1 com1=115200"
    expect '^\(PV\) pvisor [0-9.]+ \(Xen 4.17 PV ABI\)' "banner ($cpu, $smp CPUs)"
    expect 'Boot loader: qemu \(multiboot1\)' "multiboot1 handover"
    expect 'Physical memory map \(multiboot1\)' "memory map header"
    expect '^\(PV\)  0000000000100000 - [0-9a-f]+ \(RAM\)' "RAM range above 1 MiB"
    expect 'Memory: 25[0-9] MiB RAM' "RAM total"
    expect 'selftest: page allocator OK' "allocator self-check"
    expect 'selftest: timer ticking: 10 ticks' "timer ticking"
    expect "CPUs: $([ $smp = 1 ] && echo '1 \(no other' || echo '2 online')" "$smp CPU(s) up"
    expect "selftest: $smp CPUs? answering" "all CPUs answer IPIs"
    expect 'Powering off \(status 0\)' "power-off line"
    expect_not 'fatal trap|Panic' "panic"
    expect_rc 1
    expect_within 5
  done
done
finish
