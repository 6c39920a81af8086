/* ACPI table parsing (pure). Every table is length- and checksum-checked
 * before use; an unreachable or corrupt table is skipped, never trusted. */
#include <pvisor/bootinfo.h>
#include <pvisor/acpi.h>
#include <string.h>

struct sdt_header {
    char sig[4];
    u32 length;
    u8 revision, checksum;
    char oem_id[6], oem_table_id[8];
    u32 oem_revision, creator_id, creator_revision;
} __attribute__((packed));

struct rsdp {
    char sig[8];
    u8 checksum;
    char oem_id[6];
    u8 revision;
    u32 rsdt;
    u32 length;
    u64 xsdt;
    u8 ext_checksum, reserved[3];
} __attribute__((packed));

#define MAX_TABLE_LEN (16u << 20)

bool acpi_checksum_ok(const void *p, size_t len)
{
    const u8 *b = p;
    u8 sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum == 0;
}

s64 acpi_scan_rsdp(const void *area, size_t len)
{
    const u8 *a = area;

    for (size_t off = 0; off + 20 <= len; off += 16)
        if (!memcmp(a + off, "RSD PTR ", 8) && acpi_checksum_ok(a + off, 20))
            return (s64)off;
    return -1;
}

/* Map a whole table after checking its header; NULL if unusable. */
static const struct sdt_header *map_table(u64 pa, acpi_map_fn map, void *ctx)
{
    const struct sdt_header *h;

    if (!pa)
        return NULL;
    h = map(pa, sizeof(*h), ctx);
    if (!h || h->length < sizeof(*h) || h->length > MAX_TABLE_LEN)
        return NULL;
    h = map(pa, h->length, ctx);
    if (!h || !acpi_checksum_ok(h, h->length))
        return NULL;
    return h;
}

/* AML PkgLength: returns bytes consumed, 0 on malformed input. */
static size_t aml_pkg_length(const u8 *p, size_t avail, u32 *value)
{
    unsigned follow;

    if (!avail)
        return 0;
    follow = p[0] >> 6;
    if (avail < 1 + follow)
        return 0;
    if (!follow) {
        *value = p[0] & 0x3f;
        return 1;
    }
    *value = p[0] & 0x0f;
    for (unsigned i = 0; i < follow; i++)
        *value |= (u32)p[1 + i] << (4 + 8 * i);
    return 1 + follow;
}

/* One AML integer element of a package: ZeroOp, OneOp, BytePrefix, WordPrefix... */
static size_t aml_int(const u8 *p, size_t avail, u8 *value)
{
    if (!avail)
        return 0;
    switch (p[0]) {
    case 0x00: *value = 0; return 1;             /* ZeroOp */
    case 0x01: *value = 1; return 1;             /* OneOp */
    case 0x0a: if (avail < 2) return 0; *value = p[1]; return 2;  /* BytePrefix */
    case 0x0b: if (avail < 3) return 0; *value = p[1]; return 3;  /* WordPrefix */
    case 0x0c: if (avail < 5) return 0; *value = p[1]; return 5;  /* DWordPrefix */
    }
    return 0;
}

bool acpi_find_s5(const u8 *aml, size_t len, u8 *typ_a, u8 *typ_b)
{
    for (size_t i = 0; i + 5 < len; i++) {
        size_t p, n;
        u32 pkglen;

        if (memcmp(aml + i, "_S5_", 4))
            continue;
        /* NameOp, optionally with the root prefix '\' before the name */
        if (!(i >= 1 && aml[i - 1] == 0x08) && !(i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08))
            continue;
        p = i + 4;
        if (p >= len || aml[p] != 0x12)             /* PackageOp */
            continue;
        p++;
        n = aml_pkg_length(aml + p, len - p, &pkglen);
        if (!n)
            continue;
        p += n;
        if (p >= len)
            continue;
        p++;                                        /* NumElements */
        n = aml_int(aml + p, len - p, typ_a);
        if (!n)
            continue;
        p += n;
        if (!aml_int(aml + p, len - p, typ_b))
            *typ_b = *typ_a;
        return true;
    }
    return false;
}

