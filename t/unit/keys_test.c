/*
 * keys_test.c -- unit and property tests for libcommon/keys.c.
 *
 * Tables of edge cases (integer and float extremes, NaN payloads, -0.0,
 * strings with 0x00/0xff, decimals of every sign, length and exponent,
 * prefixes), malformed input for the decoder,
 * printing into buffers of every size, parsing, and seeded property tests
 * over random values, tuples and raw byte strings: encoding order equals
 * keys_val_cmp() order, decode(encode(x)) == x and
 * parse(pretty(k)) == k.  The seed is fixed; KEYS_TEST_SEED=<n> overrides
 * it to explore, and a failure prints the seed and the values involved.
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

#include "keys.h"

/* ---- helpers --------------------------------------------------------- */

static uint64_t rng_state;

/* splitmix64: small, fast, and good enough for test data. */
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

static uint64_t seed_from_env(void)
{
	const char *s = getenv("KEYS_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : UINT64_C(20261124);
}

static double dbl(uint64_t bits)
{
	double f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static uint64_t bits(double f)
{
	uint64_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void hexstr(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t i, w = 0;

	out[0] = '\0';
	for (i = 0; i < n && w + 3 < cap; i++)
		w += (size_t)snprintf(out + w, cap - w, "%02x", p[i]);
}

/* Encode one value into a fresh buffer (caller releases). */
static void enc1(const struct keys_val *v, struct keys_buf *b)
{
	struct err e;

	keys_buf_init(b);
	assert_int_equal(keys_encode_val(b, v, &e), RC_OK);
}

static void assert_bytes(const struct keys_buf *b, const char *want_hex)
{
	char got[1024];

	hexstr(b->p, b->len, got, sizeof(got));
	if (strcmp(got, want_hex) != 0)
		fail_msg("encoding %s, want %s", got, want_hex);
}

/* Decoded value must equal the original, with -0 -> +0 and NaN canonical. */
static void assert_same_val(const struct keys_val *orig,
			    const struct keys_val *dec)
{
	char a[256], b[256];

	keys_pretty_val(orig, a, sizeof(a));
	keys_pretty_val(dec, b, sizeof(b));
	if (orig->type != dec->type || keys_val_cmp(orig, dec) != 0)
		fail_msg("decoded %s, want %s (seed %" PRIu64 ")", b, a,
			 seed_from_env());
	switch (orig->type) {
	case KEYS_FLOAT:
		if (isnan(orig->u.f))
			assert_true(bits(dec->u.f) ==
				    UINT64_C(0x7ff8000000000000));
		else if (orig->u.f == 0)
			assert_true(bits(dec->u.f) == 0);
		else
			assert_true(bits(dec->u.f) == bits(orig->u.f));
		break;
	case KEYS_BOOL:
		assert_int_equal(orig->u.b, dec->u.b);
		break;
	case KEYS_BYTES:
	case KEYS_TEXT:
		assert_int_equal(orig->u.s.n, dec->u.s.n);
		if (orig->u.s.n > 0)
			assert_memory_equal(orig->u.s.p, dec->u.s.p,
					    orig->u.s.n);
		break;
	case KEYS_DECIMAL:
		/* Decoded decimals are normalized. */
		if (dec->u.d.coef == 0)
			assert_int_equal(dec->u.d.exp, 0);
		else
			assert_true(dec->u.d.coef % 10 != 0);
		break;
	default:
		break;
	}
}

/* pretty(key) parses back to exactly key; returns the printed form. */
static char *assert_pretty_roundtrip(const uint8_t *key, size_t n)
{
	char *s = keys_pretty_alloc(key, n), hx[2048], hy[2048];
	struct keys_buf b;
	struct err e;
	int rc;

	assert_non_null(s);
	assert_int_equal(strlen(s), keys_pretty(key, n, NULL, 0));
	keys_buf_init(&b);
	rc = keys_parse_pretty(s, &b, &e);
	if (rc != RC_OK)
		fail_msg("cannot parse '%s': %s", s, e.msg);
	if (keys_cmp(key, n, b.p, b.len) != 0) {
		hexstr(key, n, hx, sizeof(hx));
		hexstr(b.p, b.len, hy, sizeof(hy));
		fail_msg("'%s' parsed to %s, want %s", s, hy, hx);
	}
	keys_buf_release(&b);
	return s;
}

/* ---- buffer ---------------------------------------------------------- */

static void test_buf(void **state)
{
	struct keys_buf b;
	struct err e;
	size_t i;

	keys_buf_init(&b);
	assert_null(b.p);
	assert_int_equal(keys_buf_append(&b, "", 0, &e), RC_OK);
	for (i = 0; i < 1000; i++)
		assert_int_equal(keys_buf_append(&b, "ab", 2, &e), RC_OK);
	assert_int_equal(b.len, 2000);
	assert_true(b.cap >= b.len);
	assert_memory_equal(b.p + 1998, "ab", 2);

	/* Growth that would overflow size_t fails cleanly, contents kept. */
	err_clear(&e);
	assert_int_equal(keys_buf_reserve(&b, SIZE_MAX, &e), RC_NOMEM);
	assert_int_equal(e.code, RC_NOMEM);
	assert_non_null(strstr(e.msg, "cannot grow"));
	assert_int_equal(keys_buf_append(&b, "x", SIZE_MAX - 5, &e),
			 RC_NOMEM);
	assert_int_equal(b.len, 2000);
	assert_memory_equal(b.p, "abab", 4);

	keys_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_non_null(b.p);
	keys_buf_release(&b);
	assert_null(b.p);
	assert_int_equal(b.cap, 0);
}

/* ---- golden encodings ------------------------------------------------ */

static void test_encode_golden(void **state)
{
	static const struct {
		struct keys_val v;
		const char *hex;
	} cases[] = {
		{ { KEYS_NULL, { 0 } }, "05" },
		{ { KEYS_BOOL, { .b = false } }, "06" },
		{ { KEYS_BOOL, { .b = true } }, "07" },
		{ { KEYS_INT, { .i = 0 } }, "088000000000000000" },
		{ { KEYS_INT, { .i = 1 } }, "088000000000000001" },
		{ { KEYS_INT, { .i = -1 } }, "087fffffffffffffff" },
		{ { KEYS_INT, { .i = INT64_MIN } }, "080000000000000000" },
		{ { KEYS_INT, { .i = INT64_MAX } }, "08ffffffffffffffff" },
		{ { KEYS_FLOAT, { .f = 0.0 } }, "098000000000000000" },
		{ { KEYS_FLOAT, { .f = -0.0 } }, "098000000000000000" },
		{ { KEYS_FLOAT, { .f = 1.0 } }, "09bff0000000000000" },
		{ { KEYS_FLOAT, { .f = -1.0 } }, "09400fffffffffffff" },
		{ { KEYS_FLOAT, { .f = INFINITY } }, "09fff0000000000000" },
		{ { KEYS_FLOAT, { .f = -INFINITY } }, "09000fffffffffffff" },
		{ { KEYS_FLOAT, { .f = NAN } }, "09fff8000000000000" },
		{ { KEYS_FLOAT, { .f = -NAN } }, "09fff8000000000000" },
		{ { KEYS_BYTES, { .s = { (const uint8_t *)"", 0 } } },
		  "0a0001" },
		{ { KEYS_BYTES, { .s = { (const uint8_t *)"\0", 1 } } },
		  "0a00ff0001" },
		{ { KEYS_TEXT, { .s = { (const uint8_t *)"a\0b\xff", 4 } } },
		  "0b6100ff62ff0001" },
		{ { KEYS_DECIMAL, { .d = { 0, 0 } } }, "0c02" },
		{ { KEYS_DECIMAL, { .d = { 0, -7 } } }, "0c02" },
		{ { KEYS_DECIMAL, { .d = { 1, 0 } } }, "0c0380010b00" },
		{ { KEYS_DECIMAL, { .d = { 15, -1 } } }, "0c0380011000" },
		{ { KEYS_DECIMAL, { .d = { 150, -2 } } }, "0c0380011000" },
		{ { KEYS_DECIMAL, { .d = { -15, -1 } } }, "0c017ffeefff" },
		{ { KEYS_DECIMAL, { .d = { 123, 0 } } }, "0c0380030d1f00" },
		{ { KEYS_DECIMAL, { .d = { 1, -3 } } }, "0c037ffe0b00" },
		{ { KEYS_DECIMAL, { .d = { 1000, -6 } } }, "0c037ffe0b00" },
		{ { KEYS_DECIMAL, { .d = { 10, 0 } } }, "0c0380020b00" },
		{ { KEYS_DECIMAL, { .d = { 99, 0 } } }, "0c0380026400" },
	};
	struct keys_buf b;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enc1(&cases[i].v, &b);
		assert_bytes(&b, cases[i].hex);
		keys_buf_release(&b);
	}

	/* Per-type encoders agree with keys_encode_val(). */
	keys_buf_init(&b);
	assert_int_equal(keys_encode_null(&b, &e), RC_OK);
	assert_int_equal(keys_encode_bool(&b, true, &e), RC_OK);
	assert_int_equal(keys_encode_int(&b, -2, &e), RC_OK);
	assert_int_equal(keys_encode_float(&b, 0.5, &e), RC_OK);
	assert_int_equal(keys_encode_bytes(&b, "\xff", 1, &e), RC_OK);
	assert_int_equal(keys_encode_text(&b, "hi", 2, &e), RC_OK);
	assert_int_equal(keys_encode_decimal(&b, -2, 0, &e), RC_OK);
	assert_bytes(&b, "0507087ffffffffffffffe09bfe0000000000000"
		     "0aff00010b68690001" "0c017ffeeaff");
	keys_buf_release(&b);
}

/* Decimals: equal values, equal bytes; the exponent limit. */
static void test_decimal_encode(void **state)
{
	static const struct {
		__int128 coef;
		int32_t exp;
	} same[][3] = {
		{ { 15, -1 }, { 150, -2 }, { 1500000, -6 } },
		{ { 1, 2 }, { 100, 0 }, { 10000, -2 } },
		{ { -7, 0 }, { -70, -1 }, { -700000, -5 } },
		{ { 0, 0 }, { 0, 9 }, { 0, -38 } },
	};
	struct keys_buf a, b;
	struct keys_val v;
	struct err e;
	size_t i, j, off;
	__int128 big;

	keys_buf_init(&a);
	keys_buf_init(&b);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		keys_buf_reset(&a);
		assert_int_equal(keys_encode_decimal(&a, same[i][0].coef,
						     same[i][0].exp, &e),
				 RC_OK);
		for (j = 1; j < 3; j++) {
			keys_buf_reset(&b);
			assert_int_equal(keys_encode_decimal(&b,
							     same[i][j].coef,
							     same[i][j].exp,
							     &e), RC_OK);
			assert_int_equal(keys_cmp(a.p, a.len, b.p, b.len), 0);
		}
	}

	/* The limit applies to the normalized exponent. */
	keys_buf_reset(&a);
	assert_int_equal(keys_encode_decimal(&a, 1, KEYS_DECIMAL_EXP_MAX, &e),
			 RC_OK);
	assert_int_equal(keys_encode_decimal(&a, 100,
					     KEYS_DECIMAL_EXP_MAX - 2, &e),
			 RC_OK);
	assert_int_equal(keys_encode_decimal(&a, 10, KEYS_DECIMAL_EXP_MAX,
					     &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "decimal exponent 16385 is out of "
			       "range"));
	assert_int_equal(keys_encode_decimal(&a, -3, -KEYS_DECIMAL_EXP_MAX - 1,
					     &e), RC_BAD_INPUT);
	assert_int_equal(keys_encode_decimal(&a, 0, INT32_MIN, &e), RC_OK);
	assert_int_equal(keys_encode_decimal(&a, 30, -KEYS_DECIMAL_EXP_MAX - 1,
					     &e), RC_OK);

	/* The extremes of __int128 round-trip. */
	big = (__int128)(((unsigned __int128)1 << 127) - 1);
	for (i = 0; i < 2; i++) {
		keys_buf_reset(&a);
		v = keys_decimal(i == 0 ? big : -big - 1, -20);
		assert_int_equal(keys_encode_val(&a, &v, &e), RC_OK);
		off = 0;
		assert_int_equal(keys_decode_next(a.p, a.len, &off, &v, NULL,
						  &e), RC_OK);
		assert_int_equal(off, a.len);
		assert_true(v.u.d.coef == (i == 0 ? big : -big - 1));
		assert_int_equal(v.u.d.exp, -20);
	}
	keys_buf_release(&a);
	keys_buf_release(&b);
}

static void test_encode_keys(void **state)
{
	struct keys_val cols[2] = { keys_text("alice", 5), keys_int(42) };
	struct keys_val bad = { .type = (enum keys_type)99 };
	struct keys_val mixed[2] = { keys_int(1), bad };
	struct keys_buf b;
	struct err e;

	keys_buf_init(&b);
	assert_int_equal(keys_encode_table_key(&b, 53, 1, cols, 2, &e), RC_OK);
	assert_bytes(&b, "03088000000000000035088000000000000001"
		     "0b616c696365000108800000000000002a");
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_META, cols, 1, &e),
			 RC_OK);
	assert_bytes(&b, "010b616c6963650001");

	/* Errors append nothing, even in the middle of a tuple. */
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_int(&b, 7, &e), RC_OK);
	assert_int_equal(keys_encode_val(&b, &bad, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "unknown type 99"));
	assert_int_equal(keys_encode_tuple(&b, mixed, 2, &e), RC_BAD_INPUT);
	assert_int_equal(b.len, 9);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_SYS, mixed, 2, &e),
			 RC_BAD_INPUT);
	assert_int_equal(b.len, 9);
	assert_int_equal(keys_encode_table_key(&b, 1, 2, mixed, 2, &e),
			 RC_BAD_INPUT);
	assert_int_equal(b.len, 9);
	assert_int_equal(keys_encode_prefix(&b, 4, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "prefix 0x04"));
	assert_int_equal(keys_encode_prefix(&b, 0, &e), RC_BAD_INPUT);
	assert_int_equal(keys_encode_key(&b, 5, cols, 1, &e), RC_BAD_INPUT);
	assert_int_equal(b.len, 9);
	assert_int_equal(keys_key_prefix(b.p, b.len), 0);
	keys_buf_release(&b);
}

