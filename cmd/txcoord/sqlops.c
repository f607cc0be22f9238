/*
 * sqlops.c -- the executor's operators (see sqlops.h).
 *
 * Memory: an operator's configuration lives in the statement arena (the
 * planner's); its run-time state is a malloc'd struct sqlop_state with
 * three arenas: `ar` is scratch reset at every sqlop_next() (expression
 * results of the row being returned), `mem` is reset at every open (kept
 * rows, hash tables, the output row), and `page` (scans) holds the rows
 * decoded from the current KV page.  sqlop_rt_free() releases every
 * state, so an error anywhere leaks nothing.
 *
 * Hash tables (aggregation, hash join, distinct, set operations) chain
 * entries in buckets allocated in `mem`; a table doubles when it holds as
 * many entries as buckets (the old bucket array stays in the arena until
 * the next open: at most as much again).
 */
#include "sqlops.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sqlfilt.h"
#include "sqlrow.h"

/* ---- run time ----------------------------------------------------------- */

struct rowent {
	struct rowent *next;		/* bucket chain */
	struct rowent *link;		/* insertion order */
	uint64_t h;
	struct sql_datum *key;
	struct sql_datum *row;
	int64_t count;
	int matched;
	void *p;
};

struct rowtab {
	struct rowent **b;
	size_t nb;
	size_t n;
	size_t nkey;
	struct rowent *first;
	struct rowent *last;
	struct arena *a;
};

struct span {
	uint8_t *s;
	size_t sn;
	uint8_t *e;
	size_t en;
};

struct aggst {
	int64_t count;
	int has;
	__int128 isum;
	struct sqldec dsum;
	double fsum;
	struct sql_datum m;
};

struct sqlop_state {
	struct arena *ar;
	struct arena *mem;
	struct arena *page;
	struct sql_datum *out;
	int open;
	int done;
	/* scan */
	struct span *spans;
	size_t nspans;
	size_t span;
	struct sqlkv_page pg;
	size_t pgi;
	int started;		/* a page of the current span was read */
	uint8_t *resume;
	size_t resume_len;
	size_t resume_cap;
	json_t *pushed;		/* the pushed filter's wire form */
	int push_tried;
	struct sql_datum *row;
	struct sql_datum *pkrow;
	/* joins, sort, set operations */
	struct sql_datum **rows;
	size_t nrows;
	size_t caprows;
	unsigned char *rmatched;
	size_t i;
	const struct sql_datum *lrow;
	int lmatched;
	int phase;
	struct rowtab tab;
	struct rowent *chain;
	struct sql_datum *lkey;
	/* aggregation */
	struct rowtab *dtab;	/* per aggregate, DISTINCT ones */
	struct rowent *grp;
	/* limit */
	int64_t limit;
	int64_t offset;
	int64_t count;
	int has_limit;
};

struct sqlop_rt {
	struct sqlctx *ctx;
	struct sqlop **ops;
	size_t n;
	size_t cap;
};

int sqlop_rt_new(struct sqlctx *ctx, struct sqlop_rt **out,
		 struct sqlerr *e)
{
	struct sqlop_rt *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		return sqlerr_nomem(e);
	rt->ctx = ctx;
	*out = rt;
	return 0;
}

static void state_free(struct sqlop_state *st)
{
	if (st == NULL)
		return;
	sqlkv_page_release(&st->pg);
	free(st->resume);
	json_decref(st->pushed);
	arena_free(st->ar);
	arena_free(st->mem);
	arena_free(st->page);
	free(st);
}

void sqlop_rt_free(struct sqlop_rt *rt)
{
	if (rt == NULL)
		return;
	for (size_t i = 0; i < rt->n; i++) {
		state_free(rt->ops[i]->st);
		rt->ops[i]->st = NULL;
	}
	free(rt->ops);
	free(rt);
}

struct sqlctx *sqlop_rt_ctx(const struct sqlop_rt *rt)
{
	return rt->ctx;
}

struct sqlop *sqlop_new(struct sqlop_rt *rt, enum sqlop_kind kind,
			size_t ncols)
{
	struct sqlop *op;

	if (rt->n == rt->cap) {
		size_t nc = rt->cap ? rt->cap * 2 : 16;
		struct sqlop **no = realloc(rt->ops, nc * sizeof(*no));

		if (no == NULL)
			return NULL;
		rt->ops = no;
		rt->cap = nc;
	}
	op = arena_alloc(rt->ctx->a, sizeof(*op));
	if (op == NULL)
		return NULL;
	op->types = arena_alloc(rt->ctx->a, (ncols + 1) * sizeof(*op->types));
	if (op->types == NULL)
		return NULL;
	op->kind = kind;
	op->rt = rt;
	op->ncols = ncols;
	rt->ops[rt->n++] = op;
	return op;
}

/* ---- helpers ------------------------------------------------------------ */

static int kverr(const struct err *ke, struct sqlerr *e)
{
	return sqlctx_kv_error(ke, e);
}

static struct sql_datum *row_copy(struct arena *a, const struct sql_datum *r,
				  size_t n, struct sqlerr *e)
{
	struct sql_datum *c = arena_alloc(a, (n + 1) * sizeof(*c));

	if (c == NULL) {
		sqlerr_nomem(e);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (sqlval_copy(&r[i], a, &c[i], e) != 0)
			return NULL;
	return c;
}

static uint64_t row_hash(const struct sql_datum *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = sqlval_hash(&k[i], 0x51ed27);

		h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	}
	return h;
}

static int row_eq(const struct sql_datum *a, const struct sql_datum *b,
		  size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sqlx_datum_cmp(&a[i], &b[i]) != 0)
			return 0;
	return 1;
}

static void tab_init(struct rowtab *t, struct arena *a, size_t nkey)
{
	memset(t, 0, sizeof(*t));
	t->a = a;
	t->nkey = nkey;
}

static struct rowent *tab_find(const struct rowtab *t,
			       const struct sql_datum *key, uint64_t h)
{
	if (t->nb == 0)
		return NULL;
	for (struct rowent *x = t->b[h & (t->nb - 1)]; x != NULL; x = x->next)
		if (x->h == h && row_eq(x->key, key, t->nkey))
			return x;
	return NULL;
}

static struct rowent *tab_next_match(const struct rowtab *t,
				     const struct rowent *from)
{
	for (struct rowent *x = from->next; x != NULL; x = x->next)
		if (x->h == from->h && row_eq(x->key, from->key, t->nkey))
			return x;
	return NULL;
}

static int tab_grow(struct rowtab *t, struct sqlerr *e)
{
	size_t nb = t->nb ? t->nb * 2 : 64;
	struct rowent **b = arena_alloc(t->a, nb * sizeof(*b));

	if (b == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < t->nb; i++) {
		struct rowent *x = t->b[i];

		while (x != NULL) {
			struct rowent *nx = x->next;
			size_t j = x->h & (nb - 1);

			x->next = b[j];
			b[j] = x;
			x = nx;
		}
	}
	t->b = b;
	t->nb = nb;
	return 0;
}

/*
 * Add an entry with key (copied unless it is already kept: copy_key) and
 * row (kept as given).  Entries with equal keys are chained so that
 * tab_find() returns the oldest first.
 */
