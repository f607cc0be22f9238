/*
 * sqlddl.h -- the SQL engine's schema statements: CREATE/DROP DATABASE,
 * TABLE, INDEX and VIEW, TRUNCATE, and the SHOW statements that read the
 * catalog (TABLES, DATABASES, CREATE, COLUMNS, INDEXES, RANGES).
 *
 * Every change writes descriptors through sqlcat in the statement's
 * transaction, so DDL is transactional like any other statement, and
 * CREATE INDEX fills the new index from the table's rows in the same
 * transaction.  Tested in t/unit/sqlexec_test.c and t/7xx-sql*.bats.
 */
#ifndef RANGEDB_SQLDDL_H
#define RANGEDB_SQLDDL_H

#include "sqlast.h"
#include "sqlctx.h"
#include "sqlres.h"

/* True for the statement kinds sqlddl_stmt() runs. */
int sqlddl_handles(const struct sql_stmt *st);
int sqlddl_stmt(struct sqlctx *ctx, const struct sql_stmt *st,
		struct sqlres *res, struct sqlerr *e);

#endif
