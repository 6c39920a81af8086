/*
 * GNTTABOP_copy across domains (Xen 4.17 gnttab_copy): by grant on
 * either side, by frame only for DOMID_SELF, offset + len within the
 * page on each side, per-segment status and a 0 return for the batch,
 * pins only for the copy (the entry's status bits back afterwards).
 */
#include "pair.h"

#define REF_CW 21       /* the domU's frame, writable */
#define REF_CR 22       /* the domU's frame, read-only */

static struct gnttab_copy seg(bool src_ref, uint64_t src, domid_t sdom, uint16_t soff,
			      bool dst_ref, uint64_t dst, domid_t ddom, uint16_t doff, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 0x7777 };

	if (src_ref)
		c.source.u.ref = (grant_ref_t)src;
	else
		c.source.u.gmfn = src;
	c.source.domid = sdom;
	c.source.offset = soff;
	if (dst_ref)
		c.dest.u.ref = (grant_ref_t)dst;
	else
		c.dest.u.gmfn = dst;
	c.dest.domid = ddom;
	c.dest.offset = doff;
	c.flags = (src_ref ? GNTCOPY_source_gref : 0) | (dst_ref ? GNTCOPY_dest_gref : 0);
	return c;
}

static int16_t copy1(struct gnttab_copy c)
{
	long rc = gop(GNTTABOP_copy, &c, 1);
	return rc ? (int16_t)(rc - 1000) : c.status;
}

void copy_from_domu(struct domu *d, grant_entry_v1_t *dgt)
{
	unsigned long wmfn = d->mfn[d->nr_pages - 2], rmfn = d->mfn[d->nr_pages - 3];
	uint8_t *local = alloc_page();
	unsigned long lmfn = va_to_mfn(local);
	const unsigned int sw = 41, sr = 42;
	domid_t t = d->id;

	if (map_foreign(sw, t, wmfn, true) || map_foreign(sr, t, rmfn, true)) {
		CHECK("d0copy.granter_frames", 0);
		return;
	}
	uint8_t *w = window_slot(sw), *r = window_slot(sr);
	memset(w, 0, PAGE_SIZE);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		r[i] = (uint8_t)(i * 7 + 3);
	grant(&dgt[REF_CW], 0, wmfn, false);
	grant(&dgt[REF_CR], 0, rmfn, true);

	/* the domU's read-only grant to our frame, a whole page */
	CHECK_EQ("d0copy.from_ref", copy1(seg(true, REF_CR, t, 0, false, lmfn, DOMID_SELF, 0, 4096)), GNTST_okay);
	CHECK_EQ("d0copy.from_ref.data", memcmp(local, r, PAGE_SIZE), 0);
	CHECK_EQ("d0copy.from_ref.flags_after", flags_of(&dgt[REF_CR]), GTF_permit_access | GTF_readonly);
	/* our frame into the domU's writable grant, inside the page */
	memset(local, 0xab, PAGE_SIZE);
	CHECK_EQ("d0copy.to_ref", copy1(seg(false, lmfn, DOMID_SELF, 16, true, REF_CW, t, 100, 200)), GNTST_okay);
	CHECK_EQ("d0copy.to_ref.data", w[100] == 0xab && w[299] == 0xab && w[99] == 0 && w[300] == 0, 1);
	CHECK_EQ("d0copy.to_ref.flags_after", flags_of(&dgt[REF_CW]), GTF_permit_access);
	/* ref to ref, both the domU's */
	CHECK_EQ("d0copy.ref_to_ref", copy1(seg(true, REF_CR, t, 0, true, REF_CW, t, 0, 64)), GNTST_okay);
	CHECK_EQ("d0copy.ref_to_ref.data", memcmp(w, r, 64), 0);
	/* into a read-only grant */
	CHECK_EQ("d0copy.to_readonly_ref", copy1(seg(false, lmfn, DOMID_SELF, 0, true, REF_CR, t, 0, 8)), GNTST_general_error);
	CHECK_EQ("d0copy.to_readonly_ref.flags", flags_of(&dgt[REF_CR]), GTF_permit_access | GTF_readonly);
	/* by frame: only our own, and only as DOMID_SELF */
	CHECK_EQ("d0copy.foreign_gmfn", copy1(seg(false, rmfn, t, 0, false, lmfn, DOMID_SELF, 0, 8)), GNTST_permission_denied);
	CHECK_EQ("d0copy.own_id_gmfn", copy1(seg(false, lmfn, 0, 0, true, REF_CW, t, 0, 8)), GNTST_permission_denied);
	CHECK_EQ("d0copy.bad_gmfn", copy1(seg(false, 0xffffffffffUL, DOMID_SELF, 0, true, REF_CW, t, 0, 8)), GNTST_bad_page);
	/* bounds, per side */
	CHECK_EQ("d0copy.src_bounds", copy1(seg(true, REF_CR, t, 4000, false, lmfn, DOMID_SELF, 0, 200)), GNTST_bad_copy_arg);
	CHECK_EQ("d0copy.dst_bounds", copy1(seg(false, lmfn, DOMID_SELF, 0, true, REF_CW, t, 4095, 2)), GNTST_bad_copy_arg);
	CHECK_EQ("d0copy.len_4097", copy1(seg(true, REF_CR, t, 0, false, lmfn, DOMID_SELF, 0, 4097)), GNTST_bad_copy_arg);
	CHECK_EQ("d0copy.edge_ok", copy1(seg(true, REF_CR, t, 4095, false, lmfn, DOMID_SELF, 4095, 1)), GNTST_okay);
	CHECK_EQ("d0copy.len_0", copy1(seg(true, REF_CR, t, 0, false, lmfn, DOMID_SELF, 0, 0)), GNTST_okay);
	CHECK_EQ("d0copy.ref_beyond", copy1(seg(true, 1u << 20, t, 0, false, lmfn, DOMID_SELF, 0, 8)), GNTST_bad_gntref);
	CHECK_EQ("d0copy.bad_domain", copy1(seg(true, REF_CR, 0x7000, 0, false, lmfn, DOMID_SELF, 0, 8)), GNTST_bad_domain);

	/* a batch: every segment its own status, the call 0 */
	memset(local, 0, PAGE_SIZE);
	struct gnttab_copy b[5] = {
		seg(true, REF_CR, t, 0, false, lmfn, DOMID_SELF, 0, 32),
		seg(true, REF_CR, t, 4090, false, lmfn, DOMID_SELF, 0, 32),
		seg(true, REF_NONE, t, 0, false, lmfn, DOMID_SELF, 64, 32),
		seg(false, lmfn, DOMID_SELF, 0, true, REF_CW, t, 1000, 32),
		seg(true, REF_CR, t, 64, false, lmfn, DOMID_SELF, 64, 32),
	};
	CHECK_EQ("d0copy.batch.rc", gop(GNTTABOP_copy, b, 5), 0);
	CHECK_EQ("d0copy.batch.0", b[0].status, GNTST_okay);
	CHECK_EQ("d0copy.batch.1", b[1].status, GNTST_bad_copy_arg);
	CHECK_EQ("d0copy.batch.2", b[2].status, GNTST_general_error);
	CHECK_EQ("d0copy.batch.3", b[3].status, GNTST_okay);
	CHECK_EQ("d0copy.batch.4", b[4].status, GNTST_okay);
	CHECK_EQ("d0copy.batch.data", memcmp(local, r, 32) == 0 && memcmp(local + 64, r + 64, 32) == 0 &&
		 memcmp(w + 1000, r, 32) == 0, 1);
	CHECK_EQ("d0copy.batch.flags_after", flags_of(&dgt[REF_CR]) | flags_of(&dgt[REF_CW]) << 8,
		 (GTF_permit_access | GTF_readonly) | GTF_permit_access << 8);
	CHECK_EQ("d0copy.batch.bad_array", gop(GNTTABOP_copy, (void *)0x1000, 1), -XEN_EFAULT);

	dgt[REF_CW].flags = 0;
	dgt[REF_CR].flags = 0;
	unmap_slot(sw);
	unmap_slot(sr);
}

