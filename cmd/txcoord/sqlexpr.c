/*
 * sqlexpr.c -- evaluation and folding of compiled expressions (see
 * sqlexpr.h).
 *
 * Evaluation is a recursive walk (the parser bounds the height of every
 * tree, so the recursion is bounded too).  Operators and functions come
 * from sqlval; this file adds what needs laziness or rows: logic, CASE,
 * COALESCE, NULLIF, IN, BETWEEN, LIKE with a precompiled pattern, and
 * subqueries (run through sqlops, cached when uncorrelated).
 */
#include "sqlexpr.h"

#include <stdlib.h>
#include <string.h>

#include "sqlops.h"

/* ---- construction ------------------------------------------------------- */

struct sqlx *sqlx_new(struct arena *a, enum sqlx_kind kind,
		      const struct sql_type *type)
{
	struct sqlx *x = arena_alloc(a, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->kind = kind;
	if (type != NULL)
		x->type = *type;
	return x;
}

struct sqlx *sqlx_const(struct arena *a, const struct sql_datum *d,
			const struct sql_type *type)
{
	struct sqlx *x = sqlx_new(a, SQLX_CONST, type);

	if (x != NULL)
		x->u.c = *d;
	return x;
}

struct sqlx *sqlx_col(struct arena *a, int depth, size_t idx,
		      const struct sql_type *type)
{
	struct sqlx *x = sqlx_new(a, SQLX_COL, type);

	if (x != NULL) {
		x->u.col.depth = depth;
		x->u.col.idx = idx;
	}
	return x;
}

int sqlx_cast_to(struct arena *a, struct sqlx *x, const struct sql_type *to,
		 int assign, int strict, int pos, struct sqlx **out,
		 struct sqlerr *e)
{
	struct sqlx *c;

	if (sqlval_type_equal(&x->type, to)) {
		*out = x;
		return 0;
	}
	if (x->kind == SQLX_CONST) {
		struct sql_datum d;
		struct sqlerr e2;
		int rc;

		if (assign)
			rc = sqlval_assign(&x->u.c, &x->type, to, a, &d, &e2);
		else
			rc = sqlval_cast(&x->u.c, &x->type, to, a, &d, &e2);
		if (rc == 0) {
			*out = sqlx_const(a, &d, to);
			return *out == NULL ? sqlerr_nomem(e) : 0;
		}
		if (strcmp(e2.sqlstate, SQLSTATE_OUT_OF_MEMORY) == 0 ||
		    strict) {
			if (e != NULL) {
				*e = e2;
				if (e->position == 0)
					e->position = pos;
			}
			return -1;
		}
	}
	c = sqlx_new(a, assign ? SQLX_ASSIGN : SQLX_CAST, to);
	if (c == NULL)
		return sqlerr_nomem(e);
	c->u.cast.arg = x;
	c->u.cast.from = x->type;
	c->pos = pos;
	*out = c;
	return 0;
}

/* ---- walks -------------------------------------------------------------- */

/* Calls fn on each direct child; stops at the first non-zero return. */
static int children(const struct sqlx *x,
		    int (*fn)(const struct sqlx *c, void *arg), void *arg)
{
	int r;

#define KID(c) do { if ((c) != NULL && (r = fn((c), arg)) != 0) \
		return r; } while (0)
	switch (x->kind) {
	case SQLX_CONST:
	case SQLX_COL:
	case SQLX_EXISTS:
	case SQLX_SUBQUERY:
		break;
	case SQLX_CAST:
	case SQLX_ASSIGN:
		KID(x->u.cast.arg);
		break;
	case SQLX_BINOP:
	case SQLX_DISTINCT:
	case SQLX_NULLIF:
		KID(x->u.bin.l);
		KID(x->u.bin.r);
		break;
	case SQLX_NEG:
	case SQLX_NOT:
		KID(x->u.arg);
		break;
	case SQLX_AND:
	case SQLX_OR:
	case SQLX_COALESCE:
		for (size_t i = 0; i < x->u.list.n; i++)
			KID(x->u.list.args[i]);
		break;
	case SQLX_IS:
		KID(x->u.is.arg);
		break;
	case SQLX_BETWEEN:
		KID(x->u.between.arg);
		KID(x->u.between.lo);
		KID(x->u.between.hi);
		break;
	case SQLX_IN_LIST:
		KID(x->u.in.arg);
		for (size_t i = 0; i < x->u.in.n; i++)
			KID(x->u.in.items[i]);
		break;
	case SQLX_IN_QUERY:
		KID(x->u.inq.arg);
		break;
	case SQLX_CASE:
		for (size_t i = 0; i < x->u.case_.n; i++) {
			KID(x->u.case_.conds[i]);
			KID(x->u.case_.results[i]);
		}
		KID(x->u.case_.else_);
		break;
	case SQLX_LIKE:
		KID(x->u.like.arg);
		KID(x->u.like.pat);
		KID(x->u.like.esc);
		break;
	case SQLX_FUNC:
		for (size_t i = 0; i < x->u.func.n; i++)
			KID(x->u.func.args[i]);
		break;
	}
#undef KID
	return 0;
}

