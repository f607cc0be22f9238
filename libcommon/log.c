/*
 * log.c -- leveled logging to stderr (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static char log_prog[32] = "rangedb";
static atomic_int log_level = LOG_LEVEL_INFO;

static const char *const log_names[] = { "debug", "info", "warn", "error",
					 "off" };

void log_open(const char *prog, enum log_level level)
{
	snprintf(log_prog, sizeof(log_prog), "%s", prog ? prog : "rangedb");
	atomic_store(&log_level, (int)level);
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

int log_level_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcasecmp(s, log_names[i]) == 0)
			return (int)i;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int w;
	va_list ap;

	if ((int)level < atomic_load(&log_level) || level >= LOG_LEVEL_OFF)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s[%ld] %s ",
		     ts.tv_nsec / 1000000, log_prog, (long)getpid(),
		     log_names[level]);
	if (w > 0)
		n += (size_t)w;
	va_start(ap, fmt);
	w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (w < 0)
		w = 0;
	if ((size_t)w >= sizeof(line) - n) {
		/* Long line: mark the cut instead of hiding it. */
		n = sizeof(line) - 5;
		memcpy(line + n, "...", 3);
		n += 3;
	} else {
		n += (size_t)w;
	}
	line[n++] = '\n';
	/* One write so that concurrent lines never interleave. */
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}
