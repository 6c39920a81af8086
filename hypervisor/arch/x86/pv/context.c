/*
 * vCPU context switch. The outgoing vCPU's registers are copied out of the
 * pCPU's cpu_info, its segment bases and FPU state saved; the incoming one's
 * page tables, segments, bases and FPU are loaded and its registers copied
 * in; then the stack is reset and we leave through the exit path. A switch
 * to idle keeps the page tables loaded (lazy_execstate.c).
 */
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/pv_emul.h>
#include <pvisor/perfc.h>
#include <pvisor/xstate.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/smp.h>
#include <pvisor/spec_ctrl.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/desc.h>
#include <asm/traps.h>
#include <pvisor/uaccess.h>
#include <string.h>

extern char ret_to_guest[];
void reset_stack_and_jump_asm(void *sp, void *fn) __attribute__((noreturn));
void pv_load_gdt(struct vcpu *v);

void reset_stack_and_jump(void (*fn)(void))
{
    reset_stack_and_jump_asm(&get_cpu_info()->guest_regs, (void *)fn);
}

unsigned long pv_guest_cr3(const struct vcpu *v)
{
    unsigned long mfn = v->mm.kernel_mode || !v->mm.guest_table_user ?
                        v->mm.guest_table : v->mm.guest_table_user;
    return mfn << PAGE_SHIFT;
}

static u16 read_sel(int which)
{
    u16 s = 0;

    switch (which) {
    case 0: __asm__ __volatile__("mov %%ds, %0" : "=r"(s)); break;
    case 1: __asm__ __volatile__("mov %%es, %0" : "=r"(s)); break;
    case 2: __asm__ __volatile__("mov %%fs, %0" : "=r"(s)); break;
    case 3: __asm__ __volatile__("mov %%gs, %0" : "=r"(s)); break;
    }
    return s;
}

/* Load a guest data selector; false if it faulted (then null is loaded). */
static bool load_sel(int which, u16 sel)
{
    int ok = 1;

#define LOAD(seg) \
    __asm__ __volatile__("1: mov %w1, %%" seg "\n2:\n" \
                         ".pushsection .text.fixup, \"ax\"\n" \
                         "3: xor %0, %0\n mov %0, %%" seg "\n jmp 2b\n" \
                         ".popsection\n" _ASM_EXTABLE(1b, 3b) \
                         : "+r"(ok) : "r"(sel))
    switch (which) {
    case 0: LOAD("ds"); break;
    case 1: LOAD("es"); break;
    case 2: LOAD("fs"); break;
    case 3: LOAD("gs"); break;
    }
#undef LOAD
    return ok;
}

static void save_segments(struct vcpu *v)
{
    v->pv.ds = read_sel(0);
    v->pv.es = read_sel(1);
    v->pv.fs = read_sel(2);
    v->pv.gs = read_sel(3);
    v->pv.fs_base = rdmsr(MSR_FS_BASE);
    if (v->mm.kernel_mode) {
        v->pv.gs_base_kernel = rdmsr(MSR_GS_BASE);
        v->pv.gs_base_user = rdmsr(MSR_SHADOW_GS_BASE);
    } else {
        v->pv.gs_base_user = rdmsr(MSR_GS_BASE);
        v->pv.gs_base_kernel = rdmsr(MSR_SHADOW_GS_BASE);
    }
}

/* The failsafe callback (Xen's load_segments): a guest selector that does
 * not load is reported to the guest kernel with the four selectors on the
 * frame, so it can fix them. */