struct each_sub {
	int (*fn)(void *arg, const struct sqlx_sub *s);
	void *arg;
};

static int each_sub(const struct sqlx *x, void *arg)
{
	struct each_sub *es = arg;
	int r;

	if (x->kind == SQLX_EXISTS || x->kind == SQLX_SUBQUERY)
		return es->fn(es->arg, x->u.sub);
	if (x->kind == SQLX_IN_QUERY &&
	    (r = es->fn(es->arg, x->u.inq.sub)) != 0)
		return r;
	return children(x, each_sub, arg);
}

int sqlx_each_sub(const struct sqlx *x,
		  int (*fn)(void *arg, const struct sqlx_sub *s), void *arg)
{
	struct each_sub es = { fn, arg };

	if (x == NULL)
		return 0;
	return each_sub(x, &es);
}

static int reads_row(const struct sqlx *x, void *arg)
{
	(void)arg;
	if (x->kind == SQLX_COL && x->u.col.depth == 0)
		return 1;
	return children(x, reads_row, NULL);
}

bool sqlx_is_rowfree(const struct sqlx *x)
{
	/*
	 * Subqueries may only read enclosing rows through their own depth
	 * numbering, which never reaches depth 0 of this level unless they
	 * are correlated: treat correlated subqueries as reading the row.
	 */
	if (x->kind == SQLX_EXISTS || x->kind == SQLX_SUBQUERY)
		return !x->u.sub->correlated;
	if (x->kind == SQLX_IN_QUERY && x->u.inq.sub->correlated)
		return false;
	if (x->kind == SQLX_COL && x->u.col.depth == 0)
		return false;
	return children(x, reads_row, NULL) == 0 &&
		(x->kind != SQLX_IN_QUERY || sqlx_is_rowfree(x->u.inq.arg));
}

static int not_const(const struct sqlx *x, void *arg)
{
	(void)arg;
	if (x->kind == SQLX_COL || x->kind == SQLX_EXISTS ||
	    x->kind == SQLX_SUBQUERY || x->kind == SQLX_IN_QUERY)
		return 1;
	return children(x, not_const, NULL);
}

bool sqlx_is_const_tree(const struct sqlx *x)
{
	return not_const(x, NULL) == 0;
}

static int not_local(const struct sqlx *x, void *arg)
{
	(void)arg;
	if (x->kind == SQLX_EXISTS || x->kind == SQLX_SUBQUERY ||
	    x->kind == SQLX_IN_QUERY ||
	    (x->kind == SQLX_COL && x->u.col.depth != 0))
		return 1;
	return children(x, not_local, NULL);
}

bool sqlx_is_local(const struct sqlx *x)
{
	return not_local(x, NULL) == 0;
}

/* ---- helpers ------------------------------------------------------------ */

int sqlx_datum_cmp(const struct sql_datum *a, const struct sql_datum *b)
{
	if (a->kind == SQL_DATUM_NULL || b->kind == SQL_DATUM_NULL) {
		if (a->kind == b->kind)
			return 0;
		return a->kind == SQL_DATUM_NULL ? -1 : 1;
	}
	return sqlval_cmp(a, b);
}

