/*
 * xlcfg against Debian's libxlutil (the library Xen 4.17's xl parses
 * configs with): the same bytes through both, every value pvctl uses
 * compared.  Shared by the corpus test and the differential fuzzer.
 */
#ifndef PVISOR_XLCFG_REF_H
#define PVISOR_XLCFG_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "xlcfg.h"

struct xlcfg_ref_result {
    bool ours_ok;           /* xlcfg accepted */
    bool xl_ok;             /* libxlutil accepted the syntax and every disk spec */
    char ours_error[320];   /* xlcfg_error_format of our refusal */
    int ours_line, ours_override;   /* where it points */
    char mismatch[512];     /* why the two disagree; "" when they agree */
};

/*
 * Parse with both.  They agree when xlcfg refuses, or when both accept and
 * every value matches.  Returns 0 when they agree, -1 (mismatch set) not.
 */
int xlcfg_ref_compare(const char *data, size_t len,
                      const char *const *overrides, size_t n_overrides,
                      const struct xlcfg_limits *limits,
                      struct xlcfg_ref_result *res);

/*
 * One disk spec through xlcfg's scanner (before pvctl's limits) and
 * xlu_disk_parse: both accept or both refuse, and read the same fields.
 * Specs with control characters other than tab are skipped (xlcfg refuses
 * them on purpose).  Returns 0 when they agree, -1 with `why` set.
 */
int xlcfg_ref_disk_compare(const char *spec, char *why, size_t whylen);

/*
 * The syntax alone: xlcfg's settings against xlu_cfg_readdata's.  Both
 * accept or both refuse, except where xlcfg refuses on purpose (octal
 * escapes, NUL, its size bounds); every key's last value is the same
 * string or list of strings.  Returns 0 when they agree, -1 with `why`.
 */
int xlcfg_ref_syntax_compare(const char *data, size_t len, char *why, size_t whylen);

#endif
