/*
 * sqlval.c -- SQL types and values: input, output, casts, operators
 * (sqlval.h).
 *
 * Every rule here was checked against PostgreSQL 15; where we differ on
 * purpose (64-bit integer arithmetic, 38-digit decimals, "C" collation,
 * ASCII-only case folding, no BC dates) sqlval.h says so.  Nothing reads
 * past the strings it is given, every allocation comes from the caller's
 * arena and is checked.  Tested in t/unit/sqlval_test.c.
 */
#include "sqlval.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SHOW_MAX 200	/* longest input quoted in an error message */

static int show_len(size_t n)
{
	return n > SHOW_MAX ? SHOW_MAX : (int)n;
}

/* ---- the "C" locale for strtod / snprintf ------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t c_locale_get(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale;
}

/* ---- types -------------------------------------------------------------- */

struct sql_type sqlval_type(enum sql_type_kind kind)
{
	struct sql_type t = { kind, 0, 0, 0 };

	return t;
}

#define MAX_WIDTH 10485760	/* PostgreSQL's limit for varchar(n) */

int sqlval_type_check(struct sql_type *t, int pos, struct sqlerr *e)
{
	switch (t->kind) {
	case SQL_TYPE_CHAR:
		if (t->width == 0) {
			t->width = 1;
			return 0;
		}
		/* fall through */
	case SQL_TYPE_VARCHAR:
		if (t->width < 0 ||
		    (t->kind == SQL_TYPE_CHAR && t->width == 0))
			return sqlerr_set(e, SQLSTATE_INVALID_PARAM, pos,
					  "length for type %s must be at "
					  "least 1", t->kind == SQL_TYPE_CHAR ?
					  "char" : "varchar");
		if (t->width > MAX_WIDTH)
			return sqlerr_set(e, SQLSTATE_INVALID_PARAM, pos,
					  "length for type %s cannot exceed "
					  "%d", t->kind == SQL_TYPE_CHAR ?
					  "char" : "varchar", MAX_WIDTH);
		t->precision = t->scale = 0;
		return 0;
	case SQL_TYPE_DECIMAL:
		t->width = 0;
		if (t->precision == 0 && t->scale == 0)
			return 0;
		if (t->precision < 1 || t->precision > SQLDEC_MAX_DIGITS)
			return sqlerr_set(e, SQLSTATE_INVALID_PARAM, pos,
					  "NUMERIC precision %d must be "
					  "between 1 and %d", t->precision,
					  SQLDEC_MAX_DIGITS);
		if (t->scale < 0 || t->scale > t->precision)
			return sqlerr_set(e, SQLSTATE_INVALID_PARAM, pos,
					  "NUMERIC scale %d must be between 0 "
					  "and precision %d", t->scale,
					  t->precision);
		return 0;
	default:
		t->width = t->precision = t->scale = 0;
		return 0;
	}
}

bool sqlval_type_equal(const struct sql_type *a, const struct sql_type *b)
{
	return a->kind == b->kind && a->width == b->width &&
	       a->precision == b->precision && a->scale == b->scale;
}

const char *sqlval_type_name(const struct sql_type *t, char *buf,
			     size_t cap)
{
	const char *s = "unknown";

	switch (t->kind) {
	case SQL_TYPE_NULL:
	case SQL_TYPE_UNKNOWN:
		break;
	case SQL_TYPE_INT2:
		s = "smallint";
		break;
	case SQL_TYPE_INT4:
		s = "integer";
		break;
	case SQL_TYPE_INT8:
		s = "bigint";
		break;
	case SQL_TYPE_FLOAT4:
		s = "real";
		break;
	case SQL_TYPE_FLOAT8:
		s = "double precision";
		break;
	case SQL_TYPE_DECIMAL:
		if (t->precision > 0) {
			snprintf(buf, cap, "numeric(%d,%d)", t->precision,
				 t->scale);
			return buf;
		}
		s = "numeric";
		break;
	case SQL_TYPE_TEXT:
		s = "text";
		break;
	case SQL_TYPE_VARCHAR:
		if (t->width > 0) {
			snprintf(buf, cap, "character varying(%d)", t->width);
			return buf;
		}
		s = "character varying";
		break;
	case SQL_TYPE_CHAR:
		if (t->width > 0) {
			snprintf(buf, cap, "character(%d)", t->width);
			return buf;
		}
		s = "bpchar";
		break;
	case SQL_TYPE_BOOL:
		s = "boolean";
		break;
	case SQL_TYPE_BYTES:
		s = "bytea";
		break;
	case SQL_TYPE_TIMESTAMP:
		s = "timestamp without time zone";
		break;
	case SQL_TYPE_DATE:
		s = "date";
		break;
	}
	snprintf(buf, cap, "%s", s);
	return buf;
}

const char *sqlval_type_short_name(const struct sql_type *t)
{
	switch (t->kind) {
	case SQL_TYPE_INT2:
		return "int2";
	case SQL_TYPE_INT4:
		return "int4";
	case SQL_TYPE_INT8:
		return "int8";
	case SQL_TYPE_FLOAT4:
		return "float4";
	case SQL_TYPE_FLOAT8:
		return "float8";
	case SQL_TYPE_DECIMAL:
		return "numeric";
	case SQL_TYPE_VARCHAR:
		return "varchar";
	case SQL_TYPE_CHAR:
		return "bpchar";
	case SQL_TYPE_BOOL:
		return "bool";
	case SQL_TYPE_BYTES:
		return "bytea";
	case SQL_TYPE_TIMESTAMP:
		return "timestamp";
	case SQL_TYPE_DATE:
		return "date";
	case SQL_TYPE_TEXT:
	case SQL_TYPE_NULL:
	case SQL_TYPE_UNKNOWN:
		break;
	}
	return "text";
}

bool sqlval_type_is_integer(const struct sql_type *t)
{
	return t->kind == SQL_TYPE_INT2 || t->kind == SQL_TYPE_INT4 ||
	       t->kind == SQL_TYPE_INT8;
}

static bool is_float(const struct sql_type *t)
{
	return t->kind == SQL_TYPE_FLOAT4 || t->kind == SQL_TYPE_FLOAT8;
}

bool sqlval_type_is_numeric(const struct sql_type *t)
{
	return sqlval_type_is_integer(t) || is_float(t) ||
	       t->kind == SQL_TYPE_DECIMAL;
}

bool sqlval_type_is_string(const struct sql_type *t)
{
	return t->kind == SQL_TYPE_TEXT || t->kind == SQL_TYPE_VARCHAR ||
	       t->kind == SQL_TYPE_CHAR;
}

bool sqlval_type_is_unknown(const struct sql_type *t)
{
	return t->kind == SQL_TYPE_NULL || t->kind == SQL_TYPE_UNKNOWN;
}

static bool is_datetime(const struct sql_type *t)
{
	return t->kind == SQL_TYPE_DATE || t->kind == SQL_TYPE_TIMESTAMP;
}

enum sql_datum_kind sqlval_type_datum_kind(const struct sql_type *t)
{
	switch (t->kind) {
	case SQL_TYPE_INT2:
	case SQL_TYPE_INT4:
	case SQL_TYPE_INT8:
		return SQL_DATUM_INT;
	case SQL_TYPE_FLOAT4:
	case SQL_TYPE_FLOAT8:
		return SQL_DATUM_FLOAT;
	case SQL_TYPE_DECIMAL:
		return SQL_DATUM_DECIMAL;
	case SQL_TYPE_TEXT:
	case SQL_TYPE_VARCHAR:
	case SQL_TYPE_CHAR:
	case SQL_TYPE_UNKNOWN:
		return SQL_DATUM_TEXT;
	case SQL_TYPE_BOOL:
		return SQL_DATUM_BOOL;
	case SQL_TYPE_BYTES:
		return SQL_DATUM_BYTES;
	case SQL_TYPE_TIMESTAMP:
		return SQL_DATUM_TIMESTAMP;
	case SQL_TYPE_DATE:
		return SQL_DATUM_DATE;
	case SQL_TYPE_NULL:
		break;
	}
	return SQL_DATUM_NULL;
}

/*
 * The name of t's kind without typmod, as PostgreSQL's format_type_be()
 * prints it in "operator does not exist" and "cannot cast" messages.
 */
static const char *base_name(const struct sql_type *t, char *buf, size_t cap)
{
	struct sql_type b = sqlval_type(t->kind);

	if (t->kind == SQL_TYPE_CHAR) {
		snprintf(buf, cap, "character");
		return buf;
	}
	return sqlval_type_name(&b, buf, cap);
}

/* The natural type of a datum, for messages when no type is given. */
static struct sql_type datum_type(const struct sql_datum *d)
{
	static const enum sql_type_kind k[] = {
		[SQL_DATUM_NULL] = SQL_TYPE_NULL,
		[SQL_DATUM_BOOL] = SQL_TYPE_BOOL,
		[SQL_DATUM_INT] = SQL_TYPE_INT8,
		[SQL_DATUM_FLOAT] = SQL_TYPE_FLOAT8,
		[SQL_DATUM_DECIMAL] = SQL_TYPE_DECIMAL,
		[SQL_DATUM_TEXT] = SQL_TYPE_TEXT,
		[SQL_DATUM_BYTES] = SQL_TYPE_BYTES,
		[SQL_DATUM_TIMESTAMP] = SQL_TYPE_TIMESTAMP,
		[SQL_DATUM_DATE] = SQL_TYPE_DATE,
	};

	if ((unsigned)d->kind < sizeof(k) / sizeof(k[0]))
		return sqlval_type(k[d->kind]);
	return sqlval_type(SQL_TYPE_NULL);
}

int sqlval_copy(const struct sql_datum *d, struct arena *a,
		struct sql_datum *out, struct sqlerr *e)
{
	struct sql_datum r = *d;

	if (d->kind == SQL_DATUM_TEXT || d->kind == SQL_DATUM_BYTES) {
		char *p = arena_strndup(a, d->s.p != NULL ? d->s.p : "",
					d->s.n);

		if (p == NULL)
			return sqlerr_nomem(e);
		r.s.p = p;
	}
	*out = r;
	return 0;
}

/* ---- UTF-8 -------------------------------------------------------------- */

/*
 * Length of the valid UTF-8 character at p[0..n), or 0 if it is not one
 * (bad lead byte, bad or missing continuation, overlong, surrogate, above
 * U+10FFFF).
 */
static size_t utf8_valid_char(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;
	if (c == 0xed && p[1] > 0x9f)
		return 0;
	if (c == 0xf0 && p[1] < 0x90)
		return 0;
	if (c == 0xf4 && p[1] > 0x8f)
		return 0;
	return len;
}

/* Bytes of the character starting at p (valid UTF-8 assumed; clamped). */
static size_t utf8_len(const char *p, size_t n)
{
	unsigned char c = (unsigned char)p[0];
	size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	return len <= n ? len : n;
}

int sqlval_utf8_check(const char *p, size_t n, int pos, struct sqlerr *e)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, len, want, k;
	char hex[32];
	int w;

	while (i < n) {
		if (u[i] != 0 && u[i] < 0x80) {
			i++;
			continue;
		}
		len = u[i] == 0 ? 0 : utf8_valid_char(u + i, n - i);
		if (len > 0) {
			i += len;
			continue;
		}
		/* PostgreSQL prints as many bytes as the lead byte wants. */
		want = u[i] < 0xc0 ? 1 : u[i] < 0xe0 ? 2 : u[i] < 0xf0 ? 3 :
			u[i] < 0xf8 ? 4 : 1;
		if (want > n - i)
			want = n - i;
		w = 0;
		for (k = 0; k < want; k++)
			w += snprintf(hex + w, sizeof(hex) - (size_t)w,
				      "%s0x%02x", k > 0 ? " " : "", u[i + k]);
		return sqlerr_set(e, SQLSTATE_CHAR_ENCODING,
				  pos > 0 ? pos + (int)i : 0,
				  "invalid byte sequence for encoding "
				  "\"UTF8\": %s", hex);
	}
	return 0;
}

size_t sqlval_utf8_length(const char *p, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		i += utf8_len(p + i, n - i);
		count++;
	}
	return count;
}

