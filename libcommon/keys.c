/*
 * keys.c -- order-preserving key encoding, printing and parsing (keys.h).
 *
 * The decoder is strict: it accepts only the one canonical encoding of each
 * value, which is what makes encode(decode(k)) == k and lets the printer and
 * the parser round-trip any byte string.  Every read is bounds-checked
 * against n before it happens.  Tested in t/unit/keys_test.c.
 */
#include "keys.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_BIT	UINT64_C(0x8000000000000000)
#define CANON_NAN	UINT64_C(0x7ff8000000000000)
#define EXP_MASK	UINT64_C(0x7ff0000000000000)
#define FRAC_MASK	UINT64_C(0x000fffffffffffff)

/* ---- buffer ---------------------------------------------------------- */

void keys_buf_init(struct keys_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void keys_buf_release(struct keys_buf *b)
{
	free(b->p);
	keys_buf_init(b);
}

void keys_buf_reset(struct keys_buf *b)
{
	b->len = 0;
}

int keys_buf_reserve(struct keys_buf *b, size_t more, struct err *e)
{
	size_t need, cap;
	uint8_t *p;

	if (more <= b->cap - b->len)
		return RC_OK;
	if (more > SIZE_MAX - b->len)
		return err_set(e, RC_NOMEM,
			       "cannot grow a %zu-byte key by %zu bytes",
			       b->len, more);
	need = b->len + more;
	cap = b->cap != 0 ? b->cap : 32;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (p == NULL)
		return err_set(e, RC_NOMEM,
			       "cannot grow key buffer to %zu bytes", cap);
	b->p = p;
	b->cap = cap;
	return RC_OK;
}

int keys_buf_append(struct keys_buf *b, const void *p, size_t n,
		    struct err *e)
{
	int rc;

	if (n == 0)
		return RC_OK;
	rc = keys_buf_reserve(b, n, e);
	if (rc != RC_OK)
		return rc;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return RC_OK;
}

/* ---- encoding -------------------------------------------------------- */

static int put_tag(struct keys_buf *b, uint8_t tag, struct err *e)
{
	return keys_buf_append(b, &tag, 1, e);
}

static int put_u64(struct keys_buf *b, uint8_t tag, uint64_t u,
		   struct err *e)
{
	uint8_t tmp[9];
	int i;

	tmp[0] = tag;
	for (i = 0; i < 8; i++)
		tmp[1 + i] = (uint8_t)(u >> (56 - 8 * i));
	return keys_buf_append(b, tmp, sizeof(tmp), e);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return u;
}

static uint64_t float_bits(double f)
{
	uint64_t u;

	if (isnan(f))
		return CANON_NAN;
	if (f == 0)
		return 0;	/* -0.0 becomes +0.0 */
	memcpy(&u, &f, sizeof(u));
	return u;
}

int keys_encode_null(struct keys_buf *b, struct err *e)
{
	return put_tag(b, KEYS_TAG_NULL, e);
}

int keys_encode_bool(struct keys_buf *b, bool v, struct err *e)
{
	return put_tag(b, v ? KEYS_TAG_TRUE : KEYS_TAG_FALSE, e);
}

int keys_encode_int(struct keys_buf *b, int64_t v, struct err *e)
{
	return put_u64(b, KEYS_TAG_INT, (uint64_t)v ^ SIGN_BIT, e);
}

int keys_encode_float(struct keys_buf *b, double v, struct err *e)
{
	uint64_t u = float_bits(v);

	u = (u & SIGN_BIT) ? ~u : u ^ SIGN_BIT;
	return put_u64(b, KEYS_TAG_FLOAT, u, e);
}

static int put_string(struct keys_buf *b, uint8_t tag, const uint8_t *p,
		      size_t n, struct err *e)
{
	size_t zeros = 0, i;
	uint8_t *w;
	int rc;

	for (i = 0; i < n; i++)
		zeros += p[i] == 0;
	if (n > (SIZE_MAX - 3) / 2)
		return err_set(e, RC_NOMEM, "string of %zu bytes is too long "
			       "for a key", n);
	rc = keys_buf_reserve(b, n + zeros + 3, e);
	if (rc != RC_OK)
		return rc;
	w = b->p + b->len;
	*w++ = tag;
	for (i = 0; i < n; i++) {
		*w++ = p[i];
		if (p[i] == 0)
			*w++ = 0xff;
	}
	*w++ = 0x00;
	*w++ = 0x01;
	b->len = (size_t)(w - b->p);
	return RC_OK;
}

int keys_encode_bytes(struct keys_buf *b, const void *p, size_t n,
		      struct err *e)
{
	return put_string(b, KEYS_TAG_BYTES, p, n, e);
}

int keys_encode_text(struct keys_buf *b, const char *p, size_t n,
		     struct err *e)
{
	return put_string(b, KEYS_TAG_TEXT, (const uint8_t *)p, n, e);
}

/*
 * A decimal split into what the encoding needs: sign, the digits of |coef|
 * without trailing zeros (ASCII, k of them, none if zero) and the adjusted
 * exponent A = exp + k, so the value is 0.d1...dk * 10^A.  exp is the
 * normalized exponent.  Never fails: A and exp are int64.
 */
struct dec_parts {
	int sign;		/* -1, 0 or 1 */
	char digits[40];
	int k;
	int64_t exp;
	int64_t adj;
};

static void dec_split(__int128 coef, int32_t exp, struct dec_parts *d)
{
	unsigned __int128 u;
	char tmp[40];
	int n = 0, i;

	d->sign = coef < 0 ? -1 : coef > 0;
	d->k = 0;
	d->exp = 0;
	d->adj = 0;
	d->digits[0] = '\0';
	if (coef == 0)
		return;
	u = coef < 0 ? -(unsigned __int128)coef : (unsigned __int128)coef;
	d->exp = exp;
	while (u % 10 == 0) {
		u /= 10;
		d->exp++;
	}
	while (u != 0) {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	}
	for (i = 0; i < n; i++)
		d->digits[i] = tmp[n - 1 - i];
	d->digits[n] = '\0';
	d->k = n;
	d->adj = d->exp + n;
}

int keys_encode_decimal(struct keys_buf *b, __int128 coef, int32_t exp,
			struct err *e)
{
	uint8_t tmp[1 + 1 + 2 + 20 + 1], inv;
	struct dec_parts d;
	size_t n = 0;
	unsigned a;
	int i, hi, lo;

	dec_split(coef, exp, &d);
	tmp[n++] = KEYS_TAG_DECIMAL;
	if (d.sign == 0) {
		tmp[n++] = 0x02;
		return keys_buf_append(b, tmp, n, e);
	}
	if (d.exp < -KEYS_DECIMAL_EXP_MAX || d.exp > KEYS_DECIMAL_EXP_MAX)
		return err_set(e, RC_BAD_INPUT, "decimal exponent %lld is "
			       "out of range (at most %d either way)",
			       (long long)d.exp, KEYS_DECIMAL_EXP_MAX);
	inv = d.sign < 0 ? 0xff : 0x00;
	tmp[n++] = d.sign < 0 ? 0x01 : 0x03;
	a = (unsigned)(d.adj + 0x8000);
	tmp[n++] = (uint8_t)((a >> 8) ^ inv);
	tmp[n++] = (uint8_t)((a & 0xff) ^ inv);
	for (i = 0; i < d.k; i += 2) {
		hi = d.digits[i] - '0';
		lo = i + 1 < d.k ? d.digits[i + 1] - '0' : 0;
		tmp[n++] = (uint8_t)((1 + 10 * hi + lo) ^ inv);
	}
	tmp[n++] = inv;
	return keys_buf_append(b, tmp, n, e);
}

int keys_encode_val(struct keys_buf *b, const struct keys_val *v,
		    struct err *e)
{
	switch (v->type) {
	case KEYS_NULL:
		return keys_encode_null(b, e);
	case KEYS_BOOL:
		return keys_encode_bool(b, v->u.b, e);
	case KEYS_INT:
		return keys_encode_int(b, v->u.i, e);
	case KEYS_FLOAT:
		return keys_encode_float(b, v->u.f, e);
	case KEYS_BYTES:
		return put_string(b, KEYS_TAG_BYTES, v->u.s.p, v->u.s.n, e);
	case KEYS_TEXT:
		return put_string(b, KEYS_TAG_TEXT, v->u.s.p, v->u.s.n, e);
	case KEYS_DECIMAL:
		return keys_encode_decimal(b, v->u.d.coef, v->u.d.exp, e);
	}
	return err_set(e, RC_BAD_INPUT, "cannot encode value of unknown "
		       "type %d", (int)v->type);
}

int keys_encode_tuple(struct keys_buf *b, const struct keys_val *v, size_t n,
		      struct err *e)
{
	size_t save = b->len, i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = keys_encode_val(b, &v[i], e);
		if (rc != RC_OK) {
			b->len = save;
			return rc;
		}
	}
	return RC_OK;
}

