/*
 * slt_test.c -- unit tests for the sqllogictest runner (t/slt/): the
 * record reader (sltparse.c), printing, sorting, hashing, comparing and
 * labels (sltfmt.c), the runner's verdicts and counts over a fake engine
 * (sltrun.c, sltdb.c), and the rangedb gateway engine (sltsql.c) against
 * a fake POST /sql served in-process by libcommon's HTTP server.  The
 * psql engine needs a PostgreSQL and is checked by hand (t/slt/README).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "sltdb.h"
#include "sltfmt.h"
#include "sltparse.h"
#include "sltrun.h"
#include "sltsql.h"

/* ---- the record reader -------------------------------------------------- */

static struct sltparse *parser(const char *text)
{
	struct sltparse *p = NULL;
	struct err e;

	assert_int_equal(sltparse_new("t.test", text, strlen(text), &p, &e),
			 RC_OK);
	return p;
}

static void test_parse_records(void **state)
{
	static const char text[] =
		"# a comment before anything\n"
		"hash-threshold 3\n"
		"\n"
		"\n"
		"statement ok\r\n"
		"CREATE TABLE t(a INT,\r\n"
		"# a comment inside the SQL is dropped\n"
		"  b TEXT)\r\n"
		"   \t\n"
		"skipif mysql # not compatible\n"
		"onlyif postgresql\n"
		"statement error relation \"x\" does not exist\n"
		"DROP TABLE x\n"
		"\n"
		"query IT rowsort label-7\n"
		"SELECT a, b\n"
		"  FROM t\n"
		"----\n"
		"1\n"
		"(empty)\n"
		"\n"
		"query R\n"
		"SELECT 1.5\n"
		"\n"
		"query I valuesort\n"
		"SELECT 1\n"
		"----\n"
		"\n"
		"halt\n";
	struct sltparse *p = parser(text);
	struct sltrec r;
	struct err e;

	(void)state;
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_HASH_THRESHOLD);
	assert_int_equal(r.threshold, 3);
	assert_int_equal(r.line, 2);

	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_STATEMENT);
	assert_int_equal(r.line, 5);
	assert_false(r.expect_error);
	assert_null(r.error_re);
	assert_string_equal(r.sql, "CREATE TABLE t(a INT,\n  b TEXT)");
	assert_int_equal(r.nconds, 0);

	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_STATEMENT);
	assert_int_equal(r.line, 12);	/* the statement line, after conds */
	assert_true(r.expect_error);
	assert_string_equal(r.error_re, "relation \"x\" does not exist");
	assert_string_equal(r.sql, "DROP TABLE x");
	assert_int_equal(r.nconds, 2);
	assert_false(r.conds[0].onlyif);
	assert_string_equal(r.conds[0].engine, "mysql");
	assert_true(r.conds[1].onlyif);
	assert_string_equal(r.conds[1].engine, "postgresql");
	assert_true(sltrec_skipped(&r, "mysql"));
	assert_false(sltrec_skipped(&r, "postgresql"));
	assert_false(sltrec_skipped(&r, "PostgreSQL"));
	assert_true(sltrec_skipped(&r, "sqlite"));

	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_QUERY);
	assert_string_equal(r.types, "IT");
	assert_int_equal(r.sort, SLTSORT_ROW);
	assert_string_equal(r.label, "label-7");
	assert_string_equal(r.sql, "SELECT a, b\n  FROM t");
	assert_true(r.has_results);
	assert_int_equal(r.nexpected, 2);
	assert_string_equal(r.expected[0], "1");
	assert_string_equal(r.expected[1], "(empty)");
	assert_int_equal(r.results_line, 19);

	/* No "----": an empty result is expected. */
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_QUERY);
	assert_string_equal(r.types, "R");
	assert_int_equal(r.sort, SLTSORT_NONE);
	assert_null(r.label);
	assert_false(r.has_results);
	assert_int_equal(r.nexpected, 0);

	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.sort, SLTSORT_VALUE);
	assert_true(r.has_results);
	assert_int_equal(r.nexpected, 0);

	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_HALT);
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_EOF);
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_EOF);
	sltparse_free(p);
}

