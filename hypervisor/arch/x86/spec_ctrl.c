/*
 * Speculative-execution mitigations for 64-bit PV guests (docs/security.md
 * compares them with Xen 4.17's): VERW flushes the CPU's buffers on every
 * return to a guest where the CPU leaks them (MDS/TAA class), and an IBPB
 * stops one domain's branch training steering another's when a CPU starts
 * running a different domain. Xen's option names: spec-ctrl=no turns both
 * off, spec-ctrl=md-clear=<bool>,ibpb=<bool> each; md-clear=1 uses VERW
 * even where the CPU does not say it flushes (how the tests reach it).
 * L1TF: domains with the check are crashed for writing a non-present page-
 * table entry that names memory (the mm module); as Xen, on by default for
 * domUs on affected CPUs, pv-l1tf=[<bool>,]dom0=<bool>,domu=<bool>.
 */
#include <pvisor/cmdline.h>
#include <pvisor/cpu.h>
#include <pvisor/bootinfo.h>
#include <pvisor/printk.h>
#include <pvisor/spec_ctrl.h>
#include <asm/processor.h>
#include <string.h>

#define CPUID7_EDX_MD_CLEAR     (1u << 10)
#define CPUID7_EDX_IBRSB        (1u << 26)      /* IBRS and IBPB (Intel) */
#define CPUID7_EDX_ARCH_CAPS    (1u << 29)
#define CPUID_E8_EBX_IBPB       (1u << 12)      /* AMD */
#define MSR_ARCH_CAPABILITIES   0x10a
#define ARCH_CAPS_RDCL_NO       (1ull << 0)
#define ARCH_CAPS_MDS_NO        (1ull << 5)
#define MSR_PRED_CMD            0x49
#define PRED_CMD_IBPB           1

u8 spec_verw_on_exit;                   /* read by entry.S */
const u16 spec_verw_sel = 0xe010;       /* any selector: only the flush matters */
bool spec_ibpb_on_switch;

static bool opt_md_clear = true, opt_ibpb = true, force_md_clear;
static int opt_pv_l1tf_dom0 = -1, opt_pv_l1tf_domu = -1;
static bool cpu_l1tf_affected;

/* The next comma-separated word of *v in tok (NUL-terminated); false at
 * the end. A word too long for tok comes back empty (never a valid one). */
static bool next_word(const char **v, char *tok, size_t size)
{
    const char *end;
    size_t n;

    if (!*v || !**v)
        return false;
    end = strchr(*v, ',');
    n = end ? (size_t)(end - *v) : strlen(*v);
    if (n >= size)
        n = 0;
    memcpy(tok, *v, n);
    tok[n] = 0;
    *v = end ? end + 1 : NULL;
    return true;
}

/* "name=<bool>" (or bare "name" when bare_ok): true with *out set. */
static bool named_bool(const char *tok, const char *name, bool bare_ok, bool *out)
{
    size_t n = strlen(name);

    if (strncmp(tok, name, n))
        return false;
    if (!tok[n] && bare_ok) {
        *out = true;
        return true;
    }
    return tok[n] == '=' && parse_bool(tok + n + 1, out);
}

static int parse_spec_ctrl(const char *v)
{
    char tok[32];
    int rc = 0;
    bool b;

    while (next_word(&v, tok, sizeof(tok))) {
        if (parse_bool(tok, &b)) {
            opt_md_clear = opt_ibpb = b;
            force_md_clear = false;
        } else if (named_bool(tok, "md-clear", false, &opt_md_clear)) {
            force_md_clear = opt_md_clear;
        } else if (!named_bool(tok, "ibpb", false, &opt_ibpb)) {
            rc = -1;
        }
    }
    return rc;
}
custom_param("spec-ctrl", parse_spec_ctrl);

