/*
 * sqlops.h -- the executor's operators: iterators that pull rows one at a
 * time (Volcano): scans, filter, project, joins, aggregation, sort,
 * distinct, limit, set operations, VALUES.
 *
 * The planner (sqlplan.c) builds a tree of struct sqlop and fills each
 * one's configuration; sqlop_open() / sqlop_next() / sqlop_close() run it.
 * Contracts:
 *   - a row returned by sqlop_next() is an array of op->ncols datums that
 *     stays valid until the next call on the same operator (or its close);
 *     an operator that keeps rows (sort, hash tables, materialized join
 *     sides) copies them into its own memory;
 *   - table scans read pages of SQLOP_SCAN_PAGE entries and decode them as
 *     they go, so a scan holds one page, never a whole table; sort, hash
 *     aggregation, hash join, distinct and set operations hold what they
 *     must (the sorted rows, the groups, the build side, the seen rows);
 *   - an operator may be opened again after close (correlated subqueries
 *     and the inner side of nested loops do), with a new outer environment;
 *   - every operator belongs to a struct sqlop_rt, which frees all their
 *     memory at once at the end of the statement, whatever state they were
 *     left in (errors included).
 * Tested in t/unit/sqlexec_test.c.
 */
#ifndef RANGEDB_SQLOPS_H
#define RANGEDB_SQLOPS_H

#include <stddef.h>

#include "arena.h"
#include "keys.h"
#include "sqlast.h"
#include "sqlcat.h"
#include "sqlctx.h"
#include "sqlerr.h"
#include "sqlexpr.h"
#include "sqlkv.h"
#include "sqlval.h"

#define SQLOP_SCAN_PAGE	1000	/* KV entries per scan page */
#define SQLOP_PUSH_MAX	(256 * 1024)	/* bytes of a pushed filter (with the
					 * table's descriptor) at most */

enum sqlop_kind {
	SQLOP_VALUES = 0,	/* rows of expressions */
	SQLOP_SCAN,		/* a table through one of its indexes */
	SQLOP_FILTER,		/* rows of in for which pred is true */
	SQLOP_PROJECT,		/* expressions over in's rows */
	SQLOP_NLJOIN,		/* nested loops (materialized, lookup) */
	SQLOP_HASHJOIN,		/* equi-join, build side in2 */
	SQLOP_AGG,		/* hash aggregation */
	SQLOP_SORT,
	SQLOP_DISTINCT,
	SQLOP_LIMIT,
	SQLOP_APPEND,		/* UNION ALL */
	SQLOP_SETOP		/* UNION, INTERSECT [ALL], EXCEPT [ALL] */
};

enum sqlop_join {
	SQLOP_JOIN_INNER = 0,
	SQLOP_JOIN_LEFT,	/* keep unmatched rows of in (left) */
	SQLOP_JOIN_FULL		/* and of in2 (right) */
};

enum sqlagg_fn {
	SQLAGG_COUNT_STAR = 0,
	SQLAGG_COUNT,
	SQLAGG_SUM,
	SQLAGG_AVG,
	SQLAGG_MIN,
	SQLAGG_MAX
};

/* One aggregate of an AGG operator. */
struct sqlagg {
	enum sqlagg_fn fn;
	struct sqlx *arg;		/* NULL for count(*) */
	int distinct;
	struct sql_type argtype;
	struct sql_type type;		/* result */
	const struct sql_expr *ast;	/* the call, for matching/EXPLAIN */
};

/* One sort key: a column of the input row. */
struct sqlsort_key {
	size_t col;
	int desc;
	int nulls_first;
};

struct sqlop_rt;
struct sqlop_state;

