/*
 * sqlplan.h -- the planner: syntax trees in, trees of operators (sqlops.h)
 * with compiled expressions (sqlexpr.h) out.
 *
 * What it does:
 *   - resolves names against ctx->cat in ctx->db_id: tables, views (their
 *     stored SELECT is parsed and planned as a subquery), aliases, column
 *     references in nested scopes (correlated subqueries), with PostgreSQL's
 *     errors: 42P01 unknown table, 42703 unknown column, 42702 ambiguous
 *     column, 42803 grouping errors, each at the position of the name;
 *   - types every expression with sqlval's rules and inserts the casts;
 *   - picks access paths from the WHERE conjuncts: primary-key point
 *     lookups and prefix/range scans, IN lists of constants as several
 *     point spans, secondary indexes (covering, or followed by a lookup of
 *     the row); the other conjuncts become filters applied as rows are
 *     decoded;
 *   - orders joins greedily: it starts from the table with the best access
 *     path and adds, at each step, a table joined to what it has by an
 *     equality (lookup join when the equality gives the leading column of
 *     an index of that table, hash join otherwise), and only then tables
 *     with no join condition (nested loops over a materialized side); so
 *     WHERE equalities between comma-joined tables are join conditions,
 *     never filters on a cross product;
 *   - plans GROUP BY / aggregates (hash aggregation), HAVING, DISTINCT,
 *     ORDER BY (output names and numbers, or expressions), LIMIT/OFFSET,
 *     UNION/INTERSECT/EXCEPT [ALL], VALUES.
 * Everything is allocated in ctx->a; operators are registered in rt.
 * Tested in t/unit/sqlexec_test.c.
 */
#ifndef RANGEDB_SQLPLAN_H
#define RANGEDB_SQLPLAN_H

#include <stddef.h>

#include "sqlast.h"
#include "sqlcat.h"
#include "sqlctx.h"
#include "sqlerr.h"
#include "sqlexpr.h"
#include "sqlops.h"

struct sqlplan;
struct sqlscope;

int sqlplan_new(struct sqlctx *ctx, struct sqlop_rt *rt,
		struct sqlplan **out, struct sqlerr *e);

/*
 * Plan a whole query.  names[i] is output column i's name (ncols of them:
 * op->ncols); op->types are the output types (UNKNOWN and NULL already
 * made TEXT).
 */
int sqlplan_query(struct sqlplan *p, const struct sql_query *q,
		  struct sqlop **out, const char ***names, struct sqlerr *e);

/* A relation by name in ctx's database (table or view); 42P01 if none. */
int sqlplan_relation(struct sqlplan *p, const struct sql_name *n,
		     const struct sqlcat_desc **out, struct sqlerr *e);

/*
 * A scope whose row is the columns of table d (d->cols order), known as
 * alias (or d->name); more tables may be appended (their rows follow).
 */
struct sqlscope *sqlplan_scope(struct sqlplan *p);
int sqlplan_scope_add_table(struct sqlplan *p, struct sqlscope *s,
			    const struct sqlcat_desc *d, const char *alias,
			    struct sqlerr *e);

/* Compile x in s (no aggregates allowed: `clause` names the clause for
 * the error).  sqlplan_bool() also requires a boolean ("argument of
 * WHERE must be type boolean"). */
int sqlplan_expr(struct sqlplan *p, struct sqlscope *s,
		 const struct sql_expr *x, const char *clause,
		 struct sqlx **out, struct sqlerr *e);
int sqlplan_bool(struct sqlplan *p, struct sqlscope *s,
		 const struct sql_expr *x, const char *clause,
		 struct sqlx **out, struct sqlerr *e);

/*
 * A scan of table d (rows in d->cols order) returning the rows for which
 * where (may be NULL) is true, using the best access path.  s must be a
 * scope made by sqlplan_scope_add_table() for d alone.
 */
int sqlplan_table_scan(struct sqlplan *p, struct sqlscope *s,
		       const struct sqlcat_desc *d, const char *alias,
		       const struct sql_expr *where, struct sqlop **out,
		       struct sqlerr *e);

/*
 * Compile a SELECT-style target list (with * and t.* expanded) in s:
 * *n expressions, their output names and types.  For RETURNING.
 */
int sqlplan_targets(struct sqlplan *p, struct sqlscope *s,
		    struct sql_target *const *targets, size_t ntargets,
		    struct sqlx ***exprs, const char ***names, size_t *n,
		    struct sqlerr *e);

/*
 * Check a column's DEFAULT expression at CREATE TABLE: it must compile
 * without columns or aggregates and be assignable to type t (so DEFAULT
 * 'abc' on an INT column is 22P02 at CREATE, as in PostgreSQL).  Plans in
 * ctx->a and keeps nothing.
 */
int sqlplan_check_default(struct sqlctx *ctx, const struct sql_expr *x,
			  const struct sql_type *t, const char *colname,
			  struct sqlerr *e);

/* The SQL type of a type name (validated: 22023 for bad typmods). */
int sqlplan_type(const struct sql_typename *tn, struct sql_type *out,
		 struct sqlerr *e);

#endif
