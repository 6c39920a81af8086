/*
 * Every config of tests/unit/toolstack/xlcfg-corpus/ through xlcfg and
 * through Debian's libxlutil (xlcfg_ref.c).  Each file says in its first
 * comment lines what to expect:
 *   # expect: ok                      xlcfg accepts it
 *   # expect: line 4: unknown key...  xlcfg refuses it with exactly this line
 *   # libxlutil: accepts | refuses    what xl's parser does with it
 *   # override: key=value             a command-line override (repeatable)
 *   # limits: memory=N vcpus=N        the caller's bounds
 * and whatever xlcfg accepts must read the same in libxlutil.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg_ref.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The value of the header line "# name: value" number `nth` (0-based), or NULL. */
static char *header(const char *data, const char *name, int nth)
{
    char pat[64];
    const char *p = data;

    snprintf(pat, sizeof(pat), "# %s: ", name);
    while ((p = strstr(p, pat))) {
        if ((p == data || p[-1] == '\n') && nth-- == 0) {
            p += strlen(pat);
            return strndup(p, strcspn(p, "\n"));
        }
        p++;
    }
    return NULL;
}

static int check(const char *dir, const char *file)
{
    char path[8192];
    size_t len;
    char *data, *expect, *xl, *lim, *ov[16];
    size_t n_ov = 0;
    struct xlcfg_limits limits = { 0 };
    struct xlcfg_ref_result r;
    int bad = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    data = slurp(path, &len);
    if (!data) {
        printf("FAIL %s: cannot read\n", file);
        return 1;
    }
    expect = header(data, "expect", 0);
    xl = header(data, "libxlutil", 0);
    while (n_ov < 16 && (ov[n_ov] = header(data, "override", (int)n_ov)))
        n_ov++;
    if ((lim = header(data, "limits", 0))) {
        unsigned long long m = 0;
        unsigned v = 0;
        const char *p;
        if ((p = strstr(lim, "memory=")))
            m = strtoull(p + 7, NULL, 0);
        if ((p = strstr(lim, "vcpus=")))
            v = (unsigned)strtoul(p + 6, NULL, 0);
        limits.max_memory_mib = m;
        limits.max_vcpus = v;
    }
    if (!expect || !xl) {
        printf("FAIL %s: no '# expect:' or '# libxlutil:' header\n", file);
        bad = 1;
        goto out;
    }
    xlcfg_ref_compare(data, len, (const char *const *)ov, n_ov, &limits, &r);
    if (r.mismatch[0]) {
        printf("FAIL %s: xlcfg and libxlutil differ: %s\n", file, r.mismatch);
        bad = 1;
    }
    if (xlcfg_ref_syntax_compare(data, len, r.mismatch, sizeof(r.mismatch))) {
        printf("FAIL %s: syntax layers differ: %s\n", file, r.mismatch);
        bad = 1;
    }
    if (!strcmp(expect, "ok") ? !r.ours_ok : (r.ours_ok || strcmp(expect, r.ours_error))) {
        printf("FAIL %s: expected %s, xlcfg %s\n", file, expect,
               r.ours_ok ? "accepted it" : r.ours_error);
        bad = 1;
    }
    if (strcmp(xl, r.xl_ok ? "accepts" : "refuses")) {
        printf("FAIL %s: header says libxlutil %s, it %s\n", file, xl,
               r.xl_ok ? "accepts" : "refuses");
        bad = 1;
    }
    if (!bad)
        printf("ok   %s: %s (libxlutil %s)\n", file, r.ours_ok ? "accepted" : r.ours_error, xl);
out:
    free(data);
    free(expect);
    free(xl);
    free(lim);
    for (size_t i = 0; i < n_ov; i++)
        free(ov[i]);
    return bad;
}

/*
 * Disk and vif specs built at random from the pieces their grammars know
 * (fixed seed: the same specs every run), each in a config through both.
 */
