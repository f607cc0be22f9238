/*
 * sqlkv.c -- page helper and the in-memory implementation of the SQL
 * engine's key-value transaction (see sqlkv.h).
 *
 * The map is a sorted array searched by bisection: tests hold thousands
 * of keys, not millions.  A transaction's writes live in a second sorted
 * array (a NULL value is a delete) merged into reads and applied at
 * commit.
 */
#include "sqlkv.h"

#include <stdlib.h>
#include <string.h>

#include "sqlfilt.h"

void sqlkv_page_release(struct sqlkv_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].key);
		free(p->items[i].val);
	}
	free(p->items);
	free(p->resume);
	memset(p, 0, sizeof(*p));
}

/* ---- sorted arrays ------------------------------------------------------ */

struct mem_ent {
	unsigned char *key;
	size_t klen;
	unsigned char *val;	/* NULL: a delete (write buffer only) */
	size_t vlen;
};

struct mem_arr {
	struct mem_ent *e;
	size_t n, cap;
};

struct sqlkv_mem {
	struct mem_arr data;
	size_t filtered;		/* rows pushed filters left out */
	size_t filter_errors;		/* filters that did not compile */
};

struct sqlkv_mem_txn {
	struct sqlkv_mem *m;
	struct mem_arr w;
	uint64_t ts;
};

