/*
 * sqldec_test.c -- unit and property tests for cmd/txcoord/sqldec.c.
 *
 * The tables hold PostgreSQL 15.18's answers (numeric input and output,
 * + - * / %, round/trunc/floor/ceil, typmods, conversions) for cases that
 * fit in 38 digits; the cases beyond are our documented limit (fraction
 * digits rounded off, 22003 when the integer part is too big) and were
 * checked against PostgreSQL's exact result rounded by hand.  Seeded
 * property tests check algebraic relations over random decimals.
 * SQLDEC_TEST_SEED=<n> changes the seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqldec.h"

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
	const char *s = getenv("SQLDEC_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : UINT64_C(20261124);
}

static struct sqldec D(const char *s)
{
	struct sqldec d;
	struct sqlerr e;

	if (sqldec_from_text(s, strlen(s), &d, &e) != 0)
		fail_msg("cannot parse '%s': %s", s, e.msg);
	return d;
}

static void assert_dec(const struct sqldec *d, const char *want)
{
	char buf[SQLDEC_TEXT_MAX];

	assert_true(sqldec_valid(d));
	sqldec_format(d, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("got %s, want %s", buf, want);
}

static void assert_err(const struct sqlerr *e, const char *state,
		       const char *msg)
{
	if (strcmp(e->sqlstate, state) != 0 || strstr(e->msg, msg) == NULL)
		fail_msg("error %s '%s', want %s '%s'", e->sqlstate, e->msg,
			 state, msg);
}

/* ---- text --------------------------------------------------------------- */

static void test_from_text(void **state)
{
	static const struct {
		const char *in;
		const char *out;	/* NULL: error */
		const char *state;
		const char *msg;
	} cases[] = {
		/* PostgreSQL 15.18: 'x'::numeric */
		{ "1.50", "1.50", NULL, NULL },
		{ " 1.5 ", "1.5", NULL, NULL },
		{ "\t-12\n", "-12", NULL, NULL },
		{ "+7", "7", NULL, NULL },
		{ "1e3", "1000", NULL, NULL },
		{ "1.5e-3", "0.0015", NULL, NULL },
		{ "1.50e1", "15.0", NULL, NULL },
		{ "1E+2", "100", NULL, NULL },
		{ "-0.000", "0.000", NULL, NULL },
		{ "-0", "0", NULL, NULL },
		{ ".5", "0.5", NULL, NULL },
		{ "5.", "5", NULL, NULL },
		{ "0.001", "0.001", NULL, NULL },
		{ "000123.4500", "123.4500", NULL, NULL },
		{ "12345678901234567890123456789012345678",
		  "12345678901234567890123456789012345678", NULL, NULL },
		{ "0.12345678901234567890123456789012345678",
		  "0.12345678901234567890123456789012345678", NULL, NULL },
		{ "1e37", "10000000000000000000000000000000000000", NULL,
		  NULL },
		{ "x", NULL, "22P02", "invalid input syntax for type numeric: "
		  "\"x\"" },
		{ "", NULL, "22P02", "for type numeric: \"\"" },
		{ "1.2.3", NULL, "22P02", "\"1.2.3\"" },
		{ "1e", NULL, "22P02", "\"1e\"" },
		{ "e5", NULL, "22P02", "\"e5\"" },
		{ "- 5", NULL, "22P02", "\"- 5\"" },
		{ "1 2", NULL, "22P02", "\"1 2\"" },
		{ ".", NULL, "22P02", "\".\"" },
		/* Ours: 38 digits at most, no NaN. */
		{ "123456789012345678901234567890123456789", NULL, "22003",
		  "out of range for type numeric (at most 38 digits)" },
		{ "1e38", NULL, "22003", "at most 38 digits" },
		{ "0.000000000000000000000000000000000000001", NULL, "22003",
		  "at most 38 digits" },
		{ "1e-39", NULL, "22003", "at most 38 digits" },
		{ "1e1000000000", NULL, "22003", "at most 38 digits" },
		/* Zeros that only lengthen the fraction are dropped. */
		{ "1.0000000000000000000000000000000000000000",
		  "1.0000000000000000000000000000000000000", NULL, NULL },
		{ "0e-50", "0.00000000000000000000000000000000000000", NULL,
		  NULL },
		{ "NaN", NULL, "0A000", "not supported" },
		{ "-Infinity", NULL, "0A000", "not supported" },
	};
	struct sqldec d;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = sqldec_from_text(cases[i].in, strlen(cases[i].in), &d,
					  &e);

		if (cases[i].out != NULL) {
			if (rc != 0)
				fail_msg("'%s': %s", cases[i].in, e.msg);
			assert_dec(&d, cases[i].out);
		} else {
			if (rc == 0)
				fail_msg("'%s' parsed, want an error",
					 cases[i].in);
			assert_err(&e, cases[i].state, cases[i].msg);
		}
	}
	/* Not NUL-terminated input is read only within n. */
	assert_int_equal(sqldec_from_text("12345", 2, &d, &e), 0);
	assert_dec(&d, "12");
}

