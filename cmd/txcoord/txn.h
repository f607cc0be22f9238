/*
 * txn.h -- txcoord's transaction engine: optimistic, buffered-write,
 * SERIALIZABLE transactions over the ranges of a rangedb cluster
 * (docs: the issue 6 spec, sections 0, 4 and 5).
 *
 * A transaction reads at its read timestamp rts (from tsod) at the range
 * leaders and buffers its writes here until txn_commit().  Every read that
 * reaches a range -- a get that found nothing and every scan included --
 * is recorded in the read set.  Commit:
 *   - 1PC when every write falls in one range: one /txn/commit1pc command
 *     writes at cts after the range checked the reads of that range in
 *     (rts, cts]; reads elsewhere are refreshed first when the range had
 *     to push cts above what was asked;
 *   - 2PC otherwise: intents per range in parallel (the anchor's range --
 *     the smallest written key -- also creates the PENDING transaction
 *     record), cts = max(rts, the intents' timestamps), every read span
 *     refreshed to cts when cts > rts, then the record -> COMMITTED (the
 *     commit point), then the intents resolved asynchronously and the
 *     record garbage-collected.  Records of transactions in this phase are
 *     heartbeated by a background thread.
 *   - A foreign intent met on the way (409 locked) is pushed: committed or
 *     aborted owners get their intent resolved, live ones are waited for,
 *     with deadlock detection (spec section 4) for transactions that own a
 *     record; then the request is sent again.
 *
 * Guarantees:
 *   - RC_OK from txn_commit() only when the 1PC command or the record said
 *     committed.  When the commit point may or may not have been reached
 *     (a timeout, a lost connection or a 5xx on the deciding call) the
 *     result is RC_UNAVAILABLE with "outcome unknown" in the message, never
 *     a conflict; the engine then keeps trying to finish the record in the
 *     background (commit is idempotent, an abort by a pusher wins).
 *   - Retryable failures (write/read conflicts, refresh failures,
 *     deadlocks, aborts by pushers, waits that time out, txn_too_old) are
 *     RC_CONFLICT with a message that starts "retry: " and names the key
 *     and the other transaction when known.  The transaction is then
 *     aborted and may not be used again (but must still be freed).
 *   - After a commit that had to move cts above rts, txn_commit() waits
 *     until tsod hands out timestamps >= cts (commit wait), so any
 *     transaction that begins after the reply sees the write.
 *   - Thread-safe at the engine level; one struct txn is used by one
 *     thread at a time (the session table below serializes requests).
 *
 * Tested in t/unit/txn_test.c (against fake raftd and tsod endpoints).
 */
#ifndef RANGEDB_TXCOORD_TXN_H
#define RANGEDB_TXCOORD_TXN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define TXN_ID_LEN		16
#define TXN_ID_HEX		(2 * TXN_ID_LEN + 1)	/* hex + NUL */

#define TXN_DEFAULT_TIMEOUT_MS	3000	/* record expiry without heartbeat */
#define TXN_DEFAULT_HEARTBEAT_MS 500
#define TXN_DEFAULT_IDLE_MS	60000	/* idle interactive txn aborted */
#define TXN_DEFAULT_MAX_RETRIES	10	/* one-shot txn_run() */
#define TXN_MAX_OPEN		100000	/* open interactive transactions */
#define TXN_SCAN_MAX		10000	/* rows one txn_scan() returns */

struct tso;
struct router;
struct metrics;
struct txn_engine;
struct txn;

/* ---- the engine --------------------------------------------------------- */

struct txn_engine_opts {
	struct tso *tso;		/* read timestamps (borrowed) */
	struct router *router;		/* range leaders (borrowed) */
	struct metrics *reg;		/* NULL: no metrics */
	unsigned txn_timeout_ms;	/* record timeout; 0 = default */
	unsigned heartbeat_ms;		/* 0 = default */
	unsigned idle_timeout_ms;	/* 0 = default */
	unsigned max_retries;		/* one-shot retries on 40001 (as is:
					   0 = no retry) */
	unsigned ride_wait_ms;		/* a resolution's wait for a ride
					   (txnbg.h); 0 = default */
};

/*
 * Start the engine: registers its metrics, starts the heartbeat/idle
 * thread and the resolver thread.  tso and router must outlive it.
 */
int txn_engine_new(struct txn_engine **out,
		   const struct txn_engine_opts *opts, struct err *e);

/*
 * Stop: aborts the open interactive transactions, finishes the queued
 * resolutions (one attempt each), joins the threads, frees everything.
 * No call on the engine may be running or start (stop the HTTP server
 * first).  NULL is a no-op.
 */
void txn_engine_free(struct txn_engine *eng);

/* Counters for /status. */
struct txn_stats {
	uint64_t open_txns;		/* interactive, in the session table */
	uint64_t committing;		/* 2PC commits in flight */
	uint64_t commits_1pc, commits_2pc, commits_readonly;
	uint64_t aborts;		/* every reason */
	uint64_t retries;		/* one-shot attempts repeated */
	uint64_t unknown;		/* commits with outcome unknown */
	uint64_t pushes;		/* /txn/push calls */
	uint64_t resolve_pending;	/* async resolution jobs queued */
	uint64_t resolved;		/* resolution jobs done */
	uint64_t resolve_dropped;	/* given up: intents left to pushers */
	uint64_t resolve_rode;		/* resolved riding on a command */
	uint64_t heartbeats;		/* record heartbeats sent */
};
void txn_engine_stats(struct txn_engine *eng, struct txn_stats *st);

/* ---- one transaction ---------------------------------------------------- */

/* A new transaction reading at a fresh timestamp from tsod. */
int txn_begin(struct txn_engine *eng, struct txn **out, struct err *e);

