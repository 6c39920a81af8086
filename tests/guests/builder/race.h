/* Several dom0 vCPUs racing on domctl for the same domains (race.c). */
#ifndef BUILDER_RACE_H
#define BUILDER_RACE_H
#include "toolstack.h"
void domctl_races(const struct image *img);
#endif