int keys_encode_prefix(struct keys_buf *b, int prefix, struct err *e)
{
	if (prefix < KEYS_PREFIX_META || prefix > KEYS_PREFIX_TABLE)
		return err_set(e, RC_BAD_INPUT, "unknown keyspace prefix "
			       "0x%02x", (unsigned)prefix & 0xffu);
	return put_tag(b, (uint8_t)prefix, e);
}

int keys_encode_key(struct keys_buf *b, int prefix, const struct keys_val *v,
		    size_t n, struct err *e)
{
	size_t save = b->len;
	int rc;

	rc = keys_encode_prefix(b, prefix, e);
	if (rc == RC_OK)
		rc = keys_encode_tuple(b, v, n, e);
	if (rc != RC_OK)
		b->len = save;
	return rc;
}

int keys_encode_table_key(struct keys_buf *b, int64_t table_id,
			  int64_t index_id, const struct keys_val *cols,
			  size_t ncols, struct err *e)
{
	size_t save = b->len;
	int rc;

	rc = keys_encode_prefix(b, KEYS_PREFIX_TABLE, e);
	if (rc == RC_OK)
		rc = keys_encode_int(b, table_id, e);
	if (rc == RC_OK)
		rc = keys_encode_int(b, index_id, e);
	if (rc == RC_OK)
		rc = keys_encode_tuple(b, cols, ncols, e);
	if (rc != RC_OK)
		b->len = save;
	return rc;
}

/* ---- decoding -------------------------------------------------------- */

int keys_key_prefix(const uint8_t *key, size_t n)
{
	if (n > 0 && key[0] >= KEYS_PREFIX_META && key[0] <= KEYS_PREFIX_TABLE)
		return key[0];
	return 0;
}

static const char *tag_name(uint8_t tag)
{
	return tag == KEYS_TAG_TEXT ? "text" : "bytes";
}

#define U128_MAX (~(unsigned __int128)0)

/*
 * The DECIMAL element at key[o] (o < n, key[o] is the tag): on success *v
 * and *end (the offset after it) are set.  See keys.h for the canonical
 * form this accepts.
 */
