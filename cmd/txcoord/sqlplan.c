/*
 * sqlplan.c -- the planner (see sqlplan.h).
 *
 * Names.  A scope is the list of relations (FROM items) of one query
 * level, each with its columns; scopes chain to the enclosing query's
 * (correlated subqueries).  Where a relation's columns sit in the row an
 * expression is evaluated on depends on the plan: scope->off[r] is the
 * position of relation r's first column in that row (SIZE_MAX: not in
 * it), set before each compilation.  A lookup that resolves k levels up
 * compiles to a column of depth k; it also marks every query level in
 * between as correlated (so their subqueries are not cached) and marks
 * the relation and column as used (join placement, covering indexes).
 *
 * Placement.  Every WHERE / ON conjunct is first compiled in "analysis"
 * mode (every relation available, positions meaningless) to learn which
 * relations it reads; the greedy join planner then compiles it for real
 * against the row of the operator it is placed on.  Compiling twice keeps
 * the planner simple (no relocation of column positions inside already
 * planned subqueries) and costs little.
 *
 * Grouping.  With GROUP BY, HAVING or aggregates, the targets, HAVING and
 * ORDER BY are compiled in a copy of the scope marked "grouped": an
 * expression equal to a GROUP BY item becomes a column of the aggregation
 * row, an aggregate call becomes the column of its result (its argument
 * compiled in the input scope), and any other column reference is 42803.
 */
#include "sqlplan.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlparse.h"
#include "sqlrow.h"

/* ---- structures --------------------------------------------------------- */

struct pcol {
	const char *name;
	struct sql_type type;
	int hidden;		/* not part of "*" (the hidden rowid) */
	int qual_only;		/* only as rel.col (USING's two sides) */
	int alias_rel;		/* >= 0: the same column as column */
	size_t alias_col;	/* alias_col of rel alias_rel (USING) */
	int used;		/* referenced somewhere */
};

struct prel {
	const char *name;	/* qualifier; NULL: USING output columns */
	const char *db;
	struct pcol *cols;
	size_t ncols;
	const struct sqlcat_desc *d;	/* base table, or NULL */
	int unit;		/* planning: the unit that holds it */
	size_t off;		/* first column's position in that unit */
};

struct starent {
	size_t rel;
	size_t col;
};

struct grouping {
	struct sqlscope *in;		/* the input scope */
	const struct sql_expr **keys;
	size_t nkeys;
	int *key_rel;			/* column keys: rel/col, or -1 */
	size_t *key_col;
	struct sql_type *key_type;
	struct sqlagg *aggs;
	size_t naggs;
	size_t capaggs;
};

struct sqlscope {
	struct prel **rels;
	size_t nrels;
	size_t caprels;
	size_t *off;
	unsigned char *used;
	struct starent *star;
	size_t nstar;
	struct sqlscope *parent;
	int level;
	int all_avail;			/* analysis: no positions */
	struct grouping *grp;
};

struct unit {
	struct sqlop *op;		/* NULL: base table not planned yet */
	size_t base;			/* base table: its rel */
	int is_base;
	size_t width;
	struct starent *star;		/* its columns for "*" */
	size_t nstar;
	size_t capstar;
};

struct conj {
	const struct sql_expr *x;
	const char *clause;
	size_t *rels;			/* relations it reads */
	size_t nrels;
	int done;
	/* x is "l = r": what each side reads */
	const struct sql_expr *l;
	const struct sql_expr *r;
	size_t *lrels;
	size_t nl;
	size_t *rrels;
	size_t nr;
};

struct cvec {
	struct conj **v;
	size_t n;
	size_t cap;
};

struct ivec {
	size_t *v;
	size_t n;
	size_t cap;
};

struct scanrec {
	struct sqlop *op;
	size_t rel;
	struct sqlscope *sc;
};

struct sqlplan {
	struct sqlctx *ctx;
	struct arena *a;
	struct sqlop_rt *rt;
	int level;
	unsigned char *corr;
	size_t capcorr;
	struct unit **units;		/* stable: planning nests */
	size_t nunits;
	size_t capunits;
	struct scanrec *scans;
	size_t nscans;
	size_t capscans;
	/* the column the last depth-0 reference bound to */
	int last_rel;
	size_t last_col;
};

/* Compilation context. */
struct cx {
	struct sqlplan *p;
	struct sqlscope *sc;
	const char *clause;	/* aggregates not allowed here */
	int in_agg;
};

static int plan_query(struct sqlplan *p, const struct sql_query *q,
		      struct sqlscope *parent, struct sqlop **out,
		      const char ***names, struct sqlerr *e);
static int cx_expr(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e);

/* ---- small helpers ------------------------------------------------------ */

static int grow(struct arena *a, void **v, size_t *cap, size_t n, size_t sz)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 8;
	nv = arena_alloc(a, nc * sz);
	if (nv == NULL)
		return -1;
	if (n > 0)
		memcpy(nv, *v, n * sz);
	*v = nv;
	*cap = nc;
	return 0;
}

#define GROW(a, vec, n, cap) \
	grow((a), (void **)&(vec), &(cap), (n), sizeof(*(vec)))

static int ivec_push(struct arena *a, struct ivec *v, size_t x)
{
	if (GROW(a, v->v, v->n, v->cap) != 0)
		return -1;
	v->v[v->n++] = x;
	return 0;
}

static const char *tname(const struct sql_type *t, char *buf)
{
	return sqlval_type_name(t, buf, SQLVAL_TYPE_NAME_MAX);
}

static struct sql_type output_type(const struct sql_type *t)
{
	if (sqlval_type_is_unknown(t))
		return sqlval_type(SQL_TYPE_TEXT);
	return *t;
}

static int is_agg_name(const char *n)
{
	return strcmp(n, "count") == 0 || strcmp(n, "sum") == 0 ||
		strcmp(n, "avg") == 0 || strcmp(n, "min") == 0 ||
		strcmp(n, "max") == 0;
}

/* Does x call an aggregate (not looking into subqueries)? */
static int has_agg(const struct sql_expr *x)
{
	if (x == NULL)
		return 0;
	switch (x->kind) {
	case SQL_EXPR_FUNC:
		if (is_agg_name(x->u.func.name))
			return 1;
		for (size_t i = 0; i < x->u.func.n; i++)
			if (has_agg(x->u.func.args[i]))
				return 1;
		return 0;
	case SQL_EXPR_UNARY:
		return has_agg(x->u.unary.arg);
	case SQL_EXPR_BINARY:
		return has_agg(x->u.binary.left) || has_agg(x->u.binary.right);
	case SQL_EXPR_AND:
	case SQL_EXPR_OR:
		for (size_t i = 0; i < x->u.list.n; i++)
			if (has_agg(x->u.list.args[i]))
				return 1;
		return 0;
	case SQL_EXPR_IS:
		return has_agg(x->u.is.arg);
	case SQL_EXPR_BETWEEN:
		return has_agg(x->u.between.arg) || has_agg(x->u.between.lo) ||
			has_agg(x->u.between.hi);
	case SQL_EXPR_IN_LIST:
		if (has_agg(x->u.in_list.arg))
			return 1;
		for (size_t i = 0; i < x->u.in_list.n; i++)
			if (has_agg(x->u.in_list.items[i]))
				return 1;
		return 0;
	case SQL_EXPR_IN_QUERY:
		return has_agg(x->u.in_query.arg);
	case SQL_EXPR_LIKE:
		return has_agg(x->u.like.arg) || has_agg(x->u.like.pattern) ||
			has_agg(x->u.like.escape);
	case SQL_EXPR_CAST:
		return has_agg(x->u.cast.arg);
	case SQL_EXPR_CASE:
		if (has_agg(x->u.case_.arg) || has_agg(x->u.case_.else_))
			return 1;
		for (size_t i = 0; i < x->u.case_.n; i++)
			if (has_agg(x->u.case_.whens[i]->cond) ||
			    has_agg(x->u.case_.whens[i]->result))
				return 1;
		return 0;
	default:
		return 0;
	}
}

int sqlplan_type(const struct sql_typename *tn, struct sql_type *out,
		 struct sqlerr *e)
{
	static const enum sql_type_kind map[] = {
		[SQL_TYPENAME_INT2] = SQL_TYPE_INT2,
		[SQL_TYPENAME_INT4] = SQL_TYPE_INT4,
		[SQL_TYPENAME_INT8] = SQL_TYPE_INT8,
		[SQL_TYPENAME_FLOAT4] = SQL_TYPE_FLOAT4,
		[SQL_TYPENAME_FLOAT8] = SQL_TYPE_FLOAT8,
		[SQL_TYPENAME_DECIMAL] = SQL_TYPE_DECIMAL,
		[SQL_TYPENAME_TEXT] = SQL_TYPE_TEXT,
		[SQL_TYPENAME_VARCHAR] = SQL_TYPE_VARCHAR,
		[SQL_TYPENAME_CHAR] = SQL_TYPE_CHAR,
		[SQL_TYPENAME_BOOL] = SQL_TYPE_BOOL,
		[SQL_TYPENAME_BYTES] = SQL_TYPE_BYTES,
		[SQL_TYPENAME_TIMESTAMP] = SQL_TYPE_TIMESTAMP,
		[SQL_TYPENAME_DATE] = SQL_TYPE_DATE,
	};

	if ((size_t)tn->kind >= sizeof(map) / sizeof(map[0]))
		return sqlerr_set(e, SQLSTATE_UNDEF_OBJECT, tn->pos,
				  "unknown type");
	*out = sqlval_type(map[tn->kind]);
	out->width = tn->width;
	out->precision = tn->precision;
	out->scale = tn->scale;
	return sqlval_type_check(out, tn->pos, e);
}

static enum sql_op binop_of(enum sql_binop b)
{
	switch (b) {
	case SQL_BINOP_ADD: return SQL_OP_ADD;
	case SQL_BINOP_SUB: return SQL_OP_SUB;
	case SQL_BINOP_MUL: return SQL_OP_MUL;
	case SQL_BINOP_DIV: return SQL_OP_DIV;
	case SQL_BINOP_MOD: return SQL_OP_MOD;
	case SQL_BINOP_CONCAT: return SQL_OP_CONCAT;
	case SQL_BINOP_NE: return SQL_OP_NE;
	case SQL_BINOP_LT: return SQL_OP_LT;
	case SQL_BINOP_LE: return SQL_OP_LE;
	case SQL_BINOP_GT: return SQL_OP_GT;
	case SQL_BINOP_GE: return SQL_OP_GE;
	default: return SQL_OP_EQ;
	}
}

/* ---- plan context, levels ----------------------------------------------- */

int sqlplan_new(struct sqlctx *ctx, struct sqlop_rt *rt,
		struct sqlplan **out, struct sqlerr *e)
{
	struct sqlplan *p = arena_alloc(ctx->a, sizeof(*p));

	if (p == NULL)
		return sqlerr_nomem(e);
	p->ctx = ctx;
	p->a = ctx->a;
	p->rt = rt;
	p->capcorr = 16;
	p->corr = arena_alloc(ctx->a, p->capcorr);
	if (p->corr == NULL)
		return sqlerr_nomem(e);
	*out = p;
	return 0;
}

/* Enter a nested query level (subquery, derived table, view). */
static int level_push(struct sqlplan *p, struct sqlerr *e)
{
	if ((size_t)p->level + 2 >= p->capcorr) {
		size_t nc = p->capcorr * 2;
		unsigned char *n = arena_alloc(p->a, nc);

		if (n == NULL)
			return sqlerr_nomem(e);
		memcpy(n, p->corr, p->capcorr);
		p->corr = n;
		p->capcorr = nc;
	}
	p->level++;
	p->corr[p->level] = 0;
	return 0;
}

/* Leave it; returns whether it was correlated. */
static int level_pop(struct sqlplan *p)
{
	int c = p->corr[p->level];

	p->level--;
	return c;
}

/* ---- scopes ------------------------------------------------------------- */

static struct sqlscope *scope_new(struct sqlplan *p, struct sqlscope *parent)
{
	struct sqlscope *s = arena_alloc(p->a, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->parent = parent;
	s->level = p->level;
	return s;
}

struct sqlscope *sqlplan_scope(struct sqlplan *p)
{
	return scope_new(p, NULL);
}

static int scope_add(struct sqlplan *p, struct sqlscope *s, struct prel *r,
		     size_t *idx, struct sqlerr *e)
{
	if (s->nrels == s->caprels) {
		size_t nc = s->caprels ? s->caprels * 2 : 4;
		struct prel **nr = arena_alloc(p->a, nc * sizeof(*nr));
		size_t *no = arena_alloc(p->a, nc * sizeof(*no));
		unsigned char *nu = arena_alloc(p->a, nc);

		if (nr == NULL || no == NULL || nu == NULL)
			return sqlerr_nomem(e);
		if (s->nrels > 0) {
			memcpy(nr, s->rels, s->nrels * sizeof(*nr));
			memcpy(no, s->off, s->nrels * sizeof(*no));
			memcpy(nu, s->used, s->nrels);
		}
		s->rels = nr;
		s->off = no;
		s->used = nu;
		s->caprels = nc;
	}
	s->rels[s->nrels] = r;
	s->off[s->nrels] = SIZE_MAX;
	s->used[s->nrels] = 0;
	*idx = s->nrels++;
	return 0;
}

static struct prel *prel_new(struct sqlplan *p, const char *name,
			     size_t ncols)
{
	struct prel *r = arena_alloc(p->a, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->name = name;
	r->ncols = ncols;
	r->unit = -1;
	r->cols = arena_alloc(p->a, (ncols + 1) * sizeof(*r->cols));
	if (r->cols == NULL)
		return NULL;
	for (size_t i = 0; i < ncols; i++)
		r->cols[i].alias_rel = -1;
	return r;
}

static struct prel *prel_table(struct sqlplan *p, const struct sqlcat_desc *d,
			       const char *alias)
{
	struct prel *r = prel_new(p, alias ? alias : d->name, d->ncols);

	if (r == NULL)
		return NULL;
	r->d = d;
	for (size_t i = 0; i < d->ncols; i++) {
		r->cols[i].name = d->cols[i].name;
		r->cols[i].type = d->cols[i].type;
		r->cols[i].hidden = d->cols[i].hidden;
	}
	return r;
}

int sqlplan_scope_add_table(struct sqlplan *p, struct sqlscope *s,
			    const struct sqlcat_desc *d, const char *alias,
			    struct sqlerr *e)
{
	struct prel *r = prel_table(p, d, alias);
	size_t idx, base = 0;

	if (r == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < s->nrels; i++)
		base += s->rels[i]->ncols;
	if (scope_add(p, s, r, &idx, e) != 0)
		return -1;
	s->off[idx] = base;
	r->unit = -2;		/* not planned: never laid out */
	/* rebuild the star list (rarely more than two tables) */
	{
		size_t n = 0;
		struct starent *st;

		for (size_t k = 0; k < s->nrels; k++)
			n += s->rels[k]->ncols;
		st = arena_alloc(p->a, (n + 1) * sizeof(*st));
		if (st == NULL)
			return sqlerr_nomem(e);
		n = 0;
		for (size_t k = 0; k < s->nrels; k++)
			for (size_t c = 0; c < s->rels[k]->ncols; c++)
				if (!s->rels[k]->cols[c].hidden) {
					st[n].rel = k;
					st[n++].col = c;
				}
		s->star = st;
		s->nstar = n;
	}
	return 0;
}

/* Make the scope's row the row of unit u (or, u < 0, "everything"). */
static void scope_layout(struct sqlscope *s, int u)
{
	for (size_t i = 0; i < s->nrels; i++)
		s->off[i] = s->rels[i]->unit == u ? s->rels[i]->off : SIZE_MAX;
}

/* ---- name resolution ---------------------------------------------------- */

static const char *qual_name(struct arena *a, const struct prel *r,
			     const struct pcol *c)
{
	if (r->name == NULL)
		return c->name;
	return arena_printf(a, "%s.%s", r->name, c->name);
}

static int bind_col(struct cx *c, struct sqlscope *s, int depth, size_t rel,
		    size_t col, int pos, struct sqlx **out, struct sqlerr *e)
{
	struct sqlplan *p = c->p;
	struct prel *r = s->rels[rel];
	struct pcol *pc = &r->cols[col];
	struct sql_type t = pc->type;

	while (pc->alias_rel >= 0) {
		rel = (size_t)pc->alias_rel;
		col = pc->alias_col;
		r = s->rels[rel];
		pc = &r->cols[col];
	}
	s->used[rel] = 1;
	pc->used = 1;
	if (depth == 0) {
		p->last_rel = (int)rel;
		p->last_col = col;
	}
	for (int lv = s->level + 1; lv <= p->level; lv++)
		p->corr[lv] = 1;
	if (s->grp != NULL) {
		struct grouping *g = s->grp;

		for (size_t k = 0; k < g->nkeys; k++)
			if (g->key_rel[k] == (int)rel &&
			    g->key_col[k] == col) {
				*out = sqlx_col(p->a, depth, k,
						&g->key_type[k]);
				return *out == NULL ? sqlerr_nomem(e) : 0;
			}
		if (depth > 0)
			return sqlerr_set(e, SQLSTATE_GROUPING, pos,
					  "subquery uses ungrouped column "
					  "\"%s\" from outer query",
					  qual_name(p->a, r, pc));
		return sqlerr_set(e, SQLSTATE_GROUPING, pos, "column \"%s\" "
				  "must appear in the GROUP BY clause or be "
				  "used in an aggregate function",
				  qual_name(p->a, r, pc));
	}
	if (s->all_avail) {
		*out = sqlx_col(p->a, depth, 0, &t);
	} else {
		if (s->off[rel] == SIZE_MAX)
			return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, pos,
					  "invalid reference to FROM-clause "
					  "entry for table \"%s\"",
					  r->name ? r->name : "?");
		*out = sqlx_col(p->a, depth, s->off[rel] + col, &t);
	}
	return *out == NULL ? sqlerr_nomem(e) : 0;
}

static int resolve(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e)
{
	const char *tab = x->u.col.table, *col = x->u.col.column;
	const char *db = x->u.col.db;
	int depth = 0;

	for (struct sqlscope *s = c->sc; s != NULL; s = s->parent, depth++) {
		size_t frel = 0, fcol = 0;
		int nfound = 0, rel_seen = 0;

		for (size_t r = 0; r < s->nrels; r++) {
			const struct prel *pr = s->rels[r];

			if (tab != NULL) {
				if (pr->name == NULL ||
				    strcmp(pr->name, tab) != 0)
					continue;
				if (db != NULL && pr->db != NULL &&
				    strcmp(pr->db, db) != 0)
					continue;
				rel_seen = 1;
			}
			for (size_t k = 0; k < pr->ncols; k++) {
				if (strcmp(pr->cols[k].name, col) != 0)
					continue;
				if (tab == NULL && pr->cols[k].qual_only)
					continue;
				if (nfound == 0) {
					frel = r;
					fcol = k;
				}
				nfound++;
			}
		}
		if (nfound > 1)
			return sqlerr_set(e, SQLSTATE_AMBIG_COLUMN, x->pos,
					  "column reference \"%s\" is "
					  "ambiguous", col);
		if (nfound == 1)
			return bind_col(c, s, depth, frel, fcol, x->pos, out,
					e);
		if (rel_seen)
			return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN, x->pos,
					  "column %s.%s does not exist", tab,
					  col);
	}
	if (tab != NULL)
		return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, x->pos,
				  "missing FROM-clause entry for table "
				  "\"%s\"", tab);
	return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN, x->pos,
			  "column \"%s\" does not exist", col);
}

