/*
 * Trap dispatch for the hypervisor itself: exception-table fixups for the
 * few instructions allowed to fault (MSR probes, guest-memory copies),
 * handlers for device and IPI vectors, and the fatal path that dumps the
 * machine state before stopping.
 */
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <pvisor/apic.h>
#include <pvisor/pv_traps.h>
#include <pvisor/pv_mm.h>
#include <asm/traps.h>
#include <asm/debug_trap.h>
#include <asm/processor.h>
#include <asm/layout.h>
#include <stdio.h>

static irq_handler_t vector_handlers[256];

static const char *const exception_names[TRAP_nr_exceptions] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bounds",
    "invalid opcode", "device not available", "double fault",
    "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection fault", "page fault", "reserved",
    "x87 FPU error", "alignment check", "machine check", "SIMD FP error",
    "virtualisation", "control protection",
};

void set_vector_handler(unsigned int vector, irq_handler_t fn)
{
    vector_handlers[vector & 0xff] = fn;
}

bool search_exception_table(struct cpu_regs *regs)
{
    extern const struct ex_entry __ex_table_start[], __ex_table_end[];

    for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
        unsigned long insn = (unsigned long)&e->insn + e->insn;
        unsigned long fixup = (unsigned long)&e->fixup + e->fixup;
        if (insn == regs->rip) {
            regs->rip = fixup;
            return true;
        }
    }
    return false;
}

int rdmsr_safe(u32 msr, u64 *val)
{
    u32 lo, hi;
    int rc = 0;

    __asm__ __volatile__("1: rdmsr\n2:\n"
                         ".pushsection .text.fixup, \"ax\"\n"
                         "3: xor %%eax, %%eax\n xor %%edx, %%edx\n mov $-1, %2\n jmp 2b\n"
                         ".popsection\n"
                         _ASM_EXTABLE(1b, 3b)
                         : "=a"(lo), "=d"(hi), "+r"(rc) : "c"(msr));
    *val = ((u64)hi << 32) | lo;
    return rc;
}

