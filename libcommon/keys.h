/*
 * keys.h -- order-preserving key encoding for the ordered byte keyspace.
 *
 * SQL rows become keys /table_id/index_id/pk cols... whose byte order
 * (memcmp, shorter first on a tie) is the order of the values, so a range
 * scan over values is a range scan over bytes.  Guarantees:
 *   - memcmp-order(encode(a), encode(b)) == keys_val_cmp(a, b), for single
 *     values and for tuples (keys_tuple_cmp);
 *   - every value has exactly one encoding and the decoder accepts only that
 *     one, so encode(decode(k)) == k for every k that decodes;
 *   - the decoder never reads outside [key, key + n) and reports malformed
 *     input as RC_CORRUPT with the offset of the problem;
 *   - keys_pretty() never fails and never overflows; keys_parse_pretty()
 *     turns its output back into exactly the same bytes, for ANY key.
 * Tested in t/unit/keys_test.c (tables of edge cases and seeded property
 * tests over random values, tuples and raw byte strings).
 *
 * ---- Format ---------------------------------------------------------------
 *
 * A full key is an optional keyspace prefix byte followed by a tuple.  The
 * prefixes sort below every tag, so all /meta keys sort before all /sys keys,
 * which sort before all table data:
 *	0x01 KEYS_PREFIX_META	range descriptors	printed /meta
 *	0x02 KEYS_PREFIX_SYS	node registry etc.	printed /sys
 *	0x03 KEYS_PREFIX_TABLE	SQL rows and indexes	printed /t
 *	0x04			reserved (unused)
 * A tuple is the concatenation of its elements, so a tuple that is a prefix
 * of another sorts first.  Each element starts with a one-byte tag; the tags
 * order the types NULL < false < true < INT < FLOAT < BYTES < TEXT < DECIMAL
 * (every INT sorts below every FLOAT: a column has one type, values are
 * never compared across types except by this rank):
 *	0x05 NULL	no payload
 *	0x06 false	no payload
 *	0x07 true	no payload
 *	0x08 INT	8 bytes: two's complement big-endian, sign bit flipped
 *	0x09 FLOAT	8 bytes: IEEE 754 binary64 bits big-endian; negative
 *			numbers have all bits inverted, others the sign bit
 *			flipped
 *	0x0a BYTES	payload with 0x00 escaped as 0x00 0xff, then 0x00 0x01
 *	0x0b TEXT	same as BYTES
 *	0x0c DECIMAL	exact decimal coef * 10^exp, see below
 * The string terminator 0x00 0x01 sorts below any continuation (an escaped
 * 0x00 is 0x00 0xff, any other byte is >= 0x01), so "ab" < "ab\0" < "abc".
 * TEXT is not required to be valid UTF-8: it is stored and compared as
 * bytes, exactly like BYTES (only the tag and the printed form differ).
 *
 * Float rules (SQL and PostgreSQL semantics):
 *   - -0.0 equals +0.0.  It is encoded as +0.0, so decoding gives +0.0.
 *   - NaN equals NaN and sorts above +Infinity.  Every NaN (any sign, any
 *     payload) is encoded as the one canonical quiet NaN, bits
 *     0x7ff8000000000000, which is what decoding returns.
 *   - Encodings of -0.0 or of any other NaN are rejected by the decoder as
 *     non-canonical (RC_CORRUPT).
 *
 * Decimal rules.  A DECIMAL value is coef * 10^exp with coef an __int128
 * (so at most 39 digits) and exp an int32.  The encoding depends only on the
 * value, so 1.5, 1.50 (coef 150, exp -2) and 15e-1 encode identically, and
 * decoding returns the normalized form: coef without trailing zero digits
 * (0 is coef 0, exp 0).  The normalized exp must lie within
 * +-KEYS_DECIMAL_EXP_MAX, else the encoder fails with RC_BAD_INPUT.  With
 * the digits d1 d2 ... dk of |coef| (d1 != 0, dk != 0) and the adjusted
 * exponent A = exp + k (the value is 0.d1d2...dk * 10^A), the payload is
 *	0x02				zero
 *	0x03 A' M 0x00			positive
 *	0x01 ~A' ~M 0xff		negative (every byte inverted)
 * where A' is A + 0x8000 as 2 bytes big-endian and M packs the digits two
 * per byte, byte = 1 + 10 * d(2i-1) + d(2i) (1..100; an odd count is padded
 * with a 0 digit).  Positive values sort by A, then by digits, a shorter
 * digit string first (0.1 < 0.12 < 0.2); negative ones the other way round.
 * The decoder rejects every other form: padding or trailing zero digits, a
 * leading zero digit, bytes above 100, a coef that does not fit __int128,
 * an exponent out of range.
 *
 * ---- Printed form ---------------------------------------------------------
 *
 *	/t/53/1/"alice"/42		table 53, index 1, ("alice", 42)
 *	/meta/x'03f0'/NULL/true/false	bytes as hex, NULL, booleans
 *	/1.5/-2.0/1e+300/NaN/+Inf/-Inf	floats always show '.', 'e' or a name
 *	/1.5d/-30d/0d/1.2e-40d		decimals end in 'd', digits normalized
 *	/t/53/PrefixEnd			keys_prefix_end() of /t/53
 *	/				the empty key
 *	"\x04\x00\xff"			not a valid encoding: the raw bytes
 * Floats use the shortest form that reads back to the same double.  Text is
 * in double quotes; '"' and '\' are escaped as \" and \\, control
 * characters, DEL and bytes that are not part of valid printable UTF-8 as
 * \xNN; printable UTF-8 is kept as is.  keys_parse_pretty() also accepts
 * \n, \r, \t and upper-case hex digits.
 */