/* ---- expression compilation --------------------------------------------- */

static int fold(struct cx *c, struct sqlx *x, struct sqlx **out,
		struct sqlerr *e)
{
	(void)e;
	*out = sqlx_fold(c->p->a, x);
	return 0;
}

static struct sqlx *node(struct cx *c, enum sqlx_kind k,
			 const struct sql_type *t)
{
	return sqlx_new(c->p->a, k, t);
}

/* Cast x to t; unknown-typed constants must convert (plan-time error). */
static int coerce(struct cx *c, struct sqlx *x, const struct sql_type *t,
		  int pos, struct sqlx **out, struct sqlerr *e)
{
	int strict = x->kind == SQLX_CONST &&
		sqlval_type_is_unknown(&x->type);

	return sqlx_cast_to(c->p->a, x, t, 0, strict, pos, out, e);
}

static int want_bool(struct cx *c, struct sqlx *x, const char *what, int pos,
		     struct sqlx **out, struct sqlerr *e)
{
	struct sql_type b = sqlval_type(SQL_TYPE_BOOL);
	char buf[SQLVAL_TYPE_NAME_MAX];

	if (x->type.kind == SQL_TYPE_BOOL) {
		*out = x;
		return 0;
	}
	if (sqlval_type_is_unknown(&x->type))
		return coerce(c, x, &b, pos, out, e);
	return sqlerr_set(e, SQLSTATE_DATATYPE, pos, "argument of %s must be "
			  "type boolean, not type %s", what,
			  tname(&x->type, buf));
}

static int cx_bool(struct cx *c, const struct sql_expr *x, const char *what,
		   struct sqlx **out, struct sqlerr *e)
{
	struct sqlx *y;

	if (cx_expr(c, x, &y, e) != 0)
		return -1;
	return want_bool(c, y, what, x->pos, out, e);
}

/* Compile every expression of xs; NULL entries stay NULL. */
static int cx_list(struct cx *c, struct sql_expr *const *xs, size_t n,
		   struct sqlx ***out, struct sqlerr *e)
{
	struct sqlx **v = arena_alloc(c->p->a, (n + 1) * sizeof(*v));

	if (v == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++)
		if (cx_expr(c, xs[i], &v[i], e) != 0)
			return -1;
	*out = v;
	return 0;
}

/* Cast v[0..n) to their common type (what names the construct). */
static int common(struct cx *c, const char *what, struct sqlx **v, size_t n,
		  const int *pos, int errpos, struct sql_type *out,
		  struct sqlerr *e)
{
	struct sql_type *ts = arena_alloc(c->p->a, (n + 1) * sizeof(*ts));

	if (ts == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++)
		ts[i] = v[i]->type;
	if (sqlval_common_type(what, ts, n, out, errpos, e) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (coerce(c, v[i], out, pos ? pos[i] : errpos, &v[i], e) != 0)
			return -1;
	return 0;
}

static int cx_binop(struct cx *c, const struct sql_expr *x,
		    struct sqlx **out, struct sqlerr *e)
{
	enum sql_binop b = x->u.binary.op;
	enum sql_op op = binop_of(b);
	struct sqlx *l, *r, *n;
	struct sql_optype t;

	if (cx_expr(c, x->u.binary.left, &l, e) != 0 ||
	    cx_expr(c, x->u.binary.right, &r, e) != 0)
		return -1;
	if (sqlval_binop_type(op, &l->type, &r->type, &t, x->pos, e) != 0)
		return -1;
	if (coerce(c, l, &t.left, x->u.binary.left->pos, &l, e) != 0 ||
	    coerce(c, r, &t.right, x->u.binary.right->pos, &r, e) != 0)
		return -1;
	if (b == SQL_BINOP_IS_DISTINCT || b == SQL_BINOP_IS_NOT_DISTINCT) {
		struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);

		n = node(c, SQLX_DISTINCT, &bt);
		if (n == NULL)
			return sqlerr_nomem(e);
		n->u.bin.not_ = b == SQL_BINOP_IS_NOT_DISTINCT;
	} else {
		n = node(c, SQLX_BINOP, &t.result);
		if (n == NULL)
			return sqlerr_nomem(e);
	}
	n->u.bin.op = op;
	n->u.bin.t = t;
	n->u.bin.l = l;
	n->u.bin.r = r;
	return fold(c, n, out, e);
}

static int cx_between(struct cx *c, const struct sql_expr *x,
		      struct sqlx **out, struct sqlerr *e)
{
	struct sqlx *v[3], *n;
	struct sql_optype t;
	struct sql_type ct, bt = sqlval_type(SQL_TYPE_BOOL);
	int pos[3] = { x->u.between.arg->pos, x->u.between.lo->pos,
		       x->u.between.hi->pos };

	if (cx_expr(c, x->u.between.arg, &v[0], e) != 0 ||
	    cx_expr(c, x->u.between.lo, &v[1], e) != 0 ||
	    cx_expr(c, x->u.between.hi, &v[2], e) != 0)
		return -1;
	/* the operator errors first, as PostgreSQL reports them */
	if (sqlval_binop_type(SQL_OP_GE, &v[0]->type, &v[1]->type, &t, x->pos,
			      e) != 0 ||
	    sqlval_binop_type(SQL_OP_LE, &v[0]->type, &v[2]->type, &t, x->pos,
			      e) != 0)
		return -1;
	if (common(c, "BETWEEN", v, 3, pos, x->pos, &ct, e) != 0 ||
	    sqlval_binop_type(SQL_OP_GE, &ct, &ct, &t, x->pos, e) != 0)
		return -1;
	n = node(c, SQLX_BETWEEN, &bt);
	if (n == NULL)
		return sqlerr_nomem(e);
	n->u.between.arg = v[0];
	n->u.between.lo = v[1];
	n->u.between.hi = v[2];
	n->u.between.t = t;
	n->u.between.not_ = x->u.between.not_;
	n->u.between.symmetric = x->u.between.symmetric;
	return fold(c, n, out, e);
}

static int cx_in_list(struct cx *c, const struct sql_expr *x,
		      struct sqlx **out, struct sqlerr *e)
{
	size_t n = x->u.in_list.n;
	struct sqlx **v = arena_alloc(c->p->a, (n + 2) * sizeof(*v));
	int *pos = arena_alloc(c->p->a, (n + 2) * sizeof(*pos));
	struct sql_type ct, bt = sqlval_type(SQL_TYPE_BOOL);
	struct sql_optype t;
	struct sqlx *r;

	if (v == NULL || pos == NULL)
		return sqlerr_nomem(e);
	if (cx_expr(c, x->u.in_list.arg, &v[0], e) != 0)
		return -1;
	if (n == 0) {
		/* SQLite's "x IN ()": false, NOT IN true, even for NULL */
		struct sql_datum d = sqlval_bool(x->u.in_list.not_);

		*out = sqlx_const(c->p->a, &d, &bt);
		return *out == NULL ? sqlerr_nomem(e) : 0;
	}
	pos[0] = x->u.in_list.arg->pos;
	for (size_t i = 0; i < n; i++) {
		if (cx_expr(c, x->u.in_list.items[i], &v[i + 1], e) != 0)
			return -1;
		pos[i + 1] = x->u.in_list.items[i]->pos;
	}
	/* int IN (text...) errors like the = it stands for */
	for (size_t i = 1; i <= n; i++)
		if (!sqlval_type_is_unknown(&v[i]->type) &&
		    sqlval_binop_type(SQL_OP_EQ, &v[0]->type, &v[i]->type, &t,
				      x->pos, e) != 0)
			return -1;
	if (common(c, "IN", v, n + 1, pos, x->pos, &ct, e) != 0 ||
	    sqlval_binop_type(SQL_OP_EQ, &ct, &ct, &t, x->pos, e) != 0)
		return -1;
	r = node(c, SQLX_IN_LIST, &bt);
	if (r == NULL)
		return sqlerr_nomem(e);
	r->u.in.arg = v[0];
	r->u.in.items = v + 1;
	r->u.in.n = n;
	r->u.in.t = t;
	r->u.in.not_ = x->u.in_list.not_;
	return fold(c, r, out, e);
}

/* Plan a subquery of an expression. */
static int cx_subplan(struct cx *c, const struct sql_query *q,
		      struct sqlx_sub **out, const char ***names,
		      struct sqlerr *e)
{
	struct sqlx_sub *s = arena_alloc(c->p->a, sizeof(*s));
	struct sqlop *op;
	const char **nm;
	int rc;

	if (s == NULL)
		return sqlerr_nomem(e);
	if (level_push(c->p, e) != 0)
		return -1;
	rc = plan_query(c->p, q, c->sc, &op, &nm, e);
	s->correlated = level_pop(c->p);
	if (rc != 0)
		return -1;
	s->plan = op;
	s->cache_arena = c->p->a;
	if (op->ncols > 0)
		s->type = output_type(&op->types[0]);
	*out = s;
	if (names != NULL)
		*names = nm;
	return 0;
}

static int cx_subquery(struct cx *c, const struct sql_expr *x,
		       struct sqlx **out, struct sqlerr *e)
{
	struct sqlx_sub *s;
	struct sqlx *n;
	struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);

	if (cx_subplan(c, x->u.query, &s, NULL, e) != 0)
		return -1;
	if (x->kind == SQL_EXPR_EXISTS) {
		n = node(c, SQLX_EXISTS, &bt);
	} else {
		if (s->plan->ncols != 1)
			return sqlerr_set(e, SQLSTATE_SYNTAX, x->pos,
					  "subquery must return only one "
					  "column");
		n = node(c, SQLX_SUBQUERY, &s->type);
	}
	if (n == NULL)
		return sqlerr_nomem(e);
	n->u.sub = s;
	*out = n;
	return 0;
}

static int cx_in_query(struct cx *c, const struct sql_expr *x,
		       struct sqlx **out, struct sqlerr *e)
{
	struct sqlx_sub *s;
	struct sqlx *v[1], *n;
	struct sql_type ct, bt = sqlval_type(SQL_TYPE_BOOL);
	struct sql_optype t;
	int pos[1] = { x->u.in_query.arg->pos };

	if (cx_expr(c, x->u.in_query.arg, &v[0], e) != 0 ||
	    cx_subplan(c, x->u.in_query.query, &s, NULL, e) != 0)
		return -1;
	if (s->plan->ncols != 1)
		return sqlerr_set(e, SQLSTATE_SYNTAX, x->pos, "subquery has "
				  "too many columns");
	{
		struct sql_type ts[2] = { v[0]->type, s->type };
		struct sqlx *orig = v[0];
		struct sqlerr te;

		sqlerr_clear(&te);
		if (sqlval_binop_type(SQL_OP_EQ, &v[0]->type, &s->type, &t,
				      x->pos, &te) != 0 ||
		    sqlval_common_type("IN", ts, 2, &ct, x->pos, &te) != 0 ||
		    coerce(c, v[0], &ct, pos[0], &v[0], &te) != 0 ||
		    sqlval_binop_type(SQL_OP_EQ, &ct, &ct, &t, x->pos,
				      &te) != 0) {
			/* incomparable: see sqlexpr.h, inq.never */
			if (strcmp(te.sqlstate, SQLSTATE_UNDEF_FUNC) != 0 &&
			    strcmp(te.sqlstate, SQLSTATE_DATATYPE) != 0 &&
			    strcmp(te.sqlstate, SQLSTATE_INVALID_TEXT) != 0) {
				*e = te;
				return -1;
			}
			n = node(c, SQLX_IN_QUERY, &bt);
			if (n == NULL)
				return sqlerr_nomem(e);
			n->u.inq.arg = orig;
			n->u.inq.sub = s;
			n->u.inq.not_ = x->u.in_query.not_;
			n->u.inq.never = 1;
			*out = n;
			return 0;
		}
	}
	n = node(c, SQLX_IN_QUERY, &bt);
	if (n == NULL)
		return sqlerr_nomem(e);
	n->u.inq.arg = v[0];
	n->u.inq.sub = s;
	n->u.inq.t = t;
	n->u.inq.not_ = x->u.in_query.not_;
	*out = n;
	return 0;
}

static int cx_like(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e)
{
	struct sqlx *a, *pt, *es = NULL, *n;
	struct sql_type tt = sqlval_type(SQL_TYPE_TEXT);
	struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);

	if (cx_expr(c, x->u.like.arg, &a, e) != 0 ||
	    cx_expr(c, x->u.like.pattern, &pt, e) != 0)
		return -1;
	if (x->u.like.escape != NULL &&
	    cx_expr(c, x->u.like.escape, &es, e) != 0)
		return -1;
	if (sqlval_like_type(&a->type, &pt->type, x->u.like.ilike, x->pos,
			     e) != 0)
		return -1;
	/* compared as text (CHAR keeps its padding, as bpchar LIKE does) */
	if (sqlval_type_is_unknown(&a->type) &&
	    coerce(c, a, &tt, x->u.like.arg->pos, &a, e) != 0)
		return -1;
	if (pt->type.kind != SQL_TYPE_TEXT &&
	    coerce(c, pt, &tt, x->u.like.pattern->pos, &pt, e) != 0)
		return -1;
	if (es != NULL && es->type.kind != SQL_TYPE_TEXT) {
		if (!sqlval_type_is_unknown(&es->type) &&
		    !sqlval_type_is_string(&es->type))
			return sqlerr_set(e, SQLSTATE_UNDEF_FUNC,
					  x->u.like.escape->pos, "ESCAPE must "
					  "be a string");
		if (coerce(c, es, &tt, x->u.like.escape->pos, &es, e) != 0)
			return -1;
	}
	n = node(c, SQLX_LIKE, &bt);
	if (n == NULL)
		return sqlerr_nomem(e);
	n->u.like.arg = a;
	n->u.like.pat = pt;
	n->u.like.esc = es;
	n->u.like.not_ = x->u.like.not_;
	n->u.like.icase = x->u.like.ilike;
	return fold(c, n, out, e);
}

static int cx_case(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e)
{
	size_t n = x->u.case_.n, nr = n + (x->u.case_.else_ != NULL);
	struct sqlx **conds = arena_alloc(c->p->a, (n + 1) * sizeof(*conds));
	struct sqlx **res = arena_alloc(c->p->a, (nr + 1) * sizeof(*res));
	int *pos = arena_alloc(c->p->a, (nr + 1) * sizeof(*pos));
	struct sql_type ct;
	struct sqlx *r;

	if (conds == NULL || res == NULL || pos == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++) {
		const struct sql_when *w = x->u.case_.whens[i];

		if (x->u.case_.arg != NULL) {
			struct sql_expr eq;

			memset(&eq, 0, sizeof(eq));
			eq.kind = SQL_EXPR_BINARY;
			eq.pos = w->pos;
			eq.u.binary.op = SQL_BINOP_EQ;
			eq.u.binary.left = x->u.case_.arg;
			eq.u.binary.right = w->cond;
			if (cx_binop(c, &eq, &conds[i], e) != 0)
				return -1;
		} else if (cx_bool(c, w->cond, "CASE", &conds[i], e) != 0) {
			return -1;
		}
		if (cx_expr(c, w->result, &res[i], e) != 0)
			return -1;
		pos[i] = w->result->pos;
	}
	if (x->u.case_.else_ != NULL) {
		if (cx_expr(c, x->u.case_.else_, &res[n], e) != 0)
			return -1;
		pos[n] = x->u.case_.else_->pos;
	}
	if (common(c, "CASE", res, nr, pos, x->pos, &ct, e) != 0)
		return -1;
	r = node(c, SQLX_CASE, &ct);
	if (r == NULL)
		return sqlerr_nomem(e);
	r->u.case_.conds = conds;
	r->u.case_.results = res;
	r->u.case_.n = n;
	r->u.case_.else_ = x->u.case_.else_ != NULL ? res[n] : NULL;
	return fold(c, r, out, e);
}

static int cx_cast(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e)
{
	struct sql_type to;
	struct sqlx *a;

	if (cx_expr(c, x->u.cast.arg, &a, e) != 0 ||
	    sqlplan_type(&x->u.cast.type, &to, e) != 0)
		return -1;
	if (sqlval_cast_check(&a->type, &to, x->pos, e) != 0)
		return -1;
	return sqlx_cast_to(c->p->a, a, &to, 0, a->kind == SQLX_CONST &&
			    sqlval_type_is_unknown(&a->type),
			    x->u.cast.arg->pos, out, e);
}

/* now(), current_timestamp, current_date: the transaction's time. */
static int cx_now(struct cx *c, int date, struct sqlx **out,
		  struct sqlerr *e)
{
	int64_t us = (int64_t)(c->p->ctx->txn_ts >> 16) * 1000;
	struct sql_type t = sqlval_type(date ? SQL_TYPE_DATE :
					SQL_TYPE_TIMESTAMP);
	struct sql_datum d;

	if (date) {
		int64_t days = us / SQLVAL_USECS_PER_DAY;

		if (us < 0 && us % SQLVAL_USECS_PER_DAY != 0)
			days--;
		d = sqlval_date((int32_t)days);
	} else {
		d = sqlval_timestamp(us);
	}
	*out = sqlx_const(c->p->a, &d, &t);
	return *out == NULL ? sqlerr_nomem(e) : 0;
}