static int cmp_qsort(const void *x, const void *y)
{
	return sqlval_cmp(x, y);
}

/* Sort v[0..n) (no NULLs) and drop duplicates; returns the new count. */
static size_t sort_unique(struct sql_datum *v, size_t n)
{
	size_t m = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_qsort);
	for (size_t i = 1; i < n; i++)
		if (sqlval_cmp(&v[m], &v[i]) != 0)
			v[++m] = v[i];
	return m + 1;
}

static bool bsearch_datum(const struct sql_datum *v, size_t n,
			  const struct sql_datum *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = sqlval_cmp(&v[mid], k);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int truth_of(const struct sql_datum *d)
{
	if (d->kind == SQL_DATUM_NULL)
		return SQLX_UNKNOWN;
	return d->b ? SQLX_TRUE : SQLX_FALSE;
}

static struct sql_datum datum_of_truth(int t)
{
	if (t == SQLX_UNKNOWN)
		return sqlval_null();
	return sqlval_bool(t == SQLX_TRUE);
}

/* a op b as a truth value (comparison ops). */
static int cmp_truth(enum sql_op op, const struct sql_optype *t,
		     const struct sql_datum *a, const struct sql_datum *b,
		     struct arena *ar, int *truth, struct sqlerr *e)
{
	struct sql_datum r;

	if (a->kind == SQL_DATUM_NULL || b->kind == SQL_DATUM_NULL) {
		*truth = SQLX_UNKNOWN;
		return 0;
	}
	if (sqlval_binop(op, t, a, b, ar, &r, e) != 0)
		return -1;
	*truth = truth_of(&r);
	return 0;
}

static int cast_if(const struct sql_datum *d, const struct sql_type *from,
		   const struct sql_type *to, struct arena *a,
		   struct sql_datum *out, struct sqlerr *e)
{
	if (d->kind == SQL_DATUM_NULL || sqlval_type_equal(from, to)) {
		*out = *d;
		return 0;
	}
	return sqlval_cast(d, from, to, a, out, e);
}

/* ---- subqueries --------------------------------------------------------- */

static int sub_scalar(struct sqlx_sub *s, const struct sqlx_env *env,
		      struct arena *a, struct sql_datum *out,
		      struct sqlerr *e)
{
	const struct sql_datum *row;
	struct sql_datum v = sqlval_null();
	struct arena *keep = s->correlated ? a : s->cache_arena;

	if (!s->correlated && s->cached) {
		*out = s->val;
		return 0;
	}
	if (sqlop_open(s->plan, env, e) != 0)
		goto fail;
	if (sqlop_next(s->plan, &row, e) != 0)
		goto fail;
	if (row != NULL) {
		if (sqlval_copy(&row[0], keep, &v, e) != 0)
			goto fail;
		if (sqlop_next(s->plan, &row, e) != 0)
			goto fail;
		if (row != NULL) {
			sqlerr_set(e, SQLSTATE_CARDINALITY, 0, "more than one "
				   "row returned by a subquery used as an "
				   "expression");
			goto fail;
		}
	}
	sqlop_close(s->plan);
	if (!s->correlated) {
		s->val = v;
		s->cached = 1;
	}
	*out = v;
	return 0;
fail:
	sqlop_close(s->plan);
	return -1;
}

static int sub_exists(struct sqlx_sub *s, const struct sqlx_env *env,
		      struct sql_datum *out, struct sqlerr *e)
{
	const struct sql_datum *row;

	if (!s->correlated && s->cached) {
		*out = s->val;
		return 0;
	}
	if (sqlop_open(s->plan, env, e) != 0 ||
	    sqlop_next(s->plan, &row, e) != 0) {
		sqlop_close(s->plan);
		return -1;
	}
	sqlop_close(s->plan);
	*out = sqlval_bool(row != NULL);
	if (!s->correlated) {
		s->val = *out;
		s->cached = 1;
	}
	return 0;
}

/* Materialize an uncorrelated IN subquery: sorted distinct values. */
static int sub_in_fill(struct sqlx_sub *s, const struct sqlx_env *env,
		       const struct sql_type *to, struct sqlerr *e)
{
	const struct sql_datum *row;
	struct sql_datum *v = NULL;
	size_t n = 0, cap = 0;

	if (sqlop_open(s->plan, env, e) != 0)
		goto fail;
	for (;;) {
		struct sql_datum d;

		if (sqlop_next(s->plan, &row, e) != 0)
			goto fail;
		if (row == NULL)
			break;
		if (row[0].kind == SQL_DATUM_NULL) {
			s->has_null = 1;
			continue;
		}
		if (cast_if(&row[0], &s->type, to, s->cache_arena, &d, e) != 0)
			goto fail;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct sql_datum *nv =
				arena_alloc(s->cache_arena, nc * sizeof(*nv));

			if (nv == NULL) {
				sqlerr_nomem(e);
				goto fail;
			}
			if (n > 0)
				memcpy(nv, v, n * sizeof(*v));
			v = nv;
			cap = nc;
		}
		if (sqlval_copy(&d, s->cache_arena, &v[n], e) != 0)
			goto fail;
		n++;
	}
	sqlop_close(s->plan);
	s->vals = v;
	s->nvals = sort_unique(v, n);
	s->cached = 1;
	return 0;
fail:
	sqlop_close(s->plan);
	return -1;
}

