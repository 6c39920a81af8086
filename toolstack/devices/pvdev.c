/* pvdev: the hotplug commands on their own, until pvctl's create uses the
 * devices module (and for the Xen 4.17 reference dom0, which has no pvctl). */
#include "devices_cli.h"
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2 || !devices_cli_handles(argv[1])) {
        fprintf(stderr, "usage: pvdev block-attach|block-detach|network-attach|network-detach|network ...\n");
        return 2;
    }
    return devices_cli(argc - 1, argv + 1);
}
