/*
 * router.h -- txcoord's way to a range's leader: a cache of range
 * descriptors and leaders, and POSTs sent to the leader of the range that
 * holds a key.
 *
 * Where a key lives is learnt from raftd's meta endpoints (GET
 * /meta/locate?key=... on any node, which raftd proxies to the meta
 * leader; GET /meta/nodes for node id -> address) and kept: descriptors by
 * end key, the leader of each cached range, the node table.  A call whose
 * range is cached costs no lookup.  The cache is corrected by what the
 * nodes answer:
 *   - 307 not_leader: the reply names the leader ("leader_addr" /
 *     "leader" in the error object); the same POST body is sent there, and
 *     the leader remembered -- unless the reply's "range_id" is not the
 *     cached range's: then the cached descriptor is stale (a split) and
 *     dropped, so the next call locates the key afresh;
 *   - a final answer whose "range_id" differs from the cached range's
 *     drops the cached descriptor likewise;
 *   - 421 range_moved: the cached range is dropped (the descriptor the
 *     reply carries, if any, taken instead, else the key located afresh)
 *     and the call is sent again -- once per call; a second 421 returns
 *     RC_RANGE_MOVED;
 *   - 503 unavailable, connection refused or reset, timeout: the next
 *     replica of the range (then every known node) is tried, with a
 *     growing pause between rounds, until the call's deadline
 *     (ROUTER_DEADLINE_MS unless router_set_deadline() says otherwise);
 *     then RC_UNAVAILABLE (or RC_TIMEOUT) naming the last failure.
 * Any other HTTP answer (200, 400, 404, 409, 500...) is final: RC_OK, with
 * the status and the parsed body for the caller to judge.
 *
 * Resending: a request is sent again after a timeout or a lost connection
 * as well (the spec's rule: every /txn/ call of raftd is safe to repeat,
 * or its repetition is refused and the caller resolves the doubt);
 * ROUTER_ONCE in router_call_flags() forbids that.
 *
 * Thread-safe: any number of threads may call at once.  Cache reads take
 * a lock, never the network; HTTP connections come from a pool per address
 * and are kept alive between calls.  A single request may outlast the
 * deadline by up to one request time limit (= the deadline): the deadline
 * stops retries, it does not cut a request short.
 *
 * Tested in t/unit/router_test.c.
 */
#ifndef RANGEDB_TXCOORD_ROUTER_H
#define RANGEDB_TXCOORD_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "desc.h"
#include "err.h"

#define ROUTER_DEADLINE_MS	5000	/* default time limit of one call */

/* router_call_flags() flags */
/*
 * ROUTER_ONCE: never resend a request that may have taken effect.  After
 * a timeout or a connection lost mid-request, or a 307/5xx refusal that
 * says its outcome is unknown ("error":{"ambiguous":true}, or raftd's
 * "may or may not have taken effect" / "leadership lost"), the call
 * fails (RC_TIMEOUT / RC_UNAVAILABLE) with "outcome unknown" in the
 * message; so does a reply that cannot be read (RC_CORRUPT, RC_TOO_LARGE).
 * A failure WITHOUT "outcome unknown" in its message means the request
 * never took effect.  Refusals that say nothing happened (connection
 * refused, 503 no leader, 307 before acting, 421) are still retried.
 */
#define ROUTER_ONCE	0x1

struct router;

/*
 * A router entering the cluster through the raftd nodes addrs[0..n)
 * ("HOST:PORT", copied; n >= 1).  Nothing is asked yet.
 */
int router_new(struct router **out, const char *const *addrs, size_t n,
	       struct err *e);

/* Free r and its connections (no call may be running).  NULL is a no-op. */
void router_free(struct router *r);

/* Time limit of one router_call/locate in ms (0 = ROUTER_DEADLINE_MS). */
void router_set_deadline(struct router *r, unsigned ms);

/*
 * POST body (a JSON object; NULL sends {}) to path on the leader of the
 * range holding key[0..klen).  On RC_OK, *status is the HTTP status of the
 * final answer and *reply its parsed body (JSON null when empty; the
 * caller decrefs).  On failure *reply is NULL and *status 0:
 * RC_UNAVAILABLE / RC_TIMEOUT (no leader reachable before the deadline),
 * RC_RANGE_MOVED (421 again after relocating once), RC_CORRUPT (a reply
 * that is not JSON, or a malformed meta answer), RC_BAD_INPUT (from
 * /meta/locate: e.g. a reserved key), RC_NOMEM.
 */
int router_call(struct router *r, const void *key, size_t klen,
		const char *path, const json_t *body, json_t **reply,
		int *status, struct err *e);

/* router_call with flags (ROUTER_ONCE). */
int router_call_flags(struct router *r, const void *key, size_t klen,
		      const char *path, const json_t *body, unsigned flags,
		      json_t **reply, int *status, struct err *e);

/*
 * The descriptor of the range holding key (from the cache, else
 * /meta/locate), copied into *d.  The caller groups keys by range and
 * splits scans at d->end (empty end = the last range).  The answer may be
 * stale; router_call() corrects itself, and a caller that got a 421 or a
 * wrong-range answer calls router_invalidate().
 */
int router_locate(struct router *r, const void *key, size_t klen,
		  struct desc *d, struct err *e);

/* Forget the cached descriptor and leader of range_id (unknown: no-op). */
void router_invalidate(struct router *r, uint64_t range_id);

/* Counters since router_new(), for /status and /metrics. */
struct router_stats {
	uint64_t calls;		/* router_call*() calls */
	uint64_t requests;	/* HTTP requests to range leaders */
	uint64_t locates;	/* GET /meta/locate requests */
	uint64_t redirects;	/* 307 answers followed */
	uint64_t moved;		/* 421 answers */
	uint64_t retries;	/* 503 / unreachable / timeout retried */
	uint64_t cached_ranges;	/* descriptors in the cache now */
};
void router_get_stats(struct router *r, struct router_stats *st);

#endif
