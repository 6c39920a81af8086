/* The hotplug commands (pvctl's block-attach ... network create). */
#ifndef PVISOR_DEVICES_CLI_H
#define PVISOR_DEVICES_CLI_H

/* argv[0] is the command; returns the process exit status.  Handles
 * block-attach, block-detach, network-attach, network-detach, network. */
int devices_cli(int argc, char **argv);
/* Is cmd one of devices_cli's commands? */
int devices_cli_handles(const char *cmd);

#endif