static void failsafe_bounce(struct vcpu *v, struct cpu_regs *regs)
{
    u64 frame[11];
    unsigned long sp;
    u8 mask = v->vcpu_info->evtchn_upcall_mask;
    unsigned long cs = regs->cs, ss = regs->ss, rsp = regs->rsp;

    if (!v->pv.failsafe_callback_eip) {
        domain_crash(v->domain, "bad segment selector and no failsafe callback");
        return;
    }
    if (!v->mm.kernel_mode) {
        toggle_guest_mode(v);
        sp = v->pv.kernel_sp;
    } else {
        sp = regs->rsp;
        cs &= ~3ul;
    }
    sp = (sp & ~15ul) - sizeof(frame);
    frame[0] = regs->rcx;
    frame[1] = regs->r11;
    frame[2] = v->pv.ds;
    frame[3] = v->pv.es;
    frame[4] = v->pv.fs;
    frame[5] = v->pv.gs;
    frame[6] = regs->rip;
    frame[7] = (cs & 0xffff) | ((u64)mask << 32);
    frame[8] = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) | (mask ? 0 : X86_EFLAGS_IF);
    if (v->domain->vm_assist & (1ul << VMASST_TYPE_architectural_iopl))
        frame[8] |= (u64)v->pv.iopl << 12;      /* as every bounce frame */
    frame[9] = rsp;
    frame[10] = ss;
    /* Raw VA: the frame goes on the guest's kernel stack, no hypercall pointer. */
    if (copy_to_guest_va(sp, frame, sizeof(frame))) {
        domain_crash(v->domain, "failsafe frame at %#lx not writable", sp);
        return;
    }
    if (v->pv.failsafe_disables_events)
        v->vcpu_info->evtchn_upcall_mask = 1;
    regs->rip = v->pv.failsafe_callback_eip;
    regs->cs = FLAT_KERNEL_CS;
    regs->ss = FLAT_KERNEL_SS;
    regs->rsp = sp;
    regs->rflags = (regs->rflags & ~(X86_EFLAGS_AC | X86_EFLAGS_VM | X86_EFLAGS_RF |
                                     X86_EFLAGS_NT | X86_EFLAGS_IOPL | X86_EFLAGS_TF)) | X86_EFLAGS_IF;
}

static void load_segments(struct vcpu *v, struct cpu_regs *regs)
{
    bool ok = true;

    ok &= load_sel(0, v->pv.ds);
    ok &= load_sel(1, v->pv.es);
    ok &= load_sel(2, v->pv.fs);
    ok &= load_sel(3, v->pv.gs);
    /* Selector loads reset the bases; the saved bases win. */
    wrmsr(MSR_FS_BASE, v->pv.fs_base);
    if (v->mm.kernel_mode) {
        wrmsr(MSR_GS_BASE, v->pv.gs_base_kernel);
        wrmsr(MSR_SHADOW_GS_BASE, v->pv.gs_base_user);
    } else {
        wrmsr(MSR_GS_BASE, v->pv.gs_base_user);
        wrmsr(MSR_SHADOW_GS_BASE, v->pv.gs_base_kernel);
    }
    if (!ok)
        failsafe_bounce(v, regs);
}

static void save_fpu(struct vcpu *v)
{
    xstate_save(v);
}

static void load_fpu(struct vcpu *v)
{
    xstate_restore(v);
    if (v->pv.fpu_ts)
        write_cr0(read_cr0() | CR0_TS);
}

static struct domain *last_domain[CONFIG_NR_CPUS];   /* last non-idle, per CPU */
/* Stands for a domain that has been freed: never the address of a live one. */
#define GONE_DOMAIN ((struct domain *)last_domain)

/* A domain going away: one allocated later at its address must still get
 * the barrier on its first switch-in. */
