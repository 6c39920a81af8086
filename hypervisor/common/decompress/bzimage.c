#include "decomp_internal.h"
int kernel_image_probe(const void *img, size_t len, size_t limit, struct kernel_image *ki)
{ (void)img; (void)len; (void)limit; (void)ki; return DECOMP_ERR_BZIMAGE; }
int kernel_image_unpack(const void *img, size_t len, const struct kernel_image *ki,
                        void *out, size_t out_cap, size_t *out_len, void *work, size_t work_len)
{ (void)img; (void)len; (void)ki; (void)out; (void)out_cap; (void)out_len; (void)work; (void)work_len; return DECOMP_ERR_BZIMAGE; }
