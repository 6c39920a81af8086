/* Command-line parsing (pure: no hypervisor state, unit-tested on the host). */
#include <pvisor/cmdline.h>
#include <string.h>

#define MAX_NAME 64
#define MAX_VALUE 1024

bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
    static const char *const no[] = { "0", "no", "off", "false", "disable" };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!strcmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool parse_size(const char *s, u64 *out, const char **end)
{
    u64 v = 0;
    const char *p = s;
    unsigned shift;

    if (*p < '0' || *p > '9')
        return false;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'f')))
            return false;
        for (;; p++) {
            unsigned d;
            if (*p >= '0' && *p <= '9') d = *p - '0';
            else if ((*p | 32) >= 'a' && (*p | 32) <= 'f') d = (*p | 32) - 'a' + 10;
            else break;
            if (v >> 60)
                return false;
            v = v * 16 + d;
        }
    } else {
        for (; *p >= '0' && *p <= '9'; p++) {
            if (v > (UINT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (*p - '0');
        }
    }
    switch (*p) {
    case 'T': case 't': shift = 40; p++; break;
    case 'G': case 'g': shift = 30; p++; break;
    case 'M': case 'm': shift = 20; p++; break;
    case 'K': case 'k': shift = 10; p++; break;
    case 'B': case 'b': shift = 0; p++; break;
    default: shift = 10; break;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    if (end)
        *end = p;
    return true;
}

const char *cmdline_skip_first_word(const char *s)
{
    while (*s == ' ')
        s++;
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

/* Split off the next option: copies the name and (unquoted) value, returns
 * the position after the option or NULL at the end of the line. */
static const char *next_option(const char *p, char *name, char *value, bool *has_value)
{
    size_t n = 0, v = 0;
    bool quoted = false;

    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    if (!*p)
        return NULL;
    *has_value = false;
    for (; *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '='; p++)
        if (n < MAX_NAME - 1)
            name[n++] = *p;
    name[n] = '\0';
    if (*p == '=') {
        *has_value = true;
        for (p++; *p; p++) {
            if (*p == '"') {
                quoted = !quoted;
                continue;
            }
            if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
                break;
            if (v < MAX_VALUE - 1)
                value[v++] = *p;
        }
    }
    value[v] = '\0';
    return p;
}

/* Decimal or 0x-prefixed hex, the whole string, no overflow. */
static bool parse_uint(const char *s, u64 *out)
{
    u64 v = 0;
    unsigned base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (base == 16 && (*s | 32) >= 'a' && (*s | 32) <= 'f') d = (*s | 32) - 'a' + 10;
        else return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static bool store_uint(const struct kernel_param *kp, u64 v)
{
    switch (kp->size) {
    case 1: if (v > UINT8_MAX) return false; *(u8 *)kp->var = (u8)v; return true;
    case 2: if (v > UINT16_MAX) return false; *(u16 *)kp->var = (u16)v; return true;
    case 4: if (v > UINT32_MAX) return false; *(u32 *)kp->var = (u32)v; return true;
    case 8: *(u64 *)kp->var = v; return true;
    }
    return false;
}

static bool apply(const struct kernel_param *kp, const char *value, bool has_value, bool negated)
{
    u64 v;
    const char *end;

    switch (kp->type) {
    case PARAM_BOOL: {
        bool b = true;
        if (has_value && !parse_bool(value, &b))
            return false;
        *(bool *)kp->var = negated ? !b : b;
        return true;
    }
    case PARAM_UINT:
        if (!has_value || !parse_uint(value, &v))
            return false;
        return store_uint(kp, v);
    case PARAM_SIZE:
        if (!has_value || !parse_size(value, &v, &end) || *end)
            return false;
        return store_uint(kp, v);
    case PARAM_STRING:
        if (!has_value)
            return false;
        if (strlen(value) >= kp->size)
            return false;
        strlcpy(kp->var, value, kp->size);
        return true;
    case PARAM_CUSTOM:
        return kp->custom(has_value ? value : NULL) == 0;
    }
    return false;
}

static const struct kernel_param *lookup(const struct kernel_param *params, size_t nr,
                                         const char *name)
{
    for (size_t i = 0; i < nr; i++)
        if (!strcmp(params[i].name, name))
            return &params[i];
    return NULL;
}

int cmdline_parse(const char *cmdline, const struct kernel_param *params, size_t nr,
                  cmdline_unknown_fn unknown)
{
    char name[MAX_NAME], value[MAX_VALUE];
    bool has_value;
    int bad = 0;
    const char *p = cmdline;

    while (p && (p = next_option(p, name, value, &has_value)) != NULL) {
        const struct kernel_param *kp = lookup(params, nr, name);
        bool negated = false;

        if (!kp && (!strncmp(name, "no-", 3) || !strncmp(name, "no", 2))) {
            const char *base = name + (name[2] == '-' ? 3 : 2);
            kp = lookup(params, nr, base);
            if (kp && kp->type == PARAM_BOOL)
                negated = true;
            else
                kp = NULL;
        }
        if (!kp) {
            if (unknown)
                unknown(name, has_value ? value : NULL);
            continue;
        }
        if (!apply(kp, value, has_value, negated))
            bad++;
    }
    return bad;
}

bool cmdline_find(const char *cmdline, const char *name, char *buf, size_t len)
{
    char n[MAX_NAME], value[MAX_VALUE];
    bool has_value, found = false;
    const char *p = cmdline;

    while (p && (p = next_option(p, n, value, &has_value)) != NULL) {
        if (!strcmp(n, name) && has_value) {
            strlcpy(buf, value, len);
            found = true;
        }
    }
    return found;
}