static void test_format(void **state)
{
	struct sqldec d = { -5, 3 };
	char buf[SQLDEC_TEXT_MAX], small[4];

	assert_int_equal(sqldec_format(&d, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "-0.005");
	/* Cut like snprintf, length still the full one. */
	assert_int_equal(sqldec_format(&d, small, sizeof(small)), 6);
	assert_string_equal(small, "-0.");
	d.coef = 0;
	d.scale = 2;
	sqldec_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "0.00");
	/* The longest forms fit SQLDEC_TEXT_MAX. */
	d = D("-0.99999999999999999999999999999999999999");
	assert_true(sqldec_format(&d, buf, sizeof(buf)) < SQLDEC_TEXT_MAX);
	assert_string_equal(buf, "-0.99999999999999999999999999999999999999");
	d = D("-99999999999999999999999999999999999999");
	assert_true(sqldec_format(&d, buf, sizeof(buf)) < SQLDEC_TEXT_MAX);
}

/* ---- arithmetic --------------------------------------------------------- */

static const struct {
	const char *a, *b, *add, *sub, *mul, *div, *mod;
	int cmp;
} arith[] = {
	/* a, b, a + b, a - b, a * b, a / b, a % b, cmp: PostgreSQL 15.18 */
	{ "1.5", "2.25", "3.75", "-0.75", "3.375", "0.66666666666666666667",
	  "1.50", -1 },
	{ "-7", "3", "-4", "-10", "-21", "-2.3333333333333333", "-1", -1 },
	{ "7", "-3", "4", "10", "-21", "-2.3333333333333333", "1", 1 },
	{ "-7", "-3", "-10", "-4", "21", "2.3333333333333333", "-1", -1 },
	{ "1", "3", "4", "-2", "3", "0.33333333333333333333", "1", -1 },
	{ "2", "3", "5", "-1", "6", "0.66666666666666666667", "2", -1 },
	{ "10", "4", "14", "6", "40", "2.5000000000000000", "2", 1 },
	{ "1", "7", "8", "-6", "7", "0.14285714285714285714", "1", -1 },
	{ "100000", "3.0", "100003.0", "99997.0", "300000.0",
	  "33333.333333333333", "1.0", 1 },
	{ "1.005", "0.001", "1.006", "1.004", "0.001005",
	  "1005.0000000000000000", "0.000", 1 },
	{ "0", "5", "5", "-5", "0", "0.00000000000000000000", "0", -1 },
	{ "0.00", "-1.5", "-1.50", "1.50", "0.000", "0.00000000000000000000",
	  "0.00", 1 },
	{ "123456789012345678", "0.000001", "123456789012345678.000001",
	  "123456789012345677.999999", "123456789012.345678",
	  "123456789012345678000000.000000", "0.000000", 1 },
	{ "99999999999999999999", "0.3", "99999999999999999999.3",
	  "99999999999999999998.7", "29999999999999999999.7",
	  "333333333333333333330.0", "0.0", 1 },
	{ "-0.5", "0.25", "-0.25", "-0.75", "-0.125", "-2.0000000000000000",
	  "0.00", -1 },
	{ "5.5", "-2.25", "3.25", "7.75", "-12.375", "-2.4444444444444444",
	  "1.00", 1 },
	{ "12345678901234567890", "987654321", "12345678902222222211",
	  "12345678900246913569", "12193263112482853211126352690",
	  "12499999887.34374999", "339506163", 1 },
	{ "0.1", "0.3", "0.4", "-0.2", "0.03", "0.33333333333333333333", "0.1",
	  -1 },
	{ "1", "0.0003", "1.0003", "0.9997", "0.0003", "3333.3333333333333333",
	  "0.0001", 1 },
	{ "-1", "99999", "99998", "-100000", "-99999",
	  "-0.000010000100001000010000", "-1", -1 },
	{ "3.14159", "2.71828", "5.85987", "0.42331", "8.5397212652",
	  "1.1557271509925394", "0.42331", 1 },
	{ "1e10", "1e-10", "10000000000.0000000001", "9999999999.9999999999",
	  "1.0000000000", "100000000000000000000.0000000000", "0.0000000000",
	  1 },
	{ "9999999999999999999999999999999999999", "1",
	  "10000000000000000000000000000000000000",
	  "9999999999999999999999999999999999998",
	  "9999999999999999999999999999999999999",
	  "9999999999999999999999999999999999999", "0", 1 },
	{ "-9999999999999999999999999999999999999", "-1",
	  "-10000000000000000000000000000000000000",
	  "-9999999999999999999999999999999999998",
	  "9999999999999999999999999999999999999",
	  "9999999999999999999999999999999999999", "0", -1 },
	{ "1", "1e18", "1000000000000000001", "-999999999999999999",
	  "1000000000000000000", "0.000000000000000001000000000000000000", "1",
	  -1 },
	{ "8", "0.5", "8.5", "7.5", "4.0", "16.0000000000000000", "0.0", 1 },
	{ "2", "0.003", "2.003", "1.997", "0.006", "666.6666666666666667",
	  "0.002", 1 },
	{ "1234.5678", "-0.01", "1234.5578", "1234.5778", "-12.345678",
	  "-123456.780000000000", "0.0078", 1 },
	{ "9.99", "0.001", "9.991", "9.989", "0.00999",
	  "9990.0000000000000000", "0.000", 1 },
};

