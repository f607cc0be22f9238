/*
 * api.h -- raftd's HTTP interface (see raftd(8) for the full contract).
 *
 *   PUT    /kv/KEY         body = value bytes (<= 1 MiB)  -> 204
 *   DELETE /kv/KEY                                        -> 204
 *   GET    /kv/KEY         -> 200 value bytes | 404 not_found
 *   GET    /kv?start=&end=&limit=  -> {"kvs":[{"key","value"}...],"more"}
 *   POST   /kv/batch       {"ops":[{"op":"put|delete|get",...}]}
 *                          -> {"results":[{"ok":true}|{"value":..}|
 *                                         {"found":false}]}
 *   POST   /raft           raftwire batch from a peer -> 204 | 400
 *   GET    /status, GET /metrics
 *
 * KV requests to a node that does not lead range 2 get 307 with Location
 * on the leader (same path and query) and the JSON error not_leader naming
 * it; with no known leader 503 unavailable.  A write answers 204 only once
 * committed and applied here; after ~5 s it answers 504 timeout (the write
 * may still take effect).  Reads are linearizable (ReadIndex).
 */
#ifndef RANGEDB_RAFTD_API_H
#define RANGEDB_RAFTD_API_H

#include <stdint.h>

#include "err.h"
#include "http.h"
#include "metrics.h"
#include "node.h"

#define RAFTD_API_MAX_VALUE	((size_t)1 << 20)	/* PUT body */
#define RAFTD_API_MAX_BATCH	((size_t)16 << 20)	/* POST /kv/batch */
#define RAFTD_API_MAX_RAFT	((size_t)64 << 20)	/* POST /raft */
#define RAFTD_API_MAX_OPS	10000			/* ops in a batch */
#define RAFTD_API_DEFAULT_LIMIT	1000
#define RAFTD_API_MAX_LIMIT	10000
#define RAFTD_API_MAX_IMAGE	((size_t)16 << 20)	/* GET /admin/image */
#define RAFTD_API_LEADER_WAIT_MS 1500	/* for a leader to be elected */
#define RAFTD_API_MAX_PEERS	64	/* clock offsets remembered */
/* POST /raft with "reply": how long the answer waits for the node */
#define RAFT_REPLY_WAIT_MS	50
#define RAFTD_MAX_CLOCK_OFFSET_MS 500	/* [cluster] max_clock_offset */

struct raftd_api;

struct raftd_api_opts {
	const char *listen;		/* "HOST:PORT" */
	const char *address;		/* advertised in /status */
	const char *version;
	struct metrics *reg;		/* shared with the node */
	const char *secret;		/* [cluster] secret: fault injection
					 * (faultapi.h); NULL: off */
	uint64_t max_offset_ms;		/* peers' clocks further away are
					 * refused; 0: no check */
};

int raftd_api_start(struct raftd_api **out, struct node *n,
		    const struct raftd_api_opts *opts, struct err *e);

/* Port the server listens on. */
unsigned raftd_api_port(const struct raftd_api *a);

/* Stop serving (in-flight requests finish first); NULL is a no-op. */
void raftd_api_stop(struct raftd_api *a);

/* ---- for raftd's other handler modules (txnapi.c) ------------------------ */

struct node *raftd_api_node(struct raftd_api *a);
/*
 * The range for key on this node, led here; 0 with the answer written
 * (400 reserved key, 421 range_moved, 307 to the leader) otherwise.
 */
uint64_t raftd_api_route(struct raftd_api *a, const struct http_req *req,
			 struct http_resp *resp, const void *key, size_t klen);
/* Answer with a node error (not_leader: 307 or 503; range_moved: 421). */
void raftd_api_node_error(struct raftd_api *a, const struct http_req *req,
			  struct http_resp *resp, const struct err *e,
			  uint64_t range_id);

#endif
