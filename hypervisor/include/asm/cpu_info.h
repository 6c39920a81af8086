/*
 * struct cpu_info sits at the top of every CPU's stack block, like Xen's:
 * the CPU finds its own per-CPU data by masking %rsp, so no segment base
 * has to be swapped on entry from a guest. The saved-register frame comes
 * first: TSS.rsp0 points just past guest_regs.ss, so an interrupt from ring 3
 * pushes its hardware frame exactly into guest_regs and the entry stub
 * completes it in place.
 */
#ifndef ASM_CPU_INFO_H
#define ASM_CPU_INFO_H

#include <asm/layout.h>

#define CPU_REGS_SIZE   168
#define CPU_INFO_TAIL   48
#define CPU_INFO_SIZE   (CPU_REGS_SIZE + CPU_INFO_TAIL)
#define CPU_INFO_RESERVE CPU_INFO_SIZE

/* Offsets of struct cpu_regs members, for assembly. */
#define REGS_r15    0
#define REGS_r14    8
#define REGS_r13    16
#define REGS_r12    24
#define REGS_rbp    32
#define REGS_rbx    40
#define REGS_r11    48
#define REGS_r10    56
#define REGS_r9     64
#define REGS_r8     72
#define REGS_rax    80
#define REGS_rcx    88
#define REGS_rdx    96
#define REGS_rsi    104
#define REGS_rdi    112
#define REGS_error_code   120
#define REGS_entry_vector 124
#define REGS_rip    128
#define REGS_cs     136
#define REGS_rflags 144
#define REGS_rsp    152
#define REGS_ss     160

#ifndef __ASSEMBLER__
#include <pvisor/types.h>

struct cpu_regs {
    u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    u64 rax, rcx, rdx, rsi, rdi;
    u32 error_code, entry_vector;
    u64 rip, cs, rflags, rsp, ss;    /* the hardware interrupt frame */
};
_Static_assert(sizeof(struct cpu_regs) == CPU_REGS_SIZE, "cpu_regs layout");
_Static_assert(__builtin_offsetof(struct cpu_regs, rip) == REGS_rip, "cpu_regs rip");
_Static_assert(__builtin_offsetof(struct cpu_regs, error_code) == REGS_error_code, "cpu_regs err");

struct vcpu;
struct percpu;

struct cpu_info {
    struct cpu_regs guest_regs;
    u32 cpu_id;
    u32 flags;
    struct vcpu *curr_vcpu;
    struct percpu *percpu;
    u64 spare[3];
};
_Static_assert(sizeof(struct cpu_info) == CPU_INFO_SIZE, "cpu_info layout");

static inline struct cpu_info *get_cpu_info(void)
{
    unsigned long sp;

    __asm__("mov %%rsp, %0" : "=r"(sp));
    return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1 - CPU_INFO_SIZE);
}

static inline struct cpu_info *stack_cpu_info(void *stack_base)
{
    return (struct cpu_info *)((char *)stack_base + STACK_SIZE - CPU_INFO_SIZE);
}

#define smp_processor_id() (get_cpu_info()->cpu_id)
#endif

#endif