static void test_arith_table(void **state)
{
	struct sqldec a, b, r;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(arith) / sizeof(arith[0]); i++) {
		a = D(arith[i].a);
		b = D(arith[i].b);
		assert_int_equal(sqldec_add(&a, &b, &r, &e), 0);
		assert_dec(&r, arith[i].add);
		assert_int_equal(sqldec_sub(&a, &b, &r, &e), 0);
		assert_dec(&r, arith[i].sub);
		assert_int_equal(sqldec_mul(&a, &b, &r, &e), 0);
		assert_dec(&r, arith[i].mul);
		assert_int_equal(sqldec_div(&a, &b, &r, &e), 0);
		assert_dec(&r, arith[i].div);
		assert_int_equal(sqldec_mod(&a, &b, &r, &e), 0);
		assert_dec(&r, arith[i].mod);
		assert_int_equal(sqldec_cmp(&a, &b), arith[i].cmp);
		assert_int_equal(sqldec_cmp(&b, &a), -arith[i].cmp);
		/* out may alias an input */
		r = a;
		assert_int_equal(sqldec_add(&r, &b, &r, &e), 0);
		assert_dec(&r, arith[i].add);
	}
}

/* Where the exact result needs more than 38 digits. */
static void test_limits(void **state)
{
	struct sqldec a, b, r;
	struct sqlerr e;

	/* Fraction digits are rounded off, half away from zero. */
	a = D("10000000000000000000000000000000000000");
	b = D("0.5");
	assert_int_equal(sqldec_add(&a, &b, &r, &e), 0);
	assert_dec(&r, "10000000000000000000000000000000000001");
	b = D("0.4");
	assert_int_equal(sqldec_add(&a, &b, &r, &e), 0);
	assert_dec(&r, "10000000000000000000000000000000000000");
	b = D("-0.5");
	assert_int_equal(sqldec_add(&a, &b, &r, &e), 0);
	assert_dec(&r, "9999999999999999999999999999999999999.5");
	a = D("0.00000000000000000416");
	b = D("878310122283459845551439.7");
	assert_int_equal(sqldec_add(&a, &b, &r, &e), 0);
	assert_dec(&r, "878310122283459845551439.70000000000000");
	/* PostgreSQL: 0.000000000000000000000000000000000000333...33 */
	a = D("0.000000000000000000000000000000000001");
	b = D("3");
	assert_int_equal(sqldec_div(&a, &b, &r, &e), 0);
	assert_dec(&r, "0.00000000000000000000000000000000000033");
	/* PostgreSQL: -0.0000000000000000000000002931503412402864991... */
	a = D("0.000000360837783533");
	b = D("-0.000000000000000000812415868344");
	assert_int_equal(sqldec_mul(&a, &b, &r, &e), 0);
	assert_dec(&r, "-0.00000000000000000000000029315034124029");
	/* PostgreSQL 15.18 (both fit): */
	a = D("10000000000000000000000000000000000000");
	b = D("3");
	assert_int_equal(sqldec_div(&a, &b, &r, &e), 0);
	assert_dec(&r, "3333333333333333333333333333333333333");
	a = D("1000000000000000000000000000000.0000000");
	b = D("0.3");
	assert_int_equal(sqldec_div(&a, &b, &r, &e), 0);
	assert_dec(&r, "3333333333333333333333333333333.3333333");
	/* ...and one digit more than fits: 11111...1.11 */
	a = D("10000000000000000000000000000000000000");
	b = D("0.9");
	assert_int_equal(sqldec_div(&a, &b, &r, &e), 0);
	assert_dec(&r, "11111111111111111111111111111111111111");
	/* The integer part alone is too big. */
	a = D("99999999999999999999999999999999999999");
	b = D("1");
	assert_int_equal(sqldec_add(&a, &b, &r, &e), -1);
	assert_err(&e, "22003", "value overflows numeric format");
	b = D("-1");
	assert_int_equal(sqldec_sub(&a, &b, &r, &e), -1);
	a = D("12345678901234567890");
	assert_int_equal(sqldec_mul(&a, &a, &r, &e), -1);
	assert_err(&e, "22003", "value overflows numeric format");
	b = D("0.001");
	a = D("99999999999999999999999999999999999");	/* 35 digits */
	assert_int_equal(sqldec_div(&a, &b, &r, &e), 0);
	assert_dec(&r, "99999999999999999999999999999999999000");
	a = D("999999999999999999999999999999999999");	/* 36 digits */
	assert_int_equal(sqldec_div(&a, &b, &r, &e), -1);
	assert_err(&e, "22003", "overflows");
	/* A carry out of the last digit: 9.99...9 (38 digits) rounds up. */
	a = D("9.9999999999999999999999999999999999999");
	b = D("0.00000000000000000000000000000000000005");
	assert_int_equal(sqldec_add(&a, &b, &r, &e), 0);
	assert_dec(&r, "10.000000000000000000000000000000000000");
	/* Division by zero, also for %. */
	b = D("0.00");
	assert_int_equal(sqldec_div(&a, &b, &r, &e), -1);
	assert_err(&e, "22012", "division by zero");
	assert_int_equal(sqldec_mod(&a, &b, &r, &e), -1);
	assert_err(&e, "22012", "division by zero");
	/* Signs survive rounding to zero: no "-0". */
	a = D("-0.00000000000000000000000000000000000001");
	b = D("0.1");
	assert_int_equal(sqldec_mul(&a, &b, &r, &e), 0);
	assert_dec(&r, "0.00000000000000000000000000000000000000");
}