void pv_forget_domain(const struct domain *d)
{
    for (unsigned int c = 0; c < CONFIG_NR_CPUS; c++) {
        struct domain *expect = (struct domain *)d;

        __atomic_compare_exchange_n(&last_domain[c], &expect, GONE_DOMAIN, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

/* prev's state is saved and its page tables are no longer loaded here:
 * domain_kill may take them apart now, and (registers, segments, FPU in
 * memory, its GDT/LDT window left) another pCPU may load it. */
static void ctx_unloaded(struct vcpu *prev)
{
    if (!is_idle_vcpu(prev)) {
        __atomic_store_n(&prev->ctx_loaded, false, __ATOMIC_RELEASE);
        sched_context_saved(prev);
    }
}

void context_switch(struct vcpu *prev, struct vcpu *next)
{
    struct cpu_info *ci = get_cpu_info();
    struct vcpu *held;

    /* From any prev: a busy pCPU can pick a vCPU an idle one still holds. */
    pv_lazy_wait_others(next);
    local_irq_disable();
    perfc_incr(PERFC_ctxt_switch);
    if (!is_idle_vcpu(prev)) {
        prev->regs = ci->guest_regs;
        save_segments(prev);
        save_fpu(prev);
    }
    ci->curr_vcpu = next;
    /* Never leave GDTR on a window the next page tables do not map. */
    pv_load_percpu_gdt();
    if (is_idle_vcpu(next)) {
        __asm__ __volatile__("mov %0, %%db7" :: "r"(0x400ul));   /* no guest breakpoints */
        /* prev's tables stay in CR3 (and it stays ctx_loaded, the tlb
         * owner) until another vCPU runs here or someone asks. */
        pv_lazy_idle_enter(prev);
        sched_context_saved(prev);
        reset_stack_and_jump(idle_loop);
    }
    /* Another domain's branch predictions must not steer this one. */
    if (spec_ibpb_on_switch && last_domain[ci->cpu_id] != next->domain) {
        if (last_domain[ci->cpu_id])
            spec_ibpb();
        last_domain[ci->cpu_id] = next->domain;
    }
    held = is_idle_vcpu(prev) ? pv_lazy_idle_leave() : NULL;
    if (held == next && read_cr3() == pv_guest_cr3(next)) {
        perfc_incr(PERFC_lazy_cr3_kept);      /* back from idle: nothing to reload */
    } else {
        /* Its tables in two CR3s: the other could outlive their type
         * reference (next switches base pointer, the old L4 is freed). */
        BUG_ON(pv_lazy_held_elsewhere(next));
        __atomic_store_n(&next->ctx_loaded, true, __ATOMIC_RELEASE);
        tlb_note_owner(next->domain);
        write_cr3(pv_guest_cr3(next));
        tlb_note_flush();
    }
    if (is_idle_vcpu(prev))
        pv_lazy_released(held == next ? NULL : held);
    ctx_unloaded(prev);
    pv_load_gdt(next);
    ci->guest_regs = next->regs;
    load_segments(next, &ci->guest_regs);
    load_fpu(next);
    pv_load_debugregs(next);
    pv_update_vcpu_time(next);
    reset_stack_and_jump((void (*)(void))ret_to_guest);
}

void show_guest_state(struct vcpu *v, const struct cpu_regs *r)
{
    printk("d%uv%u %s mode: RIP %04lx:%016lx RSP %04lx:%016lx RFLAGS %08lx\n",
           v->domain->domain_id, v->vcpu_id, v->mm.kernel_mode ? "kernel" : "user",
           (unsigned long)r->cs & 0xffff, (unsigned long)r->rip, (unsigned long)r->ss & 0xffff,
           (unsigned long)r->rsp, (unsigned long)r->rflags);
    printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", (unsigned long)r->rax,
           (unsigned long)r->rbx, (unsigned long)r->rcx, (unsigned long)r->rdx);
    printk("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", (unsigned long)r->rsi,
           (unsigned long)r->rdi, (unsigned long)r->rbp, (unsigned long)r->r8);
    printk("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", (unsigned long)r->r9,
           (unsigned long)r->r10, (unsigned long)r->r11, (unsigned long)r->r12);
    printk("  r13 %016lx r14 %016lx r15 %016lx cr2 %016lx\n", (unsigned long)r->r13,
           (unsigned long)r->r14, (unsigned long)r->r15, v->pv.cr2);
}
