/*
 * Domains and virtual CPUs.
 *
 * A vCPU's registers live in the pCPU's cpu_info->guest_regs while it runs
 * (the entry paths save them there) and in vcpu->regs while it does not;
 * the context switch copies between the two. There are no per-vCPU
 * hypervisor stacks: a vCPU that blocks inside a hypercall just returns to
 * the exit path, which schedules.
 */
#ifndef PVISOR_DOMAIN_H
#define PVISOR_DOMAIN_H
#include <pvisor/types.h>
#include <pvisor/spinlock.h>
#include <pvisor/time.h>
#include <asm/cpu_info.h>
#include <pvisor/mm.h>
#include <asm/domain.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/sched.h>
#include <pvisor/evtchn.h>

#define MAX_VCPUS       XEN_LEGACY_MAX_VCPUS
#define MAX_DOMAINS     DOMID_FIRST_RESERVED   /* every id Xen gives a domain (0..0x7fef) */
#define NR_EVTCHN       EVTCHN_NR_PORTS    /* 4096 (2-level) */
#define NR_VIRQS        24

/* Trap-bounce flags: what create_bounce_frame puts on the guest stack. */
#define TBF_EXCEPTION         1
#define TBF_EXCEPTION_ERRCODE 2
#define TBF_INTERRUPT         8

struct trap_bounce {
    u32 error_code;
    u8 flags;
    u8 vector;
    unsigned long eip;
};

/* VPF_: reasons a vCPU is not runnable. */
#define VPF_blocked   (1u << 0)   /* SCHEDOP_block / poll */
#define VPF_down      (1u << 1)   /* not brought up (VCPUOP_down, or not yet up) */
#define VPF_paused    (1u << 2)   /* domain paused or shutting down */
#define VPF_polling   (1u << 3)

struct pv_vcpu {
    /* Virtual IDT and callbacks. */
    struct trap_info trap_ctxt[256];
    unsigned long event_callback_eip;
    unsigned long failsafe_callback_eip;
    unsigned long syscall_callback_eip;
    unsigned long syscall32_callback_eip;
    unsigned long nmi_callback_eip;
    bool syscall_disables_events;
    bool failsafe_disables_events;

    /* Virtual TSS, segments and control state. */
    unsigned long kernel_ss, kernel_sp;
    unsigned long fs_base, gs_base_kernel, gs_base_user;
    u16 ds, es, fs, gs;
    unsigned long cr2;                 /* last #PF address delivered */
    bool fpu_ts;                       /* virtual CR0.TS (fpu_taskswitch) */
    unsigned long debugreg[8];
    unsigned int iopl;                 /* virtual IOPL (0..3) for port I/O */
    XEN_GUEST_HANDLE(uint8) iobmp;     /* its I/O bitmap (PHYSDEVOP_set_iobitmap), null = none */
    unsigned int iobmp_limit;          /* ports covered by it */

    struct trap_bounce trap_bounce;    /* pending bounce for the exit path */
    bool nmi_pending;

    /* FPU/SSE/AVX state (a page: XSAVE or FXSAVE area), saved at context switch. */
    void *fpu_area;
    bool fpu_initialised;
    u64 xcr0;                          /* the guest's XCR0 (XSETBV) */
    u64 xcr0_accum;                    /* every XCR0 bit it ever set: what save/restore cover */
    bool cr4_osxsave;                  /* guest view of CR4.OSXSAVE */
    bool initialised;                  /* has a context (builder / VCPUOP_initialise) */
    unsigned long vgc_flags;           /* VGCF_* of the last context set (getvcpucontext) */
};

struct vcpu {
    unsigned int vcpu_id;
    struct domain *domain;
    unsigned int processor;            /* pCPU it runs or last ran on */
    struct cpu_regs regs;              /* guest registers while not running */
    bool is_running;                   /* on a pCPU, or its state not saved yet */
    /* Its page tables are in a pCPU's CR3 (from being picked until another
     * vCPU's or the idle tables are loaded there, which an idle pCPU does
     * lazily: arch_release_vcpu_tables): what domain_kill waits out. */
    bool ctx_loaded;
    unsigned int pause_flags;          /* VPF_*; runnable when 0 */
    /* Scheduler (sched.c), under the lock of v->processor's run queue. */
    struct vcpu *rq_next;              /* run queue link */
    bool on_runq;
    bool delayed_runq_add;             /* queue it once its state is saved */
    bool yielding;                     /* SCHEDOP_yield, until the next pick */
    bool has_run;                      /* picked by a pCPU at least once */
    s64 credit;                        /* ns it may still run before others */
    s_time_t start_time;               /* credit accounted up to here */
    u32 resets;                        /* its run queue's credit resets seen */

    /* vcpu_info: in shared_info until the guest registers its own. */
    vcpu_info_t *vcpu_info;
    unsigned long vcpu_info_mfn;       /* registered page, or 0 */

