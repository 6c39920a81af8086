/* xlcfg: stub until the parser lands; refuses every config. */
#include <stdio.h>
#include <string.h>

#include "xlcfg.h"

static const char *const action_names[] = {
    [XLCFG_ACTION_DESTROY] = "destroy",
    [XLCFG_ACTION_RESTART] = "restart",
    [XLCFG_ACTION_RENAME_RESTART] = "rename-restart",
    [XLCFG_ACTION_PRESERVE] = "preserve",
    [XLCFG_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
    [XLCFG_ACTION_COREDUMP_RESTART] = "coredump-restart",
    [XLCFG_ACTION_SOFT_RESET] = "soft-reset",
};

const char *xlcfg_action_name(enum xlcfg_action a)
{
    if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
        return "?";
    return action_names[a];
}

int xlcfg_parse_buffer(const char *data, size_t len,
                       const char *const *overrides, size_t n_overrides,
                       const struct xlcfg_limits *limits,
                       struct xlcfg *cfg, struct xlcfg_error *err)
{
    (void)data; (void)len; (void)overrides; (void)n_overrides; (void)limits;
    memset(cfg, 0, sizeof(*cfg));
    memset(err, 0, sizeof(*err));
    snprintf(err->message, sizeof(err->message), "config parser not implemented yet");
    return -1;
}

int xlcfg_parse_file(const char *path,
                     const char *const *overrides, size_t n_overrides,
                     const struct xlcfg_limits *limits,
                     struct xlcfg *cfg, struct xlcfg_error *err)
{
    (void)path;
    return xlcfg_parse_buffer("", 0, overrides, n_overrides, limits, cfg, err);
}

void xlcfg_free(struct xlcfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

int xlcfg_error_format(const struct xlcfg_error *err, char *buf, size_t len)
{
    if (err->override)
        return snprintf(buf, len, "override %d: %s", err->override, err->message);
    if (err->line)
        return snprintf(buf, len, "line %d: %s", err->line, err->message);
    return snprintf(buf, len, "%s", err->message);
}