/* Malformed records are reported with their line and skipped. */
static void test_parse_errors(void **state)
{
	static const char text[] =
		"statement maybe\n"		/* 1 */
		"SELECT 1\n"
		"\n"
		"query IX\n"			/* 4 */
		"SELECT 1\n"
		"\n"
		"query I sorted\n"		/* 7 */
		"SELECT 1\n"
		"\n"
		"query I\n"			/* 10 */
		"----\n"
		"1\n"
		"\n"
		"statement ok\n"		/* 14 */
		"\n"
		"skipif\n"			/* 16 */
		"statement ok\n"
		"SELECT 1\n"
		"\n"
		"onlyif sqlite\n"		/* 20 */
		"\n"
		"hash-threshold x\n"		/* 22 */
		"\n"
		"frobnicate now\n"		/* 24 */
		"\n"
		"statement ok\n"		/* 26 */
		"SELECT 2";
	static const char *const msgs[] = {
		"t.test:1: 'statement' must be followed by 'ok' or 'error', "
		"not 'maybe'",
		"t.test:4: type string must be letters I, T and R, got 'IX'",
		"t.test:7: sort mode must be nosort, rowsort or valuesort, "
		"got 'sorted'",
		"t.test:10: query without SQL",
		"t.test:14: statement without SQL",
		"t.test:16: condition needs an engine name",
		"t.test:20: condition without a record after it",
		"t.test:22: hash-threshold must be an integer, got 'x'",
		"t.test:24: unknown record type 'frobnicate'",
	};
	struct sltparse *p = parser(text);
	struct sltrec r;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(sltparse_next(p, &r, &e), RC_BAD_INPUT);
		assert_string_equal(e.msg, msgs[i]);
	}
	/* The last record has no newline at the end of the file. */
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_STATEMENT);
	assert_int_equal(r.line, 26);
	assert_string_equal(r.sql, "SELECT 2");
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_EOF);
	sltparse_free(p);

	assert_int_equal(sltparse_new("n.test", "a\0b", 3, &p, &e),
			 RC_BAD_INPUT);
	assert_null(p);
	assert_string_equal(e.msg, "n.test: contains a NUL byte: not a test "
			    "script");
	assert_int_equal(sltparse_open("/nonexistent/x.test", &p, &e),
			 RC_NOT_FOUND);

	/* Empty and comment-only files have no records. */
	p = parser("");
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_EOF);
	sltparse_free(p);
	p = parser("# only\n\n# comments\n");
	assert_int_equal(sltparse_next(p, &r, &e), RC_OK);
	assert_int_equal(r.kind, SLTREC_EOF);
	sltparse_free(p);
}

/* ---- printing, sorting, hashing ----------------------------------------- */

