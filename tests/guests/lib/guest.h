/*
 * The PV test-kernel framework: what a test kernel sees.
 *
 * A test kernel provides test_main(); the framework has already mapped
 * shared_info, installed a trap table and registered its callbacks.  Each
 * CHECK prints one line
 *     CHECK <kernel>.<name> <observed> PASS|FAIL expected=<v>
 * and the framework ends with "RESULT <kernel>: N passed, M failed" and
 * SCHEDOP_shutdown(poweroff), after SCHEDOP_shutdown_code(M) when M > 0.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/physdev.h>
#include <xen/features.h>
#include <xen/errno.h>

#include "hypercall.h"

#define PAGE_SIZE 4096UL
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGNED(n) __attribute__((aligned(n)))
#define PAGE_ALIGNED __attribute__((aligned(4096), section(".bss.page_aligned")))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))

/* Page-table entry bits (architectural). */
#define PTE_P    0x001UL
#define PTE_RW   0x002UL
#define PTE_US   0x004UL
#define PTE_PWT  0x008UL
#define PTE_PCD  0x010UL
#define PTE_A    0x020UL
#define PTE_D    0x040UL
#define PTE_PSE  0x080UL
#define PTE_G    0x100UL
#define PTE_NX   (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL

#define GUEST_VIRT_BASE 0xffffffff80000000UL

/* Xen's public errno.h gives XEN_E* constants; tests compare with -XEN_E*. */

/* ---- start of day (setup.c) ---- */
extern start_info_t *start_info;
extern shared_info_t *shared_info;      /* mapped by the framework */
extern struct vcpu_info *vcpu;          /* vcpu_info in use (legacy slot 0) */
extern unsigned long boot_rsp;          /* RSP at the ELF entry */
extern unsigned long boot_regs[16];     /* GPRs at entry: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
extern unsigned long boot_rflags;
extern char guest_name[];
extern char kernel_stack_top[];         /* stack the framework runs on */

/* Each test kernel defines this. */
void test_main(void);

/* Command-line helpers over start_info->cmd_line. */
const char *cmdline_value(const char *key);   /* "key=value" -> "value..." */
bool cmdline_has(const char *word);

/* ---- console (console.c, format.c) ---- */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);

/* ---- string.c ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* ---- checks (check.c) ---- */
void check_int(const char *name, long observed, long expected);
void check_str(const char *name, const char *observed, const char *expected);
void check_true(const char *name, bool ok, long observed);
void check_relayed(const char *name, const char *observed, const char *expected, bool ok);
void NORETURN panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void NORETURN finish(void);
unsigned int checks_failed(void);

