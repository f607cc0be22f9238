/*
 * sqldec.c -- exact decimal numbers for SQL DECIMAL / NUMERIC (sqldec.h).
 *
 * The common cases (same scale, small values) run on native __int128 with
 * overflow checks; everything else goes through a small unsigned 256-bit
 * integer (four 64-bit limbs) that holds any intermediate result exactly
 * (the largest is below 10^77 < 2^256), and is then rounded back to at
 * most 38 digits by finish().  Tested in t/unit/sqldec_test.c.
 */
#include "sqldec.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static const u128 P10[39] = {
	(u128)1ULL,
	(u128)10ULL,
	(u128)100ULL,
	(u128)1000ULL,
	(u128)10000ULL,
	(u128)100000ULL,
	(u128)1000000ULL,
	(u128)10000000ULL,
	(u128)100000000ULL,
	(u128)1000000000ULL,
	(u128)10000000000ULL,
	(u128)100000000000ULL,
	(u128)1000000000000ULL,
	(u128)10000000000000ULL,
	(u128)100000000000000ULL,
	(u128)1000000000000000ULL,
	(u128)10000000000000000ULL,
	(u128)100000000000000000ULL,
	(u128)1000000000000000000ULL,
	(u128)10000000000000000000ULL,
	(u128)10000000000000000000ULL * 10ULL,
	(u128)10000000000000000000ULL * 100ULL,
	(u128)10000000000000000000ULL * 1000ULL,
	(u128)10000000000000000000ULL * 10000ULL,
	(u128)10000000000000000000ULL * 100000ULL,
	(u128)10000000000000000000ULL * 1000000ULL,
	(u128)10000000000000000000ULL * 10000000ULL,
	(u128)10000000000000000000ULL * 100000000ULL,
	(u128)10000000000000000000ULL * 1000000000ULL,
	(u128)10000000000000000000ULL * 10000000000ULL,
	(u128)10000000000000000000ULL * 100000000000ULL,
	(u128)10000000000000000000ULL * 1000000000000ULL,
	(u128)10000000000000000000ULL * 10000000000000ULL,
	(u128)10000000000000000000ULL * 100000000000000ULL,
	(u128)10000000000000000000ULL * 1000000000000000ULL,
	(u128)10000000000000000000ULL * 10000000000000000ULL,
	(u128)10000000000000000000ULL * 100000000000000000ULL,
	(u128)10000000000000000000ULL * 1000000000000000000ULL,
	(u128)10000000000000000000ULL * 10000000000000000000ULL,
};

#define LIMIT P10[SQLDEC_MAX_DIGITS]	/* |coef| < 10^38 */

static u128 mag(__int128 c)
{
	return c < 0 ? -(u128)c : (u128)c;
}

static __int128 with_sign(u128 m, bool neg)
{
	return neg ? -(__int128)m : (__int128)m;	/* m < 10^38 */
}

/* Number of decimal digits of u (0 has 0 digits). */
static int ndigits(u128 u)
{
	int k = 0;

	while (k < 39 && u >= P10[k])
		k++;
	return k;
}

static int overflow(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0,
			  "value overflows numeric format");
}

/* ---- 256-bit unsigned integers ------------------------------------------ */

struct u256 {
	uint64_t w[4];		/* little-endian limbs */
};

static struct u256 u256_from(u128 u)
{
	struct u256 r = { { (uint64_t)u, (uint64_t)(u >> 64), 0, 0 } };

	return r;
}

