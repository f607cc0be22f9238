/*
 * sltrun.c -- run one sqllogictest script against an engine: read each
 * record (sltparse.c), decide whether it applies, run it (sltdb.c), print
 * and check the result (sltfmt.c), count it, and describe failures.
 * The rules are in sltrun.h.  Tested in t/unit/slt_test.c.
 */
#include "sltrun.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sltfmt.h"
#include "sltparse.h"

#define SLTRUN_LINES_SHOWN	20	/* expected/got lines, unless verbose */
#define SLTRUN_SQL_SHOWN	2000	/* bytes of SQL, unless verbose */

struct run {
	struct sltdb *db;
	const struct sltrun_opts *o;
	struct sltrun_stats *st;
	const char *name;
	struct sltlabels *labels;
	long threshold;
	unsigned long shown;	/* failures described so far */
	struct sltdb_result res;
	char **vals;		/* printed values of the current query */
	size_t nvals;
};

/*
 * Write text, every line of it after the prefix and indent (so TAP
 * output stays TAP); unless verbose, at most max bytes of it, then "...".
 */
static void put_lines(struct run *r, const char *indent, const char *text,
		      size_t max)
{
	size_t left = strlen(text);
	int cut = !r->o->verbose && left > max;
	const char *s = text;

	if (cut)
		left = max;
	for (;;) {
		size_t len = strcspn(s, "\n");

		if (len > left)
			len = left;
		left -= len;
		/* the end: nothing left, or only a final newline */
		fprintf(r->o->out, "%s%s%.*s%s\n", r->o->prefix, indent,
			(int)len, s, cut && left <= 1 ? "..." : "");
		if (left <= 1)
			break;
		s += len + 1;
		left--;
	}
}

static void say(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text == NULL) {
		fprintf(r->o->out, "%s(out of memory)\n", r->o->prefix);
		return;
	}
	put_lines(r, "", text, SIZE_MAX);
	free(text);
}

/* Count a failure; 1 when it is to be described, 0 when not. */
static int count_failure(struct run *r)
{
	r->st->failed++;
	if (r->o->stop)
		r->st->stopped = 1;
	if (!r->o->verbose && r->shown >= SLTRUN_SHOWN)
		return 0;
	r->shown++;
	return 1;
}

static void show_sql(struct run *r, const char *sql)
{
	put_lines(r, "    ", sql, SLTRUN_SQL_SHOWN);
}

/* The expected lines and the printed result of a failed query. */
static void show_results(struct run *r, const struct sltrec *q, long ncols,
			 const char *hex)
{
	size_t max = r->o->verbose ? SIZE_MAX : SLTRUN_LINES_SHOWN;
	size_t cols = ncols > 0 ? (size_t)ncols : 1;

	say(r, "  expected:%s", q->nexpected ? "" : " no rows");
	for (size_t i = 0; i < q->nexpected && i < max; i++)
		say(r, "    %s", q->expected[i]);
	if (q->nexpected > max)
		say(r, "    ... (%zu lines in all)", q->nexpected);
	if (r->threshold > 0 && r->nvals > (size_t)r->threshold)
		say(r, "  got: %zu values hashing to %s, that is (one row per "
		    "line):", r->nvals, hex);
	else
		say(r, "  got:%s", r->nvals ? " (one row per line)" :
		    " no rows");
	for (size_t row = 0; row * cols < r->nvals && row < max; row++) {
		char *line = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&line, &len);

		if (f == NULL)
			return;
		for (size_t c = 0; c < cols && row * cols + c < r->nvals; c++)
			fprintf(f, "%s%s", c ? " " : "",
				r->vals[row * cols + c]);
		fclose(f);
		if (line == NULL)
			return;
		say(r, "    %s", line);
		free(line);
	}
	if (r->nvals / cols > max)
		say(r, "    ... (%zu rows in all)", r->nvals / cols);
}

static void free_vals(struct run *r)
{
	for (size_t i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
	r->vals = NULL;
	r->nvals = 0;
}

/* SQLSTATE classes that are the engine's trouble, never an SQL error. */
static int internal_error(const char *sqlstate)
{
	static const char *const classes[] = { "08", "53", "57", "58", "XX" };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strncmp(sqlstate, classes[i], 2) == 0)
			return 1;
	return 0;
}

/*
 * Run rec's SQL.  RC_OK when the engine answered (r->res holds it), or
 * timed out or answered outside the protocol (counted as a failure of
 * the record here: *counted = 1); else the rc that ends the script.
 */
static int exec_sql(struct run *r, const struct sltrec *rec, int *counted,
		    struct err *e)
{
	struct err xe;
	int rc;

