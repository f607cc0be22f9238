/*
 * sqlengine.h -- the SQL engine's entry point: run the statements of one
 * request in a session.
 *
 * The engine owns what a gateway shares (the catalog cache, the rowid
 * allocator) and what a session keeps (its database, its explicit
 * transaction and whether that transaction has failed).  Transactions:
 *   - outside BEGIN, each statement is its own transaction, retried by
 *     the gateway on a retryable conflict (40001) up to the engine's
 *     retry limit, so clients see 40001 only when that is exhausted;
 *   - inside BEGIN ... COMMIT the statements share one transaction; an
 *     error puts it in the failed state (25P02 for every statement but
 *     ROLLBACK/COMMIT, which both roll back), like PostgreSQL; a 40001
 *     at COMMIT or inside is returned to the client, who retries the
 *     whole transaction.
 * Tested in t/unit/sqlexec_test.c and t/7xx-sql*.bats.
 */
#ifndef RANGEDB_SQLENGINE_H
#define RANGEDB_SQLENGINE_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "sqlerr.h"

struct router;
struct txn_engine;
struct sqlengine;
struct sqlsession;

/* txe and router (range layout for EXPLAIN / SHOW RANGES) are borrowed. */
int sqlengine_new(struct sqlengine **out, struct txn_engine *txe,
		  struct router *router, struct err *e);
void sqlengine_free(struct sqlengine *eng);

/* A fresh session (database defaultdb, no transaction). */
int sqlengine_session_new(struct sqlengine *eng, struct sqlsession **out,
			  struct err *e);
/* Roll back what is open and free. */
void sqlengine_session_free(struct sqlsession *s);

/*
 * Parse every statement of sql[0..len) first (a syntax error anywhere runs
 * nothing), then run them in order, appending one result object per
 * completed statement to results (a JSON array):
 *	{"columns":[...], "types":[...], "rows":[[...]], "tag":"..."}
 * Stops at the first failing statement: returns -1 with e filled.
 */
int sqlengine_run(struct sqlengine *eng, struct sqlsession *s,
		  const char *sql, size_t len, json_t *results,
		  struct sqlerr *e);

/* "none", "open" or "failed". */
const char *sqlengine_txn_state(const struct sqlsession *s);
/* Roll back an open or failed explicit transaction (end of request). */
void sqlengine_rollback(struct sqlsession *s);

#endif
