/* The daemon's state: setup and teardown (see xs_core.h for the map). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"

int xs_core_init(struct xs_core *c, const struct xs_limits *lim)
{
	memset(c, 0, sizeof(*c));
	c->lim = *lim;
	c->priv_domid = 0;
	c->history_max = 100000;
	if (xs_store_init(&c->store))
		return ENOMEM;
	c->wroot = calloc(1, sizeof(*c->wroot) + 1);
	if (!c->wroot)
		return ENOMEM;
	return 0;
}

static void wtrie_free(struct xs_wnode *w)
{
	uint32_t i;

	for (i = 0; i < w->nkids; i++)
		wtrie_free(w->kids[i]);
	free(w->kids);
	free(w);
}

void xs_core_destroy(struct xs_core *c)
{
	while (c->conns)
		xs_conn_free(c->conns);
	while (c->domains) {
		struct xs_domain *d = c->domains;
		c->domains = d->next;
		if (c->plat && c->plat->disconnect)
			c->plat->disconnect(c->plat_ctx, c, d);
		free(d);
	}
	if (c->wroot)
		wtrie_free(c->wroot);
	xs_store_destroy(&c->store);
	free(c->fires);
	free(c->arena);
	memset(c, 0, sizeof(*c));
}

int xs_core_populate(struct xs_core *c, const char *daemon_path)
{
	static const struct xs_caller dom0 = { 0, XS_NO_TARGET, true, true };
	struct xs_access a = { &c->store, NULL, &dom0, &c->lim };
	static const char *const nodes[] = {
		"/local", "/tool", "/@introduceDomain", "/@releaseDomain",
	};
	unsigned i;
	bool changed;
	int err;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if ((err = xs_access_write(&a, nodes[i], NULL, 0, true, &changed)))
			return err;
	return xs_access_write(&a, "/tool/xenstored", daemon_path,
			       strlen(daemon_path), false, &changed);
}