static int parse_pv_l1tf(const char *v)
{
    char tok[32];
    int rc = 0;
    bool b;

    if (!v || !*v) {
        opt_pv_l1tf_dom0 = opt_pv_l1tf_domu = 1;
        return 0;
    }
    while (next_word(&v, tok, sizeof(tok))) {
        if (parse_bool(tok, &b))
            opt_pv_l1tf_dom0 = opt_pv_l1tf_domu = b;
        else if (named_bool(tok, "dom0", true, &b))
            opt_pv_l1tf_dom0 = b;
        else if (named_bool(tok, "domu", true, &b))
            opt_pv_l1tf_domu = b;
        else
            rc = -1;
    }
    return rc;
}
custom_param("pv-l1tf", parse_pv_l1tf);

bool spec_pv_l1tf(bool hardware_domain)
{
    int o = hardware_domain ? opt_pv_l1tf_dom0 : opt_pv_l1tf_domu;

    return o < 0 ? !hardware_domain && cpu_l1tf_affected : o;
}

/* Xen's limits: above everything the firmware's memory map names (any of
 * it may be cacheable), and at least the top quarter of the physical
 * address space (its guess when the L1D is no wider than CPUID says). */
static u64 l1tf_addr_mask, l1tf_safe_maddr;

static void l1tf_calculations(const struct boot_info *bi)
{
    u64 top = 0;

    for (unsigned int i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].end > top)
            top = bi->mem[i].end;
    top = (top + 0xfff) & ~0xfffull;
    l1tf_safe_maddr = 3ull << (cpu_paddr_bits - 2);
    if (top > l1tf_safe_maddr)
        l1tf_safe_maddr = top;
    l1tf_addr_mask = ((1ull << cpu_paddr_bits) - 1) & ~0xfffull;
}

void spec_l1tf_limits(u64 *addr_mask, u64 *safe_maddr)
{
    *addr_mask = l1tf_addr_mask;
    *safe_maddr = l1tf_safe_maddr;
}

void spec_ctrl_init(const struct boot_info *bi)
{
    struct cpuid_regs r7 = { 0 }, r8 = { 0 }, r0;
    bool intel, md_clear, ibpb, meltdown;
    u64 caps = 0;

    cpuid(0, &r0);
    intel = !memcmp(cpu_vendor, "GenuineIntel", 12);
    if (r0.eax >= 7)
        cpuid_count(7, 0, &r7);
    cpuid(0x80000000, &r8);
    if (r8.eax >= 0x80000008)
        cpuid(0x80000008, &r8);
    else
        r8.ebx = 0;
    if (r7.edx & CPUID7_EDX_ARCH_CAPS)
        caps = rdmsr(MSR_ARCH_CAPABILITIES);

    md_clear = (r7.edx & CPUID7_EDX_MD_CLEAR) && !(caps & ARCH_CAPS_MDS_NO);
    ibpb = (r7.edx & CPUID7_EDX_IBRSB) || (r8.ebx & CPUID_E8_EBX_IBPB);
    meltdown = intel && !(caps & ARCH_CAPS_RDCL_NO);
    cpu_l1tf_affected = meltdown;       /* the same Intel cores, bar a few Atoms */
    l1tf_calculations(bi);
    spec_verw_on_exit = opt_md_clear && (md_clear || force_md_clear);
    spec_ibpb_on_switch = opt_ibpb && ibpb;
    printk("Speculation: VERW on guest exit %s, IBPB on domain switch %s\n",
           spec_verw_on_exit ? "on" : md_clear ? "off (spec-ctrl)" : "not needed or not offered",
           spec_ibpb_on_switch ? "on" : ibpb ? "off (spec-ctrl)" : "not offered by the CPU");
    printk("Speculation: L1TF checks of PV page tables: dom0 %s, domUs %s (safe above %#llx)\n",
           spec_pv_l1tf(true) ? "on" : "off", spec_pv_l1tf(false) ? "on" : "off",
           (unsigned long long)l1tf_safe_maddr);
    if (meltdown)
        printk(LOG_WARN "Speculation: this CPU may be affected by Meltdown and pvisor has no "
               "XPTI: do not run untrusted 64-bit PV guests on it (docs/security.md)\n");
}

void spec_ibpb(void)
{
    wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
}
