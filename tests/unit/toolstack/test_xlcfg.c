/* xlcfg on its own: values, defaults, bounds, errors, overrides, specs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"

#define HDR "name = \"g\"\nkernel = \"/k\"\n"

static int parse(const char *text, const char *const *ov, size_t n_ov,
                 const struct xlcfg_limits *lim, struct xlcfg *cfg, char *msg)
{
    struct xlcfg_error err;
    int rc = xlcfg_parse_buffer(text, strlen(text), ov, n_ov, lim, cfg, &err);

    if (rc)
        xlcfg_error_format(&err, msg, 512);
    else
        msg[0] = 0;
    return rc;
}

/* Refused with exactly this line. */
static void refused(const char *text, const char *want)
{
    struct xlcfg cfg;
    char msg[512];

    assert_int_equal(parse(text, NULL, 0, NULL, &cfg, msg), -1);
    assert_string_equal(msg, want);
    assert_null(cfg.name);
    xlcfg_free(&cfg);
}

static void test_full_config(void **state)
{
    (void)state;
    struct xlcfg cfg;
    char msg[512];
    const char *text =
        "name = \"web\"\ntype = \"pv\"\nkernel = \"/boot/vmlinuz\"\nramdisk = \"/boot/initrd\"\n"
        "memory = 512\nmaxmem = 1024\nvcpus = 2\nmaxvcpus = 4\n"
        "root = \"/dev/xvda1 ro\"\nextra = \"console=hvc0\"\n"
        "on_poweroff = \"preserve\"\non_reboot = \"destroy\"\non_crash = \"restart\"\n"
        "uuid = \"01234567-89ab-cdef-0123-456789ABCDEF\"\n"
        "disk = [ 'phy:/dev/vg/web,xvda,w', '/img/data.img,raw,xvdb,ro,no-discard' ]\n"
        "vif = [ 'mac=00:16:3e:0a:0b:0c,bridge=br0,mtu=9000', 'vifname=web1,ip=10.0.0.1' ]\n";

    assert_int_equal(parse(text, NULL, 0, NULL, &cfg, msg), 0);
    assert_string_equal(cfg.name, "web");
    assert_string_equal(cfg.kernel, "/boot/vmlinuz");
    assert_string_equal(cfg.ramdisk, "/boot/initrd");
    assert_int_equal(cfg.memory_mib, 512);
    assert_int_equal(cfg.maxmem_mib, 1024);
    assert_int_equal(cfg.vcpus, 2);
    assert_int_equal(cfg.maxvcpus, 4);
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro console=hvc0");
    assert_int_equal(cfg.on_poweroff, XLCFG_ACTION_PRESERVE);
    assert_int_equal(cfg.on_reboot, XLCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_crash, XLCFG_ACTION_RESTART);
    assert_true(cfg.uuid_set);
    assert_int_equal(cfg.uuid[0], 0x01);
    assert_int_equal(cfg.uuid[15], 0xef);
    assert_int_equal(cfg.n_disks, 2);
    assert_string_equal(cfg.disks[0].target, "/dev/vg/web");
    assert_string_equal(cfg.disks[0].vdev, "xvda");
    assert_int_equal(cfg.disks[0].virtual_device, 51712);
    assert_int_equal(cfg.disks[0].access, XLCFG_DISK_RW);
    assert_true(cfg.disks[0].discard);
    assert_string_equal(cfg.disks[1].spec, "/img/data.img,raw,xvdb,ro,no-discard");
    assert_int_equal(cfg.disks[1].virtual_device, 51728);
    assert_int_equal(cfg.disks[1].access, XLCFG_DISK_RO);
    assert_false(cfg.disks[1].discard);
    assert_int_equal(cfg.n_vifs, 2);
    assert_true(cfg.vifs[0].mac_set);
    assert_memory_equal(cfg.vifs[0].mac, "\x00\x16\x3e\x0a\x0b\x0c", 6);
    assert_string_equal(cfg.vifs[0].bridge, "br0");
    assert_int_equal(cfg.vifs[0].mtu, 9000);
    assert_int_equal(cfg.vifs[0].devid, 0);
    assert_true(cfg.vifs[0].trusted);
    assert_false(cfg.vifs[1].mac_set);
    assert_null(cfg.vifs[1].bridge);
    assert_string_equal(cfg.vifs[1].vifname, "web1");
    assert_int_equal(cfg.vifs[1].devid, 1);
    assert_int_equal(cfg.disks[0].line, 15);
    xlcfg_free(&cfg);
    xlcfg_free(&cfg);     /* twice is harmless */
}

