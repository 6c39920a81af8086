/* Choice of the domain interface (see xs_platform.h). */
#include <errno.h>
#include <stddef.h>

#include "xs_core.h"
#include "xs_platform.h"

int xs_platform_setup(struct xs_core *c, struct xs_loop *l,
		      const char *sim_dir, bool domain_init)
{
	(void)c;
	(void)l;
	(void)sim_dir;
	(void)domain_init;
	return 0;
}

void xs_platform_attach_dom0(struct xs_core *c)
{
	(void)c;
}

void xs_platform_teardown(struct xs_core *c)
{
	(void)c;
}
