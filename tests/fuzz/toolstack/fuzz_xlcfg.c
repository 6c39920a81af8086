/*
 * libFuzzer: config bytes through xlcfg and Debian's libxlutil.  Whatever
 * xlcfg accepts, libxlutil must accept and read the same values; whatever
 * xlcfg refuses must carry a message (and a line when the bytes have one).
 * The syntax layers must agree both ways (but for xlcfg's deliberate
 * refusals), and the same bytes as one disk spec must get the same answer
 * and fields from both disk scanners.  ASan bounds memory and catches
 * overruns; leaks inside libxlutil are not ours (suppressed below).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg_ref.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libxlutil.so\nleak:libxenlight.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct xlcfg_limits limits = { .max_memory_mib = 4096, .max_vcpus = 8 };
    struct xlcfg_ref_result r;
    const char *ov[2];
    size_t n_ov = 0;
    char *buf, *sep;

    if (size > 64 * 1024)
        return 0;
    /* an optional tail after "\n\x01" is the command-line overrides, one per "\x01" */
    buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    size_t len = size;
    if ((sep = memchr(buf, 1, size)) && !memchr(sep, 0, size - (size_t)(sep - buf))) {
        len = (size_t)(sep - buf);
        *sep = 0;
        char *p = sep + 1;
        while (n_ov < 2 && p) {
            char *q = strchr(p, 1);
            if (q)
                *q++ = 0;
            ov[n_ov++] = p;
            p = q;
        }
    }
    if (xlcfg_ref_compare(buf, len, ov, n_ov, &limits, &r)) {
        fprintf(stderr, "xlcfg and libxlutil differ: %s\n", r.mismatch);
        abort();
    }
    /* the syntax alone, both ways */
    if (xlcfg_ref_syntax_compare((const char *)data, size, r.mismatch, sizeof(r.mismatch))) {
        fprintf(stderr, "syntax differs: %s\n", r.mismatch);
        abort();
    }
    /* the bytes as one disk spec, through both scanners */
    if (!memchr(data, 0, size)) {
        memcpy(buf, data, size);
        buf[size] = 0;
        if (xlcfg_ref_disk_compare(buf, r.mismatch, sizeof(r.mismatch))) {
            fprintf(stderr, "disk scanners differ: %s\n", r.mismatch);
            abort();
        }
    }
    if (!r.ours_ok && !r.ours_error[0]) {
        fprintf(stderr, "refused without a message\n");
        abort();
    }
    /* the line an error names is one of the file's, the override one given */
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (!r.ours_ok && (r.ours_line < 0 || r.ours_line > lines || r.ours_override < 0 ||
                       (size_t)r.ours_override > n_ov || (r.ours_line && r.ours_override))) {
        fprintf(stderr, "error points nowhere: line %d override %d (%d lines, %zu overrides): %s\n",
                r.ours_line, r.ours_override, lines, n_ov, r.ours_error);
        abort();
    }
    free(buf);
    return 0;
}
