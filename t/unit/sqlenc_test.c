/*
 * sqlenc_test.c -- unit and property tests for cmd/txcoord/sqlenc.c.
 *
 * Keys: golden encodings, and seeded properties for every column type:
 * memcmp order of encodings == sqlval_cmp() order (NULL first), for single
 * values and tuples, and decode(encode(x)) == x (up to what
 * sqlenc_key_lossy() says).  Row values: golden bytes, round trips of
 * random rows with gaps and NULLs, decoding of column subsets in any order,
 * and corrupt input of every kind (truncations, flipped bytes, hand-made
 * bad fields), all in exact-size heap buffers so ASan sees any overread.
 * SQLENC_TEST_SEED=<n> changes the seed.
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

#include "sqlenc.h"

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
	const char *s = getenv("SQLENC_TEST_SEED");

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

static int sgn(int x)
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

static void assert_hex(const struct keys_buf *b, const char *want)
{
	char got[512];

	hexstr(b->p, b->len, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("bytes %s, want %s", got, want);
}

static struct sql_datum lit(const struct sql_type *t, const char *s)
{
	struct sql_type u = sqlval_type(SQL_TYPE_UNKNOWN);
	struct sql_datum in = sqlval_text(s, strlen(s)), out;
	struct sqlerr e;

	if (sqlval_cast(&in, &u, t, ar, &out, &e) != 0)
		fail_msg("'%s': %s", s, e.msg);
	return out;
}

static const char *show(const struct sql_datum *d, const struct sql_type *t)
{
	const char *p;
	struct sqlerr e;
	size_t n;

	if (d->kind == SQL_DATUM_NULL)
		return "NULL";
	if (sqlval_to_text(d, t, ar, &p, &n, &e) != 0)
		return "?";
	return p;
}

/* Same value, same kind, and for floats/decimals the same bits/scale. */
static bool identical(const struct sql_datum *a, const struct sql_datum *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case SQL_DATUM_NULL:
		return true;
	case SQL_DATUM_FLOAT:
		return memcmp(&a->f, &b->f, sizeof(double)) == 0;
	case SQL_DATUM_DECIMAL:
		return a->d.coef == b->d.coef && a->d.scale == b->d.scale;
	case SQL_DATUM_TEXT:
	case SQL_DATUM_BYTES:
		return a->s.n == b->s.n &&
		       (a->s.n == 0 || memcmp(a->s.p, b->s.p, a->s.n) == 0);
	default:
		return sqlval_cmp(a, b) == 0;
	}
}

/* ---- random values of a column type ----------------------------------- */

static const char *const texts[] = {
	"", "a", "ab", "abc", "b", "\xc3\xa9", "a\xc3\xa9", "A", "z", "ab ",
	"abd", "\xe2\x98\x83",
};

static const char *const decs[] = {
	"0", "1", "1.0", "1.5", "1.50", "-1.5", "-0.001", "0.001", "100",
	"1e2", "99999999.99", "-99999999.99", "0.1", "0.10", "12.34",
	"-12.345", "123456789012345678901234567890.12345678",
	"-99999999999999999999999999999999999999", "0.00000000000000000001",
	"7", "-7.0", "3.14159",
};

/* A value for a column of type t, NULL sometimes; strings live in ar. */
static struct sql_datum gen(const struct sql_type *t)
{
	struct sql_datum d;
	struct sqlerr e;
	char buf[64];
	uint64_t u;
	double f;

