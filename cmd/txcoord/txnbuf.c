/*
 * txnbuf.c -- a transaction's write buffer (sorted array, binary search)
 * and read set (span list, sorted and merged on demand).  See txnbuf.h;
 * tested in t/unit/txnbuf_test.c.
 */
#include "txnbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

/* ---- the write buffer --------------------------------------------------- */

void txnbuf_init(struct txnbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void txnbuf_release(struct txnbuf *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].key);
		free(b->v[i].val);
	}
	free(b->v);
	txnbuf_init(b);
}

size_t txnbuf_seek(const struct txnbuf *b, const void *key, size_t klen)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (keys_cmp(b->v[mid].key, b->v[mid].klen, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct txnbuf_ent *txnbuf_get(const struct txnbuf *b, const void *key,
				    size_t klen)
{
	size_t i = txnbuf_seek(b, key, klen);

	if (i < b->n && keys_cmp(b->v[i].key, b->v[i].klen, key, klen) == 0)
		return &b->v[i];
	return NULL;
}

/* malloc'd copy of p[0..n) plus a NUL; NULL when out of memory. */
static unsigned char *copy_bytes(const void *p, size_t n)
{
	unsigned char *q = malloc(n + 1);

	if (q == NULL)
		return NULL;
	if (n > 0)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

static int txnbuf_grow(struct txnbuf *b, struct err *e)
{
	struct txnbuf_ent *v;
	size_t cap;

	if (b->n < b->cap)
		return RC_OK;
	cap = b->cap ? b->cap * 2 : 16;
	v = realloc(b->v, cap * sizeof(*v));
	if (v == NULL)
		return err_set(e, RC_NOMEM, "out of memory buffering a write");
	b->v = v;
	b->cap = cap;
	return RC_OK;
}

int txnbuf_put(struct txnbuf *b, const void *key, size_t klen,
	       const void *val, size_t vlen, int tombstone, struct err *e)
{
	size_t i = txnbuf_seek(b, key, klen), old = 0;
	int found = i < b->n &&
		keys_cmp(b->v[i].key, b->v[i].klen, key, klen) == 0;
	unsigned char *nv = NULL, *nk = NULL;
	int rc;

	if (tombstone)
		vlen = 0;
	if (found)
		old = b->v[i].klen + b->v[i].vlen;
	if (!found && b->n >= TXNBUF_MAX_KEYS)
		return err_set(e, RC_TOO_LARGE, "transaction writes more than "
			       "%d keys", TXNBUF_MAX_KEYS);
	if (b->bytes - old + klen + vlen > TXNBUF_MAX_BYTES ||
	    klen + vlen < klen)
		return err_set(e, RC_TOO_LARGE, "transaction buffers more "
			       "than %u bytes of writes", TXNBUF_MAX_BYTES);
	if (!tombstone && (nv = copy_bytes(val, vlen)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory buffering a write");
	if (found) {
		free(b->v[i].val);
		b->v[i].val = nv;
		b->v[i].vlen = vlen;
		b->v[i].tombstone = tombstone != 0;
		b->v[i].incr = 0;
		b->v[i].out = NULL;
		b->bytes = b->bytes - old + klen + vlen;
		return RC_OK;
	}
	if ((rc = txnbuf_grow(b, e)) != RC_OK) {
		free(nv);
		return rc;
	}
	if ((nk = copy_bytes(key, klen)) == NULL) {
		free(nv);
		return err_set(e, RC_NOMEM, "out of memory buffering a write");
	}
	memmove(&b->v[i + 1], &b->v[i], (b->n - i) * sizeof(b->v[0]));
	b->v[i].key = nk;
	b->v[i].klen = klen;
	b->v[i].val = nv;
	b->v[i].vlen = vlen;
	b->v[i].tombstone = tombstone != 0;
	b->v[i].incr = 0;
	b->v[i].out = NULL;
	b->n++;
	b->bytes += klen + vlen;
	return RC_OK;
}

int txnbuf_put_incr(struct txnbuf *b, const void *key, size_t klen,
		    int64_t by, int64_t *out, struct err *e)
{
	int rc = txnbuf_put(b, key, klen, "", 0, 0, e);
	size_t i;

	if (rc != RC_OK)
		return rc;
	i = txnbuf_seek(b, key, klen);
	b->v[i].incr = 1;
	b->v[i].by = by;
	b->v[i].out = out;
	return RC_OK;
}

/* ---- the read set ------------------------------------------------------- */

void txnspans_init(struct txnspans *s)
{
	memset(s, 0, sizeof(*s));
}

void txnspans_release(struct txnspans *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].start);
		free(s->v[i].end);
	}
	free(s->v);
	txnspans_init(s);
}

int txnspan_end_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen == 0 || blen == 0)
		return (alen == 0) - (blen == 0);
	return keys_cmp(a, alen, b, blen);
}