/* ---- order of a table of edge cases ---------------------------------- */

#define S(lit) { .s = { (const uint8_t *)(lit), sizeof(lit) - 1 } }

/* Strictly increasing; each row is one value (or several equal ones). */
static const struct keys_val ordered[] = {
	{ KEYS_NULL, { 0 } },
	{ KEYS_BOOL, { .b = false } },
	{ KEYS_BOOL, { .b = true } },
	{ KEYS_INT, { .i = INT64_MIN } },
	{ KEYS_INT, { .i = INT64_MIN + 1 } },
	{ KEYS_INT, { .i = -4294967296 } },
	{ KEYS_INT, { .i = -256 } },
	{ KEYS_INT, { .i = -255 } },
	{ KEYS_INT, { .i = -1 } },
	{ KEYS_INT, { .i = 0 } },
	{ KEYS_INT, { .i = 1 } },
	{ KEYS_INT, { .i = 255 } },
	{ KEYS_INT, { .i = 256 } },
	{ KEYS_INT, { .i = INT64_MAX - 1 } },
	{ KEYS_INT, { .i = INT64_MAX } },
	{ KEYS_FLOAT, { .f = -INFINITY } },
	{ KEYS_FLOAT, { .f = -DBL_MAX } },
	{ KEYS_FLOAT, { .f = -1e300 } },
	{ KEYS_FLOAT, { .f = -1.5 } },
	{ KEYS_FLOAT, { .f = -1.0 } },
	{ KEYS_FLOAT, { .f = -DBL_MIN } },
	{ KEYS_FLOAT, { .f = -4.9406564584124654e-324 } },
	{ KEYS_FLOAT, { .f = 0.0 } },
	{ KEYS_FLOAT, { .f = 4.9406564584124654e-324 } },
	{ KEYS_FLOAT, { .f = 2.2250738585072009e-308 } },	/* max denormal */
	{ KEYS_FLOAT, { .f = DBL_MIN } },
	{ KEYS_FLOAT, { .f = 0.1 } },
	{ KEYS_FLOAT, { .f = 1.0 } },
	{ KEYS_FLOAT, { .f = 1.0000000000000002 } },
	{ KEYS_FLOAT, { .f = 9007199254740993.0 } },
	{ KEYS_FLOAT, { .f = DBL_MAX } },
	{ KEYS_FLOAT, { .f = INFINITY } },
	{ KEYS_FLOAT, { .f = NAN } },
	{ KEYS_BYTES, S("") },
	{ KEYS_BYTES, S("\0") },
	{ KEYS_BYTES, S("\0\0") },
	{ KEYS_BYTES, S("\0\x01") },
	{ KEYS_BYTES, S("\0\xff") },
	{ KEYS_BYTES, S("\x01") },
	{ KEYS_BYTES, S("ab") },
	{ KEYS_BYTES, S("ab\0") },
	{ KEYS_BYTES, S("ab\0\0") },
	{ KEYS_BYTES, S("ab\0\xff") },
	{ KEYS_BYTES, S("ab\x01") },
	{ KEYS_BYTES, S("abc") },
	{ KEYS_BYTES, S("\xfe\xff") },
	{ KEYS_BYTES, S("\xff") },
	{ KEYS_BYTES, S("\xff\0") },
	{ KEYS_BYTES, S("\xff\xff") },
	{ KEYS_TEXT, S("") },
	{ KEYS_TEXT, S("\0") },
	{ KEYS_TEXT, S("A") },
	{ KEYS_TEXT, S("alice") },
	{ KEYS_TEXT, S("alice\0") },
	{ KEYS_TEXT, S("alicf") },
	{ KEYS_TEXT, S("caf\xc3\xa9") },
	{ KEYS_TEXT, S("\xff\xff\xff") },
	{ KEYS_DECIMAL, { .d = { -1, KEYS_DECIMAL_EXP_MAX } } },
	{ KEYS_DECIMAL, { .d = { -(__int128)(~(unsigned __int128)0 >> 1) - 1,
				 0 } } },
	{ KEYS_DECIMAL, { .d = { -(__int128)(~(unsigned __int128)0 >> 1),
				 0 } } },
	{ KEYS_DECIMAL, { .d = { -15, 0 } } },
	{ KEYS_DECIMAL, { .d = { -10, 0 } } },
	{ KEYS_DECIMAL, { .d = { -9999, -3 } } },
	{ KEYS_DECIMAL, { .d = { -123, -2 } } },
	{ KEYS_DECIMAL, { .d = { -12, -1 } } },
	{ KEYS_DECIMAL, { .d = { -101, -2 } } },
	{ KEYS_DECIMAL, { .d = { -1, 0 } } },
	{ KEYS_DECIMAL, { .d = { -5, -1 } } },
	{ KEYS_DECIMAL, { .d = { -1, -KEYS_DECIMAL_EXP_MAX } } },
	{ KEYS_DECIMAL, { .d = { 0, 0 } } },
	{ KEYS_DECIMAL, { .d = { 1, -KEYS_DECIMAL_EXP_MAX } } },
	{ KEYS_DECIMAL, { .d = { 1, -3 } } },
	{ KEYS_DECIMAL, { .d = { 1, -1 } } },
	{ KEYS_DECIMAL, { .d = { 10000000001, -11 } } },
	{ KEYS_DECIMAL, { .d = { 12, -2 } } },
	{ KEYS_DECIMAL, { .d = { 123, -3 } } },
	{ KEYS_DECIMAL, { .d = { 2, -1 } } },
	{ KEYS_DECIMAL, { .d = { 1, 0 } } },
	{ KEYS_DECIMAL, { .d = { 105, -2 } } },
	{ KEYS_DECIMAL, { .d = { 15, -1 } } },
	{ KEYS_DECIMAL, { .d = { 999, -2 } } },
	{ KEYS_DECIMAL, { .d = { 1, 1 } } },
	{ KEYS_DECIMAL, { .d = { 11, 0 } } },
	{ KEYS_DECIMAL, { .d = { (__int128)(~(unsigned __int128)0 >> 1), 0 } } },
	{ KEYS_DECIMAL, { .d = { 1, 39 } } },
	{ KEYS_DECIMAL, { .d = { 1, KEYS_DECIMAL_EXP_MAX } } },
};