static int cx_agg(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		  struct sqlerr *e)
{
	struct grouping *g = c->sc->grp;
	const char *name = x->u.func.name;
	struct sqlagg ag;
	struct cx ic;
	char buf[SQLVAL_TYPE_NAME_MAX];

	if (c->in_agg)
		return sqlerr_set(e, SQLSTATE_GROUPING, x->pos, "aggregate "
				  "function calls cannot be nested");
	if (g == NULL)
		return sqlerr_set(e, SQLSTATE_GROUPING, x->pos, "aggregate "
				  "functions are not allowed in %s",
				  c->clause == NULL ? "this context" :
				  strcmp(c->clause, "JOIN/ON") == 0 ?
				  "JOIN conditions" : c->clause);
	memset(&ag, 0, sizeof(ag));
	ag.ast = x;
	ag.distinct = x->u.func.distinct;
	if (x->u.func.star) {
		if (strcmp(name, "count") != 0)
			return sqlerr_set(
				e, SQLSTATE_SYNTAX, x->pos,
				"%s(*) "
				"must be used to call a parameterless "
				"aggregate function",
				name);
		ag.fn = SQLAGG_COUNT_STAR;
		ag.type = sqlval_type(SQL_TYPE_INT8);
	} else {
		struct sqlx *a;
		struct sql_type at;

		if (x->u.func.n != 1)
			return sqlerr_set(
				e, SQLSTATE_UNDEF_FUNC, x->pos,
				"function %s with %zu arguments does "
				"not exist",
				name, x->u.func.n);
		ic = *c;
		ic.sc = g->in;
		ic.in_agg = 1;
		if (cx_expr(&ic, x->u.func.args[0], &a, e) != 0)
			return -1;
		at = a->type;
		if (strcmp(name, "count") == 0) {
			ag.fn = SQLAGG_COUNT;
			ag.type = sqlval_type(SQL_TYPE_INT8);
		} else if (strcmp(name, "min") == 0 ||
			   strcmp(name, "max") == 0) {
			ag.fn = name[1] == 'i' ? SQLAGG_MIN : SQLAGG_MAX;
			if (sqlval_type_is_unknown(&at)) {
				struct sql_type tt =
					sqlval_type(SQL_TYPE_TEXT);

				if (coerce(c, a, &tt, x->pos, &a, e) != 0)
					return -1;
				at = tt;
			}
			ag.type = at;
		} else {
			ag.fn = name[0] == 's' ? SQLAGG_SUM : SQLAGG_AVG;
			if (sqlval_type_is_unknown(&at))
				return sqlerr_set(e, SQLSTATE_AMBIG_FUNC,
						  x->pos,
						  "function %s(unknown) "
						  "is not unique",
						  name);
			if (!sqlval_type_is_numeric(&at))
				return sqlerr_set(e, SQLSTATE_UNDEF_FUNC,
						  x->pos,
						  "function %s(%s) does "
						  "not exist",
						  name, tname(&at, buf));
			/*
			 * sum(integer) is bigint: PostgreSQL's sum(int4),
			 * since our INTEGER plays int4's part (overflow is
			 * 22003, not a silent switch to numeric)
			 */
			if (sqlval_type_is_integer(&at) &&
			    ag.fn == SQLAGG_SUM)
				ag.type = sqlval_type(SQL_TYPE_INT8);
			else if (sqlval_type_is_integer(&at) ||
				 at.kind == SQL_TYPE_DECIMAL)
				ag.type = sqlval_type(SQL_TYPE_DECIMAL);
			else if (ag.fn == SQLAGG_SUM)
				ag.type = sqlval_type(at.kind);
			else
				ag.type = sqlval_type(SQL_TYPE_FLOAT8);
		}
		ag.arg = a;
		ag.argtype = at;
	}
	for (size_t i = 0; i < g->naggs; i++) {
		const struct sqlagg *o = &g->aggs[i];

		if (o->fn == ag.fn && o->distinct == ag.distinct &&
		    sqlast_expr_equal(o->ast, x)) {
			*out = sqlx_col(c->p->a, 0, g->nkeys + i, &o->type);
			return *out == NULL ? sqlerr_nomem(e) : 0;
		}
	}
	if (GROW(c->p->a, g->aggs, g->naggs, g->capaggs) != 0)
		return sqlerr_nomem(e);
	g->aggs[g->naggs++] = ag;
	*out = sqlx_col(c->p->a, 0, g->nkeys + g->naggs - 1, &ag.type);
	return *out == NULL ? sqlerr_nomem(e) : 0;
}

static int cx_func(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e)
{
	const char *name = x->u.func.name;
	size_t n = x->u.func.n;
	struct sqlx **args = NULL, *r;

	if (is_agg_name(name))
		return cx_agg(c, x, out, e);
	if (x->u.func.star)
		return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, x->pos, "%s(*) "
				  "specified, but %s is not an aggregate "
				  "function", name, name);
	if (x->u.func.distinct)
		return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, x->pos, "DISTINCT "
				  "specified, but %s is not an aggregate "
				  "function", name);
	if ((strcmp(name, "now") == 0 ||
	     strcmp(name, "current_timestamp") == 0 ||
	     strcmp(name, "localtimestamp") == 0 ||
	     strcmp(name, "transaction_timestamp") == 0 ||
	     strcmp(name, "statement_timestamp") == 0) && n == 0)
		return cx_now(c, 0, out, e);
	if (strcmp(name, "current_date") == 0 && n == 0)
		return cx_now(c, 1, out, e);
	if (cx_list(c, x->u.func.args, n, &args, e) != 0)
		return -1;
	if (strcmp(name, "coalesce") == 0) {
		struct sql_type ct;

		if (n == 0)
			return sqlerr_set(e, SQLSTATE_SYNTAX, x->pos, "syntax "
					  "error at or near \")\"");
		if (common(c, "COALESCE", args, n, NULL, x->pos, &ct, e) != 0)
			return -1;
		r = node(c, SQLX_COALESCE, &ct);
		if (r == NULL)
			return sqlerr_nomem(e);
		r->u.list.args = args;
		r->u.list.n = n;
		/* drop what follows the first non-NULL constant */
		for (size_t i = 0; i < n; i++)
			if (args[i]->kind == SQLX_CONST &&
			    args[i]->u.c.kind != SQL_DATUM_NULL) {
				r->u.list.n = i + 1;
				break;
			}
		return fold(c, r, out, e);
	}
	if (strcmp(name, "nullif") == 0) {
		struct sql_optype t;

		if (n != 2)
			return sqlerr_set(e, SQLSTATE_UNDEF_FUNC, x->pos,
					  "function nullif with %zu arguments "
					  "does not exist", n);
		if (sqlval_binop_type(SQL_OP_EQ, &args[0]->type,
				      &args[1]->type, &t, x->pos, e) != 0 ||
		    coerce(c, args[0], &t.left, x->pos, &args[0], e) != 0 ||
		    coerce(c, args[1], &t.right, x->pos, &args[1], e) != 0)
			return -1;
		r = node(c, SQLX_NULLIF, &t.left);
		if (r == NULL)
			return sqlerr_nomem(e);
		r->u.bin.op = SQL_OP_EQ;
		r->u.bin.t = t;
		r->u.bin.l = args[0];
		r->u.bin.r = args[1];
		if (sqlval_type_is_unknown(&r->type))
			r->type = sqlval_type(SQL_TYPE_TEXT);
		return fold(c, r, out, e);
	}
	{
		struct sql_type ts[SQLVAL_FUNC_MAX_ARGS + 1];
		struct sql_func f;

		if (n > SQLVAL_FUNC_MAX_ARGS)
			return sqlerr_set(
				e, SQLSTATE_UNDEF_FUNC, x->pos,
				"function %s with %zu arguments does "
				"not exist",
				name, n);
		for (size_t i = 0; i < n; i++)
			ts[i] = args[i]->type;
		if (sqlval_func_lookup(name, ts, n, &f, x->pos, e) != 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (coerce(c, args[i], &f.args[i],
				   x->u.func.args[i]->pos, &args[i], e) != 0)
				return -1;
		r = node(c, SQLX_FUNC, &f.result);
		if (r == NULL)
			return sqlerr_nomem(e);
		r->u.func.f = f;
		r->u.func.args = args;
		r->u.func.n = n;
		return fold(c, r, out, e);
	}
}

/* In a grouped scope: is x one of the GROUP BY expressions? */
static int group_key_match(struct cx *c, const struct sql_expr *x,
			   struct sqlx **out, struct sqlerr *e)
{
	struct grouping *g = c->sc->grp;

	if (x->kind == SQL_EXPR_COLUMN || x->kind == SQL_EXPR_INT ||
	    x->kind == SQL_EXPR_NULL)
		return 0;	/* columns resolve by name; constants as is */
	for (size_t k = 0; k < g->nkeys; k++)
		if (sqlast_expr_equal(g->keys[k], x)) {
			*out = sqlx_col(c->p->a, 0, k, &g->key_type[k]);
			if (*out == NULL)
				return sqlerr_nomem(e);
			return 1;
		}
	return 0;
}

static int cx_expr(struct cx *c, const struct sql_expr *x, struct sqlx **out,
		   struct sqlerr *e)
{
	struct sql_datum d;
	struct sql_type t;
	struct sqlx *a, *n;

	if (c->sc != NULL && c->sc->grp != NULL && !c->in_agg) {
		int m = group_key_match(c, x, out, e);

		if (m != 0)
			return m < 0 ? -1 : 0;
	}
	switch (x->kind) {
	case SQL_EXPR_NULL:
		d = sqlval_null();
		t = sqlval_type(SQL_TYPE_NULL);
		break;
	case SQL_EXPR_BOOL:
		d = sqlval_bool(x->u.b != 0);
		t = sqlval_type(SQL_TYPE_BOOL);
		break;
	case SQL_EXPR_INT:
		d = sqlval_int(x->u.i);
		t = sqlval_type(SQL_TYPE_INT8);
		break;
	case SQL_EXPR_DECIMAL: {
		struct sqldec v;

		struct sqlerr e2;

		if (sqldec_from_text(x->u.num, strlen(x->u.num), &v,
				     &e2) == 0) {
			d = sqlval_decimal(v);
			t = sqlval_type(SQL_TYPE_DECIMAL);
			break;
		}
		/*
		 * Beyond DECIMAL's 38 digits (1e200): a float, where
		 * PostgreSQL's numeric would keep every digit.
		 */
		t = sqlval_type(SQL_TYPE_FLOAT8);
		if (strcmp(e2.sqlstate, SQLSTATE_NUM_RANGE) != 0 ||
		    sqlval_from_text(&t, x->u.num, strlen(x->u.num), c->p->a,
				     &d, NULL) != 0) {
			if (e != NULL) {
				*e = e2;
				if (e->position == 0)
					e->position = x->pos;
			}
			return -1;
		}
		break;
	}
	case SQL_EXPR_STRING:
		d = sqlval_text(x->u.str.p, x->u.str.n);
		t = sqlval_type(SQL_TYPE_UNKNOWN);
		break;
	case SQL_EXPR_BYTES:
		d = sqlval_bytes(x->u.str.p, x->u.str.n);
		t = sqlval_type(SQL_TYPE_BYTES);
		break;
	case SQL_EXPR_DEFAULT:
		return sqlerr_set(e, SQLSTATE_SYNTAX, x->pos, "DEFAULT is not "
				  "allowed in this context");
	case SQL_EXPR_STAR:
		return sqlerr_set(e, SQLSTATE_SYNTAX, x->pos,
				  "* is not allowed "
				  "in this context");
	case SQL_EXPR_COLUMN:
		return resolve(c, x, out, e);
	case SQL_EXPR_UNARY:
		if (x->u.unary.op == SQL_UNOP_NOT) {
			struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);

			if (cx_bool(c, x->u.unary.arg, "NOT", &a, e) != 0)
				return -1;
			n = node(c, SQLX_NOT, &bt);
			if (n == NULL)
				return sqlerr_nomem(e);
			n->u.arg = a;
			return fold(c, n, out, e);
		}
		if (cx_expr(c, x->u.unary.arg, &a, e) != 0 ||
		    sqlval_neg_type(&a->type, &t, x->pos, e) != 0)
			return -1;
		if (x->u.unary.op == SQL_UNOP_PLUS) {
			*out = a;
			return 0;
		}
		if (!sqlval_type_equal(&a->type, &t) &&
		    sqlx_cast_to(c->p->a, a, &t, 0, 0, x->pos, &a, e) != 0)
			return -1;
		n = node(c, SQLX_NEG, &t);
		if (n == NULL)
			return sqlerr_nomem(e);
		n->u.arg = a;
		return fold(c, n, out, e);
	case SQL_EXPR_BINARY:
		return cx_binop(c, x, out, e);
	case SQL_EXPR_AND:
	case SQL_EXPR_OR: {
		struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);
		const char *w = x->kind == SQL_EXPR_AND ? "AND" : "OR";

		n = node(c, x->kind == SQL_EXPR_AND ? SQLX_AND : SQLX_OR, &bt);
		if (n == NULL)
			return sqlerr_nomem(e);
		n->u.list.n = x->u.list.n;
		n->u.list.args = arena_alloc(c->p->a, (x->u.list.n + 1) *
					     sizeof(*n->u.list.args));
		if (n->u.list.args == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < x->u.list.n; i++)
			if (cx_bool(c, x->u.list.args[i], w,
				    &n->u.list.args[i], e) != 0)
				return -1;
		return fold(c, n, out, e);
	}
	case SQL_EXPR_IS: {
		struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);

		if (x->u.is.what == SQL_IS_NULL) {
			if (cx_expr(c, x->u.is.arg, &a, e) != 0)
				return -1;
		} else if (cx_bool(c, x->u.is.arg,
				   x->u.is.what == SQL_IS_TRUE ? "IS TRUE"
				   : x->u.is.what == SQL_IS_FALSE
					   ? "IS FALSE"
					   : "IS UNKNOWN",
				   &a, e) != 0) {
			return -1;
		}
		n = node(c, SQLX_IS, &bt);
		if (n == NULL)
			return sqlerr_nomem(e);
		n->u.is.arg = a;
		n->u.is.what = x->u.is.what;
		n->u.is.not_ = x->u.is.not_;
		return fold(c, n, out, e);
	}
	case SQL_EXPR_BETWEEN:
		return cx_between(c, x, out, e);
	case SQL_EXPR_IN_LIST:
		return cx_in_list(c, x, out, e);
	case SQL_EXPR_IN_QUERY:
		return cx_in_query(c, x, out, e);
	case SQL_EXPR_LIKE:
		return cx_like(c, x, out, e);
	case SQL_EXPR_CAST:
		return cx_cast(c, x, out, e);
	case SQL_EXPR_FUNC:
		return cx_func(c, x, out, e);
	case SQL_EXPR_CASE:
		return cx_case(c, x, out, e);
	case SQL_EXPR_SUBQUERY:
	case SQL_EXPR_EXISTS:
		return cx_subquery(c, x, out, e);
	default:
		return sqlerr_set(e, SQLSTATE_FEATURE, x->pos, "expression "
				  "kind %s is not supported",
				  sqlast_expr_kind_name(x->kind));
	}
	*out = sqlx_const(c->p->a, &d, &t);
	if (*out == NULL)
		return sqlerr_nomem(e);
	(*out)->pos = x->pos;
	return 0;
}

int sqlplan_expr(struct sqlplan *p, struct sqlscope *s,
		 const struct sql_expr *x, const char *clause,
		 struct sqlx **out, struct sqlerr *e)
{
	struct cx c = { p, s, clause, 0 };

	return cx_expr(&c, x, out, e);
}

int sqlplan_bool(struct sqlplan *p, struct sqlscope *s,
		 const struct sql_expr *x, const char *clause,
		 struct sqlx **out, struct sqlerr *e)
{
	struct cx c = { p, s, clause, 0 };

	return cx_bool(&c, x, clause, out, e);
}

/* ---- conjuncts and analysis --------------------------------------------- */

static int add_conjuncts(struct sqlplan *p, const struct sql_expr *x,
			 const char *clause, struct cvec *v, struct sqlerr *e)
{
	struct conj *c;

	if (x == NULL)
		return 0;
	if (x->kind == SQL_EXPR_AND) {
		for (size_t i = 0; i < x->u.list.n; i++)
			if (add_conjuncts(p, x->u.list.args[i], clause, v,
					  e) != 0)
				return -1;
		return 0;
	}
	c = arena_alloc(p->a, sizeof(*c));
	if (c == NULL || GROW(p->a, v->v, v->n, v->cap) != 0)
		return sqlerr_nomem(e);
	c->x = x;
	c->clause = clause;
	v->v[v->n++] = c;
	return 0;
}

/* Which relations of sc does x read?  (Compiles x once, then forgets.) */
static int analyze(struct sqlplan *p, struct sqlscope *sc,
		   const struct sql_expr *x, const char *clause, int want_bool,
		   size_t **rels, size_t *n, struct sqlerr *e)
{
	struct cx c = { p, sc, clause, 0 };
	struct sqlx *y;
	struct ivec v = { NULL, 0, 0 };
	int rc;

	if (sc->nrels > 0)	/* used is NULL without relations */
		memset(sc->used, 0, sc->nrels);
	sc->all_avail = 1;
	rc = want_bool ? cx_bool(&c, x, clause, &y, e) : cx_expr(&c, x, &y, e);
	sc->all_avail = 0;
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < sc->nrels; i++)
		if (sc->used[i] && ivec_push(p->a, &v, i) != 0)
			return sqlerr_nomem(e);
	*rels = v.v;
	*n = v.n;
	return 0;
}

static int analyze_conj(struct sqlplan *p, struct sqlscope *sc,
			struct conj *cj, struct sqlerr *e)
{
	const struct sql_expr *x = cj->x;

	if (analyze(p, sc, x, cj->clause, 1, &cj->rels, &cj->nrels, e) != 0)
		return -1;
	if (x->kind == SQL_EXPR_BINARY && x->u.binary.op == SQL_BINOP_EQ) {
		cj->l = x->u.binary.left;
		cj->r = x->u.binary.right;
		if (analyze(p, sc, cj->l, cj->clause, 0, &cj->lrels, &cj->nl,
			    e) != 0 ||
		    analyze(p, sc, cj->r, cj->clause, 0, &cj->rrels, &cj->nr,
			    e) != 0)
			return -1;
	}
	return 0;
}

/* Are all the relations in rels[] held by unit u? */
static int rels_in(const struct sqlscope *sc, const size_t *rels, size_t n,
		   int u)
{
	for (size_t i = 0; i < n; i++)
		if (sc->rels[rels[i]]->unit != u)
			return 0;
	return 1;
}

