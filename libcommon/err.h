/*
 * err.h -- result codes and error messages shared by every rangedb module.
 *
 * A function that can fail returns an int: RC_OK (0) on success, or one of
 * enum rc.  When the caller passes a struct err, the callee also fills in a
 * message a person can act on ("cannot open '/x/db': Permission denied").
 * Passing NULL means "I only want the code".  The usual idiom is
 *
 *	if (ret != 0)
 *		return err_set(e, RC_IO, "cannot open '%s': %s", path, why);
 *
 * One table in err.c maps each code to its stable name (the "code" of the
 * JSON error shape {"error":{"code":...,"message":...}}), its HTTP status and
 * the exit status command-line tools use for it.  Tested in t/unit/err_test.c.
 */
#ifndef RANGEDB_ERR_H
#define RANGEDB_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum rc {
	RC_OK = 0,
	RC_BAD_INPUT,		/* malformed or out-of-range input: 400 */
	RC_NOT_FOUND,		/* no such key/path/object: 404 */
	RC_METHOD,		/* method not allowed on this path: 405 */
	RC_TOO_LARGE,		/* body or value over a limit: 413 */
	RC_CONFLICT,		/* retryable conflict: 409 */
	RC_NOT_LEADER,		/* ask the leader instead: 421 */
	RC_RANGE_MOVED,		/* key no longer served here: 421 */
	RC_CLOCK_SKEW,		/* peer clock too far ahead: 400 */
	RC_TIMEOUT,		/* deadline passed: 504 */
	RC_UNAVAILABLE,		/* peer unreachable / not ready: 503 */
	RC_IO,			/* disk or system call failed: 500 */
	RC_CORRUPT,		/* stored data fails a check: 500 */
	RC_NOMEM,		/* allocation failed: 500 */
	RC_INTERNAL,		/* a bug: 500 */
	RC_DENIED,		/* not authenticated / not allowed: 403 */
	RC__COUNT
};

#define ERR_MSG_MAX 256

struct err {
	enum rc code;
	char msg[ERR_MSG_MAX];
};

/* Exit statuses of command-line tools (documented in every man page). */
#define EXIT_OK		0	/* success */
#define EXIT_FAIL	1	/* refused, failed, or "no" */
#define EXIT_USAGE	2	/* wrong usage: bad flag or argument */
#define EXIT_TEMP	3	/* temporary: unreachable or timed out, retry */

/*
 * Record code and message in e (if e is not NULL) and return code, so that
 * "return err_set(...)" reads naturally.  A message longer than ERR_MSG_MAX
 * is cut and ends in "...", never silently.
 */
int err_set(struct err *e, enum rc code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefix the existing message with more context: "reading config: <old>",
 * and return e's code, so "return err_prefix(e, ...)" passes a failure on.
 * With e NULL the code is unknown: it returns RC_INTERNAL, never RC_OK
 * (callers that must keep the exact code with a NULL e keep their rc).
 */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * vsnprintf into dst that marks a cut message with a trailing "..."
 * instead of truncating silently.
 */
void err_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Reset e to RC_OK with an empty message. */
void err_clear(struct err *e);

/* Stable lower-case name of a code, e.g. "not_leader". */
const char *rc_name(int code);

/* Code for a name produced by rc_name(), or RC_INTERNAL when unknown. */
enum rc rc_from_name(const char *name);

/* HTTP status for a code (200 for RC_OK). */
int rc_http_status(int code);

/* Exit status for a code (EXIT_OK, EXIT_FAIL or EXIT_TEMP). */
int rc_exit_status(int code);

#endif
