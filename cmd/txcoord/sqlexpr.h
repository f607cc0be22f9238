/*
 * sqlexpr.h -- compiled SQL expressions: a typed tree the planner builds
 * from the syntax tree (sqlplan.c) and the operators evaluate on rows.
 *
 * Every node has its result type; implicit casts are explicit CAST nodes,
 * so evaluation never has to guess.  Column references are (depth, index):
 * depth 0 is the row being evaluated, depth 1 the row of the enclosing
 * query (a correlated subquery), and so on up the chain of environments.
 * Guarantees:
 *   - three-valued logic everywhere (AND/OR/NOT truth tables, IN lists and
 *     subqueries with NULLs, BETWEEN, IS [NOT] DISTINCT FROM);
 *   - lazy where SQL is: AND/OR stop at the first deciding operand, CASE
 *     and COALESCE evaluate only what they return, so a 1/0 in a branch
 *     that is never taken never fails (constant folding keeps run-time
 *     errors where they were: a constant sub-tree that fails stays as is);
 *   - uncorrelated subqueries run once per statement and are cached;
 *     correlated ones run again for every outer row;
 *   - results (strings) live in the arena the caller names.
 * Tested in t/unit/sqlexec_test.c.
 */
#ifndef RANGEDB_SQLEXPR_H
#define RANGEDB_SQLEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "sqlast.h"
#include "sqlerr.h"
#include "sqlval.h"

struct sqlop;

enum sqlx_kind {
	SQLX_CONST = 0,		/* u.c */
	SQLX_COL,		/* u.col */
	SQLX_CAST,		/* u.cast: u.cast.arg of type u.cast.from */
	SQLX_ASSIGN,		/* u.cast, with sqlval_assign() rules */
	SQLX_BINOP,		/* u.bin: operands of t.left/t.right */
	SQLX_DISTINCT,		/* u.bin: IS [NOT] DISTINCT FROM */
	SQLX_NEG,		/* u.arg */
	SQLX_NOT,		/* u.arg */
	SQLX_AND,		/* u.list */
	SQLX_OR,		/* u.list */
	SQLX_IS,		/* u.is */
	SQLX_BETWEEN,		/* u.between */
	SQLX_IN_LIST,		/* u.in */
	SQLX_IN_QUERY,		/* u.inq */
	SQLX_EXISTS,		/* u.sub */
	SQLX_SUBQUERY,		/* u.sub: scalar */
	SQLX_CASE,		/* u.case_ */
	SQLX_LIKE,		/* u.like */
	SQLX_FUNC,		/* u.func */
	SQLX_COALESCE,		/* u.list */
	SQLX_NULLIF		/* u.bin: l = r decides (op EQ) */
};

/* A subquery inside an expression, with its cache. */
struct sqlx_sub {
	struct sqlop *plan;
	int correlated;		/* refers to an enclosing query's row */
	struct sql_type type;	/* of its only column */
	struct arena *cache_arena;	/* the statement's: cached values */
	/* cache (uncorrelated only) */
	int cached;
	struct sql_datum val;	/* scalar: the value; EXISTS: a BOOL */
	struct sql_datum *vals;	/* IN: distinct non-NULL, sorted */
	size_t nvals;
	int has_null;		/* IN: the subquery returned a NULL */
};

