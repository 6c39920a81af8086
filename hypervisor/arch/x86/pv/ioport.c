/* Guest port I/O policy (see pvisor/ioport.h). */
#include <pvisor/ioport.h>
#include <pvisor/domain.h>
#include <pvisor/acpi.h>
#include <pvisor/console.h>
#include <asm/io.h>
#include <pvisor/time.h>
#include <pvisor/spinlock.h>

struct port_range { u16 first, last; };

/* Ports the hypervisor owns. The CMOS RTC (0x70/0x71) is dom0's, as on
 * Xen: the hypervisor reads it once at boot, before dom0 exists. */
static const struct port_range hv_ports[] = {
    { 0x20, 0x21 },      /* master PIC */
    { 0xa0, 0xa1 },      /* slave PIC */
    { 0x40, 0x43 },      /* PIT */
    { 0x61, 0x61 },      /* PIT gate (TSC calibration) */
    { 0xf4, 0xf7 },      /* QEMU isa-debug-exit */
    { 0x3f8, 0x3ff },    /* COM1: the hypervisor console */
    { 0x2f8, 0x2ff },    /* COM2 */
    { 0xcf8, 0xcff },    /* PCI configuration mechanism (not passed through) */
};

bool ioport_permitted(const struct domain *d, unsigned int port, unsigned int bytes)
{
    if (!d->is_privileged || port + bytes > 0x10000)
        return false;
    for (unsigned i = 0; i < sizeof(hv_ports) / sizeof(hv_ports[0]); i++)
        if (port + bytes > hv_ports[i].first && port <= hv_ports[i].last)
            return false;
    if (acpi.have_fadt && acpi.pm1a_cnt && port + bytes > acpi.pm1a_cnt && port < acpi.pm1a_cnt + 2)
        return false;
    return true;
}

/*
 * dom0's view of the legacy PICs: the real ones stay masked and owned by
 * the hypervisor, but dom0 gets a pair of interrupt-mask registers that
 * read back what it wrote. Linux then finds "a PIC", keeps IRQs 0-15 for
 * legacy devices (the RTC's IRQ 8 among them) and allocates its Xen event
 * IRQs above them, as on Xen with ACPI; without it the RTC driver and the
 * console would collide on IRQ 8.
 */
static bool vpic_access(struct domain *d, unsigned int port, unsigned int bytes,
                        bool write, u32 *val)
{
    if (!d->is_privileged || bytes != 1)
        return false;
    switch (port) {
    case 0x21:
    case 0xa1:
        if (write)
            d->arch.vpic_imr[port == 0xa1] = (u8)*val;
        else
            *val = d->arch.vpic_imr[port == 0xa1];
        return true;
    case 0x20:
    case 0xa0:
        if (!write)
            *val = 0;               /* nothing requested, nothing in service */
        return true;
    }
    return false;
}

/* PIT channel 2 and port 0x61 are virtual, as on Xen (vpit.h), for dom0
 * and for a domU created with XEN_X86_EMU_PIT (Xen's has_vpit). A domU
 * without it reads all ones there, as on Xen: its Linux then spins through
 * quick_pit_calibrate's 100 000 trapped reads of port 0x42 at boot (libxl
 * creates PV domUs without the flag). */
static bool vpit_port(const struct domain *d, unsigned int port, unsigned int bytes)
{
    return (d->is_privileged || (d->emulation_flags & XEN_X86_EMU_PIT)) && bytes == 1 &&
           (port == 0x42 || port == 0x43 || port == 0x61);
}

u32 ioport_guest_read(struct domain *d, unsigned int port, unsigned int bytes)
{
    u32 v;
    u8 b;

    if (vpic_access(d, port, bytes, false, &v))
        return v;
    if (vpit_port(d, port, bytes)) {
        unsigned long flags = spin_lock_irqsave(&d->arch.vpit_lock);
        bool ours = vpit2_read(&d->arch.vpit, port, (u64)NOW(), &b);
        spin_unlock_irqrestore(&d->arch.vpit_lock, flags);
        if (ours)
            return b;
    }
    if (!ioport_permitted(d, port, bytes))
        return bytes == 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1;
    switch (bytes) {
    case 1: return inb(port);
    case 2: return inw(port);
    default: return inl(port);
    }
}

void ioport_guest_write(struct domain *d, unsigned int port, unsigned int bytes, u32 val)
{
    if (vpic_access(d, port, bytes, true, &val))
        return;
    if (vpit_port(d, port, bytes)) {
        unsigned long flags = spin_lock_irqsave(&d->arch.vpit_lock);
        bool ours = vpit2_write(&d->arch.vpit, port, (u64)NOW(), (u8)val);
        spin_unlock_irqrestore(&d->arch.vpit_lock, flags);
        if (ours)
            return;
    }
    if (!ioport_permitted(d, port, bytes))
        return;
    switch (bytes) {
    case 1: outb((u8)val, port); break;
    case 2: outw((u16)val, port); break;
    default: outl(val, port); break;
    }
}
