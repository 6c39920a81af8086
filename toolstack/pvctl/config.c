/* pvctl's config through xlcfg, with the seam of config.h. */
#include "config.h"
#include "image.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_seam_parse(const char *data, size_t len, const char *const *ov, size_t n_ov,
                      const struct xlcfg_limits *lim, struct xlcfg *c, char *err, size_t el);

static bool seam;

int config_load(const char *path, const char *const *overrides, size_t n,
                const struct xlcfg_limits *limits, struct xlcfg *cfg, char *err, size_t errlen)
{
    struct xlcfg_error xe;
    char line[400];

    if (!xlcfg_parse_file(path, overrides, n, limits, cfg, &xe))
        return 0;
    if (strcmp(xe.message, "config parser not implemented yet")) {
        xlcfg_error_format(&xe, line, sizeof(line));
        snprintf(err, errlen, "%s: %s", path, line);
        return -1;
    }
    uint8_t *data;
    size_t len;
    if (read_file(path, XLCFG_FILE_MAX, &data, &len, err, errlen))
        return -1;
    seam = true;
    int rc = config_seam_parse((const char *)data, len, overrides, n, limits, cfg, line, sizeof(line));
    free(data);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, line);
        config_free(cfg);
    }
    return rc;
}

void config_free(struct xlcfg *cfg)
{
    if (seam) {
        free(cfg->name);
        free(cfg->kernel);
        free(cfg->ramdisk);
        free(cfg->cmdline);
        memset(cfg, 0, sizeof(*cfg));
        return;
    }
    xlcfg_free(cfg);
}
