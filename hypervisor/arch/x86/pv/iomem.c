/*
 * The machine frames outside RAM that a domain with I/O capabilities (dom0)
 * may map, and how: Xen 4.17's policy for its hardware domain.
 *
 * Denied: what would hand a guest the hypervisor's CPUs. The local APIC
 * and the MSI window (INIT/SIPI, interrupts), the AP trampoline, memory
 * past the CPU's physical address width. Read-only (Xen's mmio_ro_ranges):
 * the IO-APICs (a redirection entry can send INIT as well), the HPET the
 * hypervisor calibrates with, PCI MMCONFIG. In the first MiB pvisor is
 * stricter than Xen: RAM there is read-only to dom0 (Linux only reads the
 * BIOS data areas), so nothing the hypervisor keeps there can be changed.
 * Everything else that is not RAM (device BARs, VGA, option ROMs) is dom0's.
 */
#include <pvisor/pv_mm.h>
#include <pvisor/acpi.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/mm.h>

#define MSI_WINDOW_FIRST 0xfee00ul      /* 0xfee00000-0xfeefffff */
#define MSI_WINDOW_LAST  0xfeefful
#define AP_TRAMPOLINE_MFN 0x8ul

static bool is_ioapic(unsigned long mfn)
{
    for (unsigned int i = 0; i < acpi.nr_ioapics && i < 8; i++)
        if (acpi.ioapic_pa[i] >> PAGE_SHIFT == mfn)
            return true;
    return false;
}

static bool is_mmconfig(unsigned long mfn)
{
    for (unsigned int i = 0; i < acpi.nr_mcfg; i++) {
        const struct acpi_mcfg *m = &acpi.mcfg[i];
        unsigned long first = (m->base >> PAGE_SHIFT) + ((unsigned long)m->start_bus << 8);
        unsigned long last = (m->base >> PAGE_SHIFT) + ((unsigned long)m->end_bus << 8) + 255;

        if (mfn >= first && mfn <= last)
            return true;
    }
    return false;
}

unsigned int pv_iomem_access(const struct mm_domain *md, unsigned long mfn)
{
    if (!md->io_caps)
        return MM_IO_NONE;
    if (mfn < 0x100) {
        if (mfn == AP_TRAMPOLINE_MFN)
            return MM_IO_NONE;
        return mfn_is_ram(mfn) ? MM_IO_RO : MM_IO_RW;
    }
    if (mfn < max_mfn &&
        (mfn_to_frame(mfn)->state != FRAME_RESERVED || mfn_is_ram(mfn)))
        return MM_IO_NONE;                  /* RAM the allocator knows */
    if (mfn >= (1ul << (cpu_paddr_bits - PAGE_SHIFT)))
        return MM_IO_NONE;
    if ((mfn >= MSI_WINDOW_FIRST && mfn <= MSI_WINDOW_LAST) ||
        (acpi.have_madt && acpi.lapic_pa >> PAGE_SHIFT == mfn))
        return MM_IO_NONE;
    if (is_ioapic(mfn) || (acpi.have_hpet && acpi.hpet_pa >> PAGE_SHIFT == mfn) ||
        is_mmconfig(mfn))
        return MM_IO_RO;
    return MM_IO_RW;
}
