/*
 * ACPI table discovery (pure parsing in common/acpi_tables.c, unit-tested
 * over fake firmware memory): RSDP -> XSDT/RSDT -> FADT (power-off and
 * reset), MADT (CPUs, IO-APICs), HPET, and the \_S5 sleep type from the DSDT.
 */
#ifndef PVISOR_ACPI_H
#define PVISOR_ACPI_H
#include <pvisor/types.h>
struct boot_info;

#define ACPI_MAX_CPUS 256

struct acpi_gas {          /* Generic Address Structure */
    u8 space_id, bit_width, bit_offset, access_size;
    u64 address;
} __attribute__((packed));

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1

#define ACPI_MAX_MCFG 8

struct acpi_info {
    u64 rsdp_pa;
    u8 revision;               /* RSDP revision: 0 = ACPI 1.0 (RSDT only) */
    u64 root_pa;               /* XSDT, or RSDT when no XSDT */
    bool root_is_xsdt;
    char oem_id[7];

    /* FADT */
    bool have_fadt;
    u64 pm1a_cnt, pm1b_cnt;    /* I/O ports, 0 = absent */
    u64 dsdt_pa;
    u32 smi_cmd;
    u8 acpi_enable;
    bool have_reset_reg;
    struct acpi_gas reset_reg;
    u8 reset_value;

    /* \_S5 from the DSDT */
    bool have_s5;
    u8 slp_typ_a, slp_typ_b;

    /* MADT */
    bool have_madt;
    u64 lapic_pa;
    unsigned int nr_cpus;      /* enabled or online-capable processors */
    u32 cpu_apic_ids[ACPI_MAX_CPUS];
    unsigned int nr_ioapics;
    u64 ioapic_pa[8];

    /* HPET */
    bool have_hpet;
    u64 hpet_pa;

    /* MCFG: PCI MMCONFIG windows */
    unsigned int nr_mcfg;
    struct acpi_mcfg {
        u64 base;
        u16 segment;
        u8 start_bus, end_bus;
    } mcfg[ACPI_MAX_MCFG];
};

/* Make [pa, pa+len) readable, or NULL. */
typedef const void *(*acpi_map_fn)(u64 pa, size_t len, void *ctx);

/* Find an RSDP (signature + checksum) in a memory window (EBDA, BIOS area). */
s64 acpi_scan_rsdp(const void *area, size_t len);
/* Parse everything reachable from the RSDP at rsdp_pa (or the given copy).
 * Returns 0, or -1 with *err naming the broken table. */
int acpi_parse(u64 rsdp_pa, const void *rsdp_copy, size_t copy_len, acpi_map_fn map,
               void *ctx, struct acpi_info *ai, const char **err);
/* Find the \_S5 package in AML bytes; true with the two sleep types. */
bool acpi_find_s5(const u8 *aml, size_t len, u8 *typ_a, u8 *typ_b);
bool acpi_checksum_ok(const void *p, size_t len);

extern struct acpi_info acpi;
void acpi_init(const struct boot_info *bi);
#endif