static void test_defaults(void **state)
{
    (void)state;
    struct xlcfg cfg;
    char msg[512];

    assert_int_equal(parse(HDR, NULL, 0, NULL, &cfg, msg), 0);
    assert_int_equal(cfg.memory_mib, XLCFG_DEFAULT_MEMORY);
    assert_int_equal(cfg.maxmem_mib, XLCFG_DEFAULT_MEMORY);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.maxvcpus, 1);
    assert_null(cfg.cmdline);
    assert_null(cfg.ramdisk);
    assert_false(cfg.uuid_set);
    assert_int_equal(cfg.on_poweroff, XLCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_reboot, XLCFG_ACTION_RESTART);
    assert_int_equal(cfg.on_crash, XLCFG_ACTION_DESTROY);
    assert_int_equal(cfg.n_disks, 0);
    assert_int_equal(cfg.n_vifs, 0);
    xlcfg_free(&cfg);
}

static void test_error_lines(void **state)
{
    (void)state;
    refused("name = \"g\"\nkernel = \"/k\"\n\nmemroy = 512\n",
            "line 4: unknown key \"memroy\" (did you mean \"memory\"?)");
    refused(HDR "kernal = \"/x\"\n", "line 3: unknown key \"kernal\" (did you mean \"kernel\"?)");
    refused(HDR "zzzzzz = 1\n", "line 3: unknown key \"zzzzzz\"");
    refused(HDR "pci = [ '01:00.0' ]\n", "line 3: key \"pci\" is an xl option pvctl does not support");
    refused(HDR "vnc = 1\n", "line 3: key \"vnc\" is an xl option pvctl does not support");
    refused(HDR "viridian = 1\n", "line 3: key \"viridian\" is for HVM guests; pvctl runs PV guests only");
    refused(HDR "on_crash = \"restrat\"\n",
            "line 3: unknown on_crash action \"restrat\" (did you mean \"restart\"?)");
    /* an unknown key is refused even when a later line sets it again */
    refused(HDR "memroy = 1\nmemroy = 2\n", "line 3: unknown key \"memroy\" (did you mean \"memory\"?)");
    /* keys are checked before values: the unknown key is reported */
    refused(HDR "memory = 0\nfoo = 1\n", "line 4: unknown key \"foo\"");
    /* then values, the first in the file first */
    refused(HDR "memory = 0\nvcpus = 0\n", "line 3: memory = 0 is out of range (1 to 1048576)");
    refused("kernel = \"/k\"\n", "no name = \"...\" (xl requires one)");
}

static void test_bounds(void **state)
{
    (void)state;
    struct xlcfg_limits lim = { .max_memory_mib = 1024, .max_vcpus = 4 };
    struct xlcfg cfg;
    char msg[512];

    assert_int_equal(parse(HDR "memory = 1024\nvcpus = 4\n", NULL, 0, &lim, &cfg, msg), 0);
    xlcfg_free(&cfg);
    assert_int_equal(parse(HDR "memory = 1025\n", NULL, 0, &lim, &cfg, msg), -1);
    assert_string_equal(msg, "line 3: memory = 1025 is out of range (1 to 1024)");
    assert_int_equal(parse(HDR "vcpus = 5\n", NULL, 0, &lim, &cfg, msg), -1);
    assert_string_equal(msg, "line 3: vcpus = 5 is out of range (1 to 4)");
    assert_int_equal(parse(HDR "maxvcpus = 5\n", NULL, 0, &lim, &cfg, msg), -1);
    /* the default memory is bounded too */
    lim.max_memory_mib = 16;
    assert_int_equal(parse(HDR, NULL, 0, &lim, &cfg, msg), -1);
    assert_string_equal(msg, "memory (default 32 MiB) is more than the 16 MiB allowed");
    /* maxmem alone sets the size too (libxl's target defaults to it) */
    lim.max_memory_mib = 1024;
    assert_int_equal(parse(HDR "maxmem = 512\n", NULL, 0, &lim, &cfg, msg), 0);
    assert_int_equal(cfg.memory_mib, 512);
    assert_int_equal(cfg.maxmem_mib, 512);
    xlcfg_free(&cfg);
    assert_int_equal(parse(HDR "maxmem = 2048\n", NULL, 0, &lim, &cfg, msg), -1);
    assert_string_equal(msg, "line 3: maxmem = 2048 without memory = makes the domain that large, "
                        "more than the 1024 MiB allowed");
    /* absolute bounds whatever the caller allows */
    refused(HDR "memory = 0x7fffffffffffffff\n", "line 3: memory = 9223372036854775807 is out of range (1 to 1048576)");
    refused(HDR "memory = 99999999999999999999\n", "line 3: memory: \"99999999999999999999\" is not a number");
    refused(HDR "vcpus = 0\n", "line 3: vcpus = 0 is out of range (1 to 128)");
    refused(HDR "vcpus = 129\n", "line 3: vcpus = 129 is out of range (1 to 128)");
}

