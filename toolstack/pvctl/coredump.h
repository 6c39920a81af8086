/*
 * on_crash = "coredump-destroy" / "coredump-restart": the domain's memory
 * and vCPU state written to a file in Xen's dump-core format before the
 * domain goes, as xl does (XEN_DUMP_DIR/NAME).
 */
#ifndef PVCTL_COREDUMP_H
#define PVCTL_COREDUMP_H
#include <stddef.h>
#include <stdint.h>

#define PVCTL_DUMP_DIR "/var/lib/xen/dump"   /* xl's XEN_DUMP_DIR */

/* Write domid's core to path: 0 and a summary in msg ("N pages, M vCPUs"),
 * or -1 with one line in msg (no file left). */
int core_dump(uint32_t domid, const char *path, char *msg, size_t msglen);
#endif
