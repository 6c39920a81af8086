/*
 * Descriptor tables: each CPU's GDT reserved page (Xen's layout, see
 * asm/desc.h), its TSS with IST stacks for #DF, NMI, #MC and #DB, and the IDT
 * shared by all CPUs with a gate for every vector.
 */
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <asm/desc.h>
#include <asm/traps.h>
#include <asm/page.h>
#include <string.h>

struct tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS size");

struct idt_gate {
    u16 off_lo, sel;
    u8 ist, type_attr;
    u16 off_mid;
    u32 off_hi, zero;
} __attribute__((packed));

struct desc_ptr {
    u16 limit;
    u64 base;
} __attribute__((packed));

#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3
#define IST_DB  4

extern char trap_stubs[];

static struct idt_gate idt[256] __aligned(16);
static u64 gdt_pages[CONFIG_NR_CPUS][512] __aligned(4096);
static struct tss64 tss[CONFIG_NR_CPUS] __aligned(128);

static void set_gate(unsigned vec, unsigned ist, unsigned dpl)
{
    unsigned long addr = (unsigned long)trap_stubs + vec * 16;
    struct idt_gate *g = &idt[vec];

    g->off_lo = addr & 0xffff;
    g->sel = HV_CS;
    g->ist = ist;
    g->type_attr = 0x8e | (dpl << 5);   /* present, 64-bit interrupt gate */
    g->off_mid = (addr >> 16) & 0xffff;
    g->off_hi = addr >> 32;
    g->zero = 0;
}

void trap_init_bsp(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, 0, 0);
    /* A guest's int3/into must reach its own handlers, as on Xen. */
    set_gate(TRAP_int3, 0, 3);
    set_gate(TRAP_overflow, 0, 3);
    set_gate(TRAP_double_fault, IST_DF, 0);
    set_gate(TRAP_nmi, IST_NMI, 0);
    set_gate(TRAP_machine_check, IST_MC, 0);
    /* A guest can hold a #DB back with MOV SS until the first instruction
     * of our SYSCALL stub, where RSP is still its own (XSA-260): #DB must
     * never be delivered on the interrupted stack. */
    set_gate(TRAP_debug, IST_DB, 0);
}

static void set_system_desc(u64 *gdt, unsigned sel, unsigned long base, u32 limit, u8 type)
{
    u64 *d = &gdt[GDT_ENTRY(sel)];

    d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((u64)type << 40) |
           (1ull << 47) | ((u64)((limit >> 16) & 0xf) << 48) | ((u64)((base >> 24) & 0xff) << 56);
    d[1] = base >> 32;
}

/* The per-CPU GDT page's address, as the GDTR base would have it. */
u64 *percpu_gdt_page(unsigned int cpu)
{
    return gdt_pages[cpu];
}

void trap_init_cpu(unsigned int cpu, void *stack_base)
{
    extern u64 boot_gdt[];
    u64 *gdt = gdt_pages[cpu];
    struct tss64 *t = &tss[cpu];
    char *stk = stack_base;
    struct desc_ptr gdtr, idtr;

    memcpy(gdt, boot_gdt, NR_RESERVED_GDT_BYTES);
    memset(t, 0, sizeof(*t));
    t->rsp[0] = (unsigned long)&stack_cpu_info(stack_base)->guest_regs + CPU_REGS_SIZE;
    t->ist[IST_DF - 1] = (unsigned long)stk + (IST_DF_PAGE + 1) * PAGE_SIZE;
    t->ist[IST_NMI - 1] = (unsigned long)stk + (IST_NMI_PAGE + 1) * PAGE_SIZE;
    t->ist[IST_MC - 1] = (unsigned long)stk + (IST_MC_PAGE + 1) * PAGE_SIZE;
    t->ist[IST_DB - 1] = (unsigned long)stk + (IST_DB_PAGE + 1) * PAGE_SIZE;
    t->iomap_base = sizeof(*t);          /* no I/O bitmap: ring 3 port I/O faults */
    set_system_desc(gdt, TSS_SELECTOR, (unsigned long)t, sizeof(*t) - 1, 0x9);
    /* The per-CPU selector's limit carries the CPU number (as Xen's, for rdtscp-less lookups). */
    gdt[GDT_ENTRY(PER_CPU_SELECTOR)] = 0x0000f50000000000ull | (cpu & 0xffff);

    gdtr.limit = LAST_RESERVED_GDT_BYTE;
    gdtr.base = (unsigned long)gdt - FIRST_RESERVED_GDT_BYTE;
    __asm__ __volatile__("lgdt %0" :: "m"(gdtr));
    __asm__ __volatile__(
        "mov %0, %%ds\n mov %0, %%es\n mov %0, %%ss\n"
        "xor %%eax, %%eax\n mov %%eax, %%fs\n mov %%eax, %%gs\n"
        "pushq %1\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
        :: "r"(HV_DS), "i"(HV_CS) : "rax", "memory");
    __asm__ __volatile__("ltr %w0" :: "r"(TSS_SELECTOR));
    __asm__ __volatile__("lldt %w0" :: "r"(0));
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (unsigned long)idt;
    __asm__ __volatile__("lidt %0" :: "m"(idtr));
}