static void parse_fadt(const struct sdt_header *h, acpi_map_fn map, void *ctx,
                       struct acpi_info *ai)
{
    const u8 *t = (const u8 *)h;
    u32 len = h->length;
    u32 v32;

    ai->have_fadt = true;
    if (len >= 44) {
        memcpy(&v32, t + 40, 4);                    /* DSDT (32-bit) */
        ai->dsdt_pa = v32;
    }
    if (len >= 54) {
        memcpy(&ai->smi_cmd, t + 48, 4);
        ai->acpi_enable = t[52];
    }
    if (len >= 68) {
        memcpy(&v32, t + 64, 4);                    /* PM1a_CNT_BLK */
        ai->pm1a_cnt = v32;
        memcpy(&v32, t + 68, 4);                    /* PM1b_CNT_BLK */
        ai->pm1b_cnt = len >= 72 ? v32 : 0;
    }
    if (len >= 129) {
        memcpy(&ai->reset_reg, t + 116, sizeof(ai->reset_reg));
        ai->reset_value = t[128];
        u32 flags;
        memcpy(&flags, t + 112, 4);
        ai->have_reset_reg = (flags & (1u << 10)) && ai->reset_reg.address;
    }
    if (len >= 148) {
        u64 x;
        memcpy(&x, t + 140, 8);                     /* X_DSDT */
        if (x)
            ai->dsdt_pa = x;
    }
    if (len >= 184) {
        struct acpi_gas g;
        memcpy(&g, t + 172, sizeof(g));             /* X_PM1a_CNT_BLK */
        if (g.space_id == ACPI_GAS_IO && g.address)
            ai->pm1a_cnt = g.address;
    }
    if (len >= 196) {
        struct acpi_gas g;
        memcpy(&g, t + 184, sizeof(g));             /* X_PM1b_CNT_BLK */
        if (g.space_id == ACPI_GAS_IO && g.address)
            ai->pm1b_cnt = g.address;
    }
    const struct sdt_header *dsdt = map_table(ai->dsdt_pa, map, ctx);
    if (dsdt && !memcmp(dsdt->sig, "DSDT", 4))
        ai->have_s5 = acpi_find_s5((const u8 *)(dsdt + 1), dsdt->length - sizeof(*dsdt),
                                   &ai->slp_typ_a, &ai->slp_typ_b);
}

static void parse_madt(const struct sdt_header *h, struct acpi_info *ai)
{
    const u8 *t = (const u8 *)h;
    u32 len = h->length, off = 44;
    u32 lapic;

    if (len < 44)
        return;
    ai->have_madt = true;
    memcpy(&lapic, t + 36, 4);
    ai->lapic_pa = lapic;
    while (off + 2 <= len) {
        u8 type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len)
            break;
        const u8 *e = t + off;
        switch (type) {
        case 0:                                     /* processor local APIC */
            if (elen >= 8) {
                u32 flags;
                memcpy(&flags, e + 4, 4);
                if ((flags & 3) && ai->nr_cpus < ACPI_MAX_CPUS)
                    ai->cpu_apic_ids[ai->nr_cpus++] = e[3];
            }
            break;
        case 1:                                     /* IO-APIC */
            if (elen >= 12 && ai->nr_ioapics < 8) {
                u32 addr;
                memcpy(&addr, e + 4, 4);
                ai->ioapic_pa[ai->nr_ioapics++] = addr;
            }
            break;
        case 5:                                     /* local APIC address override */
            if (elen >= 12)
                memcpy(&ai->lapic_pa, e + 4, 8);
            break;
        case 9:                                     /* processor local x2APIC */
            if (elen >= 16) {
                u32 id, flags;
                memcpy(&id, e + 4, 4);
                memcpy(&flags, e + 8, 4);
                if ((flags & 3) && ai->nr_cpus < ACPI_MAX_CPUS)
                    ai->cpu_apic_ids[ai->nr_cpus++] = id;
            }
            break;
        }
        off += elen;
    }
}

