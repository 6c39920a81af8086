/* Local APIC (xAPIC MMIO or x2APIC MSRs): IPIs, EOI, the one-shot timer. */
#ifndef PVISOR_APIC_H
#define PVISOR_APIC_H
#include <pvisor/types.h>

void apic_init_bsp(void);
void apic_setup_local(void);
void apic_eoi(void);
u32 apic_read_id(void);
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_nmi(u32 apic_id);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 page);
bool apic_ipi_idle(void);

/* The timer: counts per nanosecond scaled; fire once after `ns`. */
void apic_timer_calibrate(void);
void apic_timer_oneshot(u64 ns);
void apic_timer_stop(void);
extern u64 apic_timer_hz;
#endif
