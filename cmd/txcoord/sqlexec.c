/*
 * sqlexec.c -- the query and DML statements (see sqlexec.h): runs the
 * plans of sqlplan.c into a struct sqlres, and does INSERT / UPSERT /
 * REPLACE / ON CONFLICT, UPDATE and DELETE through sqlrow's writes.
 *
 * Statement consistency (the Halloween problem): UPDATE and DELETE read
 * every row they will change before they write anything, and INSERT ...
 * SELECT reads its whole source first, so a statement never sees its own
 * writes.  An UPDATE that changes a primary key or a unique column
 * deletes all the old rows before it inserts the new ones, so that
 * "SET id = id + 1" works whatever the order of the rows (the constraint
 * is checked on the final state, as the SQL standard and CockroachDB do;
 * PostgreSQL would fail on the first row).
 * Tested in t/unit/sqlexec_test.c.
 */
#include "sqlexec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlops.h"
#include "sqlparse.h"
#include "sqlplan.h"
#include "sqlrow.h"

/* Everything one statement needs, freed by stmt_end(). */
struct run {
	struct sqlctx *ctx;
	struct sqlop_rt *rt;
	struct sqlplan *p;
	struct arena *row;	/* per-row scratch */
	struct arena *keep;	/* rows kept for the write phase */
	/*
	 * REPLACE INTO / INSERT OR REPLACE are SQLite's statements, and they
	 * keep SQLite's rule that a declared VARCHAR(n) length is not
	 * enforced (the sqllogictest corpus relies on it).
	 */
	int lax_lengths;
};

static int run_begin(struct sqlctx *ctx, struct run *r, struct sqlerr *e)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	if (sqlop_rt_new(ctx, &r->rt, e) != 0)
		return -1;
	r->row = arena_new();
	r->keep = arena_new();
	if (r->row == NULL || r->keep == NULL)
		return sqlerr_nomem(e);
	return sqlplan_new(ctx, r->rt, &r->p, e);
}

static void run_end(struct run *r)
{
	sqlop_rt_free(r->rt);
	arena_free(r->row);
	arena_free(r->keep);
	memset(r, 0, sizeof(*r));
}

/* ---- results ------------------------------------------------------------ */

static int add_columns(struct sqlres *res, const char *const *names,
		       const struct sql_type *types, size_t n,
		       struct sqlerr *e)
{
	for (size_t i = 0; i < n; i++) {
		struct sql_type t = types[i];

		if (sqlval_type_is_unknown(&t))
			t = sqlval_type(SQL_TYPE_TEXT);
		if (sqlres_add_column(res, names[i],
				      sqlval_type_short_name(&t), e) != 0)
			return -1;
	}
	return 0;
}

static int add_row(struct sqlres *res, const struct sql_datum *row,
		   const struct sql_type *types, size_t n, struct arena *a,
		   struct sqlerr *e)
{
	const char **v = arena_alloc(a, (n + 1) * sizeof(*v));
	size_t *lens = arena_alloc(a, (n + 1) * sizeof(*lens));

	if (v == NULL || lens == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++)
		if (sqlval_to_text(&row[i], &types[i], a, &v[i], &lens[i],
				   e) != 0)
			return -1;
	return sqlres_add_row(res, v, lens, n, e);
}

static int run_query(struct sqlctx *ctx, const struct sql_query *q,
		     struct sqlres *res, struct sqlerr *e)
{
	struct run r;
	struct sqlop *op;
	const char **names;
	size_t n = 0;
	int rc = -1;

	if (run_begin(ctx, &r, e) != 0 ||
	    sqlplan_query(r.p, q, &op, &names, e) != 0 ||
	    add_columns(res, names, op->types, op->ncols, e) != 0 ||
	    sqlop_open(op, NULL, e) != 0)
		goto out;
	for (;;) {
		const struct sql_datum *row;

		if (sqlop_next(op, &row, e) != 0)
			goto out;
		if (row == NULL)
			break;
		arena_reset(r.row);
		if (add_row(res, row, op->types, op->ncols, r.row, e) != 0)
			goto out;
		n++;
	}
	sqlres_set_tag(res, "SELECT %zu", n);
	rc = 0;
out:
	run_end(&r);
	return rc;
}

int sqlexec_query_columns(struct sqlctx *ctx, const struct sql_query *q,
			  size_t *n, const char ***names, struct sqlerr *e)
{
	struct run r;
	struct sqlop *op;
	const char **nm;
	int rc = -1;

	if (run_begin(ctx, &r, e) != 0 ||
	    sqlplan_query(r.p, q, &op, &nm, e) != 0)
		goto out;
	*names = arena_alloc(ctx->a, (op->ncols + 1) * sizeof(**names));
	if (*names == NULL) {
		sqlerr_nomem(e);
		goto out;
	}
	memcpy(*names, nm, op->ncols * sizeof(*nm));
	*n = op->ncols;
	rc = 0;
out:
	run_end(&r);
	return rc;
}

/* ---- DML helpers -------------------------------------------------------- */

static int writable(struct sqlctx *ctx, const char *what, int pos,
		    struct sqlerr *e)
{
	if (ctx->read_only)
		return sqlerr_set(e, "25006", pos, "cannot execute %s in a "
				  "read-only transaction", what);
	return 0;
}

static int target_table(struct run *r, const struct sql_name *n,
			const char *verb, const struct sqlcat_desc **out,
			struct sqlerr *e)
{
	if (sqlplan_relation(r->p, n, out, e) != 0)
		return -1;
	if ((*out)->kind == SQLCAT_VIEW)
		return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, n->pos,
				  "cannot %s "
				  "view \"%s\"",
				  verb, n->name);
	return 0;
}

static int col_pos(const struct sqlcat_desc *d, const char *name)
{
	const struct sqlcat_column *c = sqlcat_col(d, name);

	return c == NULL ? -1 : (int)(c - d->cols);
}

