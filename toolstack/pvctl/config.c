/* pvctl's config: xl.cfg through the project's parser (toolstack/xlcfg). */
#include "config.h"
#include <stdio.h>

int config_load(const char *path, const char *const *overrides, size_t n,
                const struct xlcfg_limits *limits, struct xlcfg *cfg, char *err, size_t errlen)
{
    struct xlcfg_error xe;
    char line[400];

    if (!xlcfg_parse_file(path, overrides, n, limits, cfg, &xe))
        return 0;
    xlcfg_error_format(&xe, line, sizeof(line));
    snprintf(err, errlen, "%s: %s", path, line);
    return -1;
}

void config_free(struct xlcfg *cfg)
{
    xlcfg_free(cfg);
}