static int eval_in_query(const struct sqlx *x, const struct sqlx_env *env,
			 struct arena *a, struct sql_datum *out,
			 struct sqlerr *e)
{
	struct sqlx_sub *s = x->u.inq.sub;
	const struct sql_type *to = &x->u.inq.t.left;
	struct sql_datum v;
	int found = 0, saw_null = 0, empty = 1;

	if (sqlx_eval(x->u.inq.arg, env, a, &v, e) != 0)
		return -1;
	if (x->u.inq.never) {		/* no row can equal v */
		const struct sql_datum *row;

		if (sqlop_open(s->plan, env, e) != 0)
			goto fail;
		for (;;) {
			if (sqlop_next(s->plan, &row, e) != 0)
				goto fail;
			if (row == NULL)
				break;
			empty = 0;
			saw_null |= row[0].kind == SQL_DATUM_NULL;
		}
		sqlop_close(s->plan);
	} else if (!s->correlated) {
		if (!s->cached && sub_in_fill(s, env, to, e) != 0)
			return -1;
		empty = s->nvals == 0 && !s->has_null;
		if (!empty && v.kind != SQL_DATUM_NULL)
			found = bsearch_datum(s->vals, s->nvals, &v);
		saw_null = s->has_null;
	} else {
		const struct sql_datum *row;

		if (sqlop_open(s->plan, env, e) != 0)
			goto fail;
		for (;;) {
			struct sql_datum d;
			int t;

			if (sqlop_next(s->plan, &row, e) != 0)
				goto fail;
			if (row == NULL)
				break;
			empty = 0;
			if (v.kind == SQL_DATUM_NULL)
				break;
			if (row[0].kind == SQL_DATUM_NULL) {
				saw_null = 1;
				continue;
			}
			if (cast_if(&row[0], &s->type, to, a, &d, e) != 0 ||
			    cmp_truth(SQL_OP_EQ, &x->u.inq.t, &v, &d, a, &t,
				      e) != 0)
				goto fail;
			if (t == SQLX_TRUE) {
				found = 1;
				break;
			}
		}
		sqlop_close(s->plan);
	}
	if (empty)
		*out = sqlval_bool(x->u.inq.not_);
	else if (found)
		*out = sqlval_bool(!x->u.inq.not_);
	else if (v.kind == SQL_DATUM_NULL || saw_null)
		*out = sqlval_null();
	else
		*out = sqlval_bool(x->u.inq.not_);
	return 0;
fail:
	sqlop_close(s->plan);
	return -1;
}

/* ---- evaluation --------------------------------------------------------- */

static int eval_in_list(const struct sqlx *x, const struct sqlx_env *env,
			struct arena *a, struct sql_datum *out,
			struct sqlerr *e)
{
	struct sql_datum v;
	int found = 0, saw_null = 0;