static int random_specs(unsigned count)
{
    static const char *const pieces[] = {
        "/img/a.img", "/dev/vg/lv", "", " ", "  ", "\t", ",", ",", ",", ",,", "=",
        "raw", "qcow2", "vhd", "empty", "xvda", "xvdb", "hda", "hdc", "sda1", "d0p1",
        "xvda:disk", "hdc:cdrom", "xvda:", "r", "ro", "w", "rw", "x", "cdrom",
        "discard", "no-discard", "direct-io-safe", "trusted", "untrusted", "colo",
        "format=raw", "format=", "format=qcow", "vdev=xvdc", "vdev=", "access=ro",
        "access=w", "access=", "devtype=disk", "devtype=cdrom", "devtype=cd",
        "backend=0", "backendtype=phy", "backendtype=tap", "specification=xen",
        "script=block", "target=/t,x", "target=", "foo=bar", "foo=", "a:b",
        "raw:", "phy:", "file:", "tap:", "aio:", "tap2:", "qcow:", "nbd:", "foo:",
        "xvda ", " xvda", "/path with space", "/p=q", "Foo=bar", "mac=00:16:3e:00:00:01",
        "bridge=xenbr0", "vifname=v0", "mtu=1500", "devid=3", "type=vif", "ip=10.0.0.1",
        "script=vif-bridge", "model=e1000", "backend=dom1",
    };
    const size_t np = sizeof(pieces) / sizeof(pieces[0]);
    unsigned long long x = 0x9e3779b97f4a7c15ull;
    int failed = 0;
    unsigned accepted = 0;

    for (unsigned i = 0; i < count; i++) {
        char spec[512] = "", cfg[1024];
        unsigned n;
        struct xlcfg_ref_result r;
        struct xlcfg_limits lim = { 0 };

        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        n = 1 + (unsigned)(x % 7);
        for (unsigned j = 0; j < n; j++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            strcat(spec, pieces[x % np]);
            if ((x >> 20) % 3)
                strcat(spec, ",");
        }
        snprintf(cfg, sizeof(cfg), "name=\"g\"\nkernel=\"/k\"\n%s = [ \"%s\" ]\n",
                 (x >> 32) % 4 ? "disk" : "vif", spec);
        xlcfg_ref_compare(cfg, strlen(cfg), NULL, 0, &lim, &r);
        accepted += r.ours_ok;
        if (!r.mismatch[0])
            xlcfg_ref_disk_compare(spec, r.mismatch, sizeof(r.mismatch));
        if (r.mismatch[0]) {
            printf("FAIL random spec \"%s\": %s\n", spec, r.mismatch);
            if (++failed > 10)
                break;
        }
    }
    printf("%u random specs, %u accepted by xlcfg, %d disagreements\n", count, accepted, failed);
    return failed;
}

/* The configs the project ships (.cfg files under toolstack/): both accept, alike. */
static int shipped_failed, shipped_count;

static int check_shipped(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    size_t l = strlen(path), len;
    struct xlcfg_limits lim = { 0 };
    struct xlcfg_ref_result r;
    char *data;

    (void)st;
    (void)ftw;
    if (type != FTW_F || l < 4 || strcmp(path + l - 4, ".cfg"))
        return 0;
    data = slurp(path, &len);
    if (!data)
        return 0;
    xlcfg_ref_compare(data, len, NULL, 0, &lim, &r);
    shipped_count++;
    if (!r.ours_ok || !r.xl_ok || r.mismatch[0]) {
        printf("FAIL shipped %s: xlcfg %s, libxlutil %s %s\n", path,
               r.ours_ok ? "accepts" : r.ours_error, r.xl_ok ? "accepts" : "refuses", r.mismatch);
        shipped_failed++;
    } else {
        printf("ok   shipped %s\n", path);
    }
    free(data);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    const char *root = getenv("PVISOR_ROOT");
    char dir[4096];
    struct dirent **ents;
    int n, failed = 0, tested = 0;

    if (argc > 1)
        snprintf(dir, sizeof(dir), "%s", argv[1]);
    else
        snprintf(dir, sizeof(dir), "%s/tests/unit/toolstack/xlcfg-corpus", root ? root : ".");
    n = scandir(dir, &ents, NULL, by_name);
    if (n < 0) {
        perror(dir);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        const char *f = ents[i]->d_name;
        size_t l = strlen(f);
        if (l > 4 && !strcmp(f + l - 4, ".cfg")) {
            failed += check(dir, f);
            tested++;
        }
        free(ents[i]);
    }
    free(ents);
    printf("%d configs, %d failed\n", tested, failed);
    snprintf(dir, sizeof(dir), "%s/toolstack", root ? root : ".");
    nftw(dir, check_shipped, 8, FTW_PHYS);
    printf("%d shipped configs, %d failed\n", shipped_count, shipped_failed);
    failed += shipped_failed;
    failed += random_specs(50000);
    return failed || tested == 0;
}