/* Byte offset of the first `chars` characters of p[0..n) (or n). */
static size_t utf8_offset(const char *p, size_t n, size_t chars)
{
	size_t i = 0;

	while (i < n && chars > 0) {
		i += utf8_len(p + i, n - i);
		chars--;
	}
	return i;
}

/* ---- dates and times ---------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				  31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

static int64_t floor_div64(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Read 1..maxd digits at s[*i]; -1 if none. */
static int64_t read_digits(const char *s, size_t n, size_t *i, int maxd,
			   int *count)
{
	int64_t v = 0;
	int k = 0;

	while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	if (count != NULL)
		*count = k;
	return k > 0 ? v : -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static bool ieq(const char *p, size_t n, const char *w)
{
	size_t i;

	if (n != strlen(w))
		return false;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

/*
 * Parse a date with an optional time: *us gets microseconds since the
 * epoch.  Returns 0, or -1 with 22007 (syntax) / 22008 (field range).
 */
static int parse_timestamp(const char *s0, size_t n0, const char *tname,
			   int64_t *us, int64_t *date, struct sqlerr *e)
{
	const char *s = s0;
	size_t n = n0, i = 0;
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, days;
	int cnt, k;

	trim(&s, &n);
	if (ieq(s, n, "epoch")) {
		*us = 0;
		*date = 0;
		return 0;
	}
	y = read_digits(s, n, &i, 6, &cnt);
	if (y < 0 || cnt < 4 || i >= n || s[i] != '-')
		goto bad;
	i++;
	mo = read_digits(s, n, &i, 2, NULL);
	if (mo < 0 || i >= n || s[i] != '-')
		goto bad;
	i++;
	d = read_digits(s, n, &i, 2, NULL);
	if (d < 0)
		goto bad;
	if (i < n && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
		size_t save = i;

		while (i < n && s[i] == ' ')
			i++;
		if (i < n && (s[i] == 'T' || s[i] == 't') && save == i)
			i++;
		h = read_digits(s, n, &i, 2, NULL);
		if (h < 0 || i >= n || s[i] != ':')
			goto bad;
		i++;
		mi = read_digits(s, n, &i, 2, NULL);
		if (mi < 0)
			goto bad;
		if (i < n && s[i] == ':') {
			i++;
			sec = read_digits(s, n, &i, 2, NULL);
			if (sec < 0)
				goto bad;
			if (i < n && s[i] == '.') {
				i++;
				if (i >= n || s[i] < '0' || s[i] > '9')
					goto bad;
				for (k = 0; i < n && s[i] >= '0' &&
				     s[i] <= '9'; i++, k++) {
					int dig = s[i] - '0';

					/* round half up past 6 digits */
					if (k < 6)
						frac = frac * 10 + dig;
					else if (k == 6 && dig >= 5)
						frac++;
				}
				for (; k < 6; k++)
					frac *= 10;
			}
		}
		/* A time zone is accepted and ignored (no time zone type). */
		while (i < n && s[i] == ' ')
			i++;
		if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			i++;
			if (read_digits(s, n, &i, 2, NULL) < 0)
				goto bad;
			if (i < n && s[i] == ':')
				i++;
			read_digits(s, n, &i, 2, NULL);
		}
	}
	if (i != n)
		goto bad;
	if (y < 1 || y > 99999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, (int)mo) || h > 24 || mi > 59 || sec > 60 ||
	    (h == 24 && (mi != 0 || sec != 0 || frac != 0)))
		return sqlerr_set(e, SQLSTATE_DATETIME, 0, "date/time field "
				  "value out of range: \"%.*s\"", show_len(n0),
				  s0);
	days = days_from_civil(y, (int)mo, (int)d);
	*date = days;	/* a date ignores the time, even 24:00 */
	*us = days * SQLVAL_USECS_PER_DAY +
	      ((h * 60 + mi) * 60 + sec) * INT64_C(1000000) + frac;
	if (*us > SQLVAL_TS_MAX)
		return sqlerr_set(e, SQLSTATE_DATETIME, 0, "timestamp out of "
				  "range: \"%.*s\"", show_len(n0), s0);
	return 0;
bad:
	return sqlerr_set(e, SQLSTATE_BAD_DATETIME, 0, "invalid input syntax "
			  "for type %s: \"%.*s\"", tname, show_len(n0), s0);
}

static int format_date(int32_t days, char *buf, size_t cap)
{
	int64_t y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	return snprintf(buf, cap, "%04" PRId64 "-%02d-%02d", y, m, d);
}

static int format_timestamp(int64_t us, char *buf, size_t cap)
{
	int64_t days = floor_div64(us, SQLVAL_USECS_PER_DAY);
	int64_t rest = us - days * SQLVAL_USECS_PER_DAY;
	int64_t secs = rest / 1000000, frac = rest % 1000000;
	int w, digits = 6;

	w = format_date((int32_t)days, buf, cap);
	w += snprintf(buf + w, cap - (size_t)w, " %02d:%02d:%02d",
		      (int)(secs / 3600), (int)(secs / 60 % 60),
		      (int)(secs % 60));
	if (frac != 0) {
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		w += snprintf(buf + w, cap - (size_t)w, ".%0*d", digits,
			      (int)frac);
	}
	return w;
}

/* ---- floats ------------------------------------------------------------- */

/* Is M * 10^X exactly K * 2^E (M > 0, K odd)?  Integer arithmetic only. */
static bool dec_equals_bin(unsigned long long M, int X, uint64_t K, int E)
{
	int t = 0, k;

	while ((M & 1) == 0) {
		M >>= 1;
		t++;
	}
	if (X >= 0) {
		for (k = 0; k < X; k++) {
			if (M > K / 5)
				return false;
			M *= 5;
		}
		return M == K && t + X == E;
	}
	for (k = 0; k < -X; k++) {
		if (M % 5 != 0)
			return false;
		M /= 5;
	}
	return M == K && t + X == E;
}

/*
 * Is M * 10^X one of the two ends of the interval of numbers that round to
 * f (positive, finite; a float when float4)?  PostgreSQL's ryu runs with
 * acceptBounds = false, so it never prints such a number even where
 * strtod() would read it back as f (ties to even).
 */
static bool on_boundary(unsigned long long M, int X, double f, bool float4)
{
	uint64_t m, bits, lower_k;
	int e, ex, lower_e;

	if (float4) {
		float g = (float)f;
		uint32_t b;

		memcpy(&b, &g, sizeof(b));
		ex = (int)(b >> 23 & 0xff);
		m = b & 0x7fffff;
		if (ex == 0) {
			e = -149;
		} else {
			m |= UINT64_C(1) << 23;
			e = ex - 150;
		}
		lower_k = m == UINT64_C(1) << 23 && ex > 1 ? 4 * m - 1 :
			2 * m - 1;
	} else {
		memcpy(&bits, &f, sizeof(bits));
		ex = (int)(bits >> 52 & 0x7ff);
		m = bits & UINT64_C(0xfffffffffffff);
		if (ex == 0) {
			e = -1074;
		} else {
			m |= UINT64_C(1) << 52;
			e = ex - 1075;
		}
		lower_k = m == UINT64_C(1) << 52 && ex > 1 ? 4 * m - 1 :
			2 * m - 1;
	}
	lower_e = lower_k == 4 * m - 1 ? e - 2 : e - 1;
	return dec_equals_bin(M, X, 2 * m + 1, e - 1) ||
	       dec_equals_bin(M, X, lower_k, lower_e);
}

static bool reads_back(long long M, int X, double f, bool float4,
		       locale_t loc)
{
	char s[48];
	double r;

	snprintf(s, sizeof(s), "%llde%d", M, X);
	if (float4)
		r = loc != (locale_t)0 ? strtof_l(s, NULL, loc) :
			strtof(s, NULL);
	else
		r = loc != (locale_t)0 ? strtod_l(s, NULL, loc) :
			strtod(s, NULL);
	return r == (float4 ? (double)(float)f : f) &&
	       !on_boundary((unsigned long long)M, X, f, float4);
}

/*
 * The shortest decimal digits that read back as f (as ryu, which
 * PostgreSQL uses, finds them): *digits gets them (no point, no sign),
 * the return value is the decimal exponent of the first digit.
 */
static int shortest_digits(double f, bool float4, char *digits,
			   locale_t loc)
{
	int maxp = float4 ? 9 : 17, p, x, best_x = 0, k;
	char tmp[48], cand[48], best[24];
	long long m, c, dm;
	double best_err = -1, err;

	for (p = 1; p <= maxp; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, f);
		/* tmp is d.ddde[+-]XX: collect the digits and exponent */
		m = 0;
		for (k = 0; tmp[k] != 'e'; k++)
			if (tmp[k] >= '0' && tmp[k] <= '9')
				m = m * 10 + (tmp[k] - '0');
		x = atoi(strchr(tmp, 'e') + 1);
		/* The nearest p-digit number, then its two neighbours. */
		best_err = -1;
		for (dm = 0; dm <= 2; dm++) {
			c = dm == 0 ? m : dm == 1 ? m - 1 : m + 1;
			if (c <= 0)
				continue;
			if (!reads_back(c, x - (p - 1), f, float4, loc))
				continue;
			snprintf(cand, sizeof(cand), "%llde%d", c,
				 x - (p - 1));
			err = fabs((loc != (locale_t)0 ?
				    strtod_l(cand, NULL, loc) :
				    strtod(cand, NULL)) - f);
			if (best_err < 0 || err < best_err) {
				best_err = err;
				snprintf(best, sizeof(best), "%lld", c);
				best_x = x;
			}
			/* printf's own rounding (ties to even) wins. */
			if (dm == 0)
				break;
		}
		if (best_err >= 0)
			break;
	}
	/* A neighbour may have one digit fewer or more (999 -> 1000). */
	k = (int)strlen(best);
	if (k > p)
		best_x++;
	else if (k < p)
		best_x--;
	while (k > 1 && best[k - 1] == '0')
		best[--k] = '\0';
	memcpy(digits, best, (size_t)k + 1);
	return best_x;
}

const char *sqlval_format_float(double f, bool float4, char *buf,
				size_t cap)
{
	locale_t loc = c_locale_get(), old = (locale_t)0;
	char digits[24];
	int x, k, w = 0, i;
	char out[64];

	if (isnan(f)) {
		snprintf(buf, cap, "NaN");
		return buf;
	}
	if (isinf(f)) {
		snprintf(buf, cap, f > 0 ? "Infinity" : "-Infinity");
		return buf;
	}
	if (f == 0) {
		snprintf(buf, cap, signbit(f) ? "-0" : "0");
		return buf;
	}
	if (loc != (locale_t)0)
		old = uselocale(loc);
	x = shortest_digits(fabs(f), float4, digits, loc);
	if (loc != (locale_t)0)
		uselocale(old);
	k = (int)strlen(digits);
	if (f < 0)
		out[w++] = '-';
	if (x < -4 || x >= (float4 ? 6 : 15)) {
		out[w++] = digits[0];
		if (k > 1) {
			out[w++] = '.';
			for (i = 1; i < k; i++)
				out[w++] = digits[i];
		}
		w += snprintf(out + w, sizeof(out) - (size_t)w, "e%c%02d",
			      x < 0 ? '-' : '+', x < 0 ? -x : x);
	} else if (x < 0) {
		out[w++] = '0';
		out[w++] = '.';
		for (i = x + 1; i < 0; i++)
			out[w++] = '0';
		for (i = 0; i < k; i++)
			out[w++] = digits[i];
	} else {
		for (i = 0; i <= x || i < k; i++) {
			if (i == x + 1)
				out[w++] = '.';
			out[w++] = i < k ? digits[i] : '0';
		}
	}
	out[w] = '\0';
	snprintf(buf, cap, "%s", out);
	return buf;
}

/* ---- text input --------------------------------------------------------- */

static int bad_syntax(const struct sql_type *t, const char *s, size_t n,
		      struct sqlerr *e)
{
	char tn[SQLVAL_TYPE_NAME_MAX];

