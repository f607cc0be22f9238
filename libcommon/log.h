/*
 * log.h -- leveled logging to stderr, one line per event.
 *
 * Lines look like
 *	2026-11-24T07:10:02.123Z tsod[812] info msg="listening" addr=127.0.0.1:7000
 * so they can be grepped and read by people alike.  The level is chosen at
 * start (log_open) and by --log-level; lines below it cost one comparison.
 * Safe to call from any thread: each line is written with one write(2).
 */
#ifndef RANGEDB_LOG_H
#define RANGEDB_LOG_H

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_OFF
};

/* Set the program name shown on each line and the minimum level. */
void log_open(const char *prog, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "debug", "info", "warn", "error" or "off"; -1 when unknown. */
int log_level_parse(const char *s);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
