/*
 * Speculative-execution mitigations for 64-bit PV guests (docs/security.md
 * compares them with Xen 4.17's): VERW flushes the CPU's buffers on every
 * return to a guest where the CPU leaks them (MDS/TAA class), and an IBPB
 * stops one domain's branch training steering another's when a CPU starts
 * running a different domain. Xen's option names: spec-ctrl=no turns both
 * off, spec-ctrl=md-clear=<bool>,ibpb=<bool> each; md-clear=1 uses VERW
 * even where the CPU does not say it flushes (how the tests reach it).
 */
#include <pvisor/cmdline.h>
#include <pvisor/cpu.h>
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

static int parse_bool_word(const char *v, size_t n, bool *out)
{
    if ((n == 1 && *v == '1') || (n == 3 && !memcmp(v, "yes", 3)) ||
        (n == 4 && !memcmp(v, "true", 4)) || (n == 2 && !memcmp(v, "on", 2)))
        *out = true;
    else if ((n == 1 && *v == '0') || (n == 2 && !memcmp(v, "no", 2)) ||
             (n == 5 && !memcmp(v, "false", 5)) || (n == 3 && !memcmp(v, "off", 3)))
        *out = false;
    else
        return -1;
    return 0;
}

static int parse_spec_ctrl(const char *v)
{
    int rc = 0;

    while (v && *v) {
        const char *end = strchr(v, ',');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        bool b;

        if (!parse_bool_word(v, n, &b)) {
            opt_md_clear = opt_ibpb = b;
            force_md_clear = false;
        } else if (n > 9 && !memcmp(v, "md-clear=", 9)) {
            rc |= parse_bool_word(v + 9, n - 9, &opt_md_clear);
            force_md_clear = opt_md_clear;
        } else if (n > 5 && !memcmp(v, "ibpb=", 5)) {
            rc |= parse_bool_word(v + 5, n - 5, &opt_ibpb);
        } else {
            rc = -1;
        }
        v = end ? end + 1 : NULL;
    }
    return rc;
}
custom_param("spec-ctrl", parse_spec_ctrl);

void spec_ctrl_init(void)
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
    spec_verw_on_exit = opt_md_clear && (md_clear || force_md_clear);
    spec_ibpb_on_switch = opt_ibpb && ibpb;
    printk("Speculation: VERW on guest exit %s, IBPB on domain switch %s\n",
           spec_verw_on_exit ? "on" : md_clear ? "off (spec-ctrl)" : "not needed or not offered",
           spec_ibpb_on_switch ? "on" : ibpb ? "off (spec-ctrl)" : "not offered by the CPU");
    if (meltdown)
        printk(LOG_WARN "Speculation: this CPU may be affected by Meltdown and pvisor has no "
               "XPTI: do not run untrusted 64-bit PV guests on it (docs/security.md)\n");
}

void spec_ibpb(void)
{
    wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
}