	return sqlerr_set(e, SQLSTATE_INVALID_TEXT, 0, "invalid input syntax "
			  "for type %s: \"%.*s\"",
			  sqlval_type_name(t, tn, sizeof(tn)), show_len(n), s);
}

static int int_range(const struct sql_type *t, struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "%s out of range",
			  t->kind == SQL_TYPE_INT2 ? "smallint" :
			  t->kind == SQL_TYPE_INT4 ? "integer" : "bigint");
}

static bool fits_width(int64_t v, const struct sql_type *t)
{
	if (t->kind == SQL_TYPE_INT2)
		return v >= INT16_MIN && v <= INT16_MAX;
	if (t->kind == SQL_TYPE_INT4)
		return v >= INT32_MIN && v <= INT32_MAX;
	return true;
}

static int parse_int(const struct sql_type *t, const char *s0, size_t n0,
		     int64_t *out, struct sqlerr *e)
{
	const char *s = s0;
	size_t n = n0, i = 0;
	uint64_t u = 0, lim;
	bool neg = false, range = false;
	char tn[SQLVAL_TYPE_NAME_MAX];

	trim(&s, &n);
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i >= n)
		return bad_syntax(t, s0, n0, e);
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return bad_syntax(t, s0, n0, e);
		if (u > (lim - (uint64_t)(s[i] - '0')) / 10)
			range = true;
		else
			u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (!range) {
		*out = neg ? (int64_t)(0 - u) : (int64_t)u;
		if (neg && u == (uint64_t)INT64_MAX + 1)
			*out = INT64_MIN;
		if (fits_width(*out, t))
			return 0;
	}
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value \"%.*s\" is out of "
			  "range for type %s", show_len(n0), s0,
			  sqlval_type_name(t, tn, sizeof(tn)));
}

static int parse_float(const struct sql_type *t, const char *s0, size_t n0,
		       struct arena *a, double *out, struct sqlerr *e)
{
	locale_t loc = c_locale_get();
	const char *s = s0;
	size_t n = n0;
	char stack[64], *z, *end;
	char tn[SQLVAL_TYPE_NAME_MAX];
	double f;
	float f4;

	trim(&s, &n);
	if (n == 0)
		return bad_syntax(t, s0, n0, e);
	if (n < sizeof(stack)) {
		memcpy(stack, s, n);
		stack[n] = '\0';
		z = stack;
	} else {
		z = arena_strndup(a, s, n);
		if (z == NULL)
			return sqlerr_nomem(e);
	}
	if (memchr(z, '\0', n) != NULL)
		return bad_syntax(t, s0, n0, e);
	errno = 0;
	if (t->kind == SQL_TYPE_FLOAT4) {
		f4 = loc != (locale_t)0 ? strtof_l(z, &end, loc) :
			strtof(z, &end);
		f = f4;
	} else {
		f = loc != (locale_t)0 ? strtod_l(z, &end, loc) :
			strtod(z, &end);
	}
	if (end == z || *end != '\0')
		return bad_syntax(t, s0, n0, e);
	if (errno == ERANGE && (f == 0 || isinf(f)))
		return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "\"%.*s\" is out "
				  "of range for type %s", show_len(n0), s0,
				  sqlval_type_name(t, tn, sizeof(tn)));
	*out = f;
	return 0;
}

static int parse_bool(const struct sql_type *t, const char *s0, size_t n0,
		      bool *out, struct sqlerr *e)
{
	const char *s = s0;
	size_t n = n0;

	trim(&s, &n);
	if (n > 0) {
		switch (s[0]) {
		case 't': case 'T':
			if (n <= 4 && strncasecmp(s, "true", n) == 0)
				return *out = true, 0;
			break;
		case 'f': case 'F':
			if (n <= 5 && strncasecmp(s, "false", n) == 0)
				return *out = false, 0;
			break;
		case 'y': case 'Y':
			if (n <= 3 && strncasecmp(s, "yes", n) == 0)
				return *out = true, 0;
			break;
		case 'n': case 'N':
			if (n <= 2 && strncasecmp(s, "no", n) == 0)
				return *out = false, 0;
			break;
		case 'o': case 'O':
			if (n == 2 && strncasecmp(s, "on", 2) == 0)
				return *out = true, 0;
			if (n >= 2 && n <= 3 && strncasecmp(s, "off", n) == 0)
				return *out = false, 0;
			break;
		case '1':
			if (n == 1)
				return *out = true, 0;
			break;
		case '0':
			if (n == 1)
				return *out = false, 0;
			break;
		}
	}
	return bad_syntax(t, s0, n0, e);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_bytes(const struct sql_type *t, const char *s, size_t n,
		       struct arena *a, struct sql_datum *out,
		       struct sqlerr *e)
{
	unsigned char *buf = arena_alloc(a, n + 1);
	size_t i, w = 0, cl;
	int hi, lo;

	if (buf == NULL)
		return sqlerr_nomem(e);
	if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
		for (i = 2; i < n;) {
			if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' ||
			    s[i] == '\r') {
				i++;
				continue;
			}
			hi = hexval(s[i]);
			if (hi < 0)
				goto bad_hex_i;
			if (++i >= n)
				return sqlerr_set(e, SQLSTATE_INVALID_PARAM, 0,
						  "invalid hexadecimal data: "
						  "odd number of digits");
			lo = hexval(s[i]);
			if (lo < 0)
				goto bad_hex_i;
			i++;
			buf[w++] = (unsigned char)(hi << 4 | lo);
		}
		*out = sqlval_bytes(buf, w);
		return 0;
bad_hex_i:
		cl = utf8_len(s + i, n - i);
		return sqlerr_set(e, SQLSTATE_INVALID_PARAM, 0, "invalid "
				  "hexadecimal digit: \"%.*s\"", (int)cl,
				  s + i);
	}
	for (i = 0; i < n;) {
		if (s[i] != '\\') {
			buf[w++] = (unsigned char)s[i++];
		} else if (i + 1 < n && s[i + 1] == '\\') {
			buf[w++] = '\\';
			i += 2;
		} else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
			   s[i + 2] >= '0' && s[i + 2] <= '7' &&
			   s[i + 3] >= '0' && s[i + 3] <= '7') {
			buf[w++] = (unsigned char)((s[i + 1] - '0') << 6 |
						   (s[i + 2] - '0') << 3 |
						   (s[i + 3] - '0'));
			i += 4;
		} else {
			return sqlerr_set(e, SQLSTATE_INVALID_TEXT, 0,
					  "invalid input syntax for type "
					  "bytea");
		}
	}
	(void)t;
	*out = sqlval_bytes(buf, w);
	return 0;
}

int sqlval_from_text(const struct sql_type *t, const char *s, size_t n,
		     struct arena *a, struct sql_datum *out,
		     struct sqlerr *e)
{
	struct sqldec dec;
	int64_t i = 0, us = 0, days = 0;
	double f = 0;
	bool b = false;

	if (s == NULL)
		s = "";
	switch (t->kind) {
	case SQL_TYPE_INT2:
	case SQL_TYPE_INT4:
	case SQL_TYPE_INT8:
		if (parse_int(t, s, n, &i, e) != 0)
			return -1;
		*out = sqlval_int(i);
		return 0;
	case SQL_TYPE_FLOAT4:
	case SQL_TYPE_FLOAT8:
		if (parse_float(t, s, n, a, &f, e) != 0)
			return -1;
		*out = sqlval_float(f);
		return 0;
	case SQL_TYPE_DECIMAL:
		if (sqldec_from_text(s, n, &dec, e) != 0)
			return -1;
		if (t->precision > 0 &&
		    sqldec_fit(&dec, t->precision, t->scale, &dec, e) != 0)
			return -1;
		*out = sqlval_decimal(dec);
		return 0;
	case SQL_TYPE_BOOL:
		if (parse_bool(t, s, n, &b, e) != 0)
			return -1;
		*out = sqlval_bool(b);
		return 0;
	case SQL_TYPE_BYTES:
		return parse_bytes(t, s, n, a, out, e);
	case SQL_TYPE_TIMESTAMP:
		if (parse_timestamp(s, n, "timestamp", &us, &days, e) != 0)
			return -1;
		*out = sqlval_timestamp(us);
		return 0;
	case SQL_TYPE_DATE:
		if (parse_timestamp(s, n, "date", &us, &days, e) != 0)
			return -1;
		*out = sqlval_date((int32_t)days);
		return 0;
	case SQL_TYPE_TEXT:
	case SQL_TYPE_VARCHAR:
	case SQL_TYPE_CHAR:
	case SQL_TYPE_UNKNOWN:
		if (sqlval_utf8_check(s, n, 0, e) != 0)
			return -1;
		*out = sqlval_text(s, n);
		return 0;
	case SQL_TYPE_NULL:
		break;
	}
	return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "cannot read a value of "
			  "type NULL from text");
}

/* ---- text output -------------------------------------------------------- */

int sqlval_to_text(const struct sql_datum *d, const struct sql_type *t,
		   struct arena *a, const char **out, size_t *n,
		   struct sqlerr *e)
{
	static const char hex[] = "0123456789abcdef";
	char buf[SQLDEC_TEXT_MAX + 64];
	const char *src = buf;
	size_t len, i;
	char *p;

	switch (d->kind) {
	case SQL_DATUM_NULL:
		*out = NULL;
		*n = 0;
		return 0;
	case SQL_DATUM_BOOL:
		src = d->b ? "t" : "f";
		break;
	case SQL_DATUM_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, d->i);
		break;
	case SQL_DATUM_FLOAT:
		sqlval_format_float(d->f, t != NULL &&
				    t->kind == SQL_TYPE_FLOAT4, buf,
				    sizeof(buf));
		break;
	case SQL_DATUM_DECIMAL:
		sqldec_format(&d->d, buf, sizeof(buf));
		break;
	case SQL_DATUM_TEXT:
		p = arena_strndup(a, d->s.p != NULL ? d->s.p : "", d->s.n);
		if (p == NULL)
			return sqlerr_nomem(e);
		*out = p;
		*n = d->s.n;
		return 0;
	case SQL_DATUM_BYTES:
		if (d->s.n > (SIZE_MAX - 3) / 2)
			return sqlerr_nomem(e);
		p = arena_alloc(a, 2 * d->s.n + 3);
		if (p == NULL)
			return sqlerr_nomem(e);
		p[0] = '\\';
		p[1] = 'x';
		for (i = 0; i < d->s.n; i++) {
			unsigned char c = (unsigned char)d->s.p[i];

			p[2 + 2 * i] = hex[c >> 4];
			p[3 + 2 * i] = hex[c & 15];
		}
		p[2 + 2 * d->s.n] = '\0';
		*out = p;
		*n = 2 + 2 * d->s.n;
		return 0;
	case SQL_DATUM_TIMESTAMP:
		format_timestamp(d->ts, buf, sizeof(buf));
		break;
	case SQL_DATUM_DATE:
		format_date(d->date, buf, sizeof(buf));
		break;
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "cannot print a "
				  "value of unknown kind %d", (int)d->kind);
	}
	len = strlen(src);
	p = arena_strndup(a, src, len);
	if (p == NULL)
		return sqlerr_nomem(e);
	*out = p;
	*n = len;
	return 0;
}

/* ---- casts -------------------------------------------------------------- */

static int cannot_cast(const struct sql_type *from, const struct sql_type *to,
		       int pos, struct sqlerr *e)
{
	char a[SQLVAL_TYPE_NAME_MAX], b[SQLVAL_TYPE_NAME_MAX];

	return sqlerr_set(e, SQLSTATE_CANNOT_COERCE, pos, "cannot cast type "
			  "%s to %s", base_name(from, a, sizeof(a)),
			  base_name(to, b, sizeof(b)));
}

/* rint(f) as an int64, or 22003 for the target width. */
static int float_to_int(double f, const struct sql_type *to, int64_t *out,
			struct sqlerr *e)
{
	double r = rint(f);

	/* [-2^63, 2^63): both bounds are exact doubles. */
	if (isnan(r) || r < -9223372036854775808.0 ||
	    r >= 9223372036854775808.0)
		return int_range(to, e);
	*out = (int64_t)r;
	return 0;
}

