/*
 * sqlexec.h -- the query and DML side of the SQL engine: plan and run
 * SELECT / VALUES / set operations, INSERT / UPSERT / REPLACE, UPDATE,
 * DELETE and EXPLAIN of any of them, against ctx's transaction.
 *
 * The planner resolves names against ctx->cat, types every expression
 * with sqlval's rules, picks point lookups and range scans on primary and
 * secondary indexes from the WHERE clause, and builds a tree of
 * iterator operators (scan, filter, project, joins, aggregation, sort,
 * distinct, limit, set operations) that pull rows one at a time; table
 * scans read pages of rows, so a scan never holds a whole table.
 * Tested in t/unit/sqlexec_test.c (on sqlkv_mem) and t/7xx-sql*.bats.
 */
#ifndef RANGEDB_SQLEXEC_H
#define RANGEDB_SQLEXEC_H

#include "sqlast.h"
#include "sqlctx.h"
#include "sqlres.h"

/* Run st (a query, INSERT, UPDATE, DELETE or EXPLAIN) into res. */
int sqlexec_stmt(struct sqlctx *ctx, const struct sql_stmt *st,
		 struct sqlres *res, struct sqlerr *e);

/*
 * Plan q without running it and give its output column names (in
 * ctx->a; the array is writable).  CREATE VIEW uses it to check the query
 * and to record the view's columns.
 */
int sqlexec_query_columns(struct sqlctx *ctx, const struct sql_query *q,
			  size_t *n, const char ***names, struct sqlerr *e);

#endif