	if (rng_below(12) == 0)
		return sqlval_null();
	switch (t->kind) {
	case SQL_TYPE_INT2:
		return sqlval_int((int16_t)rng());
	case SQL_TYPE_INT4:
		return sqlval_int(rng_below(2) ? (int32_t)rng() :
				  (int64_t)rng_below(7) - 3);
	case SQL_TYPE_INT8:
	case SQL_TYPE_TIMESTAMP:
		u = rng();
		if (rng_below(3) == 0)
			u = rng_below(5) - 2;
		d = sqlval_int((int64_t)u);
		if (t->kind == SQL_TYPE_TIMESTAMP) {
			d.kind = SQL_DATUM_TIMESTAMP;
			d.ts = d.i;
		}
		return d;
	case SQL_TYPE_DATE:
		return sqlval_date(SQLVAL_DATE_MIN +
				   (int32_t)rng_below(SQLVAL_DATE_MAX -
						      SQLVAL_DATE_MIN + 1));
	case SQL_TYPE_FLOAT4:
	case SQL_TYPE_FLOAT8:
		switch (rng_below(4)) {
		case 0:
			u = rng();
			memcpy(&f, &u, sizeof(f));
			break;
		case 1:
			f = ((double)rng_below(9) - 4) / 2;
			break;
		case 2:
			f = rng_below(2) ? NAN : rng_below(2) ? INFINITY :
				-INFINITY;
			break;
		default:
			f = rng_below(2) ? 0.0 : -0.0;
			break;
		}
		if (t->kind == SQL_TYPE_FLOAT4 && !isnan(f))
			f = (float)f;
		return sqlval_float(f);
	case SQL_TYPE_DECIMAL:
		if (t->precision > 0) {
			snprintf(buf, sizeof(buf), "%.2f",
				 ((double)(int64_t)rng_below(2000001) -
				  1000000) / 100);
			return lit(t, buf);
		}
		if (rng_below(2))
			return lit(t, decs[rng_below(sizeof(decs) /
						     sizeof(decs[0]))]);
		d = lit(t, "0");
		d.d.coef = (__int128)(rng() >> rng_below(64));
		if (rng_below(2))
			d.d.coef = -d.d.coef;
		d.d.scale = (int)rng_below(39);
		assert_true(sqldec_valid(&d.d));
		return d;
	case SQL_TYPE_TEXT:
	case SQL_TYPE_VARCHAR:
	case SQL_TYPE_CHAR:
		d = sqlval_text(texts[rng_below(sizeof(texts) /
						sizeof(texts[0]))], 0);
		d.s.n = strlen(d.s.p);
		if (t->kind == SQL_TYPE_CHAR) {
			struct sql_type u8 = sqlval_type(SQL_TYPE_UNKNOWN);

			if (sqlval_cast(&d, &u8, t, ar, &d, &e) != 0)
				fail_msg("%s", e.msg);
		}
		return d;
	case SQL_TYPE_BOOL:
		return sqlval_bool(rng_below(2));
	case SQL_TYPE_BYTES: {
		size_t n = rng_below(6), i;
		char *p = arena_alloc(ar, n + 1);
		static const char alpha[] = { 0, 0, 1, 'a', (char)0xff };

		assert_non_null(p);
		for (i = 0; i < n; i++)
			p[i] = alpha[rng_below(sizeof(alpha))];
		return sqlval_bytes(p, n);
	}
	default:
		fail_msg("no generator for type %d", (int)t->kind);
		return sqlval_null();
	}
}

static const struct sql_type col_types[] = {
	{ SQL_TYPE_INT2, 0, 0, 0 }, { SQL_TYPE_INT4, 0, 0, 0 },
	{ SQL_TYPE_INT8, 0, 0, 0 }, { SQL_TYPE_FLOAT4, 0, 0, 0 },
	{ SQL_TYPE_FLOAT8, 0, 0, 0 }, { SQL_TYPE_DECIMAL, 0, 0, 0 },
	{ SQL_TYPE_DECIMAL, 0, 10, 2 }, { SQL_TYPE_TEXT, 0, 0, 0 },
	{ SQL_TYPE_VARCHAR, 5, 0, 0 }, { SQL_TYPE_CHAR, 3, 0, 0 },
	{ SQL_TYPE_BOOL, 0, 0, 0 }, { SQL_TYPE_BYTES, 0, 0, 0 },
	{ SQL_TYPE_TIMESTAMP, 0, 0, 0 }, { SQL_TYPE_DATE, 0, 0, 0 },
};

