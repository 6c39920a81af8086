/*
 * Hypervisor command-line parsing, Xen style: space separated `name`,
 * `name=value`, `no-name` for booleans, values optionally in double quotes.
 * Parameters register themselves with the *_param() macros below into the
 * .data.params section; the parser itself is pure (unit-tested on the host).
 */
#ifndef PVISOR_CMDLINE_H
#define PVISOR_CMDLINE_H

#include <pvisor/types.h>

enum param_type { PARAM_BOOL, PARAM_UINT, PARAM_SIZE, PARAM_STRING, PARAM_CUSTOM };

struct kernel_param {
    const char *name;
    enum param_type type;
    void *var;
    size_t size;                      /* width of an integer, capacity of a string */
    int (*custom)(const char *value); /* value is NULL for a bare `name` */
};

#define __param(n, t, v, s, c) \
    static const struct kernel_param __param_##v __attribute__((used, section(".data.params"), aligned(8))) = \
        { n, t, &(v), s, c }
#define boolean_param(n, v) __param(n, PARAM_BOOL, v, sizeof(v), NULL)
#define integer_param(n, v) __param(n, PARAM_UINT, v, sizeof(v), NULL)
#define size_param(n, v)    __param(n, PARAM_SIZE, v, sizeof(v), NULL)
#define string_param(n, v)  __param(n, PARAM_STRING, v, sizeof(v), NULL)
#define custom_param(n, fn) \
    static const struct kernel_param __param_##fn __attribute__((used, section(".data.params"), aligned(8))) = \
        { n, PARAM_CUSTOM, NULL, 0, fn }

/* Called for a name no table entry knows; value may be NULL. */
typedef void (*cmdline_unknown_fn)(const char *name, const char *value);

/* Parse cmdline against params[0..nr). Returns the number of options that
 * were malformed (bad value); unknown names go to `unknown`. */
int cmdline_parse(const char *cmdline, const struct kernel_param *params, size_t nr,
                  cmdline_unknown_fn unknown);

/* Copy the value of the last `name=value` on the line into buf; true if found.
 * Used before the full parse (the console must come up first). */
bool cmdline_find(const char *cmdline, const char *name, char *buf, size_t len);

/* "yes/on/true/enable/1" and their opposites. */
bool parse_bool(const char *s, bool *out);

/* A size with an optional unit suffix B, K, M, G, T (default unit: KiB, as
 * Xen's parse_size_and_unit). *end points past the parsed text. */
bool parse_size(const char *s, u64 *out, const char **end);

/* Boot loaders other than GRUB 2 put the image name before the arguments;
 * Xen strips it, so do we. */
const char *cmdline_skip_first_word(const char *s);

#endif
