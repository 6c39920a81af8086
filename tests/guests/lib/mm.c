/*
 * Memory helpers: pfn/mfn/virtual conversions inside the bootstrap region
 * (virtual = VIRT_BASE + pfn * 4096, as the PV builders lay it out), page
 * table walks from the current L4, a pool of spare pages, and thin
 * wrappers over update_va_mapping / mmuext_op / mmu_update.
 */
#include "guest.h"

unsigned long *p2m;
uint64_t cur_l4_mfn;

unsigned long mfn_to_pfn(unsigned long mfn)
{
	return ((const unsigned long *)MACH2PHYS_VIRT_START)[mfn];
}

uint64_t *mfn_to_va_table(unsigned long mfn)
{
	return pfn_to_va(mfn_to_pfn(mfn));
}

static uint64_t *walk_to_l1(const void *va)
{
	uint64_t a = (uint64_t)va;
	uint64_t *t = mfn_to_va_table(cur_l4_mfn);

	for (int level = 4; level > 1; level--) {
		uint64_t e = t[(a >> (12 + 9 * (level - 1))) & 511];
		if (!(e & PTE_P))
			return NULL;
		t = mfn_to_va_table((e & PTE_ADDR) >> 12);
	}
	return t;
}

uint64_t l1e_of(const void *va)
{
	uint64_t *l1 = walk_to_l1(va);
	return l1 ? l1[((uint64_t)va >> 12) & 511] : 0;
}

uint64_t l1e_maddr(const void *va)
{
	uint64_t *l1 = walk_to_l1(va);
	if (!l1)
		return 0;
	return ((uint64_t)va_to_mfn(l1) << 12) + (((uint64_t)va >> 12) & 511) * 8;
}

uint64_t read_cr3(void)
{
	uint64_t v;
	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

#define POOL_PAGES 96
static char pool[POOL_PAGES][PAGE_SIZE] PAGE_ALIGNED;
static unsigned int pool_next;

void *alloc_page(void)
{
	if (pool_next == POOL_PAGES)
		panic("alloc_page: pool of %d pages exhausted", POOL_PAGES);
	void *p = pool[pool_next++];
	memset(p, 0, PAGE_SIZE);
	return p;
}

void page_set_ro(void *va)
{
	long rc = HYPERVISOR_update_va_mapping((unsigned long)va,
		((uint64_t)va_to_mfn(va) << 12) | PTE_P | PTE_A, UVMF_INVLPG);
	if (rc)
		panic("update_va_mapping(%p, RO): %ld", va, rc);
}

void page_set_rw(void *va)
{
	long rc = HYPERVISOR_update_va_mapping((unsigned long)va,
		((uint64_t)va_to_mfn(va) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
	if (rc)
		panic("update_va_mapping(%p, RW): %ld", va, rc);
}

long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = arg1;
	op.arg2.nr_ents = (unsigned int)arg2;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

long pin_table(unsigned int level, unsigned long mfn)
{
	static const unsigned int cmd[] = { 0, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
		MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE };
	return mmuext1(cmd[level], mfn, 0);
}

long unpin_table(unsigned long mfn)
{
	return mmuext1(MMUEXT_UNPIN_TABLE, mfn, 0);
}

long mmu_update1(uint64_t ptr, uint64_t val, domid_t dom)
{
	struct mmu_update u = { .ptr = ptr, .val = val };
	return HYPERVISOR_mmu_update(&u, 1, NULL, dom);
}

/* A frame owned by Xen itself: the first 2 MiB chunk of the M2P table
 * (XENMEM_machphys_mfn_list).  Note mfn 0 is not one: it is DOMID_IO's,
 * and dom0 may map it. */
unsigned long xen_owned_mfn(void)
{
	static xen_pfn_t m[1];
	struct xen_machphys_mfn_list ml = { .max_extents = 1 };

	if (!m[0]) {
		set_xen_guest_handle(ml.extent_start, m);
		if (HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &ml) || !m[0])
			panic("XENMEM_machphys_mfn_list failed");
	}
	return m[0];
}
