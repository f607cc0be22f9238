/*
 * util_test.c -- unit tests for util.c: strict number parsing, durable
 * file replacement, whole-file reads with a cap, and the data-dir lock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/util_test.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_parse_u64(void **state)
{
	uint64_t v;
	struct err e;

	(void)state;
	assert_int_equal(util_parse_u64("42", 1, 100, &v, "n", &e), RC_OK);
	assert_int_equal(v, 42);
	assert_int_equal(util_parse_u64("18446744073709551615", 0, UINT64_MAX,
					&v, "n", &e), RC_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(util_parse_u64("18446744073709551616", 0, UINT64_MAX,
					&v, "n", &e), RC_BAD_INPUT);
	assert_int_equal(util_parse_u64("0", 1, 100, &v, "count", &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "count must be between 1 and 100, got '0'");
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(util_parse_u64(bad[i], 0, 100, &v, "n", &e),
				 RC_BAD_INPUT);
	assert_int_equal(util_parse_u64(NULL, 0, 100, &v, "n", &e),
			 RC_BAD_INPUT);
}

static void test_parse_i64(void **state)
{
	int64_t v;
	struct err e;

	(void)state;
	assert_int_equal(util_parse_i64("-5", -10, 10, &v, "n", &e), RC_OK);
	assert_int_equal(v, -5);
	assert_int_equal(util_parse_i64("-9223372036854775808", INT64_MIN,
					INT64_MAX, &v, "n", &e), RC_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(util_parse_i64("-11", -10, 10, &v, "n", &e),
			 RC_BAD_INPUT);
	assert_int_equal(util_parse_i64("-", -10, 10, &v, "n", &e),
			 RC_BAD_INPUT);
	assert_int_equal(util_parse_i64("--1", -10, 10, &v, "n", &e),
			 RC_BAD_INPUT);
}

static void test_write_read_atomic(void **state)
{
	char path[128], tmp[140], *data = NULL;
	size_t len = 0;
	struct err e;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(util_read_file(path, 100, &data, &len, &e),
			 RC_NOT_FOUND);
	assert_int_equal(util_write_file_atomic(path, "one", 3, &e), RC_OK);
	assert_int_equal(util_write_file_atomic(path, "second", 6, &e), RC_OK);
	assert_int_equal(util_read_file(path, 100, &data, &len, &e), RC_OK);
	assert_int_equal(len, 6);
	assert_string_equal(data, "second");
	free(data);
	/* no temp file left behind */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	/* the cap is enforced, never truncated silently */
	assert_int_equal(util_read_file(path, 5, &data, &len, &e),
			 RC_TOO_LARGE);
	/* pipes have no size: read to EOF, still capped */
	assert_int_equal(util_read_file("/proc/self/status", 1 << 20, &data,
					&len, &e), RC_OK);
	assert_true(len > 0);
	assert_non_null(strstr(data, "Pid:"));
	free(data);
	assert_int_equal(util_read_file("/proc/self/status", 10, &data, &len,
					&e), RC_TOO_LARGE);
	/* a missing directory is an I/O error that names the file */
	assert_int_equal(util_write_file_atomic("/nonexistent/dir/f", "x", 1,
						&e), RC_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/dir/f.tmp"));
}

static void test_mkdir(void **state)
{
	char path[128];
	struct err e;

	(void)state;
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(util_mkdir(path, &e), RC_OK);
	assert_int_equal(util_mkdir(path, &e), RC_OK);	/* exists: fine */
	snprintf(path, sizeof(path), "%s/file", dir);
	assert_int_equal(util_write_file_atomic(path, "x", 1, &e), RC_OK);
	assert_int_equal(util_mkdir(path, &e), RC_IO);
	assert_non_null(strstr(e.msg, "not a directory"));
}

static void test_lock_dir(void **state)
{
	int fd1 = -1, fd2 = -1;
	struct err e;
	char want[64];

	(void)state;
	assert_int_equal(util_lock_dir(dir, "tsod", &fd1, &e), RC_OK);
	/* flock locks belong to the open file description: a second open in
	 * the same process conflicts, as another process would */
	assert_int_equal(util_lock_dir(dir, "tsod", &fd2, &e), RC_UNAVAILABLE);
	snprintf(want, sizeof(want), "in use by another tsod (pid %ld)",
		 (long)getpid());
	assert_non_null(strstr(e.msg, want));
	close(fd1);
	assert_int_equal(util_lock_dir(dir, "tsod", &fd2, &e), RC_OK);
	close(fd2);
}

static void test_clocks(void **state)
{
	uint64_t a, b;

	(void)state;
	a = util_mono_ns();
	b = util_mono_ns();
	assert_true(b >= a);
	assert_true(util_wall_ms() > 1577836800000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test_setup_teardown(test_write_read_atomic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mkdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_dir, setup, teardown),
		cmocka_unit_test(test_clocks),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