int wrmsr_safe(u32 msr, u64 val)
{
    int rc = 0;

    __asm__ __volatile__("1: wrmsr\n2:\n"
                         ".pushsection .text.fixup, \"ax\"\n"
                         "3: mov $-1, %0\n jmp 2b\n"
                         ".popsection\n"
                         _ASM_EXTABLE(1b, 3b)
                         : "+r"(rc) : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
    return rc;
}

void show_registers(const struct cpu_regs *r)
{
    printk("RIP:    %04lx:[<%016lx>]  RFLAGS: %016lx  CPL: %lu\n",
           (unsigned long)r->cs & 0xffff, (unsigned long)r->rip, (unsigned long)r->rflags,
           (unsigned long)(r->cs & 3));
    printk("rax: %016lx   rbx: %016lx   rcx: %016lx\n", (unsigned long)r->rax, (unsigned long)r->rbx, (unsigned long)r->rcx);
    printk("rdx: %016lx   rsi: %016lx   rdi: %016lx\n", (unsigned long)r->rdx, (unsigned long)r->rsi, (unsigned long)r->rdi);
    printk("rbp: %016lx   rsp: %016lx   r8:  %016lx\n", (unsigned long)r->rbp, (unsigned long)r->rsp, (unsigned long)r->r8);
    printk("r9:  %016lx   r10: %016lx   r11: %016lx\n", (unsigned long)r->r9, (unsigned long)r->r10, (unsigned long)r->r11);
    printk("r12: %016lx   r13: %016lx   r14: %016lx\n", (unsigned long)r->r12, (unsigned long)r->r13, (unsigned long)r->r14);
    printk("r15: %016lx   ss: %04lx\n", (unsigned long)r->r15, (unsigned long)r->ss & 0xffff);
    printk("cr0: %016lx   cr2: %016lx\n", read_cr0(), read_cr2());
    printk("cr3: %016lx   cr4: %016lx\n", read_cr3(), read_cr4());
}

struct pv_symbol { unsigned long addr, name; };
extern const unsigned long pv_symbol_count;
extern const struct pv_symbol pv_symbols[];
extern const char pv_symbol_names[];

/* Name the function containing addr: "func+0x1c", or "" if unknown. */
static void symbol_name(unsigned long addr, char *buf, size_t len)
{
    unsigned long lo = 0, hi = pv_symbol_count;

    buf[0] = 0;
    while (lo < hi) {                    /* last symbol with address <= addr */
        unsigned long mid = (lo + hi) / 2;
        if (pv_symbols[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return;
    const struct pv_symbol *s = &pv_symbols[lo - 1];
    snprintf(buf, len, " %s+%#lx", pv_symbol_names + s->name, addr - s->addr);
}

static void print_frame(unsigned long addr)
{
    char name[96];

    symbol_name(addr, name, sizeof(name));
    printk("  [<%016lx>]%s\n", addr, name);
}

/* Frame-pointer walk, trusting only addresses inside this CPU's stack block. */
void show_backtrace(unsigned long rbp, unsigned long rip)
{
    unsigned long lo = (unsigned long)get_cpu_info() + CPU_INFO_SIZE - STACK_SIZE;
    unsigned long hi = lo + STACK_SIZE;

    printk("Backtrace:\n");
    print_frame(rip);
    for (int depth = 0; depth < 32; depth++) {
        if (rbp < lo || rbp + 16 > hi || (rbp & 7))
            break;
        unsigned long ret = ((unsigned long *)rbp)[1];
        if (ret < PVISOR_VIRT_BASE || ret >= PVISOR_VIRT_BASE + PVISOR_IMAGE_MAX)
            break;
        print_frame(ret);
        unsigned long next = ((unsigned long *)rbp)[0];
        if (next <= rbp)
            break;
        rbp = next;
    }
}

void fatal_trap(const struct cpu_regs *regs, const char *why)
{
    unsigned v = regs->entry_vector;

    console_force_unlock();
    printk("\n----[ pvisor fatal trap on CPU %u ]----\n", smp_processor_id());
    printk("Vector %u (%s), error code %#x%s\n", v,
           v < TRAP_nr_exceptions && exception_names[v] ? exception_names[v] : "interrupt",
           regs->error_code, why ? why : "");
    if (v == TRAP_page_fault)
        printk("Faulting address (CR2): %016lx  [%s %s %s%s]\n", read_cr2(),
               regs->error_code & PFEC_present ? "protection" : "not-present",
               regs->error_code & PFEC_write ? "write" : "read",
               regs->error_code & PFEC_user ? "user" : "supervisor",
               regs->error_code & PFEC_insn ? " insn-fetch" : "");
    show_registers(regs);
    show_backtrace(regs->rbp, regs->rip);
    panic("fatal trap: vector %u (%s) at %016lx", v,
          v < TRAP_nr_exceptions && exception_names[v] ? exception_names[v] : "interrupt",
          (unsigned long)regs->rip);
}

void do_trap(struct cpu_regs *regs)
{
    unsigned v = regs->entry_vector;

    if (v >= TRAP_nr_exceptions) {
        if (vector_handlers[v])
            vector_handlers[v](regs);
        else if (v != VECTOR_SPURIOUS)
            printk(LOG_WARN "unexpected interrupt vector %#x on CPU %u\n", v, smp_processor_id());
        if (v != VECTOR_SPURIOUS)
            apic_eoi();
        return;
    }
    if (v == TRAP_debug && !(regs->cs & 3)) {
        debug_in_hypervisor(regs);
        return;
    }
    if (v == TRAP_nmi) {
        nmi_handler(regs);
        return;
    }
    if ((regs->cs & 3) && pv_handle_guest_trap(regs))
        return;
    if (!(regs->cs & 3)) {
        /* iretq or a selector load reaching an LDT page not mapped yet */
        if (v == TRAP_page_fault && pv_ldt_fault_hypervisor(read_cr2(), regs->error_code))
            return;
        get_cpu_info()->spare[1] = regs->error_code;   /* for fixups that report it */
        if (search_exception_table(regs))
            return;
    }
    fatal_trap(regs, NULL);
}