struct sqlx {
	enum sqlx_kind kind;
	struct sql_type type;	/* result type */
	int pos;		/* in the statement; 0 if none */
	union {
		struct sql_datum c;
		struct {
			int depth;
			size_t idx;
		} col;
		struct {
			struct sqlx *arg;
			struct sql_type from;
		} cast;
		struct {
			enum sql_op op;
			struct sql_optype t;
			struct sqlx *l;
			struct sqlx *r;
			int not_;	/* DISTINCT: IS NOT DISTINCT FROM */
		} bin;
		struct sqlx *arg;
		struct {
			struct sqlx **args;
			size_t n;
		} list;
		struct {
			struct sqlx *arg;
			enum sql_is_what what;
			int not_;
		} is;
		struct {
			/* arg, lo, hi all already of type t.left (one common
			 * comparison type) */
			struct sqlx *arg;
			struct sqlx *lo;
			struct sqlx *hi;
			struct sql_optype t;
			int not_;
			int symmetric;
		} between;
		struct {
			/* arg and items already of the common type; t the
			 * comparison's typing */
			struct sqlx *arg;
			struct sqlx **items;
			size_t n;
			struct sql_optype t;
			int not_;
			/* all items constant: sorted distinct values */
			struct sql_datum *sorted;
			size_t nsorted;
			int const_has_null;
			int all_const;
		} in;
		struct {
			struct sqlx *arg;	/* already of sub->type */
			struct sqlx_sub *sub;
			struct sql_optype t;
			int not_;
			/*
			 * arg and the subquery's column cannot be compared
			 * ('hello' IN (SELECT int), bytes vs int): no row
			 * equals arg, so the result is FALSE (TRUE for NOT
			 * IN), NULL when arg or a row is NULL -- SQLite's
			 * rule, where PostgreSQL raises an error.
			 */
			int never;
		} inq;
		struct sqlx_sub *sub;
		struct {
			/* searched CASE: conds are BOOL; simple CASE is
			 * compiled into conds "x = v" */
			struct sqlx **conds;
			struct sqlx **results;
			size_t n;
			struct sqlx *else_;	/* NULL: ELSE NULL */
		} case_;
		struct {
			struct sqlx *arg;
			struct sqlx *pat;
			struct sqlx *esc;	/* NULL: default */
			int not_;
			int icase;
			struct sqlval_like *compiled;	/* constant */
		} like;
		struct {
			struct sql_func f;
			struct sqlx **args;
			size_t n;
		} func;
	} u;
};

/* The rows an expression sees: depth 0 first, then enclosing queries. */
struct sqlx_env {
	const struct sql_datum *row;
	const struct sqlx_env *outer;
};

/* Truth value of a BOOL datum: 1, 0, or -1 for NULL. */
#define SQLX_TRUE	1
#define SQLX_FALSE	0
#define SQLX_UNKNOWN	(-1)

/* ---- construction (nodes in arena a; NULL when out of memory) --------- */

struct sqlx *sqlx_new(struct arena *a, enum sqlx_kind kind,
		      const struct sql_type *type);
struct sqlx *sqlx_const(struct arena *a, const struct sql_datum *d,
			const struct sql_type *type);
struct sqlx *sqlx_col(struct arena *a, int depth, size_t idx,
		      const struct sql_type *type);
/*
 * x cast to type `to` (explicit cast rules); x itself when its type is
 * already `to`.  A constant is cast right away when that works (a failing
 * constant cast is left for run time unless strict is set, then the error
 * is returned: literals like 'abc' compared with an int column fail at
 * plan time, as in PostgreSQL).
 */
int sqlx_cast_to(struct arena *a, struct sqlx *x, const struct sql_type *to,
		 int assign, int strict, int pos, struct sqlx **out,
		 struct sqlerr *e);

/* True when x reads no column of depth 0 (it may read outer rows). */
bool sqlx_is_rowfree(const struct sqlx *x);
/* True when x reads no row at all and has no subquery. */
bool sqlx_is_const_tree(const struct sqlx *x);
/* True when x reads only the current row (depth 0) and has no subquery:
 * it can be evaluated where the row is stored (filter pushdown). */
bool sqlx_is_local(const struct sqlx *x);
/*
 * Fold x when every child is a constant: evaluate it once into arena a;
 * on failure x is kept (the error waits for run time).  Also prepares
 * constant IN lists and LIKE patterns.  Returns the folded node.
 */
struct sqlx *sqlx_fold(struct arena *a, struct sqlx *x);

/*
 * Call fn on every subquery directly in x (not those nested in the
 * subqueries' own plans); stops at the first non-zero return.
 */
int sqlx_each_sub(const struct sqlx *x,
		  int (*fn)(void *arg, const struct sqlx_sub *s), void *arg);

/* ---- evaluation -------------------------------------------------------- */

/* Evaluate x on env; strings of *out live in a (or in the row). */
int sqlx_eval(const struct sqlx *x, const struct sqlx_env *env,
	      struct arena *a, struct sql_datum *out, struct sqlerr *e);
/* Evaluate a BOOL expression into SQLX_TRUE / SQLX_FALSE / SQLX_UNKNOWN. */
int sqlx_eval_truth(const struct sqlx *x, const struct sqlx_env *env,
		    struct arena *a, int *truth, struct sqlerr *e);

/*
 * Comparison of two datums for sorting/grouping: NULLs equal each other
 * and sort first; otherwise sqlval_cmp().
 */
int sqlx_datum_cmp(const struct sql_datum *a, const struct sql_datum *b);

#endif