/* ---- scale -------------------------------------------------------------- */

static void test_round(void **state)
{
	static const struct {
		const char *in;
		char op;	/* r round, t trunc, f floor, c ceil */
		int scale;
		const char *out;
	} cases[] = {
		/* PostgreSQL 15.18 */
		{ "2.5", 'r', 0, "3" },
		{ "-2.5", 'r', 0, "-3" },
		{ "1234.5678", 'r', 2, "1234.57" },
		{ "1234.5678", 'r', -2, "1200" },
		{ "-0.45", 'r', 1, "-0.5" },
		{ "0.05", 'r', 1, "0.1" },
		{ "99.95", 'r', 1, "100.0" },
		{ "9.5", 'r', -1, "10" },
		{ "4.9", 'r', -1, "0" },
		{ "1.5", 'r', 3, "1.500" },
		{ "-1.57", 't', 1, "-1.5" },
		{ "1234.5678", 't', -2, "1200" },
		{ "-1.5", 'f', 0, "-2" },
		{ "-1.5", 'c', 0, "-1" },
		{ "2.0", 'f', 0, "2" },
		{ "2.01", 'c', 0, "3" },
		{ "-0.0001", 'f', 0, "-1" },
		{ "0.0001", 'c', 0, "1" },
		{ "-0.0001", 'c', 0, "0" },
		{ "7", 'f', 0, "7" },
		{ "12345", 'r', -40, "0" },
	};
	struct sqldec a, r;
	struct sqlerr e;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = D(cases[i].in);
		switch (cases[i].op) {
		case 'r':
			rc = sqldec_round(&a, cases[i].scale, &r, &e);
			break;
		case 't':
			rc = sqldec_trunc(&a, cases[i].scale, &r, &e);
			break;
		case 'f':
			rc = sqldec_floor(&a, &r, &e);
			break;
		default:
			rc = sqldec_ceil(&a, &r, &e);
			break;
		}
		if (rc != 0)
			fail_msg("%c(%s, %d): %s", cases[i].op, cases[i].in,
				 cases[i].scale, e.msg);
		assert_dec(&r, cases[i].out);
	}
	/* More digits than we hold. */
	a = D("1.5");
	assert_int_equal(sqldec_round(&a, 40, &r, &e), -1);
	assert_err(&e, "22003", "overflows");
	a = D("99999999999999999999999999999999999999");
	assert_int_equal(sqldec_round(&a, 1, &r, &e), -1);
	a = D("99999999999999999999999999999999999999");
	assert_int_equal(sqldec_round(&a, -1, &r, &e), -1);
	sqldec_normalize(&(struct sqldec){ 1500, 3 }, &r);
	assert_dec(&r, "1.5");
	sqldec_normalize(&(struct sqldec){ 0, 3 }, &r);
	assert_dec(&r, "0");
	sqldec_normalize(&(struct sqldec){ 100, 0 }, &r);
	assert_dec(&r, "100");
}

