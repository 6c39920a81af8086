/* Local APIC: xAPIC through MMIO, or x2APIC through MSRs when the firmware
 * left it enabled. */
#include <pvisor/apic.h>
#include <pvisor/acpi.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/time.h>
#include <pvisor/cpu.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/io.h>
#include <asm/traps.h>

#define APIC_ID       0x020
#define APIC_TPR      0x080
#define APIC_EOI      0x0b0
#define APIC_SVR      0x0f0
#define APIC_ESR      0x280
#define APIC_ICR_LO   0x300
#define APIC_ICR_HI   0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3e0

#define LVT_MASKED    (1u << 16)
#define ICR_BUSY      (1u << 12)
#define ICR_ASSERT    (1u << 14)
#define ICR_LEVEL     (1u << 15)
#define ICR_FIXED     0x000
#define ICR_NMI       0x400
#define ICR_INIT      0x500
#define ICR_STARTUP   0x600

static volatile u8 *apic_mmio;
static bool x2apic_mode;
u64 apic_timer_hz;
static u64 ticks_per_ns_32;            /* APIC ticks per ns, 32.32 fixed point */

static u32 apic_read(u32 reg)
{
    if (x2apic_mode)
        return (u32)rdmsr(0x800 + (reg >> 4));
    return mmio_read32(apic_mmio + reg);
}

static void apic_write(u32 reg, u32 v)
{
    if (x2apic_mode)
        wrmsr(0x800 + (reg >> 4), v);
    else
        mmio_write32(apic_mmio + reg, v);
}

void apic_init_bsp(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);
    u64 pa = acpi.have_madt && acpi.lapic_pa ? acpi.lapic_pa : (base & ~0xfffull);

    x2apic_mode = (base & (1u << 10)) != 0;
    if (!x2apic_mode)
        apic_mmio = ioremap(pa, PAGE_SIZE);
    /* The legacy PICs stay quiet: everything goes through the APIC. */
    outb(0xff, 0x21);
    outb(0xff, 0xa1);
    printk("Local APIC at %#llx (%s mode), BSP id %u\n", (unsigned long long)pa,
           x2apic_mode ? "x2APIC" : "xAPIC", apic_read_id());
}

void apic_setup_local(void)
{
    u64 base = rdmsr(MSR_APIC_BASE);

    if (!(base & (1u << 11)))
        wrmsr(MSR_APIC_BASE, base | (1u << 11));
    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    apic_write(APIC_LVT_LINT0, LVT_MASKED);
    apic_write(APIC_LVT_LINT1, 0x400);          /* NMI */
    apic_write(APIC_LVT_ERROR, VECTOR_ERROR);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_SVR, (1u << 8) | VECTOR_SPURIOUS);
    apic_write(APIC_TDCR, 0xb);                 /* divide by 1 */
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

u32 apic_read_id(void)
{
    u32 id = apic_read(APIC_ID);
    return x2apic_mode ? id : id >> 24;
}

bool apic_ipi_idle(void)
{
    return x2apic_mode || !(apic_read(APIC_ICR_LO) & ICR_BUSY);
}

static void send_icr(u32 apic_id, u32 lo)
{
    unsigned long flags = local_irq_save();

    if (x2apic_mode) {
        wrmsr(0x830, ((u64)apic_id << 32) | lo);
    } else {
        for (unsigned i = 0; i < 1000000 && !apic_ipi_idle(); i++)
            cpu_relax();
        apic_write(APIC_ICR_HI, apic_id << 24);
        apic_write(APIC_ICR_LO, lo);
    }
    local_irq_restore(flags);
}

void apic_send_ipi(u32 apic_id, u8 vector)
{
    send_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void apic_send_nmi(u32 apic_id)
{
    send_icr(apic_id, ICR_NMI | ICR_ASSERT);
}

void apic_send_init(u32 apic_id)
{
    send_icr(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    udelay(10);
    send_icr(apic_id, ICR_INIT | ICR_LEVEL);
}

void apic_send_sipi(u32 apic_id, u8 page)
{
    send_icr(apic_id, ICR_STARTUP | page);
}

/* Count APIC timer ticks over 10 ms of TSC time. */
void apic_timer_calibrate(void)
{
    u64 t0, t1, target = tsc_khz * 10;
    u32 c0, c1;

    apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    apic_write(APIC_TDCR, 0xb);
    apic_write(APIC_TMICT, 0xffffffff);
    t0 = rdtsc_ordered();
    c0 = apic_read(APIC_TMCCT);
    do {
        t1 = rdtsc_ordered();
    } while (t1 - t0 < target);
    c1 = apic_read(APIC_TMCCT);
    apic_write(APIC_TMICT, 0);
    apic_timer_hz = (u64)(c0 - c1) * 1000000000ull / ((t1 - t0) * 1000000ull / tsc_khz);
    if (!apic_timer_hz)
        panic("local APIC timer does not count; cannot keep time");
    ticks_per_ns_32 = (apic_timer_hz << 32) / 1000000000ull;
}

void apic_timer_oneshot(u64 ns)
{
    u64 ticks;

    if (ns > 10000000000ull)
        ns = 10000000000ull;
    ticks = (u64)(((unsigned __int128)ns * ticks_per_ns_32) >> 32);
    if (!ticks)
        ticks = 1;
    if (ticks > 0xffffffffull)
        ticks = 0xffffffffull;
    apic_write(APIC_LVT_TIMER, VECTOR_TIMER);     /* one-shot, unmasked */
    apic_write(APIC_TMICT, (u32)ticks);
}

void apic_timer_stop(void)
{
    apic_write(APIC_TMICT, 0);
}
