/*
 * Hostile guest pointers every hypercall test tries: each must be refused
 * (normally -EFAULT) without the hypervisor touching memory it should not.
 */
#include "guest.h"

const struct bad_ptr bad_ptrs[] = {
	{ "null", 0 },
	{ "low_unmapped", 0x1000 },
	{ "noncanonical_low", 0x0000800000000000UL },
	{ "noncanonical_high", 0x8000000000000000UL },
	{ "m2p", 0xffff800000000000UL },            /* RO to guests */
	{ "xen_directmap", 0xffff830000000000UL },
	{ "xen_text", 0xffff82d040200000UL },
	{ "hv_hole_end", 0xffff87fffffff000UL },
	{ "below_image", 0xffffffff7ffff000UL },    /* unmapped L3 slot */
	{ "top", 0xfffffffffffff000UL },
};
const unsigned int n_bad_ptrs = ARRAY_SIZE(bad_ptrs);

/* Builders map the whole image RW, so make a page RO ourselves. */
const void *readonly_ptr(void)
{
	static char *ro;

	if (!ro) {
		ro = alloc_page();
		memcpy(ro, "read-only data", 15);
		page_set_ro(ro);
	}
	return ro;
}

/* A page whose successor is unmapped: for lengths that run off the end. */
void *page_before_hole(void)
{
	char *a = alloc_page();
	char *b = alloc_page();

	if (b != a + PAGE_SIZE)
		panic("page_before_hole: pool pages not adjacent");
	long rc = HYPERVISOR_update_va_mapping((unsigned long)b, 0, UVMF_INVLPG);
	if (rc)
		panic("unmap page: %ld", rc);
	return a;
}
