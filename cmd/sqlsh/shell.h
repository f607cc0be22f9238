/*
 * shell.h -- sqlsh's shell: the interactive loop (GNU readline), scripts
 * (-c, -f, stdin, \i), backslash commands, the session with the gateway,
 * history and Ctrl-C.
 *
 * Behaviour (man/sqlsh.1 is the user's description):
 *   - Everything runs in one gateway session, opened at the start and
 *     closed at the end, so BEGIN in one statement and COMMIT in a later
 *     one work.  Each complete statement of a file, of stdin or of the
 *     terminal is one request; each -c argument is one request.
 *   - A statement ends at a ';' outside quotes and comments (sqlsplit.h).
 *     A line whose first non-blank character is '\' outside any quote or
 *     comment is a backslash command.
 *   - Scripts stop at the first failure (exit status 1; 3 when the
 *     gateway is unreachable, does not answer, or says to retry) unless
 *     --continue, which goes on and exits with the first failure's
 *     status at the end.  An unreachable gateway stops a script even
 *     with --continue.  At the terminal, failures are shown and the
 *     shell goes on.
 *   - Ctrl-C at the prompt clears the input; during a request it aborts
 *     the request ("cancelled") and, in a script or \i, stops it.
 *
 * Tested by the sqlsh BATS tests (terminal sessions through tmux, scripts,
 * exit statuses); the pieces it is made of by t/unit/sqlsh_test.c.
 */
#ifndef RANGEDB_SHELL_H
#define RANGEDB_SHELL_H

#include <stddef.h>

#include "sqlfmt.h"

/* -c SQL or -f FILE, in command-line order. */
enum shell_item_kind {
	SHELL_ITEM_COMMAND,
	SHELL_ITEM_FILE
};

struct shell_item {
	enum shell_item_kind kind;
	const char *arg;
};

struct shell_opts {
	const char *prog;		/* "sqlsh", for messages */
	const char *version;		/* for the banner */
	const char *url;		/* the gateway, http://HOST:PORT */
	const char *database;		/* --database, or NULL */
	enum sqlfmt_format format;
	int quiet;			/* no tags, no row counts, no banner */
	int cont;			/* --continue */
	long timeout_ms;		/* per request; 0: no limit */
	const struct shell_item *items;	/* none: the terminal, or stdin */
	size_t nitems;
};

/*
 * Run sqlsh as o says and return its exit status (EXIT_OK, EXIT_FAIL,
 * EXIT_TEMP; EXIT_USAGE when o->url is not a usable address).
 */
int shell_run(const struct shell_opts *o);

#endif