static int u256_cmp(const struct u256 *a, const struct u256 *b)
{
	int i;

	for (i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

/* a *= m; false on overflow (a is then garbage). */
static bool u256_mul_small(struct u256 *a, uint64_t m)
{
	u128 carry = 0, t;
	int i;

	for (i = 0; i < 4; i++) {
		t = (u128)a->w[i] * m + carry;
		a->w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	return carry == 0;
}

/* a *= 10^k; false on overflow. */
static bool u256_mul_pow10(struct u256 *a, int k)
{
	while (k > 0) {
		int step = k > 19 ? 19 : k;

		if (!u256_mul_small(a, (uint64_t)P10[step]))
			return false;
		k -= step;
	}
	return true;
}

static struct u256 u256_mul(u128 a, u128 b)
{
	uint64_t x[2] = { (uint64_t)a, (uint64_t)(a >> 64) };
	uint64_t y[2] = { (uint64_t)b, (uint64_t)(b >> 64) };
	struct u256 r = { { 0, 0, 0, 0 } };
	u128 t, carry;
	int i, j;

	for (i = 0; i < 2; i++) {
		carry = 0;
		for (j = 0; j < 2; j++) {
			t = (u128)x[i] * y[j] + r.w[i + j] + carry;
			r.w[i + j] = (uint64_t)t;
			carry = t >> 64;
		}
		r.w[i + 2] = (uint64_t)carry;
	}
	return r;
}

/* a += b; false on overflow. */
static bool u256_add(struct u256 *a, const struct u256 *b)
{
	u128 carry = 0, t;
	int i;

	for (i = 0; i < 4; i++) {
		t = (u128)a->w[i] + b->w[i] + carry;
		a->w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	return carry == 0;
}

/* a -= b, a >= b. */
static void u256_sub(struct u256 *a, const struct u256 *b)
{
	uint64_t borrow = 0, x, y;
	int i;

	for (i = 0; i < 4; i++) {
		x = a->w[i];
		y = b->w[i] + borrow;
		borrow = (y < borrow) || (x < y);
		a->w[i] = x - y;
	}
}

/* a /= d (d != 0); returns the remainder. */
static uint64_t u256_div_small(struct u256 *a, uint64_t d)
{
	u128 rem = 0, t;
	int i;

	for (i = 3; i >= 0; i--) {
		t = (rem << 64) | a->w[i];
		a->w[i] = (uint64_t)(t / d);
		rem = t % d;
	}
	return (uint64_t)rem;
}

/* q = n / d, r = n % d (d != 0): binary long division. */
static void u256_divmod(const struct u256 *n, const struct u256 *d,
			struct u256 *q, struct u256 *r)
{
	struct u256 quo = { { 0, 0, 0, 0 } }, rem = { { 0, 0, 0, 0 } };
	int bit, i;

	for (bit = 255; bit >= 0; bit--) {
		for (i = 3; i > 0; i--)
			rem.w[i] = rem.w[i] << 1 | rem.w[i - 1] >> 63;
		rem.w[0] = rem.w[0] << 1 |
			   ((n->w[bit / 64] >> (bit % 64)) & 1);
		if (u256_cmp(&rem, d) >= 0) {
			u256_sub(&rem, d);
			quo.w[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
	}
	*q = quo;
	*r = rem;
}

static bool u256_fits_u128(const struct u256 *a)
{
	return a->w[2] == 0 && a->w[3] == 0;
}

static u128 u256_low(const struct u256 *a)
{
	return (u128)a->w[1] << 64 | a->w[0];
}

/* Decimal digits of a (0 has 0). */
static int u256_ndigits(const struct u256 *a)
{
	struct u256 t = *a;
	int k = 0;

	while (!u256_fits_u128(&t)) {
		u256_div_small(&t, (uint64_t)P10[19]);
		k += 19;
	}
	return k + ndigits(u256_low(&t));
}

/*
 * The exact result neg * m / 10^scale, rounded half away from zero to at
 * most 38 digits and scale <= 38 by dropping fraction digits; 22003 when
 * the integer part is too big.
 */
static int finish(bool neg, struct u256 m, int scale, struct sqldec *out,
		  struct sqlerr *e)
{
	int nd = u256_ndigits(&m), drop = 0, last = 0, i;
	struct u256 one = u256_from(1);
	u128 c;

	if (scale > SQLDEC_MAX_SCALE)
		drop = scale - SQLDEC_MAX_SCALE;
	if (nd - SQLDEC_MAX_DIGITS > drop)
		drop = nd - SQLDEC_MAX_DIGITS;
	if (drop > scale)
		return overflow(e);
	for (i = 0; i < drop; i++)
		last = (int)u256_div_small(&m, 10);
	scale -= drop;
	if (last >= 5)
		u256_add(&m, &one);	/* cannot overflow: m < 2^255 */
	if (!u256_fits_u128(&m) || u256_low(&m) >= LIMIT) {
		/* Only a carry can get here: m == 10^38 exactly. */
		if (scale == 0)
			return overflow(e);
		u256_div_small(&m, 10);
		scale--;
	}
	c = u256_low(&m);
	out->coef = with_sign(c, neg && c != 0);
	out->scale = scale;
	return 0;
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

/* ---- text --------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool word_ieq(const char *p, size_t n, const char *w)
{
	size_t i;

	if (n != strlen(w))
		return false;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)p[i]) != w[i])
			return false;
	return true;
}

#define SHOW_MAX 64	/* longest input quoted in a message */

int sqldec_from_text(const char *s, size_t n, struct sqldec *out,
		     struct sqlerr *e)
{
	size_t i = 0, j, end = n;
	u128 acc = 0;
	long long ex = 0, frac = 0, trail0 = 0, scale, t, drop;
	bool neg = false, dot = false, any = false, eneg = false;
	int sig = 0;
	const char *q;

	while (i < end && is_space(s[i]))
		i++;
	while (end > i && is_space(s[end - 1]))
		end--;
	q = s + i;
	if (word_ieq(q, end - i, "nan") || word_ieq(q, end - i, "infinity") ||
	    word_ieq(q, end - i, "+infinity") ||
	    word_ieq(q, end - i, "-infinity") || word_ieq(q, end - i, "inf") ||
	    word_ieq(q, end - i, "+inf") || word_ieq(q, end - i, "-inf"))
		return sqlerr_set(e, SQLSTATE_FEATURE, 0, "numeric NaN and "
				  "Infinity are not supported: \"%.*s\"",
				  (int)(end - i), q);
	if (i < end && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < end; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		any = true;
		if (dot)
			frac++;
		if (s[i] == '0') {
			if (acc != 0)
				trail0++;	/* held back */
			continue;
		}
		for (; trail0 > 0; trail0--) {
			if (++sig > SQLDEC_MAX_DIGITS)
				goto too_big;
			acc *= 10;
		}
		if (++sig > SQLDEC_MAX_DIGITS)
			goto too_big;
		acc = acc * 10 + (u128)(s[i] - '0');
	}
	if (!any)
		goto bad;
	if (i < end && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < end && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i >= end || s[i] < '0' || s[i] > '9')
			goto bad;
		for (; i < end && s[i] >= '0' && s[i] <= '9'; i++)
			if (ex < 1000000)
				ex = ex * 10 + (s[i] - '0');
		if (eneg)
			ex = -ex;
	}
	if (i != end)
		goto bad;
	/*
	 * value = acc * 10^(trail0 + ex - frac); PostgreSQL's scale is
	 * max(0, frac - ex), so coef = acc * 10^t with t >= 0.
	 */
	scale = frac - ex > 0 ? frac - ex : 0;
	t = trail0 + ex - frac + scale;
	if (acc == 0) {
		out->coef = 0;
		out->scale = scale > SQLDEC_MAX_SCALE ? SQLDEC_MAX_SCALE :
			(int)scale;
		return 0;
	}
	/* Drop trailing zeros of the fraction where needed to fit. */
	drop = 0;
	if (scale > SQLDEC_MAX_SCALE)
		drop = scale - SQLDEC_MAX_SCALE;
	if (sig + t - drop > SQLDEC_MAX_DIGITS)
		drop = sig + t - SQLDEC_MAX_DIGITS;
	if (drop > t || drop > scale)
		goto too_big;
	t -= drop;
	scale -= drop;
	for (j = 0; j < (size_t)t; j++)
		acc *= 10;	/* fits: sig + t <= 38 */
	out->coef = with_sign(acc, neg);
	out->scale = (int)scale;
	return 0;
bad:
	return sqlerr_set(e, SQLSTATE_INVALID_TEXT, 0, "invalid input syntax "
			  "for type numeric: \"%.*s\"", (int)(n > SHOW_MAX ?
							      SHOW_MAX : n),
			  s);
too_big:
	return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value \"%.*s\" is out of "
			  "range for type numeric (at most %d digits)",
			  (int)(end - (size_t)(q - s) > SHOW_MAX ? SHOW_MAX :
				end - (size_t)(q - s)), q, SQLDEC_MAX_DIGITS);
}

void sqldec_from_int(int64_t v, struct sqldec *out)
{
	out->coef = v;
	out->scale = 0;
}

int sqldec_from_double(double f, int digits, struct sqldec *out,
		       struct sqlerr *e)
{
	locale_t loc = c_locale_get(), old = (locale_t)0;
	char buf[64];

	if (isnan(f))
		return sqlerr_set(e, SQLSTATE_FEATURE, 0, "cannot convert NaN "
				  "to numeric");
	if (isinf(f))
		return sqlerr_set(e, SQLSTATE_FEATURE, 0, "cannot convert "
				  "infinity to numeric");
	if (digits < 1 || digits > 17)
		digits = 15;
	if (loc != (locale_t)0)
		old = uselocale(loc);
	snprintf(buf, sizeof(buf), "%.*g", digits, f);
	if (loc != (locale_t)0)
		uselocale(old);
	return sqldec_from_text(buf, strlen(buf), out, e);
}

size_t sqldec_format(const struct sqldec *a, char *buf, size_t cap)
{
	char digits[48], tmp[SQLDEC_TEXT_MAX];
	u128 m = mag(a->coef);
	int nd = 0, i, w = 0, pad;

	do {
		digits[nd++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m != 0);
	/* At least scale + 1 digits: 0.05 is "0" "." "05". */
	while (nd < a->scale + 1)
		digits[nd++] = '0';
	if (a->coef < 0)
		tmp[w++] = '-';
	for (i = nd - 1; i >= 0; i--) {
		tmp[w++] = digits[i];
		if (i == a->scale && a->scale > 0)
			tmp[w++] = '.';
	}
	tmp[w] = '\0';
	pad = w;
	if (cap > 0) {
		size_t k = (size_t)pad < cap - 1 ? (size_t)pad : cap - 1;

		memcpy(buf, tmp, k);
		buf[k] = '\0';
	}
	return (size_t)pad;
}

bool sqldec_valid(const struct sqldec *a)
{
	return a->scale >= 0 && a->scale <= SQLDEC_MAX_SCALE &&
	       mag(a->coef) < LIMIT;
}

int sqldec_to_int(const struct sqldec *a, int64_t *out, struct sqlerr *e)
{
	struct sqldec r;

	if (sqldec_round(a, 0, &r, NULL) != 0 ||
	    r.coef > INT64_MAX || r.coef < INT64_MIN)
		return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0,
				  "bigint out of range");
	*out = (int64_t)r.coef;
	return 0;
}

double sqldec_to_double(const struct sqldec *a)
{
	locale_t loc = c_locale_get();
	char buf[SQLDEC_TEXT_MAX];

	sqldec_format(a, buf, sizeof(buf));
	return loc != (locale_t)0 ? strtod_l(buf, NULL, loc) :
		strtod(buf, NULL);
}

/* ---- arithmetic --------------------------------------------------------- */

/* |x| * 10^k exactly; callers keep the result below 10^77 < 2^256. */
static bool scaled(__int128 x, int k, struct u256 *out)
{
	*out = u256_from(mag(x));
	return u256_mul_pow10(out, k);
}

static int add_sub(const struct sqldec *a, const struct sqldec *b, bool sub,
		   struct sqldec *out, struct sqlerr *e)
{
	__int128 bc = sub ? -b->coef : b->coef, r;
	int scale = a->scale > b->scale ? a->scale : b->scale;
	struct u256 x, y;
	bool xneg, yneg;

	if (a->scale == b->scale && !__builtin_add_overflow(a->coef, bc, &r) &&
	    mag(r) < LIMIT) {
		out->coef = r;
		out->scale = scale;
		return 0;
	}
	/* Both below 10^76 after aligning: the sum fits 256 bits. */
	scaled(a->coef, scale - a->scale, &x);
	scaled(bc, scale - b->scale, &y);
	xneg = a->coef < 0;
	yneg = bc < 0;
	if (xneg == yneg) {
		u256_add(&x, &y);
		return finish(xneg, x, scale, out, e);
	}
	if (u256_cmp(&x, &y) >= 0) {
		u256_sub(&x, &y);
		return finish(xneg, x, scale, out, e);
	}
	u256_sub(&y, &x);
	return finish(yneg, y, scale, out, e);
}

int sqldec_add(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e)
{
	return add_sub(a, b, false, out, e);
}

int sqldec_sub(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e)
{
	return add_sub(a, b, true, out, e);
}

int sqldec_mul(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e)
{
	int scale = a->scale + b->scale;
	__int128 r;

	if (scale <= SQLDEC_MAX_SCALE &&
	    !__builtin_mul_overflow(a->coef, b->coef, &r) && mag(r) < LIMIT) {
		out->coef = r;
		out->scale = scale;
		return 0;
	}
	return finish((a->coef < 0) != (b->coef < 0),
		      u256_mul(mag(a->coef), mag(b->coef)), scale, out, e);
}

static int div_zero(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_DIV_ZERO, 0, "division by zero");
}

static int floor_div4(int x)
{
	return x >= 0 ? x / 4 : -((-x + 3) / 4);
}

/*
 * PostgreSQL's weight (position of the first non-zero base-10000 digit)
 * and that digit, as numeric's select_div_scale() sees them.
 */
static void pg_weight(const struct sqldec *a, int *weight, int *first)
{
	u128 m = mag(a->coef);
	int nd, w, p;

	if (m == 0) {
		*weight = 0;
		*first = 0;
		return;
	}
	nd = ndigits(m);
	w = floor_div4(nd - 1 - a->scale);
	p = a->scale + 4 * w;	/* >= nd - 4 */
	*weight = w;
	*first = p >= 0 ? (int)(m / P10[p]) : (int)(m * P10[-p]);
}

/* PostgreSQL's result scale for a / b, before our 38-digit limit. */
static int pg_div_scale(const struct sqldec *a, const struct sqldec *b)
{
	int w1, f1, w2, f2, qweight, rscale;

	pg_weight(a, &w1, &f1);
	pg_weight(b, &w2, &f2);
	qweight = w1 - w2;
	if (f1 <= f2)
		qweight--;
	rscale = 16 - qweight * 4;
	if (rscale < a->scale)
		rscale = a->scale;
	if (rscale < b->scale)
		rscale = b->scale;
	if (rscale < 0)
		rscale = 0;
	if (rscale > 1000)
		rscale = 1000;
	return rscale;
}

/* floor(log10(|a / b|)) for non-zero a and b. */
static int quotient_exp(const struct sqldec *a, const struct sqldec *b)
{
	u128 x = mag(a->coef), y = mag(b->coef);
	int nx = ndigits(x), ny = ndigits(y);
	int e = (nx - 1 - a->scale) - (ny - 1 - b->scale);

	/* Compare the mantissas with the digits aligned on the left. */
	if (nx < ny)
		x *= P10[ny - nx];
	else
		y *= P10[nx - ny];
	return x >= y ? e : e - 1;
}

int sqldec_div(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e)
{
	int rscale, intdigits, k, qe;
	struct u256 n, d, q, r, two_r;
	bool neg;
	u128 c;

	if (b->coef == 0)
		return div_zero(e);
	rscale = pg_div_scale(a, b);
	if (rscale > SQLDEC_MAX_SCALE)
		rscale = SQLDEC_MAX_SCALE;
	if (a->coef == 0) {
		out->coef = 0;
		out->scale = rscale;
		return 0;
	}
	qe = quotient_exp(a, b);
	intdigits = qe >= 0 ? qe + 1 : 0;
	if (intdigits > SQLDEC_MAX_DIGITS)
		return overflow(e);
	if (rscale > SQLDEC_MAX_DIGITS - intdigits)
		rscale = SQLDEC_MAX_DIGITS - intdigits;
	/*
	 * q = |a| * 10^k / |b| with k = rscale + sb - sa; the quotient is
	 * below 10^38, so both operands stay below 10^76.
	 */
	k = rscale + b->scale - a->scale;
	scaled(a->coef, k > 0 ? k : 0, &n);
	scaled(b->coef, k < 0 ? -k : 0, &d);
	u256_divmod(&n, &d, &q, &r);
	two_r = r;
	u256_add(&two_r, &r);
	if (u256_cmp(&two_r, &d) >= 0) {
		struct u256 one = u256_from(1);

		u256_add(&q, &one);
	}
	neg = (a->coef < 0) != (b->coef < 0);
	if (!u256_fits_u128(&q) || u256_low(&q) >= LIMIT) {
		if (rscale == 0)
			return overflow(e);
		/* exactly 10^38 after a carry */
		u256_div_small(&q, 10);
		rscale--;
	}
	c = u256_low(&q);
	out->coef = with_sign(c, neg && c != 0);
	out->scale = rscale;
	return 0;
}

int sqldec_mod(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e)
{
	int scale = a->scale > b->scale ? a->scale : b->scale;
	struct u256 x, y, q, r;

	if (b->coef == 0)
		return div_zero(e);
	if (a->scale == b->scale) {
		/* Native: C's % truncates toward zero, sign of a. */
		out->coef = a->coef % b->coef;
		out->scale = scale;
		return 0;
	}
	scaled(a->coef, scale - a->scale, &x);
	scaled(b->coef, scale - b->scale, &y);
	u256_divmod(&x, &y, &q, &r);
	/* |r| < min(|a|, |b|) at this scale: it always fits. */
	return finish(a->coef < 0, r, scale, out, e);
}

void sqldec_neg(const struct sqldec *a, struct sqldec *out)
{
	out->coef = -a->coef;
	out->scale = a->scale;
}

void sqldec_abs(const struct sqldec *a, struct sqldec *out)
{
	out->coef = a->coef < 0 ? -a->coef : a->coef;
	out->scale = a->scale;
}

int sqldec_sign(const struct sqldec *a)
{
	return a->coef < 0 ? -1 : a->coef > 0;
}

/* ---- comparison --------------------------------------------------------- */

int sqldec_cmp(const struct sqldec *a, const struct sqldec *b)
{
	int sa = sqldec_sign(a), sb = sqldec_sign(b), c;
	int scale = a->scale > b->scale ? a->scale : b->scale;
	struct u256 x, y;

	if (a->scale == b->scale)
		return a->coef < b->coef ? -1 : a->coef > b->coef;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (sa == 0)
		return 0;
	scaled(a->coef, scale - a->scale, &x);
	scaled(b->coef, scale - b->scale, &y);
	c = u256_cmp(&x, &y);
	return sa > 0 ? c : -c;
}

/* ---- scale -------------------------------------------------------------- */

enum rmode { R_HALF_AWAY, R_TRUNC, R_FLOOR, R_CEIL };

/*
 * a rounded to `scale` fraction digits (negative: to tens, hundreds...;
 * the result then has scale 0) in the given mode.
 */
static int rescale(const struct sqldec *a, int scale, enum rmode mode,
		   struct sqldec *out, struct sqlerr *e)
{
	u128 m = mag(a->coef), q;
	int drop, keep = scale < 0 ? 0 : scale, mulback = scale < 0 ? -scale
		: 0;
	bool neg = a->coef < 0, up = false, inexact;
	int first;

	if (scale >= a->scale) {
		if (scale > SQLDEC_MAX_SCALE ||
		    ndigits(m) + (scale - a->scale) > SQLDEC_MAX_DIGITS)
			return overflow(e);
		out->coef = a->coef * (__int128)P10[scale - a->scale];
		out->scale = scale;
		return 0;
	}
	drop = a->scale - keep + mulback;	/* digits to remove */
	if (drop > 38) {
		q = 0;
		first = 0;
		inexact = m != 0;
	} else {
		q = m / P10[drop];
		first = drop > 0 ? (int)(m / P10[drop - 1] % 10) : 0;
		inexact = m % P10[drop] != 0;
	}
	switch (mode) {
	case R_HALF_AWAY:
		up = first >= 5;
		break;
	case R_TRUNC:
		break;
	case R_FLOOR:
		up = neg && inexact;
		break;
	case R_CEIL:
		up = !neg && inexact;
		break;
	}
	if (up)
		q++;
	if (mulback > 0) {
		if (q != 0 && (mulback > 38 ||
			       ndigits(q) + mulback > SQLDEC_MAX_DIGITS))
			return overflow(e);
		if (q != 0)
			q *= P10[mulback];
	}
	if (q >= LIMIT)
		return overflow(e);
	out->coef = with_sign(q, neg && q != 0);
	out->scale = keep;
	return 0;
}

int sqldec_round(const struct sqldec *a, int scale, struct sqldec *out,
		 struct sqlerr *e)
{
	return rescale(a, scale, R_HALF_AWAY, out, e);
}

int sqldec_trunc(const struct sqldec *a, int scale, struct sqldec *out,
		 struct sqlerr *e)
{
	return rescale(a, scale, R_TRUNC, out, e);
}

int sqldec_floor(const struct sqldec *a, struct sqldec *out,
		 struct sqlerr *e)
{
	return rescale(a, a->scale > 0 ? 0 : a->scale, R_FLOOR, out, e);
}

int sqldec_ceil(const struct sqldec *a, struct sqldec *out,
		struct sqlerr *e)
{
	return rescale(a, a->scale > 0 ? 0 : a->scale, R_CEIL, out, e);
}

int sqldec_fit(const struct sqldec *a, int precision, int scale,
	       struct sqldec *out, struct sqlerr *e)
{
	struct sqldec r;

	if (precision < 1 || precision > SQLDEC_MAX_DIGITS)
		return sqlerr_set(e, SQLSTATE_INVALID_PARAM, 0, "NUMERIC "
				  "precision %d must be between 1 and %d",
				  precision, SQLDEC_MAX_DIGITS);
	if (scale < 0 || scale > precision)
		return sqlerr_set(e, SQLSTATE_INVALID_PARAM, 0, "NUMERIC "
				  "scale %d must be between 0 and precision "
				  "%d", scale, precision);
	if (rescale(a, scale, R_HALF_AWAY, &r, NULL) != 0 ||
	    mag(r.coef) >= P10[precision]) {
		if (precision == scale)
			return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "numeric "
					  "field overflow: a field with "
					  "precision %d, scale %d must round "
					  "to an absolute value less than 1",
					  precision, scale);
		return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "numeric field "
				  "overflow: a field with precision %d, scale "
				  "%d must round to an absolute value less "
				  "than 10^%d", precision, scale,
				  precision - scale);
	}
	*out = r;
	return 0;
}

void sqldec_normalize(const struct sqldec *a, struct sqldec *out)
{
	__int128 c = a->coef;
	int scale = a->scale;

	while (scale > 0 && c % 10 == 0) {
		c /= 10;
		scale--;
	}
	out->coef = c;
	out->scale = scale;
}
