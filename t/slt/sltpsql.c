/*
 * sltpsql.c -- the sqllogictest runner's engine for PostgreSQL through a
 * psql child (see sltpsql.h for the conversation).  psql's stdin is one
 * end of a socketpair, so a write to a psql that died fails with EPIPE
 * (MSG_NOSIGNAL) instead of killing the runner; stdout is a pipe.  Both
 * are non-blocking and served by one poll() loop, so a large SQL text and
 * a large result cannot deadlock, and every record has a deadline.
 * Tested by running the corpus on PostgreSQL 15 (t/slt/README).
 */
#include "sltpsql.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define FS	"\037"		/* field separator */
#define RS	"\036"		/* record separator */
#define NULLSTR	"\001NULL\001"	/* how psql prints NULL */
#define MARK	RS RS "SLT"	/* starts every marker line */

struct sltpsql {
	pid_t pid;
	int in;			/* psql's stdin (our socket end) */
	int out;		/* psql's stdout (pipe, read end) */
	FILE *errf;		/* psql's stderr */
	long timeout_ms;
	unsigned long seq;	/* marker number of the last exchange */
	char *cmd;		/* the shell command that starts psql */
	char *home_db;		/* the database psql connected to first */
	char *cur_db;		/* the script's database, NULL between */
	char *buf;		/* bytes read from psql, not consumed yet */
	size_t len, cap;
	int dead;
};

/* The last line psql wrote on stderr, for messages. */
static void stderr_tail(struct sltpsql *p, char *out, size_t cap)
{
	int fd = fileno(p->errf);
	off_t end = lseek(fd, 0, SEEK_END);
	char tail[512];
	ssize_t n;
	off_t from;

	out[0] = '\0';
	if (end <= 0)
		return;
	from = end > (off_t)sizeof(tail) - 1 ?
	       end - (off_t)sizeof(tail) + 1 : 0;
	n = pread(fd, tail, sizeof(tail) - 1, from);
	if (n <= 0)
		return;
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	{
		const char *nl = strrchr(tail, '\n');
		const char *last = nl != NULL ? nl + 1 : tail;
		size_t len = strlen(last);

		if (len >= cap) {	/* keep the end of the line */
			last += len - (cap - 1);
			len = cap - 1;
		}
		memcpy(out, last, len);
		out[len] = '\0';
	}
}

static int gone(struct sltpsql *p, struct err *e)
{
	char tail[300];

	p->dead = 1;
	stderr_tail(p, tail, sizeof(tail));
	return err_set(e, RC_UNAVAILABLE, "psql exited%s%s",
		       tail[0] ? ": " : "", tail);
}

static const char *find(const char *hay, size_t n, const char *needle)
{
	if (hay == NULL)
		return NULL;
	return memmem(hay, n, needle, strlen(needle));
}

/*
 * Send len bytes of text to psql and read its output until endmark has
 * arrived (then it is in p->buf).  RC_TIMEOUT after p->timeout_ms,
 * RC_UNAVAILABLE when psql is gone.
 */
