/*
 * sqlval_test.c -- unit and property tests for cmd/txcoord/sqlval.c.
 *
 * The big tables were produced by PostgreSQL 15.18 (text input and output,
 * float formatting, casts, operators, functions, LIKE): each row is what
 * PostgreSQL printed or the SQLSTATE and message it raised.  Rows where we
 * differ on purpose (38-digit numerics, no numeric NaN, int8 <-> bool,
 * ASCII-only case folding) are left out of the tables and tested on their
 * own below.  Seeded property tests check that float output reads back
 * exactly and that comparison and hashing agree across kinds.
 * SQLVAL_TEST_SEED=<n> changes the seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlval.h"

/* ---- helpers --------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

static uint64_t seed(void)
{
	const char *s = getenv("SQLVAL_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : UINT64_C(20261124);
}

static struct arena *ar;

static int setup(void **state)
{
	ar = arena_new();
	return ar == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	arena_free(ar);
	return 0;
}

/* A type from its PostgreSQL spelling: "numeric(5,2)", "char(3)"... */
static struct sql_type T(const char *s)
{
	static const struct {
		const char *name;
		enum sql_type_kind kind;
	} names[] = {
		{ "int2", SQL_TYPE_INT2 }, { "int4", SQL_TYPE_INT4 },
		{ "int8", SQL_TYPE_INT8 }, { "float4", SQL_TYPE_FLOAT4 },
		{ "float8", SQL_TYPE_FLOAT8 }, { "numeric", SQL_TYPE_DECIMAL },
		{ "text", SQL_TYPE_TEXT }, { "varchar", SQL_TYPE_VARCHAR },
		{ "char", SQL_TYPE_CHAR }, { "bool", SQL_TYPE_BOOL },
		{ "bytea", SQL_TYPE_BYTES },
		{ "timestamp", SQL_TYPE_TIMESTAMP },
		{ "date", SQL_TYPE_DATE }, { "unknown", SQL_TYPE_UNKNOWN },
		{ "null", SQL_TYPE_NULL },
	};
	struct sql_type t = { SQL_TYPE_NULL, 0, 0, 0 };
	size_t i, n = strcspn(s, "(");
	int a = 0, b = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n &&
		    strncmp(names[i].name, s, n) == 0)
			t.kind = names[i].kind;
	if (t.kind == SQL_TYPE_NULL && strcmp(s, "null") != 0)
		fail_msg("unknown type '%s'", s);
	if (s[n] == '(') {
		if (sscanf(s + n, "(%d,%d)", &a, &b) == 2) {
			t.precision = a;
			t.scale = b;
		} else if (sscanf(s + n, "(%d)", &a) == 1) {
			t.width = a;
		}
	}
	return t;
}

static const char *show(const struct sql_datum *d, const struct sql_type *t)
{
	struct sqlerr e;
	const char *p;
	size_t n;

	if (d->kind == SQL_DATUM_NULL)
		return "NULL";
	if (sqlval_to_text(d, t, ar, &p, &n, &e) != 0)
		fail_msg("cannot print: %s", e.msg);
	assert_int_equal(strlen(p), n);
	return p;
}

/* A literal (text) of type t, as 'v'::t. */
static struct sql_datum V(const char *t, const char *v)
{
	struct sql_type u = sqlval_type(SQL_TYPE_UNKNOWN), ty = T(t);
	struct sql_datum in = sqlval_text(v, strlen(v)), out;
	struct sqlerr e;

	if (strcmp(v, "NULL") == 0)
		return sqlval_null();
	if (sqlval_cast(&in, &u, &ty, ar, &out, &e) != 0)
		fail_msg("'%s'::%s: %s", v, t, e.msg);
	return out;
}

/* Compare an outcome with a table row: want text, or state + message. */
static void check(const char *what, int rc, const char *got,
		  const struct sqlerr *e, const char *want,
		  const char *state, const char *msg)
{
	if (want != NULL) {
		if (rc != 0)
			fail_msg("%s: error %s '%s', want '%s'", what,
				 e->sqlstate, e->msg, want);
		if (strcmp(got, want) != 0)
			fail_msg("%s: got '%s', want '%s'", what, got, want);
		return;
	}
	if (rc == 0)
		fail_msg("%s: got '%s', want error %s '%s'", what, got, state,
			 msg);
	if (strcmp(e->sqlstate, state) != 0 || strstr(e->msg, msg) == NULL)
		fail_msg("%s: error %s '%s', want %s '%s'", what, e->sqlstate,
			 e->msg, state, msg);
}

static void assert_err(const struct sqlerr *e, const char *state,
		       const char *msg)
{
	if (strcmp(e->sqlstate, state) != 0 || strstr(e->msg, msg) == NULL)
		fail_msg("error %s '%s', want %s '%s'", e->sqlstate, e->msg,
			 state, msg);
}

/* ---- types -------------------------------------------------------------- */

static void test_types(void **state)
{
	static const struct {
		const char *t, *name, *shortname;
	} cases[] = {
		{ "int2", "smallint", "int2" },
		{ "int4", "integer", "int4" },
		{ "int8", "bigint", "int8" },
		{ "float4", "real", "float4" },
		{ "float8", "double precision", "float8" },
		{ "numeric", "numeric", "numeric" },
		{ "numeric(10,2)", "numeric(10,2)", "numeric" },
		{ "text", "text", "text" },
		{ "varchar(20)", "character varying(20)", "varchar" },
		{ "varchar", "character varying", "varchar" },
		{ "char(3)", "character(3)", "bpchar" },
		{ "char", "bpchar", "bpchar" },
		{ "bool", "boolean", "bool" },
		{ "bytea", "bytea", "bytea" },
		{ "timestamp", "timestamp without time zone", "timestamp" },
		{ "date", "date", "date" },
		{ "unknown", "unknown", "text" },
		{ "null", "unknown", "text" },
	};
	char buf[SQLVAL_TYPE_NAME_MAX];
	struct sql_type t;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = T(cases[i].t);
		assert_string_equal(sqlval_type_name(&t, buf, sizeof(buf)),
				    cases[i].name);
		assert_string_equal(sqlval_type_short_name(&t),
				    cases[i].shortname);
	}
	/* Declared types: CHAR means CHAR(1); typmods are checked. */
	t = T("char");
	assert_int_equal(sqlval_type_check(&t, 5, &e), 0);
	assert_int_equal(t.width, 1);
	t = T("varchar");
	assert_int_equal(sqlval_type_check(&t, 5, &e), 0);
	assert_int_equal(t.width, 0);
	t = T("varchar(0)");
	t.width = -1;
	assert_int_equal(sqlval_type_check(&t, 5, &e), -1);
	assert_err(&e, "22023", "length for type varchar must be at least 1");
	assert_int_equal(e.position, 5);
	t = T("char(10485761)");
	assert_int_equal(sqlval_type_check(&t, 0, &e), -1);
	assert_err(&e, "22023", "length for type char cannot exceed 10485760");
	t = T("numeric(39,0)");
	assert_int_equal(sqlval_type_check(&t, 0, &e), -1);
	assert_err(&e, "22023", "NUMERIC precision 39 must be between 1 and "
		   "38");
	t = T("numeric(5,6)");
	assert_int_equal(sqlval_type_check(&t, 0, &e), -1);
	assert_err(&e, "22023", "NUMERIC scale 6 must be between 0 and "
		   "precision 5");
	t = T("numeric(5,5)");
	assert_int_equal(sqlval_type_check(&t, 0, &e), 0);
	t = T("int4");
	t.width = 7;
	assert_int_equal(sqlval_type_check(&t, 0, &e), 0);
	assert_int_equal(t.width, 0);
	/* Categories and storage kinds. */
	t = T("int2");
	assert_true(sqlval_type_is_integer(&t));
	assert_true(sqlval_type_is_numeric(&t));
	assert_int_equal(sqlval_type_datum_kind(&t), SQL_DATUM_INT);
	t = T("char(2)");
	assert_true(sqlval_type_is_string(&t));
	assert_int_equal(sqlval_type_datum_kind(&t), SQL_DATUM_TEXT);
	t = T("unknown");
	assert_true(sqlval_type_is_unknown(&t));
	assert_int_equal(sqlval_type_datum_kind(&t), SQL_DATUM_TEXT);
	t = T("null");
	assert_int_equal(sqlval_type_datum_kind(&t), SQL_DATUM_NULL);
	t = T("timestamp");
	assert_int_equal(sqlval_type_datum_kind(&t), SQL_DATUM_TIMESTAMP);
	assert_false(sqlval_type_equal(&(struct sql_type){ SQL_TYPE_CHAR, 3,
							   0, 0 },
				       &(struct sql_type){ SQL_TYPE_CHAR, 4,
							   0, 0 }));
}

/* ---- text input and output ---------------------------------------------- */