static struct rowent *tab_add(struct rowtab *t, const struct sql_datum *key,
			      uint64_t h, int copy_key, struct sqlerr *e)
{
	struct rowent *x, **pp;

	if (t->n >= t->nb && tab_grow(t, e) != 0)
		return NULL;
	x = arena_alloc(t->a, sizeof(*x));
	if (x == NULL) {
		sqlerr_nomem(e);
		return NULL;
	}
	x->h = h;
	if (copy_key) {
		x->key = row_copy(t->a, key, t->nkey, e);
		if (x->key == NULL)
			return NULL;
	} else {
		x->key = (struct sql_datum *)key;
	}
	/* append at the end of the bucket: equal keys stay in order */
	pp = &t->b[h & (t->nb - 1)];
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = x;
	if (t->last != NULL)
		t->last->link = x;
	else
		t->first = x;
	t->last = x;
	t->n++;
	return x;
}

static int state_get(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL)
			return sqlerr_nomem(e);
		op->st = st;
		st->ar = arena_new();
		st->mem = arena_new();
		if (st->ar == NULL || st->mem == NULL)
			return sqlerr_nomem(e);
		if (op->kind == SQLOP_SCAN) {
			st->page = arena_new();
			if (st->page == NULL)
				return sqlerr_nomem(e);
		}
	}
	return 0;
}

static void null_row(struct sql_datum *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r[i] = sqlval_null();
}

static int push_row(struct sqlop_state *st, struct sql_datum *r,
		    struct sqlerr *e)
{
	if (st->nrows == st->caprows) {
		size_t nc = st->caprows ? st->caprows * 2 : 64;
		struct sql_datum **nr = arena_alloc(st->mem, nc * sizeof(*nr));

		if (nr == NULL)
			return sqlerr_nomem(e);
		if (st->nrows > 0)
			memcpy(nr, st->rows, st->nrows * sizeof(*nr));
		st->rows = nr;
		st->caprows = nc;
	}
	st->rows[st->nrows++] = r;
	return 0;
}

/* ---- scans -------------------------------------------------------------- */

static int cmp_datum_qsort(const void *x, const void *y)
{
	return sqlval_cmp(x, y);
}

static int add_span(struct arena *a, struct span **spans, size_t *n,
		    size_t *cap, const struct keys_buf *s,
		    const struct keys_buf *en, struct sqlerr *e)
{
	struct span *sp;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct span *ns = arena_alloc(a, nc * sizeof(*ns));

		if (ns == NULL)
			return sqlerr_nomem(e);
		if (*n > 0)
			memcpy(ns, *spans, *n * sizeof(*ns));
		*spans = ns;
		*cap = nc;
	}
	sp = &(*spans)[(*n)++];
	sp->s = arena_memdup(a, s->p, s->len);
	sp->sn = s->len;
	sp->e = arena_memdup(a, en->p, en->len);
	sp->en = en->len;
	if (sp->s == NULL || sp->e == NULL)
		return sqlerr_nomem(e);
	return 0;
}

/*
 * The key spans of a scan, evaluating its bounds with env (no current
 * row).  Spans are in key order and do not overlap.
 */
static int scan_spans(struct sqlop *op, const struct sqlx_env *env,
		      struct arena *a, struct span **out, size_t *nout,
		      struct sqlerr *e)
{
	size_t neq = op->u.scan.neq, n = 0, cap = 0;
	struct sql_datum *vals = arena_alloc(a, (neq + 2) * sizeof(*vals));
	struct keys_buf s, en;
	struct span *spans = NULL;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	if (vals == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < neq; i++) {
		if (op->u.scan.eq[i] == NULL)
			vals[i] = op->u.scan.ext[i];
		else if (sqlx_eval(op->u.scan.eq[i], env, a, &vals[i], e) != 0)
			return -1;
		if (vals[i].kind == SQL_DATUM_NULL)
			return 0;
	}
	keys_buf_init(&s);
	keys_buf_init(&en);
	if (op->u.scan.nin > 0) {
		struct sql_datum *items =
			arena_alloc(a, op->u.scan.nin * sizeof(*items));
		size_t m = 0, k = 0;

		if (items == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		for (size_t i = 0; i < op->u.scan.nin; i++) {
			if (sqlx_eval(op->u.scan.in_items[i], env, a,
				      &items[m], e) != 0)
				goto out;
			if (items[m].kind != SQL_DATUM_NULL)
				m++;
		}
		if (m > 0) {
			qsort(items, m, sizeof(*items), cmp_datum_qsort);
			for (size_t i = 1; i < m; i++)
				if (sqlval_cmp(&items[k], &items[i]) != 0)
					items[++k] = items[i];
			m = k + 1;
		}
		for (size_t i = 0; i < m; i++) {
			vals[neq] = items[i];
			if (sqlrow_span(op->u.scan.d, op->u.scan.ix, vals,
					neq + 1, &s, &en, e) != 0 ||
			    add_span(a, &spans, &n, &cap, &s, &en, e) != 0)
				goto out;
		}
	} else if (op->u.scan.lo != NULL || op->u.scan.hi != NULL) {
		struct sql_datum lo, hi;

		if (op->u.scan.lo != NULL) {
			if (sqlx_eval(op->u.scan.lo, env, a, &lo, e) != 0)
				goto out;
			if (lo.kind == SQL_DATUM_NULL) {
				rc = 0;
				goto out;
			}
		}
		if (op->u.scan.hi != NULL) {
			if (sqlx_eval(op->u.scan.hi, env, a, &hi, e) != 0)
				goto out;
			if (hi.kind == SQL_DATUM_NULL) {
				rc = 0;
				goto out;
			}
		}
		if (op->u.scan.lo != NULL && op->u.scan.hi != NULL) {
			int c = sqlval_cmp(&lo, &hi);

			if (c > 0 || (c == 0 && (!op->u.scan.lo_incl ||
						 !op->u.scan.hi_incl))) {
				rc = 0;
				goto out;
			}
		}
		if (sqlrow_range(op->u.scan.d, op->u.scan.ix, vals, neq,
				 op->u.scan.lo ? &lo : NULL,
				 op->u.scan.lo_incl,
				 op->u.scan.hi ? &hi : NULL,
				 op->u.scan.hi_incl, &s, &en, e) != 0 ||
		    add_span(a, &spans, &n, &cap, &s, &en, e) != 0)
			goto out;
	} else {
		if (sqlrow_span(op->u.scan.d, op->u.scan.ix, vals, neq, &s,
				&en, e) != 0 ||
		    add_span(a, &spans, &n, &cap, &s, &en, e) != 0)
			goto out;
	}
	*out = spans;
	*nout = n;
	rc = 0;
out:
	keys_buf_release(&s);
	keys_buf_release(&en);
	return rc;
}

static int scan_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct sqlx_env env = { NULL, op->outer };
	size_t nc = op->u.scan.d->ncols;

