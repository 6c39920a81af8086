/* gntpair helpers: grant operations, tables, entries (pair.h). */
#include "pair.h"

long gop(unsigned long cmd, void *arg, unsigned long count)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

struct gnttab_map_grant_ref gmap(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = addr, .flags = flags, .ref = ref, .dom = dom,
		.status = 0x7777, .handle = 0xdeadbeef, .dev_bus_addr = 0x5a5a,
	};
	long rc = gop(GNTTABOP_map_grant_ref, &m, 1);
	if (rc)
		m.status = (int16_t)(rc < -0x7fff ? -0x7fff : rc) - 1000; /* visibly not a GNTST */
	return m;
}

int16_t gunmap(uint64_t addr, uint64_t bus, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = addr, .dev_bus_addr = bus,
					    .handle = handle, .status = 0x7777 };
	long rc = gop(GNTTABOP_unmap_grant_ref, &u, 1);
	return rc ? (int16_t)(rc - 1000) : u.status;
}

grant_entry_v1_t *own_table(void)
{
	static grant_entry_v1_t *t;
	static xen_pfn_t frame;

	if (t)
		return t;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	set_xen_guest_handle(st.frame_list, &frame);
	if (gop(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay)
		panic("setup_table(self): status %d", st.status);
	void *va = alloc_page();
	if (HYPERVISOR_update_va_mapping((unsigned long)va,
			(frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG))
		panic("cannot map our grant frame");
	return t = va;
}

grant_entry_v1_t *foreign_table(domid_t dom, unsigned int slot)
{
	xen_pfn_t frame = 0;
	struct gnttab_setup_table st = { .dom = dom, .nr_frames = 1 };

	set_xen_guest_handle(st.frame_list, &frame);
	if (gop(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay)
		return NULL;
	if (map_foreign(slot, dom, frame, true))
		return NULL;
	return window_slot(slot);
}

/* As Linux's gnttab_update_entry_v1: domid and frame, barrier, flags. */
void grant(grant_entry_v1_t *e, domid_t to, unsigned long mfn, bool readonly)
{
	e->domid = to;
	e->frame = (uint32_t)mfn;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->flags, GTF_permit_access | (readonly ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

uint16_t revoke(grant_entry_v1_t *e)
{
	uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

	do {
		if (f & (GTF_reading | GTF_writing))
			return f;
	} while (!__atomic_compare_exchange_n(&e->flags, &f, 0, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
	return 0;
}

uint16_t flags_of(const grant_entry_v1_t *e)
{
	return __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
}

void restore_page(void *va)
{
	page_set_rw(va);
}

uint64_t pte_flags(const void *va)
{
	return l1e_of(va) & (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX);
}

long free_settles(uint64_t base)
{
	uint64_t deadline = xen_system_time() + 2000000000UL, now;

	while ((now = free_pages()) != base && xen_system_time() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return (long)(now - base);
}