	if (sqlx_eval(x->u.in.arg, env, a, &v, e) != 0)
		return -1;
	if (v.kind == SQL_DATUM_NULL) {
		*out = sqlval_null();
		return 0;
	}
	if (x->u.in.all_const) {
		found = bsearch_datum(x->u.in.sorted, x->u.in.nsorted, &v);
		saw_null = x->u.in.const_has_null;
	} else {
		for (size_t i = 0; i < x->u.in.n && !found; i++) {
			struct sql_datum d;
			int t;

			if (sqlx_eval(x->u.in.items[i], env, a, &d, e) != 0 ||
			    cmp_truth(SQL_OP_EQ, &x->u.in.t, &v, &d, a, &t,
				      e) != 0)
				return -1;
			if (t == SQLX_TRUE)
				found = 1;
			else if (t == SQLX_UNKNOWN)
				saw_null = 1;
		}
	}
	if (found)
		*out = sqlval_bool(!x->u.in.not_);
	else if (saw_null)
		*out = sqlval_null();
	else
		*out = sqlval_bool(x->u.in.not_);
	return 0;
}

static int between_truth(const struct sqlx *x, const struct sql_datum *v,
			 const struct sql_datum *lo,
			 const struct sql_datum *hi, struct arena *a,
			 int *truth, struct sqlerr *e)
{
	int t1, t2;

	if (cmp_truth(SQL_OP_GE, &x->u.between.t, v, lo, a, &t1, e) != 0 ||
	    cmp_truth(SQL_OP_LE, &x->u.between.t, v, hi, a, &t2, e) != 0)
		return -1;
	if (t1 == SQLX_FALSE || t2 == SQLX_FALSE)
		*truth = SQLX_FALSE;
	else if (t1 == SQLX_UNKNOWN || t2 == SQLX_UNKNOWN)
		*truth = SQLX_UNKNOWN;
	else
		*truth = SQLX_TRUE;
	return 0;
}

static int eval_between(const struct sqlx *x, const struct sqlx_env *env,
			struct arena *a, struct sql_datum *out,
			struct sqlerr *e)
{
	struct sql_datum v, lo, hi;
	int t;

	if (sqlx_eval(x->u.between.arg, env, a, &v, e) != 0 ||
	    sqlx_eval(x->u.between.lo, env, a, &lo, e) != 0 ||
	    sqlx_eval(x->u.between.hi, env, a, &hi, e) != 0)
		return -1;
	if (between_truth(x, &v, &lo, &hi, a, &t, e) != 0)
		return -1;
	if (x->u.between.symmetric && t != SQLX_TRUE) {
		int t2;

		if (between_truth(x, &v, &hi, &lo, a, &t2, e) != 0)
			return -1;
		if (t2 == SQLX_TRUE)
			t = SQLX_TRUE;
		else if (t2 == SQLX_UNKNOWN)
			t = SQLX_UNKNOWN;
	}
	if (x->u.between.not_ && t != SQLX_UNKNOWN)
		t = t == SQLX_TRUE ? SQLX_FALSE : SQLX_TRUE;
	*out = datum_of_truth(t);
	return 0;
}

static int eval_like(const struct sqlx *x, const struct sqlx_env *env,
		     struct arena *a, struct sql_datum *out, struct sqlerr *e)
{
	struct sql_datum v, p, es;
	bool m;

	if (sqlx_eval(x->u.like.arg, env, a, &v, e) != 0)
		return -1;
	if (v.kind == SQL_DATUM_NULL) {
		*out = sqlval_null();
		return 0;
	}
	if (x->u.like.compiled != NULL) {
		if (sqlval_like_match(x->u.like.compiled, v.s.p, v.s.n, &m,
				      e) != 0)
			return -1;
	} else {
		if (sqlx_eval(x->u.like.pat, env, a, &p, e) != 0)
			return -1;
		if (p.kind == SQL_DATUM_NULL) {
			*out = sqlval_null();
			return 0;
		}
		if (x->u.like.esc != NULL) {
			if (sqlx_eval(x->u.like.esc, env, a, &es, e) != 0)
				return -1;
			if (es.kind == SQL_DATUM_NULL) {
				*out = sqlval_null();
				return 0;
			}
		}
		if (sqlval_like(a, v.s.p, v.s.n, p.s.p, p.s.n,
				x->u.like.esc != NULL ? es.s.p : NULL,
				x->u.like.esc != NULL ? es.s.n : 0,
				x->u.like.icase, &m, e) != 0)
			return -1;
	}
	*out = sqlval_bool(x->u.like.not_ ? !m : m);
	return 0;
}

