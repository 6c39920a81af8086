/* Unit tests: bzImage / ELF kernel images (common/decompress/bzimage.c). */
#include "decompress/fixture.h"
#include <stdlib.h>
#include <string.h>

#define SETUP_SECTS 3
#define PM_START    ((SETUP_SECTS + 1) * 512)
#define PAYLOAD_OFF 0x2cc

/* A small ELF64 x86-64 executable: header, one PT_LOAD, then code. */
static struct blob make_elf(size_t body)
{
    struct blob code = gen_input(IN_X86, body, 3), e;
    uint8_t *p;

    e.len = 64 + 56 + body;
    e.data = calloc(1, e.len);
    p = e.data;
    memcpy(p, "\x7f" "ELF\x02\x01\x01", 7);
    p[0x10] = 2;                        /* ET_EXEC */
    p[0x12] = 62;                       /* EM_X86_64 */
    p[0x14] = 1;                        /* EV_CURRENT */
    p[0x20] = 64;                       /* e_phoff */
    p[0x34] = 64;                       /* e_ehsize */
    p[0x36] = 56;                       /* e_phentsize */
    p[0x38] = 1;                        /* e_phnum */
    p[64] = 1;                          /* PT_LOAD */
    memcpy(p + 120, code.data, body);
    blob_free(&code);
    return e;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* bzImage around an already compressed payload (its trailer appended here). */
static struct blob make_bzimage(const struct blob *comp, uint32_t usize)
{
    struct blob b;
    uint8_t *p;

    b.len = PM_START + PAYLOAD_OFF + comp->len + 4 + 100;
    b.data = calloc(1, b.len);
    p = b.data;
    p[0x1f1] = SETUP_SECTS;
    p[0x1fe] = 0x55;
    p[0x1ff] = 0xaa;
    memcpy(p + 0x202, "HdrS", 4);
    p[0x206] = 0x0f;
    p[0x207] = 0x02;
    put32(p + 0x248, PAYLOAD_OFF);
    put32(p + 0x24c, (uint32_t)comp->len + 4);
    memcpy(p + PM_START + PAYLOAD_OFF, comp->data, comp->len);
    put32(p + PM_START + PAYLOAD_OFF + comp->len, usize);
    memset(p + PM_START + PAYLOAD_OFF + comp->len + 4, 0xcc, 100);
    return b;
}

static int unpack(const struct blob *img, size_t limit, struct blob *out)
{
    struct kernel_image ki;
    void *work = malloc(DECOMP_WORK_MAX);
    size_t olen = 0;
    int err = kernel_image_probe(img->data, img->len, limit, &ki);

    out->data = NULL;
    out->len = 0;
    if (!err) {
        out->data = malloc(ki.unpacked_size);
        err = kernel_image_unpack(img->data, img->len, &ki, out->data, ki.unpacked_size, &olen,
                                  work, DECOMP_WORK_MAX);
        out->len = err ? 0 : olen;
    }
    free(work);
    return err;
}

static void expect(const struct blob *img, size_t limit, int want)
{
    struct blob out;
    int err = unpack(img, limit, &out);
    if (err != want)
        fail_msg("got %d (%s), want %d (%s)", err, decompress_strerror(err), want, decompress_strerror(want));
    blob_free(&out);
}

static const struct { const char *tool, *cmd; enum decomp_format fmt; } fmts[] = {
    { "xz", "xz -c --check=crc32 --x86 --lzma2=dict=32MiB", DECOMP_FMT_XZ },
    { "lz4", "lz4 -l -c -9", DECOMP_FMT_LZ4_LEGACY },
    { "gzip", "gzip -c -9 -n", DECOMP_FMT_GZIP },
    { "zstd", "zstd -q -c -19", DECOMP_FMT_ZSTD },
};

static void test_each_format(void **st)
{
    struct blob elf = make_elf(70000);
    (void)st;
    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        struct blob comp, img, out;
        struct kernel_image ki;
        if (!tool_available(fmts[i].tool))
            continue;
        comp = run_tool(fmts[i].cmd, &elf);
        img = make_bzimage(&comp, (uint32_t)elf.len);
        assert_int_equal(kernel_image_probe(img.data, img.len, 1 << 20, &ki), DECOMP_OK);
        assert_false(ki.is_elf);
        assert_int_equal(ki.format, fmts[i].fmt);
        assert_int_equal(ki.boot_version, 0x020f);
        assert_int_equal(ki.payload_offset, PM_START + PAYLOAD_OFF);
        assert_int_equal(ki.payload_length, comp.len + 4);
        assert_int_equal(ki.unpacked_size, elf.len);
        assert_int_equal(unpack(&img, 1 << 20, &out), DECOMP_OK);
        assert_int_equal(out.len, elf.len);
        assert_memory_equal(out.data, elf.data, elf.len);
        blob_free(&out);

        /* limit: exactly the size passes, one less does not */
        expect(&img, elf.len, DECOMP_OK);
        expect(&img, elf.len - 1, DECOMP_ERR_LIMIT);
        /* a trailer that lies either way */
        put32(img.data + PM_START + PAYLOAD_OFF + comp.len, (uint32_t)elf.len + 1);
        expect(&img, 1 << 20, DECOMP_ERR_SIZE);
        put32(img.data + PM_START + PAYLOAD_OFF + comp.len, (uint32_t)elf.len - 1);
        expect(&img, 1 << 20, DECOMP_ERR_SIZE);
        put32(img.data + PM_START + PAYLOAD_OFF + comp.len, 10);
        expect(&img, 1 << 20, DECOMP_ERR_NOT_ELF);
        put32(img.data + PM_START + PAYLOAD_OFF + comp.len, (uint32_t)elf.len);
        /* every cut of the file fails cleanly */
        for (size_t n = 0; n < img.len - 100; n += 97) {
            struct blob cut = { img.data, n }, o;
            assert_int_not_equal(unpack(&cut, 1 << 20, &o), DECOMP_OK);
            blob_free(&o);
        }
        blob_free(&img);
        blob_free(&comp);
    }
    blob_free(&elf);
}

