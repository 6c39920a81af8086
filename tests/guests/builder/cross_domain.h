/* The builder's cross-domain probes (cross_domain.c). */
#ifndef BUILDER_CROSS_DOMAIN_H
#define BUILDER_CROSS_DOMAIN_H
#include "toolstack.h"

/* Two domUs of `img` at once, then a claimed domain; all gone after. */
void cross_domain_probes(const struct image *img);
#endif