int sqlx_eval(const struct sqlx *x, const struct sqlx_env *env,
	      struct arena *a, struct sql_datum *out, struct sqlerr *e)
{
	struct sql_datum l, r;
	int t;

	switch (x->kind) {
	case SQLX_CONST:
		*out = x->u.c;
		return 0;
	case SQLX_COL: {
		const struct sqlx_env *en = env;

		for (int d = 0; d < x->u.col.depth && en != NULL; d++)
			en = en->outer;
		if (en == NULL || en->row == NULL)
			return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "column "
					  "reference outside of any row");
		*out = en->row[x->u.col.idx];
		return 0;
	}
	case SQLX_CAST:
	case SQLX_ASSIGN:
		if (sqlx_eval(x->u.cast.arg, env, a, &l, e) != 0)
			return -1;
		if (l.kind == SQL_DATUM_NULL) {
			*out = l;
			return 0;
		}
		if (x->kind == SQLX_ASSIGN)
			return sqlval_assign(&l, &x->u.cast.from, &x->type, a,
					     out, e);
		return sqlval_cast(&l, &x->u.cast.from, &x->type, a, out, e);
	case SQLX_BINOP:
		if (sqlx_eval(x->u.bin.l, env, a, &l, e) != 0 ||
		    sqlx_eval(x->u.bin.r, env, a, &r, e) != 0)
			return -1;
		if (l.kind == SQL_DATUM_NULL || r.kind == SQL_DATUM_NULL) {
			*out = sqlval_null();
			return 0;
		}
		return sqlval_binop(x->u.bin.op, &x->u.bin.t, &l, &r, a, out,
				    e);
	case SQLX_DISTINCT: {
		int dist;

		if (sqlx_eval(x->u.bin.l, env, a, &l, e) != 0 ||
		    sqlx_eval(x->u.bin.r, env, a, &r, e) != 0)
			return -1;
		if (l.kind == SQL_DATUM_NULL || r.kind == SQL_DATUM_NULL) {
			dist = l.kind != r.kind;
		} else {
			if (cmp_truth(SQL_OP_EQ, &x->u.bin.t, &l, &r, a, &t,
				      e) != 0)
				return -1;
			dist = t != SQLX_TRUE;
		}
		*out = sqlval_bool(x->u.bin.not_ ? !dist : dist);
		return 0;
	}
	case SQLX_NULLIF: {
		struct sql_datum lc, rc;

		if (sqlx_eval(x->u.bin.l, env, a, &l, e) != 0 ||
		    sqlx_eval(x->u.bin.r, env, a, &r, e) != 0)
			return -1;
		if (l.kind == SQL_DATUM_NULL || r.kind == SQL_DATUM_NULL) {
			*out = l;
			return 0;
		}
		if (cast_if(&l, &x->u.bin.l->type, &x->u.bin.t.left, a, &lc,
			    e) != 0 ||
		    cast_if(&r, &x->u.bin.r->type, &x->u.bin.t.right, a, &rc,
			    e) != 0 ||
		    cmp_truth(SQL_OP_EQ, &x->u.bin.t, &lc, &rc, a, &t, e) != 0)
			return -1;
		*out = t == SQLX_TRUE ? sqlval_null() : l;
		return 0;
	}
	case SQLX_NEG:
		if (sqlx_eval(x->u.arg, env, a, &l, e) != 0)
			return -1;
		return sqlval_neg(&l, out, e);
	case SQLX_NOT:
		if (sqlx_eval(x->u.arg, env, a, &l, e) != 0)
			return -1;
		*out = l.kind == SQL_DATUM_NULL ? l : sqlval_bool(!l.b);
		return 0;
	case SQLX_AND:
	case SQLX_OR: {
		int stop = x->kind == SQLX_AND ? SQLX_FALSE : SQLX_TRUE;
		int unknown = 0;

		for (size_t i = 0; i < x->u.list.n; i++) {
			if (sqlx_eval_truth(x->u.list.args[i], env, a, &t,
					    e) != 0)
				return -1;
			if (t == stop) {
				*out = sqlval_bool(stop == SQLX_TRUE);
				return 0;
			}
			if (t == SQLX_UNKNOWN)
				unknown = 1;
		}
		*out = unknown ? sqlval_null() :
			sqlval_bool(stop != SQLX_TRUE);
		return 0;
	}
	case SQLX_IS: {
		int res;

		if (sqlx_eval(x->u.is.arg, env, a, &l, e) != 0)
			return -1;
		switch (x->u.is.what) {
		case SQL_IS_TRUE:
			res = l.kind != SQL_DATUM_NULL && l.b;
			break;
		case SQL_IS_FALSE:
			res = l.kind != SQL_DATUM_NULL && !l.b;
			break;
		default:
			res = l.kind == SQL_DATUM_NULL;
			break;
		}
		*out = sqlval_bool(x->u.is.not_ ? !res : res);
		return 0;
	}
	case SQLX_BETWEEN:
		return eval_between(x, env, a, out, e);
	case SQLX_IN_LIST:
		return eval_in_list(x, env, a, out, e);
	case SQLX_IN_QUERY:
		return eval_in_query(x, env, a, out, e);
	case SQLX_EXISTS:
		return sub_exists(x->u.sub, env, out, e);
	case SQLX_SUBQUERY:
		return sub_scalar(x->u.sub, env, a, out, e);
	case SQLX_CASE:
		for (size_t i = 0; i < x->u.case_.n; i++) {
			if (sqlx_eval_truth(x->u.case_.conds[i], env, a, &t,
					    e) != 0)
				return -1;
			if (t == SQLX_TRUE)
				return sqlx_eval(x->u.case_.results[i], env,
						 a, out, e);
		}
		if (x->u.case_.else_ != NULL)
			return sqlx_eval(x->u.case_.else_, env, a, out, e);
		*out = sqlval_null();
		return 0;
	case SQLX_LIKE:
		return eval_like(x, env, a, out, e);
	case SQLX_FUNC: {
		struct sql_datum args[SQLVAL_FUNC_MAX_ARGS];

		for (size_t i = 0; i < x->u.func.n; i++)
			if (sqlx_eval(x->u.func.args[i], env, a, &args[i],
				      e) != 0)
				return -1;
		return sqlval_func_call(&x->u.func.f, args, x->u.func.n, a,
					out, e);
	}
	case SQLX_COALESCE:
		for (size_t i = 0; i < x->u.list.n; i++) {
			if (sqlx_eval(x->u.list.args[i], env, a, out, e) != 0)
				return -1;
			if (out->kind != SQL_DATUM_NULL)
				return 0;
		}
		*out = sqlval_null();
		return 0;
	}
	return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "unknown expression kind "
			  "%d", (int)x->kind);
}