static void test_fit(void **state)
{
	static const struct {
		const char *in;
		int p, s;
		const char *out;	/* NULL: 22003 */
	} cases[] = {
		/* PostgreSQL 15.18: 'x'::numeric(p,s) */
		{ "1.005", 5, 2, "1.01" },
		{ "-1.005", 5, 2, "-1.01" },
		{ "0.0005", 5, 2, "0.00" },
		{ "999.994", 5, 2, "999.99" },
		{ "999.995", 5, 2, NULL },
		{ "99.999", 5, 2, "100.00" },
		{ "123.456", 4, 1, "123.5" },
		{ "123.456", 2, 1, NULL },
		{ "0.5", 3, 3, "0.500" },
		{ "1.005", 3, 3, NULL },
		{ "12345678901234567890123456789012345678", 38, 0,
		  "12345678901234567890123456789012345678" },
		{ "0.12345678901234567890123456789012345678", 38, 38,
		  "0.12345678901234567890123456789012345678" },
		{ "1e2", 3, 0, "100" },
		{ "1e3", 3, 0, NULL },
	};
	struct sqldec a, r;
	struct sqlerr e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = D(cases[i].in);
		if (cases[i].out != NULL) {
			assert_int_equal(sqldec_fit(&a, cases[i].p, cases[i].s,
						    &r, &e), 0);
			assert_dec(&r, cases[i].out);
		} else {
			assert_int_equal(sqldec_fit(&a, cases[i].p, cases[i].s,
						    &r, &e), -1);
			assert_err(&e, "22003", "numeric field overflow");
		}
	}
	a = D("999.995");
	sqldec_fit(&a, 5, 2, &r, &e);
	assert_string_equal(e.msg, "numeric field overflow: a field with "
			    "precision 5, scale 2 must round to an absolute "
			    "value less than 10^3");
	a = D("1.5");
	sqldec_fit(&a, 3, 3, &r, &e);
	assert_non_null(strstr(e.msg, "less than 1"));
	assert_int_equal(sqldec_fit(&a, 0, 0, &r, &e), -1);
	assert_err(&e, "22023", "NUMERIC precision 0 must be between 1 and "
		   "38");
	assert_int_equal(sqldec_fit(&a, 39, 0, &r, &e), -1);
	assert_int_equal(sqldec_fit(&a, 5, 6, &r, &e), -1);
	assert_err(&e, "22023", "NUMERIC scale 6 must be between 0 and "
		   "precision 5");
}

/* ---- conversions -------------------------------------------------------- */

