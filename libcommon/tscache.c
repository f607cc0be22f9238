/*
 * tscache.c -- a range leader's timestamp cache (see tscache.h).
 *
 * Point keys: a power-of-two array of uint64 buckets indexed by a 64-bit
 * hash of the key (FNV-1a with a murmur3 finalizer); a bucket holds the
 * max ts of every key hashed to it, so a get can only err upwards.
 * key_max is the max over all buckets (what a span query must assume for
 * the point keys it cannot enumerate).
 *
 * Spans: an unordered array of at most max_spans [start, end) copies.  An
 * add drops itself when an existing span covers it at a ts as high, and
 * removes the spans it covers at a ts as low; when the array is full, the
 * lowest-ts span (the new one included) is evicted and its ts raises the
 * low water, which every get answers at least.  span_max is an upper bound
 * of the spans' ts (never lowered before a reset), so a get whose answer
 * is already at span_max skips the array.
 *
 * Tested in t/unit/tscache_test.c.
 */
#include "tscache.h"

#include <stdlib.h>
#include <string.h>

struct tscache_span {
	unsigned char *start;	/* one allocation: start bytes, end bytes */
	size_t slen;
	unsigned char *end;	/* points into start's allocation */
	size_t elen;		/* 0: +infinity */
	uint64_t ts;
};

struct tscache {
	uint64_t *bucket;
	uint64_t *owner;	/* who read at bucket[i] (0: none/several) */
	size_t mask;		/* buckets - 1 */
	struct tscache_span *span;
	size_t nspan, maxspan;
	uint64_t low;		/* low water */
	uint64_t key_max;	/* max ts of any point key */
	uint64_t span_max;	/* >= every span's ts */
};