#define NTYPES (sizeof(col_types) / sizeof(col_types[0]))

/* ---- keys --------------------------------------------------------------- */

static void enc(const struct sql_datum *d, struct keys_buf *b)
{
	struct sqlerr e;

	keys_buf_reset(b);
	if (sqlenc_key_append(b, d, &e) != 0)
		fail_msg("cannot encode: %s", e.msg);
}

static void test_key_golden(void **state)
{
	struct sql_type dec = sqlval_type(SQL_TYPE_DECIMAL);
	struct sql_type dec2 = { SQL_TYPE_DECIMAL, 0, 10, 2 };
	struct sql_datum d;
	struct keys_buf b, c;
	size_t off;
	struct sqlerr e;

	keys_buf_init(&b);
	keys_buf_init(&c);
	d = sqlval_null();
	enc(&d, &b);
	assert_hex(&b, "05");
	d = sqlval_bool(true);
	enc(&d, &b);
	assert_hex(&b, "07");
	d = sqlval_int(42);
	enc(&d, &b);
	assert_hex(&b, "08800000000000002a");
	d = sqlval_date(-1);
	enc(&d, &b);
	assert_hex(&b, "087fffffffffffffff");
	d = sqlval_timestamp(1);
	enc(&d, &b);
	assert_hex(&b, "088000000000000001");
	d = sqlval_float(-0.0);
	enc(&d, &b);
	assert_hex(&b, "098000000000000000");
	d = sqlval_text("a\0b", 3);
	enc(&d, &b);
	assert_hex(&b, "0b6100ff620001");
	d = sqlval_bytes("\xff", 1);
	enc(&d, &b);
	assert_hex(&b, "0aff0001");
	/* 1.5 and 1.50 encode identically. */
	d = lit(&dec, "1.50");
	enc(&d, &b);
	assert_hex(&b, "0c0380011000");
	d = lit(&dec, "1.5");
	enc(&d, &c);
	assert_int_equal(keys_cmp(b.p, b.len, c.p, c.len), 0);
	/* ...and decode with the column's scale, or normalized. */
	off = 0;
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dec2, ar, &d,
					   &e), 0);
	assert_string_equal(show(&d, &dec2), "1.50");
	off = 0;
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dec, ar, &d,
					   &e), 0);
	assert_string_equal(show(&d, &dec), "1.5");
	assert_int_equal(off, b.len);
	/* A table key: /t/53/1/"alice"/1.5 */
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_prefix(&b, KEYS_PREFIX_TABLE, NULL),
			 RC_OK);
	d = sqlval_text("alice", 5);
	assert_int_equal(sqlenc_key_append(&b, &d, &e), 0);
	d = lit(&dec, "1.5");
	assert_int_equal(sqlenc_key_append(&b, &d, &e), 0);
	{
		char *p = keys_pretty_alloc(b.p, b.len);

		assert_non_null(p);
		assert_string_equal(p, "/t/\"alice\"/1.5d");
		free(p);
	}
	keys_buf_release(&b);
	keys_buf_release(&c);
}

struct kslot {
	struct sql_datum v;
	struct keys_buf k;
};

