/*
 * txnapi.h -- raftd's transaction endpoints, the range side of the
 * protocol txcoord drives (docs/ARCHITECTURE.md section 9):
 *
 *   POST /txn/get, /txn/scan      reads at a timestamp, remembered in the
 *                                 range's timestamp cache; a scan may
 *                                 carry a SQL row filter (sqlfilt.h)
 *   POST /txn/write               lay intents (and create the record)
 *   POST /txn/commit1pc           a single-range transaction, one command
 *   POST /txn/refresh             re-validate read spans at a later ts
 *   POST /txn/resolve             intents -> versions (or gone); one
 *                                 transaction's, or a "batch" of them
 *   POST /txn/record              heartbeat/commit/abort/gc/query a record
 *   POST /txn/gc                  collect many finished records at once
 *   POST /txn/push                decide a blocking transaction's fate,
 *                                 waiting behind it while it is alive
 *
 * Each is served by the leader of the range holding its key (307 to the
 * leader, 421 range_moved otherwise, like /kv).  Conflicts are 409 with
 * error codes "locked" (with "intents"), "retry" (a serialization
 * failure: the transaction restarts) or "aborted".  Timestamps travel as
 * decimal strings.  Tested by t/600-txn.bats through txcoord.
 */
#ifndef RANGEDB_RAFTD_TXNAPI_H
#define RANGEDB_RAFTD_TXNAPI_H

#include "err.h"
#include "http.h"

struct metrics;
struct raftd_api;
struct txnapi;

#define TXNAPI_MAX_BODY		((size_t)16 << 20)
#define TXNAPI_MAX_SCAN_BODY	((size_t)1 << 20)	/* two keys and a
					 * pushed filter (sqlfilt.h) */
#define TXNAPI_PUSH_WAIT_MS	2000	/* longest wait of one push */
#define TXNAPI_WAITER_TTL_MS	2000	/* a waiter not seen again is gone */
#define TXNAPI_MAX_AHEAD_MS	10000	/* timestamps this far ahead of the
					 * node's clock are refused (tsod may
					 * lead by its 3 s window) */
#define TXNAPI_MISSING_TIMEOUT_MS 3000	/* a record never written: abortable
					 * this long after its intent's ts */

int txnapi_register(struct http_server *s, struct raftd_api *a,
		    struct metrics *reg, struct txnapi **out, struct err *e);
void txnapi_free(struct txnapi *t);

#endif
