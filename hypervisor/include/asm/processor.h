/* Thin wrappers around privileged x86 instructions. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H
#include <pvisor/types.h>

struct cpuid_regs { u32 eax, ebx, ecx, edx; };

static inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
    __asm__ __volatile__("cpuid" : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
                         : "a"(leaf), "c"(sub));
}
static inline void cpuid(u32 leaf, struct cpuid_regs *r) { cpuid_count(leaf, 0, r); }

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ __volatile__("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
/* rdmsr that survives a #GP (the exception-table fixup returns -1). */
int rdmsr_safe(u32 msr, u64 *val);
int wrmsr_safe(u32 msr, u64 val);

static inline u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}
static inline u64 rdtsc_ordered(void)
{
    u32 lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((u64)hi << 32) | lo;
}

#define DEFINE_CR(n) \
    static inline unsigned long read_cr##n(void) { unsigned long v; __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(unsigned long v) { __asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void local_irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void local_irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline unsigned long local_save_flags(void)
{
    unsigned long f;
    __asm__ __volatile__("pushf; pop %0" : "=r"(f) :: "memory");
    return f;
}
static inline unsigned long local_irq_save(void)
{
    unsigned long f = local_save_flags();
    local_irq_disable();
    return f;
}
static inline void local_irq_restore(unsigned long f)
{
    if (f & 0x200)
        local_irq_enable();
}
static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void halt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void safe_halt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
static inline void invlpg(unsigned long va) { __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void flush_tlb_local(void) { write_cr3(read_cr3()); }
static inline void wbinvd(void) { __asm__ __volatile__("wbinvd" ::: "memory"); }

static inline void __noreturn_halt(void) { for (;;) { local_irq_disable(); halt(); } }

#endif