static void test_key_property(void **state)
{
	static struct kslot slots[32];
	struct sql_datum d;
	const struct sql_type *t;
	struct sqlerr e;
	size_t ti, i, j, off;
	int byk, byv;

	rng_state = seed();
	for (i = 0; i < 32; i++)
		keys_buf_init(&slots[i].k);
	for (ti = 0; ti < NTYPES; ti++) {
		t = &col_types[ti];
		for (i = 0; i < 3000; i++) {
			struct kslot *s = &slots[i % 32], *o;

			s->v = gen(t);
			enc(&s->v, &s->k);
			/* decode(encode(x)) */
			off = 0;
			if (sqlenc_key_decode(s->k.p, s->k.len, &off, t, ar,
					      &d, &e) != 0)
				fail_msg("type %zu: cannot decode %s: %s", ti,
					 show(&s->v, t), e.msg);
			assert_int_equal(off, s->k.len);
			assert_int_equal(sqlval_cmp(&d, &s->v), 0);
			if (!sqlenc_key_lossy(t) && !identical(&d, &s->v))
				fail_msg("type %zu: %s decodes as %s", ti,
					 show(&s->v, t), show(&d, t));
			if (t->kind == SQL_TYPE_DECIMAL &&
			    d.kind == SQL_DATUM_DECIMAL && t->precision > 0)
				assert_int_equal(d.d.scale, t->scale);
			/* order against earlier values of the same type */
			for (j = 0; j < 3 && i >= 32; j++) {
				o = &slots[rng_below(32)];
				byk = sgn(keys_cmp(s->k.p, s->k.len, o->k.p,
						   o->k.len));
				byv = sgn(sqlval_cmp(&s->v, &o->v));
				if (byk == byv)
					continue;
				fail_msg("type %zu: %s vs %s: keys %d, values "
					 "%d (seed %" PRIu64 ")", ti,
					 show(&s->v, t), show(&o->v, t), byk,
					 byv, seed());
			}
		}
	}
	for (i = 0; i < 32; i++)
		keys_buf_release(&slots[i].k);
}

/* Tuples (a composite key): byte order is element by element order. */
static void test_key_tuples(void **state)
{
	const struct sql_type *ta, *tb;
	struct sql_datum a[2], b[2], d;
	struct keys_buf ka, kb;
	struct sqlerr e;
	size_t i, off, k;
	int want, got;

	rng_state = seed() ^ 0x7475706c;
	keys_buf_init(&ka);
	keys_buf_init(&kb);
	for (i = 0; i < 20000; i++) {
		ta = &col_types[rng_below(NTYPES)];
		tb = &col_types[rng_below(NTYPES)];
		a[0] = gen(ta);
		b[0] = rng_below(3) == 0 ? a[0] : gen(ta);
		a[1] = gen(tb);
		b[1] = gen(tb);
		keys_buf_reset(&ka);
		keys_buf_reset(&kb);
		for (k = 0; k < 2; k++) {
			assert_int_equal(sqlenc_key_append(&ka, &a[k], &e), 0);
			assert_int_equal(sqlenc_key_append(&kb, &b[k], &e), 0);
		}
		want = sgn(sqlval_cmp(&a[0], &b[0]));
		if (want == 0)
			want = sgn(sqlval_cmp(&a[1], &b[1]));
		got = sgn(keys_cmp(ka.p, ka.len, kb.p, kb.len));
		if (got != want)
			fail_msg("(%s, %s) vs (%s, %s): keys %d, values %d",
				 show(&a[0], ta), show(&a[1], tb),
				 show(&b[0], ta), show(&b[1], tb), got, want);
		off = 0;
		assert_int_equal(sqlenc_key_decode(ka.p, ka.len, &off, ta, ar,
						   &d, &e), 0);
		assert_int_equal(sqlval_cmp(&d, &a[0]), 0);
		assert_int_equal(sqlenc_key_decode(ka.p, ka.len, &off, tb, ar,
						   &d, &e), 0);
		assert_int_equal(sqlval_cmp(&d, &a[1]), 0);
		assert_int_equal(off, ka.len);
	}
	keys_buf_release(&ka);
	keys_buf_release(&kb);
}

