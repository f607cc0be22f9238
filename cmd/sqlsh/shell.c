/*
 * shell.c -- sqlsh's shell: readline loop, scripts, backslash commands,
 * session, history and Ctrl-C (see shell.h).
 *
 * Ctrl-C.  The SIGINT handler only sets a flag and writes to two pipes:
 * one wakes the readline loop (which polls the terminal and that pipe,
 * readline's callback interface with its own signal handling off), the
 * other wakes a small "canceller" thread, which aborts the request in
 * flight with sqlclient_abort().  The abort takes a mutex inside the HTTP
 * client, so it cannot run in the handler itself.  Each request has a
 * generation number that the handler passes along, so that a Ctrl-C
 * meant for a request that has just ended never aborts the next one.
 * In scripts the handler is in place only while a request runs; between
 * requests Ctrl-C kills sqlsh as it kills any filter (and a script that
 * inherited SIGINT ignored, as background jobs do, keeps ignoring it).
 *
 * History.  Entries are whole statements, as typed over several lines;
 * in the file a newline inside an entry is stored as \001 (psql does the
 * same), one entry per line, appended as each is added so that a crash
 * loses nothing and two shells do not overwrite each other.  The file is
 * cut back to the last 1000 entries when it has grown past that.
 *
 * Tested by the sqlsh BATS tests; its parts by t/unit/sqlsh_test.c.
 */
#include "shell.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "err.h"
#include "sqlclient.h"
#include "sqlfmt.h"
#include "sqlsplit.h"
#include "util.h"

#define SHELL_HIST_MAX		1000	/* entries kept in the history file */
#define SHELL_HIST_FILE_MAX	((size_t)64 << 20)
#define SHELL_HIST_NL		'\001'	/* a newline inside a file entry */
#define SHELL_MAX_DEPTH		16	/* \i nesting */

/* ---- signals ------------------------------------------------------------ */

static volatile sig_atomic_t shell_sigint;	/* Ctrl-C since cleared */
static volatile sig_atomic_t shell_sigwinch;	/* window resized */
static volatile sig_atomic_t shell_gen;		/* request generation */
static int shell_wake[2] = { -1, -1 };		/* handler -> readline loop */
static int shell_cancel[2] = { -1, -1 };	/* handler -> canceller */
/* What sqlsh inherited, put back after each request and at the end. */
static struct sigaction shell_old_int, shell_old_winch;
static int shell_int_ignored;			/* inherited SIG_IGN */

static void shell_on_sigint(int sig)
{
	int saved = errno, g = shell_gen;

	shell_sigint = 1;
	if (shell_wake[1] >= 0)
		(void)!write(shell_wake[1], "i", 1);
	if (shell_cancel[1] >= 0)
		(void)!write(shell_cancel[1], &g, sizeof(g));
	errno = saved;
}

static void shell_on_sigwinch(int sig)
{
	int saved = errno;

	shell_sigwinch = 1;
	if (shell_wake[1] >= 0)
		(void)!write(shell_wake[1], "w", 1);
	errno = saved;
}

