/*
 * sqlfilt.c -- compile and apply a pushed-down row filter (see sqlfilt.h).
 */
#include "sqlfilt.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sqlctx.h"
#include "sqlexpr.h"
#include "sqlops.h"
#include "sqlparse.h"
#include "sqlplan.h"
#include "sqlrow.h"

struct sqlfilt {
	struct arena *a;		/* descriptor, tree, plan */
	struct arena *row;		/* one row's values, reset per row */
	struct sqlctx ctx;
	struct sqlop_rt *rt;
	struct sqlcat_desc d;
	struct sqlx *x;
	struct sql_datum *vals;
};

json_t *sqlfilt_encode(const struct sqlcat_desc *d, const char *alias,
		       const char *where, uint64_t now)
{
	json_t *t = sqlcat_desc_json(d);

	if (t == NULL)
		return NULL;
	return json_pack("{s:o, s:s, s:s, s:I}", "table", t, "alias",
			 alias != NULL ? alias : d->name, "where", where,
			 "now", (json_int_t)now);
}

void sqlfilt_free(struct sqlfilt *f)
{
	if (f == NULL)
		return;
	sqlop_rt_free(f->rt);
	arena_free(f->row);
	arena_free(f->a);
	free(f);
}

/*
 * The descriptor comes from the network: check what decoding relies on
 * (distinct column ids, index columns that exist, a primary key).
 */
static int desc_check(const struct sqlcat_desc *d, struct err *e)
{
	const struct sqlcat_index *ix;

	for (size_t i = 0; i < d->ncols; i++)
		for (size_t k = i + 1; k < d->ncols; k++)
			if (d->cols[i].id == d->cols[k].id)
				return err_set(e, RC_BAD_INPUT, "filter: table "
					       "\"%s\" has two columns with id "
					       "%d", d->name, d->cols[i].id);
	if (d->primary.ncols == 0)
		return err_set(e, RC_BAD_INPUT, "filter: table \"%s\" has no "
			       "primary key", d->name);
	for (size_t i = 0; i <= d->nidx; i++) {
		ix = i == 0 ? &d->primary : &d->idx[i - 1];
		for (size_t k = 0; k < ix->ncols; k++)
			if (sqlcat_col_by_id(d, ix->cols[k]) == NULL)
				return err_set(e, RC_BAD_INPUT, "filter: an "
					       "index of \"%s\" names column id "
					       "%d, which it does not have",
					       d->name, ix->cols[k]);
	}
	return RC_OK;
}

/* A SQL error met while compiling, as the caller's struct err. */
static int compile_err(const struct sqlerr *se, struct err *e)
{
	if (strcmp(se->sqlstate, SQLSTATE_OUT_OF_MEMORY) == 0)
		return err_set(e, RC_NOMEM, "out of memory");
	return err_set(e, RC_BAD_INPUT, "filter: %s (SQLSTATE %s)", se->msg,
		       se->sqlstate);
}

int sqlfilt_new(const json_t *j, struct sqlfilt **out, struct err *e)
{
	const json_t *jt = json_object_get(j, "table");
	const json_t *jw = json_object_get(j, "where");
	const json_t *ja = json_object_get(j, "alias");
	const json_t *jn = json_object_get(j, "now");
	struct sqlfilt *f;
	struct sqlplan *p;
	struct sqlscope *s;
	struct sql_expr *ast;
	struct sqlerr se;
	int rc;

	*out = NULL;
	if (!json_is_object(j) || !json_is_object(jt) ||
	    !json_is_string(jw) || !json_is_string(ja) ||
	    (jn != NULL && (!json_is_integer(jn) ||
			    json_integer_value(jn) < 0)))
		return err_set(e, RC_BAD_INPUT, "filter: want an object with "
			       "'table' (a descriptor), 'alias' and 'where' "
			       "(strings) and 'now' (a timestamp)");
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	f->a = arena_new();
	f->row = arena_new();
	if (f->a == NULL || f->row == NULL) {
		sqlfilt_free(f);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if ((rc = sqlcat_desc_parse(jt, f->a, &f->d, e)) != RC_OK) {
		sqlfilt_free(f);
		return rc;
	}
	if (f->d.kind != SQLCAT_TABLE || f->d.ncols == 0) {
		rc = err_set(e, RC_BAD_INPUT, "filter: \"%s\" is not a table",
			     f->d.name);
		sqlfilt_free(f);
		return rc;
	}
	if ((rc = desc_check(&f->d, e)) != RC_OK) {
		sqlfilt_free(f);
		return rc;
	}
	f->ctx.a = f->a;
	f->ctx.db_name = "";
	f->ctx.sql = json_string_value(jw);
	f->ctx.sql_len = json_string_length(jw);
	f->ctx.txn_ts = jn != NULL ? (uint64_t)json_integer_value(jn) : 0;
	f->ctx.read_only = 1;
	sqlerr_clear(&se);
	f->vals = arena_alloc(f->a, (f->d.ncols + 1) * sizeof(*f->vals));
	if (f->vals == NULL ||
	    sqlparse_expr(f->a, f->ctx.sql, f->ctx.sql_len, &ast, &se) != 0 ||
	    sqlop_rt_new(&f->ctx, &f->rt, &se) != 0 ||
	    sqlplan_new(&f->ctx, f->rt, &p, &se) != 0 ||
	    (s = sqlplan_scope(p)) == NULL ||
	    sqlplan_scope_add_table(p, s, &f->d, json_string_value(ja),
				    &se) != 0 ||
	    sqlplan_bool(p, s, ast, "WHERE", &f->x, &se) != 0) {
		rc = se.sqlstate[0] != '\0' ? compile_err(&se, e) :
			err_set(e, RC_NOMEM, "out of memory");
		sqlfilt_free(f);
		return rc;
	}
	if (!sqlx_is_local(f->x)) {
		sqlfilt_free(f);
		return err_set(e, RC_BAD_INPUT, "filter: may read only the "
			       "row of its own table (no subqueries)");
	}
	*out = f;
	return RC_OK;
}

int sqlfilt_keep(struct sqlfilt *f, const void *key, size_t klen,
		 const void *val, size_t vlen)
{
	struct sqlx_env env = { f->vals, NULL };
	struct sqlerr se;
	int t;

	arena_reset(f->row);
	if (sqlrow_decode(&f->d, key, klen, val, vlen, f->row, f->vals,
			  &se) != 0)
		return 1;		/* the gateway will say what is wrong */
	if (sqlx_eval_truth(f->x, &env, f->row, &t, &se) != 0)
		return 1;		/* ditto: its error, if it is one */
	return t == SQLX_TRUE;
}
