/*
 * api.h -- txcoord's transaction HTTP API (issue 6 spec, section 5),
 * registered on main.c's server.  All routes are POST with a JSON object
 * body; keys and values are "key"/"value" text, or "key_b64"/"value_b64"
 * when not valid UTF-8 (or holding NUL); timestamps are decimal strings.
 *
 *   /txn/begin    {}                           -> {"txn":ID,"ts":RTS}
 *   /txn/get      {"txn","key"}                -> {"found":B,"value":V}
 *   /txn/scan     {"txn","start","end","limit"} -> {"kvs":[{"key","value"}],
 *                                                  "more":B,"resume":K}
 *                 (start default "", end default +infinity, limit default
 *                 1000, at most 10000)
 *   /txn/put      {"txn","key","value"}        -> {}   (buffered)
 *   /txn/delete   {"txn","key"}                -> {}   (buffered)
 *   /txn/commit   {"txn"}                      -> {"committed":true,
 *                                                  "ts":CTS,"1pc":B}
 *   /txn/rollback {"txn"}                      -> {}
 *   /txn          {"ops":[{"op":"get","key"}, {"op":"scan",...},
 *                  {"op":"put","key","value"}, {"op":"delete","key"},
 *                  {"op":"incr","key","by":N}]}
 *                 -> {"results":[...],"ts":CTS,"retries":N,"1pc":B}
 *                 one transaction, run again after a retryable error up
 *                 to the engine's max_retries; "by" defaults to 1.
 *
 * Errors use the common shape; a retryable one is
 *   409 {"error":{"code":"retry","sqlstate":"40001","message":...}}
 * An unknown, finished or idle-expired transaction id is 404 not_found; a
 * commit whose outcome is unknown is 503 unavailable with "outcome
 * unknown" in the message (the client must check before redoing it).
 * Unknown fields are refused (400), so a misspelt "vaule" never writes
 * an empty value.  A failed one-shot request writes nothing.
 *
 * Tested in t/unit/txn_test.c.
 */
#ifndef RANGEDB_TXCOORD_API_H
#define RANGEDB_TXCOORD_API_H

#include "err.h"

#define TXAPI_SCAN_LIMIT	1000		/* default scan limit */
#define TXAPI_MAX_OPS		10000		/* ops of one /txn request */
#define TXAPI_MAX_BODY		(16u << 20)	/* put and /txn bodies */
#define TXAPI_SMALL_BODY	(256u << 10)	/* the other routes */

struct http_server;
struct txn_engine;

/*
 * Add the transaction routes (POST /txn/begin, /txn/get, /txn/scan,
 * /txn/put, /txn/delete, /txn/commit, /txn/rollback, /txn) to s, before
 * http_server_start().  eng must outlive the server.
 */
int txapi_register(struct http_server *s, struct txn_engine *eng,
		   struct err *e);

#endif