#define N_ORDERED (sizeof(ordered) / sizeof(ordered[0]))

static void test_order_table(void **state)
{
	struct keys_buf ba, bb;
	char pa[128], pb[128];
	size_t i, j;

	for (i = 0; i < N_ORDERED; i++) {
		enc1(&ordered[i], &ba);
		for (j = 0; j < N_ORDERED; j++) {
			int want = i < j ? -1 : i > j, c;

			enc1(&ordered[j], &bb);
			c = sign(keys_cmp(ba.p, ba.len, bb.p, bb.len));
			keys_pretty_val(&ordered[i], pa, sizeof(pa));
			keys_pretty_val(&ordered[j], pb, sizeof(pb));
			if (c != want)
				fail_msg("encoded %s vs %s: %d, want %d",
					 pa, pb, c, want);
			c = sign(keys_val_cmp(&ordered[i], &ordered[j]));
			if (c != want)
				fail_msg("keys_val_cmp(%s, %s) = %d, want %d",
					 pa, pb, c, want);
			keys_buf_release(&bb);
		}
		keys_buf_release(&ba);
	}
}

static void test_float_specials(void **state)
{
	static const uint64_t nans[] = {
		UINT64_C(0x7ff8000000000000), UINT64_C(0x7ff0000000000001),
		UINT64_C(0x7fffffffffffffff), UINT64_C(0xfff8000000000000),
		UINT64_C(0xfff0000000000001), UINT64_C(0xffffffffffffffff),
		UINT64_C(0x7ff4000000000000),	/* signalling */
	};
	struct keys_val v, nan0 = keys_float(NAN), d;
	struct keys_buf b;
	size_t i, off;
	struct err e;
	char p[64];

	for (i = 0; i < sizeof(nans) / sizeof(nans[0]); i++) {
		v = keys_float(dbl(nans[i]));
		assert_true(isnan(v.u.f));
		assert_int_equal(keys_val_cmp(&v, &nan0), 0);
		enc1(&v, &b);
		assert_bytes(&b, "09fff8000000000000");
		off = 0;
		assert_int_equal(keys_decode_next(b.p, b.len, &off, &d, NULL,
						  &e), RC_OK);
		assert_true(bits(d.u.f) == UINT64_C(0x7ff8000000000000));
		keys_pretty_val(&v, p, sizeof(p));
		assert_string_equal(p, "NaN");
		keys_buf_release(&b);
	}
	/* NaN sorts above +Inf, and -0 == +0. */
	v = keys_float(INFINITY);
	assert_true(keys_val_cmp(&nan0, &v) > 0);
	assert_true(keys_val_cmp(&v, &nan0) < 0);
	v = keys_float(-0.0);
	d = keys_float(0.0);
	assert_int_equal(keys_val_cmp(&v, &d), 0);
	enc1(&v, &b);
	off = 0;
	assert_int_equal(keys_decode_next(b.p, b.len, &off, &d, NULL, &e),
			 RC_OK);
	assert_false(signbit(d.u.f));
	assert_true(d.u.f == 0);
	keys_buf_release(&b);
}

static void test_roundtrip_table(void **state)
{
	struct keys_val d;
	struct keys_buf b;
	uint8_t *scratch;
	size_t i, off;
	struct err e;
	char *s;

	for (i = 0; i < N_ORDERED; i++) {
		enc1(&ordered[i], &b);
		scratch = malloc(b.len);	/* exact size: ASan checks */
		assert_non_null(scratch);
		off = 0;
		assert_int_equal(keys_decode_next(b.p, b.len, &off, &d,
						  scratch, &e), RC_OK);
		assert_int_equal(off, b.len);
		assert_same_val(&ordered[i], &d);
		if (d.type == KEYS_TEXT || d.type == KEYS_BYTES)
			assert_int_equal(d.u.s.p[d.u.s.n], 0);
		s = assert_pretty_roundtrip(b.p, b.len);
		free(s);
		free(scratch);
		keys_buf_release(&b);
	}
}

/* ---- tuples ---------------------------------------------------------- */

static void assert_tuple_order(const struct keys_val *a, size_t na,
			       const struct keys_val *b, size_t nb, int want)
{
	struct keys_buf ea, eb;
	struct err e;

	keys_buf_init(&ea);
	keys_buf_init(&eb);
	assert_int_equal(keys_encode_tuple(&ea, a, na, &e), RC_OK);
	assert_int_equal(keys_encode_tuple(&eb, b, nb, &e), RC_OK);
	assert_int_equal(sign(keys_tuple_cmp(a, na, b, nb)), want);
	assert_int_equal(sign(keys_cmp(ea.p, ea.len, eb.p, eb.len)), want);
	keys_buf_release(&ea);
	keys_buf_release(&eb);
}

static void test_tuple_order(void **state)
{
	struct keys_val t1[] = { keys_int(1) };
	struct keys_val t1n[] = { keys_int(1), keys_null() };
	struct keys_val t1max[] = { keys_int(1), keys_float(NAN) };
	struct keys_val t2[] = { keys_int(2) };
	struct keys_val ab[] = { keys_text("ab", 2) };
	struct keys_val ab_z[] = { keys_text("ab", 2), keys_text("zzz", 3) };
	struct keys_val ab0[] = { keys_text("ab\0", 3) };
	struct keys_val a_b[] = { keys_text("a", 1), keys_text("b", 1) };
	struct keys_val x_0[] = { keys_bytes("x", 1), keys_bytes("", 0) };
	struct keys_val x0[] = { keys_bytes("x\0", 2) };

	assert_tuple_order(NULL, 0, t1, 1, -1);
	assert_tuple_order(NULL, 0, NULL, 0, 0);
	assert_tuple_order(t1, 1, t1n, 2, -1);
	assert_tuple_order(t1n, 2, t1max, 2, -1);
	assert_tuple_order(t1max, 2, t2, 1, -1);
	assert_tuple_order(ab, 1, ab_z, 2, -1);
	assert_tuple_order(ab_z, 2, ab0, 1, -1);
	assert_tuple_order(a_b, 2, ab, 1, -1);
	/* ("x", "") vs ("x\0"): element boundaries are not confused. */
	assert_tuple_order(x_0, 2, x0, 1, -1);
	assert_tuple_order(ab_z, 2, ab_z, 2, 0);
}

/* ---- decoding -------------------------------------------------------- */

