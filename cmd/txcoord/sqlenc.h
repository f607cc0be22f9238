/*
 * sqlenc.h -- SQL values as bytes: order-preserving keys and row values.
 *
 * Keys.  sqlenc_key_append() encodes a datum with libcommon/keys.h so that
 * memcmp order of the encodings is sqlval_cmp() order of the values of one
 * column type, NULL first: INT, TIMESTAMP and DATE as KEYS_TAG_INT, FLOAT
 * as KEYS_TAG_FLOAT (-0 as 0, every NaN as one NaN, NaN above +Infinity),
 * DECIMAL as KEYS_TAG_DECIMAL (1.0 and 1.00 encode identically), TEXT
 * (also VARCHAR, CHAR) as KEYS_TAG_TEXT by bytes, BYTES as KEYS_TAG_BYTES,
 * BOOL as KEYS_TAG_FALSE/TRUE.  Keys are ascending only (a DESC index
 * column needs an inverted encoding keys.h does not have yet).  Decoding
 * needs the column type; a DECIMAL comes back with the column's scale, or
 * normalized (1.50 -> 1.5) for an unconstrained DECIMAL, and a FLOAT -0 as
 * 0: sqlenc_key_lossy() tells which types lose something, so that the
 * executor can also keep such primary-key columns in the row value (as
 * CockroachDB does for its "composite" key columns).
 *
 * Row values.  A row's non-key columns are one KV value:
 *	version byte 0x01, then for each non-NULL column, by increasing id:
 *	header   uvarint (delta << 4 | tag), delta = id - previous id - 1
 *		 (the previous id of the first column is -1)
 *	payload  by tag:
 *		 1 false, 2 true	nothing
 *		 3 INT			zigzag uvarint
 *		 4 FLOAT		8 bytes, IEEE 754 binary64 big-endian
 *		 5 DECIMAL		1 byte scale (0..38), zigzag
 *					uvarint of the 128-bit coefficient
 *		 6 TEXT			uvarint length, then the bytes
 *		 7 BYTES		uvarint length, then the bytes
 *		 8 TIMESTAMP		zigzag uvarint (microseconds)
 *		 9 DATE			zigzag uvarint (days)
 * uvarints are LEB128 (7 bits a byte, low first) in their shortest form.
 * NULL columns take no bytes, columns added to a table later are simply
 * absent from old rows (NULL), dropped columns are skipped by id.  The
 * decoder checks everything (version, tags, shortest varints, lengths
 * against the buffer, ids increasing and within 32 bits, UTF-8 of TEXT,
 * decimal limits, date range, that the tag fits the column type) and never
 * reads outside [p, p + n): corrupt input is XX001 "corrupt row value:
 * ...".
 * Tested in t/unit/sqlenc_test.c (order and round-trip properties over
 * random values, corrupt input of every kind).
 */
#ifndef RANGEDB_SQLENC_H
#define RANGEDB_SQLENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "keys.h"
#include "sqlerr.h"
#include "sqlval.h"

/* ---- keys --------------------------------------------------------------- */

/*
 * Append the key encoding of d (any kind, NULL included) to b.  On error
 * (out of memory) nothing is appended.
 */
int sqlenc_key_append(struct keys_buf *b, const struct sql_datum *d,
		      struct sqlerr *e);
/*
 * Decode the element at key[*off] as a value of column type t and advance
 * *off past it.  Strings are copied into a.  XX001 "corrupt key: ..." for
 * a malformed element or one whose tag does not fit t (an INT4 column
 * holding 2^40, TEXT that is not UTF-8, a DECIMAL with too many digits).
 */
int sqlenc_key_decode(const uint8_t *key, size_t n, size_t *off,
		      const struct sql_type *t, struct arena *a,
		      struct sql_datum *out, struct sqlerr *e);
/* True when decode(encode(x)) may differ from x in how it prints. */
bool sqlenc_key_lossy(const struct sql_type *t);

/* ---- row values --------------------------------------------------------- */

#define SQLENC_ROW_VERSION 1

/*
 * Append the row value of columns ids[0..n) holding vals[0..n) (NULL
 * values are skipped).  ids must be strictly increasing (XX000
 * otherwise).  On error nothing is appended.
 */
int sqlenc_row_append(struct keys_buf *b, const uint32_t *ids,
		      const struct sql_datum *vals, size_t n,
		      struct sqlerr *e);

/* Walks the columns of a row value without knowing the table. */
struct sqlenc_row_iter {
	const uint8_t *p;
	size_t n;
	size_t off;
	int64_t last;	/* id of the previous column, -1 at first */
};

/* Start at p[0..n): checks the version byte. */
int sqlenc_row_iter_init(struct sqlenc_row_iter *it, const uint8_t *p,
			 size_t n, struct sqlerr *e);
/*
 * The next stored column: *got is false at the end.  Strings point into
 * the row value itself.  The datum kind is the stored one (a column's
 * type is not known here).
 */
int sqlenc_row_iter_next(struct sqlenc_row_iter *it, bool *got,
			 uint32_t *id, struct sql_datum *out,
			 struct sqlerr *e);

/*
 * Decode the columns ids[0..ncols) of types[0..ncols) from a row value
 * into out[0..ncols) (NULL for absent ones; stored columns not asked for
 * are skipped).  ids may be in any order.  With a non-NULL arena, strings
 * are copied into it; with NULL they point into p.
 */
int sqlenc_row_decode(const uint8_t *p, size_t n, const uint32_t *ids,
		      const struct sql_type *types, size_t ncols,
		      struct arena *a, struct sql_datum *out,
		      struct sqlerr *e);

#endif