static int to_int(const struct sql_datum *d, const struct sql_type *from,
		  const struct sql_type *to, struct arena *a,
		  struct sql_datum *out, struct sqlerr *e)
{
	struct sql_datum t;
	int64_t v;

	switch (d->kind) {
	case SQL_DATUM_INT:
		v = d->i;
		break;
	case SQL_DATUM_FLOAT:
		if (float_to_int(d->f, to, &v, e) != 0)
			return -1;
		break;
	case SQL_DATUM_DECIMAL:
		if (sqldec_to_int(&d->d, &v, NULL) != 0)
			return int_range(to, e);
		break;
	case SQL_DATUM_BOOL:
		v = d->b ? 1 : 0;
		break;
	case SQL_DATUM_TEXT:
		if (sqlval_from_text(to, d->s.p, d->s.n, a, &t, e) != 0)
			return -1;
		v = t.i;
		break;
	default:
		return cannot_cast(from, to, 0, e);
	}
	if (!fits_width(v, to))
		return int_range(to, e);
	*out = sqlval_int(v);
	return 0;
}

/* f as a float4 (stored as a double), with PostgreSQL's range errors. */
static int round_float4(double f, double *out, struct sqlerr *e)
{
	float r = (float)f;

	if (isinf(r) && !isinf(f))
		return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value out of "
				  "range: overflow");
	if (r == 0 && f != 0)
		return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value out of "
				  "range: underflow");
	*out = r;
	return 0;
}

static int to_float(const struct sql_datum *d, const struct sql_type *from,
		    const struct sql_type *to, struct arena *a,
		    struct sql_datum *out, struct sqlerr *e)
{
	bool f4 = to->kind == SQL_TYPE_FLOAT4;
	char buf[SQLDEC_TEXT_MAX];
	double f;

	switch (d->kind) {
	case SQL_DATUM_INT:
		/* One rounding, straight to the target precision. */
		f = f4 ? (double)(float)d->i : (double)d->i;
		break;
	case SQL_DATUM_FLOAT:
		f = d->f;
		if (f4 && round_float4(f, &f, e) != 0)
			return -1;
		break;
	case SQL_DATUM_DECIMAL:
		if (f4) {
			sqldec_format(&d->d, buf, sizeof(buf));
			/* only digits and '.': no locale matters */
			f = strtof(buf, NULL);
		} else {
			f = sqldec_to_double(&d->d);
		}
		break;
	case SQL_DATUM_TEXT:
		return sqlval_from_text(to, d->s.p, d->s.n, a, out, e);
	default:
		return cannot_cast(from, to, 0, e);
	}
	*out = sqlval_float(f);
	return 0;
}

static int to_decimal(const struct sql_datum *d, const struct sql_type *from,
		      const struct sql_type *to, struct arena *a,
		      struct sql_datum *out, struct sqlerr *e)
{
	struct sqldec v;

	switch (d->kind) {
	case SQL_DATUM_INT:
		sqldec_from_int(d->i, &v);
		break;
	case SQL_DATUM_FLOAT:
		if (sqldec_from_double(d->f, from != NULL &&
				       from->kind == SQL_TYPE_FLOAT4 ? 6 : 15,
				       &v, e) != 0)
			return -1;
		break;
	case SQL_DATUM_DECIMAL:
		v = d->d;
		break;
	case SQL_DATUM_TEXT:
		return sqlval_from_text(to, d->s.p, d->s.n, a, out, e);
	default:
		return cannot_cast(from, to, 0, e);
	}
	if (to->precision > 0 &&
	    sqldec_fit(&v, to->precision, to->scale, &v, e) != 0)
		return -1;
	*out = sqlval_decimal(v);
	return 0;
}

/*
 * Apply VARCHAR(n) / CHAR(n) to p[0..len): explicit casts truncate,
 * assignments refuse non-blank excess; CHAR pads.
 */
static int string_typmod(const char *p, size_t len, const struct sql_type *to,
			 bool explicit, struct arena *a,
			 struct sql_datum *out, struct sqlerr *e)
{
	size_t chars, cut, k;
	char tn[SQLVAL_TYPE_NAME_MAX];
	char *buf;

	if (to->width <= 0 ||
	    (to->kind != SQL_TYPE_VARCHAR && to->kind != SQL_TYPE_CHAR)) {
		*out = sqlval_text(p, len);
		return 0;
	}
	chars = sqlval_utf8_length(p, len);
	if (chars > (size_t)to->width) {
		cut = utf8_offset(p, len, (size_t)to->width);
		sqlval_type_name(to, tn, sizeof(tn));
		for (k = cut; !explicit && k < len; k++)
			if (p[k] != ' ')
				return sqlerr_set(e, SQLSTATE_STR_TRUNC, 0,
						  "value too long for type %s",
						  tn);
		*out = sqlval_text(p, cut);
		return 0;
	}
	if (to->kind == SQL_TYPE_CHAR && chars < (size_t)to->width) {
		k = (size_t)to->width - chars;
		buf = arena_alloc(a, len + k + 1);
		if (buf == NULL)
			return sqlerr_nomem(e);
		memcpy(buf, p, len);
		memset(buf + len, ' ', k);
		*out = sqlval_text(buf, len + k);
		return 0;
	}
	*out = sqlval_text(p, len);
	return 0;
}

static int to_string(const struct sql_datum *d, const struct sql_type *from,
		     const struct sql_type *to, bool explicit,
		     struct arena *a, struct sql_datum *out, struct sqlerr *e)
{
	const char *p;
	size_t n;

	switch (d->kind) {
	case SQL_DATUM_TEXT:
		p = d->s.p;
		n = d->s.n;
		/* bpchar to text/varchar drops the padding. */
		if (from != NULL && from->kind == SQL_TYPE_CHAR &&
		    to->kind != SQL_TYPE_CHAR)
			while (n > 0 && p[n - 1] == ' ')
				n--;
		break;
	case SQL_DATUM_BOOL:
		p = d->b ? "true" : "false";
		n = strlen(p);
		break;
	default:
		if (sqlval_to_text(d, from, a, &p, &n, e) != 0)
			return -1;
		break;
	}
	return string_typmod(p, n, to, explicit, a, out, e);
}

static int cast_impl(const struct sql_datum *d, const struct sql_type *from,
		     const struct sql_type *to, bool explicit,
		     struct arena *a, struct sql_datum *out,
		     struct sqlerr *e)
{
	struct sql_type nat;
	struct sql_datum t;

	if (d->kind == SQL_DATUM_NULL) {
		*out = sqlval_null();
		return 0;
	}
	if (from == NULL) {
		nat = datum_type(d);
		from = &nat;
	}
	switch (to->kind) {
	case SQL_TYPE_INT2:
	case SQL_TYPE_INT4:
	case SQL_TYPE_INT8:
		return to_int(d, from, to, a, out, e);
	case SQL_TYPE_FLOAT4:
	case SQL_TYPE_FLOAT8:
		return to_float(d, from, to, a, out, e);
	case SQL_TYPE_DECIMAL:
		return to_decimal(d, from, to, a, out, e);
	case SQL_TYPE_TEXT:
	case SQL_TYPE_VARCHAR:
	case SQL_TYPE_CHAR:
	case SQL_TYPE_UNKNOWN:
		return to_string(d, from, to, explicit, a, out, e);
	case SQL_TYPE_BOOL:
		if (d->kind == SQL_DATUM_BOOL) {
			*out = *d;
			return 0;
		}
		if (d->kind == SQL_DATUM_INT) {
			*out = sqlval_bool(d->i != 0);
			return 0;
		}
		break;
	case SQL_TYPE_BYTES:
		if (d->kind == SQL_DATUM_BYTES) {
			*out = *d;
			return 0;
		}
		break;
	case SQL_TYPE_TIMESTAMP:
		if (d->kind == SQL_DATUM_TIMESTAMP) {
			*out = *d;
			return 0;
		}
		if (d->kind == SQL_DATUM_DATE) {
			*out = sqlval_timestamp((int64_t)d->date *
						SQLVAL_USECS_PER_DAY);
			return 0;
		}
		break;
	case SQL_TYPE_DATE:
		if (d->kind == SQL_DATUM_DATE) {
			*out = *d;
			return 0;
		}
		if (d->kind == SQL_DATUM_TIMESTAMP) {
			*out = sqlval_date((int32_t)floor_div64(
					d->ts, SQLVAL_USECS_PER_DAY));
			return 0;
		}
		break;
	case SQL_TYPE_NULL:
		return cannot_cast(from, to, 0, e);
	}
	if (d->kind == SQL_DATUM_TEXT) {
		if (sqlval_from_text(to, d->s.p, d->s.n, a, &t, e) != 0)
			return -1;
		*out = t;
		return 0;
	}
	return cannot_cast(from, to, 0, e);
}

int sqlval_cast(const struct sql_datum *d, const struct sql_type *from,
		const struct sql_type *to, struct arena *a,
		struct sql_datum *out, struct sqlerr *e)
{
	return cast_impl(d, from, to, true, a, out, e);
}

int sqlval_assign(const struct sql_datum *d, const struct sql_type *from,
		  const struct sql_type *to, struct arena *a,
		  struct sql_datum *out, struct sqlerr *e)
{
	return cast_impl(d, from, to, false, a, out, e);
}

bool sqlval_can_cast(const struct sql_type *from, const struct sql_type *to)
{
	if (to->kind == SQL_TYPE_NULL)
		return false;
	if (sqlval_type_is_unknown(from) || from->kind == to->kind)
		return true;
	if (sqlval_type_is_string(to) || to->kind == SQL_TYPE_UNKNOWN ||
	    sqlval_type_is_string(from))
		return true;
	if (sqlval_type_is_numeric(from) && sqlval_type_is_numeric(to))
		return true;
	if ((sqlval_type_is_integer(from) && to->kind == SQL_TYPE_BOOL) ||
	    (from->kind == SQL_TYPE_BOOL && sqlval_type_is_integer(to)))
		return true;
	return is_datetime(from) && is_datetime(to);
}

int sqlval_cast_check(const struct sql_type *from, const struct sql_type *to,
		      int pos, struct sqlerr *e)
{
	if (sqlval_can_cast(from, to))
		return 0;
	return cannot_cast(from, to, pos, e);
}

bool sqlval_can_assign(const struct sql_type *from,
		       const struct sql_type *to)
{
	if (to->kind == SQL_TYPE_NULL)
		return false;
	if (sqlval_type_is_unknown(from) || from->kind == to->kind)
		return true;
	if (sqlval_type_is_string(to))
		return true;	/* any value as its text */
	if (sqlval_type_is_numeric(from) && sqlval_type_is_numeric(to))
		return true;
	return is_datetime(from) && is_datetime(to);
}

int sqlval_assign_check(const struct sql_type *from,
			const struct sql_type *to, const char *colname,
			int pos, struct sqlerr *e)
{
	char a[SQLVAL_TYPE_NAME_MAX], b[SQLVAL_TYPE_NAME_MAX];

	if (sqlval_can_assign(from, to))
		return 0;
	if (colname != NULL)
		return sqlerr_set(e, SQLSTATE_DATATYPE, pos, "column \"%s\" "
				  "is of type %s but expression is of type %s",
				  colname, sqlval_type_name(to, b, sizeof(b)),
				  sqlval_type_name(from, a, sizeof(a)));
	return sqlerr_set(e, SQLSTATE_DATATYPE, pos, "target is of type %s "
			  "but expression is of type %s",
			  sqlval_type_name(to, b, sizeof(b)),
			  sqlval_type_name(from, a, sizeof(a)));
}

/* Position in the implicit numeric widening chain, -1 if not numeric. */
static int numeric_rank(const struct sql_type *t)
{
	switch (t->kind) {
	case SQL_TYPE_INT2:
		return 0;
	case SQL_TYPE_INT4:
		return 1;
	case SQL_TYPE_INT8:
		return 2;
	case SQL_TYPE_DECIMAL:
		return 3;
	case SQL_TYPE_FLOAT4:
		return 4;
	case SQL_TYPE_FLOAT8:
		return 5;
	default:
		return -1;
	}
}