static void test_header_rules(void **st)
{
    struct blob elf = make_elf(3000), comp, img;
    (void)st;
    REQUIRE_TOOL("gzip");
    comp = run_tool("gzip -c -n", &elf);
    img = make_bzimage(&comp, (uint32_t)elf.len);
    expect(&img, 1 << 20, DECOMP_OK);

    img.data[0x1fe] = 0x54;                         /* boot flag */
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    img.data[0x1fe] = 0x55;
    img.data[0x205] = 'T';                          /* "HdrS" */
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    img.data[0x205] = 'S';
    img.data[0x206] = 0x07;                         /* version 2.07: no payload fields */
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    img.data[0x206] = 0x0f;

    /* setup_sects 0 means 4: move the payload offset to match. */
    img.data[0x1f1] = 0;
    put32(img.data + 0x248, PAYLOAD_OFF - 512);
    expect(&img, 1 << 20, DECOMP_OK);
    img.data[0x1f1] = SETUP_SECTS;
    put32(img.data + 0x248, PAYLOAD_OFF);

    put32(img.data + 0x248, (uint32_t)img.len);     /* payload offset past the end */
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    put32(img.data + 0x248, 0xffffffffu);
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    put32(img.data + 0x248, PAYLOAD_OFF);
    put32(img.data + 0x24c, (uint32_t)(img.len - PM_START - PAYLOAD_OFF + 1));   /* length past the end */
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    put32(img.data + 0x24c, 0xffffffffu);
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    put32(img.data + 0x24c, 4);
    expect(&img, 1 << 20, DECOMP_ERR_BZIMAGE);
    put32(img.data + 0x24c, (uint32_t)comp.len + 4);
    img.data[0x1f1] = 255;                          /* setup past the end of a small file */
    {
        struct blob small = { img.data, 0x300 };
        expect(&small, 1 << 20, DECOMP_ERR_BZIMAGE);
    }
    img.data[0x1f1] = SETUP_SECTS;
    {
        struct blob tiny = { img.data, 0x24f };
        expect(&tiny, 1 << 20, DECOMP_ERR_BZIMAGE);
    }

    /* bzip2 (which Linux supports, we do not) */
    memcpy(img.data + PM_START + PAYLOAD_OFF, "BZh9", 4);
    expect(&img, 1 << 20, DECOMP_ERR_FORMAT);
    blob_free(&img);
    blob_free(&comp);

    /* A payload that is not an ELF at all. */
    {
        struct blob txt = gen_input(IN_TEXT, 5000, 9);
        comp = run_tool("gzip -c -n", &txt);
        img = make_bzimage(&comp, (uint32_t)txt.len);
        expect(&img, 1 << 20, DECOMP_ERR_NOT_ELF);
        blob_free(&img);
        blob_free(&comp);
        blob_free(&txt);
    }
    blob_free(&elf);
}