#ifndef RANGEDB_KEYS_H
#define RANGEDB_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Keyspace prefixes: the first byte of a full key. */
#define KEYS_PREFIX_META	0x01
#define KEYS_PREFIX_SYS		0x02
#define KEYS_PREFIX_TABLE	0x03

/* Element tags (see the format above). */
#define KEYS_TAG_NULL		0x05
#define KEYS_TAG_FALSE		0x06
#define KEYS_TAG_TRUE		0x07
#define KEYS_TAG_INT		0x08
#define KEYS_TAG_FLOAT		0x09
#define KEYS_TAG_BYTES		0x0a
#define KEYS_TAG_TEXT		0x0b
#define KEYS_TAG_DECIMAL	0x0c

/* Largest |exp| of a normalized decimal (see the format above). */
#define KEYS_DECIMAL_EXP_MAX	16384

/* Listed in sort order. */
enum keys_type {
	KEYS_NULL = 0,
	KEYS_BOOL,
	KEYS_INT,
	KEYS_FLOAT,
	KEYS_BYTES,
	KEYS_TEXT,
	KEYS_DECIMAL
};

/*
 * One value.  For BYTES and TEXT, s.p/s.n is borrowed: the struct never owns
 * memory (see keys_decode_next() for where decoded strings live).  A
 * DECIMAL is d.coef * 10^d.exp (any coef/exp may be encoded as long as the
 * normalized exp fits; decoded ones are normalized).
 */
struct keys_val {
	enum keys_type type;
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			const uint8_t *p;
			size_t n;
		} s;
		struct {
			__int128 coef;
			int32_t exp;
		} d;
	} u;
};

/* Value constructors, handy in tables and tests. */
static inline struct keys_val keys_null(void)
{
	struct keys_val v = { .type = KEYS_NULL };
	return v;
}

static inline struct keys_val keys_bool(bool b)
{
	struct keys_val v = { .type = KEYS_BOOL, .u.b = b };
	return v;
}

static inline struct keys_val keys_int(int64_t i)
{
	struct keys_val v = { .type = KEYS_INT, .u.i = i };
	return v;
}

static inline struct keys_val keys_float(double f)
{
	struct keys_val v = { .type = KEYS_FLOAT, .u.f = f };
	return v;
}

