/*
 * sqlapi.h -- txcoord's SQL endpoints over HTTP/JSON:
 *
 *   POST   /sql               {"sql": "...", "session": "ID"?}
 *   POST   /sql/session       -> 201 {"session": "ID"}
 *   DELETE /sql/session/ID    -> 200 {"closed": "ID"}
 *
 * A /sql reply is 200 {"results":[...], "columns", "types", "rows",
 * "tag" (of the last statement), "txn": "none"|"open"|"failed"} or, when
 * a statement fails, {"error":{"code","sqlstate","message","position"},
 * "results":[the statements that completed], "txn"} with 400 (the client
 * must change something), 404 (unknown session, 08003), 409 (40001
 * retry, 40003 outcome unknown), 503 (57P03 unavailable) or 500.
 * Without a session a request stands alone: a transaction it leaves open
 * is rolled back and reported as error 25001.  Tested by t/7xx-sql*.bats.
 */
#ifndef RANGEDB_SQLAPI_H
#define RANGEDB_SQLAPI_H

#include "err.h"

struct http_server;
struct sqlengine;
struct sqlapi;

/* Register the routes on s (before it starts); *out is freed after s. */
int sqlapi_register(struct http_server *s, struct sqlengine *eng,
		    unsigned idle_ms, struct sqlapi **out, struct err *e);
void sqlapi_free(struct sqlapi *a);

#define SQLAPI_MAX_BODY	(16u << 20)	/* the longest request: 16 MiB */

#endif