static int key_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Index of the first entry >= key. */
static size_t arr_lower(const struct mem_arr *a, const void *key,
			size_t klen)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(a->e[mid].key, a->e[mid].klen, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void ent_free(struct mem_ent *x)
{
	free(x->key);
	free(x->val);
}

static void arr_free(struct mem_arr *a)
{
	for (size_t i = 0; i < a->n; i++)
		ent_free(&a->e[i]);
	free(a->e);
	memset(a, 0, sizeof(*a));
}

static void *dup0(const void *p, size_t n)
{
	unsigned char *d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

/* Insert or replace; val NULL stores a delete marker. */
static int arr_set(struct mem_arr *a, const void *key, size_t klen,
		   const void *val, size_t vlen, struct err *e)
{
	size_t i = arr_lower(a, key, klen);
	struct mem_ent x = { 0 };

	if ((x.key = dup0(key, klen)) == NULL ||
	    (val != NULL && (x.val = dup0(val, vlen)) == NULL)) {
		ent_free(&x);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	x.klen = klen;
	x.vlen = vlen;
	if (i < a->n && key_cmp(a->e[i].key, a->e[i].klen, key, klen) == 0) {
		ent_free(&a->e[i]);
		a->e[i] = x;
		return RC_OK;
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? 2 * a->cap : 64;
		struct mem_ent *ne = realloc(a->e, nc * sizeof(*ne));

		if (ne == NULL) {
			ent_free(&x);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		a->e = ne;
		a->cap = nc;
	}
	memmove(a->e + i + 1, a->e + i, (a->n - i) * sizeof(*a->e));
	a->e[i] = x;
	a->n++;
	return RC_OK;
}

static void arr_remove(struct mem_arr *a, const void *key, size_t klen)
{
	size_t i = arr_lower(a, key, klen);

	if (i < a->n && key_cmp(a->e[i].key, a->e[i].klen, key, klen) == 0) {
		ent_free(&a->e[i]);
		memmove(a->e + i, a->e + i + 1, (a->n - i - 1) * sizeof(*a->e));
		a->n--;
	}
}

/* ---- the map ------------------------------------------------------------ */

int sqlkv_mem_new(struct sqlkv_mem **out, struct err *e)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

void sqlkv_mem_free(struct sqlkv_mem *m)
{
	if (m == NULL)
		return;
	arr_free(&m->data);
	free(m);
}

size_t sqlkv_mem_filtered(const struct sqlkv_mem *m)
{
	return m->filtered;
}

size_t sqlkv_mem_filter_errors(const struct sqlkv_mem *m)
{
	return m->filter_errors;
}

size_t sqlkv_mem_count(const struct sqlkv_mem *m)
{
	return m->data.n;
}

/* ---- a transaction ------------------------------------------------------ */

static int mem_get(void *impl, const void *key, size_t klen, int *found,
		   void **val, size_t *vlen, struct err *e)
{
	struct sqlkv_mem_txn *t = impl;
	const struct mem_arr *a[2] = { &t->w, &t->m->data };

	*found = 0;
	*val = NULL;
	*vlen = 0;
	for (int k = 0; k < 2; k++) {
		size_t i = arr_lower(a[k], key, klen);
		const struct mem_ent *x;

		if (i >= a[k]->n)
			continue;
		x = &a[k]->e[i];
		if (key_cmp(x->key, x->klen, key, klen) != 0)
			continue;
		if (x->val == NULL)
			return RC_OK;		/* deleted by this txn */
		if ((*val = dup0(x->val, x->vlen)) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		*vlen = x->vlen;
		*found = 1;
		return RC_OK;
	}
	return RC_OK;
}

static int page_add(struct sqlkv_page *p, size_t *cap,
		    const struct mem_ent *x, struct err *e)
{
	struct sqlkv_pair *it;

	if (p->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;

		if ((it = realloc(p->items, nc * sizeof(*it))) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		p->items = it;
		*cap = nc;
	}
	it = &p->items[p->n];
	it->key = dup0(x->key, x->klen);
	it->val = dup0(x->val, x->vlen);
	if (it->key == NULL || it->val == NULL) {
		free(it->key);
		free(it->val);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	it->klen = x->klen;
	it->vlen = x->vlen;
	p->n++;
	return RC_OK;
}

static int mem_scan(void *impl, const void *start, size_t slen,
		    const void *end, size_t elen, size_t limit,
		    const json_t *filter, struct sqlkv_page *out,
		    struct err *e)
{
	struct sqlkv_mem_txn *t = impl;
	struct sqlfilt *f = NULL;
	const struct mem_arr *d = &t->m->data, *w = &t->w;
	size_t i = arr_lower(d, start, slen), j = arr_lower(w, start, slen);
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (limit == 0 || limit > SQLKV_PAGE_MAX)
		return err_set(e, RC_BAD_INPUT, "scan limit %zu is not in "
			       "1..%d", limit, SQLKV_PAGE_MAX);
	if (filter != NULL) {
		struct err fe;

		/* as raftd: a filter it cannot compile is not applied */
		if ((rc = sqlfilt_new(filter, &f, &fe)) == RC_NOMEM)
			return err_set(e, RC_NOMEM, "out of memory");
		if (rc != RC_OK)
			t->m->filter_errors++;
	}
	for (;;) {
		const struct mem_ent *x;
		int c;

		if (i < d->n && j < w->n)
			c = key_cmp(d->e[i].key, d->e[i].klen, w->e[j].key,
				    w->e[j].klen);
		else if (i < d->n)
			c = -1;
		else if (j < w->n)
			c = 1;
		else
			break;
		x = c < 0 ? &d->e[i] : &w->e[j];
		if (elen > 0 && key_cmp(x->key, x->klen, end, elen) >= 0)
			break;
		if (out->n == limit) {
			out->more = 1;
			if ((out->resume = dup0(x->key, x->klen)) == NULL) {
				sqlfilt_free(f);
				sqlkv_page_release(out);
				return err_set(e, RC_NOMEM, "out of memory");
			}
			out->resume_len = x->klen;
			break;
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if (x->val == NULL)
			continue;	/* deleted by this txn */
		if (c < 0 && f != NULL &&
		    !sqlfilt_keep(f, x->key, x->klen, x->val, x->vlen)) {
			t->m->filtered++;
			continue;	/* a stored row the filter rejects */
		}
		if ((rc = page_add(out, &cap, x, e)) != RC_OK) {
			sqlfilt_free(f);
			sqlkv_page_release(out);
			return rc;
		}
	}
	sqlfilt_free(f);
	return RC_OK;
}

static int mem_put(void *impl, const void *key, size_t klen,
		   const void *val, size_t vlen, struct err *e)
{
	struct sqlkv_mem_txn *t = impl;

	return arr_set(&t->w, key, klen, val != NULL ? val : "", vlen, e);
}

static int mem_del(void *impl, const void *key, size_t klen, struct err *e)
{
	struct sqlkv_mem_txn *t = impl;

	return arr_set(&t->w, key, klen, NULL, 0, e);
}

static uint64_t mem_read_ts(void *impl)
{
	return ((struct sqlkv_mem_txn *)impl)->ts;
}

static const struct sqlkv_vt mem_vt = {
	mem_get, mem_scan, mem_put, mem_del, mem_read_ts
};

int sqlkv_mem_begin(struct sqlkv_mem *m, uint64_t ts,
		    struct sqlkv_mem_txn **out, struct sqlkv *kv,
		    struct err *e)
{
	struct sqlkv_mem_txn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	t->m = m;
	t->ts = ts;
	*out = t;
	kv->vt = &mem_vt;
	kv->impl = t;
	return RC_OK;
}

int sqlkv_mem_commit(struct sqlkv_mem_txn *t, struct err *e)
{
	int rc = RC_OK;

	for (size_t i = 0; i < t->w.n && rc == RC_OK; i++) {
		const struct mem_ent *x = &t->w.e[i];

		if (x->val == NULL)
			arr_remove(&t->m->data, x->key, x->klen);
		else
			rc = arr_set(&t->m->data, x->key, x->klen, x->val,
				     x->vlen, e);
	}
	arr_free(&t->w);
	free(t);
	return rc;
}

void sqlkv_mem_rollback(struct sqlkv_mem_txn *t)
{
	if (t == NULL)
		return;
	arr_free(&t->w);
	free(t);
}
