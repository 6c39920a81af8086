/*
 * C start of day, the way small PV kernels do it: remember start_info,
 * map shared_info over a page of our own with update_va_mapping, install
 * the trap table and the event/failsafe/syscall callbacks, then run the
 * kernel's tests.  The results of these steps are kept for startofday.
 */
#include "guest.h"

start_info_t *start_info;
shared_info_t *shared_info;
struct vcpu_info *vcpu;
extern uint64_t cur_l4_mfn;

static char shared_info_page[PAGE_SIZE] PAGE_ALIGNED;
long setup_rc_shared_info, setup_rc_callbacks[3];

void guest_start(start_info_t *si);

long register_callback(unsigned int type, unsigned long address, unsigned int flags)
{
	struct callback_register cb = { .type = (uint16_t)type, .flags = (uint16_t)flags,
					.address = address };
	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

void guest_start(start_info_t *si)
{
	start_info = si;
	p2m = (unsigned long *)si->mfn_list;
	cur_l4_mfn = va_to_mfn((void *)si->pt_base);

	setup_rc_shared_info = HYPERVISOR_update_va_mapping(
		(unsigned long)shared_info_page,
		si->shared_info | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
	if (setup_rc_shared_info)
		panic("update_va_mapping(shared_info): %ld", setup_rc_shared_info);
	shared_info = (shared_info_t *)shared_info_page;
	vcpu = &shared_info->vcpu_info[0];
	/* Xen system time near our first instruction, for the builder's
	 * create-to-first-instruction figure (domUs only: dom0 has none). */
	uint64_t booted = xen_system_time();

	install_trap_table();
	setup_rc_callbacks[0] = register_callback(CALLBACKTYPE_event,
		(unsigned long)event_callback_entry, CALLBACKF_mask_events);
	setup_rc_callbacks[1] = register_callback(CALLBACKTYPE_failsafe,
		(unsigned long)failsafe_callback_entry, CALLBACKF_mask_events);
	setup_rc_callbacks[2] = register_callback(CALLBACKTYPE_syscall,
		(unsigned long)syscall_callback_entry, CALLBACKF_mask_events);
	for (int i = 0; i < 3; i++)
		if (setup_rc_callbacks[i])
			panic("callback_op(register %d): %ld", i, setup_rc_callbacks[i]);

	if (!(si->flags & SIF_INITDOMAIN))
		printf("BOOTED %s systime=%lu\n", guest_name, booted);
	printf("START %s (%s)\n", guest_name,
	       GUEST_HYPERCALL_PAGE ? "hypercall page" : "raw syscall");
	test_main();
	finish();
}

static const char *find_word(const char *key, size_t n)
{
	const char *s = (const char *)start_info->cmd_line;
	size_t i = 0;

	while (i < MAX_GUEST_CMDLINE && s[i]) {
		while (s[i] == ' ')
			i++;
		size_t start = i;
		while (i < MAX_GUEST_CMDLINE && s[i] && s[i] != ' ')
			i++;
		if (i - start >= n && strncmp(s + start, key, n) == 0 &&
		    (i - start == n || s[start + n] == '='))
			return s + start;
	}
	return NULL;
}

/* The value of key=value (up to the next space), or NULL. */
const char *cmdline_value(const char *key)
{
	static char buf[4][128];
	static unsigned int next;
	size_t n = strlen(key);
	const char *w = find_word(key, n);

	if (!w || w[n] != '=')
		return NULL;
	char *b = buf[next++ % 4];
	size_t i = 0;
	for (w += n + 1; *w && *w != ' ' && i < sizeof(buf[0]) - 1; w++)
		b[i++] = *w;
	b[i] = '\0';
	return b;
}

bool cmdline_has(const char *word)
{
	return find_word(word, strlen(word)) != NULL;
}