static void parse_hpet(const struct sdt_header *h, struct acpi_info *ai)
{
    const u8 *t = (const u8 *)h;
    struct acpi_gas g;

    if (h->length < 56)
        return;
    memcpy(&g, t + 40, sizeof(g));
    if (g.space_id == ACPI_GAS_MEMORY && g.address) {
        ai->have_hpet = true;
        ai->hpet_pa = g.address;
    }
}

/* MCFG: 44-byte header, then 16-byte entries (base, segment, bus range). */
static void parse_mcfg(const struct sdt_header *h, struct acpi_info *ai)
{
    const u8 *t = (const u8 *)h;

    for (u32 off = 44; off + 16 <= h->length && ai->nr_mcfg < ACPI_MAX_MCFG; off += 16) {
        struct acpi_mcfg m;

        memcpy(&m.base, t + off, 8);
        memcpy(&m.segment, t + off + 8, 2);
        m.start_bus = t[off + 10];
        m.end_bus = t[off + 11];
        if (m.base && m.start_bus <= m.end_bus)
            ai->mcfg[ai->nr_mcfg++] = m;
    }
}

int acpi_parse(u64 rsdp_pa, const void *rsdp_copy, size_t copy_len, acpi_map_fn map,
               void *ctx, struct acpi_info *ai, const char **err)
{
    const struct rsdp *r;
    const struct sdt_header *root;
    unsigned entry_size, nr;

    memset(ai, 0, sizeof(*ai));
    *err = NULL;
    if (rsdp_copy && copy_len >= 20)
        r = rsdp_copy;
    else
        r = map(rsdp_pa, 20, ctx);
    if (!r || memcmp(r->sig, "RSD PTR ", 8) || !acpi_checksum_ok(r, 20)) {
        *err = "RSDP signature or checksum is wrong";
        return -1;
    }
    ai->rsdp_pa = rsdp_pa;
    ai->revision = r->revision;
    memcpy(ai->oem_id, r->oem_id, 6);
    ai->oem_id[6] = 0;
    if (r->revision >= 2 && (rsdp_copy ? copy_len >= 36 : 1)) {
        if (!rsdp_copy)
            r = map(rsdp_pa, 36, ctx);
        if (r && r->length >= 36 && acpi_checksum_ok(r, 36) && r->xsdt) {
            ai->root_pa = r->xsdt;
            ai->root_is_xsdt = true;
        }
    }
    if (!ai->root_pa)
        ai->root_pa = r ? r->rsdt : 0;
    root = map_table(ai->root_pa, map, ctx);
    if (!root && ai->root_is_xsdt && r && r->rsdt) {
        ai->root_pa = r->rsdt;                      /* broken XSDT: fall back */
        ai->root_is_xsdt = false;
        root = map_table(ai->root_pa, map, ctx);
    }
    if (!root) {
        *err = "RSDT/XSDT is unreachable or has a bad checksum";
        return -1;
    }
    entry_size = ai->root_is_xsdt ? 8 : 4;
    nr = (root->length - sizeof(*root)) / entry_size;
    for (unsigned i = 0; i < nr && i < 256; i++) {
        u64 pa = 0;
        memcpy(&pa, (const u8 *)(root + 1) + i * entry_size, entry_size);
        const struct sdt_header *t = map_table(pa, map, ctx);
        if (!t)
            continue;
        if (!memcmp(t->sig, "FACP", 4) && !ai->have_fadt)
            parse_fadt(t, map, ctx, ai);
        else if (!memcmp(t->sig, "APIC", 4) && !ai->have_madt)
            parse_madt(t, ai);
        else if (!memcmp(t->sig, "HPET", 4) && !ai->have_hpet)
            parse_hpet(t, ai);
        else if (!memcmp(t->sig, "MCFG", 4) && !ai->nr_mcfg)
            parse_mcfg(t, ai);
    }
    return 0;
}