/* Compile the AND of conjuncts[idx] against unit u's row. */
static int compile_conjs(struct sqlplan *p, struct sqlscope *sc, int u,
			 struct conj **cs, size_t n, struct sqlx **out,
			 const struct sql_expr ***asts, size_t *nasts,
			 struct sqlerr *e)
{
	struct sqlx *x = NULL;
	struct cx c = { p, sc, NULL, 0 };
	const struct sql_expr **av;

	*out = NULL;
	if (n == 0)
		return 0;
	av = arena_alloc(p->a, (n + 1) * sizeof(*av));
	if (av == NULL)
		return sqlerr_nomem(e);
	scope_layout(sc, u);
	for (size_t i = 0; i < n; i++) {
		struct sqlx *y;

		c.clause = cs[i]->clause;
		if (cx_bool(&c, cs[i]->x, cs[i]->clause, &y, e) != 0)
			return -1;
		av[i] = cs[i]->x;
		if (x == NULL) {
			x = y;
		} else {
			struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);
			struct sqlx *a;

			if (x->kind == SQLX_AND) {
				struct sqlx **nv = arena_alloc(p->a,
					(x->u.list.n + 2) * sizeof(*nv));

				if (nv == NULL)
					return sqlerr_nomem(e);
				memcpy(nv, x->u.list.args,
				       x->u.list.n * sizeof(*nv));
				nv[x->u.list.n] = y;
				x->u.list.args = nv;
				x->u.list.n++;
				continue;
			}
			a = sqlx_new(p->a, SQLX_AND, &bt);
			if (a == NULL)
				return sqlerr_nomem(e);
			a->u.list.args = arena_alloc(p->a, 3 * sizeof(x));
			if (a->u.list.args == NULL)
				return sqlerr_nomem(e);
			a->u.list.args[0] = x;
			a->u.list.args[1] = y;
			a->u.list.n = 2;
			x = a;
		}
	}
	*out = sqlx_fold(p->a, x);
	if (asts != NULL) {
		*asts = av;
		*nasts = n;
	}
	return 0;
}

/* ---- access paths ------------------------------------------------------- */

enum atom_kind { AT_EQ, AT_LT, AT_LE, AT_GT, AT_GE, AT_BETWEEN, AT_IN };

struct atom {
	enum atom_kind kind;
	size_t col;		/* position in the table row */
	struct sqlx *v;
	struct sqlx *v2;	/* BETWEEN's high bound */
	struct sqlx **items;	/* IN */
	size_t nitems;
	size_t conj;
};

struct path {
	const struct sqlcat_index *ix;
	struct sqlx **eq;
	size_t neq;
	struct sqlx **in_items;
	size_t nin;
	struct sqlx *lo;
	struct sqlx *hi;
	int lo_incl;
	int hi_incl;
	int score;
	unsigned char *used;	/* per conjunct: enforced by the spans */
};

/* Is x the table row's column k, as a type with the same keys (cmp)? */
static int colref(const struct sqlx *x, const struct sqlcat_desc *d,
		  const struct sql_type *cmp, size_t *k)
{
	const struct sql_type *ct;

	if (x->kind == SQLX_CAST) {
		const struct sqlx *a = x->u.cast.arg;

		if (a->kind != SQLX_COL || a->u.col.depth != 0)
			return 0;
		if (sqlval_type_datum_kind(&a->type) !=
		    sqlval_type_datum_kind(&x->type))
			return 0;
		if (a->type.kind == SQL_TYPE_CHAR)
			return 0;
		x = a;
	}
	if (x->kind != SQLX_COL || x->u.col.depth != 0 ||
	    x->u.col.idx >= d->ncols)
		return 0;
	ct = &d->cols[x->u.col.idx].type;
	if (sqlval_type_datum_kind(ct) != sqlval_type_datum_kind(cmp))
		return 0;
	if ((ct->kind == SQL_TYPE_CHAR) != (cmp->kind == SQL_TYPE_CHAR))
		return 0;
	*k = x->u.col.idx;
	return 1;
}

static int atom_of(const struct sqlx *x, const struct sqlcat_desc *d,
		   struct atom *at)
{
	memset(at, 0, sizeof(*at));
	if (x->kind == SQLX_BINOP) {
		enum sql_op op = x->u.bin.op;
		static const enum atom_kind k[] = {
			[SQL_OP_EQ] = AT_EQ, [SQL_OP_LT] = AT_LT,
			[SQL_OP_LE] = AT_LE, [SQL_OP_GT] = AT_GT,
			[SQL_OP_GE] = AT_GE,
		};
		static const enum atom_kind flip[] = {
			[SQL_OP_EQ] = AT_EQ, [SQL_OP_LT] = AT_GT,
			[SQL_OP_LE] = AT_GE, [SQL_OP_GT] = AT_LT,
			[SQL_OP_GE] = AT_LE,
		};

		if (op != SQL_OP_EQ && op != SQL_OP_LT && op != SQL_OP_LE &&
		    op != SQL_OP_GT && op != SQL_OP_GE)
			return 0;
		if (colref(x->u.bin.l, d, &x->u.bin.t.right, &at->col) &&
		    sqlx_is_rowfree(x->u.bin.r)) {
			at->kind = k[op];
			at->v = x->u.bin.r;
			return 1;
		}
		if (colref(x->u.bin.r, d, &x->u.bin.t.left, &at->col) &&
		    sqlx_is_rowfree(x->u.bin.l)) {
			at->kind = flip[op];
			at->v = x->u.bin.l;
			return 1;
		}
		return 0;
	}
	if (x->kind == SQLX_BETWEEN && !x->u.between.not_ &&
	    !x->u.between.symmetric &&
	    colref(x->u.between.arg, d, &x->u.between.t.left, &at->col) &&
	    sqlx_is_rowfree(x->u.between.lo) &&
	    sqlx_is_rowfree(x->u.between.hi)) {
		at->kind = AT_BETWEEN;
		at->v = x->u.between.lo;
		at->v2 = x->u.between.hi;
		return 1;
	}
	if (x->kind == SQLX_IN_LIST && !x->u.in.not_ &&
	    colref(x->u.in.arg, d, &x->u.in.t.left, &at->col)) {
		for (size_t i = 0; i < x->u.in.n; i++)
			if (!sqlx_is_rowfree(x->u.in.items[i]))
				return 0;
		at->kind = AT_IN;
		at->items = x->u.in.items;
		at->nitems = x->u.in.n;
		return 1;
	}
	return 0;
}

static void path_for_index(const struct sqlcat_desc *d,
			   const struct sqlcat_index *ix,
			   const struct atom *at, size_t nat, struct path *pt,
			   struct arena *a)
{
	size_t neq = 0;
	int range = 0;

	memset(pt, 0, sizeof(*pt));
	pt->ix = ix;
	pt->eq = arena_alloc(a, (ix->ncols + 1) * sizeof(*pt->eq));
	pt->used = arena_alloc(a, nat + 1);
	if (pt->eq == NULL || pt->used == NULL) {
		pt->score = 1000;
		return;
	}
	for (; neq < ix->ncols; neq++) {
		int k = sqlrow_col_index(d, ix->cols[neq]);
		size_t i;

		for (i = 0; i < nat; i++)
			if (at[i].kind == AT_EQ && (int)at[i].col == k)
				break;
		if (i == nat)
			break;
		pt->eq[neq] = at[i].v;
		pt->used[at[i].conj] = 1;
	}
	pt->neq = neq;
	if (neq < ix->ncols) {
		int k = sqlrow_col_index(d, ix->cols[neq]);

		for (size_t i = 0; i < nat; i++) {
			if ((int)at[i].col != k)
				continue;
			switch (at[i].kind) {
			case AT_IN:
				if (pt->nin == 0 && pt->lo == NULL &&
				    pt->hi == NULL) {
					pt->in_items = at[i].items;
					pt->nin = at[i].nitems;
					pt->used[at[i].conj] = 1;
				}
				break;
			case AT_GT:
			case AT_GE:
				if (pt->nin == 0 && pt->lo == NULL) {
					pt->lo = at[i].v;
					pt->lo_incl = at[i].kind == AT_GE;
					range = 1;
				}
				break;
			case AT_LT:
			case AT_LE:
				if (pt->nin == 0 && pt->hi == NULL) {
					pt->hi = at[i].v;
					pt->hi_incl = at[i].kind == AT_LE;
					range = 1;
				}
				break;
			case AT_BETWEEN:
				if (pt->nin == 0 && pt->lo == NULL &&
				    pt->hi == NULL) {
					pt->lo = at[i].v;
					pt->hi = at[i].v2;
					pt->lo_incl = pt->hi_incl = 1;
					range = 1;
				}
				break;
			default:
				break;
			}
		}
	}
	if (neq == ix->ncols && ix->unique)
		pt->score = ix->id == SQLCAT_PRIMARY_INDEX ? 0 : 1;
	else if (pt->nin > 0 && neq + 1 == ix->ncols && ix->unique)
		pt->score = ix->id == SQLCAT_PRIMARY_INDEX ? 2 : 3;
	else if (neq > 0 || pt->nin > 0 || range)
		pt->score = 20 - (int)(neq > 8 ? 8 : neq) * 2 - (pt->nin > 0) -
			range + (ix->id == SQLCAT_PRIMARY_INDEX ? 0 : 1);
	else
		pt->score = 100 + (ix->id == SQLCAT_PRIMARY_INDEX ? 0 : 1);
}

/*
 * The best way to read table rel (of unit u) given its own conjuncts,
 * compiled in x[] against the table's row.
 */
static void choose_path(struct sqlplan *p, const struct sqlcat_desc *d,
			struct sqlx **x, size_t n, struct path *best)
{
	struct atom *at = arena_alloc(p->a, (n + 1) * sizeof(*at));
	size_t nat = 0;
	struct path pt;

	if (at != NULL)
		for (size_t i = 0; i < n; i++)
			if (x[i] != NULL && atom_of(x[i], d, &at[nat])) {
				at[nat].conj = i;
				nat++;
			}
	path_for_index(d, &d->primary, at, nat, best, p->a);
	for (size_t i = 0; i < d->nidx; i++) {
		path_for_index(d, &d->idx[i], at, nat, &pt, p->a);
		if (pt.score < best->score && pt.score < 100)
			*best = pt;
	}
}

static int record_scan(struct sqlplan *p, struct sqlop *op, size_t rel,
		       struct sqlscope *sc, struct sqlerr *e)
{
	if (GROW(p->a, p->scans, p->nscans, p->capscans) != 0)
		return sqlerr_nomem(e);
	p->scans[p->nscans].op = op;
	p->scans[p->nscans].rel = rel;
	p->scans[p->nscans].sc = sc;
	p->nscans++;
	return 0;
}

/*
 * The conjuncts of a primary-index scan that the ranges can apply
 * (sqlfilt.h): those reading only the table's row, joined with AND as
 * SQL text in op->u.scan.pushed.  Not for a lookup of single rows by
 * their whole primary key (nothing to save), nor for secondary indexes
 * (their entries do not hold the row).
 */
static int pushdown(struct sqlplan *p, struct sqlop *op, struct conj **cs,
		    size_t n, struct sqlx **xs, const struct path *pt,
		    struct sqlerr *e)
{
	const struct sqlcat_desc *d = op->u.scan.d;
	char *sql = NULL;

	if (op->u.scan.ix->id != SQLCAT_PRIMARY_INDEX ||
	    op->u.scan.neq + (op->u.scan.nin > 0) >= d->primary.ncols)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char *one;

		if ((pt->used != NULL && pt->used[i]) ||
		    !sqlx_is_local(xs[i]))
			continue;
		if ((one = sqlast_expr_to_sql(p->a, cs[i]->x)) == NULL ||
		    (sql = sql == NULL ? arena_printf(p->a, "(%s)", one) :
		     arena_printf(p->a, "%s AND (%s)", sql, one)) == NULL)
			return sqlerr_nomem(e);
	}
	/* thousands of IN items cost more on every page than they save */
	op->u.scan.pushed = sql != NULL && strlen(sql) <= SQLOP_PUSH_MAX / 4 ?
		sql : NULL;
	return 0;
}

/*
 * Build the scan of base table rel with its conjuncts cs[0..n) (compiled
 * against the table row), on path pt.
 */
static int build_scan(struct sqlplan *p, struct sqlscope *sc, size_t rel,
		      struct conj **cs, size_t n, struct sqlx **xs,
		      const struct path *pt, size_t next, int record,
		      struct sqlop **out, struct sqlerr *e)
{
	const struct prel *r = sc->rels[rel];
	const struct sqlcat_desc *d = r->d;
	struct sqlop *op = sqlop_new(p->rt, SQLOP_SCAN, d->ncols);
	struct sqlx *filt = NULL;
	const struct sql_expr **asts;
	size_t nast = 0;

	if (op == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < d->ncols; i++)
		op->types[i] = d->cols[i].type;
	op->u.scan.d = d;
	op->u.scan.ix = pt->ix;
	op->u.scan.alias = r->name;
	op->u.scan.neq = pt->neq + next;
	op->u.scan.eq = arena_alloc(p->a, (op->u.scan.neq + 1) *
				    sizeof(*op->u.scan.eq));
	op->u.scan.ext = arena_alloc(p->a, (op->u.scan.neq + 1) *
				     sizeof(*op->u.scan.ext));
	asts = arena_alloc(p->a, (n + 1) * sizeof(*asts));
	if (op->u.scan.eq == NULL || op->u.scan.ext == NULL || asts == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < pt->neq; i++)
		op->u.scan.eq[next + i] = pt->eq[i];
	op->u.scan.in_items = pt->in_items;
	op->u.scan.nin = pt->nin;
	op->u.scan.lo = pt->lo;
	op->u.scan.hi = pt->hi;
	op->u.scan.lo_incl = pt->lo_incl;
	op->u.scan.hi_incl = pt->hi_incl;
	for (size_t i = 0; i < n; i++) {
		struct sqlx *y = xs[i];

		if (pt->used != NULL && pt->used[i])
			continue;
		asts[nast++] = cs[i]->x;
		if (filt == NULL) {
			filt = y;
		} else {
			struct sql_type bt = sqlval_type(SQL_TYPE_BOOL);
			struct sqlx *a = sqlx_new(p->a, SQLX_AND, &bt);

			if (a == NULL)
				return sqlerr_nomem(e);
			a->u.list.args = arena_alloc(p->a, 3 * sizeof(y));
			if (a->u.list.args == NULL)
				return sqlerr_nomem(e);
			a->u.list.args[0] = filt;
			a->u.list.args[1] = y;
			a->u.list.n = 2;
			filt = a;
		}
	}
	op->u.scan.filter = filt != NULL ? sqlx_fold(p->a, filt) : NULL;
	op->filter_ast = asts;
	op->nfilter_ast = nast;
	if (pushdown(p, op, cs, n, xs, pt, e) != 0)
		return -1;
	if (record && record_scan(p, op, rel, sc, e) != 0)
		return -1;
	*out = op;
	return 0;
}

/* Compile cs[] against the row of base table rel (alone). */
static int compile_for_table(struct sqlplan *p, struct sqlscope *sc,
			     size_t rel, struct conj **cs, size_t n,
			     struct sqlx ***out, struct sqlerr *e)
{
	struct sqlx **xs = arena_alloc(p->a, (n + 1) * sizeof(*xs));
	struct cx c = { p, sc, NULL, 0 };

	if (xs == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < sc->nrels; i++)
		sc->off[i] = SIZE_MAX;
	sc->off[rel] = 0;
	for (size_t i = 0; i < n; i++) {
		c.clause = cs[i]->clause;
		if (cx_bool(&c, cs[i]->x, cs[i]->clause, &xs[i], e) != 0)
			return -1;
	}
	*out = xs;
	return 0;
}

int sqlplan_table_scan(struct sqlplan *p, struct sqlscope *s,
		       const struct sqlcat_desc *d, const char *alias,
		       const struct sql_expr *where, struct sqlop **out,
		       struct sqlerr *e)
{
	struct cvec cv = { NULL, 0, 0 };
	struct sqlx **xs;
	struct path pt;

	(void)alias;
	if (add_conjuncts(p, where, "WHERE", &cv, e) != 0 ||
	    compile_for_table(p, s, 0, cv.v, cv.n, &xs, e) != 0)
		return -1;
	choose_path(p, d, xs, cv.n, &pt);
	/* DML reads whole rows: never index-only (not recorded) */
	return build_scan(p, s, 0, cv.v, cv.n, xs, &pt, 0, 0, out, e);
}

/* ---- units and joins ---------------------------------------------------- */

static int unit_new(struct sqlplan *p, struct sqlerr *e)
{
	struct unit *un = arena_alloc(p->a, sizeof(*un));

	if (un == NULL || GROW(p->a, p->units, p->nunits, p->capunits) != 0)
		return sqlerr_nomem(e);
	p->units[p->nunits] = un;
	return (int)p->nunits++;
}

/* Star entries of rel, all of its visible columns. */
static int star_of_rel(struct sqlplan *p, struct unit *u, size_t rel,
		       const struct prel *r, struct sqlerr *e)
{
	for (size_t c = 0; c < r->ncols; c++) {
		if (r->cols[c].hidden)
			continue;
		if (GROW(p->a, u->star, u->nstar, u->capstar) != 0)
			return sqlerr_nomem(e);
		u->star[u->nstar].rel = rel;
		u->star[u->nstar++].col = c;
	}
	return 0;
}

/* A unit holding an already planned operator for one new relation. */
static int unit_for_op(struct sqlplan *p, struct sqlscope *sc,
		       struct prel *r, struct sqlop *op, int *uid,
		       struct sqlerr *e)
{
	size_t rel;
	int u = unit_new(p, e);

	if (u < 0 || scope_add(p, sc, r, &rel, e) != 0)
		return -1;
	r->unit = u;
	r->off = 0;
	p->units[u]->op = op;
	p->units[u]->width = op != NULL ? op->ncols : r->ncols;
	if (star_of_rel(p, p->units[u], rel, r, e) != 0)
		return -1;
	*uid = u;
	return 0;
}

