/*
 * Trap table and trap dispatch.  A test arms expect_trap(vector) before an
 * instruction that should fault; the handler records what the hypervisor
 * delivered (frame, error code, cr2, mask) in last_trap and resumes at the
 * instruction's fixup (PROBE) or, for trap-type vectors, right after it.
 * Anything unexpected is a framework panic (SHUTDOWN_crash).
 */
#include "guest.h"

volatile struct trap_record last_trap;
static volatile int expected = -1;
static volatile long seen_vector = -1;
static trap_hook_t hooks[0x103];
static uint64_t next_iret_flags;
static uint64_t resume_override;

extern const uint64_t __ex_table_start[], __ex_table_end[];
void evtchn_do_upcall(void);

/* Linux's choice: everything DPL 0 except int3/into (and int $0x80). */
trap_info_t default_traps[40];

void install_trap_table(void)
{
	unsigned int n = 0;

	for (unsigned int v = 0; v < 32; v++) {
		if (v == 2 || v == 15 || (v > 21 && v < 29) || v == 31)
			continue;  /* NMI, reserved */
		default_traps[n++] = (trap_info_t){
			.vector = (uint8_t)v,
			.flags = (v == 3 || v == 4) ? 3 : 0,
			.cs = FLAT_KERNEL_CS,
			.address = TRAP_STUB(v),
		};
	}
	default_traps[n++] = (trap_info_t){ .vector = VEC_SOFTINT, .flags = 3,
		.cs = FLAT_KERNEL_CS, .address = TRAP_STUB(VEC_SOFTINT) };
	default_traps[n] = (trap_info_t){ 0 };
	long rc = HYPERVISOR_set_trap_table(default_traps);
	if (rc)
		panic("set_trap_table: %ld", rc);
}

void set_trap_hook(unsigned int vector, trap_hook_t hook)
{
	if (vector < ARRAY_SIZE(hooks))
		hooks[vector] = hook;
}

void expect_trap_resume(int vector, uint64_t resume)
{
	expect_trap(vector);
	resume_override = resume;
}

void expect_trap(int vector)
{
	resume_override = 0;
	if (vector != -1)
		seen_vector = -1;
	expected = vector;
	barrier();
}

long trap_seen(void)
{
	return seen_vector;
}

void trap_return_flags(uint64_t flags)
{
	next_iret_flags = flags;
}

static bool fixup(struct trap_frame *tf)
{
	if (resume_override) {
		/* "Resume in the kernel at X": also repair the selectors, the
		 * faulting context may have had bad ones (a refused iret). */
		tf->rip = resume_override;
		tf->cs = (tf->cs & ~0xffffUL) | (FLAT_KERNEL_CS & ~3UL);
		tf->ss = FLAT_KERNEL_SS;
		resume_override = 0;
		return true;
	}
	for (const uint64_t *e = __ex_table_start; e < __ex_table_end; e += 2) {
		if (tf->rip == e[0] || tf->rip == e[1]) {
			tf->rip = e[1];
			return true;
		}
	}
	/* Traps (int3, into, software interrupts) resume after the insn, an
	 * NMI where it hit. */
	return tf->vector == 2 || tf->vector == 3 || tf->vector == 4 || tf->vector >= 32;
}

static bool has_errcode(uint64_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static void record(struct trap_frame *tf)
{
	last_trap.vector = tf->vector;
	last_trap.error_code = tf->error_code;
	last_trap.rip = tf->rip;
	last_trap.cs = tf->cs;
	last_trap.rflags = tf->rflags;
	last_trap.rsp = tf->rsp;
	last_trap.ss = tf->ss;
	last_trap.rcx = tf->rcx;
	last_trap.r11 = tf->r11;
	last_trap.cr2 = this_vcpu_info() ? this_vcpu_info()->arch.cr2 : 0;
	last_trap.upcall_mask = this_vcpu_info() ? this_vcpu_info()->evtchn_upcall_mask : 0;
	last_trap.frame = (uint64_t)&tf->rip - 16 -
		((tf->vector < 32 && has_errcode(tf->vector)) ? 8 : 0) -
		(tf->vector == VEC_FAILSAFE ? 32 : 0);
	last_trap.taken++;
	seen_vector = (long)tf->vector;
}

uint64_t trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	next_iret_flags = 0;
	if (v < ARRAY_SIZE(hooks) && hooks[v] && hooks[v](tf))
		return next_iret_flags;
	if (v == VEC_UPCALL) {
		evtchn_do_upcall();
		return 0;
	}
	if (expected == TRAP_ANY ? v < 256 : expected == (int)v) {
		record(tf);
		expected = -1;
		tf->rflags &= ~0x100UL;         /* no single-stepping on */
		if (!fixup(tf))
			panic("expected trap %lu at rip %lx has no fixup", v, tf->rip);
		return next_iret_flags;
	}
	panic("unexpected trap vector=%lu err=%lx rip=%lx cs=%lx rflags=%lx rsp=%lx cr2=%lx",
	      v, tf->error_code, tf->rip, tf->cs, tf->rflags, tf->rsp,
	      this_vcpu_info() ? this_vcpu_info()->arch.cr2 : 0);
}

long probe_read64(uint64_t addr, uint64_t *val)
{
	uint64_t v = 0;
	int before = last_trap.taken;

	expect_trap(TRAP_ANY);
	asm volatile(PROBE("movq (%1), %0") : "+r"(v) : "r"(addr) : "memory");
	expect_trap(-1);
	if (val)
		*val = v;
	return last_trap.taken != before ? seen_vector : -1;
}

long probe_write64(uint64_t addr, uint64_t val)
{
	int before = last_trap.taken;

	expect_trap(TRAP_ANY);
	asm volatile(PROBE("movq %1, (%0)") : : "r"(addr), "r"(val) : "memory");
	expect_trap(-1);
	return last_trap.taken != before ? seen_vector : -1;
}

long probe_write8(uint64_t addr, uint8_t val)
{
	int before = last_trap.taken;

	expect_trap(TRAP_ANY);
	asm volatile(PROBE("movb %1, (%0)") : : "r"(addr), "q"(val) : "memory");
	expect_trap(-1);
	return last_trap.taken != before ? seen_vector : -1;
}
