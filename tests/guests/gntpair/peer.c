/*
 * dom0's side of the peer's part: the pages and entries dom0 grants the
 * peer before it runs, and what dom0 finds in them once the peer is down
 * (the peer's writes through its mapping and its copy arrived; the one
 * mapping the peer keeps at shutdown still holds GTF_reading|GTF_writing;
 * every other entry has no status bits).
 */
#include "pair.h"

uint64_t *d0_rw, *d0_ro, *d0_copy_dst, *d0_copy_src;
struct pp_sring *d0_ring;

void peer_grants(grant_entry_v1_t *gt, domid_t peer)
{
	d0_rw = alloc_page();
	d0_ro = alloc_page();
	d0_copy_dst = alloc_page();
	d0_copy_src = alloc_page();
	d0_ring = alloc_page();
	d0_rw[0] = PATTERN_RW;
	d0_ro[0] = PATTERN_RO;
	for (unsigned int i = 0; i < 512; i++)
		d0_copy_src[i] = PATTERN_SRC;
	SHARED_RING_INIT(d0_ring);
	grant(&gt[REF_RW], peer, va_to_mfn(d0_rw), false);
	grant(&gt[REF_RO], peer, va_to_mfn(d0_ro), true);
	grant(&gt[REF_RING], peer, va_to_mfn(d0_ring), false);
	grant(&gt[REF_OTHER], (domid_t)(peer + 1), va_to_mfn(d0_rw), false);
	gt[REF_NONE].domid = peer;
	gt[REF_NONE].frame = (uint32_t)va_to_mfn(d0_rw);
	gt[REF_NONE].flags = 0;
	grant(&gt[REF_COPY_DST], peer, va_to_mfn(d0_copy_dst), false);
	grant(&gt[REF_COPY_SRC], peer, va_to_mfn(d0_copy_src), true);
}

void peer_checks_after(grant_entry_v1_t *gt)
{
	CHECK_EQ("peer.after.rw_written", d0_rw[1], MARK_PEER);
	CHECK_EQ("peer.after.ro_intact", d0_ro[0] == PATTERN_RO && d0_ro[1] == 0, 1);
	CHECK_EQ("peer.after.copy_arrived", d0_copy_dst[1], MARK_COPY);
	CHECK_EQ("peer.after.copy_only_there", d0_copy_dst[0] == 0 && d0_copy_dst[2] == 0, 1);
	CHECK_EQ("peer.after.src_intact", d0_copy_src[0] == PATTERN_SRC && d0_copy_src[511] == PATTERN_SRC, 1);
	CHECK_EQ("peer.after.kept_mapping", flags_of(&gt[REF_RW]), GTF_permit_access | GTF_reading | GTF_writing);
	CHECK_EQ("peer.after.ro_flags", flags_of(&gt[REF_RO]), GTF_permit_access | GTF_readonly);
	CHECK_EQ("peer.after.ring_flags", flags_of(&gt[REF_RING]), GTF_permit_access);
	CHECK_EQ("peer.after.copy_flags", flags_of(&gt[REF_COPY_DST]) | flags_of(&gt[REF_COPY_SRC]) << 8,
		 GTF_permit_access | (GTF_permit_access | GTF_readonly) << 8);
	CHECK_EQ("peer.after.none_flags", flags_of(&gt[REF_NONE]) | flags_of(&gt[REF_OTHER]) << 8,
		 GTF_permit_access << 8);
	CHECK_EQ("peer.after.revoke_kept", revoke(&gt[REF_RW]), GTF_permit_access | GTF_reading | GTF_writing);
}
