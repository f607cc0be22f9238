/*
 * shard.h -- raftd's sharding duties: splitting ranges and keeping the
 * meta range's descriptors current.
 *
 * The meta range (range 1) maps keys to ranges (see desc.h).  It is kept
 * current by the leaders of the ranges themselves: a background thread
 * ("the shard thread", one per node) writes the descriptor of every range
 * this node leads into meta whenever its generation is newer than the one
 * it last wrote (after a split, after a leadership change), through the
 * meta range's leader -- this node's own replica or another node's
 * POST /meta/descriptor.  Meta writes are "put if newer" (NODE_OP_DESC_PUT)
 * and so idempotent and order-free; a leader that dies before writing
 * leaves the job to the next leader.  Meta may lag a split by a moment: a
 * client that meets the wrong range gets RC_RANGE_MOVED and looks again.
 *
 * The same thread splits ranges this node leads once they pass the size
 * threshold, or stay above the load threshold for its duration.
 *
 * Splitting (shard_split, also behind POST /admin/split): the new range id
 * comes from the meta counter (NODE_OP_INCR on DESC_META_COUNTER, through
 * the meta leader), the key defaults to the range's approximate median by
 * size, and the split itself is one NODE_OP_SPLIT command in the range's
 * log carrying the generation it was planned for (see node.c).
 *
 * Tested by t/500-split.bats (real clusters).
 */
#ifndef RANGEDB_RAFTD_SHARD_H
#define RANGEDB_RAFTD_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "desc.h"
#include "err.h"
#include "node.h"

struct shard;

/* Set on meta requests between nodes: the receiver answers, never relays. */
#define SHARD_PROXIED_HEADER	"X-Rangedb-Proxied"

struct shard_opts {
	int auto_split;			/* split by size/load by itself */
	uint64_t split_bytes;		/* 0 = 64 MiB */
	double split_qps;		/* 0 = 10000 */
	uint64_t split_qps_ms;		/* sustained this long; 0 = 60 s */
	uint64_t dead_ms;		/* replace replicas of a node down
					 * this long; 0 = 5 min */
	const char *join;		/* raftd --join ADDR, or NULL */
	const char *self_addr;		/* this node's advertised address */
};

int shard_start(struct shard **out, struct node *n,
		const struct shard_opts *o, struct err *e);
void shard_stop(struct shard *s);	/* NULL is a no-op */

/*
 * Split range_id, which this node must lead (RC_NOT_LEADER otherwise), at
 * key (NULL: the approximate median by size).  On RC_OK left and right
 * (either may be NULL) are the two descriptors.  RC_BAD_INPUT for a key
 * outside the range or a range with fewer than two keys, RC_CONFLICT when
 * the range changed meanwhile (retry).
 */
int shard_split(struct node *n, uint64_t range_id, const void *key,
		size_t klen, struct desc *left, struct desc *right,
		struct err *e);

/*
 * Move range_id's replica from node `from` to node `to` by membership
 * changes, one at a time: add `to` as a learner, create its empty replica
 * there (POST /admin/replica), wait until it caught up (by snapshot),
 * promote it, remove `from`.  This node must lead the range; when `from`
 * is this node, it hands the lead to another replica first and returns
 * RC_NOT_LEADER (ask the new leader).  Re-running a move that stopped
 * half way finishes it.
 */
int shard_move(struct node *n, uint64_t range_id, uint64_t from, uint64_t to,
	       struct err *e);

/*
 * The shard thread also replaces dead replicas: the leader of a range
 * whose voter has not answered for dead_ms moves that replica to a live
 * node that has none (shard_move), so the range is back at full strength.
 */

/*
 * Record node id at addr in meta's node registry (through the meta
 * leader); every node adds registered nodes to its peers within seconds.
 */
int shard_register_node(struct node *n, uint64_t id, const char *addr,
			struct err *e);

/*
 * Merge range_id (led here) with its right neighbour R: freeze R (a Raft
 * command in R: it takes no more writes), fetch R's image from its leader
 * (at most 16 MiB: merging is for small ranges), propose ONE command in
 * range_id's log that carries R's descriptor and image (so every replica
 * of range_id applies the same data, whatever replicas of R it has), then
 * retire R (a command that drops every replica of R).  A failure before
 * the merge command unfreezes R; a failure after it leaves R frozen for
 * the replica check (shard thread) to drop.  merged (may be NULL) gets the
 * new descriptor.
 */
int shard_merge(struct node *n, uint64_t range_id, struct desc *merged,
		struct err *e);

/* GET path (with its query) from the meta leader, wherever it is. */
int shard_meta_get(struct node *n, const char *path, json_t **out,
		   struct err *e);

/* The descriptor of the range holding key, from meta wherever it is. */
int shard_locate_any(struct node *n, const void *key, size_t klen,
		    struct desc *d, struct err *e);

/* Write d into meta, through the meta range's leader wherever it is. */
int shard_meta_put(struct node *n, const struct desc *d, struct err *e);

/* Hand out a new range id (through the meta range's leader). */
int shard_alloc_range_id(struct node *n, uint64_t *id, struct err *e);

/*
 * Read meta on this node, which must lead the meta range (after a read
 * barrier): the descriptors from the one holding key start (NULL: the
 * first), at most limit.  *out is {"ranges":[...], "more":bool}.
 */
int shard_meta_scan(struct node *n, const void *start, size_t slen,
		    size_t limit, json_t **out, struct err *e);

/* The descriptor of the range holding key, from meta on this node. */
int shard_meta_locate(struct node *n, const void *key, size_t klen,
		      struct desc *d, struct err *e);

#endif
