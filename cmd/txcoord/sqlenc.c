/*
 * sqlenc.c -- SQL values as bytes: order-preserving keys and row values
 * (sqlenc.h).
 *
 * Keys go through libcommon/keys.c, which owns the byte format; this file
 * maps datums and column types onto it.  The row value decoder checks
 * every length before reading and every field against the limits of its
 * type.  Tested in t/unit/sqlenc_test.c.
 */
#include "sqlenc.h"

#include <string.h>

typedef unsigned __int128 u128;

/* ---- keys --------------------------------------------------------------- */

static int from_rc(int rc, const struct err *ke, struct sqlerr *e)
{
	if (rc == RC_NOMEM)
		return sqlerr_nomem(e);
	return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt key: %s",
			  ke->msg);
}

int sqlenc_key_append(struct keys_buf *b, const struct sql_datum *d,
		      struct sqlerr *e)
{
	struct err ke;
	int rc;

	switch (d->kind) {
	case SQL_DATUM_NULL:
		rc = keys_encode_null(b, &ke);
		break;
	case SQL_DATUM_BOOL:
		rc = keys_encode_bool(b, d->b, &ke);
		break;
	case SQL_DATUM_INT:
		rc = keys_encode_int(b, d->i, &ke);
		break;
	case SQL_DATUM_FLOAT:
		rc = keys_encode_float(b, d->f, &ke);
		break;
	case SQL_DATUM_DECIMAL:
		/* |coef| < 10^38, scale <= 38: always within the limits. */
		rc = keys_encode_decimal(b, d->d.coef, -d->d.scale, &ke);
		break;
	case SQL_DATUM_TEXT:
		rc = keys_encode_text(b, d->s.p, d->s.n, &ke);
		break;
	case SQL_DATUM_BYTES:
		rc = keys_encode_bytes(b, d->s.p, d->s.n, &ke);
		break;
	case SQL_DATUM_TIMESTAMP:
		rc = keys_encode_int(b, d->ts, &ke);
		break;
	case SQL_DATUM_DATE:
		rc = keys_encode_int(b, d->date, &ke);
		break;
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "cannot encode a "
				  "datum of unknown kind %d", (int)d->kind);
	}
	if (rc == RC_OK)
		return 0;
	if (rc == RC_NOMEM)
		return sqlerr_nomem(e);
	return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "cannot encode key: %s",
			  ke.msg);
}

bool sqlenc_key_lossy(const struct sql_type *t)
{
	return (t->kind == SQL_TYPE_DECIMAL && t->precision == 0) ||
	       t->kind == SQL_TYPE_FLOAT4 || t->kind == SQL_TYPE_FLOAT8;
}

static int key_mismatch(const struct sql_type *t, const char *what,
			size_t off, struct sqlerr *e)
{
	char tn[SQLVAL_TYPE_NAME_MAX];

	return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt key: column of "
			  "type %s holds %s at offset %zu",
			  sqlval_type_name(t, tn, sizeof(tn)), what, off);
}