static void assert_fmt(char t, const char *v, const char *dbtype,
		       const char *want)
{
	char *got = sltfmt_value(t, v, dbtype);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_format_values(void **state)
{
	(void)state;
	/* I: integers as they are, decimals cut toward zero (exactly) */
	assert_fmt('I', "42", "int8", "42");
	assert_fmt('I', "-7", NULL, "-7");
	assert_fmt('I', "+007", NULL, "7");
	assert_fmt('I', "-0", NULL, "0");
	assert_fmt('I', "3.99", "numeric", "3");
	assert_fmt('I', "-3.99", "numeric", "-3");
	assert_fmt('I', "-0.5", "numeric", "0");
	assert_fmt('I', ".5", NULL, "0");
	assert_fmt('I', "123456789012345678901234567890.9", "numeric",
		   "123456789012345678901234567890");
	assert_fmt('I', "9223372036854775807", "int8", "9223372036854775807");
	assert_fmt('I', "-9223372036854775808", "int8",
		   "-9223372036854775808");
	/* through a double: exponents, infinities, NaN */
	assert_fmt('I', "1.5e3", "float8", "1500");
	assert_fmt('I', "-2.5e-1", "float8", "0");
	assert_fmt('I', "1e+100", "float8", "9223372036854775807");
	assert_fmt('I', "-Infinity", "float8", "-9223372036854775808");
	assert_fmt('I', "NaN", "float8", "0");
	/* booleans, and text as SQLite reads it */
	assert_fmt('I', "t", "bool", "1");
	assert_fmt('I', "f", "bool", "0");
	assert_fmt('I', "true", "bool", "1");
	assert_fmt('I', "t", NULL, "1");
	assert_fmt('I', "f", NULL, "0");
	assert_fmt('I', "t", "text", "0");
	assert_fmt('I', "12abc", "text", "12");
	assert_fmt('I', "  5", "text", "5");
	assert_fmt('I', "abc", "text", "0");
	assert_fmt('I', "", "text", "0");
	assert_fmt('I', NULL, "int8", "NULL");

	/* R: %.3f */
	assert_fmt('R', "1", "int8", "1.000");
	assert_fmt('R', "2.0625", "float8", "2.062");	/* ties to even */
	assert_fmt('R', "-1.23456", "numeric", "-1.235");
	assert_fmt('R', "1e3", "float8", "1000.000");
	assert_fmt('R', "t", "bool", "1.000");
	assert_fmt('R', "x", "text", "0.000");
	assert_fmt('R', NULL, "float8", "NULL");

	/* T: text, (empty), unprintable bytes as @ */
	assert_fmt('T', "hello world", "text", "hello world");
	assert_fmt('T', "", "text", "(empty)");
	assert_fmt('T', "a\tb\nc\x7f", "text", "a@b@c@");
	assert_fmt('T', "caf\xc3\xa9", "text", "caf@@");
	assert_fmt('T', "NULL", "text", "NULL");
	assert_fmt('T', "t", "bool", "t");
	assert_fmt('T', "1.50", "numeric", "1.50");
	assert_fmt('T', NULL, "text", "NULL");
}

static void test_sort(void **state)
{
	char *rows[] = { "9", "b", "10", "a", "10", "NULL", "1", "z" };
	char *vals[] = { "9", "10", "NULL", "-1", "1", "(empty)" };
	char *one[] = { "3", "20", "100" };

	(void)state;
	/* rowsort: rows by column 1, then 2; strcmp order ("10" < "9") */
	sltfmt_sort(rows, 8, 2, SLTSORT_ROW);
	assert_string_equal(rows[0], "1");
	assert_string_equal(rows[1], "z");
	assert_string_equal(rows[2], "10");
	assert_string_equal(rows[3], "NULL");
	assert_string_equal(rows[4], "10");
	assert_string_equal(rows[5], "a");
	assert_string_equal(rows[6], "9");
	assert_string_equal(rows[7], "b");

	sltfmt_sort(vals, 6, 3, SLTSORT_VALUE);
	assert_string_equal(vals[0], "(empty)");
	assert_string_equal(vals[1], "-1");
	assert_string_equal(vals[2], "1");
	assert_string_equal(vals[3], "10");
	assert_string_equal(vals[4], "9");
	assert_string_equal(vals[5], "NULL");

	/* nosort keeps the engine's order */
	sltfmt_sort(one, 3, 1, SLTSORT_NONE);
	assert_string_equal(one[0], "3");
	assert_string_equal(one[2], "100");
	sltfmt_sort(one, 3, 1, SLTSORT_ROW);
	assert_string_equal(one[0], "100");
	assert_string_equal(one[1], "20");
	assert_string_equal(one[2], "3");
}

static void test_hash(void **state)
{
	/* From random/aggregates/slt_good_0.test: tab2's rows, rowsorted. */
	char *vals[] = { "64", "77", "40", "75", "67", "58", "46", "51", "23" };
	char hex[MD5_HEX_LEN + 1];
	size_t n;

	(void)state;
	sltfmt_sort(vals, 9, 3, SLTSORT_ROW);
	sltfmt_hash(vals, 9, hex);
	assert_string_equal(hex, "75c998aa53ac83218cbf2feb962d0a49");
	sltfmt_hash(vals, 0, hex);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");

	assert_true(sltfmt_parse_hash_line(
		"9 values hashing to 75c998aa53ac83218cbf2feb962d0a49", &n,
		hex));
	assert_int_equal(n, 9);
	assert_string_equal(hex, "75c998aa53ac83218cbf2feb962d0a49");
	assert_true(sltfmt_parse_hash_line(
		"10 values hashing to 75C998AA53AC83218CBF2FEB962D0A49 ", &n,
		hex));
	assert_int_equal(n, 10);
	assert_string_equal(hex, "75c998aa53ac83218cbf2feb962d0a49");
	assert_false(sltfmt_parse_hash_line(
		"9 values hashing to 75c998aa53ac83218cbf2feb962d0a4", &n,
		hex));
	assert_false(sltfmt_parse_hash_line(
		"9 values hashing to 75c998aa53ac83218cbf2feb962d0a49x", &n,
		hex));
	assert_false(sltfmt_parse_hash_line(
		"x values hashing to 75c998aa53ac83218cbf2feb962d0a49", &n,
		hex));
	assert_false(sltfmt_parse_hash_line("9", &n, hex));
	assert_false(sltfmt_parse_hash_line("", &n, hex));
}

/* A query record with the given header and expected lines. */
static struct sltrec query(const char *types, const char **expected,
			   size_t n)
{
	struct sltrec q;

	memset(&q, 0, sizeof(q));
	q.kind = SLTREC_QUERY;
	q.types = types;
	q.expected = expected;
	q.nexpected = n;
	q.has_results = 1;
	return q;
}

static int compare(const struct sltrec *q, char **vals, size_t n,
		   size_t ncols, char **why)
{
	char hex[MD5_HEX_LEN + 1];

	sltfmt_hash(vals, n, hex);
	return sltfmt_compare(q, vals, n, ncols, hex, why);
}

static void test_compare(void **state)
{
	const char *by_value[] = { "1", "a", "2", "b", "3", "c" };
	const char *by_row[] = { "1 a", "2 b", "3 c" };
	const char *hashed[] = {
		"6 values hashing to c84f8aeceada6a51da4b3bb1000ecc8b" };
	const char *hashed_bad[] = {
		"6 values hashing to c84f8aeceada6a51da4b3bb1000ecc8c" };
	const char *hashed_count[] = {
		"7 values hashing to c84f8aeceada6a51da4b3bb1000ecc8b" };
	char *vals[] = { "1", "a", "2", "b", "3", "c" };
	char *wrong[] = { "1", "a", "2", "B", "3", "c" };
	struct sltrec q;
	char *why;

	(void)state;
	q = query("IT", by_value, 6);
	assert_int_equal(compare(&q, vals, 6, 2, &why), 1);
	assert_null(why);
	assert_int_equal(compare(&q, wrong, 6, 2, &why), 0);
	assert_string_equal(why, "wrong result: value 4 (row 2, column 2): "
			    "expected 'b', got 'B'");
	free(why);
	assert_int_equal(compare(&q, vals, 4, 2, &why), 0);
	assert_string_equal(why, "wrong result: expected 6 values, got 4");
	free(why);

	q = query("IT", by_row, 3);
	assert_int_equal(compare(&q, vals, 6, 2, &why), 1);
	assert_int_equal(compare(&q, wrong, 6, 2, &why), 0);
	assert_string_equal(why, "wrong result: row 2: expected '2 b'");
	free(why);

	q = query("IT", hashed, 1);
	assert_int_equal(compare(&q, vals, 6, 2, &why), 1);
	assert_int_equal(compare(&q, wrong, 6, 2, &why), 0);
	assert_non_null(strstr(why, "wrong result hash: expected 6 values "
			       "hashing to c84f8aeceada6a51da4b3bb1000ecc8b, "
			       "got 6 values hashing to "));
	free(why);
	q = query("IT", hashed_bad, 1);
	assert_int_equal(compare(&q, vals, 6, 2, &why), 0);
	free(why);
	q = query("IT", hashed_count, 1);
	assert_int_equal(compare(&q, vals, 6, 2, &why), 0);
	free(why);

	/* An empty result matches no expected lines, and nothing else. */
	q = query("I", NULL, 0);
	assert_int_equal(compare(&q, vals, 0, 1, &why), 1);
	assert_int_equal(compare(&q, vals, 1, 1, &why), 0);
	assert_string_equal(why, "wrong result: expected 0 values, got 1");
	free(why);
}

static void test_expected_hash(void **state)
{
	const char *lines[] = { "1", "a", "2", "b", "3", "c" };
	const char *ints[] = { "1", "2", "3", "4" };
	const char *int_rows[] = { "1 2", "3 4" };
	const char *hashed[] = {
		"9 values hashing to 75c998aa53ac83218cbf2feb962d0a49" };
	char hex[MD5_HEX_LEN + 1], want[MD5_HEX_LEN + 1];
	struct sltrec q;

	(void)state;
	q = query("IT", lines, 6);
	assert_true(sltfmt_expected_hash(&q, hex));
	assert_string_equal(hex, "c84f8aeceada6a51da4b3bb1000ecc8b");
	q = query("III", hashed, 1);
	assert_true(sltfmt_expected_hash(&q, hex));
	assert_string_equal(hex, "75c998aa53ac83218cbf2feb962d0a49");
	q = query("I", NULL, 0);
	assert_false(sltfmt_expected_hash(&q, hex));
	/* Rows on one line hash like the same values one per line. */
	q = query("II", ints, 4);
	assert_true(sltfmt_expected_hash(&q, want));
	q = query("II", int_rows, 2);
	assert_true(sltfmt_expected_hash(&q, hex));
	assert_string_equal(hex, want);
}

static void test_labels(void **state)
{
	struct sltlabels *l = sltlabels_new();
	char hex[MD5_HEX_LEN + 1], label[32];
	int first = 0;

	(void)state;
	assert_non_null(l);
	assert_int_equal(sltlabels_check(l, "label-1",
					 "b026324c6904b2a9cb4b88d6d61c81d1",
					 10, &first), 1);
	assert_int_equal(sltlabels_check(l, "label-1",
					 "b026324c6904b2a9cb4b88d6d61c81d1",
					 20, &first), 1);
	assert_int_equal(first, 10);
	first = 0;
	assert_int_equal(sltlabels_check(l, "label-1",
					 "26ab0db90d72e28ad0ba1e22ee510510",
					 30, &first), 0);
	assert_int_equal(first, 10);
	/* Many labels: the table grows and keeps every one. */
	for (int i = 0; i < 5000; i++) {
		snprintf(label, sizeof(label), "label-%d", i + 2);
		snprintf(hex, sizeof(hex), "%032x", i);
		assert_int_equal(sltlabels_check(l, label, hex, i + 100,
						 &first), 1);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(label, sizeof(label), "label-%d", i + 2);
		snprintf(hex, sizeof(hex), "%032x", i + 1);
		assert_int_equal(sltlabels_check(l, label, hex, 0, &first), 0);
		assert_int_equal(first, i + 100);
	}
	sltlabels_free(l);
}

/* ---- the runner over a fake engine -------------------------------------- */

struct answer {
	const char *sql;
	int rc;			/* RC_OK, or what exec returns */
	const char *sqlstate;	/* non-NULL: an SQL error */
	long ncols;
	size_t nvals;
	const char *vals[8];
};

static const struct answer answers[] = {
	{ "SELECT 1", RC_OK, NULL, 1, 1, { "1" } },
	{ "SELECT pairs", RC_OK, NULL, 2, 6,
	  { "3", "c", "1", "a", "2", "b" } },
	{ "SELECT none", RC_OK, NULL, 1, 0, { NULL } },
	{ "SELECT null", RC_OK, NULL, 2, 2, { NULL, "" } },
	{ "BAD SQL", RC_OK, "42601", 0, 0, { NULL } },
	{ "CRASH", RC_OK, "XX000", 0, 0, { NULL } },
	{ "SLOW", RC_TIMEOUT, NULL, 0, 0, { NULL } },
};

struct fake {
	int calls;
	int down_after;		/* > 0: RC_UNAVAILABLE after that many */
	int begun, ended, keep;
	char dbname[64];
};

static int fake_begin(void *impl, const char *dbname, struct err *e)
{
	struct fake *f = impl;

	f->begun++;
	snprintf(f->dbname, sizeof(f->dbname), "%s", dbname);
	return RC_OK;
}

static int fake_exec(void *impl, const char *sql, struct sltdb_result *res,
		     struct err *e)
{
	struct fake *f = impl;

	if (f->down_after > 0 && ++f->calls > f->down_after)
		return err_set(e, RC_UNAVAILABLE, "cannot connect to fake");
	if (strncmp(sql, "BADLY", 5) == 0)
		return sltdb_result_fail(res, "42601",
					 "syntax error at or near \"BADLY\"\n"
					 "HINT: a second line");
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer *a = &answers[i];

		if (strcmp(a->sql, sql) != 0)
			continue;
		if (a->rc != RC_OK)
			return err_set(e, a->rc, "no answer within 10 ms");
		if (a->sqlstate != NULL)
			return sltdb_result_fail(res, a->sqlstate,
						 "syntax error at or near "
						 "\"BAD\"");
		res->ncols = a->ncols;
		for (size_t j = 0; j < a->nvals; j++)
			if (sltdb_result_push(res, a->vals[j],
					      a->vals[j] ?
					      strlen(a->vals[j]) : 0) != 0)
				return RC_NOMEM;
		res->nrows = a->ncols ? a->nvals / (size_t)a->ncols : 0;
		return RC_OK;
	}
	res->ncols = 0;		/* any other statement just works */
	return RC_OK;
}