static void test_key_errors(void **state)
{
	struct sql_type i4 = sqlval_type(SQL_TYPE_INT4);
	struct sql_type txt = sqlval_type(SQL_TYPE_TEXT);
	struct sql_type dat = sqlval_type(SQL_TYPE_DATE);
	struct sql_type dec = sqlval_type(SQL_TYPE_DECIMAL);
	struct sql_type dec2 = { SQL_TYPE_DECIMAL, 0, 10, 2 };
	struct sql_datum d;
	struct keys_buf b;
	struct sqlerr e;
	size_t off;

	keys_buf_init(&b);
	/* An INT4 column holding 2^40. */
	d = sqlval_int(INT64_C(1) << 40);
	enc(&d, &b);
	off = 0;
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &i4, ar, &d, &e),
			 -1);
	assert_string_equal(e.sqlstate, "XX001");
	assert_string_equal(e.msg, "corrupt key: column of type integer holds "
			    "a value out of range at offset 0");
	assert_int_equal(off, 0);
	/* A text column holding an int, or text that is not UTF-8. */
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &txt, ar, &d, &e),
			 -1);
	assert_string_equal(e.msg, "corrupt key: column of type text holds a "
			    "non-text at offset 0");
	d = sqlval_text("\xff", 1);
	enc(&d, &b);
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &txt, ar, &d, &e),
			 -1);
	assert_non_null(strstr(e.msg, "not UTF-8"));
	/* A date out of range. */
	d = sqlval_int(SQLVAL_DATE_MAX + 1);
	enc(&d, &b);
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dat, ar, &d, &e),
			 -1);
	/* Decimals a DECIMAL column cannot hold. */
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_decimal(&b, 1, 38, NULL), RC_OK);
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dec, ar, &d, &e),
			 -1);
	assert_non_null(strstr(e.msg, "a decimal out of range"));
	keys_buf_reset(&b);
	assert_int_equal(keys_encode_decimal(&b, 1234, -3, NULL), RC_OK);
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dec2, ar, &d,
					   &e), -1);
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dec, ar, &d, &e),
			 0);
	assert_string_equal(show(&d, &dec), "1.234");
	/* Malformed bytes, and nothing left. */
	keys_buf_reset(&b);
	assert_int_equal(keys_buf_append(&b, "\x08\x80", 2, NULL), RC_OK);
	off = 0;
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &i4, ar, &d, &e),
			 -1);
	assert_string_equal(e.sqlstate, "XX001");
	assert_non_null(strstr(e.msg, "corrupt key: truncated int"));
	off = 2;
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &i4, ar, &d, &e),
			 -1);
	/* NULL decodes for any type. */
	keys_buf_reset(&b);
	d = sqlval_null();
	enc(&d, &b);
	off = 0;
	assert_int_equal(sqlenc_key_decode(b.p, b.len, &off, &dec2, ar, &d,
					   &e), 0);
	assert_int_equal(d.kind, SQL_DATUM_NULL);
	/* Lossy types. */
	assert_true(sqlenc_key_lossy(&dec));
	assert_false(sqlenc_key_lossy(&dec2));
	assert_true(sqlenc_key_lossy(&(struct sql_type){ SQL_TYPE_FLOAT4, 0,
							 0, 0 }));
	assert_false(sqlenc_key_lossy(&txt));
	keys_buf_release(&b);
}

/* ---- row values --------------------------------------------------------- */