/* 10^k for k <= 38. */
static u128 pow10_u128(int k)
{
	u128 r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

/*
 * coef * 10^exp (normalized, from a key) as a sqldec of the column's
 * scale (or the smallest scale when the column has none).
 */
static int key_decimal(__int128 coef, int32_t exp, const struct sql_type *t,
		       struct sqldec *out)
{
	u128 m = coef < 0 ? -(u128)coef : (u128)coef, lim = pow10_u128(38);
	int scale = exp < 0 ? -exp : 0, want;

	if (exp < -SQLDEC_MAX_SCALE || exp > SQLDEC_MAX_DIGITS || m >= lim)
		return -1;
	if (exp > 0) {
		if (m > (lim - 1) / pow10_u128(exp))
			return -1;
		m *= pow10_u128(exp);
	}
	want = t->precision > 0 ? t->scale : scale;
	if (want < scale)
		return -1;	/* more digits than the column keeps */
	if (want > scale) {
		if (m > (lim - 1) / pow10_u128(want - scale))
			return -1;
		m *= pow10_u128(want - scale);
	}
	out->coef = coef < 0 ? -(__int128)m : (__int128)m;
	out->scale = want;
	return 0;
}

int sqlenc_key_decode(const uint8_t *key, size_t n, size_t *off,
		      const struct sql_type *t, struct arena *a,
		      struct sql_datum *out, struct sqlerr *e)
{
	size_t start = *off, next = *off, i, w;
	enum sql_datum_kind want = sqlval_type_datum_kind(t);
	struct keys_val v;
	struct sqlerr ve;
	struct err ke;
	char *buf;
	int rc;

	rc = keys_decode_next(key, n, &next, &v, NULL, &ke);
	if (rc != RC_OK)
		return from_rc(rc, &ke, e);
	if (v.type == KEYS_NULL) {
		*out = sqlval_null();
		*off = next;
		return 0;
	}
	switch (want) {
	case SQL_DATUM_BOOL:
		if (v.type != KEYS_BOOL)
			return key_mismatch(t, "a non-boolean", start, e);
		*out = sqlval_bool(v.u.b);
		break;
	case SQL_DATUM_INT:
	case SQL_DATUM_TIMESTAMP:
	case SQL_DATUM_DATE:
		if (v.type != KEYS_INT)
			return key_mismatch(t, "a non-integer", start, e);
		if ((t->kind == SQL_TYPE_INT2 &&
		     (v.u.i < INT16_MIN || v.u.i > INT16_MAX)) ||
		    (t->kind == SQL_TYPE_INT4 &&
		     (v.u.i < INT32_MIN || v.u.i > INT32_MAX)) ||
		    (want == SQL_DATUM_DATE && (v.u.i < SQLVAL_DATE_MIN ||
						v.u.i > SQLVAL_DATE_MAX)))
			return key_mismatch(t, "a value out of range", start,
					    e);
		if (want == SQL_DATUM_INT)
			*out = sqlval_int(v.u.i);
		else if (want == SQL_DATUM_TIMESTAMP)
			*out = sqlval_timestamp(v.u.i);
		else
			*out = sqlval_date((int32_t)v.u.i);
		break;
	case SQL_DATUM_FLOAT:
		if (v.type != KEYS_FLOAT)
			return key_mismatch(t, "a non-float", start, e);
		*out = sqlval_float(v.u.f);
		break;
	case SQL_DATUM_DECIMAL:
		if (v.type != KEYS_DECIMAL)
			return key_mismatch(t, "a non-decimal", start, e);
		out->kind = SQL_DATUM_DECIMAL;
		if (key_decimal(v.u.d.coef, v.u.d.exp, t, &out->d) != 0)
			return key_mismatch(t, "a decimal out of range", start,
					    e);
		break;
	case SQL_DATUM_TEXT:
	case SQL_DATUM_BYTES:
		if (v.type != (want == SQL_DATUM_TEXT ? KEYS_TEXT :
			       KEYS_BYTES))
			return key_mismatch(t, want == SQL_DATUM_TEXT ?
					    "a non-text" : "a non-bytes",
					    start, e);
		/* Unescape the payload (0x00 0xff is 0x00) into a. */
		buf = arena_alloc(a, v.u.s.n + 1);
		if (buf == NULL)
			return sqlerr_nomem(e);
		for (i = start + 1, w = 0; i < next - 2; i++) {
			buf[w++] = (char)key[i];
			if (key[i] == 0)
				i++;
		}
		if (want == SQL_DATUM_TEXT &&
		    sqlval_utf8_check(buf, w, 0, &ve) != 0)
			return key_mismatch(t, "text that is not UTF-8", start,
					    e);
		out->kind = want;
		out->s.p = buf;
		out->s.n = w;
		break;
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "cannot decode a "
				  "key column of this type");
	}
	*off = next;
	return 0;
}

/* ---- varints ------------------------------------------------------------ */