	*counted = 0;
	err_clear(&xe);
	rc = sltdb_exec(r->db, rec->sql, &r->res, &xe);
	if (rc == RC_OK)
		return RC_OK;
	if (rc == RC_TIMEOUT || rc == RC_CORRUPT) {
		*counted = 1;
		if (count_failure(r)) {
			say(r, "%s:%d: %s", r->name, rec->line, xe.msg);
			show_sql(r, rec->sql);
		}
		return RC_OK;
	}
	if (e != NULL)
		*e = xe;
	return rc;
}

static int run_statement(struct run *r, const struct sltrec *rec,
			 struct err *e)
{
	int counted, rc = exec_sql(r, rec, &counted, e);
	const char *why = NULL;
	char *whybuf = NULL;

	if (rc != RC_OK || counted)
		return rc;
	if (!rec->expect_error) {
		if (!r->res.failed) {
			r->st->passed++;
			return RC_OK;
		}
		if (asprintf(&whybuf, "statement failed: %s: %s",
			     r->res.sqlstate[0] ? r->res.sqlstate : "error",
			     r->res.message) < 0)
			whybuf = NULL;
		why = whybuf;
	} else if (!r->res.failed) {
		why = "statement succeeded, expected an error";
	} else if (internal_error(r->res.sqlstate)) {
		if (asprintf(&whybuf, "statement failed with an engine error, "
			     "not an SQL error: %s: %s", r->res.sqlstate,
			     r->res.message) < 0)
			whybuf = NULL;
		why = whybuf;
	} else if (rec->error_re != NULL) {
		regex_t re;
		int ok;

		if (regcomp(&re, rec->error_re, REG_EXTENDED | REG_NOSUB) !=
		    0) {
			why = "bad regular expression after 'statement error'";
		} else {
			ok = regexec(&re, r->res.message, 0, NULL, 0) == 0;
			regfree(&re);
			if (ok) {
				r->st->passed++;
				return RC_OK;
			}
			if (asprintf(&whybuf, "error message '%s' does not "
				     "match '%s'", r->res.message,
				     rec->error_re) < 0)
				whybuf = NULL;
			why = whybuf;
		}
	} else {
		r->st->passed++;
		return RC_OK;
	}
	if (count_failure(r)) {
		say(r, "%s:%d: %s", r->name, rec->line,
		    why != NULL ? why : "statement failed (out of memory)");
		show_sql(r, rec->sql);
	}
	free(whybuf);
	return RC_OK;
}

/* Label check of a query that was not run: its listed results. */
static int check_skipped_label(struct run *r, const struct sltrec *q)
{
	char hex[MD5_HEX_LEN + 1];
	int first, ok;

	if (q->label == NULL || !sltfmt_expected_hash(q, hex))
		return RC_OK;
	ok = sltlabels_check(r->labels, q->label, hex, q->line, &first);
	if (ok < 0)
		return RC_NOMEM;
	if (ok == 0) {
		r->st->skipped--;
		if (count_failure(r))
			say(r, "%s:%d: results of %s (not run here) differ "
			    "from those of line %d", r->name, q->line,
			    q->label, first);
	}
	return RC_OK;
}