#define CHECK_EQ(name, obs, exp) check_int((name), (long)(obs), (long)(exp))
#define CHECK(name, cond)        check_int((name), (long)!!(cond), 1L)
#define CHECK_STR(name, obs, exp) check_str((name), (obs), (exp))
/* A check whose name is built from a format (per vector, per subop...). */
const char *checkname(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- traps (traps.c, entry.S) ---- */
struct trap_frame {                     /* lowest address first */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;                /* ours: trap vector or VEC_* */
	uint64_t error_code;            /* 0 when the vector has none */
	uint64_t rip, cs, rflags, rsp, ss;      /* CS bits 32-39: saved mask */
};

#define VEC_UPCALL   0x100              /* event callback */
#define VEC_FAILSAFE 0x101              /* failsafe callback */
#define VEC_SYSCALL  0x102              /* syscall callback (user syscall) */
#define VEC_SOFTINT  0x80               /* a software-interrupt vector we serve */

/* What the last expected trap delivered. */
struct trap_record {
	int taken;                      /* number of expected traps taken */
	uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
	uint64_t rcx, r11;              /* as popped from the bounce frame */
	uint64_t cr2;                   /* vcpu_info.arch.cr2 at entry */
	uint64_t frame;                 /* guest address of the bounce frame */
	uint8_t upcall_mask;            /* vcpu_info mask seen in the handler */
};
extern volatile struct trap_record last_trap;

/* Handlers: a hook returns true when it handled the trap. */
typedef bool (*trap_hook_t)(struct trap_frame *tf);
void set_trap_hook(unsigned int vector, trap_hook_t hook);
/* Arm one expected trap of this vector; the next one is recorded in
 * last_trap and resumed at its fixup (PROBE) or, for traps, after it. */
void expect_trap(int vector);
/* The same, resuming at `resume` (for faults outside PROBE, e.g. a fetch). */
void expect_trap_resume(int vector, uint64_t resume);
/* Vector delivered since expect_trap(), or -1 if none. */
long trap_seen(void);
/* iret flags (VGCF_in_syscall) for the return of the current handler. */
void trap_return_flags(uint64_t flags);

/* The default trap table entries; install_trap_table() re-installs it. */
extern trap_info_t default_traps[];
void install_trap_table(void);
extern char trap_stubs[];               /* 16-byte stub per vector */
#define TRAP_STUB(v) ((unsigned long)trap_stubs + 16UL * (v))
extern char event_callback_entry[], failsafe_callback_entry[], syscall_callback_entry[];
/* CALLBACKOP_register of one callback (setup.c). */
long register_callback(unsigned int type, unsigned long address, unsigned int flags);
extern uint64_t failsafe_segs[4];       /* DS ES FS GS of the last failsafe frame */
#define TRAP_ANY (-2)                   /* expect_trap(): any vector 0-255 */

/* Return through the iret hypercall to a frame we built: ctx points at
 * {flags, rip, cs, rflags, rsp, ss}. */
void NORETURN iret_to(uint64_t *ctx);
/* The iret hypercall with every field of the context chosen. */
void NORETURN iret_full(struct iret_context *ctx);

/* setjmp/longjmp over the callee-saved registers. */
struct ctx { uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip; };
long ctx_save(struct ctx *c) __attribute__((returns_twice));
void NORETURN ctx_restore(struct ctx *c, long val);

/*
 * PROBE(insn): an instruction that may fault; when it does (and the fault
 * was expected) execution resumes just after it.  Operands as for asm().
 */
#define PROBE(insn)                                          \
	"1: " insn "\n2:\n"                                  \
	".pushsection __ex_table, \"a\"\n"                   \
	".balign 8\n.quad 1b, 2b\n"                          \
	".popsection\n"

/* Read/write one value at an address, reporting the trap vector or -1. */
long probe_read64(uint64_t addr, uint64_t *val);
long probe_write64(uint64_t addr, uint64_t val);
long probe_write8(uint64_t addr, uint8_t val);

/* ---- secondary vCPUs (smp.c) ---- */
#define SMP_MAX_VCPUS 8
#define SMP_STACK_SIZE 16384
extern char smp_stacks[SMP_MAX_VCPUS - 1][SMP_STACK_SIZE];
extern struct vcpu_info *smp_vcpu_info[SMP_MAX_VCPUS];
extern unsigned int smp_cpus;           /* vCPUs running, vCPU 0 included */
extern volatile long smp_results[SMP_MAX_VCPUS];
extern uint64_t cur_l4_mfn;             /* the L4 we run on (mm.c) */
/* Bring up vCPUs 1..want-1 (as many as the domain has); returns smp_cpus. */
unsigned int smp_start(unsigned int want);
/* Run fn(id, arg) on every running vCPU at once (a start barrier), wait
 * for all, results in smp_results[id].  Call from vCPU 0. */
typedef long (*smp_fn_t)(unsigned int id, void *arg);
void smp_run(smp_fn_t fn, void *arg);
/* The context smp_start() initialises vCPU id with (a static buffer). */
struct vcpu_guest_context *smp_context(unsigned int id);
/* Which vCPU runs this: secondaries run on their own stacks only. */
static inline unsigned int smp_this_cpu(void)
{
	unsigned long sp;
	asm volatile("mov %%rsp, %0" : "=r"(sp));
	unsigned long off = sp - (unsigned long)smp_stacks;
	return off < sizeof(smp_stacks) ? (unsigned int)(off / SMP_STACK_SIZE) + 1 : 0;
}
/* This vCPU's vcpu_info (vCPU 0's is `vcpu`, which tests may move). */
static inline struct vcpu_info *this_vcpu_info(void)
{
	unsigned int id = smp_this_cpu();
	return id ? smp_vcpu_info[id] : vcpu;
}

/* ---- events (events.c) ---- */
typedef void (*evtchn_handler_t)(evtchn_port_t port);
void set_evtchn_handler(evtchn_port_t port, evtchn_handler_t fn);
extern volatile unsigned long upcalls;        /* upcalls taken */
extern volatile unsigned long events_seen;    /* ports handled */
static inline void events_enable(void)  { __atomic_store_n(&this_vcpu_info()->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST); }
static inline void events_disable(void) { __atomic_store_n(&this_vcpu_info()->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST); }
/* Deliver anything pending now that events are enabled (as Linux does). */
void events_poke(void);
extern volatile unsigned int port_events[1024];
long evtchn_bind_ipi(unsigned int vcpu_id);
long evtchn_bind_virq(unsigned int virq, unsigned int vcpu_id);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);

