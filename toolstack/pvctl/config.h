/* pvctl's config: xl.cfg through toolstack/xlcfg (the project's parser). */
#ifndef PVCTL_CONFIG_H
#define PVCTL_CONFIG_H
#include "xlcfg.h"

/* 0, or -1 with one line in err ("PATH: line N: ..."). */
int config_load(const char *path, const char *const *overrides, size_t n,
                const struct xlcfg_limits *limits, struct xlcfg *cfg, char *err, size_t errlen);
void config_free(struct xlcfg *cfg);
#endif