static void test_decode_errors(void **state)
{
	static const struct {
		const char *bytes;
		size_t n;
		size_t off;
		int rc;
		const char *msg;
	} cases[] = {
		{ "", 0, 0, RC_BAD_INPUT, "no element at offset 0" },
		{ "\x05", 1, 1, RC_BAD_INPUT, "no element at offset 1" },
		{ "\x08", 1, 0, RC_CORRUPT, "truncated int at offset 0: "
		  "need 8 bytes, have 0" },
		{ "\x05\x08\x80\0\0", 5, 1, RC_CORRUPT,
		  "truncated int at offset 1: need 8 bytes, have 3" },
		{ "\x09\x80\0\0\0\0\0\0", 8, 0, RC_CORRUPT,
		  "truncated float at offset 0" },
		{ "\x08\x80\0\0\0\0\0\0", 8, 0, RC_CORRUPT,
		  "truncated int at offset 0: need 8 bytes, have 7" },
		{ "\x05\x09\x80\0\0\0\0\0\0", 9, 1, RC_CORRUPT,
		  "truncated float at offset 1: need 8 bytes, have 7" },
		{ "\x0a", 1, 0, RC_CORRUPT,
		  "missing terminator for bytes at offset 0" },
		{ "\x0b" "abc", 4, 0, RC_CORRUPT,
		  "missing terminator for text at offset 0" },
		{ "\x0b" "abc\0", 5, 0, RC_CORRUPT,
		  "missing terminator for text" },
		{ "\x0b\0\xff", 3, 0, RC_CORRUPT,
		  "missing terminator for text" },
		{ "\x0a" "a\0\x41\0\x01", 6, 0, RC_CORRUPT,
		  "bad escape 0x00 0x41 at offset 2 in bytes at offset 0" },
		{ "\x0a\0\0", 3, 0, RC_CORRUPT, "bad escape 0x00 0x00" },
		{ "\x0a\0\xfe\0\x01", 5, 0, RC_CORRUPT, "bad escape 0x00 0xfe" },
		{ "\x00", 1, 0, RC_CORRUPT, "unknown tag 0x00 at offset 0" },
		{ "\x04", 1, 0, RC_CORRUPT, "unknown tag 0x04" },
		{ "\x0d", 1, 0, RC_CORRUPT, "unknown tag 0x0d" },
		/* Decimals (positive 1 is 0c 03 80 01 0b 00). */
		{ "\x0c", 1, 0, RC_CORRUPT, "truncated decimal at offset 0" },
		{ "\x05\x0c\x03\x80", 4, 1, RC_CORRUPT,
		  "truncated decimal at offset 1" },
		{ "\x0c\x04", 2, 0, RC_CORRUPT, "bad decimal class 0x04" },
		{ "\x0c\x00", 2, 0, RC_CORRUPT, "bad decimal class 0x00" },
		{ "\x0c\x03\x80\x01\x0b", 5, 0, RC_CORRUPT,
		  "missing terminator for decimal at offset 0" },
		{ "\x0c\x03\x80\x01\x00", 5, 0, RC_CORRUPT,
		  "decimal at offset 0 has no digits" },
		{ "\x0c\x03\x80\x01\x65\x00", 6, 0, RC_CORRUPT,
		  "bad decimal digit byte 0x65 at offset 4" },
		{ "\x0c\x03\x80\x01\x0a\x00", 6, 0, RC_CORRUPT,
		  "leading zero" },
		/* "10": the 0 digit must not be written. */
		{ "\x0c\x03\x80\x02\x0b\x01\x00", 7, 0, RC_CORRUPT,
		  "trailing zero" },
		{ "\x0c\x03\x80\x02\x0b\x0b\x01\x00", 8, 0, RC_CORRUPT,
		  "trailing zero" },
		/* Negative: every byte inverted, 0xff terminator. */
		{ "\x0c\x01\x7f\xfe\xf4\x00", 6, 0, RC_CORRUPT,
		  "bad decimal digit byte 0x00 at offset 5" },
		{ "\x0c\x01\x7f\xfe\xf4", 5, 0, RC_CORRUPT,
		  "missing terminator" },
		/* Exponent: A = 0x8000 + 16386 with one digit: exp 16385. */
		{ "\x0c\x03\xc0\x02\x0b\x00", 6, 0, RC_CORRUPT,
		  "decimal exponent 16385 at offset 0 is out of range" },
		{ "\x0c\x03\x00\x00\x0b\x00", 6, 0, RC_CORRUPT,
		  "decimal exponent -32769" },
		/* 20 digit bytes: 40 digits. */
		{ "\x0c\x03\x80\x28\x64\x64\x64\x64\x64\x64\x64\x64\x64"
		  "\x64\x64\x64\x64\x64\x64\x64\x64\x64\x64\x64\x00", 25, 0,
		  RC_CORRUPT, "has too many digits" },
		/* 2^127 = 170141183460469231731687303715884105728 as +. */
		{ "\x0c\x03\x80\x27\x12\x02\x2a\x13\x23\x3d\x2f\x5d\x20"
		  "\x4a\x11\x58\x1f\x26\x10\x59\x2a\x06\x49\x51\x00", 25, 0,
		  RC_CORRUPT, "does not fit 128 bits" },
		{ "\x05\xff", 2, 1, RC_CORRUPT, "unknown tag 0xff at offset 1" },
		{ "\x05\x03", 2, 1, RC_CORRUPT, "keyspace prefix 0x03 at "
		  "offset 1" },
		{ "\x01", 1, 0, RC_CORRUPT, "keyspace prefix 0x01" },
		/* -0.0 encoded the obvious way: bits inverted. */
		{ "\x09\x7f\xff\xff\xff\xff\xff\xff\xff", 9, 0, RC_CORRUPT,
		  "non-canonical float at offset 0: negative zero" },
		/* 0x7ff0000000000001 with the sign bit flipped. */
		{ "\x09\xff\xf0\0\0\0\0\0\x01", 9, 0, RC_CORRUPT,
		  "non-canonical float at offset 0: NaN 0x7ff0000000000001" },
		/* 0xfff8000000000000 (negative NaN) inverted. */
		{ "\x09\0\x07\xff\xff\xff\xff\xff\xff", 9, 0, RC_CORRUPT,
		  "NaN 0xfff8000000000000" },
	};
	struct keys_val out = keys_int(12345);
	uint8_t *copy, *scratch;
	size_t i, off;
	struct err e;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Exact-size heap copies, so ASan sees any overread. */
		copy = malloc(cases[i].n > 0 ? cases[i].n : 1);
		scratch = malloc(cases[i].n > 0 ? cases[i].n : 1);
		assert_non_null(copy);
		assert_non_null(scratch);
		memcpy(copy, cases[i].bytes, cases[i].n);
		off = cases[i].off;
		err_clear(&e);
		assert_int_equal(keys_decode_next(copy, cases[i].n, &off, &out,
						  scratch, &e), cases[i].rc);
		assert_int_equal(e.code, cases[i].rc);
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: message '%s', want '%s'", i,
				 e.msg, cases[i].msg);
		assert_int_equal(off, cases[i].off);	/* unchanged */
		assert_int_equal(out.type, KEYS_INT);
		assert_int_equal(out.u.i, 12345);
		/* Also without scratch and without an err. */
		assert_int_equal(keys_decode_next(copy, cases[i].n, &off, &out,
						  NULL, NULL), cases[i].rc);
		free(copy);
		free(scratch);
	}
}

static void test_decode_key(void **state)
{
	struct keys_val cols[] = {
		keys_text("a\0b", 3), keys_bytes("\0\0\xff", 3),
		keys_text("", 0), keys_float(-2.5), keys_bool(false),
	};
	struct keys_val vals[8], small[3];
	struct keys_buf b;
	uint8_t *scratch;
	size_t nvals, i, off;
	struct err e;
	int prefix;

	keys_buf_init(&b);
	assert_int_equal(keys_encode_table_key(&b, 7, 2, cols, 5, &e), RC_OK);
	scratch = malloc(b.len);
	assert_non_null(scratch);
	assert_int_equal(keys_decode_key(b.p, b.len, &prefix, vals, 8, &nvals,
					 scratch, &e), RC_OK);
	assert_int_equal(prefix, KEYS_PREFIX_TABLE);
	assert_int_equal(nvals, 7);
	assert_int_equal(vals[0].u.i, 7);
	assert_int_equal(vals[1].u.i, 2);
	/* All strings stay valid together and are NUL-terminated. */
	for (i = 0; i < 5; i++)
		assert_same_val(&cols[i], &vals[2 + i]);
	assert_int_equal(vals[2].u.s.p[3], 0);
	assert_int_equal(vals[4].u.s.p[0], 0);
	assert_int_equal(keys_tuple_cmp(cols, 5, vals + 2, 5), 0);

	/* Without scratch: lengths only. */
	assert_int_equal(keys_decode_key(b.p, b.len, &prefix, vals, 8, &nvals,
					 NULL, &e), RC_OK);
	assert_null(vals[3].u.s.p);
	assert_int_equal(vals[3].u.s.n, 3);

	/* Too many elements for the caller's array. */
	assert_int_equal(keys_decode_key(b.p, b.len, &prefix, small, 3,
					 &nvals, scratch, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "more than 3 elements"));

	/* A corrupt element in the middle. */
	b.p[b.len - 1] = 0x42;
	assert_int_equal(keys_decode_key(b.p, b.len, &prefix, vals, 8, &nvals,
					 scratch, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "unknown tag 0x42"));

	/* The empty key is the empty tuple. */
	assert_int_equal(keys_decode_key(b.p, 0, &prefix, vals, 8, &nvals,
					 NULL, &e), RC_OK);
	assert_int_equal(prefix, 0);
	assert_int_equal(nvals, 0);

	/* Bare tuple from offset 0. */
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_tuple(&b, cols, 2, &e), RC_OK);
	off = 0;
	assert_int_equal(keys_decode_next(b.p, b.len, &off, &vals[0], scratch,
					  &e), RC_OK);
	assert_int_equal(keys_decode_next(b.p, b.len, &off, &vals[1], scratch,
					  &e), RC_OK);
	assert_int_equal(off, b.len);
	assert_same_val(&cols[0], &vals[0]);
	assert_same_val(&cols[1], &vals[1]);
	free(scratch);
	keys_buf_release(&b);
}