static int decode_decimal(const uint8_t *key, size_t n, size_t o,
			  struct keys_val *v, size_t *end, struct err *e)
{
	unsigned __int128 u = 0, limit;
	size_t i;
	int64_t adj, exp;
	uint8_t inv, c, cls;
	int k = 0, pair, d, j;

	if (n - o < 2)
		return err_set(e, RC_CORRUPT, "truncated decimal at offset "
			       "%zu", o);
	cls = key[o + 1];
	if (cls == 0x02) {
		v->type = KEYS_DECIMAL;
		v->u.d.coef = 0;
		v->u.d.exp = 0;
		*end = o + 2;
		return RC_OK;
	}
	if (cls != 0x01 && cls != 0x03)
		return err_set(e, RC_CORRUPT, "bad decimal class 0x%02x at "
			       "offset %zu", cls, o);
	inv = cls == 0x01 ? 0xff : 0x00;
	if (n - o < 5)
		return err_set(e, RC_CORRUPT, "truncated decimal at offset "
			       "%zu", o);
	adj = (int64_t)(((unsigned)(key[o + 2] ^ inv) << 8) |
			(unsigned)(key[o + 3] ^ inv)) - 0x8000;
	for (i = o + 4;; i++) {
		if (i >= n)
			return err_set(e, RC_CORRUPT, "missing terminator for "
				       "decimal at offset %zu", o);
		c = key[i] ^ inv;
		if (c == 0)
			break;
		if (c > 100)
			return err_set(e, RC_CORRUPT, "bad decimal digit byte "
				       "0x%02x at offset %zu", key[i], i);
		pair = c - 1;
		if (i == o + 4 && pair < 10)
			return err_set(e, RC_CORRUPT, "non-canonical decimal "
				       "at offset %zu: leading zero", o);
		for (j = 0; j < 2; j++) {
			d = j == 0 ? pair / 10 : pair % 10;
			if (j == 1 && d == 0 && (i + 1 >= n ||
						 (key[i + 1] ^ inv) == 0))
				break;	/* padding of an odd count */
			if (u > (U128_MAX - (unsigned)d) / 10 || k >= 39)
				return err_set(e, RC_CORRUPT, "decimal at "
					       "offset %zu has too many "
					       "digits", o);
			u = u * 10 + (unsigned)d;
			k++;
		}
	}
	if (k == 0)
		return err_set(e, RC_CORRUPT, "decimal at offset %zu has no "
			       "digits", o);
	if (u % 10 == 0)
		return err_set(e, RC_CORRUPT, "non-canonical decimal at "
			       "offset %zu: trailing zero", o);
	limit = (unsigned __int128)1 << 127;	/* |INT128_MIN| */
	if (u > limit || (inv == 0 && u == limit))
		return err_set(e, RC_CORRUPT, "decimal at offset %zu does not "
			       "fit 128 bits", o);
	exp = adj - k;
	if (exp < -KEYS_DECIMAL_EXP_MAX || exp > KEYS_DECIMAL_EXP_MAX)
		return err_set(e, RC_CORRUPT, "decimal exponent %lld at "
			       "offset %zu is out of range", (long long)exp,
			       o);
	v->type = KEYS_DECIMAL;
	v->u.d.coef = inv ? -(__int128)(u - 1) - 1 : (__int128)u;
	v->u.d.exp = (int32_t)exp;
	*end = i + 1;
	return RC_OK;
}

int keys_decode_next(const uint8_t *key, size_t n, size_t *off,
		     struct keys_val *out, uint8_t *scratch, struct err *e)
{
	size_t o = *off, i, len;
	struct keys_val v;
	uint64_t u;
	uint8_t tag;

	if (o >= n)
		return err_set(e, RC_BAD_INPUT, "no element at offset %zu: "
			       "key has %zu bytes", o, n);
	tag = key[o];
	switch (tag) {
	case KEYS_TAG_NULL:
		v.type = KEYS_NULL;
		*off = o + 1;
		break;
	case KEYS_TAG_FALSE:
	case KEYS_TAG_TRUE:
		v.type = KEYS_BOOL;
		v.u.b = tag == KEYS_TAG_TRUE;
		*off = o + 1;
		break;
	case KEYS_TAG_INT:
		if (n - o - 1 < 8)
			return err_set(e, RC_CORRUPT, "truncated int at "
				       "offset %zu: need 8 bytes, have %zu",
				       o, n - o - 1);
		u = get_u64(key + o + 1) ^ SIGN_BIT;
		v.type = KEYS_INT;
		/* Portable two's complement without implementation-defined
		 * conversions. */
		v.u.i = u <= INT64_MAX ? (int64_t)u : -(int64_t)~u - 1;
		*off = o + 9;
		break;
	case KEYS_TAG_FLOAT:
		if (n - o - 1 < 8)
			return err_set(e, RC_CORRUPT, "truncated float at "
				       "offset %zu: need 8 bytes, have %zu",
				       o, n - o - 1);
		u = get_u64(key + o + 1);
		u = (u & SIGN_BIT) ? u ^ SIGN_BIT : ~u;
		if (u == SIGN_BIT)
			return err_set(e, RC_CORRUPT, "non-canonical float at "
				       "offset %zu: negative zero", o);
		if ((u & EXP_MASK) == EXP_MASK && (u & FRAC_MASK) != 0 &&
		    u != CANON_NAN)
			return err_set(e, RC_CORRUPT, "non-canonical float at "
				       "offset %zu: NaN 0x%016" PRIx64, o, u);
		v.type = KEYS_FLOAT;
		memcpy(&v.u.f, &u, sizeof(u));
		*off = o + 9;
		break;
	case KEYS_TAG_BYTES:
	case KEYS_TAG_TEXT:
		len = 0;
		i = o + 1;
		for (;;) {
			if (i >= n || (key[i] == 0 && i + 1 >= n))
				return err_set(e, RC_CORRUPT, "missing "
					       "terminator for %s at offset "
					       "%zu", tag_name(tag), o);
			if (key[i] != 0) {
				if (scratch != NULL)
					scratch[o + len] = key[i];
				len++;
				i++;
			} else if (key[i + 1] == 0xff) {
				if (scratch != NULL)
					scratch[o + len] = 0;
				len++;
				i += 2;
			} else if (key[i + 1] == 0x01) {
				i += 2;
				break;
			} else {
				return err_set(e, RC_CORRUPT, "bad escape "
					       "0x00 0x%02x at offset %zu in "
					       "%s at offset %zu", key[i + 1],
					       i, tag_name(tag), o);
			}
		}
		/* len + 3 <= i - o, so the NUL stays inside the region. */
		v.type = tag == KEYS_TAG_TEXT ? KEYS_TEXT : KEYS_BYTES;
		v.u.s.n = len;
		v.u.s.p = NULL;
		if (scratch != NULL) {
			scratch[o + len] = 0;
			v.u.s.p = scratch + o;
		}
		*off = i;
		break;
	case KEYS_TAG_DECIMAL: {
		size_t end = o;	/* set on success (-O2 cannot see it) */
		int rc = decode_decimal(key, n, o, &v, &end, e);

		if (rc != RC_OK)
			return rc;
		*off = end;
		break;
	}
	case KEYS_PREFIX_META:
	case KEYS_PREFIX_SYS:
	case KEYS_PREFIX_TABLE:
		return err_set(e, RC_CORRUPT, "keyspace prefix 0x%02x at "
			       "offset %zu: only allowed as the first byte",
			       tag, o);
	default:
		return err_set(e, RC_CORRUPT, "unknown tag 0x%02x at offset "
			       "%zu", tag, o);
	}
	*out = v;
	return RC_OK;
}