static int is_pk_col(const struct sqlcat_desc *d, size_t i)
{
	for (size_t k = 0; k < d->primary.ncols; k++)
		if (d->primary.cols[k] == d->cols[i].id)
			return 1;
	return 0;
}

static int not_null_check(const struct sqlcat_desc *d,
			  const struct sql_datum *row, struct sqlerr *e)
{
	for (size_t i = 0; i < d->ncols; i++)
		if (row[i].kind == SQL_DATUM_NULL &&
		    (!d->cols[i].nullable || is_pk_col(d, i)))
			return sqlerr_set(
				e, SQLSTATE_NOT_NULL, 0,
				"null value "
				"in column \"%s\" of relation \"%s\" "
				"violates not-null constraint",
				d->cols[i].name, d->name);
	return 0;
}

/* x as a value for column col (assignment rules). */
static int assign_to(struct run *r, struct sqlx *x,
		     const struct sqlcat_column *col, int pos,
		     struct sqlx **out, struct sqlerr *e)
{
	struct sql_type t = col->type;

	if (r->lax_lengths && t.kind == SQL_TYPE_VARCHAR)
		t.width = 0;
	if (sqlval_assign_check(&x->type, &t, col->name, pos, e) != 0)
		return -1;
	return sqlx_cast_to(r->ctx->a, x, &t, 1,
			    x->kind == SQLX_CONST &&
			    sqlval_type_is_unknown(&x->type), pos, out, e);
}

/* The compiled DEFAULT of column i (NULL constant when it has none). */
static int default_of(struct run *r, const struct sqlcat_desc *d, size_t i,
		      struct sqlx **cache, struct sqlx **out,
		      struct sqlerr *e)
{
	const struct sqlcat_column *c = &d->cols[i];
	struct sql_expr *ast;
	struct sqlx *x;

	if (cache[i] != NULL) {
		*out = cache[i];
		return 0;
	}
	if (c->default_sql == NULL) {
		struct sql_datum nd = sqlval_null();

		x = sqlx_const(r->ctx->a, &nd, &c->type);
		if (x == NULL)
			return sqlerr_nomem(e);
	} else {
		struct sqlscope *s = sqlplan_scope(r->p);

		if (s == NULL)
			return sqlerr_nomem(e);
		if (sqlparse_expr(r->ctx->a, c->default_sql,
				  strlen(c->default_sql), &ast, e) != 0 ||
		    sqlplan_expr(r->p, s, ast, "DEFAULT expressions", &x,
				 e) != 0 ||
		    assign_to(r, x, c, 0, &x, e) != 0)
			return -1;
	}
	cache[i] = x;
	*out = x;
	return 0;
}

static int eval_row(struct sqlx **xs, size_t n, const struct sqlx_env *env,
		    struct arena *a, struct sql_datum *out, struct sqlerr *e)
{
	for (size_t i = 0; i < n; i++)
		if (sqlx_eval(xs[i], env, a, &out[i], e) != 0)
			return -1;
	return 0;
}

/* RETURNING: compile in s, add the columns to res. */
struct returning {
	struct sqlx **xs;
	struct sql_type *types;
	size_t n;
};

static int returning_setup(struct run *r, struct sqlscope *s,
			   struct sql_target *const *ts, size_t nts,
			   struct returning *rt, struct sqlres *res,
			   struct sqlerr *e)
{
	const char **names;

	memset(rt, 0, sizeof(*rt));
	if (nts == 0)
		return 0;
	if (sqlplan_targets(r->p, s, ts, nts, &rt->xs, &names, &rt->n, e) != 0)
		return -1;
	rt->types = arena_alloc(r->ctx->a, (rt->n + 1) * sizeof(*rt->types));
	if (rt->types == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < rt->n; i++) {
		rt->types[i] = rt->xs[i]->type;
		if (sqlval_type_is_unknown(&rt->types[i]))
			rt->types[i] = sqlval_type(SQL_TYPE_TEXT);
	}
	return add_columns(res, names, rt->types, rt->n, e);
}

static int returning_row(struct run *r, const struct returning *rt,
			 const struct sql_datum *row, struct sqlres *res,
			 struct sqlerr *e)
{
	struct sqlx_env env = { row, NULL };
	struct sql_datum *v;

	if (rt->n == 0)
		return 0;
	v = arena_alloc(r->row, (rt->n + 1) * sizeof(*v));
	if (v == NULL)
		return sqlerr_nomem(e);
	if (eval_row(rt->xs, rt->n, &env, r->row, v, e) != 0)
		return -1;
	return add_row(res, v, rt->types, rt->n, r->row, e);
}

/* ---- INSERT ------------------------------------------------------------- */

/* A set of primary keys (ON CONFLICT DO UPDATE touches a row once). */
struct pkent {
	struct pkent *next;
	uint64_t h;
	struct sql_datum *row;
};

struct pkset {
	struct pkent **b;
	size_t nb;
	size_t n;
};

static uint64_t pk_hash(const struct sqlcat_desc *d,
			const struct sql_datum *row)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t k = 0; k < d->primary.ncols; k++) {
		int i = sqlrow_col_index(d, d->primary.cols[k]);

		h = (h ^ sqlval_hash(&row[i], 7)) * 0x100000001b3ULL;
	}
	return h;
}

static int pk_eq(const struct sqlcat_desc *d, const struct sql_datum *a,
		 const struct sql_datum *b)
{
	for (size_t k = 0; k < d->primary.ncols; k++) {
		int i = sqlrow_col_index(d, d->primary.cols[k]);

		if (sqlx_datum_cmp(&a[i], &b[i]) != 0)
			return 0;
	}
	return 1;
}

static int pkset_has(const struct pkset *s, const struct sqlcat_desc *d,
		     const struct sql_datum *row)
{
	uint64_t h;

	if (s->nb == 0)
		return 0;
	h = pk_hash(d, row);
	for (const struct pkent *x = s->b[h & (s->nb - 1)]; x; x = x->next)
		if (x->h == h && pk_eq(d, x->row, row))
			return 1;
	return 0;
}