	arena_reset(st->page);
	st->row = arena_alloc(st->mem, (nc + 1) * sizeof(*st->row));
	st->pkrow = arena_alloc(st->mem, (nc + 1) * sizeof(*st->pkrow));
	if (st->row == NULL || st->pkrow == NULL)
		return sqlerr_nomem(e);
	st->span = 0;
	st->started = 0;
	st->pgi = 0;
	sqlkv_page_release(&st->pg);
	if (op->u.scan.pushed != NULL && !st->push_tried) {
		st->push_tried = 1;
		st->pushed = sqlfilt_encode(op->u.scan.d, op->u.scan.alias,
					    op->u.scan.pushed,
					    op->rt->ctx->txn_ts);
		if (st->pushed == NULL)
			return sqlerr_nomem(e);
		/* a huge filter (IN lists of thousands) would cost more on
		 * every page than it saves, and could pass the ranges'
		 * request limit: keep it here */
		if (json_dumpb(st->pushed, NULL, 0, JSON_COMPACT) >
		    SQLOP_PUSH_MAX) {
			json_decref(st->pushed);
			st->pushed = NULL;
		}
	}
	return scan_spans(op, &env, st->mem, &st->spans, &st->nspans, e);
}

static int set_resume(struct sqlop_state *st, const void *p, size_t n,
		      struct sqlerr *e)
{
	if (n > st->resume_cap) {
		uint8_t *r = realloc(st->resume, n);

		if (r == NULL)
			return sqlerr_nomem(e);
		st->resume = r;
		st->resume_cap = n;
	}
	if (n > 0)
		memcpy(st->resume, p, n);
	st->resume_len = n;
	return 0;
}

/* Read the next page; *got 0 when the spans are exhausted. */
static int scan_fetch(struct sqlop *op, int *got, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct sqlkv *kv = op->rt->ctx->kv;
	struct err ke;

	for (;;) {
		const struct span *sp;
		const void *start;
		size_t slen;

		if (st->span >= st->nspans) {
			*got = 0;
			sqlkv_page_release(&st->pg);
			return 0;
		}
		sp = &st->spans[st->span];
		if (!st->started) {
			start = sp->s;
			slen = sp->sn;
		} else if (st->pg.more) {
			if (set_resume(st, st->pg.resume, st->pg.resume_len,
				       e) != 0)
				return -1;
			start = st->resume;
			slen = st->resume_len;
		} else {
			st->span++;
			st->started = 0;
			continue;
		}
		sqlkv_page_release(&st->pg);
		arena_reset(st->page);
		st->pgi = 0;
		if (sqlkv_scan_filtered(kv, start, slen, sp->e, sp->en,
					SQLOP_SCAN_PAGE, st->pushed, &st->pg,
					&ke) != RC_OK)
			return kverr(&ke, e);
		st->started = 1;
		if (st->pg.n > 0) {
			*got = 1;
			return 0;
		}
	}
}

static int scan_next(struct sqlop *op, const struct sql_datum **row,
		     struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	const struct sqlcat_desc *d = op->u.scan.d;
	size_t nc = d->ncols;

	for (;;) {
		const struct sqlkv_pair *p;

		if (st->pgi >= st->pg.n) {
			int got;

			if (scan_fetch(op, &got, e) != 0)
				return -1;
			if (!got) {
				*row = NULL;
				return 0;
			}
		}
		p = &st->pg.items[st->pgi++];
		if (op->u.scan.ix->id == SQLCAT_PRIMARY_INDEX) {
			if (sqlrow_decode(d, p->key, p->klen, p->val, p->vlen,
					  st->page, st->row, e) != 0)
				return -1;
		} else {
			null_row(st->pkrow, nc);
			if (sqlrow_decode_index(d, op->u.scan.ix, p->key,
						p->klen, p->val, p->vlen,
						st->page, st->pkrow, e) != 0)
				return -1;
			if (op->u.scan.covering) {
				memcpy(st->row, st->pkrow,
				       nc * sizeof(*st->row));
			} else {
				int found;

				if (sqlrow_get(op->rt->ctx->kv, d, st->pkrow,
					       st->page, st->row, &found,
					       e) != 0)
					return -1;
				if (!found)
					return sqlerr_set(e,
						SQLSTATE_INTERNAL, 0,
						"index \"%s\" of \"%s\" has "
						"an entry without a row",
						op->u.scan.ix->name, d->name);
			}
		}
		if (op->u.scan.filter != NULL) {
			struct sqlx_env env = { st->row, op->outer };
			int t;

			arena_reset(st->ar);
			if (sqlx_eval_truth(op->u.scan.filter, &env, st->ar,
					    &t, e) != 0)
				return -1;
			if (t != SQLX_TRUE)
				continue;
		}
		*row = st->row;
		return 0;
	}
}

/* ---- VALUES, FILTER, PROJECT -------------------------------------------- */

static int values_next(struct sqlop *op, const struct sql_datum **row,
		       struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct sqlx_env env = { NULL, op->outer };

	if (st->i >= op->u.values.nrows) {
		*row = NULL;
		return 0;
	}
	for (size_t c = 0; c < op->ncols; c++)
		if (sqlx_eval(op->u.values.rows[st->i][c], &env, st->ar,
			      &st->out[c], e) != 0)
			return -1;
	st->i++;
	*row = st->out;
	return 0;
}

static int filter_next(struct sqlop *op, const struct sql_datum **row,
		       struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	for (;;) {
		const struct sql_datum *r;
		struct sqlx_env env;
		int t;

		if (sqlop_next(op->in, &r, e) != 0)
			return -1;
		if (r == NULL) {
			*row = NULL;
			return 0;
		}
		env.row = r;
		env.outer = op->outer;
		arena_reset(st->ar);
		if (sqlx_eval_truth(op->u.filter.pred, &env, st->ar, &t,
				    e) != 0)
			return -1;
		if (t == SQLX_TRUE) {
			*row = r;
			return 0;
		}
	}
}

static int project_next(struct sqlop *op, const struct sql_datum **row,
			struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	const struct sql_datum *r;
	struct sqlx_env env;

	if (sqlop_next(op->in, &r, e) != 0)
		return -1;
	if (r == NULL) {
		*row = NULL;
		return 0;
	}
	env.row = r;
	env.outer = op->outer;
	for (size_t c = 0; c < op->ncols; c++)
		if (sqlx_eval(op->u.project.exprs[c], &env, st->ar,
			      &st->out[c], e) != 0)
			return -1;
	*row = st->out;
	return 0;
}

/* ---- joins -------------------------------------------------------------- */

static int cond_ok(struct sqlop *op, int *ok, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct sqlx_env env = { st->out, op->outer };
	int t;

	if (op->u.join.cond == NULL) {
		*ok = 1;
		return 0;
	}
	if (sqlx_eval_truth(op->u.join.cond, &env, st->ar, &t, e) != 0)
		return -1;
	*ok = t == SQLX_TRUE;
	return 0;
}

static void join_fill(struct sqlop *op, const struct sql_datum *l,
		      const struct sql_datum *r)
{
	struct sqlop_state *st = op->st;
	size_t nl = op->in->ncols, nr = op->in2->ncols;

	if (l != NULL)
		memcpy(st->out, l, nl * sizeof(*l));
	else
		null_row(st->out, nl);
	if (r != NULL)
		memcpy(st->out + nl, r, nr * sizeof(*r));
	else
		null_row(st->out + nl, nr);
}

static int materialize(struct sqlop *src, struct sqlop_state *st,
		       struct sqlerr *e)
{
	const struct sql_datum *r;

	for (;;) {
		struct sql_datum *c;

		if (sqlop_next(src, &r, e) != 0)
			return -1;
		if (r == NULL)
			return 0;
		c = row_copy(st->mem, r, src->ncols, e);
		if (c == NULL || push_row(st, c, e) != 0)
			return -1;
	}
}