/* ---- prefix end ------------------------------------------------------ */

static void test_prefix_end(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *hex;
	} cases[] = {
		{ "", 0, "" },
		{ "\xff", 1, "" },
		{ "\xff\xff\xff", 3, "" },
		{ "\x03", 1, "04" },
		{ "a\xff", 2, "62" },
		{ "\x01\xfe\xff\xff", 4, "01ff" },
		{ "\x03\x08\xff\xff\xff\xff\xff\xff\xff\xff", 10, "0309" },
	};
	struct keys_buf b;
	struct err e;
	size_t i;

	keys_buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(keys_buf_append(&b, "junk", 4, &e), RC_OK);
		assert_int_equal(keys_prefix_end((const uint8_t *)cases[i].in,
						 cases[i].n, &b, &e), RC_OK);
		assert_bytes(&b, cases[i].hex);
	}
	/* In place, on the buffer's own bytes. */
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "ab\xff\xff", 4, &e), RC_OK);
	assert_int_equal(keys_prefix_end(b.p, b.len, &b, &e), RC_OK);
	assert_bytes(&b, "6163");
	keys_buf_release(&b);
}

/* ---- printing -------------------------------------------------------- */

static void test_pretty_table(void **state)
{
	struct keys_val v[8];
	struct keys_buf b, k;
	struct err e;
	char *s;

#define CHECK_PRETTY(buf, str) do {					\
		s = assert_pretty_roundtrip((buf).p, (buf).len);	\
		assert_string_equal(s, (str));				\
		free(s);						\
	} while (0)

	keys_buf_init(&b);
	keys_buf_init(&k);
	v[0] = keys_text("alice", 5);
	v[1] = keys_int(42);
	assert_int_equal(keys_encode_table_key(&b, 53, 1, v, 2, &e), RC_OK);
	CHECK_PRETTY(b, "/t/53/1/\"alice\"/42");

	keys_buf_reset(&b);
	v[0] = keys_bytes("\x03\xf0", 2);
	v[1] = keys_null();
	v[2] = keys_bool(true);
	v[3] = keys_bool(false);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_META, v, 4, &e),
			 RC_OK);
	CHECK_PRETTY(b, "/meta/x'03f0'/NULL/true/false");

	keys_buf_reset(&b);
	v[0] = keys_float(1.5);
	v[1] = keys_float(-2.0);
	v[2] = keys_float(1e300);
	v[3] = keys_float(NAN);
	v[4] = keys_float(INFINITY);
	v[5] = keys_float(-INFINITY);
	assert_int_equal(keys_encode_tuple(&b, v, 6, &e), RC_OK);
	CHECK_PRETTY(b, "/1.5/-2.0/1e+300/NaN/+Inf/-Inf");

	keys_buf_reset(&b);
	v[0] = keys_float(0.1);
	v[1] = keys_float(-0.0);
	v[2] = keys_float(4.9406564584124654e-324);
	v[3] = keys_float(DBL_MAX);
	v[4] = keys_float(100.0);
	v[5] = keys_float(1e21);
	v[6] = keys_float(123456789012345680.0);
	v[7] = keys_float(-DBL_MIN);
	assert_int_equal(keys_encode_tuple(&b, v, 8, &e), RC_OK);
	CHECK_PRETTY(b, "/0.1/0.0/5e-324/1.7976931348623157e+308/100.0"
		     "/1e+21/1.2345678901234568e+17/-2.2250738585072014e-308");

	keys_buf_reset(&b);
	v[0] = keys_text("", 0);
	v[1] = keys_bytes("", 0);
	v[2] = keys_int(INT64_MIN);
	v[3] = keys_int(INT64_MAX);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_SYS, v, 4, &e),
			 RC_OK);
	CHECK_PRETTY(b, "/sys/\"\"/x''/-9223372036854775808"
		     "/9223372036854775807");

	/* Text escapes; printable UTF-8 kept, everything else \xNN. */
	keys_buf_reset(&b);
	v[0] = keys_text("a\"b\\c\0\n\x7f/", 9);
	v[1] = keys_text("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80", 14);
	v[2] = keys_text("\xc3(", 2);		/* bad continuation */
	v[3] = keys_text("\xc2\x85", 2);	/* C1 control NEL */
	v[4] = keys_text("\xc0\xaf", 2);	/* overlong '/' */
	v[5] = keys_text("\xed\xa0\x80", 3);	/* surrogate */
	v[6] = keys_text("\xe2\x98", 2);	/* truncated */
	v[7] = keys_text("\xf4\x90\x80\x80", 4);	/* > U+10FFFF */
	assert_int_equal(keys_encode_tuple(&b, v, 8, &e), RC_OK);
	CHECK_PRETTY(b, "/\"a\\\"b\\\\c\\x00\\x0a\\x7f/\""
		     "/\"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80\""
		     "/\"\\xc3(\"/\"\\xc2\\x85\"/\"\\xc0\\xaf\""
		     "/\"\\xed\\xa0\\x80\"/\"\\xe2\\x98\"/\"\\xf4\\x90\\x80\\x80\"");

	/* Decimals: normalized digits, then 'd'. */
	keys_buf_reset(&b);
	v[0] = keys_decimal(150, -2);
	v[1] = keys_decimal(-3, 1);
	v[2] = keys_decimal(0, -5);
	v[3] = keys_decimal(12, -41);
	v[4] = keys_decimal(-5, -40);
	v[5] = keys_decimal(7, 39);
	v[6] = keys_decimal(7, 40);
	v[7] = keys_decimal(-1234567, -3);
	assert_int_equal(keys_encode_tuple(&b, v, 8, &e), RC_OK);
	CHECK_PRETTY(b, "/1.5d/-30d/0d/1.2e-40d"
		     "/-0.0000000000000000000000000000000000000005d"
		     "/7000000000000000000000000000000000000000d/7e+40d"
		     "/-1234.567d");

	/* The empty key, bare prefixes. */
	keys_buf_reset(&b);
	CHECK_PRETTY(b, "/");
	assert_int_equal(keys_encode_prefix(&b, KEYS_PREFIX_TABLE, &e), RC_OK);
	CHECK_PRETTY(b, "/t");

	/* Not valid encodings: the raw bytes. */
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x0c", 1, &e), RC_OK);
	CHECK_PRETTY(b, "\"\\x0c\"");
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x00\x04", 2, &e), RC_OK);
	CHECK_PRETTY(b, "\"\\x00\\x04\"");
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x05\x08\x00", 3, &e), RC_OK);
	CHECK_PRETTY(b, "\"\\x05\\x08\\x00\"");
	/* A cut int that happens to be the prefix end of another key. */
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x05\x08\x01", 3, &e), RC_OK);
	CHECK_PRETTY(b, "/NULL/-9151314442816847873/PrefixEnd");
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x03\x03\"\\\0", 5, &e), RC_OK);
	CHECK_PRETTY(b, "\"\\x03\\x03\\\"\\\\\\x00\"");
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x0b\xc3\xa9\x00", 4, &e),
			 RC_OK);
	CHECK_PRETTY(b, "\"\\x0b\xc3\xa9\\x00\"");

	/* Ends of scans: keys_prefix_end() of valid keys. */
	keys_buf_reset(&b);
	v[0] = keys_text("ab", 2);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_TABLE, v, 1, &e),
			 RC_OK);
	assert_int_equal(keys_prefix_end(b.p, b.len, &k, &e), RC_OK);
	CHECK_PRETTY(k, "/t/\"ab\"/PrefixEnd");
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_prefix(&b, KEYS_PREFIX_TABLE, &e), RC_OK);
	assert_int_equal(keys_prefix_end(b.p, b.len, &k, &e), RC_OK);
	CHECK_PRETTY(k, "/t/PrefixEnd");
	keys_buf_reset(&b);
	v[0] = keys_int(INT64_MAX);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_TABLE, v, 1, &e),
			 RC_OK);
	assert_int_equal(keys_prefix_end(b.p, b.len, &k, &e), RC_OK);
	CHECK_PRETTY(k, "/t/9223372036854775807/PrefixEnd");
	/* ...which may well be a valid key itself. */
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_table_key(&b, 53, 1, NULL, 0, &e), RC_OK);
	assert_int_equal(keys_prefix_end(b.p, b.len, &k, &e), RC_OK);
	CHECK_PRETTY(k, "/t/53/2");
	keys_buf_reset(&b);
	v[0] = keys_null();
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_SYS, v, 1, &e),
			 RC_OK);
	assert_int_equal(keys_prefix_end(b.p, b.len, &k, &e), RC_OK);
	CHECK_PRETTY(k, "/sys/false");