static int pkset_add(struct run *r, struct pkset *s,
		     const struct sqlcat_desc *d, const struct sql_datum *row,
		     struct sqlerr *e)
{
	struct pkent *x;

	if (s->n >= s->nb) {
		size_t nb = s->nb ? s->nb * 2 : 64;
		struct pkent **b = arena_alloc(r->keep, nb * sizeof(*b));

		if (b == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < s->nb; i++)
			while (s->b[i] != NULL) {
				struct pkent *y = s->b[i];

				s->b[i] = y->next;
				y->next = b[y->h & (nb - 1)];
				b[y->h & (nb - 1)] = y;
			}
		s->b = b;
		s->nb = nb;
	}
	x = arena_alloc(r->keep, sizeof(*x));
	if (x == NULL)
		return sqlerr_nomem(e);
	x->row = arena_alloc(r->keep, (d->ncols + 1) * sizeof(*x->row));
	if (x->row == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < d->ncols; i++)
		if (sqlval_copy(&row[i], r->keep, &x->row[i], e) != 0)
			return -1;
	x->h = pk_hash(d, row);
	x->next = s->b[x->h & (s->nb - 1)];
	s->b[x->h & (s->nb - 1)] = x;
	s->n++;
	return 0;
}

struct ins {
	struct run *r;
	const struct sql_insert *in;
	const struct sqlcat_desc *d;
	int *tcols;			/* target column positions */
	size_t ntcols;
	struct sqlx **defaults;		/* cache, per column */
	const struct sqlcat_index *target;	/* ON CONFLICT (cols) */
	struct sqlx **set;		/* DO UPDATE: per column or NULL */
	struct sqlx *where;
	struct returning ret;
	struct sqlres *res;
	struct pkset touched;
	size_t count;
};

/* The unique index whose columns are exactly cols. */
static int conflict_index(const struct sqlcat_desc *d,
			  struct sql_ident *const *cols, size_t n, int pos,
			  const struct sqlcat_index **out, struct sqlerr *e)
{
	for (size_t x = 0; x <= d->nidx; x++) {
		const struct sqlcat_index *ix = x == 0 ? &d->primary :
			&d->idx[x - 1];
		size_t hit = 0;

		if (!ix->unique || ix->ncols != n)
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct sqlcat_column *c =
				sqlcat_col(d, cols[i]->name);

			if (c == NULL)
				return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN,
						  cols[i]->pos,
						  "column \"%s\" "
						  "does not exist",
						  cols[i]->name);
			for (size_t k = 0; k < ix->ncols; k++)
				if (ix->cols[k] == c->id) {
					hit++;
					break;
				}
		}
		if (hit == n) {
			*out = ix;
			return 0;
		}
	}
	return sqlerr_set(e, "42P10", pos, "there is no unique or exclusion "
			  "constraint matching the ON CONFLICT specification");
}

/* The values of index ix's columns in row (index order). */
static struct sql_datum *index_vals(struct arena *a,
				    const struct sqlcat_desc *d,
				    const struct sqlcat_index *ix,
				    const struct sql_datum *row, int *has_null)
{
	struct sql_datum *v = arena_alloc(a, (ix->ncols + 1) * sizeof(*v));

	*has_null = 0;
	if (v == NULL)
		return NULL;
	for (size_t k = 0; k < ix->ncols; k++) {
		v[k] = row[sqlrow_col_index(d, ix->cols[k])];
		if (v[k].kind == SQL_DATUM_NULL)
			*has_null = 1;
	}
	return v;
}

static int do_update_conflict(struct ins *s, struct sql_datum *row,
			      struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sqlcat_desc *d = s->d;
	size_t nc = d->ncols;
	struct sql_datum *old = arena_alloc(r->row, (nc + 1) * sizeof(*old));
	struct sql_datum *both = arena_alloc(r->row, (2 * nc + 1) *
					     sizeof(*both));
	struct sql_datum *nw = arena_alloc(r->row, (nc + 1) * sizeof(*nw));
	struct sql_datum *vals;
	const struct sqlcat_index *cf;
	struct sqlx_env env;
	int found, has_null;

	if (old == NULL || both == NULL || nw == NULL)
		return sqlerr_nomem(e);
	vals = index_vals(r->row, d, s->target, row, &has_null);
	if (vals == NULL)
		return sqlerr_nomem(e);
	if (sqlrow_lookup(r->ctx->kv, d, s->target, vals, r->row, old, &found,
			  e) != 0)
		return -1;
	if (!found)
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "conflicting row "
				  "not found");
	if (pkset_has(&s->touched, d, old))
		return sqlerr_set(e, SQLSTATE_CARDINALITY, 0, "ON CONFLICT DO "
				  "UPDATE command cannot affect row a second "
				  "time");
	memcpy(both, old, nc * sizeof(*both));
	memcpy(both + nc, row, nc * sizeof(*both));
	env.row = both;
	env.outer = NULL;
	if (s->where != NULL) {
		int t;

		if (sqlx_eval_truth(s->where, &env, r->row, &t, e) != 0)
			return -1;
		if (t != SQLX_TRUE)
			return 0;
	}
	memcpy(nw, old, nc * sizeof(*nw));
	for (size_t i = 0; i < nc; i++)
		if (s->set[i] != NULL &&
		    sqlx_eval(s->set[i], &env, r->row, &nw[i], e) != 0)
			return -1;
	if (not_null_check(d, nw, e) != 0 ||
	    sqlrow_update(r->ctx->kv, d, old, nw, r->row, &cf, e) != 0)
		return -1;
	if (pkset_add(r, &s->touched, d, nw, e) != 0)
		return -1;
	s->count++;
	return returning_row(r, &s->ret, nw, s->res, e);
}

