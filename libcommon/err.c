/*
 * err.c -- result codes and error messages (see err.h).
 *
 * The table below is the single place that says how a code is named on the
 * wire, which HTTP status it becomes and which exit status a tool uses.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int http;
	int exit;
} rc_table[RC__COUNT] = {
	[RC_OK]		= { "ok",		200, EXIT_OK },
	[RC_BAD_INPUT]	= { "bad_input",	400, EXIT_FAIL },
	[RC_NOT_FOUND]	= { "not_found",	404, EXIT_FAIL },
	[RC_METHOD]	= { "method_not_allowed", 405, EXIT_FAIL },
	[RC_TOO_LARGE]	= { "too_large",	413, EXIT_FAIL },
	[RC_CONFLICT]	= { "conflict",		409, EXIT_TEMP },
	[RC_NOT_LEADER]	= { "not_leader",	421, EXIT_TEMP },
	[RC_RANGE_MOVED] = { "range_moved",	421, EXIT_TEMP },
	[RC_CLOCK_SKEW]	= { "clock_skew",	400, EXIT_FAIL },
	[RC_TIMEOUT]	= { "timeout",		504, EXIT_TEMP },
	[RC_UNAVAILABLE] = { "unavailable",	503, EXIT_TEMP },
	[RC_IO]		= { "io_error",		500, EXIT_FAIL },
	[RC_CORRUPT]	= { "corrupt",		500, EXIT_FAIL },
	[RC_NOMEM]	= { "out_of_memory",	500, EXIT_TEMP },
	[RC_INTERNAL]	= { "internal",		500, EXIT_FAIL },
	[RC_DENIED]	= { "denied",		403, EXIT_FAIL },
};

static int rc_valid(int code)
{
	return code >= 0 && code < RC__COUNT;
}

void err_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, cap, fmt, ap);

	if (n < 0) {
		snprintf(dst, cap, "(unformattable message)");
	} else if ((size_t)n >= cap && cap > 4) {
		/* Say that we cut it rather than truncating silently. */
		memcpy(dst + cap - 4, "...", 4);
	}
}

int err_set(struct err *e, enum rc code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	err_vformat(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char head[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;

	if (e == NULL)
		return RC_INTERNAL;	/* the code is lost, never "ok" */
	va_start(ap, fmt);
	err_vformat(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", head, old) >=
	    (int)sizeof(e->msg))
		memcpy(e->msg + sizeof(e->msg) - 4, "...", 4);
	return e->code;
}

void err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = RC_OK;
	e->msg[0] = '\0';
}

const char *rc_name(int code)
{
	return rc_valid(code) ? rc_table[code].name : "internal";
}

enum rc rc_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return RC_INTERNAL;
	for (i = 0; i < RC__COUNT; i++)
		if (strcmp(rc_table[i].name, name) == 0)
			return (enum rc)i;
	return RC_INTERNAL;
}

int rc_http_status(int code)
{
	return rc_valid(code) ? rc_table[code].http : 500;
}

int rc_exit_status(int code)
{
	return rc_valid(code) ? rc_table[code].exit : EXIT_FAIL;
}