bool sqlval_can_coerce(const struct sql_type *from, const struct sql_type *to)
{
	int rf = numeric_rank(from), rt = numeric_rank(to);

	if (to->kind == SQL_TYPE_NULL)
		return false;
	if (sqlval_type_is_unknown(from) || from->kind == to->kind)
		return true;
	if (rf >= 0 && rt >= 0)
		return rf <= rt;
	if (sqlval_type_is_string(from) && sqlval_type_is_string(to))
		return true;
	return from->kind == SQL_TYPE_DATE && to->kind == SQL_TYPE_TIMESTAMP;
}

/* Category letter as in pg_type.typcategory; 0 for unknown/NULL. */
static char category(const struct sql_type *t)
{
	if (sqlval_type_is_unknown(t))
		return 0;
	if (sqlval_type_is_numeric(t))
		return 'N';
	if (sqlval_type_is_string(t))
		return 'S';
	if (is_datetime(t))
		return 'D';
	return t->kind == SQL_TYPE_BOOL ? 'B' : 'U';
}

int sqlval_common_type(const char *what, const struct sql_type *types,
		       size_t n, struct sql_type *out, int pos,
		       struct sqlerr *e)
{
	char a[SQLVAL_TYPE_NAME_MAX], b[SQLVAL_TYPE_NAME_MAX];
	const struct sql_type *first = NULL;
	struct sql_type r;
	bool same = true;
	size_t i;

	for (i = 0; i < n; i++) {
		if (category(&types[i]) == 0)
			continue;
		if (first == NULL) {
			first = &types[i];
			r = types[i];
			continue;
		}
		if (category(&types[i]) != category(first) ||
		    (category(first) == 'U' && types[i].kind != first->kind))
			return sqlerr_set(e, SQLSTATE_DATATYPE, pos,
					  "%s types %s and %s cannot be "
					  "matched", what,
					  sqlval_type_name(first, a,
							   sizeof(a)),
					  sqlval_type_name(&types[i], b,
							   sizeof(b)));
		if (!sqlval_type_equal(&types[i], first))
			same = false;
		if (numeric_rank(&types[i]) > numeric_rank(&r))
			r = sqlval_type(types[i].kind);
		if (types[i].kind == SQL_TYPE_TIMESTAMP)
			r = types[i];
		if (sqlval_type_is_string(&types[i]) &&
		    types[i].kind != r.kind)
			r = sqlval_type(SQL_TYPE_TEXT);
	}
	if (first == NULL) {
		*out = sqlval_type(SQL_TYPE_TEXT);
		return 0;
	}
	if (same) {
		*out = *first;
		return 0;
	}
	/* Differing typmods of one kind: the kind without typmod. */
	r.width = r.precision = r.scale = 0;
	*out = r;
	return 0;
}

/* ---- comparison and hashing --------------------------------------------- */

/* Sort rank of a datum kind among incomparable kinds. */
static int kind_rank(enum sql_datum_kind k)
{
	switch (k) {
	case SQL_DATUM_NULL:
		return 0;
	case SQL_DATUM_BOOL:
		return 1;
	case SQL_DATUM_INT:
	case SQL_DATUM_FLOAT:
	case SQL_DATUM_DECIMAL:
		return 2;
	case SQL_DATUM_TEXT:
		return 3;
	case SQL_DATUM_BYTES:
		return 4;
	case SQL_DATUM_TIMESTAMP:
	case SQL_DATUM_DATE:
		return 5;
	}
	return 6;
}

static double as_double(const struct sql_datum *d)
{
	if (d->kind == SQL_DATUM_INT)
		return (double)d->i;
	if (d->kind == SQL_DATUM_DECIMAL)
		return sqldec_to_double(&d->d);
	return d->f;
}

static int cmp_double(double x, double y)
{
	bool nx = isnan(x), ny = isnan(y);

	if (nx || ny)
		return nx == ny ? 0 : nx ? 1 : -1;
	return x < y ? -1 : x > y;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
	size_t m = na < nb ? na : nb;
	int c = m > 0 ? memcmp(a, b, m) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

static int64_t as_usecs(const struct sql_datum *d)
{
	return d->kind == SQL_DATUM_DATE ?
		(int64_t)d->date * SQLVAL_USECS_PER_DAY : d->ts;
}

int sqlval_cmp(const struct sql_datum *a, const struct sql_datum *b)
{
	int ra = kind_rank(a->kind), rb = kind_rank(b->kind);
	struct sqldec x, y;
	int64_t u, v;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a->kind) {
	case SQL_DATUM_NULL:
		return 0;
	case SQL_DATUM_BOOL:
		return (int)a->b - (int)b->b;
	case SQL_DATUM_INT:
	case SQL_DATUM_FLOAT:
	case SQL_DATUM_DECIMAL:
		if (a->kind == SQL_DATUM_FLOAT || b->kind == SQL_DATUM_FLOAT)
			return cmp_double(as_double(a), as_double(b));
		if (a->kind == SQL_DATUM_INT && b->kind == SQL_DATUM_INT)
			return a->i < b->i ? -1 : a->i > b->i;
		if (a->kind == SQL_DATUM_INT)
			sqldec_from_int(a->i, &x);
		else
			x = a->d;
		if (b->kind == SQL_DATUM_INT)
			sqldec_from_int(b->i, &y);
		else
			y = b->d;
		return sqldec_cmp(&x, &y);
	case SQL_DATUM_TEXT:
	case SQL_DATUM_BYTES:
		return cmp_bytes(a->s.p, a->s.n, b->s.p, b->s.n);
	case SQL_DATUM_TIMESTAMP:
	case SQL_DATUM_DATE:
		u = as_usecs(a);
		v = as_usecs(b);
		return u < v ? -1 : u > v;
	}
	return 0;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t hash_word(uint64_t h, uint64_t w)
{
	return mix64(h ^ (w + UINT64_C(0x9e3779b97f4a7c15) + (h << 6)));
}

static uint64_t hash_mem(uint64_t h, const char *p, size_t n)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = hash_word(h, w);
	}
	w = 0;
	memcpy(&w, p + i, n - i);
	return hash_word(h, w ^ ((uint64_t)n << 56));
}

uint64_t sqlval_hash(const struct sql_datum *d, uint64_t seed)
{
	uint64_t h = mix64(seed ^ UINT64_C(0x5a17a1b2c3d4e5f6)), bits;
	struct sqldec n;
	double f;

	switch (d->kind) {
	case SQL_DATUM_NULL:
		return hash_word(h, 0);
	case SQL_DATUM_BOOL:
		return hash_word(h, d->b ? 2 : 1);
	case SQL_DATUM_INT:
	case SQL_DATUM_FLOAT:
	case SQL_DATUM_DECIMAL:
		/*
		 * Every numeric value hashes as the double nearest to it:
		 * equal values (across kinds too) give equal doubles.
		 */
		if (d->kind == SQL_DATUM_DECIMAL) {
			sqldec_normalize(&d->d, &n);
			f = n.scale == 0 && n.coef >= INT64_MIN &&
				n.coef <= INT64_MAX ? (double)(int64_t)n.coef :
				sqldec_to_double(&n);
		} else {
			f = as_double(d);
		}
		if (f == 0)
			f = 0;		/* -0 == 0 */
		if (isnan(f))
			bits = UINT64_C(0x7ff8000000000000);
		else
			memcpy(&bits, &f, sizeof(bits));
		return hash_word(hash_word(h, 3), bits);
	case SQL_DATUM_TEXT:
		return hash_mem(hash_word(h, 4), d->s.p, d->s.n);
	case SQL_DATUM_BYTES:
		return hash_mem(hash_word(h, 5), d->s.p, d->s.n);
	case SQL_DATUM_TIMESTAMP:
	case SQL_DATUM_DATE:
		return hash_word(hash_word(h, 6), (uint64_t)as_usecs(d));
	}
	return h;
}

/* ---- operators ---------------------------------------------------------- */

const char *sqlval_op_name(enum sql_op op)
{
	static const char *const names[] = {
		"+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=",
	};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ?
		names[op] : "?";
}

bool sqlval_op_is_comparison(enum sql_op op)
{
	return op >= SQL_OP_EQ && op <= SQL_OP_GE;
}

/* t without its typmod (how an unknown literal takes the other's type). */
static struct sql_type base_type(const struct sql_type *t)
{
	return sqlval_type(t->kind);
}

static int no_operator(enum sql_op op, const struct sql_type *l,
		       const struct sql_type *r, int pos, struct sqlerr *e)
{
	char a[SQLVAL_TYPE_NAME_MAX], b[SQLVAL_TYPE_NAME_MAX];

	return sqlerr_set(e, SQLSTATE_UNDEF_FUNC, pos, "operator does not "
			  "exist: %s %s %s", base_name(l, a, sizeof(a)),
			  sqlval_op_name(op), base_name(r, b, sizeof(b)));
}

static struct sql_type arith_result(const struct sql_type *l,
				    const struct sql_type *r)
{
	if (is_float(l) || is_float(r))
		return sqlval_type(l->kind == SQL_TYPE_FLOAT4 &&
				   r->kind == SQL_TYPE_FLOAT4 ?
				   SQL_TYPE_FLOAT4 : SQL_TYPE_FLOAT8);
	if (l->kind == SQL_TYPE_DECIMAL || r->kind == SQL_TYPE_DECIMAL)
		return sqlval_type(SQL_TYPE_DECIMAL);
	return sqlval_type(SQL_TYPE_INT8);
}

int sqlval_binop_type(enum sql_op op, const struct sql_type *l,
		      const struct sql_type *r, struct sql_optype *out,
		      int pos, struct sqlerr *e)
{
	struct sql_type L = *l, R = *r;
	bool lu = sqlval_type_is_unknown(l), ru = sqlval_type_is_unknown(r);
	bool ls, rs;

	if (lu && ru) {
		if (op == SQL_OP_CONCAT || sqlval_op_is_comparison(op)) {
			out->left = out->right = sqlval_type(SQL_TYPE_TEXT);
			out->result = sqlval_type(op == SQL_OP_CONCAT ?
						  SQL_TYPE_TEXT :
						  SQL_TYPE_BOOL);
			return 0;
		}
		return sqlerr_set(e, SQLSTATE_AMBIG_FUNC, pos, "operator is "
				  "not unique: unknown %s unknown",
				  sqlval_op_name(op));
	}
	if (op == SQL_OP_CONCAT) {
		/* An unknown side is text, or bytea next to a bytea. */
		if (lu)
			L = sqlval_type(r->kind == SQL_TYPE_BYTES ?
					SQL_TYPE_BYTES : SQL_TYPE_TEXT);
		if (ru)
			R = sqlval_type(l->kind == SQL_TYPE_BYTES ?
					SQL_TYPE_BYTES : SQL_TYPE_TEXT);
		if (L.kind == SQL_TYPE_BYTES && R.kind == SQL_TYPE_BYTES) {
			out->left = L;
			out->right = R;
			out->result = sqlval_type(SQL_TYPE_BYTES);
			return 0;
		}
		ls = sqlval_type_is_string(&L);
		rs = sqlval_type_is_string(&R);
		if (!ls && !rs)
			return no_operator(op, l, r, pos, e);
		/* CHAR loses its padding; non-strings become their text. */
		out->left = ls && L.kind != SQL_TYPE_CHAR ? L :
			sqlval_type(SQL_TYPE_TEXT);
		out->right = rs && R.kind != SQL_TYPE_CHAR ? R :
			sqlval_type(SQL_TYPE_TEXT);
		out->result = sqlval_type(SQL_TYPE_TEXT);
		return 0;
	}
	if (lu)
		L = base_type(r);
	if (ru)
		R = base_type(l);
	out->left = L;
	out->right = R;
	if (sqlval_op_is_comparison(op)) {
		out->result = sqlval_type(SQL_TYPE_BOOL);
		if (sqlval_type_is_numeric(&L) && sqlval_type_is_numeric(&R))
			return 0;
		if (sqlval_type_is_string(&L) && sqlval_type_is_string(&R)) {
			/*
			 * PostgreSQL: bpchar = text compares as text (the
			 * bpchar side loses its padding), bpchar = varchar as
			 * bpchar (trailing spaces never count).
			 */
			if (L.kind == SQL_TYPE_CHAR && R.kind == SQL_TYPE_TEXT)
				out->left = sqlval_type(SQL_TYPE_TEXT);
			if (R.kind == SQL_TYPE_CHAR && L.kind == SQL_TYPE_TEXT)
				out->right = sqlval_type(SQL_TYPE_TEXT);
			if (L.kind == SQL_TYPE_CHAR &&
			    R.kind == SQL_TYPE_VARCHAR)
				out->right = sqlval_type(SQL_TYPE_CHAR);
			if (R.kind == SQL_TYPE_CHAR &&
			    L.kind == SQL_TYPE_VARCHAR)
				out->left = sqlval_type(SQL_TYPE_CHAR);
			return 0;
		}
		if (is_datetime(&L) && is_datetime(&R)) {
			if (L.kind != R.kind)
				out->left = out->right =
					sqlval_type(SQL_TYPE_TIMESTAMP);
			return 0;
		}
		if ((L.kind == SQL_TYPE_BOOL || L.kind == SQL_TYPE_BYTES) &&
		    L.kind == R.kind)
			return 0;
		return no_operator(op, l, r, pos, e);
	}
	/* Arithmetic. */
	if (sqlval_type_is_numeric(&L) && sqlval_type_is_numeric(&R)) {
		if (op == SQL_OP_MOD && (is_float(&L) || is_float(&R)))
			return no_operator(op, l, r, pos, e);
		out->result = arith_result(&L, &R);
		return 0;
	}
	if (L.kind == SQL_TYPE_DATE && sqlval_type_is_integer(&R) &&
	    (op == SQL_OP_ADD || op == SQL_OP_SUB)) {
		out->result = sqlval_type(SQL_TYPE_DATE);
		return 0;
	}
	if (sqlval_type_is_integer(&L) && R.kind == SQL_TYPE_DATE &&
	    op == SQL_OP_ADD) {
		out->result = sqlval_type(SQL_TYPE_DATE);
		return 0;
	}
	if (L.kind == SQL_TYPE_DATE && R.kind == SQL_TYPE_DATE &&
	    op == SQL_OP_SUB) {
		out->result = sqlval_type(SQL_TYPE_INT8);
		return 0;
	}
	return no_operator(op, l, r, pos, e);
}