static void test_conversions(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
		bool ok;
	} to_int[] = {
		/* PostgreSQL 15.18: x::numeric::int8 */
		{ "2.5", 3, true },
		{ "-2.5", -3, true },
		{ "2.4999", 2, true },
		{ "9223372036854775807.4", INT64_MAX, true },
		{ "-9223372036854775808.4", INT64_MIN, true },
		{ "9223372036854775807.5", 0, false },
		{ "-9223372036854775808.5", 0, false },
		{ "1e30", 0, false },
	};
	static const struct {
		double f;
		int digits;
		const char *out;
	} from_f[] = {
		/* PostgreSQL 15.18: x::float8::numeric, x::float4::numeric */
		{ 0.1, 15, "0.1" },
		{ 1.0 / 3, 15, "0.333333333333333" },
		{ 1e20, 15, "100000000000000000000" },
		{ (float)0.1, 6, "0.1" },
		{ -2.5e-7, 15, "-0.00000025" },
		{ (float)123456789.123, 6, "123457000" },
		{ 1e15, 15, "1000000000000000" },
		{ 1.5e-20, 15, "0.000000000000000000015" },
		{ -0.0, 15, "0" },
	};
	static const struct {
		const char *in;
		double want;
	} to_f[] = {
		/* PostgreSQL 15.18: x::numeric::float8 */
		{ "1.50", 1.5 },
		{ "0.1", 0.1 },
		{ "12345678901234567890.123", 1.2345678901234567e+19 },
		{ "-0.000001", -1e-06 },
		{ "99999999999999999999999999999999999999", 1e38 },
	};
	struct sqldec d;
	struct sqlerr e;
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(to_int) / sizeof(to_int[0]); i++) {
		d = D(to_int[i].in);
		if (to_int[i].ok) {
			assert_int_equal(sqldec_to_int(&d, &v, &e), 0);
			assert_true(v == to_int[i].want);
		} else {
			assert_int_equal(sqldec_to_int(&d, &v, &e), -1);
			assert_err(&e, "22003", "bigint out of range");
		}
	}
	for (i = 0; i < sizeof(from_f) / sizeof(from_f[0]); i++) {
		assert_int_equal(sqldec_from_double(from_f[i].f,
						    from_f[i].digits, &d, &e),
				 0);
		assert_dec(&d, from_f[i].out);
	}
	assert_int_equal(sqldec_from_double(NAN, 15, &d, &e), -1);
	assert_err(&e, "0A000", "cannot convert NaN to numeric");
	assert_int_equal(sqldec_from_double(-INFINITY, 15, &d, &e), -1);
	assert_err(&e, "0A000", "cannot convert infinity to numeric");
	assert_int_equal(sqldec_from_double(1e40, 15, &d, &e), -1);
	assert_err(&e, "22003", "at most 38 digits");
	for (i = 0; i < sizeof(to_f) / sizeof(to_f[0]); i++) {
		d = D(to_f[i].in);
		assert_true(sqldec_to_double(&d) == to_f[i].want);
	}
	sqldec_from_int(INT64_MIN, &d);
	assert_dec(&d, "-9223372036854775808");
	assert_int_equal(sqldec_to_int(&d, &v, &e), 0);
	assert_true(v == INT64_MIN);
	sqldec_neg(&d, &d);
	assert_dec(&d, "9223372036854775808");
	assert_int_equal(sqldec_sign(&d), 1);
	sqldec_abs(&(struct sqldec){ -15, 1 }, &d);
	assert_dec(&d, "1.5");
	assert_false(sqldec_valid(&(struct sqldec){ 1, 39 }));
	assert_false(sqldec_valid(&(struct sqldec){ 1, -1 }));
	d = D("99999999999999999999999999999999999999");
	d.coef += 1;
	assert_false(sqldec_valid(&d));
}

/* ---- properties --------------------------------------------------------- */

/* A random valid decimal: 1..38 digits, scale 0..38, sign. */
static struct sqldec gen(void)
{
	struct sqldec d;
	unsigned __int128 u = 0;
	int digits = 1 + (int)rng_below(rng_below(4) == 0 ? 38 : 12), i;

	for (i = 0; i < digits; i++)
		u = u * 10 + rng_below(10);
	if (rng_below(8) == 0)
		u = 0;
	d.coef = (__int128)u;
	if (rng_below(2))
		d.coef = -d.coef;
	d.scale = (int)rng_below(rng_below(4) == 0 ? 39 : 6);
	return d;
}

static int sgn(int x)
{
	return (x > 0) - (x < 0);
}

