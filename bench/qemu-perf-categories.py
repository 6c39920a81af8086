#!/usr/bin/env python3
"""qemu-perf-categories.py: one flat perf profile of QEMU (the output of
`perf report --no-children --sort dso,sym --stdio -q --percent-limit 0`
on stdin) in the categories of docs/performance.md "Where QEMU's time
goes", then the largest items. QEMU's unexported functions (perf shows
their address) are named after the exported symbol before them, which
names their source file: "cputlb.c+" is static code of cputlb.c.
Usage: qemu-perf-categories.py [--top N] [--qemu PATH] < report"""
import bisect, re, signal, subprocess, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # report | head

QEMU = "/usr/bin/qemu-system-x86_64"
TOP = 25
args = sys.argv[1:]
while args:
    if args[0] == "--top":
        TOP = int(args[1]); args = args[2:]
    elif args[0] == "--qemu":
        QEMU = args[1]; args = args[2:]
    else:
        sys.exit(__doc__)

# exported text symbols, by address (QEMU is not PIE: perf's addresses are the ELF's)
addrs, names = [], []
for l in subprocess.run(["nm", "-D", "--defined-only", "-n", QEMU], capture_output=True, text=True).stdout.splitlines():
    f = l.split()
    if len(f) == 3 and f[1] in "tTwW":
        addrs.append(int(f[0], 16)); names.append(f[2])

# unexported functions of Debian's QEMU 7.2 (qemu-system-x86 1:7.2+dfsg-7+deb12u18),
# found by their callers and callees in its disassembly
KNOWN = [
    (0x7d7ef0, 0x7d8060, "tb_htable_lookup"),
    (0x7d8060, 0x7d80e0, "tb_lookup_cmp"),
    (0x7d82d0, 0x7d8550, "cpu_tb_exec"),
    (0x7d8586, 0x7d87c0, "helper_lookup_tb_ptr"),
    (0x6571f0, 0x6572c0, "x86 page-walk access (excp_helper.c)"),
    (0x6572c0, 0x658300, "x86 mmu_translate (get_physical_address)"),
    (0x7e21b0, 0x7e4e00, "cputlb.c static (probe_access_internal, tlb_fill, ld/st slow paths)"),
]

def near(a):
    for lo, hi, n in KNOWN:
        if lo <= a < hi:
            return n
    i = bisect.bisect_right(addrs, a) - 1
    return names[i] if i >= 0 else "?"

