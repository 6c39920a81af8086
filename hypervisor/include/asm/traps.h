/* Exception and interrupt vectors, IDT/TSS setup, and the trap dispatcher. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#define TRAP_divide_error   0
#define TRAP_debug          1
#define TRAP_nmi            2
#define TRAP_int3           3
#define TRAP_overflow       4
#define TRAP_bounds         5
#define TRAP_invalid_op     6
#define TRAP_no_device      7
#define TRAP_double_fault   8
#define TRAP_copro_seg      9
#define TRAP_invalid_tss    10
#define TRAP_no_segment     11
#define TRAP_stack_error    12
#define TRAP_gp_fault       13
#define TRAP_page_fault     14
#define TRAP_spurious_int   15
#define TRAP_copro_error    16
#define TRAP_alignment_check 17
#define TRAP_machine_check  18
#define TRAP_simd_error     19
#define TRAP_virtualisation 20
#define TRAP_control_prot   21
#define TRAP_nr_exceptions  32

/* Hypervisor interrupt vectors (device IRQs use 0x20..0xef). */
#define VECTOR_EVENT_CHECK  0xf0   /* IPI: re-check softirqs / events */
#define VECTOR_CALL_FUNC    0xf1   /* IPI: run smp_call_function work */
#define VECTOR_TIMER        0xfa   /* local APIC timer */
#define VECTOR_ERROR        0xfe   /* APIC error */
#define VECTOR_SPURIOUS     0xff

#define PFEC_present  (1u << 0)
#define PFEC_write    (1u << 1)
#define PFEC_user     (1u << 2)
#define PFEC_reserved (1u << 3)
#define PFEC_insn     (1u << 4)

#ifndef __ASSEMBLER__
#include <asm/cpu_info.h>
#include <pvisor/compiler.h>

void trap_init_bsp(void);
void trap_init_cpu(unsigned int cpu, void *stack_base);
void do_trap(struct cpu_regs *regs);
void __noreturn fatal_trap(const struct cpu_regs *regs, const char *why);
void show_registers(const struct cpu_regs *regs);
void show_backtrace(unsigned long rbp, unsigned long rip);

/* Handlers registered for device/IPI vectors. */
typedef void (*irq_handler_t)(struct cpu_regs *regs);
void set_vector_handler(unsigned int vector, irq_handler_t fn);

/* Exception-table fixups: a faulting instruction at `insn` resumes at `fixup`. */
struct ex_entry { long insn, fixup; };   /* both relative to the entry itself */
bool search_exception_table(struct cpu_regs *regs);

#define _ASM_EXTABLE(from, to) \
    ".pushsection .ex_table, \"a\"\n .balign 8\n .quad (" #from ") - .\n .quad (" #to ") - .\n .popsection\n"
#endif
#endif