static int fake_end(void *impl, const char *dbname, int keep, struct err *e)
{
	struct fake *f = impl;

	f->ended++;
	f->keep = keep;
	return RC_OK;
}

static const struct sltdb_ops fake_ops = {
	.name = "fake",
	.begin_file = fake_begin,
	.exec = fake_exec,
	.end_file = fake_end,
	.free = NULL,
};

/* Every record below is marked with what it must count as. */
static const char script[] =
	"hash-threshold 3\n"
	"\n"
	"statement ok\n"			/* passed */
	"CREATE TABLE t(a INT)\n"
	"\n"
	"statement error\n"			/* passed */
	"BAD SQL\n"
	"\n"
	"statement error syntax.*\"BAD\"\n"	/* passed */
	"BAD SQL\n"
	"\n"
	"statement error no such table\n"	/* failed: message */
	"BAD SQL\n"
	"\n"
	"statement error\n"			/* failed: internal error */
	"CRASH\n"
	"\n"
	"statement ok\n"			/* failed: SQL error */
	"BAD SQL\n"
	"\n"
	"statement error\n"			/* failed: succeeded */
	"SELECT 1\n"
	"\n"
	"skipif postgresql\n"			/* skipped */
	"statement ok\n"
	"ANYTHING\n"
	"\n"
	"onlyif sqlite\n"			/* skipped */
	"query I nosort\n"
	"SELECT 1\n"
	"\n"
	"query I nosort label-a\n"		/* passed */
	"SELECT 1\n"
	"----\n"
	"1\n"
	"\n"
	"onlyif mysql\n"			/* failed: label differs */
	"query I nosort label-a\n"
	"SELECT 1 FROM dual\n"
	"----\n"
	"2\n"
	"\n"
	"onlyif mysql\n"			/* skipped: label agrees */
	"query I nosort label-a\n"
	"SELECT 1 FROM dual\n"
	"----\n"
	"1 values hashing to b026324c6904b2a9cb4b88d6d61c81d1\n"
	"\n"
	"query IT rowsort\n"			/* passed */
	"SELECT pairs\n"
	"----\n"
	"1\na\n2\nb\n3\nc\n"
	"\n"
	"query IT rowsort\n"			/* passed */
	"SELECT pairs\n"
	"----\n"
	"6 values hashing to c84f8aeceada6a51da4b3bb1000ecc8b\n"
	"\n"
	"query IT rowsort\n"			/* passed */
	"SELECT pairs\n"
	"----\n"
	"1 a\n2 b\n3 c\n"
	"\n"
	"query IT valuesort\n"			/* passed */
	"SELECT pairs\n"
	"----\n"
	"1\n2\n3\na\nb\nc\n"
	"\n"
	"query IT nosort\n"			/* passed */
	"SELECT pairs\n"
	"----\n"
	"3\nc\n1\na\n2\nb\n"
	"\n"
	"query IT nosort\n"			/* failed: order */
	"SELECT pairs\n"
	"----\n"
	"1\na\n2\nb\n3\nc\n"
	"\n"
	"query II rowsort\n"			/* failed: 2 columns */
	"SELECT 1\n"
	"----\n"
	"1\n"
	"\n"
	"query I nosort\n"			/* failed: SQL error */
	"BAD SQL\n"
	"\n"
	"query I nosort\n"			/* passed: empty */
	"SELECT none\n"
	"\n"
	"query IT nosort\n"			/* passed: NULL, '' */
	"SELECT null\n"
	"----\n"
	"NULL\n(empty)\n"
	"\n"
	"query I nosort\n"			/* failed: wrong value */
	"SELECT 1\n"
	"----\n"
	"2\n"
	"\n"
	"statement ok\n"			/* failed: timeout */
	"SLOW\n"
	"\n"
	"query X\n"				/* failed: malformed */
	"SELECT 1\n"
	"\n"
	"onlyif mysql\n"			/* not counted: other engine */
	"halt\n"
	"\n"
	"statement ok\n"			/* passed */
	"SELECT 1\n"
	"\n"
	"halt\n"
	"\n"
	"statement ok\n"			/* never run */
	"BAD SQL\n";