static void shell_signal(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Empty the wake pipe (non-blocking). */
static void shell_drain_wake(void)
{
	char b[64];

	while (shell_wake[0] >= 0 && read(shell_wake[0], b, sizeof(b)) > 0)
		;
}

/* ---- state -------------------------------------------------------------- */

struct shell {
	const struct shell_opts *o;
	struct sqlclient *client;
	struct sqlfmt_opts fmt;
	int interactive;	/* the terminal, with readline */
	int timing;		/* \timing */
	char *db;		/* the session's database, for the prompt */
	enum sqlclient_txn txn;
	int quit;		/* \q */
	int fatal;		/* stop everything: output or session lost */
	int gone;		/* the gateway did not answer last time */
	int cancelled;		/* Ctrl-C stopped a request or the output */
	int depth;		/* \i nesting */

	/* what the canceller thread needs */
	pthread_mutex_t mu;
	int in_request;
	pthread_t canceller;
	int have_canceller;

	/* history */
	char *hist_path;	/* NULL: no history file */
	char *hist_last;	/* the last entry added */
	size_t hist_lines;	/* lines in the file, as far as we know */
	int hist_warned;
};

/* Text read from one source, and the statement being collected. */
struct shell_input {
	const char *name;	/* file name in messages; NULL: terminal, -c */
	int stop_on_error;
	char *buf;
	size_t len, cap;
	struct sqlsplit sp;
	unsigned long line0;	/* line number of buf[0] */
	unsigned long lineno;	/* lines read so far */
	size_t nl_off;		/* newlines counted in buf[0, nl_off) */
	unsigned long nl_count;
};

static void shell_input_init(struct shell_input *in, const char *name,
			     int stop_on_error)
{
	memset(in, 0, sizeof(*in));
	in->name = name;
	in->stop_on_error = stop_on_error;
	in->line0 = 1;
	sqlsplit_init(&in->sp);
}

static void shell_input_release(struct shell_input *in)
{
	free(in->buf);
	in->buf = NULL;
	in->len = in->cap = 0;
}

/* Forget the statement being collected (Ctrl-C, or a stop). */
static void shell_input_reset(struct shell_input *in)
{
	in->len = 0;
	in->line0 = in->lineno + 1;
	in->nl_off = 0;
	in->nl_count = 0;
	sqlsplit_init(&in->sp);
}

/* Append line[0, n) and a newline; -1 when out of memory. */
static int shell_input_append(struct shell_input *in, const char *line,
			      size_t n)
{
	if (n > SIZE_MAX - in->len - 2)
		return -1;
	if (in->len + n + 2 > in->cap) {
		size_t cap = in->cap ? in->cap : 256;
		char *p;

		while (cap < in->len + n + 2)
			cap = cap > SIZE_MAX / 2 ? in->len + n + 2 : cap * 2;
		if ((p = realloc(in->buf, cap)) == NULL)
			return -1;
		in->buf = p;
		in->cap = cap;
	}
	if (n > 0)
		memcpy(in->buf + in->len, line, n);
	in->len += n;
	in->buf[in->len++] = '\n';
	in->buf[in->len] = '\0';
	return 0;
}

/* Line number of byte off of the buffer. */
static unsigned long shell_line_of(struct shell_input *in, size_t off)
{
	if (off < in->nl_off) {
		in->nl_off = 0;
		in->nl_count = 0;
	}
	for (; in->nl_off < off; in->nl_off++)
		if (in->buf[in->nl_off] == '\n')
			in->nl_count++;
	return in->line0 + in->nl_count;
}

/* Drop what the scanner no longer needs from the front of the buffer. */
static void shell_input_compact(struct shell_input *in)
{
	size_t keep = sqlsplit_keep_from(&in->sp);

	if (keep == 0)
		return;
	in->line0 = shell_line_of(in, keep);
	memmove(in->buf, in->buf + keep, in->len - keep + 1);
	in->len -= keep;
	sqlsplit_shift(&in->sp, keep);
	in->nl_off = 0;
	in->nl_count = 0;
}

/* Room for "sqlsh:FILE:LINE: " with any path up to PATH_MAX. */
#define SHELL_WHERE_MAX	(PATH_MAX + 64)

/*
 * "sqlsh:FILE:LINE: " for messages about a file, else NULL.  A name too
 * long for buf (cap >= 8) is cut, visibly: "...: ".
 */
static const char *shell_where(const struct shell *sh,
			       const struct shell_input *in,
			       unsigned long line, char *buf, size_t cap)
{
	int n;

	if (in == NULL || in->name == NULL)
		return NULL;
	n = snprintf(buf, cap, "%s:%s:%lu: ", sh->o->prog, in->name, line);
	if (n < 0 || (size_t)n >= cap)
		memcpy(buf + cap - 6, "...: ", 6);
	return buf;
}

/*
 * A message on stderr: after where when given, else after "sqlsh: "
 * (nothing at the terminal, where psql writes its messages bare too).
 */
static void shell_err(const struct shell *sh, const char *where,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void shell_err(const struct shell *sh, const char *where,
		      const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (where != NULL)
		fputs(where, stderr);
	else if (!sh->interactive)
		fprintf(stderr, "%s: ", sh->o->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
}

/* ---- requests and Ctrl-C ------------------------------------------------ */

static void *shell_canceller(void *arg)
{
	struct shell *sh = arg;
	int g;

	for (;;) {
		ssize_t n = read(shell_cancel[0], &g, sizeof(g));

		if (n == 0)
			break;		/* write end closed: shutting down */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n != (ssize_t)sizeof(g))
			continue;
		pthread_mutex_lock(&sh->mu);
		if (sh->in_request && g == shell_gen)
			sqlclient_abort(sh->client);
		pthread_mutex_unlock(&sh->mu);
	}
	return NULL;
}

static void shell_request_begin(struct shell *sh)
{
	shell_sigint = 0;
	if (!sh->interactive && !shell_int_ignored)
		shell_signal(SIGINT, shell_on_sigint);
	pthread_mutex_lock(&sh->mu);
	sh->in_request = 1;
	shell_gen = (shell_gen + 1) & 0x3fffffff;
	pthread_mutex_unlock(&sh->mu);
	/* a Ctrl-C that came just before the line above */
	if (shell_sigint)
		sqlclient_abort(sh->client);
}

static void shell_request_end(struct shell *sh)
{
	pthread_mutex_lock(&sh->mu);
	sh->in_request = 0;
	pthread_mutex_unlock(&sh->mu);
	sqlclient_reset_abort(sh->client);
	if (!sh->interactive && !shell_int_ignored)
		sigaction(SIGINT, &shell_old_int, NULL);
}

/* One request, abortable by Ctrl-C. */
static int shell_request(struct shell *sh, const char *sql, size_t len,
			 struct sqlreply **r, struct err *e)
{
	int rc;

	shell_request_begin(sh);
	rc = sqlclient_run(sh->client, sql, len, r, e);
	shell_request_end(sh);
	/* no answer; but a request aborted by Ctrl-C says nothing of that */
	sh->gone = (rc == RC_UNAVAILABLE || rc == RC_TIMEOUT) && !shell_sigint;
	return rc;
}

/* ---- session ------------------------------------------------------------ */

/* The database the session uses, for the prompt (SHOW database). */
static void shell_refresh_db(struct shell *sh)
{
	struct sqlreply *r = NULL;
	struct err e;
	const struct sqlres *res;
	char *db;

	if (sh->txn == SQLCLIENT_TXN_FAILED)
		return;
	if (shell_request(sh, "SHOW database", 13, &r, &e) != RC_OK)
		return;
	if (!r->failed && r->nres > 0) {
		res = &r->res[r->nres - 1];
		if (res->ncols > 0 && res->nrows > 0 &&
		    res->cells[0] != NULL &&
		    (db = strdup(res->cells[0])) != NULL) {
			free(sh->db);
			sh->db = db;
		}
	}
	if (r->txn != SQLCLIENT_TXN_UNKNOWN)
		sh->txn = r->txn;
	sqlclient_reply_free(r);
}

/* USE "db": the database named exactly, quotes doubled; NULL: no memory. */
static char *shell_use_sql(const char *db)
{
	char *sql = malloc(2 * strlen(db) + 8), *p;

	if (sql == NULL)
		return NULL;
	memcpy(sql, "USE \"", 5);
	p = sql + 5;
	for (; *db != '\0'; db++) {
		if (*db == '"')
			*p++ = '"';
		*p++ = *db;
	}
	*p++ = '"';
	*p = '\0';
	return sql;
}

/*
 * Open a session and, with --database, USE it.  On failure prints why and
 * returns the exit status.
 */
static int shell_session_start(struct shell *sh, const char *where)
{
	struct sqlreply *r = NULL;
	struct err e;
	char *sql;
	int rc, status = EXIT_OK;

	sh->txn = SQLCLIENT_TXN_NONE;
	shell_request_begin(sh);
	rc = sqlclient_session_open(sh->client, &e);
	shell_request_end(sh);
	if (rc != RC_OK) {
		shell_err(sh, where, "%s", e.msg);
		sh->gone = (rc == RC_UNAVAILABLE || rc == RC_TIMEOUT) &&
			   !shell_sigint;
		return rc_exit_status(rc);
	}
	if (sh->o->database != NULL) {
		if ((sql = shell_use_sql(sh->o->database)) == NULL) {
			shell_err(sh, where, "out of memory");
			return EXIT_FAIL;
		}
		rc = shell_request(sh, sql, strlen(sql), &r, &e);
		if (rc != RC_OK) {
			shell_err(sh, where, "%s", e.msg);
			status = rc_exit_status(rc);
		} else if (r->failed) {
			fflush(stdout);
			sqlfmt_error(stderr, where, &r->error, sql,
				     strlen(sql));
			status = EXIT_FAIL;
		}
		sqlclient_reply_free(r);
		free(sql);
		if (status != EXIT_OK)
			return status;
	}
	if (sh->interactive)
		shell_refresh_db(sh);
	return EXIT_OK;
}

/* The session expired (08003): start another, and say so. */
static void shell_session_renew(struct shell *sh, const char *where)
{
	if (shell_session_start(sh, where) != EXIT_OK) {
		sh->fatal = 1;
		return;
	}
	shell_err(sh, where, "started a new session: the old one had expired "
		  "(its transaction was rolled back, its settings reset)");
}

/* ---- one request -------------------------------------------------------- */

/* Exit status of a statement the server refused. */
static int shell_error_status(const struct sqlreply *r)
{
	const char *st = r->error.sqlstate;

	if (r->status == 503 || strcmp(st, "40001") == 0 ||
	    strcmp(st, "57P03") == 0)
		return EXIT_TEMP;
	return EXIT_FAIL;
}

/* A result after which the session's database may have changed. */
static int shell_changes_db(const char *tag)
{
	return strcmp(tag, "SET") == 0 || strncmp(tag, "USE", 3) == 0 ||
	       strncmp(tag, "ROLLBACK", 8) == 0 ||
	       strncmp(tag, "DROP DATABASE", 13) == 0;
}

/*
 * Send sql[0, len) as one request and print the results, the error and
 * the time.  Returns EXIT_OK or the failure's exit status.
 */
static int shell_exec(struct shell *sh, const char *sql, size_t len,
		      const char *where)
{
	struct sqlreply *r = NULL;
	struct err e;
	uint64_t t0 = util_mono_ns();
	double ms;
	int rc, status = EXIT_OK, refresh = 0;

	rc = shell_request(sh, sql, len, &r, &e);
	ms = (double)(util_mono_ns() - t0) / 1e6;
	if (shell_sigint) {
		/*
		 * Ctrl-C during the request: it stops what follows.  If the
		 * reply came anyway, it is shown (as psql does); a new Ctrl-C
		 * cuts the output short.
		 */
		sh->cancelled = 1;
		shell_sigint = 0;
	}
	if (rc != RC_OK) {
		if (sh->cancelled) {
			shell_err(sh, where, "cancelled (the statement may "
				  "still complete on the gateway)");
			return EXIT_FAIL;
		}
		shell_err(sh, where, "%s", e.msg);
		if (sh->gone && !sh->interactive)
			sh->fatal = 1;
		return rc_exit_status(rc);
	}
	for (size_t i = 0; i < r->nres; i++) {
		if (sqlfmt_result(stdout, stderr, &r->res[i], &sh->fmt) !=
		    RC_OK) {
			shell_err(sh, where, "out of memory printing a result "
				  "of %zu rows", r->res[i].nrows);
			status = EXIT_FAIL;
			break;
		}
		if (shell_changes_db(r->res[i].tag))
			refresh = 1;
	}
	if (r->txn != SQLCLIENT_TXN_UNKNOWN)
		sh->txn = r->txn;
	if (r->failed) {
		fflush(stdout);
		sqlfmt_error(stderr, where, &r->error, sql, len);
		status = shell_error_status(r);
	}
	if (sh->timing)
		sqlfmt_timing(sh->fmt.format == SQLFMT_TABLE ? stdout : stderr,
			      ms);
	if (r->failed && strcmp(r->error.sqlstate, "08003") == 0)
		shell_session_renew(sh, where);
	sqlclient_reply_free(r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		shell_err(sh, NULL, "cannot write the output: %s",
			  strerror(errno));
		sh->fatal = 1;
		return EXIT_FAIL;
	}
	if (shell_sigint)
		sh->cancelled = 1;	/* the output was cut short */
	if (refresh && sh->interactive && !sh->fatal)
		shell_refresh_db(sh);
	return status;
}

/* ---- backslash commands ------------------------------------------------- */

static const char shell_help[] =
"General\n"
"  \\q                     quit sqlsh (or Ctrl-D)\n"
"  \\?                     show this help\n"
"\n"
"Input\n"
"  \\i FILE                run the statements of FILE\n"
"\n"
"Informational\n"
"  \\d                     list tables\n"
"  \\d NAME                describe table NAME: its columns and indexes\n"
"  \\dt                    list tables\n"
"  \\l                     list databases\n"
"\n"
"Connection\n"
"  \\c DB                  use database DB (USE DB)\n"
"\n"
"Formatting\n"
"  \\x [on|off]            toggle expanded output (one record per block)\n"
"  \\timing [on|off]       toggle printing how long each statement took\n"
"\n"
"A statement ends with ';' and may span lines.  Ctrl-C clears the input\n"
"or cancels the statement that runs.\n";

/* on/off and the other spellings psql takes; -1 for anything else. */
static int shell_bool(const char *s)
{
	static const char *const yes[] = { "on", "true", "yes", "1", NULL };
	static const char *const no[] = { "off", "false", "no", "0", NULL };

	for (int i = 0; yes[i] != NULL; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i] != NULL; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* \x and \timing: flip, or set from the argument. */
static int shell_toggle(struct shell *sh, const char *where, const char *cmd,
			int argc, char **argv, int *flag, const char *what)
{
	int v = !*flag;

	if (argc > 0 && (v = shell_bool(argv[0])) < 0) {
		shell_err(sh, where, "unrecognized value \"%s\" for \"\\%s\": "
			  "Boolean expected", argv[0], cmd);
		return EXIT_FAIL;
	}
	*flag = v;
	if (!sh->o->quiet) {
		printf("%s is %s.\n", what, v ? "on" : "off");
		fflush(stdout);
	}
	return EXIT_OK;
}

static int shell_include(struct shell *sh, const char *path,
			 const char *where);

/* Warn about arguments a command does not take (psql does the same). */
static void shell_extra_args(struct shell *sh, const char *where,
			     const char *cmd, int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++)
		shell_err(sh, where, "\\%s: extra argument \"%s\" ignored",
			  cmd, argv[i]);
}

/*
 * Run the backslash command text[0, n) (text[0] is the '\').  Returns
 * EXIT_OK or the failure's exit status; \q sets sh->quit.
 */
static int shell_meta(struct shell *sh, const char *text, size_t n,
		      const char *where)
{
	struct sqlsplit_meta m;
	struct err e;
	char *name, **argv, *sql = NULL;
	int argc, status = EXIT_OK;

	if (sqlsplit_meta_parse(text, n, &m, &e) != RC_OK) {
		size_t k = 0;

		while (k < n && text[k] != ' ' && text[k] != '\t')
			k++;
		shell_err(sh, where, "%.*s: %s", (int)k, text, e.msg);
		return EXIT_FAIL;
	}
	name = m.name;
	argv = m.argv;
	argc = m.argc;

	if (strcmp(name, "q") == 0) {
		sh->quit = 1;
	} else if (strcmp(name, "?") == 0) {
		fputs(shell_help, stdout);
		fflush(stdout);
	} else if (strcmp(name, "dt") == 0 ||
		   (strcmp(name, "d") == 0 && argc == 0)) {
		shell_extra_args(sh, where, name, argc, argv, 0);
		status = shell_exec(sh, "SHOW TABLES", 11, where);
	} else if (strcmp(name, "l") == 0) {
		shell_extra_args(sh, where, name, argc, argv, 0);
		status = shell_exec(sh, "SHOW DATABASES", 14, where);
	} else if (strcmp(name, "d") == 0) {
		if (!sqlsplit_table_name(argv[0])) {
			shell_err(sh, where, "\\d: invalid table name \"%s\"",
				  argv[0]);
			status = EXIT_FAIL;
			goto out;
		}
		shell_extra_args(sh, where, name, argc, argv, 1);
		if (asprintf(&sql, "SHOW COLUMNS FROM %s; "
			     "SHOW INDEXES FROM %s", argv[0], argv[0]) < 0) {
			sql = NULL;
			shell_err(sh, where, "out of memory");
			status = EXIT_FAIL;
			goto out;
		}
		status = shell_exec(sh, sql, strlen(sql), where);
	} else if (strcmp(name, "c") == 0 || strcmp(name, "connect") == 0) {
		if (argc == 0) {
			shell_err(sh, where, "\\%s: missing database name",
				  name);
			status = EXIT_FAIL;
			goto out;
		}
		shell_extra_args(sh, where, name, argc, argv, 1);
		if ((sql = shell_use_sql(argv[0])) == NULL) {
			shell_err(sh, where, "out of memory");
			status = EXIT_FAIL;
			goto out;
		}
		sh->fmt.quiet = 1;	/* no "SET": the line below says it */
		status = shell_exec(sh, sql, strlen(sql), where);
		sh->fmt.quiet = sh->o->quiet;
		if (status == EXIT_OK && !sh->o->quiet) {
			printf("You are now connected to database \"%s\".\n",
			       argv[0]);
			fflush(stdout);
		}
	} else if (strcmp(name, "x") == 0) {
		shell_extra_args(sh, where, name, argc, argv, 1);
		status = shell_toggle(sh, where, name, argc, argv,
				      &sh->fmt.expanded, "Expanded display");
	} else if (strcmp(name, "timing") == 0) {
		shell_extra_args(sh, where, name, argc, argv, 1);
		status = shell_toggle(sh, where, name, argc, argv,
				      &sh->timing, "Timing");
	} else if (strcmp(name, "i") == 0 || strcmp(name, "include") == 0) {
		if (argc == 0) {
			shell_err(sh, where, "\\%s: missing required argument",
				  name);
			status = EXIT_FAIL;
			goto out;
		}
		shell_extra_args(sh, where, name, argc, argv, 1);
		status = shell_include(sh, argv[0], where);
	} else {
		shell_err(sh, where, "invalid command \\%s. Try \\? for help.",
			  name);
		status = EXIT_FAIL;
	}
out:
	free(sql);
	sqlsplit_meta_release(&m);
	return status;
}

/* ---- input, line by line ------------------------------------------------ */

/* After a statement or command: keep the first failure, say if we stop. */
static int shell_after(struct shell *sh, const struct shell_input *in,
		       int st, int *status)
{
	if (st != EXIT_OK && *status == EXIT_OK)
		*status = st;
	return sh->quit || sh->fatal || sh->cancelled ||
	       (st != EXIT_OK && in->stop_on_error);
}

/* Run the statements the buffer holds; 1 when the source must stop. */
static int shell_drain(struct shell *sh, struct shell_input *in, int eof,
		       int *status)
{
	struct sqlsplit_stmt st;
	char wb[SHELL_WHERE_MAX];
	const char *where;

	while (sqlsplit_next(&in->sp, in->buf, in->len, eof, &st)) {
		int s;

		where = shell_where(sh, in, shell_line_of(in, st.off), wb,
				    sizeof(wb));
		s = shell_exec(sh, in->buf + st.off, st.len, where);
		if (shell_after(sh, in, s, status)) {
			shell_input_reset(in);
			return 1;
		}
	}
	shell_input_compact(in);
	return 0;
}

/*
 * One line of input (a trailing newline is dropped).  Returns 1 when the
 * source must stop; *status keeps the first failure.
 */
static int shell_feed(struct shell *sh, struct shell_input *in,
		      const char *line, size_t n, int *status)
{
	long k;
	char wb[SHELL_WHERE_MAX];

	in->lineno++;
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if ((k = sqlsplit_meta_start(&in->sp, line, n)) >= 0) {
		const char *where = shell_where(sh, in, in->lineno, wb,
						sizeof(wb));

		/* an empty line in its place keeps the line numbers right */
		if (shell_input_append(in, "", 0) != 0) {
			shell_err(sh, where, "out of memory");
			sh->fatal = 1;
			return shell_after(sh, in, EXIT_FAIL, status);
		}
		return shell_after(sh, in,
				   shell_meta(sh, line + k, n - (size_t)k,
					      where), status);
	}
	if (shell_input_append(in, line, n) != 0) {
		shell_err(sh, NULL, "out of memory: statement of %zu bytes",
			  in->len + n);
		sh->fatal = 1;
		return shell_after(sh, in, EXIT_FAIL, status);
	}
	return shell_drain(sh, in, 0, status);
}

/* Run the lines of f; EXIT_OK or the first failure's status. */
static int shell_stream(struct shell *sh, FILE *f, const char *name)
{
	struct shell_input in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = EXIT_OK, stop = 0;

	shell_input_init(&in, name, !sh->o->cont);
	while ((n = getline(&line, &cap, f)) >= 0) {
		stop = shell_feed(sh, &in, line, (size_t)n, &status);
		if (!stop && sh->interactive && shell_sigint) {
			sh->cancelled = 1;	/* Ctrl-C during \i */
			stop = 1;
		}
		if (stop)
			break;
	}
	if (!stop && ferror(f)) {
		shell_err(sh, NULL, "cannot read '%s': %s", name,
			  strerror(errno));
		if (status == EXIT_OK)
			status = EXIT_FAIL;
		stop = 1;
	}
	if (!stop)
		shell_drain(sh, &in, 1, &status);
	free(line);
	shell_input_release(&in);
	return status;
}

static int shell_include(struct shell *sh, const char *path,
			 const char *where)
{
	FILE *f;
	int status;

	if (sh->depth >= SHELL_MAX_DEPTH) {
		shell_err(sh, where, "\\i: '%s': files included more than %d "
			  "deep", path, SHELL_MAX_DEPTH);
		return EXIT_FAIL;
	}
	if (strcmp(path, "-") == 0) {
		f = stdin;
		path = "<stdin>";
	} else if ((f = fopen(path, "r")) == NULL) {
		shell_err(sh, where, "%s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	sh->depth++;
	status = shell_stream(sh, f, path);
	sh->depth--;
	if (f != stdin)
		fclose(f);
	return status;
}

/* One -c argument: a request of its own, or backslash commands. */
static int shell_command(struct shell *sh, const char *text)
{
	struct sqlsplit sp;
	struct sqlsplit_stmt st;
	size_t len = strlen(text);

	if (text[strspn(text, " \t\r\n")] == '\\') {
		struct shell_input in;
		int status = EXIT_OK, stop = 0;
		const char *p = text, *nl;

		shell_input_init(&in, NULL, !sh->o->cont);
		while (!stop && *p != '\0') {
			nl = strchr(p, '\n');
			if (nl == NULL)
				nl = p + strlen(p);
			stop = shell_feed(sh, &in, p, (size_t)(nl - p),
					  &status);
			p = *nl != '\0' ? nl + 1 : nl;
		}
		if (!stop)
			shell_drain(sh, &in, 1, &status);
		shell_input_release(&in);
		return status;
	}
	sqlsplit_init(&sp);
	if (!sqlsplit_next(&sp, text, len, 1, &st))
		return EXIT_OK;		/* only blanks and comments */
	return shell_exec(sh, text, len, NULL);
}

/* ---- history ------------------------------------------------------------ */

static void shell_hist_warn(struct shell *sh, const char *what)
{
	if (sh->hist_warned)
		return;
	sh->hist_warned = 1;
	shell_err(sh, NULL, "warning: cannot %s history file '%s': %s", what,
		  sh->hist_path, strerror(errno));
}

/* Keep only the last SHELL_HIST_MAX lines of the file. */
static void shell_hist_truncate(struct shell *sh)
{
	char *data = NULL, *tmp = NULL, *from;
	size_t len = 0, lines = 0;
	struct err e;
	int fd;

	if (util_read_file(sh->hist_path, SHELL_HIST_FILE_MAX, &data, &len,
			   &e) != RC_OK) {
		free(data);
		return;
	}
	from = data + len;
	if (from > data && from[-1] == '\n')
		from--;
	while (from > data) {
		if (from[-1] == '\n' && ++lines == SHELL_HIST_MAX)
			break;
		from--;
	}
	if (from > data &&
	    asprintf(&tmp, "%s.%ld.tmp", sh->hist_path, (long)getpid()) >= 0) {
		size_t n = len - (size_t)(from - data);

		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, from, n) != (ssize_t)n ||
		    close(fd) != 0 || rename(tmp, sh->hist_path) != 0) {
			shell_hist_warn(sh, "rewrite");
			unlink(tmp);
		}
		sh->hist_lines = SHELL_HIST_MAX;
		free(tmp);
	}
	free(data);
}

/* Where the history lives: $SQLSH_HISTORY ("" = none), else ~/. */
static void shell_hist_open(struct shell *sh)
{
	const char *env = getenv("SQLSH_HISTORY"), *home;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	using_history();
	stifle_history(SHELL_HIST_MAX);
	if (env != NULL) {
		if (*env == '\0')
			return;
		sh->hist_path = strdup(env);
	} else {
		home = getenv("HOME");
		if (home == NULL || *home == '\0') {
			struct passwd *pw = getpwuid(getuid());

			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL ||
		    asprintf(&sh->hist_path, "%s/.sqlsh_history", home) < 0)
			sh->hist_path = NULL;
	}
	if (sh->hist_path == NULL)
		return;
	if ((f = fopen(sh->hist_path, "r")) == NULL) {
		if (errno != ENOENT)
			shell_hist_warn(sh, "read");
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (line[i] == SHELL_HIST_NL)
				line[i] = '\n';
		if (n > 0)
			add_history(line);
		sh->hist_lines++;
	}
	free(line);
	fclose(f);
	if (sh->hist_lines > SHELL_HIST_MAX)
		shell_hist_truncate(sh);
}

static void shell_hist_add(struct shell *sh, const char *entry)
{
	size_t n;
	char *enc;
	int fd;

	if (entry[strspn(entry, " \t\r\n")] == '\0')
		return;
	if (sh->hist_last != NULL && strcmp(sh->hist_last, entry) == 0)
		return;
	add_history(entry);
	free(sh->hist_last);
	sh->hist_last = strdup(entry);
	if (sh->hist_path == NULL)
		return;
	n = strlen(entry);
	if ((enc = malloc(n + 1)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		enc[i] = entry[i] == '\n' ? SHELL_HIST_NL : entry[i];
	enc[n] = '\n';
	fd = open(sh->hist_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0600);
	if (fd < 0 || write(fd, enc, n + 1) != (ssize_t)(n + 1))
		shell_hist_warn(sh, "write");
	if (fd >= 0)
		close(fd);
	free(enc);
	if (++sh->hist_lines > 2 * SHELL_HIST_MAX)
		shell_hist_truncate(sh);
}

/* ---- the terminal ------------------------------------------------------- */

static char *shell_rl_line;
static int shell_rl_done;

static void shell_rl_handler(char *line)
{
	rl_callback_handler_remove();
	shell_rl_line = line;
	shell_rl_done = 1;
}

/*
 * Read one line at prompt: 1 with *line (malloc'd), 0 at end of input
 * (Ctrl-D), -1 when Ctrl-C cleared it.
 */
static int shell_readline(const char *prompt, char **line)
{
	struct pollfd pfd[2];

	shell_rl_done = 0;
	shell_rl_line = NULL;
	shell_sigint = 0;
	shell_drain_wake();
	rl_callback_handler_install(prompt, shell_rl_handler);
	while (!shell_rl_done) {
		int n, poll_errno;

		pfd[0].fd = fileno(rl_instream);
		pfd[0].events = POLLIN;
		pfd[1].fd = shell_wake[0];
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, -1);
		poll_errno = errno;	/* readline below may change it */
		if (shell_sigint) {
			shell_sigint = 0;
			shell_drain_wake();
			/*
			 * "^C" after the text, then a new line, before the
			 * terminal is restored (which returns the cursor to
			 * the start of the line when bracketed paste is on).
			 */
			rl_point = rl_end;
			rl_redisplay();
			fputs("^C\n", rl_outstream);
			fflush(rl_outstream);
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_replace_line("", 0);
			rl_callback_handler_remove();
			return -1;
		}
		if (shell_sigwinch) {
			shell_sigwinch = 0;
			shell_drain_wake();
			rl_resize_terminal();
		}
		if (n < 0) {
			if (poll_errno == EINTR)
				continue;
			rl_callback_handler_remove();
			return 0;
		}
		if (pfd[1].revents & POLLIN)
			shell_drain_wake();
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			rl_callback_read_char();
	}
	if (shell_rl_line == NULL)
		return 0;
	*line = shell_rl_line;
	return 1;
}

/* psql's prompts: db=> db=*> db=!> and db-> db'> db*> ... going on. */
static char *shell_prompt(const struct shell *sh,
			  const struct shell_input *in)
{
	char r = sqlsplit_pending(&in->sp) ? sqlsplit_prompt_char(&in->sp)
					   : '=';
	const char *x = sh->txn == SQLCLIENT_TXN_OPEN ? "*" :
			sh->txn == SQLCLIENT_TXN_FAILED ? "!" : "";
	char *p;

	if (asprintf(&p, "%s%c%s> ", sh->db != NULL ? sh->db : "", r, x) < 0)
		return NULL;
	return p;
}

/* Append line to the history entry being collected ("\n" between). */
static int shell_hist_collect(char **entry, const char *line)
{
	char *p;

	if (*entry == NULL) {
		*entry = strdup(line);
		return *entry != NULL ? 0 : -1;
	}
	if (asprintf(&p, "%s\n%s", *entry, line) < 0)
		return -1;
	free(*entry);
	*entry = p;
	return 0;
}

static int shell_interactive(struct shell *sh)
{
	struct shell_input in;
	char *line, *prompt, *entry = NULL;
	int status = EXIT_OK, r;

	shell_input_init(&in, NULL, 0);
	rl_readline_name = "sqlsh";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_instream = stdin;
	rl_outstream = stdout;
	rl_initialize();
	rl_bind_key('\t', rl_insert);	/* no file name completion in SQL */
	shell_hist_open(sh);
	if (!sh->o->quiet) {
		printf("%s (rangedb) %s, gateway %s\n"
		       "Type \\? for help, \\q to quit.\n\n", sh->o->prog,
		       sh->o->version, sqlclient_peer(sh->client));
		fflush(stdout);
	}
	while (!sh->quit && !sh->fatal) {
		if ((prompt = shell_prompt(sh, &in)) == NULL) {
			shell_err(sh, NULL, "out of memory");
			break;
		}
		r = shell_readline(prompt, &line);
		free(prompt);
		if (r < 0) {
			shell_input_reset(&in);
			free(entry);
			entry = NULL;
			continue;
		}
		if (r == 0) {
			puts("\\q");
			break;
		}
		if (sqlsplit_meta_start(&in.sp, line, strlen(line)) >= 0) {
			shell_hist_add(sh, line);
		} else if (shell_hist_collect(&entry, line) != 0) {
			shell_err(sh, NULL, "out of memory");
			free(line);
			break;
		}
		sh->cancelled = 0;
		if (shell_feed(sh, &in, line, strlen(line), &status))
			shell_input_reset(&in);
		if (entry != NULL && !sqlsplit_pending(&in.sp)) {
			shell_hist_add(sh, entry);
			free(entry);
			entry = NULL;
		}
		free(line);
	}
	free(entry);
	shell_input_release(&in);
	if (sh->hist_path != NULL && sh->hist_lines > SHELL_HIST_MAX)
		shell_hist_truncate(sh);
	return sh->fatal ? EXIT_FAIL : EXIT_OK;
}

/* ---- scripts ------------------------------------------------------------ */

static int shell_script(struct shell *sh)
{
	int status = EXIT_OK, st;

	if (sh->o->nitems == 0)
		return shell_include(sh, "-", NULL);
	for (size_t i = 0; i < sh->o->nitems; i++) {
		const struct shell_item *it = &sh->o->items[i];

		if (it->kind == SHELL_ITEM_COMMAND)
			st = shell_command(sh, it->arg);
		else
			st = shell_include(sh, it->arg, NULL);
		if (st != EXIT_OK && status == EXIT_OK)
			status = st;
		if (sh->quit || sh->fatal || sh->cancelled ||
		    (st != EXIT_OK && !sh->o->cont))
			break;
	}
	return status;
}

/* ---- start and finish --------------------------------------------------- */

/* The pipes and the canceller thread; -1 when they cannot be made. */
static int shell_signals_start(struct shell *sh)
{
	sigset_t all, old;
	int rc;

	if (pipe2(shell_wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	if (pipe2(shell_cancel, O_CLOEXEC) != 0)
		return -1;
	fcntl(shell_cancel[1], F_SETFL, O_NONBLOCK);
	/* the thread takes no signals: SIGINT goes to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&sh->canceller, NULL, shell_canceller, sh);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	sh->have_canceller = 1;
	return 0;
}

static void shell_signals_stop(struct shell *sh)
{
	int fd;

	sigaction(SIGINT, &shell_old_int, NULL);
	sigaction(SIGWINCH, &shell_old_winch, NULL);
	if (shell_cancel[1] >= 0) {
		fd = shell_cancel[1];
		shell_cancel[1] = -1;
		close(fd);
	}
	if (sh->have_canceller)
		pthread_join(sh->canceller, NULL);
	for (int i = 0; i < 2; i++) {
		if (shell_wake[i] >= 0)
			close(shell_wake[i]);
		shell_wake[i] = -1;
	}
	if (shell_cancel[0] >= 0)
		close(shell_cancel[0]);
	shell_cancel[0] = -1;
}

int shell_run(const struct shell_opts *o)
{
	struct shell sh;
	struct err e;
	int rc, status;

	memset(&sh, 0, sizeof(sh));
	sigaction(SIGINT, NULL, &shell_old_int);
	sigaction(SIGWINCH, NULL, &shell_old_winch);
	shell_int_ignored = shell_old_int.sa_handler == SIG_IGN;
	sh.o = o;
	sh.fmt.format = o->format;
	sh.fmt.quiet = o->quiet;
	sh.interactive = o->nitems == 0 && isatty(STDIN_FILENO);
	if (sh.interactive)
		sh.fmt.stop = &shell_sigint;
	if ((rc = sqlclient_new(&sh.client, o->url, o->timeout_ms, &e)) !=
	    RC_OK) {
		fprintf(stderr, "%s: %s\n", o->prog, e.msg);
		return rc == RC_BAD_INPUT ? EXIT_USAGE : rc_exit_status(rc);
	}
	if (pthread_mutex_init(&sh.mu, NULL) != 0 ||
	    shell_signals_start(&sh) != 0) {
		fprintf(stderr, "%s: cannot set up Ctrl-C handling: %s\n",
			o->prog, strerror(errno));
		shell_signals_stop(&sh);
		sqlclient_free(sh.client);
		return EXIT_FAIL;
	}
	if (sh.interactive) {
		shell_signal(SIGINT, shell_on_sigint);
		shell_signal(SIGWINCH, shell_on_sigwinch);
	}
	if ((sh.db = strdup(o->database != NULL ? o->database
						: "defaultdb")) == NULL) {
		status = EXIT_FAIL;
		goto out;
	}
	status = shell_session_start(&sh, NULL);
	if (status != EXIT_OK)
		goto out;
	if (sh.interactive)
		status = shell_interactive(&sh);
	else
		status = shell_script(&sh);
	if (sh.cancelled && !sh.interactive && status == EXIT_OK)
		status = EXIT_FAIL;
out:
	/* from here Ctrl-C acts as it did before: closing must not hang */
	sigaction(SIGINT, &shell_old_int, NULL);
	if (sqlclient_session(sh.client) != NULL && !sh.gone &&
	    sqlclient_session_close(sh.client, &e) != RC_OK)
		fprintf(stderr, "%s: warning: cannot close the session: %s\n",
			o->prog, e.msg);
	shell_signals_stop(&sh);
	sqlclient_free(sh.client);
	pthread_mutex_destroy(&sh.mu);
	free(sh.db);
	free(sh.hist_path);
	free(sh.hist_last);
	if (fflush(stdout) != 0 && status == EXIT_OK) {
		fprintf(stderr, "%s: cannot write the output: %s\n", o->prog,
			strerror(errno));
		status = EXIT_FAIL;
	}
	return status;
}
