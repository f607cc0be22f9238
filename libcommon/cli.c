/*
 * cli.c -- the command-line behaviour all programs share (see cli.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "util.h"

void cli_usage_error(const char *prog, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	err_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s (see '%s --help')\n", prog, msg, prog);
}

int cli_common_option(int c, const char *prog, const char *usage,
		      const char *version, char **argv)
{
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	switch (c) {
	case 'h':
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	case 'V':
		printf("%s (rangedb) %s\n", prog, version);
		return CLI_EXIT_OK;
	case ':':
		cli_usage_error(prog, "option '%s' needs a value", opt);
		return EXIT_USAGE;
	case '?':
		cli_usage_error(prog, "unknown option '%s'", opt);
		return EXIT_USAGE;
	default:
		return CLI_NOT_COMMON;
	}
}

int cli_ready_fd(const char *prog, const char *arg, int *fd)
{
	uint64_t v;
	struct err e;

	if (util_parse_u64(arg, 3, 1024, &v, "--ready-fd", &e) != RC_OK) {
		cli_usage_error(prog, "%s", e.msg);
		return EXIT_USAGE;
	}
	*fd = (int)v;
	return 0;
}