static int converse(struct sltpsql *p, const char *text, size_t len,
		    const char *endmark, struct err *e)
{
	/* PostgreSQL's statement_timeout is timeout_ms; allow 10 s more. */
	uint64_t deadline = util_mono_ms() + (uint64_t)p->timeout_ms + 10000;
	size_t sent = 0;

	if (p->dead)
		return err_set(e, RC_UNAVAILABLE, "psql is gone");
	for (;;) {
		struct pollfd pf[2];
		uint64_t now = util_mono_ms();
		int n = 0, r;

		if (find(p->buf, p->len, endmark) != NULL && sent == len)
			return RC_OK;
		if (now >= deadline)
			return err_set(e, RC_TIMEOUT,
				       "psql gave no answer within %ld ms",
				       p->timeout_ms + 10000);
		pf[n].fd = p->out;
		pf[n++].events = POLLIN;
		if (sent < len) {
			pf[n].fd = p->in;
			pf[n++].events = POLLOUT;
		}
		r = poll(pf, (nfds_t)n, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return err_set(e, RC_IO, "poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (n > 1 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = send(p->in, text + sent, len - sent,
					 MSG_NOSIGNAL);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return gone(p, e);
			if (w > 0)
				sent += (size_t)w;
		}
		if (pf[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t got;

			if (p->cap - p->len < 65536) {
				size_t cap = p->cap ? p->cap * 2 : 131072;
				char *b = realloc(p->buf, cap);

				if (b == NULL)
					return err_set(e, RC_NOMEM,
						       "out of memory");
				p->buf = b;
				p->cap = cap;
			}
			got = read(p->out, p->buf + p->len,
				   p->cap - p->len - 1);
			if (got == 0)
				return gone(p, e);
			if (got < 0 && errno != EAGAIN && errno != EINTR)
				return gone(p, e);
			if (got > 0) {
				p->len += (size_t)got;
				p->buf[p->len] = '\0';
			}
		}
	}
}

/* Drop the first n bytes of p->buf. */
static void consume(struct sltpsql *p, size_t n)
{
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
}

/*
 * One exchange: send cmds between a begin marker and a status line
 * "\echo MARK seq STATUS_VARS", then :LAST_ERROR_MESSAGE and an end
 * marker.  Out: *body (malloc'd) what psql printed between begin marker
 * and status line, *status the status words, *msg the error message.
 */
static int exchange(struct sltpsql *p, const char *cmds,
		    const char *status_vars, char **body, size_t *body_len,
		    char **status, char **msg, struct err *e)
{
	char begin[64], mid[64], endmark[64];
	const char *b, *m, *end, *nl;
	char *text = NULL;
	int rc, n;

	*body = *status = *msg = NULL;
	p->seq++;
	snprintf(begin, sizeof(begin), MARK "BEGIN %lu\n", p->seq);
	snprintf(mid, sizeof(mid), MARK " %lu ", p->seq);
	snprintf(endmark, sizeof(endmark), MARK "END %lu\n", p->seq);
	n = asprintf(&text,
		     "\\echo '\\036\\036SLTBEGIN' %lu\n"
		     "%s\n"
		     "\\echo '\\036\\036SLT' %lu %s\n"
		     "\\echo :LAST_ERROR_MESSAGE\n"
		     "\\echo '\\036\\036SLTEND' %lu\n",
		     p->seq, cmds, p->seq, status_vars, p->seq);
	if (n < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = converse(p, text, (size_t)n, endmark, e);
	free(text);
	if (rc != RC_OK)
		return rc;
	end = find(p->buf, p->len, endmark);
	b = find(p->buf, (size_t)(end - p->buf), begin);
	m = b != NULL ? find(b, (size_t)(end - b), mid) : NULL;
	if (b == NULL || m == NULL) {
		consume(p, (size_t)(end - p->buf) + strlen(endmark));
		return err_set(e, RC_CORRUPT,
			       "psql's answer lost its markers (does the SQL "
			       "hold an unterminated quote or comment?)");
	}
	b += strlen(begin);
	nl = memchr(m, '\n', (size_t)(end - m));
	if (nl == NULL)
		nl = end;
	*body = strndup(b, (size_t)(m - b));
	*body_len = (size_t)(m - b);
	*status = strndup(m + strlen(mid), (size_t)(nl - m - strlen(mid)));
	*msg = strndup(nl < end ? nl + 1 : end,
		       (size_t)(end - (nl < end ? nl + 1 : end)));
	consume(p, (size_t)(end - p->buf) + strlen(endmark));
	if (*body == NULL || *status == NULL || *msg == NULL) {
		free(*body);
		free(*status);
		free(*msg);
		*body = *status = *msg = NULL;
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (**msg != '\0' && (*msg)[strlen(*msg) - 1] == '\n')
		(*msg)[strlen(*msg) - 1] = '\0';
	return RC_OK;
}

/* Split psql's unaligned output into res's rows and values. */
static int take_rows(const char *body, size_t len, struct sltdb_result *res,
		     struct err *e)
{
	const char *s = body, *end;

	if (len == 0)
		return RC_OK;	/* no rows: the column count stays unknown */
	if (body[len - 1] != '\n')
		return err_set(e, RC_CORRUPT, "psql's rows do not end in a "
			       "newline: %.80s", body);
	end = body + len - 1;
	while (s <= end) {
		const char *rend = memchr(s, RS[0], (size_t)(end - s));
		long cols = 0;

		if (rend == NULL)
			rend = end;
		for (;;) {
			const char *fend = memchr(s, FS[0], (size_t)(rend - s));
			size_t n;
			int rc;

			if (fend == NULL)
				fend = rend;
			n = (size_t)(fend - s);
			if (n == strlen(NULLSTR) && memcmp(s, NULLSTR, n) == 0)
				rc = sltdb_result_push(res, NULL, 0);
			else
				rc = sltdb_result_push(res, s, n);
			if (rc != RC_OK)
				return err_set(e, RC_NOMEM, "out of memory");
			cols++;
			s = fend + 1;
			if (fend == rend)
				break;
		}
		if (res->ncols < 0)
			res->ncols = cols;
		else if (res->ncols != cols)
			return err_set(e, RC_CORRUPT,
				       "psql printed rows of %ld and %ld "
				       "values (a value holding 0x1e or "
				       "0x1f?)", res->ncols, cols);
		res->nrows++;
	}
	return RC_OK;
}

/*
 * Run sql.  It failed when any of its statements did: LAST_ERROR_SQLSTATE
 * is reset before and read after (psql's ERROR only describes the last
 * statement, and an empty one -- the ';' after "SELECT 1; -- note" --
 * would clear it).
 */
static int run_sql(struct sltpsql *p, const char *sql,
		   struct sltdb_result *res, struct err *e)
{
	char *body, *status, *msg, *cmds = NULL;
	char state[8] = "";
	size_t body_len, n = strlen(sql);
	int rc;

	/*
	 * A ';' on a line of its own ends the statement even after a "--"
	 * comment; the SQL's own trailing ';' goes, to spare an empty query.
	 */
	while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' ||
			 sql[n - 1] == '\t' || sql[n - 1] == '\n'))
		n--;
	if (asprintf(&cmds, "\\set LAST_ERROR_SQLSTATE 00000\n"
		     "\\set LAST_ERROR_MESSAGE ''\n"
		     "%.*s\n;", (int)n, sql) < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = exchange(p, cmds, ":LAST_ERROR_SQLSTATE", &body, &body_len,
		      &status, &msg, e);
	free(cmds);
	if (rc != RC_OK)
		return rc;
	if (sscanf(status, "%7s", state) != 1 || strlen(state) != 5) {
		rc = err_set(e, RC_CORRUPT, "psql's status line is '%s'",
			     status);
	} else if (strcmp(state, "00000") != 0) {
		rc = sltdb_result_fail(res, state, msg) == RC_OK ? RC_OK :
		     err_set(e, RC_NOMEM, "out of memory");
	} else {
		rc = take_rows(body, body_len, res, e);
	}
	free(body);
	free(status);
	free(msg);
	return rc;
}

static int restart(struct sltpsql *p, struct err *e);

/*
 * After a timeout psql is out of step (most likely the SQL opened a quote
 * or comment that swallowed the markers): start a new one, so that one
 * bad record does not spoil the rest of the script.
 */
static int sltpsql_exec(void *impl, const char *sql, struct sltdb_result *res,
			struct err *e)
{
	struct sltpsql *p = impl;
	int rc = run_sql(p, sql, res, e);

	if (rc == RC_TIMEOUT || rc == RC_CORRUPT) {
		struct err re;
		int rc2 = restart(p, &re);

		if (rc2 != RC_OK) {
			if (e != NULL)
				*e = re;
			return rc2;
		}
		err_prefix(e, "psql restarted");
	}
	return rc;
}

/* Run setup SQL; an SQL error becomes RC_BAD_INPUT naming what failed. */
static int setup_sql(struct sltpsql *p, const char *sql, struct err *e)
{
	struct sltdb_result res;
	int rc;

	sltdb_result_init(&res);
	rc = run_sql(p, sql, &res, e);
	if (rc == RC_OK && res.failed)
		rc = err_set(e, RC_BAD_INPUT, "'%s' failed: %s: %s", sql,
			     res.sqlstate, res.message);
	sltdb_result_clear(&res);
	return rc;
}

/* \c dbname, checking that psql is connected to it afterwards. */
static int connect_db(struct sltpsql *p, const char *dbname, struct err *e)
{
	char *cmds = NULL, *body, *status, *msg;
	size_t body_len;
	int rc;

	if (asprintf(&cmds, "\\c %s", dbname) < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = exchange(p, cmds, ":DBNAME", &body, &body_len, &status, &msg, e);
	free(cmds);
	if (rc != RC_OK)
		return rc;
	if (strcmp(status, dbname) != 0) {
		char tail[300];

		stderr_tail(p, tail, sizeof(tail));
		rc = err_set(e, RC_UNAVAILABLE, "psql cannot connect to "
			     "database '%s': %s", dbname, tail);
	} else {
		char sql[128];

		snprintf(sql, sizeof(sql), "SET statement_timeout = %ld",
			 p->timeout_ms);
		rc = setup_sql(p, sql, e);
		if (rc == RC_OK)
			rc = setup_sql(p, "SET client_min_messages = warning",
				       e);
	}
	free(body);
	free(status);
	free(msg);
	return rc;
}

static int check_dbname(const char *dbname, struct err *e)
{
	if (dbname[0] == '\0' ||
	    dbname[strspn(dbname, "abcdefghijklmnopqrstuvwxyz0123456789_")])
		return err_set(e, RC_BAD_INPUT,
			       "database name '%s' is not lower-case letters, "
			       "digits and '_'", dbname);
	return RC_OK;
}

static int sltpsql_begin_file(void *impl, const char *dbname, struct err *e)
{
	struct sltpsql *p = impl;
	char sql[160];
	int rc;

	rc = check_dbname(dbname, e);
	if (rc != RC_OK)
		return rc;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	rc = setup_sql(p, sql, e);
	if (rc == RC_OK)
		rc = connect_db(p, dbname, e);
	if (rc == RC_OK) {
		free(p->cur_db);
		p->cur_db = strdup(dbname);
		if (p->cur_db == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
	}
	return rc;
}

static int sltpsql_end_file(void *impl, const char *dbname, int keep,
			    struct err *e)
{
	struct sltpsql *p = impl;
	char sql[160];
	int rc;

	free(p->cur_db);
	p->cur_db = NULL;
	rc = connect_db(p, p->home_db, e);
	if (rc != RC_OK || keep)
		return rc;
	if (check_dbname(dbname, e) != RC_OK)
		return RC_BAD_INPUT;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
	return setup_sql(p, sql, e);
}

/*
 * End psql: \q and up to 5 s to go, then SIGTERM (at once when hurry),
 * and forget everything about it.  Only our own child is signalled.
 */
static void stop_child(struct sltpsql *p, int hurry)
{
	int status;

	if (p->in >= 0) {
		if (!p->dead && !hurry)
			(void)send(p->in, "\\q\n", 3, MSG_NOSIGNAL);
		close(p->in);
	}
	if (p->out >= 0)
		close(p->out);
	if (p->pid > 0) {
		int waited = 0;

		while (waitpid(p->pid, &status, WNOHANG) == 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			if (hurry || waited++ == 100) {
				kill(p->pid, SIGTERM);
				waitpid(p->pid, &status, 0);
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	if (p->errf != NULL)
		fclose(p->errf);
	p->in = p->out = -1;
	p->pid = 0;
	p->errf = NULL;
	p->len = 0;
	p->dead = 0;
}

static void sltpsql_free(void *impl)
{
	struct sltpsql *p = impl;

	if (p == NULL)
		return;
	stop_child(p, 0);
	free(p->cmd);
	free(p->home_db);
	free(p->cur_db);
	free(p->buf);
	free(p);
}

static const struct sltdb_ops sltpsql_ops = {
	.name = "psql",
	.begin_file = sltpsql_begin_file,
	.exec = sltpsql_exec,
	.end_file = sltpsql_end_file,
	.free = sltpsql_free,
};

static int spawn(struct sltpsql *p, const char *cmd, struct err *e)
{
	int sv[2], po[2];
	char *shcmd = NULL;

	if (asprintf(&shcmd, "exec %s", cmd) < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	p->errf = tmpfile();
	if (p->errf == NULL) {
		free(shcmd);
		return err_set(e, RC_IO, "cannot create a temporary file: %s",
			       strerror(errno));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(shcmd);
		return err_set(e, RC_IO, "socketpair: %s", strerror(errno));
	}
	if (pipe2(po, O_CLOEXEC) != 0) {
		close(sv[0]);
		close(sv[1]);
		free(shcmd);
		return err_set(e, RC_IO, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		close(po[0]);
		close(po[1]);
		free(shcmd);
		return err_set(e, RC_IO, "fork: %s", strerror(errno));
	}
	if (p->pid == 0) {
		/* dup2() clears close-on-exec on the new descriptors. */
		if (dup2(sv[1], 0) < 0 || dup2(po[1], 1) < 0 ||
		    dup2(fileno(p->errf), 2) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", shcmd, (char *)NULL);
		_exit(127);
	}
	free(shcmd);
	close(sv[1]);
	close(po[1]);
	p->in = sv[0];
	p->out = po[0];
	if (fcntl(p->in, F_SETFL, fcntl(p->in, F_GETFL) | O_NONBLOCK) != 0 ||
	    fcntl(p->out, F_SETFL, fcntl(p->out, F_GETFL) | O_NONBLOCK) != 0)
		return err_set(e, RC_IO, "fcntl: %s", strerror(errno));
	return RC_OK;
}

/* Start psql, set it up, and learn the database it connected to. */
static int start_child(struct sltpsql *p, struct err *e)
{
	static const char setup[] =
		"\\set QUIET on\n"
		"\\set ON_ERROR_STOP off\n"
		"\\set ON_ERROR_ROLLBACK off\n"
		"\\pset pager off\n"
		"\\pset format unaligned\n"
		"\\pset tuples_only on\n"
		"\\pset footer off\n"
		"\\pset fieldsep '\\037'\n"
		"\\pset recordsep '\\036'\n"
		"\\pset null '\\001NULL\\001'";
	char *body = NULL, *status = NULL, *msg = NULL;
	size_t body_len;
	int rc;

	rc = spawn(p, p->cmd, e);
	if (rc == RC_OK)
		rc = exchange(p, setup, ":DBNAME", &body, &body_len, &status,
			      &msg, e);
	if (rc == RC_OK &&
	    (status[0] == '\0' || strcmp(status, ":DBNAME") == 0))
		rc = gone(p, e);	/* psql runs, but is not connected */
	if (rc == RC_OK && p->home_db == NULL) {
		p->home_db = strdup(status);
		if (p->home_db == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
	}
	free(body);
	free(status);
	free(msg);
	return rc;
}

static int restart(struct sltpsql *p, struct err *e)
{
	int rc;

	stop_child(p, 1);
	rc = start_child(p, e);
	if (rc == RC_OK && p->cur_db != NULL)
		rc = connect_db(p, p->cur_db, e);
	return rc;
}

int sltpsql_open(const char *cmd, long timeout_ms, struct sltdb **out,
		 struct err *e)
{
	struct sltpsql *p;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	p->in = p->out = -1;
	p->timeout_ms = timeout_ms;
	p->cmd = strdup(cmd);
	if (p->cmd == NULL)
		rc = err_set(e, RC_NOMEM, "out of memory");
	else
		rc = start_child(p, e);
	if (rc == RC_OK)
		rc = sltdb_new(&sltpsql_ops, p, out, e);
	if (rc != RC_OK)
		sltpsql_free(p);
	return rc;
}
