/*
 * txnbg.h -- the transaction engine's background work: heartbeats of the
 * records of transactions in their commit phase, and the asynchronous
 * resolution of finished transactions (spec section 0, step 4).
 *
 * Heartbeats: a registered transaction's record gets a /txn/record
 * "heartbeat" every heartbeat_ms (the first one heartbeat_ms after
 * registration) until txnbg_hb_stop(), which waits for a heartbeat in
 * flight, so that none is sent after it returns (a late heartbeat would
 * re-create a record already garbage-collected).  A heartbeat answered
 * 409 aborted marks the registration (txnbg_hb_aborted()).
 *
 * Resolution: a queued job turns the intents of a transaction on its
 * written keys into versions at cts (committed) or removes them
 * (aborted), then garbage-collects the record.  Aborted jobs first make
 * sure the record says ABORTED.  An outcome-unknown job first sends the
 * record "commit" again (idempotent; an abort by a pusher wins) and then
 * goes on as committed or aborted.  A job that fails is retried with a
 * growing pause, TXNBG_MAX_ATTEMPTS times at most; after that it is
 * dropped with an error in the log (the intents are then left to
 * pushers, which resolve them from the record).
 *
 * Thread-safe.  Tested through t/unit/txn_test.c.
 */
#ifndef RANGEDB_TXCOORD_TXNBG_H
#define RANGEDB_TXCOORD_TXNBG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "txnbuf.h"

#define TXNBG_MAX_ATTEMPTS	12

struct router;
struct txnbg;
struct txnbg_hb;

struct txnbg_opts {
	struct router *router;		/* borrowed */
	unsigned heartbeat_ms;		/* > 0 */
	unsigned timeout_ms;		/* the records' timeout, > 0 */
	unsigned ride_wait_ms;		/* a resolution's wait for a ride;
					   0 = TXNBG_RIDE_WAIT_MS */
};

int txnbg_new(struct txnbg **out, const struct txnbg_opts *o,
	      struct err *e);

/*
 * Stop the heartbeats (no registration may remain), give every queued
 * job one more attempt, join the threads and free.  NULL is a no-op.
 */
void txnbg_free(struct txnbg *bg);

/* ---- heartbeats --------------------------------------------------------- */

/* Heartbeat the record of id at anchor (copied) from now on. */
int txnbg_hb_start(struct txnbg *bg, const unsigned char id[16],
		   const void *anchor, size_t alen, struct txnbg_hb **out,
		   struct err *e);

/* 1 once a heartbeat found the record ABORTED. */
int txnbg_hb_aborted(struct txnbg_hb *h);

/* No more heartbeats (waits for one in flight); frees h.  NULL: no-op. */
void txnbg_hb_stop(struct txnbg_hb *h);

/* ---- resolution --------------------------------------------------------- */

#define TXNBG_WORKERS	8	/* resolver threads */

enum txnbg_outcome {
	TXNBG_COMMITTED = 1,
	TXNBG_ABORTED,
	TXNBG_UNKNOWN		/* commit point in doubt; cts the one tried */
};

/*
 * Queue the resolution of id's intents on the keys of writes (its
 * contents are taken: *writes is left empty) and then the record's
 * garbage collection (anchor copied).  The first skip keys (in the
 * buffer's order) are resolved already: the commit did it in the record's
 * own command.
 */
int txnbg_resolve(struct txnbg *bg, const unsigned char id[16], int outcome,
		  uint64_t cts, const void *anchor, size_t alen,
		  struct txnbuf *writes, size_t skip, struct err *e);

/*
 * Riding resolutions (see txnbg.c): a committed job whose remaining
 * intents all lie in one range waits a few milliseconds for a command of
 * this coordinator to that range to take it along.  txnbg_ride_take()
 * takes the jobs waiting for range_id (ride->n of them; none: n 0 and
 * batch NULL); send ride->batch as the command's "ride" member (raftd
 * proposes it in the same Raft round) and hand the command's answer to
 * txnbg_ride_done() (NULL when there is none).  An answer whose "ride"
 * says "resolved" settles the jobs; any other sends them the resolver's
 * way at once.  Every take needs its done.
 */
#define TXNBG_RIDE_WAIT_MS	5	/* default wait for a ride */
#define TXNBG_RIDE_JOBS		8	/* jobs one command carries */
#define TXNBG_RIDE_KEYS		32	/* their keys, at most */

struct txnbg_ride {
	struct txnbg_job *js[TXNBG_RIDE_JOBS];
	size_t n;
	json_t *batch;		/* the "ride" array; NULL when n is 0 */
};

void txnbg_ride_take(struct txnbg *bg, uint64_t range_id,
		     struct txnbg_ride *ride);
void txnbg_ride_done(struct txnbg *bg, struct txnbg_ride *ride,
		     const json_t *reply);

struct txnbg_stats {
	uint64_t committing;	/* registered for heartbeats */
	uint64_t heartbeats;	/* heartbeats sent */
	uint64_t pending;	/* jobs queued or running */
	uint64_t resolved;	/* jobs done */
	uint64_t dropped;	/* jobs given up */
	uint64_t rode;		/* jobs whose intents rode on a command */
};
void txnbg_get_stats(struct txnbg *bg, struct txnbg_stats *st);

#endif
