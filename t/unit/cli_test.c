/*
 * cli_test.c -- unit tests for cli.c: the shared --help/--version and
 * usage-error behaviour, with stdout and stderr captured to files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"

/* Run fn with fd (1 or 2) captured; returns what was written. */
static char captured[512];

static void capture_begin(int fd, int *saved, FILE **tmp)
{
	fflush(fd == 1 ? stdout : stderr);
	*tmp = tmpfile();
	assert_non_null(*tmp);
	*saved = dup(fd);
	assert_true(*saved >= 0);
	assert_true(dup2(fileno(*tmp), fd) >= 0);
}

static const char *capture_end(int fd, int saved, FILE *tmp)
{
	size_t n;

	fflush(fd == 1 ? stdout : stderr);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
	return captured;
}

static void test_help_and_version(void **state)
{
	char *argv[] = { "prog", "--help", NULL };
	int saved;
	FILE *tmp;

	(void)state;
	optind = 2;
	capture_begin(1, &saved, &tmp);
	assert_int_equal(cli_common_option('h', "prog", "Usage: prog\n",
					   "9.9", argv), CLI_EXIT_OK);
	assert_string_equal(capture_end(1, saved, tmp), "Usage: prog\n");
	capture_begin(1, &saved, &tmp);
	assert_int_equal(cli_common_option('V', "prog", "Usage: prog\n",
					   "9.9", argv), CLI_EXIT_OK);
	assert_string_equal(capture_end(1, saved, tmp),
			    "prog (rangedb) 9.9\n");
}

static void test_usage_errors(void **state)
{
	char *argv[] = { "prog", "--bogus", NULL };
	int saved;
	FILE *tmp;

	(void)state;
	optind = 2;
	capture_begin(2, &saved, &tmp);
	assert_int_equal(cli_common_option('?', "prog", "", "1", argv),
			 EXIT_USAGE);
	assert_string_equal(capture_end(2, saved, tmp),
			    "prog: unknown option '--bogus' "
			    "(see 'prog --help')\n");
	capture_begin(2, &saved, &tmp);
	assert_int_equal(cli_common_option(':', "prog", "", "1", argv),
			 EXIT_USAGE);
	assert_string_equal(capture_end(2, saved, tmp),
			    "prog: option '--bogus' needs a value "
			    "(see 'prog --help')\n");
	/* anything else is the caller's */
	assert_int_equal(cli_common_option('x', "prog", "", "1", argv),
			 CLI_NOT_COMMON);
	assert_int_equal(cli_common_option(7, "prog", "", "1", argv),
			 CLI_NOT_COMMON);
}

static void test_ready_fd(void **state)
{
	int fd = -1, saved;
	FILE *tmp;

	(void)state;
	assert_int_equal(cli_ready_fd("prog", "4", &fd), 0);
	assert_int_equal(fd, 4);
	capture_begin(2, &saved, &tmp);
	assert_int_equal(cli_ready_fd("prog", "2", &fd), EXIT_USAGE);
	assert_int_equal(cli_ready_fd("prog", "four", &fd), EXIT_USAGE);
	assert_non_null(strstr(capture_end(2, saved, tmp),
			       "prog: --ready-fd must be"));
	assert_int_equal(fd, 4);	/* unchanged on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_ready_fd),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
