/*
 * sltparse.h -- the record reader of the sqllogictest runner.
 *
 * Reads SQLite's sqllogictest format (../shared/conformance/slt/
 * FORMAT.wiki): records separated by blank lines (lines of only white
 * space); lines starting with '#' are removed wherever they are, so they
 * neither separate records nor reach the SQL; a trailing CR is dropped.
 * A record is
 *
 *	[skipif ENGINE | onlyif ENGINE]...      (extra words are comments)
 *	statement ok | statement error [REGEX]
 *	SQL lines...
 *
 *	[conditions] query TYPES [nosort|rowsort|valuesort] [LABEL]
 *	SQL lines...
 *	----
 *	expected lines...                        (optional, as "----" is)
 *
 *	[conditions] hash-threshold N | halt
 *
 * TYPES is one letter per column, I, R or T.  A malformed record is
 * reported (RC_BAD_INPUT, "FILE:LINE: what is wrong") and skipped, so
 * the caller can count it as a failure and go on with the next one.
 *
 * Records borrow their strings from the reader: they are valid until the
 * next sltparse_next() or sltparse_free().  Tested in t/unit/slt_test.c.
 */
#ifndef RANGEDB_SLTPARSE_H
#define RANGEDB_SLTPARSE_H

#include <stddef.h>

#include "err.h"

enum sltrec_kind {
	SLTREC_EOF = 0,		/* no more records */
	SLTREC_STATEMENT,
	SLTREC_QUERY,
	SLTREC_HASH_THRESHOLD,
	SLTREC_HALT,
};

enum sltrec_sort {
	SLTSORT_NONE = 0,	/* nosort: the engine's order */
	SLTSORT_ROW,		/* rowsort: rows by their printed values */
	SLTSORT_VALUE,		/* valuesort: every value on its own */
};

/* One skipif/onlyif line in front of a record. */
struct sltcond {
	int onlyif;		/* 1 onlyif, 0 skipif */
	const char *engine;
};

struct sltrec {
	enum sltrec_kind kind;
	int line;		/* line of the record's first line (1-based) */
	struct sltcond *conds;	/* skipif/onlyif prefixes, in order */
	size_t nconds;

	/* statement: expect_error, error_re (NULL: any error will do) */
	int expect_error;
	const char *error_re;

	/* statement and query: the SQL, lines joined with '\n' */
	const char *sql;

	/* query */
	const char *types;	/* "IIT": one letter per column */
	enum sltrec_sort sort;
	const char *label;	/* NULL when none */
	int has_results;	/* a "----" line was present */
	const char **expected;	/* the lines after "----" */
	size_t nexpected;
	int results_line;	/* line of the first expected line */

	/* hash-threshold */
	long threshold;
};

struct sltparse;

/*
 * A reader over a copy of text (len bytes; NUL bytes are refused);
 * name is the file name used in messages.
 */
int sltparse_new(const char *name, const char *text, size_t len,
		 struct sltparse **out, struct err *e);

/* A reader over the file at path (RC_NOT_FOUND, RC_IO, RC_TOO_LARGE). */
int sltparse_open(const char *path, struct sltparse **out, struct err *e);

void sltparse_free(struct sltparse *p);

/*
 * The next record into *r (any previous contents are forgotten): RC_OK
 * with r->kind SLTREC_EOF at the end.  RC_BAD_INPUT for a malformed
 * record, which has been read past, with r->line its line; RC_NOMEM.
 */
int sltparse_next(struct sltparse *p, struct sltrec *r, struct err *e);

/*
 * 1 when the record's conditions exclude engine: a "skipif engine", or
 * an "onlyif" naming another engine (names compared without case).
 */
int sltrec_skipped(const struct sltrec *r, const char *engine);

#endif