static void test_overrides(void **state)
{
    (void)state;
    struct xlcfg cfg;
    char msg[512];
    const char *ov[] = { "memory=256", "name=\"other\"" };
    const char *bad[] = { "memory=256", "vcpu=2" };
    const char *nl[] = { "memory=256\nvcpus=2" };

    assert_int_equal(parse(HDR "memory = 64\n", ov, 2, NULL, &cfg, msg), 0);
    assert_int_equal(cfg.memory_mib, 256);
    assert_string_equal(cfg.name, "other");
    xlcfg_free(&cfg);
    assert_int_equal(parse(HDR, bad, 2, NULL, &cfg, msg), -1);
    assert_string_equal(msg, "override 2: unknown key \"vcpu\" (did you mean \"vcpus\"?)");
    /* a list left open at the end is the last override's fault */
    const char *open_list[] = { "memory=64", "disk=[" };
    assert_int_equal(parse(HDR, open_list, 2, NULL, &cfg, msg), -1);
    assert_string_equal(msg, "override 2: expected a value, found end of file");
    assert_int_equal(parse(HDR, nl, 1, NULL, &cfg, msg), -1);
    assert_string_equal(msg, "override 1: an override is one key=value line");
    /* a file whose last line is a comment without newline is fine with overrides (xl adds one) */
    assert_int_equal(parse(HDR "# c", ov, 1, NULL, &cfg, msg), 0);
    xlcfg_free(&cfg);
    assert_int_equal(parse(HDR "# c", NULL, 0, NULL, &cfg, msg), -1);
}

static void test_syntax(void **state)
{
    (void)state;
    struct xlcfg cfg;
    char msg[512];

    assert_int_equal(parse(HDR "extra='a\\'b\\\"c\\\\d'\n", NULL, 0, NULL, &cfg, msg), 0);
    assert_string_equal(cfg.cmdline, "a'b\"c\\d");
    xlcfg_free(&cfg);
    refused(HDR "extra=\"x\\ty\"\n", "line 3: extra contains a control character");
    refused("name='a\\'b'\nkernel=\"/k\"\n", "line 1: name \"a'b\": use letters, digits and _.:@+- (not digits only)");
    assert_int_equal(parse("name='a'+'b'\n", NULL, 0, NULL, &cfg, msg), -1);
    assert_int_equal(parse("name = \"a\"\nname += \"b\"\nkernel=\"/k\"\nextra=\"p\"\nextra+=\" q\"\n",
                           NULL, 0, NULL, &cfg, msg), 0);
    assert_string_equal(cfg.name, "ab");
    assert_string_equal(cfg.cmdline, "p q");
    xlcfg_free(&cfg);
    refused(HDR "extra = \"a\" \"b\"\n", "line 3: expected the end of the line after a value, found a string");
    refused(HDR "extra = \"a\nb\"\n", "line 3: unterminated string (strings end on the line they start)");
    refused(HDR "memory = 512M\n", "line 3: unexpected 'M' after a number (memory is a plain number of MiB)");
    refused(HDR "extra =\n", "line 3: expected a value, found end of line");
    refused(HDR "disk = [ '/a,,xvda' '/b,,xvdb' ]\n", "line 3: expected ',' or ']' in a list, found a string");
    refused(HDR "disk = [ [ [ [ [ 'x' ] ] ] ] ]\n", "line 3: lists nested deeper than 4");
    refused(HDR "extra = \"a\0b\"\n", "line 3: unterminated string (strings end on the line they start)");
}

