/*
 * Maptrack exhaustion: the peer is created with max_maptrack_frames 1
 * (createdomain). Xen 4.17 gives a vCPU a page of 256 handles and keeps
 * one entry of each free list back as its tail, so one vCPU gets 255
 * mappings, then GNTST_no_space; every handle comes back with its unmap
 * and the next map works again. Device maps of dom0's grants, spread
 * over refs and kinds so that no 8-bit pin counter overflows first.
 */
#include "pair.h"

#define TRIES 600
static grant_handle_t handles[TRIES];
static uint64_t buses[TRIES];

void maptrack_limit(void)
{
	static const grant_ref_t refs[] = { REF_RW, REF_COPY_DST, REF_RO, REF_COPY_SRC };
	unsigned int n = 0, bad_unmaps = 0;
	int16_t last = GNTST_okay;

	for (unsigned int i = 0; i < TRIES && last == GNTST_okay; i++) {
		unsigned int k = (i / 100) % 8;
		grant_ref_t ref = refs[k / 2];
		bool ro = (k & 1) || ref == REF_RO || ref == REF_COPY_SRC;
		struct gnttab_map_grant_ref m = gmap(0, ref, 0, GNTMAP_device_map | (ro ? GNTMAP_readonly : 0));
		last = m.status;
		if (m.status == GNTST_okay) {
			handles[n] = m.handle;
			buses[n++] = m.dev_bus_addr;
		}
	}
	CHECK_EQ("maptrack.mapped", n, 255);
	CHECK_EQ("maptrack.refused", last, GNTST_no_space);
	for (unsigned int i = 0; i < n; i++)
		bad_unmaps += gunmap(0, buses[i], handles[i]) != GNTST_okay;
	CHECK_EQ("maptrack.unmaps_failed", bad_unmaps, 0);
	struct gnttab_map_grant_ref m = gmap(0, REF_RW, 0, GNTMAP_device_map);
	CHECK_EQ("maptrack.map_again", m.status, GNTST_okay);
	if (m.status == GNTST_okay)
		CHECK_EQ("maptrack.unmap_again", gunmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
}