static int nljoin_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	st->lrow = NULL;
	st->phase = 0;
	st->nrows = st->caprows = 0;
	st->rows = NULL;
	if (sqlop_open(op->in, op->outer, e) != 0)
		return -1;
	if (op->u.join.lookup)
		return 0;
	if (sqlop_open(op->in2, op->outer, e) != 0 ||
	    materialize(op->in2, st, e) != 0)
		return -1;
	sqlop_close(op->in2);
	st->rmatched = arena_alloc(st->mem, st->nrows + 1);
	return st->rmatched == NULL ? sqlerr_nomem(e) : 0;
}

/* Lookup mode: open the inner scan for the current left row. */
static int lookup_bind(struct sqlop *op, int *empty, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct sqlop *in2 = op->in2;
	struct sqlx_env env = { st->lrow, op->outer };

	*empty = 0;
	for (size_t i = 0; i < op->u.join.nkeys; i++) {
		if (sqlx_eval(op->u.join.lkeys[i], &env, st->ar,
			      &in2->u.scan.ext[i], e) != 0)
			return -1;
		if (in2->u.scan.ext[i].kind == SQL_DATUM_NULL)
			*empty = 1;
	}
	if (*empty)
		return 0;
	return sqlop_open(in2, op->outer, e);
}

static int nljoin_next(struct sqlop *op, const struct sql_datum **row,
		       struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	enum sqlop_join type = op->u.join.type;

	for (;;) {
		int ok;

		if (st->phase == 2) {
			/* FULL: right rows no left row matched */
			while (st->i < st->nrows && st->rmatched[st->i])
				st->i++;
			if (st->i >= st->nrows) {
				*row = NULL;
				return 0;
			}
			join_fill(op, NULL, st->rows[st->i++]);
			*row = st->out;
			return 0;
		}
		if (st->lrow == NULL) {
			if (sqlop_next(op->in, &st->lrow, e) != 0)
				return -1;
			if (st->lrow == NULL) {
				if (type == SQLOP_JOIN_FULL) {
					st->phase = 2;
					st->i = 0;
					continue;
				}
				*row = NULL;
				return 0;
			}
			st->i = 0;
			st->lmatched = 0;
			st->phase = 0;
			if (op->u.join.lookup) {
				int empty;

				if (lookup_bind(op, &empty, e) != 0)
					return -1;
				st->phase = empty ? 3 : 1;
			}
		}
		if (op->u.join.lookup) {
			const struct sql_datum *r = NULL;

			if (st->phase == 1) {
				if (sqlop_next(op->in2, &r, e) != 0)
					return -1;
				if (r == NULL) {
					sqlop_close(op->in2);
					st->phase = 3;
				}
			}
			if (r != NULL) {
				join_fill(op, st->lrow, r);
				if (cond_ok(op, &ok, e) != 0)
					return -1;
				if (ok) {
					st->lmatched = 1;
					*row = st->out;
					return 0;
				}
				continue;
			}
		} else if (st->i < st->nrows) {
			size_t j = st->i++;

			join_fill(op, st->lrow, st->rows[j]);
			if (cond_ok(op, &ok, e) != 0)
				return -1;
			if (ok) {
				st->lmatched = 1;
				st->rmatched[j] = 1;
				*row = st->out;
				return 0;
			}
			continue;
		}
		/* the inner side is done for this left row */
		{
			int unmatched = !st->lmatched &&
				type != SQLOP_JOIN_INNER;
			const struct sql_datum *l = st->lrow;

			st->lrow = NULL;
			if (unmatched) {
				join_fill(op, l, NULL);
				*row = st->out;
				return 0;
			}
		}
	}
}

static int eval_keys(struct sqlx **keys, size_t n, const struct sql_datum *r,
		     const struct sqlx_env *outer, struct arena *a,
		     struct sql_datum *out, int *has_null, struct sqlerr *e)
{
	struct sqlx_env env = { r, outer };

	*has_null = 0;
	for (size_t i = 0; i < n; i++) {
		if (sqlx_eval(keys[i], &env, a, &out[i], e) != 0)
			return -1;
		if (out[i].kind == SQL_DATUM_NULL)
			*has_null = 1;
	}
	return 0;
}

static int hashjoin_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	size_t nk = op->u.join.nkeys;
	struct sql_datum *k = arena_alloc(st->mem, (nk + 1) * sizeof(*k));
	const struct sql_datum *r;

	st->lkey = arena_alloc(st->mem, (nk + 1) * sizeof(*st->lkey));
	if (k == NULL || st->lkey == NULL)
		return sqlerr_nomem(e);
	tab_init(&st->tab, st->mem, nk);
	st->lrow = NULL;
	st->chain = NULL;
	st->phase = 0;
	st->nrows = st->caprows = 0;
	st->rows = NULL;
	if (sqlop_open(op->in2, op->outer, e) != 0)
		return -1;
	for (;;) {
		int has_null;
		struct sql_datum *c;
		struct rowent *x;

		if (sqlop_next(op->in2, &r, e) != 0)
			return -1;
		if (r == NULL)
			break;
		arena_reset(st->ar);
		if (eval_keys(op->u.join.rkeys, nk, r, op->outer, st->ar, k,
			      &has_null, e) != 0)
			return -1;
		if (has_null) {
			/* never matches; FULL still returns it */
			if (op->u.join.type == SQLOP_JOIN_FULL) {
				c = row_copy(st->mem, r, op->in2->ncols, e);
				if (c == NULL || push_row(st, c, e) != 0)
					return -1;
			}
			continue;
		}
		c = row_copy(st->mem, r, op->in2->ncols, e);
		if (c == NULL)
			return -1;
		x = tab_add(&st->tab, k, row_hash(k, nk), 1, e);
		if (x == NULL)
			return -1;
		x->row = c;
	}
	sqlop_close(op->in2);
	return sqlop_open(op->in, op->outer, e);
}

static int hashjoin_next(struct sqlop *op, const struct sql_datum **row,
			 struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	enum sqlop_join type = op->u.join.type;
	size_t nk = op->u.join.nkeys;

	for (;;) {
		int ok;

		if (st->phase == 2) {
			/* FULL: unmatched build rows, then NULL-key rows */
			while (st->chain != NULL && st->chain->matched)
				st->chain = st->chain->link;
			if (st->chain != NULL) {
				join_fill(op, NULL, st->chain->row);
				st->chain = st->chain->link;
				*row = st->out;
				return 0;
			}
			if (st->i < st->nrows) {
				join_fill(op, NULL, st->rows[st->i++]);
				*row = st->out;
				return 0;
			}
			*row = NULL;
			return 0;
		}
		if (st->lrow == NULL) {
			int has_null;

			if (sqlop_next(op->in, &st->lrow, e) != 0)
				return -1;
			if (st->lrow == NULL) {
				if (type == SQLOP_JOIN_FULL) {
					st->phase = 2;
					st->chain = st->tab.first;
					st->i = 0;
					continue;
				}
				*row = NULL;
				return 0;
			}
			st->lmatched = 0;
			if (eval_keys(op->u.join.lkeys, nk, st->lrow,
				      op->outer, st->ar, st->lkey, &has_null,
				      e) != 0)
				return -1;
			st->chain = has_null ? NULL :
				tab_find(&st->tab, st->lkey,
					 row_hash(st->lkey, nk));
		}
		if (st->chain != NULL) {
			struct rowent *x = st->chain;

			st->chain = tab_next_match(&st->tab, x);
			join_fill(op, st->lrow, x->row);
			if (cond_ok(op, &ok, e) != 0)
				return -1;
			if (ok) {
				st->lmatched = 1;
				x->matched = 1;
				*row = st->out;
				return 0;
			}
			continue;
		}
		{
			int unmatched = !st->lmatched &&
				type != SQLOP_JOIN_INNER;
			const struct sql_datum *l = st->lrow;

			st->lrow = NULL;
			if (unmatched) {
				join_fill(op, l, NULL);
				*row = st->out;
				return 0;
			}
		}
	}
}