static size_t put_uvarint(uint8_t *p, u128 v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static u128 zigzag(__int128 v)
{
	return v < 0 ? ((~(u128)v) << 1) | 1 : (u128)v << 1;
}

static __int128 unzigzag(u128 u)
{
	return (u & 1) ? -(__int128)(u >> 1) - 1 : (__int128)(u >> 1);
}

/*
 * Read a shortest-form uvarint of at most `bits` bits at p[*off..n).
 * 0, or -1 with a message in why.
 */
static int get_uvarint(const uint8_t *p, size_t n, size_t *off, int bits,
		       u128 *out, const char **why)
{
	size_t i = *off;
	int shift = 0;
	u128 v = 0;
	uint8_t c;

	for (;;) {
		if (i >= n) {
			*why = "truncated varint";
			return -1;
		}
		c = p[i++];
		if (shift >= bits || (shift > 0 && bits - shift < 7 &&
				      (c & 0x7f) >> (bits - shift) != 0)) {
			*why = "varint too large";
			return -1;
		}
		v |= (u128)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
	}
	if (c == 0 && i - *off > 1) {
		*why = "varint not in shortest form";
		return -1;
	}
	*off = i;
	*out = v;
	return 0;
}

/* ---- row values --------------------------------------------------------- */

enum {
	TAG_FALSE = 1, TAG_TRUE, TAG_INT, TAG_FLOAT, TAG_DECIMAL, TAG_TEXT,
	TAG_BYTES, TAG_TIMESTAMP, TAG_DATE
};

/* Worst case of one column: header 6 + decimal 1 + 19, or a string's 10. */
#define COL_MAX 32

int sqlenc_row_append(struct keys_buf *b, const uint32_t *ids,
		      const struct sql_datum *vals, size_t n,
		      struct sqlerr *e)
{
	size_t save = b->len, i, w;
	int64_t prev = -1;
	uint8_t tmp[COL_MAX], ver = SQLENC_ROW_VERSION;
	uint64_t bits;
	struct err ke;
	int tag;

	if (keys_buf_append(b, &ver, 1, &ke) != RC_OK)
		return sqlerr_nomem(e);
	for (i = 0; i < n; i++) {
		if (i > 0 && ids[i] <= ids[i - 1]) {
			b->len = save;
			return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "row "
					  "columns must come in increasing id "
					  "order (id %u after %u)", ids[i],
					  ids[i - 1]);
		}
		if (vals[i].kind == SQL_DATUM_NULL)
			continue;
		switch (vals[i].kind) {
		case SQL_DATUM_BOOL:
			tag = vals[i].b ? TAG_TRUE : TAG_FALSE;
			break;
		case SQL_DATUM_INT:
			tag = TAG_INT;
			break;
		case SQL_DATUM_FLOAT:
			tag = TAG_FLOAT;
			break;
		case SQL_DATUM_DECIMAL:
			tag = TAG_DECIMAL;
			break;
		case SQL_DATUM_TEXT:
			tag = TAG_TEXT;
			break;
		case SQL_DATUM_BYTES:
			tag = TAG_BYTES;
			break;
		case SQL_DATUM_TIMESTAMP:
			tag = TAG_TIMESTAMP;
			break;
		case SQL_DATUM_DATE:
			tag = TAG_DATE;
			break;
		default:
			b->len = save;
			return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "cannot "
					  "encode a datum of unknown kind %d",
					  (int)vals[i].kind);
		}
		w = put_uvarint(tmp, (u128)((uint64_t)((int64_t)ids[i] -
						       prev - 1) << 4 |
					    (uint64_t)tag));
		prev = ids[i];
		switch (tag) {
		case TAG_INT:
			w += put_uvarint(tmp + w, zigzag(vals[i].i));
			break;
		case TAG_TIMESTAMP:
			w += put_uvarint(tmp + w, zigzag(vals[i].ts));
			break;
		case TAG_DATE:
			w += put_uvarint(tmp + w, zigzag(vals[i].date));
			break;
		case TAG_FLOAT:
			memcpy(&bits, &vals[i].f, sizeof(bits));
			for (int k = 0; k < 8; k++)
				tmp[w++] = (uint8_t)(bits >> (56 - 8 * k));
			break;
		case TAG_DECIMAL:
			tmp[w++] = (uint8_t)vals[i].d.scale;
			w += put_uvarint(tmp + w, zigzag(vals[i].d.coef));
			break;
		case TAG_TEXT:
		case TAG_BYTES:
			w += put_uvarint(tmp + w, vals[i].s.n);
			break;
		default:
			break;
		}
		if (keys_buf_append(b, tmp, w, &ke) != RC_OK ||
		    ((tag == TAG_TEXT || tag == TAG_BYTES) &&
		     keys_buf_append(b, vals[i].s.p, vals[i].s.n, &ke) !=
		     RC_OK)) {
			b->len = save;
			return sqlerr_nomem(e);
		}
	}
	return 0;
}

static int corrupt(const char *why, size_t off, struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt row value: %s at "
			  "offset %zu", why, off);
}

int sqlenc_row_iter_init(struct sqlenc_row_iter *it, const uint8_t *p,
			 size_t n, struct sqlerr *e)
{
	if (n == 0 || p[0] != SQLENC_ROW_VERSION)
		return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt row "
				  "value: %s", n == 0 ? "empty" :
				  "unknown format version");
	it->p = p;
	it->n = n;
	it->off = 1;
	it->last = -1;
	return 0;
}

int sqlenc_row_iter_next(struct sqlenc_row_iter *it, bool *got,
			 uint32_t *id, struct sql_datum *out,
			 struct sqlerr *e)
{
	const uint8_t *p = it->p;
	size_t n = it->n, off = it->off, at = it->off;
	const char *why = NULL;
	u128 hdr, v, len;
	int64_t nid;
	uint64_t bits;
	__int128 c;
	int tag, k;