int txnspan_is_point(const struct txnspan *sp)
{
	return sp->elen == sp->slen + 1 && sp->end[sp->slen] == 0 &&
		(sp->slen == 0 || memcmp(sp->start, sp->end, sp->slen) == 0);
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct txnspan *a = pa, *b = pb;
	int c = keys_cmp(a->start, a->slen, b->start, b->slen);

	return c != 0 ? c : txnspan_end_cmp(a->end, a->elen, b->end, b->elen);
}

void txnspans_normalize(struct txnspans *s)
{
	size_t w = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(s->v[0]), span_cmp);
	for (size_t i = 0; i < s->n; i++) {
		struct txnspan *cur = w > 0 ? &s->v[w - 1] : NULL;
		struct txnspan *sp = &s->v[i];

		/* touching or overlapping the previous span: merge */
		if (cur != NULL && (cur->elen == 0 ||
				    keys_cmp(sp->start, sp->slen, cur->end,
					     cur->elen) <= 0)) {
			if (txnspan_end_cmp(sp->end, sp->elen, cur->end,
					    cur->elen) > 0) {
				free(cur->end);
				cur->end = sp->end;
				cur->elen = sp->elen;
				sp->end = NULL;
			}
			free(sp->start);
			free(sp->end);
			continue;
		}
		s->v[w++] = *sp;
	}
	s->n = w;
	s->normalized = w;
}

int txnspans_add(struct txnspans *s, const void *start, size_t slen,
		 const void *end, size_t elen, struct err *e)
{
	unsigned char *a, *b = NULL;

	if (elen > 0 && keys_cmp(start, slen, end, elen) >= 0)
		return RC_OK;			/* empty span */
	if (s->n >= s->cap) {
		struct txnspan *v;
		size_t cap;

		if (s->n > 2 * s->normalized + 16 || s->n >= TXNSPANS_MAX) {
			txnspans_normalize(s);
			if (s->n < s->cap)
				goto room;
		}
		if (s->n >= TXNSPANS_MAX)
			return err_set(e, RC_TOO_LARGE, "transaction read set "
				       "has more than %d spans", TXNSPANS_MAX);
		cap = s->cap ? s->cap * 2 : 16;
		v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return err_set(e, RC_NOMEM, "out of memory recording "
				       "a read");
		s->v = v;
		s->cap = cap;
	}
room:
	a = copy_bytes(start, slen);
	if (a == NULL || (elen > 0 && (b = copy_bytes(end, elen)) == NULL)) {
		free(a);
		return err_set(e, RC_NOMEM, "out of memory recording a read");
	}
	s->v[s->n].start = a;
	s->v[s->n].slen = slen;
	s->v[s->n].end = b;
	s->v[s->n].elen = elen;
	s->n++;
	return RC_OK;
}

int txnspans_add_key(struct txnspans *s, const void *key, size_t klen,
		     struct err *e)
{
	unsigned char *end = malloc(klen + 1);
	int rc;

	if (end == NULL)
		return err_set(e, RC_NOMEM, "out of memory recording a read");
	if (klen > 0)
		memcpy(end, key, klen);
	end[klen] = 0;
	rc = txnspans_add(s, key, klen, end, klen + 1, e);
	free(end);
	return rc;
}
