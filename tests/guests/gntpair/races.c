/*
 * Two vCPUs of dom0 racing on one grant of a domU (stateful hypercalls
 * get a racing test): both map and unmap the same ref at once; one copies
 * out of a ref while the other revokes and re-grants it as Linux's
 * end_foreign_access does. Every map and copy either works (and sees the
 * granter's data) or is refused with GNTST_general_error (never any other
 * answer), every unmap works, and the entry ends with no status bits.
 * Counts vary from run to run; only the invariants are checked.
 */
#include "pair.h"

#define REF_X  28
#define ROUNDS 300
#define PATTERN_X 0x72616365ULL

static void invlpg(const void *va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
	op.arg1.linear_addr = (unsigned long)va;
	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static grant_entry_v1_t *race_gt;
static struct domu *race_d;
static uint64_t *race_pages[2];
static volatile unsigned int race_stop, revoked, kept;

/* The racing side goes on until the revoker has revoked a few times
 * (a vCPU may start late: its peer must not finish alone). */
static bool enough(unsigned int i)
{
	return i >= 20000 || (i >= ROUNDS && revoked >= 20);
}

static long map_unmap(unsigned int id, void *arg)
{
	(void)arg;
	uint64_t *p = race_pages[id];
	long bad = 0;

	for (unsigned int i = 0; i < ROUNDS; i++) {
		struct gnttab_map_grant_ref m = gmap(race_d->id, REF_X, (uint64_t)p, GNTMAP_host_map);
		if (m.status != GNTST_okay) {
			bad++;
			continue;
		}
		invlpg(p);
		bad += p[0] != PATTERN_X;
		bad += gunmap((uint64_t)p, 0, m.handle) != GNTST_okay;
		page_set_rw(p);
	}
	return bad;
}

static long copy_vs_revoke(unsigned int id, void *arg)
{
	unsigned long mfn = (unsigned long)arg;
	long bad = 0;

	if (id == 1) {
		uint64_t *p = race_pages[1];
		for (unsigned int i = 0; !enough(i); i++) {
			struct gnttab_copy c = { .len = 8, .flags = GNTCOPY_source_gref };
			c.source.u.ref = REF_X;
			c.source.domid = race_d->id;
			c.dest.u.gmfn = va_to_mfn(p);
			c.dest.domid = DOMID_SELF;
			p[0] = 0;
			if (gop(GNTTABOP_copy, &c, 1))
				bad++;
			else if (c.status == GNTST_okay)
				bad += p[0] != PATTERN_X;
			else if (c.status != GNTST_general_error)
				bad++;
		}
		race_stop = 1;
		return bad;
	}
	while (!race_stop) {
		if (revoke(&race_gt[REF_X]) == 0) {
			revoked++;
			grant(&race_gt[REF_X], 0, mfn, true);
		} else {
			kept++;
		}
	}
	return 0;
}

/* map vs revoke: a map that works sees the data; refusals are
 * general_error; the revoker never wins while a mapping is live. */
static long map_vs_revoke(unsigned int id, void *arg)
{
	unsigned long mfn = (unsigned long)arg;
	long bad = 0;

	if (id == 1) {
		uint64_t *p = race_pages[1];
		for (unsigned int i = 0; !enough(i); i++) {
			struct gnttab_map_grant_ref m = gmap(race_d->id, REF_X, (uint64_t)p, GNTMAP_host_map | GNTMAP_readonly);
			if (m.status == GNTST_okay) {
				uint16_t f = flags_of(&race_gt[REF_X]);
				invlpg(p);
				bad += !(f & GTF_reading) || p[0] != PATTERN_X;
				bad += gunmap((uint64_t)p, 0, m.handle) != GNTST_okay;
				page_set_rw(p);
			} else if (m.status != GNTST_general_error) {
				bad++;
			}
		}
		race_stop = 1;
		return bad;
	}
	while (!race_stop) {
		if (revoke(&race_gt[REF_X]) == 0) {
			revoked++;
			grant(&race_gt[REF_X], 0, mfn, true);
		} else {
			kept++;
		}
	}
	return 0;
}

void races(struct domu *d, grant_entry_v1_t *dgt)
{
	unsigned long mfn = d->mfn[d->nr_pages - 9];
	const unsigned int s = 43;

	if (smp_start(2) < 2) {
		CHECK("race.two_vcpus", 0);
		return;
	}
	if (map_foreign(s, d->id, mfn, true)) {
		CHECK("race.frame", 0);
		return;
	}
	((uint64_t *)window_slot(s))[0] = PATTERN_X;
	unmap_slot(s);
	race_gt = dgt;
	race_d = d;
	race_pages[0] = alloc_page();
	race_pages[1] = alloc_page();

	grant(&dgt[REF_X], 0, mfn, false);
	smp_run(map_unmap, NULL);
	CHECK_EQ("race.map_unmap.0", smp_results[0], 0);
	CHECK_EQ("race.map_unmap.1", smp_results[1], 0);
	CHECK_EQ("race.map_unmap.flags", flags_of(&dgt[REF_X]), GTF_permit_access);

	grant(&dgt[REF_X], 0, mfn, true);
	race_stop = revoked = kept = 0;
	smp_run(copy_vs_revoke, (void *)mfn);
	CHECK_EQ("race.copy_revoke.copier", smp_results[1], 0);
	CHECK_EQ("race.copy_revoke.flags", flags_of(&dgt[REF_X]), GTF_permit_access | GTF_readonly);
	printf("race: %u revokes, %u refused while copying\n", revoked, kept);

	CHECK(checkname("race.copy_revoke.revoked"), revoked >= 20);
	race_stop = revoked = kept = 0;
	smp_run(map_vs_revoke, (void *)mfn);
	CHECK_EQ("race.map_revoke.mapper", smp_results[1], 0);
	CHECK_EQ("race.map_revoke.flags", flags_of(&dgt[REF_X]), GTF_permit_access | GTF_readonly);
	CHECK(checkname("race.map_revoke.revoked"), revoked >= 20);
	printf("race: %u revokes, %u refused while mapping\n", revoked, kept);
	dgt[REF_X].flags = 0;
}