/* UPSERT: update the row with the same primary key, or insert. */
static int do_upsert(struct ins *s, struct sql_datum *row, struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sqlcat_desc *d = s->d;
	size_t nc = d->ncols;
	struct sql_datum *old = arena_alloc(r->row, (nc + 1) * sizeof(*old));
	struct sql_datum *nw = arena_alloc(r->row, (nc + 1) * sizeof(*nw));
	const struct sqlcat_index *cf;
	int found;

	if (old == NULL || nw == NULL)
		return sqlerr_nomem(e);
	if (s->in->replace) {
		/* delete every row in the way, then insert */
		for (size_t x = 0; x <= d->nidx; x++) {
			const struct sqlcat_index *ix = x == 0 ? &d->primary :
				&d->idx[x - 1];
			struct sql_datum *vals;
			int has_null;

			if (!ix->unique)
				continue;
			vals = index_vals(r->row, d, ix, row, &has_null);
			if (vals == NULL)
				return sqlerr_nomem(e);
			if (has_null)
				continue;
			if (sqlrow_lookup(r->ctx->kv, d, ix, vals, r->row, old,
					  &found, e) != 0)
				return -1;
			if (found && sqlrow_delete(r->ctx->kv, d, old, r->row,
						   e) != 0)
				return -1;
		}
		if (sqlrow_insert(r->ctx->kv, d, row, r->row, &cf, e) != 0)
			return -1;
	} else {
		if (sqlrow_get(r->ctx->kv, d, row, r->row, old, &found, e) !=
		    0)
			return -1;
		if (!found) {
			if (sqlrow_insert(r->ctx->kv, d, row, r->row, &cf,
					  e) != 0)
				return -1;
		} else {
			memcpy(nw, old, nc * sizeof(*nw));
			for (size_t i = 0; i < s->ntcols; i++)
				nw[s->tcols[i]] = row[s->tcols[i]];
			if (sqlrow_update(r->ctx->kv, d, old, nw, r->row, &cf,
					  e) != 0)
				return -1;
			row = nw;
		}
	}
	s->count++;
	return returning_row(r, &s->ret, row, s->res, e);
}

/* Write one new row (values in table order, already assigned). */
static int insert_row(struct ins *s, struct sql_datum *row, struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sqlcat_index *cf = NULL;

	if (not_null_check(s->d, row, e) != 0)
		return -1;
	if (s->in->upsert)
		return do_upsert(s, row, e);
	if (s->target != NULL) {
		/*
		 * The index ON CONFLICT names decides first, even when the row
		 * would also collide elsewhere (PostgreSQL's arbiter index).
		 */
		struct sql_datum *vals, *old;
		int has_null, found;

		vals = index_vals(r->row, s->d, s->target, row, &has_null);
		old = arena_alloc(r->row, (s->d->ncols + 1) * sizeof(*old));
		if (vals == NULL || old == NULL)
			return sqlerr_nomem(e);
		if (!has_null) {
			if (sqlrow_lookup(r->ctx->kv, s->d, s->target, vals,
					  r->row, old, &found, e) != 0)
				return -1;
			if (found && s->in->on_conflict == SQL_CONFLICT_NOTHING)
				return 0;
			if (found)
				return do_update_conflict(s, row, e);
		}
	}
	if (sqlrow_insert(r->ctx->kv, s->d, row, r->row, &cf, e) != 0) {
		if (e == NULL || strcmp(e->sqlstate, SQLSTATE_UNIQUE) != 0 ||
		    cf == NULL)
			return -1;
		if (s->in->on_conflict == SQL_CONFLICT_NOTHING &&
		    (s->target == NULL || s->target == cf)) {
			sqlerr_clear(e);
			return 0;
		}
		if (s->in->on_conflict == SQL_CONFLICT_UPDATE &&
		    s->target == cf) {
			sqlerr_clear(e);
			return do_update_conflict(s, row, e);
		}
		return -1;
	}
	if (s->in->on_conflict == SQL_CONFLICT_UPDATE &&
	    pkset_add(r, &s->touched, s->d, row, e) != 0)
		return -1;
	s->count++;
	return returning_row(r, &s->ret, row, s->res, e);
}

/* A full row: given values at the target columns, defaults elsewhere. */
static int fill_row(struct ins *s, const struct sql_datum *given,
		    const int *is_default, struct sql_datum *row,
		    struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sqlcat_desc *d = s->d;
	unsigned char *set = arena_alloc(r->row, d->ncols + 1);

	if (set == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < s->ntcols; i++) {
		if (is_default != NULL && is_default[i])
			continue;
		row[s->tcols[i]] = given[i];
		set[s->tcols[i]] = 1;
	}
	for (size_t i = 0; i < d->ncols; i++) {
		struct sqlx *x;
		struct sqlx_env env = { NULL, NULL };

		if (set[i])
			continue;
		if (d->cols[i].hidden && d->cols[i].default_sql == NULL) {
			int64_t id;

			if (r->ctx->next_rowid == NULL)
				return sqlerr_set(e, SQLSTATE_INTERNAL, 0,
						  "no "
						  "rowid allocator");
			if (r->ctx->next_rowid(r->ctx->rowid_arg, &id, e) != 0)
				return -1;
			row[i] = sqlval_int(id);
			continue;
		}
		if (default_of(r, d, i, s->defaults, &x, e) != 0 ||
		    sqlx_eval(x, &env, r->row, &row[i], e) != 0)
			return -1;
	}
	return 0;
}