int keys_decode_key(const uint8_t *key, size_t n, int *prefix,
		    struct keys_val *vals, size_t max, size_t *nvals,
		    uint8_t *scratch, struct err *e)
{
	size_t off, count = 0;
	struct keys_val v;
	int rc;

	*prefix = keys_key_prefix(key, n);
	off = *prefix != 0 ? 1 : 0;
	while (off < n) {
		rc = keys_decode_next(key, n, &off, &v, scratch, e);
		if (rc != RC_OK)
			return rc;
		if (count == max)
			return err_set(e, RC_BAD_INPUT, "key has more than "
				       "%zu elements", max);
		vals[count++] = v;
	}
	*nvals = count;
	return RC_OK;
}

/* True when key[0..n) is a prefix byte (optional) and valid elements. */
static bool key_valid(const uint8_t *key, size_t n)
{
	size_t off = keys_key_prefix(key, n) != 0 ? 1 : 0;
	struct keys_val v;

	while (off < n)
		if (keys_decode_next(key, n, &off, &v, NULL, NULL) != RC_OK)
			return false;
	return true;
}

/* ---- order ----------------------------------------------------------- */

/* The rank of a value's type is its tag; unknown types sort last. */
static int val_rank(const struct keys_val *v)
{
	switch (v->type) {
	case KEYS_NULL:
		return KEYS_TAG_NULL;
	case KEYS_BOOL:
		return v->u.b ? KEYS_TAG_TRUE : KEYS_TAG_FALSE;
	case KEYS_INT:
		return KEYS_TAG_INT;
	case KEYS_FLOAT:
		return KEYS_TAG_FLOAT;
	case KEYS_BYTES:
		return KEYS_TAG_BYTES;
	case KEYS_TEXT:
		return KEYS_TAG_TEXT;
	case KEYS_DECIMAL:
		return KEYS_TAG_DECIMAL;
	}
	return 0x100;
}

int keys_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t m = na < nb ? na : nb;
	int c = m > 0 ? memcmp(a, b, m) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

/* Exact order of two decimals: sign, adjusted exponent, digits. */
static int decimal_cmp(const struct keys_val *a, const struct keys_val *b)
{
	struct dec_parts x, y;
	int c;

	dec_split(a->u.d.coef, a->u.d.exp, &x);
	dec_split(b->u.d.coef, b->u.d.exp, &y);
	if (x.sign != y.sign)
		return x.sign < y.sign ? -1 : 1;
	if (x.sign == 0)
		return 0;
	if (x.adj != y.adj)
		c = x.adj < y.adj ? -1 : 1;
	else
		c = strcmp(x.digits, y.digits);	/* a prefix first */
	c = c < 0 ? -1 : c > 0;
	return x.sign > 0 ? c : -c;
}

int keys_val_cmp(const struct keys_val *a, const struct keys_val *b)
{
	int ra = val_rank(a), rb = val_rank(b);
	bool na, nb;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a->type) {
	case KEYS_INT:
		return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
	case KEYS_FLOAT:
		na = isnan(a->u.f);
		nb = isnan(b->u.f);
		if (na || nb)
			return na == nb ? 0 : na ? 1 : -1;
		/* -0.0 == +0.0 here as in IEEE comparison. */
		return a->u.f < b->u.f ? -1 : a->u.f > b->u.f;
	case KEYS_BYTES:
	case KEYS_TEXT:
		return keys_cmp(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
	case KEYS_DECIMAL:
		return decimal_cmp(a, b);
	default:
		return 0;
	}
}