static inline struct keys_val keys_bytes(const void *p, size_t n)
{
	struct keys_val v = { .type = KEYS_BYTES };
	v.u.s.p = p;
	v.u.s.n = n;
	return v;
}

static inline struct keys_val keys_text(const char *p, size_t n)
{
	struct keys_val v = { .type = KEYS_TEXT };
	v.u.s.p = (const uint8_t *)p;
	v.u.s.n = n;
	return v;
}

static inline struct keys_val keys_decimal(__int128 coef, int32_t exp)
{
	struct keys_val v = { .type = KEYS_DECIMAL };
	v.u.d.coef = coef;
	v.u.d.exp = exp;
	return v;
}

/* ---- Growable output buffer -------------------------------------------- */

/*
 * Encoders append to a struct keys_buf.  p is NULL until the first append;
 * p[0..len) is the key.  Growth is checked: an append that cannot grow the
 * buffer returns RC_NOMEM and leaves p/len exactly as they were, and no
 * encoder ever leaves half an element behind.
 */
struct keys_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

/* Empty buffer; allocates nothing. */
void keys_buf_init(struct keys_buf *b);
/* Free the memory and go back to the keys_buf_init() state. */
void keys_buf_release(struct keys_buf *b);
/* Forget the contents (len = 0) and keep the memory for reuse. */
void keys_buf_reset(struct keys_buf *b);
/* Make room for `more` further bytes: RC_OK or RC_NOMEM. */
int keys_buf_reserve(struct keys_buf *b, size_t more, struct err *e);
/* Append raw bytes (no encoding): RC_OK or RC_NOMEM. */
int keys_buf_append(struct keys_buf *b, const void *p, size_t n,
		    struct err *e);

/* ---- Encoding (all append to b; RC_OK, RC_NOMEM or RC_BAD_INPUT) -------- */

int keys_encode_null(struct keys_buf *b, struct err *e);
int keys_encode_bool(struct keys_buf *b, bool v, struct err *e);
int keys_encode_int(struct keys_buf *b, int64_t v, struct err *e);
/* -0.0 is written as +0.0 and every NaN as the canonical NaN. */
int keys_encode_float(struct keys_buf *b, double v, struct err *e);
int keys_encode_bytes(struct keys_buf *b, const void *p, size_t n,
		      struct err *e);
int keys_encode_text(struct keys_buf *b, const char *p, size_t n,
		     struct err *e);
/*
 * coef * 10^exp, normalized first; RC_BAD_INPUT when the normalized exp is
 * beyond +-KEYS_DECIMAL_EXP_MAX.
 */
int keys_encode_decimal(struct keys_buf *b, __int128 coef, int32_t exp,
			struct err *e);
/* Any value; RC_BAD_INPUT for an unknown type. */
int keys_encode_val(struct keys_buf *b, const struct keys_val *v,
		    struct err *e);
/* The elements of v[0..n) in order; on error nothing is appended. */
int keys_encode_tuple(struct keys_buf *b, const struct keys_val *v, size_t n,
		      struct err *e);
/* One prefix byte; RC_BAD_INPUT unless it is a KEYS_PREFIX_*. */
int keys_encode_prefix(struct keys_buf *b, int prefix, struct err *e);
/* prefix + tuple: a full key.  On error nothing is appended. */
int keys_encode_key(struct keys_buf *b, int prefix, const struct keys_val *v,
		    size_t n, struct err *e);
/* /t/table_id/index_id/cols...: the key of a row or index entry. */
int keys_encode_table_key(struct keys_buf *b, int64_t table_id,
			  int64_t index_id, const struct keys_val *cols,
			  size_t ncols, struct err *e);

/* ---- Decoding ---------------------------------------------------------- */

/* The KEYS_PREFIX_* that key starts with, or 0 if none. */
int keys_key_prefix(const uint8_t *key, size_t n);