static const struct {
	const char *type, *in, *out, *state, *msg;
} input_cases[] = {
	{ "int2", " 12 ", "12", NULL, NULL },
	{ "int2", "-0", "0", NULL, NULL },
	{ "int2", "+7", "7", NULL, NULL },
	{ "int2", "abc", NULL, "22P02",
	  "invalid input syntax for type smallint: \"abc\"" },
	{ "int2", "", NULL, "22P02",
	  "invalid input syntax for type smallint: \"\"" },
	{ "int2", "1.5", NULL, "22P02",
	  "invalid input syntax for type smallint: \"1.5\"" },
	{ "int2", "32767", "32767", NULL, NULL },
	{ "int2", "32768", NULL, "22003",
	  "value \"32768\" is out of range for type smallint" },
	{ "int2", "-32768", "-32768", NULL, NULL },
	{ "int2", "-32769", NULL, "22003",
	  "value \"-32769\" is out of range for type smallint" },
	{ "int2", "2147483647", NULL, "22003",
	  "value \"2147483647\" is out of range for type smallint" },
	{ "int2", "2147483648", NULL, "22003",
	  "value \"2147483648\" is out of range for type smallint" },
	{ "int2", "-2147483648", NULL, "22003",
	  "value \"-2147483648\" is out of range for type smallint" },
	{ "int2", "9223372036854775807", NULL, "22003",
	  "value \"9223372036854775807\" is out of range for type smallint" },
	{ "int2", "9223372036854775808", NULL, "22003",
	  "value \"9223372036854775808\" is out of range for type smallint" },
	{ "int2", "-9223372036854775808", NULL, "22003",
	  "value \"-9223372036854775808\" is out of range for type smallint" },
	{ "int2", "-9223372036854775809", NULL, "22003",
	  "value \"-9223372036854775809\" is out of range for type smallint" },
	{ "int2", "99999999999999999999", NULL, "22003",
	  "value \"99999999999999999999\" is out of range for type smallint" },
	{ "int2", "1e3", NULL, "22P02",
	  "invalid input syntax for type smallint: \"1e3\"" },
	{ "int2", " - 5", NULL, "22P02",
	  "invalid input syntax for type smallint: \" - 5\"" },
	{ "int2", "0x10", NULL, "22P02",
	  "invalid input syntax for type smallint: \"0x10\"" },
	{ "int2", "12 3", NULL, "22P02",
	  "invalid input syntax for type smallint: \"12 3\"" },
	{ "int4", " 12 ", "12", NULL, NULL },
	{ "int4", "-0", "0", NULL, NULL },
	{ "int4", "+7", "7", NULL, NULL },
	{ "int4", "abc", NULL, "22P02",
	  "invalid input syntax for type integer: \"abc\"" },
	{ "int4", "", NULL, "22P02",
	  "invalid input syntax for type integer: \"\"" },
	{ "int4", "1.5", NULL, "22P02",
	  "invalid input syntax for type integer: \"1.5\"" },
	{ "int4", "32767", "32767", NULL, NULL },
	{ "int4", "32768", "32768", NULL, NULL },
	{ "int4", "-32768", "-32768", NULL, NULL },
	{ "int4", "-32769", "-32769", NULL, NULL },
	{ "int4", "2147483647", "2147483647", NULL, NULL },
	{ "int4", "2147483648", NULL, "22003",
	  "value \"2147483648\" is out of range for type integer" },
	{ "int4", "-2147483648", "-2147483648", NULL, NULL },
	{ "int4", "9223372036854775807", NULL, "22003",
	  "value \"9223372036854775807\" is out of range for type integer" },
	{ "int4", "9223372036854775808", NULL, "22003",
	  "value \"9223372036854775808\" is out of range for type integer" },
	{ "int4", "-9223372036854775808", NULL, "22003",
	  "value \"-9223372036854775808\" is out of range for type integer" },
	{ "int4", "-9223372036854775809", NULL, "22003",
	  "value \"-9223372036854775809\" is out of range for type integer" },
	{ "int4", "99999999999999999999", NULL, "22003",
	  "value \"99999999999999999999\" is out of range for type integer" },
	{ "int4", "1e3", NULL, "22P02",
	  "invalid input syntax for type integer: \"1e3\"" },
	{ "int4", " - 5", NULL, "22P02",
	  "invalid input syntax for type integer: \" - 5\"" },
	{ "int4", "0x10", NULL, "22P02",
	  "invalid input syntax for type integer: \"0x10\"" },
	{ "int4", "12 3", NULL, "22P02",
	  "invalid input syntax for type integer: \"12 3\"" },
	{ "int8", " 12 ", "12", NULL, NULL },
	{ "int8", "-0", "0", NULL, NULL },
	{ "int8", "+7", "7", NULL, NULL },
	{ "int8", "abc", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "int8", "", NULL, "22P02",
	  "invalid input syntax for type bigint: \"\"" },
	{ "int8", "1.5", NULL, "22P02",
	  "invalid input syntax for type bigint: \"1.5\"" },
	{ "int8", "32767", "32767", NULL, NULL },
	{ "int8", "32768", "32768", NULL, NULL },
	{ "int8", "-32768", "-32768", NULL, NULL },
	{ "int8", "-32769", "-32769", NULL, NULL },
	{ "int8", "2147483647", "2147483647", NULL, NULL },
	{ "int8", "2147483648", "2147483648", NULL, NULL },
	{ "int8", "-2147483648", "-2147483648", NULL, NULL },
	{ "int8", "9223372036854775807", "9223372036854775807", NULL, NULL },
	{ "int8", "9223372036854775808", NULL, "22003",
	  "value \"9223372036854775808\" is out of range for type bigint" },
	{ "int8", "-9223372036854775808", "-9223372036854775808", NULL, NULL },
	{ "int8", "-9223372036854775809", NULL, "22003",
	  "value \"-9223372036854775809\" is out of range for type bigint" },
	{ "int8", "99999999999999999999", NULL, "22003",
	  "value \"99999999999999999999\" is out of range for type bigint" },
	{ "int8", "1e3", NULL, "22P02",
	  "invalid input syntax for type bigint: \"1e3\"" },
	{ "int8", " - 5", NULL, "22P02",
	  "invalid input syntax for type bigint: \" - 5\"" },
	{ "int8", "0x10", NULL, "22P02",
	  "invalid input syntax for type bigint: \"0x10\"" },
	{ "int8", "12 3", NULL, "22P02",
	  "invalid input syntax for type bigint: \"12 3\"" },
	{ "float8", "0.1", "0.1", NULL, NULL },
	{ "float8", "-0", "-0", NULL, NULL },
	{ "float8", "1e400", NULL, "22003",
	  "\"1e400\" is out of range for type double precision" },
	{ "float8", "-1e400", NULL, "22003",
	  "\"-1e400\" is out of range for type double precision" },
	{ "float8", "1e-400", NULL, "22003",
	  "\"1e-400\" is out of range for type double precision" },
	{ "float8", "1e39", "1e+39", NULL, NULL },
	{ "float8", "1e-46", "1e-46", NULL, NULL },
	{ "float8", "NaN", "NaN", NULL, NULL },
	{ "float8", "nan", "NaN", NULL, NULL },
	{ "float8", "Infinity", "Infinity", NULL, NULL },
	{ "float8", "-Infinity", "-Infinity", NULL, NULL },
	{ "float8", "inf", "Infinity", NULL, NULL },
	{ "float8", "-inf", "-Infinity", NULL, NULL },
	{ "float8", "+inf", "Infinity", NULL, NULL },
	{ "float8", "abc", NULL, "22P02",
	  "invalid input syntax for type double precision: \"abc\"" },
	{ "float8", "", NULL, "22P02",
	  "invalid input syntax for type double precision: \"\"" },
	{ "float8", " 1.5 ", "1.5", NULL, NULL },
	{ "float8", "1e", NULL, "22P02",
	  "invalid input syntax for type double precision: \"1e\"" },
	{ "float8", ".5", "0.5", NULL, NULL },
	{ "float8", "5.", "5", NULL, NULL },
	{ "float8", "4.9e-324", "5e-324", NULL, NULL },
	{ "float8", "3.4028235e38", "3.4028235e+38", NULL, NULL },
	{ "float8", "3.4028236e38", "3.4028236e+38", NULL, NULL },
	{ "float8", "1.17549435e-38", "1.17549435e-38", NULL, NULL },
	{ "float8", "1e-45", "1e-45", NULL, NULL },
	{ "float8", "123456789", "123456789", NULL, NULL },
	{ "float8", "1e15", "1e+15", NULL, NULL },
	{ "float8", "1e14", "100000000000000", NULL, NULL },
	{ "float8", "123456789012345678", "1.2345678901234568e+17", NULL,
	  NULL },
	{ "float8", "0.00001", "1e-05", NULL, NULL },
	{ "float8", "0.0001", "0.0001", NULL, NULL },
	{ "float8", "1.5e300", "1.5e+300", NULL, NULL },
	{ "float4", "0.1", "0.1", NULL, NULL },
	{ "float4", "-0", "-0", NULL, NULL },
	{ "float4", "1e400", NULL, "22003",
	  "\"1e400\" is out of range for type real" },
	{ "float4", "-1e400", NULL, "22003",
	  "\"-1e400\" is out of range for type real" },
	{ "float4", "1e-400", NULL, "22003",
	  "\"1e-400\" is out of range for type real" },
	{ "float4", "1e39", NULL, "22003",
	  "\"1e39\" is out of range for type real" },
	{ "float4", "1e-46", NULL, "22003",
	  "\"1e-46\" is out of range for type real" },
	{ "float4", "NaN", "NaN", NULL, NULL },
	{ "float4", "nan", "NaN", NULL, NULL },
	{ "float4", "Infinity", "Infinity", NULL, NULL },
	{ "float4", "-Infinity", "-Infinity", NULL, NULL },
	{ "float4", "inf", "Infinity", NULL, NULL },
	{ "float4", "-inf", "-Infinity", NULL, NULL },
	{ "float4", "+inf", "Infinity", NULL, NULL },
	{ "float4", "abc", NULL, "22P02",
	  "invalid input syntax for type real: \"abc\"" },
	{ "float4", "", NULL, "22P02",
	  "invalid input syntax for type real: \"\"" },
	{ "float4", " 1.5 ", "1.5", NULL, NULL },
	{ "float4", "1e", NULL, "22P02",
	  "invalid input syntax for type real: \"1e\"" },
	{ "float4", ".5", "0.5", NULL, NULL },
	{ "float4", "5.", "5", NULL, NULL },
	{ "float4", "4.9e-324", NULL, "22003",
	  "\"4.9e-324\" is out of range for type real" },
	{ "float4", "3.4028235e38", "3.4028235e+38", NULL, NULL },
	{ "float4", "3.4028236e38", NULL, "22003",
	  "\"3.4028236e38\" is out of range for type real" },
	{ "float4", "1.17549435e-38", "1.1754944e-38", NULL, NULL },
	{ "float4", "1e-45", "1e-45", NULL, NULL },
	{ "float4", "123456789", "1.2345679e+08", NULL, NULL },
	{ "float4", "1e15", "1e+15", NULL, NULL },
	{ "float4", "1e14", "1e+14", NULL, NULL },
	{ "float4", "123456789012345678", "1.2345679e+17", NULL, NULL },
	{ "float4", "0.00001", "1e-05", NULL, NULL },
	{ "float4", "0.0001", "0.0001", NULL, NULL },
	{ "float4", "1.5e300", NULL, "22003",
	  "\"1.5e300\" is out of range for type real" },
	{ "numeric", "1.005", "1.005", NULL, NULL },
	{ "numeric", "-1.005", "-1.005", NULL, NULL },
	{ "numeric", "0.0005", "0.0005", NULL, NULL },
	{ "numeric", "999.995", "999.995", NULL, NULL },
	{ "numeric", "99.999", "99.999", NULL, NULL },
	{ "numeric", "1e2", "100", NULL, NULL },
	{ "numeric", "1.5e-3", "0.0015", NULL, NULL },
	{ "numeric", " 12.50 ", "12.50", NULL, NULL },
	{ "numeric", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "numeric", "", NULL, "22P02",
	  "invalid input syntax for type numeric: \"\"" },
	{ "numeric", "1.2.3", NULL, "22P02",
	  "invalid input syntax for type numeric: \"1.2.3\"" },
	{ "numeric", "-.5", "-0.5", NULL, NULL },
	{ "numeric", "0.001", "0.001", NULL, NULL },
	{ "numeric", "12345678901234567890123456789012345678",
	  "12345678901234567890123456789012345678", NULL, NULL },
	{ "numeric", "0.12345678901234567890123456789012345678",
	  "0.12345678901234567890123456789012345678", NULL, NULL },
	{ "numeric", "1e37", "10000000000000000000000000000000000000", NULL,
	  NULL },
	{ "numeric", "-0.000", "0.000", NULL, NULL },
	{ "numeric(5,2)", "1.005", "1.01", NULL, NULL },
	{ "numeric(5,2)", "-1.005", "-1.01", NULL, NULL },
	{ "numeric(5,2)", "0.0005", "0.00", NULL, NULL },
	{ "numeric(5,2)", "999.995", NULL, "22003", "numeric field overflow" },
	{ "numeric(5,2)", "99.999", "100.00", NULL, NULL },
	{ "numeric(5,2)", "1e2", "100.00", NULL, NULL },
	{ "numeric(5,2)", "1.5e-3", "0.00", NULL, NULL },
	{ "numeric(5,2)", " 12.50 ", "12.50", NULL, NULL },
	{ "numeric(5,2)", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "numeric(5,2)", "", NULL, "22P02",
	  "invalid input syntax for type numeric: \"\"" },
	{ "numeric(5,2)", "1.2.3", NULL, "22P02",
	  "invalid input syntax for type numeric: \"1.2.3\"" },
	{ "numeric(5,2)", "-.5", "-0.50", NULL, NULL },
	{ "numeric(5,2)", "0.001", "0.00", NULL, NULL },
	{ "numeric(5,2)", "12345678901234567890123456789012345678", NULL,
	  "22003", "numeric field overflow" },
	{ "numeric(5,2)", "0.12345678901234567890123456789012345678", "0.12",
	  NULL, NULL },
	{ "numeric(5,2)", "1e37", NULL, "22003", "numeric field overflow" },
	{ "numeric(5,2)", "-0.000", "0.00", NULL, NULL },
	{ "numeric(3,3)", "1.005", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "-1.005", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "0.0005", "0.001", NULL, NULL },
	{ "numeric(3,3)", "999.995", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "99.999", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "1e2", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "1.5e-3", "0.002", NULL, NULL },
	{ "numeric(3,3)", " 12.50 ", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "numeric(3,3)", "", NULL, "22P02",
	  "invalid input syntax for type numeric: \"\"" },
	{ "numeric(3,3)", "1.2.3", NULL, "22P02",
	  "invalid input syntax for type numeric: \"1.2.3\"" },
	{ "numeric(3,3)", "-.5", "-0.500", NULL, NULL },
	{ "numeric(3,3)", "0.001", "0.001", NULL, NULL },
	{ "numeric(3,3)", "12345678901234567890123456789012345678", NULL,
	  "22003", "numeric field overflow" },
	{ "numeric(3,3)", "0.12345678901234567890123456789012345678", "0.123",
	  NULL, NULL },
	{ "numeric(3,3)", "1e37", NULL, "22003", "numeric field overflow" },
	{ "numeric(3,3)", "-0.000", "0.000", NULL, NULL },
	{ "numeric(38,0)", "1.005", "1", NULL, NULL },
	{ "numeric(38,0)", "-1.005", "-1", NULL, NULL },
	{ "numeric(38,0)", "0.0005", "0", NULL, NULL },
	{ "numeric(38,0)", "999.995", "1000", NULL, NULL },
	{ "numeric(38,0)", "99.999", "100", NULL, NULL },
	{ "numeric(38,0)", "1e2", "100", NULL, NULL },
	{ "numeric(38,0)", "1.5e-3", "0", NULL, NULL },
	{ "numeric(38,0)", " 12.50 ", "13", NULL, NULL },
	{ "numeric(38,0)", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "numeric(38,0)", "", NULL, "22P02",
	  "invalid input syntax for type numeric: \"\"" },
	{ "numeric(38,0)", "1.2.3", NULL, "22P02",
	  "invalid input syntax for type numeric: \"1.2.3\"" },
	{ "numeric(38,0)", "-.5", "-1", NULL, NULL },
	{ "numeric(38,0)", "0.001", "0", NULL, NULL },
	{ "numeric(38,0)", "12345678901234567890123456789012345678",
	  "12345678901234567890123456789012345678", NULL, NULL },
	{ "numeric(38,0)", "0.12345678901234567890123456789012345678", "0",
	  NULL, NULL },
	{ "numeric(38,0)", "1e37", "10000000000000000000000000000000000000",
	  NULL, NULL },
	{ "numeric(38,0)", "-0.000", "0", NULL, NULL },
	{ "numeric(38,38)", "1.005", NULL, "22003", "numeric field overflow" },
	{ "numeric(38,38)", "-1.005", NULL, "22003",
	  "numeric field overflow" },
	{ "numeric(38,38)", "0.0005",
	  "0.00050000000000000000000000000000000000", NULL, NULL },
	{ "numeric(38,38)", "999.995", NULL, "22003",
	  "numeric field overflow" },
	{ "numeric(38,38)", "99.999", NULL, "22003",
	  "numeric field overflow" },
	{ "numeric(38,38)", "1e2", NULL, "22003", "numeric field overflow" },
	{ "numeric(38,38)", "1.5e-3",
	  "0.00150000000000000000000000000000000000", NULL, NULL },
	{ "numeric(38,38)", " 12.50 ", NULL, "22003",
	  "numeric field overflow" },
	{ "numeric(38,38)", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "numeric(38,38)", "", NULL, "22P02",
	  "invalid input syntax for type numeric: \"\"" },
	{ "numeric(38,38)", "1.2.3", NULL, "22P02",
	  "invalid input syntax for type numeric: \"1.2.3\"" },
	{ "numeric(38,38)", "-.5", "-0.50000000000000000000000000000000000000",
	  NULL, NULL },
	{ "numeric(38,38)", "0.001",
	  "0.00100000000000000000000000000000000000", NULL, NULL },
	{ "numeric(38,38)", "12345678901234567890123456789012345678", NULL,
	  "22003", "numeric field overflow" },
	{ "numeric(38,38)", "0.12345678901234567890123456789012345678",
	  "0.12345678901234567890123456789012345678", NULL, NULL },
	{ "numeric(38,38)", "1e37", NULL, "22003", "numeric field overflow" },
	{ "numeric(38,38)", "-0.000",
	  "0.00000000000000000000000000000000000000", NULL, NULL },
	{ "bool", "t", "t", NULL, NULL },
	{ "bool", "true", "t", NULL, NULL },
	{ "bool", "TRUE", "t", NULL, NULL },
	{ "bool", " yes ", "t", NULL, NULL },
	{ "bool", "y", "t", NULL, NULL },
	{ "bool", "ye", "t", NULL, NULL },
	{ "bool", "n", "f", NULL, NULL },
	{ "bool", "no", "f", NULL, NULL },
	{ "bool", "on", "t", NULL, NULL },
	{ "bool", "of", "f", NULL, NULL },
	{ "bool", "off", "f", NULL, NULL },
	{ "bool", "o", NULL, "22P02",
	  "invalid input syntax for type boolean: \"o\"" },
	{ "bool", "1", "t", NULL, NULL },
	{ "bool", "0", "f", NULL, NULL },
	{ "bool", "2", NULL, "22P02",
	  "invalid input syntax for type boolean: \"2\"" },
	{ "bool", "maybe", NULL, "22P02",
	  "invalid input syntax for type boolean: \"maybe\"" },
	{ "bool", "", NULL, "22P02",
	  "invalid input syntax for type boolean: \"\"" },
	{ "bool", "tr", "t", NULL, NULL },
	{ "bool", "fals", "f", NULL, NULL },
	{ "bool", "false ", "f", NULL, NULL },
	{ "bool", "yesx", NULL, "22P02",
	  "invalid input syntax for type boolean: \"yesx\"" },
	{ "bool", "t rue", NULL, "22P02",
	  "invalid input syntax for type boolean: \"t rue\"" },
	{ "bytea", "\\x", "\\x", NULL, NULL },
	{ "bytea", "\\x0aff", "\\x0aff", NULL, NULL },
	{ "bytea", "\\x0AFF", "\\x0aff", NULL, NULL },
	{ "bytea", "\\x0 a", NULL, "22023",
	  "invalid hexadecimal digit: \" \"" },
	{ "bytea", "\\x0g", NULL, "22023",
	  "invalid hexadecimal digit: \"g\"" },
	{ "bytea", "\\x0", NULL, "22023",
	  "invalid hexadecimal data: odd number of digits" },
	{ "bytea", "\\x 0a ff", "\\x0aff", NULL, NULL },
	{ "bytea", "abc", "\\x616263", NULL, NULL },
	{ "bytea", "a\\\\b", "\\x615c62", NULL, NULL },
	{ "bytea", "a\\000b", "\\x610062", NULL, NULL },
	{ "bytea", "a\\377", "\\x61ff", NULL, NULL },
	{ "bytea", "a\\400", NULL, "22P02",
	  "invalid input syntax for type bytea" },
	{ "bytea", "a\\9", NULL, "22P02",
	  "invalid input syntax for type bytea" },
	{ "bytea", "\\", NULL, "22P02",
	  "invalid input syntax for type bytea" },
	{ "bytea", "a\\", NULL, "22P02",
	  "invalid input syntax for type bytea" },
	{ "bytea", "\\\\x00", "\\x5c783030", NULL, NULL },
	{ "bytea", "é", "\\xc3a9", NULL, NULL },
	{ "timestamp", "2024-01-02", "2024-01-02 00:00:00", NULL, NULL },
	{ "timestamp", "2024-01-02 03:04:05", "2024-01-02 03:04:05", NULL,
	  NULL },
	{ "timestamp", "2024-01-02T03:04:05.123", "2024-01-02 03:04:05.123",
	  NULL, NULL },
	{ "timestamp", "2024-01-02 03:04:05.1234567",
	  "2024-01-02 03:04:05.123457", NULL, NULL },
	{ "timestamp", "2024-01-02 03:04:05.9999996", "2024-01-02 03:04:06",
	  NULL, NULL },
	{ "timestamp", "2024-01-02 24:00:00", "2024-01-03 00:00:00", NULL,
	  NULL },
	{ "timestamp", "2024-01-02 24:00:01", NULL, "22008",
	  "date/time field value out of range: \"2024-01-02 24:00:01\"" },
	{ "timestamp", "2024-01-02 23:59:60", "2024-01-03 00:00:00", NULL,
	  NULL },
	{ "timestamp", "2023-02-29", NULL, "22008",
	  "date/time field value out of range: \"2023-02-29\"" },
	{ "timestamp", "2024-02-29", "2024-02-29 00:00:00", NULL, NULL },
	{ "timestamp", "2024-13-01", NULL, "22008",
	  "date/time field value out of range: \"2024-13-01\"" },
	{ "timestamp", "2024-00-10", NULL, "22008",
	  "date/time field value out of range: \"2024-00-10\"" },
	{ "timestamp", "2024-01-32", NULL, "22008",
	  "date/time field value out of range: \"2024-01-32\"" },
	{ "timestamp", "2024-1-2 3:4:5", "2024-01-02 03:04:05", NULL, NULL },
	{ "timestamp", "2024-01-02 03:04", "2024-01-02 03:04:00", NULL, NULL },
	{ "timestamp", "abc", NULL, "22007",
	  "invalid input syntax for type timestamp: \"abc\"" },
	{ "timestamp", "", NULL, "22007",
	  "invalid input syntax for type timestamp: \"\"" },
	{ "timestamp", "2024-01-02 03:04:05+05", "2024-01-02 03:04:05", NULL,
	  NULL },
	{ "timestamp", "2024-01-02 03:04:05Z", "2024-01-02 03:04:05", NULL,
	  NULL },
	{ "timestamp", "2024-01-02 03:04:05 -08:00", "2024-01-02 03:04:05",
	  NULL, NULL },
	{ "timestamp", "0001-01-01", "0001-01-01 00:00:00", NULL, NULL },
	{ "timestamp", "9999-12-31 23:59:59.999999",
	  "9999-12-31 23:59:59.999999", NULL, NULL },
	{ "timestamp", "12345-06-07", "12345-06-07 00:00:00", NULL, NULL },
	{ "timestamp", "1969-12-31 23:59:59.5", "1969-12-31 23:59:59.5", NULL,
	  NULL },
	{ "timestamp", "1900-02-29", NULL, "22008",
	  "date/time field value out of range: \"1900-02-29\"" },
	{ "timestamp", "2000-02-29", "2000-02-29 00:00:00", NULL, NULL },
	{ "timestamp", "epoch", "1970-01-01 00:00:00", NULL, NULL },
	{ "timestamp", "2024-01-02  03:04", "2024-01-02 03:04:00", NULL,
	  NULL },
	{ "timestamp", "2024-01-02 25:00", NULL, "22008",
	  "date/time field value out of range: \"2024-01-02 25:00\"" },
	{ "timestamp", "2024-01-02 03:60", NULL, "22008",
	  "date/time field value out of range: \"2024-01-02 03:60\"" },
	{ "date", "2024-01-02", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 03:04:05", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02T03:04:05.123", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 03:04:05.1234567", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 03:04:05.9999996", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 24:00:00", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 24:00:01", NULL, "22008",
	  "date/time field value out of range: \"2024-01-02 24:00:01\"" },
	{ "date", "2024-01-02 23:59:60", "2024-01-02", NULL, NULL },
	{ "date", "2023-02-29", NULL, "22008",
	  "date/time field value out of range: \"2023-02-29\"" },
	{ "date", "2024-02-29", "2024-02-29", NULL, NULL },
	{ "date", "2024-13-01", NULL, "22008",
	  "date/time field value out of range: \"2024-13-01\"" },
	{ "date", "2024-00-10", NULL, "22008",
	  "date/time field value out of range: \"2024-00-10\"" },
	{ "date", "2024-01-32", NULL, "22008",
	  "date/time field value out of range: \"2024-01-32\"" },
	{ "date", "2024-1-2 3:4:5", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 03:04", "2024-01-02", NULL, NULL },
	{ "date", "abc", NULL, "22007",
	  "invalid input syntax for type date: \"abc\"" },
	{ "date", "", NULL, "22007",
	  "invalid input syntax for type date: \"\"" },
	{ "date", "2024-01-02 03:04:05+05", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 03:04:05Z", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 03:04:05 -08:00", "2024-01-02", NULL, NULL },
	{ "date", "0001-01-01", "0001-01-01", NULL, NULL },
	{ "date", "9999-12-31 23:59:59.999999", "9999-12-31", NULL, NULL },
	{ "date", "12345-06-07", "12345-06-07", NULL, NULL },
	{ "date", "1969-12-31 23:59:59.5", "1969-12-31", NULL, NULL },
	{ "date", "1900-02-29", NULL, "22008",
	  "date/time field value out of range: \"1900-02-29\"" },
	{ "date", "2000-02-29", "2000-02-29", NULL, NULL },
	{ "date", "epoch", "1970-01-01", NULL, NULL },
	{ "date", "2024-01-02  03:04", "2024-01-02", NULL, NULL },
	{ "date", "2024-01-02 25:00", NULL, "22008",
	  "date/time field value out of range: \"2024-01-02 25:00\"" },
	{ "date", "2024-01-02 03:60", NULL, "22008",
	  "date/time field value out of range: \"2024-01-02 03:60\"" },
	{ "varchar(3)", "ab", "ab", NULL, NULL },
	{ "varchar(3)", "abc", "abc", NULL, NULL },
	{ "varchar(3)", "abcd", "abc", NULL, NULL },
	{ "varchar(3)", "abc   ", "abc", NULL, NULL },
	{ "varchar(3)", "a  ", "a  ", NULL, NULL },
	{ "varchar(3)", "héllo", "hél", NULL, NULL },
	{ "varchar(3)", "", "", NULL, NULL },
	{ "char(3)", "ab", "ab ", NULL, NULL },
	{ "char(3)", "abc", "abc", NULL, NULL },
	{ "char(3)", "abcd", "abc", NULL, NULL },
	{ "char(3)", "abc   ", "abc", NULL, NULL },
	{ "char(3)", "a  ", "a  ", NULL, NULL },
	{ "char(3)", "héllo", "hél", NULL, NULL },
	{ "char(3)", "", "   ", NULL, NULL },
	{ "text", "ab", "ab", NULL, NULL },
	{ "text", "abc", "abc", NULL, NULL },
	{ "text", "abcd", "abcd", NULL, NULL },
	{ "text", "abc   ", "abc   ", NULL, NULL },
	{ "text", "a  ", "a  ", NULL, NULL },
	{ "text", "héllo", "héllo", NULL, NULL },
	{ "text", "", "", NULL, NULL },
};

static void test_input(void **state)
{
	struct sql_type t, u = sqlval_type(SQL_TYPE_UNKNOWN);
	struct sql_datum d, in;
	const char *got = NULL;
	struct sqlerr e;
	char what[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(input_cases) / sizeof(input_cases[0]); i++) {
		t = T(input_cases[i].type);
		/* Through the cast of an unknown literal... */
		in = sqlval_text(input_cases[i].in, strlen(input_cases[i].in));
		rc = sqlval_cast(&in, &u, &t, ar, &d, &e);
		if (rc == 0)
			got = show(&d, &t);
		snprintf(what, sizeof(what), "'%s'::%s", input_cases[i].in,
			 input_cases[i].type);
		check(what, rc, got, &e, input_cases[i].out,
		      input_cases[i].state, input_cases[i].msg);
		/* ...and straight through the input function, from a buffer
		 * that is not NUL-terminated (ASan checks the reads). */
		if (t.width == 0 && t.precision == 0) {
			size_t n = strlen(input_cases[i].in);
			char *copy = malloc(n > 0 ? n : 1);

			assert_non_null(copy);
			memcpy(copy, input_cases[i].in, n);
			rc = sqlval_from_text(&t, copy, n, ar, &d, &e);
			if (rc == 0)
				got = show(&d, &t);
			check(what, rc, got, &e, input_cases[i].out,
			      input_cases[i].state, input_cases[i].msg);
			free(copy);
		}
	}
}

/* Where we differ from PostgreSQL on purpose. */
static void test_input_ours(void **state)
{
	struct sql_type t;
	struct sql_datum d;
	struct sqlerr e;

	t = T("numeric");
	assert_int_equal(sqlval_from_text(&t, "1e38", 4, ar, &d, &e), -1);
	assert_err(&e, "22003", "at most 38 digits");
	assert_int_equal(sqlval_from_text(&t, "NaN", 3, ar, &d, &e), -1);
	assert_err(&e, "0A000", "not supported");
	/* Text must be UTF-8 without NUL. */
	t = T("text");
	assert_int_equal(sqlval_from_text(&t, "a\xff", 2, ar, &d, &e), -1);
	assert_err(&e, "22021", "invalid byte sequence for encoding \"UTF8\": "
		   "0xff");
	assert_int_equal(sqlval_from_text(&t, "a\0b", 3, ar, &d, &e), -1);
	assert_err(&e, "22021", "0x00");
	/* A NULL type cannot be read. */
	t = T("null");
	assert_int_equal(sqlval_from_text(&t, "x", 1, ar, &d, &e), -1);
	/* Bytes print as hex; NULL prints as nothing. */
	d = sqlval_bytes("\x00\xff\x10", 3);
	assert_string_equal(show(&d, NULL), "\\x00ff10");
	{
		const char *p = "x";
		size_t n = 7;

		d = sqlval_null();
		assert_int_equal(sqlval_to_text(&d, NULL, ar, &p, &n, &e), 0);
		assert_null(p);
		assert_int_equal(n, 0);
	}
	/* Dates and timestamps at the ends of the range. */
	d = sqlval_date(SQLVAL_DATE_MIN);
	assert_string_equal(show(&d, NULL), "0001-01-01");
	d = sqlval_date(SQLVAL_DATE_MAX);
	assert_string_equal(show(&d, NULL), "99999-12-31");
	d = sqlval_timestamp(SQLVAL_TS_MAX);
	assert_string_equal(show(&d, NULL), "99999-12-31 23:59:59.999999");
	d = sqlval_timestamp(-1);
	assert_string_equal(show(&d, NULL), "1969-12-31 23:59:59.999999");
	t = T("date");
	assert_int_equal(sqlval_from_text(&t, "100000-01-01", 12, ar, &d, &e),
			 -1);
	assert_err(&e, "22008", "date/time field value out of range");
}

/* ---- floats ------------------------------------------------------------- */

static const struct {
	const char *type, *in, *out;
} float_cases[] = {
	{ "float8", "0.1", "0.1" },
	{ "float8", "-0.1", "-0.1" },
	{ "float8", "1e100", "1e+100" },
	{ "float8", "1e-100", "1e-100" },
	{ "float8", "100", "100" },
	{ "float8", "1e15", "1e+15" },
	{ "float8", "1e14", "100000000000000" },
	{ "float8", "123456789012345678", "1.2345678901234568e+17" },
	{ "float8", "1e-05", "1e-05" },
	{ "float8", "0.0001", "0.0001" },
	{ "float8", "1.7976931348623157e308", "1.7976931348623157e+308" },
	{ "float8", "5e-324", "5e-324" },
	{ "float8", "2.2250738585072014e-308", "2.2250738585072014e-308" },
	{ "float8", "2.1e22", "2.0999999999999998e+22" },
	{ "float8", "0.3", "0.3" },
	{ "float8", "1e16", "1e+16" },
	{ "float8", "1e21", "1e+21" },
	{ "float8", "-1.5", "-1.5" },
	{ "float8", "3.141592653589793", "3.141592653589793" },
	{ "float8", "9007199254740993", "9.007199254740992e+15" },
	{ "float8", "0.000244140625", "0.000244140625" },
	{ "float8", "123.456", "123.456" },
	{ "float4", "0.1", "0.1" },
	{ "float4", "3e10", "3.0000001e+10" },
	{ "float4", "36901552", "3.6901552e+07" },
	{ "float4", "1e6", "1e+06" },
	{ "float4", "123456", "123456" },
	{ "float4", "1e-05", "1e-05" },
	{ "float4", "0.0001", "0.0001" },
	{ "float4", "3.4028235e38", "3.4028235e+38" },
	{ "float4", "1e-45", "1e-45" },
	{ "float4", "1.17549435e-38", "1.1754944e-38" },
	{ "float4", "0.000244140625", "0.00024414062" },
	{ "float4", "16777217", "1.6777216e+07" },
	{ "float4", "3.14159265", "3.1415927" },
	{ "float8", "-1.0539756485530688e+143", "-1.0539756485530688e+143" },
	{ "float4", "-1.0119250454138411e-29", "-1.01192505e-29" },
	{ "float8", "-1.3500778693949305e+215", "-1.3500778693949305e+215" },
	{ "float4", "-130000.0390625", "-130000.04" },
	{ "float8", "1.526087629730313e+249", "1.526087629730313e+249" },
	{ "float4", "-9.54249389899408e-38", "-9.542494e-38" },
	{ "float8", "-6.297830858574641e-201", "-6.297830858574641e-201" },
	{ "float4", "1.145379902034449e-09", "1.1453799e-09" },
	{ "float8", "-5.984009685093657e+66", "-5.984009685093657e+66" },
	{ "float4", "-4.127288984318988e-37", "-4.127289e-37" },
	{ "float8", "-1.5638361518296375e-148", "-1.5638361518296375e-148" },
	{ "float4", "-2.281773882708084e-21", "-2.2817739e-21" },
	{ "float8", "4.2301541954837196e-79", "4.2301541954837196e-79" },
	{ "float4", "1.970691884301739e-24", "1.9706919e-24" },
	{ "float8", "1.4588437963928669e+66", "1.4588437963928669e+66" },
	{ "float4", "4.4384195563880317e-17", "4.4384196e-17" },
	{ "float8", "-6.0511296129096725e-261", "-6.0511296129096725e-261" },
	{ "float4", "-3302833920.0", "-3.302834e+09" },
	{ "float8", "-3.8367467747406616e-70", "-3.8367467747406616e-70" },
	{ "float4", "-3.191587471620008e-18", "-3.1915875e-18" },
	{ "float8", "-5.352667702512672e-191", "-5.352667702512672e-191" },
	{ "float4", "-1.2514896396385698e+36", "-1.25148964e+36" },
	{ "float8", "-1.3283790349455888e+265", "-1.3283790349455888e+265" },
	{ "float4", "3.9213399719182375e+31", "3.92134e+31" },
	{ "float8", "-4.545896140860994e-14", "-4.545896140860994e-14" },
	{ "float4", "-3.9576965317546785e-21", "-3.9576965e-21" },
	{ "float8", "1.7798922711883367e-114", "1.7798922711883367e-114" },
	{ "float4", "-5.647434753007721e-20", "-5.647435e-20" },
	{ "float8", "-1.1547680013076696e+101", "-1.1547680013076696e+101" },
	{ "float4", "-1.4745022315293123e-34", "-1.4745022e-34" },
	{ "float8", "3.021401773263413e-235", "3.021401773263413e-235" },
	{ "float4", "1.9324372239739988e-33", "1.9324372e-33" },
	{ "float8", "-1.1937126864956989e+160", "-1.1937126864956989e+160" },
	{ "float4", "0.11717647314071655", "0.11717647" },
	{ "float8", "1.441290431137176e-271", "1.441290431137176e-271" },
	{ "float4", "-45596.75", "-45596.75" },
	{ "float8", "2.4990667113411633e+94", "2.4990667113411633e+94" },
	{ "float4", "4.918269889623647e+29", "4.91827e+29" },
	{ "float8", "-1.947352315746904e+114", "-1.947352315746904e+114" },
	{ "float4", "7.484439734639636e-09", "7.48444e-09" },
	{ "float8", "1.3722183439346506e-20", "1.3722183439346506e-20" },
	{ "float4", "-2.5387398880920223e-17", "-2.5387399e-17" },
	{ "float4", "3.1785591409147395e-38", "3.1785591e-38" },
	{ "float8", "7.106101800028059e-204", "7.106101800028059e-204" },
	{ "float4", "1.8706865907121364e+32", "1.8706866e+32" },
	{ "float8", "1.1258992597715162e+35", "1.1258992597715162e+35" },
	{ "float4", "3.072393423971428e+24", "3.0723934e+24" },
	{ "float8", "-1.82394811931708e-245", "-1.82394811931708e-245" },
	{ "float4", "-1.5262677514265672e+38", "-1.5262678e+38" },
	{ "float8", "-3.662467141707157e+111", "-3.662467141707157e+111" },
	{ "float4", "4.1363656557303406e-26", "4.1363657e-26" },
	{ "float8", "178580.96347620327", "178580.96347620327" },
	{ "float4", "24428666880.0", "2.4428667e+10" },
	{ "float8", "1.7696741097930834e-25", "1.7696741097930834e-25" },
	{ "float4", "-6.007014510386252e-37", "-6.0070145e-37" },
	{ "float8", "5.512596216870721e-272", "5.512596216870721e-272" },
	{ "float4", "3.9469391982689808e-28", "3.9469392e-28" },
	{ "float8", "-2.531181409121447e+20", "-2.531181409121447e+20" },
	{ "float4", "2.6651487715871666e-22", "2.6651488e-22" },
	{ "float8", "9.864696090544821e-176", "9.864696090544821e-176" },
	{ "float4", "-1633474310045696.0", "-1.6334743e+15" },
	{ "float8", "4.375716586191062e+168", "4.375716586191062e+168" },
	{ "float4", "1.2270073194154344e-28", "1.2270073e-28" },
	{ "float8", "7.771400548145935e-288", "7.771400548145935e-288" },
	{ "float4", "-2052069473124352.0", "-2.0520695e+15" },
	{ "float8", "5.482841095344694e-308", "5.482841095344694e-308" },
	{ "float4", "5.0081721383321565e-06", "5.008172e-06" },
	{ "float8", "-4.111104105007642e+218", "-4.111104105007642e+218" },
	{ "float4", "-1.0244250594460505e+25", "-1.0244251e+25" },
	{ "float8", "3.610588900573506e+271", "3.610588900573506e+271" },
	{ "float4", "4.56431597887024e+19", "4.564316e+19" },
	{ "float8", "-4.4124872996083094e-51", "-4.4124872996083094e-51" },
	{ "float4", "1.1192283644266299e+23", "1.1192284e+23" },
	{ "float8", "1.3201731191028967e-218", "1.3201731191028967e-218" },
	{ "float4", "-9.672182681051756e-29", "-9.6721827e-29" },
	{ "float8", "6.171919835623171e-64", "6.171919835623171e-64" },
	{ "float4", "-52348.80859375", "-52348.81" },
	{ "float8", "4.839653994159479e+24", "4.839653994159479e+24" },
	{ "float4", "52394226352128.0", "5.2394226e+13" },
	{ "float8", "6.204497722829631e+75", "6.204497722829631e+75" },
	{ "float4", "11292795469824.0", "1.1292795e+13" },
	{ "float8", "-1.8703783127868767e+264", "-1.8703783127868767e+264" },
	{ "float4", "9.410620324260983e+24", "9.4106203e+24" },
	{ "float8", "-2.671920137368832e+213", "-2.671920137368832e+213" },
	{ "float4", "9.566331667272261e-21", "9.566332e-21" },
	{ "float8", "7.355016042690681e-05", "7.355016042690681e-05" },
	{ "float4", "-4.7497945843133493e-07", "-4.7497946e-07" },
	{ "float8", "3.6633790673883503e-295", "3.6633790673883503e-295" },
	{ "float4", "1.0510296235334933e-29", "1.0510296e-29" },
	{ "float8", "-2.008831629486118e+58", "-2.008831629486118e+58" },
	{ "float4", "6.664884728350154e+36", "6.664885e+36" },
	{ "float8", "-3.6839941944551377e-84", "-3.6839941944551377e-84" },
	{ "float4", "-8.57720122970147e-30", "-8.577201e-30" },
	{ "float8", "5.640981286119585e+243", "5.640981286119585e+243" },
	{ "float4", "-1.4473673284302055e-37", "-1.4473673e-37" },
	{ "float8", "-2.6704358063702368e+290", "-2.6704358063702368e+290" },
	{ "float4", "-0.00337858684360981", "-0.0033785868" },
	{ "float8", "3.6066859607013435e-147", "3.6066859607013435e-147" },
	{ "float4", "2.5470815961097158e+26", "2.5470816e+26" },
	{ "float8", "1.7021004551247649e+165", "1.7021004551247649e+165" },
	{ "float4", "5.5975049518554125e-21", "5.597505e-21" },
	{ "float8", "7.443129195993009e+210", "7.443129195993009e+210" },
	{ "float4", "-2.0276052335891526e+37", "-2.0276052e+37" },
	{ "float8", "4.2918260627505524e-308", "4.2918260627505524e-308" },
	{ "float4", "2324.533447265625", "2324.5334" },
	{ "float8", "-5.2079235265878243e+272", "-5.2079235265878243e+272" },
	{ "float4", "-9.361205522576966e+34", "-9.361206e+34" },
	{ "float8", "-2.5556541660417015e-194", "-2.5556541660417015e-194" },
	{ "float4", "462330112.0", "4.623301e+08" },
	{ "float8", "-4.149924610142744e+166", "-4.149924610142744e+166" },
	{ "float4", "6.325031327172594e-36", "6.325031e-36" },
	{ "float8", "1.0457919747758503e-77", "1.0457919747758503e-77" },
	{ "float4", "3.529711970550322e+22", "3.529712e+22" },
	{ "float8", "-1.0590156255849663e+129", "-1.0590156255849663e+129" },
	{ "float4", "-3.264964651343863e-23", "-3.2649647e-23" },
	{ "float8", "-9.115603964113715e-214", "-9.115603964113715e-214" },
	{ "float4", "1.813672789320706e-23", "1.8136728e-23" },
	{ "float8", "-2.411107712259278e+295", "-2.411107712259278e+295" },
	{ "float4", "2.14895382152409e-16", "2.1489538e-16" },
};

static void test_float_output(void **state)
{
	struct sql_type t;
	struct sql_datum d;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(float_cases) / sizeof(float_cases[0]); i++) {
		t = T(float_cases[i].type);
		assert_int_equal(sqlval_from_text(&t, float_cases[i].in,
						  strlen(float_cases[i].in),
						  ar, &d, &e), 0);
		if (strcmp(show(&d, &t), float_cases[i].out) != 0)
			fail_msg("%s::%s prints %s, want %s",
				 float_cases[i].in, float_cases[i].type,
				 show(&d, &t), float_cases[i].out);
	}
}