#undef CHECK_PRETTY
	keys_buf_release(&b);
	keys_buf_release(&k);
}

static void test_pretty_val(void **state)
{
	struct keys_val bad = { .type = (enum keys_type)77 };
	struct keys_val v = keys_bytes("\0\xff", 2);
	char buf[64];

	assert_int_equal(keys_pretty_val(&v, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "x'00ff'");
	v = keys_text("x\0", 2);
	keys_pretty_val(&v, buf, sizeof(buf));
	assert_string_equal(buf, "\"x\\x00\"");
	keys_pretty_val(&bad, buf, sizeof(buf));
	assert_string_equal(buf, "<unknown type 77>");
	v = keys_int(-7);
	assert_int_equal(keys_pretty_val(&v, buf, 2), 2);
	assert_string_equal(buf, ".");
}

/* Print key into every buffer size from 0 to past the end. */
static void check_tiny_buffers(const uint8_t *key, size_t n)
{
	char *full = keys_pretty_alloc(key, n), *buf;
	size_t len, cap, got, k;

	assert_non_null(full);
	len = strlen(full);
	buf = malloc(len + 16);
	assert_non_null(buf);
	for (cap = 0; cap <= len + 2; cap++) {
		memset(buf, 0x5a, len + 16);
		assert_int_equal(keys_pretty(key, n, buf, cap), len);
		for (k = cap; k < len + 16; k++)
			assert_int_equal((unsigned char)buf[k], 0x5a);
		if (cap == 0)
			continue;
		got = strlen(buf);
		assert_true(got < cap);
		if (cap > len) {
			assert_string_equal(buf, full);
		} else if (cap < 4) {
			assert_int_equal(got, cap - 1);
			assert_true(strspn(buf, ".") == got);
		} else {
			/* Kept part + "...", cut on a character boundary. */
			assert_true(got >= 3);
			assert_string_equal(buf + got - 3, "...");
			assert_memory_equal(buf, full, got - 3);
			assert_true(got - 3 + 3 >= cap - 4);	/* <= 3 lost */
			assert_true(((unsigned char)full[got - 3] & 0xc0) !=
				    0x80);
		}
	}
	free(buf);
	free(full);
}

static void test_pretty_tiny_buffers(void **state)
{
	struct keys_val v[3] = {
		keys_text("\xe2\x98\x83\xe2\x98\x83\xf0\x9f\x98\x80x", 11),
		keys_float(-1.25e-300), keys_bytes("\0\xff", 2),
	};
	struct keys_buf b;
	struct err e;

	keys_buf_init(&b);
	assert_int_equal(keys_encode_key(&b, KEYS_PREFIX_TABLE, v, 3, &e),
			 RC_OK);
	check_tiny_buffers(b.p, b.len);
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x04\xc3\xa9\xc3\xa9zz", 7, &e),
			 RC_OK);
	check_tiny_buffers(b.p, b.len);
	check_tiny_buffers(b.p, 0);
	keys_buf_release(&b);
}

/* ---- parsing --------------------------------------------------------- */

static void test_parse_ok(void **state)
{
	static const struct {
		const char *in;
		const char *hex;
	} cases[] = {
		{ "/", "" },
		{ "\"\"", "" },
		{ "/t", "03" },
		{ "/meta/sys", NULL },	/* see errors: prefix not first */
		{ "/-9223372036854775808", "080000000000000000" },
		{ "/9223372036854775807", "08ffffffffffffffff" },
		{ "/007", "088000000000000007" },
		{ "/-0", "088000000000000000" },
		{ "/-0.0", "098000000000000000" },
		{ "/1E0", "09bff0000000000000" },
		{ "/1.", "09bff0000000000000" },
		{ "/.5", "09bfe0000000000000" },
		{ "/1e-400", "098000000000000000" },	/* underflow to 0 */
		{ "/4.9e-324", "098000000000000001" },
		{ "/\"a\\n\\r\\t\\xFF\"", "0b610a0d09ff0001" },
		{ "/\"a/b\"/x'0AfF'", "0b612f620001" "0a0aff0001" },
		{ "\"\\x04/t\"", "042f74" },
		{ "/t/\"ab\"/PrefixEnd", "030b61620002" },
		{ "/t/-1/PrefixEnd", "030880" },
		{ "/t/9223372036854775807/PrefixEnd", "0309" },
		{ "/0d", "0c02" },
		{ "/-0.000d", "0c02" },
		{ "/1d", "0c0380010b00" },
		{ "/001.000d", "0c0380010b00" },
		{ "/0.1e1d", "0c0380010b00" },
		{ "/100e-2d", "0c0380010b00" },
		{ "/1.5d", "0c0380011000" },
		{ "/-1.5d", "0c017ffeefff" },
		{ "/.001d", "0c037ffe0b00" },
		{ "/1E-3d", "0c037ffe0b00" },
		{ "/123d", "0c0380030d1f00" },
		{ "/1e16384d", "0c03c0010b00" },
		{ "/10e16383d", "0c03c0010b00" },
		{ "/-170141183460469231731687303715884105728d",
		  "0c017fd8edfdd5ecdcc2d0a2dfb5eea7e0d9efa6d5f9b6aeff" },
	};
	struct keys_buf b;
	struct err e;
	size_t i;

	keys_buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].hex == NULL)
			continue;
		keys_buf_reset(&b);
		if (keys_parse_pretty(cases[i].in, &b, &e) != RC_OK)
			fail_msg("cannot parse '%s': %s", cases[i].in, e.msg);
		assert_bytes(&b, cases[i].hex);
	}
	keys_buf_release(&b);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *in;
		const char *msg;
	} cases[] = {
		{ "", "key must start with '/' or '\"' at offset 0" },
		{ "t/1", "key must start with" },
		{ "/t/", "empty component at offset 3 in key '/t/'" },
		{ "//", "empty component at offset 1" },
		{ "/meta/sys", "keyspace prefix not first at offset 6" },
		{ "/1/t", "keyspace prefix not first" },
		{ "/x'0'", "odd number of hex digits" },
		{ "/x'zz'", "not a hex digit at offset 3" },
		{ "/x'00", "unterminated x'...' at offset 1" },
		{ "/\"abc", "unterminated string at offset 1" },
		{ "\"abc", "unterminated string at offset 0" },
		{ "/\"\\q\"", "unknown escape" },
		{ "/\"\\x4\"", "\\x needs two hex digits" },
		{ "/\"\\", "unknown escape" },
		{ "/99999999999999999999", "integer out of range at offset 1" },
		{ "/-9223372036854775809", "integer out of range" },
		{ "/1e999", "float out of range" },
		{ "/-1e999", "float out of range" },
		{ "/PrefixEnd", "PrefixEnd needs a key before it" },
		{ "/t/PrefixEnd/1", "PrefixEnd must come last" },
		{ "/foo", "unknown word 'foo' at offset 1" },
		{ "/null", "unknown word 'null'" },
		{ "/True", "unknown word" },
		{ "/inf", "unknown word" },
		{ "/nan", "unknown word" },
		{ "/0x10", "unknown word" },
		{ "/+5", "unknown word" },
		{ "/-", "unknown word" },
		{ "/1.2.3", "unknown word" },
		{ "/1e", "unknown word" },
		{ "/1 ", "unknown word" },
		{ "/1.2.3d", "unknown word '1.2.3d'" },
		{ "/+5d", "unknown word" },
		{ "/ed", "unknown word" },
		{ "/1e+d", "unknown word" },
		{ "/1xd", "unknown word" },
		{ "/1e16385d", "decimal exponent out of range at offset 1" },
		{ "/170141183460469231731687303715884105728d",
		  "decimal does not fit 128 bits" },
		{ "/1000000000000000000000000000000000000001d",
		  "decimal has too many digits" },
		{ "\"abc\"x", "text after the closing quote at offset 5" },
		{ "/\"a\"b", "expected '/' at offset 4" },
		{ "/x'00'/x'01'z", "expected '/' at offset 12" },
	};
	struct keys_buf b;
	struct err e;
	size_t i;

	keys_buf_init(&b);
	assert_int_equal(keys_buf_append(&b, "keep", 4, &e), RC_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err_clear(&e);
		assert_int_equal(keys_parse_pretty(cases[i].in, &b, &e),
				 RC_BAD_INPUT);
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("'%s': message '%s', want '%s'", cases[i].in,
				 e.msg, cases[i].msg);
		assert_int_equal(b.len, 4);	/* nothing appended */
		assert_memory_equal(b.p, "keep", 4);
		assert_int_equal(keys_parse_pretty(cases[i].in, &b, NULL),
				 RC_BAD_INPUT);
	}
	keys_buf_release(&b);
}