/* ---- the peer copies with dom0's grants ---- */

void copy_from_dom0(void)
{
	uint64_t *local = alloc_page();
	unsigned long lmfn = va_to_mfn(local);

	CHECK_EQ("peercopy.from_ref", copy1(seg(true, REF_COPY_SRC, 0, 0, false, lmfn, DOMID_SELF, 0, 4096)), GNTST_okay);
	CHECK_EQ("peercopy.from_ref.data", local[0] == PATTERN_SRC && local[511] == PATTERN_SRC, 1);
	local[0] = MARK_COPY;
	CHECK_EQ("peercopy.to_ref", copy1(seg(false, lmfn, DOMID_SELF, 0, true, REF_COPY_DST, 0, 8, 8)), GNTST_okay);
	CHECK_EQ("peercopy.to_readonly_ref", copy1(seg(false, lmfn, DOMID_SELF, 0, true, REF_COPY_SRC, 0, 0, 8)), GNTST_general_error);
	CHECK_EQ("peercopy.dom0_gmfn", copy1(seg(false, 1, 0, 0, false, lmfn, DOMID_SELF, 0, 8)), GNTST_permission_denied);
	CHECK_EQ("peercopy.bounds", copy1(seg(true, REF_COPY_SRC, 0, 4088, false, lmfn, DOMID_SELF, 0, 16)), GNTST_bad_copy_arg);
	/* By frame names DOMID_SELF only, also in a batch whose entry before
	 * named the same foreign domain by grant (the domains already looked
	 * up, the grant's claim kept for the next entry). */
	static struct gnttab_copy b2[2];
	b2[0] = seg(true, REF_COPY_SRC, 0, 0, false, lmfn, DOMID_SELF, 0, 8);
	b2[1] = seg(false, 1, 0, 0, false, lmfn, DOMID_SELF, 8, 8);
	CHECK_EQ("peercopy.batch_dom0_gmfn.rc", gop(GNTTABOP_copy, b2, 2), 0);
	CHECK_EQ("peercopy.batch_dom0_gmfn.0", b2[0].status, GNTST_okay);
	CHECK_EQ("peercopy.batch_dom0_gmfn.1", b2[1].status, GNTST_permission_denied);
	CHECK_EQ("peercopy.not_ours", copy1(seg(true, REF_OTHER, 0, 0, false, lmfn, DOMID_SELF, 0, 8)), GNTST_general_error);
}
