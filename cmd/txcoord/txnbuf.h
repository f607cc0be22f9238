/*
 * txnbuf.h -- a transaction's write buffer and read set, kept in txcoord
 * memory until commit.
 *
 * struct txnbuf is a sorted map key -> value | tombstone: the writes a
 * transaction buffered.  Keys are ordered as the store orders them
 * (memcmp, a prefix first: keys_cmp), so the entries of one range are
 * consecutive and a scan merges them in one pass.  A second write of a key
 * replaces the first.
 *
 * struct txnspans is the read set: spans [start, end), an empty end
 * meaning +infinity; a point read of k is the span [k, k "\0").
 * txnspans_normalize() sorts the spans and merges those that overlap or
 * touch, leaving the fewest disjoint spans that cover exactly the same
 * keys.  txnspans_add() normalizes on its own when the list doubles, so
 * rereading a key does not grow it without bound.
 *
 * Guarantees: everything given is copied; a failed call (RC_NOMEM,
 * RC_TOO_LARGE past TXNBUF_MAX_KEYS / TXNBUF_MAX_BYTES / TXNSPANS_MAX)
 * leaves the structure as it was.  Values are stored NUL-terminated (the
 * NUL not counted in vlen).  Not thread-safe (a transaction is used by
 * one request at a time).  Tested in t/unit/txnbuf_test.c.
 */
#ifndef RANGEDB_TXCOORD_TXNBUF_H
#define RANGEDB_TXCOORD_TXNBUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TXNBUF_MAX_KEYS		100000		/* distinct keys written */
#define TXNBUF_MAX_BYTES	(64u << 20)	/* keys + values buffered */
#define TXNSPANS_MAX		100000		/* disjoint read spans */

/* ---- the write buffer --------------------------------------------------- */

struct txnbuf_ent {
	unsigned char *key;
	size_t klen;
	unsigned char *val;	/* NULL for a tombstone */
	size_t vlen;
	int tombstone;		/* 1: a delete */
	/*
	 * 1: an increment evaluated by the range (txnbuf_put_incr): no
	 * value here; *out receives the value the range wrote.
	 */
	int incr;
	int64_t by;
	int64_t *out;
};

struct txnbuf {
	struct txnbuf_ent *v;	/* v[0..n) in key order */
	size_t n, cap;
	size_t bytes;		/* sum of klen + vlen */
};

void txnbuf_init(struct txnbuf *b);
void txnbuf_release(struct txnbuf *b);	/* frees, back to the init state */

/* Buffer a put (tombstone 0) or a delete (tombstone 1, val ignored). */
int txnbuf_put(struct txnbuf *b, const void *key, size_t klen,
	       const void *val, size_t vlen, int tombstone, struct err *e);

/* The entry of key, or NULL. */
const struct txnbuf_ent *txnbuf_get(const struct txnbuf *b, const void *key,
				    size_t klen);
/* Buffer an increment by `by` of key (replacing any write of it). */
int txnbuf_put_incr(struct txnbuf *b, const void *key, size_t klen,
		    int64_t by, int64_t *out, struct err *e);

/* Index of the first entry whose key is >= key (b->n if none). */
size_t txnbuf_seek(const struct txnbuf *b, const void *key, size_t klen);

/* ---- the read set ------------------------------------------------------- */

struct txnspan {
	unsigned char *start;
	size_t slen;
	unsigned char *end;	/* NULL when elen == 0 (+infinity) */
	size_t elen;
};

struct txnspans {
	struct txnspan *v;
	size_t n, cap;
	size_t normalized;	/* n after the last normalization */
};

void txnspans_init(struct txnspans *s);
void txnspans_release(struct txnspans *s);

/* Add [start, end) (elen 0: to +infinity); an empty span is ignored. */
int txnspans_add(struct txnspans *s, const void *start, size_t slen,
		 const void *end, size_t elen, struct err *e);

/* Add the point key: [key, key "\0"). */
int txnspans_add_key(struct txnspans *s, const void *key, size_t klen,
		     struct err *e);

/* Sort and merge overlapping or touching spans (never fails). */
void txnspans_normalize(struct txnspans *s);

/* 1 if sp is exactly one point key ([k, k "\0")). */
int txnspan_is_point(const struct txnspan *sp);

/* keys_cmp of two span ends, where an empty end is +infinity. */
int txnspan_end_cmp(const void *a, size_t alen, const void *b, size_t blen);

#endif