/* Plan a derived table (subquery or view) in FROM. */
static int derived(struct sqlplan *p, struct sqlscope *sc,
		   const struct sql_query *q, const char *alias,
		   const char *const *colnames, size_t ncolnames,
		   struct sql_ident *const *colaliases, size_t ncolaliases,
		   int pos, int *uid, struct sqlerr *e)
{
	struct sqlop *op;
	const char **names;
	struct prel *r;
	int rc;

	if (level_push(p, e) != 0)
		return -1;
	rc = plan_query(p, q, sc->parent, &op, &names, e);
	level_pop(p);
	if (rc != 0)
		return -1;
	if (ncolaliases > op->ncols)
		return sqlerr_set(e, "42P10", pos, "table \"%s\" has %zu "
				  "columns available but %zu columns "
				  "specified", alias ? alias : "?", op->ncols,
				  ncolaliases);
	r = prel_new(p, alias, op->ncols);
	if (r == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < op->ncols; i++) {
		r->cols[i].name = names[i];
		if (colnames != NULL && i < ncolnames)
			r->cols[i].name = colnames[i];
		if (i < ncolaliases)
			r->cols[i].name = colaliases[i]->name;
		r->cols[i].type = output_type(&op->types[i]);
	}
	return unit_for_op(p, sc, r, op, uid, e);
}

int sqlplan_relation(struct sqlplan *p, const struct sql_name *n,
		     const struct sqlcat_desc **out, struct sqlerr *e)
{
	const struct sqlcat_snap *cat = p->ctx->cat;
	int64_t db = p->ctx->db_id;
	const struct sqlcat_desc *d;

	if (cat == NULL)	/* a pushed filter (sqlfilt.c) has no catalog */
		return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, n->pos, "relation "
				  "\"%s\" is not available here", n->name);
	if (n->db != NULL) {
		const struct sqlcat_desc *dd = sqlcat_db(cat, n->db);

		if (dd == NULL)
			return sqlerr_set(e, "3D000", n->pos,
					  "database \"%s\" "
					  "does not exist",
					  n->db);
		db = dd->id;
	} else if (db == 0) {
		return sqlerr_set(e, "3D000", n->pos, "database \"%s\" does "
				  "not exist", p->ctx->db_name ?
				  p->ctx->db_name : "?");
	}
	d = sqlcat_rel(cat, db, n->name);
	if (d == NULL)
		return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, n->pos, "relation "
				  "\"%s\" does not exist", n->name);
	*out = d;
	return 0;
}

static int plan_items(struct sqlplan *p, struct sqlscope *sc, size_t *units,
		      size_t nunits, struct cvec *cv, int *out,
		      struct sqlerr *e);

static int from_item(struct sqlplan *p, struct sqlscope *sc,
		     const struct sql_from *f, struct ivec *units,
		     struct cvec *cv, struct sqlerr *e);

/* Merge unit b into unit a (b's columns follow a's): returns the new id. */
static int unit_merge(struct sqlplan *p, struct sqlscope *sc, int a, int b,
		      struct sqlop *op, struct sqlerr *e)
{
	int c = unit_new(p, e);
	size_t wa = p->units[a]->width;

	if (c < 0)
		return -1;
	for (size_t i = 0; i < sc->nrels; i++) {
		struct prel *r = sc->rels[i];

		if (r->unit == a) {
			r->unit = c;
		} else if (r->unit == b) {
			r->unit = c;
			r->off += wa;
		}
	}
	p->units[c]->op = op;
	p->units[c]->width = wa + p->units[b]->width;
	return c;
}

/* The operator of a unit, planning a base table scan if needed. */
static int unit_op(struct sqlplan *p, struct sqlscope *sc, int u,
		   struct cvec *cv, struct sqlerr *e)
{
	struct unit *un = p->units[u];
	struct conj **mine;
	size_t n = 0;

	if (un->op != NULL && !un->is_base)
		return 0;
	mine = arena_alloc(p->a, (cv->n + 1) * sizeof(*mine));
	if (mine == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < cv->n; i++) {
		struct conj *cj = cv->v[i];

		if (!cj->done && cj->nrels > 0 &&
		    rels_in(sc, cj->rels, cj->nrels, u)) {
			mine[n++] = cj;
			cj->done = 1;
		}
	}
	if (un->is_base) {
		struct sqlx **xs;
		struct path pt;

		if (compile_for_table(p, sc, un->base, mine, n, &xs, e) != 0)
			return -1;
		choose_path(p, sc->rels[un->base]->d, xs, n, &pt);
		if (build_scan(p, sc, un->base, mine, n, xs, &pt, 0, 1,
			       &un->op, e) != 0)
			return -1;
		un->is_base = 0;
		return 0;
	}
	if (n > 0) {
		struct sqlop *f = sqlop_new(p->rt, SQLOP_FILTER, un->width);

		if (f == NULL)
			return sqlerr_nomem(e);
		memcpy(f->types, un->op->types, un->width * sizeof(*f->types));
		f->in = un->op;
		if (compile_conjs(p, sc, u, mine, n, &f->u.filter.pred,
				  &f->filter_ast, &f->nfilter_ast, e) != 0)
			return -1;
		un->op = f;
	}
	return 0;
}

/* The planned score of a unit (lower is better) for the join order. */
static int unit_score(struct sqlplan *p, struct sqlscope *sc, int u,
		      struct cvec *cv, struct sqlerr *e)
{
	struct unit *un = p->units[u];
	struct conj **mine;
	struct sqlx **xs;
	struct path pt;
	size_t n = 0;

	if (!un->is_base)
		return 50;
	mine = arena_alloc(p->a, (cv->n + 1) * sizeof(*mine));
	if (mine == NULL)
		return sqlerr_nomem(e), -1;
	for (size_t i = 0; i < cv->n; i++)
		if (!cv->v[i]->done && cv->v[i]->nrels > 0 &&
		    rels_in(sc, cv->v[i]->rels, cv->v[i]->nrels, u))
			mine[n++] = cv->v[i];
	if (compile_for_table(p, sc, un->base, mine, n, &xs, e) != 0)
		return -1;
	choose_path(p, sc->rels[un->base]->d, xs, n, &pt);
	return pt.score;
}

/* Attach the conjuncts now fully inside unit u as a filter on it. */
static int attach_ready(struct sqlplan *p, struct sqlscope *sc, int u,
			struct cvec *cv, int any, struct sqlerr *e)
{
	struct conj **mine = arena_alloc(p->a, (cv->n + 1) * sizeof(*mine));
	struct unit *un = p->units[u];
	struct sqlop *f;
	size_t n = 0;

	if (mine == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < cv->n; i++) {
		struct conj *cj = cv->v[i];

		if (cj->done)
			continue;
		if ((cj->nrels == 0 && any) ||
		    (cj->nrels > 0 && rels_in(sc, cj->rels, cj->nrels, u))) {
			mine[n++] = cj;
			cj->done = 1;
		}
	}
	if (n == 0)
		return 0;
	f = sqlop_new(p->rt, SQLOP_FILTER, un->width);
	if (f == NULL)
		return sqlerr_nomem(e);
	memcpy(f->types, un->op->types, un->width * sizeof(*f->types));
	f->in = un->op;
	if (compile_conjs(p, sc, u, mine, n, &f->u.filter.pred, &f->filter_ast,
			  &f->nfilter_ast, e) != 0)
		return -1;
	un->op = f;
	return 0;
}

struct equi {
	struct conj *cj;
	const struct sql_expr *cur;	/* the side on the joined units */
	const struct sql_expr *other;	/* the side on the new unit */
};

/* Equalities between unit cur and unit u. */
static size_t find_equis(struct sqlscope *sc, struct cvec *cv, int cur, int u,
			 struct equi *out)
{
	size_t n = 0;

	for (size_t i = 0; i < cv->n; i++) {
		struct conj *cj = cv->v[i];

		if (cj->done || cj->l == NULL || cj->nl == 0 || cj->nr == 0)
			continue;
		if (rels_in(sc, cj->lrels, cj->nl, cur) &&
		    rels_in(sc, cj->rrels, cj->nr, u)) {
			out[n].cj = cj;
			out[n].cur = cj->l;
			out[n++].other = cj->r;
		} else if (rels_in(sc, cj->rrels, cj->nr, cur) &&
			   rels_in(sc, cj->lrels, cj->nl, u)) {
			out[n].cj = cj;
			out[n].cur = cj->r;
			out[n++].other = cj->l;
		}
	}
	return n;
}

/* Compile x against unit u's row. */
static int cx_on_unit(struct sqlplan *p, struct sqlscope *sc, int u,
		      const struct sql_expr *x, const char *clause,
		      struct sqlx **out, struct sqlerr *e)
{
	struct cx c = { p, sc, clause, 0 };

	scope_layout(sc, u);
	return cx_expr(&c, x, out, e);
}

/*
 * Hash or lookup join keys for equis[0..n): compiled sides cast to the
 * comparison types.  For a lookup, *lookup_cols gets the table row
 * positions of the other sides (or the join cannot be a lookup: 0).
 */
static int join_keys(struct sqlplan *p, struct sqlscope *sc, int cur, int u,
		     struct equi *eq, size_t n, struct sqlx **lk,
		     struct sqlx **rk, struct sqlerr *e)
{
	for (size_t i = 0; i < n; i++) {
		struct sqlx *l, *r;
		struct sql_optype t;
		struct cx c = { p, sc, eq[i].cj->clause, 0 };

		if (cx_on_unit(p, sc, cur, eq[i].cur, eq[i].cj->clause, &l,
			       e) != 0 ||
		    cx_on_unit(p, sc, u, eq[i].other, eq[i].cj->clause, &r,
			       e) != 0)
			return -1;
		if (sqlval_binop_type(SQL_OP_EQ, &l->type, &r->type, &t,
				      eq[i].cj->x->pos, e) != 0 ||
		    coerce(&c, l, &t.left, eq[i].cur->pos, &lk[i], e) != 0 ||
		    coerce(&c, r, &t.right, eq[i].other->pos, &rk[i], e) != 0)
			return -1;
	}
	return 0;
}

/*
 * Can unit u (a base table) be read by lookups on its equality columns?
 * Fills the index, the number of leading columns and the key order.
 */
static int lookup_plan(struct sqlplan *p, struct sqlscope *sc, int cur,
		       int u, struct equi *eq, size_t n,
		       const struct sqlcat_index **ixo, size_t *nko,
		       size_t *order, struct sqlerr *e)
{
	struct unit *un = p->units[u];
	const struct sqlcat_desc *d;
	size_t *col = arena_alloc(p->a, (n + 1) * sizeof(*col));
	int *ok = arena_alloc(p->a, (n + 1) * sizeof(*ok));
	size_t best_k = 0;
	const struct sqlcat_index *best = NULL;

	if (!un->is_base)
		return 0;
	if (col == NULL || ok == NULL)
		return sqlerr_nomem(e);
	d = sc->rels[un->base]->d;
	for (size_t i = 0; i < n; i++) {
		struct sqlx *l, *r;
		struct sql_optype t;

		ok[i] = 0;
		if (cx_on_unit(p, sc, u, eq[i].other, eq[i].cj->clause, &r,
			       e) != 0 ||
		    cx_on_unit(p, sc, cur, eq[i].cur, eq[i].cj->clause, &l,
			       e) != 0)
			return -1;
		if (sqlval_binop_type(SQL_OP_EQ, &l->type, &r->type, &t,
				      eq[i].cj->x->pos, e) != 0)
			return -1;
		if (sqlval_type_equal(&t.right, &r->type)) {
			ok[i] = colref(r, d, &t.right, &col[i]);
		} else {
			struct sqlx fake;

			memset(&fake, 0, sizeof(fake));
			fake.kind = SQLX_CAST;
			fake.type = t.right;
			fake.u.cast.arg = r;
			ok[i] = colref(&fake, d, &t.right, &col[i]);
		}
	}
	for (size_t x = 0; x <= d->nidx; x++) {
		const struct sqlcat_index *ix = x == 0 ? &d->primary :
			&d->idx[x - 1];
		size_t k = 0;

		for (; k < ix->ncols; k++) {
			int c = sqlrow_col_index(d, ix->cols[k]);
			size_t i;

			for (i = 0; i < n; i++)
				if (ok[i] && (int)col[i] == c)
					break;
			if (i == n)
				break;
			order[k] = i;
		}
		if (k > best_k) {
			best_k = k;
			best = ix;
			if (x == 0 && k == ix->ncols)
				break;
		}
	}
	if (best == NULL)
		return 0;
	/* recompute the order for the chosen index */
	for (size_t k = 0; k < best_k; k++) {
		int c = sqlrow_col_index(d, best->cols[k]);

		for (size_t i = 0; i < n; i++)
			if (ok[i] && (int)col[i] == c) {
				order[k] = i;
				break;
			}
	}
	*ixo = best;
	*nko = best_k;
	return 1;
}

/* Join unit u into unit cur; returns the new unit. */
static int join_step(struct sqlplan *p, struct sqlscope *sc, int cur, int u,
		     struct cvec *cv, int *outu, struct sqlerr *e)
{
	struct equi *eq = arena_alloc(p->a, (cv->n + 1) * sizeof(*eq));
	size_t neq = find_equis(sc, cv, cur, u, eq);
	struct sqlop *op;
	const struct sqlcat_index *ix = NULL;
	size_t nk = 0, *order = NULL;
	int c, lookup = 0;
	size_t wl = p->units[cur]->width, wr;

	if (eq == NULL)
		return sqlerr_nomem(e);
	if (neq > 0) {
		order = arena_alloc(p->a, (neq + 1) * sizeof(*order));
		if (order == NULL)
			return sqlerr_nomem(e);
		lookup = lookup_plan(p, sc, cur, u, eq, neq, &ix, &nk, order,
				     e);
		if (lookup < 0)
			return -1;
	}
	if (lookup) {
		/* the inner side: a scan by the join key, own conjuncts */
		struct unit *un = p->units[u];
		struct conj **mine = arena_alloc(p->a, (cv->n + 1) *
						 sizeof(*mine));
		struct sqlx **xs, **lk, **rk;
		struct equi *used =
			arena_alloc(p->a, (nk + 1) * sizeof(*used));
		struct path pt;
		size_t n = 0;
		struct sqlop *scan;

		if (mine == NULL || used == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < cv->n; i++) {
			struct conj *cj = cv->v[i];

			if (!cj->done && cj->nrels > 0 &&
			    rels_in(sc, cj->rels, cj->nrels, u)) {
				mine[n++] = cj;
				cj->done = 1;
			}
		}
		if (compile_for_table(p, sc, un->base, mine, n, &xs, e) != 0)
			return -1;
		memset(&pt, 0, sizeof(pt));
		pt.ix = ix;
		if (build_scan(p, sc, un->base, mine, n, xs, &pt, nk, 1, &scan,
			       e) != 0)
			return -1;
		for (size_t k = 0; k < nk; k++) {
			used[k] = eq[order[k]];
			scan->u.scan.eq[k] = NULL;
		}
		lk = arena_alloc(p->a, (nk + 1) * sizeof(*lk));
		rk = arena_alloc(p->a, (nk + 1) * sizeof(*rk));
		if (lk == NULL || rk == NULL)
			return sqlerr_nomem(e);
		if (join_keys(p, sc, cur, u, used, nk, lk, rk, e) != 0)
			return -1;
		for (size_t k = 0; k < nk; k++)
			used[k].cj->done = 1;
		un->op = scan;
		un->is_base = 0;
		wr = scan->ncols;
		op = sqlop_new(p->rt, SQLOP_NLJOIN, wl + wr);
		if (op == NULL)
			return sqlerr_nomem(e);
		op->u.join.lookup = 1;
		op->u.join.lkeys = lk;
		op->u.join.nkeys = nk;
	} else {
		if (unit_op(p, sc, u, cv, e) != 0)
			return -1;
		wr = p->units[u]->width;
		if (neq > 0) {
			struct sqlx **lk = arena_alloc(p->a, (neq + 1) *
						       sizeof(*lk));
			struct sqlx **rk = arena_alloc(p->a, (neq + 1) *
						       sizeof(*rk));

			if (lk == NULL || rk == NULL)
				return sqlerr_nomem(e);
			if (join_keys(p, sc, cur, u, eq, neq, lk, rk, e) != 0)
				return -1;
			for (size_t k = 0; k < neq; k++)
				eq[k].cj->done = 1;
			op = sqlop_new(p->rt, SQLOP_HASHJOIN, wl + wr);
			if (op == NULL)
				return sqlerr_nomem(e);
			op->u.join.lkeys = lk;
			op->u.join.rkeys = rk;
			op->u.join.nkeys = neq;
			op->filter_ast = arena_alloc(p->a, (neq + 1) *
						     sizeof(*op->filter_ast));
			if (op->filter_ast == NULL)
				return sqlerr_nomem(e);
			for (size_t k = 0; k < neq; k++)
				op->filter_ast[k] = eq[k].cj->x;
			op->nfilter_ast = neq;
		} else {
			op = sqlop_new(p->rt, SQLOP_NLJOIN, wl + wr);
			if (op == NULL)
				return sqlerr_nomem(e);
		}
	}
	op->u.join.type = SQLOP_JOIN_INNER;
	op->in = p->units[cur]->op;
	op->in2 = p->units[u]->op;
	memcpy(op->types, op->in->types, wl * sizeof(*op->types));
	memcpy(op->types + wl, op->in2->types, wr * sizeof(*op->types));
	c = unit_merge(p, sc, cur, u, op, e);
	if (c < 0)
		return -1;
	/* conjuncts now complete become the join's condition */
	{
		struct conj **mine = arena_alloc(p->a, (cv->n + 1) *
						 sizeof(*mine));
		size_t n = 0;
		const struct sql_expr **asts;
		size_t nasts = 0;

		if (mine == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < cv->n; i++) {
			struct conj *cj = cv->v[i];

			if (!cj->done && cj->nrels > 0 &&
			    rels_in(sc, cj->rels, cj->nrels, c)) {
				mine[n++] = cj;
				cj->done = 1;
			}
		}
		if (compile_conjs(p, sc, c, mine, n, &op->u.join.cond, &asts,
				  &nasts, e) != 0)
			return -1;
		if (nasts > 0) {
			const struct sql_expr **all = arena_alloc(p->a,
				(op->nfilter_ast + nasts + 1) * sizeof(*all));

			if (all == NULL)
				return sqlerr_nomem(e);
			if (op->nfilter_ast > 0)
				memcpy(all, op->filter_ast, op->nfilter_ast *
				       sizeof(*all));
			memcpy(all + op->nfilter_ast, asts,
			       nasts * sizeof(*all));
			op->filter_ast = all;
			op->nfilter_ast += nasts;
		}
	}
	*outu = c;
	return 0;
}

/*
 * Join units[0..n) with the conjuncts cv into one unit (*out).  The
 * conjuncts placed are marked done; every conjunct that reads only these
 * units is placed.
 */