static void test_property(void **state)
{
	struct sqldec a, b, c, r, q, back;
	char buf[SQLDEC_TEXT_MAX], ta[SQLDEC_TEXT_MAX], tb[SQLDEC_TEXT_MAX];
	struct sqlerr e;
	int i, exact = 0;

	rng_state = seed();
	for (i = 0; i < 40000; i++) {
		a = gen();
		b = gen();
		sqldec_format(&a, ta, sizeof(ta));
		sqldec_format(&b, tb, sizeof(tb));

		/* Text round trip keeps coef and scale. */
		assert_int_equal(sqldec_from_text(ta, strlen(ta), &back, &e),
				 0);
		assert_true(back.coef == a.coef && back.scale == a.scale);

		/* cmp is antisymmetric and agrees with the sign of a - b. */
		assert_int_equal(sgn(sqldec_cmp(&a, &b)),
				 -sgn(sqldec_cmp(&b, &a)));
		if (sqldec_sub(&a, &b, &r, &e) == 0 &&
		    r.scale == (a.scale > b.scale ? a.scale : b.scale))
			if (sgn(sqldec_cmp(&a, &b)) != sqldec_sign(&r))
				fail_msg("cmp(%s, %s) disagrees with the "
					 "difference (seed %" PRIu64 ")", ta,
					 tb, seed());
		/* Normalizing keeps the value. */
		sqldec_normalize(&a, &c);
		assert_int_equal(sqldec_cmp(&a, &c), 0);
		/* a + b - b == a when nothing was rounded. */
		if (sqldec_add(&a, &b, &r, &e) == 0 &&
		    r.scale == (a.scale > b.scale ? a.scale : b.scale) &&
		    sqldec_sub(&r, &b, &c, &e) == 0 &&
		    c.scale == r.scale) {
			exact++;
			if (sqldec_cmp(&c, &a) != 0) {
				sqldec_format(&c, buf, sizeof(buf));
				fail_msg("%s + %s - %s = %s (seed %" PRIu64
					 ")", ta, tb, tb, buf, seed());
			}
		}
		/* (a * b) / b == a for b != 0 when the product is exact:
		 * the quotient is then exact at its scale. */
		if (b.coef != 0 && sqldec_mul(&a, &b, &r, &e) == 0 &&
		    r.scale == a.scale + b.scale &&
		    sqldec_div(&r, &b, &q, &e) == 0 && q.scale >= a.scale &&
		    sqldec_cmp(&q, &a) != 0) {
			sqldec_format(&q, buf, sizeof(buf));
			fail_msg("%s * %s / %s = %s (seed %" PRIu64 ")", ta,
				 tb, tb, buf, seed());
		}
		/* a % b: |r| < |b|, sign of a, and (a - r) / b is whole. */
		if (b.coef != 0 && sqldec_mod(&a, &b, &r, &e) == 0) {
			struct sqldec ar, ab, diff;

			sqldec_abs(&r, &ar);
			sqldec_abs(&b, &ab);
			assert_true(sqldec_cmp(&ar, &ab) < 0);
			assert_true(r.coef == 0 ||
				    sqldec_sign(&r) == sqldec_sign(&a));
			if (sqldec_sub(&a, &r, &diff, &e) == 0 &&
			    diff.scale == (a.scale > r.scale ? a.scale :
					   r.scale) &&
			    sqldec_div(&diff, &b, &q, &e) == 0 &&
			    sqldec_round(&q, 0, &c, &e) == 0 &&
			    sqldec_cmp(&c, &q) != 0) {
				sqldec_format(&q, buf, sizeof(buf));
				fail_msg("(%s - %s %% %s) / %s = %s", ta, tb,
					 ta, tb, buf);
			}
		}
		/* Every result is valid (|coef| < 10^38, scale <= 38). */
		if (sqldec_mul(&a, &b, &r, &e) == 0)
			assert_true(sqldec_valid(&r));
		if (b.coef != 0 && sqldec_div(&a, &b, &r, &e) == 0)
			assert_true(sqldec_valid(&r));
		/* Doubles: the conversion is monotonic. */
		if (sqldec_cmp(&a, &b) < 0)
			assert_true(sqldec_to_double(&a) <=
				    sqldec_to_double(&b));
	}
	/* The generator must hit the exact path often. */
	assert_true(exact > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_text),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_arith_table),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests_name("sqldec", tests, NULL, NULL);
}
