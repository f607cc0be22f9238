/*
 * cli.h -- what every rangedb command line does the same way.
 *
 * Each program parses its own flags with getopt_long (optstring starting
 * with ':'), and hands every option it does not know itself to
 * cli_common_option(), which owns the shared behaviour:
 *   -h/--help     the program's usage text on stdout, exit 0;
 *   -V/--version  "PROG (rangedb) VERSION" on stdout, exit 0;
 *   missing value / unknown option: one line on stderr,
 *                 "PROG: unknown option '--x' (see 'PROG --help')", exit 2.
 * Tested by t/900-docs.bats across all programs and by t/unit/cli_test.c.
 */
#ifndef RANGEDB_CLI_H
#define RANGEDB_CLI_H

#define CLI_NOT_COMMON	(-1)	/* not a shared option: caller handles it */
#define CLI_EXIT_OK	(-2)	/* help or version printed: exit 0 */

/*
 * c is getopt_long's return value, argv and optind as getopt left them.
 * Returns CLI_NOT_COMMON, CLI_EXIT_OK, or EXIT_USAGE (message printed).
 */
int cli_common_option(int c, const char *prog, const char *usage,
		      const char *version, char **argv);

/* One usage error line on stderr: "PROG: MESSAGE (see 'PROG --help')". */
void cli_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse the value of --ready-fd (3 .. 1024); on error prints the usage
 * line and returns EXIT_USAGE, else 0.
 */
int cli_ready_fd(const char *prog, const char *arg, int *fd);

#endif
