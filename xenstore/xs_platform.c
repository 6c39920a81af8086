/* Choice of the domain interface (see xs_platform.h). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_platform.h"
#include "xs_ring_plat.h"
#include "xs_xen.h"

int xs_platform_setup(struct xs_core *c, struct xs_loop *l,
		      const char *sim_dir, bool domain_init)
{
	struct xs_xen *x;
	int err = 0;

	if (sim_dir) {
		x = xs_xen_sim_open(sim_dir, &err);
		if (!x)
			return err;
		xs_info("simulated domains in %s", sim_dir);
	} else {
		if (!domain_init)
			return 0;
		x = xs_xen_linux_open(&err);
		if (!x) {
			/* Not dom0 of a Xen host: serve the sockets alone. */
			xs_info("no Xen event channel device (%s): serving "
				"sockets only", strerror(err));
			return 0;
		}
	}
	err = xs_ring_plat_start(c, l, x);
	if (err)
		x->ops->close(x);
	return err;
}

void xs_platform_attach_dom0(struct xs_core *c)
{
	if (c->plat)
		xs_ring_plat_attach_dom0(c);
}

void xs_platform_teardown(struct xs_core *c)
{
	xs_ring_plat_stop(c);
}