/* ---- aggregation -------------------------------------------------------- */

static int agg_update(struct sqlop *op, struct aggst *gs, size_t gidx,
		      const struct sql_datum *r, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct sqlx_env env = { r, op->outer };

	for (size_t i = 0; i < op->u.agg.naggs; i++) {
		const struct sqlagg *ag = &op->u.agg.aggs[i];
		struct aggst *s = &gs[i];
		struct sql_datum v;

		if (ag->fn == SQLAGG_COUNT_STAR) {
			s->count++;
			continue;
		}
		if (sqlx_eval(ag->arg, &env, st->ar, &v, e) != 0)
			return -1;
		if (v.kind == SQL_DATUM_NULL)
			continue;
		if (ag->distinct) {
			struct sql_datum k[2];
			uint64_t h;

			k[0] = sqlval_int((int64_t)gidx);
			k[1] = v;
			h = row_hash(k, 2);
			if (tab_find(&st->dtab[i], k, h) != NULL)
				continue;
			if (tab_add(&st->dtab[i], k, h, 1, e) == NULL)
				return -1;
		}
		s->count++;
		switch (ag->fn) {
		case SQLAGG_COUNT:
		case SQLAGG_COUNT_STAR:
			break;
		case SQLAGG_SUM:
		case SQLAGG_AVG:
			if (v.kind == SQL_DATUM_INT) {
				s->isum += v.i;
			} else if (v.kind == SQL_DATUM_FLOAT) {
				double f = s->fsum + v.f;

				if (ag->fn == SQLAGG_SUM &&
				    ag->type.kind == SQL_TYPE_FLOAT4)
					f = (float)f;
				if (isinf(f) && !isinf(s->fsum) && !isinf(v.f))
					return sqlerr_set(e,
						SQLSTATE_NUM_RANGE, 0,
						"value out of range: "
						"overflow");
				s->fsum = f;
			} else if (v.kind == SQL_DATUM_DECIMAL) {
				if (!s->has) {
					s->dsum = v.d;
				} else if (sqldec_add(&s->dsum, &v.d, &s->dsum,
						      e) != 0) {
					return -1;
				}
			}
			s->has = 1;
			break;
		case SQLAGG_MIN:
		case SQLAGG_MAX: {
			int c;

			if (s->has) {
				c = sqlval_cmp(&v, &s->m);
				if (ag->fn == SQLAGG_MIN ? c >= 0 : c <= 0)
					break;
			}
			if (sqlval_copy(&v, st->mem, &s->m, e) != 0)
				return -1;
			s->has = 1;
			break;
		}
		}
	}
	return 0;
}

static int int128_dec(__int128 v, struct sqldec *out, struct sqlerr *e)
{
	static const __int128 lim = (__int128)10000000000000000000ULL *
		(__int128)10000000000000000000ULL;	/* 10^38 */

	if (v >= lim || v <= -lim)
		return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0, "value overflows "
				  "numeric format");
	out->coef = v;
	out->scale = 0;
	return 0;
}

static int agg_final(const struct sqlagg *ag, const struct aggst *s,
		     struct sql_datum *out, struct sqlerr *e)
{
	struct sqldec a, b, q;

	switch (ag->fn) {
	case SQLAGG_COUNT_STAR:
	case SQLAGG_COUNT:
		*out = sqlval_int(s->count);
		return 0;
	case SQLAGG_MIN:
	case SQLAGG_MAX:
		*out = s->has ? s->m : sqlval_null();
		return 0;
	case SQLAGG_SUM:
	case SQLAGG_AVG:
		break;
	}
	if (!s->has) {
		*out = sqlval_null();
		return 0;
	}
	if (sqlval_type_is_integer(&ag->argtype)) {
		if (ag->fn == SQLAGG_SUM) {
			if (s->isum > INT64_MAX || s->isum < INT64_MIN)
				return sqlerr_set(e, SQLSTATE_NUM_RANGE, 0,
						  "bigint out of range");
			*out = sqlval_int((int64_t)s->isum);
			return 0;
		}
		if (int128_dec(s->isum, &a, e) != 0)
			return -1;
	} else if (ag->argtype.kind == SQL_TYPE_DECIMAL) {
		a = s->dsum;
	} else {
		double f = s->fsum;

		if (ag->fn == SQLAGG_AVG)
			f /= (double)s->count;
		*out = sqlval_float(f);
		return 0;
	}
	if (ag->fn == SQLAGG_SUM) {
		*out = sqlval_decimal(a);
		return 0;
	}
	sqldec_from_int(s->count, &b);
	if (sqldec_div(&a, &b, &q, e) != 0)
		return -1;
	*out = sqlval_decimal(q);
	return 0;
}

static struct rowent *agg_group(struct sqlop *op, const struct sql_datum *k,
				uint64_t h, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct rowent *x = tab_add(&st->tab, k, h, 1, e);

	if (x == NULL)
		return NULL;
	x->p = arena_alloc(st->mem, (op->u.agg.naggs + 1) *
			   sizeof(struct aggst));
	if (x->p == NULL) {
		sqlerr_nomem(e);
		return NULL;
	}
	x->count = (int64_t)st->tab.n - 1;	/* group number */
	return x;
}

static int agg_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	size_t nk = op->u.agg.nkeys;
	struct sql_datum *k = arena_alloc(st->mem, (nk + 1) * sizeof(*k));
	const struct sql_datum *r;

	if (k == NULL)
		return sqlerr_nomem(e);
	tab_init(&st->tab, st->mem, nk);
	st->dtab = arena_alloc(st->mem, (op->u.agg.naggs + 1) *
			       sizeof(*st->dtab));
	if (st->dtab == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < op->u.agg.naggs; i++)
		tab_init(&st->dtab[i], st->mem, 2);
	if (nk == 0 && agg_group(op, k, 0, e) == NULL)
		return -1;
	if (sqlop_open(op->in, op->outer, e) != 0)
		return -1;
	for (;;) {
		struct rowent *x;
		uint64_t h;
		int has_null;

		if (sqlop_next(op->in, &r, e) != 0)
			return -1;
		if (r == NULL)
			break;
		arena_reset(st->ar);
		if (nk == 0) {
			x = st->tab.first;
		} else {
			if (eval_keys(op->u.agg.keys, nk, r, op->outer, st->ar,
				      k, &has_null, e) != 0)
				return -1;
			h = row_hash(k, nk);
			x = tab_find(&st->tab, k, h);
			if (x == NULL && (x = agg_group(op, k, h, e)) == NULL)
				return -1;
		}
		if (agg_update(op, x->p, (size_t)x->count, r, e) != 0)
			return -1;
	}
	sqlop_close(op->in);
	st->grp = st->tab.first;
	return 0;
}

