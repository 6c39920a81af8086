/* ACPI discovery at boot: find the RSDP, parse the tables we use. */
#include <pvisor/bootinfo.h>
#include <pvisor/acpi.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>

struct acpi_info acpi;

static const void *acpi_map(u64 pa, size_t len, void *ctx)
{
    (void)ctx;
    return direct_map_covers(pa, len) ? __va(pa) : NULL;
}

void acpi_init(const struct boot_info *bi)
{
    const char *err;
    u64 rsdp_pa = 0;
    s64 off;

    if (!bi->rsdp_len) {
        /* ACPI spec: first KiB of the EBDA, then the BIOS area E0000-FFFFF. */
        u64 ebda = (u64)*(const u16 *)__va(0x40e) << 4;
        if (ebda >= 0x80000 && ebda < 0xa0000 && (off = acpi_scan_rsdp(__va(ebda), 1024)) >= 0)
            rsdp_pa = ebda + off;
        else if ((off = acpi_scan_rsdp(__va(0xe0000), 0x20000)) >= 0)
            rsdp_pa = 0xe0000 + off;
        if (!rsdp_pa) {
            printk(LOG_WARN "ACPI: no RSDP found; one CPU, no ACPI power-off\n");
            return;
        }
    }
    if (acpi_parse(rsdp_pa, bi->rsdp_len ? bi->rsdp : NULL, bi->rsdp_len, acpi_map, NULL,
                   &acpi, &err)) {
        printk(LOG_WARN "ACPI: %s; continuing without ACPI\n", err);
        return;
    }
    printk("ACPI: RSDP rev %u (%s) -> %s at %#llx: FADT%s MADT%s (%u CPUs) HPET%s\n",
           acpi.revision, acpi.oem_id, acpi.root_is_xsdt ? "XSDT" : "RSDT",
           (unsigned long long)acpi.root_pa, acpi.have_fadt ? "" : "(missing)",
           acpi.have_madt ? "" : "(missing)", acpi.nr_cpus, acpi.have_hpet ? "" : "(missing)");
}
