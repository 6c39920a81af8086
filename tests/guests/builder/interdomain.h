/* The builder's interdomain event-channel ping-pong (interdomain.c). */
#ifndef BUILDER_INTERDOMAIN_H
#define BUILDER_INTERDOMAIN_H
#include "toolstack.h"

/* The "interdomain" kernel as a domU, talking to us over channels we
 * offer it: ping-pong, either end closing, the domU's death. */
void interdomain_pingpong(const struct image *img);
#endif