static int agg_next(struct sqlop *op, const struct sql_datum **row,
		    struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	struct rowent *x = st->grp;
	size_t nk = op->u.agg.nkeys;

	if (x == NULL) {
		*row = NULL;
		return 0;
	}
	st->grp = x->link;
	memcpy(st->out, x->key, nk * sizeof(*st->out));
	for (size_t i = 0; i < op->u.agg.naggs; i++)
		if (agg_final(&op->u.agg.aggs[i], &((struct aggst *)x->p)[i],
			      &st->out[nk + i], e) != 0)
			return -1;
	*row = st->out;
	return 0;
}

/* ---- sort, distinct, limit, set operations ------------------------------ */

static int sort_cmp(const void *x, const void *y, void *arg)
{
	const struct sqlop *op = arg;
	const struct sql_datum *a = *(const struct sql_datum *const *)x;
	const struct sql_datum *b = *(const struct sql_datum *const *)y;

	for (size_t i = 0; i < op->u.sort.nkeys; i++) {
		const struct sqlsort_key *k = &op->u.sort.keys[i];
		const struct sql_datum *u = &a[k->col], *v = &b[k->col];
		int un = u->kind == SQL_DATUM_NULL, vn = v->kind ==
			SQL_DATUM_NULL;
		int c;

		if (un || vn) {
			if (un && vn)
				continue;
			c = un ? 1 : -1;	/* NULL is the largest */
			if (k->nulls_first)
				c = -c;
			return c;
		}
		c = sqlval_cmp(u, v);
		if (c != 0)
			return k->desc ? -c : c;
	}
	return 0;
}

static int sort_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	st->nrows = st->caprows = 0;
	st->rows = NULL;
	st->i = 0;
	if (sqlop_open(op->in, op->outer, e) != 0 ||
	    materialize(op->in, st, e) != 0)
		return -1;
	sqlop_close(op->in);
	if (st->nrows > 1)
		qsort_r(st->rows, st->nrows, sizeof(*st->rows), sort_cmp, op);
	return 0;
}

static int rows_next(struct sqlop *op, const struct sql_datum **row)
{
	struct sqlop_state *st = op->st;

	*row = st->i < st->nrows ? st->rows[st->i++] : NULL;
	return 0;
}

static int distinct_next(struct sqlop *op, const struct sql_datum **row,
			 struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	for (;;) {
		const struct sql_datum *r;
		struct rowent *x;
		uint64_t h;

		if (sqlop_next(op->in, &r, e) != 0)
			return -1;
		if (r == NULL) {
			*row = NULL;
			return 0;
		}
		h = row_hash(r, op->ncols);
		if (tab_find(&st->tab, r, h) != NULL)
			continue;
		x = tab_add(&st->tab, r, h, 1, e);
		if (x == NULL)
			return -1;
		*row = x->key;
		return 0;
	}
}

static int int_bound(struct sqlop *op, struct sqlx *x, const char *what,
		     const char *state, int64_t *out, int *has,
		     struct sqlerr *e)
{
	struct sqlx_env env = { NULL, op->outer };
	struct sql_datum d;

	*has = 0;
	if (x == NULL)
		return 0;
	if (sqlx_eval(x, &env, op->st->ar, &d, e) != 0)
		return -1;
	if (d.kind == SQL_DATUM_NULL)
		return 0;
	if (d.i < 0)
		return sqlerr_set(e, state, 0, "%s must not be negative",
				  what);
	*out = d.i;
	*has = 1;
	return 0;
}

static int limit_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	int has;

	st->count = 0;
	st->offset = 0;
	if (int_bound(op, op->u.limit.limit, "LIMIT", "2201W", &st->limit,
		      &st->has_limit, e) != 0 ||
	    int_bound(op, op->u.limit.offset, "OFFSET", "2201X", &st->offset,
		      &has, e) != 0)
		return -1;
	if (st->has_limit && st->limit == 0)
		return 0;	/* nothing to read at all */
	return sqlop_open(op->in, op->outer, e);
}

static int limit_next(struct sqlop *op, const struct sql_datum **row,
		      struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	if (st->has_limit && st->count >= st->limit) {
		*row = NULL;
		return 0;
	}
	while (st->offset > 0) {
		if (sqlop_next(op->in, row, e) != 0)
			return -1;
		if (*row == NULL)
			return 0;
		st->offset--;
	}
	if (sqlop_next(op->in, row, e) != 0)
		return -1;
	if (*row != NULL)
		st->count++;
	return 0;
}

static int append_next(struct sqlop *op, const struct sql_datum **row,
		       struct sqlerr *e)
{
	struct sqlop_state *st = op->st;

	if (st->phase == 0) {
		if (sqlop_next(op->in, row, e) != 0)
			return -1;
		if (*row != NULL)
			return 0;
		sqlop_close(op->in);
		if (sqlop_open(op->in2, op->outer, e) != 0)
			return -1;
		st->phase = 1;
	}
	return sqlop_next(op->in2, row, e);
}

static int setop_open(struct sqlop *op, struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	const struct sql_datum *r;

	tab_init(&st->tab, st->mem, op->ncols);
	if (sqlop_open(op->in2, op->outer, e) != 0)
		return -1;
	for (;;) {
		struct rowent *x;
		uint64_t h;

		if (sqlop_next(op->in2, &r, e) != 0)
			return -1;
		if (r == NULL)
			break;
		h = row_hash(r, op->ncols);
		x = tab_find(&st->tab, r, h);
		if (x == NULL && (x = tab_add(&st->tab, r, h, 1, e)) == NULL)
			return -1;
		x->count++;
	}
	sqlop_close(op->in2);
	return sqlop_open(op->in, op->outer, e);
}

static int setop_next(struct sqlop *op, const struct sql_datum **row,
		      struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	int intersect = op->u.setop.op == SQL_SETOP_INTERSECT;

	for (;;) {
		const struct sql_datum *r;
		struct rowent *x;
		uint64_t h;

		if (sqlop_next(op->in, &r, e) != 0)
			return -1;
		if (r == NULL) {
			*row = NULL;
			return 0;
		}
		h = row_hash(r, op->ncols);
		x = tab_find(&st->tab, r, h);
		if (intersect) {
			if (x == NULL || x->count <= 0)
				continue;
			if (op->u.setop.all)
				x->count--;
			else
				x->count = 0;
			*row = r;
			return 0;
		}
		/* EXCEPT */
		if (op->u.setop.all) {
			if (x != NULL && x->count > 0) {
				x->count--;
				continue;
			}
			*row = r;
			return 0;
		}
		if (x != NULL)
			continue;	/* on the right, or returned */
		x = tab_add(&st->tab, r, h, 1, e);
		if (x == NULL)
			return -1;
		x->count = -1;
		*row = x->key;
		return 0;
	}
}

/* ---- dispatch ----------------------------------------------------------- */

int sqlop_open(struct sqlop *op, const struct sqlx_env *outer,
	       struct sqlerr *e)
{
	struct sqlop_state *st;