static void test_nul_and_sizes(void **state)
{
    (void)state;
    struct xlcfg cfg;
    struct xlcfg_error err;
    char msg[512];
    char text[] = HDR "extra = \"a\0b\"\n";
    size_t big = XLCFG_FILE_MAX + 1;
    char *huge = malloc(big + 1);

    assert_int_equal(xlcfg_parse_buffer(text, sizeof(text) - 1, NULL, 0, NULL, &cfg, &err), -1);
    xlcfg_error_format(&err, msg, sizeof(msg));
    assert_string_equal(msg, "line 3: NUL byte in the config");

    memset(huge, '\n', big);
    assert_int_equal(xlcfg_parse_buffer(huge, big, NULL, 0, NULL, &cfg, &err), -1);
    xlcfg_error_format(&err, msg, sizeof(msg));
    assert_string_equal(msg, "config larger than 1048576 bytes");

    /* a string of XLCFG_STRING_MAX + 1 bytes */
    char *s = huge;
    s += sprintf(s, HDR "extra = \"");
    memset(s, 'x', XLCFG_STRING_MAX + 1);
    s += XLCFG_STRING_MAX + 1;
    strcpy(s, "\"\n");
    assert_int_equal(parse(huge, NULL, 0, NULL, &cfg, msg), -1);
    assert_string_equal(msg, "line 3: string longer than 4095 bytes");

    /* a list of XLCFG_LIST_MAX + 1 items */
    s = huge;
    s += sprintf(s, HDR "vif = [");
    for (int i = 0; i <= XLCFG_LIST_MAX; i++)
        s += sprintf(s, "'',");
    strcpy(s, "]\n");
    assert_int_equal(parse(huge, NULL, 0, NULL, &cfg, msg), -1);
    assert_string_equal(msg, "line 3: list longer than 64 items");

    /* += cannot grow a string past the bound either */
    s = huge;
    s += sprintf(s, HDR);
    for (int i = 0; i < 5; i++) {
        s += sprintf(s, "extra += \"");
        memset(s, 'y', 1000);
        s += 1000;
        s += sprintf(s, "\"\n");
    }
    assert_int_equal(parse(huge, NULL, 0, NULL, &cfg, msg), -1);
    assert_string_equal(msg, "line 7: string longer than 4095 bytes");
    free(huge);
}

static void test_parse_file(void **state)
{
    (void)state;
    struct xlcfg cfg;
    struct xlcfg_error err;
    char path[] = "/tmp/xlcfg-test-XXXXXX";
    char msg[512];
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, HDR "memory = 96\n", strlen(HDR) + 12), (ssize_t)(strlen(HDR) + 12));
    close(fd);
    assert_int_equal(xlcfg_parse_file(path, NULL, 0, NULL, &cfg, &err), 0);
    assert_int_equal(cfg.memory_mib, 96);
    xlcfg_free(&cfg);
    unlink(path);
    assert_int_equal(xlcfg_parse_file(path, NULL, 0, NULL, &cfg, &err), -1);
    xlcfg_error_format(&err, msg, sizeof(msg));
    assert_non_null(strstr(msg, "No such file or directory"));
}

static void test_vdev_numbers(void **state)
{
    (void)state;
    assert_int_equal(xlcfg_vdev_number("xvda"), 202 << 8);
    assert_int_equal(xlcfg_vdev_number("xvdb"), (202 << 8) | 16);
    assert_int_equal(xlcfg_vdev_number("xvda1"), (202 << 8) | 1);
    assert_int_equal(xlcfg_vdev_number("xvdp15"), (202 << 8) | (15 << 4) | 15);
    assert_int_equal(xlcfg_vdev_number("xvdq"), (1 << 28) | (16 << 8));
    assert_int_equal(xlcfg_vdev_number("xvdaa"), (1 << 28) | (26 << 8));
    assert_int_equal(xlcfg_vdev_number("xvda16"), (1 << 28) | 16);
    assert_int_equal(xlcfg_vdev_number("d0p1"), (202 << 8) | 1);
    assert_int_equal(xlcfg_vdev_number("d16p0"), (1 << 28) | (16 << 8));
    assert_int_equal(xlcfg_vdev_number("hda"), 3 << 8);
    assert_int_equal(xlcfg_vdev_number("hdb1"), (3 << 8) | 64 | 1);
    assert_int_equal(xlcfg_vdev_number("hdc"), 22 << 8);
    assert_int_equal(xlcfg_vdev_number("sda"), 8 << 8);
    assert_int_equal(xlcfg_vdev_number("sdb2"), (8 << 8) | 16 | 2);
    assert_int_equal(xlcfg_vdev_number("xvd"), -1);
    assert_int_equal(xlcfg_vdev_number("xvda0"), -1);
    assert_int_equal(xlcfg_vdev_number("xvda256"), -1);
    assert_int_equal(xlcfg_vdev_number("hde"), -1);
    assert_int_equal(xlcfg_vdev_number("sdq"), -1);
    assert_int_equal(xlcfg_vdev_number("51712"), -1);
    assert_int_equal(xlcfg_vdev_number("d0"), -1);
    assert_int_equal(xlcfg_vdev_number("d1048576p0"), -1);
}

