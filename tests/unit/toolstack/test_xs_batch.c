/*
 * Unit tests: pvctl's pipelined xenstore transactions
 * (toolstack/pvctl/xs_batch.c) against pvstored on a private socket: what a
 * batch writes (values, directories, permissions) reads back through
 * libxenstore, a request that fails in the middle leaves nothing of the
 * batch behind and is named in the error, a missing node to remove is no
 * error, and the libxenstore fallback (no socket of its own) writes the
 * same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "../lib/pvstored_daemon.h"
#include "xs_batch.h"

static struct xs_handle *xs;

static int setup(void **state)
{
    (void)state;
    xs = pvstored_start("test_xs_batch");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return pvstored_stop(xs);
}

static void fill(struct xs_batch *b, const char *top)
{
    char p[128];
    struct xs_permissions two[2] = { { 0, XS_PERM_NONE }, { 7, XS_PERM_READ } };
    struct xs_permissions guest[1] = { { 7, XS_PERM_NONE } };

    xs_batch_init(b);
    snprintf(p, sizeof(p), "%s/gone", top);
    xs_batch_rm(b, p);                          /* missing: no error */
    xs_batch_write(b, top, NULL);
    xs_batch_perms(b, top, two, 2);
    snprintf(p, sizeof(p), "%s/name", top);
    xs_batch_write(b, p, "guest one");
    snprintf(p, sizeof(p), "%s/empty", top);
    xs_batch_write(b, p, "");
    snprintf(p, sizeof(p), "%s/control/shutdown", top);
    xs_batch_write(b, p, NULL);
    xs_batch_perms(b, p, guest, 1);
    for (int i = 0; i < 200; i++) {             /* many requests in flight */
        snprintf(p, sizeof(p), "%s/many/%d", top, i);
        xs_batch_write(b, p, "0123456789abcdef0123456789abcdef");
    }
}

static void check(const char *top)
{
    char p[128];
    unsigned len, n;
    char *v;
    struct xs_permissions *perm;

    snprintf(p, sizeof(p), "%s/name", top);
    v = xs_read(xs, XBT_NULL, p, &len);
    assert_non_null(v);
    assert_string_equal(v, "guest one");
    free(v);
    snprintf(p, sizeof(p), "%s/empty", top);
    v = xs_read(xs, XBT_NULL, p, &len);
    assert_non_null(v);
    assert_int_equal(len, 0);
    free(v);
    snprintf(p, sizeof(p), "%s/many/199", top);
    v = xs_read(xs, XBT_NULL, p, &len);
    assert_non_null(v);
    assert_int_equal(len, 32);
    free(v);
    perm = xs_get_permissions(xs, XBT_NULL, top, &n);
    assert_non_null(perm);
    assert_int_equal(n, 2);
    assert_int_equal(perm[0].id, 0);
    assert_int_equal(perm[0].perms, XS_PERM_NONE);
    assert_int_equal(perm[1].id, 7);
    assert_int_equal(perm[1].perms, XS_PERM_READ);
    free(perm);
    snprintf(p, sizeof(p), "%s/control/shutdown", top);
    perm = xs_get_permissions(xs, XBT_NULL, p, &n);
    assert_non_null(perm);
    assert_int_equal(n, 1);
    assert_int_equal(perm[0].id, 7);
    free(perm);
}

/* first: the fallback in a child (the raw connection is per process) */
static void test_fallback(void **state)
{
    (void)state;
    pid_t c = fork();
    if (!c) {
        struct xs_batch b;
        char err[300] = "";
        setenv("XENSTORED_PATH", "/nonexistent/socket", 1);   /* xs is already connected */
        fill(&b, "/fallback");
        int rc = xs_batch_commit(xs, &b, err, sizeof(err));
        xs_batch_free(&b);
        if (rc)
            fprintf(stderr, "fallback: %s\n", err);
        _exit(rc ? 1 : 0);
    }
    int st;
    assert_int_equal(waitpid(c, &st, 0), c);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    check("/fallback");
}

static void test_pipelined(void **state)
{
    struct xs_batch b;
    char err[300] = "";
    (void)state;
    fill(&b, "/piped");
    assert_int_equal(xs_batch_commit(xs, &b, err, sizeof(err)), 0);
    xs_batch_free(&b);
    check("/piped");
    /* again over it: the same result */
    fill(&b, "/piped");
    assert_int_equal(xs_batch_commit(xs, &b, err, sizeof(err)), 0);
    xs_batch_free(&b);
    check("/piped");
}

static void test_failure_undoes(void **state)
{
    struct xs_batch b;
    char err[300] = "";
    unsigned len;
    (void)state;
    xs_batch_init(&b);
    xs_batch_write(&b, "/half/a", "1");
    xs_batch_write(&b, "/half/bad//path", "2");   /* refused: EINVAL */
    xs_batch_write(&b, "/half/c", "3");
    assert_int_equal(xs_batch_commit(xs, &b, err, sizeof(err)), -1);
    xs_batch_free(&b);
    assert_non_null(strstr(err, "/half/bad//path"));
    assert_null(strchr(err, '\n'));
    assert_null(xs_read(xs, XBT_NULL, "/half/a", &len));
    assert_null(xs_read(xs, XBT_NULL, "/half/c", &len));
    /* the connection still works after it */
    xs_batch_init(&b);
    xs_batch_write(&b, "/after", "ok");
    assert_int_equal(xs_batch_commit(xs, &b, err, sizeof(err)), 0);
    xs_batch_free(&b);
    char *v = xs_read(xs, XBT_NULL, "/after", &len);
    assert_non_null(v);
    free(v);
}

/* without a transaction (destroy's removals): all done, a missing node no error */
static void test_apply(void **state)
{
    struct xs_batch b;
    char err[300] = "";
    unsigned len;
    (void)state;
    assert_true(xs_write(xs, XBT_NULL, "/rmme/a/b", "1", 1));
    assert_true(xs_write(xs, XBT_NULL, "/rmme2", "1", 1));
    xs_batch_init(&b);
    xs_batch_rm(&b, "/rmme");
    xs_batch_rm(&b, "/not/there");
    xs_batch_rm(&b, "/rmme2");
    assert_int_equal(xs_batch_apply(xs, &b, err, sizeof(err)), 0);
    xs_batch_free(&b);
    assert_null(xs_read(xs, XBT_NULL, "/rmme/a/b", &len));
    assert_null(xs_read(xs, XBT_NULL, "/rmme2", &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_failure_undoes),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