static int plan_items(struct sqlplan *p, struct sqlscope *sc, size_t *units,
		      size_t nunits, struct cvec *cv, int *out,
		      struct sqlerr *e)
{
	size_t left = nunits;
	unsigned char *gone = arena_alloc(p->a, nunits + 1);
	struct equi *eq = arena_alloc(p->a, (cv->n + 1) * sizeof(*eq));
	int cur, best = -1, best_score = 0;
	size_t bi = 0;

	if (gone == NULL || eq == NULL)
		return sqlerr_nomem(e);
	/*
	 * The start: the unit with the best access path; among equals, one
	 * from which another table can be read by lookups on its key.
	 */
	{
		int *score = arena_alloc(p->a, (nunits + 1) * sizeof(*score));
		const struct sqlcat_index *ix;
		size_t nk, *order = arena_alloc(p->a, (cv->n + 1) *
						sizeof(*order));

		if (score == NULL || order == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < nunits; i++) {
			score[i] = unit_score(p, sc, (int)units[i], cv, e);
			if (score[i] < 0)
				return -1;
			if (best < 0 || score[i] < best_score) {
				best = (int)units[i];
				best_score = score[i];
				bi = i;
			}
		}
		for (size_t i = 0; i < nunits && nunits > 1; i++) {
			int found = 0;

			if (score[i] != best_score)
				continue;
			for (size_t j = 0; j < nunits && !found; j++) {
				size_t n;
				int r;

				if (j == i)
					continue;
				n = find_equis(sc, cv, (int)units[i],
					       (int)units[j], eq);
				if (n == 0)
					continue;
				r = lookup_plan(p, sc, (int)units[i],
						(int)units[j], eq, n, &ix, &nk,
						order, e);
				if (r < 0)
					return -1;
				found = r;
			}
			if (found) {
				best = (int)units[i];
				bi = i;
				break;
			}
		}
	}
	cur = best;
	gone[bi] = 1;
	left--;
	if (unit_op(p, sc, cur, cv, e) != 0 ||
	    attach_ready(p, sc, cur, cv, 1, e) != 0)
		return -1;
	while (left > 0) {
		size_t pick = SIZE_MAX;
		int pick_score = 0;

		/* a unit joined by an equality, base tables first */
		for (size_t i = 0; i < nunits; i++) {
			int u = (int)units[i];

			if (gone[i])
				continue;
			if (find_equis(sc, cv, cur, u, eq) > 0) {
				int s = p->units[u]->is_base ? 0 : 1;

				if (pick == SIZE_MAX || s < pick_score) {
					pick = i;
					pick_score = s;
				}
			}
		}
		if (pick == SIZE_MAX) {
			for (size_t i = 0; i < nunits; i++) {
				int s;

				if (gone[i])
					continue;
				s = unit_score(p, sc, (int)units[i], cv, e);
				if (s < 0)
					return -1;
				if (pick == SIZE_MAX || s < pick_score) {
					pick = i;
					pick_score = s;
				}
			}
		}
		gone[pick] = 1;
		left--;
		if (join_step(p, sc, cur, (int)units[pick], cv, &cur, e) != 0)
			return -1;
	}
	if (attach_ready(p, sc, cur, cv, 0, e) != 0)
		return -1;
	*out = cur;
	return 0;
}

/* The one column called name among unit u's unqualified columns. */
static int find_in_unit(struct sqlscope *sc, int u, const char *name,
			size_t *rel, size_t *col)
{
	int n = 0;

	for (size_t r = 0; r < sc->nrels; r++) {
		const struct prel *pr = sc->rels[r];

		if (pr->unit != u)
			continue;
		for (size_t k = 0; k < pr->ncols; k++)
			if (!pr->cols[k].qual_only && !pr->cols[k].hidden &&
			    strcmp(pr->cols[k].name, name) == 0) {
				if (n++ == 0) {
					*rel = r;
					*col = k;
				}
			}
	}
	return n;
}

/* Follow USING aliases to the column that has a position. */
static void canon(struct sqlscope *sc, size_t *rel, size_t *col)
{
	while (sc->rels[*rel]->cols[*col].alias_rel >= 0) {
		const struct pcol *c = &sc->rels[*rel]->cols[*col];

		*rel = (size_t)c->alias_rel;
		*col = c->alias_col;
	}
}

/* A join that is not a plain inner join (outer joins, USING, NATURAL). */
static int join_unit(struct sqlplan *p, struct sqlscope *sc,
		     const struct sql_from *f, int *uid, struct sqlerr *e)
{
	struct ivec lu = { NULL, 0, 0 }, ru = { NULL, 0, 0 };
	struct cvec lc = { NULL, 0, 0 }, rc = { NULL, 0, 0 }, oc = { NULL, 0,
								     0 };
	enum sql_join_kind kind = f->u.join.kind;
	int l, r, swap = kind == SQL_JOIN_RIGHT, c, full = kind ==
		SQL_JOIN_FULL;
	size_t nusing = 0;
	const char **using_names = NULL;
	int *using_pos = NULL;
	struct sqlop *op;
	struct sqlx **lk = NULL, **rk = NULL, *cond = NULL;
	size_t nk = 0;
	struct prel *merged = NULL;
	size_t wl, wr;
	struct starent *star;
	size_t nstar = 0, capstar;

	if (from_item(p, sc, f->u.join.left, &lu, &lc, e) != 0 ||
	    from_item(p, sc, f->u.join.right, &ru, &rc, e) != 0)
		return -1;
	for (size_t i = 0; i < lc.n; i++)
		if (analyze_conj(p, sc, lc.v[i], e) != 0)
			return -1;
	for (size_t i = 0; i < rc.n; i++)
		if (analyze_conj(p, sc, rc.v[i], e) != 0)
			return -1;
	if (plan_items(p, sc, lu.v, lu.n, &lc, &l, e) != 0 ||
	    plan_items(p, sc, ru.v, ru.n, &rc, &r, e) != 0)
		return -1;
	for (size_t i = 0; i < lc.n; i++)
		if (!lc.v[i]->done)
			return sqlerr_set(e, SQLSTATE_UNDEF_TABLE,
					  lc.v[i]->x->pos, "invalid reference "
					  "to FROM-clause entry");
	for (size_t i = 0; i < rc.n; i++)
		if (!rc.v[i]->done)
			return sqlerr_set(e, SQLSTATE_UNDEF_TABLE,
					  rc.v[i]->x->pos, "invalid reference "
					  "to FROM-clause entry");
	/* USING / NATURAL column names */
	if (f->u.join.natural) {
		const struct unit *lu0 = p->units[l];

		using_names = arena_alloc(p->a, (lu0->nstar + 1) *
					  sizeof(*using_names));
		using_pos = arena_alloc(p->a, (lu0->nstar + 1) *
					sizeof(*using_pos));
		if (using_names == NULL || using_pos == NULL)
			return sqlerr_nomem(e);
		/* the left side's column order gives the USING order */
		for (size_t i = 0; i < lu0->nstar; i++) {
			const struct pcol *pc =
				&sc->rels[lu0->star[i].rel]
					 ->cols[lu0->star[i].col];
			size_t x, y;
			int dup = 0;

			if (pc->qual_only || pc->hidden ||
			    find_in_unit(sc, r, pc->name, &x, &y) == 0)
				continue;
			for (size_t j = 0; j < nusing; j++)
				if (strcmp(using_names[j], pc->name) == 0)
					dup = 1;
			if (dup)
				continue;
			using_pos[nusing] = f->pos;
			using_names[nusing++] = pc->name;
		}
	} else if (f->u.join.nusing > 0) {
		nusing = f->u.join.nusing;
		using_names = arena_alloc(p->a, (nusing + 1) *
					  sizeof(*using_names));
		using_pos =
			arena_alloc(p->a, (nusing + 1) * sizeof(*using_pos));
		if (using_names == NULL || using_pos == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < nusing; i++) {
			using_names[i] = f->u.join.using_[i]->name;
			using_pos[i] = f->u.join.using_[i]->pos;
			for (size_t j = 0; j < i; j++)
				if (strcmp(using_names[i], using_names[j]) ==
				    0)
					return sqlerr_set(
						e, SQLSTATE_DUP_COLUMN,
						using_pos[i],
						"column \"%s\" "
						"appears more than once in "
						"USING clause",
						using_names[i]);
		}
	}
	if (swap) {
		int t = l;

		l = r;
		r = t;
	}
	wl = p->units[l]->width;
	wr = p->units[r]->width;
	op = sqlop_new(p->rt, SQLOP_NLJOIN, wl + wr);
	if (op == NULL)
		return sqlerr_nomem(e);
	op->in = p->units[l]->op;
	op->in2 = p->units[r]->op;
	memcpy(op->types, op->in->types, wl * sizeof(*op->types));
	memcpy(op->types + wl, op->in2->types, wr * sizeof(*op->types));
	/* USING equalities become hash keys */
	if (nusing > 0) {
		merged = prel_new(p, NULL, nusing);
		lk = arena_alloc(p->a, (nusing + 1) * sizeof(*lk));
		rk = arena_alloc(p->a, (nusing + 1) * sizeof(*rk));
		if (merged == NULL || lk == NULL || rk == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < nusing; i++) {
			size_t lr = 0, lcol = 0, rr = 0, rcol = 0;
			int nl = find_in_unit(sc, swap ? r : l, using_names[i],
					      &lr, &lcol);
			int nr = find_in_unit(sc, swap ? l : r, using_names[i],
					      &rr, &rcol);
			struct sql_optype t;
			struct cx cc = { p, sc, "JOIN/USING", 0 };
			struct sqlx *a, *b;
			struct sql_type ts[2];
			size_t cl, cr;

			if (nl == 0 || nr == 0)
				return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN,
						  using_pos[i],
						  "column \"%s\" "
						  "specified in USING clause "
						  "does not exist in %s table",
						  using_names[i],
						  nl == 0 ? "left" : "right");
			if (nl > 1 || nr > 1)
				return sqlerr_set(e, SQLSTATE_AMBIG_COLUMN,
						  using_pos[i],
						  "common column "
						  "name \"%s\" appears more "
						  "than once in %s table",
						  using_names[i],
						  nl > 1 ? "left" : "right");
			if (swap) {
				size_t t1 = lr, t2 = lcol;

				lr = rr;
				lcol = rcol;
				rr = t1;
				rcol = t2;
			}
			canon(sc, &lr, &lcol);
			canon(sc, &rr, &rcol);
			a = sqlx_col(p->a, 0, sc->rels[lr]->off + lcol,
				     &sc->rels[lr]->cols[lcol].type);
			b = sqlx_col(p->a, 0, sc->rels[rr]->off + rcol,
				     &sc->rels[rr]->cols[rcol].type);
			if (a == NULL || b == NULL)
				return sqlerr_nomem(e);
			sc->rels[lr]->cols[lcol].used = 1;
			sc->rels[rr]->cols[rcol].used = 1;
			if (sqlval_binop_type(SQL_OP_EQ, &a->type, &b->type,
					      &t, using_pos[i], e) != 0 ||
			    coerce(&cc, a, &t.left, using_pos[i], &lk[i], e) !=
				    0 ||
			    coerce(&cc, b, &t.right, using_pos[i], &rk[i],
				   e) != 0)
				return -1;
			ts[0] = sc->rels[lr]->cols[lcol].type;
			ts[1] = sc->rels[rr]->cols[rcol].type;
			merged->cols[i].name = using_names[i];
			if (sqlval_common_type("JOIN/USING", ts, 2,
					       &merged->cols[i].type,
					       using_pos[i], e) != 0)
				return -1;
			/* the original side: left, or right for RIGHT */
			cl = lr;
			cr = lcol;
			if (!full) {
				merged->cols[i].alias_rel = (int)cl;
				merged->cols[i].alias_col = cr;
			}
			/* hide both sides from unqualified lookups */
			{
				size_t x1, y1;

				if (find_in_unit(sc, swap ? r : l,
						 using_names[i], &x1,
						 &y1) == 1)
					sc->rels[x1]->cols[y1].qual_only = 1;
				if (find_in_unit(sc, swap ? l : r,
						 using_names[i], &x1,
						 &y1) == 1)
					sc->rels[x1]->cols[y1].qual_only = 1;
			}
			(void)rr;
		}
		nk = nusing;
	}
	/* ON conjuncts: equalities across become keys too */
	if (f->u.join.on != NULL) {
		struct conj **rest;
		size_t nrest = 0;

		if (add_conjuncts(p, f->u.join.on, "JOIN/ON", &oc, e) != 0)
			return -1;
		rest = arena_alloc(p->a, (oc.n + 1) * sizeof(*rest));
		if (rest == NULL)
			return sqlerr_nomem(e);
		c = unit_merge(p, sc, l, r, op, e);
		if (c < 0)
			return -1;
		{
			struct sqlx **nlk = arena_alloc(p->a, (nk + oc.n + 1) *
							sizeof(*nlk));
			struct sqlx **nrk = arena_alloc(p->a, (nk + oc.n + 1) *
							sizeof(*nrk));

			if (nlk == NULL || nrk == NULL)
				return sqlerr_nomem(e);
			if (nk > 0) {
				memcpy(nlk, lk, nk * sizeof(*nlk));
				memcpy(nrk, rk, nk * sizeof(*nrk));
			}
			lk = nlk;
			rk = nrk;
		}
		for (size_t i = 0; i < oc.n; i++) {
			struct conj *cj = oc.v[i];
			int lside = 0;

			if (analyze_conj(p, sc, cj, e) != 0)
				return -1;
			/* sides are identified by offset (l first) */
			if (cj->l != NULL && cj->nl > 0 && cj->nr > 0) {
				int all_l = 1, all_r = 1, all_l2 = 1,
				    all_r2 = 1;

				for (size_t k = 0; k < cj->nl; k++) {
					const struct prel *pr =
						sc->rels[cj->lrels[k]];

					if (pr->unit != c || pr->off >= wl)
						all_l = 0;
					if (pr->unit != c || pr->off < wl)
						all_r2 = 0;
				}
				for (size_t k = 0; k < cj->nr; k++) {
					const struct prel *pr =
						sc->rels[cj->rrels[k]];

					if (pr->unit != c || pr->off < wl)
						all_r = 0;
					if (pr->unit != c || pr->off >= wl)
						all_l2 = 0;
				}
				if (all_l && all_r)
					lside = 1;
				else if (all_l2 && all_r2)
					lside = 2;
			}
			if (lside != 0) {
				const struct sql_expr *le = lside == 1 ?
					cj->l : cj->r;
				const struct sql_expr *re = lside == 1 ?
					cj->r : cj->l;
				struct cx cc = { p, sc, "JOIN/ON", 0 };
				struct sqlx *a, *b;
				struct sql_optype t;

				/* both compiled on the joined row; the right
				 * key is shifted back to the right row */
				scope_layout(sc, c);
				if (cx_expr(&cc, le, &a, e) != 0)
					return -1;
				for (size_t k = 0; k < sc->nrels; k++)
					if (sc->rels[k]->unit == c &&
					    sc->rels[k]->off >= wl)
						sc->off[k] -= wl;
				if (cx_expr(&cc, re, &b, e) != 0)
					return -1;
				if (sqlval_binop_type(SQL_OP_EQ, &a->type,
						      &b->type, &t, cj->x->pos,
						      e) != 0 ||
				    coerce(&cc, a, &t.left, le->pos, &lk[nk],
					   e) != 0 ||
				    coerce(&cc, b, &t.right, re->pos, &rk[nk],
					   e) != 0)
					return -1;
				nk++;
				cj->done = 1;
			} else {
				rest[nrest++] = cj;
			}
		}
		if (compile_conjs(p, sc, c, rest, nrest, &cond, NULL, NULL,
				  e) != 0)
			return -1;
		op->filter_ast = arena_alloc(p->a, (oc.n + 1) *
					     sizeof(*op->filter_ast));
		if (op->filter_ast == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < oc.n; i++)
			op->filter_ast[i] = oc.v[i]->x;
		op->nfilter_ast = oc.n;
	} else {
		c = unit_merge(p, sc, l, r, op, e);
		if (c < 0)
			return -1;
	}
	if (nk > 0) {
		op->kind = SQLOP_HASHJOIN;
		op->u.join.lkeys = lk;
		op->u.join.rkeys = rk;
		op->u.join.nkeys = nk;
	}
	op->u.join.cond = cond;
	op->u.join.type = kind == SQL_JOIN_INNER || kind == SQL_JOIN_CROSS ?
		SQLOP_JOIN_INNER : full ? SQLOP_JOIN_FULL : SQLOP_JOIN_LEFT;
	/* the star list: USING columns, then each side's others */
	capstar = p->units[l]->nstar + p->units[r]->nstar + nusing + 1;
	star = arena_alloc(p->a, capstar * sizeof(*star));
	if (star == NULL)
		return sqlerr_nomem(e);
	if (merged != NULL) {
		size_t mrel;

		if (full) {
			/* FULL: the merged columns are computed */
			struct sqlop *pj = sqlop_new(p->rt, SQLOP_PROJECT,
						     wl + wr + nusing);

			if (pj == NULL)
				return sqlerr_nomem(e);
			pj->in = op;
			pj->u.project.exprs =
				arena_alloc(p->a, (wl + wr + nusing +
						   1) * sizeof(struct sqlx *));
			if (pj->u.project.exprs == NULL)
				return sqlerr_nomem(e);
			for (size_t i = 0; i < wl + wr; i++) {
				pj->types[i] = op->types[i];
				pj->u.project.exprs[i] =
					sqlx_col(p->a, 0, i, &op->types[i]);
				if (pj->u.project.exprs[i] == NULL)
					return sqlerr_nomem(e);
			}
			for (size_t i = 0; i < nusing; i++) {
				struct sqlx *co, *a = lk[i], *b = rk[i];
				struct sqlx **args = arena_alloc(p->a,
							3 * sizeof(*args));
				struct cx cc = { p, sc, NULL, 0 };

				if (args == NULL)
					return sqlerr_nomem(e);
				/* rk was shifted to the right row: shift
				 * back for the joined row */
				b = sqlx_new(p->a, SQLX_COL, &rk[i]->type);
				if (b == NULL)
					return sqlerr_nomem(e);
				*b = *rk[i];
				{
					struct sqlx *y = b, **py = &b;

					while (y->kind == SQLX_CAST) {
						struct sqlx *cp = sqlx_new(
							p->a, SQLX_CAST,
							&y->type);

						if (cp == NULL)
							return sqlerr_nomem(e);
						*cp = *y->u.cast.arg;
						y->u.cast.arg = cp;
						py = &y->u.cast.arg;
						y = cp;
					}
					(void)py;
					if (y->kind == SQLX_COL)
						y->u.col.idx += wl;
				}
				if (coerce(&cc, a, &merged->cols[i].type,
					   using_pos[i], &args[0], e) != 0 ||
				    coerce(&cc, b, &merged->cols[i].type,
					   using_pos[i], &args[1], e) != 0)
					return -1;
				co = sqlx_new(p->a, SQLX_COALESCE,
					      &merged->cols[i].type);
				if (co == NULL)
					return sqlerr_nomem(e);
				co->u.list.args = args;
				co->u.list.n = 2;
				pj->u.project.exprs[wl + wr + i] = co;
				pj->types[wl + wr + i] = co->type;
			}
			p->units[c]->op = pj;
			p->units[c]->width = wl + wr + nusing;
			if (unit_for_op(p, sc, merged, NULL, &(int){0}, e) !=
			    0)
				return -1;
			merged->unit = c;
			merged->off = wl + wr;
		} else {
			if (scope_add(p, sc, merged, &mrel, e) != 0)
				return -1;
			merged->unit = c;
			merged->off = 0;
		}
		for (size_t r2 = 0; r2 < sc->nrels; r2++)
			if (sc->rels[r2] == merged)
				mrel = r2;
		for (size_t i = 0; i < nusing; i++) {
			star[nstar].rel = mrel;
			star[nstar++].col = i;
		}
	}
	{
		int first = swap ? r : l, second = swap ? l : r;

		for (int side = 0; side < 2; side++) {
			const struct unit *su = p->units[side ? second :
							  first];

			for (size_t i = 0; i < su->nstar; i++) {
				const struct pcol *pc =
					&sc->rels[su->star[i].rel]->
					cols[su->star[i].col];
				int skip = 0;

				for (size_t j = 0; j < nusing; j++)
					if (pc->qual_only &&
					    strcmp(pc->name,
						   using_names[j]) == 0)
						skip = 1;
				if (!skip)
					star[nstar++] = su->star[i];
			}
		}
	}
	p->units[c]->star = star;
	p->units[c]->nstar = nstar;
	*uid = c;
	return 0;
}