    /* Time. */
    struct timer singleshot_timer;
    struct timer periodic_timer;
    s_time_t periodic_period;
    s_time_t periodic_last_event;  /* when the periodic timer last ticked */
    struct timer poll_timer;
    XEN_GUEST_HANDLE(vcpu_runstate_info_t) runstate_guest; /* its runstate area, null = none */
    XEN_GUEST_HANDLE(vcpu_time_info_t) time_area_guest;    /* its registered time area, null = none */
    struct vcpu_runstate_info runstate;
    u16 virq_to_evtchn[NR_VIRQS];
    const evtchn_port_t *poll_ports;   /* SCHEDOP_poll set (hypervisor copy) */
    unsigned int nr_poll_ports;
    evtchn_port_t poll_port_copy[128];

    struct pv_vcpu pv;
    /* Page tables (guest_table, guest_table_user), kernel/user mode, GDT
     * and LDT: the memory-safety module's per-vCPU state. */
    struct mm_vcpu mm;
    unsigned int gdt_mapped_cpu;       /* pCPU whose GDT page is in our window */

    /* domctl setvcpuaffinity: pCPUs this vCPU may run on (hard: the
     * scheduler's, changed only through vcpu_set_affinity) and prefers
     * (soft: stored, not used). */
    u64 cpu_hard_affinity, cpu_soft_affinity;
};

struct domain {
    struct mm_domain mm;               /* first: the module's view of us */
    domid_t domain_id;
    bool is_privileged;                /* dom0 / control domain */
    bool is_initial;                   /* dom0 */
    /* domctl setnodeaffinity: an explicit mask (manual), else automatic;
     * 0 = all nodes, as created. */
    bool node_affinity_manual;
    u64 node_affinity;
    spinlock_t lock;
    spinlock_t vcpu_ctx_lock;          /* VCPUOP_initialise, register_vcpu_info */
    /* References, changed only under the domain table's lock: one while
     * alive (until domain_kill finishes), one while it owns frames
     * (tot_pages > 0), one per lookup in flight. The last put frees the
     * struct and its domid. */
    unsigned int refcnt;

    struct vcpu *vcpu[MAX_VCPUS];
    unsigned int max_vcpus;

    /* Memory. */
    spinlock_t page_lock;
    u64 tot_pages, max_pages;
    u64 pages_pending;                 /* reserved, not yet assigned (page_lock) */
    u64 outstanding_pages;             /* XENMEM_claim_pages: claimed, not yet taken (heap lock) */
    shared_info_t *shared_info;        /* hypervisor VA of the shared_info page */
    unsigned long shared_info_mfn;
    unsigned long start_info_mfn;
    unsigned long vm_assist;           /* VMASST_TYPE_* bits */

    /* Lifecycle. */
    bool is_shutting_down, is_shut_down;
    u8 is_dying;                       /* DOMDYING_*: set once, under the table lock */
    spinlock_t kill_lock;              /* one domain_kill at a time */
    unsigned int kill_step;            /* how far a preempted domain_kill got */
    unsigned int shutdown_code;        /* SHUTDOWN_* reason */
    bool has_shutdown_code;            /* SCHEDOP_shutdown_code was used */
    unsigned int pause_count;
    struct timer watchdog_timer[2];    /* SCHEDOP_watchdog */
    bool watchdog_inuse[2];

    /* What the toolstack gave through domctl (common/domctl.c); the grant
     * table code reads its limits from here (the event-channel limit is
     * the module's: evtchn_set_max_evtchn). */
    xen_domain_handle_t handle;
    u32 options;                       /* createdomain XEN_DOMCTL_CDF_* */
    unsigned int controller_pause_count;  /* pausedomain: 1 from createdomain, <= 255 */
    bool creation_finished;            /* that count first dropped to 0 */
    unsigned int max_grant_frames, max_maptrack_frames;
    unsigned int max_grant_version;    /* createdomain grant_opts: 1 or 2 */
    s64 time_offset_seconds;           /* settimeoffset: wallclock offset */
    u32 emulation_flags;               /* createdomain arch.emulation_flags */
    bool debugger_attached;            /* setdebugging */
    evtchn_port_t suspend_evtchn;      /* subscribe: port the toolstack watches */

    /* Event channels: the module's view (common/evtchn) and its lock. */
    struct evtchn_domain evtchn;
    spinlock_t evtchn_lock;
    unsigned long evtchn_lock_flags;   /* interrupt state saved by its holder */
    struct gnt_table *grant_table;     /* common/gnttab (pvisor/gnttab.h) */

    struct arch_domain arch;           /* x86/PV (asm/domain.h) */
};

extern struct domain *dom0;

/* The vCPU running on this pCPU (the idle vCPU when none). */
static inline struct vcpu *current_vcpu(void) { return get_cpu_info()->curr_vcpu; }
#define current (current_vcpu())
static inline struct cpu_regs *guest_regs(void) { return &get_cpu_info()->guest_regs; }
/* The idle vCPUs belong to no domain (sched.c). Inline: every trap asks. */
static inline bool is_idle_vcpu(const struct vcpu *v) { return v->domain == NULL; }