static uint64_t tsc_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t tsc_hash(const unsigned char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= k[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Bytewise comparison, a prefix first. */
static int tsc_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Compare two end bounds, elen 0 meaning +infinity. */
static int tsc_cmp_end(const void *a, size_t alen, const void *b,
		       size_t blen)
{
	if (alen == 0 || blen == 0)
		return (alen == 0) - (blen == 0);
	return tsc_cmp(a, alen, b, blen);
}

/* Is [s, e) empty (e not +infinity and s >= e)? */
static int tsc_empty(const void *s, size_t slen, const void *e, size_t elen)
{
	return elen != 0 && tsc_cmp(s, slen, e, elen) >= 0;
}

/* Does span x cover [s, e)? */
static int tsc_covers(const struct tscache_span *x, const void *s,
		      size_t slen, const void *e, size_t elen)
{
	return tsc_cmp(x->start, x->slen, s, slen) <= 0 &&
	       tsc_cmp_end(e, elen, x->end, x->elen) <= 0;
}

/* Is [s, e) (nonempty) covered by it? */
static int tsc_within(const void *s, size_t slen, const void *e, size_t elen,
		      const struct tscache_span *x)
{
	return tsc_cmp(s, slen, x->start, x->slen) <= 0 &&
	       tsc_cmp_end(x->end, x->elen, e, elen) <= 0;
}

/* Does span x overlap the nonempty [s, e)? */
static int tsc_overlaps(const struct tscache_span *x, const void *s,
			size_t slen, const void *e, size_t elen)
{
	/* x.start < e  and  s < x.end */
	return (elen == 0 || tsc_cmp(x->start, x->slen, e, elen) < 0) &&
	       (x->elen == 0 || tsc_cmp(s, slen, x->end, x->elen) < 0);
}

/* Does span x contain key k? */
static int tsc_contains(const struct tscache_span *x, const void *k,
			size_t klen)
{
	return tsc_cmp(x->start, x->slen, k, klen) <= 0 &&
	       (x->elen == 0 || tsc_cmp(k, klen, x->end, x->elen) < 0);
}

static void tsc_raise_low(struct tscache *c, uint64_t ts)
{
	if (ts > c->low)
		c->low = ts;
}

/* ---- life cycle ------------------------------------------------------- */

int tscache_new(struct tscache **out, size_t buckets, size_t max_spans,
		struct err *e)
{
	struct tscache *c;
	size_t n = 1;

	if (out == NULL)
		return err_set(e, RC_BAD_INPUT, "tscache_new: no result");
	if (buckets < 1 || buckets > TSCACHE_BUCKETS_MAX)
		return err_set(e, RC_BAD_INPUT, "timestamp cache buckets %zu "
			       "out of range 1..%u", buckets,
			       TSCACHE_BUCKETS_MAX);
	if (max_spans > TSCACHE_SPANS_MAX)
		return err_set(e, RC_BAD_INPUT, "timestamp cache spans %zu "
			       "out of range 0..%u", max_spans,
			       TSCACHE_SPANS_MAX);
	while (n < buckets)
		n <<= 1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, RC_NOMEM, "cannot make a timestamp cache: "
			       "out of memory");
	c->bucket = calloc(n, sizeof(*c->bucket));
	c->owner = calloc(n, sizeof(*c->owner));
	c->span = calloc(max_spans ? max_spans : 1, sizeof(*c->span));
	if (c->bucket == NULL || c->owner == NULL || c->span == NULL) {
		free(c->owner);
		free(c->bucket);
		free(c->span);
		free(c);
		return err_set(e, RC_NOMEM, "cannot make a timestamp cache of "
			       "%zu buckets: out of memory", n);
	}
	c->mask = n - 1;
	c->maxspan = max_spans;
	*out = c;
	return RC_OK;
}

static void tsc_spans_clear(struct tscache *c)
{
	size_t i;

	for (i = 0; i < c->nspan; i++)
		free(c->span[i].start);
	c->nspan = 0;
	c->span_max = 0;
}

void tscache_free(struct tscache *c)
{
	if (c == NULL)
		return;
	tsc_spans_clear(c);
	free(c->span);
	free(c->bucket);
	free(c->owner);
	free(c);
}

void tscache_reset(struct tscache *c, uint64_t low_water)
{
	memset(c->bucket, 0, (c->mask + 1) * sizeof(*c->bucket));
	memset(c->owner, 0, (c->mask + 1) * sizeof(*c->owner));
	tsc_spans_clear(c);
	c->key_max = 0;
	c->low = low_water;
}

uint64_t tscache_low_water(const struct tscache *c)
{
	return c->low;
}

/* The highest ts the cache knows (the answer to misuse). */
static uint64_t tsc_top(const struct tscache *c)
{
	return tsc_max(c->low, tsc_max(c->key_max, c->span_max));
}

/* ---- keys ------------------------------------------------------------- */

void tscache_add_key(struct tscache *c, const void *key, size_t klen,
		     uint64_t ts)
{
	tscache_add_key_owner(c, key, klen, ts, 0);
}

void tscache_add_key_owner(struct tscache *c, const void *key, size_t klen,
			   uint64_t ts, uint64_t owner)
{
	size_t i;

	if (ts <= c->low)
		return;
	if (key == NULL && klen != 0) {
		tsc_raise_low(c, ts);
		return;
	}
	i = tsc_hash(key, klen) & c->mask;
	if (ts > c->bucket[i]) {
		c->bucket[i] = ts;
		c->owner[i] = owner;
	} else if (ts == c->bucket[i] && c->owner[i] != owner) {
		c->owner[i] = 0;	/* several readers at that ts */
	}
	if (ts > c->key_max)
		c->key_max = ts;
}

uint64_t tscache_get_key_owner(const struct tscache *c, const void *key,
			       size_t klen, uint64_t owner, int *own)
{
	uint64_t r = tscache_get_key(c, key, klen);
	size_t i;

	*own = 0;
	if (owner == 0 || (key == NULL && klen != 0))
		return r;
	i = tsc_hash(key, klen) & c->mask;
	/* the answer is that bucket's, above the low water and every span
	 * (get_key takes the bucket unless something else is higher) */
	if (c->bucket[i] == r && r > c->low && c->owner[i] == owner) {
		int span_above = 0;

		if (c->span_max >= r)
			for (size_t k = 0; k < c->nspan; k++)
				if (c->span[k].ts >= r &&
				    tsc_contains(&c->span[k], key, klen))
					span_above = 1;
		*own = !span_above;
	}
	return r;
}

uint64_t tscache_get_key(const struct tscache *c, const void *key,
			 size_t klen)
{
	uint64_t r;
	size_t i;

	if (key == NULL && klen != 0)
		return tsc_top(c);
	r = tsc_max(c->low, c->bucket[tsc_hash(key, klen) & c->mask]);
	if (c->span_max <= r)
		return r;
	for (i = 0; i < c->nspan; i++) {
		const struct tscache_span *x = &c->span[i];

		if (x->ts > r && tsc_contains(x, key, klen))
			r = x->ts;
	}
	return r;
}

/* ---- spans ------------------------------------------------------------ */

void tscache_add_span(struct tscache *c, const void *start, size_t slen,
		      const void *end, size_t elen, uint64_t ts)
{
	struct tscache_span *x;
	size_t i, j, min;
	unsigned char *buf;

	if (ts <= c->low)
		return;
	if ((start == NULL && slen != 0) || (end == NULL && elen != 0)) {
		tsc_raise_low(c, ts);
		return;
	}
	if (tsc_empty(start, slen, end, elen))
		return;
	/* Already known at ts or above? */
	for (i = 0; i < c->nspan; i++)
		if (c->span[i].ts >= ts &&
		    tsc_covers(&c->span[i], start, slen, end, elen))
			return;
	/* Drop what the new span makes redundant. */
	for (i = j = 0; i < c->nspan; i++) {
		x = &c->span[i];
		if (x->ts <= ts &&
		    tsc_within(start, slen, end, elen, x)) {
			free(x->start);
			continue;
		}
		if (i != j)
			c->span[j] = *x;
		j++;
	}
	c->nspan = j;
	if (c->nspan == c->maxspan) {
		if (c->nspan == 0) {
			tsc_raise_low(c, ts);
			return;
		}
		for (i = 1, min = 0; i < c->nspan; i++)
			if (c->span[i].ts < c->span[min].ts)
				min = i;
		if (c->span[min].ts >= ts) {
			/* The new span is the lowest: fold it instead. */
			tsc_raise_low(c, ts);
			return;
		}
		tsc_raise_low(c, c->span[min].ts);
		free(c->span[min].start);
		c->span[min] = c->span[--c->nspan];
	}
	buf = malloc(slen + elen != 0 ? slen + elen : 1);
	if (buf == NULL) {
		tsc_raise_low(c, ts);
		return;
	}
	x = &c->span[c->nspan++];
	if (slen != 0)
		memcpy(buf, start, slen);
	if (elen != 0)
		memcpy(buf + slen, end, elen);
	x->start = buf;
	x->slen = slen;
	x->end = buf + slen;
	x->elen = elen;
	x->ts = ts;
	if (ts > c->span_max)
		c->span_max = ts;
}

uint64_t tscache_get_span(const struct tscache *c, const void *start,
			  size_t slen, const void *end, size_t elen)
{
	uint64_t r;
	size_t i;

	if ((start == NULL && slen != 0) || (end == NULL && elen != 0))
		return tsc_top(c);
	if (tsc_empty(start, slen, end, elen))
		return c->low;
	r = tsc_max(c->low, c->key_max);
	if (c->span_max <= r)
		return r;
	for (i = 0; i < c->nspan; i++) {
		const struct tscache_span *x = &c->span[i];

		if (x->ts > r && tsc_overlaps(x, start, slen, end, elen))
			r = x->ts;
	}
	return r;
}
