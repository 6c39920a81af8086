/*
 * The xl.cfg syntax (libxlutil's libxlu_cfg_l.l / libxlu_cfg_y.y): text to
 * a list of settings, before any key means anything.
 */
#ifndef PVISOR_XLCFG_SYNTAX_H
#define PVISOR_XLCFG_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

#include "xlcfg.h"

#define XLCFG_NEST_MAX     4     /* [ [ ... ] ]: deeper lists are refused */
#define XLCFG_SETTINGS_MAX 1024  /* settings in one config, overrides included */

struct xlcfg_value {
    bool is_list;
    int line;
    char *str;                       /* !is_list: NUL-free, at most XLCFG_STRING_MAX */
    struct xlcfg_value **items;      /* is_list */
    size_t n_items;
};

struct xlcfg_setting {
    char *key;
    bool add;                        /* written with += */
    int line;                        /* line of the key */
    int override;                    /* 1-based command-line override, or 0 */
    struct xlcfg_value *value;       /* after += concatenation, as libxlutil */
    struct xlcfg_setting *next;      /* file order */
};

struct xlcfg_doc {
    struct xlcfg_setting *first, *last;
    size_t n;
};

/*
 * Parse `len` bytes; lines are numbered from 1, or all reported as
 * `override` when it is nonzero.  Appends to *doc (settings of earlier
 * calls take part in += concatenation).  Returns 0, or -1 with *err set.
 */
int xlcfg_syntax_parse(const char *data, size_t len, int override,
                       struct xlcfg_doc *doc, struct xlcfg_error *err);

/* The newest setting of `key` (the one xl uses), or NULL. */
const struct xlcfg_setting *xlcfg_doc_find(const struct xlcfg_doc *doc,
                                           const char *key);

void xlcfg_doc_free(struct xlcfg_doc *doc);

/* printf into err->message (and the line/override of the place). */
void xlcfg_fail(struct xlcfg_error *err, int line, int override,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
