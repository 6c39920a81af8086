/* Included first in every hypervisor file: all symbols are local to the
 * image, so -fpie code reaches them RIP-relative instead of through a GOT
 * (the image has none). */
#pragma GCC visibility push(hidden)