struct sqlop {
	enum sqlop_kind kind;
	struct sqlop_rt *rt;
	size_t ncols;
	struct sql_type *types;
	struct sqlop *in;		/* input (left side of joins) */
	struct sqlop *in2;		/* right side, second set-op input */
	/* EXPLAIN: conjuncts applied here (syntax trees), and a label */
	const struct sql_expr **filter_ast;
	size_t nfilter_ast;
	const char *label;
	union {
		struct {			/* VALUES */
			struct sqlx ***rows;	/* nrows x ncols */
			size_t nrows;
		} values;
		struct {			/* SCAN */
			const struct sqlcat_desc *d;
			const struct sqlcat_index *ix;
			const char *alias;
			int covering;	/* index has what is needed */
			/* leading index columns fixed by equality: eq[i]
			 * (evaluated at open, no current row) or, when
			 * eq[i] is NULL, ext[i] set by a lookup join */
			struct sqlx **eq;
			size_t neq;
			struct sql_datum *ext;
			/* then, on index column neq, either an IN list ... */
			struct sqlx **in_items;
			size_t nin;
			/* ... or a range (lo/hi NULL: unbounded) */
			struct sqlx *lo;
			struct sqlx *hi;
			int lo_incl;
			int hi_incl;
			struct sqlx *filter;	/* on the table row */
			/* the conjuncts of filter the ranges can apply
			 * (SQL text, sqlfilt.h), NULL: none */
			const char *pushed;
		} scan;
		struct {			/* FILTER */
			struct sqlx *pred;
		} filter;
		struct {			/* PROJECT */
			struct sqlx **exprs;	/* ncols */
		} project;
		struct {			/* NLJOIN, HASHJOIN */
			enum sqlop_join type;
			struct sqlx *cond;	/* on the joined row */
			/* NLJOIN lookup: in2 is a SCAN whose first nkeys
			 * ext values are lkeys evaluated on the left row */
			int lookup;
			/* HASHJOIN: lkeys on in's rows, rkeys on in2's */
			struct sqlx **lkeys;
			struct sqlx **rkeys;
			size_t nkeys;
		} join;
		struct {			/* AGG */
			struct sqlx **keys;
			size_t nkeys;
			struct sqlagg *aggs;
			size_t naggs;
		} agg;
		struct {			/* SORT */
			struct sqlsort_key *keys;
			size_t nkeys;
		} sort;
		struct {			/* LIMIT */
			struct sqlx *limit;	/* NULL: none */
			struct sqlx *offset;	/* NULL: 0 */
		} limit;
		struct {			/* SETOP */
			enum sql_setop_kind op;
			int all;
		} setop;
	} u;
	/* run time */
	const struct sqlx_env *outer;
	struct sqlop_state *st;
};

/* ---- statement run time ------------------------------------------------- */

int sqlop_rt_new(struct sqlctx *ctx, struct sqlop_rt **out,
		 struct sqlerr *e);
/* Free every operator of rt and all their memory. */
void sqlop_rt_free(struct sqlop_rt *rt);
struct sqlctx *sqlop_rt_ctx(const struct sqlop_rt *rt);

/* A new operator of rt (zeroed configuration); NULL when out of memory. */
struct sqlop *sqlop_new(struct sqlop_rt *rt, enum sqlop_kind kind,
			size_t ncols);

/* ---- running ------------------------------------------------------------ */

int sqlop_open(struct sqlop *op, const struct sqlx_env *outer,
	       struct sqlerr *e);
/* *row NULL at the end. */
int sqlop_next(struct sqlop *op, const struct sql_datum **row,
	       struct sqlerr *e);
void sqlop_close(struct sqlop *op);

/* ---- EXPLAIN ------------------------------------------------------------ */

/* Called once per plan line, depth = indentation level. */
typedef int (*sqlop_line_fn)(void *arg, int depth, const char *line,
			     struct sqlerr *e);

/* Describe op and its inputs (and the ranges its scans touch when
 * ctx->ranges is set). */
int sqlop_explain(struct sqlop *op, int depth, sqlop_line_fn fn, void *arg,
		  struct sqlerr *e);

#endif