static void test_description_tampered(void **st)
{
    struct blob elf = make_elf(3000), comp, img;
    struct kernel_image ki;
    uint8_t *out, *work = malloc(DECOMP_WORK_MAX);
    size_t olen;
    (void)st;
    REQUIRE_TOOL("gzip");
    comp = run_tool("gzip -c -n", &elf);
    img = make_bzimage(&comp, (uint32_t)elf.len);
    assert_int_equal(kernel_image_probe(img.data, img.len, 1 << 20, &ki), DECOMP_OK);
    out = malloc(ki.unpacked_size + 1000);
    assert_int_equal(kernel_image_unpack(img.data, img.len, &ki, out, ki.unpacked_size - 1, &olen,
                                         work, DECOMP_WORK_MAX), DECOMP_ERR_OUTPUT_FULL);
    ki.payload_offset += 8;
    assert_int_equal(kernel_image_unpack(img.data, img.len, &ki, out, ki.unpacked_size + 1000, &olen,
                                         work, DECOMP_WORK_MAX), DECOMP_ERR_BZIMAGE);
    ki.payload_offset -= 8;
    ki.unpacked_size += 500;   /* a bigger claim: the image's own trailer wins */
    assert_int_equal(kernel_image_unpack(img.data, img.len, &ki, out, ki.unpacked_size, &olen,
                                         work, DECOMP_WORK_MAX), DECOMP_ERR_BZIMAGE);
    free(out);
    free(work);
    blob_free(&img);
    blob_free(&comp);
    blob_free(&elf);
}

static void test_plain_elf(void **st)
{
    struct blob elf = make_elf(1000), out;
    struct kernel_image ki;
    (void)st;
    assert_int_equal(kernel_image_probe(elf.data, elf.len, 1 << 20, &ki), DECOMP_OK);
    assert_true(ki.is_elf);
    assert_int_equal(ki.unpacked_size, elf.len);
    assert_int_equal(unpack(&elf, 1 << 20, &out), DECOMP_OK);
    assert_memory_equal(out.data, elf.data, elf.len);
    blob_free(&out);
    expect(&elf, elf.len - 1, DECOMP_ERR_LIMIT);

    assert_true(elf_is_x86_64(elf.data, elf.len));
    elf.data[4] = 1;                    /* ELFCLASS32 */
    assert_false(elf_is_x86_64(elf.data, elf.len));
    expect(&elf, 1 << 20, DECOMP_ERR_NOT_ELF);
    elf.data[4] = 2;
    elf.data[0x12] = 3;                 /* EM_386 */
    assert_false(elf_is_x86_64(elf.data, elf.len));
    elf.data[0x12] = 62;
    elf.data[0x10] = 1;                 /* ET_REL */
    assert_false(elf_is_x86_64(elf.data, elf.len));
    elf.data[0x10] = 2;
    elf.data[0x27] = 0x80;              /* e_phoff huge */
    assert_false(elf_is_x86_64(elf.data, elf.len));
    elf.data[0x27] = 0;
    elf.data[0x38] = 0xff;              /* e_phnum past the end */
    assert_false(elf_is_x86_64(elf.data, elf.len));
    elf.data[0x38] = 1;
    assert_true(elf_is_x86_64(elf.data, elf.len));
    assert_false(elf_is_x86_64(elf.data, 63));
    blob_free(&elf);
}

static void test_strerror(void **st)
{
    (void)st;
    for (int e = 0; e >= DECOMP_ERR_NOT_ELF; e--) {
        const char *s = decompress_strerror(e);
        assert_non_null(s);
        assert_true(strlen(s) > 5);
        assert_null(strchr(s, '\n'));
    }
    assert_string_equal(decompress_strerror(-100), "unknown decompression error");
    assert_string_equal(decompress_format_name(DECOMP_FMT_XZ), "xz");
    assert_int_equal(decompress_sniff("", 0), DECOMP_FMT_UNKNOWN);
    assert_true(decompress_work_size(DECOMP_FMT_ZSTD) <= DECOMP_WORK_MAX);
    assert_true(decompress_work_size(DECOMP_FMT_GZIP) <= DECOMP_WORK_MAX);
    assert_int_equal(decompress_work_size(DECOMP_FMT_LZ4_LEGACY), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_format),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_description_tampered),
        cmocka_unit_test(test_plain_elf),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