static void test_disk_specs(void **state)
{
    (void)state;
    struct xlcfg_disk d;
    char msg[200];

    assert_int_equal(xlcfg_disk_parse("format=raw, vdev=hda, access=rw, target=/dev/vg/x,y=z,", &d, msg, sizeof(msg)), 0);
    assert_string_equal(d.target, "/dev/vg/x,y=z");
    assert_string_equal(d.vdev, "hda");
    xlcfg_disk_free(&d);
    assert_int_equal(xlcfg_disk_parse("tap:aio:/i.img,xvda,r", &d, msg, sizeof(msg)), 0);
    assert_string_equal(d.target, "/i.img");
    assert_int_equal(d.access, XLCFG_DISK_RO);
    assert_true(d.discard == false);     /* read-only: libxl leaves discard off */
    xlcfg_disk_free(&d);
    assert_int_equal(xlcfg_disk_parse("/i.img,,xvda,ro,discard", &d, msg, sizeof(msg)), 0);
    assert_true(d.discard);
    xlcfg_disk_free(&d);
    assert_int_equal(xlcfg_disk_parse("  /i.img,,  xvdc", &d, msg, sizeof(msg)), 0);
    assert_true(d.discard);
    assert_string_equal(d.target, "/i.img");
    assert_string_equal(d.vdev, "xvdc");
    xlcfg_disk_free(&d);
    assert_int_equal(xlcfg_disk_parse("/i.img,,xvda,w,cdrom", &d, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "cdrom disks are not supported by pvctl");
    assert_int_equal(xlcfg_disk_parse("vhd:/i.vhd,xvda,w", &d, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "disk format vhd is not supported by pvctl (raw only)");
    assert_int_equal(xlcfg_disk_parse(",,xvda", &d, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "disk target is empty");
    assert_int_equal(xlcfg_disk_parse("/i\n,,xvda", &d, msg, sizeof(msg)), -1);
    assert_int_equal(xlcfg_disk_parse("backend=dom1,/i,,xvda", &d, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "disk backend \"dom1\" is not supported by pvctl (dom0 only)");
    assert_int_equal(xlcfg_disk_parse("=x", &d, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "bad disk syntax at \"=x\"");
}

static void test_vif_specs(void **state)
{
    (void)state;
    struct xlcfg_vif v;
    char msg[200];

    assert_int_equal(xlcfg_vif_parse("bridge=a,bridge=b, mac=0:1:2:3:4:5,,untrusted", 3, &v, msg, sizeof(msg)), 0);
    assert_string_equal(v.bridge, "b");          /* the later one, as xl */
    assert_memory_equal(v.mac, "\0\1\2\3\4\5", 6);
    assert_int_equal(v.devid, 3);
    assert_false(v.trusted);
    xlcfg_vif_free(&v);
    assert_int_equal(xlcfg_vif_parse("", 0, &v, msg, sizeof(msg)), 0);
    xlcfg_vif_free(&v);
    assert_int_equal(xlcfg_vif_parse("mac=00:16:3e:00:00:0g", 0, &v, msg, sizeof(msg)), -1);
    assert_int_equal(xlcfg_vif_parse("mac=00:16:3e:00:00:001", 0, &v, msg, sizeof(msg)), -1);
    assert_int_equal(xlcfg_vif_parse("bridge=a_very_long_bridge_name", 0, &v, msg, sizeof(msg)), -1);
    assert_int_equal(xlcfg_vif_parse("type=ioemu", 0, &v, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "vif type \"ioemu\" is not supported by pvctl (vif only)");
    assert_int_equal(xlcfg_vif_parse("rate=10Mb/s", 0, &v, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "vif parameter \"rate\" is not supported by pvctl");
    assert_int_equal(xlcfg_vif_parse("script=vif-route", 0, &v, msg, sizeof(msg)), -1);
    assert_int_equal(xlcfg_vif_parse("devid=65536", 0, &v, msg, sizeof(msg)), -1);
    assert_int_equal(xlcfg_vif_parse("brigde=xenbr0", 0, &v, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "unknown vif parameter \"brigde\" (did you mean \"bridge\"?)");
}

static void test_suggest(void **state)
{
    (void)state;
    static const char *const k[] = { "memory", "maxmem", "vcpus", "maxvcpus", "name" };

    assert_string_equal(xlcfg_suggest("memroy", k, 5), "memory");
    assert_string_equal(xlcfg_suggest("vcpu", k, 5), "vcpus");
    assert_string_equal(xlcfg_suggest("maxvcpu", k, 5), "maxvcpus");
    assert_null(xlcfg_suggest("kernel", k, 5));
    assert_null(xlcfg_suggest("x", k, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_error_lines),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_nul_and_sizes),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_vdev_numbers),
        cmocka_unit_test(test_disk_specs),
        cmocka_unit_test(test_vif_specs),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