static int insert_setup(struct ins *s, struct sqlscope *ts,
			struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sql_insert *in = s->in;
	const struct sqlcat_desc *d = s->d;

	s->defaults = arena_alloc(r->ctx->a, (d->ncols + 1) *
				  sizeof(*s->defaults));
	s->tcols = arena_alloc(r->ctx->a, (d->ncols + in->ncolumns + 1) *
			       sizeof(*s->tcols));
	if (s->defaults == NULL || s->tcols == NULL)
		return sqlerr_nomem(e);
	if (in->ncolumns > 0) {
		for (size_t i = 0; i < in->ncolumns; i++) {
			int k = col_pos(d, in->columns[i]->name);

			if (k < 0)
				return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN,
						  in->columns[i]->pos,
						  "column "
						  "\"%s\" of relation \"%s\" "
						  "does not exist",
						  in->columns[i]->name,
						  d->name);
			for (size_t j = 0; j < i; j++)
				if (s->tcols[j] == k)
					return sqlerr_set(e,
						SQLSTATE_DUP_COLUMN,
						in->columns[i]->pos,
						"column \"%s\" specified more "
						"than once",
						in->columns[i]->name);
			s->tcols[s->ntcols++] = k;
		}
	} else {
		for (size_t i = 0; i < d->ncols; i++)
			if (!d->cols[i].hidden)
				s->tcols[s->ntcols++] = (int)i;
	}
	if (in->upsert && in->on_conflict != SQL_CONFLICT_NONE)
		return sqlerr_set(e, SQLSTATE_SYNTAX, in->conflict_pos,
				  "UPSERT or REPLACE cannot have ON CONFLICT");
	if (in->nconflict_cols > 0 &&
	    conflict_index(d, in->conflict_cols, in->nconflict_cols,
			   in->conflict_pos, &s->target, e) != 0)
		return -1;
	if (in->on_conflict == SQL_CONFLICT_UPDATE) {
		struct sqlscope *cs = sqlplan_scope(r->p);

		if (s->target == NULL)
			return sqlerr_set(e, "42601", in->conflict_pos,
					  "ON CONFLICT DO UPDATE requires "
					  "inference specification or "
					  "constraint name");
		if (cs == NULL)
			return sqlerr_nomem(e);
		if (sqlplan_scope_add_table(r->p, cs, d, in->alias ?
					    in->alias : d->name, e) != 0 ||
		    sqlplan_scope_add_table(r->p, cs, d, "excluded", e) != 0)
			return -1;
		s->set = arena_alloc(r->ctx->a, (d->ncols + 1) *
				     sizeof(*s->set));
		if (s->set == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < in->nset; i++) {
			const struct sql_assign *as = in->set[i];
			int k = col_pos(d, as->column);
			struct sqlx *x;

			if (k < 0)
				return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN,
						  as->pos,
						  "column \"%s\" of "
						  "relation \"%s\" does not "
						  "exist",
						  as->column, d->name);
			/* a column assigned twice: the last one wins
			   (SQLite's and MySQL's rule; see UPDATE) */
			if (as->value->kind == SQL_EXPR_DEFAULT) {
				if (default_of(r, d, (size_t)k, s->defaults,
					       &x, e) != 0)
					return -1;
			} else if (sqlplan_expr(r->p, cs, as->value,
						"ON CONFLICT DO UPDATE", &x,
						e) != 0 ||
				   assign_to(r, x, &d->cols[k],
					     as->value->pos, &x, e) != 0) {
				return -1;
			}
			s->set[k] = x;
		}
		if (in->conflict_where != NULL &&
		    sqlplan_bool(r->p, cs, in->conflict_where, "WHERE",
				 &s->where, e) != 0)
			return -1;
	}
	return returning_setup(r, ts, in->returning, in->nreturning, &s->ret,
			       s->res, e);
}

/* INSERT ... VALUES: each item typed for its column directly. */
static int insert_values(struct ins *s, const struct sql_query *q,
			 struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sqlcat_desc *d = s->d;
	size_t nc = d->ncols, nt = s->ntcols;
	struct sqlscope *es = sqlplan_scope(r->p);
	struct sqlx **xs = arena_alloc(r->ctx->a, (nt + 1) * sizeof(*xs));
	int *isdef = arena_alloc(r->ctx->a, (nt + 1) * sizeof(*isdef));

	if (es == NULL || xs == NULL || isdef == NULL)
		return sqlerr_nomem(e);
	/* without a column list, fewer values fill the first columns */
	if (s->in->ncolumns == 0 && q->u.values.rows[0]->n < nt)
		s->ntcols = nt = q->u.values.rows[0]->n;
	for (size_t i = 0; i < q->u.values.n; i++) {
		const struct sql_row *rw = q->u.values.rows[i];
		struct sql_datum *given, *row;
		struct sqlx_env env = { NULL, NULL };

		if (rw->n > nt)
			return sqlerr_set(e, SQLSTATE_SYNTAX,
					  rw->items[nt]->pos,
					  "INSERT has more "
					  "expressions than target columns");
		if (rw->n < nt)
			return sqlerr_set(e, SQLSTATE_SYNTAX, rw->pos,
					  "INSERT "
					  "has more target columns than "
					  "expressions");
		for (size_t k = 0; k < nt; k++) {
			const struct sql_expr *it = rw->items[k];
			const struct sqlcat_column *col =
				&d->cols[s->tcols[k]];

			isdef[k] = it->kind == SQL_EXPR_DEFAULT;
			if (isdef[k])
				continue;
			if (sqlplan_expr(r->p, es, it, "VALUES", &xs[k],
					 e) != 0 ||
			    assign_to(r, xs[k], col, it->pos, &xs[k], e) != 0)
				return -1;
		}
		arena_reset(r->row);
		given = arena_alloc(r->row, (nt + 1) * sizeof(*given));
		row = arena_alloc(r->row, (nc + 1) * sizeof(*row));
		if (given == NULL || row == NULL)
			return sqlerr_nomem(e);
		for (size_t k = 0; k < nt; k++)
			if (!isdef[k] &&
			    sqlx_eval(xs[k], &env, r->row, &given[k], e) != 0)
				return -1;
		if (fill_row(s, given, isdef, row, e) != 0 ||
		    insert_row(s, row, e) != 0)
			return -1;
	}
	return 0;
}