int keys_tuple_cmp(const struct keys_val *a, size_t na,
		   const struct keys_val *b, size_t nb)
{
	size_t i;
	int c;

	for (i = 0; i < na && i < nb; i++) {
		c = keys_val_cmp(&a[i], &b[i]);
		if (c != 0)
			return c;
	}
	return na < nb ? -1 : na > nb;
}

int keys_prefix_end(const uint8_t *key, size_t n, struct keys_buf *b,
		    struct err *e)
{
	int rc;

	while (n > 0 && key[n - 1] == 0xff)
		n--;
	if (key != b->p) {
		keys_buf_reset(b);
		rc = keys_buf_append(b, key, n, e);
		if (rc != RC_OK)
			return rc;
	}
	b->len = n;
	if (n > 0)
		b->p[n - 1]++;
	return RC_OK;
}

/* ---- printing -------------------------------------------------------- */

/*
 * Numbers are printed and parsed in the "C" locale whatever the program set
 * with setlocale(), so that the printed form never depends on LC_NUMERIC.
 */
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

/* Output that counts everything but stores only what fits (NUL kept). */
struct sink {
	char *buf;
	size_t cap;
	size_t len;
};

static void sink_put(struct sink *s, const char *p, size_t n)
{
	size_t room;

	if (s->cap > 0 && s->len < s->cap - 1) {
		room = s->cap - 1 - s->len;
		memcpy(s->buf + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

static void sink_str(struct sink *s, const char *p)
{
	sink_put(s, p, strlen(p));
}

static size_t sink_finish(struct sink *s)
{
	size_t pos;

	if (s->cap == 0)
		return s->len;
	if (s->len < s->cap) {
		s->buf[s->len] = '\0';
		return s->len;
	}
	if (s->cap < 4) {
		memset(s->buf, '.', s->cap - 1);
		s->buf[s->cap - 1] = '\0';
		return s->len;
	}
	/* Cut before the character that buf[cap - 4] belongs to. */
	pos = s->cap - 4;
	while (pos > 0 && ((unsigned char)s->buf[pos] & 0xc0) == 0x80)
		pos--;
	memcpy(s->buf + pos, "...", 4);
	return s->len;
}

/*
 * Length of the printable UTF-8 character at p[0..n) (code point >= U+00A0,
 * not a surrogate, shortest form), or 0 if it must be escaped byte by byte.
 * 0x00 is never part of a multi-byte character, so this also works on an
 * encoded (escaped) string.
 */
static size_t utf8_printable(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len, i;

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
	if (c == 0xc2 && p[1] < 0xa0)
		return 0;	/* C1 control characters */
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;	/* overlong */
	if (c == 0xed && p[1] > 0x9f)
		return 0;	/* surrogates */
	if (c == 0xf0 && p[1] < 0x90)
		return 0;	/* overlong */
	if (c == 0xf4 && p[1] > 0x8f)
		return 0;	/* above U+10FFFF */
	return len;
}

/*
 * Print p[0..n) in double quotes.  With escaped, p is the payload of an
 * encoded string (already validated), where 0x00 0xff stands for 0x00.
 */
static void put_quoted(struct sink *s, const uint8_t *p, size_t n,
		       bool escaped)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', 0, 0 };
	size_t i = 0, u;
	uint8_t c;

	sink_put(s, "\"", 1);
	while (i < n) {
		c = p[i];
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			sink_put(s, esc, 2);
			esc[1] = 'x';
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			sink_put(s, (const char *)&p[i], 1);
			i++;
		} else if ((u = utf8_printable(p + i, n - i)) != 0) {
			sink_put(s, (const char *)&p[i], u);
			i += u;
		} else {
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			sink_put(s, esc, 4);
			i += (escaped && c == 0) ? 2 : 1;
		}
	}
	sink_put(s, "\"", 1);
}

static void put_hex(struct sink *s, const uint8_t *p, size_t n, bool escaped)
{
	static const char hex[] = "0123456789abcdef";
	char two[2];
	size_t i = 0;

	sink_put(s, "x'", 2);
	while (i < n) {
		two[0] = hex[p[i] >> 4];
		two[1] = hex[p[i] & 15];
		sink_put(s, two, 2);
		i += (escaped && p[i] == 0) ? 2 : 1;
	}
	sink_put(s, "'", 1);
}

/* Shortest text that strtod() reads back as f; always looks like a float. */
static void format_float(double f, char *out, size_t cap)
{
	locale_t loc = c_locale_get(), old = (locale_t)0;
	int prec, x;
	char *exp;

	if (isnan(f)) {
		snprintf(out, cap, "NaN");
		return;
	}
	if (isinf(f)) {
		snprintf(out, cap, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (f == 0)
		f = 0.0;	/* print -0.0 as 0.0 as it is encoded */
	if (loc != (locale_t)0)
		old = uselocale(loc);
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, f);
		if (strtod(out, NULL) == f)
			break;
	}
	/*
	 * %g switches to an exponent once it exceeds the precision: print
	 * 100 as "100" rather than "1e+02" while the digits fit in 17.
	 */
	exp = strchr(out, 'e');
	if (exp != NULL) {
		x = atoi(exp + 1);
		if (x >= prec && x < 17)
			snprintf(out, cap, "%.*g", x + 1, f);
	}
	if (loc != (locale_t)0)
		uselocale(old);
	if (strpbrk(out, ".e") == NULL)
		strncat(out, ".0", cap - strlen(out) - 1);
}

/*
 * A decimal as digits with a '.' where needed, or as d1.d2...dk e<A-1>
 * when plain notation would be long (exp below -40 or A above 40), then
 * 'd': 1.5d, -30d, 0d, 1.2e-40d.  Always the normalized digits, so it
 * parses back to the same encoding.
 */
static void put_decimal(struct sink *s, const struct keys_val *v)
{
	struct dec_parts d;
	char num[24];
	int64_t i;

	dec_split(v->u.d.coef, v->u.d.exp, &d);
	if (d.sign == 0) {
		sink_str(s, "0d");
		return;
	}
	if (d.sign < 0)
		sink_put(s, "-", 1);
	if (d.exp >= -40 && d.adj <= 40) {
		if (d.adj <= 0) {
			sink_put(s, "0.", 2);
			for (i = d.adj; i < 0; i++)
				sink_put(s, "0", 1);
			sink_str(s, d.digits);
		} else if (d.adj >= d.k) {
			sink_str(s, d.digits);
			for (i = d.k; i < d.adj; i++)
				sink_put(s, "0", 1);
		} else {
			sink_put(s, d.digits, (size_t)d.adj);
			sink_put(s, ".", 1);
			sink_str(s, d.digits + d.adj);
		}
	} else {
		sink_put(s, d.digits, 1);
		if (d.k > 1) {
			sink_put(s, ".", 1);
			sink_str(s, d.digits + 1);
		}
		snprintf(num, sizeof(num), "e%+lld", (long long)(d.adj - 1));
		sink_str(s, num);
	}
	sink_put(s, "d", 1);
}

static void put_val(struct sink *s, const struct keys_val *v)
{
	char num[64];

	switch (v->type) {
	case KEYS_NULL:
		sink_str(s, "NULL");
		return;
	case KEYS_BOOL:
		sink_str(s, v->u.b ? "true" : "false");
		return;
	case KEYS_INT:
		snprintf(num, sizeof(num), "%" PRId64, v->u.i);
		sink_str(s, num);
		return;
	case KEYS_FLOAT:
		format_float(v->u.f, num, sizeof(num));
		sink_str(s, num);
		return;
	case KEYS_BYTES:
		put_hex(s, v->u.s.p, v->u.s.n, false);
		return;
	case KEYS_TEXT:
		put_quoted(s, v->u.s.p, v->u.s.n, false);
		return;
	case KEYS_DECIMAL:
		put_decimal(s, v);
		return;
	}
	snprintf(num, sizeof(num), "<unknown type %d>", (int)v->type);
	sink_str(s, num);
}

static const char *prefix_word(int prefix)
{
	switch (prefix) {
	case KEYS_PREFIX_META:
		return "meta";
	case KEYS_PREFIX_SYS:
		return "sys";
	case KEYS_PREFIX_TABLE:
		return "t";
	}
	return NULL;
}

/* Print a key that key_valid() accepted. */
static void put_valid_key(struct sink *s, const uint8_t *key, size_t n)
{
	int prefix = keys_key_prefix(key, n);
	size_t off = prefix != 0 ? 1 : 0, start;
	struct keys_val v;

	if (n == 0) {
		sink_put(s, "/", 1);
		return;
	}
	if (prefix != 0) {
		sink_put(s, "/", 1);
		sink_str(s, prefix_word(prefix));
	}
	while (off < n) {
		start = off;
		if (keys_decode_next(key, n, &off, &v, NULL, NULL) != RC_OK)
			return;		/* cannot happen: key_valid() */
		sink_put(s, "/", 1);
		/* Strings are printed straight from the encoded payload. */
		if (v.type == KEYS_TEXT)
			put_quoted(s, key + start + 1, off - start - 3, true);
		else if (v.type == KEYS_BYTES)
			put_hex(s, key + start + 1, off - start - 3, true);
		else
			put_val(s, &v);
	}
}

/*
 * If key is not valid but is keys_prefix_end() of a valid key, print that
 * key and "/PrefixEnd".  The candidates are key with its last byte
 * decremented and m = 0..8 bytes 0xff appended (an element ends in at most
 * 8 0xff bytes: the payload of an INT or FLOAT; a DECIMAL ends in at most
 * one); the smallest valid m wins.
 */
static bool put_prefix_end(struct sink *s, const uint8_t *key, size_t n)
{
	uint8_t stack[256], *cand;
	bool found = false;
	size_t m;

	if (n == 0 || key[n - 1] == 0)
		return false;
	cand = n + 8 <= sizeof(stack) ? stack : malloc(n + 8);
	if (cand == NULL)
		return false;	/* the raw form is still exact */
	memcpy(cand, key, n);
	cand[n - 1]--;
	for (m = 0; m <= 8 && !found; m++) {
		if (m > 0)
			cand[n - 1 + m] = 0xff;
		if (key_valid(cand, n + m)) {
			put_valid_key(s, cand, n + m);
			sink_str(s, "/PrefixEnd");
			found = true;
		}
	}
	if (cand != stack)
		free(cand);
	return found;
}

static size_t pretty(const uint8_t *key, size_t n, char *buf, size_t cap)
{
	struct sink s = { buf, cap, 0 };

	if (key_valid(key, n))
		put_valid_key(&s, key, n);
	else if (!put_prefix_end(&s, key, n))
		put_quoted(&s, key, n, false);
	return sink_finish(&s);
}

size_t keys_pretty(const uint8_t *key, size_t n, char *buf, size_t cap)
{
	return pretty(key, n, buf, cap);
}

char *keys_pretty_alloc(const uint8_t *key, size_t n)
{
	size_t len = pretty(key, n, NULL, 0);
	char *buf;

	if (len == SIZE_MAX)
		return NULL;
	buf = malloc(len + 1);
	if (buf != NULL)
		pretty(key, n, buf, len + 1);
	return buf;
}

size_t keys_pretty_val(const struct keys_val *v, char *buf, size_t cap)
{
	struct sink s = { buf, cap, 0 };

	put_val(&s, v);
	return sink_finish(&s);
}

/* ---- parsing --------------------------------------------------------- */

struct parser {
	const char *s;
	size_t i;
	struct keys_buf *b;
	struct keys_buf tmp;
	struct err *e;
};

#define WORD_SHOW 40	/* longest word quoted in an error message */

static int parse_fail(struct parser *p, size_t at, const char *what)
{
	return err_set(p->e, RC_BAD_INPUT, "%s at offset %zu in key '%s'",
		       what, at, p->s);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "..." at p->i into p->tmp (replaced). */
static int parse_quoted(struct parser *p)
{
	size_t start = p->i;
	const char *s = p->s;
	int hi, lo, rc;
	uint8_t c;

	keys_buf_reset(&p->tmp);
	p->i++;
	for (;;) {
		c = (uint8_t)s[p->i];
		if (c == '\0')
			return parse_fail(p, start, "unterminated string");
		if (c == '"') {
			p->i++;
			return RC_OK;
		}
		if (c == '\\') {
			switch (s[p->i + 1]) {
			case '"':
			case '\\':
				c = (uint8_t)s[p->i + 1];
				p->i += 2;
				break;
			case 'n':
				c = '\n';
				p->i += 2;
				break;
			case 'r':
				c = '\r';
				p->i += 2;
				break;
			case 't':
				c = '\t';
				p->i += 2;
				break;
			case 'x':
				hi = hex_digit(s[p->i + 2]);
				lo = hi < 0 ? -1 : hex_digit(s[p->i + 3]);
				if (lo < 0)
					return parse_fail(p, p->i, "\\x needs "
							  "two hex digits");
				c = (uint8_t)(hi << 4 | lo);
				p->i += 4;
				break;
			default:
				return parse_fail(p, p->i, "unknown escape "
						  "(use \\\" \\\\ \\n \\r \\t "
						  "or \\xNN)");
			}
		} else {
			p->i++;
		}
		rc = keys_buf_append(&p->tmp, &c, 1, p->e);
		if (rc != RC_OK)
			return rc;
	}
}

/* x'...' at p->i into p->tmp (replaced). */
static int parse_hex(struct parser *p)
{
	size_t start = p->i;
	const char *s = p->s;
	int hi, lo, rc;
	uint8_t c;

	keys_buf_reset(&p->tmp);
	p->i += 2;
	while (s[p->i] != '\'') {
		if (s[p->i] == '\0')
			return parse_fail(p, start, "unterminated x'...'");
		hi = hex_digit(s[p->i]);
		if (hi < 0)
			return parse_fail(p, p->i, "not a hex digit");
		lo = hex_digit(s[p->i + 1]);
		if (lo < 0)
			return parse_fail(p, p->i + 1, s[p->i + 1] == '\'' ?
					  "odd number of hex digits" :
					  "not a hex digit");
		c = (uint8_t)(hi << 4 | lo);
		rc = keys_buf_append(&p->tmp, &c, 1, p->e);
		if (rc != RC_OK)
			return rc;
		p->i += 2;
	}
	p->i++;
	return RC_OK;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

/*
 * A decimal word without its 'd': -?digits[.digits][e[+-]digits].  Leading
 * and trailing zeros may be written; the value must fit (at most 39
 * significant digits within __int128, exponent in range).
 */
static int parse_decimal(struct parser *p, const char *w, size_t n,
			 size_t at)
{
	unsigned __int128 u = 0, limit = (unsigned __int128)1 << 127;
	int64_t exp = 0, ex = 0;
	size_t k = 0, i = 0, zeros = 0, ndig = 0;
	bool neg = false, dot = false, eneg = false;

	if (i < n && w[i] == '-')
		neg = w[i++] == '-';
	for (; i < n; i++) {
		if (w[i] == '.' && !dot) {
			dot = true;
			continue;
		}
		if (w[i] < '0' || w[i] > '9')
			break;
		ndig++;
		if (dot)
			exp--;
		if (w[i] == '0') {
			if (u != 0)
				zeros++;	/* held back: maybe trailing */
			continue;
		}
		for (; zeros > 0; zeros--) {
			if (u > U128_MAX / 10 || k >= 39)
				return parse_fail(p, at, "decimal has too "
						  "many digits");
			u *= 10;
			k++;
		}
		if (u > (U128_MAX - 9) / 10 || k >= 39)
			return parse_fail(p, at, "decimal has too many "
					  "digits");
		u = u * 10 + (unsigned)(w[i] - '0');
		k++;
	}
	if (ndig == 0)
		goto bad;
	exp += (int64_t)zeros;	/* trailing zeros scale the value */
	if (i < n && (w[i] == 'e' || w[i] == 'E')) {
		i++;
		if (i < n && (w[i] == '-' || w[i] == '+'))
			eneg = w[i++] == '-';
		if (i >= n)
			goto bad;
		for (; i < n; i++) {
			if (w[i] < '0' || w[i] > '9')
				goto bad;
			if (ex < 1000000)
				ex = ex * 10 + (w[i] - '0');
		}
		exp += eneg ? -ex : ex;
	}
	if (i != n)
		goto bad;
	if (u == 0)
		return keys_encode_decimal(p->b, 0, 0, p->e);
	if (u > limit || (!neg && u == limit))
		return parse_fail(p, at, "decimal does not fit 128 bits");
	if (exp < -KEYS_DECIMAL_EXP_MAX || exp > KEYS_DECIMAL_EXP_MAX)
		return parse_fail(p, at, "decimal exponent out of range");
	return keys_encode_decimal(p->b, neg ? -(__int128)(u - 1) - 1 :
				   (__int128)u, (int32_t)exp, p->e);
bad:
	return err_set(p->e, RC_BAD_INPUT, "unknown word '%.*sd' at offset "
		       "%zu in key '%s'", n > WORD_SHOW ? WORD_SHOW : (int)n,
		       w, at, p->s);
}

/*
 * A bare number: -?[0-9]+ is an INT, anything with '.' or 'e' a FLOAT, and
 * a number followed by 'd' a DECIMAL.
 */
static int parse_number(struct parser *p, const char *w, size_t n,
			size_t at)
{
	char tmp[64], *end;
	bool is_float = false;
	long long ll;
	locale_t loc;
	size_t k;
	double f;

	if (n >= 2 && w[n - 1] == 'd')
		return parse_decimal(p, w, n - 1, at);
	for (k = 0; k < n; k++) {
		if (strchr("0123456789+-.eE", w[k]) == NULL || w[k] == '\0')
			goto bad;
		if (w[k] == '.' || w[k] == 'e' || w[k] == 'E')
			is_float = true;
	}
	if (n >= sizeof(tmp))
		goto bad;
	memcpy(tmp, w, n);
	tmp[n] = '\0';
	errno = 0;
	if (!is_float) {
		if (tmp[tmp[0] == '-'] < '0' || tmp[tmp[0] == '-'] > '9')
			goto bad;
		ll = strtoll(tmp, &end, 10);
		if (*end != '\0')
			goto bad;
		if (errno == ERANGE)
			return parse_fail(p, at, "integer out of range");
		return keys_encode_int(p->b, (int64_t)ll, p->e);
	}
	loc = c_locale_get();
	f = loc != (locale_t)0 ? strtod_l(tmp, &end, loc) : strtod(tmp, &end);
	if (end == tmp || *end != '\0')
		goto bad;
	if (errno == ERANGE && isinf(f))
		return parse_fail(p, at, "float out of range");
	return keys_encode_float(p->b, f, p->e);
bad:
	return err_set(p->e, RC_BAD_INPUT, "unknown word '%.*s' at offset %zu "
		       "in key '%s'", n > WORD_SHOW ? WORD_SHOW : (int)n, w,
		       at, p->s);
}

/* One component after a '/', starting at p->i. */
static int parse_component(struct parser *p, bool first, size_t key_start)
{
	const char *s = p->s, *w;
	size_t at = p->i, n, k;
	int rc, prefix;

	if (s[at] == '"') {
		rc = parse_quoted(p);
		return rc != RC_OK ? rc :
			keys_encode_text(p->b, (const char *)p->tmp.p,
					 p->tmp.len, p->e);
	}
	if (s[at] == 'x' && s[at + 1] == '\'') {
		rc = parse_hex(p);
		return rc != RC_OK ? rc :
			keys_encode_bytes(p->b, p->tmp.p, p->tmp.len, p->e);
	}
	w = s + at;
	n = strcspn(w, "/");
	p->i += n;
	if (n == 0)
		return parse_fail(p, at, "empty component");
	for (prefix = KEYS_PREFIX_META; prefix <= KEYS_PREFIX_TABLE; prefix++)
		if (word_is(w, n, prefix_word(prefix))) {
			if (!first)
				return parse_fail(p, at, "keyspace prefix "
						  "not first");
			return keys_encode_prefix(p->b, prefix, p->e);
		}
	if (word_is(w, n, "NULL"))
		return keys_encode_null(p->b, p->e);
	if (word_is(w, n, "true") || word_is(w, n, "false"))
		return keys_encode_bool(p->b, w[0] == 't', p->e);
	if (word_is(w, n, "NaN"))
		return keys_encode_float(p->b, NAN, p->e);
	if (word_is(w, n, "+Inf") || word_is(w, n, "-Inf"))
		return keys_encode_float(p->b, w[0] == '+' ? INFINITY :
					 -INFINITY, p->e);
	if (word_is(w, n, "PrefixEnd")) {
		if (first)
			return parse_fail(p, at, "PrefixEnd needs a key "
					  "before it");
		if (s[p->i] != '\0')
			return parse_fail(p, at, "PrefixEnd must come last");
		/* Never all 0xff: the first byte is a prefix or a tag. */
		k = p->b->len;
		while (k > key_start && p->b->p[k - 1] == 0xff)
			k--;
		p->b->len = k;
		p->b->p[k - 1]++;
		return RC_OK;
	}
	return parse_number(p, w, n, at);
}

int keys_parse_pretty(const char *s, struct keys_buf *b, struct err *e)
{
	struct parser p = { s, 0, b, { NULL, 0, 0 }, e };
	size_t save = b->len;
	bool first = true;
	int rc = RC_OK;

	if (s[0] == '"') {
		rc = parse_quoted(&p);
		if (rc == RC_OK && s[p.i] != '\0')
			rc = parse_fail(&p, p.i, "text after the closing quote");
		if (rc == RC_OK)
			rc = keys_buf_append(b, p.tmp.p, p.tmp.len, e);
	} else if (s[0] != '/') {
		rc = parse_fail(&p, 0, "key must start with '/' or '\"'");
	} else if (s[1] != '\0') {
		while (rc == RC_OK && s[p.i] != '\0') {
			if (s[p.i] != '/') {
				rc = parse_fail(&p, p.i, "expected '/'");
				break;
			}
			p.i++;
			rc = parse_component(&p, first, save);
			first = false;
		}
	}
	keys_buf_release(&p.tmp);
	if (rc != RC_OK)
		b->len = save;
	return rc;
}