int sqlx_eval_truth(const struct sqlx *x, const struct sqlx_env *env,
		    struct arena *a, int *truth, struct sqlerr *e)
{
	struct sql_datum d;

	if (sqlx_eval(x, env, a, &d, e) != 0)
		return -1;
	*truth = truth_of(&d);
	return 0;
}

/* ---- folding ------------------------------------------------------------ */

static int is_const(const struct sqlx *x)
{
	return x == NULL || x->kind == SQLX_CONST;
}

static int kids_const(const struct sqlx *c, void *arg)
{
	(void)arg;
	return c->kind != SQLX_CONST;
}

static void prepare_in(struct arena *a, struct sqlx *x)
{
	struct sql_datum *v;
	size_t n = 0;

	for (size_t i = 0; i < x->u.in.n; i++)
		if (x->u.in.items[i]->kind != SQLX_CONST)
			return;
	v = arena_alloc(a, x->u.in.n * sizeof(*v));
	if (v == NULL)
		return;
	x->u.in.const_has_null = 0;
	for (size_t i = 0; i < x->u.in.n; i++) {
		const struct sql_datum *d = &x->u.in.items[i]->u.c;

		if (d->kind == SQL_DATUM_NULL)
			x->u.in.const_has_null = 1;
		else
			v[n++] = *d;
	}
	x->u.in.sorted = v;
	x->u.in.nsorted = sort_unique(v, n);
	x->u.in.all_const = 1;
}