/*
 * A read-only transaction reading at ts (AS OF SYSTEM TIME): RC_BAD_INPUT
 * for a timestamp above tsod's current one; its writes are refused.
 * Reads older than the ranges' GC horizon fail with a retryable error.
 */
int txn_begin_at(struct txn_engine *eng, uint64_t ts, struct txn **out,
		 struct err *e);

/* Rolls back (if still open) and frees.  NULL is a no-op. */
void txn_free(struct txn *t);

/* The id as 32 lowercase hex characters; the read timestamp. */
const char *txn_id_hex(const struct txn *t);
uint64_t txn_read_ts(const struct txn *t);

/*
 * Keys: the user keyspace starts at byte 0x02 (below it is range
 * metadata), so txn_get, txn_put and txn_delete refuse an empty key or one
 * starting with 0x00 or 0x01 (RC_BAD_INPUT), and txn_scan starts at 0x02
 * at the lowest.  Keys are at most 64 KiB, values 64 MiB.
 */

/*
 * Read key at rts, the transaction's own buffered write first.  *found
 * 0/1; when 1, *val is malloc'd (NUL-terminated past *vlen; the caller
 * frees).
 */
int txn_get(struct txn *t, const void *key, size_t klen, int *found,
	    void **val, size_t *vlen, struct err *e);

struct txn_kv {
	void *key;
	size_t klen;
	void *val;		/* NUL-terminated past vlen */
	size_t vlen;
};

struct txn_kvs {
	struct txn_kv *items;
	size_t n;
	int more;		/* 1: rows remain; go on from resume */
	void *resume;		/* the next key to read (inclusive) */
	size_t resume_len;
};

/*
 * Up to limit (1 .. TXN_SCAN_MAX) rows of [start, end) (elen 0: to the
 * end of the keyspace) at rts, across ranges, with the buffered writes
 * merged in (puts shown, deletes hidden).  out is filled (release it with
 * txn_kvs_release) only on RC_OK.
 */
int txn_scan(struct txn *t, const void *start, size_t slen, const void *end,
	     size_t elen, size_t limit, struct txn_kvs *out, struct err *e);
/*
 * txn_scan with a row filter pushed to the ranges (sqlfilt.h's wire
 * form): the ranges may leave out stored rows it rejects, so out holds
 * those that pass plus the transaction's own buffered writes of the span,
 * unfiltered (the caller applies its filter to everything).  The read
 * span recorded for SERIALIZABLE validation is the whole span examined,
 * rows left out included.
 */
int txn_scan_filtered(struct txn *t, const void *start, size_t slen,
		      const void *end, size_t elen, size_t limit,
		      const json_t *filter, struct txn_kvs *out,
		      struct err *e);
void txn_kvs_release(struct txn_kvs *r);

/* Buffer a write (nothing is sent before commit). */
int txn_put(struct txn *t, const void *key, size_t klen, const void *val,
	    size_t vlen, struct err *e);
int txn_delete(struct txn *t, const void *key, size_t klen, struct err *e);
/*
 * Buffer an increment of key by `by` that the range evaluates when the
 * write applies (its latest committed value, a decimal integer or absent
 * = 0, plus by): no read, no read span, so no refresh can fail on it.
 * When the commit succeeds *out holds the value written.  The key must
 * not be read or scanned again in this transaction (that is refused); a
 * later put or delete of it replaces the increment.
 */
int txn_incr(struct txn *t, const void *key, size_t klen, int64_t by,
	     int64_t *out, struct err *e);

/*
 * Commit.  On RC_OK *cts is the commit timestamp and *one_pc (may be NULL)
 * 1 for a 1PC or read-only commit, 0 for 2PC.  Whatever the result the
 * transaction is finished afterwards (see the guarantees above).
 */
int txn_commit(struct txn *t, uint64_t *cts, int *one_pc, struct err *e);

/* Abandon an open transaction (its writes were never sent). */
void txn_rollback(struct txn *t);

/* ---- one-shot transactions ---------------------------------------------- */

/*
 * Run body in a fresh transaction and commit it, again (up to max_retries
 * times, after a jittered backoff) while body or the commit fail with
 * RC_CONFLICT; body must start from scratch on every call (attempt counts
 * from 0).  Any other failure of body aborts and is returned as is.
 * On RC_OK: *cts, *one_pc and *retries (attempts repeated) are set.
 */
typedef int (*txn_body_fn)(struct txn *t, void *arg, unsigned attempt,
			   struct err *e);
int txn_run(struct txn_engine *eng, txn_body_fn body, void *arg,
	    uint64_t *cts, int *one_pc, unsigned *retries, struct err *e);

/* ---- the session table (interactive transactions over HTTP) ------------- */

/*
 * Begin a transaction and keep it in the table under its id; it stays
 * there until committed, rolled back, aborted by a retryable error, or
 * idle (no request running) for idle_timeout_ms.  *out is acquired: the
 * caller releases it with txn_session_release().
 */
int txn_session_begin(struct txn_engine *eng, struct txn **out,
		      struct err *e);

/*
 * The open transaction with this id (32 hex characters), for this
 * caller's exclusive use until txn_session_release() (a concurrent
 * request for the same id waits).  RC_BAD_INPUT for a malformed id,
 * RC_NOT_FOUND for an unknown, finished or expired one.
 */
int txn_session_acquire(struct txn_engine *eng, const char *id_hex,
			struct txn **out, struct err *e);

/*
 * Give the transaction back; a finished one (committed, rolled back,
 * aborted) leaves the table and is freed.  Restarts the idle clock.
 */
void txn_session_release(struct txn *t);

#endif