/* Random doubles and floats print in a form that reads back exactly. */
static void test_float_property(void **state)
{
	char buf[64];
	uint64_t bits;
	uint32_t b4;
	double f;
	float g;
	int i;

	rng_state = seed();
	for (i = 0; i < 20000; i++) {
		bits = rng();
		memcpy(&f, &bits, sizeof(f));
		if (i % 4 == 0)
			f = ldexp((double)rng_below(100000),
				  (int)rng_below(200) - 100);
		sqlval_format_float(f, false, buf, sizeof(buf));
		if (isnan(f))
			assert_string_equal(buf, "NaN");
		else if (strtod(buf, NULL) != f ||
			 signbit(strtod(buf, NULL)) != signbit(f))
			fail_msg("%a printed as %s (seed %" PRIu64 ")", f, buf,
				 seed());
		assert_true(strlen(buf) <= 24);
		b4 = (uint32_t)rng();
		memcpy(&g, &b4, sizeof(g));
		sqlval_format_float(g, true, buf, sizeof(buf));
		if (!isnan(g) && strtof(buf, NULL) != g)
			fail_msg("float %a printed as %s (seed %" PRIu64 ")",
				 (double)g, buf, seed());
		assert_true(strlen(buf) <= 15);
	}
}

/* ---- casts -------------------------------------------------------------- */

