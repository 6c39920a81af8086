/* Permission sets: parsing, formatting, interning and access checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_perms.h"

/* Open-addressed intern table of live sets (linear probing, tombstones). */
static const struct xs_permset **tab;
static unsigned tab_cap, tab_used, tab_live;
#define TOMB ((const struct xs_permset *)1)

static uint32_t perms_hash(const struct xs_perm *e, unsigned n)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < n; i++) {
		h = (h ^ e[i].id) * 16777619u;
		h = (h ^ e[i].perm) * 16777619u;
	}
	return h ^ n;
}

static bool perms_equal(const struct xs_permset *p, const struct xs_perm *e,
			unsigned n)
{
	unsigned i;

	if (p->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (p->e[i].id != e[i].id || p->e[i].perm != e[i].perm)
			return false;
	return true;
}

static int tab_grow(void)
{
	const struct xs_permset **old = tab;
	unsigned old_cap = tab_cap, i;

	tab_cap = tab_cap ? tab_cap * 2 : 64;
	if (tab_live * 4 < old_cap)   /* mostly tombstones: rehash same size */
		tab_cap = old_cap;
	tab = calloc(tab_cap, sizeof(*tab));
	if (!tab) {
		tab = old;
		tab_cap = old_cap;
		return -1;
	}
	tab_used = 0;
	for (i = 0; i < old_cap; i++) {
		const struct xs_permset *p = old[i];
		unsigned j;
		if (!p || p == TOMB)
			continue;
		for (j = p->hash & (tab_cap - 1); tab[j]; j = (j + 1) & (tab_cap - 1))
			;
		tab[j] = p;
		tab_used++;
	}
	free(old);
	return 0;
}

const struct xs_permset *xs_permset_get(const struct xs_perm *e, unsigned n)
{
	uint32_t h = perms_hash(e, n);
	struct xs_permset *p;
	unsigned i, slot = ~0u;

	if (n == 0 || n > 0xffff)
		return NULL;
	if ((tab_used + 1) * 4 >= tab_cap * 3 && tab_grow())
		return NULL;
	for (i = h & (tab_cap - 1); tab[i]; i = (i + 1) & (tab_cap - 1)) {
		if (tab[i] == TOMB) {
			if (slot == ~0u)
				slot = i;
			continue;
		}
		if (tab[i]->hash == h && perms_equal(tab[i], e, n))
			return xs_permset_ref(tab[i]);
	}
	p = malloc(sizeof(*p) + n * sizeof(p->e[0]));
	if (!p)
		return NULL;
	p->refs = 1;
	p->hash = h;
	p->n = n;
	memcpy(p->e, e, n * sizeof(e[0]));
	if (slot == ~0u) {
		slot = i;
		tab_used++;
	}
	tab[slot] = p;
	tab_live++;
	return p;
}

const struct xs_permset *xs_permset_ref(const struct xs_permset *p)
{
	if (p)
		((struct xs_permset *)p)->refs++;
	return p;
}

void xs_permset_put(const struct xs_permset *p)
{
	unsigned i;

	if (!p || --((struct xs_permset *)p)->refs)
		return;
	for (i = p->hash & (tab_cap - 1); tab[i]; i = (i + 1) & (tab_cap - 1))
		if (tab[i] == p) {
			tab[i] = TOMB;
			break;
		}
	tab_live--;
	free((void *)p);
}

unsigned xs_permset_count(void)
{
	return tab_live;
}

const struct xs_permset *xs_permset_with_owner(const struct xs_permset *p,
					       uint32_t domid)
{
	struct xs_perm e[p->n];

	memcpy(e, p->e, sizeof(e));
	e[0].id = domid;
	return xs_permset_get(e, p->n);
}

const struct xs_permset *xs_permset_forget(const struct xs_permset *p,
					   uint32_t domid)
{
	struct xs_perm e[p->n];
	unsigned i, n = 1;
	bool hit = p->e[0].id == domid;

	e[0] = p->e[0];
	if (hit)
		e[0].id = 0;
	for (i = 1; i < p->n; i++) {
		if (p->e[i].id == domid) {
			hit = true;
			continue;
		}
		e[n++] = p->e[i];
	}
	return hit ? xs_permset_get(e, n) : xs_permset_ref(p);
}

static int parse_one(const char *s, struct xs_perm *out)
{
	unsigned long long v = 0;
	const char *p = s + 1;
	unsigned base = 10;

	switch (s[0]) {
	case 'n': out->perm = XS_P_NONE; break;
	case 'r': out->perm = XS_P_READ; break;
	case 'w': out->perm = XS_P_WRITE; break;
	case 'b': out->perm = XS_P_READ | XS_P_WRITE; break;
	default: return EINVAL;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return EINVAL;
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return EINVAL;
		v = v * base + d;
		if (v > 0xffffffffull)
			return EINVAL;
	}
	out->id = (uint32_t)v;
	return 0;
}

int xs_perms_parse(const char *buf, unsigned count, struct xs_perm *e)
{
	unsigned i;

	for (i = 0; i < count; i++) {
		if (parse_one(buf, &e[i]))
			return EINVAL;
		buf += strlen(buf) + 1;
	}
	return 0;
}

int xs_perms_format(const struct xs_permset *p, char *out, size_t cap)
{
	static const char letter[4] = { 'n', 'r', 'w', 'b' };
	size_t len = 0;
	unsigned i;

	for (i = 0; i < p->n; i++) {
		int w = snprintf(out + len, cap - len, "%c%u",
				 letter[p->e[i].perm & 3], p->e[i].id);
		if (w < 0 || (size_t)w + 1 >= cap - len)
			return -1;
		len += w + 1;   /* keep the nul as separator */
	}
	return (int)len;
}

unsigned xs_perm_for(const struct xs_caller *c, const struct xs_permset *p)
{
	unsigned mask = XS_P_READ | XS_P_WRITE | XS_P_OWNER;
	unsigned i;

	if (!c->can_write)
		mask &= ~XS_P_WRITE;
	if (c->privileged || p->e[0].id == c->domid ||
	    (c->target != XS_NO_TARGET && p->e[0].id == c->target))
		return mask;
	for (i = 1; i < p->n; i++)
		if (p->e[i].id == c->domid ||
		    (c->target != XS_NO_TARGET && p->e[i].id == c->target))
			return p->e[i].perm & mask;
	return p->e[0].perm & mask;
}
