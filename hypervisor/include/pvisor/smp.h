/* Physical CPUs: bring-up and cross-CPU calls. */
#ifndef PVISOR_SMP_H
#define PVISOR_SMP_H
#include <pvisor/types.h>
#include <asm/cpu_info.h>

extern unsigned int nr_cpus_online;
extern unsigned int nr_cpus_possible;

void smp_boot_cpus(void);
void smp_stop_other_cpus(void);
/* Run fn(arg) on every other online CPU and wait for completion. */
void smp_call_function(void (*fn)(void *), void *arg, bool wait);
/* The same on the CPUs of mask (bit n: CPU n) other than this one. */
void smp_call_function_mask(u64 mask, void (*fn)(void *), void *arg, bool wait);
void smp_send_ipi(unsigned int cpu, u8 vector);
u32 cpu_apic_id(unsigned int cpu);
void syscall_init_cpu(unsigned int cpu, void *stack_base);
#endif