static int from_item(struct sqlplan *p, struct sqlscope *sc,
		     const struct sql_from *f, struct ivec *units,
		     struct cvec *cv, struct sqlerr *e)
{
	int u;

	switch (f->kind) {
	case SQL_FROM_TABLE: {
		const struct sqlcat_desc *d;
		const char *alias = f->alias ? f->alias : f->u.table.name;

		if (sqlplan_relation(p, &f->u.table, &d, e) != 0)
			return -1;
		if (d->kind == SQLCAT_VIEW) {
			struct sql_stmt **st;
			size_t nst;

			if (sqlparse(p->a, d->view_sql, strlen(d->view_sql),
				     &st, &nst, e) != 0)
				return -1;
			if (nst != 1 || st[0]->kind != SQL_STMT_QUERY)
				return sqlerr_set(e, SQLSTATE_INTERNAL, f->pos,
						  "view \"%s\" has a bad "
						  "definition", d->name);
			if (derived(p, sc, st[0]->u.query, alias,
				    d->view_cols, d->nview_cols,
				    f->colaliases, f->ncolaliases, f->pos, &u,
				    e) != 0)
				return -1;
		} else {
			struct prel *r = prel_table(p, d, alias);

			if (r == NULL)
				return sqlerr_nomem(e);
			if (f->ncolaliases > d->ncols)
				return sqlerr_set(e, "42P10", f->pos, "table "
						  "\"%s\" has %zu columns "
						  "available but %zu columns "
						  "specified", alias, d->ncols,
						  f->ncolaliases);
			for (size_t i = 0, k = 0; i < f->ncolaliases &&
			     k < d->ncols; k++) {
				if (d->cols[k].hidden)
					continue;
				r->cols[k].name = f->colaliases[i++]->name;
			}
			r->db = f->u.table.db;
			if (unit_for_op(p, sc, r, NULL, &u, e) != 0)
				return -1;
			p->units[u]->is_base = 1;
			p->units[u]->base = sc->nrels - 1;
			p->units[u]->width = d->ncols;
		}
		break;
	}
	case SQL_FROM_SUBQUERY:
		if (f->alias == NULL)
			return sqlerr_set(e, SQLSTATE_SYNTAX, f->pos,
					  "subquery "
					  "in FROM must have an alias");
		if (derived(p, sc, f->u.query, f->alias, NULL, 0,
			    f->colaliases, f->ncolaliases, f->pos, &u, e) != 0)
			return -1;
		break;
	case SQL_FROM_JOIN:
		if ((f->u.join.kind == SQL_JOIN_INNER ||
		     f->u.join.kind == SQL_JOIN_CROSS) &&
		    !f->u.join.natural && f->u.join.nusing == 0) {
			if (from_item(p, sc, f->u.join.left, units, cv, e) !=
				    0 ||
			    from_item(p, sc, f->u.join.right, units, cv, e) !=
				    0)
				return -1;
			return add_conjuncts(p, f->u.join.on, "JOIN/ON", cv,
					     e);
		}
		if (join_unit(p, sc, f, &u, e) != 0)
			return -1;
		break;
	default:
		return sqlerr_set(e, SQLSTATE_FEATURE, f->pos, "unsupported "
				  "FROM item");
	}
	return ivec_push(p->a, units, (size_t)u) != 0 ? sqlerr_nomem(e) : 0;
}

/* ---- targets ------------------------------------------------------------ */

struct tgt {
	const struct sql_expr *ast;	/* NULL: a star column */
	size_t rel;
	size_t col;
	const char *name;
	int pos;
};

static int expand_targets(struct sqlplan *p, struct sqlscope *sc,
			  struct sql_target *const *ts, size_t n,
			  struct tgt **out, size_t *nout, struct sqlerr *e)
{
	struct tgt *v = NULL;
	size_t m = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		const struct sql_target *t = ts[i];

		if (t->expr->kind != SQL_EXPR_STAR) {
			if (GROW(p->a, v, m, cap) != 0)
				return sqlerr_nomem(e);
			v[m].ast = t->expr;
			v[m].name = sqlast_target_name(t);
			v[m].pos = t->pos;
			m++;
			continue;
		}
		if (t->expr->u.col.table == NULL) {
			if (sc->nrels == 0)
				return sqlerr_set(e, SQLSTATE_SYNTAX,
						  t->expr->pos,
						  "SELECT * with "
						  "no tables specified is not "
						  "valid");
			for (size_t k = 0; k < sc->nstar; k++) {
				const struct starent *s = &sc->star[k];

				if (GROW(p->a, v, m, cap) != 0)
					return sqlerr_nomem(e);
				v[m].ast = NULL;
				v[m].rel = s->rel;
				v[m].col = s->col;
				v[m].name =
					sc->rels[s->rel]->cols[s->col].name;
				v[m].pos = t->expr->pos;
				m++;
			}
		} else {
			int seen = 0;

			for (size_t r = 0; r < sc->nrels; r++) {
				const struct prel *pr = sc->rels[r];

				if (pr->name == NULL ||
				    strcmp(pr->name, t->expr->u.col.table) !=
					    0)
					continue;
				seen = 1;
				for (size_t k = 0; k < pr->ncols; k++) {
					if (pr->cols[k].hidden)
						continue;
					if (GROW(p->a, v, m, cap) != 0)
						return sqlerr_nomem(e);
					v[m].ast = NULL;
					v[m].rel = r;
					v[m].col = k;
					v[m].name = pr->cols[k].name;
					v[m].pos = t->expr->pos;
					m++;
				}
				break;
			}
			if (!seen)
				return sqlerr_set(
					e, SQLSTATE_UNDEF_TABLE, t->expr->pos,
					"missing "
					"FROM-clause entry for table "
					"\"%s\"",
					t->expr->u.col.table);
		}
	}
	*out = v;
	*nout = m;
	return 0;
}

static int cx_target(struct cx *c, const struct tgt *t, struct sqlx **out,
		     struct sqlerr *e)
{
	if (t->ast != NULL)
		return cx_expr(c, t->ast, out, e);
	return bind_col(c, c->sc, 0, t->rel, t->col, t->pos, out, e);
}

int sqlplan_targets(struct sqlplan *p, struct sqlscope *s,
		    struct sql_target *const *targets, size_t ntargets,
		    struct sqlx ***exprs, const char ***names, size_t *n,
		    struct sqlerr *e)
{
	struct tgt *t;
	size_t m;
	struct sqlx **xs;
	const char **nm;
	struct cx c = { p, s, "RETURNING", 0 };

	if (expand_targets(p, s, targets, ntargets, &t, &m, e) != 0)
		return -1;
	xs = arena_alloc(p->a, (m + 1) * sizeof(*xs));
	nm = arena_alloc(p->a, (m + 1) * sizeof(*nm));
	if (xs == NULL || nm == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < m; i++) {
		if (cx_target(&c, &t[i], &xs[i], e) != 0)
			return -1;
		nm[i] = t[i].name;
	}
	*exprs = xs;
	*names = nm;
	*n = m;
	return 0;
}

/* ---- SELECT ------------------------------------------------------------- */

static struct sqlop *project_op(struct sqlplan *p, struct sqlop *in,
				struct sqlx **xs, size_t n)
{
	struct sqlop *op = sqlop_new(p->rt, SQLOP_PROJECT, n);

	if (op == NULL)
		return NULL;
	op->in = in;
	op->u.project.exprs = xs;
	for (size_t i = 0; i < n; i++)
		op->types[i] = xs[i]->type;
	return op;
}

/* Keep the first n columns of in (drop hidden sort columns). */
static struct sqlop *trim_op(struct sqlplan *p, struct sqlop *in, size_t n)
{
	struct sqlx **xs = arena_alloc(p->a, (n + 1) * sizeof(*xs));

	if (xs == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		xs[i] = sqlx_col(p->a, 0, i, &in->types[i]);
		if (xs[i] == NULL)
			return NULL;
	}
	return project_op(p, in, xs, n);
}

/* LIMIT / OFFSET expression: no columns of this level, cast to bigint. */
static int limit_expr(struct sqlplan *p, struct sqlscope *parent,
		      const struct sql_expr *x, const char *what,
		      struct sqlx **out, struct sqlerr *e)
{
	struct sqlscope *s = scope_new(p, parent);
	struct cx c = { p, s, what, 0 };
	struct sql_type it = sqlval_type(SQL_TYPE_INT8);
	struct sqlx *y;
	char buf[SQLVAL_TYPE_NAME_MAX];

	*out = NULL;
	if (x == NULL)
		return 0;
	if (s == NULL)
		return sqlerr_nomem(e);
	if (cx_expr(&c, x, &y, e) != 0)
		return -1;
	if (!sqlval_type_is_numeric(&y->type) &&
	    !sqlval_type_is_unknown(&y->type))
		return sqlerr_set(e, SQLSTATE_DATATYPE, x->pos, "argument of "
				  "%s must be type bigint, not type %s", what,
				  tname(&y->type, buf));
	return coerce(&c, y, &it, x->pos, out, e);
}

/* Sort, then LIMIT/OFFSET, on top of op. */
static int finish(struct sqlplan *p, struct sqlscope *parent,
		  const struct sql_query *q, struct sqlop *op,
		  struct sqlsort_key *keys, size_t nkeys, size_t nvisible,
		  struct sqlop **out, struct sqlerr *e)
{
	if (nkeys > 0) {
		struct sqlop *s = sqlop_new(p->rt, SQLOP_SORT, op->ncols);

		if (s == NULL)
			return sqlerr_nomem(e);
		memcpy(s->types, op->types, op->ncols * sizeof(*s->types));
		s->in = op;
		s->u.sort.keys = keys;
		s->u.sort.nkeys = nkeys;
		op = s;
	}
	if (q->limit != NULL || q->offset != NULL) {
		struct sqlop *l = sqlop_new(p->rt, SQLOP_LIMIT, op->ncols);

		if (l == NULL)
			return sqlerr_nomem(e);
		memcpy(l->types, op->types, op->ncols * sizeof(*l->types));
		l->in = op;
		if (limit_expr(p, parent, q->limit, "LIMIT", &l->u.limit.limit,
			       e) != 0 ||
		    limit_expr(p, parent, q->offset, "OFFSET",
			       &l->u.limit.offset, e) != 0)
			return -1;
		op = l;
	}
	if (op->ncols > nvisible) {
		op = trim_op(p, op, nvisible);
		if (op == NULL)
			return sqlerr_nomem(e);
	}
	*out = op;
	return 0;
}

static int sort_key(const struct sql_order *o, size_t col,
		    struct sqlsort_key *k)
{
	k->col = col;
	k->desc = o->desc;
	if (o->nulls == SQL_NULLS_DEFAULT)
		k->nulls_first = o->desc;
	else
		k->nulls_first = o->nulls == SQL_NULLS_FIRST;
	return 0;
}

/* Which target does ORDER BY item x name (output name or number)?
 * -1: none (an expression of its own). */
static int order_target(const struct sql_expr *x, const struct tgt *t,
			size_t n, size_t *idx, struct sqlerr *e)
{
	if (x->kind == SQL_EXPR_INT) {
		if (x->u.i < 1 || (uint64_t)x->u.i > n)
			return sqlerr_set(e, "42P10", x->pos,
					  "ORDER BY "
					  "position %" PRId64
					  " is not in select "
					  "list",
					  x->u.i);
		*idx = (size_t)(x->u.i - 1);
		return 1;
	}
	if (x->kind == SQL_EXPR_COLUMN && x->u.col.table == NULL) {
		int found = 0;

		for (size_t i = 0; i < n; i++)
			if (strcmp(t[i].name, x->u.col.column) == 0) {
				if (found && !(t[i].ast && t[*idx].ast &&
					       sqlast_expr_equal(t[i].ast,
								 t[*idx].ast)))
					return sqlerr_set(e,
						SQLSTATE_AMBIG_COLUMN, x->pos,
						"ORDER BY \"%s\" is ambiguous",
						x->u.col.column);
				if (!found)
					*idx = i;
				found = 1;
			}
		if (found)
			return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].ast != NULL && sqlast_expr_equal(t[i].ast, x)) {
			*idx = i;
			return 1;
		}
	return 0;
}

/* GROUP BY item: output number, or an output alias that is not an
 * input column name. */
static int group_item(struct sqlplan *p, struct sqlscope *sc,
		      const struct sql_expr *x, const struct tgt *t, size_t n,
		      const struct sql_expr **out, struct sqlerr *e)
{
	*out = x;
	if (x->kind == SQL_EXPR_INT) {
		if (x->u.i < 1 || (uint64_t)x->u.i > n)
			return sqlerr_set(e, "42P10", x->pos,
					  "GROUP BY "
					  "position %" PRId64
					  " is not in select "
					  "list",
					  x->u.i);
		if (t[x->u.i - 1].ast == NULL) {
			/* a star column: make a reference to it */
			const struct tgt *s = &t[x->u.i - 1];
			struct sql_expr *c = arena_alloc(p->a, sizeof(*c));

			if (c == NULL)
				return sqlerr_nomem(e);
			c->kind = SQL_EXPR_COLUMN;
			c->pos = x->pos;
			c->u.col.table = sc->rels[s->rel]->name;
			c->u.col.column = sc->rels[s->rel]->cols[s->col].name;
			*out = c;
			return 0;
		}
		*out = t[x->u.i - 1].ast;
		return 0;
	}
	if (x->kind == SQL_EXPR_COLUMN && x->u.col.table == NULL) {
		size_t r, k;
		int in = 0;

		for (r = 0; r < sc->nrels && !in; r++)
			for (k = 0; k < sc->rels[r]->ncols; k++)
				if (!sc->rels[r]->cols[k].qual_only &&
				    strcmp(sc->rels[r]->cols[k].name,
					   x->u.col.column) == 0)
					in = 1;
		if (!in)
			for (size_t i = 0; i < n; i++)
				if (t[i].ast != NULL &&
				    strcmp(t[i].name, x->u.col.column) == 0) {
					*out = t[i].ast;
					return 0;
				}
	}
	return 0;
}

static void set_covering(struct sqlplan *p, size_t from)
{
	for (size_t i = from; i < p->nscans; i++) {
		struct sqlop *op = p->scans[i].op;
		const struct prel *r = p->scans[i].sc->rels[p->scans[i].rel];
		const struct sqlcat_desc *d = op->u.scan.d;
		const struct sqlcat_index *ix = op->u.scan.ix;
		int cover = 1;

		if (ix->id == SQLCAT_PRIMARY_INDEX)
			continue;
		for (size_t c = 0; c < d->ncols && cover; c++) {
			int in = 0;

			if (!r->cols[c].used)
				continue;
			for (size_t k = 0; k < ix->ncols; k++)
				if (ix->cols[k] == d->cols[c].id)
					in = 1;
			for (size_t k = 0; k < d->primary.ncols; k++)
				if (d->primary.cols[k] == d->cols[c].id)
					in = 1;
			if (!in)
				cover = 0;
		}
		op->u.scan.covering = cover;
	}
}