/* ---- property tests -------------------------------------------------- */

#define STR_MAX 24

static uint8_t bases[8][STR_MAX];
static size_t base_len[8];

static const uint8_t alphabet[] = {
	0x00, 0x00, 0x01, 0x02, 0xfe, 0xff, 0xff, 'a', 'b', '"', '\\', 0xc3,
	0xa9, 0x80, 0x7f,
};

static void gen_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = alphabet[rng_below(sizeof(alphabet))];
}

/* A string sharing a prefix with one of a few bases, often. */
static size_t gen_string(uint8_t *mem)
{
	size_t k = rng_below(8), n, extra;

	if (rng_below(64) == 0) {
		base_len[k] = rng_below(STR_MAX / 2 + 1);
		gen_bytes(bases[k], base_len[k]);
	}
	switch (rng_below(4)) {
	case 0:		/* fully random */
		n = rng_below(STR_MAX / 2);
		gen_bytes(mem, n);
		return n;
	case 1:		/* a base exactly */
		memcpy(mem, bases[k], base_len[k]);
		return base_len[k];
	default:	/* a prefix of a base, then a few bytes */
		n = rng_below(base_len[k] + 1);
		memcpy(mem, bases[k], n);
		extra = rng_below(4);
		gen_bytes(mem + n, extra);
		return n + extra;
	}
}

static int64_t gen_int(void)
{
	static const int64_t pool[] = {
		INT64_MIN, INT64_MIN + 1, -4294967297, -4294967296, -65536,
		-256, -255, -129, -128, -2, -1, 0, 1, 2, 127, 128, 255, 256,
		65535, 4294967295, INT64_MAX - 1, INT64_MAX,
	};
	uint64_t u;
	int64_t i;

	switch (rng_below(4)) {
	case 0:
		return pool[rng_below(sizeof(pool) / sizeof(pool[0]))];
	case 1:
		u = rng();
		memcpy(&i, &u, sizeof(i));
		return i;
	case 2:
		return (int64_t)rng_below(21) - 10;
	default:
		i = (int64_t)1 << rng_below(63);
		i += (int64_t)rng_below(3) - 1;
		return rng_below(2) ? i : -i;
	}
}

static double gen_float(void)
{
	static const uint64_t pool[] = {
		UINT64_C(0x0000000000000000), UINT64_C(0x8000000000000000),
		UINT64_C(0x7ff0000000000000), UINT64_C(0xfff0000000000000),
		UINT64_C(0x7ff8000000000000), UINT64_C(0x7ff0000000000001),
		UINT64_C(0xfff8000000000000), UINT64_C(0xffffffffffffffff),
		UINT64_C(0x0000000000000001), UINT64_C(0x8000000000000001),
		UINT64_C(0x000fffffffffffff), UINT64_C(0x800fffffffffffff),
		UINT64_C(0x0010000000000000), UINT64_C(0x8010000000000000),
		UINT64_C(0x7fefffffffffffff), UINT64_C(0xffefffffffffffff),
		UINT64_C(0x3ff0000000000000), UINT64_C(0xbff0000000000000),
	};
	double f;

	switch (rng_below(5)) {
	case 0:
		return dbl(pool[rng_below(sizeof(pool) / sizeof(pool[0]))]);
	case 1:
		return dbl(rng());	/* includes NaNs and denormals */
	case 2:
		return ((double)rng_below(41) - 20) / 4;
	case 3:
		f = dbl(pool[rng_below(sizeof(pool) / sizeof(pool[0]))]);
		return nextafter(f, rng_below(2) ? INFINITY : -INFINITY);
	default:
		return ldexp((double)rng_below(1000) - 500,
			     (int)rng_below(2100) - 1100);
	}
}

/* A random value; strings live in mem (STR_MAX bytes). */
/* A decimal: small, huge, with trailing zeros, near the limits. */
static struct keys_val gen_decimal(void)
{
	static const int32_t exps[] = {
		-KEYS_DECIMAL_EXP_MAX, -KEYS_DECIMAL_EXP_MAX + 1, -40, -38,
		-20, -2, -1, 0, 1, 2, 37, KEYS_DECIMAL_EXP_MAX - 40,
	};
	unsigned __int128 u;
	__int128 c;
	int32_t x;
	int digits, i;

	switch (rng_below(4)) {
	case 0:
		c = (__int128)rng_below(2001) - 1000;
		break;
	case 1:		/* up to 39 random digits */
		digits = 1 + (int)rng_below(38);
		u = 0;
		for (i = 0; i < digits; i++)
			u = u * 10 + rng_below(10);
		c = (__int128)u;
		break;
	case 2:		/* all 128 bits random */
		u = ((unsigned __int128)rng() << 64) | rng();
		memcpy(&c, &u, sizeof(c));
		break;
	default:	/* a power of ten, nudged */
		c = 1;
		for (i = (int)rng_below(38); i > 0; i--)
			c *= 10;
		c += (__int128)rng_below(3) - 1;
		break;
	}
	if (rng_below(2) && c != -(__int128)(~(unsigned __int128)0 >> 1) - 1)
		c = -c;
	x = rng_below(3) == 0 ?
		exps[rng_below(sizeof(exps) / sizeof(exps[0]))] :
		(int32_t)rng_below(13) - 6;
	return keys_decimal(c, x);
}

static void gen_val(struct keys_val *v, uint8_t *mem)
{
	switch (rng_below(14)) {
	case 0:
		*v = keys_null();
		break;
	case 1:
		*v = keys_bool(rng_below(2));
		break;
	case 2:
	case 3:
	case 4:
		*v = keys_int(gen_int());
		break;
	case 5:
	case 6:
	case 7:
		*v = keys_float(gen_float());
		break;
	case 8:
	case 9:
		*v = keys_bytes(mem, gen_string(mem));
		break;
	case 12:
	case 13:
		*v = gen_decimal();
		break;
	default:
		*v = keys_text((const char *)mem, gen_string(mem));
		break;
	}
}

struct vslot {
	struct keys_val v;
	uint8_t mem[STR_MAX];
	struct keys_buf enc;
};

#define WINDOW 64

static void check_pair_order(const struct keys_val *a,
			     const struct keys_buf *ea,
			     const struct keys_val *b,
			     const struct keys_buf *eb)
{
	int byenc = sign(keys_cmp(ea->p, ea->len, eb->p, eb->len));
	int byval = sign(keys_val_cmp(a, b));
	char pa[256], pb[256];

	if (byenc != byval || sign(keys_val_cmp(b, a)) != -byval) {
		keys_pretty_val(a, pa, sizeof(pa));
		keys_pretty_val(b, pb, sizeof(pb));
		fail_msg("%s vs %s: encodings say %d, keys_val_cmp %d "
			 "(seed %" PRIu64 ")", pa, pb, byenc, byval,
			 seed_from_env());
	}
}

static void test_property_values(void **state)
{
	static struct vslot slots[WINDOW];
	uint8_t scratch[2 * STR_MAX + 16];
	struct keys_val d;
	struct vslot *s, *o;
	size_t i, off, k;
	struct err e;
	char *p;

	rng_state = seed_from_env();
	for (k = 0; k < WINDOW; k++)
		keys_buf_init(&slots[k].enc);
	for (i = 0; i < 120000; i++) {
		s = &slots[i % WINDOW];
		gen_val(&s->v, s->mem);
		keys_buf_reset(&s->enc);
		assert_int_equal(keys_encode_val(&s->enc, &s->v, &e), RC_OK);
		assert_true(s->enc.len <= sizeof(scratch));

		/* decode(encode(x)) == x */
		off = 0;
		assert_int_equal(keys_decode_next(s->enc.p, s->enc.len, &off,
						  &d, scratch, &e), RC_OK);
		assert_int_equal(off, s->enc.len);
		assert_same_val(&s->v, &d);

		/* Order against the previous value and a random one. */
		if (i == 0)
			continue;
		o = &slots[(i - 1) % WINDOW];
		check_pair_order(&s->v, &s->enc, &o->v, &o->enc);
		if (i >= WINDOW) {
			o = &slots[rng_below(WINDOW)];
			check_pair_order(&s->v, &s->enc, &o->v, &o->enc);
		}
		if (i % 8 == 0) {
			p = assert_pretty_roundtrip(s->enc.p, s->enc.len);
			free(p);
		}
	}
	for (k = 0; k < WINDOW; k++)
		keys_buf_release(&slots[k].enc);
}

#define TUPLE_MAX 6