static void test_row_golden(void **state)
{
	struct sql_type dec = sqlval_type(SQL_TYPE_DECIMAL);
	uint32_t ids[] = { 0, 1, 2, 5, 6, 7, 8, 20, 21, 300 };
	struct sql_datum v[10];
	struct sql_type ts[10];
	struct sql_datum out[10];
	struct keys_buf b;
	struct sqlerr e;
	size_t i;

	v[0] = sqlval_int(-1);
	v[1] = sqlval_bool(true);
	v[2] = sqlval_null();
	v[3] = lit(&dec, "-1.50");
	v[4] = sqlval_text("hi", 2);
	v[5] = sqlval_bytes("\x00", 1);
	v[6] = sqlval_float(1.0);
	v[7] = sqlval_timestamp(64);
	v[8] = sqlval_date(-2);
	v[9] = sqlval_bool(false);
	keys_buf_init(&b);
	assert_int_equal(sqlenc_row_append(&b, ids, v, 10, &e), 0);
	/*
	 * 01			version
	 * 03 01		id 0 INT -1 (zigzag 1)
	 * 02			id 1 TRUE (delta 0)
	 * 35 02 ab 02		id 5 (delta 3) DECIMAL scale 2, -150 -> 299
	 * 06 02 68 69		id 6 TEXT "hi"
	 * 07 01 00		id 7 BYTES 00
	 * 04 3ff0000000000000	id 8 FLOAT 1.0
	 * b8 01 80 01		id 20 (delta 11) TIMESTAMP 64 -> 128
	 * 09 03		id 21 DATE -2 -> 3
	 * e1 22		id 300 (delta 278) FALSE: 278 << 4 | 1 = 4449
	 */
	assert_hex(&b, "01" "0301" "02" "3502ab02" "06026869" "070100"
		   "043ff0000000000000" "b8018001" "0903" "e122");
	ts[0] = sqlval_type(SQL_TYPE_INT8);
	ts[1] = sqlval_type(SQL_TYPE_BOOL);
	ts[2] = sqlval_type(SQL_TYPE_TEXT);
	ts[3] = dec;
	ts[4] = sqlval_type(SQL_TYPE_VARCHAR);
	ts[5] = sqlval_type(SQL_TYPE_BYTES);
	ts[6] = sqlval_type(SQL_TYPE_FLOAT8);
	ts[7] = sqlval_type(SQL_TYPE_TIMESTAMP);
	ts[8] = sqlval_type(SQL_TYPE_DATE);
	ts[9] = sqlval_type(SQL_TYPE_BOOL);
	assert_int_equal(sqlenc_row_decode(b.p, b.len, ids, ts, 10, ar, out,
					   &e), 0);
	for (i = 0; i < 10; i++)
		if (!identical(&out[i], &v[i]))
			fail_msg("column %u: %s, want %s", ids[i],
				 show(&out[i], &ts[i]), show(&v[i], &ts[i]));
	/* All NULL: just the version byte. */
	keys_buf_reset(&b);
	v[0] = sqlval_null();
	assert_int_equal(sqlenc_row_append(&b, ids, v, 1, &e), 0);
	assert_hex(&b, "01");
	assert_int_equal(sqlenc_row_append(&b, NULL, NULL, 0, &e), 0);
	assert_hex(&b, "0101");
	/* Ids must increase; nothing is appended on error. */
	keys_buf_reset(&b);
	ids[1] = 0;
	v[0] = sqlval_int(1);
	v[1] = sqlval_int(2);
	assert_int_equal(sqlenc_row_append(&b, ids, v, 2, &e), -1);
	assert_string_equal(e.sqlstate, "XX000");
	assert_int_equal(b.len, 0);
	keys_buf_release(&b);
}

#define MAXCOLS 12

