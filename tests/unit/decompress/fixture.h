/*
 * Shared fixture of the decompressor unit tests: deterministic inputs, the
 * reference command-line tools (xz, lz4, gzip, zstd) run on them, and the
 * checks every format goes through (round trip, exact and short output
 * buffers, trailing bytes, every truncation, bit flips).
 */
#ifndef DECOMP_TEST_FIXTURE_H
#define DECOMP_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <pvisor/decompress.h>

struct blob {
    uint8_t *data;
    size_t len;
};

enum input_kind {
    IN_EMPTY, IN_ONE, IN_TEXT, IN_RANDOM, IN_REPEAT, IN_X86, IN_MIXED,
};

/* Deterministic content of the given kind and length. */
struct blob gen_input(enum input_kind kind, size_t len, uint32_t seed);
void blob_free(struct blob *b);

/* Is the tool on PATH? Tests skip() when it is not. */
bool tool_available(const char *tool);
#define REQUIRE_TOOL(t) do { if (!tool_available(t)) { print_message("no %s: skipped\n", t); skip(); } } while (0)

/* Run `cmd` (a shell command line) with in on stdin; its stdout. Fails the test on error. */
struct blob run_tool(const char *cmd, const struct blob *in);

/* Uniform decoder signature (lz4 gets a wrapper). */
typedef int (*decoder_fn)(const void *in, size_t in_len, void *out, size_t out_cap,
                          size_t *out_len, size_t *in_used, void *work, size_t work_len);

/* Decode whole: OK, output equal, in_used == comp->len; then with the output
 * buffer one byte short (OUTPUT_FULL), and with trailing bytes (still OK,
 * in_used unchanged). */
void check_roundtrip(decoder_fn dec, const struct blob *orig, const struct blob *comp);

/* Every prefix shorter than comp (stride 1 up to `dense` bytes from either
 * end, about `samples` in between) must fail with `expect` (0: any error;
 * the empty prefix just has to fail). */
void check_truncations(decoder_fn dec, const struct blob *orig, const struct blob *comp,
                       int expect, size_t dense, size_t samples);

/* Every prefix length n with from < n < to (stride step) fails with expect. */
void check_cuts(decoder_fn dec, const struct blob *comp, size_t from, size_t to,
                size_t step, int expect);

/* Flip one bit at positions in [first, last) (sampled, at most `count`):
 * the decoder must fail cleanly, or (unless `must_detect`) succeed with
 * output within the buffer. With must_detect, success is a test failure
 * unless the output is still exactly orig. */
void check_bitflips(decoder_fn dec, const struct blob *orig, const struct blob *comp,
                    size_t first, size_t last, size_t count, bool must_detect);

/* Decode with generous room; returns the error and fills *out when OK. */
int decode_blob(decoder_fn dec, const struct blob *comp, struct blob *out, size_t cap);

/* All check_* for one (input, command) pair, truncation-tested densely when small. */
void check_tool_case(decoder_fn dec, const char *cmd, const struct blob *orig, bool must_detect);

#endif
