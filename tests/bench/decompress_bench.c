/*
 * Host benchmark and command-line front end of common/decompress/:
 *   decompress_bench FILE [EXPECTED] [REPEAT]
 * decodes FILE (a bzImage, or any stream decompress() knows), prints the
 * format, sizes and the best time of REPEAT runs in MB/s of output, and, if
 * EXPECTED is given, compares the output with it. With -o OUT it writes the
 * output instead. tests/bench/decompress-bench.py runs it (make bench, and the
 * system test tests/system/decompress/debian-vmlinuz.sh) on Debian's kernels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <pvisor/decompress.h>

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "decompress_bench: cannot read %s\n", path);
        exit(2);
    }
    buf = malloc(n ? n : 1);
    if (!buf || fread(buf, 1, n, f) != (size_t)n) {
        fprintf(stderr, "decompress_bench: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Integer nanoseconds: this file is built without SSE, like the hypervisor. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);   /* CPU time: steadier on a shared machine */
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *outpath = NULL;
    size_t in_len, out_len = 0, in_used = 0, cap;
    struct kernel_image ki;
    int repeat = 1, err;
    void *in, *out, *work;
    uint64_t best = UINT64_MAX;
    bool kernel;

    if (argc > 2 && !strcmp(argv[1], "-o")) {
        outpath = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: decompress_bench [-o OUT] FILE [EXPECTED|-] [REPEAT]\n");
        return 2;
    }
    if (argc > 3)
        repeat = atoi(argv[3]);
    in = slurp(argv[1], &in_len);
    work = malloc(DECOMP_WORK_MAX);
    kernel = kernel_image_probe(in, in_len, (size_t)1 << 30, &ki) == DECOMP_OK;
    cap = kernel ? ki.unpacked_size : (size_t)1 << 30;
    out = malloc(cap ? cap : 1);
    for (int r = 0; r < repeat; r++) {
        uint64_t t0 = now_ns(), t;
        if (kernel)
            err = kernel_image_unpack(in, in_len, &ki, out, cap, &out_len, work, DECOMP_WORK_MAX);
        else
            err = decompress(in, in_len, out, cap, &out_len, &in_used, work, DECOMP_WORK_MAX);
        t = now_ns() - t0;
        if (err) {
            fprintf(stderr, "decompress_bench: %s: %s\n", argv[1], decompress_strerror(err));
            return 1;
        }
        if (t < best)
            best = t;
    }
    if (!best)
        best = 1;
    printf("%s: %s%s, %zu -> %zu bytes, best of %d: %llu ms, %llu MB/s\n", argv[1],
           kernel ? "bzImage/" : "",
           decompress_format_name(kernel ? ki.format : decompress_sniff(in, in_len)),
           in_len, out_len, repeat, (unsigned long long)(best / 1000000),
           (unsigned long long)((uint64_t)out_len * 1000 / best));
    if (argc > 2 && strcmp(argv[2], "-")) {
        size_t elen;
        void *exp = slurp(argv[2], &elen);
        if (elen != out_len || memcmp(exp, out, elen)) {
            fprintf(stderr, "decompress_bench: output differs from %s\n", argv[2]);
            return 1;
        }
        printf("output matches %s\n", argv[2]);
    }
    if (outpath) {
        FILE *f = fopen(outpath, "wb");
        if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f)) {
            fprintf(stderr, "decompress_bench: cannot write %s\n", outpath);
            return 1;
        }
    }
    return 0;
}