static void test_row_property(void **state)
{
	uint32_t ids[MAXCOLS], ask[MAXCOLS + 2];
	struct sql_type ts[MAXCOLS], ats[MAXCOLS + 2];
	struct sql_datum v[MAXCOLS], out[MAXCOLS + 2], d;
	struct sqlenc_row_iter it;
	struct keys_buf b;
	struct sqlerr e;
	size_t n, i, k, na, seen;
	uint32_t id, next = 0;
	uint8_t *copy;
	bool got;

	rng_state = seed() ^ 0x726f77;
	keys_buf_init(&b);
	for (k = 0; k < 20000; k++) {
		n = rng_below(MAXCOLS + 1);
		next = rng_below(3) == 0 ? UINT32_MAX - 101 * MAXCOLS :
			(uint32_t)rng_below(4);
		for (i = 0; i < n; i++) {
			ids[i] = next;
			next += 1 + (rng_below(4) == 0 ?
				     (uint32_t)rng_below(100) : 0);
			ts[i] = col_types[rng_below(NTYPES)];
			v[i] = gen(&ts[i]);
		}
		keys_buf_reset(&b);
		assert_int_equal(sqlenc_row_append(&b, ids, v, n, &e), 0);
		copy = malloc(b.len);	/* exact size for ASan */
		assert_non_null(copy);
		memcpy(copy, b.p, b.len);

		/* Iterate: the non-NULL columns, in order. */
		assert_int_equal(sqlenc_row_iter_init(&it, copy, b.len, &e),
				 0);
		seen = 0;
		for (i = 0; i < n; i++) {
			if (v[i].kind == SQL_DATUM_NULL)
				continue;
			assert_int_equal(sqlenc_row_iter_next(&it, &got, &id,
							      &d, &e), 0);
			assert_true(got);
			assert_int_equal(id, ids[i]);
			assert_true(identical(&d, &v[i]));
			seen++;
		}
		assert_int_equal(sqlenc_row_iter_next(&it, &got, &id, &d, &e),
				 0);
		assert_false(got);

		/* Decode a shuffled subset plus ids that are not there. */
		na = 0;
		for (i = 0; i < n; i++)
			if (rng_below(3) != 0) {
				ask[na] = ids[i];
				ats[na++] = ts[i];
			}
		ask[na] = next + 5;
		ats[na++] = sqlval_type(SQL_TYPE_INT8);
		for (i = na; i > 1; i--) {
			size_t j = rng_below(i);
			uint32_t tid = ask[i - 1];
			struct sql_type tt = ats[i - 1];

			ask[i - 1] = ask[j];
			ats[i - 1] = ats[j];
			ask[j] = tid;
			ats[j] = tt;
		}
		assert_int_equal(sqlenc_row_decode(copy, b.len, ask, ats, na,
						   k % 2 ? ar : NULL, out, &e),
				 0);
		for (i = 0; i < na; i++) {
			size_t j;
			const struct sql_datum *want = NULL;

			for (j = 0; j < n; j++)
				if (ids[j] == ask[i])
					want = &v[j];
			if (want == NULL)
				assert_int_equal(out[i].kind, SQL_DATUM_NULL);
			else if (!identical(&out[i], want))
				fail_msg("column %u: %s, want %s (seed %"
					 PRIu64 ")", ask[i],
					 show(&out[i], &ats[i]),
					 show(want, &ats[i]), seed());
		}
		(void)seen;
		free(copy);
	}
	keys_buf_release(&b);
}

/* Decode p[0..n) from an exact-size copy: 0 or an XX001 error. */
static int decode_any(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	struct sqlenc_row_iter it;
	struct sql_datum d;
	struct sqlerr e;
	uint32_t id;
	bool got = true;
	int rc;

	assert_non_null(copy);
	memcpy(copy, p, n);
	rc = sqlenc_row_iter_init(&it, copy, n, &e);
	while (rc == 0 && got)
		rc = sqlenc_row_iter_next(&it, &got, &id, &d, &e);
	if (rc != 0) {
		assert_string_equal(e.sqlstate, "XX001");
		assert_non_null(strstr(e.msg, "corrupt row value"));
	}
	free(copy);
	return rc;
}