static int bigint_range(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "bigint out of range");
}

static int div_zero(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_DIV_ZERO, 0, "division by zero");
}

static int int_arith(enum sql_op op, int64_t x, int64_t y, int64_t *r,
		     struct sqlerr *e)
{
	switch (op) {
	case SQL_OP_ADD:
		if (__builtin_add_overflow(x, y, r))
			return bigint_range(e);
		return 0;
	case SQL_OP_SUB:
		if (__builtin_sub_overflow(x, y, r))
			return bigint_range(e);
		return 0;
	case SQL_OP_MUL:
		if (__builtin_mul_overflow(x, y, r))
			return bigint_range(e);
		return 0;
	case SQL_OP_DIV:
		if (y == 0)
			return div_zero(e);
		if (x == INT64_MIN && y == -1)
			return bigint_range(e);
		*r = x / y;	/* truncates toward zero */
		return 0;
	case SQL_OP_MOD:
		if (y == 0)
			return div_zero(e);
		*r = y == -1 ? 0 : x % y;	/* sign of the dividend */
		return 0;
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "operator %s is "
				  "not arithmetic", sqlval_op_name(op));
	}
}

static int float_overflow(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value out of range: "
			  "overflow");
}

static int float_underflow(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value out of range: "
			  "underflow");
}

/* PostgreSQL's float8pl/mi/mul/div with their overflow checks. */
static int float_arith(enum sql_op op, double x, double y, bool f4,
		       double *out, struct sqlerr *e)
{
	double r;

	switch (op) {
	case SQL_OP_ADD:
		r = x + y;
		break;
	case SQL_OP_SUB:
		r = x - y;
		break;
	case SQL_OP_MUL:
		r = x * y;
		if (r == 0 && x != 0 && y != 0)
			return float_underflow(e);
		break;
	case SQL_OP_DIV:
		if (y == 0 && !isnan(x))
			return div_zero(e);
		r = x / y;
		if (r == 0 && x != 0 && !isinf(y))
			return float_underflow(e);
		break;
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "operator %s is "
				  "not defined on floats", sqlval_op_name(op));
	}
	if (isinf(r) && !isinf(x) && !isinf(y))
		return float_overflow(e);
	if (f4) {
		float g = (float)r;

		if (isinf(g) && !isinf(r))
			return float_overflow(e);
		if (g == 0 && r != 0)
			return float_underflow(e);
		r = g;
	}
	*out = r;
	return 0;
}

static int dec_arith(enum sql_op op, const struct sql_datum *a,
		     const struct sql_datum *b, struct sqldec *r,
		     struct sqlerr *e)
{
	struct sqldec x, y;

	if (a->kind == SQL_DATUM_INT)
		sqldec_from_int(a->i, &x);
	else
		x = a->d;
	if (b->kind == SQL_DATUM_INT)
		sqldec_from_int(b->i, &y);
	else
		y = b->d;
	switch (op) {
	case SQL_OP_ADD:
		return sqldec_add(&x, &y, r, e);
	case SQL_OP_SUB:
		return sqldec_sub(&x, &y, r, e);
	case SQL_OP_MUL:
		return sqldec_mul(&x, &y, r, e);
	case SQL_OP_DIV:
		return sqldec_div(&x, &y, r, e);
	case SQL_OP_MOD:
		return sqldec_mod(&x, &y, r, e);
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "operator %s is "
				  "not arithmetic", sqlval_op_name(op));
	}
}

/* A datum as text for ||: strings as they are, others converted. */
static int concat_operand(const struct sql_datum *d,
			  const struct sql_type *t, struct arena *ar,
			  const char **p, size_t *n, struct sqlerr *e)
{
	struct sql_datum s;
	struct sql_type text = sqlval_type(SQL_TYPE_TEXT);

	if (d->kind == SQL_DATUM_TEXT && t->kind != SQL_TYPE_CHAR) {
		*p = d->s.p;
		*n = d->s.n;
		return 0;
	}
	if (cast_impl(d, d->kind == SQL_DATUM_TEXT ? t : NULL, &text, true, ar,
		      &s, e) != 0)
		return -1;
	*p = s.s.p;
	*n = s.s.n;
	return 0;
}

int sqlval_binop(enum sql_op op, const struct sql_optype *t,
		 const struct sql_datum *a, const struct sql_datum *b,
		 struct arena *ar, struct sql_datum *out, struct sqlerr *e)
{
	const char *pa, *pb;
	size_t na, nb;
	struct sqldec dr;
	int64_t ir = 0;
	double fr = 0;
	char *buf;
	int c;

	if (a->kind == SQL_DATUM_NULL || b->kind == SQL_DATUM_NULL) {
		*out = sqlval_null();
		return 0;
	}
	if (sqlval_op_is_comparison(op)) {
		if (a->kind == SQL_DATUM_TEXT && b->kind == SQL_DATUM_TEXT &&
		    t->left.kind == SQL_TYPE_CHAR &&
		    t->right.kind == SQL_TYPE_CHAR) {
			/* bpchar: trailing spaces do not count. */
			na = a->s.n;
			nb = b->s.n;
			while (na > 0 && a->s.p[na - 1] == ' ')
				na--;
			while (nb > 0 && b->s.p[nb - 1] == ' ')
				nb--;
			c = cmp_bytes(a->s.p, na, b->s.p, nb);
		} else {
			if (kind_rank(a->kind) != kind_rank(b->kind))
				return no_operator(op, &t->left, &t->right, 0,
						   e);
			c = sqlval_cmp(a, b);
		}
		switch (op) {
		case SQL_OP_EQ:
			*out = sqlval_bool(c == 0);
			break;
		case SQL_OP_NE:
			*out = sqlval_bool(c != 0);
			break;
		case SQL_OP_LT:
			*out = sqlval_bool(c < 0);
			break;
		case SQL_OP_LE:
			*out = sqlval_bool(c <= 0);
			break;
		case SQL_OP_GT:
			*out = sqlval_bool(c > 0);
			break;
		default:
			*out = sqlval_bool(c >= 0);
			break;
		}
		return 0;
	}
	if (op == SQL_OP_CONCAT) {
		if (t->result.kind == SQL_TYPE_BYTES) {
			pa = a->s.p;
			na = a->s.n;
			pb = b->s.p;
			nb = b->s.n;
		} else if (concat_operand(a, &t->left, ar, &pa, &na, e) ||
			   concat_operand(b, &t->right, ar, &pb, &nb, e)) {
			return -1;
		}
		if (na > SIZE_MAX - nb - 1)
			return sqlerr_nomem(e);
		buf = arena_alloc(ar, na + nb + 1);
		if (buf == NULL)
			return sqlerr_nomem(e);
		if (na > 0)
			memcpy(buf, pa, na);
		if (nb > 0)
			memcpy(buf + na, pb, nb);
		out->kind = t->result.kind == SQL_TYPE_BYTES ?
			SQL_DATUM_BYTES : SQL_DATUM_TEXT;
		out->s.p = buf;
		out->s.n = na + nb;
		return 0;
	}
	/* Arithmetic on dates. */
	if (a->kind == SQL_DATUM_DATE || b->kind == SQL_DATUM_DATE) {
		if (a->kind == SQL_DATUM_DATE && b->kind == SQL_DATUM_DATE &&
		    op == SQL_OP_SUB) {
			*out = sqlval_int((int64_t)a->date - b->date);
			return 0;
		}
		if ((op == SQL_OP_ADD || op == SQL_OP_SUB) &&
		    ((a->kind == SQL_DATUM_DATE && b->kind == SQL_DATUM_INT) ||
		     (op == SQL_OP_ADD && a->kind == SQL_DATUM_INT &&
		      b->kind == SQL_DATUM_DATE))) {
			int64_t dd = a->kind == SQL_DATUM_DATE ? a->date :
				b->date, k = a->kind == SQL_DATUM_INT ? a->i :
				b->i;

			if (k < -(INT64_C(1) << 40) || k > (INT64_C(1) << 40))
				goto date_range;
			dd = op == SQL_OP_ADD ? dd + k : dd - k;
			if (dd < SQLVAL_DATE_MIN || dd > SQLVAL_DATE_MAX)
				goto date_range;
			*out = sqlval_date((int32_t)dd);
			return 0;
		}
		return no_operator(op, &t->left, &t->right, 0, e);
date_range:
		return sqlerr_set(e, SQLSTATE_DATETIME, 0,
				  "date out of range");
	}
	if (kind_rank(a->kind) != 2 || kind_rank(b->kind) != 2)
		return no_operator(op, &t->left, &t->right, 0, e);
	if (a->kind == SQL_DATUM_FLOAT || b->kind == SQL_DATUM_FLOAT ||
	    is_float(&t->result)) {
		if (op == SQL_OP_MOD)
			return no_operator(op, &t->left, &t->right, 0, e);
		if (float_arith(op, as_double(a), as_double(b),
				t->result.kind == SQL_TYPE_FLOAT4, &fr, e))
			return -1;
		*out = sqlval_float(fr);
		return 0;
	}
	if (a->kind == SQL_DATUM_DECIMAL || b->kind == SQL_DATUM_DECIMAL ||
	    t->result.kind == SQL_TYPE_DECIMAL) {
		if (dec_arith(op, a, b, &dr, e) != 0)
			return -1;
		*out = sqlval_decimal(dr);
		return 0;
	}
	if (int_arith(op, a->i, b->i, &ir, e) != 0)
		return -1;
	*out = sqlval_int(ir);
	return 0;
}

int sqlval_neg_type(const struct sql_type *t, struct sql_type *out, int pos,
		    struct sqlerr *e)
{
	char a[SQLVAL_TYPE_NAME_MAX];