/* ---- memory (mm.c) ---- */
extern unsigned long *p2m;             /* start_info->mfn_list */
static inline unsigned long va_to_pfn(const void *va)
{ return ((unsigned long)va - GUEST_VIRT_BASE) >> 12; }
static inline void *pfn_to_va(unsigned long pfn)
{ return (void *)(GUEST_VIRT_BASE + (pfn << 12)); }
static inline unsigned long va_to_mfn(const void *va)
{ return p2m[va_to_pfn(va)]; }
unsigned long mfn_to_pfn(unsigned long mfn);          /* via the M2P */
uint64_t *mfn_to_va_table(unsigned long mfn);         /* a PT frame of ours */
/* Read the L1 entry mapping va (walking from the current L4); 0 if none. */
uint64_t l1e_of(const void *va);
/* Machine address of the L1 entry mapping va. */
uint64_t l1e_maddr(const void *va);
uint64_t read_cr3(void);                              /* emulated mov */
/* Pages from a static pool in .bss, zeroed, mapped RW. */
void *alloc_page(void);
/* Remap one of our pages RO / RW with update_va_mapping (panic on error). */
void page_set_ro(void *va);
void page_set_rw(void *va);
long pin_table(unsigned int level, unsigned long mfn);   /* 1..4 */
long unpin_table(unsigned long mfn);
long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2);
long mmu_update1(uint64_t ptr, uint64_t val, domid_t dom);
unsigned long xen_owned_mfn(void);                    /* an M2P frame */

/* ---- hostile pointers (badptr.c) ---- */
struct bad_ptr { const char *name; uint64_t addr; };
extern const struct bad_ptr bad_ptrs[];
extern const unsigned int n_bad_ptrs;
const void *readonly_ptr(void);         /* mapped read-only */
void *page_before_hole(void);           /* the next page is unmapped */

/* ---- user mode (usermode.c) ---- */
/* Run fn (in .text, with its stack) in guest user mode; it returns to the
 * kernel with user_exit(code) (a syscall).  Returns the code. */
long run_user(void (*fn)(void));
void NORETURN user_exit(long code);
extern unsigned long user_l4_mfn;
#define USER_SYSCALL_EXIT 0x5e11
/* Called for user syscalls other than user_exit; true = handled. */
extern trap_hook_t user_syscall_handler;
extern char user_stack[16384], trap_stack[16384];   /* kernel_sp = trap_stack end */

/* ---- CPU helpers ---- */
static inline void xen_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile(XEN_CPUID
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "0"(leaf), "2"(sub));
}
static inline void native_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "0"(leaf), "2"(sub));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void barrier(void) { asm volatile("" ::: "memory"); }
static inline uint64_t read_rflags(void)
{
	uint64_t f;
	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* pvclock: ns of Xen system time now, from vcpu->time. */
uint64_t xen_system_time(void);

/* Port I/O: allowed at ring 3 once the kernel's virtual IOPL is raised
 * (PHYSDEVOP_set_iopl); the hypervisor emulates each access. */
static inline uint8_t io_in(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void io_out(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* PIT channel 2 as Linux's TSC calibration drives it (lib/pit.c). */
struct pit2_count {
	unsigned int first, last;       /* the counter read twice, ns apart */
	unsigned long got;              /* ticks counted between the reads */
	/* ticks at 1.193182 MHz between the reads, at least and at most: the
	 * system time is taken around each read, so a stall inside one (a
	 * loaded host descheduling QEMU) widens the bounds, not the error */
	unsigned long want_lo, want_hi;
};
unsigned int pit2_read(void);
void pit2_count_down(uint64_t ns, struct pit2_count *c);
bool pit2_rate_ok(const struct pit2_count *c);  /* within a quarter either way */

#endif