struct tslot {
	struct keys_val v[TUPLE_MAX];
	uint8_t mem[TUPLE_MAX][STR_MAX];
	size_t n;
	int prefix;
	struct keys_buf enc;
};

static void copy_val(struct tslot *dst, size_t i, const struct tslot *src)
{
	dst->v[i] = src->v[i];
	if (src->v[i].type == KEYS_BYTES || src->v[i].type == KEYS_TEXT) {
		memcpy(dst->mem[i], src->mem[i], src->v[i].u.s.n);
		dst->v[i].u.s.p = dst->mem[i];
	}
}

/* keys with prefix k: is x one of them? */
static bool has_prefix(const uint8_t *x, size_t nx, const uint8_t *k,
		       size_t nk)
{
	return nx >= nk && (nk == 0 || memcmp(x, k, nk) == 0);
}

/* k <= x < prefix_end(k) exactly when x starts with k. */
static void check_prefix_end(const uint8_t *k, size_t nk)
{
	struct keys_buf end, x;
	struct err e;
	bool in, inside;
	int round;

	keys_buf_init(&end);
	keys_buf_init(&x);
	assert_int_equal(keys_prefix_end(k, nk, &end, &e), RC_OK);
	for (round = 0; round < 4; round++) {
		uint8_t tail[4];
		size_t t = rng_below(5), cut;

		keys_buf_reset(&x);
		gen_bytes(tail, 4);
		switch (rng_below(3)) {
		case 0:		/* an extension */
			assert_int_equal(keys_buf_append(&x, k, nk, &e), RC_OK);
			assert_int_equal(keys_buf_append(&x, tail, t % 5, &e),
					 RC_OK);
			break;
		case 1:		/* cut, then other bytes */
			cut = nk > 0 ? rng_below(nk) : 0;
			assert_int_equal(keys_buf_append(&x, k, cut, &e),
					 RC_OK);
			assert_int_equal(keys_buf_append(&x, tail, t % 5, &e),
					 RC_OK);
			break;
		default:	/* one byte nudged */
			assert_int_equal(keys_buf_append(&x, k, nk, &e), RC_OK);
			if (nk > 0)
				x.p[rng_below(nk)] += rng_below(2) ? 1 : 0xff;
			break;
		}
		in = has_prefix(x.p, x.len, k, nk);
		inside = keys_cmp(x.p, x.len, k, nk) >= 0 &&
			 (end.len == 0 ||
			  keys_cmp(x.p, x.len, end.p, end.len) < 0);
		assert_int_equal(in, inside);
	}
	if (end.len > 0)
		free(assert_pretty_roundtrip(end.p, end.len));
	keys_buf_release(&end);
	keys_buf_release(&x);
}

/* /meta < /sys < /t < bare tuples; the empty key is below everything. */
static int space_rank(const struct tslot *s)
{
	if (s->prefix != 0)
		return s->prefix;
	return s->n == 0 ? 0 : 4;
}

static void test_property_tuples(void **state)
{
	static struct tslot slots[WINDOW];
	struct keys_val d[TUPLE_MAX + 1];
	struct tslot *s, *o;
	size_t i, k, keep, nd;
	uint8_t *scratch;
	struct err e;
	int prefix;
	int c1, c2;

	rng_state = seed_from_env() ^ UINT64_C(0x7475706c65);
	for (k = 0; k < WINDOW; k++)
		keys_buf_init(&slots[k].enc);
	for (i = 0; i < 40000; i++) {
		s = &slots[i % WINDOW];
		o = &slots[rng_below(WINDOW)];
		/* Often share a prefix of elements with another tuple. */
		keep = (i >= WINDOW && o != s && rng_below(2)) ?
			rng_below(o->n + 1) : 0;
		for (k = 0; k < keep; k++)
			copy_val(s, k, o);
		s->n = keep + rng_below(TUPLE_MAX - keep + 1);
		for (k = keep; k < s->n; k++)
			gen_val(&s->v[k], s->mem[k]);
		s->prefix = (int)rng_below(4);	/* 0: a bare tuple */
		keys_buf_reset(&s->enc);
		if (s->prefix != 0)
			assert_int_equal(keys_encode_key(&s->enc, s->prefix,
							 s->v, s->n, &e),
					 RC_OK);
		else
			assert_int_equal(keys_encode_tuple(&s->enc, s->v,
							   s->n, &e), RC_OK);

		/* Round trip through the whole-key decoder. */
		scratch = malloc(s->enc.len);
		assert_non_null(scratch);
		assert_int_equal(keys_decode_key(s->enc.p, s->enc.len, &prefix,
						 d, TUPLE_MAX + 1, &nd,
						 scratch, &e), RC_OK);
		assert_int_equal(prefix, s->prefix);
		assert_int_equal(nd, s->n);
		for (k = 0; k < nd; k++)
			assert_same_val(&s->v[k], &d[k]);
		free(scratch);

		/* Order against others with the same prefix. */
		if (i >= WINDOW) {
			o = &slots[rng_below(WINDOW)];
			if (o->prefix == s->prefix) {
				c1 = sign(keys_tuple_cmp(s->v, s->n, o->v,
							 o->n));
				c2 = sign(keys_cmp(s->enc.p, s->enc.len,
						   o->enc.p, o->enc.len));
				assert_int_equal(c1, c2);
			} else {
				/* Keyspaces never interleave. */
				c2 = sign(keys_cmp(s->enc.p, s->enc.len,
						   o->enc.p, o->enc.len));
				assert_int_equal(c2, space_rank(s) <
						 space_rank(o) ? -1 : 1);
			}
		}
		if (i % 4 == 0)
			free(assert_pretty_roundtrip(s->enc.p, s->enc.len));
		if (i % 4 == 1)
			check_prefix_end(s->enc.p, s->enc.len);
	}
	for (k = 0; k < WINDOW; k++)
		keys_buf_release(&slots[k].enc);
}

/* Arbitrary bytes: never crash, print exactly, re-encode what decodes. */
static void test_property_raw(void **state)
{
	static const uint8_t raw_alphabet[] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
		0x0a, 0x0b, 0x0c, 0xff, 0xff, 0x80, 0x7f, 'a', '"', '/',
	};
	struct keys_val d[32];
	struct keys_buf re;
	uint8_t *key, *scratch;
	size_t i, k, n, nd, cap, got;
	char small[24];
	struct err e;
	int prefix, rc, valid = 0;

	rng_state = seed_from_env() ^ UINT64_C(0x726177);
	keys_buf_init(&re);
	for (i = 0; i < 30000; i++) {
		n = rng_below(24);
		key = malloc(n > 0 ? n : 1);	/* exact: ASan sees overreads */
		scratch = malloc(n > 0 ? n : 1);
		assert_non_null(key);
		assert_non_null(scratch);
		for (k = 0; k < n; k++)
			key[k] = raw_alphabet[rng_below(sizeof(raw_alphabet))];
		/* Sometimes a valid-looking start. */
		if (n >= 10 && rng_below(2)) {
			key[0] = KEYS_PREFIX_TABLE;
			key[1] = KEYS_TAG_INT;
		}
		free(assert_pretty_roundtrip(key, n));

		cap = rng_below(sizeof(small));
		memset(small, 0x5a, sizeof(small));
		got = keys_pretty(key, n, small, cap);
		assert_true(got == keys_pretty(key, n, NULL, 0));
		for (k = cap; k < sizeof(small); k++)
			assert_int_equal((unsigned char)small[k], 0x5a);

		rc = keys_decode_key(key, n, &prefix, d, 32, &nd, scratch, &e);
		if (rc == RC_OK) {
			valid++;
			keys_buf_reset(&re);
			if (prefix != 0)
				assert_int_equal(keys_encode_key(&re, prefix, d,
								 nd, &e),
						 RC_OK);
			else
				assert_int_equal(keys_encode_tuple(&re, d, nd,
								   &e), RC_OK);
			assert_int_equal(keys_cmp(re.p, re.len, key, n), 0);
		} else {
			assert_int_equal(rc, RC_CORRUPT);
			assert_true(e.msg[0] != '\0');
		}
		free(key);
		free(scratch);
	}
	/* The generator must exercise both branches. */
	assert_true(valid > 100);
	assert_true(valid < 29000);
	keys_buf_release(&re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_encode_golden),
		cmocka_unit_test(test_encode_keys),
		cmocka_unit_test(test_decimal_encode),
		cmocka_unit_test(test_order_table),
		cmocka_unit_test(test_float_specials),
		cmocka_unit_test(test_roundtrip_table),
		cmocka_unit_test(test_tuple_order),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_decode_key),
		cmocka_unit_test(test_prefix_end),
		cmocka_unit_test(test_pretty_table),
		cmocka_unit_test(test_pretty_val),
		cmocka_unit_test(test_pretty_tiny_buffers),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_property_values),
		cmocka_unit_test(test_property_tuples),
		cmocka_unit_test(test_property_raw),
	};

	return cmocka_run_group_tests_name("keys", tests, NULL, NULL);
}