	if (sqlval_type_is_unknown(t))
		return sqlerr_set(e, SQLSTATE_AMBIG_FUNC, pos, "operator is "
				  "not unique: - unknown");
	if (sqlval_type_is_integer(t)) {
		*out = sqlval_type(SQL_TYPE_INT8);
		return 0;
	}
	if (sqlval_type_is_numeric(t)) {
		*out = sqlval_type(t->kind);
		return 0;
	}
	return sqlerr_set(e, SQLSTATE_UNDEF_FUNC, pos, "operator does not "
			  "exist: - %s", sqlval_type_name(t, a, sizeof(a)));
}

int sqlval_neg(const struct sql_datum *d, struct sql_datum *out,
	       struct sqlerr *e)
{
	switch (d->kind) {
	case SQL_DATUM_NULL:
		*out = *d;
		return 0;
	case SQL_DATUM_INT:
		if (d->i == INT64_MIN)
			return bigint_range(e);
		*out = sqlval_int(-d->i);
		return 0;
	case SQL_DATUM_FLOAT:
		*out = sqlval_float(-d->f);
		return 0;
	case SQL_DATUM_DECIMAL:
		*out = *d;
		sqldec_neg(&d->d, &out->d);
		return 0;
	default: {
		struct sql_type t = datum_type(d);
		char a[SQLVAL_TYPE_NAME_MAX];

		return sqlerr_set(e, SQLSTATE_UNDEF_FUNC, 0, "operator does "
				  "not exist: - %s",
				  sqlval_type_name(&t, a, sizeof(a)));
	}
	}
}

/* ---- LIKE --------------------------------------------------------------- */

int sqlval_like_type(const struct sql_type *l, const struct sql_type *r,
		     bool icase, int pos, struct sqlerr *e)
{
	char a[SQLVAL_TYPE_NAME_MAX], b[SQLVAL_TYPE_NAME_MAX];

	if ((sqlval_type_is_string(l) || sqlval_type_is_unknown(l)) &&
	    (sqlval_type_is_string(r) || sqlval_type_is_unknown(r)))
		return 0;
	return sqlerr_set(e, SQLSTATE_UNDEF_FUNC, pos, "operator does not "
			  "exist: %s %s %s", sqlval_type_name(l, a, sizeof(a)),
			  icase ? "~~*" : "~~",
			  sqlval_type_name(r, b, sizeof(b)));
}

enum like_kind { LIKE_LIT, LIKE_ONE, LIKE_ANY, LIKE_BADESC };

struct like_tok {
	enum like_kind kind;
	const char *p;		/* LIKE_LIT: the character's bytes */
	size_t n;
};

struct sqlval_like {
	struct like_tok *toks;
	size_t ntoks;
	bool icase;
};

int sqlval_like_compile(struct arena *a, const char *pat, size_t n,
			const char *esc, size_t escn, bool icase,
			struct sqlval_like **out, struct sqlerr *e)
{
	struct sqlval_like *lp = arena_alloc(a, sizeof(*lp));
	size_t i = 0, k = 0, cl;
	char *copy;

	if (esc == NULL) {
		esc = "\\";
		escn = 1;
	}
	if (escn > 0 && utf8_len(esc, escn) != escn)
		return sqlerr_set(e, SQLSTATE_BAD_ESCAPE, 0, "invalid escape "
				  "string");
	copy = arena_memdup(a, pat != NULL ? pat : "", n);
	if (lp == NULL || copy == NULL)
		return sqlerr_nomem(e);
	lp->toks = arena_alloc(a, (n > 0 ? n : 1) * sizeof(*lp->toks));
	if (lp->toks == NULL)
		return sqlerr_nomem(e);
	lp->icase = icase;
	while (i < n) {
		cl = utf8_len(copy + i, n - i);
		if (escn > 0 && cl == escn &&
		    memcmp(copy + i, esc, escn) == 0) {
			i += cl;
			if (i >= n) {
				lp->toks[k++].kind = LIKE_BADESC;
				break;
			}
			cl = utf8_len(copy + i, n - i);
			lp->toks[k].kind = LIKE_LIT;
			lp->toks[k].p = copy + i;
			lp->toks[k++].n = cl;
		} else if (copy[i] == '%') {
			/* A run of % is one. */
			if (k == 0 || lp->toks[k - 1].kind != LIKE_ANY)
				lp->toks[k++].kind = LIKE_ANY;
		} else if (copy[i] == '_') {
			lp->toks[k++].kind = LIKE_ONE;
		} else {
			lp->toks[k].kind = LIKE_LIT;
			lp->toks[k].p = copy + i;
			lp->toks[k++].n = cl;
		}
		i += cl;
	}
	lp->ntoks = k;
	*out = lp;
	return 0;
}

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool lit_matches(const struct like_tok *t, const char *s, size_t cl,
			bool icase)
{
	if (t->n != cl)
		return false;
	if (cl == 1 && icase)
		return fold(t->p[0]) == fold(s[0]);
	return memcmp(t->p, s, cl) == 0;
}

/*
 * Greedy matching with one backtrack point (the last %), which is
 * enough for patterns made of literals, _ and %: O(len(s) * len(p)) time
 * and no recursion, whatever the input.
 */
int sqlval_like_match(const struct sqlval_like *p, const char *s, size_t n,
		      bool *match, struct sqlerr *e)
{
	size_t si = 0, pi = 0, star_p = 0, star_s = 0, cl;
	bool star = false;

	while (si < n) {
		cl = utf8_len(s + si, n - si);
		if (pi < p->ntoks && p->toks[pi].kind == LIKE_ANY) {
			star = true;
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < p->ntoks && p->toks[pi].kind == LIKE_BADESC)
			return sqlerr_set(e, SQLSTATE_BAD_ESCAPE, 0, "LIKE "
					  "pattern must not end with escape "
					  "character");
		if (pi < p->ntoks && (p->toks[pi].kind == LIKE_ONE ||
				      lit_matches(&p->toks[pi], s + si, cl,
						  p->icase))) {
			pi++;
			si += cl;
			continue;
		}
		if (!star) {
			*match = false;
			return 0;
		}
		/* Let the last % swallow one more character. */
		star_s += utf8_len(s + star_s, n - star_s);
		si = star_s;
		pi = star_p;
	}
	while (pi < p->ntoks && p->toks[pi].kind == LIKE_ANY)
		pi++;
	*match = pi == p->ntoks;
	return 0;
}

int sqlval_like(struct arena *a, const char *s, size_t n, const char *pat,
		size_t pn, const char *esc, size_t escn, bool icase,
		bool *match, struct sqlerr *e)
{
	struct sqlval_like *p;

	if (sqlval_like_compile(a, pat, pn, esc, escn, icase, &p, e) != 0)
		return -1;
	return sqlval_like_match(p, s, n, match, e);
}

/* ---- functions ---------------------------------------------------------- */

static int no_function(const char *name, const struct sql_type *args,
		       size_t nargs, int pos, struct sqlerr *e)
{
	char list[256], tn[SQLVAL_TYPE_NAME_MAX];
	size_t i, w = 0;

	list[0] = '\0';
	for (i = 0; i < nargs && w < sizeof(list); i++)
		w += (size_t)snprintf(list + w, sizeof(list) - w, "%s%s",
				      i > 0 ? ", " : "",
				      base_name(&args[i], tn, sizeof(tn)));
	return sqlerr_set(e, SQLSTATE_UNDEF_FUNC, pos, "function %s(%s) does "
			  "not exist", name, list);
}

/* What an argument may become: 'i' integer, 'd' decimal, 'f' float. */
static char num_class(const struct sql_type *t)
{
	if (sqlval_type_is_integer(t))
		return 'i';
	if (t->kind == SQL_TYPE_DECIMAL)
		return 'd';
	if (is_float(t))
		return 'f';
	return 0;
}

static bool stringish(const struct sql_type *t)
{
	return sqlval_type_is_string(t) || sqlval_type_is_unknown(t);
}

static bool intish(const struct sql_type *t)
{
	return sqlval_type_is_integer(t) || sqlval_type_is_unknown(t);
}

static bool name_is(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(name, *names) == 0)
			return true;
	return false;
}

int sqlval_func_lookup(const char *name, const struct sql_type *args,
		       size_t nargs, struct sql_func *out, int pos,
		       struct sqlerr *e)
{
	static const char *const n_length[] = { "length", "char_length",
		"character_length", NULL };
	static const char *const n_substr[] = { "substr", "substring", NULL };
	static const char *const n_trim[] = { "btrim", "trim", "ltrim",
		"rtrim", NULL };
	static const char *const n_x[] = { "round", "trunc", "floor", "ceil",
		"ceiling", "sign", NULL };
	struct sql_type text = sqlval_type(SQL_TYPE_TEXT);
	struct sql_type int8 = sqlval_type(SQL_TYPE_INT8);
	struct sql_type f8 = sqlval_type(SQL_TYPE_FLOAT8);
	struct sql_type dec = sqlval_type(SQL_TYPE_DECIMAL);
	size_t i;
	char c, c2;

	memset(out, 0, sizeof(*out));
	out->nargs = nargs;
	for (i = 0; i < nargs && i < SQLVAL_FUNC_MAX_ARGS; i++)
		out->args[i] = args[i];
	if (nargs > SQLVAL_FUNC_MAX_ARGS)
		return no_function(name, args, nargs, pos, e);

	if (strcmp(name, "abs") == 0 && nargs == 1) {
		out->id = SQL_FUNC_ABS;
		c = num_class(&args[0]);
		if (sqlval_type_is_unknown(&args[0]))
			out->args[0] = f8;
		else if (c == 0)
			goto none;
		out->result = c == 'i' ? int8 : c == 'd' ? dec :
			sqlval_type(c == 'f' ? args[0].kind : SQL_TYPE_FLOAT8);
		return 0;
	}
	if (name_is(name, n_length) && nargs == 1) {
		out->id = SQL_FUNC_LENGTH;
		if (args[0].kind == SQL_TYPE_BYTES &&
		    strcmp(name, "length") == 0)
			out->args[0] = args[0];
		else if (stringish(&args[0]))
			out->args[0] = text;	/* CHAR loses padding */
		else
			goto none;
		out->result = int8;
		return 0;
	}
	if (strcmp(name, "octet_length") == 0 && nargs == 1) {
		out->id = SQL_FUNC_OCTET_LENGTH;
		if (sqlval_type_is_unknown(&args[0]))
			out->args[0] = text;
		else if (!sqlval_type_is_string(&args[0]) &&
			 args[0].kind != SQL_TYPE_BYTES)
			goto none;
		out->result = int8;
		return 0;
	}
	if ((strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0) &&
	    nargs == 1) {
		out->id = name[0] == 'l' ? SQL_FUNC_LOWER : SQL_FUNC_UPPER;
		if (!stringish(&args[0]))
			goto none;
		out->args[0] = text;
		out->result = text;
		return 0;
	}
	if (name_is(name, n_substr) && (nargs == 2 || nargs == 3)) {
		out->id = SQL_FUNC_SUBSTR;
		if (args[0].kind == SQL_TYPE_BYTES)
			out->result = args[0];
		else if (stringish(&args[0]))
			out->result = out->args[0] = text;
		else
			goto none;
		for (i = 1; i < nargs; i++) {
			if (!intish(&args[i]))
				goto none;
			out->args[i] = int8;
		}
		return 0;
	}
	if (name_is(name, n_x) && (nargs == 1 || nargs == 2)) {
		/* An unknown literal: float8 alone, numeric with digits. */
		c = !sqlval_type_is_unknown(&args[0]) ? num_class(&args[0]) :
			nargs == 2 ? 'd' : 'f';
		if (c == 0)
			goto none;
		switch (name[0] == 'c' ? 'c' : name[1]) {
		case 'o':
			out->id = SQL_FUNC_ROUND;
			break;
		case 'r':
			out->id = SQL_FUNC_TRUNC;
			break;
		case 'l':
			out->id = SQL_FUNC_FLOOR;
			break;
		case 'c':
			out->id = SQL_FUNC_CEIL;
			break;
		default:
			out->id = SQL_FUNC_SIGN;
			break;
		}
		if (nargs == 2) {
			/* round(numeric, int) / trunc(numeric, int) only */
			if ((out->id != SQL_FUNC_ROUND &&
			     out->id != SQL_FUNC_TRUNC) || c == 'f' ||
			    !intish(&args[1]))
				goto none;
			out->args[0] = out->result = dec;
			out->args[1] = int8;
			return 0;
		}
		/* PostgreSQL: integers go to the float8 version. */
		out->args[0] = out->result = c == 'd' ? dec :
			sqlval_type(c == 'f' && !sqlval_type_is_unknown(
					    &args[0]) ? args[0].kind :
				    SQL_TYPE_FLOAT8);
		if (out->result.kind == SQL_TYPE_FLOAT4)
			out->args[0] = out->result = f8;
		return 0;
	}
	if (strcmp(name, "mod") == 0 && nargs == 2) {
		out->id = SQL_FUNC_MOD;
		c = sqlval_type_is_unknown(&args[0]) ? 'i' :
			num_class(&args[0]);
		c2 = sqlval_type_is_unknown(&args[1]) ? 'i' :
			num_class(&args[1]);
		if (c == 0 || c2 == 0 || c == 'f' || c2 == 'f')
			goto none;
		out->args[0] = out->args[1] = out->result =
			c == 'd' || c2 == 'd' ? dec : int8;
		return 0;
	}
	if (name_is(name, n_trim) && (nargs == 1 || nargs == 2)) {
		out->id = name[0] == 'l' ? SQL_FUNC_LTRIM :
			name[0] == 'r' ? SQL_FUNC_RTRIM : SQL_FUNC_BTRIM;
		for (i = 0; i < nargs; i++) {
			if (!stringish(&args[i]))
				goto none;
			out->args[i] = text;
		}
		out->result = text;
		return 0;
	}
	if (strcmp(name, "replace") == 0 && nargs == 3) {
		out->id = SQL_FUNC_REPLACE;
		for (i = 0; i < 3; i++) {
			if (!stringish(&args[i]))
				goto none;
			out->args[i] = text;
		}
		out->result = text;
		return 0;
	}
	if ((strcmp(name, "strpos") == 0 || strcmp(name, "position") == 0) &&
	    nargs == 2) {
		out->id = SQL_FUNC_STRPOS;
		for (i = 0; i < 2; i++) {
			if (!stringish(&args[i]))
				goto none;
			out->args[i] = text;
		}
		out->result = int8;
		return 0;
	}
none:
	return no_function(name, args, nargs, pos, e);
}