struct captured {
	char *text;
	size_t len;
	FILE *f;
};

static void capture(struct captured *c, struct sltrun_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
	o->out = c->f;
}

static void release(struct captured *c)
{
	fclose(c->f);
	free(c->text);
}

static size_t count_lines_with(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *s = text; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

static void test_run_script(void **state)
{
	struct fake f = { 0 };
	struct sltdb *db;
	struct sltrun_opts o = { .engine = "postgresql", .dbname = "slt_1_1",
				 .prefix = "" };
	struct sltrun_stats st;
	struct captured c;
	struct err e;

	(void)state;
	assert_int_equal(sltdb_new(&fake_ops, &f, &db, &e), RC_OK);
	assert_string_equal(sltdb_name(db), "fake");

	/* Default: the first 5 failures are described. */
	capture(&c, &o);
	assert_int_equal(sltrun_text(db, "s.test", script, strlen(script), &o,
				     &st, &e), RC_OK);
	fflush(c.f);
	assert_int_equal(st.passed, 12);
	assert_int_equal(st.failed, 11);
	assert_int_equal(st.skipped, 3);
	assert_true(st.halted);
	assert_false(st.stopped);
	assert_int_equal(f.begun, 1);
	assert_int_equal(f.ended, 1);
	assert_string_equal(f.dbname, "slt_1_1");
	assert_false(f.keep);
	assert_non_null(strstr(c.text, "s.test:12: error message 'syntax "
			       "error at or near \"BAD\"' does not match 'no "
			       "such table'\n    BAD SQL\n"));
	assert_non_null(strstr(c.text, "s.test:15: statement failed with an "
			       "engine error, not an SQL error: XX000: "));
	assert_non_null(strstr(c.text, "s.test:18: statement failed: 42601: "
			       "syntax error at or near \"BAD\"\n"));
	assert_non_null(strstr(c.text, "s.test:21: statement succeeded, "
			       "expected an error\n"));
	assert_non_null(strstr(c.text, "s.test:38: results of label-a (not "
			       "run here) differ from those of line 32\n"));
	assert_null(strstr(c.text, "s.test:91:"));
	assert_non_null(strstr(c.text, "s.test: 6 more failures not shown "
			       "(see --verbose)\n"));
	release(&c);

	/* --verbose: all of them, with expected and got. */
	o.verbose = 1;
	capture(&c, &o);
	assert_int_equal(sltrun_text(db, "s.test", script, strlen(script), &o,
				     &st, &e), RC_OK);
	fflush(c.f);
	assert_int_equal(st.failed, 11);
	assert_non_null(strstr(c.text,
		"s.test:91: query wrong result: value 1 (row 1, column 1): "
		"expected '1', got '3'\n"
		"    SELECT pairs\n"
		"  expected:\n    1\n    a\n    2\n    b\n    3\n    c\n"
		"  got: 6 values hashing to c26acf2b580e761a8a139538cbf7ec73, "
		"that is (one row per line):\n    3 c\n    1 a\n    2 b\n"));
	assert_non_null(strstr(c.text, "s.test:101: query has 2 columns (II), "
			       "the engine returned 1\n"));
	assert_non_null(strstr(c.text, "s.test:106: query failed: 42601: "));
	assert_non_null(strstr(c.text, "s.test:118: query wrong result: value "
			       "1 (row 1, column 1): expected '2', got '1'\n"));
	assert_non_null(strstr(c.text, "s.test:123: no answer within 10 ms\n"
			       "    SLOW\n"));
	assert_non_null(strstr(c.text, "s.test:126: type string must be "
			       "letters I, T and R, got 'X'\n"));
	assert_null(strstr(c.text, "more failures not shown"));
	assert_int_equal(count_lines_with(c.text, "s.test:"), 11);
	release(&c);
	sltdb_free(db);
}

static void test_run_stop_keep_down(void **state)
{
	struct fake f = { 0 };
	struct sltdb *db;
	struct sltrun_opts o = { .engine = "postgresql", .dbname = "slt_1_2",
				 .prefix = "# ", .stop = 1, .keep = 1 };
	struct sltrun_stats st;
	struct captured c;
	struct err e;

	(void)state;
	assert_int_equal(sltdb_new(&fake_ops, &f, &db, &e), RC_OK);

	/* --stop: the first failure ends the script; TAP prefix on lines. */
	capture(&c, &o);
	assert_int_equal(sltrun_text(db, "s.test", script, strlen(script), &o,
				     &st, &e), RC_OK);
	fflush(c.f);
	assert_int_equal(st.passed, 3);
	assert_int_equal(st.failed, 1);
	assert_true(st.stopped);
	assert_false(st.halted);
	assert_true(f.keep);
	assert_int_equal(f.ended, 1);
	assert_non_null(strstr(c.text, "# s.test:12: error message"));
	assert_non_null(strstr(c.text, "\n#     BAD SQL\n"));
	release(&c);

	/* The engine going away ends the script with RC_UNAVAILABLE. */
	o.stop = 0;
	f.down_after = 2;
	capture(&c, &o);
	assert_int_equal(sltrun_text(db, "s.test", script, strlen(script), &o,
				     &st, &e), RC_UNAVAILABLE);
	assert_string_equal(e.msg, "cannot connect to fake");
	assert_int_equal(st.passed, 2);
	assert_int_equal(f.ended, 1);	/* no end_file on a dead engine */
	release(&c);

	assert_int_equal(sltrun_file(db, "/nonexistent/s.test", &o, &st, &e),
			 RC_NOT_FOUND);
	sltdb_free(db);
}

/* With a prefix (TAP), every line written starts with it. */
static void test_run_tap_lines(void **state)
{
	struct fake f = { 0 };
	struct sltdb *db;
	struct sltrun_opts o = { .engine = "postgresql", .dbname = "slt_1_3",
				 .prefix = "# " };
	struct sltrun_stats st;
	struct captured c;
	struct err e;
	char *text, *p;
	size_t n = 0;

	(void)state;
	text = malloc(64 * 1024);
	assert_non_null(text);
	p = text;
	p += sprintf(p, "statement ok\nBADLY\n");
	for (int i = 0; i < 300; i++)
		p += sprintf(p, "-- padding line %d\n", i);
	p += sprintf(p, "\nquery T nosort\nSELECT pairs\n----\nx\n");
	assert_int_equal(sltdb_new(&fake_ops, &f, &db, &e), RC_OK);
	for (int verbose = 0; verbose < 2; verbose++) {
		o.verbose = verbose;
		capture(&c, &o);
		assert_int_equal(sltrun_text(db, "p.test", text, strlen(text),
					     &o, &st, &e), RC_OK);
		fflush(c.f);
		assert_int_equal(st.failed, 2);
		for (const char *l = c.text; *l; l = strchr(l, '\n') + 1) {
			assert_memory_equal(l, "# ", 2);
			n++;
		}
		assert_non_null(strstr(c.text, "\n# HINT: a second line\n"));
		if (verbose) {
			assert_non_null(strstr(c.text, "padding line 299\n"));
		} else {
			assert_null(strstr(c.text, "padding line 299"));
			assert_non_null(strstr(c.text, "...\n"));
		}
		release(&c);
	}
	assert_true(n > 300);
	sltdb_free(db);
	free(text);
}

/* ---- the gateway engine against a fake POST /sql ------------------------ */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char gw_log[4096];	/* "METHOD PATH [session|sql]\n" per request */

static void gw_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void gw_note(const char *fmt, ...)
{
	size_t n;
	va_list ap;

	pthread_mutex_lock(&log_mu);
	n = strlen(gw_log);
	va_start(ap, fmt);
	vsnprintf(gw_log + n, sizeof(gw_log) - n, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&log_mu);
}

static void gw_sql(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	const char *sql = json_string_value(json_object_get(req->json, "sql"));
	const char *sess = json_string_value(json_object_get(req->json,
							     "session"));

	gw_note("POST /sql %s|%s\n", sess ? sess : "-", sql ? sql : "?");
	if (sql == NULL) {
		http_resp_error(resp, RC_BAD_INPUT, "no sql");
	} else if (strcmp(sql, "SELECT b, n") == 0) {
		http_resp_json(resp, 200, json_pack(
			"{s:[], s:[s,s], s:[s,s], s:[[s,s],[s,n]], s:s, s:s}",
			"results", "columns", "b", "n", "types", "bool",
			"int8", "rows", "t", "1", "f", "tag", "SELECT 2",
			"txn", "none"));
	} else if (strcmp(sql, "SELECT 2; SELECT 3") == 0) {
		/* Only "results": the last statement's entry counts. */
		http_resp_json(resp, 200, json_pack(
			"{s:[{s:[s],s:[s],s:[[s]]},{s:[s],s:[s],s:[[s]]}]}",
			"results", "columns", "a", "types", "int8", "rows",
			"2", "columns", "a", "types", "int8", "rows", "3"));
	} else if (strcmp(sql, "BAD") == 0) {
		http_resp_json(resp, 400, json_pack(
			"{s:{s:s,s:s,s:i}, s:[], s:s}", "error", "sqlstate",
			"42601", "message", "syntax error at or near \"BAD\"",
			"position", 1, "results", "txn", "none"));
	} else if (strcmp(sql, "ODD") == 0) {
		http_resp_json(resp, 200, json_pack(
			"{s:[s], s:[[{}]]}", "columns", "a", "rows"));
	} else if (strcmp(sql, "FOREIGN") == 0) {
		http_resp_error(resp, RC_NOT_FOUND, "no such thing");
	} else {
		http_resp_json(resp, 200, json_pack(
			"{s:[], s:[], s:[], s:s}", "columns", "types", "rows",
			"tag", "OK"));
	}
}

static void gw_session_new(const struct http_req *req,
			   struct http_resp *resp, void *arg)
{
	gw_note("POST /sql/session\n");
	http_resp_json(resp, 201, json_pack("{s:s}", "session", "s 1"));
}

static void gw_session_end(const struct http_req *req,
			   struct http_resp *resp, void *arg)
{
	gw_note("DELETE %s\n", req->raw_path);
	http_resp_json(resp, 200, json_object());
}

static void test_gateway(void **state)
{
	struct http_server_opts so = { "127.0.0.1:0", 2, 0, 5, 0 };
	struct http_server *srv;
	struct sltdb_result res;
	struct sltdb *db;
	struct err e;
	char url[64];

	(void)state;
	log_open("slt_test", LOG_LEVEL_WARN);
	assert_int_equal(http_server_new(&srv, &e), RC_OK);
	assert_int_equal(http_server_route(srv, "POST", "/sql", HTTP_JSON_BODY,
					   0, gw_sql, NULL, &e), RC_OK);
	assert_int_equal(http_server_route(srv, "POST", "/sql/session", 0, 0,
					   gw_session_new, NULL, &e), RC_OK);
	assert_int_equal(http_server_route(srv, "DELETE", "/sql/session/*", 0,
					   0, gw_session_end, NULL, &e),
			 RC_OK);
	assert_int_equal(http_server_start(srv, &so, &e), RC_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
		 http_server_port(srv));
	assert_int_equal(sltsql_open(url, 5000, &db, &e), RC_OK);
	sltdb_result_init(&res);

	gw_log[0] = '\0';
	assert_int_equal(sltdb_begin_file(db, "slt_7_1", &e), RC_OK);
	assert_string_equal(gw_log, "POST /sql/session\n"
			    "POST /sql s 1|CREATE DATABASE slt_7_1; "
			    "USE slt_7_1\n");

	assert_int_equal(sltdb_exec(db, "SELECT b, n", &res, &e), RC_OK);
	assert_false(res.failed);
	assert_int_equal(res.ncols, 2);
	assert_int_equal(res.nrows, 2);
	assert_int_equal(res.nvals, 4);
	assert_string_equal(res.types[0], "bool");
	assert_string_equal(res.types[1], "int8");
	assert_string_equal(res.values[0], "t");
	assert_string_equal(res.values[1], "1");
	assert_string_equal(res.values[2], "f");
	assert_null(res.values[3]);

	assert_int_equal(sltdb_exec(db, "SELECT 2; SELECT 3", &res, &e), RC_OK);
	assert_int_equal(res.ncols, 1);
	assert_int_equal(res.nvals, 1);
	assert_string_equal(res.values[0], "3");

	assert_int_equal(sltdb_exec(db, "BAD", &res, &e), RC_OK);
	assert_true(res.failed);
	assert_string_equal(res.sqlstate, "42601");
	assert_string_equal(res.message, "syntax error at or near \"BAD\"");

	assert_int_equal(sltdb_exec(db, "CREATE TABLE t(a INT)", &res, &e),
			 RC_OK);
	assert_false(res.failed);
	assert_int_equal(res.ncols, 0);

	assert_int_equal(sltdb_exec(db, "ODD", &res, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "row 1, column 1 of the answer is "
			       "neither a string nor null"));
	assert_int_equal(sltdb_exec(db, "FOREIGN", &res, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "answered POST /sql with HTTP 404 and "
			       "no SQL error"));

	gw_log[0] = '\0';
	assert_int_equal(sltdb_end_file(db, "slt_7_1", 0, &e), RC_OK);
	assert_string_equal(gw_log, "DELETE /sql/session/s%201\n"
			    "POST /sql -|DROP DATABASE IF EXISTS slt_7_1 "
			    "CASCADE\n");
	gw_log[0] = '\0';
	assert_int_equal(sltdb_begin_file(db, "slt_7_2", &e), RC_OK);
	assert_int_equal(sltdb_end_file(db, "slt_7_2", 1, &e), RC_OK);
	assert_null(strstr(gw_log, "DROP"));
	assert_int_equal(sltdb_begin_file(db, "bad name", &e), RC_BAD_INPUT);

	/* A whole script, booleans printed as integers by their type. */
	{
		static const char s[] =
			"query II rowsort\nSELECT b, n\n----\n0\nNULL\n1\n1\n"
			"\n"
			"statement error\nBAD\n";
		struct sltrun_opts o = { .engine = "postgresql",
					 .dbname = "slt_7_3", .prefix = "" };
		struct sltrun_stats st;
		struct captured c;

		capture(&c, &o);
		assert_int_equal(sltrun_text(db, "g.test", s, strlen(s), &o,
					     &st, &e), RC_OK);
		assert_int_equal(st.passed, 2);
		assert_int_equal(st.failed, 0);
		release(&c);
	}
	sltdb_result_clear(&res);
	sltdb_free(db);
	http_server_free(srv);

	/* Nobody listening: RC_UNAVAILABLE. */
	assert_int_equal(sltsql_open(url, 2000, &db, &e), RC_OK);
	assert_int_equal(sltdb_begin_file(db, "slt_7_4", &e), RC_UNAVAILABLE);
	sltdb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_records),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format_values),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_expected_hash),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_run_script),
		cmocka_unit_test(test_run_stop_keep_down),
		cmocka_unit_test(test_run_tap_lines),
		cmocka_unit_test(test_gateway),
	};

	return cmocka_run_group_tests_name("slt", tests, NULL, NULL);
}
