/*
 * sqlfmt.h -- how sqlsh prints results, errors and timings.
 *
 * Formats (--format, \x):
 *   table     psql's aligned format, byte for byte: centred headers, a
 *             ----+---- rule, numeric types right-aligned, NULL empty, a
 *             value with newlines on several lines marked '+', tabs,
 *             carriage returns and control characters shown as psql
 *             shows them, "(N rows)" and a blank line after.  Widths
 *             count display columns (East Asian wide characters take
 *             two, combining marks none), not bytes.
 *   expanded  psql's \x: one "-[ RECORD N ]-+---" block per row.
 *   csv       RFC 4180 with a header line: a value holding , " CR or LF
 *             is quoted, "" inside; NULL is an empty field and the empty
 *             string "" (as COPY ... CSV writes them); lines end in LF.
 *   tsv       a header line, then tab-separated values with \t \n \r \\
 *             escaped and NULL as \N (COPY's text format).
 *   json      one object per row and line, {"column":"value"}: values as
 *             the server sent them (strings, or null).
 * In the table format, a statement without rows prints its command tag
 * (INSERT 0 3), and INSERT/UPDATE/DELETE ... RETURNING print the tag
 * after the rows, as psql does.  The machine formats keep standard output
 * for rows alone: tags and timings go to the chatter stream (stderr).
 * Quiet mode prints neither tags nor row counts.
 *
 * Errors are psql's: "ERROR:  message", then DETAIL/HINT when given,
 * "SQLSTATE: 42601", and for a position a "LINE n: ..." line with a '^'
 * under it, long lines cut to a window of 60 columns around it as psql
 * cuts them.
 *
 * Output errors are left in the FILE's error flag for the caller to
 * check; the functions return RC_OK or RC_NOMEM.  Tested in
 * t/unit/sqlsh_test.c against output taken from psql 15.
 */
#ifndef RANGEDB_SQLFMT_H
#define RANGEDB_SQLFMT_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "sqlclient.h"

enum sqlfmt_format {
	SQLFMT_TABLE = 0,
	SQLFMT_CSV,
	SQLFMT_TSV,
	SQLFMT_JSON
};

struct sqlfmt_opts {
	enum sqlfmt_format format;
	int expanded;		/* \x: records instead of a table */
	int quiet;		/* no tags, no row counts */
	/*
	 * When not NULL and set (by a SIGINT handler), printing stops after
	 * the current row, with no row count or tag after it, as psql's
	 * output stops on Ctrl-C.
	 */
	const volatile sig_atomic_t *stop;
};

/* "table", "csv", "tsv" or "json"; -1 for anything else. */
int sqlfmt_parse_format(const char *name, enum sqlfmt_format *out);

/*
 * Print one statement's result on out: its rows in the chosen format, or
 * its tag.  chatter receives what the machine formats keep off out.
 */
int sqlfmt_result(FILE *out, FILE *chatter, const struct sqlres *r,
		  const struct sqlfmt_opts *o);

/*
 * Print err as psql does.  sql[0, len) is the text that was sent, for
 * the LINE display; where, when not NULL, goes before "ERROR:" (the
 * "sqlsh:file.sql:12: " of a script).
 */
void sqlfmt_error(FILE *out, const char *where, const struct sqlerror *err,
		  const char *sql, size_t len);

/* "Time: 1.234 ms" (and "(mm:ss.sss)" beyond a second), as psql. */
void sqlfmt_timing(FILE *out, double ms);

/* Display width of s[0, n) on a terminal (UTF-8; bad bytes count 1). */
size_t sqlfmt_width(const char *s, size_t n);

/* True for the types psql right-aligns: int2/4/8, float4/8, numeric. */
int sqlfmt_numeric_type(const char *type);

#endif