/* substr() positions and counts, PostgreSQL's text_substring(). */
static void substr_range(size_t len, int64_t start, bool has_count,
			 int64_t count, size_t *from, size_t *n)
{
	int64_t s1 = start < 1 ? 1 : start, end;

	*from = 0;
	*n = 0;
	if (has_count) {
		if (__builtin_add_overflow(start, count, &end))
			end = INT64_MAX;
		if (end <= s1)
			return;
	} else {
		end = INT64_MAX;
	}
	if ((uint64_t)s1 > len)
		return;
	*from = (size_t)(s1 - 1);
	*n = (uint64_t)(end - s1) > len - *from ? len - *from :
		(size_t)(end - s1);
}

/* Is the character at p (cl bytes) one of set[0..sn)? */
static bool in_set(const char *p, size_t cl, const char *set, size_t sn)
{
	size_t i = 0, k;

	while (i < sn) {
		k = utf8_len(set + i, sn - i);
		if (k == cl && memcmp(set + i, p, cl) == 0)
			return true;
		i += k;
	}
	return false;
}

static int fn_trim(enum sql_func_id id, const struct sql_datum *s,
		   const char *set, size_t sn, struct sql_datum *out)
{
	const char *p = s->s.p;
	size_t n = s->s.n, cl, last;

	if (id != SQL_FUNC_RTRIM) {
		while (n > 0 && in_set(p, cl = utf8_len(p, n), set, sn)) {
			p += cl;
			n -= cl;
		}
	}
	if (id != SQL_FUNC_LTRIM) {
		while (n > 0) {
			/* Step back to the start of the last character. */
			last = n - 1;
			while (last > 0 && ((unsigned char)p[last] & 0xc0) ==
			       0x80)
				last--;
			if (!in_set(p + last, n - last, set, sn))
				break;
			n = last;
		}
	}
	*out = sqlval_text(p, n);
	return 0;
}

static int fn_replace(const struct sql_datum *args, struct arena *a,
		      struct sql_datum *out, struct sqlerr *e)
{
	const char *s = args[0].s.p, *f = args[1].s.p, *t = args[2].s.p;
	size_t n = args[0].s.n, fn = args[1].s.n, tn = args[2].s.n;
	size_t i, count = 0, w = 0, cap;
	char *buf;

	if (fn == 0 || n < fn) {
		*out = args[0];
		return 0;
	}
	for (i = 0; i + fn <= n;) {
		if (memcmp(s + i, f, fn) == 0) {
			count++;
			i += fn;
		} else {
			i++;
		}
	}
	if (tn > fn && count > (SIZE_MAX - n) / (tn - fn + 1))
		return sqlerr_nomem(e);
	cap = n - count * fn + count * tn + 1;
	buf = arena_alloc(a, cap);
	if (buf == NULL)
		return sqlerr_nomem(e);
	for (i = 0; i < n;) {
		if (i + fn <= n && memcmp(s + i, f, fn) == 0) {
			if (tn > 0)
				memcpy(buf + w, t, tn);
			w += tn;
			i += fn;
		} else {
			buf[w++] = s[i++];
		}
	}
	*out = sqlval_text(buf, w);
	return 0;
}

static int fn_strpos(const struct sql_datum *args, struct sql_datum *out)
{
	const char *s = args[0].s.p, *f = args[1].s.p;
	size_t n = args[0].s.n, fn = args[1].s.n, i = 0, chars = 1;

	while (i + fn <= n) {
		if (fn == 0 || memcmp(s + i, f, fn) == 0) {
			*out = sqlval_int((int64_t)chars);
			return 0;
		}
		i += utf8_len(s + i, n - i);
		chars++;
	}
	*out = sqlval_int(0);
	return 0;
}

static int fn_numeric(enum sql_func_id id, const struct sql_datum *x,
		      const struct sql_datum *digits, struct sql_datum *out,
		      struct sqlerr *e)
{
	struct sqldec r;
	int64_t k = digits != NULL ? digits->i : 0;
	int nd = k > 100 ? 100 : k < -100 ? -100 : (int)k;
	double f;

	if (x->kind == SQL_DATUM_DECIMAL) {
		switch (id) {
		case SQL_FUNC_ROUND:
			if (sqldec_round(&x->d, nd, &r, e) != 0)
				return -1;
			break;
		case SQL_FUNC_TRUNC:
			if (sqldec_trunc(&x->d, nd, &r, e) != 0)
				return -1;
			break;
		case SQL_FUNC_FLOOR:
			if (sqldec_floor(&x->d, &r, e) != 0)
				return -1;
			break;
		case SQL_FUNC_CEIL:
			if (sqldec_ceil(&x->d, &r, e) != 0)
				return -1;
			break;
		default:
			sqldec_from_int(sqldec_sign(&x->d), &r);
			break;
		}
		*out = sqlval_decimal(r);
		return 0;
	}
	f = as_double(x);
	switch (id) {
	case SQL_FUNC_ROUND:
		f = rint(f);	/* half to even, as PostgreSQL's dround */
		break;
	case SQL_FUNC_TRUNC:
		f = trunc(f);
		break;
	case SQL_FUNC_FLOOR:
		f = floor(f);
		break;
	case SQL_FUNC_CEIL:
		f = ceil(f);
		break;
	default:
		if (!isnan(f))
			f = f > 0 ? 1.0 : f < 0 ? -1.0 : 0.0;
		break;
	}
	*out = sqlval_float(f);
	return 0;
}

int sqlval_func_call(const struct sql_func *f, const struct sql_datum *args,
		     size_t nargs, struct arena *a, struct sql_datum *out,
		     struct sqlerr *e)
{
	size_t i, from, n, k;
	char *buf;

	for (i = 0; i < nargs; i++)
		if (args[i].kind == SQL_DATUM_NULL) {
			*out = sqlval_null();
			return 0;
		}
	if (nargs != f->nargs)
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "function called "
				  "with %zu arguments, resolved for %zu",
				  nargs, f->nargs);
	switch (f->id) {
	case SQL_FUNC_ABS:
		switch (args[0].kind) {
		case SQL_DATUM_INT:
			if (args[0].i == INT64_MIN)
				return bigint_range(e);
			*out = sqlval_int(args[0].i < 0 ? -args[0].i :
					  args[0].i);
			return 0;
		case SQL_DATUM_FLOAT:
			*out = sqlval_float(fabs(args[0].f));
			return 0;
		case SQL_DATUM_DECIMAL:
			*out = args[0];
			sqldec_abs(&args[0].d, &out->d);
			return 0;
		default:
			break;
		}
		break;
	case SQL_FUNC_LENGTH:
		*out = sqlval_int((int64_t)(args[0].kind == SQL_DATUM_BYTES ?
					    args[0].s.n :
					    sqlval_utf8_length(args[0].s.p,
							       args[0].s.n)));
		return 0;
	case SQL_FUNC_OCTET_LENGTH:
		*out = sqlval_int((int64_t)args[0].s.n);
		return 0;
	case SQL_FUNC_LOWER:
	case SQL_FUNC_UPPER:
		buf = arena_alloc(a, args[0].s.n + 1);
		if (buf == NULL)
			return sqlerr_nomem(e);
		for (k = 0; k < args[0].s.n; k++) {
			char c = args[0].s.p[k];

			if (f->id == SQL_FUNC_LOWER && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			else if (f->id == SQL_FUNC_UPPER && c >= 'a' &&
				 c <= 'z')
				c = (char)(c - 'a' + 'A');
			buf[k] = c;
		}
		*out = sqlval_text(buf, args[0].s.n);
		return 0;
	case SQL_FUNC_SUBSTR:
		if (nargs == 3 && args[2].i < 0)
			return sqlerr_set(e, SQLSTATE_SUBSTRING, 0, "negative "
					  "substring length not allowed");
		if (args[0].kind == SQL_DATUM_BYTES) {
			substr_range(args[0].s.n, args[1].i, nargs == 3,
				     nargs == 3 ? args[2].i : 0, &from, &n);
			*out = sqlval_bytes(args[0].s.p + from, n);
			return 0;
		}
		substr_range(sqlval_utf8_length(args[0].s.p, args[0].s.n),
			     args[1].i, nargs == 3, nargs == 3 ? args[2].i : 0,
			     &from, &n);
		from = utf8_offset(args[0].s.p, args[0].s.n, from);
		n = utf8_offset(args[0].s.p + from, args[0].s.n - from, n);
		*out = sqlval_text(args[0].s.p + from, n);
		return 0;
	case SQL_FUNC_ROUND:
	case SQL_FUNC_TRUNC:
	case SQL_FUNC_FLOOR:
	case SQL_FUNC_CEIL:
	case SQL_FUNC_SIGN:
		return fn_numeric(f->id, &args[0], nargs == 2 ? &args[1] :
				  NULL, out, e);
	case SQL_FUNC_MOD: {
		struct sql_optype t = { f->args[0], f->args[1], f->result };

		return sqlval_binop(SQL_OP_MOD, &t, &args[0], &args[1], a, out,
				    e);
	}
	case SQL_FUNC_BTRIM:
	case SQL_FUNC_LTRIM:
	case SQL_FUNC_RTRIM:
		return fn_trim(f->id, &args[0], nargs == 2 ? args[1].s.p : " ",
			       nargs == 2 ? args[1].s.n : 1, out);
	case SQL_FUNC_REPLACE:
		return fn_replace(args, a, out, e);
	case SQL_FUNC_STRPOS:
		return fn_strpos(args, out);
	}
	return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "function %d called on "
			  "arguments of the wrong kind", (int)f->id);
}