static const struct {
	const char *from, *to, *in, *out, *state, *msg;
} cast_cases[] = {
	{ "int2", "int2", "-32768", "-32768", NULL, NULL },
	{ "int2", "int4", "-32768", "-32768", NULL, NULL },
	{ "int2", "int8", "-32768", "-32768", NULL, NULL },
	{ "int2", "float4", "-32768", "-32768", NULL, NULL },
	{ "int2", "float8", "-32768", "-32768", NULL, NULL },
	{ "int2", "numeric", "-32768", "-32768", NULL, NULL },
	{ "int2", "numeric(5,2)", "-32768", NULL, "22003",
	  "numeric field overflow" },
	{ "int2", "text", "-32768", "-32768", NULL, NULL },
	{ "int2", "varchar(2)", "-32768", "-3", NULL, NULL },
	{ "int2", "char(3)", "-32768", "-32", NULL, NULL },
	{ "int2", "date", "-32768", NULL, "42846",
	  "cannot cast type smallint to date" },
	{ "int2", "timestamp", "-32768", NULL, "42846",
	  "cannot cast type smallint to timestamp without time zone" },
	{ "int2", "bytea", "-32768", NULL, "42846",
	  "cannot cast type smallint to bytea" },
	{ "int4", "int2", "40000", NULL, "22003", "smallint out of range" },
	{ "int4", "int4", "40000", "40000", NULL, NULL },
	{ "int4", "int8", "40000", "40000", NULL, NULL },
	{ "int4", "float4", "40000", "40000", NULL, NULL },
	{ "int4", "float8", "40000", "40000", NULL, NULL },
	{ "int4", "numeric", "40000", "40000", NULL, NULL },
	{ "int4", "numeric(5,2)", "40000", NULL, "22003",
	  "numeric field overflow" },
	{ "int4", "bool", "40000", "t", NULL, NULL },
	{ "int4", "text", "40000", "40000", NULL, NULL },
	{ "int4", "varchar(2)", "40000", "40", NULL, NULL },
	{ "int4", "char(3)", "40000", "400", NULL, NULL },
	{ "int4", "date", "40000", NULL, "42846",
	  "cannot cast type integer to date" },
	{ "int4", "timestamp", "40000", NULL, "42846",
	  "cannot cast type integer to timestamp without time zone" },
	{ "int4", "bytea", "40000", NULL, "42846",
	  "cannot cast type integer to bytea" },
	{ "int8", "int2", "3000000000", NULL, "22003",
	  "smallint out of range" },
	{ "int8", "int4", "3000000000", NULL, "22003",
	  "integer out of range" },
	{ "int8", "int8", "3000000000", "3000000000", NULL, NULL },
	{ "int8", "float4", "3000000000", "3e+09", NULL, NULL },
	{ "int8", "float8", "3000000000", "3000000000", NULL, NULL },
	{ "int8", "numeric", "3000000000", "3000000000", NULL, NULL },
	{ "int8", "numeric(5,2)", "3000000000", NULL, "22003",
	  "numeric field overflow" },
	{ "int8", "text", "3000000000", "3000000000", NULL, NULL },
	{ "int8", "varchar(2)", "3000000000", "30", NULL, NULL },
	{ "int8", "char(3)", "3000000000", "300", NULL, NULL },
	{ "int8", "date", "3000000000", NULL, "42846",
	  "cannot cast type bigint to date" },
	{ "int8", "timestamp", "3000000000", NULL, "42846",
	  "cannot cast type bigint to timestamp without time zone" },
	{ "int8", "bytea", "3000000000", NULL, "42846",
	  "cannot cast type bigint to bytea" },
	{ "int8", "int2", "-1", "-1", NULL, NULL },
	{ "int8", "int4", "-1", "-1", NULL, NULL },
	{ "int8", "int8", "-1", "-1", NULL, NULL },
	{ "int8", "float4", "-1", "-1", NULL, NULL },
	{ "int8", "float8", "-1", "-1", NULL, NULL },
	{ "int8", "numeric", "-1", "-1", NULL, NULL },
	{ "int8", "numeric(5,2)", "-1", "-1.00", NULL, NULL },
	{ "int8", "text", "-1", "-1", NULL, NULL },
	{ "int8", "varchar(2)", "-1", "-1", NULL, NULL },
	{ "int8", "char(3)", "-1", "-1 ", NULL, NULL },
	{ "int8", "date", "-1", NULL, "42846",
	  "cannot cast type bigint to date" },
	{ "int8", "timestamp", "-1", NULL, "42846",
	  "cannot cast type bigint to timestamp without time zone" },
	{ "int8", "bytea", "-1", NULL, "42846",
	  "cannot cast type bigint to bytea" },
	{ "float8", "int2", "2.5", "2", NULL, NULL },
	{ "float8", "int4", "2.5", "2", NULL, NULL },
	{ "float8", "int8", "2.5", "2", NULL, NULL },
	{ "float8", "float4", "2.5", "2.5", NULL, NULL },
	{ "float8", "float8", "2.5", "2.5", NULL, NULL },
	{ "float8", "numeric", "2.5", "2.5", NULL, NULL },
	{ "float8", "numeric(5,2)", "2.5", "2.50", NULL, NULL },
	{ "float8", "bool", "2.5", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "2.5", "2.5", NULL, NULL },
	{ "float8", "varchar(2)", "2.5", "2.", NULL, NULL },
	{ "float8", "char(3)", "2.5", "2.5", NULL, NULL },
	{ "float8", "date", "2.5", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "2.5", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "2.5", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "3.5", "4", NULL, NULL },
	{ "float8", "int4", "3.5", "4", NULL, NULL },
	{ "float8", "int8", "3.5", "4", NULL, NULL },
	{ "float8", "float4", "3.5", "3.5", NULL, NULL },
	{ "float8", "float8", "3.5", "3.5", NULL, NULL },
	{ "float8", "numeric", "3.5", "3.5", NULL, NULL },
	{ "float8", "numeric(5,2)", "3.5", "3.50", NULL, NULL },
	{ "float8", "bool", "3.5", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "3.5", "3.5", NULL, NULL },
	{ "float8", "varchar(2)", "3.5", "3.", NULL, NULL },
	{ "float8", "char(3)", "3.5", "3.5", NULL, NULL },
	{ "float8", "date", "3.5", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "3.5", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "3.5", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "-2.5", "-2", NULL, NULL },
	{ "float8", "int4", "-2.5", "-2", NULL, NULL },
	{ "float8", "int8", "-2.5", "-2", NULL, NULL },
	{ "float8", "float4", "-2.5", "-2.5", NULL, NULL },
	{ "float8", "float8", "-2.5", "-2.5", NULL, NULL },
	{ "float8", "numeric", "-2.5", "-2.5", NULL, NULL },
	{ "float8", "numeric(5,2)", "-2.5", "-2.50", NULL, NULL },
	{ "float8", "bool", "-2.5", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "-2.5", "-2.5", NULL, NULL },
	{ "float8", "varchar(2)", "-2.5", "-2", NULL, NULL },
	{ "float8", "char(3)", "-2.5", "-2.", NULL, NULL },
	{ "float8", "date", "-2.5", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "-2.5", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "-2.5", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "0.1", "0", NULL, NULL },
	{ "float8", "int4", "0.1", "0", NULL, NULL },
	{ "float8", "int8", "0.1", "0", NULL, NULL },
	{ "float8", "float4", "0.1", "0.1", NULL, NULL },
	{ "float8", "float8", "0.1", "0.1", NULL, NULL },
	{ "float8", "numeric", "0.1", "0.1", NULL, NULL },
	{ "float8", "numeric(5,2)", "0.1", "0.10", NULL, NULL },
	{ "float8", "bool", "0.1", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "0.1", "0.1", NULL, NULL },
	{ "float8", "varchar(2)", "0.1", "0.", NULL, NULL },
	{ "float8", "char(3)", "0.1", "0.1", NULL, NULL },
	{ "float8", "date", "0.1", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "0.1", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "0.1", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "1e20", NULL, "22003", "smallint out of range" },
	{ "float8", "int4", "1e20", NULL, "22003", "integer out of range" },
	{ "float8", "int8", "1e20", NULL, "22003", "bigint out of range" },
	{ "float8", "float4", "1e20", "1e+20", NULL, NULL },
	{ "float8", "float8", "1e20", "1e+20", NULL, NULL },
	{ "float8", "numeric", "1e20", "100000000000000000000", NULL, NULL },
	{ "float8", "numeric(5,2)", "1e20", NULL, "22003",
	  "numeric field overflow" },
	{ "float8", "bool", "1e20", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "1e20", "1e+20", NULL, NULL },
	{ "float8", "varchar(2)", "1e20", "1e", NULL, NULL },
	{ "float8", "char(3)", "1e20", "1e+", NULL, NULL },
	{ "float8", "date", "1e20", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "1e20", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "1e20", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "NaN", NULL, "22003", "smallint out of range" },
	{ "float8", "int4", "NaN", NULL, "22003", "integer out of range" },
	{ "float8", "int8", "NaN", NULL, "22003", "bigint out of range" },
	{ "float8", "float4", "NaN", "NaN", NULL, NULL },
	{ "float8", "float8", "NaN", "NaN", NULL, NULL },
	{ "float8", "bool", "NaN", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "NaN", "NaN", NULL, NULL },
	{ "float8", "varchar(2)", "NaN", "Na", NULL, NULL },
	{ "float8", "char(3)", "NaN", "NaN", NULL, NULL },
	{ "float8", "date", "NaN", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "NaN", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "NaN", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "-0", "0", NULL, NULL },
	{ "float8", "int4", "-0", "0", NULL, NULL },
	{ "float8", "int8", "-0", "0", NULL, NULL },
	{ "float8", "float4", "-0", "-0", NULL, NULL },
	{ "float8", "float8", "-0", "-0", NULL, NULL },
	{ "float8", "numeric", "-0", "0", NULL, NULL },
	{ "float8", "numeric(5,2)", "-0", "0.00", NULL, NULL },
	{ "float8", "bool", "-0", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "-0", "-0", NULL, NULL },
	{ "float8", "varchar(2)", "-0", "-0", NULL, NULL },
	{ "float8", "char(3)", "-0", "-0 ", NULL, NULL },
	{ "float8", "date", "-0", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "-0", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "-0", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "9.2233720368547758e18", NULL, "22003",
	  "smallint out of range" },
	{ "float8", "int4", "9.2233720368547758e18", NULL, "22003",
	  "integer out of range" },
	{ "float8", "int8", "9.2233720368547758e18", NULL, "22003",
	  "bigint out of range" },
	{ "float8", "float4", "9.2233720368547758e18", "9.223372e+18", NULL,
	  NULL },
	{ "float8", "float8", "9.2233720368547758e18", "9.223372036854776e+18",
	  NULL, NULL },
	{ "float8", "numeric", "9.2233720368547758e18", "9223372036854780000",
	  NULL, NULL },
	{ "float8", "numeric(5,2)", "9.2233720368547758e18", NULL, "22003",
	  "numeric field overflow" },
	{ "float8", "bool", "9.2233720368547758e18", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "9.2233720368547758e18", "9.223372036854776e+18",
	  NULL, NULL },
	{ "float8", "varchar(2)", "9.2233720368547758e18", "9.", NULL, NULL },
	{ "float8", "char(3)", "9.2233720368547758e18", "9.2", NULL, NULL },
	{ "float8", "date", "9.2233720368547758e18", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "9.2233720368547758e18", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "9.2233720368547758e18", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "32767.5", NULL, "22003",
	  "smallint out of range" },
	{ "float8", "int4", "32767.5", "32768", NULL, NULL },
	{ "float8", "int8", "32767.5", "32768", NULL, NULL },
	{ "float8", "float4", "32767.5", "32767.5", NULL, NULL },
	{ "float8", "float8", "32767.5", "32767.5", NULL, NULL },
	{ "float8", "numeric", "32767.5", "32767.5", NULL, NULL },
	{ "float8", "numeric(5,2)", "32767.5", NULL, "22003",
	  "numeric field overflow" },
	{ "float8", "bool", "32767.5", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "32767.5", "32767.5", NULL, NULL },
	{ "float8", "varchar(2)", "32767.5", "32", NULL, NULL },
	{ "float8", "char(3)", "32767.5", "327", NULL, NULL },
	{ "float8", "date", "32767.5", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "32767.5", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "32767.5", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float8", "int2", "3.4028235e38", NULL, "22003",
	  "smallint out of range" },
	{ "float8", "int4", "3.4028235e38", NULL, "22003",
	  "integer out of range" },
	{ "float8", "int8", "3.4028235e38", NULL, "22003",
	  "bigint out of range" },
	{ "float8", "float4", "3.4028235e38", "3.4028235e+38", NULL, NULL },
	{ "float8", "float8", "3.4028235e38", "3.4028235e+38", NULL, NULL },
	{ "float8", "bool", "3.4028235e38", NULL, "42846",
	  "cannot cast type double precision to boolean" },
	{ "float8", "text", "3.4028235e38", "3.4028235e+38", NULL, NULL },
	{ "float8", "varchar(2)", "3.4028235e38", "3.", NULL, NULL },
	{ "float8", "char(3)", "3.4028235e38", "3.4", NULL, NULL },
	{ "float8", "date", "3.4028235e38", NULL, "42846",
	  "cannot cast type double precision to date" },
	{ "float8", "timestamp", "3.4028235e38", NULL, "42846",
	  "cannot cast type double precision to timestamp without time zone" },
	{ "float8", "bytea", "3.4028235e38", NULL, "42846",
	  "cannot cast type double precision to bytea" },
	{ "float4", "int2", "0.1", "0", NULL, NULL },
	{ "float4", "int4", "0.1", "0", NULL, NULL },
	{ "float4", "int8", "0.1", "0", NULL, NULL },
	{ "float4", "float4", "0.1", "0.1", NULL, NULL },
	{ "float4", "float8", "0.1", "0.10000000149011612", NULL, NULL },
	{ "float4", "numeric", "0.1", "0.1", NULL, NULL },
	{ "float4", "numeric(5,2)", "0.1", "0.10", NULL, NULL },
	{ "float4", "bool", "0.1", NULL, "42846",
	  "cannot cast type real to boolean" },
	{ "float4", "text", "0.1", "0.1", NULL, NULL },
	{ "float4", "varchar(2)", "0.1", "0.", NULL, NULL },
	{ "float4", "char(3)", "0.1", "0.1", NULL, NULL },
	{ "float4", "date", "0.1", NULL, "42846",
	  "cannot cast type real to date" },
	{ "float4", "timestamp", "0.1", NULL, "42846",
	  "cannot cast type real to timestamp without time zone" },
	{ "float4", "bytea", "0.1", NULL, "42846",
	  "cannot cast type real to bytea" },
	{ "float4", "int2", "1e20", NULL, "22003", "smallint out of range" },
	{ "float4", "int4", "1e20", NULL, "22003", "integer out of range" },
	{ "float4", "int8", "1e20", NULL, "22003", "bigint out of range" },
	{ "float4", "float4", "1e20", "1e+20", NULL, NULL },
	{ "float4", "float8", "1e20", "1.0000000200408773e+20", NULL, NULL },
	{ "float4", "numeric", "1e20", "100000000000000000000", NULL, NULL },
	{ "float4", "numeric(5,2)", "1e20", NULL, "22003",
	  "numeric field overflow" },
	{ "float4", "bool", "1e20", NULL, "42846",
	  "cannot cast type real to boolean" },
	{ "float4", "text", "1e20", "1e+20", NULL, NULL },
	{ "float4", "varchar(2)", "1e20", "1e", NULL, NULL },
	{ "float4", "char(3)", "1e20", "1e+", NULL, NULL },
	{ "float4", "date", "1e20", NULL, "42846",
	  "cannot cast type real to date" },
	{ "float4", "timestamp", "1e20", NULL, "42846",
	  "cannot cast type real to timestamp without time zone" },
	{ "float4", "bytea", "1e20", NULL, "42846",
	  "cannot cast type real to bytea" },
	{ "numeric", "int2", "2.5", "3", NULL, NULL },
	{ "numeric", "int4", "2.5", "3", NULL, NULL },
	{ "numeric", "int8", "2.5", "3", NULL, NULL },
	{ "numeric", "float4", "2.5", "2.5", NULL, NULL },
	{ "numeric", "float8", "2.5", "2.5", NULL, NULL },
	{ "numeric", "numeric", "2.5", "2.5", NULL, NULL },
	{ "numeric", "numeric(5,2)", "2.5", "2.50", NULL, NULL },
	{ "numeric", "bool", "2.5", NULL, "42846",
	  "cannot cast type numeric to boolean" },
	{ "numeric", "text", "2.5", "2.5", NULL, NULL },
	{ "numeric", "varchar(2)", "2.5", "2.", NULL, NULL },
	{ "numeric", "char(3)", "2.5", "2.5", NULL, NULL },
	{ "numeric", "date", "2.5", NULL, "42846",
	  "cannot cast type numeric to date" },
	{ "numeric", "timestamp", "2.5", NULL, "42846",
	  "cannot cast type numeric to timestamp without time zone" },
	{ "numeric", "bytea", "2.5", NULL, "42846",
	  "cannot cast type numeric to bytea" },
	{ "numeric", "int2", "-2.5", "-3", NULL, NULL },
	{ "numeric", "int4", "-2.5", "-3", NULL, NULL },
	{ "numeric", "int8", "-2.5", "-3", NULL, NULL },
	{ "numeric", "float4", "-2.5", "-2.5", NULL, NULL },
	{ "numeric", "float8", "-2.5", "-2.5", NULL, NULL },
	{ "numeric", "numeric", "-2.5", "-2.5", NULL, NULL },
	{ "numeric", "numeric(5,2)", "-2.5", "-2.50", NULL, NULL },
	{ "numeric", "bool", "-2.5", NULL, "42846",
	  "cannot cast type numeric to boolean" },
	{ "numeric", "text", "-2.5", "-2.5", NULL, NULL },
	{ "numeric", "varchar(2)", "-2.5", "-2", NULL, NULL },
	{ "numeric", "char(3)", "-2.5", "-2.", NULL, NULL },
	{ "numeric", "date", "-2.5", NULL, "42846",
	  "cannot cast type numeric to date" },
	{ "numeric", "timestamp", "-2.5", NULL, "42846",
	  "cannot cast type numeric to timestamp without time zone" },
	{ "numeric", "bytea", "-2.5", NULL, "42846",
	  "cannot cast type numeric to bytea" },
	{ "numeric", "int2", "32767.5", NULL, "22003",
	  "smallint out of range" },
	{ "numeric", "int4", "32767.5", "32768", NULL, NULL },
	{ "numeric", "int8", "32767.5", "32768", NULL, NULL },
	{ "numeric", "float4", "32767.5", "32767.5", NULL, NULL },
	{ "numeric", "float8", "32767.5", "32767.5", NULL, NULL },
	{ "numeric", "numeric", "32767.5", "32767.5", NULL, NULL },
	{ "numeric", "numeric(5,2)", "32767.5", NULL, "22003",
	  "numeric field overflow" },
	{ "numeric", "bool", "32767.5", NULL, "42846",
	  "cannot cast type numeric to boolean" },
	{ "numeric", "text", "32767.5", "32767.5", NULL, NULL },
	{ "numeric", "varchar(2)", "32767.5", "32", NULL, NULL },
	{ "numeric", "char(3)", "32767.5", "327", NULL, NULL },
	{ "numeric", "date", "32767.5", NULL, "42846",
	  "cannot cast type numeric to date" },
	{ "numeric", "timestamp", "32767.5", NULL, "42846",
	  "cannot cast type numeric to timestamp without time zone" },
	{ "numeric", "bytea", "32767.5", NULL, "42846",
	  "cannot cast type numeric to bytea" },
	{ "numeric", "int2", "9223372036854775807.5", NULL, "22003",
	  "smallint out of range" },
	{ "numeric", "int4", "9223372036854775807.5", NULL, "22003",
	  "integer out of range" },
	{ "numeric", "int8", "9223372036854775807.5", NULL, "22003",
	  "bigint out of range" },
	{ "numeric", "float4", "9223372036854775807.5", "9.223372e+18", NULL,
	  NULL },
	{ "numeric", "float8", "9223372036854775807.5",
	  "9.223372036854776e+18", NULL, NULL },
	{ "numeric", "numeric", "9223372036854775807.5",
	  "9223372036854775807.5", NULL, NULL },
	{ "numeric", "numeric(5,2)", "9223372036854775807.5", NULL, "22003",
	  "numeric field overflow" },
	{ "numeric", "bool", "9223372036854775807.5", NULL, "42846",
	  "cannot cast type numeric to boolean" },
	{ "numeric", "text", "9223372036854775807.5", "9223372036854775807.5",
	  NULL, NULL },
	{ "numeric", "varchar(2)", "9223372036854775807.5", "92", NULL, NULL },
	{ "numeric", "char(3)", "9223372036854775807.5", "922", NULL, NULL },
	{ "numeric", "date", "9223372036854775807.5", NULL, "42846",
	  "cannot cast type numeric to date" },
	{ "numeric", "timestamp", "9223372036854775807.5", NULL, "42846",
	  "cannot cast type numeric to timestamp without time zone" },
	{ "numeric", "bytea", "9223372036854775807.5", NULL, "42846",
	  "cannot cast type numeric to bytea" },
	{ "numeric", "int2", "123.456", "123", NULL, NULL },
	{ "numeric", "int4", "123.456", "123", NULL, NULL },
	{ "numeric", "int8", "123.456", "123", NULL, NULL },
	{ "numeric", "float4", "123.456", "123.456", NULL, NULL },
	{ "numeric", "float8", "123.456", "123.456", NULL, NULL },
	{ "numeric", "numeric", "123.456", "123.456", NULL, NULL },
	{ "numeric", "numeric(5,2)", "123.456", "123.46", NULL, NULL },
	{ "numeric", "bool", "123.456", NULL, "42846",
	  "cannot cast type numeric to boolean" },
	{ "numeric", "text", "123.456", "123.456", NULL, NULL },
	{ "numeric", "varchar(2)", "123.456", "12", NULL, NULL },
	{ "numeric", "char(3)", "123.456", "123", NULL, NULL },
	{ "numeric", "date", "123.456", NULL, "42846",
	  "cannot cast type numeric to date" },
	{ "numeric", "timestamp", "123.456", NULL, "42846",
	  "cannot cast type numeric to timestamp without time zone" },
	{ "numeric", "bytea", "123.456", NULL, "42846",
	  "cannot cast type numeric to bytea" },
	{ "numeric", "int2", "1.005", "1", NULL, NULL },
	{ "numeric", "int4", "1.005", "1", NULL, NULL },
	{ "numeric", "int8", "1.005", "1", NULL, NULL },
	{ "numeric", "float4", "1.005", "1.005", NULL, NULL },
	{ "numeric", "float8", "1.005", "1.005", NULL, NULL },
	{ "numeric", "numeric", "1.005", "1.005", NULL, NULL },
	{ "numeric", "numeric(5,2)", "1.005", "1.01", NULL, NULL },
	{ "numeric", "bool", "1.005", NULL, "42846",
	  "cannot cast type numeric to boolean" },
	{ "numeric", "text", "1.005", "1.005", NULL, NULL },
	{ "numeric", "varchar(2)", "1.005", "1.", NULL, NULL },
	{ "numeric", "char(3)", "1.005", "1.0", NULL, NULL },
	{ "numeric", "date", "1.005", NULL, "42846",
	  "cannot cast type numeric to date" },
	{ "numeric", "timestamp", "1.005", NULL, "42846",
	  "cannot cast type numeric to timestamp without time zone" },
	{ "numeric", "bytea", "1.005", NULL, "42846",
	  "cannot cast type numeric to bytea" },
	{ "bool", "int4", "true", "1", NULL, NULL },
	{ "bool", "float4", "true", NULL, "42846",
	  "cannot cast type boolean to real" },
	{ "bool", "float8", "true", NULL, "42846",
	  "cannot cast type boolean to double precision" },
	{ "bool", "numeric", "true", NULL, "42846",
	  "cannot cast type boolean to numeric" },
	{ "bool", "numeric(5,2)", "true", NULL, "42846",
	  "cannot cast type boolean to numeric" },
	{ "bool", "bool", "true", "t", NULL, NULL },
	{ "bool", "text", "true", "true", NULL, NULL },
	{ "bool", "varchar(2)", "true", "tr", NULL, NULL },
	{ "bool", "char(3)", "true", "tru", NULL, NULL },
	{ "bool", "date", "true", NULL, "42846",
	  "cannot cast type boolean to date" },
	{ "bool", "timestamp", "true", NULL, "42846",
	  "cannot cast type boolean to timestamp without time zone" },
	{ "bool", "bytea", "true", NULL, "42846",
	  "cannot cast type boolean to bytea" },
	{ "text", "int2", " 12 ", "12", NULL, NULL },
	{ "text", "int4", " 12 ", "12", NULL, NULL },
	{ "text", "int8", " 12 ", "12", NULL, NULL },
	{ "text", "float4", " 12 ", "12", NULL, NULL },
	{ "text", "float8", " 12 ", "12", NULL, NULL },
	{ "text", "numeric", " 12 ", "12", NULL, NULL },
	{ "text", "numeric(5,2)", " 12 ", "12.00", NULL, NULL },
	{ "text", "bool", " 12 ", NULL, "22P02",
	  "invalid input syntax for type boolean: \" 12 \"" },
	{ "text", "text", " 12 ", " 12 ", NULL, NULL },
	{ "text", "varchar(2)", " 12 ", " 1", NULL, NULL },
	{ "text", "char(3)", " 12 ", " 12", NULL, NULL },
	{ "text", "date", " 12 ", NULL, "22007",
	  "invalid input syntax for type date: \" 12 \"" },
	{ "text", "timestamp", " 12 ", NULL, "22007",
	  "invalid input syntax for type timestamp: \" 12 \"" },
	{ "text", "bytea", " 12 ", "\\x20313220", NULL, NULL },
	{ "text", "int2", "abc", NULL, "22P02",
	  "invalid input syntax for type smallint: \"abc\"" },
	{ "text", "int4", "abc", NULL, "22P02",
	  "invalid input syntax for type integer: \"abc\"" },
	{ "text", "int8", "abc", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "text", "float4", "abc", NULL, "22P02",
	  "invalid input syntax for type real: \"abc\"" },
	{ "text", "float8", "abc", NULL, "22P02",
	  "invalid input syntax for type double precision: \"abc\"" },
	{ "text", "numeric", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "text", "numeric(5,2)", "abc", NULL, "22P02",
	  "invalid input syntax for type numeric: \"abc\"" },
	{ "text", "bool", "abc", NULL, "22P02",
	  "invalid input syntax for type boolean: \"abc\"" },
	{ "text", "text", "abc", "abc", NULL, NULL },
	{ "text", "varchar(2)", "abc", "ab", NULL, NULL },
	{ "text", "char(3)", "abc", "abc", NULL, NULL },
	{ "text", "date", "abc", NULL, "22007",
	  "invalid input syntax for type date: \"abc\"" },
	{ "text", "timestamp", "abc", NULL, "22007",
	  "invalid input syntax for type timestamp: \"abc\"" },
	{ "text", "bytea", "abc", "\\x616263", NULL, NULL },
	{ "text", "int2", "true", NULL, "22P02",
	  "invalid input syntax for type smallint: \"true\"" },
	{ "text", "int4", "true", NULL, "22P02",
	  "invalid input syntax for type integer: \"true\"" },
	{ "text", "int8", "true", NULL, "22P02",
	  "invalid input syntax for type bigint: \"true\"" },
	{ "text", "float4", "true", NULL, "22P02",
	  "invalid input syntax for type real: \"true\"" },
	{ "text", "float8", "true", NULL, "22P02",
	  "invalid input syntax for type double precision: \"true\"" },
	{ "text", "numeric", "true", NULL, "22P02",
	  "invalid input syntax for type numeric: \"true\"" },
	{ "text", "numeric(5,2)", "true", NULL, "22P02",
	  "invalid input syntax for type numeric: \"true\"" },
	{ "text", "bool", "true", "t", NULL, NULL },
	{ "text", "text", "true", "true", NULL, NULL },
	{ "text", "varchar(2)", "true", "tr", NULL, NULL },
	{ "text", "char(3)", "true", "tru", NULL, NULL },
	{ "text", "date", "true", NULL, "22007",
	  "invalid input syntax for type date: \"true\"" },
	{ "text", "timestamp", "true", NULL, "22007",
	  "invalid input syntax for type timestamp: \"true\"" },
	{ "text", "bytea", "true", "\\x74727565", NULL, NULL },
	{ "text", "int2", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type smallint: \"2024-01-02\"" },
	{ "text", "int4", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type integer: \"2024-01-02\"" },
	{ "text", "int8", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type bigint: \"2024-01-02\"" },
	{ "text", "float4", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type real: \"2024-01-02\"" },
	{ "text", "float8", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type double precision: \"2024-01-02\"" },
	{ "text", "numeric", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type numeric: \"2024-01-02\"" },
	{ "text", "numeric(5,2)", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type numeric: \"2024-01-02\"" },
	{ "text", "bool", "2024-01-02", NULL, "22P02",
	  "invalid input syntax for type boolean: \"2024-01-02\"" },
	{ "text", "text", "2024-01-02", "2024-01-02", NULL, NULL },
	{ "text", "varchar(2)", "2024-01-02", "20", NULL, NULL },
	{ "text", "char(3)", "2024-01-02", "202", NULL, NULL },
	{ "text", "date", "2024-01-02", "2024-01-02", NULL, NULL },
	{ "text", "timestamp", "2024-01-02", "2024-01-02 00:00:00", NULL,
	  NULL },
	{ "text", "bytea", "2024-01-02", "\\x323032342d30312d3032", NULL,
	  NULL },
	{ "text", "int2", "1.5", NULL, "22P02",
	  "invalid input syntax for type smallint: \"1.5\"" },
	{ "text", "int4", "1.5", NULL, "22P02",
	  "invalid input syntax for type integer: \"1.5\"" },
	{ "text", "int8", "1.5", NULL, "22P02",
	  "invalid input syntax for type bigint: \"1.5\"" },
	{ "text", "float4", "1.5", "1.5", NULL, NULL },
	{ "text", "float8", "1.5", "1.5", NULL, NULL },
	{ "text", "numeric", "1.5", "1.5", NULL, NULL },
	{ "text", "numeric(5,2)", "1.5", "1.50", NULL, NULL },
	{ "text", "bool", "1.5", NULL, "22P02",
	  "invalid input syntax for type boolean: \"1.5\"" },
	{ "text", "text", "1.5", "1.5", NULL, NULL },
	{ "text", "varchar(2)", "1.5", "1.", NULL, NULL },
	{ "text", "char(3)", "1.5", "1.5", NULL, NULL },
	{ "text", "date", "1.5", NULL, "22007",
	  "invalid input syntax for type date: \"1.5\"" },
	{ "text", "timestamp", "1.5", NULL, "22007",
	  "invalid input syntax for type timestamp: \"1.5\"" },
	{ "text", "bytea", "1.5", "\\x312e35", NULL, NULL },
	{ "text", "int2", "ab  ", NULL, "22P02",
	  "invalid input syntax for type smallint: \"ab  \"" },
	{ "text", "int4", "ab  ", NULL, "22P02",
	  "invalid input syntax for type integer: \"ab  \"" },
	{ "text", "int8", "ab  ", NULL, "22P02",
	  "invalid input syntax for type bigint: \"ab  \"" },
	{ "text", "float4", "ab  ", NULL, "22P02",
	  "invalid input syntax for type real: \"ab  \"" },
	{ "text", "float8", "ab  ", NULL, "22P02",
	  "invalid input syntax for type double precision: \"ab  \"" },
	{ "text", "numeric", "ab  ", NULL, "22P02",
	  "invalid input syntax for type numeric: \"ab  \"" },
	{ "text", "numeric(5,2)", "ab  ", NULL, "22P02",
	  "invalid input syntax for type numeric: \"ab  \"" },
	{ "text", "bool", "ab  ", NULL, "22P02",
	  "invalid input syntax for type boolean: \"ab  \"" },
	{ "text", "text", "ab  ", "ab  ", NULL, NULL },
	{ "text", "varchar(2)", "ab  ", "ab", NULL, NULL },
	{ "text", "char(3)", "ab  ", "ab ", NULL, NULL },
	{ "text", "date", "ab  ", NULL, "22007",
	  "invalid input syntax for type date: \"ab  \"" },
	{ "text", "timestamp", "ab  ", NULL, "22007",
	  "invalid input syntax for type timestamp: \"ab  \"" },
	{ "text", "bytea", "ab  ", "\\x61622020", NULL, NULL },
	{ "char(4)", "int2", "ab", NULL, "22P02",
	  "invalid input syntax for type smallint: \"ab  \"" },
	{ "char(4)", "int4", "ab", NULL, "22P02",
	  "invalid input syntax for type integer: \"ab  \"" },
	{ "char(4)", "int8", "ab", NULL, "22P02",
	  "invalid input syntax for type bigint: \"ab  \"" },
	{ "char(4)", "float4", "ab", NULL, "22P02",
	  "invalid input syntax for type real: \"ab  \"" },
	{ "char(4)", "float8", "ab", NULL, "22P02",
	  "invalid input syntax for type double precision: \"ab  \"" },
	{ "char(4)", "numeric", "ab", NULL, "22P02",
	  "invalid input syntax for type numeric: \"ab  \"" },
	{ "char(4)", "numeric(5,2)", "ab", NULL, "22P02",
	  "invalid input syntax for type numeric: \"ab  \"" },
	{ "char(4)", "bool", "ab", NULL, "22P02",
	  "invalid input syntax for type boolean: \"ab  \"" },
	{ "char(4)", "text", "ab", "ab", NULL, NULL },
	{ "char(4)", "varchar(2)", "ab", "ab", NULL, NULL },
	{ "char(4)", "char(3)", "ab", "ab ", NULL, NULL },
	{ "char(4)", "date", "ab", NULL, "22007",
	  "invalid input syntax for type date: \"ab  \"" },
	{ "char(4)", "timestamp", "ab", NULL, "22007",
	  "invalid input syntax for type timestamp: \"ab  \"" },
	{ "char(4)", "bytea", "ab", "\\x61622020", NULL, NULL },
	{ "varchar(5)", "int2", "ab ", NULL, "22P02",
	  "invalid input syntax for type smallint: \"ab \"" },
	{ "varchar(5)", "int4", "ab ", NULL, "22P02",
	  "invalid input syntax for type integer: \"ab \"" },
	{ "varchar(5)", "int8", "ab ", NULL, "22P02",
	  "invalid input syntax for type bigint: \"ab \"" },
	{ "varchar(5)", "float4", "ab ", NULL, "22P02",
	  "invalid input syntax for type real: \"ab \"" },
	{ "varchar(5)", "float8", "ab ", NULL, "22P02",
	  "invalid input syntax for type double precision: \"ab \"" },
	{ "varchar(5)", "numeric", "ab ", NULL, "22P02",
	  "invalid input syntax for type numeric: \"ab \"" },
	{ "varchar(5)", "numeric(5,2)", "ab ", NULL, "22P02",
	  "invalid input syntax for type numeric: \"ab \"" },
	{ "varchar(5)", "bool", "ab ", NULL, "22P02",
	  "invalid input syntax for type boolean: \"ab \"" },
	{ "varchar(5)", "text", "ab ", "ab ", NULL, NULL },
	{ "varchar(5)", "varchar(2)", "ab ", "ab", NULL, NULL },
	{ "varchar(5)", "char(3)", "ab ", "ab ", NULL, NULL },
	{ "varchar(5)", "date", "ab ", NULL, "22007",
	  "invalid input syntax for type date: \"ab \"" },
	{ "varchar(5)", "timestamp", "ab ", NULL, "22007",
	  "invalid input syntax for type timestamp: \"ab \"" },
	{ "varchar(5)", "bytea", "ab ", "\\x616220", NULL, NULL },
	{ "date", "int2", "1969-12-31", NULL, "42846",
	  "cannot cast type date to smallint" },
	{ "date", "int4", "1969-12-31", NULL, "42846",
	  "cannot cast type date to integer" },
	{ "date", "int8", "1969-12-31", NULL, "42846",
	  "cannot cast type date to bigint" },
	{ "date", "float4", "1969-12-31", NULL, "42846",
	  "cannot cast type date to real" },
	{ "date", "float8", "1969-12-31", NULL, "42846",
	  "cannot cast type date to double precision" },
	{ "date", "numeric", "1969-12-31", NULL, "42846",
	  "cannot cast type date to numeric" },
	{ "date", "numeric(5,2)", "1969-12-31", NULL, "42846",
	  "cannot cast type date to numeric" },
	{ "date", "bool", "1969-12-31", NULL, "42846",
	  "cannot cast type date to boolean" },
	{ "date", "text", "1969-12-31", "1969-12-31", NULL, NULL },
	{ "date", "varchar(2)", "1969-12-31", "19", NULL, NULL },
	{ "date", "char(3)", "1969-12-31", "196", NULL, NULL },
	{ "date", "date", "1969-12-31", "1969-12-31", NULL, NULL },
	{ "date", "timestamp", "1969-12-31", "1969-12-31 00:00:00", NULL,
	  NULL },
	{ "date", "bytea", "1969-12-31", NULL, "42846",
	  "cannot cast type date to bytea" },
	{ "timestamp", "int2", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to smallint" },
	{ "timestamp", "int4", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to integer" },
	{ "timestamp", "int8", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to bigint" },
	{ "timestamp", "float4", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to real" },
	{ "timestamp", "float8", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to double precision" },
	{ "timestamp", "numeric", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to numeric" },
	{ "timestamp", "numeric(5,2)", "1969-12-31 23:59:59.999999", NULL,
	  "42846", "cannot cast type timestamp without time zone to numeric" },
	{ "timestamp", "bool", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to boolean" },
	{ "timestamp", "text", "1969-12-31 23:59:59.999999",
	  "1969-12-31 23:59:59.999999", NULL, NULL },
	{ "timestamp", "varchar(2)", "1969-12-31 23:59:59.999999", "19", NULL,
	  NULL },
	{ "timestamp", "char(3)", "1969-12-31 23:59:59.999999", "196", NULL,
	  NULL },
	{ "timestamp", "date", "1969-12-31 23:59:59.999999", "1969-12-31",
	  NULL, NULL },
	{ "timestamp", "timestamp", "1969-12-31 23:59:59.999999",
	  "1969-12-31 23:59:59.999999", NULL, NULL },
	{ "timestamp", "bytea", "1969-12-31 23:59:59.999999", NULL, "42846",
	  "cannot cast type timestamp without time zone to bytea" },
	{ "bytea", "int2", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to smallint" },
	{ "bytea", "int4", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to integer" },
	{ "bytea", "int8", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to bigint" },
	{ "bytea", "float4", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to real" },
	{ "bytea", "float8", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to double precision" },
	{ "bytea", "numeric", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to numeric" },
	{ "bytea", "numeric(5,2)", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to numeric" },
	{ "bytea", "bool", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to boolean" },
	{ "bytea", "text", "\\x00ff", "\\x00ff", NULL, NULL },
	{ "bytea", "varchar(2)", "\\x00ff", "\\x", NULL, NULL },
	{ "bytea", "char(3)", "\\x00ff", "\\x0", NULL, NULL },
	{ "bytea", "date", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to date" },
	{ "bytea", "timestamp", "\\x00ff", NULL, "42846",
	  "cannot cast type bytea to timestamp without time zone" },
	{ "bytea", "bytea", "\\x00ff", "\\x00ff", NULL, NULL },
};

static void test_casts(void **state)
{
	struct sql_type f, t;
	struct sql_datum d, r;
	const char *got = NULL;
	struct sqlerr e;
	char what[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cast_cases) / sizeof(cast_cases[0]); i++) {
		f = T(cast_cases[i].from);
		t = T(cast_cases[i].to);
		d = V(cast_cases[i].from, cast_cases[i].in);
		rc = sqlval_cast(&d, &f, &t, ar, &r, &e);
		if (rc == 0)
			got = show(&r, &t);
		snprintf(what, sizeof(what), "'%s'::%s::%s", cast_cases[i].in,
			 cast_cases[i].from, cast_cases[i].to);
		check(what, rc, got, &e, cast_cases[i].out,
		      cast_cases[i].state, cast_cases[i].msg);
		/* The plan-time check agrees with the run-time cast. */
		if (rc != 0 && strcmp(e.sqlstate, "42846") == 0)
			assert_false(sqlval_can_cast(&f, &t));
		else
			assert_true(sqlval_can_cast(&f, &t));
	}
}

/* Assignment (INSERT/UPDATE) vs explicit casts; what we do beyond PG. */
static void test_assign(void **state)
{
	struct sql_type u = sqlval_type(SQL_TYPE_UNKNOWN), t, f;
	struct sql_datum d, r;
	struct sqlerr e;

	/* PostgreSQL: insert into t(a varchar(3)) values ('abcd') */
	t = T("varchar(3)");
	d = sqlval_text("abcd", 4);
	assert_int_equal(sqlval_assign(&d, &u, &t, ar, &r, &e), -1);
	assert_err(&e, "22001", "value too long for type character "
		   "varying(3)");
	/* ...but trailing spaces are cut silently, */
	d = sqlval_text("abc  ", 5);
	assert_int_equal(sqlval_assign(&d, &u, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "abc");
	/* and an explicit cast truncates. */
	d = sqlval_text("abcd", 4);
	assert_int_equal(sqlval_cast(&d, &u, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "abc");
	t = T("char(3)");
	assert_int_equal(sqlval_assign(&d, &u, &t, ar, &r, &e), -1);
	assert_err(&e, "22001", "value too long for type character(3)");
	d = sqlval_text("ab  ", 4);
	assert_int_equal(sqlval_assign(&d, &u, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "ab ");
	d = sqlval_text("\xc3\xa9", 2);		/* counts characters */
	assert_int_equal(sqlval_assign(&d, &u, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "\xc3\xa9  ");
	/* insert into t(c int2) values (40000) */
	t = T("int2");
	f = T("int8");
	d = sqlval_int(40000);
	assert_int_equal(sqlval_assign(&d, &f, &t, ar, &r, &e), -1);
	assert_err(&e, "22003", "smallint out of range");
	/* insert into t(d numeric(5,2)) values (1234.567) */
	t = T("numeric(5,2)");
	d = V("numeric", "1234.567");
	f = T("numeric");
	assert_int_equal(sqlval_assign(&d, &f, &t, ar, &r, &e), -1);
	assert_err(&e, "22003", "numeric field overflow");
	/* insert into t(e int) values (2.5), (3.5::float8) -> 3, 4 */
	t = T("int4");
	d = V("numeric", "2.5");
	assert_int_equal(sqlval_assign(&d, &f, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "3");
	f = T("float8");
	d = sqlval_float(3.5);
	assert_int_equal(sqlval_assign(&d, &f, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "4");
	/* insert into t(f text) values (12), (1.5), (true) */
	t = T("text");
	d = sqlval_bool(true);
	f = T("bool");
	assert_int_equal(sqlval_assign(&d, &f, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "true");
	/* Ours: integers of every width cast to and from bool. */
	t = T("bool");
	f = T("int8");
	d = sqlval_int(-3);
	assert_int_equal(sqlval_cast(&d, &f, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "t");
	assert_true(sqlval_can_cast(&f, &t));
	d = sqlval_bool(true);
	assert_int_equal(sqlval_cast(&d, &t, &f, ar, &r, &e), 0);
	assert_string_equal(show(&r, &f), "1");
	/* Ours: float -> numeric beyond 38 digits. */
	t = T("numeric");
	f = T("float8");
	d = sqlval_float(1e40);
	assert_int_equal(sqlval_cast(&d, &f, &t, ar, &r, &e), -1);
	assert_err(&e, "22003", "at most 38 digits");
	d = sqlval_float(NAN);
	assert_int_equal(sqlval_cast(&d, &f, &t, ar, &r, &e), -1);
	assert_err(&e, "0A000", "cannot convert NaN to numeric");
	/* float4 -> numeric uses 6 digits, float8 15 */
	f = T("float4");
	d = V("float4", "123456.79");
	assert_int_equal(sqlval_cast(&d, &f, &t, ar, &r, &e), 0);
	assert_string_equal(show(&r, &t), "123457");
	/* NULL casts to NULL whatever the types. */
	d = sqlval_null();
	f = T("bool");
	t = T("date");
	assert_int_equal(sqlval_cast(&d, &f, &t, ar, &r, &e), 0);
	assert_int_equal(r.kind, SQL_DATUM_NULL);
}

static void test_coercion(void **state)
{
	static const struct {
		const char *from, *to;
		bool cast, assign, coerce;
	} cases[] = {
		/* PostgreSQL's pg_cast contexts (e/a/i), our widths aside */
		{ "int4", "int8", true, true, true },
		{ "int8", "int2", true, true, false },
		{ "int8", "float8", true, true, true },
		{ "float8", "int4", true, true, false },
		{ "numeric", "float4", true, true, true },
		{ "float8", "numeric", true, true, false },
		{ "int8", "numeric", true, true, true },
		{ "float4", "float8", true, true, true },
		{ "int8", "text", true, true, false },
		{ "bool", "text", true, true, false },
		{ "text", "int8", true, false, false },
		{ "text", "varchar(3)", true, true, true },
		{ "char(3)", "text", true, true, true },
		{ "unknown", "date", true, true, true },
		{ "null", "bytea", true, true, true },
		{ "bool", "int4", true, false, false },
		{ "int4", "bool", true, false, false },
		{ "bool", "date", false, false, false },
		{ "int8", "date", false, false, false },
		{ "date", "timestamp", true, true, true },
		{ "timestamp", "date", true, true, false },
		{ "bytea", "text", true, true, false },
		{ "text", "bytea", true, false, false },
		{ "bytea", "int8", false, false, false },
		{ "float8", "bool", false, false, false },
	};
	struct sql_type f, t;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = T(cases[i].from);
		t = T(cases[i].to);
		if (sqlval_can_cast(&f, &t) != cases[i].cast ||
		    sqlval_can_assign(&f, &t) != cases[i].assign ||
		    sqlval_can_coerce(&f, &t) != cases[i].coerce)
			fail_msg("%s -> %s: cast %d assign %d coerce %d",
				 cases[i].from, cases[i].to,
				 sqlval_can_cast(&f, &t),
				 sqlval_can_assign(&f, &t),
				 sqlval_can_coerce(&f, &t));
	}
	/* PostgreSQL's messages. */
	f = T("bool");
	t = T("int4");
	assert_int_equal(sqlval_assign_check(&f, &t, "e", 27, &e), -1);
	assert_string_equal(e.sqlstate, "42804");
	assert_string_equal(e.msg, "column \"e\" is of type integer but "
			    "expression is of type boolean");
	assert_int_equal(e.position, 27);
	f = T("text");
	assert_int_equal(sqlval_assign_check(&f, &t, NULL, 0, &e), -1);
	assert_string_equal(e.msg, "target is of type integer but expression "
			    "is of type text");
	f = T("bool");
	t = T("date");
	assert_int_equal(sqlval_cast_check(&f, &t, 8, &e), -1);
	assert_string_equal(e.sqlstate, "42846");
	assert_string_equal(e.msg, "cannot cast type boolean to date");
	assert_int_equal(e.position, 8);
	t = T("varchar(3)");
	assert_int_equal(sqlval_cast_check(&f, &t, 0, &e), 0);
	assert_int_equal(sqlval_assign_check(&f, &t, "a", 0, &e), 0);
}

static void test_common_type(void **state)
{
	static const struct {
		const char *a, *b, *c, *want;	/* want NULL: 42804 */
	} cases[] = {
		{ "int4", "int8", NULL, "int8" },
		{ "int4", "numeric(5,2)", NULL, "numeric" },
		{ "int8", "float4", NULL, "float4" },
		{ "numeric", "float8", "int2", "float8" },
		{ "numeric(5,2)", "numeric(5,2)", NULL, "numeric(5,2)" },
		{ "unknown", "unknown", NULL, "text" },
		{ "null", "int4", "unknown", "int4" },
		{ "varchar(3)", "varchar(5)", NULL, "varchar" },
		{ "varchar(3)", "text", NULL, "text" },
		{ "char(3)", "char(3)", NULL, "char(3)" },
		{ "char(3)", "char(4)", NULL, "char" },
		{ "char(3)", "varchar(3)", NULL, "text" },
		{ "date", "timestamp", "null", "timestamp" },
		{ "bool", "bool", NULL, "bool" },
		{ "int4", "text", NULL, NULL },
		{ "bool", "int4", NULL, NULL },
		{ "bytea", "bool", NULL, NULL },
		{ "date", "int8", NULL, NULL },
	};
	struct sql_type ts[3], out;
	char buf[SQLVAL_TYPE_NAME_MAX];
	struct sqlerr e;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ts[0] = T(cases[i].a);
		ts[1] = T(cases[i].b);
		n = 2;
		if (cases[i].c != NULL)
			ts[n++] = T(cases[i].c);
		if (cases[i].want == NULL) {
			assert_int_equal(sqlval_common_type("CASE", ts, n,
							    &out, 3, &e), -1);
			assert_string_equal(e.sqlstate, "42804");
			assert_int_equal(e.position, 3);
			continue;
		}
		assert_int_equal(sqlval_common_type("CASE", ts, n, &out, 0,
						    &e), 0);
		ts[2] = T(cases[i].want);
		if (!sqlval_type_equal(&out, &ts[2]))
			fail_msg("%s, %s: got %s, want %s", cases[i].a,
				 cases[i].b, sqlval_type_name(&out, buf,
							      sizeof(buf)),
				 cases[i].want);
	}
	/* PostgreSQL: select case when true then 1 else 'a'::text end */
	ts[0] = T("int4");
	ts[1] = T("text");
	sqlval_common_type("CASE", ts, 2, &out, 0, &e);
	assert_string_equal(e.msg, "CASE types integer and text cannot be "
			    "matched");
	assert_int_equal(sqlval_common_type("UNION", ts, 0, &out, 0, &e), 0);
	assert_int_equal(out.kind, SQL_TYPE_TEXT);
}

/* ---- operators ---------------------------------------------------------- */

static const struct {
	const char *lt, *lv, *op, *rt, *rv, *out, *state, *msg;
} op_cases[] = {
	{ "int8", "7", "+", "int8", "7", "14", NULL, NULL },
	{ "int8", "7", "+", "int8", "-7", "0", NULL, NULL },
	{ "int8", "7", "+", "int8", "0", "7", NULL, NULL },
	{ "int8", "7", "+", "int8", "9223372036854775807", NULL, "22003",
	  "bigint out of range" },
	{ "int8", "7", "+", "int8", "-9223372036854775808",
	  "-9223372036854775801", NULL, NULL },
	{ "int8", "-7", "+", "int8", "7", "0", NULL, NULL },
	{ "int8", "7", "-", "int8", "7", "0", NULL, NULL },
	{ "int8", "7", "-", "int8", "-7", "14", NULL, NULL },
	{ "int8", "7", "-", "int8", "0", "7", NULL, NULL },
	{ "int8", "7", "-", "int8", "9223372036854775807",
	  "-9223372036854775800", NULL, NULL },
	{ "int8", "7", "-", "int8", "-9223372036854775808", NULL, "22003",
	  "bigint out of range" },
	{ "int8", "-7", "-", "int8", "7", "-14", NULL, NULL },
	{ "int8", "7", "*", "int8", "7", "49", NULL, NULL },
	{ "int8", "7", "*", "int8", "-7", "-49", NULL, NULL },
	{ "int8", "7", "*", "int8", "0", "0", NULL, NULL },
	{ "int8", "7", "*", "int8", "9223372036854775807", NULL, "22003",
	  "bigint out of range" },
	{ "int8", "7", "*", "int8", "-9223372036854775808", NULL, "22003",
	  "bigint out of range" },
	{ "int8", "-7", "*", "int8", "7", "-49", NULL, NULL },
	{ "int8", "7", "/", "int8", "7", "1", NULL, NULL },
	{ "int8", "7", "/", "int8", "-7", "-1", NULL, NULL },
	{ "int8", "7", "/", "int8", "0", NULL, "22012", "division by zero" },
	{ "int8", "7", "/", "int8", "9223372036854775807", "0", NULL, NULL },
	{ "int8", "7", "/", "int8", "-9223372036854775808", "0", NULL, NULL },
	{ "int8", "-7", "/", "int8", "7", "-1", NULL, NULL },
	{ "int8", "7", "%", "int8", "7", "0", NULL, NULL },
	{ "int8", "7", "%", "int8", "-7", "0", NULL, NULL },
	{ "int8", "7", "%", "int8", "0", NULL, "22012", "division by zero" },
	{ "int8", "7", "%", "int8", "9223372036854775807", "7", NULL, NULL },
	{ "int8", "7", "%", "int8", "-9223372036854775808", "7", NULL, NULL },
	{ "int8", "-7", "%", "int8", "7", "0", NULL, NULL },
	{ "int8", "7", "=", "int8", "7", "t", NULL, NULL },
	{ "int8", "7", "=", "int8", "-7", "f", NULL, NULL },
	{ "int8", "7", "=", "int8", "0", "f", NULL, NULL },
	{ "int8", "7", "=", "int8", "9223372036854775807", "f", NULL, NULL },
	{ "int8", "7", "=", "int8", "-9223372036854775808", "f", NULL, NULL },
	{ "int8", "-7", "=", "int8", "7", "f", NULL, NULL },
	{ "int8", "7", "<", "int8", "7", "f", NULL, NULL },
	{ "int8", "7", "<", "int8", "-7", "f", NULL, NULL },
	{ "int8", "7", "<", "int8", "0", "f", NULL, NULL },
	{ "int8", "7", "<", "int8", "9223372036854775807", "t", NULL, NULL },
	{ "int8", "7", "<", "int8", "-9223372036854775808", "f", NULL, NULL },
	{ "int8", "-7", "<", "int8", "7", "t", NULL, NULL },
	{ "int8", "7", "/", "int4", "2", "3", NULL, NULL },
	{ "int8", "7", "/", "int4", "-2", "-3", NULL, NULL },
	{ "int8", "-7", "/", "int4", "2", "-3", NULL, NULL },
	{ "int8", "-7", "/", "int4", "-2", "3", NULL, NULL },
	{ "int8", "0", "/", "int4", "2", "0", NULL, NULL },
	{ "int8", "0", "/", "int4", "-2", "0", NULL, NULL },
	{ "int8", "7", "%", "int4", "2", "1", NULL, NULL },
	{ "int8", "7", "%", "int4", "-2", "1", NULL, NULL },
	{ "int8", "-7", "%", "int4", "2", "-1", NULL, NULL },
	{ "int8", "-7", "%", "int4", "-2", "-1", NULL, NULL },
	{ "int8", "0", "%", "int4", "2", "0", NULL, NULL },
	{ "int8", "0", "%", "int4", "-2", "0", NULL, NULL },
	{ "int8", "7", "+", "numeric", "1.5", "8.5", NULL, NULL },
	{ "int8", "7", "+", "numeric", "-2.25", "4.75", NULL, NULL },
	{ "int8", "7", "+", "numeric", "0", "7", NULL, NULL },
	{ "int8", "7", "+", "numeric", "0.001", "7.001", NULL, NULL },
	{ "int8", "-7", "+", "numeric", "1.5", "-5.5", NULL, NULL },
	{ "int8", "-7", "+", "numeric", "-2.25", "-9.25", NULL, NULL },
	{ "int8", "7", "*", "numeric", "1.5", "10.5", NULL, NULL },
	{ "int8", "7", "*", "numeric", "-2.25", "-15.75", NULL, NULL },
	{ "int8", "7", "*", "numeric", "0", "0", NULL, NULL },
	{ "int8", "7", "*", "numeric", "0.001", "0.007", NULL, NULL },
	{ "int8", "-7", "*", "numeric", "1.5", "-10.5", NULL, NULL },
	{ "int8", "-7", "*", "numeric", "-2.25", "15.75", NULL, NULL },
	{ "int8", "7", "/", "numeric", "1.5", "4.6666666666666667", NULL,
	  NULL },
	{ "int8", "7", "/", "numeric", "-2.25", "-3.1111111111111111", NULL,
	  NULL },
	{ "int8", "7", "/", "numeric", "0", NULL, "22012",
	  "division by zero" },
	{ "int8", "7", "/", "numeric", "0.001", "7000.0000000000000000", NULL,
	  NULL },
	{ "int8", "-7", "/", "numeric", "1.5", "-4.6666666666666667", NULL,
	  NULL },
	{ "int8", "-7", "/", "numeric", "-2.25", "3.1111111111111111", NULL,
	  NULL },
	{ "int8", "7", "=", "numeric", "1.5", "f", NULL, NULL },
	{ "int8", "7", "=", "numeric", "-2.25", "f", NULL, NULL },
	{ "int8", "7", "=", "numeric", "0", "f", NULL, NULL },
	{ "int8", "7", "=", "numeric", "0.001", "f", NULL, NULL },
	{ "int8", "-7", "=", "numeric", "1.5", "f", NULL, NULL },
	{ "int8", "-7", "=", "numeric", "-2.25", "f", NULL, NULL },
	{ "int8", "7", "<", "numeric", "1.5", "f", NULL, NULL },
	{ "int8", "7", "<", "numeric", "-2.25", "f", NULL, NULL },
	{ "int8", "7", "<", "numeric", "0", "f", NULL, NULL },
	{ "int8", "7", "<", "numeric", "0.001", "f", NULL, NULL },
	{ "int8", "-7", "<", "numeric", "1.5", "t", NULL, NULL },
	{ "int8", "-7", "<", "numeric", "-2.25", "t", NULL, NULL },
	{ "numeric", "1.5", "+", "numeric", "1.5", "3.0", NULL, NULL },
	{ "numeric", "1.5", "+", "numeric", "-2.25", "-0.75", NULL, NULL },
	{ "numeric", "1.5", "+", "numeric", "0", "1.5", NULL, NULL },
	{ "numeric", "1.5", "+", "numeric", "0.001", "1.501", NULL, NULL },
	{ "numeric", "-2.25", "+", "numeric", "1.5", "-0.75", NULL, NULL },
	{ "numeric", "-2.25", "+", "numeric", "-2.25", "-4.50", NULL, NULL },
	{ "numeric", "1.5", "-", "numeric", "1.5", "0.0", NULL, NULL },
	{ "numeric", "1.5", "-", "numeric", "-2.25", "3.75", NULL, NULL },
	{ "numeric", "1.5", "-", "numeric", "0", "1.5", NULL, NULL },
	{ "numeric", "1.5", "-", "numeric", "0.001", "1.499", NULL, NULL },
	{ "numeric", "-2.25", "-", "numeric", "1.5", "-3.75", NULL, NULL },
	{ "numeric", "-2.25", "-", "numeric", "-2.25", "0.00", NULL, NULL },
	{ "numeric", "1.5", "*", "numeric", "1.5", "2.25", NULL, NULL },
	{ "numeric", "1.5", "*", "numeric", "-2.25", "-3.375", NULL, NULL },
	{ "numeric", "1.5", "*", "numeric", "0", "0.0", NULL, NULL },
	{ "numeric", "1.5", "*", "numeric", "0.001", "0.0015", NULL, NULL },
	{ "numeric", "-2.25", "*", "numeric", "1.5", "-3.375", NULL, NULL },
	{ "numeric", "-2.25", "*", "numeric", "-2.25", "5.0625", NULL, NULL },
	{ "numeric", "1.5", "/", "numeric", "1.5", "1.00000000000000000000",
	  NULL, NULL },
	{ "numeric", "1.5", "/", "numeric", "-2.25", "-0.66666666666666666667",
	  NULL, NULL },
	{ "numeric", "1.5", "/", "numeric", "0", NULL, "22012",
	  "division by zero" },
	{ "numeric", "1.5", "/", "numeric", "0.001", "1500.0000000000000000",
	  NULL, NULL },
	{ "numeric", "-2.25", "/", "numeric", "1.5", "-1.5000000000000000",
	  NULL, NULL },
	{ "numeric", "-2.25", "/", "numeric", "-2.25",
	  "1.00000000000000000000", NULL, NULL },
	{ "numeric", "1.5", "%", "numeric", "1.5", "0.0", NULL, NULL },
	{ "numeric", "1.5", "%", "numeric", "-2.25", "1.50", NULL, NULL },
	{ "numeric", "1.5", "%", "numeric", "0", NULL, "22012",
	  "division by zero" },
	{ "numeric", "1.5", "%", "numeric", "0.001", "0.000", NULL, NULL },
	{ "numeric", "-2.25", "%", "numeric", "1.5", "-0.75", NULL, NULL },
	{ "numeric", "-2.25", "%", "numeric", "-2.25", "0.00", NULL, NULL },
	{ "numeric", "1.5", "<>", "numeric", "1.5", "f", NULL, NULL },
	{ "numeric", "1.5", "<>", "numeric", "-2.25", "t", NULL, NULL },
	{ "numeric", "1.5", "<>", "numeric", "0", "t", NULL, NULL },
	{ "numeric", "1.5", "<>", "numeric", "0.001", "t", NULL, NULL },
	{ "numeric", "-2.25", "<>", "numeric", "1.5", "t", NULL, NULL },
	{ "numeric", "-2.25", "<>", "numeric", "-2.25", "f", NULL, NULL },
	{ "float8", "1.5", "+", "float8", "1.5", "3", NULL, NULL },
	{ "float8", "1.5", "+", "float8", "0", "1.5", NULL, NULL },
	{ "float8", "1.5", "+", "float8", "1e308", "1e+308", NULL, NULL },
	{ "float8", "1.5", "+", "float8", "NaN", "NaN", NULL, NULL },
	{ "float8", "1.5", "+", "float8", "-0", "1.5", NULL, NULL },
	{ "float8", "0", "+", "float8", "1.5", "1.5", NULL, NULL },
	{ "float8", "1.5", "-", "float8", "1.5", "0", NULL, NULL },
	{ "float8", "1.5", "-", "float8", "0", "1.5", NULL, NULL },
	{ "float8", "1.5", "-", "float8", "1e308", "-1e+308", NULL, NULL },
	{ "float8", "1.5", "-", "float8", "NaN", "NaN", NULL, NULL },
	{ "float8", "1.5", "-", "float8", "-0", "1.5", NULL, NULL },
	{ "float8", "0", "-", "float8", "1.5", "-1.5", NULL, NULL },
	{ "float8", "1.5", "*", "float8", "1.5", "2.25", NULL, NULL },
	{ "float8", "1.5", "*", "float8", "0", "0", NULL, NULL },
	{ "float8", "1.5", "*", "float8", "1e308", "1.5e+308", NULL, NULL },
	{ "float8", "1.5", "*", "float8", "NaN", "NaN", NULL, NULL },
	{ "float8", "1.5", "*", "float8", "-0", "-0", NULL, NULL },
	{ "float8", "0", "*", "float8", "1.5", "0", NULL, NULL },
	{ "float8", "1.5", "/", "float8", "1.5", "1", NULL, NULL },
	{ "float8", "1.5", "/", "float8", "0", NULL, "22012",
	  "division by zero" },
	{ "float8", "1.5", "/", "float8", "1e308", "1.5e-308", NULL, NULL },
	{ "float8", "1.5", "/", "float8", "NaN", "NaN", NULL, NULL },
	{ "float8", "1.5", "/", "float8", "-0", NULL, "22012",
	  "division by zero" },
	{ "float8", "0", "/", "float8", "1.5", "0", NULL, NULL },
	{ "float8", "1.5", "=", "float8", "1.5", "t", NULL, NULL },
	{ "float8", "1.5", "=", "float8", "0", "f", NULL, NULL },
	{ "float8", "1.5", "=", "float8", "1e308", "f", NULL, NULL },
	{ "float8", "1.5", "=", "float8", "NaN", "f", NULL, NULL },
	{ "float8", "1.5", "=", "float8", "-0", "f", NULL, NULL },
	{ "float8", "0", "=", "float8", "1.5", "f", NULL, NULL },
	{ "float8", "1.5", ">", "float8", "1.5", "f", NULL, NULL },
	{ "float8", "1.5", ">", "float8", "0", "t", NULL, NULL },
	{ "float8", "1.5", ">", "float8", "1e308", "f", NULL, NULL },
	{ "float8", "1.5", ">", "float8", "NaN", "f", NULL, NULL },
	{ "float8", "1.5", ">", "float8", "-0", "t", NULL, NULL },
	{ "float8", "0", ">", "float8", "1.5", "f", NULL, NULL },
	{ "int8", "7", "+", "float8", "1.5", "8.5", NULL, NULL },
	{ "int8", "7", "+", "float8", "0", "7", NULL, NULL },
	{ "int8", "7", "+", "float8", "1e308", "1e+308", NULL, NULL },
	{ "int8", "7", "+", "float8", "NaN", "NaN", NULL, NULL },
	{ "int8", "7", "+", "float8", "-0", "7", NULL, NULL },
	{ "int8", "-7", "+", "float8", "1.5", "-5.5", NULL, NULL },
	{ "int8", "7", "/", "float8", "1.5", "4.666666666666667", NULL, NULL },
	{ "int8", "7", "/", "float8", "0", NULL, "22012", "division by zero" },
	{ "int8", "7", "/", "float8", "1e308", "7e-308", NULL, NULL },
	{ "int8", "7", "/", "float8", "NaN", "NaN", NULL, NULL },
	{ "int8", "7", "/", "float8", "-0", NULL, "22012",
	  "division by zero" },
	{ "int8", "-7", "/", "float8", "1.5", "-4.666666666666667", NULL,
	  NULL },
	{ "int8", "7", "<", "float8", "1.5", "f", NULL, NULL },
	{ "int8", "7", "<", "float8", "0", "f", NULL, NULL },
	{ "int8", "7", "<", "float8", "1e308", "t", NULL, NULL },
	{ "int8", "7", "<", "float8", "NaN", "t", NULL, NULL },
	{ "int8", "7", "<", "float8", "-0", "f", NULL, NULL },
	{ "int8", "-7", "<", "float8", "1.5", "t", NULL, NULL },
	{ "float8", "1.5", "*", "numeric", "1.5", "2.25", NULL, NULL },
	{ "float8", "1.5", "*", "numeric", "-2.25", "-3.375", NULL, NULL },
	{ "float8", "1.5", "*", "numeric", "0", "0", NULL, NULL },
	{ "float8", "1.5", "*", "numeric", "0.001", "0.0015", NULL, NULL },
	{ "float8", "0", "*", "numeric", "1.5", "0", NULL, NULL },
	{ "float8", "0", "*", "numeric", "-2.25", "-0", NULL, NULL },
	{ "float8", "1.5", "=", "numeric", "1.5", "t", NULL, NULL },
	{ "float8", "1.5", "=", "numeric", "-2.25", "f", NULL, NULL },
	{ "float8", "1.5", "=", "numeric", "0", "f", NULL, NULL },
	{ "float8", "1.5", "=", "numeric", "0.001", "f", NULL, NULL },
	{ "float8", "0", "=", "numeric", "1.5", "f", NULL, NULL },
	{ "float8", "0", "=", "numeric", "-2.25", "f", NULL, NULL },
	{ "float4", "0.1", "+", "float4", "0.1", "0.2", NULL, NULL },
	{ "float4", "0.1", "+", "float4", "3e38", "3e+38", NULL, NULL },
	{ "float4", "3e38", "+", "float4", "0.1", "3e+38", NULL, NULL },
	{ "float4", "3e38", "+", "float4", "3e38", NULL, "22003",
	  "value out of range: overflow" },
	{ "float4", "0.1", "*", "float4", "0.1", "0.010000001", NULL, NULL },
	{ "float4", "0.1", "*", "float4", "3e38", "3e+37", NULL, NULL },
	{ "float4", "3e38", "*", "float4", "0.1", "3e+37", NULL, NULL },
	{ "float4", "3e38", "*", "float4", "3e38", NULL, "22003",
	  "value out of range: overflow" },
	{ "float4", "0.1", "+", "float8", "1.5", "1.6000000014901161", NULL,
	  NULL },
	{ "float4", "0.1", "+", "float8", "0", "0.10000000149011612", NULL,
	  NULL },
	{ "float4", "0.1", "+", "float8", "1e308", "1e+308", NULL, NULL },
	{ "float4", "0.1", "+", "float8", "NaN", "NaN", NULL, NULL },
	{ "float4", "0.1", "+", "float8", "-0", "0.10000000149011612", NULL,
	  NULL },
	{ "float4", "3e38", "+", "float8", "1.5", "3.0000000054977558e+38",
	  NULL, NULL },
	{ "float8", "1.5", "%", "int8", "7", NULL, "42883",
	  "operator does not exist: double precision % bigint" },
	{ "float8", "1.5", "%", "int8", "-7", NULL, "42883",
	  "operator does not exist: double precision % bigint" },
	{ "float8", "1.5", "%", "int8", "0", NULL, "42883",
	  "operator does not exist: double precision % bigint" },
	{ "float8", "1.5", "%", "int8", "9223372036854775807", NULL, "42883",
	  "operator does not exist: double precision % bigint" },
	{ "float8", "1.5", "%", "int8", "-9223372036854775808", NULL, "42883",
	  "operator does not exist: double precision % bigint" },
	{ "float8", "0", "%", "int8", "7", NULL, "42883",
	  "operator does not exist: double precision % bigint" },
	{ "text", "abc", "||", "text", "abc", "abcabc", NULL, NULL },
	{ "text", "abc", "||", "text", "ab ", "abcab ", NULL, NULL },
	{ "text", "ab ", "||", "text", "abc", "ab abc", NULL, NULL },
	{ "text", "ab ", "||", "text", "ab ", "ab ab ", NULL, NULL },
	{ "text", "abc", "=", "text", "abc", "t", NULL, NULL },
	{ "text", "abc", "=", "text", "ab ", "f", NULL, NULL },
	{ "text", "ab ", "=", "text", "abc", "f", NULL, NULL },
	{ "text", "ab ", "=", "text", "ab ", "t", NULL, NULL },
	{ "text", "abc", "<", "text", "abc", "f", NULL, NULL },
	{ "text", "abc", "<", "text", "ab ", "f", NULL, NULL },
	{ "text", "ab ", "<", "text", "abc", "t", NULL, NULL },
	{ "text", "ab ", "<", "text", "ab ", "f", NULL, NULL },
	{ "text", "abc", ">=", "text", "abc", "t", NULL, NULL },
	{ "text", "abc", ">=", "text", "ab ", "t", NULL, NULL },
	{ "text", "ab ", ">=", "text", "abc", "f", NULL, NULL },
	{ "text", "ab ", ">=", "text", "ab ", "t", NULL, NULL },
	{ "text", "abc", "||", "int8", "7", "abc7", NULL, NULL },
	{ "text", "abc", "||", "int8", "-7", "abc-7", NULL, NULL },
	{ "text", "abc", "||", "int8", "0", "abc0", NULL, NULL },
	{ "text", "abc", "||", "int8", "9223372036854775807",
	  "abc9223372036854775807", NULL, NULL },
	{ "text", "abc", "||", "int8", "-9223372036854775808",
	  "abc-9223372036854775808", NULL, NULL },
	{ "text", "ab ", "||", "int8", "7", "ab 7", NULL, NULL },
	{ "text", "abc", "=", "int8", "7", NULL, "42883",
	  "operator does not exist: text = bigint" },
	{ "text", "abc", "=", "int8", "-7", NULL, "42883",
	  "operator does not exist: text = bigint" },
	{ "text", "abc", "=", "int8", "0", NULL, "42883",
	  "operator does not exist: text = bigint" },
	{ "text", "abc", "=", "int8", "9223372036854775807", NULL, "42883",
	  "operator does not exist: text = bigint" },
	{ "text", "abc", "=", "int8", "-9223372036854775808", NULL, "42883",
	  "operator does not exist: text = bigint" },
	{ "text", "ab ", "=", "int8", "7", NULL, "42883",
	  "operator does not exist: text = bigint" },
	{ "text", "abc", "+", "int8", "7", NULL, "42883",
	  "operator does not exist: text + bigint" },
	{ "text", "abc", "+", "int8", "-7", NULL, "42883",
	  "operator does not exist: text + bigint" },
	{ "text", "abc", "+", "int8", "0", NULL, "42883",
	  "operator does not exist: text + bigint" },
	{ "text", "abc", "+", "int8", "9223372036854775807", NULL, "42883",
	  "operator does not exist: text + bigint" },
	{ "text", "abc", "+", "int8", "-9223372036854775808", NULL, "42883",
	  "operator does not exist: text + bigint" },
	{ "text", "ab ", "+", "int8", "7", NULL, "42883",
	  "operator does not exist: text + bigint" },
	{ "int8", "7", "||", "text", "abc", "7abc", NULL, NULL },
	{ "int8", "7", "||", "text", "ab ", "7ab ", NULL, NULL },
	{ "int8", "-7", "||", "text", "abc", "-7abc", NULL, NULL },
	{ "int8", "-7", "||", "text", "ab ", "-7ab ", NULL, NULL },
	{ "int8", "0", "||", "text", "abc", "0abc", NULL, NULL },
	{ "int8", "0", "||", "text", "ab ", "0ab ", NULL, NULL },
	{ "char(3)", "ab", "=", "char(3)", "ab", "t", NULL, NULL },
	{ "char(3)", "ab", "||", "char(3)", "ab", "abab", NULL, NULL },
	{ "char(3)", "ab", "=", "text", "abc", "f", NULL, NULL },
	{ "char(3)", "ab", "=", "text", "ab ", "f", NULL, NULL },
	{ "char(3)", "ab", "||", "text", "abc", "ababc", NULL, NULL },
	{ "char(3)", "ab", "||", "text", "ab ", "abab ", NULL, NULL },
	{ "varchar(5)", "ab ", "=", "char(3)", "ab", "t", NULL, NULL },
	{ "bool", "t", "=", "bool", "t", "t", NULL, NULL },
	{ "bool", "t", "=", "bool", "f", "f", NULL, NULL },
	{ "bool", "f", "=", "bool", "t", "f", NULL, NULL },
	{ "bool", "f", "=", "bool", "f", "t", NULL, NULL },
	{ "bool", "t", "<", "bool", "t", "f", NULL, NULL },
	{ "bool", "t", "<", "bool", "f", "f", NULL, NULL },
	{ "bool", "f", "<", "bool", "t", "t", NULL, NULL },
	{ "bool", "f", "<", "bool", "f", "f", NULL, NULL },
	{ "bool", "t", "+", "int8", "7", NULL, "42883",
	  "operator does not exist: boolean + bigint" },
	{ "bool", "t", "+", "int8", "-7", NULL, "42883",
	  "operator does not exist: boolean + bigint" },
	{ "bool", "t", "+", "int8", "0", NULL, "42883",
	  "operator does not exist: boolean + bigint" },
	{ "bool", "t", "+", "int8", "9223372036854775807", NULL, "42883",
	  "operator does not exist: boolean + bigint" },
	{ "bool", "t", "+", "int8", "-9223372036854775808", NULL, "42883",
	  "operator does not exist: boolean + bigint" },
	{ "bool", "f", "+", "int8", "7", NULL, "42883",
	  "operator does not exist: boolean + bigint" },
	{ "bool", "t", "=", "int8", "7", NULL, "42883",
	  "operator does not exist: boolean = bigint" },
	{ "bool", "t", "=", "int8", "-7", NULL, "42883",
	  "operator does not exist: boolean = bigint" },
	{ "bool", "t", "=", "int8", "0", NULL, "42883",
	  "operator does not exist: boolean = bigint" },
	{ "bool", "t", "=", "int8", "9223372036854775807", NULL, "42883",
	  "operator does not exist: boolean = bigint" },
	{ "bool", "t", "=", "int8", "-9223372036854775808", NULL, "42883",
	  "operator does not exist: boolean = bigint" },
	{ "bool", "f", "=", "int8", "7", NULL, "42883",
	  "operator does not exist: boolean = bigint" },
	{ "date", "2024-03-01", "-", "date", "2024-03-01", "0", NULL, NULL },
	{ "date", "2024-03-01", "=", "date", "2024-03-01", "t", NULL, NULL },
	{ "date", "2024-03-01", "+", "int4", "2", "2024-03-03", NULL, NULL },
	{ "date", "2024-03-01", "+", "int4", "-2", "2024-02-28", NULL, NULL },
	{ "date", "2024-03-01", "-", "int4", "2", "2024-02-28", NULL, NULL },
	{ "date", "2024-03-01", "-", "int4", "-2", "2024-03-03", NULL, NULL },
	{ "int4", "2", "+", "date", "2024-03-01", "2024-03-03", NULL, NULL },
	{ "int4", "-2", "+", "date", "2024-03-01", "2024-02-28", NULL, NULL },
	{ "date", "2024-03-01", "=", "timestamp", "2024-01-02 03:04:05", "f",
	  NULL, NULL },
	{ "date", "2024-03-01", "<", "timestamp", "2024-01-02 03:04:05", "f",
	  NULL, NULL },
	{ "timestamp", "2024-01-02 03:04:05", "=", "timestamp",
	  "2024-01-02 03:04:05", "t", NULL, NULL },
	{ "bytea", "\\x00ff", "||", "bytea", "\\x00ff", "\\x00ff00ff", NULL,
	  NULL },
	{ "bytea", "\\x00ff", "=", "bytea", "\\x00ff", "t", NULL, NULL },
	{ "bytea", "\\x00ff", "<", "bytea", "\\x00ff", "f", NULL, NULL },
	{ "unknown", "2", "+", "int8", "7", "9", NULL, NULL },
	{ "unknown", "2", "+", "int8", "-7", "-5", NULL, NULL },
	{ "unknown", "2", "+", "int8", "0", "2", NULL, NULL },
	{ "unknown", "2", "+", "int8", "9223372036854775807", NULL, "22003",
	  "bigint out of range" },
	{ "unknown", "2", "+", "int8", "-9223372036854775808",
	  "-9223372036854775806", NULL, NULL },
	{ "unknown", "abc", "+", "int8", "7", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "unknown", "2", "=", "int8", "7", "f", NULL, NULL },
	{ "unknown", "2", "=", "int8", "-7", "f", NULL, NULL },
	{ "unknown", "2", "=", "int8", "0", "f", NULL, NULL },
	{ "unknown", "2", "=", "int8", "9223372036854775807", "f", NULL,
	  NULL },
	{ "unknown", "2", "=", "int8", "-9223372036854775808", "f", NULL,
	  NULL },
	{ "unknown", "abc", "=", "int8", "7", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "int8", "7", "-", "unknown", "2", "5", NULL, NULL },
	{ "int8", "7", "-", "unknown", "abc", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "int8", "7", "-", "unknown", "t", NULL, "22P02",
	  "invalid input syntax for type bigint: \"t\"" },
	{ "int8", "-7", "-", "unknown", "2", "-9", NULL, NULL },
	{ "int8", "-7", "-", "unknown", "abc", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "int8", "-7", "-", "unknown", "t", NULL, "22P02",
	  "invalid input syntax for type bigint: \"t\"" },
	{ "int8", "7", "<", "unknown", "2", "f", NULL, NULL },
	{ "int8", "7", "<", "unknown", "abc", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "int8", "7", "<", "unknown", "t", NULL, "22P02",
	  "invalid input syntax for type bigint: \"t\"" },
	{ "int8", "-7", "<", "unknown", "2", "t", NULL, NULL },
	{ "int8", "-7", "<", "unknown", "abc", NULL, "22P02",
	  "invalid input syntax for type bigint: \"abc\"" },
	{ "int8", "-7", "<", "unknown", "t", NULL, "22P02",
	  "invalid input syntax for type bigint: \"t\"" },
	{ "unknown", "2", "=", "unknown", "2", "t", NULL, NULL },
	{ "unknown", "2", "=", "unknown", "abc", "f", NULL, NULL },
	{ "unknown", "2", "=", "unknown", "t", "f", NULL, NULL },
	{ "unknown", "abc", "=", "unknown", "2", "f", NULL, NULL },
	{ "unknown", "abc", "=", "unknown", "abc", "t", NULL, NULL },
	{ "unknown", "abc", "=", "unknown", "t", "f", NULL, NULL },
	{ "unknown", "2", "||", "unknown", "2", "22", NULL, NULL },
	{ "unknown", "2", "||", "unknown", "abc", "2abc", NULL, NULL },
	{ "unknown", "2", "||", "unknown", "t", "2t", NULL, NULL },
	{ "unknown", "abc", "||", "unknown", "2", "abc2", NULL, NULL },
	{ "unknown", "abc", "||", "unknown", "abc", "abcabc", NULL, NULL },
	{ "unknown", "abc", "||", "unknown", "t", "abct", NULL, NULL },
	{ "unknown", "2", "+", "unknown", "2", NULL, "42725",
	  "operator is not unique: unknown + unknown" },
	{ "unknown", "2", "+", "unknown", "abc", NULL, "42725",
	  "operator is not unique: unknown + unknown" },
	{ "unknown", "2", "+", "unknown", "t", NULL, "42725",
	  "operator is not unique: unknown + unknown" },
	{ "unknown", "abc", "+", "unknown", "2", NULL, "42725",
	  "operator is not unique: unknown + unknown" },
	{ "unknown", "abc", "+", "unknown", "abc", NULL, "42725",
	  "operator is not unique: unknown + unknown" },
	{ "unknown", "abc", "+", "unknown", "t", NULL, "42725",
	  "operator is not unique: unknown + unknown" },
	{ "unknown", "2", "||", "text", "abc", "2abc", NULL, NULL },
	{ "unknown", "2", "||", "text", "ab ", "2ab ", NULL, NULL },
	{ "unknown", "abc", "||", "text", "abc", "abcabc", NULL, NULL },
	{ "unknown", "abc", "||", "text", "ab ", "abcab ", NULL, NULL },
	{ "unknown", "t", "||", "text", "abc", "tabc", NULL, NULL },
	{ "unknown", "t", "||", "text", "ab ", "tab ", NULL, NULL },
	{ "unknown", "2", "||", "bytea", "\\x00ff", "\\x3200ff", NULL, NULL },
	{ "unknown", "abc", "||", "bytea", "\\x00ff", "\\x61626300ff", NULL,
	  NULL },
	{ "unknown", "t", "||", "bytea", "\\x00ff", "\\x7400ff", NULL, NULL },
	{ "bool", "t", "||", "text", "abc", "trueabc", NULL, NULL },
	{ "bool", "t", "||", "text", "ab ", "trueab ", NULL, NULL },
	{ "bool", "f", "||", "text", "abc", "falseabc", NULL, NULL },
	{ "bool", "f", "||", "text", "ab ", "falseab ", NULL, NULL },
	{ "numeric", "1.5", "||", "text", "abc", "1.5abc", NULL, NULL },
	{ "numeric", "1.5", "||", "text", "ab ", "1.5ab ", NULL, NULL },
	{ "numeric", "-2.25", "||", "text", "abc", "-2.25abc", NULL, NULL },
	{ "numeric", "-2.25", "||", "text", "ab ", "-2.25ab ", NULL, NULL },
	{ "numeric", "0", "||", "text", "abc", "0abc", NULL, NULL },
	{ "numeric", "0", "||", "text", "ab ", "0ab ", NULL, NULL },
	{ "float8", "1.5", "||", "text", "abc", "1.5abc", NULL, NULL },
	{ "float8", "1.5", "||", "text", "ab ", "1.5ab ", NULL, NULL },
	{ "float8", "0", "||", "text", "abc", "0abc", NULL, NULL },
	{ "float8", "0", "||", "text", "ab ", "0ab ", NULL, NULL },
	{ "float8", "1e308", "||", "text", "abc", "1e+308abc", NULL, NULL },
	{ "float8", "1e308", "||", "text", "ab ", "1e+308ab ", NULL, NULL },
	{ "text", "a", "+", "text", "NULL", NULL, "42883",
	  "operator does not exist: text + text" },
	{ "text", "a", "=", "text", "NULL", "NULL", NULL, NULL },
	{ "int8", "NULL", "||", "int8", "1", NULL, "42883",
	  "operator does not exist: bigint || bigint" },
	{ "text", "a", "||", "text", "NULL", "NULL", NULL, NULL },
};

static enum sql_op op_of(const char *s)
{
	int i;

	for (i = SQL_OP_ADD; i <= SQL_OP_GE; i++)
		if (strcmp(sqlval_op_name((enum sql_op)i), s) == 0)
			return (enum sql_op)i;
	fail_msg("unknown operator %s", s);
	return SQL_OP_ADD;
}

/* Type, cast and evaluate l op r the way an executor does. */
static int eval(const char *lt, const char *lv, enum sql_op op,
		const char *rt, const char *rv, const char **got,
		struct sqlerr *e)
{
	struct sql_type L = T(lt), R = T(rt);
	struct sql_datum l = V(strcmp(lt, "unknown") == 0 ? "text" : lt, lv);
	struct sql_datum r = V(strcmp(rt, "unknown") == 0 ? "text" : rt, rv);
	struct sql_optype ot;
	struct sql_datum res;

	if (sqlval_binop_type(op, &L, &R, &ot, 0, e) != 0)
		return -1;
	if (!sqlval_type_equal(&L, &ot.left) &&
	    sqlval_cast(&l, &L, &ot.left, ar, &l, e) != 0)
		return -1;
	if (!sqlval_type_equal(&R, &ot.right) &&
	    sqlval_cast(&r, &R, &ot.right, ar, &r, e) != 0)
		return -1;
	if (sqlval_binop(op, &ot, &l, &r, ar, &res, e) != 0)
		return -1;
	if (sqlval_op_is_comparison(op))
		assert_true(res.kind == SQL_DATUM_BOOL ||
			    res.kind == SQL_DATUM_NULL);
	else if (res.kind != SQL_DATUM_NULL)
		assert_int_equal(res.kind, sqlval_type_datum_kind(&ot.result));
	*got = show(&res, &ot.result);
	return 0;
}

static void test_operators(void **state)
{
	const char *got = NULL;
	struct sqlerr e;
	char what[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		rc = eval(op_cases[i].lt, op_cases[i].lv,
			  op_of(op_cases[i].op), op_cases[i].rt,
			  op_cases[i].rv, &got, &e);
		snprintf(what, sizeof(what), "'%s'::%s %s '%s'::%s",
			 op_cases[i].lv, op_cases[i].lt, op_cases[i].op,
			 op_cases[i].rv, op_cases[i].rt);
		check(what, rc, got, &e, op_cases[i].out, op_cases[i].state,
		      op_cases[i].msg);
	}
}

static void test_operator_types(void **state)
{
	static const struct {
		const char *l, *op, *r, *left, *right, *result;
	} cases[] = {
		{ "int4", "+", "int2", "int4", "int2", "int8" },
		{ "int8", "/", "numeric(5,2)", "int8", "numeric(5,2)",
		  "numeric" },
		{ "float4", "*", "float4", "float4", "float4", "float4" },
		{ "float4", "*", "int4", "float4", "int4", "float8" },
		{ "numeric", "-", "float4", "numeric", "float4", "float8" },
		{ "int4", "=", "unknown", "int4", "int4", "bool" },
		{ "unknown", "<", "varchar(3)", "varchar", "varchar(3)",
		  "bool" },
		{ "char(3)", "=", "unknown", "char(3)", "char", "bool" },
		{ "char(3)", "=", "text", "text", "text", "bool" },
		{ "varchar(2)", "=", "char(3)", "char", "char(3)", "bool" },
		{ "char(3)", "||", "int8", "text", "text", "text" },
		{ "unknown", "||", "unknown", "text", "text", "text" },
		{ "bytea", "||", "unknown", "bytea", "bytea", "bytea" },
		{ "date", "<", "timestamp", "timestamp", "timestamp", "bool" },
		{ "date", "-", "date", "date", "date", "int8" },
		{ "int2", "+", "date", "int2", "date", "date" },
		{ "null", "+", "int4", "int4", "int4", "int8" },
		{ "null", "=", "null", "text", "text", "bool" },
	};
	struct sql_type l, r, want;
	struct sql_optype ot;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l = T(cases[i].l);
		r = T(cases[i].r);
		if (sqlval_binop_type(op_of(cases[i].op), &l, &r, &ot, 0,
				      &e) != 0)
			fail_msg("%s %s %s: %s", cases[i].l, cases[i].op,
				 cases[i].r, e.msg);
		want = T(cases[i].left);
		assert_true(sqlval_type_equal(&ot.left, &want));
		want = T(cases[i].right);
		assert_true(sqlval_type_equal(&ot.right, &want));
		want = T(cases[i].result);
		assert_true(sqlval_type_equal(&ot.result, &want));
	}
	/* Errors carry the position. */
	l = T("text");
	r = T("int8");
	assert_int_equal(sqlval_binop_type(SQL_OP_EQ, &l, &r, &ot, 12, &e),
			 -1);
	assert_string_equal(e.sqlstate, "42883");
	assert_string_equal(e.msg, "operator does not exist: text = bigint");
	assert_int_equal(e.position, 12);
	l = T("unknown");
	assert_int_equal(sqlval_binop_type(SQL_OP_MUL, &l, &l, &ot, 0, &e),
			 -1);
	assert_string_equal(e.sqlstate, "42725");
	assert_string_equal(e.msg, "operator is not unique: unknown * "
			    "unknown");
	/* Unary minus. */
	l = T("int2");
	assert_int_equal(sqlval_neg_type(&l, &r, 0, &e), 0);
	assert_int_equal(r.kind, SQL_TYPE_INT8);
	l = T("float4");
	assert_int_equal(sqlval_neg_type(&l, &r, 0, &e), 0);
	assert_int_equal(r.kind, SQL_TYPE_FLOAT4);
	l = T("text");
	assert_int_equal(sqlval_neg_type(&l, &r, 4, &e), -1);
	assert_string_equal(e.msg, "operator does not exist: - text");
	l = T("unknown");
	assert_int_equal(sqlval_neg_type(&l, &r, 4, &e), -1);
	assert_string_equal(e.msg, "operator is not unique: - unknown");
}

static void test_neg(void **state)
{
	struct sql_datum d, r;
	struct sqlerr e;

	d = sqlval_int(INT64_MIN);
	assert_int_equal(sqlval_neg(&d, &r, &e), -1);
	assert_err(&e, "22003", "bigint out of range");
	d = sqlval_int(5);
	assert_int_equal(sqlval_neg(&d, &r, &e), 0);
	assert_true(r.i == -5);
	d = sqlval_float(0);
	assert_int_equal(sqlval_neg(&d, &r, &e), 0);
	assert_string_equal(show(&r, NULL), "-0");
	d = V("numeric", "1.50");
	assert_int_equal(sqlval_neg(&d, &r, &e), 0);
	assert_string_equal(show(&r, NULL), "-1.50");
	d = sqlval_null();
	assert_int_equal(sqlval_neg(&d, &r, &e), 0);
	assert_int_equal(r.kind, SQL_DATUM_NULL);
	d = sqlval_text("x", 1);
	assert_int_equal(sqlval_neg(&d, &r, &e), -1);
	assert_string_equal(e.sqlstate, "42883");
}

/* ---- LIKE --------------------------------------------------------------- */

static void test_like(void **state)
{
	static const struct {
		const char *s, *p, *esc;	/* esc NULL: default '\' */
		bool icase;
		int want;			/* 1, 0, or -1 (22025) */
	} cases[] = {
		/* PostgreSQL 15.18 */
		{ "abc", "a%", NULL, false, 1 },
		{ "abc", "a\\%", NULL, false, 0 },
		{ "a%", "a\\%", NULL, false, 1 },
		{ "a_c", "a#_c", "#", false, 1 },
		{ "ABC", "a_c", NULL, true, 1 },
		{ "\xc3\xa9", "_", NULL, false, 1 },
		{ "", "%", NULL, false, 1 },
		{ "abc", "abc\\", NULL, false, 0 },
		{ "abc", "%%c", NULL, false, 1 },
		{ "aXbXc", "%X%X%", NULL, false, 1 },
		{ "ab", "%b%b", NULL, false, 0 },
		{ "hello", "h%o", NULL, false, 1 },
		{ "hello", "h_l%", NULL, false, 1 },
		{ "a\\b", "a\\\\b", NULL, false, 1 },
		{ "a", "", NULL, false, 0 },
		{ "", "", NULL, false, 1 },
		{ "AbC", "%B%", NULL, true, 1 },
		{ "\xc3\xa9" "A", "\xc3\xa9" "a", NULL, true, 1 },
		{ "x%y", "x%%y", "%", false, 1 },
		{ "abc", "a%", "", false, 1 },
		{ "abc\\", "abc\\", NULL, false, -1 },
		{ "ab", "a%\\", NULL, false, -1 },
		{ "abc", "_b\\", NULL, false, -1 },
		{ "a\xc3\xa9", "a_", "\xc3\xa9", false, 1 },
		{ "a_", "a\xc3\xa9_", "\xc3\xa9", false, 1 },
		{ "mississippi", "%iss%ppi", NULL, false, 1 },
		{ "mississippi", "%iss%ppx", NULL, false, 0 },
		{ "abc", "ABC", NULL, false, 0 },
	};
	struct sqlval_like *p;
	struct sqlerr e;
	bool match;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = sqlval_like(ar, cases[i].s, strlen(cases[i].s),
				 cases[i].p, strlen(cases[i].p), cases[i].esc,
				 cases[i].esc != NULL ? strlen(cases[i].esc) :
				 0, cases[i].icase, &match, &e);
		if (cases[i].want < 0) {
			if (rc != -1)
				fail_msg("'%s' LIKE '%s': no error",
					 cases[i].s, cases[i].p);
			assert_err(&e, "22025", "LIKE pattern must not end "
				   "with escape character");
			continue;
		}
		if (rc != 0 || match != (cases[i].want == 1))
			fail_msg("'%s' %s '%s': rc %d match %d", cases[i].s,
				 cases[i].icase ? "ILIKE" : "LIKE", cases[i].p,
				 rc, match);
	}
	assert_int_equal(sqlval_like(ar, "abc", 3, "a", 1, "xy", 2, false,
				     &match, &e), -1);
	assert_err(&e, "22025", "invalid escape string");
	/* Ours: ILIKE folds ASCII only. */
	assert_int_equal(sqlval_like(ar, "\xc3\x89", 2, "\xc3\xa9", 2, NULL, 0,
				     true, &match, &e), 0);
	assert_false(match);
	/* A compiled pattern is reusable; a long pattern is no problem. */
	assert_int_equal(sqlval_like_compile(ar, "%a%b%c%", 7, NULL, 0, false,
					     &p, &e), 0);
	assert_int_equal(sqlval_like_match(p, "xxaxxbxxc", 9, &match, &e), 0);
	assert_true(match);
	assert_int_equal(sqlval_like_match(p, "xxaxxcxxb", 9, &match, &e), 0);
	assert_false(match);
	{
		size_t n = 200000, k;
		char *s = malloc(n), *pat = malloc(n);

		assert_non_null(s);
		assert_non_null(pat);
		for (k = 0; k < n; k++) {
			s[k] = 'a';
			pat[k] = k % 2 ? 'a' : '%';
		}
		assert_int_equal(sqlval_like(ar, s, n, pat, n, NULL, 0, false,
					     &match, &e), 0);
		assert_true(match);
		s[n - 1] = 'b';
		assert_int_equal(sqlval_like(ar, s, 2000, pat, 2000, NULL, 0,
					     false, &match, &e), 0);
		assert_true(match);
		free(s);
		free(pat);
	}
	{
		struct sql_type a = T("text"), b = T("unknown"), c = T("int8");

		assert_int_equal(sqlval_like_type(&a, &b, false, 0, &e), 0);
		assert_int_equal(sqlval_like_type(&c, &b, true, 9, &e), -1);
		assert_string_equal(e.msg, "operator does not exist: bigint "
				    "~~* unknown");
		assert_int_equal(e.position, 9);
	}
}

/* ---- functions ---------------------------------------------------------- */

static const struct {
	const char *name, *t1, *v1, *t2, *v2, *t3, *v3, *out, *state, *msg;
} fn_cases[] = {
	{ "abs", "int8", "-5", NULL, NULL, NULL, NULL, "5", NULL, NULL },
	{ "abs", "int8", "-9223372036854775808", NULL, NULL, NULL, NULL, NULL,
	  "22003", "bigint out of range" },
	{ "abs", "float8", "-0.5", NULL, NULL, NULL, NULL, "0.5", NULL, NULL },
	{ "abs", "numeric", "-5.50", NULL, NULL, NULL, NULL, "5.50", NULL,
	  NULL },
	{ "abs", "float4", "-1.5", NULL, NULL, NULL, NULL, "1.5", NULL, NULL },
	{ "abs", "unknown", "-5", NULL, NULL, NULL, NULL, "5", NULL, NULL },
	{ "abs", "text", "x", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function abs(text) does not exist" },
	{ "abs", "int8", "NULL", NULL, NULL, NULL, NULL, "<NULL>", NULL,
	  NULL },
	{ "length", "text", "hÉllo", NULL, NULL, NULL, NULL, "5", NULL, NULL },
	{ "length", "char(5)", "ab", NULL, NULL, NULL, NULL, "2", NULL, NULL },
	{ "length", "unknown", "AbC", NULL, NULL, NULL, NULL, "3", NULL,
	  NULL },
	{ "length", "bytea", "\\x0001", NULL, NULL, NULL, NULL, "2", NULL,
	  NULL },
	{ "length", "int8", "5", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function length(bigint) does not exist" },
	{ "char_length", "text", "hÉllo", NULL, NULL, NULL, NULL, "5", NULL,
	  NULL },
	{ "char_length", "char(5)", "ab", NULL, NULL, NULL, NULL, "2", NULL,
	  NULL },
	{ "char_length", "unknown", "AbC", NULL, NULL, NULL, NULL, "3", NULL,
	  NULL },
	{ "char_length", "bytea", "\\x0001", NULL, NULL, NULL, NULL, NULL,
	  "42883", "function char_length(bytea) does not exist" },
	{ "char_length", "int8", "5", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function char_length(bigint) does not exist" },
	{ "octet_length", "text", "hÉllo", NULL, NULL, NULL, NULL, "6", NULL,
	  NULL },
	{ "octet_length", "char(5)", "ab", NULL, NULL, NULL, NULL, "5", NULL,
	  NULL },
	{ "octet_length", "unknown", "AbC", NULL, NULL, NULL, NULL, "3", NULL,
	  NULL },
	{ "octet_length", "bytea", "\\x0001", NULL, NULL, NULL, NULL, "2",
	  NULL, NULL },
	{ "octet_length", "int8", "5", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function octet_length(bigint) does not exist" },
	{ "lower", "char(5)", "ab", NULL, NULL, NULL, NULL, "ab", NULL, NULL },
	{ "lower", "unknown", "AbC", NULL, NULL, NULL, NULL, "abc", NULL,
	  NULL },
	{ "lower", "bytea", "\\x0001", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function lower(bytea) does not exist" },
	{ "lower", "int8", "5", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function lower(bigint) does not exist" },
	{ "upper", "text", "hÉllo", NULL, NULL, NULL, NULL, "HÉLLO", NULL,
	  NULL },
	{ "upper", "char(5)", "ab", NULL, NULL, NULL, NULL, "AB", NULL, NULL },
	{ "upper", "unknown", "AbC", NULL, NULL, NULL, NULL, "ABC", NULL,
	  NULL },
	{ "upper", "bytea", "\\x0001", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function upper(bytea) does not exist" },
	{ "upper", "int8", "5", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function upper(bigint) does not exist" },
	{ "substr", "text", "héllo", "int4", "-1", NULL, NULL, "héllo", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "-1", "int4", "-1", NULL, "22011",
	  "negative substring length not allowed" },
	{ "substr", "text", "héllo", "int4", "-1", "int4", "0", "", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "-1", "int4", "3", "h", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "-1", "int4", "10", "héllo", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "0", NULL, NULL, "héllo", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "0", "int4", "-1", NULL, "22011",
	  "negative substring length not allowed" },
	{ "substr", "text", "héllo", "int4", "0", "int4", "0", "", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "0", "int4", "3", "hé", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "0", "int4", "10", "héllo", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "2", NULL, NULL, "éllo", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "2", "int4", "-1", NULL, "22011",
	  "negative substring length not allowed" },
	{ "substr", "text", "héllo", "int4", "2", "int4", "0", "", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "2", "int4", "3", "éll", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "2", "int4", "10", "éllo", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "6", NULL, NULL, "", NULL, NULL },
	{ "substr", "text", "héllo", "int4", "6", "int4", "-1", NULL, "22011",
	  "negative substring length not allowed" },
	{ "substr", "text", "héllo", "int4", "6", "int4", "0", "", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "6", "int4", "3", "", NULL,
	  NULL },
	{ "substr", "text", "héllo", "int4", "6", "int4", "10", "", NULL,
	  NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "-1", NULL, NULL,
	  "\\x0102030405", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "-1", "int4", "-1", NULL,
	  "22011", "negative substring length not allowed" },
	{ "substr", "bytea", "\\x0102030405", "int4", "-1", "int4", "0", "\\x",
	  NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "-1", "int4", "3",
	  "\\x01", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "-1", "int4", "10",
	  "\\x0102030405", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "0", NULL, NULL,
	  "\\x0102030405", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "0", "int4", "-1", NULL,
	  "22011", "negative substring length not allowed" },
	{ "substr", "bytea", "\\x0102030405", "int4", "0", "int4", "0", "\\x",
	  NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "0", "int4", "3",
	  "\\x0102", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "0", "int4", "10",
	  "\\x0102030405", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "2", NULL, NULL,
	  "\\x02030405", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "2", "int4", "-1", NULL,
	  "22011", "negative substring length not allowed" },
	{ "substr", "bytea", "\\x0102030405", "int4", "2", "int4", "0", "\\x",
	  NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "2", "int4", "3",
	  "\\x020304", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "2", "int4", "10",
	  "\\x02030405", NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "6", NULL, NULL, "\\x",
	  NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "6", "int4", "-1", NULL,
	  "22011", "negative substring length not allowed" },
	{ "substr", "bytea", "\\x0102030405", "int4", "6", "int4", "0", "\\x",
	  NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "6", "int4", "3", "\\x",
	  NULL, NULL },
	{ "substr", "bytea", "\\x0102030405", "int4", "6", "int4", "10", "\\x",
	  NULL, NULL },
	{ "substring", "text", "hello", "int4", "2", "int4", "2", "el", NULL,
	  NULL },
	{ "substr", "text", "hello", "numeric", "2", NULL, NULL, NULL, "42883",
	  "function substr(text, numeric) does not exist" },
	{ "round", "numeric", "2.5", NULL, NULL, NULL, NULL, "3", NULL, NULL },
	{ "round", "numeric", "2.5", "int4", "2", NULL, NULL, "2.50", NULL,
	  NULL },
	{ "round", "numeric", "2.5", "int4", "-2", NULL, NULL, "0", NULL,
	  NULL },
	{ "round", "numeric", "-1234.5678", NULL, NULL, NULL, NULL, "-1235",
	  NULL, NULL },
	{ "round", "numeric", "-1234.5678", "int4", "2", NULL, NULL,
	  "-1234.57", NULL, NULL },
	{ "round", "numeric", "-1234.5678", "int4", "-2", NULL, NULL, "-1200",
	  NULL, NULL },
	{ "round", "float8", "2.5", NULL, NULL, NULL, NULL, "2", NULL, NULL },
	{ "round", "float8", "-3.5", NULL, NULL, NULL, NULL, "-4", NULL,
	  NULL },
	{ "round", "int8", "7", NULL, NULL, NULL, NULL, "7", NULL, NULL },
	{ "round", "int8", "7", "int4", "2", NULL, NULL, "7.00", NULL, NULL },
	{ "round", "int8", "7", "int4", "-2", NULL, NULL, "0", NULL, NULL },
	{ "round", "unknown", "-2.5", NULL, NULL, NULL, NULL, "-2", NULL,
	  NULL },
	{ "round", "unknown", "-2.5", "int4", "2", NULL, NULL, "-2.50", NULL,
	  NULL },
	{ "round", "unknown", "-2.5", "int4", "-2", NULL, NULL, "0", NULL,
	  NULL },
	{ "trunc", "numeric", "2.5", NULL, NULL, NULL, NULL, "2", NULL, NULL },
	{ "trunc", "numeric", "2.5", "int4", "2", NULL, NULL, "2.50", NULL,
	  NULL },
	{ "trunc", "numeric", "2.5", "int4", "-2", NULL, NULL, "0", NULL,
	  NULL },
	{ "trunc", "numeric", "-1234.5678", NULL, NULL, NULL, NULL, "-1234",
	  NULL, NULL },
	{ "trunc", "numeric", "-1234.5678", "int4", "2", NULL, NULL,
	  "-1234.56", NULL, NULL },
	{ "trunc", "numeric", "-1234.5678", "int4", "-2", NULL, NULL, "-1200",
	  NULL, NULL },
	{ "trunc", "float8", "2.5", NULL, NULL, NULL, NULL, "2", NULL, NULL },
	{ "trunc", "float8", "-3.5", NULL, NULL, NULL, NULL, "-3", NULL,
	  NULL },
	{ "trunc", "int8", "7", NULL, NULL, NULL, NULL, "7", NULL, NULL },
	{ "trunc", "int8", "7", "int4", "2", NULL, NULL, "7.00", NULL, NULL },
	{ "trunc", "int8", "7", "int4", "-2", NULL, NULL, "0", NULL, NULL },
	{ "floor", "numeric", "2.5", NULL, NULL, NULL, NULL, "2", NULL, NULL },
	{ "floor", "numeric", "-1234.5678", NULL, NULL, NULL, NULL, "-1235",
	  NULL, NULL },
	{ "floor", "float8", "2.5", NULL, NULL, NULL, NULL, "2", NULL, NULL },
	{ "floor", "float8", "-3.5", NULL, NULL, NULL, NULL, "-4", NULL,
	  NULL },
	{ "floor", "int8", "7", NULL, NULL, NULL, NULL, "7", NULL, NULL },
	{ "floor", "unknown", "-2.5", NULL, NULL, NULL, NULL, "-3", NULL,
	  NULL },
	{ "ceil", "numeric", "2.5", NULL, NULL, NULL, NULL, "3", NULL, NULL },
	{ "ceil", "numeric", "-1234.5678", NULL, NULL, NULL, NULL, "-1234",
	  NULL, NULL },
	{ "ceil", "float8", "2.5", NULL, NULL, NULL, NULL, "3", NULL, NULL },
	{ "ceil", "float8", "-3.5", NULL, NULL, NULL, NULL, "-3", NULL, NULL },
	{ "ceil", "int8", "7", NULL, NULL, NULL, NULL, "7", NULL, NULL },
	{ "ceil", "unknown", "-2.5", NULL, NULL, NULL, NULL, "-2", NULL,
	  NULL },
	{ "sign", "numeric", "2.5", NULL, NULL, NULL, NULL, "1", NULL, NULL },
	{ "sign", "numeric", "-1234.5678", NULL, NULL, NULL, NULL, "-1", NULL,
	  NULL },
	{ "sign", "float8", "2.5", NULL, NULL, NULL, NULL, "1", NULL, NULL },
	{ "sign", "float8", "-3.5", NULL, NULL, NULL, NULL, "-1", NULL, NULL },
	{ "sign", "int8", "7", NULL, NULL, NULL, NULL, "1", NULL, NULL },
	{ "sign", "unknown", "-2.5", NULL, NULL, NULL, NULL, "-1", NULL,
	  NULL },
	{ "round", "float8", "2.5", "int4", "1", NULL, NULL, NULL, "42883",
	  "function round(double precision, integer) does not exist" },
	{ "mod", "int8", "7", "int8", "3", NULL, NULL, "1", NULL, NULL },
	{ "mod", "numeric", "7.5", "int4", "3", NULL, NULL, "1.5", NULL,
	  NULL },
	{ "mod", "float8", "7", "int4", "3", NULL, NULL, NULL, "42883",
	  "function mod(double precision, integer) does not exist" },
	{ "mod", "int8", "-7", "int8", "3", NULL, NULL, "-1", NULL, NULL },
	{ "mod", "numeric", "-7.5", "int4", "3", NULL, NULL, "-1.5", NULL,
	  NULL },
	{ "mod", "float8", "-7", "int4", "3", NULL, NULL, NULL, "42883",
	  "function mod(double precision, integer) does not exist" },
	{ "mod", "int8", "7", "int8", "0", NULL, NULL, NULL, "22012",
	  "division by zero" },
	{ "mod", "numeric", "7.5", "int4", "0", NULL, NULL, NULL, "22012",
	  "division by zero" },
	{ "mod", "float8", "7", "int4", "0", NULL, NULL, NULL, "42883",
	  "function mod(double precision, integer) does not exist" },
	{ "btrim", "text", "  ab  ", NULL, NULL, NULL, NULL, "ab", NULL,
	  NULL },
	{ "btrim", "text", "  ab  ", "text", "xé ", NULL, NULL, "ab", NULL,
	  NULL },
	{ "btrim", "text", "xxaxx", NULL, NULL, NULL, NULL, "xxaxx", NULL,
	  NULL },
	{ "btrim", "text", "xxaxx", "text", "xé ", NULL, NULL, "a", NULL,
	  NULL },
	{ "btrim", "text", "", NULL, NULL, NULL, NULL, "", NULL, NULL },
	{ "btrim", "text", "", "text", "xé ", NULL, NULL, "", NULL, NULL },
	{ "ltrim", "text", "  ab  ", NULL, NULL, NULL, NULL, "ab  ", NULL,
	  NULL },
	{ "ltrim", "text", "  ab  ", "text", "xé ", NULL, NULL, "ab  ", NULL,
	  NULL },
	{ "ltrim", "text", "xxaxx", NULL, NULL, NULL, NULL, "xxaxx", NULL,
	  NULL },
	{ "ltrim", "text", "xxaxx", "text", "xé ", NULL, NULL, "axx", NULL,
	  NULL },
	{ "ltrim", "text", "", NULL, NULL, NULL, NULL, "", NULL, NULL },
	{ "ltrim", "text", "", "text", "xé ", NULL, NULL, "", NULL, NULL },
	{ "rtrim", "text", "  ab  ", NULL, NULL, NULL, NULL, "  ab", NULL,
	  NULL },
	{ "rtrim", "text", "  ab  ", "text", "xé ", NULL, NULL, "  ab", NULL,
	  NULL },
	{ "rtrim", "text", "xxaxx", NULL, NULL, NULL, NULL, "xxaxx", NULL,
	  NULL },
	{ "rtrim", "text", "xxaxx", "text", "xé ", NULL, NULL, "xxa", NULL,
	  NULL },
	{ "rtrim", "text", "", NULL, NULL, NULL, NULL, "", NULL, NULL },
	{ "rtrim", "text", "", "text", "xé ", NULL, NULL, "", NULL, NULL },
	{ "replace", "text", "abcabc", "text", "b", "text", "X", "aXcaXc",
	  NULL, NULL },
	{ "replace", "text", "abc", "text", "", "text", "X", "abc", NULL,
	  NULL },
	{ "replace", "text", "aaa", "text", "aa", "text", "b", "ba", NULL,
	  NULL },
	{ "replace", "text", "héllo", "text", "l", "text", "LL", "héLLLLo",
	  NULL, NULL },
	{ "strpos", "text", "hello", "text", "ll", NULL, NULL, "3", NULL,
	  NULL },
	{ "strpos", "text", "hello", "text", "x", NULL, NULL, "0", NULL,
	  NULL },
	{ "strpos", "text", "hello", "text", "", NULL, NULL, "1", NULL, NULL },
	{ "strpos", "text", "héllo", "text", "l", NULL, NULL, "3", NULL,
	  NULL },
	{ "foo", "int8", "1", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function foo(bigint) does not exist" },
	{ "abs", "bool", "t", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function abs(boolean) does not exist" },
	{ "lower", "int8", "1", NULL, NULL, NULL, NULL, NULL, "42883",
	  "function lower(bigint) does not exist" },
};

static void test_functions(void **state)
{
	struct sql_type ts[3];
	struct sql_datum as[3], res;
	struct sql_func f;
	const char *tv[3][2], *got = NULL;
	struct sqlerr e;
	char what[256];
	size_t i, k, n;
	int rc;

	for (i = 0; i < sizeof(fn_cases) / sizeof(fn_cases[0]); i++) {
		tv[0][0] = fn_cases[i].t1;
		tv[0][1] = fn_cases[i].v1;
		tv[1][0] = fn_cases[i].t2;
		tv[1][1] = fn_cases[i].v2;
		tv[2][0] = fn_cases[i].t3;
		tv[2][1] = fn_cases[i].v3;
		for (n = 0; n < 3 && tv[n][0] != NULL; n++) {
			ts[n] = T(tv[n][0]);
			as[n] = V(strcmp(tv[n][0], "unknown") == 0 ? "text" :
				  tv[n][0], tv[n][1]);
		}
		snprintf(what, sizeof(what), "%s(%s, ...)", fn_cases[i].name,
			 fn_cases[i].v1);
		rc = sqlval_func_lookup(fn_cases[i].name, ts, n, &f, 0, &e);
		for (k = 0; rc == 0 && k < n; k++)
			if (!sqlval_type_equal(&ts[k], &f.args[k]))
				rc = sqlval_cast(&as[k], &ts[k], &f.args[k],
						 ar, &as[k], &e);
		if (rc == 0)
			rc = sqlval_func_call(&f, as, n, ar, &res, &e);
		if (rc == 0) {
			got = res.kind == SQL_DATUM_NULL ? "<NULL>" :
				show(&res, &f.result);
			if (res.kind != SQL_DATUM_NULL)
				assert_int_equal(res.kind,
						 sqlval_type_datum_kind(
							 &f.result));
		}
		check(what, rc, got, &e, fn_cases[i].out, fn_cases[i].state,
		      fn_cases[i].msg);
	}
}

static void test_function_types(void **state)
{
	struct sql_type ts[2];
	struct sql_func f;
	struct sqlerr e;

	/* PostgreSQL: pg_typeof(round(1)), pg_typeof(floor(1)) */
	ts[0] = T("int4");
	assert_int_equal(sqlval_func_lookup("round", ts, 1, &f, 0, &e), 0);
	assert_int_equal(f.result.kind, SQL_TYPE_FLOAT8);
	assert_int_equal(sqlval_func_lookup("floor", ts, 1, &f, 0, &e), 0);
	assert_int_equal(f.result.kind, SQL_TYPE_FLOAT8);
	ts[0] = T("numeric(5,2)");
	assert_int_equal(sqlval_func_lookup("abs", ts, 1, &f, 0, &e), 0);
	assert_int_equal(f.result.kind, SQL_TYPE_DECIMAL);
	ts[0] = T("char(4)");
	assert_int_equal(sqlval_func_lookup("length", ts, 1, &f, 0, &e), 0);
	assert_int_equal(f.args[0].kind, SQL_TYPE_TEXT);
	assert_int_equal(sqlval_func_lookup("octet_length", ts, 1, &f, 0, &e),
			 0);
	assert_int_equal(f.args[0].kind, SQL_TYPE_CHAR);
	ts[1] = T("float8");
	assert_int_equal(sqlval_func_lookup("substr", ts, 2, &f, 15, &e), -1);
	assert_string_equal(e.msg, "function substr(character, double "
			    "precision) does not exist");
	assert_int_equal(e.position, 15);
	assert_int_equal(sqlval_func_lookup("abs", ts, 0, &f, 0, &e), -1);
	assert_string_equal(e.msg, "function abs() does not exist");
	/* A resolved call refuses the wrong number of arguments. */
	ts[0] = T("int8");
	assert_int_equal(sqlval_func_lookup("abs", ts, 1, &f, 0, &e), 0);
	{
		struct sql_datum a[2] = { sqlval_int(1), sqlval_int(2) }, r;

		assert_int_equal(sqlval_func_call(&f, a, 2, ar, &r, &e), -1);
		assert_string_equal(e.sqlstate, "XX000");
	}
}

/* ---- comparison and hashing --------------------------------------------- */

static void test_cmp_table(void **state)
{
	struct sql_datum a, b;

	/* PostgreSQL: 1 = 1.0, 1::float8 = 1.0, 0.1::float8 = 0.1,
	 * 9007199254740993 = 9007199254740992::float8, NaN > Infinity,
	 * NaN = NaN, date '2024-01-02' = timestamp '2024-01-02 00:00' */
	a = sqlval_int(1);
	b = V("numeric", "1.0");
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 1) == sqlval_hash(&b, 1));
	a = sqlval_float(1.0);
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 1) == sqlval_hash(&b, 1));
	a = sqlval_float(0.1);
	b = V("numeric", "0.1");
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 9) == sqlval_hash(&b, 9));
	a = sqlval_int(9007199254740993);
	b = sqlval_float(9007199254740992.0);
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 9) == sqlval_hash(&b, 9));
	a = sqlval_float(NAN);
	b = sqlval_float(INFINITY);
	assert_true(sqlval_cmp(&a, &b) > 0);
	b = sqlval_float(-NAN);
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 0) == sqlval_hash(&b, 0));
	a = sqlval_float(-0.0);
	b = sqlval_int(0);
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 0) == sqlval_hash(&b, 0));
	a = V("date", "2024-01-02");
	b = V("timestamp", "2024-01-02 00:00");
	assert_int_equal(sqlval_cmp(&a, &b), 0);
	assert_true(sqlval_hash(&a, 0) == sqlval_hash(&b, 0));
	b = V("timestamp", "2024-01-02 00:00:00.000001");
	assert_true(sqlval_cmp(&a, &b) < 0);
	/* "C" collation: bytes, a prefix first; 'a' > 'B'. */
	a = sqlval_text("a", 1);
	b = sqlval_text("B", 1);
	assert_true(sqlval_cmp(&a, &b) > 0);
	b = sqlval_text("a\0", 2);
	assert_true(sqlval_cmp(&a, &b) < 0);
	a = sqlval_text("\xc3\xa9", 2);
	b = sqlval_text("z", 1);
	assert_true(sqlval_cmp(&a, &b) > 0);
	/* NULL first; mixed kinds by kind, never failing. */
	a = sqlval_null();
	b = sqlval_bool(false);
	assert_true(sqlval_cmp(&a, &b) < 0);
	assert_int_equal(sqlval_cmp(&a, &a), 0);
	a = sqlval_text("1", 1);
	b = sqlval_int(1);
	assert_true(sqlval_cmp(&a, &b) > 0 && sqlval_cmp(&b, &a) < 0);
	/* Seeds change hashes. */
	a = sqlval_int(42);
	assert_true(sqlval_hash(&a, 1) != sqlval_hash(&a, 2));
}

/* A random numeric datum, often equal in value to others. */
static struct sql_datum gen_num(void)
{
	static const char *const decs[] = {
		"0", "1", "1.0", "-1.00", "0.5", "0.1", "2.50", "-3",
		"9007199254740993", "1e18", "0.3333333333333333",
		"12345678901234567890", "-0.000", "42.000000", "0.1000",
	};
	struct sql_datum d;
	int64_t i;

	switch (rng_below(4)) {
	case 0:
		i = (int64_t)rng_below(7) - 3;
		if (rng_below(8) == 0)
			i = (int64_t)1 << 53 | (int64_t)rng_below(3);
		return sqlval_int(i);
	case 1:
		return sqlval_float(rng_below(4) == 0 ? NAN :
				    ((double)rng_below(13) - 6) / 2);
	case 2:
		d = V("numeric", decs[rng_below(sizeof(decs) /
						    sizeof(decs[0]))]);
		return d;
	default:
		d = V("numeric", "0");
		d.d.coef = (__int128)rng_below(13) - 6;
		d.d.scale = (int)rng_below(3);
		d.d.coef *= d.d.scale == 0 ? 1 : d.d.scale == 1 ? 5 : 25;
		return d;
	}
}

static int sgn(int x)
{
	return (x > 0) - (x < 0);
}

static void test_cmp_hash_property(void **state)
{
	struct sql_datum v[3];
	int i, ab, bc, ac, equal = 0;

	rng_state = seed();
	for (i = 0; i < 30000; i++) {
		v[0] = gen_num();
		v[1] = gen_num();
		v[2] = gen_num();
		ab = sgn(sqlval_cmp(&v[0], &v[1]));
		bc = sgn(sqlval_cmp(&v[1], &v[2]));
		ac = sgn(sqlval_cmp(&v[0], &v[2]));
		/* antisymmetric */
		assert_int_equal(sgn(sqlval_cmp(&v[1], &v[0])), -ab);
		/* transitive (among values not beyond 2^53) */
		if (ab <= 0 && bc <= 0 && v[0].kind != SQL_DATUM_INT &&
		    v[2].kind != SQL_DATUM_INT)
			assert_true(ac <= 0);
		/* equal values hash equally, across kinds */
		if (ab == 0) {
			equal++;
			if (sqlval_hash(&v[0], 7) != sqlval_hash(&v[1], 7))
				fail_msg("%s and %s compare equal but hash "
					 "differently", show(&v[0], NULL),
					 show(&v[1], NULL));
		}
	}
	assert_true(equal > 1000);
}

/* ---- UTF-8 and copies --------------------------------------------------- */

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		const char *bad;	/* NULL: valid */
		int at;
	} cases[] = {
		{ "plain", NULL, 0 },
		{ "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80", NULL, 0 },
		{ "a\xff", "0xff", 1 },
		{ "\xc3\x28", "0xc3 0x28", 0 },
		{ "ab\xe2\x98", "0xe2 0x98", 2 },
		{ "\xed\xa0\x80", "0xed 0xa0 0x80", 0 },	/* surrogate */
		{ "\xc0\xaf", "0xc0 0xaf", 0 },			/* overlong */
		{ "\xf4\x90\x80\x80", "0xf4 0x90 0x80 0x80", 0 },
		{ "\x80", "0x80", 0 },
	};
	struct sqlerr e;
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = sqlval_utf8_check(cases[i].s, strlen(cases[i].s), 10,
					   &e);

		if (cases[i].bad == NULL) {
			assert_int_equal(rc, 0);
			continue;
		}
		assert_int_equal(rc, -1);
		snprintf(want, sizeof(want), "invalid byte sequence for "
			 "encoding \"UTF8\": %s", cases[i].bad);
		assert_string_equal(e.msg, want);
		assert_string_equal(e.sqlstate, "22021");
		assert_int_equal(e.position, 10 + cases[i].at);
	}
	assert_int_equal(sqlval_utf8_length("h\xc3\xa9llo", 6), 5);
	assert_int_equal(sqlval_utf8_length("", 0), 0);
}

static void test_copy(void **state)
{
	char buf[8] = "hello";
	struct sql_datum d = sqlval_text(buf, 5), c;
	struct sqlerr e;

	assert_int_equal(sqlval_copy(&d, ar, &c, &e), 0);
	memset(buf, 'x', 5);
	assert_int_equal(c.s.n, 5);
	assert_memory_equal(c.s.p, "hello", 5);
	d = sqlval_int(3);
	assert_int_equal(sqlval_copy(&d, ar, &c, &e), 0);
	assert_true(c.i == 3);
	d = sqlval_bytes(NULL, 0);
	assert_int_equal(sqlval_copy(&d, ar, &c, &e), 0);
	assert_non_null(c.s.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_input_ours),
		cmocka_unit_test(test_float_output),
		cmocka_unit_test(test_float_property),
		cmocka_unit_test(test_casts),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_coercion),
		cmocka_unit_test(test_common_type),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_operator_types),
		cmocka_unit_test(test_neg),
		cmocka_unit_test(test_like),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_function_types),
		cmocka_unit_test(test_cmp_table),
		cmocka_unit_test(test_cmp_hash_property),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests_name("sqlval", tests, setup, teardown);
}