struct gnt_table;
/* Limits are createdomain's max_grant_frames / max_maptrack_frames (0 =
 * Xen's defaults). */
int gnttab_domain_init(struct domain *d, unsigned int max_frames, unsigned int max_maptrack);
/* Apply d->max_grant_frames / max_maptrack_frames (createdomain's) to its
 * table, made with the defaults by domain_create. */
void gnttab_domain_set_limits(struct domain *d);
/* The dying domain gives back every grant it maps: 0, or -ERESTART (call
 * again later; preemptible). Before its page tables are torn down. */
int gnttab_domain_relinquish(struct domain *d);
/* Frees the table (after relinquish; finishes it if needed). Other
 * domains' mappings of its grants stay safe: the table lives on until
 * they are unmapped. */
void gnttab_domain_destroy(struct domain *d);

/* XENMEM_acquire_resource of d's grant table: the frames it may grow
 * to, and the MFNs of [frame, frame + nr) (nr or -EINVAL). */
unsigned int gnttab_domain_max_frames(const struct domain *d);
int gnttab_domain_resource(struct domain *d, unsigned int id, unsigned int frame,
                           unsigned int nr, xen_pfn_t *mfns);

#define DOMDYING_alive 0
#define DOMDYING_dying 1                /* being killed: lookups refuse it */
#define DOMDYING_dead  2                /* killed; freed at the last put */

struct domain *domain_create(domid_t id, bool privileged, unsigned int max_vcpus);
struct vcpu *vcpu_create(struct domain *d, unsigned int id);
struct domain *get_domain_by_id(domid_t id);   /* a live domain, with a reference */
struct gnt_table *domain_grant_table_get(domid_t id);   /* its grant table, referenced */
/* Also a dying or dead one that still exists (getdomaininfo, destroydomain,
 * a dying owner's frames being freed): Xen's rcu_lock_domain_by_id. */
struct domain *get_domain_by_id_any(domid_t id);
/* The domain with the lowest id >= first (dying ones too), referenced. */
struct domain *get_domain_from(domid_t first);
/* Another reference on a domain the caller already holds one on. */
void get_knownalive_domain(struct domain *d);
/* Drop a reference; the last one frees the domain (only once it is dead). */
void put_domain(struct domain *d);
/* The domain a hypercall argument names, with a reference, under Xen's
 * default policy: DOMID_SELF or its own id is the caller; another live
 * domain only for a caller that controls it (the privileged domain).
 * NULL with *rc = -ESRCH (no such live domain) or -EPERM. */
struct domain *domain_lookup_controlled(domid_t id, long *rc);
/* May src act on t's memory and state (Xen's default XSM_TARGET policy)? */
bool domain_controls(const struct domain *src, const struct domain *t);

void domain_shutdown(struct domain *d, unsigned int reason);
/* Kill the domain for a fatal guest error; logs `why` (printf-style). */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * XEN_DOMCTL_destroydomain: mark d dying (ordinary lookups refuse it),
 * pause its vCPUs and wait until none runs, close its event channels,
 * tear down its vCPUs' page tables and give back its frames, tell dom0
 * (VIRQ_DOM_EXC), then drop the alive reference. Preemptible: 0 when
 * done (also on a domain already dead), -XEN_ERESTART to be called again;
 * -XEN_EINVAL for the caller's own domain. Frames another domain still
 * maps return to the allocator when that mapping goes; the struct and
 * domid only when the last reference does.
 */
int domain_kill(struct domain *d);
/* Undo a shutdown (domctl resumedomain): the domain runs on. */
void domain_resume(struct domain *d);
void domain_pause(struct domain *d);
/* domain_pause, then wait until none of its vCPUs is (or has its context)
 * on a pCPU: its state may then be read and changed. */
void domain_pause_sync(struct domain *d);
void domain_unpause(struct domain *d);

/* Frames owned by a domain: counted (tot_pages), not listed - the frame
 * table's owner field says whose a frame is, and relinquishing scans the
 * domain's part of it (asm/domain.h), so the mfn arguments name the frames
 * for the record only. */
void domain_add_page(struct domain *d, unsigned long mfn);
bool domain_reserve_pages(struct domain *d, unsigned long n);
void domain_unreserve_pages(struct domain *d, unsigned long n);
void domain_add_reserved_page(struct domain *d, unsigned long mfn);
/* Frames [mfn, mfn + n), reserved as one, under one hold of the page lock. */
void domain_add_reserved_pages(struct domain *d, unsigned long mfn, unsigned long n);
void domain_remove_page(struct domain *d, unsigned long mfn);
/* The same for n frames, under one hold of the page lock. */
void domain_remove_pages(struct domain *d, const unsigned long *mfn, unsigned int n);
#endif
