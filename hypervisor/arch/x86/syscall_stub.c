/*
 * Per-CPU SYSCALL entry stubs. SYSCALL does not switch stacks, and the
 * guest owns both GS bases, so each CPU's LSTAR points at its own little
 * stub with that CPU's stack address baked in (Xen does the same):
 *
 *   movabs %rax, scratch        ; free a register
 *   mov    %rsp, %rax           ; guest rsp
 *   movabs $frame_top, %rsp     ; = TSS.rsp0: the top of cpu_info->guest_regs
 *   push   $ss ; push %rax ; push %r11 ; push $cs ; push %rcx   (an iret frame)
 *   movabs scratch, %rax
 *   jmp    syscall_common
 */
#include <pvisor/smp.h>
#include <pvisor/printk.h>
#include <asm/cpu_info.h>
#include <asm/debug_trap.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <string.h>

#define STUB_SIZE 64

/* In the image (mapped executable on every CPU and in every guest L4); filled
 * in at boot, which the image mapping allows. The "#" ends the section flags
 * GCC would add (writable data), which the assembler rejects for .text.*. */
static u8 syscall_stubs[CONFIG_NR_CPUS][2][STUB_SIZE]
    __attribute__((section(".text.stubs, \"ax\", @progbits #"), aligned(64)));

extern char syscall_common[];

static u8 *emit(u8 *p, const void *bytes, size_t n)
{
    memcpy(p, bytes, n);
    return p + n;
}

static u8 *emit64(u8 *p, u64 v)
{
    return emit(p, &v, 8);
}

static void write_stub(u8 *p, struct cpu_info *ci, u16 cs)
{
    u64 scratch = (u64)(unsigned long)&ci->spare[0];
    u64 top = (u64)(unsigned long)&ci->guest_regs + CPU_REGS_SIZE;
    u8 *start = p;

    p = emit(p, "\x48\xa3", 2);                 /* movabs %rax, moffs64 */
    p = emit64(p, scratch);
    p = emit(p, "\x48\x89\xe0", 3);             /* mov %rsp, %rax */
    p = emit(p, "\x48\xbc", 2);                 /* movabs $imm64, %rsp */
    p = emit64(p, top);
    p = emit(p, "\x68", 1);                     /* push $imm32 (ss) */
    u32 ss = HV_DS32_R3;
    p = emit(p, &ss, 4);
    p = emit(p, "\x50", 1);                     /* push %rax (rsp) */
    p = emit(p, "\x41\x53", 2);                 /* push %r11 (rflags) */
    p = emit(p, "\x68", 1);                     /* push $imm32 (cs) */
    u32 cs32 = cs;
    p = emit(p, &cs32, 4);
    p = emit(p, "\x51", 1);                     /* push %rcx (rip) */
    p = emit(p, "\x48\xa1", 2);                 /* movabs moffs64, %rax */
    p = emit64(p, scratch);
    p = emit(p, "\xe9", 1);                     /* jmp rel32 */
    s32 rel = (s32)((long)syscall_common - (long)(p + 4));
    p = emit(p, &rel, 4);
    BUG_ON(p - start > STUB_SIZE);
}

bool is_syscall_stub(unsigned long rip)
{
    unsigned long s = (unsigned long)syscall_stubs;

    return rip >= s && rip < s + sizeof(syscall_stubs);
}

void syscall_init_cpu(unsigned int cpu, void *stack_base)
{
    struct cpu_info *ci = stack_cpu_info(stack_base);

    write_stub(syscall_stubs[cpu][0], ci, HV_CS64_R3);
    write_stub(syscall_stubs[cpu][1], ci, HV_CS32_R3);
    /* SYSCALL: CS=0xe008 SS=0xe010; SYSRET base 0xe023 -> CS 0xe033, SS 0xe02b. */
    wrmsr(MSR_STAR, ((u64)(HV_CS32_R3 & ~3) << 48) | ((u64)HV_CS << 32));
    wrmsr(MSR_LSTAR, (u64)(unsigned long)syscall_stubs[cpu][0]);
    wrmsr(MSR_CSTAR, (u64)(unsigned long)syscall_stubs[cpu][1]);
    /* Entered with these flags clear: no interrupts until we choose. */
    wrmsr(MSR_FMASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_AC |
                     X86_EFLAGS_NT | X86_EFLAGS_IOPL);
    /* SYSENTER is not a PV entry point: make it fault. */
    wrmsr(MSR_SYSENTER_CS, 0);
}
