/*
 * Creating a PV domU, libxl/libxc's sequence reduced to what a PV Linux
 * needs (domu-path-guide.md §1.5): createdomain .. unpause, xenstore
 * entries, XS_INTRODUCE. A create that fails half-way undoes it all.
 */
#ifndef PVCTL_BUILD_H
#define PVCTL_BUILD_H
#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>
#include "xlcfg.h"

/* Phases of a create in seconds (populate and fill are parts of build,
 * introduce of xenstore).  In: verbose, each device's phases on stderr;
 * no_connect, return once the guest runs (its backends ready) without
 * waiting for its frontends. */
struct timings {
    double parse, load, build, xenstore, devices, unpause, connect, populate, fill, introduce;
    /* the kernel's part of fill: mapping, copying, unmapping its pages
     * (those holding data, of the region's) */
    double kmap, kcopy, kunmap;
    unsigned long kpages_mapped, kpages;
    const char *kernel;
    bool verbose, no_connect;
};

/* 0 and *domid, or -1 with one line in err. Leaves the domain running. */
int domain_create(struct xs_handle *xs, const struct xlcfg *cfg, uint32_t *domid,
                  struct timings *t, char *err, size_t errlen);

/* Everything of a domain: its disks and vifs (closed, loop devices freed),
 * xenstore, ports, memory (destroydomain). */
/* the last domain_destroy's phases, for -v */
struct destroy_timings { double pause, devices, xenstore, destroy; unsigned calls; };
extern struct destroy_timings destroy_t;

int domain_destroy(struct xs_handle *xs, uint32_t domid, char *err, size_t errlen);

double now_s(void);
#endif
