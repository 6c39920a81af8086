/*
 * What bounds a console's resources: the pty backlog keeps the newest
 * bytes within its capacity, log files rotate at their size cap (so a
 * flooding guest holds at most two files of it), and a domain name from
 * xenstore can never make a log path leave the log directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cons_buf.h"
#include "cons_log.h"

static size_t drain(struct cons_buf *b, char *out)
{
	size_t total = 0, n;
	const char *p;

	while ((p = cons_buf_peek(b, &n))) {
		memcpy(out + total, p, n);
		total += n;
		cons_buf_consume(b, n);
	}
	return total;
}

static void test_buf_keeps_newest(void **state)
{
	struct cons_buf b;
	char out[64];

	(void)state;
	assert_int_equal(cons_buf_init(&b, 8), 0);
	cons_buf_put(&b, "abcde", 5);
	cons_buf_put(&b, "fghij", 5);
	assert_int_equal(b.len, 8);
	assert_int_equal(b.dropped, 2);
	assert_int_equal(drain(&b, out), 8);
	assert_memory_equal(out, "cdefghij", 8);
	cons_buf_put(&b, "0123456789ABCDEF", 16);   /* bigger than the whole buffer */
	assert_int_equal(b.dropped, 10);
	assert_int_equal(drain(&b, out), 8);
	assert_memory_equal(out, "89ABCDEF", 8);
	cons_buf_free(&b);
}

static void test_buf_partial_consume_wraps(void **state)
{
	struct cons_buf b;
	char out[64];
	size_t n;

	(void)state;
	cons_buf_init(&b, 8);
	cons_buf_put(&b, "abcdef", 6);
	cons_buf_peek(&b, &n);
	cons_buf_consume(&b, 4);
	cons_buf_put(&b, "123456", 6);               /* wraps the array */
	assert_int_equal(b.len, 8);
	assert_int_equal(drain(&b, out), 8);
	assert_memory_equal(out, "ef123456", 8);
	cons_buf_consume(&b, 100);                   /* more than held: harmless */
	assert_int_equal(b.len, 0);
	cons_buf_free(&b);
}

static void test_buf_zero_capacity(void **state)
{
	struct cons_buf b;
	size_t n;

	(void)state;
	cons_buf_init(&b, 0);
	cons_buf_put(&b, "abc", 3);
	assert_null(cons_buf_peek(&b, &n));
	assert_int_equal(b.dropped, 3);
	cons_buf_free(&b);
}

static void test_log_rotates_at_cap(void **state)
{
	char dir[] = "/tmp/test_cons_log.XXXXXX", path[128], chunk[300];
	struct cons_log l;
	struct stat st;
	int dfd, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(cons_log_open(&l, dfd, "guest", 1000), 0);
	memset(chunk, 'z', sizeof(chunk));
	for (i = 0; i < 100; i++)                    /* 30000 bytes through a 1000-byte cap */
		assert_int_equal(cons_log_write(&l, chunk, sizeof(chunk)), 0);
	snprintf(path, sizeof(path), "%s/guest.log", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 1000);
	snprintf(path, sizeof(path), "%s/guest.log.1", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1000);
	assert_int_equal(l.rotations, 29);
	cons_log_close(&l);
	/* reopening appends to what is there */
	assert_int_equal(cons_log_open(&l, dfd, "guest", 1000), 0);
	assert_true(l.size > 0);
	cons_log_close(&l);
	unlinkat(dfd, "guest.log", 0);
	unlinkat(dfd, "guest.log.1", 0);
	close(dfd);
	rmdir(dir);
}

static void test_safe_names(void **state)
{
	char out[72];

	(void)state;
	cons_log_safe_name(out, sizeof(out), "anchor-min", 3);
	assert_string_equal(out, "anchor-min");
	cons_log_safe_name(out, sizeof(out), "../../etc/passwd", 3);
	assert_null(strchr(out, '/'));
	assert_true(out[0] != '.');
	cons_log_safe_name(out, sizeof(out), "..", 4);
	assert_true(out[0] != '.');
	assert_null(strstr(out, ".."));
	cons_log_safe_name(out, sizeof(out), "", 5);
	assert_string_equal(out, "dom5");
	cons_log_safe_name(out, sizeof(out), NULL, 6);
	assert_string_equal(out, "dom6");
	cons_log_safe_name(out, sizeof(out), "/", 7);
	assert_string_equal(out, "dom7");
	cons_log_safe_name(out, sizeof(out), "a\nb\x1b[2J", 8);
	assert_string_equal(out, "a_b__2J");
	memset(out, 0, sizeof(out));
	{
		char longname[300];

		memset(longname, 'n', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = 0;
		cons_log_safe_name(out, sizeof(out), longname, 9);
		assert_int_equal(strlen(out), 64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_keeps_newest),
		cmocka_unit_test(test_buf_partial_consume_wraps),
		cmocka_unit_test(test_buf_zero_capacity),
		cmocka_unit_test(test_log_rotates_at_cap),
		cmocka_unit_test(test_safe_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