static int plan_select(struct sqlplan *p, const struct sql_query *q,
		       struct sqlscope *parent, struct sqlop **out,
		       const char ***names_out, struct sqlerr *e)
{
	const struct sql_select *sel = &q->u.select;
	struct sqlscope *sc = scope_new(p, parent), *ts;
	struct ivec units = { NULL, 0, 0 };
	struct cvec cv = { NULL, 0, 0 };
	struct tgt *t;
	size_t nt, nx, nkeys = 0;
	struct sqlop *op;
	struct sqlx **xs;
	const char **names;
	struct sqlsort_key *keys = NULL;
	int grouped, u;
	size_t scans_from = p->nscans;
	struct cx c;

	if (sc == NULL)
		return sqlerr_nomem(e);
	/* FROM */
	for (size_t i = 0; i < sel->nfrom; i++)
		if (from_item(p, sc, sel->from[i], &units, &cv, e) != 0)
			return -1;
	{
		/* "*" order: FROM items in order */
		size_t n = 0, k = 0;

		for (size_t i = 0; i < units.n; i++)
			n += p->units[units.v[i]]->nstar;
		sc->star = arena_alloc(p->a, (n + 1) * sizeof(*sc->star));
		if (sc->star == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < units.n; i++) {
			const struct unit *un = p->units[units.v[i]];

			memcpy(sc->star + k, un->star,
			       un->nstar * sizeof(*sc->star));
			k += un->nstar;
		}
		sc->nstar = k;
	}
	for (size_t i = 0; i < sc->nrels; i++)
		for (size_t j = 0; j < i; j++)
			if (sc->rels[i]->name != NULL &&
			    sc->rels[j]->name != NULL &&
			    strcmp(sc->rels[i]->name, sc->rels[j]->name) == 0)
				return sqlerr_set(e, "42712", q->pos, "table "
						  "name \"%s\" specified more "
						  "than once",
						  sc->rels[i]->name);
	if (add_conjuncts(p, sel->where, "WHERE", &cv, e) != 0)
		return -1;
	for (size_t i = 0; i < cv.n; i++)
		if (analyze_conj(p, sc, cv.v[i], e) != 0)
			return -1;
	if (units.n > 0) {
		if (plan_items(p, sc, units.v, units.n, &cv, &u, e) != 0)
			return -1;
		op = p->units[u]->op;
		scope_layout(sc, u);
	} else {
		/* one empty row; WHERE filters it */
		struct sqlop *v = sqlop_new(p->rt, SQLOP_VALUES, 0);

		if (v == NULL)
			return sqlerr_nomem(e);
		v->u.values.nrows = 1;
		v->u.values.rows = arena_alloc(p->a, sizeof(struct sqlx **));
		if (v->u.values.rows == NULL)
			return sqlerr_nomem(e);
		op = v;
		if (cv.n > 0) {
			struct sqlop *f = sqlop_new(p->rt, SQLOP_FILTER, 0);

			if (f == NULL)
				return sqlerr_nomem(e);
			f->in = op;
			if (compile_conjs(p, sc, -1, cv.v, cv.n,
					  &f->u.filter.pred, &f->filter_ast,
					  &f->nfilter_ast, e) != 0)
				return -1;
			op = f;
		}
		u = -1;
	}
	/* targets */
	if (expand_targets(p, sc, sel->targets, sel->ntargets, &t, &nt,
			   e) != 0)
		return -1;
	grouped = sel->ngroup_by > 0 || sel->having != NULL;
	for (size_t i = 0; i < nt && !grouped; i++)
		if (t[i].ast != NULL && has_agg(t[i].ast))
			grouped = 1;
	for (size_t i = 0; i < q->norder && !grouped; i++)
		if (has_agg(q->order[i]->expr))
			grouped = 1;
	ts = sc;
	if (grouped) {
		struct grouping *g = arena_alloc(p->a, sizeof(*g));
		struct sqlop *ag;
		struct sqlx **kx;

		ts = arena_alloc(p->a, sizeof(*ts));
		if (g == NULL || ts == NULL)
			return sqlerr_nomem(e);
		*ts = *sc;
		ts->grp = g;
		g->in = sc;
		g->nkeys = sel->ngroup_by;
		g->keys = arena_alloc(p->a, (g->nkeys + 1) * sizeof(*g->keys));
		g->key_rel = arena_alloc(p->a, (g->nkeys + 1) *
					 sizeof(*g->key_rel));
		g->key_col = arena_alloc(p->a, (g->nkeys + 1) *
					 sizeof(*g->key_col));
		g->key_type = arena_alloc(p->a, (g->nkeys + 1) *
					  sizeof(*g->key_type));
		kx = arena_alloc(p->a, (g->nkeys + 1) * sizeof(*kx));
		if (g->keys == NULL || g->key_rel == NULL ||
		    g->key_col == NULL || g->key_type == NULL || kx == NULL)
			return sqlerr_nomem(e);
		c = (struct cx){ p, sc, "GROUP BY", 0 };
		for (size_t i = 0; i < g->nkeys; i++) {
			const struct sql_expr *k;

			if (group_item(p, sc, sel->group_by[i], t, nt, &k,
				       e) != 0)
				return -1;
			if (has_agg(k))
				return sqlerr_set(
					e, SQLSTATE_GROUPING, k->pos,
					"aggregate functions are not "
					"allowed in GROUP BY");
			g->keys[i] = k;
			g->key_rel[i] = -1;
			p->last_rel = -1;
			if (cx_expr(&c, k, &kx[i], e) != 0)
				return -1;
			g->key_type[i] = kx[i]->type;
			if (k->kind == SQL_EXPR_COLUMN &&
			    kx[i]->kind == SQLX_COL &&
			    kx[i]->u.col.depth == 0 && p->last_rel >= 0) {
				/* remember which column it is */
				g->key_rel[i] = p->last_rel;
				g->key_col[i] = p->last_col;
			}
		}
		c = (struct cx){ p, ts, NULL, 0 };
		xs = arena_alloc(p->a, (nt + q->norder + 1) * sizeof(*xs));
		if (xs == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < nt; i++)
			if (cx_target(&c, &t[i], &xs[i], e) != 0)
				return -1;
		ag = sqlop_new(p->rt, SQLOP_AGG, 0);
		if (ag == NULL)
			return sqlerr_nomem(e);
		ag->in = op;
		ag->u.agg.keys = kx;
		ag->u.agg.nkeys = g->nkeys;
		op = ag;
		if (sel->having != NULL) {
			struct sqlop *f = sqlop_new(p->rt, SQLOP_FILTER, 0);

			if (f == NULL)
				return sqlerr_nomem(e);
			f->in = op;
			f->filter_ast = arena_alloc(p->a, sizeof(void *));
			if (f->filter_ast == NULL)
				return sqlerr_nomem(e);
			f->filter_ast[0] = sel->having;
			f->nfilter_ast = 1;
			if (cx_bool(&c, sel->having, "HAVING",
				    &f->u.filter.pred, e) != 0)
				return -1;
			op = f;
		}
	} else {
		c = (struct cx){ p, sc, NULL, 0 };
		xs = arena_alloc(p->a, (nt + q->norder + 1) * sizeof(*xs));
		if (xs == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < nt; i++)
			if (cx_target(&c, &t[i], &xs[i], e) != 0)
				return -1;
	}
	/* ORDER BY: output columns, else hidden expressions */
	nx = nt;
	if (q->norder > 0) {
		keys = arena_alloc(p->a, (q->norder + 1) * sizeof(*keys));
		if (keys == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < q->norder; i++) {
			const struct sql_order *o = q->order[i];
			size_t idx = 0;
			int m = order_target(o->expr, t, nt, &idx, e);

			if (m < 0)
				return -1;
			if (m == 0) {
				if (sel->distinct)
					return sqlerr_set(
						e, "42P10", o->expr->pos,
						"for SELECT "
						"DISTINCT, ORDER BY "
						"expressions "
						"must appear in select list");
				if (cx_expr(&c, o->expr, &xs[nx], e) != 0)
					return -1;
				idx = nx++;
			}
			sort_key(o, idx, &keys[nkeys++]);
		}
	}
	/* the aggregates are known now */
	if (grouped) {
		struct sqlop *ag = op->kind == SQLOP_AGG ? op : op->in;
		struct grouping *g = ts->grp;
		size_t nc = g->nkeys + g->naggs;
		struct sql_type *ty = arena_alloc(p->a, (nc + 1) *
						  sizeof(*ty));

		if (ty == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < g->nkeys; i++)
			ty[i] = g->key_type[i];
		for (size_t i = 0; i < g->naggs; i++)
			ty[g->nkeys + i] = g->aggs[i].type;
		ag->u.agg.aggs = g->aggs;
		ag->u.agg.naggs = g->naggs;
		ag->ncols = nc;
		ag->types = ty;
		if (op != ag) {
			op->ncols = nc;
			op->types = ty;
		}
	}
	op = project_op(p, op, xs, nx);
	if (op == NULL)
		return sqlerr_nomem(e);
	if (sel->distinct) {
		struct sqlop *d = sqlop_new(p->rt, SQLOP_DISTINCT, op->ncols);

		if (d == NULL)
			return sqlerr_nomem(e);
		memcpy(d->types, op->types, op->ncols * sizeof(*d->types));
		d->in = op;
		op = d;
	}
	if (finish(p, parent, q, op, keys, nkeys, nt, &op, e) != 0)
		return -1;
	names = arena_alloc(p->a, (nt + 1) * sizeof(*names));
	if (names == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < nt; i++)
		names[i] = t[i].name;
	set_covering(p, scans_from);
	*out = op;
	*names_out = names;
	return 0;
}

/* ---- VALUES and set operations ------------------------------------------ */

/* ORDER BY / LIMIT of a VALUES or set operation: by output column. */
static int finish_output(struct sqlplan *p, struct sqlscope *parent,
			 const struct sql_query *q, struct sqlop *op,
			 const char **names, struct sqlop **out,
			 struct sqlerr *e)
{
	struct sqlsort_key *keys = NULL;
	size_t nk = 0, n = op->ncols, nx = n;
	struct sqlx **xs = NULL;

	if (q->norder > 0) {
		struct sqlscope *s = scope_new(p, parent);
		struct prel *r = prel_new(p, NULL, n);
		struct cx c = { p, s, "ORDER BY", 0 };
		size_t rel;

		keys = arena_alloc(p->a, (q->norder + 1) * sizeof(*keys));
		xs = arena_alloc(p->a, (n + q->norder + 1) * sizeof(*xs));
		if (s == NULL || r == NULL || keys == NULL || xs == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < n; i++) {
			r->cols[i].name = names[i];
			r->cols[i].type = op->types[i];
			xs[i] = sqlx_col(p->a, 0, i, &op->types[i]);
			if (xs[i] == NULL)
				return sqlerr_nomem(e);
		}
		if (scope_add(p, s, r, &rel, e) != 0)
			return -1;
		s->off[rel] = 0;
		for (size_t i = 0; i < q->norder; i++) {
			const struct sql_order *o = q->order[i];
			const struct sql_expr *x = o->expr;
			size_t idx = 0;
			struct sqlx *y;

			if (x->kind == SQL_EXPR_INT) {
				if (x->u.i < 1 || (uint64_t)x->u.i > n)
					return sqlerr_set(e, "42P10", x->pos,
						"ORDER BY position %" PRId64
						" is not in select list",
						x->u.i);
				idx = (size_t)(x->u.i - 1);
			} else {
				if (cx_expr(&c, x, &y, e) != 0)
					return -1;
				if (y->kind == SQLX_COL &&
				    y->u.col.depth == 0) {
					idx = y->u.col.idx;
				} else {
					xs[nx] = y;
					idx = nx++;
				}
			}
			sort_key(o, idx, &keys[nk++]);
		}
		if (nx > n) {
			op = project_op(p, op, xs, nx);
			if (op == NULL)
				return sqlerr_nomem(e);
		}
	}
	return finish(p, parent, q, op, keys, nk, n, out, e);
}

static int plan_values(struct sqlplan *p, const struct sql_query *q,
		       struct sqlscope *parent, struct sqlop **out,
		       const char ***names_out, struct sqlerr *e)
{
	size_t nr = q->u.values.n, nc = q->u.values.rows[0]->n;
	struct sqlscope *s = scope_new(p, parent);
	struct cx c = { p, s, "VALUES", 0 };
	struct sqlop *op = sqlop_new(p->rt, SQLOP_VALUES, nc);
	struct sqlx ***rows = arena_alloc(p->a, (nr + 1) * sizeof(*rows));
	struct sqlx **col = arena_alloc(p->a, (nr + 1) * sizeof(*col));
	int *pos = arena_alloc(p->a, (nr + 1) * sizeof(*pos));
	const char **names = arena_alloc(p->a, (nc + 1) * sizeof(*names));

	if (s == NULL || op == NULL || rows == NULL || col == NULL ||
	    pos == NULL || names == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < nr; i++) {
		const struct sql_row *r = q->u.values.rows[i];

		if (r->n != nc)
			return sqlerr_set(e, SQLSTATE_SYNTAX, r->pos, "VALUES "
					  "lists must all be the same length");
		if (cx_list(&c, r->items, nc, &rows[i], e) != 0)
			return -1;
	}
	for (size_t k = 0; k < nc; k++) {
		struct sql_type ct;

		for (size_t i = 0; i < nr; i++) {
			col[i] = rows[i][k];
			pos[i] = q->u.values.rows[i]->items[k]->pos;
		}
		if (common(&c, "VALUES", col, nr, pos, pos[0], &ct, e) != 0)
			return -1;
		for (size_t i = 0; i < nr; i++)
			rows[i][k] = col[i];
		op->types[k] = output_type(&ct);
		names[k] = arena_printf(p->a, "column%zu", k + 1);
		if (names[k] == NULL)
			return sqlerr_nomem(e);
	}
	op->u.values.rows = rows;
	op->u.values.nrows = nr;
	*names_out = names;
	return finish_output(p, parent, q, op, names, out, e);
}

/* Cast op's columns to types (a project when anything changes). */
static int cast_cols(struct sqlplan *p, struct sqlop *op,
		     const struct sql_type *types, struct sqlop **out,
		     struct sqlerr *e)
{
	struct sqlx **xs;
	int change = 0;

	for (size_t i = 0; i < op->ncols; i++)
		if (!sqlval_type_equal(&op->types[i], &types[i]))
			change = 1;
	*out = op;
	if (!change)
		return 0;
	if (op->kind == SQLOP_PROJECT) {
		/* cast in place: literals convert now, with their position */
		for (size_t i = 0; i < op->ncols; i++) {
			struct sqlx *x = op->u.project.exprs[i];

			if (sqlx_cast_to(
				    p->a, x, &types[i], 0,
				    x->kind == SQLX_CONST &&
					    sqlval_type_is_unknown(&x->type),
				    x->pos, &op->u.project.exprs[i], e) != 0)
				return -1;
			op->types[i] = types[i];
		}
		return 0;
	}
	xs = arena_alloc(p->a, (op->ncols + 1) * sizeof(*xs));
	if (xs == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < op->ncols; i++) {
		struct sqlx *x = sqlx_col(p->a, 0, i, &op->types[i]);

		if (x == NULL ||
		    sqlx_cast_to(p->a, x, &types[i], 0, 0, 0, &xs[i], e) != 0)
			return x == NULL ? sqlerr_nomem(e) : -1;
	}
	*out = project_op(p, op, xs, op->ncols);
	return *out == NULL ? sqlerr_nomem(e) : 0;
}

static int plan_setop(struct sqlplan *p, const struct sql_query *q,
		      struct sqlscope *parent, struct sqlop **out,
		      const char ***names_out, struct sqlerr *e)
{
	static const char *const what[] = { "UNION", "INTERSECT", "EXCEPT" };
	enum sql_setop_kind k = q->u.setop.op;
	struct sqlop *l, *r, *op;
	const char **ln, **rn;
	struct sql_type *ty;
	size_t n;

	if (plan_query(p, q->u.setop.left, parent, &l, &ln, e) != 0 ||
	    plan_query(p, q->u.setop.right, parent, &r, &rn, e) != 0)
		return -1;
	if (l->ncols != r->ncols)
		return sqlerr_set(e, SQLSTATE_SYNTAX, q->pos, "each %s query "
				  "must have the same number of columns",
				  what[k]);
	n = l->ncols;
	ty = arena_alloc(p->a, (n + 1) * sizeof(*ty));
	if (ty == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++) {
		struct sql_type ts[2] = { l->types[i], r->types[i] };

		if (sqlval_common_type(what[k], ts, 2, &ty[i], q->pos, e) != 0)
			return -1;
		ty[i] = output_type(&ty[i]);
	}
	if (cast_cols(p, l, ty, &l, e) != 0 || cast_cols(p, r, ty, &r, e) != 0)
		return -1;
	if (k == SQL_SETOP_UNION) {
		op = sqlop_new(p->rt, SQLOP_APPEND, n);
		if (op == NULL)
			return sqlerr_nomem(e);
		op->in = l;
		op->in2 = r;
		memcpy(op->types, ty, n * sizeof(*ty));
		if (!q->u.setop.all) {
			struct sqlop *d = sqlop_new(p->rt, SQLOP_DISTINCT, n);

			if (d == NULL)
				return sqlerr_nomem(e);
			d->in = op;
			d->label = "(union)";
			memcpy(d->types, ty, n * sizeof(*ty));
			op = d;
		}
	} else {
		op = sqlop_new(p->rt, SQLOP_SETOP, n);
		if (op == NULL)
			return sqlerr_nomem(e);
		op->in = l;
		op->in2 = r;
		op->u.setop.op = k;
		op->u.setop.all = q->u.setop.all;
		memcpy(op->types, ty, n * sizeof(*ty));
	}
	*names_out = ln;
	return finish_output(p, parent, q, op, ln, out, e);
}

static int plan_query(struct sqlplan *p, const struct sql_query *q,
		      struct sqlscope *parent, struct sqlop **out,
		      const char ***names, struct sqlerr *e)
{
	switch (q->kind) {
	case SQL_QUERY_SELECT:
		return plan_select(p, q, parent, out, names, e);
	case SQL_QUERY_VALUES:
		return plan_values(p, q, parent, out, names, e);
	case SQL_QUERY_SETOP:
		return plan_setop(p, q, parent, out, names, e);
	}
	return sqlerr_set(e, SQLSTATE_INTERNAL, q->pos, "unknown query kind");
}

int sqlplan_query(struct sqlplan *p, const struct sql_query *q,
		  struct sqlop **out, const char ***names, struct sqlerr *e)
{
	struct sqlop *op;

	if (plan_query(p, q, NULL, &op, names, e) != 0)
		return -1;
	for (size_t i = 0; i < op->ncols; i++)
		op->types[i] = output_type(&op->types[i]);
	*out = op;
	return 0;
}

int sqlplan_check_default(struct sqlctx *ctx, const struct sql_expr *x,
			  const struct sql_type *t, const char *colname,
			  struct sqlerr *e)
{
	struct sqlop_rt *rt;
	struct sqlplan *p;
	struct sqlscope *s;
	struct sqlx *y;
	int rc = -1;

	if (sqlop_rt_new(ctx, &rt, e) != 0)
		return -1;
	if (sqlplan_new(ctx, rt, &p, e) == 0 &&
	    (s = scope_new(p, NULL)) != NULL &&
	    sqlplan_expr(p, s, x, "DEFAULT expressions", &y, e) == 0 &&
	    sqlval_assign_check(&y->type, t, colname, x->pos, e) == 0 &&
	    sqlx_cast_to(p->a, y, t, 1, y->kind == SQLX_CONST &&
			 sqlval_type_is_unknown(&y->type), x->pos, &y, e) == 0)
		rc = 0;
	else if (e != NULL && !sqlerr_is_set(e))
		sqlerr_nomem(e);
	sqlop_rt_free(rt);
	return rc;
}
