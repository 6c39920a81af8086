/* Unit tests: hypervisor command-line parsing (common/cmdline.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/cmdline.h>

static bool opt_noreboot, opt_vga = true;
static u32 opt_loglvl;
static u8 opt_small;
static u64 opt_mem;
static char opt_console[32];
static char unknown_seen[256];
static const char *custom_value;
static int custom_calls;

static int custom_fn(const char *v)
{
    custom_calls++;
    custom_value = v;
    return v && !strcmp(v, "bad") ? -1 : 0;
}

static const struct kernel_param params[] = {
    { "noreboot", PARAM_BOOL, &opt_noreboot, sizeof(bool), NULL },
    { "vga", PARAM_BOOL, &opt_vga, sizeof(bool), NULL },
    { "loglvl", PARAM_UINT, &opt_loglvl, sizeof(u32), NULL },
    { "small", PARAM_UINT, &opt_small, sizeof(u8), NULL },
    { "dom0_mem", PARAM_SIZE, &opt_mem, sizeof(u64), NULL },
    { "console", PARAM_STRING, opt_console, sizeof(opt_console), NULL },
    { "custom", PARAM_CUSTOM, NULL, 0, custom_fn },
};

static void unknown(const char *name, const char *value)
{
    strcat(unknown_seen, name);
    if (value) {
        strcat(unknown_seen, "=");
        strcat(unknown_seen, value);
    }
    strcat(unknown_seen, ";");
}

static int reset(void **state)
{
    (void)state;
    opt_noreboot = false;
    opt_vga = true;
    opt_loglvl = 0;
    opt_small = 0;
    opt_mem = 0;
    opt_console[0] = 0;
    unknown_seen[0] = 0;
    custom_value = NULL;
    custom_calls = 0;
    return 0;
}

#define PARSE(s) cmdline_parse(s, params, sizeof(params) / sizeof(params[0]), unknown)

static void test_basic(void **state)
{
    (void)state;
    assert_int_equal(PARSE("console=com1 com1=115200 noreboot loglvl=4 dom0_mem=512M"), 0);
    assert_string_equal(opt_console, "com1");
    assert_true(opt_noreboot);
    assert_int_equal(opt_loglvl, 4);
    assert_int_equal(opt_mem, 512ull << 20);
    assert_string_equal(unknown_seen, "com1=115200;");
}

static void test_bool_forms(void **state)
{
    (void)state;
    assert_int_equal(PARSE("no-vga"), 0);
    assert_false(opt_vga);
    assert_int_equal(PARSE("vga=on"), 0);
    assert_true(opt_vga);
    assert_int_equal(PARSE("novga"), 0);
    assert_false(opt_vga);
    assert_int_equal(PARSE("vga=maybe"), 1);
    assert_int_equal(PARSE("noreboot=false"), 0);
    assert_false(opt_noreboot);
}

static void test_integers(void **state)
{
    (void)state;
    assert_int_equal(PARSE("loglvl=0x10"), 0);
    assert_int_equal(opt_loglvl, 16);
    assert_int_equal(PARSE("loglvl=12abc"), 1);
    assert_int_equal(PARSE("loglvl="), 1);
    assert_int_equal(PARSE("loglvl"), 1);
    assert_int_equal(PARSE("small=256"), 1);      /* does not fit in u8 */
    assert_int_equal(opt_small, 0);
    assert_int_equal(PARSE("small=255"), 0);
    assert_int_equal(opt_small, 255);
    assert_int_equal(PARSE("loglvl=99999999999999999999999"), 1);
}

static void test_sizes(void **state)
{
    u64 v;
    const char *end;
    (void)state;
    assert_true(parse_size("4096", &v, &end));
    assert_int_equal(v, 4096ull << 10);            /* default unit KiB, like Xen */
    assert_true(parse_size("1G", &v, &end));
    assert_int_equal(v, 1ull << 30);
    assert_true(parse_size("3t", &v, &end));
    assert_int_equal(v, 3ull << 40);
    assert_true(parse_size("100B", &v, &end));
    assert_int_equal(v, 100);
    assert_true(parse_size("0x10M", &v, &end));
    assert_int_equal(v, 16ull << 20);
    assert_false(parse_size("G", &v, &end));
    assert_false(parse_size("99999999999T", &v, &end));  /* overflow */
    assert_int_equal(PARSE("dom0_mem=512M,max:512M"), 1); /* trailing garbage */
}

static void test_strings_and_quotes(void **state)
{
    (void)state;
    assert_int_equal(PARSE("console=\"com1,vga\""), 0);
    assert_string_equal(opt_console, "com1,vga");
    assert_int_equal(PARSE("console=\"a b\" noreboot"), 0);
    assert_string_equal(opt_console, "a b");
    assert_true(opt_noreboot);
    /* too long for the buffer: refused, previous value kept */
    assert_int_equal(PARSE("console=0123456789012345678901234567890123456789"), 1);
    assert_string_equal(opt_console, "a b");
}

static void test_custom(void **state)
{
    (void)state;
    assert_int_equal(PARSE("custom custom=x custom=bad"), 1);
    assert_int_equal(custom_calls, 3);
    assert_string_equal(custom_value, "bad");
}

static void test_whitespace_and_empty(void **state)
{
    (void)state;
    assert_int_equal(PARSE(""), 0);
    assert_int_equal(PARSE("   \t  "), 0);
    assert_int_equal(PARSE("  noreboot   loglvl=2  "), 0);
    assert_true(opt_noreboot);
    assert_int_equal(opt_loglvl, 2);
    assert_int_equal(PARSE("placeholder =x"), 0);
    assert_string_equal(unknown_seen, "placeholder;=x;");
}

static void test_long_name_truncated(void **state)
{
    char line[300];
    (void)state;
    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = 0;
    assert_int_equal(PARSE(line), 0);
    assert_int_equal(strlen(unknown_seen), 63 + 1);
}

static void test_find_and_skip(void **state)
{
    char buf[16];
    (void)state;
    assert_true(cmdline_find("a=1 console=com1 b console=vga", "console", buf, sizeof(buf)));
    assert_string_equal(buf, "vga");
    assert_false(cmdline_find("console", "console", buf, sizeof(buf)));
    assert_true(cmdline_find("x=0123456789abcdefXYZ", "x", buf, sizeof(buf)));
    assert_string_equal(buf, "0123456789abcde");
    assert_string_equal(cmdline_skip_first_word("/boot/pvisor.elf  console=com1"), "console=com1");
    assert_string_equal(cmdline_skip_first_word("onlyword"), "");
    assert_string_equal(cmdline_skip_first_word(""), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_basic, reset),
        cmocka_unit_test_setup(test_bool_forms, reset),
        cmocka_unit_test_setup(test_integers, reset),
        cmocka_unit_test_setup(test_sizes, reset),
        cmocka_unit_test_setup(test_strings_and_quotes, reset),
        cmocka_unit_test_setup(test_custom, reset),
        cmocka_unit_test_setup(test_whitespace_and_empty, reset),
        cmocka_unit_test_setup(test_long_name_truncated, reset),
        cmocka_unit_test_setup(test_find_and_skip, reset),
    };
    return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
