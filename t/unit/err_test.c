/*
 * err_test.c -- unit tests for err.c: the code table, messages, prefixes
 * and the "never truncate silently" rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"

static void test_set_returns_code(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(err_set(&e, RC_NOT_FOUND, "no key '%s'", "k"),
			 RC_NOT_FOUND);
	assert_int_equal(e.code, RC_NOT_FOUND);
	assert_string_equal(e.msg, "no key 'k'");
	/* NULL err is allowed: only the code comes back */
	assert_int_equal(err_set(NULL, RC_IO, "x"), RC_IO);
}

static void test_prefix(void **state)
{
	struct err e;

	(void)state;
	err_set(&e, RC_IO, "disk full");
	assert_int_equal(err_prefix(&e, "writing '%s'", "/d"), RC_IO);
	assert_string_equal(e.msg, "writing '/d': disk full");
	err_clear(&e);
	assert_int_equal(e.code, RC_OK);
	assert_string_equal(e.msg, "");
}

static void test_long_message_is_marked(void **state)
{
	char big[1000];
	struct err e;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, RC_BAD_INPUT, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
	assert_string_equal(e.msg + ERR_MSG_MAX - 4, "...");
	err_prefix(&e, "ctx");
	/* no err to carry the code: a failure all the same, never ok */
	assert_int_equal(err_prefix(NULL, "ctx"), RC_INTERNAL);
	assert_string_equal(e.msg + ERR_MSG_MAX - 4, "...");
	assert_memory_equal(e.msg, "ctx: aaa", 8);
}

static void test_table(void **state)
{
	int i;

	(void)state;
	assert_string_equal(rc_name(RC_NOT_LEADER), "not_leader");
	assert_int_equal(rc_http_status(RC_OK), 200);
	assert_int_equal(rc_http_status(RC_BAD_INPUT), 400);
	assert_int_equal(rc_http_status(RC_NOT_FOUND), 404);
	assert_int_equal(rc_http_status(RC_METHOD), 405);
	assert_int_equal(rc_http_status(RC_TOO_LARGE), 413);
	assert_int_equal(rc_http_status(RC_UNAVAILABLE), 503);
	assert_int_equal(rc_exit_status(RC_OK), EXIT_OK);
	assert_int_equal(rc_exit_status(RC_TIMEOUT), EXIT_TEMP);
	assert_int_equal(rc_exit_status(RC_BAD_INPUT), EXIT_FAIL);
	/* every code has a distinct name that maps back to it */
	for (i = 0; i < RC__COUNT; i++) {
		assert_non_null(rc_name(i));
		assert_int_equal(rc_from_name(rc_name(i)), i);
		assert_true(rc_http_status(i) >= 200);
	}
	/* out-of-range codes are safe */
	assert_string_equal(rc_name(-1), "internal");
	assert_string_equal(rc_name(RC__COUNT), "internal");
	assert_int_equal(rc_http_status(999), 500);
	assert_int_equal(rc_from_name("no_such_code"), RC_INTERNAL);
	assert_int_equal(rc_from_name(NULL), RC_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_returns_code),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_long_message_is_marked),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
