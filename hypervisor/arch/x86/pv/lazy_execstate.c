/*
 * Lazy switch to idle (Xen's lazy execstate, for the page tables only): a
 * pCPU that goes idle keeps the last vCPU's page tables in CR3, and when
 * that vCPU comes back first, nothing is reloaded. Under TCG every CR3 load
 * is a full softmmu flush and a refill of every page touched after it; an
 * I/O round trip idles a pCPU once or more per request or packet.
 *
 * Registers, segments and FPU are still saved at the switch (only CR3 is
 * lazy), so the vCPU may run elsewhere at once as far as its state goes.
 * What the holding pCPU must give up before anyone relies on it:
 * - the vCPU running on another pCPU (it could switch base pointers and
 *   drop the type reference that keeps our CR3 an L4): every switch to
 *   it, from idle or from a busy vCPU, waits for the holder
 *   (pv_lazy_wait_others);
 * - pause-and-sync (domain_kill, setvcpucontext, max_vcpus, pausedomain):
 *   the vCPU's ctx_loaded stays true while a pCPU holds its tables, and
 *   domain_pause_sync asks the holder to let go (arch_release_vcpu_tables).
 * TLB flushes reach the holder: its tlb owner stays the vCPU's domain
 * (mm_glue.c cpus_holding), and the flush clock is per pCPU.
 * The idle loop itself touches only hypervisor addresses, which every
 * guest L4 maps as idle_pg_table does (pv_l4_hv_slots).
 */
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/perfc.h>
#include <pvisor/page_alloc.h>
#include <pvisor/softirq.h>
#include <pvisor/smp.h>
#include <asm/processor.h>

/* The vCPU whose page tables this idle pCPU still has loaded, or NULL.
 * Written by its own pCPU with interrupts off; read by others. */
static struct vcpu *lazy_vcpu[CONFIG_NR_CPUS];

/* Switching to idle from v: keep its tables (the caller left CR3 alone).
 * Published before v's is_running clears, so whoever picks v sees it. */
void pv_lazy_idle_enter(struct vcpu *v)
{
    __atomic_store_n(&lazy_vcpu[smp_processor_id()], v, __ATOMIC_RELEASE);
}

/* Switching from idle (interrupts off): the vCPU whose tables CR3 holds,
 * now the caller's to keep (its next) or to release once the next tables
 * are in (pv_lazy_released). */
struct vcpu *pv_lazy_idle_leave(void)
{
    return __atomic_load_n(&lazy_vcpu[smp_processor_id()], __ATOMIC_RELAXED);
}

/* v's tables are out of this pCPU's CR3: ctx_loaded first, then the
 * record, so a waiter that sees the record gone may set ctx_loaded again. */
void pv_lazy_released(struct vcpu *v)
{
    if (v)
        __atomic_store_n(&v->ctx_loaded, false, __ATOMIC_RELEASE);
    __atomic_store_n(&lazy_vcpu[smp_processor_id()], NULL, __ATOMIC_RELEASE);
}

/* Idle with a vCPU's tables: load the idle ones (EXECSTATE_SOFTIRQ, or
 * here when a waiter on this pCPU needs it). */
void arch_sync_local_execstate(void)
{
    unsigned long flags = local_irq_save();
    struct vcpu *v = lazy_vcpu[smp_processor_id()];

    if (v && is_idle_vcpu(current)) {
        perfc_incr(PERFC_lazy_sync);
        write_cr3(__pa(idle_pg_table));
        tlb_note_flush();
        tlb_note_owner(NULL);
        pv_lazy_released(v);
    }
    local_irq_restore(flags);
}

static unsigned int holder_of(const struct vcpu *v)
{
    for (unsigned int c = 0; c < nr_cpus_online; c++)
        if (__atomic_load_n(&lazy_vcpu[c], __ATOMIC_ACQUIRE) == v)
            return c;
    return CONFIG_NR_CPUS;
}

/* Ask the pCPU idling on v's tables to load its own; does not wait (the
 * caller waits for v->ctx_loaded to clear). */
void arch_release_vcpu_tables(struct vcpu *v)
{
    unsigned int c = holder_of(v);

    if (c == smp_processor_id())
        arch_sync_local_execstate();
    else if (c < CONFIG_NR_CPUS)
        cpu_raise_softirq(c, EXECSTATE_SOFTIRQ);
}

/* Whether a pCPU other than this one holds v's tables. */
bool pv_lazy_held_elsewhere(const struct vcpu *v)
{
    unsigned int c = holder_of(v);

    return c != CONFIG_NR_CPUS && c != smp_processor_id();
}

/* Before next runs here, whatever ran before (idle or a busy vCPU): no
 * other pCPU may still hold its tables. Called with interrupts on and no
 * lock held; our own lazy tables go first, so a pCPU waiting on us for
 * them never waits on a waiter (a busy pCPU holds none). */
void pv_lazy_wait_others(struct vcpu *next)
{
    unsigned int me = smp_processor_id(), c = holder_of(next);

    if (c == CONFIG_NR_CPUS || c == me)
        return;
    perfc_incr(PERFC_lazy_wait);
    arch_sync_local_execstate();
    while ((c = holder_of(next)) != CONFIG_NR_CPUS) {
        cpu_raise_softirq(c, EXECSTATE_SOFTIRQ);
        cpu_relax();
    }
}