static void prepare_like(struct arena *a, struct sqlx *x)
{
	const struct sql_datum *p, *es = NULL;
	struct sqlval_like *c;

	if (!is_const(x->u.like.pat) || !is_const(x->u.like.esc))
		return;
	p = &x->u.like.pat->u.c;
	if (x->u.like.esc != NULL)
		es = &x->u.like.esc->u.c;
	if (p->kind == SQL_DATUM_NULL ||
	    (es != NULL && es->kind == SQL_DATUM_NULL))
		return;
	if (sqlval_like_compile(a, p->s.p, p->s.n, es ? es->s.p : NULL,
				es ? es->s.n : 0, x->u.like.icase, &c,
				NULL) == 0)
		x->u.like.compiled = c;
}

/* AND/OR with constant operands removed where they decide nothing. */
static struct sqlx *fold_logic(struct arena *a, struct sqlx *x)
{
	int stop = x->kind == SQLX_AND ? SQLX_FALSE : SQLX_TRUE;
	size_t m = 0;

	for (size_t i = 0; i < x->u.list.n; i++) {
		struct sqlx *c = x->u.list.args[i];

		if (c->kind == SQLX_CONST) {
			int t = truth_of(&c->u.c);

			if (t == stop)
				return c;
			if (t != SQLX_UNKNOWN)
				continue;	/* neutral element */
		}
		x->u.list.args[m++] = c;
	}
	if (m == 0) {
		struct sql_datum d = sqlval_bool(stop != SQLX_TRUE);
		struct sqlx *c = sqlx_const(a, &d, &x->type);

		return c != NULL ? c : x;
	}
	x->u.list.n = m;
	if (m == 1 && x->u.list.args[0]->kind != SQLX_CONST)
		return x->u.list.args[0];
	return x;
}

struct sqlx *sqlx_fold(struct arena *a, struct sqlx *x)
{
	struct sql_datum d;
	struct sqlx *c;

	switch (x->kind) {
	case SQLX_CONST:
	case SQLX_COL:
	case SQLX_EXISTS:
	case SQLX_SUBQUERY:
	case SQLX_IN_QUERY:
		return x;
	case SQLX_AND:
	case SQLX_OR:
		x = fold_logic(a, x);
		if (x->kind != SQLX_AND && x->kind != SQLX_OR)
			return x;
		break;
	case SQLX_IN_LIST:
		prepare_in(a, x);
		break;
	case SQLX_LIKE:
		prepare_like(a, x);
		break;
	case SQLX_CASE:
		/* drop leading branches that can never be taken */
		while (x->u.case_.n > 0 &&
		       x->u.case_.conds[0]->kind == SQLX_CONST &&
		       truth_of(&x->u.case_.conds[0]->u.c) != SQLX_TRUE) {
			x->u.case_.conds++;
			x->u.case_.results++;
			x->u.case_.n--;
		}
		if (x->u.case_.n > 0 &&
		    x->u.case_.conds[0]->kind == SQLX_CONST)
			return x->u.case_.results[0];
		if (x->u.case_.n == 0) {
			if (x->u.case_.else_ != NULL)
				return x->u.case_.else_;
			d = sqlval_null();
			c = sqlx_const(a, &d, &x->type);
			return c != NULL ? c : x;
		}
		return x;
	default:
		break;
	}
	if (children(x, kids_const, NULL) != 0)
		return x;
	if (sqlx_eval(x, NULL, a, &d, NULL) != 0)
		return x;
	c = sqlx_const(a, &d, &x->type);
	return c != NULL ? c : x;
}
