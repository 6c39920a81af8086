/*
 * Domains: XS_INTRODUCE connects a guest's ring (through the platform),
 * XS_RELEASE disconnects it, XS_SET_TARGET lets a device model act for
 * its target. Introducing fires @introduceDomain, releasing fires
 * @releaseDomain; releasing also makes the store forget the domain in
 * every node's permissions (owner becomes dom0, ACL entries go), so a
 * later domain reusing the id inherits nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_persist.h"

struct xs_domain *xs_domain_find(struct xs_core *c, uint32_t domid)
{
	struct xs_domain *d;

	for (d = c->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

void xs_domain_apply_identity(struct xs_core *c, struct xs_conn *conn)
{
	struct xs_domain *d = conn->dom;

	conn->id.privileged = xs_caller_privileged(c, conn->id.domid);
	conn->id.target = d ? d->target : XS_NO_TARGET;
}

int xs_domain_introduce(struct xs_core *c, struct xs_conn *by, uint32_t domid,
			uint64_t mfn, uint32_t port)
{
	struct xs_domain *d = xs_domain_find(c, domid);
	int err;

	if (d) {
		/* The toolstack re-introduces a domain to give it a new event
		 * channel (e.g. after a guest's xenbus reset). */
		if (d->mfn == mfn && d->conn != by && d->port != port) {
			d->port = port;
			if (c->plat && c->plat->rebind &&
			    c->plat->rebind(c->plat_ctx, c, d))
				return EINVAL;
			xs_persist_domain(c, d);
		}
		return d->mfn == mfn && d->port == port ? 0 : EINVAL;
	}
	if (!c->plat || !c->plat->connect)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->domid = domid;
	d->mfn = mfn;
	d->port = port;
	d->target = XS_NO_TARGET;
	err = c->plat->connect(c->plat_ctx, c, d);
	if (err) {
		xs_warn("cannot connect domain %u (ring %#llx, port %u): %s",
			domid, (unsigned long long)mfn, port, strerror(err));
		free(d);
		return EINVAL;
	}
	d->introduced = true;
	d->next = c->domains;
	c->domains = d;
	if (d->conn) {
		d->conn->dom = d;
		xs_domain_apply_identity(c, d->conn);
	}
	xs_info("domain %u introduced (ring %#llx, port %u)", domid,
		(unsigned long long)mfn, port);
	xs_persist_domain(c, d);
	xs_watch_fire_special(c, "@introduceDomain");
	return 0;
}

static void forget_in_perms(struct xs_core *c, struct xs_node *n,
			    uint32_t domid)
{
	uint32_t i;

	if (n->perms) {
		const struct xs_permset *p = xs_permset_forget(n->perms, domid);
		if (p && p != n->perms)
			xs_store_set(&c->store, NULL, n, p, true, NULL, 0, false);
		xs_permset_put(p);
	}
	for (i = 0; i < n->nkids; i++)
		forget_in_perms(c, n->kids[i], domid);
}

int xs_domain_release(struct xs_core *c, uint32_t domid)
{
	struct xs_domain *d = xs_domain_find(c, domid), **pp;

	if (!d)
		return EINVAL;
	for (pp = &c->domains; *pp != d; pp = &(*pp)->next)
		;
	*pp = d->next;
	/* The platform owns the ring connection (it may be the one whose
	 * request we are handling, so it goes at the end of the turn). */
	if (c->plat && c->plat->disconnect)
		c->plat->disconnect(c->plat_ctx, c, d);
	else if (d->conn)
		xs_conn_free(d->conn);
	d->conn = NULL;
	xs_info("domain %u released", domid);
	xs_persist_release(c, domid);
	free(d);
	if (domid != 0 && domid != c->priv_domid)
		forget_in_perms(c, c->store.root, domid);
	xs_watch_fire_special(c, "@releaseDomain");
	return 0;
}

int xs_domain_set_target(struct xs_core *c, uint32_t domid, uint32_t target)
{
	struct xs_domain *d = xs_domain_find(c, domid);

	if (!d)
		return ENOENT;
	d->target = target;
	if (d->conn)
		xs_domain_apply_identity(c, d->conn);
	xs_persist_domain(c, d);
	return 0;
}