static int run_query(struct run *r, const struct sltrec *q, struct err *e)
{
	size_t ntypes = strlen(q->types), ncols;
	char hex[MD5_HEX_LEN + 1];
	char *why = NULL;
	int counted, ok, rc = exec_sql(r, q, &counted, e);

	if (rc != RC_OK || counted)
		return rc;
	if (r->res.failed) {
		if (count_failure(r)) {
			say(r, "%s:%d: query failed: %s: %s", r->name, q->line,
			    r->res.sqlstate[0] ? r->res.sqlstate : "error",
			    r->res.message);
			show_sql(r, q->sql);
		}
		return RC_OK;
	}
	if (r->res.ncols >= 0 && (size_t)r->res.ncols != ntypes) {
		if (count_failure(r)) {
			say(r, "%s:%d: query has %zu column%s (%s), the engine "
			    "returned %ld", r->name, q->line, ntypes,
			    ntypes == 1 ? "" : "s", q->types, r->res.ncols);
			show_sql(r, q->sql);
		}
		return RC_OK;
	}
	ncols = ntypes;
	if (r->res.nvals % ncols != 0) {
		if (count_failure(r)) {
			say(r, "%s:%d: the engine returned %zu values, not a "
			    "whole number of %zu-column rows", r->name,
			    q->line, r->res.nvals, ncols);
			show_sql(r, q->sql);
		}
		return RC_OK;
	}
	r->vals = calloc(r->res.nvals ? r->res.nvals : 1, sizeof(char *));
	if (r->vals == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < r->res.nvals; i++, r->nvals++) {
		const char *dbtype = r->res.types != NULL ?
				     r->res.types[i % ncols] : NULL;

		r->vals[i] = sltfmt_value(q->types[i % ncols],
					  r->res.values[i], dbtype);
		if (r->vals[i] == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
	}
	sltfmt_sort(r->vals, r->nvals, ncols, q->sort);
	sltfmt_hash(r->vals, r->nvals, hex);
	ok = sltfmt_compare(q, r->vals, r->nvals, ncols, hex, &why);
	if (ok < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	if (ok == 0) {
		if (count_failure(r)) {
			say(r, "%s:%d: query %s", r->name, q->line,
			    why != NULL ? why : "wrong result");
			show_sql(r, q->sql);
			show_results(r, q, (long)ncols, hex);
		}
		free(why);
		return RC_OK;
	}
	if (q->label != NULL) {
		int first;

		ok = sltlabels_check(r->labels, q->label, hex, q->line,
				     &first);
		if (ok < 0)
			return err_set(e, RC_NOMEM, "out of memory");
		if (ok == 0) {
			if (count_failure(r)) {
				say(r, "%s:%d: query result differs from that "
				    "of line %d, also labelled %s", r->name,
				    q->line, first, q->label);
				show_sql(r, q->sql);
			}
			return RC_OK;
		}
	}
	r->st->passed++;
	return RC_OK;
}

static int run_records(struct run *r, struct sltparse *p, struct err *e)
{
	struct sltrec rec;
	struct err pe;
	int rc;

	for (;;) {
		if (r->st->stopped)
			return RC_OK;
		rc = sltparse_next(p, &rec, &pe);
		if (rc == RC_BAD_INPUT) {
			if (count_failure(r))
				say(r, "%s", pe.msg);
			continue;
		}
		if (rc != RC_OK) {
			if (e != NULL)
				*e = pe;
			return rc;
		}
		if (rec.kind == SLTREC_EOF)
			return RC_OK;
		if (sltrec_skipped(&rec, r->o->engine)) {
			if (rec.kind == SLTREC_STATEMENT) {
				r->st->skipped++;
			} else if (rec.kind == SLTREC_QUERY) {
				r->st->skipped++;
				if (check_skipped_label(r, &rec) != RC_OK)
					return err_set(e, RC_NOMEM,
						       "out of memory");
			}
			continue;
		}
		switch (rec.kind) {
		case SLTREC_HALT:
			r->st->halted = 1;
			return RC_OK;
		case SLTREC_HASH_THRESHOLD:
			r->threshold = rec.threshold;
			break;
		case SLTREC_STATEMENT:
			rc = run_statement(r, &rec, e);
			break;
		case SLTREC_QUERY:
			rc = run_query(r, &rec, e);
			free_vals(r);
			break;
		default:
			break;
		}
		sltdb_result_clear(&r->res);
		if (rc != RC_OK)
			return rc;
	}
}

static int run_parsed(struct sltdb *db, struct sltparse *p, const char *name,
		      const struct sltrun_opts *o, struct sltrun_stats *st,
		      struct err *e)
{
	struct run r;
	struct err ee;
	int rc, rc2;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.o = o;
	r.st = st;
	r.name = name;
	r.threshold = SLTRUN_HASH_THRESHOLD;
	sltdb_result_init(&r.res);
	r.labels = sltlabels_new();
	if (r.labels == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = sltdb_begin_file(db, o->dbname, e);
	if (rc != RC_OK) {
		sltlabels_free(r.labels);
		return rc;
	}
	rc = run_records(&r, p, e);
	sltdb_result_clear(&r.res);
	free_vals(&r);
	if (!o->verbose && st->failed > r.shown)
		say(&r, "%s: %lu more failure%s not shown (see --verbose)",
		    name, st->failed - r.shown,
		    st->failed - r.shown == 1 ? "" : "s");
	if (rc != RC_UNAVAILABLE) {
		err_clear(&ee);
		rc2 = sltdb_end_file(db, o->dbname, o->keep, &ee);
		if (rc2 == RC_UNAVAILABLE && rc == RC_OK) {
			rc = rc2;
			if (e != NULL)
				*e = ee;
		} else if (rc2 != RC_OK) {
			say(&r, "%s: warning: %s", name, ee.msg);
		}
	}
	sltlabels_free(r.labels);
	return rc;
}

int sltrun_text(struct sltdb *db, const char *name, const char *text,
		size_t len, const struct sltrun_opts *o,
		struct sltrun_stats *st, struct err *e)
{
	struct sltparse *p;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = sltparse_new(name, text, len, &p, e);
	if (rc != RC_OK)
		return rc;
	rc = run_parsed(db, p, name, o, st, e);
	sltparse_free(p);
	return rc;
}

int sltrun_file(struct sltdb *db, const char *path,
		const struct sltrun_opts *o, struct sltrun_stats *st,
		struct err *e)
{
	struct sltparse *p;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = sltparse_open(path, &p, e);
	if (rc != RC_OK)
		return rc;
	rc = run_parsed(db, p, path, o, st, e);
	sltparse_free(p);
	return rc;
}