	if (off >= n) {
		*got = false;
		return 0;
	}
	if (get_uvarint(p, n, &off, 37, &hdr, &why) != 0)
		return corrupt(why, at, e);
	tag = (int)(hdr & 15);
	nid = it->last + 1 + (int64_t)(hdr >> 4);
	if (nid > UINT32_MAX)
		return corrupt("column id above 2^32", at, e);
	switch (tag) {
	case TAG_FALSE:
	case TAG_TRUE:
		*out = sqlval_bool(tag == TAG_TRUE);
		break;
	case TAG_INT:
	case TAG_TIMESTAMP:
	case TAG_DATE:
		if (get_uvarint(p, n, &off, 64, &v, &why) != 0)
			return corrupt(why, at, e);
		c = unzigzag(v);
		if (tag == TAG_INT) {
			*out = sqlval_int((int64_t)c);
		} else if (tag == TAG_TIMESTAMP) {
			*out = sqlval_timestamp((int64_t)c);
		} else {
			if (c < SQLVAL_DATE_MIN || c > SQLVAL_DATE_MAX)
				return corrupt("date out of range", at, e);
			*out = sqlval_date((int32_t)c);
		}
		break;
	case TAG_FLOAT:
		if (n - off < 8)
			return corrupt("truncated float", at, e);
		bits = 0;
		for (k = 0; k < 8; k++)
			bits = bits << 8 | p[off++];
		out->kind = SQL_DATUM_FLOAT;
		memcpy(&out->f, &bits, sizeof(bits));
		break;
	case TAG_DECIMAL:
		if (off >= n)
			return corrupt("truncated decimal", at, e);
		out->kind = SQL_DATUM_DECIMAL;
		out->d.scale = p[off++];
		if (get_uvarint(p, n, &off, 128, &v, &why) != 0)
			return corrupt(why, at, e);
		out->d.coef = unzigzag(v);
		if (!sqldec_valid(&out->d))
			return corrupt("decimal out of range", at, e);
		break;
	case TAG_TEXT:
	case TAG_BYTES:
		if (get_uvarint(p, n, &off, 64, &len, &why) != 0)
			return corrupt(why, at, e);
		if (len > n - off)
			return corrupt("string longer than the value", at, e);
		out->kind = tag == TAG_TEXT ? SQL_DATUM_TEXT : SQL_DATUM_BYTES;
		out->s.p = (const char *)p + off;
		out->s.n = (size_t)len;
		off += (size_t)len;
		if (tag == TAG_TEXT &&
		    sqlval_utf8_check(out->s.p, out->s.n, 0, NULL) != 0)
			return corrupt("text that is not UTF-8", at, e);
		break;
	default:
		return corrupt("unknown tag", at, e);
	}
	it->off = off;
	it->last = nid;
	*id = (uint32_t)nid;
	*got = true;
	return 0;
}

/* Does a stored datum kind fit a column of type t? */
static bool fits_type(const struct sql_datum *d, const struct sql_type *t)
{
	if (d->kind != sqlval_type_datum_kind(t))
		return false;
	switch (t->kind) {
	case SQL_TYPE_INT2:
		return d->i >= INT16_MIN && d->i <= INT16_MAX;
	case SQL_TYPE_INT4:
		return d->i >= INT32_MIN && d->i <= INT32_MAX;
	default:
		return true;
	}
}

static int misfit(uint32_t id, const struct sql_type *t, size_t at,
		  struct sqlerr *e)
{
	char tn[SQLVAL_TYPE_NAME_MAX];

	return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt row value: "
			  "column %u of type %s holds a value that does not "
			  "fit at offset %zu", id,
			  sqlval_type_name(t, tn, sizeof(tn)), at);
}

int sqlenc_row_decode(const uint8_t *p, size_t n, const uint32_t *ids,
		      const struct sql_type *types, size_t ncols,
		      struct arena *a, struct sql_datum *out,
		      struct sqlerr *e)
{
	struct sqlenc_row_iter it = { 0 };
	struct sql_datum d;
	size_t i, at;
	uint32_t id;
	bool got;

	for (i = 0; i < ncols; i++)
		out[i] = sqlval_null();
	if (sqlenc_row_iter_init(&it, p, n, e) != 0)
		return -1;
	for (;;) {
		at = it.off;
		if (sqlenc_row_iter_next(&it, &got, &id, &d, e) != 0)
			return -1;
		if (!got)
			return 0;
		for (i = 0; i < ncols; i++) {
			if (ids[i] != id)
				continue;
			if (!fits_type(&d, &types[i]))
				return misfit(id, &types[i], at, e);
			if (a != NULL && sqlval_copy(&d, a, &out[i], e) != 0)
				return -1;
			if (a == NULL)
				out[i] = d;
		}
	}
}
