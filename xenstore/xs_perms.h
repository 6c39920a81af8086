/*
 * Node permissions: an owner followed by an ACL, as on the wire
 * ("n0", "r5", ...). Permission sets are interned and reference counted:
 * most nodes share a handful of distinct sets, so a node stores only a
 * pointer, and equality is pointer equality.
 */
#ifndef XS_PERMS_H
#define XS_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_P_NONE  0x0
#define XS_P_READ  0x1
#define XS_P_WRITE 0x2
#define XS_P_OWNER 0x8   /* never stored: returned by xs_perm_for() */

struct xs_perm {
	uint32_t id;
	uint8_t perm;    /* XS_P_READ | XS_P_WRITE */
};

/* Immutable once interned. e[0] is the owner and the default for others. */
struct xs_permset {
	uint32_t refs;
	uint32_t hash;
	uint16_t n;
	struct xs_perm e[];
};

/* Who is asking: the identity of a connection. */
struct xs_caller {
	uint32_t domid;
	uint32_t target;     /* set_target: acts for this domain too; XS_NO_TARGET if none */
	bool privileged;     /* dom0 / tools: all checks pass */
	bool can_write;      /* false on the read-only socket */
};
#define XS_NO_TARGET 0xffffffffu

/* Interned set from an array; returns a new reference or NULL (ENOMEM). */
const struct xs_permset *xs_permset_get(const struct xs_perm *e, unsigned n);
const struct xs_permset *xs_permset_ref(const struct xs_permset *p);
void xs_permset_put(const struct xs_permset *p);
/* Copy of p with owner replaced by domid (new reference). */
const struct xs_permset *xs_permset_with_owner(const struct xs_permset *p,
					       uint32_t domid);
/* Copy of p where domid no longer appears: owner -> 0, ACL entries dropped.
 * Returns p itself (new reference) when domid does not appear. */
const struct xs_permset *xs_permset_forget(const struct xs_permset *p,
					   uint32_t domid);
unsigned xs_permset_count(void);   /* distinct interned sets (stats) */

static inline uint32_t xs_permset_owner(const struct xs_permset *p)
{
	return p->e[0].id;
}

/*
 * Parses nul-terminated strings "n0\0r5\0" (exactly `count` of them) from
 * buf into e[]. Returns 0 or EINVAL.
 */
int xs_perms_parse(const char *buf, unsigned count, struct xs_perm *e);
/* Writes "n0\0r5\0" into out (cap bytes); returns length or -1 if too long. */
int xs_perms_format(const struct xs_permset *p, char *out, size_t cap);

/* The rights a caller has on a node with these perms (XS_P_* | XS_P_OWNER). */
unsigned xs_perm_for(const struct xs_caller *c, const struct xs_permset *p);

#endif