# which exported neighbour means which source file of QEMU 7.2 (the static
# functions perf cannot name sit between exported ones of the same file)
NEAR_FILE = [
    (r"^(helper_(le|be|ret)_(ld|st)|cpu_(ld|st)|probe_access|tlb_|tlb_plugin)", "cputlb.c+"),
    (r"^(tb_|page_collection|tcg_flush_jmp)", "translate-all.c+"),
    (r"^(cpu_exec|cpu_loop|cpu_handle)", "cpu-exec.c+"),
    (r"^x86_cpu_tlb_fill", "excp_helper.c+ (x86 page walk)"),
    (r"^(x86_(ld|st)[a-z]*_phys)", "helper.c+ (x86 phys access)"),
    (r"^(address_space_|flatview_|memory_region_)", "memory/physmem+"),
]
# categories, first match wins; NAME is the symbol or "file+ (near sym)"
CATS = [
    ("JIT code (translated guest code)", lambda d, s: d.startswith("[JIT]") or d in ("[unknown]", "//anon", "[anon]") or d.startswith("perf-")),
    ("host kernel (syscalls, page faults, IRQs)", lambda d, s: d.startswith("[kernel")),
    ("TB lookup (qht, tb_jmp_cache miss)", lambda d, s: re.match(r"^(qht_|tb_htable_lookup|tb_lookup|tb_cmp|helper_lookup_tb_ptr)", s)),
    ("tlb_flush (incl. jmp cache flush)", lambda d, s: re.match(r"^(tlb_flush|tcg_flush_jmp_cache|tlb_mmu_resize|tlb_flush_one)", s)),
    ("softmmu refill: x86 page walk (x86_cpu_tlb_fill, phys reads)", lambda d, s: re.match(r"^(x86_cpu_tlb_fill|x86 mmu_translate|x86 page-walk|excp_helper|x86_ld|x86_st|helper\.c)", s)),
    ("softmmu refill: tlb_set_page", lambda d, s: re.match(r"^tlb_set_page", s)),
    ("softmmu slow path (helper_*_mmu, probe_access, cputlb.c)", lambda d, s: re.match(r"^(helper_(le|be|ret)_(ld|st)|cpu_(ld|st)|probe_access|cputlb\.c|tlb_vaddr_to_host|get_page_addr_code)", s)),
    ("translation (tb_gen_code, tcg, translator)", lambda d, s: re.match(r"^(tb_gen_code|tcg_|translator_|gen_intermediate_code|tb_link_page|tb_htable_init|tcg-|translate-all\.c)", s) and "invalidate" not in s),
    ("TB invalidation (writes to code pages)", lambda d, s: re.match(r"^(tb_invalidate|tb_phys_invalidate|page_collection|tb_reset_jump|tlb_protect_code|tlb_unprotect_code|notdirty)", s)),
    ("cpu_exec loop, interrupts", lambda d, s: re.match(r"^(cpu_exec|cpu_loop|cpu_handle|x86_cpu_exec_interrupt|x86_cpu_do_interrupt|x86_cpu_pending|cpu-exec\.c)", s)),
    ("memory API (I/O dispatch, address_space_*)", lambda d, s: re.match(r"^(address_space_|flatview_|memory_region_|memory/|qemu_map_ram|prepare_mmio|io_readx|io_writex)", s)),
    ("devices (APIC, PIT, HPET, serial, ...)", lambda d, s: re.match(r"^(apic_|cpu_get_apic|cpu_set_apic|pit_|hpet_|serial_|pic_|ioapic_|kvm_apic|rtc_|cmos)", s)),
    ("timers, main loop, locks (qemu_clock, glib, mutex)", lambda d, s: re.match(r"^(qemu_clock|timerlist|timer_|qemu_mutex|qemu_cond|qemu_event|main_loop|aio_|qemu_bh|g_|icount|cpu_get_clock|qemu_mod_timer|qemu_notify|os_host|qemu_poll|qemu_cpu_kick|qatomic|rcu|call_rcu)", s) or "glib" in d or d.startswith("libpthread")),
    ("libc (memset/memcpy: TLB flushes clear tables with memset)", lambda d, s: d.startswith("libc")),
    ("other QEMU, unexported target/i386 code (helpers)", lambda d, s: d.startswith("qemu-system")),
    ("other", lambda d, s: True),
]

rows = []
for l in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\S.*?)\s+\[([.k])\]\s+(.*\S)", l)
    if not m:
        continue
    pct, dso, sym = float(m.group(1)), m.group(2).strip(), m.group(4)
    if dso.startswith("qemu-system") and sym.startswith("0x"):
        n = near(int(sym, 16))
        f = None if any(n == k[2] for k in KNOWN) else next((fn for rx, fn in NEAR_FILE if re.match(rx, n)), None)
        sym = f"{f} (near {n})" if f else n if any(n == k[2] for k in KNOWN) else f"near {n}"
    rows.append((pct, dso, sym))

tot = sum(r[0] for r in rows)
cats, items = {}, {}
for pct, dso, sym in rows:
    c = next(name for name, f in CATS if f(dso, sym))
    cats[c] = cats.get(c, 0) + pct
    key = "JIT code" if c.startswith("JIT") else f"{sym} [{dso.split()[0]}]"
    items[key] = items.get(key, 0) + pct
print(f"{'category':<62} {'%':>6}")
for name, _ in CATS:
    if name in cats:
        print(f"{name:<62} {100 * cats[name] / tot:6.1f}")
print(f"-- largest items")
for k, v in sorted(items.items(), key=lambda kv: -kv[1])[:TOP]:
    print(f"{k[:70]:<70} {100 * v / tot:6.1f}")
