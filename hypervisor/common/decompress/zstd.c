#include "decomp_internal.h"
size_t zstd_work_size(void) { return 0; }
int zstd_decode(const void *in, size_t in_len, void *out, size_t out_cap,
                size_t *out_len, size_t *in_used, void *work, size_t work_len)
{ (void)in; (void)in_len; (void)out; (void)out_cap; (void)out_len; (void)in_used; (void)work; (void)work_len; return DECOMP_ERR_UNSUPPORTED; }
