/* The builder's destroy-while-mapped probe (destroy_mapped.c). */
#ifndef BUILDER_DESTROY_MAPPED_H
#define BUILDER_DESTROY_MAPPED_H
#include "toolstack.h"

void destroy_while_mapped(void);
#endif
