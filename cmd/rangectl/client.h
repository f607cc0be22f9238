/*
 * client.h -- rangectl's access to a cluster: which node to ask, the meta
 * lookups (/meta/ranges, /meta/locate, /meta/nodes), each node's /status,
 * and admin requests routed to a range's leader.
 *
 * Guarantees:
 *   - Every request has a time limit (the --timeout, default 5 s, for the
 *     connection and the whole request alike), so no call hangs on a dead
 *     node.  An admin request whose server side may wait (transfer-leader
 *     waits up to 5 s for the new leader, a merge up to about 25 s, a move
 *     up to about 70 s for the new replica to catch up) gets extra time on
 *     top for the request, never for the connection.
 *   - The entry nodes (--node or the config's [node.N] addresses) are tried
 *     in order; the first that answers at all is used from then on.  Only
 *     when none answers is that an error (RC_UNAVAILABLE or RC_TIMEOUT,
 *     naming the first failure): "no node answers: cannot connect to ...".
 *     A node that answers but cannot serve the request (unavailable,
 *     not_leader without a usable hint, range_moved: e.g. it holds no
 *     replica of meta, or only a stale one) is passed over too, and when
 *     no entry node serves it the other nodes of /meta/nodes are asked;
 *     when none serves it, the first such refusal is the error.
 *   - A not_leader answer (307 or 421 with "leader_addr", or a "leader" id
 *     found in /meta/nodes) is followed to the node it names, at most
 *     CLIENT_MAX_HOPS times per call.
 *   - A non-idempotent request (POST) is sent to another node only when the
 *     previous one was never reached (the connection failed) or refused it
 *     (not_leader, not_found, unavailable); after a timeout it is not
 *     repeated, since the server may have acted on it.
 *   - An error answer keeps the server's code (so rc_exit_status() gives
 *     the exit status: 1 for "no", 3 for "try again") and reads
 *     "ADDR: server's message".
 *
 * Not thread-safe: one struct client per thread.  Tested by
 * t/511-rangectl-cli.bats (unreachable nodes) and the rangectl cluster
 * tests.
 */
#ifndef RANGEDB_RANGECTL_CLIENT_H
#define RANGEDB_RANGECTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "desc.h"
#include "err.h"

#define CLIENT_MAX_HOPS		2	/* not_leader hints followed per call */
#define CLIENT_TIMEOUT_MS	5000	/* default time limit per request */
#define CLIENT_WAIT_EXTRA_MS	5000	/* transfer-leader's server-side wait */
#define CLIENT_MERGE_EXTRA_MS	30000	/* a merge: freeze, copy, commit */
#define CLIENT_MOVE_EXTRA_MS	70000	/* a move: snapshot catch-up (60 s) */

struct client;

/* A node of the cluster as GET /meta/nodes lists it. */
struct client_node {
	uint64_t id;
	char *addr;
};

/* ---- life cycle --------------------------------------------------------- */

/*
 * A client that enters the cluster through addrs[0..n) (HOST:PORT each,
 * copied), with timeout_ms per request (0 = CLIENT_TIMEOUT_MS).
 */
int client_new(struct client **out, const char *const *addrs, size_t n,
	       long timeout_ms, struct err *e);
void client_free(struct client *c);

/* ---- requests ----------------------------------------------------------- */

/*
 * method path (body may be NULL) to the cluster: the entry nodes in order,
 * following not_leader hints.  *out is the 2xx reply (JSON null for an
 * empty body); the caller decrefs it.
 */
int client_call(struct client *c, const char *method, const char *path,
		const json_t *body, json_t **out, struct err *e);

/*
 * POST body to path on the leader of range r: the replicas in order,
 * following not_leader hints; extra_ms is added to the time limit of the
 * request (not of the connection).
 */
int client_range_call(struct client *c, const struct desc *r,
		      const char *path, const json_t *body, long extra_ms,
		      json_t **out, struct err *e);

/* ---- meta lookups ------------------------------------------------------- */

/* Every node (GET /meta/nodes, asked once and kept); borrowed array. */
int client_meta_nodes(struct client *c, const struct client_node **nodes,
		      size_t *n, struct err *e);

/* Address of node id from /meta/nodes, or NULL if unknown. */
const char *client_node_addr(struct client *c, uint64_t id);

/*
 * Every range descriptor in key order (GET /meta/ranges, all pages), in a
 * malloc'd array the caller frees.
 */
int client_meta_ranges(struct client *c, struct desc **out, size_t *n,
		       struct err *e);

/* The descriptor of range_id (RC_NOT_FOUND when the meta has none). */
int client_meta_find(struct client *c, uint64_t range_id, struct desc *out,
		     struct err *e);

/*
 * The range holding key (GET /meta/locate) and the leader the answering
 * node knows of (0 = unknown).
 */
int client_meta_locate(struct client *c, const void *key, size_t len,
		       struct desc *out, uint64_t *leader, struct err *e);

/* ---- nodes -------------------------------------------------------------- */

/*
 * GET /status of node id (address from /meta/nodes), asked once and kept:
 * *st is borrowed from the client, and *mid_wall_ms the local wall clock
 * (ms since the epoch) at the middle of the request.
 */
int client_node_status(struct client *c, uint64_t id, const json_t **st,
		       int64_t *mid_wall_ms, struct err *e);

/*
 * Forget the /status replies kept so far: the next client_node_status()
 * of each node asks it again (after a change, to see its effect).
 */
void client_forget_status(struct client *c);

/*
 * A descriptor in a reply (desc_from_json), as RC_CORRUPT "WHAT: reason"
 * when it is malformed: the cluster broke its promise.
 */
int client_desc(const json_t *j, struct desc *out, const char *what,
		struct err *e);

#endif