	if (state_get(op, e) != 0)
		return -1;
	st = op->st;
	if (st->open)
		sqlop_close(op);
	arena_reset(st->ar);
	arena_reset(st->mem);
	st->out = arena_alloc(st->mem, (op->ncols + 1) * sizeof(*st->out));
	if (st->out == NULL)
		return sqlerr_nomem(e);
	op->outer = outer;
	st->open = 1;
	st->done = 0;
	st->i = 0;
	st->phase = 0;
	switch (op->kind) {
	case SQLOP_VALUES:
		return 0;
	case SQLOP_SCAN:
		return scan_open(op, e);
	case SQLOP_FILTER:
	case SQLOP_PROJECT:
	case SQLOP_APPEND:
		return sqlop_open(op->in, outer, e);
	case SQLOP_NLJOIN:
		return nljoin_open(op, e);
	case SQLOP_HASHJOIN:
		return hashjoin_open(op, e);
	case SQLOP_AGG:
		return agg_open(op, e);
	case SQLOP_SORT:
		return sort_open(op, e);
	case SQLOP_DISTINCT:
		tab_init(&st->tab, st->mem, op->ncols);
		return sqlop_open(op->in, outer, e);
	case SQLOP_LIMIT:
		return limit_open(op, e);
	case SQLOP_SETOP:
		return setop_open(op, e);
	}
	return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "unknown operator");
}

int sqlop_next(struct sqlop *op, const struct sql_datum **row,
	       struct sqlerr *e)
{
	struct sqlop_state *st = op->st;
	int rc = -1;

	*row = NULL;
	if (st == NULL || !st->open || st->done)
		return 0;
	if (op->kind != SQLOP_SCAN && op->kind != SQLOP_FILTER)
		arena_reset(st->ar);
	switch (op->kind) {
	case SQLOP_VALUES:
		rc = values_next(op, row, e);
		break;
	case SQLOP_SCAN:
		rc = scan_next(op, row, e);
		break;
	case SQLOP_FILTER:
		rc = filter_next(op, row, e);
		break;
	case SQLOP_PROJECT:
		rc = project_next(op, row, e);
		break;
	case SQLOP_NLJOIN:
		rc = nljoin_next(op, row, e);
		break;
	case SQLOP_HASHJOIN:
		rc = hashjoin_next(op, row, e);
		break;
	case SQLOP_AGG:
		rc = agg_next(op, row, e);
		break;
	case SQLOP_SORT:
		rc = rows_next(op, row);
		break;
	case SQLOP_DISTINCT:
		rc = distinct_next(op, row, e);
		break;
	case SQLOP_LIMIT:
		if (st->has_limit && st->limit == 0) {
			rc = 0;
			break;
		}
		rc = limit_next(op, row, e);
		break;
	case SQLOP_APPEND:
		rc = append_next(op, row, e);
		break;
	case SQLOP_SETOP:
		rc = setop_next(op, row, e);
		break;
	}
	if (rc != 0)
		*row = NULL;
	else if (*row == NULL)
		st->done = 1;
	return rc;
}

void sqlop_close(struct sqlop *op)
{
	struct sqlop_state *st = op->st;

	if (st == NULL || !st->open)
		return;
	st->open = 0;
	if (op->in != NULL)
		sqlop_close(op->in);
	if (op->in2 != NULL)
		sqlop_close(op->in2);
	if (op->kind == SQLOP_SCAN)
		sqlkv_page_release(&st->pg);
}

/* ---- EXPLAIN ------------------------------------------------------------ */

static const char *join_name(enum sqlop_join t)
{
	switch (t) {
	case SQLOP_JOIN_LEFT:
		return "left";
	case SQLOP_JOIN_FULL:
		return "full";
	default:
		return "inner";
	}
}