static void test_row_corrupt(void **state)
{
	static const struct {
		const char *hex;
		const char *msg;
	} cases[] = {
		{ "", "empty" },
		{ "02", "unknown format version" },
		{ "0100", "unknown tag at offset 1" },
		{ "010a", "unknown tag" },
		{ "010f", "unknown tag" },
		{ "0103", "truncated varint at offset 1" },
		{ "010380", "truncated varint" },
		{ "01038000", "varint not in shortest form" },
		{ "0183", "truncated varint" },
		{ "018300", "varint not in shortest form" },
		{ "0103ffffffffffffffffff7f", "varint too large" },
		{ "0103ffffffffffffffffff02", "varint too large" },
		{ "0104000000", "truncated float at offset 1" },
		{ "0105", "truncated decimal" },
		{ "010527", "truncated varint" },
		{ "01052701", "decimal out of range" },
		/* 10^38 as a zigzag varint with scale 0 */
		{ "010500808080808090918a93e8a3ecd096d4ccf6ac02",
		  "decimal out of range" },
		{ "010604616263", "string longer than the value" },
		{ "01060562", "string longer than the value" },
		{ "010601ff", "text that is not UTF-8" },
		{ "0109feffff2b", "date out of range" },
		/* id 2^32: delta 2^32 */
		{ "01838080808002", "column id above 2^32" },
		/* id 2^32 - 1 then one more */
		{ "01f2ffffffff0102", "column id above 2^32" },
	};
	static const uint8_t ok[] = { 0x01, 0x03, 0x01, 0x06, 0x02, 'h', 'i',
				      0x25, 0x02, 0x95, 0x02, 0x04, 0x3f, 0xf0,
				      0, 0, 0, 0, 0, 0, 0x91, 0x25 };
	uint8_t buf[64], mut[sizeof(ok)];
	struct sqlenc_row_iter it;
	struct sql_datum d;
	struct sqlerr e;
	size_t i, n, k;
	uint32_t id;
	bool got;
	int rc, good = 0, bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].hex) / 2;
		for (k = 0; k < n; k++)
			sscanf(cases[i].hex + 2 * k, "%2hhx", &buf[k]);
		{
			uint8_t *copy = malloc(n > 0 ? n : 1);

			assert_non_null(copy);
			memcpy(copy, buf, n);
			rc = sqlenc_row_iter_init(&it, copy, n, &e);
			got = true;
			while (rc == 0 && got)
				rc = sqlenc_row_iter_next(&it, &got, &id, &d,
							  &e);
			free(copy);
		}
		if (rc == 0)
			fail_msg("%s: decoded, want '%s'", cases[i].hex,
				 cases[i].msg);
		assert_string_equal(e.sqlstate, "XX001");
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("%s: '%s', want '%s'", cases[i].hex, e.msg,
				 cases[i].msg);
	}
	/* The valid row decodes; every cut either decodes or fails. */
	assert_int_equal(decode_any(ok, sizeof(ok)), 0);
	for (n = 0; n < sizeof(ok); n++)
		if (decode_any(ok, n) == 0)
			good++;
		else
			bad++;
	assert_true(good >= 4 && bad >= 10);
	/* Random damage never crashes or reads outside the buffer. */
	rng_state = seed();
	for (i = 0; i < 20000; i++) {
		memcpy(mut, ok, sizeof(ok));
		for (k = 0; k <= rng_below(3); k++)
			mut[rng_below(sizeof(mut))] = (uint8_t)rng();
		decode_any(mut, rng_below(sizeof(mut) + 1));
	}
	/* A stored kind that does not fit the column type. */
	{
		uint32_t ids[1] = { 4 };
		struct sql_type t = sqlval_type(SQL_TYPE_INT2);
		struct sql_datum v = sqlval_int(70000), o;
		struct keys_buf b;

		keys_buf_init(&b);
		assert_int_equal(sqlenc_row_append(&b, ids, &v, 1, &e), 0);
		assert_int_equal(sqlenc_row_decode(b.p, b.len, ids, &t, 1, ar,
						   &o, &e), -1);
		assert_string_equal(e.sqlstate, "XX001");
		assert_string_equal(e.msg, "corrupt row value: column 4 of "
				    "type smallint holds a value that does "
				    "not fit at offset 1");
		t = sqlval_type(SQL_TYPE_TEXT);
		assert_int_equal(sqlenc_row_decode(b.p, b.len, ids, &t, 1, ar,
						   &o, &e), -1);
		t = sqlval_type(SQL_TYPE_INT8);
		assert_int_equal(sqlenc_row_decode(b.p, b.len, ids, &t, 1, ar,
						   &o, &e), 0);
		assert_true(o.i == 70000);
		keys_buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_golden),
		cmocka_unit_test(test_key_property),
		cmocka_unit_test(test_key_tuples),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_row_golden),
		cmocka_unit_test(test_row_property),
		cmocka_unit_test(test_row_corrupt),
	};

	return cmocka_run_group_tests_name("sqlenc", tests, setup, teardown);
}
