/*
 * tscache.h -- a range leader's timestamp cache: the highest timestamp at
 * which each key or span was read, so that no later write lands at or
 * below it (a write at a key gets ts > tscache_get_key(key)).
 *
 * Guarantee (the only one that matters): a get never returns less than
 * the highest ts added (since the last reset) for any key or span
 * overlapping the query, and never less than the low water.  It may
 * return more: point keys are hashed into a fixed number of buckets (a
 * bucket keeps the max of its keys), and when the span table is full the
 * span with the lowest ts is evicted and its ts raises the low water.
 *
 * Costs: key add/get O(key length) (one hash, one bucket); span add/get
 * O(max_spans) over a small array (identical spans merge).  Memory is
 * fixed at tscache_new(); adds never fail.
 *
 * In memory only and not thread-safe (raftd's loop thread owns it).  A new
 * leader starts with tscache_reset(c, now + 2 * max_offset).
 *
 * Tested in t/unit/tscache_test.c (randomized against a brute-force model).
 */
#ifndef RANGEDB_TSCACHE_H
#define RANGEDB_TSCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TSCACHE_BUCKETS_MAX	(1u << 24)	/* largest bucket count */
#define TSCACHE_SPANS_MAX	(1u << 16)	/* largest span count */

struct tscache;

/*
 * A cache with `buckets` key slots (1..TSCACHE_BUCKETS_MAX, rounded up to a
 * power of two) and room for max_spans spans (0..TSCACHE_SPANS_MAX; 0 folds
 * every span into the low water at once); the low water starts at 0.
 * Other sizes are RC_BAD_INPUT.  Spans copy their bounds (malloc'd at add;
 * an allocation failure folds the span into the low water, never loses
 * it).
 */
int tscache_new(struct tscache **out, size_t buckets, size_t max_spans,
		struct err *e);

/* Free the cache; NULL is a no-op. */
void tscache_free(struct tscache *c);

/* Forget everything; every get answers at least low_water from now on. */
void tscache_reset(struct tscache *c, uint64_t low_water);

/* The current low water. */
uint64_t tscache_low_water(const struct tscache *c);

/*
 * Record a read of key at ts.  (NULL with a nonzero length, in this and
 * the other calls, is misuse: adds fold ts into the low water, gets answer
 * the highest ts the cache knows.)
 */
void tscache_add_key(struct tscache *c, const void *key, size_t klen,
		     uint64_t ts);

/*
 * Record a read of [start, end) at ts (end NULL/empty: +infinity).  An
 * empty span (start >= end) records nothing.  A span already covered by
 * one at ts or above is dropped; spans covered by the new one at ts or
 * below are replaced by it (so identical spans merge).
 */
void tscache_add_span(struct tscache *c, const void *start, size_t slen,
		      const void *end, size_t elen, uint64_t ts);

/*
 * tscache_add_key, remembering who read: owner is a nonzero tag of the
 * reading transaction (0: anonymous).  Readers at the same ts under
 * different tags leave the bucket anonymous.
 */
void tscache_add_key_owner(struct tscache *c, const void *key, size_t klen,
			   uint64_t ts, uint64_t owner);

/*
 * tscache_get_key, and *own 1 when that answer is a read by owner alone
 * (its bucket's, above the low water and every span): a transaction may
 * then write at that ts -- the read it would be pushed above is its own.
 */
uint64_t tscache_get_key_owner(const struct tscache *c, const void *key,
			       size_t klen, uint64_t owner, int *own);

/* The highest read ts of key (an upper bound, see above). */
uint64_t tscache_get_key(const struct tscache *c, const void *key,
			 size_t klen);

/*
 * The highest read ts of any key in [start, end) (end NULL/empty: +inf).
 * Point keys are hashed and cannot be enumerated by range, so this is at
 * least the highest ts of every point key added since the reset, whatever
 * its key: meant for rare calls (splits, merges), not per-key checks.  An
 * empty span (start >= end) overlaps nothing: the low water.
 */
uint64_t tscache_get_span(const struct tscache *c, const void *start,
			  size_t slen, const void *end, size_t elen);

#endif