static int line(sqlop_line_fn fn, void *arg, int depth, struct arena *a,
		struct sqlerr *e, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int line(sqlop_line_fn fn, void *arg, int depth, struct arena *a,
		struct sqlerr *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return sqlerr_nomem(e);
	s = arena_alloc(a, (size_t)n + 1);
	if (s == NULL)
		return sqlerr_nomem(e);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return fn(arg, depth, s, e);
}

static char *pretty(struct arena *a, const uint8_t *k, size_t n)
{
	char *p, *s;

	if (n == 0)
		return arena_strndup(a, "(end)", 5);
	p = keys_pretty_alloc(k, n);
	if (p == NULL)
		return NULL;
	s = arena_strndup(a, p, strlen(p));
	free(p);
	return s;
}

static void json_field(const json_t *o, const char *k, char *buf, size_t cap)
{
	const json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else
		snprintf(buf, cap, "?");
}

static int explain_ranges(struct sqlctx *ctx, const struct span *sp,
			  int depth, sqlop_line_fn fn, void *arg,
			  struct sqlerr *e)
{
	void *j = NULL;
	json_t *arr;
	size_t i;
	json_t *r;

	if (ctx->ranges == NULL)
		return 0;
	if (ctx->ranges(ctx->ranges_arg, sp->s, sp->sn, sp->e, sp->en, &j,
			e) != 0)
		return -1;
	arr = j;
	json_array_foreach(arr, i, r) {
		char id[64], who[160];
		int has_leader = json_object_get(r, "leader") != NULL;

		json_field(r, "range_id", id, sizeof(id));
		json_field(r, has_leader ? "leader" : "replicas", who,
			   sizeof(who));
		if (line(fn, arg, depth, ctx->a, e, "range %s (%s %s)", id,
			 has_leader ? "leader" : "replicas", who) != 0) {
			json_decref(arr);
			return -1;
		}
	}
	json_decref(arr);
	return 0;
}

static int explain_scan(struct sqlop *op, int depth, sqlop_line_fn fn,
			void *arg, struct sqlerr *e)
{
	struct sqlctx *ctx = op->rt->ctx;
	struct arena *a = ctx->a;
	const struct sqlcat_desc *d = op->u.scan.d;
	const struct sqlcat_index *ix = op->u.scan.ix;
	const char *alias = op->u.scan.alias;
	int bound = op->u.scan.neq > 0 || op->u.scan.nin > 0 ||
		op->u.scan.lo != NULL || op->u.scan.hi != NULL;
	int ext = 0, rowfree = 1;
	struct span *spans;
	size_t n;

	for (size_t i = 0; i < op->u.scan.neq; i++) {
		if (op->u.scan.eq[i] == NULL)
			ext = 1;
		else if (!sqlx_is_const_tree(op->u.scan.eq[i]))
			rowfree = 0;
	}
	for (size_t i = 0; i < op->u.scan.nin; i++)
		if (!sqlx_is_const_tree(op->u.scan.in_items[i]))
			rowfree = 0;
	if ((op->u.scan.lo && !sqlx_is_const_tree(op->u.scan.lo)) ||
	    (op->u.scan.hi && !sqlx_is_const_tree(op->u.scan.hi)))
		rowfree = 0;
	if (line(fn, arg, depth, a, e, "scan %s%s%s@%s%s%s", d->name,
		 alias && strcmp(alias, d->name) != 0 ? " AS " : "",
		 alias && strcmp(alias, d->name) != 0 ? alias : "",
		 ix->id == SQLCAT_PRIMARY_INDEX ? "primary" : ix->name,
		 !bound ? " (full scan)" : "",
		 ix->id != SQLCAT_PRIMARY_INDEX && !op->u.scan.covering ?
		 " (then row lookup)" : "") != 0)
		return -1;
	if (ext)
		return line(fn, arg, depth + 1, a, e, "spans: by the join key "
			    "of each outer row");
	if (!rowfree) {
		if (line(fn, arg, depth + 1, a, e, "spans: from the outer "
			 "query's row") != 0)
			return -1;
	} else {
		if (scan_spans(op, NULL, a, &spans, &n, NULL) != 0)
			return line(fn, arg, depth + 1, a, e, "spans: "
				    "computed at run time");
		if (n == 0 && line(fn, arg, depth + 1, a, e, "spans: none "
				   "(nothing can match)") != 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			char *s = pretty(a, spans[i].s, spans[i].sn);
			char *en = pretty(a, spans[i].e, spans[i].en);

			if (s == NULL || en == NULL)
				return sqlerr_nomem(e);
			if (line(fn, arg, depth + 1, a, e, "span: %s - %s", s,
				 en) != 0 ||
			    explain_ranges(ctx, &spans[i], depth + 2, fn, arg,
					   e) != 0)
				return -1;
		}
	}
	return 0;
}

struct explain_sub {
	int depth;
	sqlop_line_fn fn;
	void *arg;
	struct sqlerr *e;
	struct arena *a;
};

static int explain_one_sub(void *arg, const struct sqlx_sub *s)
{
	struct explain_sub *x = arg;

	if (line(x->fn, x->arg, x->depth, x->a, x->e, "subquery (%s)",
		 s->correlated ? "for each row" : "once") != 0)
		return -1;
	return sqlop_explain(s->plan, x->depth + 1, x->fn, x->arg, x->e);
}

/* The subqueries in op's own expressions. */
static int explain_subs(struct sqlop *op, int depth, sqlop_line_fn fn,
			void *arg, struct sqlerr *e)
{
	struct explain_sub x = { depth, fn, arg, e, op->rt->ctx->a };
	struct sqlx *one[6] = { NULL };
	struct sqlx **lists[4] = { NULL };
	size_t nl[4] = { 0 };

	switch (op->kind) {
	case SQLOP_VALUES:
		for (size_t i = 0; i < op->u.values.nrows; i++)
			for (size_t c = 0; c < op->ncols; c++)
				if (sqlx_each_sub(op->u.values.rows[i][c],
						  explain_one_sub, &x) != 0)
					return -1;
		return 0;
	case SQLOP_SCAN:
		lists[0] = op->u.scan.eq;
		nl[0] = op->u.scan.neq;
		lists[1] = op->u.scan.in_items;
		nl[1] = op->u.scan.nin;
		one[0] = op->u.scan.lo;
		one[1] = op->u.scan.hi;
		one[2] = op->u.scan.filter;
		break;
	case SQLOP_FILTER:
		one[0] = op->u.filter.pred;
		break;
	case SQLOP_PROJECT:
		lists[0] = op->u.project.exprs;
		nl[0] = op->ncols;
		break;
	case SQLOP_NLJOIN:
	case SQLOP_HASHJOIN:
		one[0] = op->u.join.cond;
		lists[0] = op->u.join.lkeys;
		nl[0] = op->u.join.nkeys;
		lists[1] = op->u.join.rkeys;
		nl[1] = op->kind == SQLOP_HASHJOIN ? op->u.join.nkeys : 0;
		break;
	case SQLOP_AGG:
		lists[0] = op->u.agg.keys;
		nl[0] = op->u.agg.nkeys;
		for (size_t i = 0; i < op->u.agg.naggs; i++)
			if (sqlx_each_sub(op->u.agg.aggs[i].arg,
					  explain_one_sub, &x) != 0)
				return -1;
		break;
	case SQLOP_LIMIT:
		one[0] = op->u.limit.limit;
		one[1] = op->u.limit.offset;
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < 6; i++)
		if (sqlx_each_sub(one[i], explain_one_sub, &x) != 0)
			return -1;
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < nl[k]; i++)
			if (sqlx_each_sub(lists[k][i], explain_one_sub,
					  &x) != 0)
				return -1;
	return 0;
}

int sqlop_explain(struct sqlop *op, int depth, sqlop_line_fn fn, void *arg,
		  struct sqlerr *e)
{
	struct arena *a = op->rt->ctx->a;
	const char *name = NULL;
	char buf[128];

	switch (op->kind) {
	case SQLOP_VALUES:
		snprintf(buf, sizeof(buf), "values (%zu row%s)",
			 op->u.values.nrows,
			 op->u.values.nrows == 1 ? "" : "s");
		name = buf;
		break;
	case SQLOP_SCAN:
		if (explain_scan(op, depth, fn, arg, e) != 0)
			return -1;
		break;
	case SQLOP_FILTER:
		name = "filter";
		break;
	case SQLOP_PROJECT:
		name = "project";
		break;
	case SQLOP_NLJOIN:
		snprintf(buf, sizeof(buf), "%s join (%s)",
			 op->u.join.lookup ? "lookup" : "nested loop",
			 join_name(op->u.join.type));
		name = buf;
		break;
	case SQLOP_HASHJOIN:
		snprintf(buf, sizeof(buf), "hash join (%s)",
			 join_name(op->u.join.type));
		name = buf;
		break;
	case SQLOP_AGG:
		name = op->u.agg.nkeys > 0 ? "group (hash)" : "aggregate";
		break;
	case SQLOP_SORT:
		name = "sort";
		break;
	case SQLOP_DISTINCT:
		name = "distinct";
		break;
	case SQLOP_LIMIT:
		name = "limit";
		break;
	case SQLOP_APPEND:
		name = "union all";
		break;
	case SQLOP_SETOP:
		snprintf(buf, sizeof(buf), "%s%s",
			 op->u.setop.op == SQL_SETOP_INTERSECT ? "intersect" :
			 op->u.setop.op == SQL_SETOP_EXCEPT ? "except" :
			 "union", op->u.setop.all ? " all" : "");
		name = buf;
		break;
	}
	if (name != NULL &&
	    line(fn, arg, depth, a, e, "%s%s%s", name,
		 op->label ? " " : "", op->label ? op->label : "") != 0)
		return -1;
	for (size_t i = 0; i < op->nfilter_ast; i++) {
		char *s = sqlast_expr_to_sql(a, op->filter_ast[i]);

		if (s == NULL)
			return sqlerr_nomem(e);
		if (line(fn, arg, depth + 1, a, e, "%s: %s",
			 op->kind == SQLOP_NLJOIN || op->kind ==
			 SQLOP_HASHJOIN ? "on" : "filter", s) != 0)
			return -1;
	}
	if (op->kind == SQLOP_SCAN && op->u.scan.pushed != NULL &&
	    line(fn, arg, depth + 1, a, e, "pushed to the ranges: %s",
		 op->u.scan.pushed) != 0)
		return -1;
	if (explain_subs(op, depth + 1, fn, arg, e) != 0)
		return -1;
	if (op->in != NULL &&
	    sqlop_explain(op->in, depth + 1, fn, arg, e) != 0)
		return -1;
	if (op->in2 != NULL &&
	    sqlop_explain(op->in2, depth + 1, fn, arg, e) != 0)
		return -1;
	return 0;
}