/*
 * Decode the element at key[*off] into *out and advance *off past it.  The
 * caller loops while *off < n, starting at 0 for a bare tuple or at 1 after
 * a prefix (keys_key_prefix()).  Errors:
 *   RC_BAD_INPUT  *off >= n (nothing left to decode)
 *   RC_CORRUPT    malformed element: unknown tag, truncated number, missing
 *                 string terminator, bad escape, non-canonical float or
 *                 decimal;
 *                 *off and *out are left unchanged
 *
 * Strings: BYTES and TEXT are unescaped into scratch, which must be NULL or
 * hold at least n bytes (the length of the whole key), e.g. malloc(n) or a
 * stack array.  The element that starts at key offset o is written within
 * scratch[o .. o + its encoded length), so the strings of all elements of
 * one key stay valid together for as long as the caller keeps scratch, and
 * each is followed by a NUL byte (not counted in s.n; TEXT may itself
 * contain NULs).  With scratch == NULL, the element is only checked and
 * measured: out->u.s.n is the unescaped length and out->u.s.p is NULL.
 */
int keys_decode_next(const uint8_t *key, size_t n, size_t *off,
		     struct keys_val *out, uint8_t *scratch, struct err *e);

/*
 * Decode a whole key: *prefix gets keys_key_prefix(), vals[0..*nvals) the
 * elements (strings in scratch, as for keys_decode_next(); scratch must be
 * NULL or hold n bytes).  RC_BAD_INPUT if there are more than max elements.
 */
int keys_decode_key(const uint8_t *key, size_t n, int *prefix,
		    struct keys_val *vals, size_t max, size_t *nvals,
		    uint8_t *scratch, struct err *e);

/* ---- Order ------------------------------------------------------------- */

/*
 * <0, 0 or >0 as a sorts before, with or after b: by type (NULL < false <
 * true < INT < FLOAT < BYTES < TEXT < DECIMAL), then by value; -0.0 ==
 * +0.0, NaN == NaN > +Inf; strings by memcmp, a prefix first; decimals by
 * exact value (1.5 == 1.50).  This is exactly the order
 * of the encodings.  A value of an unknown type sorts after everything.
 */
int keys_val_cmp(const struct keys_val *a, const struct keys_val *b);
/* Element by element; a tuple that is a prefix of the other sorts first. */
int keys_tuple_cmp(const struct keys_val *a, size_t na,
		   const struct keys_val *b, size_t nb);
/* memcmp order of byte strings, a prefix first (the order of the store). */
int keys_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);

/*
 * Replace b's contents with the smallest key greater than every key that
 * starts with key[0..n): trailing 0xff bytes dropped, then the last byte
 * incremented.  When no such key exists (key is empty or all 0xff), b is
 * left empty, which as a range end means "no upper bound".  key may be
 * b->p itself (computed in place) but not point elsewhere into b.  RC_OK or
 * RC_NOMEM.
 */
int keys_prefix_end(const uint8_t *key, size_t n, struct keys_buf *b,
		    struct err *e);

/* ---- Printing and parsing ---------------------------------------------- */

/*
 * Write the printed form of key (see the top of this file) to buf, always
 * NUL-terminated when cap > 0.  Returns the length of the full printed form
 * (without the NUL), like snprintf: if that is >= cap, the output was cut
 * and ends in "..." (never in the middle of a UTF-8 character).  Never
 * fails; anything that is not a valid encoding is printed as its raw bytes.
 */
size_t keys_pretty(const uint8_t *key, size_t n, char *buf, size_t cap);
/* Same, into a new string the caller frees; NULL only when out of memory. */
char *keys_pretty_alloc(const uint8_t *key, size_t n);
/* One value as it appears in a printed key (42, "alice", NaN...). */
size_t keys_pretty_val(const struct keys_val *v, char *buf, size_t cap);

/*
 * Parse a printed key (keys_pretty() output, e.g. from a command line) and
 * append its bytes to b.  For every byte string k,
 * keys_parse_pretty(keys_pretty(k)) gives back exactly k.  RC_BAD_INPUT,
 * with the offending offset in the message, for anything else; on error
 * nothing is appended.
 */
int keys_parse_pretty(const char *s, struct keys_buf *b, struct err *e);

#endif