/* INSERT ... SELECT: the source is read whole before any write. */
static int insert_query(struct ins *s, const struct sql_query *q,
			struct sqlerr *e)
{
	struct run *r = s->r;
	const struct sqlcat_desc *d = s->d;
	size_t nc = d->ncols, nt = s->ntcols;
	struct sqlop *op;
	const char **names;
	struct sqlx **xs;
	struct sql_datum **rows = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (sqlplan_query(r->p, q, &op, &names, e) != 0)
		return -1;
	if (s->in->ncolumns == 0 && op->ncols < nt)
		s->ntcols = nt = op->ncols;
	if (op->ncols > nt)
		return sqlerr_set(e, SQLSTATE_SYNTAX, q->pos,
				  "INSERT has more "
				  "expressions than target columns");
	if (op->ncols < nt)
		return sqlerr_set(e, SQLSTATE_SYNTAX, q->pos,
				  "INSERT has more "
				  "target columns than expressions");
	xs = arena_alloc(r->ctx->a, (nt + 1) * sizeof(*xs));
	if (xs == NULL)
		return sqlerr_nomem(e);
	for (size_t k = 0; k < nt; k++) {
		struct sqlx *c = sqlx_col(r->ctx->a, 0, k, &op->types[k]);

		if (c == NULL)
			return sqlerr_nomem(e);
		if (assign_to(r, c, &d->cols[s->tcols[k]], q->pos, &xs[k],
			      e) != 0)
			return -1;
	}
	if (sqlop_open(op, NULL, e) != 0)
		goto out;
	for (;;) {
		const struct sql_datum *row;
		struct sql_datum *c;

		if (sqlop_next(op, &row, e) != 0)
			goto out;
		if (row == NULL)
			break;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sql_datum **nr = arena_alloc(r->keep, ncap *
							    sizeof(*nr));

			if (nr == NULL) {
				sqlerr_nomem(e);
				goto out;
			}
			if (n > 0)
				memcpy(nr, rows, n * sizeof(*nr));
			rows = nr;
			cap = ncap;
		}
		c = arena_alloc(r->keep, (nt + 1) * sizeof(*c));
		if (c == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		for (size_t k = 0; k < nt; k++)
			if (sqlval_copy(&row[k], r->keep, &c[k], e) != 0)
				goto out;
		rows[n++] = c;
	}
	sqlop_close(op);
	for (size_t i = 0; i < n; i++) {
		struct sqlx_env env = { rows[i], NULL };
		struct sql_datum *given, *row;

		arena_reset(r->row);
		given = arena_alloc(r->row, (nt + 1) * sizeof(*given));
		row = arena_alloc(r->row, (nc + 1) * sizeof(*row));
		if (given == NULL || row == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		if (eval_row(xs, nt, &env, r->row, given, e) != 0 ||
		    fill_row(s, given, NULL, row, e) != 0 ||
		    insert_row(s, row, e) != 0)
			goto out;
	}
	rc = 0;
out:
	sqlop_close(op);
	return rc;
}

static int run_insert(struct sqlctx *ctx, const struct sql_insert *in,
		      int pos, struct sqlres *res, struct sqlerr *e)
{
	struct run r;
	struct ins s;
	struct sqlscope *ts;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	if (run_begin(ctx, &r, e) != 0)
		goto out;
	s.r = &r;
	s.in = in;
	s.res = res;
	r.lax_lengths = in->replace;
	if (writable(ctx, in->upsert ? (in->replace ? "REPLACE" : "UPSERT") :
		     "INSERT", pos, e) != 0 ||
	    target_table(&r, &in->table, "insert into", &s.d, e) != 0)
		goto out;
	ts = sqlplan_scope(r.p);
	if (ts == NULL) {
		sqlerr_nomem(e);
		goto out;
	}
	if (sqlplan_scope_add_table(r.p, ts, s.d, in->alias ? in->alias :
				    s.d->name, e) != 0 ||
	    insert_setup(&s, ts, e) != 0)
		goto out;
	if (in->source == NULL) {
		struct sql_datum *row = arena_alloc(r.row, (s.d->ncols + 1) *
						    sizeof(*row));
		size_t nt = s.ntcols;
		int *isdef = arena_alloc(r.row, (nt + 1) * sizeof(*isdef));

		if (row == NULL || isdef == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		for (size_t k = 0; k < nt; k++)
			isdef[k] = 1;
		if (fill_row(&s, NULL, isdef, row, e) != 0 ||
		    insert_row(&s, row, e) != 0)
			goto out;
	} else if (in->source->kind == SQL_QUERY_VALUES &&
		   in->source->norder == 0 && in->source->limit == NULL &&
		   in->source->offset == NULL) {
		if (insert_values(&s, in->source, e) != 0)
			goto out;
	} else if (insert_query(&s, in->source, e) != 0) {
		goto out;
	}
	sqlres_set_tag(res, "INSERT 0 %zu", s.count);
	rc = 0;
out:
	run_end(&r);
	return rc;
}

/* ---- UPDATE and DELETE -------------------------------------------------- */

/* Read every row of d that where selects (copied into r->keep). */
static int collect(struct run *r, struct sqlop *scan, size_t nc,
		   struct sql_datum ***out, size_t *nout, struct sqlerr *e)
{
	struct sql_datum **rows = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (sqlop_open(scan, NULL, e) != 0)
		goto out;
	for (;;) {
		const struct sql_datum *row;
		struct sql_datum *c;

		if (sqlop_next(scan, &row, e) != 0)
			goto out;
		if (row == NULL)
			break;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sql_datum **nr = arena_alloc(r->keep, ncap *
							    sizeof(*nr));

			if (nr == NULL) {
				sqlerr_nomem(e);
				goto out;
			}
			if (n > 0)
				memcpy(nr, rows, n * sizeof(*nr));
			rows = nr;
			cap = ncap;
		}
		c = arena_alloc(r->keep, (nc + 1) * sizeof(*c));
		if (c == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		for (size_t k = 0; k < nc; k++)
			if (sqlval_copy(&row[k], r->keep, &c[k], e) != 0)
				goto out;
		rows[n++] = c;
	}
	*out = rows;
	*nout = n;
	rc = 0;
out:
	sqlop_close(scan);
	return rc;
}

/* Does new differ from old in a primary key or unique index column? */
static int key_change(const struct sqlcat_desc *d, const struct sql_datum *a,
		      const struct sql_datum *b)
{
	for (size_t x = 0; x <= d->nidx; x++) {
		const struct sqlcat_index *ix = x == 0 ? &d->primary :
			&d->idx[x - 1];

		if (!ix->unique)
			continue;
		for (size_t k = 0; k < ix->ncols; k++) {
			int i = sqlrow_col_index(d, ix->cols[k]);

			if (sqlx_datum_cmp(&a[i], &b[i]) != 0)
				return 1;
		}
	}
	return 0;
}

static int run_update(struct sqlctx *ctx, const struct sql_update *up,
		      int pos, struct sqlres *res, struct sqlerr *e)
{
	struct run r;
	const struct sqlcat_desc *d;
	struct sqlscope *s;
	struct sqlx **set;
	struct sqlx **defaults;
	struct sqlop *scan;
	struct returning ret;
	struct sql_datum **old, **nw;
	size_t n = 0, nc;
	int moves = 0, rc = -1;
	const char *alias;

	if (run_begin(ctx, &r, e) != 0 ||
	    writable(ctx, "UPDATE", pos, e) != 0 ||
	    target_table(&r, &up->table, "update", &d, e) != 0)
		goto out;
	nc = d->ncols;
	alias = up->alias ? up->alias : d->name;
	s = sqlplan_scope(r.p);
	set = arena_alloc(ctx->a, (nc + 1) * sizeof(*set));
	defaults = arena_alloc(ctx->a, (nc + 1) * sizeof(*defaults));
	if (s == NULL || set == NULL || defaults == NULL) {
		sqlerr_nomem(e);
		goto out;
	}
	if (sqlplan_scope_add_table(r.p, s, d, alias, e) != 0)
		goto out;
	for (size_t i = 0; i < up->nset; i++) {
		const struct sql_assign *as = up->set[i];
		int k = col_pos(d, as->column);
		struct sqlx *x;

		if (k < 0) {
			sqlerr_set(e, SQLSTATE_UNDEF_COLUMN, as->pos, "column "
				   "\"%s\" of relation \"%s\" does not exist",
				   as->column, d->name);
			goto out;
		}
		/*
		 * SET x = 3, x = 4: PostgreSQL refuses it (42601); SQLite and
		 * MySQL let the last assignment win, and the sqllogictest
		 * corpus expects that, so we do too.
		 */
		if (as->value->kind == SQL_EXPR_DEFAULT) {
			if (default_of(&r, d, (size_t)k, defaults, &x, e) != 0)
				goto out;
		} else if (sqlplan_expr(r.p, s, as->value, "UPDATE", &x,
					e) != 0 ||
			   assign_to(&r, x, &d->cols[k], as->value->pos, &x,
				     e) != 0) {
			goto out;
		}
		set[k] = x;
	}
	if (sqlplan_table_scan(r.p, s, d, alias, up->where, &scan, e) != 0 ||
	    returning_setup(&r, s, up->returning, up->nreturning, &ret, res,
			    e) != 0)
		goto out;
	/* read phase: old rows and their new values */
	if (collect(&r, scan, nc, &old, &n, e) != 0)
		goto out;
	nw = arena_alloc(r.keep, (n + 1) * sizeof(*nw));
	if (nw == NULL) {
		sqlerr_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct sqlx_env env = { old[i], NULL };

		nw[i] = arena_alloc(r.keep, (nc + 1) * sizeof(**nw));
		if (nw[i] == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		memcpy(nw[i], old[i], nc * sizeof(**nw));
		for (size_t k = 0; k < nc; k++)
			if (set[k] != NULL &&
			    sqlx_eval(set[k], &env, r.keep, &nw[i][k], e) != 0)
				goto out;
		if (not_null_check(d, nw[i], e) != 0)
			goto out;
		if (key_change(d, old[i], nw[i]))
			moves = 1;
	}
	/* write phase */
	for (size_t i = 0; i < n; i++) {
		const struct sqlcat_index *cf;

		arena_reset(r.row);
		if (moves) {
			if (sqlrow_delete(ctx->kv, d, old[i], r.row, e) != 0)
				goto out;
		} else if (sqlrow_update(ctx->kv, d, old[i], nw[i], r.row, &cf,
					 e) != 0) {
			goto out;
		}
	}
	for (size_t i = 0; moves && i < n; i++) {
		const struct sqlcat_index *cf;

		arena_reset(r.row);
		if (sqlrow_insert(ctx->kv, d, nw[i], r.row, &cf, e) != 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		arena_reset(r.row);
		if (returning_row(&r, &ret, nw[i], res, e) != 0)
			goto out;
	}
	sqlres_set_tag(res, "UPDATE %zu", n);
	rc = 0;
out:
	run_end(&r);
	return rc;
}

static int run_delete(struct sqlctx *ctx, const struct sql_delete *de,
		      int pos, struct sqlres *res, struct sqlerr *e)
{
	struct run r;
	const struct sqlcat_desc *d;
	struct sqlscope *s;
	struct sqlop *scan;
	struct returning ret;
	struct sql_datum **old;
	size_t n = 0;
	int rc = -1;
	const char *alias;

	if (run_begin(ctx, &r, e) != 0 ||
	    writable(ctx, "DELETE", pos, e) != 0 ||
	    target_table(&r, &de->table, "delete from", &d, e) != 0)
		goto out;
	alias = de->alias ? de->alias : d->name;
	s = sqlplan_scope(r.p);
	if (s == NULL) {
		sqlerr_nomem(e);
		goto out;
	}
	if (sqlplan_scope_add_table(r.p, s, d, alias, e) != 0 ||
	    sqlplan_table_scan(r.p, s, d, alias, de->where, &scan, e) != 0 ||
	    returning_setup(&r, s, de->returning, de->nreturning, &ret, res,
			    e) != 0 ||
	    collect(&r, scan, d->ncols, &old, &n, e) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		arena_reset(r.row);
		if (sqlrow_delete(ctx->kv, d, old[i], r.row, e) != 0 ||
		    returning_row(&r, &ret, old[i], res, e) != 0)
			goto out;
	}
	sqlres_set_tag(res, "DELETE %zu", n);
	rc = 0;
out:
	run_end(&r);
	return rc;
}

/* ---- EXPLAIN ------------------------------------------------------------ */

static int explain_line(void *arg, int depth, const char *line,
			struct sqlerr *e)
{
	struct sqlres *res = arg;
	size_t n = strlen(line) + (size_t)depth * 2;
	char *s = malloc(n + 1);
	const char *v[1];
	int rc;

	if (s == NULL)
		return sqlerr_nomem(e);
	memset(s, ' ', (size_t)depth * 2);
	memcpy(s + (size_t)depth * 2, line, strlen(line) + 1);
	v[0] = s;
	rc = sqlres_add_row(res, v, &n, 1, e);
	free(s);
	return rc;
}

static int run_explain(struct sqlctx *ctx, const struct sql_stmt *st,
		       struct sqlres *res, struct sqlerr *e)
{
	struct run r;
	struct sqlop *op = NULL;
	const char **names;
	int depth = 0, rc = -1;

	if (run_begin(ctx, &r, e) != 0 ||
	    sqlres_add_column(res, "info", "text", e) != 0)
		goto out;
	switch (st->kind) {
	case SQL_STMT_QUERY:
		if (sqlplan_query(r.p, st->u.query, &op, &names, e) != 0)
			goto out;
		break;
	case SQL_STMT_INSERT: {
		const struct sql_insert *in = st->u.insert;
		const struct sqlcat_desc *d;
		const char *what = in->upsert ? (in->replace ? "replace into"
							     : "upsert into")
					      : "insert into";

		if (target_table(&r, &in->table, "insert into", &d, e) != 0)
			goto out;
		if (explain_line(res, 0, in->on_conflict ==
				 SQL_CONFLICT_NOTHING ?
				 arena_printf(ctx->a, "%s %s (on conflict do "
					      "nothing)", what, d->name) :
				 in->on_conflict == SQL_CONFLICT_UPDATE ?
				 arena_printf(ctx->a, "%s %s (on conflict do "
					      "update)", what, d->name) :
				 arena_printf(ctx->a, "%s %s", what, d->name),
				 e) != 0)
			goto out;
		depth = 1;
		if (in->source == NULL) {
			if (explain_line(res, 1, "default values", e) != 0)
				goto out;
		} else if (sqlplan_query(r.p, in->source, &op, &names,
					 e) != 0) {
			goto out;
		}
		break;
	}
	case SQL_STMT_UPDATE:
	case SQL_STMT_DELETE: {
		int upd = st->kind == SQL_STMT_UPDATE;
		const struct sql_name *tn = upd ? &st->u.update->table :
			&st->u.delete_->table;
		const char *alias = upd ? st->u.update->alias :
			st->u.delete_->alias;
		const struct sqlcat_desc *d;
		struct sqlscope *s;

		if (target_table(&r, tn, upd ? "update" : "delete from", &d,
				 e) != 0)
			goto out;
		s = sqlplan_scope(r.p);
		if (s == NULL) {
			sqlerr_nomem(e);
			goto out;
		}
		if (sqlplan_scope_add_table(r.p, s, d, alias ? alias : d->name,
					    e) != 0 ||
		    sqlplan_table_scan(r.p, s, d, alias ? alias : d->name,
				       upd ? st->u.update->where :
				       st->u.delete_->where, &op, e) != 0)
			goto out;
		if (explain_line(res, 0, arena_printf(ctx->a, "%s %s", upd ?
						      "update" : "delete from",
						      d->name), e) != 0)
			goto out;
		depth = 1;
		break;
	}
	default:
		sqlerr_set(e, SQLSTATE_FEATURE, st->pos, "EXPLAIN of this "
			   "statement is not supported");
		goto out;
	}
	if (op != NULL && sqlop_explain(op, depth, explain_line, res, e) != 0)
		goto out;
	sqlres_set_tag(res, "EXPLAIN");
	rc = 0;
out:
	run_end(&r);
	return rc;
}

/* ---- entry point -------------------------------------------------------- */

int sqlexec_stmt(struct sqlctx *ctx, const struct sql_stmt *st,
		 struct sqlres *res, struct sqlerr *e)
{
	if (ctx->db_id == 0 && st->kind != SQL_STMT_QUERY &&
	    st->kind != SQL_STMT_EXPLAIN)
		return sqlerr_set(e, "3D000", st->pos, "database \"%s\" does "
				  "not exist", ctx->db_name ? ctx->db_name :
				  "?");
	switch (st->kind) {
	case SQL_STMT_QUERY:
		return run_query(ctx, st->u.query, res, e);
	case SQL_STMT_INSERT:
		return run_insert(ctx, st->u.insert, st->pos, res, e);
	case SQL_STMT_UPDATE:
		return run_update(ctx, st->u.update, st->pos, res, e);
	case SQL_STMT_DELETE:
		return run_delete(ctx, st->u.delete_, st->pos, res, e);
	case SQL_STMT_EXPLAIN:
		return run_explain(ctx, st->u.explain->stmt, res, e);
	default:
		return sqlerr_set(e, SQLSTATE_FEATURE, st->pos, "statement "
				  "%s is not handled by the executor",
				  sqlast_stmt_kind_name(st->kind));
	}
}
