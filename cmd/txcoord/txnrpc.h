/*
 * txnrpc.h -- the transaction protocol's calls to range leaders (spec
 * section 4): run calls in parallel, judge their answers, group keys and
 * read spans by range, resolve intents, operate on transaction records.
 *
 * Everything goes through router_call_flags(), so the 307/421/503
 * handling is the router's.  Classification of an answer
 * (txnrpc_answer) is the one place that decides what is certain:
 *   TXNRPC_OK        200
 *   TXNRPC_LOCKED    409 "locked" (the reply lists the intents)
 *   TXNRPC_RETRY     "retry" or "txn_too_old": retryable, nothing done
 *   TXNRPC_ABORTED   409 "aborted": the caller's record is ABORTED
 *   TXNRPC_CONFLICT  any other 409 (e.g. a record op on a record in the
 *                    wrong state)
 *   TXNRPC_MOVED     RC_RANGE_MOVED: the range changed; nothing done
 *   TXNRPC_REFUSED   another 4xx answer: refused, nothing done
 *   TXNRPC_UNSENT    a ROUTER_ONCE call that never reached a leader
 *   TXNRPC_FAILED    a 5xx answer, or no final answer (timeout, lost
 *                    connection): the request MAY have been applied
 *
 * Keys in "keys" arrays (resolve) are JSON strings when valid UTF-8
 * without NUL, else objects {"key_b64":...}.  Read spans are
 * {"key":K} for a point and {"start":S,"end":E} otherwise, "end":"" being
 * +infinity.
 *
 * Thread-safe (the router is).  Tested through t/unit/txn_test.c.
 */
#ifndef RANGEDB_TXCOORD_TXNRPC_H
#define RANGEDB_TXCOORD_TXNRPC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"
#include "txnbuf.h"

struct router;

#define TXNRPC_PAR_MAX		8	/* calls in flight at once */
#define TXNRPC_BATCH_KEYS	1000	/* keys per write/resolve call */
#define TXNRPC_BATCH_BYTES	(1u << 20) /* bytes of ops per write call */

/* ---- calls -------------------------------------------------------------- */

struct txnrpc_call {
	const void *key;	/* routing key (borrowed) */
	size_t klen;
	const char *path;	/* "/txn/write"... (static) */
	json_t *body;		/* owned: txnrpc_call_clear() frees it */
	unsigned flags;		/* ROUTER_ONCE */
	/* results */
	int rc;			/* router's result */
	int status;		/* HTTP status when rc == RC_OK */
	json_t *reply;		/* parsed reply or NULL */
	struct err err;		/* router's message when rc != RC_OK */
};

enum txnrpc_answer {
	TXNRPC_OK = 0,
	TXNRPC_LOCKED,
	TXNRPC_RETRY,
	TXNRPC_ABORTED,
	TXNRPC_CONFLICT,
	TXNRPC_MOVED,
	TXNRPC_REFUSED,
	TXNRPC_UNSENT,
	TXNRPC_FAILED
};

/* Free body and reply, zero the results (the call may be reused). */
void txnrpc_call_clear(struct txnrpc_call *c);

/* Run one call / n calls (in parallel, TXNRPC_PAR_MAX at a time). */
void txnrpc_run1(struct router *r, struct txnrpc_call *c);
void txnrpc_run(struct router *r, struct txnrpc_call *calls, size_t n);

int txnrpc_answer(const struct txnrpc_call *c);

/*
 * An error for a call that did not succeed: the router's code and message,
 * or the leader's, prefixed with what ("write intents at 'k'").  Retryable
 * answers give RC_CONFLICT with "retry: " in front.
 */
int txnrpc_error(const struct txnrpc_call *c, const char *what,
		 struct err *e);

/* ---- keys and spans by range -------------------------------------------- */

struct txnrpc_key {
	const unsigned char *p;
	size_t n;
	size_t weight;		/* bytes it adds to a request */
};

struct txnrpc_group {
	size_t first, n;	/* keys[first .. first + n) */
	uint64_t range_id;
};

/*
 * Cut the sorted keys[0..n) into runs that lie in one range (as the
 * router's cache says), at most max_keys keys and max_bytes of weight per
 * run (a single heavier key gets a run of its own).  *out malloc'd.
 */
int txnrpc_group_keys(struct router *r, const struct txnrpc_key *keys,
		      size_t n, size_t max_keys, size_t max_bytes,
		      struct txnrpc_group **out, size_t *ngroups,
		      struct err *e);

/* The keys of a write buffer, in order, weighted by op size; malloc'd. */
int txnrpc_buf_keys(const struct txnbuf *b, struct txnrpc_key **out,
		    struct err *e);

struct txnrpc_spans {
	uint64_t range_id;
	unsigned char *key;	/* routing key: the first span's start */
	size_t klen;
	json_t *spans;		/* array of span objects */
};

/*
 * The normalized spans s, cut at range boundaries and grouped by range
 * (one group per range, in key order).
 */
int txnrpc_split_spans(struct router *r, const struct txnspans *s,
		       struct txnrpc_spans **out, size_t *n, struct err *e);
void txnrpc_spans_free(struct txnrpc_spans *g, size_t n);

/* ---- intents and records ------------------------------------------------ */

/* A "keys" array element for key. */
json_t *txnrpc_key_json(const void *key, size_t klen);

/*
 * /txn/resolve the intents of transaction id on the sorted keys[0..n):
 * committed at ts, or aborted.  RC_OK once every range answered 200.
 */
int txnrpc_resolve(struct router *r, const unsigned char id[16],
		   int committed, uint64_t ts, const struct txnrpc_key *keys,
		   size_t n, struct err *e);

/*
 * Fill c with a /txn/record call routed by anchor: op "heartbeat"
 * (timeout_ms used), "commit" (ts used), "abort", "gc" or "query", and
 * run it.  The caller judges c and clears it.
 */
int txnrpc_record(struct router *r, const unsigned char id[16],
		  const void *anchor, size_t alen, const char *op,
		  uint64_t ts, unsigned timeout_ms, struct txnrpc_call *c);

/*
 * The same, a commit that also resolves res[0..nres), the transaction's
 * keys in the anchor's range, in the record's own command (raftd applies
 * them only if the record commits at ts; the answer's "resolved" counts
 * them).  A key no longer in that range makes the whole command 421.
 * ride (borrowed; NULL none) goes as the body's "ride": other
 * transactions' resolutions riding along (txnbg_ride_take).
 */
int txnrpc_record_resolve(struct router *r, const unsigned char id[16],
			  const void *anchor, size_t alen, const char *op,
			  uint64_t ts, unsigned timeout_ms,
			  const struct txnrpc_key *res, size_t nres,
			  json_t *ride, struct txnrpc_call *c);

#endif
